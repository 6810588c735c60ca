"""The state's storage format: how each stored type is written, and read back refusing bad shapes.

Each field's stored type and key are its row in state/fields.py. The State (state/) holds
records: `Device`, `MeterWatch`, `PlantFacts`. Stored, it is compact JSON that fits SSM's 4 KB
with hundreds of read devices: devices grouped by plant and the fields they share, no names
(100 named devices would not fit); a large group's ids as the first in full, then each one's
step from the one before (a plant's devices have ids close together: 200 ids in full would not
fit); the meter watch under one- and two-letter keys; a plant's facts as a list. Versions this
code wrote before (v1: named devices, one server lead) still read. Pure: no I/O.
"""

from collections.abc import Callable, Mapping
from typing import Any

from fusioncharge.errors import StateError
from fusioncharge.models import CounterSample, Device, EnergyWatch, MeterWatch, PlantFacts
from fusioncharge.state import fields as kinds
from fusioncharge.state.devices import is_int as _is_int
from fusioncharge.state.devices import is_number, pack, unpack
from fusioncharge.state.devices import require as _require
from fusioncharge.state.fields import FIELDS

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)  # v1: devices as named dicts, one server_lead (the least)

# The meter watch: key -> MeterWatch field. The streak may be missing (read as 0); the other
# meters and the runs held are written only when there are any.
WATCH_KEYS = {"d": "device_id", "ms": "time_ms", "p": "export_kw", "i": "imported_kwh"}
WATCH_KEYS |= {"e": "exported_kwh", "n": "streak", "a": "others", "x": "held"}
WATCH_REQUIRED = ("d", "ms", "p", "i", "e")
WATCH_WHEN_SET = ("a", "x")
# The energy watch: [minute, inverter day, charged, discharged, inverter total], each counter
# null, a number (read at that minute) or [number, minutes before it] (held).
ENERGY_COUNTERS = ("inverter_day", "charged_day", "discharged_day", "inverter_total")


def encode(values: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object for a State's fields: unset ones left out (an empty device list is
    kept: it is a cached answer too)."""
    data: dict[str, Any] = {}
    for f in FIELDS:
        value = values[f.name]
        if value is not None and value != {}:
            data[f.stored_key] = WRITE.get(f.stored, _same)(value)
    data["v"] = STATE_VERSION
    return data


def decode(data: Any) -> dict[str, Any]:
    """A State's fields from stored JSON; StateError for anything this code did not write."""
    if not isinstance(data, dict) or data.get("v") not in READABLE_VERSIONS:
        raise StateError("stored state has an unknown format")
    stored = {k: v for k, v in data.items() if k != "v"}
    values = _from_v1(stored) if data["v"] == 1 else {}
    for f in FIELDS:
        if f.stored_key in stored:
            values[f.name] = READ[f.stored](stored.pop(f.stored_key))
    if stored:
        raise StateError("stored state has unknown fields")
    return values


def _from_v1(stored: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept named devices and only the least server lead ever seen: those fields
    read (and taken out of `stored`), the rest as version 2 keeps them."""
    values: dict[str, Any] = {}
    if "dv" in stored:  # grouped devices came with version 2
        raise StateError("stored state has unknown fields")
    if "server_lead" in stored:
        lead = stored.pop("server_lead")
        stored["server_leads"] = None if lead is None else [lead]
    if "devices" in stored:
        devices = stored.pop("devices")
        ok = devices is None or (isinstance(devices, list) and all(map(_v1_device, devices)))
        _require(ok, "device list")
        values["devices"] = devices and [
            Device(d["id"], "", d["t"], d["p"], d.get("c")) for d in devices
        ]
    return values


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


def _text(value: Any) -> Any:
    return _plain(value, isinstance(value, str))


def _number(value: Any) -> Any:
    return _plain(value, is_number(value))


def _numbers(value: Any) -> Any:
    return _plain(value, isinstance(value, list) and all(map(is_number, value)))


def _times_by_type(value: Any) -> dict[str, float]:
    if not (isinstance(value, dict) and all(map(is_number, value.values()))):
        raise _wrong_type()  # never null: unset, it is left out
    return value


def _memories(value: Any) -> Any:
    return _plain(value, isinstance(value, dict) and all(map(_is_dict, value.values())))


def _plain(value: Any, ok: bool) -> Any:
    """A plain stored value: None (unset) or of its type; refused at load, not at use."""
    if value is None or ok:
        return value
    raise _wrong_type()


def _wrong_type() -> StateError:
    return StateError("stored state has fields of the wrong type or non-finite numbers")


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _same(value: Any) -> Any:
    return value


def _plant_facts(value: Any) -> list[PlantFacts] | None:
    if value is None:
        return None
    _require(isinstance(value, list), "plant facts")
    return [_facts(f) for f in value]


def _watch_or_none(value: Any) -> MeterWatch | None:
    return None if value is None else _watch(value)


# Each stored type's reader (StateError for a value of another type) and, when not the value
# itself, its writer.
READ: dict[str, Callable[[Any], Any]] = {
    kinds.TEXT: _text,
    kinds.NUMBER: _number,
    kinds.NUMBERS: _numbers,
    kinds.TIMES_BY_TYPE: _times_by_type,
    kinds.MEMORIES: _memories,
    kinds.DEVICES: unpack,
    kinds.PLANT_FACTS: _plant_facts,
    kinds.METER_WATCH: _watch_or_none,
    kinds.ENERGY_WATCH: _energy,
}
WRITE: dict[str, Callable[[Any], Any]] = {
    kinds.DEVICES: pack,
    kinds.PLANT_FACTS: lambda facts: [_facts_json(f) for f in facts],
    kinds.METER_WATCH: _watch_json,
    kinds.ENERGY_WATCH: _energy_json,
}
