"""The energy counters checked run to run (docs/accounting.md, "Energy"): backwards, too fast,
restarted at the wrong hour, or not yet restarted after the plant's midnight: named, left out,
and the last good sum held as the baseline for an hour. Both DST changes in Europe/Amsterdam."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fusioncharge.accounting.energy_counters import HOLD_MINUTES, Counter, checked
from fusioncharge.accounting.site_meters import AccountingOptions, SiteMeters, SitePlant, account
from fusioncharge.accounting.types import AccountingLog
from fusioncharge.models import CounterSample, Device, EnergyWatch, Reading

AMS = ZoneInfo("Europe/Amsterdam")
SOLAR = Counter("the inverters' day_cap (summed)", daily=True, most_kw=16.0)
LIFETIME = Counter("the inverters' total_cap (summed)", daily=False, most_kw=16.0)


def minute(local: str, zone=AMS) -> int:
    """Minutes since 1970 of a local wall-clock time ("2026-06-01 12:00")."""
    return int(datetime.fromisoformat(local).replace(tzinfo=zone).timestamp()) // 60


def run(counter, kwh, before, at, zones=(AMS,)):
    log = AccountingLog()
    value, sample = checked(counter, kwh, before, at, list(zones), log)
    return value, sample, log.dropped


def test_a_counter_that_grows_within_time_is_kept():
    before = CounterSample(10.0, minute("2026-06-01 12:00"))
    value, sample, dropped = run(SOLAR, 10.9, before, minute("2026-06-01 12:05"))
    assert (value, dropped) == (10.9, [])
    assert sample == CounterSample(10.9, minute("2026-06-01 12:05"))


def test_a_daily_counter_going_down_by_day_is_a_restart_at_the_wrong_hour():
    before = CounterSample(10.0, minute("2026-06-01 12:00"))
    value, sample, dropped = run(SOLAR, 0.2, before, minute("2026-06-01 12:05"))
    assert value is None and sample == before  # held: the next run is checked against 10.0
    assert "not at the plant's midnight" in dropped[0] and "PLANT_TIMEZONE" in dropped[0]


def test_a_restart_at_the_plants_midnight_is_kept():
    before = CounterSample(33.38, minute("2026-06-01 23:55"))
    value, _, dropped = run(SOLAR, 0.0, before, minute("2026-06-02 00:05"))
    assert (value, dropped) == (0.0, [])


def test_yesterdays_total_after_midnight_is_left_out_and_the_late_restart_then_kept():
    before = CounterSample(33.38, minute("2026-06-01 23:55"))
    value, held, dropped = run(SOLAR, 33.38, before, minute("2026-06-02 00:05"))
    assert value is None and held == before
    assert "has not restarted at the plant's midnight" in dropped[0]
    value, _, dropped = run(SOLAR, 0.0, held, minute("2026-06-02 00:10"))
    assert (value, dropped) == (0.0, [])  # against 23:55's sum: the restart came, late


def test_growth_beyond_what_the_plant_can_give_is_left_out():
    before = CounterSample(10.0, minute("2026-06-01 12:00"))
    value, _, dropped = run(SOLAR, 20.0, before, minute("2026-06-01 12:05"))
    assert value is None and "grew 10.00 kWh in 5 minutes" in dropped[0]


def test_a_lifetime_counter_never_goes_down_even_at_midnight():
    before = CounterSample(47413.21, minute("2026-06-01 23:55"))
    value, _, dropped = run(LIFETIME, 46019.45, before, minute("2026-06-02 00:05"))
    assert value is None and "ran backwards from 47413.2 kWh" in dropped[0]


def test_after_an_hour_held_the_new_value_is_believed():
    """A replaced inverter restarts lower: left out for an hour, then the new baseline."""
    before = CounterSample(47413.21, minute("2026-06-01 12:00"))
    late = minute("2026-06-01 12:00") + HOLD_MINUTES + 5
    value, sample, dropped = run(LIFETIME, 12.0, before, late)
    assert value is None and "believed from the next run on" in dropped[0]
    assert sample == CounterSample(12.0, late)
    value, _, dropped = run(LIFETIME, 12.1, sample, late + 5)
    assert (value, dropped) == (12.1, [])


@pytest.mark.parametrize(
    ("last", "now"),
    [
        # spring forward (29 March 2026): 23:55 CET to 00:05 CET
        ("2026-03-28 23:55", "2026-03-29 00:05"),
        # fall back (25 October 2026): the day is 25 hours; midnight is as usual
        ("2026-10-24 23:55", "2026-10-25 00:05"),
    ],
)
def test_both_dst_changes_restart_at_the_local_midnight(last, now):
    before = CounterSample(20.0, minute(last))
    assert run(SOLAR, 0.0, before, minute(now))[0] == 0.0
    # the hour that repeats (02:00-03:00 in October) or is skipped is no new day
    after = CounterSample(5.0, minute(now.replace("00:05", "01:55")))
    assert run(SOLAR, 4.0, after, minute(now.replace("00:05", "03:05")))[0] is None


def test_a_wrong_zone_is_named_at_the_real_midnight():
    """Counters restart at Amsterdam's midnight (22:00 UTC in summer); a plant taken to be on
    UTC sees that as a restart on the same day."""
    before = CounterSample(30.0, minute("2026-06-01 23:55"))
    value, _, dropped = run(SOLAR, 0.0, before, minute("2026-06-02 00:05"), zones=[ZoneInfo("UTC")])
    assert value is None and "not at the plant's midnight" in dropped[0]


def test_the_run_keeps_the_watch_and_the_next_run_is_checked_against_it():
    """Through the accounting: the watch goes to the state, and comes back to the next run."""
    plant = SitePlant("NE=1", devices=(Device(1, "", 1, "NE=1"),), zone=AMS)
    noon = minute("2026-06-01 12:00") * 60_000

    def day_cap(kwh: float, at_ms: int) -> list[Reading]:
        return [Reading(1, 1, {"active_power": 2.0, "day_cap": kwh}, time_ms=at_ms)]

    first = account(day_cap(10.0, noon), AccountingOptions(), plants=[plant], now=noon / 1000)
    assert first.energy_watch == EnergyWatch(inverter_day=CounterSample(10.0, noon // 60_000))
    later = noon + 5 * 60_000
    second = account(
        day_cap(2.0, later),
        AccountingOptions(),
        plants=[plant],
        now=later / 1000,
        energy_before=first.energy_watch,
    )
    assert isinstance(second.meters, SiteMeters)
    assert second.meters.production_today_kwh is None
    assert second.energy_watch == first.energy_watch  # held


def test_solar_today_does_not_dip_as_the_battery_gives_back_with_its_losses():
    """A hybrid's day_cap counts after the inverter, discharge_cap at the battery: 1 kWh out of
    the battery adds about 0.96 kWh of yield, so the identity's sum dips by the losses. Solar
    produced today never goes down (Home Assistant would chart negative solar)."""
    plant = SitePlant("NE=1", devices=(Device(1, "", 38, "NE=1"), Device(2, "", 39, "NE=1")))
    plant = SitePlant(plant.code, devices=plant.devices, zone=AMS)
    evening = minute("2026-06-01 20:00") * 60_000

    def readings(day_cap, discharged, at_ms):
        return [
            Reading(1, 38, {"active_power": 1.0, "day_cap": day_cap}, time_ms=at_ms),
            Reading(
                2,
                39,
                {
                    "ch_discharge_power": -1000.0,
                    "battery_soc": 50.0,
                    "battery_status": 2.0,
                    "charge_cap": 13.12,
                    "discharge_cap": discharged,
                },
                time_ms=at_ms,
            ),
        ]

    first = account(readings(24.79, 4.53, evening), AccountingOptions(), plants=[plant])
    assert isinstance(first.meters, SiteMeters) and first.meters.production_today_kwh == 33.38
    later = evening + 60 * 60_000  # an hour on: 1 kWh more out of the battery, 0.96 more yield
    second = account(
        readings(25.75, 5.53, later),
        AccountingOptions(),
        plants=[plant],
        energy_before=first.energy_watch,
    )
    assert isinstance(second.meters, SiteMeters)
    assert second.meters.production_today_kwh == 33.38  # not 33.34
    assert second.meters.battery_discharged_today_kwh == 5.53


# energy_counters.py's bounds at their edges (docs/accounting.md, "Energy"): a counter grows
# at most its devices' kW for the time since (at least one run, 5 minutes) plus 0.05 kWh of
# rounding; a lifetime counter may dip by that rounding; a daily one restarts at the plant's
# midnight and then holds at most what the hours since it allow; a counter left out is held
# against the last good sample for 60 minutes, and believed after.

LIFETIME_COUNTER = Counter("lifetime", daily=False, most_kw=12.0)
DAILY = Counter("today", daily=True, most_kw=12.0)


def utc_minute(text: str) -> int:
    """Minutes since 1970 of a UTC time ("2027-01-15 12:00")."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) // 60


def check_counter(counter, kwh, before, at, zones=(UTC,)):
    log = AccountingLog()
    value, sample = checked(counter, kwh, before, at, list(zones), log)
    return value, sample, log.dropped


NOON = utc_minute("2027-01-15 12:00")


def test_growth_up_to_the_kw_for_the_time_plus_0_05_kwh_is_kept_and_beyond_left_out():
    start = CounterSample(0.0, NOON)
    assert (
        check_counter(LIFETIME_COUNTER, 6.05, start, NOON + 30)[0] == 6.05
    )  # 12 kW x 0.5 h + 0.05
    assert check_counter(LIFETIME_COUNTER, 6.06, start, NOON + 30)[0] is None


def test_a_counter_read_within_5_minutes_may_grow_as_much_as_in_5_minutes():
    start = CounterSample(0.0, NOON)
    assert check_counter(LIFETIME_COUNTER, 1.05, start, NOON + 1)[0] == 1.05  # 12 kW x 5 min + 0.05
    assert (
        check_counter(LIFETIME_COUNTER, 1.05, start, NOON)[0] == 1.05
    )  # the same minute: one run too
    assert check_counter(LIFETIME_COUNTER, 1.06, start, NOON + 1)[0] is None


def test_a_lifetime_counter_may_dip_by_its_rounding_and_no_more():
    start = CounterSample(100.0, NOON)
    assert check_counter(LIFETIME_COUNTER, 99.95, start, NOON + 5)[0] == 99.95
    value, _, dropped = check_counter(LIFETIME_COUNTER, 99.94, start, NOON + 5)
    assert value is None and dropped == [
        "lifetime 99.94 kWh left out: ran backwards from 100 kWh (kept out)"
    ]


def test_a_counter_read_again_in_the_same_minute_is_still_checked():
    start = CounterSample(100.0, NOON)
    value, sample, _ = check_counter(LIFETIME_COUNTER, 90.0, start, NOON)
    assert (value, sample) == (None, start)


def test_a_counter_left_out_is_held_for_60_minutes_then_believed():
    start = CounterSample(100.0, NOON)
    assert check_counter(LIFETIME_COUNTER, 90.0, start, NOON + 60)[:2] == (
        None,
        start,
    )
    value, sample, dropped = check_counter(LIFETIME_COUNTER, 90.0, start, NOON + 61)
    assert (value, sample) == (None, CounterSample(90.0, NOON + 61))
    assert dropped[0].endswith("(believed from the next run on)")


def test_after_midnight_a_daily_counter_holds_at_most_the_hours_since_it_allow():
    before = CounterSample(33.0, utc_minute("2027-01-15 23:55"))
    assert (
        check_counter(DAILY, 1.05, before, utc_minute("2027-01-16 00:05"))[0] == 1.05
    )  # 12 x 5 min + 0.05
    assert check_counter(DAILY, 1.06, before, utc_minute("2027-01-16 00:05"))[0] is None
    assert (
        check_counter(DAILY, 1.05, before, utc_minute("2027-01-16 00:01"))[0] == 1.05
    )  # one run at least
    assert (
        check_counter(DAILY, 24.05, before, utc_minute("2027-01-16 02:00"))[0] == 24.05
    )  # 12 x 2 h + 0.05
    assert check_counter(DAILY, 24.06, before, utc_minute("2027-01-16 02:00"))[0] is None


def test_with_plants_in_two_zones_the_earliest_midnight_bounds_the_days_growth():
    """At 00:30 UTC Amsterdam's day is 1.5 hours old: its counters may hold 12 x 1.5 kWh."""
    amsterdam = ZoneInfo("Europe/Amsterdam")
    before = CounterSample(33.0, utc_minute("2027-01-15 23:55"))
    at = utc_minute("2027-01-16 00:30")
    assert check_counter(DAILY, 18.05, before, at, (UTC, amsterdam))[0] == 18.05
    assert check_counter(DAILY, 18.06, before, at, (UTC, amsterdam))[0] is None
