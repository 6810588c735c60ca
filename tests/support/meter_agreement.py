"""Where the emulator's facts about meters and device types and the library's differ.

The emulator (emulator/fusionsolar/devicetypes.py) and the library
(fusioncharge/accounting/meters.py, fusioncharge/models.py) each state the facts on their own;
this names every difference.
"""

from collections.abc import Iterable, Mapping

from emulator.fusionsolar.devicetypes import ServedMeter
from fusioncharge.accounting.meters import AUTO, MeterType

SAME_FIELDS = ("plus_is_import", "import_counter", "export_counter", "online_key")


def meter_disagreements(served: Iterable[ServedMeter], read: Iterable[MeterType]) -> list[str]:
    """Every fact on which the served meters and the library's meter table disagree."""
    by_type = {m.type_id: m for m in served}
    table = {m.type_id: m for m in read}
    found = [f"type {t}: served, not in the library's table" for t in by_type.keys() - table]
    found += [f"type {t}: in the library's table, not served" for t in table.keys() - by_type]
    for type_id in sorted(by_type.keys() & table.keys()):
        emu, lib = by_type[type_id], table[type_id]
        for name in SAME_FIELDS:
            if getattr(emu, name) != getattr(lib, name):
                mine, theirs = getattr(emu, name), getattr(lib, name)
                found.append(f"type {type_id} {name}: emulator {mine!r}, library {theirs!r}")
        # AUTO: the library decides W or kW per reading, so either served unit agrees.
        if lib.unit != emu.unit and not (lib.unit == AUTO and emu.unit in ("W", "kW")):
            found.append(f"type {type_id} unit: emulator {emu.unit!r}, library {lib.unit!r}")
    return found


def type_disagreements(emulator: Mapping[str, object], library: Mapping[str, object]) -> list[str]:
    """Every type id (or set of them) named on both sides with different values."""
    return [
        f"{name}: emulator {emulator[name]!r}, library {library[name]!r}"
        for name in sorted(emulator.keys() & library.keys())
        if emulator[name] != library[name]
    ]


def type_names(module: object) -> dict[str, object]:
    """The module's device type ids and type sets, by name."""
    names = ("STRING_INVERTER", "GRID_METER", "RESIDENTIAL_INVERTER", "BATTERY", "POWER_SENSOR")
    names += ("EMMA", "INVERTER_TYPES")
    return {n: getattr(module, n) for n in names}
