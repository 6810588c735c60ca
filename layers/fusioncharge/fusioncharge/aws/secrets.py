"""The run's secret (Secrets Manager): the user's credentials, checked for placeholders.

Every AWS failure becomes a SecretError that names the secret and what to do; no value read
from AWS ever reaches a message.
"""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fusioncharge.aws.clients import RETRYABLE, aws_config, aws_reason, time_for_an_attempt
from fusioncharge.clock import Deadline
from fusioncharge.errors import SecretError

SECRET_KEYS = ("fusionsolar_username", "fusionsolar_system_code", "chargehq_api_key")
FUSIONSOLAR_KEYS = SECRET_KEYS[:2]
# Each sink's keys in the same secret (SINKS names the sinks; sinks/ pushes to them).
SINK_KEYS = {
    "chargehq": ("chargehq_api_key",),
    "hass": ("hass_webhook_url",),
    "pvoutput": ("pvoutput_api_key", "pvoutput_system_id"),
}
ENVIRONMENT = "environment"  # the source name of values taken from environment variables
# What the stack writes into the secret, and the usual stand-ins; real values never match.
_PLACEHOLDERS = {"replace_me", "replace-me", "replaceme", "changeme", "change_me", "todo", "..."}


@dataclass(frozen=True)
class SiteSecret:
    """The user's credentials, as filled in the secret. repr never shows a value."""

    fusionsolar_username: str | None = field(repr=False)
    fusionsolar_system_code: str | None = field(repr=False)
    chargehq_api_key: str | None = field(repr=False)
    source: str = "the secret"  # where the values came from, for messages
    hass_webhook_url: str | None = field(default=None, repr=False)
    pvoutput_api_key: str | None = field(default=None, repr=False)
    pvoutput_system_id: str | None = field(default=None, repr=False)

    def missing(self, sinks: tuple[str, ...] = ("chargehq",)) -> list[str]:
        """Keys that are absent or still hold a placeholder: FusionSolar's and those of the
        given sinks (by default ChargeHQ's, as before there were other sinks)."""
        keys = [*FUSIONSOLAR_KEYS, *(k for sink in sinks for k in SINK_KEYS.get(sink, ()))]
        return [k for k in keys if getattr(self, k) is None]

    def has_keys(self, sink: str) -> bool:
        """Whether every key of this sink is filled in."""
        return all(getattr(self, k) is not None for k in SINK_KEYS.get(sink, ("?",)))


def parse_secret(value: Any, secret_id: str) -> SiteSecret:
    """Turn the secret's JSON into a SiteSecret; placeholders and missing keys become None."""
    if not isinstance(value, dict):
        raise SecretError(
            f"secret {secret_id} does not hold a JSON object; set it to "
            '{"fusionsolar_username": "...", "fusionsolar_system_code": "...", '
            '"chargehq_api_key": "..."} in the AWS console (Secrets Manager)'
        )
    username, system_code, api_key = (_filled(value.get(k)) for k in SECRET_KEYS)
    return SiteSecret(
        username,
        system_code,
        api_key,
        source=secret_id,
        hass_webhook_url=_filled(value.get("hass_webhook_url")),
        pvoutput_api_key=_filled(value.get("pvoutput_api_key")),
        pvoutput_system_id=_filled(_number_as_text(value.get("pvoutput_system_id"))),
    )


def _number_as_text(value: Any) -> Any:
    """A PVOutput system id typed as a JSON number is taken as its digits."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


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
        return SecretError(f"set {names} in the environment (docs/reference.md, make run)")
    return SecretError(
        f"secret {secret_id}: key {', '.join(keys)} still needs filling in; open it in the AWS "
        "console (Secrets Manager > Retrieve secret value > Edit) and replace the placeholder"
    )


def sink_keys_error(secret: SiteSecret, sinks: tuple[str, ...]) -> SecretError | None:
    """A sink key that is filled in but cannot be right (checked before FusionSolar is called);
    the message names the key, never its value."""
    where = f"secret {secret.source}"
    url = secret.hass_webhook_url
    if "hass" in sinks and url is not None and not _webhook_url(url):
        return SecretError(
            f"{where}: key hass_webhook_url must be the whole https:// address of your Home "
            "Assistant webhook, such as https://hooks.nabu.casa/<id> or "
            "https://<your-home>/api/webhook/<id> (README: Where the readings go)"
        )
    system_id = secret.pvoutput_system_id
    if "pvoutput" in sinks and system_id is not None and not system_id.isdigit():
        return SecretError(
            f"{where}: key pvoutput_system_id must be the number PVOutput shows as System Id "
            "(Settings > Registered Systems)"
        )
    return None


def _webhook_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    if parts.scheme == "http":  # plain HTTP only to this machine (the tests' Home Assistant)
        return host in ("127.0.0.1", "localhost", "::1")
    return parts.scheme == "https"


class SecretSource:
    """Reads the secret with Powertools Parameters, afresh each time: a value fixed in the
    console is used by the next run, however soon it comes (one read a run, $0.05 a month)."""

    def __init__(self, secret_id: str, provider: Any = None) -> None:
        self.secret_id = secret_id
        self.provider = provider

    def _get(self, deadline: Deadline | None) -> Any:
        """The secret's JSON; a slow or throttled read is tried once more while the run has
        time for a whole attempt (botocore retries nothing: it does not know the deadline)."""
        try:
            return self._attempt(deadline)
        except _SecretUnread as exc:
            if exc.reason not in RETRYABLE or not time_for_an_attempt(deadline):
                raise
        return self._attempt(deadline)

    def _attempt(self, deadline: Deadline | None) -> Any:
        from aws_lambda_powertools.utilities import parameters

        if not time_for_an_attempt(deadline):
            raise SecretError(
                f"not enough of the run left to read secret {self.secret_id} (AWS was slow "
                "this run); the next run tries again"
            )

        provider = self.provider or parameters.SecretsProvider(boto_config=aws_config())
        self.provider = provider
        try:
            raw = provider.get(self.secret_id, force_fetch=True)
            # Parsed here, not by Powertools: a byte order mark (Notepad adds one) is allowed.
            text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else str(raw)
            return json.loads(text.removeprefix("\ufeff"))
        except (ValueError, RecursionError, parameters.exceptions.TransformParameterError):
            raise SecretError(
                f"secret {self.secret_id} is not valid JSON; edit it in the AWS console so it "
                "holds the keys fusionsolar_username, fusionsolar_system_code, chargehq_api_key"
            ) from None  # Powertools' message may quote the value
        except parameters.exceptions.GetParameterError as exc:
            reason = aws_reason(exc)
            raise _SecretUnread(
                f"secret {self.secret_id} could not be read ({reason}); check that it "
                "exists and that the function's role may read it (redeploy with make deploy)",
                reason,
            ) from None  # Powertools' message may quote the value

    def get(self, deadline: Deadline | None = None) -> SiteSecret:
        """What the secret holds now (a run reads it once, at its start)."""
        return parse_secret(self._get(deadline), self.secret_id)

    def within(self, deadline: Deadline) -> "SecretWithin":
        """This source for one run: its reads bounded by the run's deadline."""
        return SecretWithin(self, deadline)


class _SecretUnread(SecretError):
    """AWS did not hand the secret over; `reason` (an AWS error code) says if a retry may help."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class SecretWithin:
    """A run's view of the secret source (run_poll's `secrets`): reads within its deadline."""

    source: SecretSource
    deadline: Deadline

    def get(self) -> SiteSecret:
        return self.source.get(self.deadline)
