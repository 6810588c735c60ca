"""The emulator states its own meter facts; they must agree with the library's meter table.

Each side changed alone (a sign flipped, a counter renamed, a unit or type id changed) must
make the check fail: the emulator is an oracle only while it cannot follow the library.
"""

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from emulator.fusionsolar import devicetypes
from emulator.fusionsolar.daycurve import plant_state
from emulator.fusionsolar.devicedata import data_item_map
from fusioncharge import models
from fusioncharge.accounting.meters import METER_TYPES
from tests.support.meter_agreement import (
    meter_disagreements,
    type_disagreements,
    type_names,
)


def test_the_emulators_meters_and_the_librarys_agree():
    assert meter_disagreements(devicetypes.SERVED_METERS, METER_TYPES) == []


def test_the_emulators_type_ids_and_the_librarys_agree():
    assert type_disagreements(type_names(devicetypes), type_names(models)) == []
    assert models.REAL_TIME_TYPES <= devicetypes.KPI_TYPES


def _flipped(row, field):
    value = getattr(row, field)
    if isinstance(value, bool):
        return replace(row, **{field: not value})
    if field == "unit":
        return replace(row, unit="W" if value == "kW" else "kW")
    if field == "type_id":
        return replace(row, type_id=value + 1)
    return replace(row, **{field: "meter_status" if value is None else f"{value}_x"})


FIELDS = ("type_id", "unit", "plus_is_import", "import_counter", "export_counter", "online_key")


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("index", range(len(METER_TYPES)))
@pytest.mark.parametrize("side", ["emulator", "library"])
def test_one_entry_flipped_in_a_copy_of_either_table_fails_the_check(side, index, field):
    emulator, library = list(devicetypes.SERVED_METERS), list(METER_TYPES)
    table = emulator if side == "emulator" else library
    row = table[index]
    if side == "emulator" and field == "unit" and library[index].unit == "auto":
        pytest.skip("the library decides this meter's unit per reading: W and kW both agree")
    table[index] = _flipped(row, field)
    assert meter_disagreements(emulator, library) != []


@pytest.mark.parametrize("name", sorted(type_names(models)))
@pytest.mark.parametrize("side", ["emulator", "library"])
def test_one_type_id_changed_on_either_side_fails_the_check(side, name):
    emulator, library = type_names(devicetypes), type_names(models)
    table = emulator if side == "emulator" else library
    value = table[name]
    table[name] = value | {999} if isinstance(value, frozenset) else value + 1
    assert type_disagreements(emulator, library) != []


@pytest.mark.parametrize("meter", devicetypes.SERVED_METERS, ids=lambda m: str(m.type_id))
def test_the_emulator_serves_each_meter_as_its_own_table_says(meter):
    sunny = plant_state(1_699_920_000 + 13 * 3600)  # exporting at noon
    items = data_item_map(meter.type_id, sunny)
    assert items[meter.export_counter] == round(sunny.export_total_kwh, 2)
    assert items[meter.import_counter] == round(sunny.import_total_kwh, 2)
    kw = items["active_power"] / (1 if meter.unit == "kW" else 1000)
    export_kw = -kw if meter.plus_is_import else kw
    assert sunny.grid_export_kw > 0 and export_kw == pytest.approx(sunny.grid_export_kw, abs=1e-3)
    if meter.online_key:
        assert items[meter.online_key] == 1


def test_the_emulator_imports_nothing_from_the_library():
    """Its facts, clock and contract are its own: a change in the library cannot move it."""
    root = Path(devicetypes.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "fusioncharge"]
    assert found == []
