"""One poll cycle: secret → FusionSolar readings → site meters → each sink SINKS lists.

Collaborators come in as arguments (the handler builds them from the settings), so the same cycle
runs in Lambda, on a laptop against the emulator, and in tests.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from fusioncharge import masking, sinks
from fusioncharge.accounting import run_to_run
from fusioncharge.accounting.site_meters import NoSiteMeters, SiteMeters
from fusioncharge.clock import Deadline, SystemClock
from fusioncharge.errors import (
    BridgeError,
    CallTooSoon,
    InternalError,
    ReadingsIncomplete,
    SecretError,
    StateError,
)
from fusioncharge.fusionsolar import Credentials, FusionSolarClient
from fusioncharge.run import readings as plant_readings
from fusioncharge.run.log import RunLog
from fusioncharge.run.result import RunResult
from fusioncharge.settings.environment import Settings
from fusioncharge.settings.secret import SiteSecret, secret_keys_missing_error, sink_keys_error
from fusioncharge.sinks import Sink, SinkContext
from fusioncharge.sinks.builder import SinkBuilder, keep_memory, log_failures
from fusioncharge.state import State, StateStore
from fusioncharge.state.checkpoint import Checkpoint

logger = logging.getLogger(__name__)


class Secrets(Protocol):
    def get(self) -> SiteSecret: ...


# Builds the run's client on the run's store (FusionSolarClient.on_store, with the run's clock
# and deadline): its Checkpoint loads the state and is the client's required way to save it.
FusionSolarFactory = Callable[[Credentials, StateStore], FusionSolarClient]


@dataclass
class _Loaded:
    """The state this run loaded and its checkpoint: the sinks keep their memory in it."""

    state: State | None = None
    checkpoint: Checkpoint | None = None


def run_poll(
    settings: Settings,
    secrets: Secrets,
    store: StateStore,
    fusionsolar: FusionSolarFactory,
    *,
    dry_run: bool = False,
    sinks_context: SinkContext | None = None,
    deadline: Deadline | None = None,
    run_log: RunLog | None = None,
) -> RunResult:
    """Run one cycle and say what it did. A failure is `result.error`, a BridgeError (the sinks
    with an error channel were told when readings could not be had): the caller raises it, so
    Lambda counts the failure. SINKS says which sinks go; each is built by its registry row
    (sinks/registry.py) with `sinks_context` (the clock, timeout and stand-in addresses). The
    state's lease (state/checkpoint.py) is released at the end. `run_log` is the container's
    (what it said once is not said again); without one, this run says everything."""
    loaded = _Loaded()
    said = run_log or RunLog()  # this run's own
    clock = deadline.clock if deadline is not None else SystemClock()
    deadline = deadline or Deadline.after(clock, 60.0)
    context = sinks_context or SinkContext(clock, settings)
    built = SinkBuilder(context, deadline, store.slowest_call_seconds)
    try:
        return _run(settings, secrets, store, fusionsolar, dry_run, built, loaded, said)
    finally:
        if loaded.checkpoint is not None:
            loaded.checkpoint.release()


def _run(
    settings: Settings,
    secrets: Secrets,
    store: StateStore,
    fusionsolar: FusionSolarFactory,
    dry_run: bool,
    built: SinkBuilder,
    loaded: _Loaded,
    run_log: RunLog,
) -> RunResult:
    result = RunResult()
    secret: SiteSecret | None = None
    try:
        secret = secrets.get()  # as the run starts, no cache: a value fixed in the console counts
        credentials = _filled_in(secret, settings.sinks)
        meters = _read_site_meters(
            settings, store, fusionsolar, credentials, result, loaded, run_log
        )
        result.site_meters = meters
        if not dry_run:
            _push(built, secret.keys, meters, result, loaded)
        result.pushed = not dry_run
        if result.unsaved_state is not None:
            raise result.unsaved_state  # pushed, but the next run may not know this one's calls
        return result
    except CallTooSoon as exc:
        # Our own pacing kept a reading inside Huawei's 5-minute window: nothing is wrong and
        # ChargeHQ keeps the last reading; the next run reads again. Logged, not raised, so it
        # raises no alarm (the "no push for 30 minutes" alarm still catches a run of them).
        result.skipped = str(exc)
        return result
    except BridgeError as exc:
        result.error = exc
    except Exception as exc:
        # A bug: reported as a failure like any other (summary, metric, `error` push), with
        # where it happened but not its message, which may quote data.
        result.error = InternalError.of(exc)
        logger.error("%s", result.error)
    if result.error is not None:
        _tell_sinks(built, secret, result.error, result, dry_run, loaded)
    return result


def _push(
    built: SinkBuilder,
    keys: Mapping[str, str],
    meters: SiteMeters,
    result: RunResult,
    loaded: _Loaded,
) -> None:
    """Hand the site meters to each sink, keep what they remember, and raise the failure the
    run fails for (sinks/__init__.py: every charging sink failed)."""
    delivery = built.deliver(keys, lambda s, d, m: s.push(meters, d, m), loaded.state)
    result.sinks, result.sent = delivery.outcomes, built.sent
    result.sink_errors = {name: e.code for name, e in delivery.errors.items()}
    keep_memory(loaded.checkpoint, loaded.state)
    log_failures(delivery.errors, delivery.run_failed())
    failed = delivery.run_failed()
    if failed is not None:
        raise failed


def _filled_in(secret: SiteSecret, sink_names: tuple[str, ...]) -> Credentials:
    """The FusionSolar credentials, or the error saying what to fill in: FusionSolar's keys and
    every listed sink's, checked before FusionSolar is called."""
    missing = secret.missing(sink_names)
    user, code = secret.fusionsolar_username, secret.fusionsolar_system_code
    error = sink_keys_error(secret, sink_names)
    if missing or user is None or code is None:
        error = secret_keys_missing_error(secret.source, missing)
    if error is not None or user is None or code is None:
        if any(secret.has_keys(name) for name in sink_names):
            # The sinks with their keys can still be told: no readings until this is fixed.
            raise _AsReadingsUnavailable(str(error)) from None
        raise error or SecretError("the FusionSolar credentials are missing")
    return Credentials(user, code)


class _AsReadingsUnavailable(SecretError):
    """A secret problem that also deserves an `error` push (the API key is known)."""

    push_to_chargehq = True


def _read_site_meters(
    settings: Settings,
    store: StateStore,
    fusionsolar: FusionSolarFactory,
    credentials: Credentials,
    result: RunResult,
    loaded: _Loaded,
    run_log: RunLog,
) -> SiteMeters:
    client = fusionsolar(credentials, store)
    state, saves = client.state, client.checkpoint
    loaded.state, loaded.checkpoint = state, saves
    try:
        readings, plants = plant_readings.read(client, settings)
    except BaseException:
        # What the failed run learned (the guard!) counts.
        _save_quietly(saves, state)
        raise
    finally:
        result.fusionsolar_calls += client.calls
        result.logins += client.logins
    run_log.plants(plants, result)
    checked = run_to_run.account_since(
        state, readings, settings.accounting, plants, client.clock.now()
    )
    checked.watches.keep_in(state)
    run_log.accounting(checked.accounting, result)
    for warning in checked.sign_warnings:
        logger.warning(warning)
        result.meter_direction_suspect = True
    try:
        if not saves.store_holds(state):
            saves.save(state)
    except StateError as exc:
        # Good readings are still pushed; the run fails after the push (see run_poll).
        result.unsaved_state = exc
    meters = checked.accounting.meters
    if isinstance(meters, NoSiteMeters):
        raise ReadingsIncomplete(meters.reason)
    return meters


def _save_quietly(saves: Checkpoint, state: State) -> None:
    """Save after a failed run, retried while the run has time (a lock just learned must
    survive a throttled save); a failure is logged, the run's own error is the story."""
    if saves.store_holds(state):
        return
    try:
        saves.save(state)
    except StateError as exc:
        logger.error("could not save the state after a failed run: %s", exc)


def _tell_sinks(
    built: SinkBuilder,
    secret: SiteSecret | None,
    exc: BridgeError,
    result: RunResult,
    dry_run: bool,
    loaded: _Loaded,
) -> None:
    """Push `error` to every sink with an error channel when readings could not be had, so the
    ChargeHQ app and Home Assistant's error sensor show it."""
    if not exc.push_to_chargehq or secret is None:
        return
    told = masking.for_third_party(f"{exc.code}: {exc}")
    message = masking.mask(told, [*secret.keys.values()])[:300]
    result.told = message  # what the sinks are told (shown by make run even if it fails)
    if dry_run:
        return

    def tell(sink: Sink, deadline: Deadline, memory: sinks.Memory) -> str:
        return sinks.OK if sink.tell(message, deadline, memory) else "not told"

    delivery = built.deliver(secret.keys, tell, loaded.state)
    result.sinks = {n: o for n, o in delivery.outcomes.items() if o != "not told"}
    result.sent = built.sent
    result.pushed = sinks.OK in result.sinks.values()
    result.sink_errors = {name: e.code for name, e in delivery.errors.items()}
    keep_memory(loaded.checkpoint, loaded.state)
    for name, push_exc in delivery.errors.items():
        logger.error("could not tell %s about the failure: %s", name, push_exc)
