"""What the poller remembers between runs, and the store interface that keeps it.

The state holds the session token and when it was issued, the lockout guard, the cached plants
and devices, and when each device type was last fetched (Huawei's 5-minute quota), as typed
records; its storage format (compact JSON within SSM's 4 KB) is state/codec.py's alone.
Stores: in memory (tests), a local file (LIVE=1 runs, mode 600) and SSM SecureString
(deployed; see state/store.py).
"""

import hashlib
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from fusioncharge.clock import Clock, SystemClock
from fusioncharge.errors import StateError
from fusioncharge.models import Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state import codec as state_codec
from fusioncharge.state.devices import is_number

STATION_KEPT_CHARS = 64  # a longer STATION is kept as a digest
# How far ahead of our clock a stored time may lie; anything further is damage, not a plan.
PAST_TIMES_SLACK = 60.0  # times of things that happened (a clock may step back a little)
GUARD_TIMES_SLACK = 30 * 60 + 60.0  # guards run at most 30 minutes ahead
PENDING_SLACK = 15 * 60 + 60.0  # a run's pending calls end within Lambda's 15-minute maximum
BACKOFF_SLACK = 6 * 3600 + 60.0  # a login back-off lasts at most 6 hours
_EVENT_TIMES = ("token_issued_at", "devices_fetched_at", "plant_checked_at", "devices_asked_at")
_GUARD_TIMES = ("no_login_before", "locked_until")


@dataclass
class State:
    token: str | None = None
    token_issued_at: float | None = None  # epoch seconds
    # Lockout guard: no login before this time with credentials whose salted hash is below.
    no_login_before: float | None = None
    rejected_credentials: str | None = None  # "salt$sha256hex ...", never the password
    plant_code: str | None = None  # the found plants' codes, comma-separated (STATION's order)
    plant_name: str | None = None  # their names, one a line
    plant_for_station: str | None = None  # station_key(the STATION the plants were found for)
    plant_checked_at: float | None = None  # when the plant list last matched no plant for it
    # Per plant (plant_code's order): what the plant list says of it; [] once asked, when
    # nothing was learned.
    plant_facts: list[PlantFacts] | None = None
    devices: list[Device] | None = None  # what the poller reads, without names
    devices_fetched_at: float | None = None
    devices_asked_at: float | None = None  # the last getDevList that failed: asked hourly
    last_fetch: dict[str, float] = field(default_factory=dict)  # device type id -> epoch s
    # FusionSolar's clock - ours at sending, seconds, for the last calls (oldest first).
    server_leads: list[float] | None = None
    unserved_types: list[int] | None = None  # answered 20013: not asked until devices change
    doubted_types: list[int] | None = None  # lacking in the last device list: kept till confirmed
    meter_watch: MeterWatch | None = None  # meter_direction's last sample and streak
    energy_watch: EnergyWatch | None = None  # the energy counters' last good sums (energy.py)
    negative_runs: int | None = None  # runs in a row with negative consumption (a warning at 3)
    # Counting lockout guard (login_guard.py): logins refused or unanswered in the last 10
    # minutes, whatever the credentials, and a probable lock that stops every login.
    login_tries: list[float] | None = None
    locked_until: float | None = None
    # Logins refused for Huawei's quota (407, 429) in a row, and no login before this time:
    # the back-off grows to hours (login_guard.py); a correct login clears both.
    login_quota_refusals: int | None = None
    login_backoff_until: float | None = None
    # Set (and saved) before getDevRealKpi calls, cleared after: found set at the start of a
    # run, the last run's save was lost and its calls may have counted up to this time.
    kpi_pending: float | None = None
    # What each sink remembers between runs (sinks/): PVOutput's day so far, since when ChargeHQ
    # has not answered. Only sinks with something to remember appear.
    sinks: dict[str, Any] | None = None

    def to_json(self) -> str:
        data = state_codec.encode({f.name: getattr(self, f.name) for f in fields(self)})
        text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate (a plant name from FusionSolar): escaped
            text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        return text

    @classmethod
    def from_json(cls, text: str | None, now: float | None = None) -> "State":
        """Parse stored state; raise StateError for anything that is not our JSON.

        With `now`, times too far in the future are refused too: a damaged time would stop
        logins or readings for as long as it lies ahead.
        """
        text = (text or "").removeprefix("\ufeff")  # a byte order mark an editor added
        if not text.strip():
            return cls()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateError("stored state is not JSON") from exc
        try:
            state = cls(**state_codec.decode(data))
        except TypeError as exc:
            raise StateError("stored state has unknown fields") from exc
        if now is not None:
            _check_times(state, now)
        return state


def station_key(station: str) -> str:
    """What the state keeps of the STATION the plants were found for: the setting itself, or
    for a long list of plants a digest (500 characters would crowd out 100 devices)."""
    if len(station) <= STATION_KEPT_CHARS:
        return station
    return "sha256:" + hashlib.sha256(station.encode()).hexdigest()[:32]


def _check_times(state: State, now: float) -> None:
    limits = [(now + PAST_TIMES_SLACK, getattr(state, n)) for n in _EVENT_TIMES]
    limits += [(now + PAST_TIMES_SLACK, t) for t in state.last_fetch.values()]
    limits += [(now + PAST_TIMES_SLACK, t) for t in state.login_tries or ()]
    limits += [(now + GUARD_TIMES_SLACK, getattr(state, n)) for n in _GUARD_TIMES]
    limits += [(now + PENDING_SLACK, state.kpi_pending)]
    limits += [(now + BACKOFF_SLACK, state.login_backoff_until)]
    if any(t is not None and t > limit for limit, t in limits):
        raise StateError("stored state holds times in the future")


def start_over(text: str | None, now: float) -> State:
    """The state to run with when the stored one is damaged.

    As if the last run had just read every device type (this run skips Huawei's window rather
    than risk a 407), keeping each lockout-guard field that is sound on its own: damage
    elsewhere (a time a laptop wrote ahead) must not forget wrong logins or a lock.
    """
    state = State(kpi_pending=now)
    try:
        data = json.loads((text or "").removeprefix("\ufeff"))
    except ValueError:
        return state
    if not isinstance(data, dict):
        return state
    tries = data.get("login_tries")
    if isinstance(tries, list) and all(is_number(t) and t <= now + PAST_TIMES_SLACK for t in tries):
        state.login_tries = [float(t) for t in tries] or None
    for name in _GUARD_TIMES:
        value = data.get(name)
        if is_number(value) and value <= now + GUARD_TIMES_SLACK:
            setattr(state, name, float(value))
    if isinstance(data.get("rejected_credentials"), str):
        state.rejected_credentials = data["rejected_credentials"]
    until, refusals = data.get("login_backoff_until"), data.get("login_quota_refusals")
    if is_number(until) and until <= now + BACKOFF_SLACK and is_number(refusals):
        state.login_backoff_until, state.login_quota_refusals = float(until), int(refusals)
    return state


class StateStore(Protocol):
    """Loads and saves State. Implementations raise StateError on I/O failure."""

    def load(self) -> State: ...

    def save(self, state: State) -> None: ...


class InMemoryStateStore:
    """Keeps the JSON text, as SSM would, so round-trips are real."""

    def __init__(self, text: str | None = None, clock: Clock | None = None) -> None:
        self.text = text
        self.saves = 0
        self.clock = clock or SystemClock()

    def load(self) -> State:
        return State.from_json(self.text, self.clock.now())

    def save(self, state: State) -> None:
        self.text = state.to_json()
        self.saves += 1


class FileStateStore:
    """A local JSON file readable only by its owner (mode 600): for `make run LIVE=1`."""

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = path
        self.clock = clock or SystemClock()

    def load(self) -> State:
        try:
            return State.from_json(self.path.read_text(encoding="utf-8"), self.clock.now())
        except FileNotFoundError:
            return State()
        except OSError as exc:
            raise StateError(f"cannot read {self.path}: {exc.strerror}") from exc

    def save(self, state: State) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also tighten a file that existed with wider rights
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(state.to_json())
