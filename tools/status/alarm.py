"""`make status`'s alarm lines: the no-push alarm's state, and whether its mail reaches anyone.

The alarm is found by the name CloudFormation gives it (stack-NoPushAlarm-XXXX); its action is
the mail topic, whose e-mail subscription is "PendingConfirmation" until the link is clicked.
"""

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def alarm_lines(session: Any, stack: str) -> list[tuple[str, str]]:
    """(label, text) lines; an alarm AWS would not show is said, never raised."""
    try:
        found = session.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{stack}-NoPushAlarm")
        alarms = found.get("MetricAlarms", [])
        if not alarms:
            return [("alarm", "not found (make deploy creates it)")]
        alarm = alarms[0]
        since = alarm.get("StateUpdatedTimestamp")
        at = f" since {_clock(since)}" if isinstance(since, datetime) else ""
        lines = [("alarm", f"{alarm['StateValue']}{at} (no push for 25 minutes mails)")]
        topics = alarm.get("AlarmActions") or []
        if not alarm.get("ActionsEnabled", True):
            lines.append(("mail", "off while paused"))
        elif not topics:
            lines.append(
                ("mail", "none: no AlarmEmail (make deploy SET=AlarmEmail=you@example.com)")
            )
        else:
            lines.append(("mail", mail_line(session.client("sns"), topics[0])))
        return lines
    except (BotoCoreError, ClientError) as exc:
        return [("alarm", f"could not be read ({type(exc).__name__})")]


def mail_line(sns: Any, topic: str) -> str:
    found = sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
    confirmed = [s for s in found if s.get("SubscriptionArn", "").startswith("arn:")]
    if confirmed:
        return f"to {confirmed[0].get('Endpoint', '?')} (confirmed)"
    if found:
        return f"not confirmed: click the link AWS sent to {found[0].get('Endpoint', '?')}"
    return "no subscription: make deploy SET=AlarmEmail=you@example.com"


def _clock(at: datetime) -> str:
    return at.astimezone(UTC).astimezone().strftime("%H:%M")
