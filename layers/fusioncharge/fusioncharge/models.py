"""What the FusionSolar side hands to the arithmetic: plants, devices and parsed readings."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

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

    def facts(self) -> "PlantFacts":
        """What the state keeps of the plant list's facts."""
        return PlantFacts(
            self.capacity_kwp, self.latitude, self.longitude, self.grid_connection_date
        )

    def with_facts(self, facts: "PlantFacts | None") -> "Plant":
        """This plant with the facts the state kept (unchanged without them)."""
        if facts is None:
            return self
        return replace(
            self,
            capacity_kwp=facts.capacity_kwp,
            latitude=facts.latitude,
            longitude=facts.longitude,
            grid_connection_date=facts.grid_connection_date,
        )


@dataclass(frozen=True)
class PlantFacts:
    """What the plant list says of a plant besides its name: kept in the state, as they are
    read only once (accounting/plausibility.py, sun.py, plant/zone.py use them)."""

    capacity_kwp: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    grid_connection_date: str | None = None


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    type_id: int
    plant_code: str
    capacity_kwh: float | None = None  # a battery's rated capacity, when its model tells
    rated_kw: float | None = None  # an inverter's rated AC power, when its model tells


@dataclass(frozen=True)
class MeterWatch:
    """The meter-direction self-check's memory between runs (accounting/meter_direction.py):
    the site meter's last good sample, and how many runs in a row its power and its counters
    disagreed. Kept in the state; `held` counts runs it was kept while the counters were out."""

    device_id: int
    time_ms: int  # the reading's server time
    export_kw: float  # > 0 exporting, after METER_EXPORT_POSITIVE
    imported_kwh: float
    exported_kwh: float
    streak: int = 0  # runs in a row that disagreed
    others: tuple[int, ...] = ()  # the other meters summed with it (several plants)
    held: int = 0  # runs in a row this sample was kept while the counters were left out


@dataclass(frozen=True)
class CounterSample:
    """One of the site's energy counters as last accepted: its sum over the devices (kWh) and
    the minute it was read (minutes since 1970, UTC)."""

    kwh: float
    minute: int


@dataclass(frozen=True)
class EnergyWatch:
    """The site's energy counters of an earlier run (accounting/energy_counters.py): what the
    next run's are checked against (ran backwards, grew too fast, restarted at the wrong hour).
    Kept in the state; a counter left out keeps its last good sample for up to an hour."""

    inverter_day: CounterSample | None = None  # Σ inverter day_cap
    charged_day: CounterSample | None = None  # Σ battery charge_cap
    discharged_day: CounterSample | None = None  # Σ battery discharge_cap
    inverter_total: CounterSample | None = None  # Σ inverter total_cap


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
