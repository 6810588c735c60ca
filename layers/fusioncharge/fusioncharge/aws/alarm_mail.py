"""The no-push alarm's first mail, which SNS would otherwise drop.

A new alarm whose metric has no data yet goes to ALARM about a minute after the deploy, while
the e-mail subscription still awaits its confirmation: SNS delivers that notification to no
one, and an alarm that stays in ALARM never notifies again. So a setup that never pushed would
never be mailed. A run that did not push calls `rearm_once_confirmed`: the first time it finds
the subscription confirmed, an alarm already in ALARM is set back to OK, and CloudWatch's next
evaluation (within a minute, the runs still pushing nothing) sets it to ALARM again and mails.

Not before the alarm is SETTLE_SECONDS old: a first run that fails once (or waits for Huawei's
window) must not mail about a stack deployed minutes ago; the first run after that does it.

A tag on the alarm records which e-mail subscriptions were seen confirmed (their ids, the tail
of the subscription ARN: never the address), so this happens once per address: the check costs
two calls per non-pushing run afterwards, and none at all while runs push. Only an e-mail
subscription counts: an SMS or https one confirmed says nothing about the mail. A new
AlarmEmail is a new subscription, so its confirmation re-arms the alarm again.
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS, aws_reason

logger = logging.getLogger(__name__)

ALARM_ENV = ("ALARM_ARN", "ALARM_TOPIC_ARN")  # the function's environment, set by the template
CHECK_SECONDS = 5 * AWS_CALL_MAX_SECONDS + 3.0  # rearm_once_confirmed: five calls at worst
SETTLE_SECONDS = 20 * 60  # with 5-minute runs, the mail follows the deploy within 30 minutes
CONFIRMED_TAG = "mail-confirmed-seen"  # value: the seen subscriptions' ids, space-separated
MAIL_PROTOCOLS = frozenset({"email", "email-json"})
REARM_REASON = (
    "Re-armed by the poller: the alarm's mail subscription is confirmed now, and the alarm "
    "went to ALARM before anyone could be mailed"
)


def check_alarm_mail(
    env: Mapping[str, str], seconds_left: float, aws_client: Callable[[str], Any], now: float
) -> None:
    """After a run that did not push: rearm_once_confirmed, when the stack has an alarm mail
    (ALARM_ENV). Never fails the run: the alarm is a report about runs, not part of one; a run
    short of time for its five calls leaves it to the next (its metrics must still flush)."""
    alarm, topic = (env.get(name) for name in ALARM_ENV)
    if not alarm or not topic:
        return  # no AlarmEmail, or a local run
    if seconds_left < CHECK_SECONDS:
        return
    try:
        cloudwatch, sns = aws_client("cloudwatch"), aws_client("sns")
        done = rearm_once_confirmed(cloudwatch, sns, alarm, topic, now=now)
    except Exception as exc:  # any AWS trouble: said, and the run goes on
        logger.warning("could not check the alarm's mail subscription: %s", aws_reason(exc))
        return
    if done == "re-armed":
        logger.warning("the alarm mail is confirmed now: re-armed the alarm, which mails next")


def rearm_once_confirmed(
    cloudwatch: Any, sns: Any, alarm_arn: str, topic_arn: str, now: float | None = None
) -> str:
    """What was done: "seen before", "pending", "too early", "confirmed" or "re-armed"."""
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm_arn).get("Tags", [])
    seen = next((t.get("Value", "") for t in tags if t.get("Key") == CONFIRMED_TAG), None)
    confirmed = confirmed_mail(sns, topic_arn)
    if seen is not None and (set(confirmed) <= set(seen.split()) or _epoch(seen)):
        if confirmed and _epoch(seen):  # written before the tag named subscriptions
            _tag(cloudwatch, alarm_arn, confirmed)
        return "seen before"
    if not confirmed:
        return "pending"
    now = time.time() if now is None else now
    name = alarm_arn.rsplit(":alarm:", 1)[-1]
    alarms = cloudwatch.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
    alarm = alarms[0] if alarms else {}
    in_alarm = alarm.get("StateValue") == "ALARM"
    created = alarm.get("AlarmConfigurationUpdatedTimestamp")
    if in_alarm and created is not None and now - created.timestamp() < SETTLE_SECONDS:
        return "too early"
    _tag(cloudwatch, alarm_arn, confirmed)
    if not in_alarm:
        return "confirmed"
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason=REARM_REASON)
    return "re-armed"


def confirmed_mail(sns: Any, topic_arn: str) -> list[str]:
    """The ids of the topic's confirmed e-mail subscriptions (their owner clicked AWS's link):
    a pending one has "PendingConfirmation" for its ARN; SMS, https and the like are no mail."""
    found = sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    return sorted(
        str(s["SubscriptionArn"]).rsplit(":", 1)[-1]
        for s in found
        if s.get("Protocol") in MAIL_PROTOCOLS
        and str(s.get("SubscriptionArn", "")).startswith("arn:")
    )


def _tag(cloudwatch: Any, alarm_arn: str, confirmed: list[str]) -> None:
    value = " ".join(confirmed)[:256]  # a tag value's limit; one address is one 36-char id
    cloudwatch.tag_resource(ResourceARN=alarm_arn, Tags=[{"Key": CONFIRMED_TAG, "Value": value}])


def _epoch(value: str) -> bool:
    """The tag as first written: the epoch seconds of the first confirmation seen."""
    return value.isdigit()
