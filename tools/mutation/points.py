"""Where a module can be mutated, found in its syntax tree (never by line number).

A mutant is one small, realistic mistake: a boundary moved (< for <=), a test negated, an
operator swapped, a constant off, `and` for `or`, a `not` or a minus dropped, min for max, a
call's statement dropped; and the slips of slips.py (a call inside an expression dropped, a
tuple's item dropped, a table's rows swapped or a cell copied, a regex's quantifier or anchor
changed), whose names end in their kind, e.g. ` [table row]`. Each is named by the enclosing
function and the source text before and after, so the names survive edits elsewhere in the
module (tools/mutation/equivalent.toml lists survivors by that name).

Left alone: f-strings and logging calls (wording, not promises), type annotations and strings.
"""

import ast
from dataclasses import dataclass

from tools.mutation import slips

LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    module: str  # path inside the fusioncharge package, e.g. "fusionsolar/login_guard.py"
    scope: str  # the enclosing function or class, dotted; "<module>" at the top
    line: int
    original: str
    mutated: str
    start: int  # byte offsets of the replaced text in the module's UTF-8 source
    end: int
    wrap: bool = True  # an expression goes in parentheses; a statement does not
    occurrence: int = 1  # the same change in the same scope, counted in source order
    kind: str = ""  # a slip's kind (slips.py); the operators' mutants have none
    text: str = ""  # the replacement's source when its name is not (a regex: its pattern)

    @property
    def key(self) -> str:
        nth = f" #{self.occurrence}" if self.occurrence > 1 else ""
        kind = f" [{self.kind}]" if self.kind else ""
        return f"{self.module}::{self.scope}::{self.original} -> {self.mutated}{kind}{nth}"

    def apply(self, source: bytes) -> bytes:
        new = self.text or self.mutated
        text = f"({new})" if self.wrap else new
        return source[: self.start] + text.encode() + source[self.end :]


def mutants(module: str, source: bytes) -> list[Mutant]:
    """Every mutant of `source`, in source order."""
    finder = _Finder(module, source)
    finder.visit(ast.parse(source))
    seen: dict[str, int] = {}
    found = []
    for m in finder.found:
        n = seen[m.key] = seen.get(m.key, 0) + 1
        found.append(Mutant(**{**m.__dict__, "occurrence": n}))
    return found


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str, source: bytes) -> None:
        self.module, self.source = module, source
        self.lines = [0]
        for line in source.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.scope: list[str] = []
        self.found: list[Mutant] = []
        self.modules: set[str] = set()  # names bound by `import x`: x.f(y) may drop to y
        self.statements: set[int] = set()  # calls that are whole statements (dropped as such)
        self.named: set[int] = set()  # collections assigned to a name at module or class level

    def visit_Module(self, node: ast.Module) -> None:
        for imp in ast.walk(node):
            if isinstance(imp, ast.Import):
                self.modules.update((a.asname or a.name).split(".")[0] for a in imp.names)
        self.generic_visit(node)

    # --- where not to look
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        pass

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        for stmt in node.body:
            self.visit(stmt)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign):
                self.visit(stmt)
            elif stmt.value is not None:  # a dataclass field's default
                self.visit(stmt.value)
        self.scope.pop()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._name(node.value)
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return  # the import names: no promise, and the type checker reads them
        self._name(node.value)
        self.generic_visit(node)

    def _name(self, value: ast.expr) -> None:
        if not self.scope or self.scope[-1][:1].isupper():  # module or class level
            self.named.add(id(value))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)  # tuple[int, str] or d[a, b]: the index's items, not as a tuple
        index = node.slice
        for part in index.elts if isinstance(index, ast.Tuple) else [index]:
            self.visit(part)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
            return
        if isinstance(func, ast.Name) and func.id in ("min", "max"):
            swapped = ast.Call(
                ast.Name("max" if func.id == "min" else "min"), node.args, node.keywords
            )
            self._add(node, swapped)
        if id(node) not in self.statements:
            for old, new in slips.dropped_call(node, self.modules):
                self._add(old, new, "call dropped")
        for pattern, value in slips.regex_patterns(node):
            text, is_bytes = slips.as_bytes(value)
            for changed in slips.regex_slips(text):
                literal = changed.encode("latin-1") if is_bytes else changed
                self._add(pattern, ast.Constant(literal), "regex", (text, changed))
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple | ast.List) -> None:
        if isinstance(node.ctx, ast.Load):
            self._table(node)
            for old, new in slips.swapped_rows(node, id(node) in self.named):
                self._add(old, new, "table row")
        self.generic_visit(node)

    visit_List = visit_Tuple

    def visit_Set(self, node: ast.Set) -> None:
        self._table(node)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for old, new in slips.changed_cells(node):
            self._add(old, new, "table cell")
        self.generic_visit(node)

    def _table(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        for old, new in slips.dropped_items(node):
            self._add(old, new, "item dropped")
        if not isinstance(node, ast.Set):
            for old, new in slips.changed_cells(node):
                self._add(old, new, "table cell")

    # --- the mistakes
    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self.statements.add(id(node.value))
            call = node.value.func
            if not (isinstance(call, ast.Attribute) and call.attr in LOG_METHODS):
                self._add(node, None)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            if type(op) in SWAPS:
                ops = [*node.ops[:i], SWAPS[type(op)](), *node.ops[i + 1 :]]
                self._add(node, ast.Compare(node.left, ops, node.comparators))
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in SWAPS:
            self._add(node, ast.BinOp(node.left, SWAPS[type(node.op)](), node.right))
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if type(node.op) in SWAPS:
            self._add(node, ast.AugAssign(node.target, SWAPS[type(node.op)](), node.value))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self._add(node, ast.BoolOp(SWAPS[type(node.op)](), node.values))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not | ast.USub):
            self._add(node, node.operand)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, ast.Constant(not value))
        elif isinstance(value, int):
            self._add(node, ast.Constant(value + 1))
        elif isinstance(value, float):
            self._add(node, ast.Constant(value * 2 if value else 1.0))

    def _add(
        self, node: ast.AST, new: ast.AST | None, kind: str = "", name: tuple[str, str] = ("", "")
    ) -> None:
        start = self.lines[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = self.lines[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        original = " ".join(self.source[start:end].decode().split())
        mutated = "pass" if new is None else ast.unparse(new)
        text = (name[0] or original, name[1] or mutated)  # a regex is named by its pattern
        scope = ".".join(self.scope) or "<module>"
        wrap = isinstance(node, ast.expr)
        line: int = node.lineno  # type: ignore[attr-defined]
        found = Mutant(self.module, scope, line, *text, start, end, wrap, kind=kind, text=mutated)
        self.found.append(found)
