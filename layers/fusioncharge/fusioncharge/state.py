"""What the poller remembers between runs, and the store interface that keeps it.

The state is small compact JSON (well under SSM's 4 KB): the session token and when it was
issued, the lockout guard, the cached plant and devices, and when each device type was last
fetched (Huawei's 5-minute quota). Stores: in memory (tests), a local file (LIVE=1 runs,
mode 600) and SSM SecureString (deployed; see aws.py).
"""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fusioncharge.errors import StateError

STATE_VERSION = 1


@dataclass
class State:
    token: str | None = None
    token_issued_at: float | None = None  # epoch seconds
    # Lockout guard: no login before this time with credentials whose salted hash is below.
    no_login_before: float | None = None
    rejected_credentials: str | None = None  # "salt$sha256hex ...", never the password
    plant_code: str | None = None
    plant_name: str | None = None
    plant_for_station: str | None = None  # the STATION setting the plant was found for
    devices: list[dict[str, Any]] | None = None  # Device.to_dict() items
    devices_fetched_at: float | None = None
    last_fetch: dict[str, float] = field(default_factory=dict)  # device type id -> epoch s
    server_lead: float | None = None  # least (FusionSolar's clock - ours at sending), seconds
    unserved_types: list[int] | None = None  # answered 20013: not asked until devices change
    meter_watch: dict[str, float] | None = None  # meter_direction's last sample and streak

    def to_json(self) -> str:
        # An empty device list is kept: it is a cached answer too.
        data = {k: v for k, v in asdict(self).items() if v is not None and v != {}}
        data["v"] = STATE_VERSION
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "State":
        """Parse stored state; raise StateError for anything that is not our JSON."""
        if not text or not text.strip():
            return cls()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateError("stored state is not JSON") from exc
        if not isinstance(data, dict) or data.pop("v", None) != STATE_VERSION:
            raise StateError("stored state has an unknown format")
        try:
            state = cls(**data)
        except TypeError as exc:
            raise StateError("stored state has unknown fields") from exc
        _check_types(state)
        return state


def _check_types(state: State) -> None:
    ok = (
        isinstance(state.last_fetch, dict)
        and all(isinstance(v, int | float) for v in state.last_fetch.values())
        and (state.devices is None or isinstance(state.devices, list))
        and (state.unserved_types is None or isinstance(state.unserved_types, list))
        and (state.meter_watch is None or isinstance(state.meter_watch, dict))
        and all(
            isinstance(getattr(state, name), int | float | type(None))
            for name in ("token_issued_at", "no_login_before", "devices_fetched_at", "server_lead")
        )
        and all(
            isinstance(getattr(state, name), str | type(None))
            for name in ("token", "rejected_credentials", "plant_code", "plant_name")
        )
    )
    if not ok:
        raise StateError("stored state has fields of the wrong type")


class StateStore(Protocol):
    """Loads and saves State. Implementations raise StateError on I/O failure."""

    def load(self) -> State: ...

    def save(self, state: State) -> None: ...


class InMemoryStateStore:
    """Keeps the JSON text, as SSM would, so round-trips are real."""

    def __init__(self, text: str | None = None) -> None:
        self.text = text
        self.saves = 0

    def load(self) -> State:
        return State.from_json(self.text)

    def save(self, state: State) -> None:
        self.text = state.to_json()
        self.saves += 1


class FileStateStore:
    """A local JSON file readable only by its owner (mode 600): for `make run LIVE=1`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> State:
        try:
            return State.from_json(self.path.read_text(encoding="utf-8"))
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
