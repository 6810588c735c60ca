"""Nights decided by the sun: an inverter that reports only unknown values while the sun is down
at its plant produces nothing; by day the same reply stays an error (docs/accounting.md)."""

import json
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fusioncharge.accounting.site_meters import (
    AccountingOptions,
    NoSiteMeters,
    SiteMeters,
    SitePlant,
    account,
)
from fusioncharge.fusionsolar import parse
from fusioncharge.models import Device, Plant, Reading
from fusioncharge.plant.sun import Night, elevation, night, readings_of
from fusioncharge.run.readings import site_plants
from fusioncharge.settings.environment import load_settings

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "public-captures"
SYDNEY = (-33.87, 151.21)


def at(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def disconnected(dev: int = 1) -> Reading:
    """What a disconnected inverter sends: every value "N/A"."""
    items = dict.fromkeys(("active_power", "inverter_state", "mppt_power", "day_cap"), "N/A")
    return parse.reading(dev, 38, items, 1_700_000_000_000)


def sensor() -> Reading:
    values = {"meter_status": 1.0, "active_power": -350.0, "active_cap": 1.0}
    return Reading(47, 47, {**values, "reverse_active_cap": 2.0})


def site(sun_is_down: bool | None, *readings: Reading):
    devices = (Device(1, "", 38, "NE=1"), Device(47, "", 47, "NE=1"))
    plants = [SitePlant("NE=1", devices=devices, sun_down=sun_is_down)]
    return account(readings or (disconnected(), sensor()), AccountingOptions(), plants=plants)


def test_the_suns_elevation_is_right_to_a_fraction_of_a_degree():
    assert elevation(*SYDNEY, at(2024, 6, 21, 2, 0)) == pytest.approx(32.7, abs=0.3)  # noon
    assert elevation(51.48, 0.0, at(2024, 3, 20, 12, 0)) == pytest.approx(38.6, abs=0.3)
    # Amsterdam's midsummer sunset is at 22:07 CEST (the sun's upper edge, 0.83° lower).
    assert elevation(52.37, 4.9, at(2024, 6, 21, 20, 7)) == pytest.approx(-0.8, abs=0.3)


def test_a_disconnected_inverter_at_night_produces_nothing():
    result = site(True).meters
    assert isinstance(result, SiteMeters)
    assert (result.production_kw, result.net_import_kw, result.consumption_kw) == (0.0, 0.35, 0.35)


@pytest.mark.parametrize("sun_is_down", [False, None])
def test_a_disconnected_inverter_by_day_or_without_the_sun_known_is_an_error(sun_is_down):
    result = site(sun_is_down).meters
    assert isinstance(result, NoSiteMeters)
    assert "PLANT_LOCATION" in result.reason


def test_at_night_an_inverter_with_some_values_still_says_what_it_does():
    half = parse.reading(1, 38, {"active_power": "N/A", "inverter_state": 512.0}, None)
    assert isinstance(site(True, half, sensor()).meters, NoSiteMeters)


def test_the_published_plant_list_has_its_coordinates_swapped_and_both_readings_count():
    text = (CAPTURES / "stations-pyhfs-fixture.json").read_text(encoding="utf-8")
    plant = parse.plants_page(json.loads(text)["data"])[0][0]
    listed = readings_of(plant.latitude, plant.longitude)
    assert listed == [(5.9337, 45.7236), (45.7236, 5.9337)]  # Grésy-sur-Aix is the second
    paris = ZoneInfo("Europe/Paris")
    listed_pair = (plant.latitude, plant.longitude)
    assert night(at(2026, 1, 15, 1, 0), paris, None, listed_pair).down  # 02:00 local
    assert not night(at(2026, 1, 15, 11, 0), paris, None, listed_pair).down  # noon
    # 06:00 local in January: night in Grésy, day where the swapped numbers point. Which is
    # right is not guessed: not taken for night, so day is never taken for night either.
    assert elevation(45.7236, 5.9337, at(2026, 1, 15, 5, 0)) < 0
    assert elevation(5.9337, 45.7236, at(2026, 1, 15, 5, 0)) > 0
    assert not night(at(2026, 1, 15, 5, 0), paris, None, listed_pair).down


def test_the_plant_lists_coordinates_win_and_impossible_readings_are_dropped():
    """Issue 26 changed this promise: the setting used to win over the plant list."""
    assert readings_of(*SYDNEY) == [SYDNEY]  # 151 is no latitude
    assert readings_of(0.0, 0.0) == [] and readings_of(None, 4.0) == []
    sydney = ZoneInfo("Australia/Sydney")
    midnight = at(2026, 1, 15, 13, 0)  # 00:00 in Sydney, 14:00 in Amsterdam
    doubted = night(midnight, sydney, (52.37, 4.9), SYDNEY)
    assert doubted.down and "52.37,4.9" in (doubted.notice or "")
    assert night(midnight, sydney, (-33.9, 151.2), SYDNEY) == night(midnight, sydney, None, SYDNEY)
    assert not night(midnight, sydney, (52.37, 4.9)).down  # no list: the setting's own sun


@pytest.mark.parametrize(
    ("hour", "down"), [(21, False), (22, True), (2, True), (3, True), (4, False), (12, False)]
)
def test_without_coordinates_a_short_night_in_the_plants_zone(hour, down):
    zone = timezone(timedelta(hours=10))
    when = datetime(2026, 6, 15, hour, 30, tzinfo=zone).timestamp()
    assert night(when, zone, None).down is down


# The cases, as a run sees them: an inverter that answers all N/A in daylight.
AMSTERDAM = (52.37, 4.9)
SAN_FRANCISCO = (37.77, -122.42)
SUMMER_17H_UTC = at(2026, 6, 21, 17, 0)  # 19:00 in Amsterdam: the sun is well up
SYDNEY_MORNING = at(2026, 6, 21, 23, 30)  # 09:30 in Sydney, UTC's night window


def pushed_by_day(when: float, plant: Plant, env: dict[str, str]):
    """What the run makes of a disconnected inverter at `when` at this plant, and its notice."""
    settings = load_settings({"STATION": plant.code, **env}, require_aws=False)
    devices = [Device(1, "", 38, plant.code), Device(47, "", 47, plant.code)]
    (site,) = site_plants([plant], devices, settings, when)
    return account((disconnected(), sensor()), AccountingOptions(), plants=[site]).meters, site


@pytest.mark.parametrize("listed", [AMSTERDAM, (None, None)])
def test_a_swapped_plant_location_in_amsterdam_never_makes_a_summer_evening_night(listed):
    plant = Plant("NE=1", "Home", None, *listed, "2023-03-31T09:56:55+02:00")
    meters, site = pushed_by_day(SUMMER_17H_UTC, plant, {"PLANT_LOCATION": "4.9,52.37"})
    assert isinstance(meters, NoSiteMeters), meters  # never production 0 in daylight
    if listed != (None, None):
        assert "4.9,52.37" in (site.notice or "") and "plant list" in (site.notice or "")


def test_sydney_without_coordinates_or_zone_is_not_given_utcs_night():
    plant = Plant("NE=1", "Home", 6.0, None, None, None)
    meters, site = pushed_by_day(SYDNEY_MORNING, plant, {})
    assert isinstance(meters, NoSiteMeters), meters
    assert site.sun_down is None and "PLANT_TIMEZONE" in (site.notice or "")
    # Its grid connection date's offset is its clock: the same hour is day there.
    dated = Plant("NE=1", "Home", 6.0, None, None, "2023-03-31T09:56:55+10:00")
    assert pushed_by_day(SYDNEY_MORNING, dated, {})[1].sun_down is False
    assert pushed_by_day(at(2026, 6, 21, 14, 0), dated, {})[1].sun_down is True  # midnight


@pytest.mark.parametrize("hour", [15, 18, 20])  # 08:00-13:00 in San Francisco
def test_a_lost_longitude_sign_in_san_francisco_is_named_and_never_makes_its_day_night(hour):
    plant = Plant("NE=1", "Home", 6.0, None, None, "2023-03-31T09:56:55-07:00")
    lost = {"PLANT_LOCATION": "37.77,122.42"}
    meters, site = pushed_by_day(at(2026, 6, 21, hour, 0), plant, lost)
    assert isinstance(meters, NoSiteMeters), meters
    assert "37.77,122.42" in (site.notice or "") and "minus sign" in (site.notice or "")
    listed = Plant("NE=1", "Home", 6.0, *SAN_FRANCISCO, None)
    meters, site = pushed_by_day(at(2026, 6, 21, hour, 0), listed, lost)
    assert isinstance(meters, NoSiteMeters) and "plant list" in (site.notice or "")
    # Its real night (02:00 local) stays night: the list's coordinates decide.
    assert pushed_by_day(at(2026, 6, 21, 9, 0), listed, lost)[1].sun_down is True


# Promises of the plant's clock (plant/zone.py) and of its nights (sun.py), with the numbers
# written out: a test here fails when one of them breaks.

# --- sun.py: where the plant is, and whether its sun is down --------------------------------


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
