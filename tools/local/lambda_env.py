"""A Lambda-like setting on a laptop: moto for SSM and Secrets Manager, a context, an event.

Used by `make run`, the integration tests and the benchmarks, so all three run the real handler
the same way.
"""

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fusioncharge.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_EVENT = ROOT / "events" / "scheduled.json"
REGION = "us-east-1"
SECRET_NAME = "fusionsolar-chargehq/credentials"
STATE_PARAMETER = "/fusionsolar-chargehq/fusionsolar-state"
DEMO_API_KEY = "0b7c2e4e-0000-4000-8000-000000000000"

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class LambdaContext:
    """What the handler uses of Lambda's context object; time left follows the given clock."""

    clock: Clock
    timeout_seconds: float = 60.0
    function_name: str = "fusionsolar-chargehq-poller"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.clock.now()
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_seconds - (self.clock.now() - self.started)) * 1000)


def scheduled_event(clock: Clock) -> dict[str, Any]:
    """The sample scheduler event with this run's id and time."""
    from datetime import UTC, datetime

    event: dict[str, Any] = json.loads(SAMPLE_EVENT.read_text(encoding="utf-8"))
    event["id"] = str(uuid.uuid4())
    event["time"] = datetime.fromtimestamp(clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration, restoring the old ones after."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def fake_aws() -> Iterator[None]:
    """moto in place of AWS, with fake credentials so nothing can reach a real account."""
    from moto import mock_aws

    with patched_environ(_FAKE_AWS), mock_aws():
        yield


def seed_secret(secret: Mapping[str, Any] | str, name: str = SECRET_NAME) -> str:
    """Create (or overwrite) the stack's secret in moto; returns its ARN."""
    import boto3

    client = boto3.client("secretsmanager", region_name=REGION)
    text = secret if isinstance(secret, str) else json.dumps(secret)
    try:
        return str(client.create_secret(Name=name, SecretString=text)["ARN"])
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=text)
        return str(client.describe_secret(SecretId=name)["ARN"])
