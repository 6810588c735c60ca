"""The function's AWS clients: bounded timeouts and retries, and errors named without data.

SSM and Secrets Manager answer in tens of milliseconds. boto3's defaults (60 s to connect and
to read, legacy retries) equal the whole Lambda timeout: one slow call would kill the run
with no summary line, metric or saved state. Bounded, the worst call fits the run's margin.
botocore makes one attempt a call: the retries are ours (state/checkpoint.py, secrets.py), each
started only when the run has `AWS_CALL_MAX_SECONDS` left (`time_for_an_attempt`), which
botocore's own retries, blind to the run's deadline, could not promise.
"""

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fusioncharge.clock import Deadline

AWS_TIMEOUTS = (2.0, 3.0)  # (connect, read) seconds
AWS_ATTEMPTS = 1  # botocore retries nothing: our retries know the run's deadline
AWS_CALL_MAX_SECONDS = AWS_ATTEMPTS * sum(AWS_TIMEOUTS)  # one attempt at its slowest
# Errors worth one more attempt: AWS said slow down, or the attempt got no answer in time.
RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "TooManyUpdates",
        "InternalServerError",
        "InternalServiceError",
        "ServiceUnavailable",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "EndpointConnectionError",
        "ConnectionClosedError",
    }
)


def aws_config() -> Config:
    """botocore settings for every SSM and Secrets Manager client of the function."""
    return Config(
        connect_timeout=AWS_TIMEOUTS[0],
        read_timeout=AWS_TIMEOUTS[1],
        retries={"mode": "standard", "total_max_attempts": AWS_ATTEMPTS},
    )


def time_for_an_attempt(deadline: Deadline | None) -> bool:
    """Whether a whole AWS attempt, at its slowest, ends before the run's deadline."""
    return deadline is None or deadline.remaining() >= AWS_CALL_MAX_SECONDS


def aws_reason(exc: BaseException) -> str:
    """The AWS error code (e.g. ResourceNotFoundException), never a message that could echo data."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            return error_code(seen)
        if isinstance(seen, BotoCoreError):
            return type(seen).__name__
        seen = seen.__cause__ or seen.__context__
    return type(exc).__name__


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "ClientError"))
