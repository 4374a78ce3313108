"""One parsed file with the lookups every analysis needs: parents, positions, scopes, imports.

Parents, positions (libcst) and scopes (`dqn_lint.model.scopes`) are computed once per file, the
last two only when asked for; this module answers the small questions built on them ("which
statement holds this node", "what does this name import", "which function is this call calling")
so the analyses above never walk the tree themselves.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property

import libcst as cst

from dqn_lint.diagnostics import Position, Span
from dqn_lint.model.node_types import is_node_type
from dqn_lint.model.scopes import Binding, NameResolution, Scope, resolve_names
from dqn_lint.model.torch_api import MODULE_IMPORTING_FUNCTIONS

class SourceIndex:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._parents = _parent_map(module)
        self._qualified_names: dict[cst.CSTNode, frozenset[str]] = {}

    @cached_property
    def _names(self) -> NameResolution:
        """Scopes and name resolution; a file with no TD-target shape never needs them."""
        return resolve_names(self.module)

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
            if type(ancestor) in _BRANCHES:  # hot: exact types, see node_types
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
        import libcst.metadata as meta  # a file that reports nothing never pays for the import

        return meta.MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(meta.PositionProvider)

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
    def scope(self, node: cst.CSTNode) -> Scope | None:
        """The scope a name is written in; the module's scope for the module."""
        return self._names.scope(node)

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        """The bindings a name use may refer to (see `dqn_lint.model.scopes` for the rules).

        The target of `x |= y` reads x too, but is recorded as a binding only: its scope's
        bindings of that name stand in.
        """
        names = self._names
        if names.is_read(name):
            return names.referents(name)
        parent = self._parents.get(name)
        if isinstance(parent, cst.AugAssign) and parent.target is name:
            scope = names.scope(name)
            if scope is not None:
                return tuple(binding for binding in scope.assignments[name.value] if binding.node is not name)
        return ()

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        """What a dotted name refers to through imports: `th.no_grad` -> {"torch.no_grad"}.

        Only plain dotted names have one: `torch.tensor(x).unsqueeze` is a method of a value. A name
        bound by an import function (`torch = pytest.importorskip("torch")`) is that module too.
        """
        known = self._qualified_names.get(node)
        if known is None:
            if _is_dotted_name(node):
                known = self._imported_names(node) or self._dynamically_imported_names(node)
            else:
                known = frozenset()
            self._qualified_names[node] = known  # asked again and again of the same callees
        return known

    def _imported_names(self, node: cst.CSTNode) -> frozenset[str]:
        """Names reached through import statements, and builtins."""
        return frozenset(self._names.qualified_names(node))

    def _dynamically_imported_names(self, node: cst.CSTNode) -> frozenset[str]:
        """`mod.attr` where every binding of `mod` is `mod = importlib.import_module("pkg")` (or
        `pytest.importorskip`, `__import__`): {"pkg.attr"}, as if `import pkg as mod`."""
        base, attributes = node, []
        while isinstance(base, cst.Attribute):
            attributes.append(base.attr.value)
            base = base.value
        if not isinstance(base, cst.Name):
            return frozenset()
        referents = self.referents(base)
        modules = {self._module_bound_by(referent) for referent in referents}
        if not modules or None in modules:
            return frozenset()
        suffix = "".join(f".{attribute}" for attribute in reversed(attributes))
        return frozenset(f"{module}{suffix}" for module in modules)

    def _module_bound_by(self, assignment: Binding) -> str | None:
        """The module a `name = import_function("module")` statement binds to its one target."""
        target = getattr(assignment, "node", None)
        holder = self._parents.get(target) if isinstance(target, cst.Name) else None
        statement = self._parents.get(holder) if isinstance(holder, cst.AssignTarget) else None
        if not isinstance(statement, cst.Assign) or len(statement.targets) != 1 or not isinstance(statement.value, cst.Call):
            return None
        call = statement.value
        importers = self._imported_names(call.func) & MODULE_IMPORTING_FUNCTIONS.keys()
        if len(importers) != 1:
            return None
        importer = next(iter(importers))
        positional = positional_args(call)
        argument = positional[0] if positional else keyword_arg(call, MODULE_IMPORTING_FUNCTIONS[importer])
        module = string_value(argument.value) if argument is not None else None
        if not module or module.startswith("."):
            return None
        if importer == "builtins.__import__":  # `__import__("a.b")` is `a`; with a fromlist, who knows
            return module.partition(".")[0] if len(call.args) == 1 else None
        return module

    def names_any(self, node: cst.CSTNode, candidates: frozenset[str]) -> bool:
        return not self.qualified_names(node).isdisjoint(candidates)

    # --- definitions in the file -------------------------------------------------------------------
    @cached_property
    def classes(self) -> list[cst.ClassDef]:
        return list(self.nodes_of_type(cst.ClassDef))

    @cached_property
    def calls_by_callee_name(self) -> dict[str, list[cst.Call]]:
        """Calls indexed by the last name of their callee (`self.learn(...)` -> "learn")."""
        table: dict[str, list[cst.Call]] = defaultdict(list)
        for node in self.nodes_of_type(cst.Call):
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
    """Every node's parent, from the nodes' dataclass fields: the map libcst's `children` gives
    (less the syntax tokens, see `_SYNTAX_TOKENS`), in a fraction of the time: `children` runs a
    visitor per node, and `isinstance` against libcst's abstract node classes is slow, so node
    types are recognised per type (`node_types`)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    mapped = _MAPPED_TYPES
    while stack:
        node = stack.pop()
        for name in _field_names(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    item_kind = type(item)
                    if mapped.get(item_kind) or (item_kind not in mapped and _is_mapped(item_kind)):
                        parents[item] = node
                        stack.append(item)
            elif mapped.get(kind) or (kind not in mapped and _is_mapped(kind)):
                parents[value] = node
                stack.append(value)
    return parents


# Whitespace, newlines, comments and punctuation: over half of a tree's nodes, and no analysis asks
# about them (noqa comments are read with tokenize), so the parent map and `nodes_of_type` skip them.
_SYNTAX_TOKENS = frozenset(
    {
        cst.SimpleWhitespace,
        cst.ParenthesizedWhitespace,
        cst.TrailingWhitespace,
        cst.Newline,
        cst.EmptyLine,
        cst.Comment,
        cst.Comma,
        cst.Dot,
        cst.Colon,
        cst.Semicolon,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    }
)
_MAPPED_TYPES: dict[type, bool] = {}
_BRANCHES = frozenset({cst.If, cst.IfExp})


def _is_mapped(kind: type) -> bool:
    mapped = _MAPPED_TYPES[kind] = is_node_type(kind) and kind not in _SYNTAX_TOKENS
    return mapped


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))
    return names


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
        text = node.value
        if text[0] in "'\"" and "\\" not in text and text[:3] != text[0] * 3:
            return text[1:-1]  # no prefix, no escape, one line: libcst's literal_eval gives the same
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
