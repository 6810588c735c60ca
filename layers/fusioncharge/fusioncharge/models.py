"""What the FusionSolar side hands to the arithmetic: plants, devices and parsed readings."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

STRING_INVERTER = 1
GRID_METER = 17
RESIDENTIAL_INVERTER = 38
BATTERY = 39
POWER_SENSOR = 47
EMMA = 23070  # energy manager; a meter since SmartPVMS 25.2.0
INVERTER_TYPES = frozenset({STRING_INVERTER, RESIDENTIAL_INVERTER})
# The only types getDevRealKpi is asked about. Dongles (62), optimizers (46), SmartGuard (23071)
# and third-party devices behind an EMMA (23072) list in getDevList but serve no real-time data.
REAL_TIME_TYPES = INVERTER_TYPES | {GRID_METER, POWER_SENSOR, BATTERY, EMMA}


@dataclass(frozen=True)
class Plant:
    code: str  # e.g. "NE=35436844"
    name: str
    # From the plant list (/thirdData/stations), each None when not given or not plausible.
    capacity_kwp: float | None = None  # bounds production (accounting/plausibility.py)
    latitude: float | None = None  # as FusionSolar names them; some plants have them swapped
    longitude: float | None = None
    grid_connection_date: str | None = None  # "2023-03-31T09:56:55+01:00": plant_time's offset

    def facts(self) -> list[Any]:
        """What the state keeps of the plant list's facts, compactly (plant_from_facts)."""
        return [self.capacity_kwp, self.latitude, self.longitude, self.grid_connection_date]

    def with_facts(self, facts: Any) -> "Plant":
        """This plant with facts kept by `facts()`; damaged ones are left out, not trusted."""
        if not isinstance(facts, list) or len(facts) != 4:
            return self
        capacity, lat, lon, date = facts
        ok = all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool))
            for v in (capacity, lat, lon)
        )
        if not ok or not (date is None or isinstance(date, str)):
            return self
        return replace(
            self, capacity_kwp=capacity, latitude=lat, longitude=lon, grid_connection_date=date
        )


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    type_id: int
    plant_code: str
    capacity_kwh: float | None = None  # a battery's rated capacity, when its model tells

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "n": self.name, "t": self.type_id, "p": self.plant_code}
        return out if self.capacity_kwh is None else {**out, "c": self.capacity_kwh}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Device":
        capacity = d.get("c")
        return cls(
            id=int(d["id"]),
            name=str(d["n"]),
            type_id=int(d["t"]),
            plant_code=str(d["p"]),
            capacity_kwh=None if capacity is None else float(capacity),
        )


@dataclass(frozen=True)
class Reading:
    """One device's real-time values from getDevRealKpi.

    `values` holds every value that was a finite number (or numeric string) as float;
    `unknown` names the keys that were present but not numeric (null, "N/A", ...).
    A key in neither was missing from the reply: also unknown to the caller.
    """

    device_id: int
    type_id: int
    values: Mapping[str, float] = field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    time_ms: int | None = None  # params.currentTime of the reply (server time)

    def get(self, key: str) -> float | None:
        """The value, or None when it is unknown or missing."""
        return self.values.get(key)

    @property
    def empty(self) -> bool:
        """FusionSolar answered without this device (it asked, nothing came)."""
        return not self.values and not self.unknown
