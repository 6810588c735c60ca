"""Is the sun down at the plant? Pure arithmetic, no I/O, no dependencies.

An inverter that reports every value as unknown at night (disconnected until sunrise) produces
nothing; by day the same reply is an error, and day taken for night pushes a wrong 0: so the
night is only what every witness agrees on, and unknown when there is none (`night`):
- The plant list's coordinates win. A PLANT_LOCATION far from them is named, not used.
- Else PLANT_LOCATION, when its longitude fits the plant's clock (its time zone's offset is
  within ZONE_SLACK_H of the sun's time there). One that does not (a lost sign, a swapped pair)
  is named, and the night must then also be night on the plant's clock.
- Else a fixed night of 22:00-04:00 on the plant's clock (PLANT_TIMEZONE, else the offset its
  grid connection date carries): short, so a summer dawn at high latitudes is never night.
- Neither coordinates nor a clock: not known (never UTC's night: that is Sydney's day).
The sun's elevation uses the usual low-precision solar formulas (about 0.1°, minutes at
sunrise: far finer than a 5-minute run). Latitude and longitude may be swapped (in some plant
lists, in a setting): when both readings are possible, the sun must be down for both.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from fusioncharge.plant.zone import local_time

HORIZON_DEG = 0.0  # the sun's centre below the horizon
NIGHT_FROM_H, NIGHT_UNTIL_H = 22, 4  # without coordinates, in the plant's time zone
# A clock may run this far from the sun's time (Spain, western China, Alaska: up to 3 h).
ZONE_SLACK_H = 3.5
SAME_PLACE_DEG = 1.0  # a setting this close to the plant list's coordinates agrees with them
_J2000_DAYS = 10957.5  # days from 1970-01-01T00:00Z to 2000-01-01T12:00Z


def elevation(latitude: float, longitude: float, when: float) -> float:
    """The sun's elevation in degrees at (latitude, longitude) at epoch seconds `when`."""
    d = when / 86400 - _J2000_DAYS
    anomaly = math.radians((357.529 + 0.98560028 * d) % 360)
    mean_longitude = (280.459 + 0.98564736 * d) % 360
    ecliptic = math.radians(
        mean_longitude + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly)
    )
    tilt = math.radians(23.439 - 0.00000036 * d)
    right_ascension = math.atan2(math.cos(tilt) * math.sin(ecliptic), math.cos(ecliptic))
    declination = math.asin(math.sin(tilt) * math.sin(ecliptic))
    sidereal_deg = (280.46061837 + 360.98564736629 * d) % 360
    hour_angle = math.radians(sidereal_deg + longitude) - right_ascension
    lat = math.radians(latitude)
    sine = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(
        hour_angle
    )
    return math.degrees(math.asin(max(-1.0, min(1.0, sine))))


def readings_of(latitude: float | None, longitude: float | None) -> list[tuple[float, float]]:
    """The (latitude, longitude) pairs the plant list's two numbers may mean: as named, and
    swapped when that is possible too. None for (0, 0) or anything off the globe."""
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return []
    pairs = [(latitude, longitude), (longitude, latitude)]
    possible = [(a, b) for a, b in pairs if abs(a) <= 90 and abs(b) <= 180]
    return list(dict.fromkeys(possible))


@dataclass(frozen=True)
class Night:
    """Whether the sun is down at the plant now (None: not known), and what the user should
    hear about where the plant is (a setting that disagrees, no place or clock at all)."""

    down: bool | None
    notice: str | None = None


def night(
    when: float,
    zone: tzinfo | None,
    setting: tuple[float, float] | None,
    listed: tuple[float | None, float | None] = (None, None),
) -> Night:
    """Is the sun down at the plant at `when`? `zone`: the plant's clock (None: unknown);
    `setting`: PLANT_LOCATION; `listed`: the plant list's (latitude, longitude)."""
    places = readings_of(*listed)
    if places:
        notice = None
        if setting is not None and not _near(setting, places[0]):
            notice = (
                f"PLANT_LOCATION {_pair(setting)} is not the plant list's coordinates "
                f"{_pair(places[0])} (latitude, longitude): the plant list's are used; fix or "
                "empty PLANT_LOCATION (latitude first, south and west negative)"
            )
        return Night(_dark_at(places, when), notice)
    if setting is not None:
        mine = readings_of(*setting)
        if zone is None or any(_fits_clock(p, zone, when) for p in mine):
            return Night(_dark_at(mine, when))
        notice = (
            f"PLANT_LOCATION {_pair(setting)} is not where the plant's clock is (its longitude "
            "is hours from the plant's time zone: a lost minus sign, or latitude and longitude "
            "swapped?): nights are only those both agree on; fix PLANT_LOCATION"
        )
        return Night(_dark_at(mine, when) and _night_on_clock(when, zone), notice)
    if zone is not None:
        return Night(_night_on_clock(when, zone))
    return Night(
        None,
        "the plant's place and clock are unknown (FusionSolar gives no coordinates and no time "
        "zone for it): an inverter that reports nothing is an error day and night; set "
        "PLANT_LOCATION (latitude,longitude) or PLANT_TIMEZONE",
    )


def _dark_at(places: Sequence[tuple[float, float]], when: float) -> bool:
    return all(elevation(lat, lon, when) < HORIZON_DEG for lat, lon in places)


def _night_on_clock(when: float, zone: tzinfo) -> bool:
    hour = local_time(when, zone).hour
    return hour >= NIGHT_FROM_H or hour < NIGHT_UNTIL_H


def _fits_clock(place: tuple[float, float], zone: tzinfo, when: float) -> bool:
    """The place's sun time (15° of longitude an hour) is near the plant's clock's offset."""
    offset = local_time(when, zone).utcoffset()
    clock_h = 0.0 if offset is None else offset.total_seconds() / 3600
    gap = abs(place[1] / 15 - clock_h) % 24
    return min(gap, 24 - gap) <= ZONE_SLACK_H


def _near(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= SAME_PLACE_DEG and abs(a[1] - b[1]) <= SAME_PLACE_DEG


def _pair(place: tuple[float, float]) -> str:
    return f"{place[0]:g},{place[1]:g}"
