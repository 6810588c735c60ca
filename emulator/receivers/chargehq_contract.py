"""ChargeHQ's Push API contract as the receiver checks it: the body's fields, types and ranges,
and the power flow that must add up (the documented rules, as strictly as they allow)."""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from emulator.faults import TRANSPORT_FAULTS

PUSH_PATH = "/api/public/push-solar-data"
# http_404 / http_410: the push API gone (ChargeHQ is closing).
PUSH_FAULT_KINDS = TRANSPORT_FAULTS | {"http_400", "http_401", "http_404", "http_410"}
TOP_FIELDS = frozenset({"apiKey", "tsms", "error", "siteMeters"})
METER_FIELDS = (
    "production_kw",
    "net_import_kw",
    "consumption_kw",
    "imported_kwh",
    "exported_kwh",
    "battery_discharge_kw",
    "battery_soc",
    "battery_energy_kwh",
)
NEVER_NEGATIVE = ("production_kw", "imported_kwh", "exported_kwh", "battery_energy_kwh")
POWER_FLOW_TOLERANCE_KW = 0.0005
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TSMS_MIN = 10**11  # 1973 in ms; a smaller value is almost surely seconds
_TSMS_MAX = 10**14  # year 5138 in ms


# --- the checks --------------------------------------------------------------------------------
def check_body(body: Any, api_key: str | None = None) -> list[str]:
    """Every way `body` (parsed JSON) breaks ChargeHQ's documented rules; [] when it is fine."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    problems = [f"unknown field {name!r}" for name in sorted(set(body) - TOP_FIELDS)]
    problems += _check_api_key(body, api_key)
    has_meters, has_error = "siteMeters" in body, "error" in body
    if has_meters == has_error:
        problems.append(
            "both siteMeters and error: send exactly one"
            if has_meters
            else "neither siteMeters nor error: send exactly one"
        )
    if has_error and not (isinstance(body["error"], str) and body["error"].strip()):
        problems.append("error must be a non-empty string")
    if "tsms" in body:
        problems += _check_tsms(body["tsms"])
    if has_meters:
        problems += check_site_meters(body["siteMeters"])
    return problems


def _check_api_key(body: Mapping[str, Any], expected: str | None) -> list[str]:
    # Never quote the key in a problem: problems get logged and printed.
    key = body.get("apiKey")
    if "apiKey" not in body:
        return ["apiKey is missing"]
    if not isinstance(key, str):
        return [f"apiKey must be a string, not {_json_type(key)}"]
    if not _UUID.fullmatch(key):
        return ["apiKey is not UUID-shaped (copy it from ChargeHQ: Push API settings)"]
    if expected is not None and key != expected:
        return ["apiKey is not the site's key"]
    return []


def _check_tsms(tsms: Any) -> list[str]:
    if isinstance(tsms, bool) or not isinstance(tsms, int):
        return [f"tsms must be an integer (ms since epoch), not {_json_type(tsms)}"]
    if tsms < _TSMS_MIN:
        return [f"tsms {tsms} looks like seconds: send milliseconds since epoch"]
    if tsms > _TSMS_MAX:
        return [f"tsms {tsms} is too large for milliseconds since epoch"]
    return []


def check_site_meters(meters: Any) -> list[str]:
    """Field names, JSON types, ranges and the power-flow equation of a `siteMeters` object."""
    if not isinstance(meters, dict):
        return [f"siteMeters must be an object, not {_json_type(meters)}"]
    if not meters:
        return ["siteMeters is empty"]
    problems = [
        f"unknown field 'siteMeters.{name}'" for name in sorted(set(meters) - set(METER_FIELDS))
    ]
    numbers: dict[str, float] = {}
    for name in METER_FIELDS:
        if name not in meters:
            continue
        value = meters[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"siteMeters.{name} must be a JSON number, not {_json_type(value)}")
        elif not math.isfinite(value):
            problems.append(f"siteMeters.{name} must be finite")
        else:
            numbers[name] = float(value)
    problems += _check_ranges(numbers)
    problems += _check_power_flow(meters, numbers)
    return problems


def _check_ranges(numbers: Mapping[str, float]) -> list[str]:
    problems = [
        f"siteMeters.{name} is negative ({numbers[name]:g})"
        for name in NEVER_NEGATIVE
        if numbers.get(name, 0.0) < 0
    ]
    soc = numbers.get("battery_soc")
    if soc is not None and not 0 <= soc <= 1:
        problems.append(f"siteMeters.battery_soc {soc:g} is not a fraction 0..1 (0.5 means 50 %)")
    return problems


def _check_power_flow(meters: Mapping[str, Any], numbers: Mapping[str, float]) -> list[str]:
    if "consumption_kw" not in meters:
        if "net_import_kw" in meters:
            return ["net_import_kw without consumption_kw: a meter gives both"]
        return []
    missing = [n for n in ("production_kw", "net_import_kw") if n not in meters]
    if missing:
        return [f"consumption_kw without {' and '.join(missing)}: the power-flow check needs them"]
    terms = ("consumption_kw", "production_kw", "net_import_kw")
    if not all(n in numbers for n in terms) or (
        "battery_discharge_kw" in meters and "battery_discharge_kw" not in numbers
    ):
        return []  # already reported as not a number
    flow = (
        numbers["production_kw"]
        + numbers["net_import_kw"]
        + numbers.get("battery_discharge_kw", 0.0)
    )
    consumption = numbers["consumption_kw"]
    if abs(consumption - flow) > POWER_FLOW_TOLERANCE_KW + 1e-9:
        return [
            f"power values are inconsistent: consumption_kw {consumption:g} != production_kw + "
            f"net_import_kw + battery_discharge_kw = {flow:.6g}"
        ]
    return []


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_push(raw: bytes, content_type: str | None) -> tuple[Any, list[str]]:
    """Decode a request body as strictly as a JSON API would: (parsed or None, problems)."""
    problems: list[str] = []
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        problems.append("Content-Type must be application/json")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                problems.append(f"duplicate field {key!r}")
            seen[key] = value
        return seen

    def no_constants(name: str) -> float:
        problems.append(f"{name} is not JSON: send finite numbers only")
        return math.nan

    try:
        text = raw.decode("utf-8")
        body = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        return None, [*problems, "body is not JSON"]
    return body, problems


# --- the server --------------------------------------------------------------------------------
