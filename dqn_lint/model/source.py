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
from dqn_lint.model.scopes import ASSIGNMENT, IMPORT, Binding, NameResolution, Scope, resolve_names
from dqn_lint.model.torch_api import MODULE_IMPORTING_FUNCTIONS

class SourceUnit:
    """One parsed file of the program: its tree, parents, name resolution and positions.

    `name` is its dotted module name in the project (`pkg.agent`), None when it cannot be
    imported by name (a script named alone); `is_package` for an `__init__.py`.
    """

    def __init__(
        self, module: cst.Module, filename: str = "", name: str | None = None, is_package: bool = False,
        import_names: tuple[str, ...] = (),
    ) -> None:
        self.module = module
        self.filename = filename
        self.name = name
        self.is_package = is_package
        self.import_names = import_names
        self.parents = _parent_map(module)

    @cached_property
    def names(self) -> NameResolution:
        """Scopes and name resolution; a file with no TD-target shape never needs them."""
        return resolve_names(self.module)

    @cached_property
    def positions(self):
        """Positions cost a full pass; only files that report something need them."""
        return self._generated[0]

    @cached_property
    def text(self) -> str:
        """The module's code: what the pass that finds positions generates (the text it was parsed from)."""
        return self._generated[1]

    @cached_property
    def _generated(self):
        from dqn_lint.model.positions import module_positions_and_code

        return module_positions_and_code(self.module)

    @cached_property
    def package(self) -> str:
        """The package its relative imports start from."""
        if self.name is None:
            return ""
        return self.name if self.is_package else self.name.rpartition(".")[0]


class SourceIndex:
    """The program: the primary file, plus the project modules it is analysed with.

    Every lookup about a node goes to the file that holds it; indexes over "all calls", "all
    classes"... span every file, so the analyses above follow values from one module into
    another exactly as within one. A name imported from a project module (`from replay_buffer
    import ReplayBuffer`, `import agent`, `from .model import QNet`) refers to that module's own
    top-level bindings. `module`, `text` and the fix helpers speak of the primary file.
    """

    def __init__(self, primary: cst.Module | SourceUnit, context: tuple[SourceUnit, ...] = ()) -> None:
        self.primary = primary if isinstance(primary, SourceUnit) else SourceUnit(primary)
        self.units: tuple[SourceUnit, ...] = (self.primary, *context)
        if context:
            self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
            for unit in self.units:
                self._parents.update(unit.parents)
        else:
            self._parents = self.primary.parents
        self._unit_by_module = {id(unit.module): unit for unit in self.units}
        self._unit_by_name = _units_by_import_name(self.units)
        self._units_of: dict[cst.CSTNode, SourceUnit] = {}
        self._linked: dict[int, tuple[Binding, ...]] = {}
        self._star_imports: dict[int, list[str]] = {}
        self._qualified_names: dict[cst.CSTNode, frozenset[str]] = {}

    @property
    def module(self) -> cst.Module:
        """The primary file's tree."""
        return self.primary.module

    def use_primary(self, unit: SourceUnit) -> None:
        """Speak of another file of the program as the primary one (its findings' fixes edit it)."""
        self.primary = unit

    def unit_of(self, node: cst.CSTNode) -> SourceUnit:
        """The file that holds `node`."""
        if len(self.units) == 1:
            return self.primary
        unit = self._units_of.get(node)
        if unit is None:
            top = node
            for top in (node, *self.ancestors(node)):
                pass
            unit = self._unit_by_module.get(id(top), self.primary)
            self._units_of[node] = unit
        return unit

    def filename(self, node: cst.CSTNode) -> str:
        return self.unit_of(node).filename

    @property
    def _names(self) -> NameResolution:
        return self.primary.names

    # --- tree navigation -------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self._parents.get(node)
        while current is not None:
            yield current
            current = self._parents.get(current)

    def in_loop(self, node: cst.CSTNode, within: cst.CSTNode | None, outside: cst.CSTNode | None = None) -> bool:
        """Whether `node` sits in a `for` or `while` of `within` (a function; None: module level),
        leaving out loops that also hold `outside`."""
        for ancestor in self.ancestors(node):
            if ancestor is within:
                return False
            if isinstance(ancestor, (cst.For, cst.While)):
                if outside is None or not any(a is ancestor for a in self.ancestors(outside)):
                    return True
        return False

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
    def span(self, node: cst.CSTNode) -> Span:
        start_line, start_column, end_line, end_column = self.unit_of(node).positions[node]
        return Span(Position(start_line, start_column + 1), Position(end_line, end_column + 1))

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
        return self.unit_of(node).module.code_for_node(node)

    @property
    def text(self) -> str:
        """The primary file's text; libcst round-trips it exactly. Only fixes need it."""
        return self.primary.text

    # --- scopes and names ----------------------------------------------------------------------
    def scope(self, node: cst.CSTNode) -> Scope | None:
        """The scope a name is written in; the module's scope for the module."""
        return self.unit_of(node).names.scope(node)

    def referents(self, name: cst.Name) -> tuple[Binding, ...]:
        """The bindings a name use may refer to (see `dqn_lint.model.scopes` for the rules).

        The target of `x |= y` reads x too, but is recorded as a binding only: its scope's
        bindings of that name stand in. A name imported from a project module refers to that
        module's bindings (see `_link`).
        """
        unit = self.unit_of(name)
        names = unit.names
        if names.is_read(name):
            found = names.referents(name)
            if len(self.units) > 1 and any(binding.kind == IMPORT for binding in found):
                return self._link_all(found, name.value)
            if not found and len(self.units) > 1:
                return self._star_imported(unit, name.value)
            return found
        parent = self._parents.get(name)
        if isinstance(parent, cst.AugAssign) and parent.target is name:
            scope = names.scope(name)
            if scope is not None:
                return tuple(binding for binding in scope.assignments[name.value] if binding.node is not name)
        return ()

    def _star_imported(self, unit: SourceUnit, name: str, depth: int = 0) -> tuple[Binding, ...]:
        """A name no scope binds, from `from module import *` of a project module (the last such
        import that has it, as Python does; through that module's own star imports too)."""
        for module in reversed(self._star_modules(unit)):
            found = self._project_bindings(f"{module}.{name}")
            if found:
                return tuple(dict.fromkeys(found))
            target = self._unit_by_name.get(module)
            if target is not None and depth < 3:
                found = self._star_imported(target, name, depth + 1)
                if found:
                    return found
        return ()

    def _star_modules(self, unit: SourceUnit) -> list[str]:
        known = self._star_imports.get(id(unit))
        if known is None:
            known = self._star_imports[id(unit)] = [
                self._absolute(("." * len(statement.relative)) + (self.code(statement.module).strip() if statement.module else ""), unit)
                for line in unit.module.body
                if isinstance(line, cst.SimpleStatementLine)
                for statement in line.body
                if isinstance(statement, cst.ImportFrom) and isinstance(statement.names, cst.ImportStar)
            ]
        return known

    def loop_carried(self, name: cst.Name, referents: tuple[Binding, ...]) -> tuple[Binding, ...]:
        """Bindings of a used name made later in a loop that also holds the use: they reach it
        through the loop's back edge (`autoreset = ...` at the end of the body, read at its start
        in the next pass). Whether an earlier assignment kills them is `Dataflow`'s business."""
        loops = []
        for ancestor in self.ancestors(name):
            if isinstance(ancestor, (cst.For, cst.While)):
                loops.append(ancestor)
            elif isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
        if not loops or not referents or referents[0].kind != ASSIGNMENT:
            return ()
        seen, loop_ids = set(referents), {id(loop) for loop in loops}
        return tuple(
            binding
            for binding in referents[0].scope.assignments.get(name.value, ())
            if binding not in seen
            and binding.kind == ASSIGNMENT
            and binding.node is not None
            and any(id(ancestor) in loop_ids for ancestor in self.ancestors(binding.node))
        )

    def _link_all(self, bindings: tuple[Binding, ...], full_name: str) -> tuple[Binding, ...]:
        out: list[Binding] = []
        for binding in bindings:
            linked = self._link(binding, full_name) if binding.kind == IMPORT else ()
            out.extend(linked or (binding,))
        return tuple(dict.fromkeys(out))

    def _link(self, binding: Binding, full_name: str, depth: int = 0) -> tuple[Binding, ...]:
        """What an import binding names in the project: the top-level bindings of that name in
        the module it comes from (followed through re-exports), or that module itself (a binding
        whose node is the module). () when it comes from outside the project."""
        key = id(binding) if full_name == binding.name else hash((id(binding), full_name))
        known = self._linked.get(key)
        if known is not None:
            return known
        self._linked[key] = ()  # a cycle of re-exports links nothing
        unit = self.unit_of(binding.node)
        found: list[Binding] = []
        for qualified in binding.qualified_names(full_name):
            found.extend(self._project_bindings(self._absolute(qualified, unit), depth))
        linked = self._linked[key] = tuple(dict.fromkeys(found))
        return linked

    def _absolute(self, qualified: str, unit: SourceUnit) -> str:
        """`.agent.Agent` imported in package `pkg` -> `pkg.agent.Agent`."""
        if not qualified.startswith("."):
            return qualified
        dots = len(qualified) - len(qualified.lstrip("."))
        base = unit.package.split(".") if unit.package else []
        if dots - 1 > len(base):
            return qualified  # above the project: left unresolved
        base = base[: len(base) - (dots - 1)]
        rest = qualified[dots:]
        return ".".join([*base, rest] if rest else base)

    def _project_bindings(self, qualified: str, depth: int = 0) -> list[Binding]:
        """The project bindings a qualified name denotes: a module's top-level name or the module."""
        if depth > 5 or not self._unit_by_name:
            return []
        target = self._unit_by_name.get(qualified)
        if target is not None:
            return [Binding(qualified.rpartition(".")[2], target.module, target.names.module_scope, "module", -1)]
        module, _, member = qualified.rpartition(".")
        target = self._unit_by_name.get(module)
        if target is None or not member:
            return []
        found: list[Binding] = []
        for binding in target.names.module_scope.assignments[member]:
            if binding.kind == IMPORT:
                found.extend(self._link(binding, member, depth + 1) or (binding,))
            else:
                found.append(binding)
        return found

    def member_bindings(self, node: cst.Attribute) -> tuple[Binding, ...]:
        """`agent.Agent` where `agent` is an imported project module: the bindings of `Agent` there."""
        if len(self.units) == 1 or not self._unit_by_name:
            return ()
        found: list[Binding] = []
        unit = self.unit_of(node)
        for qualified in self.qualified_names(node):
            found.extend(self._project_bindings(self._absolute(qualified, unit)))
        return tuple(dict.fromkeys(found))

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
        return frozenset(self.unit_of(node).names.qualified_names(node))

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
        return [node for unit in self.units for node in (unit.module, *unit.parents.keys())]

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


def _units_by_import_name(units: tuple[SourceUnit, ...]) -> dict[str, SourceUnit]:
    """Each name a file is imported by; a name two files answer to links to neither."""
    claims: dict[str, list[SourceUnit]] = defaultdict(list)
    for unit in units:
        for name in dict.fromkeys((unit.name, *unit.import_names)):
            if name is not None:
                claims[name].append(unit)
    return {name: owners[0] for name, owners in claims.items() if len(owners) == 1}


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


def is_step_call(node: cst.CSTNode) -> bool:
    """`env.step(action)`: a method `step` called with one positional argument (an optimizer's
    `step()` has none)."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "step"
        and len(positional_args(node)) == 1
    )


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
