"""docs/architecture.md's code map names every module of the library, and nothing that is gone.

One code map, kept true by this test: a module added without a word about its job fails here.
"""

import re

from tests.support import ROOT

PACKAGE = ROOT / "layers/fusioncharge/fusioncharge"


def code_map() -> dict[str, str]:
    """The map's rows: the first cell's name (`poll.py`, `fusionsolar/`) -> the whole row."""
    text = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    section = text.split("## The code map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w/.]+)` \|(.*)$", section, re.M)
    return {name: row for name, row in rows}


def test_every_module_of_the_library_is_on_the_code_map():
    rows = code_map()
    named = " ".join(rows.values()) + " " + " ".join(f"`{name}`" for name in rows)
    missing = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "__init__.py" and f"`{path.name}`" not in named
    ]
    packages = [p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    missing += [p for p in packages if p not in rows]
    assert missing == [], "add these to docs/architecture.md, The code map"


def test_each_package_row_names_its_own_modules():
    rows = code_map()
    for package in (p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        row = rows[package.name + "/"]
        for module in package.glob("*.py"):
            if module.name != "__init__.py":
                assert f"`{module.name}`" in row, f"{package.name}/{module.name}"


def test_the_map_names_no_module_that_is_gone():
    modules = {p.name for p in PACKAGE.rglob("*.py")} | {"app.py"}
    named = {m for row in code_map().values() for m in re.findall(r"`([\w]+\.py)`", row)}
    assert named <= modules
