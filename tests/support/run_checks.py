"""What every run of the real handler must respect, whatever went wrong.

Shared by the fault matrix, the hostile week and the security tests:
- `LogCapture` collects everything the function writes (Powertools' JSON log lines, the EMF
  metric lines it prints, and records that reach the root logger), as CloudWatch would.
- `RunLog` drives a `Site` run by run and remembers what each run did, so the invariants can
  be checked over all of them: no untyped exception, at most one login per run, no login while
  the lockout guard holds, no site meters made up, and every run either pushed or raised.
"""

import contextlib
import io
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from fusioncharge.errors import BridgeError
from tools.local.lambda_env import REGION, STATE_PARAMETER
from tools.local.site import ObservedRun, Site

GUARD_SECONDS = 30 * 60  # no login for 30 minutes after FusionSolar rejected the credentials
WRONG_LOGIN_WINDOW, MAX_WRONG_LOGINS = 10 * 60, 2  # at most 2 refused logins in any 10 minutes
# The worked example of docs/accounting.md: what the emulated plant really measures.
WORKED_EXAMPLE_METERS = {
    "production_kw": 0.9,
    "net_import_kw": 0.8,
    "consumption_kw": 3.2,
    "battery_discharge_kw": 1.5,
    "battery_soc": 0.62,
    "imported_kwh": 583.08,
    "exported_kwh": 322.32,
}


@contextlib.contextmanager
def library_logging_restored() -> Iterator[None]:
    """Undo, afterwards, what importing the handler does to the library's loggers.

    app.py hands the `fusioncharge` loggers to Powertools (its handler, no propagation), as in
    Lambda. Tests that run later in the same process and read the library's log records with
    caplog would then see nothing; so a module that imports the handler restores the loggers.
    """
    library = logging.getLogger("fusioncharge")
    saved = (list(library.handlers), library.propagate, library.level)
    try:
        yield
    finally:
        library.handlers[:], library.propagate, library.level = saved


class _CurrentStdout(io.TextIOBase):
    """sys.stdout as it is at each write, not as it was when a handler was made."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def follow_stdout(app: Any) -> None:
    """Point the handler module's Powertools log handler (if imported) at the current stdout.
    Not setStream: that flushes the old stream, which may be closed already."""
    handler = getattr(getattr(app, "logger", None), "registered_handler", None)
    if isinstance(handler, logging.StreamHandler) and handler.lock is not None:
        with handler.lock:
            if not isinstance(handler.stream, _CurrentStdout):
                handler.stream = _CurrentStdout()


class LogCapture:
    """Everything the handler writes while entered, as one text (the function's CloudWatch log).

    Powertools' handler keeps the stream it found at import time, so it is pointed here for the
    duration; EMF metrics are printed to sys.stdout; other libraries log through the root logger.
    With `debug`, the library's loggers are opened up to DEBUG: the check covers the most
    verbose setting.
    """

    def __init__(self, app: Any, *, debug: bool = True) -> None:
        self.app = app
        self.debug = debug
        self.buffer = io.StringIO()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "LogCapture":
        handler = self.app.logger.registered_handler
        old_stream = handler.setStream(self.buffer)
        self._stack.callback(handler.setStream, old_stream)
        if self.debug:
            library = logging.getLogger("fusioncharge")
            self._stack.callback(library.setLevel, library.level)
            library.setLevel(logging.DEBUG)
        root_handler = logging.StreamHandler(self.buffer)
        root_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(root_handler)
        self._stack.callback(logging.getLogger().removeHandler, root_handler)
        self._stack.enter_context(contextlib.redirect_stdout(self.buffer))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def emf_lines(self) -> list[dict[str, Any]]:
        """The CloudWatch embedded-metric-format objects printed so far."""
        found = []
        for line in self.text.splitlines():
            if line.startswith('{"_aws"'):
                found.append(json.loads(line))
        return found


@dataclass
class Run:
    """One invocation as seen from outside, with what held before it started."""

    number: int
    outcome: ObservedRun
    started: float  # on the site's clock
    guard_until: float | None  # the lockout guard held until then when the run started
    hard_guard_until: float | None = None  # no login of any credentials until then

    @property
    def guard_before(self) -> bool:
        return any(t is not None and self.started < t for t in self.guards)

    @property
    def hard_guard_before(self) -> bool:
        return self.hard_guard_until is not None and self.started < self.hard_guard_until

    @property
    def guards(self) -> tuple[float | None, float | None]:
        return self.guard_until, self.hard_guard_until

    @property
    def error(self) -> BaseException | None:
        return self.outcome.error

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Bodies ChargeHQ answered 2xx to."""
        return [
            p.body
            for p in self.outcome.pushes
            if p.status is not None and 200 <= p.status < 300 and p.body is not None
        ]

    @property
    def pushed_site_meters(self) -> bool:
        return any("siteMeters" in body for body in self.accepted)

    @property
    def skipped(self) -> str | None:
        """Why the run deliberately read nothing (our own quota pacing), when it says so."""
        return (self.outcome.returned or {}).get("skipped")

    @property
    def told_chargehq(self) -> bool:
        return any("error" in body for body in self.accepted)


@dataclass
class RunLog:
    """Runs of one Site, and the secrets that must never show up anywhere."""

    site: Site
    truth: dict[str, float] | None = None  # site meters the plant really has, when known
    runs: list[Run] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    extra_secrets: set[str] = field(default_factory=set)  # e.g. a password set later
    secret_changes: list[float] = field(default_factory=list)  # when the secret was edited

    def set_secret(self, secret: dict[str, Any]) -> None:
        """The user edits the secret in the console (a changed secret may lift the guard)."""
        self.site.set_secret(secret)
        self.secret_changes.append(self.site.clock.now())
        self.extra_secrets.update(v for v in secret.values() if isinstance(v, str))

    def __post_init__(self) -> None:
        # One client for all reads: Site.state_text() makes a new one per call (slow).
        self._ssm = boto3.client("ssm", region_name=REGION)
        self._state_after_last_run: dict[str, Any] | None = None

    def forget_state(self) -> None:
        """The test changed the stored state between runs: read it afresh before the next."""
        self._state_after_last_run = None

    def state(self) -> dict[str, Any]:
        """The state the function keeps in SSM, or {} when there is none (or it is garbage)."""
        try:
            text = self._ssm.get_parameter(Name=STATE_PARAMETER, WithDecryption=True)
        except self._ssm.exceptions.ParameterNotFound:
            return {}
        try:
            state = json.loads(text["Parameter"]["Value"])
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    def run(self, advance: float | None = None) -> Run:
        if advance:
            self.site.clock.advance(advance)
        if self._state_after_last_run is None:
            self._state_after_last_run = self.state()
        started, guard_until = self.site.clock.now(), self._guard_until()
        hard_guard_until = self._hard_guard_until(started)
        try:
            outcome = self.site.run()
        except Exception as exc:  # Site.run lets only BridgeErrors through as outcomes
            pytest.fail(f"run {len(self.runs) + 1} raised an untyped {type(exc).__name__}: {exc}")
        run = Run(len(self.runs) + 1, outcome, started, guard_until, hard_guard_until)
        self.runs.append(run)
        self._state_after_last_run = self.state()
        self._note_tokens()
        return run

    def _guard_until(self) -> float | None:
        until = (self._state_after_last_run or {}).get("no_login_before")
        return until if isinstance(until, int | float) else None

    def _hard_guard_until(self, now: float) -> float | None:
        """No login of any credentials before this: a probable lock, or the count is full."""
        state = self._state_after_last_run or {}
        times = [state.get("locked_until")]
        tries = [t for t in state.get("login_tries") or () if now - t < WRONG_LOGIN_WINDOW]
        if len(tries) >= MAX_WRONG_LOGINS:
            times.append(sorted(tries)[-MAX_WRONG_LOGINS] + WRONG_LOGIN_WINDOW)
        times = [t for t in times if isinstance(t, int | float)]
        return max(times) if times else None

    def _secret_changed_under_guard(self, run: Run) -> bool:
        """A secret edited since the guard was set may be tried at once (new credentials)."""
        guard_set = (run.guard_until or 0.0) - GUARD_SECONDS
        return any(guard_set <= t <= run.started for t in self.secret_changes)

    def _note_tokens(self) -> None:
        token = (self._state_after_last_run or {}).get("token")
        if isinstance(token, str) and token:
            self.tokens.add(token)
        # Tokens the emulator issued but the run could not store (a failed state write).
        self.tokens.update(getattr(self.site.emulator, "_tokens", {}).keys())

    def secrets(self) -> list[str]:
        secret = self.site.secret if isinstance(self.site.secret, dict) else {}
        values = [secret.get("fusionsolar_system_code"), secret.get("chargehq_api_key")]
        values += [self.site.emulator.credentials[1], self.site.api_key]
        values += [*self.tokens, *self.extra_secrets]
        return sorted({v for v in values if isinstance(v, str) and len(v) >= 6})

    # --- the invariants ------------------------------------------------------------------
    def check_invariants(self, log_text: str) -> None:
        """Assert every invariant over every run so far."""
        for run in self.runs:
            where = f"run {run.number} ({_describe(run)})"
            error = run.error
            assert error is None or isinstance(error, BridgeError), where
            assert run.outcome.logins <= 1, f"{where}: {run.outcome.logins} logins in one run"
            if run.guard_before and not self._secret_changed_under_guard(run):
                assert run.outcome.logins == 0, f"{where}: logged in while the guard held"
            if run.hard_guard_before:
                assert run.outcome.logins == 0, f"{where}: logged in during a probable lock"
            assert error is not None or run.pushed_site_meters, (
                f"{where}: neither pushed nor raised"
            )
            if error is None:
                assert not run.told_chargehq, f"{where}: an error push without a raised error"
            for push in run.outcome.pushes:
                assert push.problems == [], f"{where}: ChargeHQ would object: {push.problems}"
            for body in run.accepted:
                meters = body.get("siteMeters")
                if meters is not None and self.truth is not None:
                    assert meters == self.truth, f"{where}: site meters made up: {meters}"
        wrong = [c.time for c in self.site.emulator.calls if c.outcome == "wrong_password"]
        for i, first in enumerate(wrong):
            within = [t for t in wrong[i:] if t - first < WRONG_LOGIN_WINDOW]
            assert len(within) <= MAX_WRONG_LOGINS, f"{len(within)} wrong logins in 10 minutes"
        assert self.site.emulator.count(outcome="locked") == 0, "FusionSolar locked the account"
        for secret in self.secrets():
            assert secret not in log_text, "a secret reached the logs"
            for run in self.runs:
                assert secret not in str(run.error or ""), f"run {run.number}: secret in error"


def _describe(run: Run) -> str:
    error = run.error
    told = ", ChargeHQ told" if run.told_chargehq else ""
    if run.skipped:
        return f"skipped: {run.skipped}"
    if error is None:
        return f"pushed, {run.outcome.logins} login(s)"
    return f"{type(error).__name__}{told}, {run.outcome.logins} login(s)"
