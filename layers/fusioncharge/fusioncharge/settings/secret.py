"""The run's secret (Secrets Manager): the user's credentials, checked for placeholders.

Every AWS failure becomes a SecretError that names the secret and what to do; no value read
from AWS ever reaches a message.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fusioncharge.aws.clients import RETRYABLE, aws_config, aws_reason, time_for_an_attempt
from fusioncharge.clock import Deadline
from fusioncharge.errors import SecretError
from fusioncharge.sinks import registry

FUSIONSOLAR_KEYS = ("fusionsolar_username", "fusionsolar_system_code")
ENVIRONMENT = "environment"  # the source name of values taken from environment variables
# What the stack writes into the secret, and the usual stand-ins; real values never match.
_PLACEHOLDERS = {"replace_me", "replace-me", "replaceme", "changeme", "change_me", "todo", "..."}


@dataclass(frozen=True)
class SiteSecret:
    """The user's credentials, as filled in the secret. repr never shows a value.

    `keys` holds every sink key (sinks/registry.py) that is filled in and passed its check;
    `wrong` the keys filled in with something that cannot be right, each with what it must be."""

    fusionsolar_username: str | None = field(repr=False)
    fusionsolar_system_code: str | None = field(repr=False)
    source: str = "the secret"  # where the values came from, for messages
    keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    wrong: Mapping[str, str] = field(default_factory=dict)

    def value(self, key: str) -> str | None:
        return self.keys.get(key)

    def missing(self, sinks: tuple[str, ...] = (registry.DEFAULT,)) -> list[str]:
        """Keys that are absent or still hold a placeholder: FusionSolar's and those of the
        given sinks (by default ChargeHQ's, as before there were other sinks)."""
        found = [k for k in FUSIONSOLAR_KEYS if getattr(self, k) is None]
        wanted = registry.keys(tuple(s for s in sinks if s in registry.names()))
        return found + [k for k in wanted if k not in self.keys and k not in self.wrong]

    def has_keys(self, sink: str) -> bool:
        """Whether every key of this sink is filled in and right."""
        if sink not in registry.names():
            return False
        return all(k in self.keys for k in registry.keys((sink,)))


def parse_secret(value: Any, secret_id: str) -> SiteSecret:
    """Turn the secret's JSON into a SiteSecret; placeholders and missing keys become None
    (absent), a sink key that fails its check is named in `wrong` (never with its value)."""
    if not isinstance(value, dict):
        raise SecretError(
            f"secret {secret_id} does not hold a JSON object; set it to "
            '{"fusionsolar_username": "...", "fusionsolar_system_code": "...", and your '
            "receivers' keys} in the AWS console (Secrets Manager)"
        )
    keys: dict[str, str] = {}
    wrong: dict[str, str] = {}
    for kind in registry.SINKS:
        for key in kind.keys:
            raw = value.get(key.name)
            if _placeholder(raw):
                continue
            try:
                keys[key.name] = key.check(raw)
            except ValueError as exc:
                wrong[key.name] = str(exc)
    username, system_code = (_filled(value.get(k)) for k in FUSIONSOLAR_KEYS)
    return SiteSecret(username, system_code, source=secret_id, keys=keys, wrong=wrong)


def _placeholder(value: Any) -> bool:
    """Absent, empty, null or a placeholder text: still to be filled in."""
    if value is None:
        return True
    return isinstance(value, str) and _filled(value) is None


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
    the message names the key and what it must be, never its value."""
    names = tuple(s for s in sinks if s in registry.names())
    for key in registry.keys(names):
        if key in secret.wrong:
            where = f"secret {secret.source}"
            return SecretError(f"{where}: key {key} {secret.wrong[key]}")
    return None


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
                "holds the keys fusionsolar_username, fusionsolar_system_code and your "
                "receivers' keys"
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
