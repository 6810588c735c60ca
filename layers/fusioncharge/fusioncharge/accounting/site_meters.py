"""The energy accounting: FusionSolar readings in, ChargeHQ site meters out.

Pure arithmetic (no I/O), implementing docs/accounting.md. Units after conversion:
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
from collections.abc import Iterable, Sequence

from fusioncharge.accounting.battery import (
    battery_capacities,
    battery_of,
    energy,
)
from fusioncharge.accounting.energy import site_energy
from fusioncharge.accounting.grid import first_meter, grid_fields, site_meter
from fusioncharge.accounting.inverters import inverters_ac, plant_without_inverter
from fusioncharge.accounting.meters import METER_TYPES
from fusioncharge.accounting.production import production
from fusioncharge.accounting.site_bounds import (
    SiteSize,
    export_checked,
    production_refused,
    readings_time_ms,
    site_size,
)
from fusioncharge.accounting.types import (
    Accounting,
    AccountingLog,
    AccountingOptions,
    MeterSample,
    NoSiteMeters,
    SiteEnergy,
    SiteMeters,
    SitePlant,
    kw,
    metered_plants,
)
from fusioncharge.models import BATTERY, INVERTER_TYPES, Device, EnergyWatch, Reading

__all__ = [
    "Accounting",
    "AccountingOptions",
    "MeterSample",
    "NoSiteMeters",
    "SiteEnergy",
    "SiteMeters",
    "SitePlant",
    "account",
    "compute_site_meters",
    "device_types_needed",
    "next_meter_type",
]


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
        for plant in metered_plants(plants):
            ids = {d.id for d in plant.devices}
            mine = [r for r in readings if r.device_id in ids]
            meter = next_meter_type(set(plant.devices), mine, options, asked)
            if meter is not None:
                return meter
        return None
    present = {d if isinstance(d, int) else d.type_id for d in devices}
    if first_meter(_unique(list(readings), AccountingLog()), options, AccountingLog()) is not None:
        return None
    for kind in METER_TYPES:
        wanted = getattr(options, kind.option)
        if wanted and kind.type_id in present and kind.type_id not in asked:
            return kind.type_id
    return None


def _metered_devices(devices: list[Device], plants: Sequence[SitePlant]) -> list[list[Device]]:
    """The devices of each plant whose meter counts (all devices as one, without plants)."""
    if not plants:
        return [devices]
    return [list(p.devices) for p in metered_plants(plants)]


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
    now: float | None = None,
    energy_before: EnergyWatch | None = None,
) -> Accounting:
    """The site meters with what was dropped and chosen on the way. `previous` is the meter of
    an earlier run: its counters tell a counter that ran backwards. `plants`: the site's plants
    with their devices (none: the readings are one plant's). `now`: the run's clock (epoch s),
    which the readings' server time must lie near. `energy_before`: the energy counters of an
    earlier run (accounting/energy.py); the result's `energy_watch` is the next run's."""
    log = AccountingLog()
    readings = _unique(list(readings), log)
    size = site_size(options, plants, log)  # the one size every bound reads
    result, meter = _site_meters(readings, options, previous, plants, log, size, now)
    watch = energy_before
    if isinstance(result, SiteMeters):
        energy, watch = site_energy(
            readings, options, plants, energy_before, result.tsms, log, size
        )
        result = _checked(result.with_energy(energy))
    return Accounting(
        result,
        tuple(log.dropped),
        tuple(log.notes),
        meter,
        tuple(log.warnings),
        cautions=tuple(log.cautions),
        energy_watch=watch,
    )


def _site_meters(
    readings: list[Reading],
    options: AccountingOptions,
    previous: MeterSample | None,
    plants: Sequence[SitePlant],
    log: AccountingLog,
    size: SiteSize | None,
    now: float | None = None,
) -> tuple[SiteMeters | NoSiteMeters, MeterSample | None]:
    inverters = [r for r in readings if r.type_id in INVERTER_TYPES]
    dark = frozenset(d.id for p in plants if p.sun_down for d in p.devices)
    inverter_ac = inverters_ac(inverters, log, dark)
    if isinstance(inverter_ac, NoSiteMeters):
        return inverter_ac, None
    unread = plant_without_inverter(plants, inverters)
    if unread is not None:
        return unread, None
    bounding = None if size is None else size.bounding_kw
    battery = battery_of(readings, options, log, battery_capacities(plants), bounding)
    if isinstance(battery, NoSiteMeters):
        return battery, None
    meter = site_meter(readings, options, log, previous, plants)

    discharge = None if battery is None else kw(-battery.charge_kw)
    produced = production(inverter_ac, discharge, inverters, readings, options, plants, log, dark)
    if isinstance(produced, NoSiteMeters):
        return produced, None
    refused = production_refused(produced, size, log)
    if refused is not None:
        return refused, None
    production_kw = kw(produced)
    capacity, confirmed = (None, True) if size is None else (size.kw, size.confirmed)
    meter = export_checked(meter, capacity, discharge, options, log, confirmed)
    grid, sample = grid_fields(meter, production_kw, discharge, options)
    meters = SiteMeters(
        production_kw=production_kw,
        tsms=readings_time_ms(inverters, now, log),
        battery_discharge_kw=discharge,
        battery_soc=None if battery is None else battery.soc,
        battery_energy_kwh=energy(battery, options),
        **grid,
    )
    return _checked(meters), sample


def _unique(readings: list[Reading], log: AccountingLog) -> list[Reading]:
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


def _checked(meters: SiteMeters) -> SiteMeters | NoSiteMeters:
    """Absurdly large readings can overflow to inf; never hand that on."""
    for name, value in {**meters.as_dict(), **meters.energy.as_dict()}.items():
        if not math.isfinite(value):
            return NoSiteMeters(f"{name} is out of range: the readings are not plausible")
    return meters
