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

Several plants behind one site (`SitePlant`s, from STATION): inverters and batteries add up over
all of them; each plant whose meter counts (METER_PLANTS) gives its own first usable meter, and
those add up. A plant without an inverter reading, or whose meter counts but gave nothing usable,
never yields a partial sum that would look like the whole site: NoSiteMeters, or the grid fields
left out, respectively. The state of charge is weighted by each battery's rated capacity when
every counted battery's is known, else averaged.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

from fusioncharge.accounting import meters as meter_types
from fusioncharge.accounting import plausibility
from fusioncharge.accounting.meters import METER_BY_TYPE, METER_TYPES, MeterType
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
class SitePlant:
    """One plant of the site: its devices, and whether its meter measures the site's grid."""

    code: str
    name: str = ""
    devices: tuple[Device, ...] = ()
    meter_counts: bool = True  # False: METER_PLANTS leaves this plant's meter out

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


@dataclass
class _Log:
    dropped: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def device_types_needed(
    devices: Iterable[Device], options: AccountingOptions, plants: Sequence[SitePlant] = ()
) -> list[int]:
    """The getDevRealKpi device types to fetch first (each type costs one call of the quota,
    whatever the number of plants): the inverters, the batteries and each metered plant's
    first meter type."""
    devices = list(devices)
    present = {device.type_id for device in devices}
    needed = present & INVERTER_TYPES
    for metered in _metered_devices(devices, plants):
        meter = next_meter_type(metered, [], options, asked=set())
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
    plants: Sequence[SitePlant] = (),
) -> int | None:
    """The next meter type to read, in meter order, when those asked gave no usable meter
    (for some metered plant, when there are several)."""
    if plants:
        readings = list(readings)
        for plant in _metered(plants):
            ids = {d.id for d in plant.devices}
            mine = [r for r in readings if r.device_id in ids]
            meter = next_meter_type(set(plant.devices), mine, options, asked)
            if meter is not None:
                return meter
        return None
    present = {d if isinstance(d, int) else d.type_id for d in devices}
    if _meter(_unique(list(readings), _Log()), options, _Log()) is not None:
        return None
    for meter in METER_TYPES:
        wanted = getattr(options, meter.option)
        if wanted and meter.type_id in present and meter.type_id not in asked:
            return meter.type_id
    return None


def _metered(plants: Sequence[SitePlant]) -> list[SitePlant]:
    return [p for p in plants if p.meter_counts]


def _metered_devices(devices: list[Device], plants: Sequence[SitePlant]) -> list[list[Device]]:
    """The devices of each plant whose meter counts (all devices as one, without plants)."""
    if not plants:
        return [devices]
    return [list(p.devices) for p in _metered(plants)]


def compute_site_meters(
    readings: Iterable[Reading], options: AccountingOptions
) -> SiteMeters | NoSiteMeters:
    """Apply the contract: which devices count, units, signs, coupling, rounding."""
    return account(readings, options).meters


def account(
    readings: Iterable[Reading],
    options: AccountingOptions,
    previous: MeterSample | None = None,
    plants: Sequence[SitePlant] = (),
) -> Accounting:
    """The site meters with what was dropped and chosen on the way. `previous` is the meter of
    an earlier run: its counters tell a counter that ran backwards. `plants`: the site's plants
    with their devices (none: the readings are one plant's)."""
    log = _Log()
    result, meter = _site_meters(readings, options, previous, plants, log)
    return Accounting(result, tuple(log.dropped), tuple(log.notes), meter, tuple(log.warnings))


def _site_meters(
    readings: Iterable[Reading],
    options: AccountingOptions,
    previous: MeterSample | None,
    plants: Sequence[SitePlant],
    log: _Log,
) -> tuple[SiteMeters | NoSiteMeters, MeterSample | None]:
    readings = _unique(list(readings), log)
    inverters = [r for r in readings if r.type_id in INVERTER_TYPES]
    inverter_ac = _inverter_ac(inverters, log)
    if isinstance(inverter_ac, NoSiteMeters):
        return inverter_ac, None
    unread = _plant_without_inverter(plants, inverters)
    if unread is not None:
        return unread, None
    battery = _battery(readings, options, log, _capacities(plants))
    if isinstance(battery, NoSiteMeters):
        return battery, None
    meter = _site_meter(readings, options, log, previous, plants)

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
    also: tuple[int, ...] = ()  # the other meters summed into this one


def _plant_without_inverter(
    plants: Sequence[SitePlant], inverters: list[Reading]
) -> NoSiteMeters | None:
    """With several plants, each must have an inverter reading: a plant left out would read as
    less production, a partial sum that looks like the whole site."""
    if len(plants) < 2:
        return None
    read = {r.device_id for r in inverters}
    for plant in plants:
        if not any(d.id in read for d in plant.devices if d.type_id in INVERTER_TYPES):
            return NoSiteMeters(
                f"no inverter reading for plant {plant.label}: the site's production is unknown "
                "(the other plants' alone would look like the whole site)"
            )
    return None


def _site_meter(
    readings: list[Reading],
    options: AccountingOptions,
    log: _Log,
    previous: MeterSample | None,
    plants: Sequence[SitePlant],
) -> _Meter | None:
    """The site's meter: one plant's first usable meter, or the sum over the metered plants."""
    if len(plants) < 2:
        return _meter(readings, options, log, previous)
    found = []
    for plant in _metered(plants):
        ids = {d.id for d in plant.devices}
        meter = _meter([r for r in readings if r.device_id in ids], options, log)
        if meter is not None:
            found.append(meter)
        elif any(_wanted_meter(d, options) for d in plant.devices):
            log.warnings.append(
                f"plant {plant.label} has a meter but no usable meter reading this run: the grid "
                "fields are left out (the other plants' meters alone would look like the whole "
                "site)"
            )
            return None
        else:
            log.notes.append(
                (
                    f"no meter {plant.code}",
                    f"plant {plant.label} has no meter of its own: the site's grid fields come "
                    "from the other plants' meters (right when it shares their grid connection)",
                )
            )
    if len(found) < 2:
        return _meter_checked(found[0], previous, options, log) if found else None
    return _summed(found, previous, options, log)


def _wanted_meter(device: Device, options: AccountingOptions) -> bool:
    kind = METER_BY_TYPE.get(device.type_id)
    return kind is not None and getattr(options, kind.option)


def _meter_checked(
    meter: _Meter, previous: MeterSample | None, options: AccountingOptions, log: _Log
) -> _Meter:
    """A meter's counters checked against an earlier run's (same meters only)."""
    if previous is None or (previous.device_id, previous.also) != (meter.device_id, meter.also):
        return meter
    imported_before, exported_before = _previous_counters(previous, options)
    name = f"meter {meter.device_id}" if not meter.also else "the plants' meters (summed)"
    checked = []
    for value, before, what in (
        (meter.imported_kwh, imported_before, "import"),
        (meter.exported_kwh, exported_before, "export"),
    ):
        problem = None if value is None else plausibility.counter_problem(value, before)
        if problem is not None:
            log.dropped.append(f"{name} {what} counter {value:g} kWh left out: {problem}")
            value = None
        checked.append(value)
    return _Meter(
        meter.device_id, meter.type_id, meter.export_kw, *checked, meter.time_ms, meter.also
    )


def _summed(
    found: list[_Meter], previous: MeterSample | None, options: AccountingOptions, log: _Log
) -> _Meter:
    """The metered plants' meters as one: power and counters add up (a counter only when every
    meter's is known, or it would look like the whole)."""
    found = sorted(found, key=lambda m: m.device_id)
    times = [m.time_ms for m in found if m.time_ms is not None]
    types = {m.type_id for m in found}
    meter = _Meter(
        device_id=found[0].device_id,
        type_id=types.pop() if len(types) == 1 else 0,
        export_kw=sum(m.export_kw for m in found),
        imported_kwh=_sum_known([m.imported_kwh for m in found]),
        exported_kwh=_sum_known([m.exported_kwh for m in found]),
        time_ms=min(times) if times else None,
        also=tuple(m.device_id for m in found[1:]),
    )
    return _meter_checked(meter, previous, options, log)


def _sum_known(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if len(known) == len(values) else None


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
    if previous is None or previous.device_id != reading.device_id or previous.also:
        return None, None
    return _previous_counters(previous, options)


def _previous_counters(
    previous: MeterSample, options: AccountingOptions
) -> tuple[float | None, float | None]:
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
        meter.device_id, meter.type_id, -net_import, imported, exported, meter.time_ms, meter.also
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


def _capacities(plants: Sequence[SitePlant]) -> dict[int, float]:
    """Rated kWh of the batteries whose capacity is known (device id -> kWh)."""
    return {
        d.id: d.capacity_kwh
        for p in plants
        for d in p.devices
        if d.type_id == BATTERY and d.capacity_kwh is not None
    }


def _battery(
    readings: list[Reading],
    options: AccountingOptions,
    log: _Log,
    capacities: Mapping[int, float] | None = None,
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
    return _Battery(charge_kw=charge_w / 1000, soc=_soc(counted, log, capacities or {}))


def _soc(counted: list[Reading], log: _Log, capacities: Mapping[int, float]) -> float | None:
    """State of charge as a fraction: weighted by rated capacity when every battery's is known,
    else the mean. Unknown when any battery's is unknown or absurd (a part is no whole)."""
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
    weights = [capacities.get(b.device_id) for b in counted]
    if all(w is not None and w > 0 for w in weights):
        total = sum(w for w in weights if w is not None)
        mean = sum(s * (w or 0.0) for s, w in zip(known, weights, strict=True)) / total
    else:
        mean = sum(known) / len(known)
    return round(mean / 100, 3) + 0.0


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
