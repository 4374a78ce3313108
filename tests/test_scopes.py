"""The scope pass (`dqn_lint.model.scopes`) gives the answers libcst's ScopeProvider gave.

Two kinds of test: a differential comparison with libcst over a corpus (every name's referents,
scope and scope bindings, every dotted name's qualified names), and one specification per Python
scoping rule. The deliberate deviations listed in the scope module's docstring are excluded from
the comparison by name (`_deviating_names`) and specified by their own tests below.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import textwrap
import typing
from dataclasses import fields
from pathlib import Path

import libcst as cst
import libcst.metadata as meta
import pytest
from libcst.metadata.scope_provider import AnnotationScope

from dqn_lint.engine import might_hold_td_target
from dqn_lint.model import scopes
from dqn_lint.model.scopes import COMPREHENSION, resolve_names
from dqn_lint.model.source import SourceIndex, walk
from dqn_lint.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("stable_baselines3", "sb3_contrib", "gymnasium")
LIBRARY_FILES_CAP = 30  # keeps the comparison under half a minute on a busy machine


# --- the corpus --------------------------------------------------------------------------------------
def _corpus() -> list:
    cases = []
    for folder in ("fixtures", "tests/cases"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            cases.append(pytest.param(path.read_bytes(), id=str(path.relative_to(ROOT))))
    for rule in all_rules():
        for kind in ("valid", "invalid"):
            for index, example in enumerate(getattr(rule, kind)):
                cases.append(pytest.param(example.encode(), id=f"{rule.code}-{kind}-{index}"))
    library_files = []
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(folder.rglob("*.py")):
            source = path.read_bytes()
            if might_hold_td_target(source):
                library_files.append(pytest.param(source, id=f"{library}/{path.relative_to(folder)}"))
    return cases + library_files[:LIBRARY_FILES_CAP]


# --- libcst's answers, as SourceIndex computed them before the scope pass ----------------------------
class LibcstNames:
    def __init__(self, module: cst.Module, parents: dict) -> None:
        self._scopes = meta.MetadataWrapper(module, unsafe_skip_copy=True).resolve(meta.ScopeProvider)
        self.accesses = {}
        for scope in {scope for scope in self._scopes.values() if scope is not None}:
            for access in scope.accesses:
                self.accesses[access.node] = access
        self._parents = parents

    def scope(self, node):
        return self._scopes.get(node)

    def referents(self, name):
        access = self.accesses.get(name)
        if access is not None:
            return tuple(access.referents)
        parent = self._parents.get(name)
        if isinstance(parent, cst.AugAssign) and parent.target is name:
            scope = self._scopes.get(name)
            if scope is not None:
                return tuple(a for a in scope.assignments[name.value] if getattr(a, "node", None) is not name)
        return ()

    def qualified_names(self, node):
        scope = self._scopes.get(node)
        if scope is None:
            return set()
        sources = (meta.QualifiedNameSource.IMPORT, meta.QualifiedNameSource.BUILTIN)
        return {q.name for q in scope.get_qualified_names_for(node) if q.source in sources}


_LIBCST_KINDS = {
    meta.GlobalScope: scopes.MODULE,
    meta.ClassScope: scopes.CLASS,
    meta.FunctionScope: scopes.FUNCTION,
    meta.ComprehensionScope: scopes.COMPREHENSION,
    meta.BuiltinScope: scopes.BUILTINS,
}
_LIBCST_KINDS[AnnotationScope] = scopes.ANNOTATION


def _libcst_scope_key(scope):
    if scope is None:
        return None
    return (_LIBCST_KINDS[type(scope)], id(getattr(scope, "node", None)) if not isinstance(scope, (meta.GlobalScope, meta.BuiltinScope)) else None)


def _scope_key(scope):
    if scope is None:
        return None
    return (scope.kind, id(scope.node) if scope.kind not in (scopes.MODULE, scopes.BUILTINS) else None)


def _libcst_binding_key(assignment):
    if isinstance(assignment, meta.BuiltinAssignment):
        return ("builtins", assignment.name)
    return (id(assignment.node), assignment.name, _libcst_scope_key(assignment.scope))


def _binding_key(binding):
    if binding.is_builtin:
        return ("builtins", binding.name)
    return (id(binding.node), binding.name, _scope_key(binding.scope))


def _deviating_names(nodes, resolution) -> set[str]:
    """Names whose answers differ from libcst on purpose (see the scope module's docstring)."""
    names = {"__class__"}
    for node in nodes:
        if isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            names.add(node.name.value)
        elif isinstance(node, cst.MatchMapping) and node.rest is not None:
            names.add(node.rest.value)
        elif isinstance(node, cst.MatchKeywordElement):
            names.add(node.key.value)
        elif isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
            scope = resolution.scope(node.target)
            if scope is not None and scope.kind == COMPREHENSION:
                names.add(node.target.value)
    return names


def _base_name(node):
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else None


def _differences(source: bytes) -> list[str]:
    module = cst.parse_module(source)
    index = SourceIndex(module)
    resolution = index._names
    reference = LibcstNames(module, index._parents)
    nodes = index._all_nodes
    skip = _deviating_names(nodes, resolution)
    dotted_or_called = {node.func for node in nodes if isinstance(node, cst.Call)}
    differences = []

    def differ(what, node, expected, actual):
        differences.append(f"{what} of {module.code_for_node(node)[:60]!r}: libcst {expected}, scope pass {actual}")

    for node in nodes:
        if not isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or _base_name(node) in skip:
            continue
        if isinstance(node, cst.Name):
            expected_scope, actual_scope = reference.scope(node), index.scope(node)
            if _libcst_scope_key(expected_scope) != _scope_key(actual_scope):
                differ("scope", node, _libcst_scope_key(expected_scope), _scope_key(actual_scope))
            elif expected_scope is not None:
                expected = {_libcst_binding_key(a) for a in expected_scope.assignments[node.value]}
                actual = {_binding_key(b) for b in actual_scope.assignments[node.value]}
                if expected != actual:
                    differ("scope bindings", node, expected, actual)
                if (node.value in expected_scope) != (node.value in actual_scope):
                    differ("visibility", node, node.value in expected_scope, node.value in actual_scope)
            expected = {_libcst_binding_key(a) for a in reference.referents(node)}
            actual = {_binding_key(b) for b in index.referents(node)}
            if expected != actual:
                differ("referents", node, expected, actual)
        if (node in reference.accesses) != resolution.is_read(node):
            differ("being a use", node, node in reference.accesses, resolution.is_read(node))
        if _base_name(node) is not None and (isinstance(node, (cst.Name, cst.Attribute)) or node in dotted_or_called):
            expected, actual = reference.qualified_names(node), resolution.qualified_names(node)
            if expected != actual:
                differ("qualified names", node, expected, actual)
    return differences


@pytest.mark.parametrize("source", _corpus())
def test_scope_pass_answers_as_libcst(source):
    assert _differences(source) == []


def test_corpus_includes_library_files():
    ids = [case.id for case in _corpus()]
    assert any(case.startswith(LIBRARIES) for case in ids) or all(importlib.util.find_spec(lib) is None for lib in LIBRARIES)


def test_child_fields_follow_libcst_visiting_order():
    """The walk's table of fields is what libcst's `_visit_and_replace_children` visits, restricted to
    fields whose type can hold a name."""
    assert _generated_child_fields() == scopes._CHILD_FIELDS_BY_NAME


def _generated_child_fields() -> dict[str, tuple[str, ...]]:
    classes = [
        kind
        for kind in vars(cst).values()
        if isinstance(kind, type) and issubclass(kind, cst.CSTNode) and not inspect.isabstract(kind) and "_visit_and_replace_children" in vars(kind)
    ]
    hints = {kind: typing.get_type_hints(kind) for kind in classes}

    def node_types(hint) -> set[type]:
        found, pending = set(), [hint]
        while pending:
            current = pending.pop()
            if typing.get_origin(current) is None:
                if isinstance(current, type) and issubclass(current, cst.CSTNode):
                    found.add(current)
            else:
                pending.extend(typing.get_args(current))
        return found

    holds_name = {cst.Name}
    changed = True
    while changed:
        changed = False
        for kind in classes:
            if kind not in holds_name and any(
                issubclass(holder, declared) for f in fields(kind) for declared in node_types(hints[kind].get(f.name)) for holder in holds_name
            ):
                holds_name.add(kind)
                changed = True
    table = {}
    for kind in classes:
        visited = re.findall(r'visit_\w+\(\s*self,\s*"(\w+)"', inspect.getsource(kind._visit_and_replace_children))
        relevant = [
            name
            for name in dict.fromkeys(visited)
            if any(issubclass(holder, declared) for declared in node_types(hints[kind].get(name)) for holder in holds_name)
        ]
        if kind in holds_name or relevant:
            table[kind.__name__] = tuple(relevant)
    table.pop("Name", None)
    return table


# --- one specification per scoping rule -------------------------------------------------------------
def _program(code: str):
    module = cst.parse_module(textwrap.dedent(code).lstrip("\n"))
    return module, SourceIndex(module), meta.MetadataWrapper(module, unsafe_skip_copy=True).resolve(meta.PositionProvider)


def _line(positions, node) -> int | str:
    return positions[node].start.line


def uses(code: str, name: str) -> list[tuple[int, set]]:
    """Each use of `name`, in source order: (its line, the lines of the bindings it may refer to);
    a builtin binding shows as "builtins"."""
    module, index, positions = _program(code)
    found = []
    for node in walk(module):
        if isinstance(node, cst.Name) and node.value == name and index._names.is_read(node):
            bound = {"builtins" if b.is_builtin else _line(positions, b.node) for b in index.referents(node)}
            found.append((_line(positions, node), positions[node].start.column, bound))
    return [(line, bound) for line, _, bound in sorted(found, key=lambda use: use[:2])]


def qualified(code: str, expression: str) -> set[str]:
    """Qualified names of the last occurrence of `expression` (a dotted name) in `code`."""
    module, index, positions = _program(code)
    matches = [node for node in walk(module) if isinstance(node, (cst.Name, cst.Attribute)) and module.code_for_node(node) == expression]
    last = max(matches, key=lambda node: (positions[node].start.line, positions[node].start.column))
    return set(index.qualified_names(last))


def test_class_body_names_are_invisible_from_methods():
    code = """
    x = 1
    class C:
        x = 2
        y = x
        def method(self):
            return x
    """
    assert uses(code, "x") == [(4, {3}), (6, {1})]


def test_comprehension_in_a_class_sees_class_names_only_in_its_first_iterable():
    code = """
    class C:
        xs = [1]
        ys = [x + len(xs) for x in xs]
    """
    assert uses(code, "xs") == [(3, set()), (3, {2})]


def test_comprehension_target_is_local_and_first_iterable_is_evaluated_outside():
    code = """
    x = [[1]]
    flat = [x for x in x for x in x]
    print(x)
    """
    # elt: the inner target; first iterable: the module's x; second iterable: the outer target
    assert uses(code, "x") == [(2, {2}), (2, {1}), (2, {2}), (3, {1})]


def test_global_binds_in_the_module():
    code = """
    def setup():
        global model
        model = 1
    def use():
        return model
    """
    assert uses(code, "model") == [(5, {3})]


def test_nonlocal_binds_in_the_enclosing_function():
    code = """
    def outer():
        count = 0
        def bump():
            nonlocal count
            count = count + 1
        bump()
        return count
    """
    assert uses(code, "count") == [(5, {2, 5}), (7, {2, 5})]


def test_del_is_a_use_of_the_binding_it_deletes():
    code = """
    buffer = []
    del buffer
    """
    assert uses(code, "buffer") == [(2, {1})]


def test_walrus_in_a_comprehension_binds_in_the_enclosing_function():
    code = """
    def f(values):
        kept = [last := v for v in values]
        return last
    """
    assert uses(code, "last") == [(3, {2})]


def test_except_as_binds_the_exception():
    code = """
    try:
        pass
    except ValueError as err:
        print(err)
    """
    assert uses(code, "err") == [(4, {3})]


def test_match_captures_bind_and_class_pattern_keywords_are_attributes():
    code = """
    match step:
        case [obs, *rest] if obs:
            print(obs, rest)
        case {"reward": reward, **info}:
            print(reward, info)
        case Transition(done=True) as t:
            print(t, done)
    """
    assert uses(code, "obs") == [(2, {2}), (3, {2})]
    assert uses(code, "rest") == [(3, {2})]
    assert uses(code, "info") == [(5, {4})]
    assert uses(code, "t") == [(7, {6})]
    assert uses(code, "done") == [(7, set())]


def test_lambda_default_is_evaluated_outside_the_lambda():
    code = """
    a = 1
    f = lambda a, b=a: a + b
    """
    assert uses(code, "a") == [(2, {1}), (2, {2})]


def test_decorator_is_evaluated_before_the_name_is_bound():
    code = """
    class C:
        @property
        def value(self):
            return 1
        @value.setter
        def value(self, new):
            pass
    """
    assert uses(code, "value") == [(5, {3})]


def test_annotations_and_defaults_are_evaluated_outside_the_function():
    code = """
    T = int
    def f(T: T = T) -> T:
        return T
    """
    assert uses(code, "T") == [(2, {1}), (2, {1}), (2, {1}), (3, {2})]


def test_dunder_class_names_the_class_around_the_method():
    code = """
    class Agent:
        def clone(self):
            return __class__()
    """
    module, index, positions = _program(code)
    use = next(node for node in walk(module) if isinstance(node, cst.Name) and node.value == "__class__")
    assert [type(b.node) for b in index.referents(use)] == [cst.ClassDef]


def test_a_use_sees_only_earlier_bindings_of_its_own_scope():
    code = """
    for step in range(3):
        if step:
            print(previous)
        previous = step
    print(previous)
    """
    assert uses(code, "previous") == [(3, set()), (5, {4})]


def test_a_function_body_sees_every_module_binding():
    code = """
    def act():
        return policy()
    policy = 1
    policy = 2
    """
    assert uses(code, "policy") == [(2, {3, 4})]


def test_augmented_assignment_target_stands_for_the_other_bindings():
    module, index, positions = _program("total = 0\ntotal += 1\n")
    target = module.body[1].body[0].target
    assert [_line(positions, b.node) for b in index.referents(target)] == [1]


def test_references_are_the_inverse_of_referents():
    module, index, positions = _program("x = 1\nprint(x)\ndef f():\n    return x\n")
    binding = index.scope(module).assignments["x"][0]
    assert sorted(_line(positions, read.node) for read in binding.references) == [2, 4]


def test_builtins_and_their_shadowing():
    assert qualified("pairs = zip(a, b)", "zip") == {"builtins.zip"}
    assert qualified("zip = None\npairs = zip(a, b)", "zip") == set()


def test_qualified_names_through_imports():
    assert qualified("import torch as th\nwith th.no_grad(): pass", "th.no_grad") == {"torch.no_grad"}
    assert qualified("from torch import nn\nnet = nn.Linear(2, 2)", "nn.Linear") == {"torch.nn.Linear"}
    assert qualified("import torch.nn\ntorch.nn.functional.mse_loss", "torch.nn.functional.mse_loss") == {"torch.nn.functional.mse_loss"}
    assert qualified("from . import utils\nutils.soft_update", "utils.soft_update") == {".utils.soft_update"}
    assert qualified("from ..agents import dqn as d\nd.Agent", "d.Agent") == {"..agents.dqn.Agent"}
    assert qualified("def f():\n    import numpy as np\n    return np.zeros", "np.zeros") == {"numpy.zeros"}
    assert qualified("import numpy as np\ndef f(np):\n    return np.zeros", "np.zeros") == set()


def test_dotted_import_makes_the_attribute_the_use():
    module, index, _ = _program("import os.path\nos.path.join\n")
    base = module.body[1].body[0].value.value.value
    assert base.value == "os" and index.referents(base) == ()
    assert index._names.is_read(module.body[1].body[0].value.value)
    assert index.qualified_names(base) == frozenset({"os"})


def test_scopes_of_lambdas_comprehensions_and_classes():
    module, index, _ = _program("class C:\n    f = lambda y: [z for z in y]\n")
    kinds = {node.value: index.scope(node).kind for node in walk(module) if isinstance(node, cst.Name)}
    assert kinds == {"C": "module", "f": "class", "y": "function", "z": "comprehension"}


def test_deeply_nested_expressions_do_not_exhaust_the_stack():
    module = cst.parse_module("y = " + " + ".join(["a"] * 600) + "\n")
    resolution = resolve_names(module)
    assert sum(1 for node in walk(module) if isinstance(node, cst.Name) and resolution.is_read(node)) == 600


def test_the_parent_map_equals_the_one_libcsts_children_give():
    """`_parent_map` reads dataclass fields instead of libcst's slow `children`: the same map on
    every node but the syntax tokens (whitespace, comments, punctuation), which hold only tokens."""
    import libcst as cst

    from dqn_lint.model.source import _SYNTAX_TOKENS, _parent_map

    for path in sorted((ROOT / "fixtures").rglob("*.py")) + sorted((ROOT / "tests" / "cases").glob("*.py")):
        module = cst.parse_module(path.read_text())
        expected: dict = {}
        stack = [module]
        while stack:
            node = stack.pop()
            for child in node.children:
                if type(node) in _SYNTAX_TOKENS:
                    assert type(child) in _SYNTAX_TOKENS, (path, node, child)
                elif type(child) not in _SYNTAX_TOKENS:
                    expected[child] = node
                stack.append(child)
        parents = _parent_map(module)
        assert parents.keys() == expected.keys(), path
        assert all(parents[child] is parent for child, parent in expected.items()), path
