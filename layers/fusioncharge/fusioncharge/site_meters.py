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
- A meter whose `active_power` is unknown or implausible is treated like an offline one: the next
  meter in line (meters.METER_TYPES: EMMA → power sensor → grid meter → none) is used. Several
  usable meters of one type: the lowest device id wins (a second one is usually a sub-meter).
- An implausible reading (plausibility.py) is unknown: an inverter's or a battery's power gives
  NoSiteMeters, a state of charge outside 0-100 leaves battery_soc out, a broken counter leaves
  its kWh field out. Each one dropped is named in `Accounting.dropped` for the log.
- A device that appears twice in the readings counts once.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from fusioncharge import meters as meter_types
from fusioncharge import plausibility
from fusioncharge.meters import METER_TYPES, MeterType
from fusioncharge.models import BATTERY, INVERTER_TYPES, Device, Reading

STANDBY_NO_IRRADIATION = 40960
SHUTDOWN_STATES = range(768, 775)  # 768-774: shutdown on fault, on command, ... DC switch off
METER_ONLINE = 1
BATTERY_OFFLINE = 0


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


@dataclass(frozen=True)
class MeterSample:
    """The site's meter this run, as pushed: for the meter-direction self-check."""

    device_id: int
    type_id: int
    export_kw: float  # > 0 exporting, after METER_EXPORT_POSITIVE
    imported_kwh: float | None
    exported_kwh: float | None
    time_ms: int | None


@dataclass(frozen=True)
class Accounting:
    """The site meters, and what the log should say about how they were made."""

    meters: SiteMeters | NoSiteMeters
    dropped: tuple[str, ...] = ()  # readings left out as not plausible (a WARNING each)
    notes: tuple[tuple[str, str], ...] = ()  # (key, INFO line): a grid meter's unit and why
    meter: MeterSample | None = None


@dataclass
class _Log:
    dropped: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def device_types_needed(devices: Iterable[Device], options: AccountingOptions) -> list[int]:
    """The getDevRealKpi device types to fetch first (each type costs one call of the quota)."""
    present = {device.type_id for device in devices}
    needed = present & INVERTER_TYPES
    meter = next_meter_type(present, [], options, asked=set())
    if meter is not None:
        needed.add(meter)
    if options.use_battery and BATTERY in present:
        needed.add(BATTERY)
    return sorted(needed)


def next_meter_type(
    devices: Iterable[Device] | set[int],
    readings: Iterable[Reading],
    options: AccountingOptions,
    asked: set[int],
) -> int | None:
    """The next meter type to read, in meter order, when those asked gave no usable meter."""
    present = {d if isinstance(d, int) else d.type_id for d in devices}
    if _meter(_unique(list(readings), _Log()), options, _Log()) is not None:
        return None
    for meter in METER_TYPES:
        wanted = getattr(options, meter.option)
        if wanted and meter.type_id in present and meter.type_id not in asked:
            return meter.type_id
    return None


def compute_site_meters(
    readings: Iterable[Reading], options: AccountingOptions
) -> SiteMeters | NoSiteMeters:
    """Apply the contract: which devices count, units, signs, coupling, rounding."""
    return account(readings, options).meters


def account(
    readings: Iterable[Reading],
    options: AccountingOptions,
    previous: MeterSample | None = None,
) -> Accounting:
    """The site meters with what was dropped and chosen on the way. `previous` is the meter of
    an earlier run: its counters tell a counter that ran backwards."""
    log = _Log()
    result, meter = _site_meters(readings, options, previous, log)
    return Accounting(result, tuple(log.dropped), tuple(log.notes), meter)


def _site_meters(
    readings: Iterable[Reading],
    options: AccountingOptions,
    previous: MeterSample | None,
    log: _Log,
) -> tuple[SiteMeters | NoSiteMeters, MeterSample | None]:
    readings = _unique(list(readings), log)
    inverters = [r for r in readings if r.type_id in INVERTER_TYPES]
    inverter_ac = _inverter_ac(inverters, log)
    if isinstance(inverter_ac, NoSiteMeters):
        return inverter_ac, None
    battery = _battery(readings, options, log)
    if isinstance(battery, NoSiteMeters):
        return battery, None
    meter = _meter(readings, options, log, previous)

    discharge = None if battery is None else _kw(-battery.charge_kw)
    if discharge is not None and options.battery_coupling == "dc":
        # The hybrid inverter's AC output already holds the battery's discharge.
        production = _kw(max(0.0, inverter_ac - discharge))
    else:
        production = _kw(max(0.0, inverter_ac))
    grid, sample = _grid_fields(meter, production, discharge, options)
    meters = SiteMeters(
        production_kw=production,
        tsms=min((r.time_ms for r in inverters if r.time_ms is not None), default=None),
        battery_discharge_kw=discharge,
        battery_soc=None if battery is None else battery.soc,
        battery_energy_kwh=_energy(battery, options),
        **grid,
    )
    return _checked(meters), sample


def _unique(readings: list[Reading], log: _Log) -> list[Reading]:
    """One reading per device, in a fixed order (the same readings give the same float sums).
    A device listed twice (ids 11 and "11" parse alike) would otherwise count twice."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for r in sorted(readings, key=lambda r: (r.type_id, r.device_id)):
        key = (r.type_id, r.device_id)
        if key in seen:
            log.dropped.append(f"device {r.device_id} (type {r.type_id}) sent twice: counted once")
            continue
        seen.add(key)
        unique.append(r)
    return unique


# --- inverters ---------------------------------------------------------------------------------
def _inverter_ac(inverters: list[Reading], log: _Log) -> float | NoSiteMeters:
    """Σ active_power (kW); a non-numeric value is 0 only when the inverter says it is idle."""
    if not inverters:
        return NoSiteMeters("no inverter reading: solar production is unknown")
    total = 0.0
    for inverter in inverters:
        if not inverter.values and not inverter.unknown:
            return NoSiteMeters(
                f"inverter {inverter.device_id} sent no reading (FusionSolar answered without "
                "it): solar production is unknown"
            )
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
        problem = plausibility.power_problem(inverter, power)
        if problem is not None:
            why = f"inverter {inverter.device_id} active_power {power:g} kW is not plausible"
            log.dropped.append(f"{why}: {problem}")
            return NoSiteMeters(f"{why} ({problem}): solar production is unknown")
        total += power
    return total


def _not_producing(state: float | None) -> bool:
    return state is not None and (state == STANDBY_NO_IRRADIATION or state in SHUTDOWN_STATES)


# --- meter -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Meter:
    device_id: int
    type_id: int
    export_kw: float  # > 0 exporting, as mounted (before METER_EXPORT_POSITIVE)
    imported_kwh: float | None  # lifetime, by the meter type's own counter names
    exported_kwh: float | None
    time_ms: int | None


def _meter(
    readings: list[Reading],
    options: AccountingOptions,
    log: _Log,
    previous: MeterSample | None = None,
) -> _Meter | None:
    """The first usable meter in meter order; implausible ones are logged and passed over."""
    for kind in METER_TYPES:
        if not getattr(options, kind.option):
            continue
        for reading in sorted(
            (r for r in readings if r.type_id == kind.type_id), key=lambda r: r.device_id
        ):
            if kind.online_key is not None and _value(reading, kind.online_key) != METER_ONLINE:
                continue
            meter = _as_meter(reading, kind, options, log, previous)
            if meter is not None:
                return meter
    return None


def _as_meter(
    reading: Reading,
    kind: MeterType,
    options: AccountingOptions,
    log: _Log,
    previous: MeterSample | None,
) -> _Meter | None:
    unit, why = meter_types.decide_unit(reading, kind, options.grid_meter_unit)
    export_kw = meter_types.export_kw(reading, kind, unit)
    if export_kw is None:
        return None
    name = f"{kind.name} {reading.device_id}"
    problem = plausibility.power_problem(reading, export_kw)
    if problem is not None:
        shown = _value(reading, meter_types.POWER_FIELD)
        log.dropped.append(
            f"{name} active_power {shown:g} {unit} left out: {problem}; "
            "the next meter in line stands in, else the grid fields are left out"
        )
        return None
    if kind.unit == meter_types.AUTO:
        note = f"{name}: active_power read in {unit}, because {why}"
        log.notes.append((f"{name} {unit}", note))
    imported_before, exported_before = _counters_before(reading, previous, options)
    return _Meter(
        device_id=reading.device_id,
        type_id=kind.type_id,
        export_kw=export_kw,
        imported_kwh=_counter(reading, kind.import_counter, imported_before, log),
        exported_kwh=_counter(reading, kind.export_counter, exported_before, log),
        time_ms=reading.time_ms,
    )


def _counters_before(
    reading: Reading, previous: MeterSample | None, options: AccountingOptions
) -> tuple[float | None, float | None]:
    """This meter's (import, export) counters of an earlier run, as the meter counts them."""
    if previous is None or previous.device_id != reading.device_id:
        return None, None
    if options.meter_export_positive:
        return previous.imported_kwh, previous.exported_kwh
    return previous.exported_kwh, previous.imported_kwh  # the sample holds them swapped


def _counter(reading: Reading, key: str, before: float | None, log: _Log) -> float | None:
    """A lifetime energy counter, or None (left out of the push) when it is not plausible."""
    value = _value(reading, key)
    if value is None:
        return None
    problem = plausibility.counter_problem(value, before)
    if problem is not None:
        log.dropped.append(f"meter {reading.device_id} {key} {value:g} kWh left out: {problem}")
        return None
    return value


def _grid_fields(
    meter: _Meter | None, production: float, discharge: float | None, options: AccountingOptions
) -> tuple[dict[str, float | None], MeterSample | None]:
    if meter is None:
        return {}, None
    exported, imported = meter.exported_kwh, meter.imported_kwh
    export_kw = meter.export_kw
    if not options.meter_export_positive:  # the meter is mounted the other way round
        export_kw = -export_kw
        exported, imported = imported, exported
    net_import = _kw(-export_kw)
    # Derived last from the rounded terms, so ChargeHQ's power-flow equation holds exactly.
    consumption = _kw(production + net_import + (discharge or 0.0))
    sample = MeterSample(
        meter.device_id, meter.type_id, -net_import, imported, exported, meter.time_ms
    )
    fields_ = {
        "net_import_kw": net_import,
        "consumption_kw": consumption,
        "imported_kwh": _kwh(imported),
        "exported_kwh": _kwh(exported),
    }
    return fields_, sample


# --- batteries ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Battery:
    charge_kw: float  # > 0 charging
    soc: float | None  # 0..1, rounded


def _battery(
    readings: list[Reading], options: AccountingOptions, log: _Log
) -> _Battery | NoSiteMeters | None:
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
        if not battery.values and not battery.unknown:
            return NoSiteMeters(
                f"battery {battery.device_id} sent no reading (FusionSolar answered with no data "
                "for it): the installer may not have given this account the battery's "
                "device-data permission; ask them to, or set USE_BATTERY_DATA=false"
            )
        power = _value(battery, "ch_discharge_power")
        if power is None:
            return NoSiteMeters(
                f"battery {battery.device_id} ch_discharge_power unknown: "
                "production and consumption cannot be told apart from it"
            )
        problem = plausibility.power_problem(battery, power / 1000)
        if problem is not None:
            why = f"battery {battery.device_id} ch_discharge_power {power:g} W is not plausible"
            log.dropped.append(f"{why}: {problem}")
            return NoSiteMeters(f"{why} ({problem})")
        charge_w += power
    return _Battery(charge_kw=charge_w / 1000, soc=_soc(counted, log))


def _soc(counted: list[Reading], log: _Log) -> float | None:
    """Mean state of charge as a fraction; unknown when any battery's is unknown or absurd."""
    socs = []
    for battery in counted:
        soc = _value(battery, "battery_soc")
        problem = None if soc is None else plausibility.soc_problem(soc)
        if problem is not None:
            log.dropped.append(
                f"battery {battery.device_id} battery_soc {soc:g} left out: {problem}"
            )
            soc = None
        socs.append(soc)
    known = [s for s in socs if s is not None]
    if not known or len(known) != len(socs):
        return None
    return round(sum(known) / len(known) / 100, 3) + 0.0


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
