"""`make status`'s alarm lines (tools/status/alarm.py) on moto's CloudWatch with the template's
own alarm: no AlarmEmail is said with the command that sets one, and an alarm AWS would not
show (refused, or AWS unreachable) is one line naming why, never a crash."""

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from tests.support.alarm import no_push_alarm
from tools.local.lambda_env import REGION, fake_aws
from tools.status.alarm import alarm_lines

STACK = "my-solar"


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with fake_aws():
        yield boto3.Session(region_name=REGION)


def test_an_alarm_without_alarm_email_says_how_to_set_one(session):
    cloudwatch = session.client("cloudwatch")
    no_push_alarm(cloudwatch, f"{STACK}-NoPushAlarm-AB12CD", "unused", stack=STACK, mail=False)
    lines = alarm_lines(session, STACK)
    assert lines[1] == ("mail", "none: no AlarmEmail (make deploy SET=AlarmEmail=you@example.com)")
    assert lines[0][0] == "alarm" and lines[0][1].endswith("(no push for 25 minutes mails)")


class _OneClient:
    """A session whose every client is the one given (a real botocore client)."""

    def __init__(self, client: Any) -> None:
        self.the_client = client

    def client(self, name: str) -> Any:
        return self.the_client


def test_an_alarm_aws_refuses_to_show_is_one_line_naming_the_refusal():
    client = boto3.client(
        "cloudwatch", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stub:
        stub.add_client_error("describe_alarms", "AccessDenied", http_status_code=403)
        assert alarm_lines(_OneClient(client), STACK) == [
            ("alarm", "could not be read (ClientError)")
        ]


def test_an_alarm_when_aws_cannot_be_reached_is_one_line_naming_why():
    with socket_nobody_listens() as url:
        client = boto3.client(
            "cloudwatch",
            region_name=REGION,
            aws_access_key_id="x",
            aws_secret_access_key="y",
            endpoint_url=url,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2),
        )
        assert alarm_lines(_OneClient(client), STACK) == [
            ("alarm", "could not be read (EndpointConnectionError)")
        ]


@contextlib.contextmanager
def socket_nobody_listens() -> Iterator[str]:
    """The address of a loopback port nothing listens on: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}"
