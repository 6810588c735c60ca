"""The state's lease: one run, manual invoke or local tool at a time reads, changes and saves the
state (an SSM String parameter beside it, `<state parameter>-lease`).

SSM has no conditional update, but PutParameter is conditional twice over: with Overwrite=false
it creates the parameter only when nobody has (the lease's first holder), and each overwrite
gets the next version number, one writer per number. So a lease that is free or stale at version
v is taken by the one writer whose overwrite came back as version v + 1; a writer that got any
other number lost the race and holds nothing (the parameter then shows a live lease, which only
makes others wait). The parameter is never deleted, so a version number is never seen twice.
A lease lasts until the holder's deadline (bounded by the function's timeout) and a little more
for clocks that differ; a holder releases it by writing it free, and only before that time:
after it, another writer may hold it. What a lease cannot cover (a clock far off) the three-way
merge of every save still does (state/merge.py).
"""

import json
import logging
import math
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from fusioncharge.aws.clients import error_code
from fusioncharge.clock import Clock
from fusioncharge.errors import StateError, StateNotSaved

logger = logging.getLogger(__name__)

FREE = "free"
LONGEST_LEASE_SECONDS = 15 * 60 + 60.0  # Lambda's longest timeout: a later expiry is damage
Call = Callable[..., Any]  # the store's one-attempt, deadline-checked SSM call


class SsmLease:
    """The lease parameter `name`; `call(verb, operation, **args)` makes each SSM attempt."""

    def __init__(self, name: str, call: Call, clock: Clock) -> None:
        self.name = name
        self.call = call
        self.clock = clock
        self.holder = uuid.uuid4().hex  # this run's mark in the parameter
        self.until: float | None = None  # while held: when it expires

    def acquire(self, until: float) -> bool:
        """Take the lease until `until` (epoch seconds); False when another holds it."""
        seen = self.look()
        if seen is None:
            taken = self.create(until)
        else:
            version, expires, holder = seen
            now = self.clock.now()
            live = now < expires <= now + LONGEST_LEASE_SECONDS
            if live and holder == self.holder:
                taken = True  # our own write, whose answer was lost: ours to extend
            else:
                taken = not live and self.take(version, until)
        self.until = until if taken else None
        return taken

    def look(self) -> tuple[int, float, str] | None:
        """The lease's version, expiry (0 when free or unreadable) and holder; None before the
        first lease."""
        try:
            reply = self._ssm("read", "get_parameter", Name=self.name)
        except _Missing:
            return None
        parameter = reply["Parameter"]
        expires, holder = _read(parameter.get("Value"))
        return int(parameter["Version"]), expires, holder

    def create(self, until: float) -> bool:
        """The first lease ever: only one writer can create the parameter."""
        try:
            self._put(until, overwrite=False)
        except _Exists:
            return False
        return True

    def take(self, version: int, until: float) -> bool:
        """Take a free or stale lease seen at `version`: held only when our overwrite is the
        one right after it."""
        return self._put(until, overwrite=True) == version + 1

    def release(self) -> None:
        """Write the lease free, while it is still ours; a failure only leaves it to expire."""
        until, self.until = self.until, None
        if until is None or self.clock.now() >= until:
            return  # never held, or expired: another writer may hold it by now
        try:
            self._ssm(
                "write", "put_parameter", Name=self.name, Value=FREE, Type="String", Overwrite=True
            )
        except StateError as exc:
            logger.info("the state's lease was left to expire (%s)", exc)

    def _put(self, until: float, *, overwrite: bool) -> int:
        value = json.dumps({"holder": self.holder, "until": until})
        reply = self._ssm(
            "write",
            "put_parameter",
            Name=self.name,
            Value=value,
            Type="String",
            Overwrite=overwrite,
        )
        return int(reply.get("Version", 0))

    def _ssm(self, verb: str, operation: str, **args: Any) -> Any:
        try:
            return self.call(verb, operation, **args)
        except ClientError as exc:
            code = error_code(exc)
            if code == "ParameterNotFound":
                raise _Missing from None
            if code == "ParameterAlreadyExists":
                raise _Exists from None
            raise self._error(verb, code) from None
        except BotoCoreError as exc:
            raise self._error(verb, type(exc).__name__) from None

    def _error(self, verb: str, reason: str) -> StateError:
        """A lease that cannot be written is a state not saved: no login, no readings."""
        said = (
            f"could not {verb} the state's lease parameter {self.name} ({reason}); check the "
            "function's role allows ssm:GetParameter/PutParameter on it (redeploy with make "
            "deploy); throttling clears by itself"
        )
        if verb == "read":
            return StateError(said)
        return StateNotSaved(
            f"{said}; not making the login or the readings: without the lease, a run beside "
            "this one could log in or read at the same moment"
        )


class _Missing(Exception):
    pass


class _Exists(Exception):
    pass


def _read(value: Any) -> tuple[float, str]:
    """When the lease in `value` expires, and its holder; (0.0, "") when free or damaged."""
    try:
        lease = json.loads(value) if value != FREE else {}
        until, holder = lease["until"], str(lease["holder"])
    except (ValueError, TypeError, KeyError):
        return 0.0, ""
    if not isinstance(until, int | float) or isinstance(until, bool) or not math.isfinite(until):
        return 0.0, ""
    return float(until), holder
