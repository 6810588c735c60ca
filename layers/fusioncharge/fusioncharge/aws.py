"""AWS state: the run's secret (Secrets Manager) and its memory (an SSM SecureString parameter).

Every AWS failure becomes a typed error (SecretError, StateError) that names the resource and what
to do; no value read from AWS ever reaches a message.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from fusioncharge.clock import Clock, SystemClock
from fusioncharge.errors import SecretError, StateError
from fusioncharge.state import State

logger = logging.getLogger(__name__)

SECRET_KEYS = ("fusionsolar_username", "fusionsolar_system_code", "chargehq_api_key")
ENVIRONMENT = "environment"  # the source name of values taken from environment variables
# What the stack writes into the secret, and the usual stand-ins; real values never match.
_PLACEHOLDERS = {"replace_me", "replace-me", "replaceme", "changeme", "change_me", "todo", "..."}
SSM_MAX_CHARS = 4096  # bytes: a Standard parameter's limit (moto does not enforce it)
# SSM and Secrets Manager answer in tens of milliseconds. boto3's defaults (60 s to connect and
# to read, legacy retries) equal the whole Lambda timeout: one slow call would kill the run
# with no summary line, metric or saved state. Bounded, the worst call fits the run's margin.
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


@dataclass(frozen=True)
class SiteSecret:
    """The user's credentials, as filled in the secret. repr never shows a value."""

    fusionsolar_username: str | None = field(repr=False)
    fusionsolar_system_code: str | None = field(repr=False)
    chargehq_api_key: str | None = field(repr=False)
    source: str = "the secret"  # where the values came from, for messages

    def missing(self) -> list[str]:
        """Keys that are absent or still hold a placeholder."""
        return [k for k in SECRET_KEYS if getattr(self, k) is None]


def parse_secret(value: Any, secret_id: str) -> SiteSecret:
    """Turn the secret's JSON into a SiteSecret; placeholders and missing keys become None."""
    if not isinstance(value, dict):
        raise SecretError(
            f"secret {secret_id} does not hold a JSON object; set it to "
            '{"fusionsolar_username": "...", "fusionsolar_system_code": "...", '
            '"chargehq_api_key": "..."} in the AWS console (Secrets Manager)'
        )
    return SiteSecret(*(_filled(value.get(k)) for k in SECRET_KEYS), source=secret_id)


def _filled(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.lower() in _PLACEHOLDERS | {"none", "null", "placeholder"}:
        return None
    return text


def secret_keys_missing_error(secret_id: str, keys: list[str]) -> SecretError:
    """The one clear message a user sees until they fill the secret in."""
    if secret_id.startswith(ENVIRONMENT):  # make run LIVE=1 / make discover LIVE=1
        names = ", ".join(k.upper() for k in keys)
        return SecretError(f"set {names} in the environment (see README, make run LIVE=1)")
    return SecretError(
        f"secret {secret_id}: key {', '.join(keys)} still needs filling in; open it in the AWS "
        "console (Secrets Manager > Retrieve secret value > Edit) and replace the placeholder"
    )


class SecretSource:
    """Reads the secret with Powertools Parameters, afresh each time: a value fixed in the
    console is used by the next run, however soon it comes (one read a run, $0.05 a month)."""

    def __init__(self, secret_id: str, provider: Any = None) -> None:
        self.secret_id = secret_id
        self._provider = provider

    def _get(self) -> Any:
        from aws_lambda_powertools.utilities import parameters

        provider = self._provider or parameters.SecretsProvider(boto_config=aws_config())
        self._provider = provider
        try:
            return provider.get(self.secret_id, transform="json", force_fetch=True)
        except parameters.exceptions.TransformParameterError:
            raise SecretError(
                f"secret {self.secret_id} is not valid JSON; edit it in the AWS console so it "
                "holds the keys fusionsolar_username, fusionsolar_system_code, chargehq_api_key"
            ) from None  # Powertools' message may quote the value
        except parameters.exceptions.GetParameterError as exc:
            raise SecretError(
                f"secret {self.secret_id} could not be read ({_aws_reason(exc)}); check that it "
                "exists and that the function's role may read it (redeploy with make deploy)"
            ) from None  # Powertools' message may quote the value

    def get(self) -> SiteSecret:
        """What the secret holds now (a run reads it once, at its start)."""
        return parse_secret(self._get(), self.secret_id)


def _aws_reason(exc: BaseException) -> str:
    """The AWS error code (e.g. ResourceNotFoundException), never a message that could echo data."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            return str(seen.response.get("Error", {}).get("Code", "ClientError"))
        if isinstance(seen, BotoCoreError):
            return type(seen).__name__
        seen = seen.__cause__ or seen.__context__
    return type(exc).__name__


class SsmStateStore:
    """State in an SSM SecureString parameter (the function creates it on first run).

    Missing or empty content means a first run. Garbage means starting over with one WARNING,
    as if the last run had just read every device type (its calls are unknown: this run skips
    Huawei's 5-minute window rather than risk a 407). AWS errors raise StateError.
    """

    def __init__(self, name: str, client: Any, clock: Clock | None = None) -> None:
        self.name = name
        self.client = client
        self.clock = clock or SystemClock()
        self.reads = 0
        self.writes = 0

    def load(self) -> State:
        self.reads += 1
        try:
            reply = self.client.get_parameter(Name=self.name, WithDecryption=True)
            text = reply["Parameter"]["Value"]
        except ClientError as exc:
            if _code(exc) == "ParameterNotFound":
                logger.info("state parameter %s does not exist yet: first run", self.name)
                return State()
            raise self._error("read", exc) from None
        except BotoCoreError as exc:
            raise self._error("read", exc) from None
        now = self.clock.now()
        try:
            return State.from_json(text, now)
        except StateError as exc:
            logger.warning("state parameter %s ignored (%s): starting over", self.name, exc)
            return State(kpi_pending=now)

    def save(self, state: State) -> None:
        self.writes += 1
        value = state.to_json()
        size = len(value.encode())
        if size > SSM_MAX_CHARS:
            raise StateError(
                f"the state ({size} bytes) does not fit the parameter {self.name} "
                f"({SSM_MAX_CHARS}); name fewer plants in STATION, or report this with the "
                "plants' device count"
            )
        try:
            self.client.put_parameter(
                Name=self.name,
                Value=value,
                Type="SecureString",
                Overwrite=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", exc) from None

    def _error(self, verb: str, exc: Exception) -> StateError:
        reason = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return StateError(
            f"could not {verb} the state parameter {self.name} ({reason}); check the function's "
            "role allows ssm:GetParameter/PutParameter on it (redeploy with make deploy); "
            "throttling clears by itself"
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "ClientError"))
