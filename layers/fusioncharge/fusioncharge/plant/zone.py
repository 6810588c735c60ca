"""The plant's own clock: its time zone, for whatever is told in local time (PVOutput's date and
time, the nights). Pure: no I/O beyond the time zone database that ships in the layer (tzdata).

Where the zone comes from, best first: the PLANT_TIMEZONE setting (an IANA name, so daylight
saving is right); else the UTC offset FusionSolar gives with the plant's grid connection date
(fixed: an hour off for half the year where clocks change); else UTC for what is only told
(`plant_zone`), and unknown where it decides something (`known_zone`: the nights, sun.py).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fusioncharge.models import PlantFacts


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
    return known_zone(setting, grid_connection_date) or UTC


def known_zone(setting: str, grid_connection_date: str | None = None) -> tzinfo | None:
    """As `plant_zone`, but None when neither the setting nor the date gives one."""
    if setting and is_time_zone(setting):
        return ZoneInfo(setting)
    offset = _offset_of(grid_connection_date)
    return timezone(offset) if offset is not None else None


def connection_date(plant_facts: Sequence[PlantFacts] | None) -> str | None:
    """The first grid connection date among the plants' facts the state keeps; None when no
    plant's is known."""
    for facts in plant_facts or ():
        if facts.grid_connection_date is not None:
            return facts.grid_connection_date
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
