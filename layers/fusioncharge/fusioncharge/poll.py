"""One poll cycle: secret → FusionSolar readings → site meters → ChargeHQ push.

Collaborators come in as arguments (the handler builds them from the settings), so the same cycle
runs in Lambda, on a laptop against the emulator, and in tests.
"""

import logging
from collections.abc import Callable
from typing import Protocol

from fusioncharge import checkpoint, masking, plant_time, sun
from fusioncharge.accounting import consumption_check, meter_direction
from fusioncharge.accounting.site_meters import (
    Accounting,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
    device_types_needed,
    next_meter_type,
)
from fusioncharge.aws.secrets import SiteSecret, secret_keys_missing_error
from fusioncharge.chargehq.body import build_body
from fusioncharge.chargehq.client import ChargeHqClient
from fusioncharge.clock import Clock, Deadline
from fusioncharge.errors import (
    BridgeError,
    CallTooSoon,
    InternalError,
    ReadingsIncomplete,
    SecretError,
    StateError,
)
from fusioncharge.fusionsolar import Credentials, FusionSolarClient, parse
from fusioncharge.fusionsolar.catalogue import unserved_types
from fusioncharge.models import Device, Plant, Reading
from fusioncharge.result import RunResult
from fusioncharge.settings import Settings
from fusioncharge.state import State, StateStore

logger = logging.getLogger(__name__)
_told: set[str] = set()  # INFO notes already logged by this process (said once, not each run)


class Secrets(Protocol):
    def get(self) -> SiteSecret: ...


FusionSolarFactory = Callable[[Credentials, State], FusionSolarClient]
ChargeHqFactory = Callable[[str], ChargeHqClient]


def run_poll(
    settings: Settings,
    secrets: Secrets,
    store: StateStore,
    fusionsolar: FusionSolarFactory,
    chargehq: ChargeHqFactory,
    *,
    dry_run: bool = False,
) -> RunResult:
    """Run one cycle and say what it did. A failure is `result.error`, a BridgeError (ChargeHQ
    was told when readings could not be had and the API key is known): the caller raises it,
    so Lambda counts the failure."""
    result = RunResult()
    secret: SiteSecret | None = None
    try:
        secret = secrets.get()  # as the run starts, no cache: a value fixed in the console counts
        credentials, api_key = _filled_in(secret)
        result.site_meters = _read_site_meters(settings, store, fusionsolar, credentials, result)
        result.body = build_body(api_key, site_meters=result.site_meters)
        if not dry_run:
            chargehq(api_key).push_site_meters(result.site_meters)
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
        _tell_chargehq(chargehq, secret, result.error, result, dry_run)
    return result


def _filled_in(secret: SiteSecret) -> tuple[Credentials, str]:
    """The FusionSolar credentials and the ChargeHQ API key, or the error saying what to fill in."""
    missing = secret.missing()
    user, code, api_key = (
        secret.fusionsolar_username,
        secret.fusionsolar_system_code,
        secret.chargehq_api_key,
    )
    if missing or user is None or code is None or api_key is None:
        error = secret_keys_missing_error(secret.source, missing)
        if secret.chargehq_api_key is not None:
            # ChargeHQ can still be told: readings can't be had until the secret is filled in.
            raise _AsReadingsUnavailable(str(error)) from None
        raise error
    return Credentials(user, code), api_key


class _AsReadingsUnavailable(SecretError):
    """A secret problem that also deserves an `error` push (the API key is known)."""

    push_to_chargehq = True


def _read_site_meters(
    settings: Settings,
    store: StateStore,
    fusionsolar: FusionSolarFactory,
    credentials: Credentials,
    result: RunResult,
) -> SiteMeters:
    state = store.load()
    saved = [state.to_json()]  # what the store holds now, as far as this run knows

    def save_before(st: State, call: str) -> None:
        checkpoint.save_before(store, st, client.clock, client.deadline, call)
        saved[0] = st.to_json()

    client = fusionsolar(credentials, state)
    client.save_state = save_before
    try:
        readings, plants = _readings(client, settings)
    except BaseException:
        # What the failed run learned (the guard!) counts.
        _save_quietly(store, state, saved[0], client.clock, client.deadline)
        raise
    finally:
        result.fusionsolar_calls += client.calls
        result.logins += client.logins
    previous = meter_direction.previous(state.meter_watch)
    accounting = account(readings, settings.accounting, previous, plants, client.clock.now())
    _report_accounting(accounting, result)
    state.meter_watch, suspect = meter_direction.check(state.meter_watch, accounting.meter)
    state.negative_runs, negative = consumption_check.check(state.negative_runs, accounting.meters)
    for warning in (suspect, negative):
        if warning is not None:
            logger.warning(warning)
            result.meter_direction_suspect = True
    try:
        if state.to_json() != saved[0]:
            checkpoint.save(store, state, client.clock, client.deadline)
    except StateError as exc:
        # Good readings are still pushed; the run fails after the push (see run_poll).
        result.unsaved_state = exc
    meters = accounting.meters
    if isinstance(meters, NoSiteMeters):
        raise ReadingsIncomplete(meters.reason)
    return meters


def _save_quietly(
    store: StateStore, state: State, before: str, clock: Clock, deadline: Deadline | None
) -> None:
    """Save after a failed run, retried while the run has time (a lock just learned must
    survive a throttled save); a failure is logged, the run's own error is the story."""
    if state.to_json() == before:
        return
    try:
        checkpoint.save(store, state, clock, deadline)
    except StateError as exc:
        logger.error("could not save the state after a failed run: %s", exc)


def _report_accounting(accounting: Accounting, result: RunResult) -> None:
    """A WARNING per reading left out (every run: each is a lost measurement), a choice once."""
    for dropped in accounting.dropped:
        logger.warning("reading left out: %s", dropped)
    for warning in accounting.warnings:
        logger.warning(warning)
    result.implausible_readings += len(accounting.dropped)
    for key, note in accounting.notes:
        if key not in _told:
            _told.add(key)
            logger.info(note)


def _readings(
    client: FusionSolarClient, settings: Settings
) -> tuple[list[Reading], list[SitePlant]]:
    """The readings of every plant STATION names, and the plants as the accounting sees them."""
    plants = client.plants(settings.station)
    listed = client.devices(plants)  # first: a fetched list forgets the types that said 20013
    unserved = unserved_types(client.state)  # answered 20013 since: not asked
    devices = [d for d in listed if d.type_id not in unserved]
    site = _site_plants(plants, devices, settings, client.clock.now())
    options = settings.accounting
    types = device_types_needed(devices, options, site)
    readings = client.readings(plants, types)
    asked = set(types)
    # The first meter in line gave nothing usable: the next one stands in (its own quota).
    while (meter := next_meter_type(devices, readings, options, asked, site)) is not None:
        logger.info("no usable meter reading yet: reading device type %d instead", meter)
        asked.add(meter)
        readings += client.readings(plants, [meter])
    return readings, site


def _site_plants(
    plants: list[Plant], devices: list[Device], settings: Settings, now: float
) -> list[SitePlant]:
    """Each plant with its devices, whether its meter counts (METER_PLANTS; empty: all), its
    capacity and whether the sun is down there now."""
    metered = {p.code for p in plants}
    if settings.meter_plants:
        among = "of those STATION names"
        named = parse.match_plants(settings.meter_plants, plants, "METER_PLANTS", among)
        metered = {p.code for p in named}
    return [
        SitePlant(
            code=p.code,
            name=p.name,
            devices=tuple(d for d in devices if d.plant_code == p.code),
            meter_counts=p.code in metered,
            capacity_kwp=p.capacity_kwp,
            sun_down=sun.sun_down(
                now,
                plant_time.plant_zone(settings.plant_timezone, p.grid_connection_date),
                settings.plant_location,
                sun.readings_of(p.latitude, p.longitude),
            ),
        )
        for p in plants
    ]


def _tell_chargehq(
    chargehq: ChargeHqFactory,
    secret: SiteSecret | None,
    exc: BridgeError,
    result: RunResult,
    dry_run: bool,
) -> None:
    """Push `error` when readings could not be had, so the ChargeHQ app shows it."""
    if not exc.push_to_chargehq or secret is None or secret.chargehq_api_key is None:
        return
    message = masking.for_third_party(f"{exc.code}: {exc}")[:300]
    result.body = build_body(secret.chargehq_api_key, error=message)  # shown even if it fails
    if dry_run:
        return
    try:
        chargehq(secret.chargehq_api_key).push_error(message)
        result.pushed = True
    except BridgeError as push_exc:
        logger.error("could not tell ChargeHQ about the failure: %s", push_exc)
