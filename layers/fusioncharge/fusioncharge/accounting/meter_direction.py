"""The meter-direction self-check: do the meter's power sign and its own counters agree?

A meter's two lifetime counters say which way energy really flowed between two runs. When the
signed power says "export" while the counters grew on the import side (or the other way round)
over several runs in a row, the sign is wrong somewhere: a wrong sign for that meter type, or
a meter that reports power and counters from different conventions. This only warns; it never
flips anything. A current clamp mounted backwards reverses power and counters together, so
they agree and this check cannot see it: consumption_check.py catches that (negative
consumption).

The last good sample is also what the next run's counters are checked against (ran backwards,
grew too fast): when this run's counters were left out, it is held for up to an hour, so one
absurd counter is not taken as the new baseline by the next run.

Kept in the state between runs (models.MeterWatch, about 100 bytes stored): the last sample and
the count of runs in a row that disagreed. Pure: no I/O.
"""

from dataclasses import replace

from fusioncharge.accounting.site_meters import MeterSample
from fusioncharge.models import MeterWatch

RUNS_TO_WARN = 3  # disagreements in a row before the warning (a passing cloud is one)
MAX_GAP_MS = 20 * 60 * 1000  # samples further apart say little about the power in between
MIN_KWH = 0.02  # net counter change below this is rounding
MIN_KW = 0.2  # mean power below this has no clear direction
HOLD_RUNS = 12  # runs a good sample is held while the counters are left out (an hour)


def previous(watch: MeterWatch | None) -> MeterSample | None:
    """The last run's meter sample, for the accounting's counters-ran-backwards check."""
    if watch is None:
        return None
    return MeterSample(
        device_id=watch.device_id,
        type_id=0,
        export_kw=watch.export_kw,
        imported_kwh=watch.imported_kwh,
        exported_kwh=watch.exported_kwh,
        time_ms=watch.time_ms,
        also=watch.others,
    )


def check(
    watch: MeterWatch | None, sample: MeterSample | None
) -> tuple[MeterWatch | None, str | None]:
    """The watch to keep, and a warning when power and counters have disagreed long enough."""
    if sample is None:
        return watch, None  # no meter this run: keep what we had
    last = previous(watch)
    same = last is not None and (last.device_id, last.also) == (sample.device_id, sample.also)
    imported, exported, time_ms = sample.imported_kwh, sample.exported_kwh, sample.time_ms
    if imported is None or exported is None or time_ms is None:
        held = watch.held + 1 if same and watch is not None else HOLD_RUNS + 1
        kept = replace(watch, held=held) if watch is not None and held <= HOLD_RUNS else None
        return kept, None
    streak = 0
    if same and last is not None and watch is not None:
        streak = _streak(last, sample, watch.streak)
    sampled = MeterWatch(
        device_id=sample.device_id,
        time_ms=time_ms,
        export_kw=round(sample.export_kw, 3),
        imported_kwh=imported,
        exported_kwh=exported,
        streak=streak,
        others=sample.also,
    )
    if streak < RUNS_TO_WARN:
        return sampled, None
    name, its = f"meter {sample.device_id}", "its"
    if sample.also:
        ids = ", ".join(str(i) for i in (sample.device_id, *sample.also))
        name, its = f"meters {ids} (summed over the plants)", "their"
    return sampled, (
        f"{name}: {its} power and {its} own counters disagree about the direction "
        f"of the flow, {streak} runs in a row (power says {_way(sample.export_kw)}, counters "
        f"say {_way(-sample.export_kw)}). The import/export sign is suspect: check how the "
        "meter is mounted and METER_EXPORT_POSITIVE; nothing was flipped"
    )


def _streak(last: MeterSample, now: MeterSample, streak: int) -> int:
    gap = (now.time_ms or 0) - (last.time_ms or 0)
    if not 0 < gap <= MAX_GAP_MS:
        return 0
    exported = (now.exported_kwh or 0) - (last.exported_kwh or 0)
    imported = (now.imported_kwh or 0) - (last.imported_kwh or 0)
    net = exported - imported  # > 0: energy went out
    mean = (now.export_kw + last.export_kw) / 2  # > 0: power says out
    if abs(net) < MIN_KWH or abs(mean) < MIN_KW:
        return streak  # nothing clear either way
    return streak + 1 if (net > 0) != (mean > 0) else 0


def _way(export_kw: float) -> str:
    return "export" if export_kw > 0 else "import"
