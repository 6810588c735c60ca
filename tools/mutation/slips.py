"""The slips an operator swap never makes: a call left out of an expression, an item left out
of a tuple, two rows of a table swapped, a cell of a table copied from its neighbour, and a
regular expression's quantifier or anchor changed.

Each function takes a node and returns (node to replace, its replacement) pairs; points.py
names and applies them like its own mutants. Kept narrow so that a module's mutants stay few
enough to run: a call is dropped only where its argument could stand for it, a table is a
collection of rows or a named constant, a regex only a literal handed to `re`.
"""

import ast
import re
from collections.abc import Iterator

Slip = tuple[ast.AST, ast.AST]

# Calls whose first argument could stand in for the result: dropping them is a slip; dropping
# isinstance() or range() is nonsense a test kills for free, so they are not made.
NOT_DROPPED = {"isinstance", "issubclass", "hasattr", "getattr", "setattr", "super", "type"}
NOT_DROPPED |= {"range", "enumerate", "zip", "len", "print", "open", "iter", "next", "id"}
NOT_DROPPED |= {"list", "tuple"}  # a copy or a conversion: any iterable mostly does as well
# Methods that transform their receiver into the same kind of value.
SAME_KIND = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "replace"}
SAME_KIND |= {"removeprefix", "removesuffix", "normalize"}
RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "sub", "subn", "findall"}
RE_FUNCTIONS |= {"finditer", "split"}


def dropped_call(node: ast.Call, modules: set[str]) -> Iterator[Slip]:
    """f(g(x)) -> f(x): the call replaced by its first argument that is not a literal (or, for
    a method that returns a changed copy of its receiver, by the receiver)."""
    func = node.func
    if isinstance(func, ast.Name):
        if func.id in NOT_DROPPED or func.id[:1].isupper():
            return
    elif isinstance(func, ast.Attribute):
        if func.attr in SAME_KIND and not _is_module(func.value, modules):
            yield node, func.value
            return
        if not _is_module(func.value, modules) or func.attr[:1].isupper():
            return
    else:
        return
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            return
        if not isinstance(arg, ast.Constant | ast.JoinedStr):
            yield node, arg
            return


def _is_module(node: ast.expr, modules: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in modules


def dropped_items(node: ast.Tuple | ast.List | ast.Set) -> Iterator[Slip]:
    """An item left out of a collection of names or literals, one mutant per item."""
    items = node.elts
    if len(items) < 2 or not all(_simple(e) for e in items):
        return
    if len({_kind(e) for e in items}) > 1:  # a record such as (name, True): not a collection
        return
    for i in range(len(items)):
        rest = [*items[:i], *items[i + 1 :]]
        yield node, type(node)(rest) if isinstance(node, ast.Set) else type(node)(rest, ast.Load())


def swapped_rows(node: ast.Tuple | ast.List, named: bool) -> Iterator[Slip]:
    """Two adjacent rows swapped, in a table (a tuple or list of rows, or a named constant)."""
    rows = node.elts
    if len(rows) < 2 or not (named or all(_row(r) for r in rows)):
        return
    for i in range(len(rows) - 1):
        if ast.dump(rows[i]) != ast.dump(rows[i + 1]):
            swapped = [*rows[:i], rows[i + 1], rows[i], *rows[i + 2 :]]
            yield node, type(node)(swapped, ast.Load())


def changed_cells(node: ast.Tuple | ast.List | ast.Dict) -> Iterator[Slip]:
    """A table's cell copied from the same column of its neighbouring row (the next one; the
    previous one for the last row): the copy-and-paste slip. A dict's values are one column."""
    if isinstance(node, ast.Dict):
        if len(node.values) < 2 or None in node.keys or not all(map(_simple, node.values)):
            return
        columns = [list(node.values)]
    else:
        rows = node.elts
        if len(rows) < 2 or not all(_row(r) for r in rows):
            return
        cells = [_cells(r) for r in rows]
        columns = [[c[j] for c in cells] for j in range(min(map(len, cells)))]
    for column in columns:
        for i, cell in enumerate(column):
            other = column[i + 1 if i + 1 < len(column) else i - 1]
            if _simple(cell) and _simple(other) and ast.dump(cell) != ast.dump(other):
                yield cell, other


def _kind(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return type(node.value).__name__
    return "name" if isinstance(node, ast.Name | ast.Attribute) else "other"


def _row(node: ast.expr) -> bool:
    return isinstance(node, ast.Tuple | ast.List) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and bool(node.args)
    )


def _cells(row: ast.expr) -> list[ast.expr]:
    return row.args if isinstance(row, ast.Call) else row.elts  # type: ignore[attr-defined]


def _simple(node: ast.expr | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _simple(node.operand)
    return isinstance(node, ast.Constant | ast.Name | ast.Attribute)


def regex_patterns(node: ast.Call) -> Iterator[tuple[ast.Constant, str | bytes]]:
    """The literal pattern of a call to re.compile, re.sub, re.finditer..., with its value."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    if func.value.id == "re" and func.attr in RE_FUNCTIONS and node.args:
        pattern = node.args[0]
        if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str | bytes):
            yield pattern, pattern.value


# A quantifier or an anchor, outside a character class and not escaped.
_TOKEN = re.compile(
    r"\\[AZb]|\\.|\[(?:\\.|[^\]\\])+\]|\(\?<?[=!](?:\\.|[^)\\])*\)|\{\d*(?:,\d*)?\}|[\^$*+?]|."
)


def regex_slips(pattern: str) -> Iterator[str]:
    """Each pattern with one quantifier changed (+ and * swapped, ? dropped, {m,n}'s m + 1)
    or one anchor dropped (^, $, \\A, \\Z, \\b, a lookaround; a lookaround also as \\b)."""
    tokens = _TOKEN.findall(pattern)
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        for changed in _token_slips(token, before):
            yield "".join([*tokens[:i], changed, *tokens[i + 1 :]])


def _token_slips(token: str, before: str) -> Iterator[str]:
    if token in ("^", "$", r"\A", r"\Z", r"\b"):
        yield ""
    elif re.match(r"\(\?<?[=!]", token):
        yield ""
        yield r"\b"
    elif token in ("+", "*") and before not in ("", "(", "|"):
        yield "*" if token == "+" else "+"
    elif token == "?" and before not in ("", "(", "|"):
        yield ""
    elif token.startswith("{") and (m := re.fullmatch(r"\{(\d*)(,?\d*)\}", token)):
        yield "{" + str(int(m[1] or 0) + 1) + m[2] + "}"


def as_bytes(pattern: str | bytes) -> tuple[str, bool]:
    """A pattern as text (bytes decoded as latin-1) and whether it was bytes."""
    if isinstance(pattern, bytes):
        return pattern.decode("latin-1"), True
    return pattern, False
