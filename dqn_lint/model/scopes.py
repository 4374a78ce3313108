"""Name resolution for one module: scopes, bindings, the bindings each name use may refer to,
and the qualified names of dotted names through imports.

A purpose-built replacement for libcst's `ScopeProvider`, which was most of the analysis time
of a DQN file: one iterative walk over the fields that can hold a name (`_CHILD_FIELDS`), in
libcst's visiting order, then one resolution step per name use. It answers exactly what the
program model asked of `ScopeProvider`, with the same answers, so the differential test
(tests/test_scopes.py) can compare the two on every name of a corpus.

Semantics kept from libcst because the dataflow above depends on them:

- Referents are flow-insensitive within textual order: a use sees the bindings of its scope made
  by statements that come before it (a loop's later assignment is not seen by an earlier use);
  when the scope binds the name only later, the use resolves in the parent scope (libcst's
  fallback, which looks at a class body's own names too).
- Class scopes are invisible from nested functions and comprehensions; a comprehension's first
  iterable, parameter defaults and annotations, decorators and return annotations are evaluated in
  the enclosing scope; `global` / `nonlocal` redirect bindings; builtins are `builtins` names.
- `del x` is a use of the bindings of `x`; `x: int` without a value is a binding.
- `import a.b` binds `a.b` and `a`; in `a.b.c` the use is then the attribute `a.b`, so the name
  `a` there has no referents of its own (its qualified name still resolves).
- The first argument of `typing.TypeVar(...)` / `typing.NewType(...)` is not visited.

Deliberate deviations from libcst, each excluded by name in the differential test:

- A walrus target inside a comprehension binds in the enclosing function or module (PEP 572);
  libcst binds it in the comprehension, which hides it from the code after the comprehension.
- Match patterns bind their capture names (`case [x, *rest]`, `case {**kw}`, `case P() as p`);
  libcst records them as uses, and records the keyword names of class patterns (`P(x=0)`) as
  uses of variables, which they are not.
- `__class__` inside a method names the class around it; libcst resolves it to the builtin
  attribute `builtins.__class__`.
- String annotations are not parsed: libcst records the names inside them as uses whose node is
  the string, which no caller asks about.
- `Binding.references` is the exact inverse of the referents; libcst also lists, among an outer
  binding's references, the uses of a scope that come before that scope's own binding of the name.
- `NameResolution.scope` answers for names and the module only (what callers ask about).
- A dotted name that does not start with a name (`(a * b).mean`) has no qualified names; libcst
  spells it `None.mean` and answers `builtins.None`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import libcst as cst

from dqn_lint.model.node_types import KNOWN_NODE_TYPES, is_node_type

MODULE = "module"
CLASS = "class"
FUNCTION = "function"
COMPREHENSION = "comprehension"
ANNOTATION = "annotation"  # PEP 695 type parameters and type aliases
BUILTINS = "builtins"

ASSIGNMENT = "assignment"
IMPORT = "import"
BUILTIN = "builtin"


class _Assignments(dict):
    """Bindings by name; a name the scope never binds has none."""

    def __missing__(self, name: str) -> tuple:
        return ()


class Scope:
    """One namespace: the module, a class body, a function or lambda, a comprehension.

    Filled by the walk in `resolve_names`, read-only afterwards. `assignments[name]` holds this
    scope's own bindings of `name`; `name in scope` tells whether the name is visible here.
    """

    __slots__ = ("kind", "node", "parent", "globals", "assignments", "_overwrites", "_count")

    def __init__(self, kind: str, node: cst.CSTNode | None, parent: Scope | None) -> None:
        self.kind = kind
        self.node = node
        self.parent = parent if parent is not None else self
        self.globals = self if parent is None or kind == MODULE else parent.globals
        self.assignments: dict[str, list[Binding]] = _Assignments()
        self._overwrites: dict[str, Scope] = {}  # `global` / `nonlocal` declarations
        self._count = 0  # bindings completed so far: the textual order of bindings and uses

    def __repr__(self) -> str:
        return f"<Scope {self.kind} {type(self.node).__name__ if self.node is not None else ''}>"

    def __contains__(self, name: str) -> bool:
        if self.kind == BUILTINS:
            return hasattr(builtins, name)
        overwrite = self._overwrites.get(name)
        if overwrite is not None:
            return name in overwrite
        if name in self.assignments:
            return True
        return name in self._next_visible_parent(self)

    def resolve(self, name: str, from_scope: Scope) -> list[Binding] | tuple:
        """The bindings `name` resolves to, looked up from `from_scope` (this scope or a child)."""
        if self.kind == BUILTINS:
            found = self.assignments.get(name)
            if found is None and hasattr(builtins, name):
                found = self.assignments[name] = [Binding(name, None, self, BUILTIN, -1)]
            return found or ()
        overwrite = self._overwrites.get(name)
        if overwrite is not None:
            return self._next_visible_parent(from_scope, overwrite).resolve(name, from_scope)
        found = self.assignments.get(name)
        if found is not None:
            return found
        parent = self._next_visible_parent(from_scope)
        return parent.resolve(name, parent if self.kind == MODULE else from_scope)  # as libcst does

    def _visible_from(self, child: Scope) -> bool:
        """A class body's names are visible only to its own type-parameter scope."""
        return self.kind != CLASS or (child.parent is self and child.kind == ANNOTATION)

    def _next_visible_parent(self, from_scope: Scope, first: Scope | None = None) -> Scope:
        parent = first if first is not None else self.parent
        while not parent._visible_from(from_scope):
            parent = parent.parent
        return parent

    def _binding_scope(self, name: str) -> Scope:
        overwrite = self._overwrites.get(name)
        if overwrite is None or self.kind == MODULE:
            return self
        return self._next_visible_parent(self, overwrite)._binding_scope(name)

    def _bind(self, name: str, node: cst.CSTNode, kind: str = ASSIGNMENT) -> Binding:
        target = self._binding_scope(name)
        binding = Binding(name, node, target, kind, target._count)
        bindings = target.assignments.get(name)
        if bindings is None:
            target.assignments[name] = [binding]
        else:
            bindings.append(binding)
        return binding


@dataclass(frozen=True, eq=False)
class Read:
    """One use of a binding: the name (or, for `import a.b`, the attribute `a.b`) and its scope."""

    node: cst.CSTNode
    scope: Scope


@dataclass(frozen=True, eq=False)
class Binding:
    """A name bound in a scope.

    `node` is the target `Name`, the `Param`, the `FunctionDef` / `ClassDef`, or the whole
    `Import` / `ImportFrom` statement; None for a builtin. `kind` is ASSIGNMENT, IMPORT or BUILTIN.
    `index` orders it among its scope's bindings and uses; `references`, the uses that may refer
    to it, is filled by the pass.
    """

    name: str
    node: cst.CSTNode | None
    scope: Scope
    kind: str
    index: int
    references: list[Read] = field(default_factory=list, repr=False)

    @property
    def is_builtin(self) -> bool:
        return self.kind == BUILTIN

    def qualified_names(self, full_name: str) -> set[str]:
        """`full_name` (this binding's name, or a dotted name starting with it) through the
        import: `torch.nn.Linear` for `nn.Linear` and `from torch import nn`. Only imports and
        builtins have one (libcst's IMPORT and BUILTIN sources)."""
        if self.kind == BUILTIN:
            return {f"builtins.{self.name}"}
        if self.kind == IMPORT:
            return _import_qualified_names(self.node, full_name)
        return set()


class NameResolution:
    """The answers of the pass for one module."""

    def __init__(self, module_scope: Scope, scopes: dict, referents: dict) -> None:
        self.module_scope = module_scope
        self._scopes = scopes
        self._referents = referents

    def scope(self, node: cst.CSTNode) -> Scope | None:
        """The scope a name is written in (for a binding: where it is written, not where
        `global` sends it); the module's scope for the module."""
        return self._scopes.get(node)

    def is_read(self, node: cst.CSTNode) -> bool:
        return node in self._referents

    def referents(self, node: cst.CSTNode) -> tuple[Binding, ...]:
        """The bindings a use may refer to; () when `node` is not a use."""
        return self._referents.get(node, ())

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Qualified names through imports and builtins (`th.no_grad` -> `torch.no_grad`), with
        libcst's rules: a use goes through its referents; any other node through the bindings of
        the longest visible prefix of its dotted name (`f(x).y` and `f[0]` count as `f.y`, `f`)."""
        base = node
        while True:
            kind = type(base)
            if kind is cst.Attribute or kind is cst.Subscript:
                base = base.value
            elif kind is cst.Call:
                base = base.func
            else:
                break
        scope = self._scopes.get(base) if kind is cst.Name else None
        if scope is None:
            return set()
        referents = self._referents.get(node)
        if referents is not None:
            return {name for binding in referents for name in binding.qualified_names(binding.name)}
        return _qualified_names_in(scope, _full_name(node), node)


def resolve_names(module: cst.Module) -> NameResolution:
    return _Walk(module).run()


# --- the walk ------------------------------------------------------------------------------------
_LOAD, _STORE, _WALRUS = 0, 1, 2  # expression context of a name; a walrus target binds outside comprehensions
_VISIT, _COUNT = 0, 1

# Fields that may hold a name, per node type, in the order libcst visits them. Generated from
# libcst's `_visit_and_replace_children`; tests/test_scopes.py checks it against the installed libcst.
_CHILD_FIELDS_BY_NAME = {
    "AnnAssign": ("target", "annotation", "value"),
    "Annotation": ("annotation",),
    "Arg": ("keyword", "value"),
    "AsName": ("name",),
    "Assert": ("test", "msg"),
    "Assign": ("targets", "value"),
    "AssignTarget": ("target",),
    "Attribute": ("value", "attr"),
    "AugAssign": ("target", "value"),
    "Await": ("expression",),
    "BinaryOperation": ("left", "right"),
    "BooleanOperation": ("left", "right"),
    "Call": ("func", "args"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "CompFor": ("target", "iter", "ifs", "inner_for_in"),
    "CompIf": ("test",),
    "Comparison": ("left", "comparisons"),
    "ComparisonTarget": ("comparator",),
    "ConcatenatedString": ("left", "right"),
    "Decorator": ("decorator",),
    "Del": ("target",),
    "Dict": ("elements",),
    "DictComp": ("key", "value", "for_in"),
    "DictElement": ("key", "value"),
    "Element": ("value",),
    "Else": ("body",),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "Expr": ("value",),
    "Finally": ("body",),
    "For": ("target", "iter", "body", "orelse"),
    "FormattedString": ("parts",),
    "FormattedStringExpression": ("expression", "format_spec"),
    "From": ("item",),
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "GeneratorExp": ("elt", "for_in"),
    "Global": ("names",),
    "If": ("test", "body", "orelse"),
    "IfExp": ("body", "test", "orelse"),
    "Import": ("names",),
    "ImportAlias": ("name", "asname"),
    "ImportFrom": ("module", "names"),
    "IndentedBlock": ("body",),
    "Index": ("value",),
    "Lambda": ("params", "body"),
    "LazyImport": ("names",),
    "LazyImportFrom": ("module", "names"),
    "List": ("elements",),
    "ListComp": ("elt", "for_in"),
    "Match": ("subject", "cases"),
    "MatchAs": ("pattern", "name"),
    "MatchCase": ("pattern", "guard", "body"),
    "MatchClass": ("cls", "patterns", "kwds"),
    "MatchKeywordElement": ("key", "pattern"),
    "MatchList": ("patterns",),
    "MatchMapping": ("elements", "rest"),
    "MatchMappingElement": ("key", "pattern"),
    "MatchOr": ("patterns",),
    "MatchOrElement": ("pattern",),
    "MatchSequenceElement": ("value",),
    "MatchSingleton": ("value",),
    "MatchStar": ("name",),
    "MatchTuple": ("patterns",),
    "MatchValue": ("value",),
    "Module": ("body",),
    "NameItem": ("name",),
    "NamedExpr": ("target", "value"),
    "Nonlocal": ("names",),
    "Param": ("name", "annotation", "default"),
    "ParamSpec": ("name",),
    "Parameters": ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    "Raise": ("exc", "cause"),
    "Return": ("value",),
    "Set": ("elements",),
    "SetComp": ("elt", "for_in"),
    "SimpleStatementLine": ("body",),
    "SimpleStatementSuite": ("body",),
    "Slice": ("lower", "upper", "step"),
    "StarredDictComp": ("value", "for_in"),
    "StarredDictElement": ("value",),
    "StarredElement": ("value",),
    "Subscript": ("value", "slice"),
    "SubscriptElement": ("slice",),
    "TemplatedString": ("parts",),
    "TemplatedStringExpression": ("expression", "format_spec"),
    "Try": ("body", "handlers", "orelse", "finalbody"),
    "TryStar": ("body", "handlers", "orelse", "finalbody"),
    "Tuple": ("elements",),
    "TypeAlias": ("name", "type_parameters", "value"),
    "TypeParam": ("param", "default"),
    "TypeParameters": ("params",),
    "TypeVar": ("name", "bound"),
    "TypeVarTuple": ("name",),
    "UnaryOperation": ("expression",),
    "While": ("test", "body", "orelse"),
    "With": ("items", "body"),
    "WithItem": ("item", "asname"),
    "Yield": ("value",),
}
_CHILD_FIELDS = {getattr(cst, name): fields for name, fields in _CHILD_FIELDS_BY_NAME.items() if hasattr(cst, name)}
_REVERSED_FIELDS = {kind: fields[::-1] for kind, fields in _CHILD_FIELDS.items()}
# Nodes without a handler after which libcst counts one more binding in their scope (the other
# binding constructs count in their handlers).
_COUNTED_AFTER = frozenset({cst.Parameters, cst.WithItem})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_TYPING_FACTORIES = frozenset({"TypeVar", "NewType"})


class _Walk:
    """One iterative walk in libcst's visiting order. Stack items are (_VISIT, node, scope,
    context, top) or (_COUNT, None, scope, ...), which marks the end of a binding construct (libcst's
    `_assignment_count`); `top` is the outermost attribute around the node, reset inside calls."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.builtins = Scope(BUILTINS, None, None)
        self.globals = Scope(MODULE, module, self.builtins)
        self.scopes: dict[cst.CSTNode, Scope] = {module: self.globals}
        self.reads: list[tuple] = []  # (name, scope, bindings counted before it, outermost attribute around it)
        self.dotted_imports: set[str] = set()  # `import a.b` binds "a.b"
        self.typing_aliases: set[str] = set(_TYPING_FACTORIES)
        self.stack: list[tuple] = []
        self.class_cells: dict[Scope, tuple[Binding]] = {}
        handlers = {
            cst.Attribute: self._attribute,
            cst.Call: self._call,
            cst.Arg: self._arg,
            cst.Subscript: self._subscript,
            cst.Import: self._import,
            cst.ImportFrom: self._import,
            cst.FunctionDef: self._function,
            cst.Lambda: self._lambda,
            cst.Param: self._param,
            cst.ClassDef: self._class,
            cst.Global: self._global,
            cst.Nonlocal: self._global,
            cst.For: self._for,
            cst.CompFor: self._comp_for,
            cst.Assign: self._assign,
            cst.AnnAssign: self._store_target,
            cst.AugAssign: self._store_target,
            cst.NamedExpr: self._store_target,
            cst.AsName: self._as_name,
            cst.MatchCase: self._match_case,
            cst.MatchAs: self._match_capture,
            cst.MatchStar: self._match_capture,
            cst.MatchMapping: self._match_capture,
            cst.MatchKeywordElement: self._match_keyword,
            cst.TypeAlias: self._type_alias,
            cst.TypeVar: self._type_param,
            cst.TypeVarTuple: self._type_param,
            cst.ParamSpec: self._type_param,
        }
        for comprehension in _COMPREHENSIONS:
            handlers[comprehension] = self._comprehension
        self.handlers = handlers

    # -- driver -------------------------------------------------------------------------------
    def run(self) -> NameResolution:
        stack = self.stack
        stack.append((_VISIT, self.module, self.globals, _LOAD, None))
        handlers = self.handlers
        reversed_fields = _REVERSED_FIELDS
        counted_after = _COUNTED_AFTER
        scopes = self.scopes
        reads = self.reads
        name_type = cst.Name
        is_node = KNOWN_NODE_TYPES
        while stack:
            op, node, scope, context, top = stack.pop()
            if op != _VISIT:
                scope._count += 1
                continue
            kind = type(node)
            if kind is name_type:
                scopes[node] = scope
                if context == _LOAD:
                    reads.append((node, scope, scope._count, top))
                elif context == _STORE:
                    scope._bind(node.value, node)
                else:
                    outer = scope
                    while outer.kind == COMPREHENSION:
                        outer = outer.parent
                    outer._bind(node.value, node)
                continue
            handler = handlers.get(kind)
            if handler is not None:
                handler(node, scope, context, top)
                continue
            fields = reversed_fields.get(kind)
            if fields is None:
                continue
            if kind in counted_after:
                stack.append((_COUNT, None, scope, None, None))
            for name in fields:
                value = getattr(node, name)
                value_kind = type(value)
                if is_node.get(value_kind) or (value_kind not in is_node and is_node_type(value_kind)):
                    stack.append((_VISIT, value, scope, context, top))
                elif value_kind is tuple or value_kind is list:
                    for child in reversed(value):
                        stack.append((_VISIT, child, scope, context, top))
        return self._resolve()

    def _push(self, node, scope: Scope, context: int = _LOAD, top=None) -> None:
        if node is not None:
            self.stack.append((_VISIT, node, scope, context, top))

    def _push_all(self, nodes, scope: Scope, context: int = _LOAD, top=None) -> None:
        stack = self.stack
        for node in reversed(nodes):
            stack.append((_VISIT, node, scope, context, top))

    def _count_after(self, scope: Scope) -> None:
        self.stack.append((_COUNT, None, scope, None, None))

    # -- expressions ------------------------------------------------------------------------------
    def _attribute(self, node: cst.Attribute, scope, context, top) -> None:
        self._push(node.value, scope, _LOAD, node if top is None else top)

    def _subscript(self, node: cst.Subscript, scope, context, top) -> None:
        self._push_all(node.slice, scope, _LOAD, top)
        self._push(node.value, scope, _LOAD, top)

    def _call(self, node: cst.Call, scope, context, top) -> None:
        args = node.args
        if args and self._is_typing_factory(node, scope):
            args = args[1:]  # libcst skips the type's name: `TypeVar("T")`, `NewType("Id", int)`
        self._push_all(args, scope, context, None)
        self._push(node.func, scope, context, None)

    def _arg(self, node: cst.Arg, scope, context, top) -> None:
        self._push(node.value, scope, context, top)  # the keyword is neither a binding nor a use

    def _is_typing_factory(self, call: cst.Call, scope: Scope) -> bool:
        func = call.func
        while True:
            if type(func) is cst.Call:
                func = func.func
            elif type(func) is cst.Subscript:
                func = func.value
            else:
                break
        last = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
        if last not in self.typing_aliases:
            return False
        full_name = _full_name(call)
        if full_name is None:
            return False
        names = _qualified_names_in(scope, full_name, call)
        return "typing.NewType" in names or "typing.TypeVar" in names

    def _comprehension(self, node, scope, context, top) -> None:
        for_in = node.for_in
        inner = Scope(COMPREHENSION, node, scope)
        if type(node) is cst.DictComp:
            self._push(node.value, inner, context, top)
            self._push(node.key, inner, context, top)
        else:
            self._push(node.elt, inner, context, top)
        self._push(for_in.inner_for_in, inner, context, top)
        self._push_all(for_in.ifs, inner, context, top)
        self._count_after(inner)
        self._push(for_in.target, inner, _STORE, top)
        self._push(for_in.iter, scope, context, top)  # the first iterable runs outside

    def _comp_for(self, node: cst.CompFor, scope, context, top) -> None:
        self._count_after(scope)
        self._push(node.inner_for_in, scope, context, top)
        self._push_all(node.ifs, scope, context, top)
        self._push(node.iter, scope, context, top)
        self._push(node.target, scope, _STORE, top)

    # -- statements that bind -----------------------------------------------------------------------
    def _assign(self, node: cst.Assign, scope, context, top) -> None:
        self._count_after(scope)
        self._push(node.value, scope, context, top)
        for target in reversed(node.targets):
            self._push(target.target, scope, _STORE, top)

    def _store_target(self, node, scope, context, top) -> None:
        """`x: T = v`, `x += v`, `(x := v)`: the target binds, then the rest is read."""
        self._count_after(scope)
        self._push(node.value, scope, context, top)
        annotation = getattr(node, "annotation", None)
        if annotation is not None:
            self._push(annotation, scope, context, top)
        store = _WALRUS if type(node) is cst.NamedExpr and scope.kind == COMPREHENSION else _STORE
        self._push(node.target, scope, store, top)

    def _as_name(self, node: cst.AsName, scope, context, top) -> None:
        self._count_after(scope)
        self._push(node.name, scope, _STORE, top)

    def _for(self, node: cst.For, scope, context, top) -> None:
        self._push(node.orelse, scope, context, top)
        self._push(node.body, scope, context, top)
        self._push(node.iter, scope, context, top)
        self._count_after(scope)  # libcst counts the target as bound before the iterable
        self._push(node.target, scope, _STORE, top)

    def _import(self, node, scope: Scope, context, top) -> None:
        self._count_after(scope)
        names = node.names
        if isinstance(names, cst.ImportStar):
            return
        for alias in names:
            if alias.asname is not None:
                bound = [alias.asname.name.value]
                real = _full_name(alias.name)
                if real is not None and real.rpartition(".")[2] in _TYPING_FACTORIES:
                    self.typing_aliases.add(bound[0])
            else:
                bound = _dotted_prefixes(_full_name(alias.name) or "")
                self.dotted_imports.update(bound[:-1])
            for name in bound:
                scope._bind(name, node, IMPORT)

    def _global(self, node, scope: Scope, context, top) -> None:
        self._count_after(scope)
        if scope.kind == MODULE:
            return
        declared = scope.globals if type(node) is cst.Global else scope.parent
        for item in node.names:
            scope._overwrites[item.name.value] = declared

    # -- definitions ---------------------------------------------------------------------------------
    def _function(self, node: cst.FunctionDef, scope: Scope, context, top) -> None:
        scope._bind(node.name.value, node)
        self.scopes[node.name] = scope
        self._count_after(scope)
        outer = scope
        if node.type_parameters is not None:
            outer = Scope(ANNOTATION, node, scope)
        function = Scope(FUNCTION, node, outer)
        if node.returns is not None:
            self._push(node.returns, outer)
        self._push_all(node.decorators, outer)
        self._push(node.body, function)
        self._push(node.params, function)
        self._push(node.type_parameters, outer)

    def _lambda(self, node: cst.Lambda, scope: Scope, context, top) -> None:
        function = Scope(FUNCTION, node, scope)
        self._push(node.body, function, context, top)
        self._push(node.params, function, context, top)

    def _param(self, node: cst.Param, scope: Scope, context, top) -> None:
        scope._bind(node.name.value, node)
        self.scopes[node.name] = scope
        self._push(node.annotation, scope.parent, context, top)  # defaults and annotations run outside
        self._push(node.default, scope.parent, context, top)

    def _class(self, node: cst.ClassDef, scope: Scope, context, top) -> None:
        scope._bind(node.name.value, node)
        self.scopes[node.name] = scope
        self._count_after(scope)
        outer = scope
        if node.type_parameters is not None:
            outer = Scope(ANNOTATION, node, scope)
        body = Scope(CLASS, node, outer)
        self._push_all(node.body.body, body)
        self._push_all(node.keywords, outer)
        self._push_all(node.bases, outer)
        self._push(node.type_parameters, outer)
        self._push_all(node.decorators, scope)

    def _type_alias(self, node: cst.TypeAlias, scope: Scope, context, top) -> None:
        scope._bind(node.name.value, node)
        self._count_after(scope)
        inner = Scope(ANNOTATION, node, scope)
        self._push(node.value, inner)
        self._push(node.type_parameters, inner)

    def _type_param(self, node, scope: Scope, context, top) -> None:
        scope._bind(node.name.value, node)
        self._count_after(scope)
        self._push(getattr(node, "bound", None), scope, context, top)

    # -- match statements (deliberately unlike libcst: captures bind) -------------------------------
    def _match_case(self, node: cst.MatchCase, scope: Scope, context, top) -> None:
        self._push(node.body, scope, context, top)
        self._push(node.guard, scope, context, top)
        self._count_after(scope)  # the captures are bound for the guard and the body
        self._push(node.pattern, scope, context, top)

    def _match_capture(self, node, scope: Scope, context, top) -> None:
        name = node.rest if type(node) is cst.MatchMapping else node.name
        self._push(name, scope, _STORE, top)
        if type(node) is cst.MatchAs:
            self._push(node.pattern, scope, context, top)
        elif type(node) is cst.MatchMapping:
            self._push_all(node.elements, scope, context, top)

    def _match_keyword(self, node: cst.MatchKeywordElement, scope: Scope, context, top) -> None:
        self._push(node.pattern, scope, context, top)  # `P(x=...)`: x is an attribute name

    # -- resolution ----------------------------------------------------------------------------------
    def _resolve(self) -> NameResolution:
        referents: dict[cst.CSTNode, tuple[Binding, ...]] = {}
        dotted_imports = self.dotted_imports
        for node, scope, count, top in self.reads:
            name = node.value
            read = node
            if top is not None and dotted_imports:
                read, name = _dotted_read(node, top, scope, dotted_imports)
            found = self._class_cell(scope) if name == "__class__" else None
            if found is None:
                found = scope.resolve(name, scope)
                earlier = [binding for binding in found if binding.scope is not scope or binding.index < count]
                if earlier or not found:
                    found = earlier
                else:  # bound in this scope only later: libcst looks in the parent scope
                    found = scope.parent.resolve(name, scope)
            found = tuple(found)
            referents[read] = found
            if found:
                use = Read(read, scope)
                for binding in found:
                    binding.references.append(use)
        return NameResolution(self.globals, self.scopes, referents)

    def _class_cell(self, scope: Scope) -> tuple[Binding, ...] | None:
        """`__class__` in a method (or in a function or comprehension within one): the class."""
        while scope.kind in (FUNCTION, COMPREHENSION, ANNOTATION):
            parent = scope.parent
            if parent.kind == CLASS:
                cell = self.class_cells.get(parent)
                if cell is None:
                    cell = self.class_cells[parent] = (Binding("__class__", parent.node, parent, ASSIGNMENT, -1),)
                return cell
            scope = parent
        return None


def _dotted_read(name: cst.Name, top: cst.Attribute, scope: Scope, dotted_imports: set[str]):
    """For `a.b.c` with `import a.b`, the use is the attribute `a.b`: (read node, its name)."""
    chain = []
    node = top
    while type(node) is cst.Attribute:
        chain.append(node)
        node = node.value
    if node is not name:
        return name, name.value
    dotted = name.value
    prefixes = []
    for attribute in reversed(chain):
        dotted = f"{dotted}.{attribute.attr.value}"
        prefixes.append((dotted, attribute))
    for dotted, attribute in reversed(prefixes):
        if dotted in dotted_imports and dotted in scope:
            return attribute, dotted
    return name, name.value


# --- qualified names --------------------------------------------------------------------------------
def _qualified_names_in(scope: Scope, full_name: str, node: cst.CSTNode) -> set[str]:
    """libcst's `Scope.get_qualified_names_for` for a node that is not a use."""
    bindings: list[Binding] | tuple = ()
    for prefix in _dotted_prefixes(full_name):
        if prefix in scope:
            bindings = scope.resolve(prefix, scope)
            break
    for binding in bindings:
        if binding.kind != BUILTIN and _binds_node(binding.node, node):
            return binding.qualified_names(full_name)
    return {name for binding in bindings for name in binding.qualified_names(full_name)}


def _binds_node(bound: cst.CSTNode, node: cst.CSTNode) -> bool:
    if bound is node:
        return True
    if isinstance(bound, (cst.Import, cst.ImportFrom)) and not isinstance(bound.names, cst.ImportStar):
        return any(alias.name is node or (alias.asname is not None and alias.asname.name is node) for alias in bound.names)
    return False


def _import_qualified_names(statement: cst.Import | cst.ImportFrom, full_name: str) -> set[str]:
    """libcst's `ImportAssignment.get_qualified_names_for`, line by line."""
    module = ""
    if isinstance(statement, cst.ImportFrom):
        if statement.module is not None:
            module = _full_name(statement.module) or ""
        if statement.relative:
            module = "." * len(statement.relative) + module
    results: set[str] = set()
    if isinstance(statement.names, cst.ImportStar):
        return results
    for alias in statement.names:
        imported = _full_name(alias.name)
        if not imported:
            continue
        parts = imported.split(".")
        for real_name in [".".join(parts[:i]) for i in range(len(parts), 0, -1)]:
            as_name = real_name
            if module and module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname is not None:
                evaluated = alias.evaluated_alias
                if evaluated is not None:
                    as_name = evaluated
            if full_name.startswith(as_name):
                remaining = full_name.split(as_name, 1)[1]
                if remaining and not remaining.startswith("."):
                    continue
                remaining = remaining.lstrip(".")
                results.add(f"{real_name}.{remaining}" if remaining else real_name)
                break
    return results


def _full_name(node: cst.CSTNode) -> str | None:
    """libcst's `get_full_name_for_node` for expressions (with its "None.x" for `f().x`)."""
    kind = type(node)
    if kind is cst.Name:
        return node.value
    if kind is cst.Attribute:
        return f"{_full_name(node.value)}.{node.attr.value}"
    if kind is cst.Call:
        return _full_name(node.func)
    if kind is cst.Subscript:
        return _full_name(node.value)
    return None


def _dotted_prefixes(full_name: str) -> list[str]:
    """"a.b.c" -> ["a.b.c", "a.b", "a"]."""
    parts = full_name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
