"""Is the sun down at the plant? Pure arithmetic, no I/O, no dependencies.

An inverter that reports every value as unknown at night (disconnected until sunrise) produces
nothing; by day the same reply is an error. The sun's elevation comes from the plant's
coordinates (PLANT_LOCATION, else FusionSolar's plant list) with the usual low-precision solar
formulas (about 0.1°, minutes at sunrise: far finer than a 5-minute run). Without coordinates a
fixed night of 22:00-04:00 in the plant's time zone stands in: short, so a summer dawn at high
latitudes is never taken for night.

Some plant lists give latitude and longitude swapped. When both readings are possible, the
sun must be down for both: never guessing which one is right, so never taking day for night.
"""

import math
from collections.abc import Sequence
from datetime import tzinfo

from fusioncharge.plant_time import local_time

HORIZON_DEG = 0.0  # the sun's centre below the horizon
NIGHT_FROM_H, NIGHT_UNTIL_H = 22, 4  # without coordinates, in the plant's time zone
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


def sun_down(
    when: float,
    zone: tzinfo,
    location: tuple[float, float] | None = None,
    listed: Sequence[tuple[float, float]] = (),
) -> bool:
    """True while the sun is down at the plant: at `location` (the setting) when given, else at
    every reading of the plant list's coordinates, else in the fixed night window."""
    places = [location] if location is not None else list(listed)
    if places:
        return all(elevation(lat, lon, when) < HORIZON_DEG for lat, lon in places)
    hour = local_time(when, zone).hour
    return hour >= NIGHT_FROM_H or hour < NIGHT_UNTIL_H
