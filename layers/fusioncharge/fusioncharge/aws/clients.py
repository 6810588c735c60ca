"""The function's AWS clients: bounded timeouts and retries, and errors named without data.

SSM and Secrets Manager answer in tens of milliseconds. boto3's defaults (60 s to connect and
to read, legacy retries) equal the whole Lambda timeout: one slow call would kill the run
with no summary line, metric or saved state. Bounded, the worst call fits the run's margin.
"""

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

AWS_TIMEOUTS = (2.0, 3.0)  # (connect, read) seconds
AWS_ATTEMPTS = 2  # standard retry mode: one retry, after at most 1 s of backoff
AWS_CALL_MAX_SECONDS = AWS_ATTEMPTS * sum(AWS_TIMEOUTS) + 1.0


def aws_config() -> Config:
    """botocore settings for every SSM and Secrets Manager client of the function."""
    return Config(
        connect_timeout=AWS_TIMEOUTS[0],
        read_timeout=AWS_TIMEOUTS[1],
        retries={"mode": "standard", "total_max_attempts": AWS_ATTEMPTS},
    )


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
