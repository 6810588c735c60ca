"""The alarm's lost first mail, against moto's CloudWatch and SNS.

moto confirms an e-mail subscription at once; a topic with no subscription yet stands for one
that awaits its confirmation (AWS lists that one as "PendingConfirmation", not an ARN).
"""

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from fusioncharge.aws.alarm_mail import (
    CHECK_SECONDS,
    CONFIRMED_TAG,
    SETTLE_SECONDS,
    check_alarm_mail,
    rearm_once_confirmed,
)
from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS
from tests.support.alarm import no_push_alarm
from tests.support.run_checks import library_logging_restored
from tools.local.lambda_env import REGION, fake_aws
from tools.local.site import Site

WRONG_SECRET = {
    "fusionsolar_username": "demo",
    "fusionsolar_system_code": "wrong-Secret-7",
    "chargehq_api_key": "0b7c2e4e-0000-4000-8000-000000000000",
}


@pytest.fixture
def aws():
    with fake_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        yield cloudwatch, sns, topic, no_push_alarm(cloudwatch, "no-push", topic)


def _state(cloudwatch) -> str:
    return cloudwatch.describe_alarms(AlarmNames=["no-push"])["MetricAlarms"][0]["StateValue"]


def _later() -> float:
    return (datetime.now(UTC) + timedelta(seconds=SETTLE_SECONDS + 60)).timestamp()


def test_an_alarm_that_went_off_before_the_confirmation_is_rearmed_once(aws):
    cloudwatch, sns, topic, arn = aws
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "pending"
    assert _state(cloudwatch) == "ALARM"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")  # confirmed
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "re-armed"
    assert _state(cloudwatch) == "OK"  # CloudWatch's next evaluation sets ALARM, and mails
    tags = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert [t["Key"] for t in tags] == [CONFIRMED_TAG]
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="mailed")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "seen before"
    assert _state(cloudwatch) == "ALARM"  # one mail per outage: never again


def test_a_young_alarm_is_left_alone_and_an_ok_one_only_noted(aws):
    cloudwatch, sns, topic, arn = aws
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic) == "too early"
    assert cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="OK", StateReason="pushed")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic) == "confirmed"
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic) == "seen before"


def test_the_handler_rearms_after_a_run_that_did_not_push(monkeypatch):
    """The real handler, a wrong secret, and an alarm that went off before the confirmation."""
    with library_logging_restored(), Site(secret=WRONG_SECRET) as site:
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
        arn = no_push_alarm(cloudwatch, "no-push", topic)
        cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
        monkeypatch.setenv("ALARM_ARN", arn)
        monkeypatch.setenv("ALARM_TOPIC_ARN", topic)
        site.clock.set(_later())  # the alarm is old enough by the function's clock
        run = site.run()
        assert run.error is not None and run.error.code == "credentials_rejected"
        assert _state(cloudwatch) == "OK"
        cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="again")
        site.next_run()
        assert _state(cloudwatch) == "ALARM"  # once per stack


def test_only_a_confirmed_mail_subscription_counts(aws):
    """An SMS or https subscription confirmed said the mail was: the alarm was re-armed while
    the address still awaited its confirmation, and its one mail was lost."""
    cloudwatch, sns, topic, arn = aws
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+31600000000")
    sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://example.com/hook")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "pending"
    assert _state(cloudwatch) == "ALARM"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "re-armed"


def test_a_new_alarm_email_is_rearmed_once_it_is_confirmed(aws):
    """A changed AlarmEmail is a new subscription: the tag of the old one kept it from ever
    re-arming, so the new address was never mailed about an outage already going on."""
    cloudwatch, sns, topic, arn = aws
    old = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "re-armed"
    sns.unsubscribe(SubscriptionArn=old["SubscriptionArn"])  # the stack's update
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="mailed")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "seen before"
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="you@example.com")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "re-armed"
    assert _state(cloudwatch) == "OK"
    tags = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert "example.com" not in str(tags)  # the tag names subscriptions, never an address
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "seen before"


def test_a_tag_from_before_is_seen_and_names_the_subscription_from_now_on(aws):
    cloudwatch, sns, topic, arn = aws
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": CONFIRMED_TAG, "Value": "1700000000"}])
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="mailed")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "seen before"
    assert _state(cloudwatch) == "ALARM"
    (tag,) = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert not tag["Value"].isdigit()


class Counted:
    """moto's clients, each AWS call counted as botocore makes it (before-call events)."""

    def __init__(self, cloudwatch, sns) -> None:
        self.clients = {"cloudwatch": cloudwatch, "sns": sns}
        self.calls: list[str] = []
        for client in self.clients.values():
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model, **_: object) -> None:
        self.calls.append(model.name)

    def __call__(self, service: str):
        return self.clients[service]


def test_the_alarm_check_keeps_time_for_every_aws_call_it_makes(aws):
    """check_alarm_mail starts only with time for all of rearm_once_confirmed's calls, each at its
    worst (AWS_CALL_MAX_SECONDS): the path that re-arms makes the most, five."""
    cloudwatch, sns, topic, arn = aws
    counted = Counted(cloudwatch, sns)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    env = {"ALARM_ARN": arn, "ALARM_TOPIC_ARN": topic}
    counted.calls.clear()
    check_alarm_mail(env, CHECK_SECONDS - 0.01, counted, now=_later())
    assert counted.calls == []
    check_alarm_mail(env, CHECK_SECONDS, counted, now=_later())
    made = list(counted.calls)
    assert made == [
        "ListTagsForResource",
        "ListSubscriptionsByTopic",
        "DescribeAlarms",
        "TagResource",
        "SetAlarmState",
    ]
    assert _state(cloudwatch) == "OK"
    assert len(made) * AWS_CALL_MAX_SECONDS <= CHECK_SECONDS
    assert CHECK_SECONDS == 28.0  # five calls of one 5 s attempt at worst, and 3 s to spare


def test_a_tag_from_before_costs_three_calls(aws):
    cloudwatch, sns, topic, arn = aws
    counted = Counted(cloudwatch, sns)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": CONFIRMED_TAG, "Value": "1700000000"}])
    counted.calls.clear()
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "seen before"
    assert counted.calls == ["ListTagsForResource", "ListSubscriptionsByTopic", "TagResource"]


def _created(cloudwatch) -> float:
    alarm = cloudwatch.describe_alarms(AlarmNames=["no-push"])["MetricAlarms"][0]
    return alarm["AlarmConfigurationUpdatedTimestamp"].timestamp()


def test_an_alarm_is_left_alone_for_its_first_twenty_minutes(aws):
    cloudwatch, sns, topic, arn = aws
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    created = _created(cloudwatch)
    assert SETTLE_SECONDS == 1200
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=created + 1199.5) == "too early"
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=created + 1200) == "re-armed"


def test_an_email_json_subscription_is_mail_too(aws):
    cloudwatch, sns, topic, arn = aws
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "re-armed"


def test_without_both_the_alarm_and_its_topic_nothing_is_asked(aws):
    cloudwatch, sns, topic, arn = aws
    counted = Counted(cloudwatch, sns)
    for env in ({"ALARM_ARN": arn}, {"ALARM_TOPIC_ARN": topic}, {}):
        check_alarm_mail(env, CHECK_SECONDS, counted, now=_later())
    assert counted.calls == []


def test_a_rearm_is_said_once_and_a_seen_subscription_costs_two_calls(aws, caplog):
    cloudwatch, sns, topic, arn = aws
    counted = Counted(cloudwatch, sns)
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")
    cloudwatch.set_alarm_state(AlarmName="no-push", StateValue="ALARM", StateReason="no data")
    env = {"ALARM_ARN": arn, "ALARM_TOPIC_ARN": topic}
    with library_logging_restored():
        check_alarm_mail(env, CHECK_SECONDS, counted, now=_later())
        said = [r.getMessage() for r in caplog.records]
        assert said == ["the alarm mail is confirmed now: re-armed the alarm, which mails next"]
        caplog.clear()
        counted.calls.clear()
        check_alarm_mail(env, CHECK_SECONDS, counted, now=_later())
        assert [r.getMessage() for r in caplog.records] == []
    assert counted.calls == ["ListTagsForResource", "ListSubscriptionsByTopic"]


def test_the_tag_holds_at_most_256_characters_of_subscription_ids(aws):
    cloudwatch, sns, topic, arn = aws
    for n in range(8):  # 8 ids of 36 characters and their spaces: 295
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=f"me{n}@example.com")
    assert rearm_once_confirmed(cloudwatch, sns, arn, topic, now=_later()) == "confirmed"
    (tag,) = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert len(tag["Value"]) == 256
