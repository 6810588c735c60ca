"""The size rule as a signal: a module over 350 lines is named here with its reason, or split
by concern. The library, the handler and the test bed they stand on are held to it.

Length alone is a weak sign (a module split only to stay short cuts one concern in two); long or
tangled functions are the stronger one, and ruff gates those (C901, PLR0912, PLR0915 in
pyproject.toml). The tests are not held to either: a test file is a list of cases.
"""

from pathlib import Path

from tests.support import ROOT

SOFT_LIMIT = 350
FOLDERS = ("layers/fusioncharge/fusioncharge", "functions", "tools", "emulator", "bench")
# A module allowed past the limit, with why it is one concern however long (none today).
ALLOWED: dict[str, str] = {}


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_soft_limit_without_a_reason():
    too_long = {
        name: lines
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := _line_count(path)) > SOFT_LIMIT
        and (name := str(path.relative_to(ROOT))) not in ALLOWED
    }
    assert not too_long, (
        f"modules over {SOFT_LIMIT} lines: split by concern, or add to ALLOWED with the reason: "
        + ", ".join(f"{name} ({lines})" for name, lines in too_long.items())
    )


def test_every_allowed_module_exists_has_a_reason_and_needs_it():
    for name, reason in ALLOWED.items():
        assert reason.strip(), f"{name}: say why it is one concern"
        assert (ROOT / name).is_file(), f"{name} is gone: remove it from ALLOWED"
        assert _line_count(ROOT / name) > SOFT_LIMIT, f"{name} fits now: remove it from ALLOWED"


def test_the_folders_exist_and_hold_modules():
    # A renamed folder would otherwise pass the checks above with nothing in it.
    for folder in FOLDERS:
        assert any((ROOT / folder).rglob("*.py")), f"{folder}/ holds no Python module"
