"""Site-wide bounds: export within what the plant can give, the readings' time near the run's.
Pure: no I/O."""

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import AccountingLog, AccountingOptions, Meter
from fusioncharge.models import Reading


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
        "are left out (PLANT_CAPACITY_KWP sets the capacity when the plant list's is wrong)"
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
