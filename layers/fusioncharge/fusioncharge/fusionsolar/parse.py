"""Pure parsing of FusionSolar replies: values, plants, devices and real-time readings.

No I/O here. Every reply is treated as untrusted: values may be numbers, numeric strings,
null, "N/A", NaN/Infinity strings, booleans or nested junk, and ids may be negative 64-bit
integers sent as numbers or strings. Anything unusable becomes a typed error or "unknown".
"""

import math
import re
from collections.abc import Mapping
from typing import Any

from fusioncharge.errors import UnexpectedResponse
from fusioncharge.fusionsolar import device_models
from fusioncharge.models import BATTERY, INVERTER_TYPES, Device, Plant, Reading

EXCERPT_CHARS = 200
# `capacity` is kWp in /thirdData/stations; beyond this it cannot be one home's or small
# business's plant (a unit mix-up), and then it bounds nothing. A tiny one is kept (0.005 is a
# 5 kWp home in MWp): the accounting names it (accounting/site_bounds.py).
MAX_CAPACITY_KWP = 10_000.0
MIN_CAPACITY_KWP = 0.001  # below: 0 as the state rounds it, i.e. missing
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,20}")
_ID_MIN, _ID_MAX = -(2**63), 2**64 - 1  # signed or unsigned 64-bit


def as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a string of digits; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # beyond 2**53 a float has already lost digits of the id
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def device_id(value: Any) -> int | None:
    """A device id: 64-bit, possibly negative, as a JSON number or a string."""
    number = as_int(value)
    if number is None or not _ID_MIN <= number <= _ID_MAX:
        return None
    return number


def number(value: Any) -> float | None:
    """A finite float from a number or a numeric string; None for anything else."""
    if isinstance(value, bool):
        return None  # True is an int in Python, but never a measurement
    if isinstance(value, int | float):
        try:
            result = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        result = float(value.strip())
    else:
        return None
    return result if math.isfinite(result) else None


def plants_page(data: Any) -> tuple[list[Plant], int]:
    """Plants of one /thirdData/stations page and the page count (at least 1)."""
    if not isinstance(data, dict) or not isinstance(data.get("list"), list):
        raise UnexpectedResponse(
            "FusionSolar stations answered without a plant list (data.list); "
            "check FUSIONSOLAR_BASE_URL points at your region's portal"
        )
    plants = []
    for item in data["list"]:
        if isinstance(item, dict) and isinstance(item.get("plantCode"), str):
            name = item.get("plantName")
            date = item.get("gridConnectionDate")
            plants.append(
                Plant(
                    code=item["plantCode"],
                    name=name if isinstance(name, str) else "",
                    capacity_kwp=_within(item.get("capacity"), MIN_CAPACITY_KWP, MAX_CAPACITY_KWP),
                    latitude=_within(item.get("latitude"), -180.0, 180.0, digits=4),
                    longitude=_within(item.get("longitude"), -180.0, 180.0, digits=4),
                    grid_connection_date=date[:40] if isinstance(date, str) and date else None,
                )
            )
    return plants, max(1, as_int(data.get("pageCount")) or 1)


def _within(raw: Any, low: float, high: float, digits: int = 3) -> float | None:
    """A number within [low, high], rounded (the state keeps it), else None. Coordinates are
    checked as a pair later: some plants have latitude and longitude swapped (sun.py)."""
    value = number(raw)
    if value is None or not low <= value <= high:
        return None
    return round(value, digits) + 0.0


def devices(data: Any) -> list[Device]:
    """Devices from a getDevList reply's data; items without a usable id or type are left out."""
    if not isinstance(data, list):
        raise UnexpectedResponse("FusionSolar getDevList answered without a device list (data)")
    found = []
    seen: set[int] = set()
    for item in data:
        if not isinstance(item, dict):
            continue
        dev_id, type_id = device_id(item.get("id")), as_int(item.get("devTypeId"))
        if dev_id is None or type_id is None or dev_id in seen:
            continue  # a device listed twice (11 and "11") is one device
        seen.add(dev_id)
        name, plant_code = item.get("devName"), item.get("stationCode")
        found.append(
            Device(
                id=dev_id,
                name=name if isinstance(name, str) else str(dev_id),
                type_id=type_id,
                plant_code=plant_code if isinstance(plant_code, str) else "",
                capacity_kwh=battery_capacity_kwh(item) if type_id == BATTERY else None,
                rated_kw=(
                    device_models.inverter_rated_kw(item.get("invType"))
                    if type_id in INVERTER_TYPES
                    else None
                ),
            )
        )
    return found


def battery_capacity_kwh(item: Mapping[str, Any]) -> float | None:
    """A battery's rated kWh from its model (getDevList `invType`), when it names one."""
    return device_models.battery_capacity_kwh(item.get("invType"))


def server_time(envelope: Mapping[str, Any]) -> float | None:
    """params.currentTime of a reply, in epoch seconds, when it is a plausible number."""
    params = envelope.get("params")
    ms = as_int(params.get("currentTime")) if isinstance(params, dict) else None
    return ms / 1000 if ms is not None and ms > 0 else None


def readings(envelope: Mapping[str, Any], type_id: int) -> list[Reading]:
    """Readings from a getDevRealKpi reply, one per item with a usable devId."""
    data = envelope.get("data")
    if data is None:
        return []  # success with data null: no readings (unknown), as with data []
    if not isinstance(data, list):
        raise UnexpectedResponse(
            f"FusionSolar getDevRealKpi for device type {type_id} answered without "
            "a list of device readings (data)"
        )
    params = envelope.get("params")
    time_ms = as_int(params.get("currentTime")) if isinstance(params, dict) else None
    found = []
    for item in data:
        dev_id = device_id(item.get("devId")) if isinstance(item, dict) else None
        if dev_id is None:
            continue
        found.append(reading(dev_id, type_id, item.get("dataItemMap"), time_ms))
    return found


def reading(dev_id: int, type_id: int, items: Any, time_ms: int | None) -> Reading:
    """One device's values: finite numbers kept as floats, every other present key unknown."""
    values: dict[str, float] = {}
    unknown: set[str] = set()
    if isinstance(items, dict):
        for key, raw in items.items():
            value = number(raw)
            if value is None:
                unknown.add(str(key))
            else:
                values[str(key)] = value
    return Reading(
        device_id=dev_id,
        type_id=type_id,
        values=values,
        unknown=frozenset(unknown),
        time_ms=time_ms,
    )
