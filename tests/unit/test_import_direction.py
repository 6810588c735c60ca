"""The library's imports run one way: each package imports only itself and the layers below it
(fusioncharge/__init__.py's map), and no module imports one that imports it back.

Read from the source (ast), so imports inside functions and under TYPE_CHECKING count too: a
type-only import is still a module knowing of one above it.
"""

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from tests.support import ROOT

LIBRARY = ROOT / "layers" / "fusioncharge"
# Top to bottom; one row may hold several packages that never import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("run",),
    ("settings",),
    ("fusionsolar", "sinks"),
    ("accounting",),
    ("state",),
    ("plant",),
    ("aws",),
    ("clock", "errors", "masking", "models", "web"),  # the core: they may import each other
)
CORE = LAYERS[-1]


@cache
def module_imports(library: Path, package: str = "fusioncharge") -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports (a name imported from a
    package is that submodule when one exists, else the package itself)."""
    found: dict[str, set[str]] = {}
    for path in sorted((library / package).rglob("*.py")):
        parts = path.relative_to(library).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [_submodule(library, node.module, a.name) for a in node.names]
            else:
                continue
            found[name] |= {t for t in targets if t.split(".")[0] == package and t != name}
    return found


def _submodule(library: Path, module: str, name: str) -> str:
    folder = library.joinpath(*module.split("."))
    is_module = (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()
    return f"{module}.{name}" if is_module else module


def layer_of(module: str) -> str:
    """fusioncharge.sinks.http -> sinks; fusioncharge.clock -> clock."""
    return module.split(".")[1] if "." in module else ""


def upward(imports: Mapping[str, set[str]], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """Every import of a package above the importer's, or beside it in the same row."""
    rank = {package: row for row, packages in enumerate(layers) for package in packages}
    core = set(layers[-1])
    wrong = []
    for importer, targets in sorted(imports.items()):
        mine = layer_of(importer)
        for target in sorted(targets):
            theirs = layer_of(target)
            if mine == theirs or (mine in core and theirs in core) or mine not in rank:
                continue
            if theirs not in rank or rank[theirs] <= rank[mine]:
                wrong.append(f"{importer} -> {target}")
    return wrong


def cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles among modules, each as the path that closes it."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append([*path[path.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(imports.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(imports):
        visit(module, [])
    return found


def test_every_package_of_the_library_has_its_place_in_the_layers() -> None:
    imports = module_imports(LIBRARY)
    placed = {package for row in LAYERS for package in row}
    unplaced = {layer_of(m) for m in imports if m != "fusioncharge"} - placed
    assert not unplaced, f"add {sorted(unplaced)} to LAYERS and fusioncharge/__init__.py's map"


def test_packages_import_only_the_layers_below_them() -> None:
    wrong = upward(module_imports(LIBRARY), LAYERS)
    assert not wrong, "imports against the layers (fusioncharge/__init__.py):\n" + "\n".join(wrong)


def test_no_module_imports_one_that_imports_it_back() -> None:
    found = cycles(module_imports(LIBRARY))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_package_docstring_names_the_layers_in_this_order() -> None:
    doc = (LIBRARY / "fusioncharge" / "__init__.py").read_text(encoding="utf-8")
    where = [doc.find(f"{package}/") for row in LAYERS[:-1] for package in row]
    assert -1 not in where and where == sorted(where), "the map names the layers top to bottom"


# The checks themselves can fail: a small package that breaks each rule.


def _package(tmp_path: Path, modules: Mapping[str, str]) -> Path:
    for name, text in modules.items():
        path = tmp_path / "fusioncharge" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_an_upward_import_is_found_even_inside_a_function(tmp_path: Path) -> None:
    library = _package(
        tmp_path,
        {
            "__init__.py": "",
            "aws/__init__.py": "",
            "aws/secret.py": "def f():\n    from fusioncharge.sinks import registry\n",
            "sinks/__init__.py": "",
            "sinks/registry.py": "from fusioncharge.aws import secret\nimport fusioncharge.clock\n",
            "clock.py": "from fusioncharge import errors\n",
            "errors.py": "",
        },
    )
    imports = module_imports(library)
    assert imports["fusioncharge.aws.secret"] == {"fusioncharge.sinks.registry"}
    assert upward(imports, LAYERS) == ["fusioncharge.aws.secret -> fusioncharge.sinks.registry"]
    assert cycles(imports) == [
        ["fusioncharge.aws.secret", "fusioncharge.sinks.registry", "fusioncharge.aws.secret"]
    ]


def test_packages_in_one_row_may_not_import_each_other(tmp_path: Path) -> None:
    library = _package(
        tmp_path,
        {
            "sinks/__init__.py": "from fusioncharge.fusionsolar.client import Client\n",
            "fusionsolar/__init__.py": "",
            "fusionsolar/client.py": "from fusioncharge.fusionsolar import parse\n",
            "fusionsolar/parse.py": "",
        },
    )
    imports = module_imports(library)
    assert upward(imports, LAYERS) == ["fusioncharge.sinks -> fusioncharge.fusionsolar.client"]
    assert cycles(imports) == []
