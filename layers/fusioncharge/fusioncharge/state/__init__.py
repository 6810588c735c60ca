"""What the poller remembers between runs, and the store interface that keeps it.

The state holds the session token and when it was issued, the lockout guard, the cached plants
and devices, and when each device type was last fetched (Huawei's 5-minute quota), as typed
records; each field's rules (stored type, time slack, merge, salvage, start_over) are its row
in state/fields.py; its storage format (compact JSON within SSM's 4 KB) is state/codec.py's.
Stores: in memory (tests), a local file (LIVE=1 runs, mode 600) and SSM SecureString
(deployed; see state/store.py).
"""

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fusioncharge.clock import Clock, SystemClock
from fusioncharge.errors import StateError
from fusioncharge.models import Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state import codec as state_codec
from fusioncharge.state.fields import FIELDS, NEWER, Field

STATION_KEPT_CHARS = 64  # a longer STATION is kept as a digest
# A stand-in store takes as long as SSM's slowest call may (aws/clients.py: one attempt, 2 s to
# connect and 3 s to read): tests and LIVE runs keep the deployed store's margins.
STAND_IN_CALL_SECONDS = 5.0


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
    # Types the last device list lacked: kept from the cached list until a next one confirms
    # them missing (fusionsolar/missing_types.py).
    missing_types: list[int] | None = None
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
        data = state_codec.encode({f.name: getattr(self, f.name) for f in FIELDS})
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
    if any(not _in_time(f, getattr(state, f.name), now) for f in FIELDS):
        raise StateError("stored state holds times in the future")


def _in_time(f: Field, value: Any, now: float) -> bool:
    """Whether a field's times (one, a list or one per device type) lie within its slack."""
    if f.slack is None or value is None:
        return True
    times = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    )
    return all(t <= now + f.slack for t in times)


def start_over(text: str | None, now: float) -> State:
    """The state to run with when the stored one is damaged.

    As if the last run had just read every device type (this run skips Huawei's window rather
    than risk a 407), keeping each lockout-guard field that is sound on its own (fields.py:
    kept), or with the time it follows: damage elsewhere (a time a laptop wrote ahead) must
    not forget wrong logins or a lock.
    """
    state = State(kpi_pending=now)
    try:
        data = json.loads((text or "").removeprefix("\ufeff"))
    except ValueError:
        return state
    if not isinstance(data, dict):
        return state
    sound = {f.name: v for f in FIELDS if f.kept and (v := _sound(f, data, now)) is not None}
    for f in FIELDS:
        if f.name in sound and all(name in sound for name in _kept_with(f)):
            setattr(state, f.name, sound[f.name])
    return state


def _sound(f: Field, data: dict[str, Any], now: float) -> Any:
    """A kept field's stored value when it reads as load reads it, within its slack; or None."""
    try:
        value = state_codec.READ[f.stored](data.get(f.stored_key))
    except StateError:
        return None
    return value if value != [] and _in_time(f, value, now) else None


def _kept_with(f: Field) -> list[str]:
    """The kept fields that follow the same time as `f`: one record, kept whole or not at all."""
    if f.merge.rule != NEWER:
        return []
    return [g.name for g in FIELDS if g.kept and g.merge == f.merge]


class StateStore(Protocol):
    """Loads and saves State. Implementations raise StateError on I/O failure."""

    @property
    def slowest_call_seconds(self) -> float:
        """How long one load or save may take at its slowest: a checkpoint starts none
        without that much of the run left."""
        ...

    def load(self) -> State: ...

    def save(self, state: State) -> None: ...


class InMemoryStateStore:
    """Keeps the JSON text, as SSM would, so round-trips are real."""

    slowest_call_seconds = STAND_IN_CALL_SECONDS

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

    slowest_call_seconds = STAND_IN_CALL_SECONDS

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
