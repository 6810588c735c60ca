"""Scenario files: the emulated account's plants, devices, readings, credentials, time and faults.

Format (examples in emulator/scenarios/). Every part is optional:

    load_scenario(None | path | dict) -> dict with every key present:
      credentials      {"username", "system_code"}            default demo / demo
      stations         items as /thirdData/stations data.list  default: the plants "Home" and
                                                                "EMMA Home"
      devices          items as getDevList data                default: Home's dongle, inverter,
                                                                power sensor and battery; EMMA
                                                                Home's inverter, EMMA, battery
                                                                and SmartGuard
      kpis             {"<devTypeId>": [items as getDevRealKpi data]}   default {} (the day model)
      current_time_ms  int, default DEFAULT_TIME_MS             start of the emulator's clock
      utc_offset_hours float                                   local solar time = UTC + this
      inverters_unknown_at_night  bool, default false          inverters disconnected while
                                                                they produce nothing: every
                                                                value "N/A" (as some homes see)
      faults           [{"interface", "nth" (int | None = every call), "kind", "fail_code"}]
      settings         {}                                      the run's environment (not used here)
    plus any other keys as given (e.g. chargehq_api_key).

Real captured responses work as they are: stations, devices and kpis are `data` parts of real
replies and are served back unchanged. Plants named only by devices (a device's stationCode
with no station item, as when stations.json has an empty plantCode) still serve getDevList.
A bad scenario raises ScenarioError saying which part to fix.
"""

import copy
import json
from os import PathLike
from pathlib import Path
from typing import Any

from emulator.faults import FAULT_KINDS
from emulator.fusionsolar.example_plants import (
    DEFAULT_PLANT_CODE,
    EMMA_PLANT_CODE,
    default_devices,
    default_station,
    emma_home_devices,
)

# The default account's plants are named here too, as where scenarios start from.
__all__ = [
    "DEFAULT_PLANT_CODE",
    "DEFAULT_TIME_MS",
    "EMMA_PLANT_CODE",
    "INTERFACES",
    "ScenarioError",
    "ScenarioSource",
    "default_devices",
    "default_scenario",
    "default_station",
    "gives_time",
    "load_scenario",
]
DEFAULT_TIME_MS = 1_700_000_000_000  # FakeClock's default start
INTERFACES = frozenset(
    {
        "login",
        "logout",
        "stations",
        "getStationList",
        "getDevList",
        "getDevRealKpi",
        "getStationRealKpi",
        "chargehq",
    }
)

ScenarioSource = str | PathLike[str] | dict[str, Any] | None


class ScenarioError(ValueError):
    """The scenario file or dict cannot be used; the message names the part to fix."""


def gives_time(source: ScenarioSource) -> bool:
    """Whether the scenario sets current_time_ms itself (else a server may use the real time)."""
    return _read(source).get("current_time_ms") is not None


def default_scenario() -> dict[str, Any]:
    return load_scenario(None)


def load_scenario(source: ScenarioSource = None) -> dict[str, Any]:
    """Read and normalise a scenario; see the module docstring for the result."""
    raw = _read(source)
    out = copy.deepcopy(raw)
    out["credentials"] = _credentials(raw.get("credentials"))
    out["stations"] = _list_of_objects(raw, "stations")
    out["devices"] = _list_of_objects(raw, "devices")
    if raw.get("stations") is None and raw.get("devices") is None:  # the default account
        emma = default_station(EMMA_PLANT_CODE, "EMMA Home")
        out["stations"] = [default_station(), {**emma, "capacity": 6.0}]
        out["devices"] = default_devices() + emma_home_devices()
    elif raw.get("stations") is None:  # missing: the plant the devices belong to, or Home
        devices = out["devices"]
        code = str(devices[0].get("stationCode") or "") if devices else ""
        out["stations"] = [default_station(code or DEFAULT_PLANT_CODE)]
    elif raw.get("devices") is None and out["stations"]:
        out["devices"] = default_devices(str(out["stations"][0].get("plantCode") or ""))
    for i, device in enumerate(out["devices"]):
        _check_device(i, device)
    out["kpis"] = _kpis(raw.get("kpis"))
    given_ms = _optional_int(raw, "current_time_ms")
    out["current_time_ms"] = DEFAULT_TIME_MS if given_ms is None else given_ms
    out["utc_offset_hours"] = _number(raw, "utc_offset_hours", 0.0)
    out["inverters_unknown_at_night"] = raw.get("inverters_unknown_at_night") is True
    out["faults"] = [_fault(i, f) for i, f in enumerate(_list(raw, "faults"))]
    out["settings"] = dict(raw.get("settings") or {})
    return out


def _read(source: ScenarioSource) -> dict[str, Any]:
    if source is None:
        return {}
    if isinstance(source, dict):
        return source
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(f"cannot read scenario file {path}: {e.strerror}") from e
    except ValueError as e:
        raise ScenarioError(f"scenario file {path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario file {path} must hold one JSON object")
    return data


def _credentials(value: Any) -> dict[str, str]:
    value = value or {}
    if not isinstance(value, dict):
        raise ScenarioError('scenario "credentials" must be {"username": ..., "system_code": ...}')
    return {
        "username": str(value.get("username", "demo")),
        "system_code": str(value.get("system_code", "demo")),
    }


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f'scenario "{key}" must be a JSON list')
    return value


def _list_of_objects(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = _list(raw, key)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f'scenario "{key}"[{i}] must be a JSON object')
    return copy.deepcopy(items)


def _check_device(i: int, device: dict[str, Any]) -> None:
    for key in ("id", "devTypeId"):
        value = device.get(key)
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
        ):
            raise ScenarioError(f'scenario "devices"[{i}] needs an integer "{key}"')


def _kpis(value: Any) -> dict[str, list[dict[str, Any]]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(
            'scenario "kpis" must be an object keyed by devTypeId, e.g. {"1": [...]}'
        )
    out: dict[str, list[dict[str, Any]]] = {}
    for key, items in value.items():
        if not str(key).lstrip("-").isdigit() or not isinstance(items, list):
            raise ScenarioError(f'scenario "kpis" key {key!r} must be a devTypeId with a list')
        out[str(int(key))] = copy.deepcopy(items)
    return out


def _optional_int(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f'scenario "{key}" must be a number (epoch milliseconds)')
    return int(value)


def _number(raw: dict[str, Any], key: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f'scenario "{key}" must be a number')
    return float(value)


def _fault(i: int, fault: Any) -> dict[str, Any]:
    where = f'scenario "faults"[{i}]'
    if not isinstance(fault, dict):
        raise ScenarioError(f"{where} must be an object with interface, kind and maybe nth")
    interface, kind, nth = fault.get("interface"), fault.get("kind"), fault.get("nth")
    if interface not in INTERFACES:
        raise ScenarioError(f"{where}: interface {interface!r} is not one of {sorted(INTERFACES)}")
    if kind not in FAULT_KINDS:
        raise ScenarioError(f"{where}: kind {kind!r} is not one of {sorted(FAULT_KINDS)}")
    if nth is not None and (isinstance(nth, bool) or not isinstance(nth, int) or nth < 1):
        raise ScenarioError(f"{where}: nth must be a call number from 1 (or left out: every call)")
    fail_code = fault.get("fail_code")
    if kind == "fail_code" and (isinstance(fail_code, bool) or not isinstance(fail_code, int)):
        raise ScenarioError(f'{where}: kind "fail_code" needs an integer "fail_code" beside it')
    return {"interface": interface, "nth": nth, "kind": kind, "fail_code": fail_code}
