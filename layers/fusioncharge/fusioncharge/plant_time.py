"""The plant's own clock: its time zone, for whatever is told in local time (PVOutput's date and
time, the nights). Pure: no I/O beyond the time zone database that ships in the layer (tzdata).

Where the zone comes from, best first: the PLANT_TIMEZONE setting (an IANA name, so daylight
saving is right); else the UTC offset FusionSolar gives with the plant's grid connection date
(fixed: an hour off for half the year where clocks change); else UTC.
"""

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def is_time_zone(name: str) -> bool:
    """True for a known IANA time zone name such as "Europe/Amsterdam"."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def plant_zone(setting: str, grid_connection_date: str | None = None) -> tzinfo:
    """The plant's time zone from the setting, else from the offset of FusionSolar's
    gridConnectionDate (e.g. "2023-03-31T09:56:55+01:00"), else UTC."""
    if setting and is_time_zone(setting):
        return ZoneInfo(setting)
    offset = _offset_of(grid_connection_date)
    return timezone(offset) if offset is not None else UTC


def connection_date(plant_facts: Any) -> str | None:
    """The first plant's grid connection date as the state keeps the plant list's facts
    ([capacity, latitude, longitude, date] per plant); None when not known."""
    if not isinstance(plant_facts, list):
        return None
    for facts in plant_facts:
        if isinstance(facts, list) and len(facts) == 4 and isinstance(facts[3], str):
            return facts[3]
    return None


def local_time(epoch_seconds: float, zone: tzinfo) -> datetime:
    """The plant's wall-clock time at an instant."""
    return datetime.fromtimestamp(epoch_seconds, UTC).astimezone(zone)


def _offset_of(stamp: str | None) -> timedelta | None:
    if not isinstance(stamp, str) or not stamp.strip():
        return None
    try:
        offset = datetime.fromisoformat(stamp.strip()).utcoffset()
    except ValueError:
        return None
    if offset is None or abs(offset) > timedelta(hours=14):
        return None
    return offset
