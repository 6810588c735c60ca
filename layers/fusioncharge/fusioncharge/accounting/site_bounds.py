"""Site-wide bounds: the site's size, export within what the plant can give, the readings' time
near the run's. Pure: no I/O.

The site's size (kW) bounds production and export, and a battery without a rated power. Best
first: the inverters' own rated AC power (each model names it: SUN2000-5KTL-L1 is 5 kW; no
inverter gives much more), or PLANT_CAPACITY_KWP when that is larger (the user's word); the
plant list's capacity only when neither is known. A plant-list capacity that is missing, 0, in
MWp or lagging an extension (far below the inverters) is named once, never a bound that stops a
sunny day's pushes.
"""

from collections.abc import Sequence

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    Meter,
    SitePlant,
    site_capacity,
)
from fusioncharge.models import INVERTER_TYPES, Reading

LAGGING_BELOW = 0.5  # a plant-list capacity under half its inverters' rated power is named


def site_size(
    options: AccountingOptions, plants: Sequence[SitePlant], log: AccountingLog
) -> float | None:
    """The site's size in kW (see above); None: nothing bounds it (named once)."""
    rated = inverters_rated_kw(plants)
    listed = site_capacity(AccountingOptions(), plants)
    setting = options.plant_capacity_kwp
    if rated is None:
        if setting is None and listed is None and plants:
            log.cautions.append(
                (
                    "size unknown",
                    "the plant's capacity is unknown (missing or 0 in FusionSolar's plant list) "
                    "and its inverters' models name no rated power: production is bounded only "
                    "per device; set PLANT_CAPACITY_KWP",
                )
            )
        return setting if setting is not None else listed
    if listed is None or listed < LAGGING_BELOW * rated:
        shown = "missing or 0" if listed is None else f"{listed:g} kWp"
        log.cautions.append(
            (
                f"capacity {shown}",
                f"the plant list's capacity ({shown}) is not its inverters' {rated:g} kW (missing, "
                "in MWp, or not updated after an extension?): production is bounded by the "
                "inverters' rated power; fix it in FusionSolar, or set PLANT_CAPACITY_KWP",
            )
        )
    return rated if setting is None else max(rated, setting)


def inverters_rated_kw(plants: Sequence[SitePlant]) -> float | None:
    """The site's inverters' rated AC power (kW), when every inverter's model names one."""
    inverters = [d for p in plants for d in p.devices if d.type_id in INVERTER_TYPES]
    rated = [d.rated_kw for d in inverters]
    if not rated or any(r is None for r in rated):
        return None
    return sum(r for r in rated if r is not None)


def export_checked(
    meter: Meter | None,
    capacity: float | None,
    discharge: float | None,
    options: AccountingOptions,
    log: AccountingLog,
) -> Meter | None:
    """The meter, or None when it says the site exports more than the plant can give."""
    if meter is None:
        return None
    export = meter.export_kw if options.meter_export_positive else -meter.export_kw
    problem = plausibility.export_problem(export, capacity, discharge or 0.0)
    if problem is None:
        return meter
    log.dropped.append(
        f"meter {meter.device_id} export {export:g} kW left out: {problem}; the grid fields "
        "are left out (PLANT_CAPACITY_KWP sets the capacity when the site is larger)"
    )
    return None


def tsms(inverters: list[Reading], now: float | None, log: AccountingLog) -> int | None:
    """The readings' server time, unless it is far from the run's clock (then left out:
    ChargeHQ takes the time it receives the push)."""
    tsms = min((r.time_ms for r in inverters if r.time_ms is not None), default=None)
    problem = None if tsms is None else plausibility.time_problem(tsms, now)
    if problem is not None:
        log.dropped.append(f"the readings' time {tsms} ms left out: {problem}")
        return None
    return tsms
