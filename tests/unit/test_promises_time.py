"""Promises of the plant's clock (plant_time.py) and of its nights (sun.py), with the numbers
written out: a test here fails when one of them breaks."""

from datetime import UTC, timedelta

import pytest

from fusioncharge.plant_time import known_zone, local_time, plant_zone

# 2026-01-15 01:30 UTC: New Zealand's summer (Auckland at UTC+13, the Chathams at +13:45).
JANUARY = 1768440600


@pytest.mark.parametrize(
    ("stamp", "hours"),
    [
        ("2023-03-31T09:56:55+13:00", 13),  # Auckland in summer, Tonga, Samoa
        ("2023-03-31T09:56:55+13:45", 13.75),  # the Chatham Islands in summer
        ("2023-03-31T09:56:55+14:00", 14),  # Kiribati's Line Islands: the largest offset there is
        ("2023-03-31T09:56:55-12:00", -12),  # Baker Island
        (" 2023-03-31T09:56:55+12:45 ", 12.75),  # spaces around it are no reason to drop it
    ],
)
def test_offsets_beyond_twelve_hours_are_real_offsets(stamp, hours):
    zone = known_zone("", stamp)
    assert zone is not None
    assert local_time(JANUARY, zone).utcoffset() == timedelta(hours=hours)


def test_auckland_in_summer_is_a_day_ahead_of_utc():
    zone = plant_zone("", "2023-03-31T09:56:55+13:00")
    assert local_time(JANUARY, zone).strftime("%Y-%m-%d %H:%M") == "2026-01-15 14:30"


@pytest.mark.parametrize("stamp", ["2023-03-31T09:56:55+14:01", "2023-03-31T09:56:55-14:30"])
def test_no_clock_runs_more_than_fourteen_hours_from_utc(stamp):
    assert known_zone("", stamp) is None
    assert plant_zone("", stamp) is UTC


@pytest.mark.parametrize("setting", ["Sydney", "Pacific/Nowhere", ""])
def test_a_setting_that_names_no_zone_leaves_the_offset_to_decide(setting):
    """known_zone: the setting, *else* the grid connection date's offset (settings.py names a
    bad PLANT_TIMEZONE; this clock never takes one for UTC or raises on it)."""
    zone = known_zone(setting, "2023-03-31T09:56:55+13:00")
    assert zone is not None and local_time(JANUARY, zone).utcoffset() == timedelta(hours=13)
    assert known_zone(setting, None) is None
