"""Site-wide bounds: the site's size, production and export within what the plant can give,
the readings' time near the run's. Pure: no I/O.

The site's size (kW) bounds production, export, a battery without a rated power and the energy
counters' growth: one size, read here by all of them. Best first: the inverters' own rated AC
power (each model names it: SUN2000-5KTL-L1 is 5 kW; no inverter gives much more), or
PLANT_CAPACITY_KWP when that is larger (the user's word): a confirmed size, bounding tightly.
Else PLANT_CAPACITY_KWP, else the plant list's capacity: unconfirmed (real lists lag an
extension or hold MWp), so it bounds loosely (plausibility.UNCONFIRMED_FACTOR) and a reading
beyond its tight bound is pushed and the capacity named once. A plant-list capacity that is
missing, 0, under 1 kWp (MWp) or lagging the inverters is named once, never a bound that stops a
sunny day's pushes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    Meter,
    NoSiteMeters,
    SitePlant,
    listed_capacity,
)
from fusioncharge.models import INVERTER_TYPES, Reading

LAGGING_BELOW = 0.5  # a plant-list capacity under half its inverters' rated power is named


@dataclass(frozen=True)
class SiteSize:
    """The site's size in kW; `confirmed`: the inverters' rating or PLANT_CAPACITY_KWP, not the
    plant list's capacity alone (which bounds loosely)."""

    kw: float
    confirmed: bool = True

    @property
    def bounding_kw(self) -> float:
        """The size the bounds use: an unconfirmed one as if 10 times larger."""
        return self.kw if self.confirmed else plausibility.UNCONFIRMED_FACTOR * self.kw


def site_size(
    options: AccountingOptions, plants: Sequence[SitePlant], log: AccountingLog
) -> SiteSize | None:
    """The site's size (see above); None: nothing bounds it (named once)."""
    rated = inverters_rated_kw(plants)
    listed = listed_capacity(plants)
    setting = options.plant_capacity_kwp
    if rated is None:
        if setting is not None:
            return SiteSize(setting)
        return _listed_only(listed, plants, log)
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
    return SiteSize(rated if setting is None else max(rated, setting))


def _listed_only(
    listed: float | None, plants: Sequence[SitePlant], log: AccountingLog
) -> SiteSize | None:
    """The plant list's capacity, the only size known: unconfirmed; missing or under 1 kWp (no
    Huawei inverter's plant is that small: MWp) it bounds nothing, and is named."""
    if listed is not None and listed >= plausibility.SMALLEST_KWP:
        return SiteSize(listed, confirmed=False)
    if not plants:
        return None
    if listed is None:
        key, why = "size unknown", "is unknown (missing or 0 in FusionSolar's plant list)"
    else:
        key, why = f"capacity {listed:g} kWp", f"{listed:g} kWp is below any SUN2000's (MWp?)"
    log.cautions.append(
        (
            key,
            f"the plant's capacity {why} and its inverters' models name no rated power: "
            "production is bounded only per device; set PLANT_CAPACITY_KWP or fix it in "
            "FusionSolar",
        )
    )
    return None


def production_refused(kw: float, size: SiteSize | None, log: AccountingLog) -> NoSiteMeters | None:
    """Why production cannot come from this site (then nothing is pushed), or None. Beyond an
    unconfirmed size's tight bound it is pushed, and the capacity named once."""
    if size is None:
        return None
    problem = plausibility.production_problem(kw, size.kw, confirmed=size.confirmed)
    if problem is not None:
        log.dropped.append(f"production {kw:g} kW is not plausible: {problem}")
        return NoSiteMeters(
            f"production {kw:g} kW is not plausible ({problem}); if the plant is larger, "
            "set PLANT_CAPACITY_KWP"
        )
    if not size.confirmed and plausibility.production_problem(kw, size.kw) is not None:
        _out_of_date(size, f"production reached {kw:g} kW", log)
    return None


def _out_of_date(size: SiteSize, reached: str, log: AccountingLog) -> None:
    key = f"capacity {size.kw:g} kWp out of date"  # a new capacity is a new fact
    if any(told == key for told, _ in log.cautions):
        return
    log.cautions.append(
        (
            key,
            f"the plant list's capacity {size.kw:g} kWp looks out of date: {reached}; set "
            "PLANT_CAPACITY_KWP or fix it in FusionSolar",
        )
    )


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
    confirmed: bool = True,
) -> Meter | None:
    """The meter, or None when it says the site exports more than the plant can give (beyond an
    unconfirmed capacity's tight bound: kept, the capacity named once)."""
    if meter is None:
        return None
    export = meter.export_kw if options.meter_export_positive else -meter.export_kw
    problem = plausibility.export_problem(export, capacity, discharge or 0.0, confirmed)
    if problem is None:
        tight = plausibility.export_problem(export, capacity, discharge or 0.0)
        if capacity is not None and not confirmed and tight is not None:
            _out_of_date(SiteSize(capacity, False), f"export reached {export:g} kW", log)
        return meter
    log.dropped.append(
        f"meter {meter.device_id} export {export:g} kW left out: {problem}; the grid fields "
        "are left out (PLANT_CAPACITY_KWP sets the capacity when the site is larger)"
    )
    return None


def readings_time_ms(inverters: list[Reading], now: float | None, log: AccountingLog) -> int | None:
    """The readings' server time (ms; the earliest inverter's, pushed as `tsms`), unless it is
    far from the run's clock (then left out: ChargeHQ takes the time it receives the push)."""
    time_ms = min((r.time_ms for r in inverters if r.time_ms is not None), default=None)
    problem = None if time_ms is None else plausibility.time_problem(time_ms, now)
    if problem is not None:
        log.dropped.append(f"the readings' time {time_ms} ms left out: {problem}")
        return None
    return time_ms
