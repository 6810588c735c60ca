"""A meter's lifetime counters, checked against an earlier run's meter sample: a counter that
runs backwards, or grows faster than a meter could count, is left out of the push (and logged)
rather than let ChargeHQ see a jump. Pure arithmetic, no I/O.
"""

from fusioncharge.accounting import plausibility
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    Meter,
    MeterSample,
    field_value,
)
from fusioncharge.models import Reading


def checked(
    meter: Meter, previous: MeterSample | None, options: AccountingOptions, log: AccountingLog
) -> Meter:
    """A meter's counters checked against an earlier run's (same meters only)."""
    if previous is None or (previous.device_id, previous.also) != (meter.device_id, meter.also):
        return meter
    imported_before, exported_before = previous_counters(previous, options)
    name = f"meter {meter.device_id}" if not meter.also else "the plants' meters (summed)"
    kept: list[float | None] = []
    for value, before, what in (
        (meter.imported_kwh, imported_before, "import"),
        (meter.exported_kwh, exported_before, "export"),
    ):
        hours = hours_between(previous, meter.time_ms)
        problem = None if value is None else plausibility.counter_problem(value, before, hours)
        if problem is not None:
            log.dropped.append(f"{name} {what} counter {value:g} kWh left out: {problem}")
            value = None
        kept.append(value)
    imported, exported = kept
    return Meter(
        meter.device_id,
        meter.type_id,
        meter.export_kw,
        imported,
        exported,
        meter.time_ms,
        meter.also,
    )


def counters_before(
    reading: Reading, previous: MeterSample | None, options: AccountingOptions
) -> tuple[float | None, float | None]:
    """This meter's (import, export) counters of an earlier run, as the meter counts them."""
    if previous is None or previous.device_id != reading.device_id or previous.also:
        return None, None
    return previous_counters(previous, options)


def previous_counters(
    previous: MeterSample, options: AccountingOptions
) -> tuple[float | None, float | None]:
    """The sample's (import, export) counters as the meter counts them (before
    METER_EXPORT_POSITIVE)."""
    if options.meter_export_positive:
        return previous.imported_kwh, previous.exported_kwh
    return previous.exported_kwh, previous.imported_kwh  # the sample holds them swapped


def hours_between(previous: MeterSample | None, time_ms: int | None) -> float | None:
    """Hours from the earlier run's meter sample to this reading, when both times are known."""
    if previous is None or previous.time_ms is None or time_ms is None:
        return None
    return (time_ms - previous.time_ms) / 3_600_000


def counter(
    reading: Reading, key: str, before: float | None, hours: float | None, log: AccountingLog
) -> float | None:
    """A lifetime energy counter, or None (left out of the push) when it is not plausible."""
    value = field_value(reading, key)
    if value is None:
        return None
    problem = plausibility.counter_problem(value, before, hours)
    if problem is not None:
        log.dropped.append(f"meter {reading.device_id} {key} {value:g} kWh left out: {problem}")
        return None
    return value
