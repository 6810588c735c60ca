"""Promises of the plant's clock (plant/zone.py) and of its nights (sun.py), with the numbers
written out: a test here fails when one of them breaks."""

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from fusioncharge.plant.sun import Night, elevation, night, readings_of
from fusioncharge.plant.zone import known_zone, local_time, plant_zone

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
    """known_zone: the setting, *else* the grid connection date's offset (settings/ names a
    bad PLANT_TIMEZONE; this clock never takes one for UTC or raises on it)."""
    zone = known_zone(setting, "2023-03-31T09:56:55+13:00")
    assert zone is not None and local_time(JANUARY, zone).utcoffset() == timedelta(hours=13)
    assert known_zone(setting, None) is None


# --- sun.py: where the plant is, and whether its sun is down --------------------------------
def at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def test_at_the_poles_the_suns_elevation_is_its_declination():
    """Published instants: the equinoxes (declination 0) and solstices (± the tilt of the
    Earth's axis, 23.436° in 2024): at a pole the sun's elevation is its declination."""
    assert elevation(90.0, 0.0, at(2024, 3, 20, 3, 6)) == pytest.approx(0.0, abs=0.02)
    assert elevation(90.0, 120.0, at(2026, 3, 20, 14, 46)) == pytest.approx(0.0, abs=0.02)
    assert elevation(90.0, 0.0, at(2024, 6, 20, 20, 51)) == pytest.approx(23.436, abs=0.02)
    assert elevation(-90.0, 0.0, at(2024, 12, 21, 9, 20)) == pytest.approx(23.436, abs=0.02)
    assert elevation(90.0, 0.0, at(2024, 12, 21, 9, 20)) == pytest.approx(-23.436, abs=0.02)


def test_the_sun_just_above_the_horizon_is_day():
    """Amsterdam, 21 June 2024: the sun's centre sets at about 20:00 UTC; 5 minutes before it
    is half a degree up, which is day (the night starts when the centre is below)."""
    amsterdam = (52.37, 4.9)
    assert not night(at(2024, 6, 21, 19, 55), None, amsterdam).down
    assert night(at(2024, 6, 21, 20, 5), None, amsterdam).down


def test_a_setting_without_a_clock_decides_alone_and_is_not_doubted():
    amsterdam = (52.37, 4.9)
    assert night(at(2026, 1, 15, 1, 0), None, amsterdam) == Night(True, None)
    assert night(at(2026, 1, 15, 12, 0), None, amsterdam) == Night(False, None)


@pytest.mark.parametrize(
    ("pair", "readings"),
    [
        ((0.0, 10.0), [(0.0, 10.0), (10.0, 0.0)]),  # the equator is a place
        ((10.0, 0.0), [(10.0, 0.0), (0.0, 10.0)]),  # so is Greenwich's meridian
        ((-90.0, 100.0), [(-90.0, 100.0)]),  # the south pole; 100 is no latitude
        ((90.5, 10.0), [(10.0, 90.5)]),  # 90.5 is no latitude: only swapped
        ((-95.0, 10.0), [(10.0, -95.0)]),
        ((10.0, 180.0), [(10.0, 180.0)]),  # the date line
        ((10.0, -180.0), [(10.0, -180.0)]),
        ((10.0, 180.5), []),  # off the globe either way
        ((10.0, -181.0), []),
        ((0.0, 0.0), []),  # 0,0: a missing place, not the Gulf of Guinea
    ],
)
def test_the_places_two_numbers_may_mean(pair, readings):
    assert readings_of(*pair) == readings


# A clock 3.5 hours from the sun's time fits (Spain, western China, Alaska run up to 3 h off);
# more is a lost sign or a swapped pair, named. Longitudes past 90° so no swap is possible.
@pytest.mark.parametrize(
    ("longitude", "hours", "fits"),
    [
        (150.0, 10, True),  # Sydney's meridian on Sydney's clock
        (97.5, 10, True),  # 6.5 h of sun time on a +10 clock: 3.5 h off, the most that fits
        (96.0, 10, False),  # 3.6 h off
        (-97.5, -10, True),
        (-96.0, -10, False),
        (157.5, -10, True),  # Hawaii's sign lost: 20.5 h, i.e. 3.5 h the other way round
        (156.0, -10, False),  # 20.4 h: 3.6 h round the clock face
        (-171.76, 13, True),  # Apia, Samoa: 171.76° W on a +13 clock, 0.45 h round the face
    ],
)
def test_a_setting_fits_the_plants_clock_within_three_and_a_half_hours(longitude, hours, fits):
    zone = timezone(timedelta(hours=hours))
    notice = night(at(2026, 1, 15, 12, 0), zone, (-13.83, longitude)).notice
    assert (notice is None) is fits, notice


# The plant list's (52.5, 4.5): a PLANT_LOCATION within 1° of it on both numbers is the same
# place; further on either is named (and the list's used).
@pytest.mark.parametrize(
    ("setting", "same"),
    [
        ((52.5, 4.5), True),
        ((53.5, 4.5), True),  # 1° north: the most that agrees
        ((51.5, 5.5), True),
        ((53.75, 4.5), False),
        ((51.25, 4.5), False),  # 1.25° south
        ((52.5, 5.75), False),
        ((52.5, 3.25), False),  # 1.25° west
    ],
)
def test_a_setting_within_a_degree_of_the_plant_lists_place_is_the_same_place(setting, same):
    found = night(at(2026, 1, 15, 1, 0), None, setting, (52.5, 4.5))
    assert found.down and (found.notice is None) is same, found.notice


def test_the_suns_declination_moves_smoothly_and_stays_within_the_tropics_all_year():
    """Hour by hour through 2026, at the pole (where elevation is declination): never more than
    0.41° a day (its fastest, at the equinoxes), and turning at ±23.436° (the axis's tilt)."""
    start = at(2026, 1, 1, 0, 0)
    pole = [elevation(90.0, 0.0, start + hour * 3600) for hour in range(365 * 24 + 1)]
    assert max(abs(b - a) for a, b in pairwise(pole)) <= 0.41 / 24
    assert max(pole) == pytest.approx(23.436, abs=0.01)
    assert min(pole) == pytest.approx(-23.436, abs=0.01)
