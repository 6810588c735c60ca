"""The site's batteries: charge power summed, state of charge weighted, energy from capacity."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    NoSiteMeters,
    SitePlant,
    field_value,
    kwh,
)
from fusioncharge.models import BATTERY, Reading

BATTERY_OFFLINE = 0


@dataclass(frozen=True)
class Battery:
    """The counted batteries as one."""

    charge_kw: float  # > 0 charging
    soc: float | None  # 0..1, rounded


def battery_capacities(plants: Sequence[SitePlant]) -> dict[int, float]:
    """Rated kWh of the batteries whose capacity is known (device id -> kWh)."""
    return {
        d.id: d.capacity_kwh
        for p in plants
        for d in p.devices
        if d.type_id == BATTERY and d.capacity_kwh is not None
    }


def battery_of(
    readings: list[Reading],
    options: AccountingOptions,
    log: AccountingLog,
    capacities: Mapping[int, float] | None = None,
    site_kw: float | None = None,
) -> Battery | NoSiteMeters | None:
    """The counted batteries as one; `site_kw` (site_bounds.site_size) bounds one that gives no
    rated power."""
    if not options.use_battery:
        return None
    counted = [
        r
        for r in readings
        if r.type_id == BATTERY and field_value(r, "battery_status") != BATTERY_OFFLINE
    ]
    if not counted:
        return None
    charge_w = 0.0
    for battery in counted:
        if battery.empty:
            return NoSiteMeters(
                f"battery {battery.device_id} sent no reading (FusionSolar answered with no data "
                "for it, or failed for its type this run): if this lasts, the installer may not "
                "have given this account the battery's device-data permission; ask them to, or "
                "set USE_BATTERY_DATA=false (production then comes from the panels' side)"
            )
        power = field_value(battery, "ch_discharge_power")
        if power is None:
            return NoSiteMeters(
                f"battery {battery.device_id} ch_discharge_power unknown: "
                "production and consumption cannot be told apart from it"
            )
        limit = plausibility.battery_limit_kw((capacities or {}).get(battery.device_id), site_kw)
        problem = plausibility.power_problem(battery, power / 1000, limit)
        if problem is not None:
            why = f"battery {battery.device_id} ch_discharge_power {power:g} W is not plausible"
            log.dropped.append(f"{why}: {problem}")
            return NoSiteMeters(f"{why} ({problem})")
        charge_w += power
    return Battery(charge_kw=charge_w / 1000, soc=_soc(counted, log, capacities or {}))


def _soc(
    counted: list[Reading], log: AccountingLog, capacities: Mapping[int, float]
) -> float | None:
    """State of charge as a fraction: weighted by rated capacity when every battery's is known,
    else the mean. Unknown when any battery's is unknown or absurd (a part is no whole)."""
    socs = []
    for battery in counted:
        soc = field_value(battery, "battery_soc")
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


def energy(battery: Battery | NoSiteMeters | None, options: AccountingOptions) -> float | None:
    if not isinstance(battery, Battery) or battery.soc is None:
        return None
    if options.battery_capacity_kwh is None:
        return None
    return kwh(battery.soc * options.battery_capacity_kwh)
