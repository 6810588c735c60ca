"""The function's role allows every AWS call of a simulated day, and grants nothing more.

A day of the real handler (bench's `simulate_day`: 288 runs, a new container every hour)
against the emulator and moto, with ChargeHQ failing for a quarter of an hour (runs that fail)
and the alarm's mail confirmed after the alarm went off (so a run that did not push re-arms it).
Recorded: every AWS call of the handler and its alarm-mail check (a botocore handler sees every
client, Powertools' too), and what Lambda itself does with the role for those runs as the
template wires it: a log stream per container and log events per run in the function's log
group, and each failed run's event sent to its failure destination.

Each call becomes the IAM request AWS authorises (its action and the resource ARN its
parameters name: tests/support/aws_calls.py), and @cloud-copilot/iam-simulate, a maintained IAM
policy evaluator, decides it against the role's statements as CloudFormation resolves them for
this stack (tests/support/stack.py). A call the function starts making tomorrow is recorded and
decided the same way: it fails here until the template grants it. Removing any statement, or
any one action of a statement, must deny a recorded call: a grant the day never uses fails too.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import pytest

from bench.day import DAY_START, StdoutCapture, simulate_day
from bench.day_record import SimulatedRun
from fusioncharge.aws.alarm_mail import CONFIRMED_TAG
from tests.support.alarm import no_push_alarm
from tests.support.aws_calls import ACCOUNT, AwsCall, iam_requests, recording
from tests.support.iam import ALLOWED, Request, decisions
from tests.support.run_checks import library_logging_restored
from tests.support.stack import Grant, Stack, role_grants
from tools.local.lambda_env import REGION, STATE_PARAMETER, fake_aws, seed_secret

STACK = STATE_PARAMETER.split("/")[1]  # the stack whose state parameter the local site uses
# Names CloudFormation makes up at deploy, in its style.
ALARM, TOPIC = f"{STACK}-NoPushAlarm-1Q2W3E4R5T6Y", f"{STACK}-AlarmTopic-7U8I9O0P"
ROLE = f"{STACK}-PollerRole-Z1X2C3V4"
PRINCIPAL = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{STACK}-poller"
CHARGEHQ_DOWN = [{"interface": "chargehq", "nth": n, "kind": "http_500"} for n in range(100, 106)]


@dataclass
class Day:
    stack: Stack
    calls: list[AwsCall]
    runs: list[SimulatedRun]

    def requests(self) -> list[Request]:
        return sorted({r for call in self.calls for r in iam_requests(call)})


@pytest.fixture(scope="module")
def day() -> Day:
    with library_logging_restored(), recording() as recorder, fake_aws():
        stack = _deployed()
        environment = stack.environment()
        assert environment["STATE_PARAMETER"] == STATE_PARAMETER  # the site's
        alarm = {k: environment[k] for k in ("ALARM_ARN", "ALARM_TOPIC_ARN")}
        result = simulate_day(
            "ours", recorder, StdoutCapture(), scenario={"faults": CHARGEHQ_DOWN}, settings=alarm
        )
        tags = boto3.client("cloudwatch").list_tags_for_resource(ResourceARN=alarm["ALARM_ARN"])
    assert any(t["Key"] == CONFIRMED_TAG for t in tags["Tags"]), "the day never re-armed"
    assert any(run.error_code for run in result.runs), "the day had no failed run"
    return Day(stack, recorder.recorded + _lambdas_own(stack, result.runs), result.runs)


def _deployed() -> Stack:
    """The stack's resources the function names, in moto: its secret (the site fills it in),
    and the no-push alarm, which went off before its mail was confirmed, a day ago."""
    from moto.cloudwatch.models import cloudwatch_backends

    secret = seed_secret("{}")
    cloudwatch, sns = boto3.client("cloudwatch"), boto3.client("sns")
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="me@example.com")  # confirmed
    alarm = no_push_alarm(cloudwatch, ALARM, topic, stack=STACK)
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="no data yet")
    deployed = datetime.fromtimestamp(DAY_START - 86400, UTC).replace(tzinfo=None)
    cloudwatch_backends[ACCOUNT][REGION].alarms[ALARM].configuration_updated_timestamp = deployed
    physical = {
        "CredentialsSecret": secret,
        "AlarmTopic": topic,
        "NoPushAlarm.Arn": alarm,
    }
    return Stack(STACK, REGION, ACCOUNT, physical, {"Station": "Home", "AlarmEmail": "x@y.z"})


def _lambdas_own(stack: Stack, runs: list[SimulatedRun]) -> list[AwsCall]:
    """What Lambda does with the function's role: each container's log stream and each run's
    log events in the function's log group; a failed run's event to its failure destination."""
    calls, group, stream = [], stack.log_group(), ""
    for run in runs:
        if run.cold:
            day = datetime.fromtimestamp(run.scheduled, UTC).strftime("%Y/%m/%d")
            stream = f"{day}/[$LATEST]{run.index:032x}"
            calls.append(_logs("CreateLogStream", group, stream))
        calls.append(_logs("PutLogEvents", group, stream))
        for arn in stack.failure_destinations() if run.error_code else []:
            _, _, service, region, account, name = arn.split(":")
            url = f"https://{service}.{region}.amazonaws.com/{account}/{name}"
            calls.append(AwsCall(service, "SendMessage", region, {"QueueUrl": url}))
    return calls


def _logs(operation: str, group: str, stream: str) -> AwsCall:
    return AwsCall("logs", operation, REGION, {"logGroupName": group, "logStreamName": stream})


GRANTS = role_grants()


@pytest.fixture(scope="module")
def decided(day: Day) -> dict[Grant | None, list[str]]:
    """The day's requests decided against the whole role (key None) and without each grant,
    all in one run of the evaluator."""
    role = day.stack.role_statements()
    variants: list[Grant | None] = [None, *GRANTS]
    statements = [role if g is None else g.remove_from(role) for g in variants]
    policies = [{"Version": "2012-10-17", "Statement": s} for s in statements]
    answers = decisions(policies, day.requests(), principal=PRINCIPAL, account=ACCOUNT)
    return dict(zip(variants, answers, strict=True))


def test_every_call_of_a_day_is_allowed_by_the_role(day: Day, decided) -> None:
    denied = [r for r, d in zip(day.requests(), decided[None], strict=True) if d != ALLOWED]
    assert denied == [], f"the role denies {denied}"
    counts = Counter(r.action for call in day.calls for r in iam_requests(call))
    print(f"{len(day.runs)} runs; IAM requests per action: {dict(sorted(counts.items()))}")


@pytest.mark.parametrize("grant", GRANTS, ids=str)
def test_every_grant_of_the_role_is_used(day: Day, decided, grant: Grant) -> None:
    """Without this statement (or this one action of it), a call of the day that the whole
    role allows is denied."""
    needed = [w == ALLOWED != wo for w, wo in zip(decided[None], decided[grant], strict=True)]
    assert any(needed), f"nothing the day does needs {grant}"
