"""No module over 250 lines: the library, the handler and the test bed they stand on.

A module that long usually does more than one job (docs/contributing.md). The tests are not
held to it: a test file is a list of cases, and grows by one at a time.
"""

from pathlib import Path

from tests.support import ROOT

MAX_LINES = 250
FOLDERS = ("layers/fusioncharge/fusioncharge", "functions", "tools", "emulator", "bench")


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_module_is_at_most_250_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := _line_count(path)) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines (split by concern): " + ", ".join(
        f"{name} ({lines})" for name, lines in too_long.items()
    )


def test_the_folders_exist_and_hold_modules():
    # A renamed folder would otherwise pass the check above with nothing in it.
    for folder in FOLDERS:
        assert any((ROOT / folder).rglob("*.py")), f"{folder}/ holds no Python module"
