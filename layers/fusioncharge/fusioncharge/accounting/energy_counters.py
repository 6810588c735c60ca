"""The site's energy counters checked against an earlier run's (models.EnergyWatch): a counter
that runs backwards, grows faster than the devices could fill it, or restarts at the wrong hour
is left out and named, never sent. Pure arithmetic, no I/O.

A daily counter (today's yield, charge, discharge) restarts at the plant's local midnight, and
only then: going down on the same local day is a restart at the wrong hour (a wrong time zone,
or a device that was reset); still holding yesterday's total after midnight is a restart that
has not happened yet (FusionSolar sometimes lags). A lifetime counter never goes down.
A counter left out keeps the last good sample as what the next run is checked against, for up
to HOLD_MINUTES; after that its new value is believed (a replaced device restarts lower).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from fusioncharge.accounting.types import AccountingLog
from fusioncharge.models import CounterSample

HOLD_MINUTES = 60
SLACK_KWH = 0.05  # the counters' rounding (0.01 kWh each, summed over a few devices)
MIN_HOURS = 1 / 12  # one run: Huawei's counters move in steps, not continuously


@dataclass(frozen=True)
class Counter:
    """One of the site's counters this run: what it is, whether it restarts daily, and the
    fastest it can grow (kW)."""

    name: str  # as the log names it, e.g. "inverters' day_cap (summed)"
    daily: bool
    most_kw: float


def checked(
    counter: Counter,
    kwh: float | None,
    before: CounterSample | None,
    minute: int | None,
    zones: Sequence[tzinfo],
    log: AccountingLog,
) -> tuple[float | None, CounterSample | None]:
    """The counter's value to use (None: unknown or left out) and the sample to keep."""
    if kwh is None or minute is None:
        return kwh, before  # nothing to check against, or nothing read: keep what we had
    if before is None or minute < before.minute:
        return kwh, CounterSample(kwh, minute)  # the first sample, or a clock gone back
    problem = _problem(counter, kwh, before, minute, zones or (UTC,))
    if problem is None:
        return kwh, CounterSample(kwh, minute)
    held = minute - before.minute <= HOLD_MINUTES
    then = "kept out" if held else "believed from the next run on"
    log.dropped.append(f"{counter.name} {kwh:g} kWh left out: {problem} ({then})")
    return None, before if held else CounterSample(kwh, minute)


def _problem(
    counter: Counter, kwh: float, before: CounterSample, minute: int, zones: Sequence[tzinfo]
) -> str | None:
    hours = max((minute - before.minute) / 60, MIN_HOURS)
    if counter.daily and new_day(before.minute, minute, zones or (UTC,)):
        since = max(_since_midnight(minute, zones), MIN_HOURS)
        if kwh > counter.most_kw * since + SLACK_KWH:
            return (
                f"has not restarted at the plant's midnight ({before.kwh:g} kWh before it, "
                f"more than {since * 60:.0f} minutes since it allow)"
            )
        return None
    if kwh < before.kwh - SLACK_KWH:
        if counter.daily:
            at = _local(minute, zones[0]).strftime("%H:%M")
            return (
                f"went down from {before.kwh:g} kWh at {at}, not at the plant's midnight "
                "(is PLANT_TIMEZONE the plant's time zone?)"
            )
        return f"ran backwards from {before.kwh:g} kWh"
    if kwh - before.kwh > counter.most_kw * hours + SLACK_KWH:
        return f"grew {kwh - before.kwh:.2f} kWh in {hours * 60:.0f} minutes"
    return None


def _local(minute: int, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC).astimezone(zone)


def new_day(before: int, now: int, zones: Sequence[tzinfo]) -> bool:
    """A local midnight lies between the two minutes, at one of the plants."""
    return any(_local(before, z).date() != _local(now, z).date() for z in zones or (UTC,))


def _since_midnight(minute: int, zones: Sequence[tzinfo]) -> float:
    """Hours since the latest local midnight among the plants (the most a counter could have
    grown since its restart)."""
    hours = []
    for zone in zones:
        local = _local(minute, zone)
        midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
        hours.append((minute * 60 - midnight.timestamp()) / 3600)  # real hours, across DST
    return max(hours)
