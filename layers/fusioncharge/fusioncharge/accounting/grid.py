"""The site's grid meter: the first usable meter in meter order, or the metered plants' sum,
and the grid fields it gives. Its lifetime counters are checked against an earlier run's meter
sample: a counter that runs backwards, or grows faster than a meter could count, is left out of
the push (and logged) rather than let ChargeHQ see a jump. Pure arithmetic, no I/O."""

from collections.abc import Sequence

from fusioncharge.accounting import meters as meter_types
from fusioncharge.accounting import plausibility
from fusioncharge.accounting.meters import METER_BY_TYPE, METER_TYPES, MeterType
from fusioncharge.accounting.types import (
    AccountingLog,
    AccountingOptions,
    Meter,
    MeterSample,
    SitePlant,
    field_value,
    kw,
    kwh,
    metered_plants,
)
from fusioncharge.models import Device, Reading

METER_ONLINE = 1


def site_meter(
    readings: list[Reading],
    options: AccountingOptions,
    log: AccountingLog,
    previous: MeterSample | None,
    plants: Sequence[SitePlant],
) -> Meter | None:
    """The site's meter: one plant's first usable meter, or the sum over the metered plants."""
    if len(plants) < 2:
        return first_meter(readings, options, log, previous)
    found = []
    for plant in metered_plants(plants):
        ids = {d.id for d in plant.devices}
        meter = first_meter([r for r in readings if r.device_id in ids], options, log)
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
        return checked(found[0], previous, options, log) if found else None
    return _summed(found, previous, options, log)


def _wanted_meter(device: Device, options: AccountingOptions) -> bool:
    kind = METER_BY_TYPE.get(device.type_id)
    return kind is not None and getattr(options, kind.option)


def _summed(
    found: list[Meter], previous: MeterSample | None, options: AccountingOptions, log: AccountingLog
) -> Meter:
    """The metered plants' meters as one: power and counters add up (a counter only when every
    meter's is known, or it would look like the whole)."""
    found = sorted(found, key=lambda m: m.device_id)
    times = [m.time_ms for m in found if m.time_ms is not None]
    types = {m.type_id for m in found}
    meter = Meter(
        device_id=found[0].device_id,
        type_id=types.pop() if len(types) == 1 else 0,
        export_kw=sum(m.export_kw for m in found),
        imported_kwh=_sum_known([m.imported_kwh for m in found]),
        exported_kwh=_sum_known([m.exported_kwh for m in found]),
        time_ms=min(times) if times else None,
        also=tuple(m.device_id for m in found[1:]),
    )
    return checked(meter, previous, options, log)


def _sum_known(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if len(known) == len(values) else None


def first_meter(
    readings: list[Reading],
    options: AccountingOptions,
    log: AccountingLog,
    previous: MeterSample | None = None,
) -> Meter | None:
    """The first usable meter in meter order; implausible ones are logged and passed over."""
    for kind in METER_TYPES:
        if not getattr(options, kind.option):
            continue
        for reading in sorted(
            (r for r in readings if r.type_id == kind.type_id), key=lambda r: r.device_id
        ):
            if (
                kind.online_key is not None
                and field_value(reading, kind.online_key) != METER_ONLINE
            ):
                continue
            meter = _as_meter(reading, kind, options, log, previous)
            if meter is not None:
                return meter
    return None


def _as_meter(
    reading: Reading,
    kind: MeterType,
    options: AccountingOptions,
    log: AccountingLog,
    previous: MeterSample | None,
) -> Meter | None:
    unit, why = meter_types.decide_unit(reading, kind, options.grid_meter_unit)
    export_kw = meter_types.export_kw(reading, kind, unit)
    if export_kw is None:
        return None
    name = f"{kind.name} {reading.device_id}"
    problem = plausibility.power_problem(reading, export_kw)
    if problem is not None:
        shown = field_value(reading, meter_types.POWER_FIELD)
        log.dropped.append(
            f"{name} active_power {shown:g} {unit} left out: {problem}; "
            "the next meter in line stands in, else the grid fields are left out"
        )
        return None
    if kind.unit == meter_types.AUTO:
        note = f"{name}: active_power read in {unit}, because {why}"
        log.notes.append((f"{name} {unit}", note))
    imported_before, exported_before = counters_before(reading, previous, options)
    hours = hours_between(previous, reading.time_ms)
    return Meter(
        device_id=reading.device_id,
        type_id=kind.type_id,
        export_kw=export_kw,
        imported_kwh=counter(reading, kind.import_counter, imported_before, hours, log),
        exported_kwh=counter(reading, kind.export_counter, exported_before, hours, log),
        time_ms=reading.time_ms,
    )


def grid_fields(
    meter: Meter | None, production: float, discharge: float | None, options: AccountingOptions
) -> tuple[dict[str, float | None], MeterSample | None]:
    if meter is None:
        return {}, None
    exported, imported = meter.exported_kwh, meter.imported_kwh
    export_kw = meter.export_kw
    if not options.meter_export_positive:  # the meter is mounted the other way round
        export_kw = -export_kw
        exported, imported = imported, exported
    net_import = kw(-export_kw)
    # Derived last from the rounded terms, so ChargeHQ's power-flow equation holds exactly.
    consumption = kw(production + net_import + (discharge or 0.0))
    sample = MeterSample(
        meter.device_id, meter.type_id, -net_import, imported, exported, meter.time_ms, meter.also
    )
    fields_ = {
        "net_import_kw": net_import,
        "consumption_kw": consumption,
        "imported_kwh": kwh(imported),
        "exported_kwh": kwh(exported),
    }
    return fields_, sample


# A meter's lifetime counters against an earlier run's.
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
