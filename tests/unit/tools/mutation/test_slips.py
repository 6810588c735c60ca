"""make mutate's slips (tools/mutation/slips.py): each kind is made where the docs say, only
there, and its mutant is the code with that one slip (it still parses and means the slip)."""

import ast
import re

from tools.mutation.points import Mutant, mutants
from tools.mutation.slips import regex_slips


def made(source: str, kind: str) -> list[Mutant]:
    return [m for m in mutants("m.py", source.encode()) if m.kind == kind]


def applied(source: str, mutant: Mutant) -> str:
    """The mutated module's source, normalised by the parser."""
    return ast.unparse(ast.parse(mutant.apply(source.encode())))


def pattern_in(source: bytes) -> object:
    """The literal first argument of the module's one call (re.compile's pattern)."""
    (call,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    return ast.literal_eval(call.args[0])


def test_a_call_inside_an_expression_is_replaced_by_its_argument() -> None:
    source = "import unicodedata\ndef f(s):\n    return round(abs(s), 2) + len(s)\n"
    dropped = made(source, "call dropped")
    assert [(m.original, m.mutated) for m in dropped] == [
        ("round(abs(s), 2)", "abs(s)"),
        ("abs(s)", "s"),
    ]
    assert (
        applied(source, dropped[1])
        == "import unicodedata\n\ndef f(s):\n    return round(s, 2) + len(s)"
    )


def test_a_module_functions_call_drops_to_its_first_argument_that_is_not_a_literal() -> None:
    source = "import unicodedata\nimport re\nx = unicodedata.normalize('NFC', text.strip())\n"
    dropped = {(m.original, m.mutated) for m in made(source, "call dropped")}
    assert dropped == {
        ("unicodedata.normalize('NFC', text.strip())", "text.strip()"),
        ("text.strip()", "text"),
    }


def test_no_call_dropped_where_it_is_a_statement_a_constructor_or_an_object_method() -> None:
    source = "def f(x, store):\n    g(x)\n    y = Reading(x)\n"
    source += "    return store.get(x), isinstance(x, int)\n"
    assert made(source, "call dropped") == []


def test_one_item_dropped_from_a_tuple_of_names_each_in_turn() -> None:
    source = "KINDS = (int, float, str)\n"
    dropped = [m.mutated for m in made(source, "item dropped")]
    assert dropped == ["(float, str)", "(int, str)", "(int, float)"]


def test_no_item_dropped_from_a_record_an_assignment_target_or_an_index() -> None:
    source = "a, b = (name, True)\nx: dict[str, int] = d[a, b]\n"
    assert made(source, "item dropped") == []


def test_adjacent_rows_of_a_table_swapped() -> None:
    source = "def f():\n    return [('a', 1), ('b', 2), ('c', 3)]\n"
    swapped = [applied(source, m) for m in made(source, "table row")]
    assert swapped == [
        "def f():\n    return [('b', 2), ('a', 1), ('c', 3)]",
        "def f():\n    return [('a', 1), ('c', 3), ('b', 2)]",
    ]


def test_a_named_constant_is_a_table_even_of_plain_names() -> None:
    assert len(made("ORDER = ('late', 'soon', 'now')\n", "table row")) == 2
    assert made("def f():\n    return x in ('late', 'soon')\n", "table row") == []


def test_a_cell_copied_from_the_same_column_of_the_next_row() -> None:
    source = "RULES = (('a', 1, 'kW'), ('b', 2, 'W'))\n"
    cells = [(m.original, m.mutated) for m in made(source, "table cell")]
    assert cells == [
        ("'a'", "'b'"),
        ("'b'", "'a'"),
        ("1", "2"),
        ("2", "1"),
        ("'kW'", "'W'"),
        ("'W'", "'kW'"),
    ]


def test_a_dicts_value_copied_from_its_neighbour_but_never_its_key() -> None:
    source = "UNITS = {'kW': 1000, 'W': 1, 'MW': 1000}\n"
    cells = [applied(source, m) for m in made(source, "table cell")]
    assert cells == [
        "UNITS = {'kW': 1, 'W': 1, 'MW': 1000}",
        "UNITS = {'kW': 1000, 'W': 1000, 'MW': 1000}",
        "UNITS = {'kW': 1000, 'W': 1, 'MW': 1}",
    ]


def test_regex_quantifiers_and_anchors_changed_one_at_a_time() -> None:
    assert list(regex_slips(r"^a+b*c?$")) == [
        r"a+b*c?$",
        r"^a*b*c?$",
        r"^a+b+c?$",
        r"^a+b*c$",
        r"^a+b*c?",
    ]
    assert list(regex_slips(r"(?<!\d)\d{12}\b")) == [
        r"\d{12}\b",
        r"\b\d{12}\b",
        r"(?<!\d)\d{13}\b",
        r"(?<!\d)\d{12}",
    ]


def test_escaped_characters_groups_and_classes_are_not_quantifiers() -> None:
    assert list(regex_slips(r"\+\$[+*?^$](?:x)(?P<n>y)")) == []


def test_a_regex_mutant_is_named_by_its_pattern_and_compiles() -> None:
    source = 'import re\nWORD = re.compile(r"\\w+@")\n'
    (mutant,) = made(source, "regex")
    assert mutant.key == "m.py::<module>::\\w+@ -> \\w*@ [regex]"
    assert re.compile(pattern_in(mutant.apply(source.encode()))) == re.compile(r"\w*@")


def test_bytes_patterns_stay_bytes() -> None:
    source = 'import re\nRUNS = re.compile(rb"\\x01+")\n'
    (mutant,) = made(source, "regex")
    assert pattern_in(mutant.apply(source.encode())) == rb"\x01*"


def test_the_operators_names_are_unchanged_by_the_slips() -> None:
    """equivalent.toml names the operators' mutants by their text and count: a slip of the same
    text must not shift their #2, #3."""
    source = "def f(x):\n    return (1, 2) if x else [(1, 2), (2, 3)]\n"
    keys = [m.key for m in mutants("m.py", source.encode()) if not m.kind]
    assert keys == [
        "m.py::f::1 -> 2",
        "m.py::f::2 -> 3",
        "m.py::f::1 -> 2 #2",
        "m.py::f::2 -> 3 #2",
        "m.py::f::2 -> 3 #3",
        "m.py::f::3 -> 4",
    ]


def test_make_status_modules_are_found_beside_the_package() -> None:
    from tools.mutation.__main__ import modules
    from tools.mutation.run import ROOT, original_of, source_of

    config = {"modules": {"tools/status/proof.py": ["t.py"], "accounting/": ["a.py"]}}
    found = modules(config, ["tools/"])
    assert found == {"tools/status/proof.py": ["t.py"]}
    assert original_of("tools/status/proof.py") == ROOT / "tools" / "status" / "proof.py"
    assert original_of("plant/sun.py") == ROOT / "layers/fusioncharge/fusioncharge/plant/sun.py"
    assert source_of(ROOT / "copy", "plant/sun.py") == ROOT / "copy/fusioncharge/plant/sun.py"


def test_no_slip_in_all_or_in_a_copy_to_a_list() -> None:
    source = '__all__ = ["a", "b"]\n\ndef f(xs):\n    a = list(xs)\n    b = tuple(xs)\n'
    source += "    return sorted(xs)\n"
    assert [m.mutated for m in mutants("m.py", source.encode())] == ["xs"]
