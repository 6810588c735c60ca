"""Every AWS call made while recording, and the IAM request AWS authorises for each.

The recorder is bench's call counter (bench/awscount.py) that also keeps each call's
parameters and its client's region: a botocore handler among the built-in ones, so it sees the
clients of every session created after `recording()` starts (Powertools makes its own), and
only calls made while `counting()` is on (the runs, not the test's own set-up).

`iam_requests` turns a call into what IAM decides on: the action and the resource ARN, built
from the call's parameters as AWS's Service Authorization Reference gives each action's
resource type. A call this table does not know fails the test (teach it the call's resource),
so a new call is never left unchecked.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import botocore.handlers
from moto.core.models import DEFAULT_ACCOUNT_ID

from bench.awscount import AwsCallCounter
from tests.support.iam import Request

ACCOUNT = DEFAULT_ACCOUNT_ID  # the account moto's fake credentials belong to
_PARAMS = "recorded_params"


@dataclass(frozen=True)
class AwsCall:
    service: str  # botocore's name: ssm, secretsmanager, cloudwatch, sns, sqs, logs
    operation: str
    region: str
    params: dict[str, Any] = field(hash=False, compare=False)


class AwsCallRecorder(AwsCallCounter):
    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[AwsCall] = []

    def install(self) -> None:
        super().install()
        botocore.handlers.BUILTIN_HANDLERS.append(("before-parameter-build", self._params))
        botocore.handlers.BUILTIN_HANDLERS.append(("before-call", self._call))

    def uninstall(self) -> None:
        mine = {self._before, self._after, self._params, self._call}
        botocore.handlers.BUILTIN_HANDLERS[:] = [
            spec for spec in botocore.handlers.BUILTIN_HANDLERS if spec[1] not in mine
        ]

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.active:
            context[_PARAMS] = dict(params)

    def _call(self, model: Any, context: dict[str, Any], request_signer: Any, **_: Any) -> None:
        if _PARAMS in context:
            service = model.service_model.service_name
            params = context.pop(_PARAMS)
            self.recorded.append(AwsCall(service, model.name, request_signer.region_name, params))


@contextmanager
def recording() -> Iterator[AwsCallRecorder]:
    """A recorder among botocore's built-in handlers; start it before the first client."""
    recorder = AwsCallRecorder()
    recorder.install()
    try:
        yield recorder
    finally:
        recorder.uninstall()


def _arn(call: AwsCall, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{call.region}:{ACCOUNT}:{resource}"


def _parameter(call: AwsCall) -> list[str]:
    name = str(call.params["Name"])  # "/stack/x" is the ARN's "parameter/stack/x"
    return [name if name.startswith("arn:") else _arn(call, "ssm", f"parameter/{name.lstrip('/')}")]


def _secret(call: AwsCall) -> list[str]:
    secret = str(call.params["SecretId"])
    if not secret.startswith("arn:"):  # IAM decides on the full ARN, with AWS's random suffix
        raise ValueError(f"{call.operation} by name ({secret}): the function uses the ARN")
    return [secret]


def _alarms(call: AwsCall) -> list[str]:
    names = call.params.get("AlarmNames") or [call.params.get("AlarmName")]
    if not all(names) or "AlarmNamePrefix" in call.params:
        raise ValueError(f"{call.operation} without alarm names: not the function's call")
    return [_arn(call, "cloudwatch", f"alarm:{name}") for name in names]


def _queue(call: AwsCall) -> list[str]:
    account, name = urlsplit(str(call.params["QueueUrl"])).path.strip("/").split("/")
    return [f"arn:aws:sqs:{call.region}:{account}:{name}"]


def _log_stream(call: AwsCall) -> list[str]:
    group, stream = call.params["logGroupName"], call.params["logStreamName"]
    return [_arn(call, "logs", f"log-group:{group}:log-stream:{stream}")]


# (botocore service, operation) -> the resources IAM checks; the action is "prefix:operation".
RESOURCES: dict[tuple[str, str], Callable[[AwsCall], list[str]]] = {
    ("ssm", "GetParameter"): _parameter,
    ("ssm", "PutParameter"): _parameter,
    ("ssm", "DeleteParameter"): _parameter,
    ("secretsmanager", "GetSecretValue"): _secret,
    ("cloudwatch", "DescribeAlarms"): _alarms,
    ("cloudwatch", "SetAlarmState"): _alarms,
    ("cloudwatch", "ListTagsForResource"): lambda call: [str(call.params["ResourceARN"])],
    ("cloudwatch", "TagResource"): lambda call: [str(call.params["ResourceARN"])],
    ("sns", "ListSubscriptionsByTopic"): lambda call: [str(call.params["TopicArn"])],
    ("sqs", "SendMessage"): _queue,
    ("logs", "CreateLogStream"): _log_stream,
    ("logs", "PutLogEvents"): _log_stream,
}


def iam_requests(call: AwsCall) -> list[Request]:
    """What IAM authorises for the call: every one must be allowed for the call to be."""
    resources = RESOURCES.get((call.service, call.operation))
    if resources is None:
        raise KeyError(
            f"{call.service} {call.operation} is new: add its resource (the Service "
            "Authorization Reference's resource type for the action) to RESOURCES"
        )
    return [Request(f"{call.service}:{call.operation}", arn) for arn in resources(call)]
