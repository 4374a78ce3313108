"""One parsed file with the lookups every analysis needs: parents, positions, scopes, imports.

libcst computes parents, positions and scopes once per file; this module answers the small
questions built on them ("which statement holds this node", "what does this name import",
"which function is this call calling") so the analyses above never walk the tree themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property

import libcst as cst
import libcst.metadata as meta

from dqn_lint.diagnostics import Position, Span

class SourceIndex:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._wrapper = meta.MetadataWrapper(module, unsafe_skip_copy=True)
        self._parents = _parent_map(module)

    @cached_property
    def _scopes(self):
        """Scopes cost the biggest pass; a file with no TD-target shape never needs them."""
        return self._wrapper.resolve(meta.ScopeProvider)

    @cached_property
    def _accesses(self) -> dict[cst.CSTNode, meta.Access]:
        accesses: dict[cst.CSTNode, meta.Access] = {}
        for scope in {scope for scope in self._scopes.values() if scope is not None}:
            for access in scope.accesses:
                accesses[access.node] = access
        return accesses

    # --- tree navigation -------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self._parents.get(node)
        while current is not None:
            yield current
            current = self._parents.get(current)

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The class whose method holds `node` (the class directly around the function)."""
        function = node if isinstance(node, cst.FunctionDef) else self.enclosing_function(node)
        if function is None:
            return None
        parent = self.parent(function)
        if isinstance(parent, cst.IndentedBlock):
            parent = self.parent(parent)
        return parent if isinstance(parent, cst.ClassDef) else None

    def statement(self, node: cst.CSTNode) -> cst.CSTNode:
        """The simple statement line holding `node`, or the compound statement whose header holds it."""
        for ancestor in (node, *self.ancestors(node)):
            if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return ancestor
        return node

    def in_exclusive_branches(self, a: cst.CSTNode, b: cst.CSTNode) -> bool:
        """Whether `a` and `b` sit in different branches of one if/else, so one cannot reach the other."""
        branch_of_a: dict[int, cst.CSTNode] = {}
        child = a
        for ancestor in self.ancestors(a):
            if isinstance(ancestor, (cst.If, cst.IfExp)):
                branch_of_a[id(ancestor)] = child
            child = ancestor
        child = b
        for ancestor in self.ancestors(b):
            if id(ancestor) in branch_of_a:
                other = branch_of_a[id(ancestor)]
                test = ancestor.test
                return other is not child and other is not test and child is not test
            child = ancestor
        return False

    def small_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        for ancestor in (node, *self.ancestors(node)):
            if isinstance(ancestor, cst.BaseSmallStatement):
                return ancestor
            if isinstance(ancestor, (cst.BaseCompoundStatement, cst.SimpleStatementLine)):
                return None
        return None

    # --- positions ---------------------------------------------------------------------------
    @cached_property
    def _positions(self):
        """Positions cost a full pass; only files that report something need them."""
        return self._wrapper.resolve(meta.PositionProvider)

    def span(self, node: cst.CSTNode) -> Span:
        code_range = self._positions[node]
        return Span(
            Position(code_range.start.line, code_range.start.column + 1),
            Position(code_range.end.line, code_range.end.column + 1),
        )

    def statement_rows(self, node: cst.CSTNode) -> tuple[int, int]:
        """Rows of the statement that holds `node`; a compound statement counts only its header."""
        holder = self.statement(node)
        if isinstance(holder, cst.BaseCompoundStatement):
            span = self.span(node)
            header_start = self.span(holder).start.row
            return (min(header_start, span.start.row), span.end.row)
        span = self.span(holder)
        return (span.start.row, span.end.row)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    @cached_property
    def text(self) -> str:
        """The file's text; libcst round-trips it exactly. Only fixes need it."""
        return self.module.code

    # --- scopes and names ----------------------------------------------------------------------
    def scope(self, node: cst.CSTNode) -> meta.Scope | None:
        return self._scopes.get(node)

    def referents(self, name: cst.Name) -> tuple[meta.BaseAssignment, ...]:
        """The assignments a name use may refer to (flow-insensitive, as libcst's scope analysis).

        The target of `x |= y` reads x too, but libcst records no access for it: its scope's
        assignments of that name stand in.
        """
        access = self._accesses.get(name)
        if access is not None:
            return tuple(access.referents)
        parent = self._parents.get(name)
        if isinstance(parent, cst.AugAssign) and parent.target is name:
            scope = self._scopes.get(name)
            if scope is not None:
                return tuple(a for a in scope.assignments[name.value] if getattr(a, "node", None) is not name)
        return ()

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        """What a dotted name refers to through imports: `th.no_grad` -> {"torch.no_grad"}.

        Only plain dotted names have one: `torch.tensor(x).unsqueeze` is a method of a value.
        """
        if not _is_dotted_name(node):
            return frozenset()
        scope = self._scopes.get(node)
        if scope is None:
            return frozenset()
        try:
            names = scope.get_qualified_names_for(node)
        except Exception:
            return frozenset()
        return frozenset(
            qualified.name
            for qualified in names
            if qualified.source in (meta.QualifiedNameSource.IMPORT, meta.QualifiedNameSource.BUILTIN)
        )

    def names_any(self, node: cst.CSTNode, candidates: frozenset[str]) -> bool:
        return not self.qualified_names(node).isdisjoint(candidates)

    # --- definitions in the file -------------------------------------------------------------------
    @cached_property
    def classes(self) -> list[cst.ClassDef]:
        return [node for node in self._all_nodes if isinstance(node, cst.ClassDef)]

    @cached_property
    def calls_by_callee_name(self) -> dict[str, list[cst.Call]]:
        """Calls indexed by the last name of their callee (`self.learn(...)` -> "learn")."""
        table: dict[str, list[cst.Call]] = defaultdict(list)
        for node in self._all_nodes:
            if isinstance(node, cst.Call):
                name = callee_name(node.func)
                if name:
                    table[name].append(node)
        return table

    @cached_property
    def _all_nodes(self) -> list[cst.CSTNode]:
        return [self.module, *self._parents.keys()]

    @cached_property
    def _nodes_by_type(self) -> dict[type, list[cst.CSTNode]]:
        table: dict[type, list[cst.CSTNode]] = defaultdict(list)
        for node in self._all_nodes:
            table[type(node)].append(node)
        return table

    def nodes_of_type(self, kind: type | tuple[type, ...]) -> Iterator[cst.CSTNode]:
        """Nodes of the given concrete libcst types, in no particular order."""
        kinds = kind if isinstance(kind, tuple) else (kind,)
        for concrete in kinds:
            yield from self._nodes_by_type.get(concrete, ())

    @cached_property
    def returns_by_function(self) -> dict[cst.FunctionDef, list[cst.Return]]:
        table: dict[cst.FunctionDef, list[cst.Return]] = defaultdict(list)
        for node in self._nodes_by_type.get(cst.Return, ()):
            for ancestor in self.ancestors(node):
                if isinstance(ancestor, cst.FunctionDef):
                    table[ancestor].append(node)
                    break
                if isinstance(ancestor, (cst.Lambda, cst.ClassDef)):
                    break
        return table

    def methods(self, cls: cst.ClassDef) -> dict[str, cst.FunctionDef]:
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        return {stmt.name.value: stmt for stmt in body if isinstance(stmt, cst.FunctionDef)}


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and everything below it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _parent_map(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in node.children:
            parents[child] = node
            stack.append(child)
    return parents


def _is_dotted_name(node: cst.CSTNode) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def int_value(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        try:
            return int(node.value, 0)
        except ValueError:
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = int_value(node.expression)
        return None if inner is None else -inner
    return None


def number_value(node: cst.BaseExpression) -> float | None:
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.evaluated_value)
        except (ValueError, TypeError):
            return None
    return None


def string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
