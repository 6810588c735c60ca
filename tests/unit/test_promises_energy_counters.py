"""energy_counters.py's bounds at their edges (docs/accounting.md, "Energy"): a counter grows
at most its devices' kW for the time since (at least one run, 5 minutes) plus 0.05 kWh of
rounding; a lifetime counter may dip by that rounding; a daily one restarts at the plant's
midnight and then holds at most what the hours since it allow; a counter left out is held
against the last good sample for 60 minutes, and believed after."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fusioncharge.accounting.energy_counters import Counter, checked
from fusioncharge.accounting.types import AccountingLog
from fusioncharge.models import CounterSample

LIFETIME = Counter("lifetime", daily=False, most_kw=12.0)
DAILY = Counter("today", daily=True, most_kw=12.0)


def minute(text: str) -> int:
    """Minutes since 1970 of a UTC time ("2027-01-15 12:00")."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) // 60


def run(counter, kwh, before, at, zones=(UTC,)):
    log = AccountingLog()
    value, sample = checked(counter, kwh, before, at, list(zones), log)
    return value, sample, log.dropped


NOON = minute("2027-01-15 12:00")


def test_growth_up_to_the_kw_for_the_time_plus_0_05_kwh_is_kept_and_beyond_left_out():
    start = CounterSample(0.0, NOON)
    assert run(LIFETIME, 6.05, start, NOON + 30)[0] == 6.05  # 12 kW x 0.5 h + 0.05
    assert run(LIFETIME, 6.06, start, NOON + 30)[0] is None


def test_a_counter_read_within_5_minutes_may_grow_as_much_as_in_5_minutes():
    start = CounterSample(0.0, NOON)
    assert run(LIFETIME, 1.05, start, NOON + 1)[0] == 1.05  # 12 kW x 5 min + 0.05
    assert run(LIFETIME, 1.05, start, NOON)[0] == 1.05  # the same minute: one run too
    assert run(LIFETIME, 1.06, start, NOON + 1)[0] is None


def test_a_lifetime_counter_may_dip_by_its_rounding_and_no_more():
    start = CounterSample(100.0, NOON)
    assert run(LIFETIME, 99.95, start, NOON + 5)[0] == 99.95
    value, _, dropped = run(LIFETIME, 99.94, start, NOON + 5)
    assert value is None and dropped == [
        "lifetime 99.94 kWh left out: ran backwards from 100 kWh (kept out)"
    ]


def test_a_counter_read_again_in_the_same_minute_is_still_checked():
    start = CounterSample(100.0, NOON)
    value, sample, _ = run(LIFETIME, 90.0, start, NOON)
    assert (value, sample) == (None, start)


def test_a_counter_left_out_is_held_for_60_minutes_then_believed():
    start = CounterSample(100.0, NOON)
    assert run(LIFETIME, 90.0, start, NOON + 60)[:2] == (None, start)
    value, sample, dropped = run(LIFETIME, 90.0, start, NOON + 61)
    assert (value, sample) == (None, CounterSample(90.0, NOON + 61))
    assert dropped[0].endswith("(believed from the next run on)")


def test_after_midnight_a_daily_counter_holds_at_most_the_hours_since_it_allow():
    before = CounterSample(33.0, minute("2027-01-15 23:55"))
    assert run(DAILY, 1.05, before, minute("2027-01-16 00:05"))[0] == 1.05  # 12 x 5 min + 0.05
    assert run(DAILY, 1.06, before, minute("2027-01-16 00:05"))[0] is None
    assert run(DAILY, 1.05, before, minute("2027-01-16 00:01"))[0] == 1.05  # one run at least
    assert run(DAILY, 24.05, before, minute("2027-01-16 02:00"))[0] == 24.05  # 12 x 2 h + 0.05
    assert run(DAILY, 24.06, before, minute("2027-01-16 02:00"))[0] is None


def test_with_plants_in_two_zones_the_earliest_midnight_bounds_the_days_growth():
    """At 00:30 UTC Amsterdam's day is 1.5 hours old: its counters may hold 12 x 1.5 kWh."""
    amsterdam = ZoneInfo("Europe/Amsterdam")
    before = CounterSample(33.0, minute("2027-01-15 23:55"))
    at = minute("2027-01-16 00:30")
    assert run(DAILY, 18.05, before, at, (UTC, amsterdam))[0] == 18.05
    assert run(DAILY, 18.06, before, at, (UTC, amsterdam))[0] is None
