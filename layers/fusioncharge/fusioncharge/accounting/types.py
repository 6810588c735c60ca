"""What the accounting takes and gives: options, site meters, plants, the meter sample, the log."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import tzinfo

from fusioncharge.accounting import meters as meter_types
from fusioncharge.models import Device, EnergyWatch, Reading


@dataclass(frozen=True)
class AccountingOptions:
    """How to account for this site; built from the settings (USE_*_DATA, ...)."""

    use_power_sensor: bool = True
    use_grid_meter: bool = True
    use_emma: bool = True
    use_battery: bool = True
    meter_export_positive: bool = True
    battery_coupling: str = "dc"  # "dc" | "ac"
    battery_capacity_kwh: float | None = None
    grid_meter_unit: str = meter_types.AUTO  # "auto" | "W" | "kW"
    plant_capacity_kwp: float | None = None  # PLANT_CAPACITY_KWP: else the plant list's

    def __post_init__(self) -> None:
        # Settings validate these for users; this guards code that builds options by hand.
        if self.battery_coupling not in ("dc", "ac"):
            raise ValueError(
                f"battery_coupling must be 'dc' or 'ac', not {self.battery_coupling!r}"
            )
        capacity = self.battery_capacity_kwh
        if capacity is not None and not (math.isfinite(capacity) and capacity > 0):
            raise ValueError("battery_capacity_kwh must be a positive number of kWh, or None")
        if self.grid_meter_unit.lower() not in (meter_types.AUTO, "w", "kw"):
            raise ValueError(f"grid_meter_unit must be auto, W or kW, not {self.grid_meter_unit!r}")


@dataclass(frozen=True)
class SiteEnergy:
    """Today's energies from Huawei's own counters (kWh, accounting/energy.py); None = unknown,
    left out, never zero-filled. Not part of ChargeHQ's siteMeters: Home Assistant and PVOutput
    take them."""

    production_today_kwh: float | None = None  # solar, never a DC battery's discharge
    production_total_kwh: float | None = None  # lifetime solar: only where no DC battery
    battery_charged_today_kwh: float | None = None
    battery_discharged_today_kwh: float | None = None

    def as_dict(self) -> dict[str, float]:
        """The known energies only."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class SiteMeters:
    """ChargeHQ's `siteMeters` (kW / kWh / fraction); None = unknown, omitted, never zero-filled."""

    production_kw: float
    net_import_kw: float | None = None
    consumption_kw: float | None = None
    imported_kwh: float | None = None
    exported_kwh: float | None = None
    battery_discharge_kw: float | None = None
    battery_soc: float | None = None
    battery_energy_kwh: float | None = None
    tsms: int | None = None  # when the readings were taken (ms), sent beside siteMeters
    # Today's energies (SiteEnergy's fields), for the sinks that take them; not ChargeHQ's.
    production_today_kwh: float | None = None
    production_total_kwh: float | None = None
    battery_charged_today_kwh: float | None = None
    battery_discharged_today_kwh: float | None = None

    def as_dict(self) -> dict[str, float]:
        """The `siteMeters` object: the known fields only, without tsms and the energies."""
        return {
            f.name: value
            for f in fields(self)
            if f.name not in _NOT_SITE_METERS and (value := getattr(self, f.name)) is not None
        }

    @property
    def energy(self) -> SiteEnergy:
        """Today's energies, the known ones only in `.as_dict()`."""
        return SiteEnergy(**{name: getattr(self, name) for name in ENERGY_FIELDS})

    def with_energy(self, energy: SiteEnergy) -> "SiteMeters":
        return replace(self, **{name: getattr(energy, name) for name in ENERGY_FIELDS})


ENERGY_FIELDS = tuple(f.name for f in fields(SiteEnergy))
_NOT_SITE_METERS = ("tsms", *ENERGY_FIELDS)


@dataclass(frozen=True)
class NoSiteMeters:
    """No trustworthy site meters this time; `reason` says why (safe to show to the user)."""

    reason: str


@dataclass(frozen=True)
class SitePlant:
    """One plant of the site: its devices, and whether its meter measures the site's grid."""

    code: str
    name: str = ""
    devices: tuple[Device, ...] = ()
    meter_counts: bool = True  # False: METER_PLANTS leaves this plant's meter out
    capacity_kwp: float | None = None  # from the plant list
    sun_down: bool | None = None  # at the plant, now (sun.py); None: not known
    notice: str | None = None  # what the user should hear about the plant's place (sun.py)
    zone: tzinfo | None = None  # the plant's time zone (plant/zone.py): its daily counters' day

    @property
    def label(self) -> str:
        return f"{self.name!r} ({self.code})" if self.name else self.code


@dataclass(frozen=True)
class MeterSample:
    """The site's meter this run, as pushed: for the meter-direction self-check."""

    device_id: int
    type_id: int
    export_kw: float  # > 0 exporting, after METER_EXPORT_POSITIVE
    imported_kwh: float | None
    exported_kwh: float | None
    time_ms: int | None
    also: tuple[int, ...] = ()  # the other meters summed with it (several plants)


@dataclass(frozen=True)
class Accounting:
    """The site meters, and what the log should say about how they were made."""

    meters: SiteMeters | NoSiteMeters
    dropped: tuple[str, ...] = ()  # readings left out as not plausible (a WARNING each)
    notes: tuple[tuple[str, str], ...] = ()  # (key, INFO line): a grid meter's unit and why
    meter: MeterSample | None = None
    warnings: tuple[str, ...] = ()  # fields left out this run for a reason other than dropping
    cautions: tuple[tuple[str, str], ...] = ()  # (key, WARNING line): said once, not every run
    energy_watch: EnergyWatch | None = None  # the energy counters to check the next run's against


@dataclass
class AccountingLog:
    """What a run's accounting dropped, chose and warned about, collected on the way."""

    dropped: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cautions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Meter:
    """A usable meter reading, as mounted (accounting/grid.py picks it, or sums several)."""

    device_id: int
    type_id: int
    export_kw: float  # > 0 exporting, as mounted (before METER_EXPORT_POSITIVE)
    imported_kwh: float | None  # lifetime, by the meter type's own counter names
    exported_kwh: float | None
    time_ms: int | None
    also: tuple[int, ...] = ()  # the other meters summed into this one


def listed_capacity(plants: Sequence[SitePlant]) -> float | None:
    """The plant list's kWp summed, when every plant's is known (the site's size is
    site_bounds.site_size: this is one of its sources)."""
    capacities = [p.capacity_kwp for p in plants]
    if not capacities or any(c is None for c in capacities):
        return None
    return sum(c for c in capacities if c is not None)


def metered_plants(plants: Sequence[SitePlant]) -> list[SitePlant]:
    """The plants whose meter counts (METER_PLANTS)."""
    return [p for p in plants if p.meter_counts]


# --- numbers -----------------------------------------------------------------------------------
def field_value(reading: Reading, key: str) -> float | None:
    found = reading.get(key)
    return found if found is not None and math.isfinite(found) else None


def kw(value: float) -> float:
    """1 W resolution; + 0.0 turns -0.0 into 0.0 so no '-0.0' reaches the JSON."""
    return round(value, 3) + 0.0


def kwh(value: float | None) -> float | None:
    return None if value is None else round(value, 2) + 0.0
