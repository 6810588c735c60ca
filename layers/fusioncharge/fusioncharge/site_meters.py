"""The energy accounting: FusionSolar readings in, ChargeHQ site meters out.

Pure arithmetic (no I/O), implementing docs `design/site-meters.md`. Units after conversion:
kW for power, kWh for energy, a 0..1 fraction for the state of charge. Signs as ChargeHQ wants
them: net import > 0 when importing, battery discharge > 0 when discharging.

Choices the contract leaves open:
- No inverter reading at all, or an inverter whose power is unknown while it may be producing:
  NoSiteMeters (production unknown; a made-up zero would stop the car).
- A counted battery (status not 0) whose `ch_discharge_power` is unknown: NoSiteMeters, with
  either coupling. DC: production depends on it; AC: consumption does. Simpler than half answers.
- A battery's unknown `battery_soc` leaves `battery_soc` (and the energy) out; power still goes.
- A meter whose `active_power` is unknown is treated like an offline one: the next meter in line
  (power sensor → grid meter → none) is used. Several usable meters of one type: the lowest
  device id wins (a second power sensor is usually a sub-meter; summing would be wrong).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields

from fusioncharge.models import (
    BATTERY,
    GRID_METER,
    INVERTER_TYPES,
    POWER_SENSOR,
    Device,
    Reading,
)

STANDBY_NO_IRRADIATION = 40960
SHUTDOWN_STATES = range(768, 775)  # 768-774: shutdown on fault, on command, ... DC switch off
METER_ONLINE = 1
BATTERY_OFFLINE = 0


@dataclass(frozen=True)
class AccountingOptions:
    """How to account for this site; built from the settings (USE_*_DATA, ...)."""

    use_power_sensor: bool = True
    use_grid_meter: bool = True
    use_battery: bool = True
    meter_export_positive: bool = True
    battery_coupling: str = "dc"  # "dc" | "ac"
    battery_capacity_kwh: float | None = None

    def __post_init__(self) -> None:
        # Settings validate these for users; this guards code that builds options by hand.
        if self.battery_coupling not in ("dc", "ac"):
            raise ValueError(
                f"battery_coupling must be 'dc' or 'ac', not {self.battery_coupling!r}"
            )
        capacity = self.battery_capacity_kwh
        if capacity is not None and not (math.isfinite(capacity) and capacity > 0):
            raise ValueError("battery_capacity_kwh must be a positive number of kWh, or None")


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

    def as_dict(self) -> dict[str, float]:
        """The `siteMeters` object: the known fields only, without tsms."""
        return {
            f.name: value
            for f in fields(self)
            if f.name != "tsms" and (value := getattr(self, f.name)) is not None
        }


@dataclass(frozen=True)
class NoSiteMeters:
    """No trustworthy site meters this time; `reason` says why (safe to show to the user)."""

    reason: str


def device_types_needed(devices: Iterable[Device], options: AccountingOptions) -> list[int]:
    """The getDevRealKpi device types to fetch first (each type costs one call of the quota)."""
    present = {device.type_id for device in devices}
    needed = present & INVERTER_TYPES
    if options.use_power_sensor and POWER_SENSOR in present:
        needed.add(POWER_SENSOR)
    elif options.use_grid_meter and GRID_METER in present:
        needed.add(GRID_METER)
    if options.use_battery and BATTERY in present:
        needed.add(BATTERY)
    return sorted(needed)


def grid_meter_fallback_needed(
    devices: Iterable[Device], readings: Iterable[Reading], options: AccountingOptions
) -> bool:
    """True when the power sensor gave nothing usable and a grid meter can stand in."""
    present = {device.type_id for device in devices}
    readings = list(readings)
    if not (options.use_power_sensor and POWER_SENSOR in present):
        return False  # the grid meter was either fetched first or is not wanted
    if _usable_power_sensor(readings, options) is not None:
        return False
    already = any(r.type_id == GRID_METER for r in readings)
    return options.use_grid_meter and GRID_METER in present and not already


def compute_site_meters(
    readings: Iterable[Reading], options: AccountingOptions
) -> SiteMeters | NoSiteMeters:
    """Apply the contract: which devices count, units, signs, coupling, rounding."""
    # A fixed order: the same readings always give the same sums (floats) and the same reason.
    readings = sorted(readings, key=lambda r: (r.type_id, r.device_id))
    inverters = [r for r in readings if r.type_id in INVERTER_TYPES]
    inverter_ac = _inverter_ac(inverters)
    if isinstance(inverter_ac, NoSiteMeters):
        return inverter_ac
    battery = _battery(readings, options)
    if isinstance(battery, NoSiteMeters):
        return battery
    meter = _meter(readings, options)

    discharge = None if battery is None else _kw(-battery.charge_kw)
    if discharge is not None and options.battery_coupling == "dc":
        # The hybrid inverter's AC output already holds the battery's discharge.
        production = _kw(max(0.0, inverter_ac - discharge))
    else:
        production = _kw(max(0.0, inverter_ac))
    meters = SiteMeters(
        production_kw=production,
        tsms=min((r.time_ms for r in inverters if r.time_ms is not None), default=None),
        battery_discharge_kw=discharge,
        battery_soc=None if battery is None else battery.soc,
        battery_energy_kwh=_energy(battery, options),
        **_grid_fields(meter, production, discharge, options),
    )
    return _checked(meters)


# --- inverters ---------------------------------------------------------------------------------
def _inverter_ac(inverters: list[Reading]) -> float | NoSiteMeters:
    """Σ active_power (kW); a non-numeric value is 0 only when the inverter says it is idle."""
    if not inverters:
        return NoSiteMeters("no inverter reading: solar production is unknown")
    total = 0.0
    for inverter in inverters:
        power = _value(inverter, "active_power")
        if power is None:
            state = _value(inverter, "inverter_state")
            if not _not_producing(state):
                shown = "unknown" if state is None else f"{state:g}"
                return NoSiteMeters(
                    f"inverter {inverter.device_id} active_power unknown while producing "
                    f"(inverter_state {shown})"
                )
            power = 0.0
        total += power
    return total


def _not_producing(state: float | None) -> bool:
    return state is not None and (state == STANDBY_NO_IRRADIATION or state in SHUTDOWN_STATES)


# --- meter -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Meter:
    export_kw: float  # > 0 exporting, as mounted (before METER_EXPORT_POSITIVE)
    active_cap: float | None  # kWh, lifetime positive energy
    reverse_active_cap: float | None  # kWh, lifetime negative energy


def _meter(readings: list[Reading], options: AccountingOptions) -> _Meter | None:
    sensor = _usable_power_sensor(readings, options)
    if sensor is not None:
        return _as_meter(sensor, watts=True)
    if options.use_grid_meter:
        grid = _first([r for r in readings if r.type_id == GRID_METER and _has_power(r)])
        if grid is not None:
            return _as_meter(grid, watts=False)
    return None


def _usable_power_sensor(readings: list[Reading], options: AccountingOptions) -> Reading | None:
    if not options.use_power_sensor:
        return None
    return _first(
        [
            r
            for r in readings
            if r.type_id == POWER_SENSOR
            and _value(r, "meter_status") == METER_ONLINE
            and _has_power(r)
        ]
    )


def _has_power(reading: Reading) -> bool:
    return _value(reading, "active_power") is not None


def _first(readings: list[Reading]) -> Reading | None:
    return min(readings, key=lambda r: r.device_id, default=None)


def _as_meter(reading: Reading, *, watts: bool) -> _Meter:
    power = _value(reading, "active_power") or 0.0  # callers checked it is known
    return _Meter(
        export_kw=power / 1000 if watts else power,  # 47 reports W, 17 reports kW
        active_cap=_counter(reading, "active_cap"),
        reverse_active_cap=_counter(reading, "reverse_active_cap"),
    )


def _counter(reading: Reading, key: str) -> float | None:
    """A lifetime energy counter; a negative one is broken, so unknown rather than sent."""
    value = _value(reading, key)
    return value if value is not None and value >= 0 else None


def _grid_fields(
    meter: _Meter | None, production: float, discharge: float | None, options: AccountingOptions
) -> dict[str, float | None]:
    if meter is None:
        return {}
    exported, imported = meter.active_cap, meter.reverse_active_cap
    export_kw = meter.export_kw
    if not options.meter_export_positive:  # the meter is mounted the other way round
        export_kw = -export_kw
        exported, imported = imported, exported
    net_import = _kw(-export_kw)
    # Derived last from the rounded terms, so ChargeHQ's power-flow equation holds exactly.
    consumption = _kw(production + net_import + (discharge or 0.0))
    return {
        "net_import_kw": net_import,
        "consumption_kw": consumption,
        "imported_kwh": _kwh(imported),
        "exported_kwh": _kwh(exported),
    }


# --- batteries ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Battery:
    charge_kw: float  # > 0 charging
    soc: float | None  # 0..1, rounded


def _battery(readings: list[Reading], options: AccountingOptions) -> _Battery | NoSiteMeters | None:
    if not options.use_battery:
        return None
    counted = [
        r
        for r in readings
        if r.type_id == BATTERY and _value(r, "battery_status") != BATTERY_OFFLINE
    ]
    if not counted:
        return None
    charge_w = 0.0
    for battery in counted:
        power = _value(battery, "ch_discharge_power")
        if power is None:
            return NoSiteMeters(
                f"battery {battery.device_id} ch_discharge_power unknown: "
                "production and consumption cannot be told apart from it"
            )
        charge_w += power
    socs = [_value(b, "battery_soc") for b in counted]
    known = [s for s in socs if s is not None]
    soc = None
    if len(known) == len(socs):
        soc = round(min(1.0, max(0.0, sum(known) / len(known) / 100)), 3) + 0.0
    return _Battery(charge_kw=charge_w / 1000, soc=soc)


def _energy(battery: _Battery | NoSiteMeters | None, options: AccountingOptions) -> float | None:
    if not isinstance(battery, _Battery) or battery.soc is None:
        return None
    if options.battery_capacity_kwh is None:
        return None
    return _kwh(battery.soc * options.battery_capacity_kwh)


# --- numbers -----------------------------------------------------------------------------------
def _value(reading: Reading, key: str) -> float | None:
    value = reading.get(key)
    return value if value is not None and math.isfinite(value) else None


def _kw(value: float) -> float:
    """1 W resolution; + 0.0 turns -0.0 into 0.0 so no '-0.0' reaches the JSON."""
    return round(value, 3) + 0.0


def _kwh(value: float | None) -> float | None:
    return None if value is None else round(value, 2) + 0.0


def _checked(meters: SiteMeters) -> SiteMeters | NoSiteMeters:
    """Absurdly large readings can overflow to inf; never hand that on."""
    for name, value in meters.as_dict().items():
        if not math.isfinite(value):
            return NoSiteMeters(f"{name} is out of range: the readings are not plausible")
    return meters
