"""The plant's clock: the PLANT_TIMEZONE setting, else FusionSolar's offset, else UTC."""

from datetime import UTC, timedelta

import pytest

from fusioncharge.errors import ConfigError
from fusioncharge.models import PlantFacts
from fusioncharge.plant.zone import (
    connection_date,
    is_time_zone,
    known_zone,
    local_time,
    plant_zone,
)
from fusioncharge.settings.environment import load_settings

BASE = {"STATION": "Home", "SECRET_ID": "arn:secret", "STATE_PARAMETER": "/stack/fusionsolar-state"}
# 2026-01-15 01:30 UTC: summer in Sydney (UTC+11), winter in Amsterdam (UTC+1).
JANUARY = 1768440600


def test_setting_wins_and_keeps_daylight_saving():
    sydney = plant_zone("Australia/Sydney", "2023-03-31T09:56:55+01:00")
    assert local_time(JANUARY, sydney).strftime("%Y%m%d %H:%M") == "20260115 12:30"
    july = JANUARY + 181 * 86400
    assert local_time(july, sydney).utcoffset() == timedelta(hours=10)


def test_fusionsolar_offset_when_no_setting():
    zone = plant_zone("", "2023-03-31T09:56:55+01:00")
    assert local_time(JANUARY, zone).strftime("%H:%M") == "02:30"


@pytest.mark.parametrize("stamp", [None, "", "yesterday", "2023-03-31T09:56:55", "1+99:00"])
def test_utc_without_a_usable_offset(stamp):
    assert plant_zone("", stamp) is UTC


@pytest.mark.parametrize("name", ["Europe/Amsterdam", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_zones(name):
    assert is_time_zone(name)
    assert load_settings({**BASE, "PLANT_TIMEZONE": name}).plant_timezone == name


@pytest.mark.parametrize("name", ["Sydney", "Europe/Amsterdamm", "../etc/passwd", "/UTC", "+10"])
def test_unknown_zone_is_a_named_error(name):
    assert not is_time_zone(name)
    with pytest.raises(ConfigError, match=r"PLANT_TIMEZONE=.*Australia/Sydney"):
        load_settings({**BASE, "PLANT_TIMEZONE": name})


def test_empty_is_the_default():
    assert load_settings(BASE).plant_timezone == ""


def test_connection_date_from_the_kept_plant_facts():
    kept = [PlantFacts(), PlantFacts(18, -33.8, 151.2, "2023-03-31T09:56:55+11:00")]
    assert connection_date(kept) == "2023-03-31T09:56:55+11:00"
    assert connection_date(None) is None and connection_date([PlantFacts(18)]) is None
    zone = plant_zone("", connection_date(kept))
    assert local_time(JANUARY, zone).strftime("%H:%M") == "12:30"


# Promises of the plant's clock (plant/zone.py) and of its nights (sun.py), with the numbers
# written out: a test here fails when one of them breaks.

# 2026-01-15 01:30 UTC: New Zealand's summer (Auckland at UTC+13, the Chathams at +13:45).


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
