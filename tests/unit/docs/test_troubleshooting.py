"""The docs keep up with the code: docs/troubleshooting.md's table covers every error code a
user can see in the logs, and docs/reference.md's setups table states every meter type."""

import inspect

from fusioncharge import errors
from tests.support import ROOT

TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
REFERENCE = ROOT / "docs" / "reference.md"


def test_every_error_code_has_a_troubleshooting_row():
    table = TROUBLESHOOTING.read_text(encoding="utf-8")
    codes = {
        cls.code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.BridgeError) and cls.__module__ == errors.__name__
    }
    # Bases no run raises as such.
    codes -= {"error", "readings_unavailable", "fusionsolar", "chargehq", "sink"}
    missing = sorted(c for c in codes if f"`{c}`" not in table)
    assert not missing, f"docs/troubleshooting.md lacks {missing}"


def test_the_setups_table_states_each_meter_types_unit_and_sign():
    from fusioncharge.accounting.meters import METER_TYPES

    reference = REFERENCE.read_text(encoding="utf-8")
    section = reference.split("## Which Huawei setups work", 1)[1].split("\n## ", 1)[0]
    for meter in METER_TYPES:
        [row] = [line for line in section.splitlines() if f"({meter.type_id})" in line]
        unit = "W since" if meter.unit == "auto" else f"| {meter.unit}, "
        assert unit in row and meter.sign in row and meter.setting in row, meter.name
        assert f"`active_cap` = {'import' if meter.plus_is_import else 'export'}" in row or (
            meter.unit == "auto"
        )
