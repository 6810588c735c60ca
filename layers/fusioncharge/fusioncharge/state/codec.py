"""The state's storage format: the one module that knows its short keys and refuses bad shapes.

The State (state/) holds records: `Device`, `MeterWatch`, `PlantFacts`. Stored, it is compact
JSON that fits SSM's 4 KB with hundreds of read devices: devices grouped by plant and the
fields they share, no names (100 named devices would not fit); a large group's ids as the
first in full, then each one's step from the one before (a plant's devices have ids close
together: 200 ids in full would not fit); the meter watch under one- and two-letter keys; a
plant's facts as a list. Versions this code wrote before (v1: named devices, one server lead)
still read. Pure: no I/O.
"""

from collections.abc import Mapping
from typing import Any

from fusioncharge.errors import StateError
from fusioncharge.models import CounterSample, Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state.devices import is_int as _is_int
from fusioncharge.state.devices import is_number, pack, unpack
from fusioncharge.state.devices import require as _require

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)  # v1: devices as named dicts, one server_lead (the least)

# The meter watch: key -> MeterWatch field. The streak may be missing (read as 0); the other
# meters and the runs held are written only when there are any.
WATCH_KEYS = {"d": "device_id", "ms": "time_ms", "p": "export_kw", "i": "imported_kwh"}
WATCH_KEYS |= {"e": "exported_kwh", "n": "streak", "a": "others", "x": "held"}
WATCH_REQUIRED = ("d", "ms", "p", "i", "e")
WATCH_WHEN_SET = ("a", "x")
# The energy watch, stored as "ew": [minute, inverter day, charged, discharged, inverter total],
# each counter null, a number (read at that minute) or [number, minutes before it] (held).
ENERGY_KEY = "ew"
ENERGY_COUNTERS = ("inverter_day", "charged_day", "discharged_day", "inverter_total")
# Plain fields, by the type a stored value must have.
NUMBERS = (
    *("token_issued_at", "devices_fetched_at", "plant_checked_at", "devices_asked_at"),
    *("no_login_before", "locked_until", "kpi_pending", "negative_runs"),
    *("login_backoff_until", "login_quota_refusals"),
)
TEXTS = ("token", "rejected_credentials", "plant_code", "plant_name", "plant_for_station")
NUMBER_LISTS = ("unserved_types", "doubted_types", "login_tries", "server_leads")


def encode(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object for a State's fields: unset ones left out (an empty device list is
    kept: it is a cached answer too)."""
    data = {k: v for k, v in fields.items() if v is not None and v != {}}
    if "devices" in data:
        data["dv"] = pack(data.pop("devices"))
    if "meter_watch" in data:
        data["meter_watch"] = _watch_json(data["meter_watch"])
    if "plant_facts" in data:
        data["plant_facts"] = [_facts_json(f) for f in data["plant_facts"]]
    if "energy_watch" in data:
        data[ENERGY_KEY] = _energy_json(data.pop("energy_watch"))
    data["v"] = STATE_VERSION
    return data


def decode(data: Any) -> dict[str, Any]:
    """A State's fields from stored JSON; StateError for anything this code did not write."""
    if not isinstance(data, dict) or data.get("v") not in READABLE_VERSIONS:
        raise StateError("stored state has an unknown format")
    fields = {k: v for k, v in data.items() if k != "v"}
    if data["v"] == 1:
        _from_v1(fields)
    elif "devices" in fields:
        raise StateError("stored state has unknown fields")
    elif "dv" in fields:
        fields["devices"] = unpack(fields.pop("dv"))
    if fields.get("meter_watch") is not None:
        fields["meter_watch"] = _watch(fields["meter_watch"])
    if "energy_watch" in fields:
        raise StateError("stored state has unknown fields")
    if ENERGY_KEY in fields:
        fields["energy_watch"] = _energy(fields.pop(ENERGY_KEY))
    if fields.get("plant_facts") is not None:
        facts = fields["plant_facts"]
        _require(isinstance(facts, list), "plant facts")
        fields["plant_facts"] = [_facts(f) for f in facts]
    _check_plain(fields)
    return fields


def _from_v1(fields: dict[str, Any]) -> None:
    """Version 1 kept named devices and only the least server lead ever seen."""
    if "server_lead" in fields:
        lead = fields.pop("server_lead")
        fields["server_leads"] = None if lead is None else [lead]
    if fields.get("devices") is not None:
        stored = fields["devices"]
        _require(isinstance(stored, list) and all(map(_v1_device, stored)), "device list")
        fields["devices"] = [Device(d["id"], "", d["t"], d["p"], d.get("c")) for d in stored]


def _v1_device(d: Any) -> bool:
    """{"id": 1, "n": "Inverter", "t": 38, "p": "NE=1"}, as version 1 kept a device."""
    ok = isinstance(d, dict) and set(d) <= {"id", "n", "t", "p", "c"}
    ok = ok and _is_int(d.get("id")) and _is_int(d.get("t")) and isinstance(d.get("p"), str)
    return ok and (d.get("c") is None or is_number(d["c"]))


def _watch_json(watch: MeterWatch) -> dict[str, Any]:
    data = {key: getattr(watch, name) for key, name in WATCH_KEYS.items()}
    data["a"] = list(watch.others)
    return {k: v for k, v in data.items() if k not in WATCH_WHEN_SET or v}


def _watch(data: Any) -> MeterWatch:
    _require(isinstance(data, dict) and set(data) <= set(WATCH_KEYS), "meter watch")
    ok = all(is_number(data.get(k)) for k in WATCH_REQUIRED) and _is_int(data["d"])
    ok = ok and all(_is_int(data.get(k, 0)) for k in ("n", "x"))
    others = data.get("a", [])
    _require(ok and isinstance(others, list) and all(map(_is_int, others)), "meter watch")
    values = {WATCH_KEYS[k]: v for k, v in data.items()}
    return MeterWatch(**{**values, "time_ms": int(data["ms"]), "others": tuple(others)})


def _facts_json(facts: PlantFacts) -> list[Any]:
    return [facts.capacity_kwp, facts.latitude, facts.longitude, facts.grid_connection_date]


def _facts(data: Any) -> PlantFacts:
    """[capacity kWp, latitude, longitude, grid connection date], each may be null."""
    _require(isinstance(data, list) and len(data) == 4, "plant's facts")
    capacity, latitude, longitude, date = data
    ok = all(v is None or is_number(v) for v in (capacity, latitude, longitude))
    _require(ok and (date is None or isinstance(date, str)), "plant's facts")
    return PlantFacts(capacity, latitude, longitude, date)


def _energy_json(watch: EnergyWatch) -> list[Any]:
    samples = [getattr(watch, name) for name in ENERGY_COUNTERS]
    minute = max(s.minute for s in samples if s is not None)
    stored: list[Any] = [minute]
    for sample in samples:
        if sample is None or sample.minute == minute:
            stored.append(None if sample is None else sample.kwh)
        else:
            stored.append([sample.kwh, minute - sample.minute])
    while stored[-1] is None:
        stored.pop()  # a site without batteries: shorter
    return stored


def _energy(data: Any) -> EnergyWatch:
    ok = isinstance(data, list) and 1 < len(data) <= 1 + len(ENERGY_COUNTERS)
    _require(ok and _is_int(data[0]), "energy watch")
    samples = {}
    for name, stored in zip(ENERGY_COUNTERS, data[1:], strict=False):
        if is_number(stored):
            samples[name] = CounterSample(float(stored), data[0])
        elif isinstance(stored, list):
            ok = len(stored) == 2 and is_number(stored[0]) and _is_int(stored[1])
            _require(ok and stored[1] > 0, "energy watch")
            samples[name] = CounterSample(float(stored[0]), data[0] - stored[1])
        else:
            _require(stored is None, "energy watch")
    return EnergyWatch(**samples)


def _check_plain(fields: dict[str, Any]) -> None:
    last_fetch = fields.get("last_fetch", {})
    sinks = fields.get("sinks")
    ok = (
        isinstance(last_fetch, dict)
        and all(map(is_number, last_fetch.values()))
        and all(fields.get(name) is None or is_number(fields[name]) for name in NUMBERS)
        and all(isinstance(fields.get(name), str | None) for name in TEXTS)
        and all(_numbers_or_none(fields.get(name)) for name in NUMBER_LISTS)
        and (sinks is None or (isinstance(sinks, dict) and all(map(_is_dict, sinks.values()))))
    )
    if not ok:
        raise StateError("stored state has fields of the wrong type or non-finite numbers")


def _numbers_or_none(values: Any) -> bool:
    return values is None or (isinstance(values, list) and all(map(is_number, values)))


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)
