"""Pure parsing of FusionSolar replies: envelopes, plants, devices and real-time readings.

No I/O here. Every reply is treated as untrusted: values may be numbers, numeric strings,
null, "N/A", NaN/Infinity strings, booleans or nested junk, and ids may be negative 64-bit
integers sent as numbers or strings. Anything unusable becomes a typed error or "unknown".
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fusioncharge.errors import (
    ApiAccessOff,
    FusionSolarError,
    FusionSolarUnavailable,
    PlantNotFound,
    QuotaExceeded,
    UnexpectedResponse,
)
from fusioncharge.masking import mask
from fusioncharge.models import BATTERY, Device, Plant, Reading

EXCERPT_CHARS = 200
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,20}")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# A LUNA2000 battery's model names its rated capacity: LUNA2000-10-S0 holds 10 kWh.
_BATTERY_MODEL = re.compile(r"LUNA2000-(\d{1,3}(?:\.\d{1,2})?)-S\d", re.IGNORECASE)
_ID_MIN, _ID_MAX = -(2**63), 2**64 - 1  # signed or unsigned 64-bit
RELOGIN_CODES = frozenset({305, 306, 307})
# 20006/20013: a device changed type; 20008: a device no longer exists.
STALE_DEVICE_CODES = frozenset({20006, 20008, 20013})
SERVER_TROUBLE_CODES = frozenset({20004, 20200, 20614})  # abnormal, busy, network
QUOTA_CODES = frozenset({407, 20618})
API_ACCESS_OFF = 20056
GATEWAY_QUOTA = "49401021002"  # the API gateway's errorCode for its quota (any HTTP status)


def excerpt(raw: bytes, secrets: Iterable[str] = ()) -> str:
    """A short, printable, single-line view of a reply body for error messages.

    HTML tags are dropped (error pages say more in their text), and any secret that a
    misbehaving server might echo back is masked (masking.mask, in any form it may take).
    """
    text = raw.decode("utf-8", errors="replace")  # whole body: a cut could split a secret
    secrets = [s for s in secrets if s]
    text = mask(text, secrets)
    text = _TAG.sub(" ", text)
    text = "".join(c if c.isprintable() else " " for c in text)
    text = mask(_SPACE.sub(" ", text).strip(), secrets)
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1] + "…"
    return text or "(empty body)"


def decode_envelope(interface: str, status: int, raw: bytes, secrets: Iterable[str] = ()) -> dict:
    """Parse a reply body as a JSON object or raise the error that says what came instead."""
    if not raw.strip():
        raise FusionSolarUnavailable(
            f"FusionSolar {interface} answered HTTP {status} with an empty body; "
            "the service is having trouble, the next run tries again"
        )
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        kind = "an HTML page" if raw.lstrip()[:1] == b"<" else "a body that is not JSON"
        raise FusionSolarUnavailable(
            f"FusionSolar {interface} answered HTTP {status} with {kind} "
            f"(truncated or an error page): {excerpt(raw, secrets)}; the next run tries again"
        ) from None
    if not isinstance(body, dict):
        raise UnexpectedResponse(
            f"FusionSolar {interface} answered with JSON that is not an object: "
            f"{excerpt(raw, secrets)}"
        )
    return body


def status_error(
    interface: str, status: int, raw: bytes, secrets: Iterable[str] = ()
) -> FusionSolarError | None:
    """The error an HTTP status other than 200 means, or None for 200."""
    if status == 200:
        return None
    where = f"FusionSolar {interface} answered HTTP {status}: {excerpt(raw, secrets)}"
    if status in (403, 429) or _gateway_quota(raw):
        return QuotaExceeded(
            f"{where}. API quota: not retried, the next scheduled run is the retry"
        )
    if status >= 500:
        return FusionSolarUnavailable(f"{where}; the next run tries again")
    return UnexpectedResponse(
        f"{where}. Check FUSIONSOLAR_BASE_URL is your region's portal, "
        "e.g. https://eu5.fusionsolar.huawei.com"
    )


def _gateway_quota(raw: bytes) -> bool:
    """The gateway's quota body, {"errorCode": "49401021002", ...}: as 407, no retry."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(body, dict) and str(body.get("errorCode")) == GATEWAY_QUOTA


def fail_code_error(
    interface: str, code: int, envelope: Mapping[str, Any], secrets: Iterable[str] = ()
) -> FusionSolarError:
    """The typed error for a non-zero failCode (the client handles 305-307 and 20006/20013)."""
    said = excerpt(str(envelope.get("message") or envelope.get("data") or "").encode(), secrets)
    where = f"FusionSolar {interface} answered failCode {code} ({said})"
    if code in QUOTA_CODES:
        when = "tomorrow (daily cap)" if code == 20618 else "in a later run"
        return QuotaExceeded(f"{where}: too many calls. Not retried; tried again {when}")
    if code == API_ACCESS_OFF:
        return ApiAccessOff(
            f'{where}: the plant owner has switched off "Access to API" for this account. '
            "The owner turns it back on in the FusionSolar app: plant > Settings > "
            "Permissions > Access to API. Nothing else fixes it"
        )
    if code in SERVER_TROUBLE_CODES:
        return FusionSolarUnavailable(f"{where}: the service is busy; the next run tries again")
    if code in RELOGIN_CODES:
        return UnexpectedResponse(f"{where}: the session ended again right after logging in")
    if code == 401:
        return UnexpectedResponse(f"{where}: this API account has no permission for it")
    if code in STALE_DEVICE_CODES:
        return UnexpectedResponse(f"{where}: the devices do not match; they are looked up again")
    return UnexpectedResponse(f"{where}: not understood; see Huawei's error code list")


def fail_code(envelope: Mapping[str, Any]) -> int:
    """The reply's failCode (0 = success). A missing failCode counts as 0 only with success true."""
    code = as_int(envelope.get("failCode"))
    if code is not None and abs(code) < 2**31:  # Huawei's codes are small; others are junk
        return code
    if envelope.get("success") is True:
        return 0
    return -1  # neither: a reply we do not understand


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
            plants.append(Plant(code=item["plantCode"], name=name if isinstance(name, str) else ""))
    return plants, max(1, as_int(data.get("pageCount")) or 1)


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
            )
        )
    return found


def battery_capacity_kwh(item: Mapping[str, Any]) -> float | None:
    """A battery's rated kWh from its model (getDevList `invType`), when it names one."""
    model = item.get("invType")
    found = _BATTERY_MODEL.search(model) if isinstance(model, str) else None
    kwh = float(found.group(1)) if found else 0.0
    return kwh if kwh > 0 else None


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


ACCOUNT_PLANTS = "this FusionSolar account can see"


def match_plant(
    station: str, plants: list[Plant], setting: str = "STATION", among: str = ACCOUNT_PLANTS
) -> Plant:
    """The plant that STATION names: by code, else by exact name, else ignoring case and spaces.

    `setting` names where `station` came from, for the error: "STATION", or a part of a
    comma-separated list ("'Garage' in STATION 'Home,Garage'").
    """
    wanted = station.strip().casefold()
    label = f"STATION {station!r}" if setting == "STATION" else f"{station!r} in {setting}"
    for same in (
        lambda p: p.code == station,
        lambda p: p.name == station,
        lambda p: p.name.strip().casefold() == wanted,
    ):
        found = [p for p in plants if same(p)] if wanted else []
        if len(found) == 1:
            return found[0]
        if found:
            raise PlantNotFound(
                f"{label} names {len(found)} plants: {_plant_list(found)}; "
                f"set {setting.split(' ')[0]} to the plant code (NE=...) of the one to use"
            )
    if setting == "STATION":
        hint = "Set STATION to one of these plant names or codes"
    else:
        hint = f"Set {setting.split(' ')[0]} to these plant names or codes, comma-separated"
    raise PlantNotFound(f"{label} matches no plant {among}. {hint}: {_plant_list(plants)}")


def match_plants(
    station: str, plants: list[Plant], setting: str = "STATION", among: str = ACCOUNT_PLANTS
) -> list[Plant]:
    """The plants STATION names: one plant as `match_plant` finds it (a name may hold a comma),
    else each of its comma-separated parts, in order. A part that matches no plant, or names a
    plant another part named too (it would count twice), raises PlantNotFound naming it."""
    parts = split_station(station)
    if setting == "STATION":
        try:
            return [match_plant(station, plants)]  # one plant; its name may hold a comma
        except PlantNotFound:
            if len(parts) < 2 and (not parts or parts[0] == station.strip()):
                raise  # one plant's error, as it always read
    found: list[Plant] = []
    for part in parts:
        plant = match_plant(part, plants, f"{setting} {station!r}", among)
        if plant in found:
            raise PlantNotFound(
                f"{setting} {station!r} names plant {plant.name!r} ({plant.code}) twice; "
                "name each plant once (twice, it would count twice in the sum)"
            )
        found.append(plant)
    return found


def split_station(station: str) -> list[str]:
    """The comma-separated parts of a STATION-like setting, blanks left out."""
    return [part.strip() for part in station.split(",") if part.strip()]


def _plant_list(plants: list[Plant], shown: int = 20) -> str:
    if not plants:
        return "(none: the account sees no plants; check the user has access to your plant)"
    names = ", ".join(f"{p.name!r} ({p.code})" for p in plants[:shown])
    return names + (f" and {len(plants) - shown} more" if len(plants) > shown else "")
