"""The run's memory between runs: an SSM SecureString parameter holding the State.

Every AWS failure becomes a StateError that names the parameter and what to do; no value read
from AWS ever reaches a message.
"""

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from fusioncharge.aws.clients import AWS_CALL_MAX_SECONDS, error_code, time_for_an_attempt
from fusioncharge.clock import Clock, Deadline, SystemClock
from fusioncharge.errors import StateError
from fusioncharge.state import State, start_over
from fusioncharge.state.lease import SsmLease
from fusioncharge.state.salvage import fitted

logger = logging.getLogger(__name__)

SSM_MAX_CHARS = 4096  # bytes: a Standard parameter's limit (moto does not enforce it)


class SsmStateStore:
    """State in an SSM SecureString parameter (the function creates it on first run).

    Missing or empty content means a first run. Garbage means starting over with one WARNING
    (state.start_over: the guard's sound fields kept, and this run skips Huawei's 5-minute
    window rather than risk a 407). AWS errors raise StateError.
    """

    slowest_call_seconds = AWS_CALL_MAX_SECONDS  # one attempt, no botocore retry

    def __init__(
        self,
        name: str,
        client: Any,
        clock: Clock | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.name = name
        self.client = client
        self.clock = clock or SystemClock()
        self.deadline = deadline  # the run's end: no attempt starts that could outlast it
        # One reader-writer at a time (state/checkpoint.py holds it from load to the run's end).
        self.lease = SsmLease(f"{name}-lease", self._call, self.clock)
        self._warned: str | None = None  # the damaged value last warned about (saves re-read)
        self.version: int | None = None  # the parameter's version this store last read or wrote

    def load(self) -> State:
        try:
            reply = self._call("read", "get_parameter", Name=self.name, WithDecryption=True)
            text = reply["Parameter"]["Value"]
            self.version = reply["Parameter"].get("Version")
        except ClientError as exc:
            if error_code(exc) == "ParameterNotFound":
                logger.info("state parameter %s does not exist yet: first run", self.name)
                self.version = None
                return State()
            raise self._error("read", exc) from None
        except BotoCoreError as exc:
            raise self._error("read", exc) from None
        now = self.clock.now()
        try:
            return State.from_json(text, now)
        except StateError as exc:
            if text == self._warned:  # the same damage, re-read before a save: said once
                return start_over(text, now)
            self._warned = text
            logger.warning(
                "state parameter %s ignored (%s): starting over, keeping the lockout guard's "
                "sound fields",
                self.name,
                exc,
            )
            return start_over(text, now)

    def save(self, state: State) -> None:
        state, dropped = fitted(state, SSM_MAX_CHARS)
        if dropped:
            logger.warning(
                "the state did not fit the parameter %s: saved without its %s (fetched again "
                "when needed; the lockout guard, token and reading times are kept)",
                self.name,
                ", ".join(dropped),
            )
        value = state.to_json()
        size = len(value.encode())
        if size > SSM_MAX_CHARS:
            raise StateError(
                f"the state ({size} bytes) does not fit the parameter {self.name} "
                f"({SSM_MAX_CHARS}); name fewer plants in STATION, or report this with the "
                "plants' device count"
            )
        try:
            reply = self._call(
                "write",
                "put_parameter",
                Name=self.name,
                Value=value,
                Type="SecureString",
                Overwrite=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", exc) from None
        self.version = reply.get("Version")

    def changed(self) -> bool:
        """Whether another run wrote the parameter since this store last read or wrote it: its
        version, read without decryption (no KMS request; the merge read costs one)."""
        try:
            reply = self._call("read", "get_parameter", Name=self.name, WithDecryption=False)
            version = reply["Parameter"].get("Version")
        except ClientError as exc:
            if error_code(exc) == "ParameterNotFound":
                return self.version is not None
            raise self._error("read", exc) from None
        except BotoCoreError as exc:
            raise self._error("read", exc) from None
        return version is None or version != self.version

    def _call(self, verb: str, operation: str, **args: Any) -> Any:
        """One attempt, started only when it can end before the run's deadline."""
        if not time_for_an_attempt(self.deadline):
            raise StateError(
                f"not enough of the run left to {verb} the state parameter {self.name} "
                "(SSM was slow this run); the next run tries again"
            )
        return getattr(self.client, operation)(**args)

    def _error(self, verb: str, exc: Exception) -> StateError:
        reason = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return StateError(
            f"could not {verb} the state parameter {self.name} ({reason}); check the function's "
            "role allows ssm:GetParameter/PutParameter on it (redeploy with make deploy); "
            "throttling clears by itself"
        )
