"""Where values come from: a small backward dataflow layer on top of libcst's scopes.

A `Ref` is an expression plus the projections applied to its value (slot 2 of a 5-tuple, an
element of a list, attribute `dones`). `Dataflow.resolve` follows a Ref backwards through
assignments, tuple unpacking, `for` targets, `self.` attributes across methods, function
parameters (bound at the file's call sites, and at the `Process(target=f, args=...)` that runs a
function in a worker), function returns, containers (`append`, `x[i] = v`), namedtuples, replay-buffer
store/fetch calls and the two ends of a `multiprocessing.Pipe` (what one end sends, the other
receives), until it reaches operations or values it cannot see through. `Dataflow.objects` answers identity questions ("are these two names one network?")
with allocation-site objects. Everything is flow-insensitive and memoised; a cycle yields nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.memo import RecursiveMemo
from dqn_lint.model.source import (
    SourceIndex,
    callee_name,
    int_value,
    keyword_arg,
    positional_args,
    string_value,
    walk,
)

# Projections: ("item", index, arity or None), ("iter",), ("attr", name), ("key", text)
Projection = tuple
ITER: Projection = ("iter",)
_MAX_PROJECTIONS = 6
STORE: Projection = ("store",)  # on a Subscript target: the write `target = value` into a tensor
# Nodes whose body is not the flow of the code around them: a use inside one is not killed by an
# assignment in the enclosing block (libcst's concrete classes have no subclasses: exact by type).
_REACHING_BOUNDARIES = frozenset(
    {cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp}
)


# The analysis' small value records are NamedTuples, not frozen dataclasses: thousands are made,
# hashed and compared per file, and a NamedTuple does each in C (3x faster); its class is also
# made ~8x faster, which counts in a one-file run's start-up.
class Ref(NamedTuple):
    node: cst.CSTNode
    path: tuple[Projection, ...] = ()

    def project(self, *steps: Projection) -> Ref:
        return Ref(self.node, steps + self.path)


class Obj(NamedTuple):
    """An abstract object: one allocation site, one class instance, one unknown parameter...

    `shallow_of` holds the objects a `copy.copy` was made from: they share Parameter objects.
    """

    kind: str
    site: object
    shallow_of: frozenset = frozenset()


class FieldStore(NamedTuple):
    base: cst.BaseExpression
    value: Ref
    statement: cst.CSTNode


class CallSite(NamedTuple):
    call: cst.Call
    bound: bool  # the first parameter (self) is filled by the receiver


_CONSTANT_NAMES = frozenset({"None", "True", "False"})
_RANDOM_GENERATORS = frozenset(
    {"random.Random", "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"}
)
_GENERATOR_SAMPLING_METHODS = frozenset({"sample", "choices", "choice", "permutation"})
# Functions run in another process or thread: their parameters are bound from `args=` / `kwargs=`.
_SPAWNERS = frozenset(
    {"multiprocessing.Process", "multiprocessing.context.Process", "torch.multiprocessing.Process",
     "multiprocessing.dummy.Process", "threading.Thread"}
)
_CONTEXT_FACTORIES = frozenset({"multiprocessing.get_context", "torch.multiprocessing.get_context"})
# A pipe's two connections: what one end `send`s, the other end `recv`s.
_PIPES = frozenset({"multiprocessing.Pipe", "multiprocessing.connection.Pipe", "torch.multiprocessing.Pipe"})
_ENVIRONMENT_METHODS = frozenset({"step", "reset", "render", "close", "seed"})
_CONTAINER_STORES = frozenset({"append", "appendleft", "add", "push", "insert", "put"})
_CONTAINER_EXTENDS = frozenset({"extend", "extendleft"})
# In-place tensor writes (of values, not of identity: no `copy_`, which syncs parameters): the
# values at the second position are written into the receiver's storage where the first says
# (`m.view(-1).index_add_(0, index, values)` fills `m`: C51's projection of the target distribution).
_INPLACE_WRITES = {"index_add_": (1, 2), "scatter_add_": (1, 2), "scatter_": (1, 2), "index_copy_": (1, 2)}
_VIEW_METHODS = frozenset({"view", "reshape", "flatten", "view_as", "reshape_as", "narrow", "select", "unsqueeze", "squeeze"})
_ITEMGETTERS = frozenset({"operator.itemgetter"})
_ELEMENT_PRESERVING = frozenset(
    {"random.sample", "random.choices", "builtins.list", "builtins.tuple", "builtins.sorted", "collections.deque",
     "builtins.reversed", "numpy.random.permutation"}
)

# `np.array(rows, dtype=records)`: a row of the array is one of the rows it was made from
_ARRAYS_OF_ROWS = frozenset({"numpy.array", "numpy.asarray", "numpy.rec.array", "numpy.rec.fromrecords"})


class Dataflow:
    def __init__(self, source: SourceIndex) -> None:
        self.src = source
        self._resolve_memo: RecursiveMemo[tuple[Ref, ...]] = RecursiveMemo(())
        self._objects_memo: RecursiveMemo[frozenset[Obj]] = RecursiveMemo(frozenset())
        self._call_sites_memo: dict[cst.FunctionDef, tuple[CallSite, ...]] = {}
        self._stores_memo: dict[tuple, list] = {}
        self._module_by_use_memo: dict[cst.ClassDef, bool] = {}
        self._block_indexes: dict[int, tuple[dict[int, int], dict[str, list[int]]]] = {}

    # ==== indexes built once ===============================================================
    @cached_property
    def field_stores(self) -> dict[str, list[FieldStore]]:
        """Every `x.attr = value` (also in tuple targets and augmented assignments), by attribute name."""
        table: dict[str, list[FieldStore]] = defaultdict(list)
        for node in self.src.nodes_of_type((cst.Assign, cst.AnnAssign, cst.AugAssign)):
            if isinstance(node, cst.Assign):
                targets = [target.target for target in node.targets]
                value = node.value
            elif isinstance(node, cst.AnnAssign):
                if node.value is None:
                    continue
                targets, value = [node.target], node.value
            else:
                targets, value = [node.target], node
            for target in targets:
                for attribute, path in _targets_of_type(target, cst.Attribute):
                    table[attribute.attr.value].append(FieldStore(attribute.value, Ref(value, path), node))
        # `self.register_buffer("support", z)` and `setattr(self, "support", z)` set a field too
        for call in self.src.nodes_of_type(cst.Call):
            args = positional_args(call)
            if len(args) < 2 or string_value(args[-2].value) is None:
                continue
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("register_buffer", "register_parameter") and len(args) == 2:
                table[string_value(args[0].value)].append(FieldStore(call.func.value, Ref(args[1].value), call))
            elif isinstance(call.func, cst.Name) and call.func.value == "setattr" and len(args) == 3 and "builtins.setattr" in self.src.qualified_names(call.func):
                table[string_value(args[1].value)].append(FieldStore(args[0].value, Ref(args[2].value), call))
        return table

    @cached_property
    def subscript_stores(self) -> list[tuple[cst.Subscript, Ref | None, cst.CSTNode]]:
        """Every `x[i] = v` (also inside tuple targets) and `x[i] op= v`: an element or slice written.

        The value is None for augmented assignments, whose result also depends on the old value.
        """
        found: list[tuple[cst.Subscript, Ref | None, cst.CSTNode]] = []
        for node in self.src.nodes_of_type((cst.Assign, cst.AugAssign)):
            if isinstance(node, cst.AugAssign):
                if isinstance(node.target, cst.Subscript):
                    found.append((node.target, None, node))
                continue
            for target in node.targets:
                for subscript, path in _targets_of_type(target.target, cst.Subscript):
                    found.append((subscript, Ref(node.value, path), node))
        return found

    def element_stores(self, container: cst.BaseExpression) -> list[tuple[cst.Subscript, Ref | None, cst.CSTNode]]:
        """The subscript stores into the same variable or attribute as `container`."""
        key = self.storage_key(container)
        if key is None:
            return []
        cached = self._stores_memo.get(key)
        if cached is None:
            cached = [store for store in self.subscript_stores if self.same_storage(store[0].value, container)]
            self._stores_memo[key] = cached
        return cached

    def _keyed_stores(self, read: cst.Subscript, index: cst.BaseExpression | None) -> list[Ref]:
        """Values stored under the same literal key or position as `read` (`d["k"] = v` for `d["k"]`)."""
        key = None if index is None else (string_value(index), int_value(index))
        if key is None or key == (None, None) or not isinstance(read.value, (cst.Name, cst.Attribute)):
            return []
        return self._stored_under(read.value, key)

    def _stored_under(self, container: cst.BaseExpression, key: tuple, rest: tuple = ()) -> list[Ref]:
        """The values `container[k] = v` writes for a literal key `(text, None)` or position `(None, n)`."""
        found = []
        for subscript, value, _statement in self.element_stores(container):
            stored_index = _single_index(subscript)
            if value is not None and stored_index is not None and (string_value(stored_index), int_value(stored_index)) == key:
                found.append(Ref(value.node, value.path + rest))
        return found

    def _reads_same_entry(self, value: cst.CSTNode, read: cst.Subscript) -> bool:
        key = _single_index(read)
        return any(
            isinstance(node, cst.Subscript)
            and self.same_storage(node.value, read.value)
            and (_single_index(node) is not None and key is not None)
            and (string_value(_single_index(node)), int_value(_single_index(node))) == (string_value(key), int_value(key))
            for node in walk(value)
        )

    def stored_value(self, subscript: cst.Subscript) -> Ref | None:
        """What `subscript = value` writes (for `subscript op= value`, the right-hand side)."""
        for stored, value, statement in self.subscript_stores:
            if stored is subscript:
                return value if value is not None else Ref(statement.value)
        return None

    @cached_property
    def method_calls(self) -> dict[str, list[cst.Call]]:
        """Calls of the form `receiver.method(...)`, by method name."""
        table: dict[str, list[cst.Call]] = defaultdict(list)
        for node in self.src.nodes_of_type(cst.Call):
            if isinstance(node.func, cst.Attribute):
                table[node.func.attr.value].append(node)
        return table

    # ==== identity of storage =================================================================
    def same_storage(self, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        """Whether two expressions name the same variable, or the same attribute of objects that
        may be one (`self.target` in a base class and in its subclass)."""
        if type(a) is cst.Attribute and type(b) is cst.Attribute:  # hot: exact types, see node_types
            return a.attr.value == b.attr.value and not self.objects(Ref(a.value)).isdisjoint(self.objects(Ref(b.value)))
        if type(a) is cst.Subscript and type(b) is cst.Subscript:  # `memory["done"]`: one entry of one dict
            key_a, key_b = _literal_key(a), _literal_key(b)
            return key_a is not None and key_a == key_b and self.same_storage(a.value, b.value)
        key_a, key_b = self.storage_key(a), self.storage_key(b)
        return key_a is not None and key_a == key_b

    def storage_key(self, node: cst.BaseExpression) -> tuple | None:
        kind = type(node)  # hot: exact types, see node_types
        if kind is cst.Name:
            referents = self.src.referents(node)
            if self._self_class_of(referents) is not None:
                # `self` in every method of a class is one object: `self["done"][i] = d` in
                # `append` writes what `self["done"][idx]` reads in `sample` (a buffer that is a dict)
                return ("object", self.objects(Ref(node)))
            scopes = {id(r.scope) for r in referents}
            if not referents and self.src.scope(node) is not None:  # an assignment target
                scopes = {id(self.src.scope(node))}
            if len(scopes) == 1:
                return ("var", scopes.pop(), node.value)
            return ("name", node.value)
        if kind is cst.Attribute:
            return ("field", self.objects(Ref(node.value)), node.attr.value)
        if kind is cst.Subscript:
            key, holder = _literal_key(node), self.storage_key(node.value)
            return ("entry", holder, key) if key is not None and holder is not None else None
        return None

    # ==== resolve: follow a value backwards ========================================================
    def resolve(self, ref: Ref, follow_calls: bool = True, stop_at_names: bool = False) -> tuple[Ref, ...]:
        """The leaves `ref` may come from. With `stop_at_names`, variables reached on the way are
        leaves too, for analyses that need to look at each variable (its guards, its detaches)."""
        if len(ref.path) > _MAX_PROJECTIONS:  # a value built recursively: stop, as for a cycle
            return ()
        return self._resolve_memo(
            (id(ref.node), ref.path, follow_calls, stop_at_names),
            lambda: tuple(dict.fromkeys(self._resolve(ref, follow_calls, stop_at_names))),
        )

    def _resolve_all(self, refs, follow_calls: bool, stop_at_names: bool = False) -> list[Ref]:
        out: list[Ref] = []
        for ref in refs:
            out.extend(self.resolve(ref, follow_calls, stop_at_names))
        return out

    def _resolve(self, ref: Ref, follow_calls: bool, stop_at_names: bool) -> list[Ref]:
        node, path = ref.node, ref.path
        if path and path[0] == STORE:
            return [ref]
        if isinstance(node, cst.Name):
            if stop_at_names:
                return [ref]
            definitions = self.definitions(node, path)
            if definitions is None:
                return [ref]
            return self._resolve_all(definitions, follow_calls, stop_at_names)
        if isinstance(node, cst.Param):
            values = self._resolve_all(self.parameter_values(node, path), follow_calls, stop_at_names)
            if values and not path and self._annotated_record_class(node) is not None:
                # `agent: Agent` also says what it holds where the callers' values are opaque
                # (an agent made by a factory of the user's own script)
                values.append(ref)
            return values or [ref]
        if isinstance(node, cst.Attribute):
            if node.attr.value == "__dict__" and path and path[0][0] == "key":
                # `Record(**other.__dict__)`, `obj.__dict__["done"]`: an entry is the attribute of that name
                return self._resolve_projection(node.value, ("attr", path[0][1]), path[1:], ref, follow_calls, stop_at_names)
            members = self.module_member_values(node, path)
            if members is not None:
                return self._resolve_all(members, follow_calls, stop_at_names)
            stores = [Ref(store.node, store.path + path) for store in self.field_values(node)]
            stores += self.container_elements(node, path)
            stores += self.keyed_elements(node, path)
            if stores and not path:
                stores += self.partial_writes(node)
                stores += self.inplace_writes(node)
            if stores:
                return self._resolve_all(stores, follow_calls, stop_at_names)
            return self._resolve_projection(node.value, ("attr", node.attr.value), path, ref, follow_calls, stop_at_names)
        if isinstance(node, cst.Subscript):
            index = _single_index(node)
            replaced = self._keyed_stores(node, index)
            if replaced and not any(self._reads_same_entry(value.node, node) for value in replaced):
                # `nets["target"] = copy.deepcopy(q)` replaces the entry the literal made
                # (`batch[4] = batch[4].float()` updates it instead, and the old value still flows)
                return self._resolve_all([value.project(*path) if path else value for value in replaced], follow_calls, stop_at_names)
            if index is not None and int_value(index) is not None:
                found = self._resolve_projection(node.value, ("item", int_value(index), None), path, ref, follow_calls, stop_at_names)
                if isinstance(node.value, (cst.Name, cst.Attribute)):
                    # `dones[-1]` of a list filled with `append`: any element put in may be there
                    appended = self.container_elements(node.value, (ITER, *path))
                    found = [leaf for leaf in found if leaf != ref] + self._resolve_all(appended, follow_calls, stop_at_names) if appended else found
                return found
            if index is not None and string_value(index) is not None:
                column = self._structured_column(node.value, string_value(index))
                if column is not None:  # `data["done"]` of a structured array: that field of every row
                    return self._resolve_projection(node.value, ITER, (column, *path), ref, follow_calls, stop_at_names)
                return self._resolve_projection(node.value, ("key", string_value(index)), path, ref, follow_calls, stop_at_names)
            if path and path[0][0] == "key":
                column = self._structured_column(node.value, path[0][1])
                if column is not None:  # `data[idx]["done"]`: rows of a structured array are its records
                    path = (column, *path[1:])
            if path and path[0] == ITER and _is_single_slice(node):
                # `memory[-64:]` holds elements of `memory`: iterating the slice iterates them
                return list(self.resolve(Ref(node.value, path), follow_calls, stop_at_names)) or [ref]
            if path:
                return self._resolve_projection(node.value, ITER, path, ref, follow_calls, stop_at_names)
            if isinstance(node.value, (cst.Name, cst.Attribute)) or _literal_key(node.value) is not None:
                # `memory[idx]`, `memory["done"][idx]`: any element written into that storage
                elements = self.container_elements(node.value, (ITER,))
                return [ref, *self._resolve_all(elements, follow_calls, stop_at_names)]
            return [ref]
        if isinstance(node, (cst.Tuple, cst.List)) and path:
            return self._resolve_sequence(node, path, ref, follow_calls, stop_at_names)
        if isinstance(node, cst.DictComp) and path and path[0][0] == "key":
            source = _mapped_items_source(node)  # `{k: torch.as_tensor(v) for k, v in batch.items()}`
            if source is not None:
                return list(self.resolve(Ref(source, path), follow_calls, stop_at_names))
            return [ref]
        if isinstance(node, cst.Dict) and path and path[0][0] == "key":
            for element in node.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == path[0][1]:
                    return list(self.resolve(Ref(element.value, path[1:]), follow_calls, stop_at_names))
            return [ref]
        if (
            isinstance(node, cst.BinaryOperation)
            and isinstance(node.operator, cst.Multiply)
            and isinstance(node.left, (cst.List, cst.Tuple))
            and len(node.left.elements) == 1
            and path
            and (path[0][0] == "item" or path[0] == ITER)
        ):  # `[make_net()] * 2`: every slot is the one object
            return list(self.resolve(Ref(node.left.elements[0].value, path[1:]), follow_calls, stop_at_names))
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)) and path:
            if path[0] == ITER:
                return self.resolve(Ref(node.elt, path[1:]), follow_calls, stop_at_names)
            if path[0][0] == "item" and _maps_its_target(node):
                # `[torch.tensor(c) for c in columns]`: slot k is (a conversion of) slot k of columns
                return self.resolve(Ref(node.for_in.iter, path), follow_calls, stop_at_names)
        if isinstance(node, cst.IfExp) and path:
            return self._resolve_all([Ref(node.body, path), Ref(node.orelse, path)], follow_calls, stop_at_names)
        if isinstance(node, cst.NamedExpr):
            return self.resolve(Ref(node.value, path), follow_calls, stop_at_names)
        if isinstance(node, cst.Call):
            return self._resolve_call(node, path, ref, follow_calls, stop_at_names)
        return [ref]

    def _resolve_projection(self, base, step, path, ref, follow_calls, stop_at_names=False) -> list[Ref]:
        """Project the value of `base`; what nothing sees through stays a projected leaf."""
        return list(self.resolve(Ref(base, (step,) + path), follow_calls, stop_at_names)) or [ref]

    def _structured_column(self, container: cst.BaseExpression, field: str) -> Projection | None:
        """The slot of `field` in the records of a numpy structured array (`np.array(rows,
        dtype=[("state", ...), ("done", np.bool_)])`): its rows are written as tuples in the
        dtype's order, so field `done` of a row is slot 1 of the tuple stored there."""
        for leaf in self.resolve(Ref(container)):
            if not isinstance(leaf.node, cst.Call) or leaf.path:
                continue
            if self.src.qualified_names(leaf.node.func).isdisjoint(torch_api.NUMPY_ARRAY_MAKERS):
                continue
            dtype = keyword_arg(leaf.node, "dtype")
            names = self._structured_dtype_names(dtype.value) if dtype is not None else None
            if names is not None and field in names:
                return ("item", names.index(field), len(names))
        return None

    def _structured_dtype_names(self, dtype: cst.BaseExpression) -> list[str] | None:
        """The field names of `np.dtype([("a", t), ...])` or of the bare list of pairs."""
        for leaf in self.resolve(Ref(dtype)):
            spec = leaf.node
            if isinstance(spec, cst.Call) and "numpy.dtype" in self.src.qualified_names(spec.func) and len(spec.args) == 1:
                spec = spec.args[0].value
            if leaf.path or not isinstance(spec, cst.List):
                continue
            names = [
                string_value(element.value.elements[0].value)
                if isinstance(element.value, cst.Tuple) and element.value.elements else None
                for element in spec.elements
            ]
            if names and all(isinstance(name, str) for name in names):
                return names
        return None

    def _resolve_sequence(self, node, path, ref, follow_calls, stop_at_names=False) -> list[Ref]:
        step, rest = path[0], path[1:]
        elements = node.elements
        if any(isinstance(element, cst.StarredElement) for element in elements):
            return [ref]
        if step[0] == "item":
            index, arity = step[1], step[2]
            if arity is not None and arity != len(elements):
                return []  # `a, b, c, d, e = value` never unpacks a 4-tuple: this value is not the one read
            if -len(elements) <= index < len(elements):
                return list(self.resolve(Ref(elements[index].value, rest), follow_calls, stop_at_names))
            return [ref]
        if step == ITER:
            return self._resolve_all([Ref(element.value, rest) for element in elements], follow_calls, stop_at_names)
        return [ref]

    def _resolve_call(self, call: cst.Call, path, ref, follow_calls, stop_at_names=False) -> list[Ref]:
        qualified = self.src.qualified_names(call.func)
        args = positional_args(call)
        if path:
            step, rest = path[0], path[1:]
            if "builtins.zip" in qualified:
                star = [arg for arg in call.args if arg.star == "*"]
                if star and len(call.args) == 1 and step[0] == "item":
                    return list(self.resolve(Ref(star[0].value, (ITER, ("item", step[1], None)) + rest), follow_calls, stop_at_names))
                if not star and step == ITER and rest and rest[0][0] == "item" and rest[0][1] < len(args):
                    return list(self.resolve(Ref(args[rest[0][1]].value, (ITER,) + rest[1:]), follow_calls, stop_at_names))
            if "builtins.map" in qualified and len(args) == 2:
                return list(self.resolve(Ref(args[1].value, path), follow_calls, stop_at_names))
            if "builtins.enumerate" in qualified and step == ITER and rest and rest[0][:2] == ("item", 1) and args:
                return list(self.resolve(Ref(args[0].value, (ITER,) + rest[1:]), follow_calls, stop_at_names))
            if step == ITER and args and (
                not qualified.isdisjoint(_ELEMENT_PRESERVING) or self._is_generator_sampling(call)
                or (rest and rest[0][0] == "item" and not qualified.isdisjoint(_ARRAYS_OF_ROWS))
            ):
                return list(self.resolve(Ref(args[0].value, path), follow_calls, stop_at_names))
            if len(args) == 1 and self._is_itemgetter(call.func) and step[0] in ("iter", "item"):
                # `itemgetter(*idx)(buffer)`: a selection of the buffer's elements (one, or a tuple of them)
                return list(self.resolve(Ref(args[0].value, (ITER,) + rest), follow_calls, stop_at_names))
            if not qualified.isdisjoint({"builtins.list", "builtins.tuple"}) and step[0] == "item" and len(args) == 1:
                return list(self.resolve(Ref(args[0].value, path), follow_calls, stop_at_names))
            if not qualified.isdisjoint(torch_api.MODULE_CONTAINERS) and step[0] in ("key", "item") and len(args) == 1:
                # nn.ModuleDict({"online": a, "target": b})["target"], nn.ModuleList([a, b])[1]
                return list(self.resolve(Ref(args[0].value, path), follow_calls, stop_at_names))
            if "builtins.vars" in qualified and step[0] == "key" and len(args) == 1:  # `vars(obj)["done"]` is `obj.done`
                return list(self.resolve(Ref(args[0].value, (("attr", step[1]),) + rest), follow_calls, stop_at_names))
            if "builtins.dict" in qualified and step[0] in ("key", "attr"):
                keyword = keyword_arg(call, step[1])
                if keyword is not None:
                    return list(self.resolve(Ref(keyword.value, rest), follow_calls, stop_at_names))
            fields = self.namedtuple_fields(call.func)
            if fields is not None:
                return self._resolve_namedtuple(call, fields, path, ref, follow_calls, stop_at_names)
        passed = self._lambda_passthrough(call)
        if passed is not None:  # `f = lambda x: torch.as_tensor(x)`; `f(term)` is a conversion of `term`
            return list(self.resolve(Ref(passed, path), follow_calls, stop_at_names))
        if follow_calls:
            received = self.received(call)
            if received is not None:  # `remote.recv()`: what the pipe's other end sends
                return self._resolve_all([value.project(*path) for value in received], follow_calls, stop_at_names) or [ref]
            lambdas = self.called_lambdas(call)
            if lambdas:  # its value is its body's, with the parameters bound at the call sites
                return self._resolve_all([Ref(function.body, path) for function in lambdas], follow_calls, stop_at_names) or [ref]
            targets = self.callee_functions(call)
            if targets:
                out: list[Ref] = []
                for function, bound in targets:
                    if function.name.value == "__init__":
                        return [ref]
                    returned = self.return_values_for(call, function, bound)
                    out.extend(self._resolve_all([r.project(*path) for r in returned], follow_calls, stop_at_names))
                return out or [ref]
            if path and isinstance(call.func, cst.Attribute) and not qualified:
                fetched = self.fetched_from_store(call, path)
                if fetched:
                    return self._resolve_all(fetched, follow_calls, stop_at_names)
        return [ref]

    def _is_itemgetter(self, func: cst.BaseExpression) -> bool:
        """`operator.itemgetter(...)` called, or a name holding one (`get = itemgetter(*idx)`)."""
        for leaf in self.resolve(Ref(func), follow_calls=False):
            if not leaf.path and isinstance(leaf.node, cst.Call) and self.src.names_any(leaf.node.func, _ITEMGETTERS):
                return True
        return False

    def _is_generator_sampling(self, call: cst.Call) -> bool:
        """`rng.sample(memory, k)` / `rng.choice(memory, n)` on a `random.Random(seed)` or a numpy
        generator: a selection of the elements of its first argument, as `random.sample`."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _GENERATOR_SAMPLING_METHODS:
            return False
        for obj in self.objects(Ref(func.value)):
            site = obj.site if obj.kind == "new" else None
            if isinstance(site, cst.Call) and not self.src.qualified_names(site.func).isdisjoint(_RANDOM_GENERATORS):
                return True
        return False

    def _lambda_passthrough(self, call: cst.Call) -> cst.BaseExpression | None:
        """The argument a local converter lambda returns a conversion of, if it is one."""
        if not isinstance(call.func, cst.Name):
            return None
        definitions = self.definitions(call.func) or []
        if len(definitions) != 1 or not isinstance(definitions[0].node, cst.Lambda) or definitions[0].path:
            return None
        function = definitions[0].node
        params = function.params.params
        element = _leftmost_operand(function.body)
        if not isinstance(element, cst.Name):
            return None
        args = positional_args(call)
        for index, param in enumerate(params):
            if param.name.value == element.value and index < len(args) and len(args) == len(params):
                return args[index].value
        return None

    def _resolve_namedtuple(self, call, fields, path, ref, follow_calls, stop_at_names=False) -> list[Ref]:
        step, rest = path[0], path[1:]
        if step[0] == "attr" and step[1] in fields:
            index = fields.index(step[1])
        elif step[0] == "item":
            index = step[1]
        else:
            return [ref]
        refs = _record_field_arguments(call, fields, index)
        if len(refs) == 1 and not refs[0].path:  # the keyword or the positional argument itself
            return list(self.resolve(Ref(refs[0].node, rest), follow_calls, stop_at_names))
        return self._resolve_all([Ref(found.node, found.path + rest) for found in refs], follow_calls, stop_at_names) or [ref]

    # ==== definitions of names ==========================================================================
    def definitions(self, name: cst.Name, path: tuple = ()) -> list[Ref] | None:
        """The values a name may hold here, or None when it is imported, a builtin or unknown."""
        referents = self.src.referents(name)
        if not referents:
            return None
        if any(assignment.is_builtin for assignment in referents):
            return None
        candidates = [assignment.node for assignment in (*referents, *self.src.loop_carried(name, referents))]
        refs = self._values_bound(self._reaching(name, candidates), path)
        refs.extend(self.container_elements(name, path))
        refs.extend(self.keyed_elements(name, path))
        if not path:
            refs.extend(self.partial_writes(name))
            refs.extend(self.inplace_writes(name))
        return refs

    def _values_bound(self, targets, path: tuple) -> list[Ref]:
        refs: list[Ref] = []
        for target in targets:
            if isinstance(target, cst.Param):
                refs.append(Ref(target, path))
            elif isinstance(target, cst.Name):
                refs.extend(self._binding_values(target, path))
            else:  # a def, a class, an import, a module: the leaf is the definition itself
                refs.append(Ref(target, path))
        return refs

    def module_member_values(self, attribute: cst.Attribute, path: tuple = ()) -> list[Ref] | None:
        """`agent.Agent` where `agent` is an imported project module: the values of `Agent` there."""
        bindings = self.src.member_bindings(attribute)
        if not bindings:
            return None
        return self._values_bound([binding.node for binding in bindings], path)

    def _reaching(self, use: cst.Name, targets: list[cst.CSTNode]) -> list[cst.CSTNode]:
        """The definitions that can reach a use: not in the other branch of an if/else, and not
        overwritten on the way by a plain assignment earlier in the same block.

        In `d = batch[4]; d = torch.tensor(d).float(); y = ... (1 - d)` only the second
        definition reaches the last line; inside a loop, a definition after the use is reached
        through the back edge unless a plain assignment before the use kills it.
        """
        targets = [target for target in targets if not self.src.in_exclusive_branches(target, use)]
        child: cst.CSTNode = use
        for ancestor in self.src.ancestors(use):
            kind = type(ancestor)
            if kind in _REACHING_BOUNDARIES:
                break
            if kind is cst.IndentedBlock or kind is cst.Module:
                positions, plain_assignments = self._block_index(ancestor)
                position = positions.get(id(child))
                rows = plain_assignments.get(use.value)
                if position is not None and rows:
                    killer = next((row for row in reversed(rows) if row < position), None)
                    if killer is not None:
                        body = ancestor.body
                        window = list(body[killer:position])
                        if isinstance(child, cst.BaseCompoundStatement):
                            window.append(child)
                        inside = {id(statement) for statement in window}
                        return [target for target in targets if self._within(target, inside, ancestor)]
            child = ancestor
        return targets

    def _block_index(self, block: cst.IndentedBlock | cst.Module) -> tuple[dict[int, int], dict[str, list[int]]]:
        """A block's statements by identity -> position, and name -> positions of the statements
        that plainly assign it (ascending); `_reaching` asks this for every use in the block."""
        index = self._block_indexes.get(id(block))
        if index is None:
            positions = {id(statement): position for position, statement in enumerate(block.body)}
            plain: dict[str, list[int]] = defaultdict(list)
            for position, statement in enumerate(block.body):
                for name in _plainly_assigned_names(statement):
                    if not plain[name] or plain[name][-1] != position:
                        plain[name].append(position)
            index = self._block_indexes[id(block)] = (positions, dict(plain))
        return index

    def _within(self, node: cst.CSTNode, statement_ids: set[int], block: cst.CSTNode) -> bool:
        for ancestor in (node, *self.src.ancestors(node)):
            if id(ancestor) in statement_ids:
                return True
            if ancestor is block:
                return False
        return False

    def binding_values(self, target: cst.Name) -> list[Ref]:
        """The values an assignment target or a parameter receives where it is bound."""
        return [Ref(target)] if isinstance(target, cst.Param) else self._binding_values(target, ())

    def _binding_values(self, target: cst.Name, path: tuple) -> list[Ref]:
        steps: list[Projection] = []
        child: cst.CSTNode = target
        parent = self.src.parent(child)
        while isinstance(parent, (cst.Element, cst.StarredElement)):
            container = self.src.parent(parent)
            if isinstance(parent, cst.StarredElement) or not isinstance(container, (cst.Tuple, cst.List)):
                return [Ref(target, path)]
            elements = list(container.elements)
            if any(isinstance(element, cst.StarredElement) for element in elements):
                return [Ref(target, path)]
            steps.insert(0, ("item", elements.index(parent), len(elements)))
            child, parent = container, self.src.parent(container)
        full = tuple(steps) + path
        if isinstance(parent, cst.AssignTarget):
            assign = self.src.parent(parent)
            return [Ref(assign.value, full)]
        if isinstance(parent, cst.AnnAssign) and parent.value is not None:
            return [Ref(parent.value, full)]
        if isinstance(parent, cst.AugAssign):
            return [Ref(parent, full)]
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
            return [Ref(parent.iter, (ITER,) + full)]
        if isinstance(parent, cst.NamedExpr):
            return [Ref(parent.value, full)]
        if isinstance(parent, cst.AsName):
            holder = self.src.parent(parent)
            if isinstance(holder, cst.WithItem):
                return [Ref(holder, full)]
        return [Ref(target, path)]

    def container_elements(self, name_or_attr: cst.BaseExpression, path: tuple) -> list[Ref]:
        """Values put into a container after it was made: `x.append(v)`, `x[i] = v`, `x.extend(vs)`."""
        if not path or path[0] != ITER:
            return []
        rest = path[1:]
        refs: list[Ref] = []
        for method in _CONTAINER_STORES | _CONTAINER_EXTENDS:
            for call in self.method_calls.get(method, ()):
                receiver = call.func.value
                if not self.same_storage(receiver, name_or_attr):
                    continue
                args = positional_args(call)
                if method in _CONTAINER_EXTENDS and args:
                    refs.append(Ref(args[0].value, path))
                elif method == "insert" and len(args) == 2:
                    refs.append(Ref(args[1].value, rest))
                elif len(args) == 1:
                    refs.append(Ref(args[0].value, rest))
        for _subscript, value, _statement in self.element_stores(name_or_attr):
            if value is not None:
                refs.append(Ref(value.node, value.path + rest))
        return refs

    def keyed_elements(self, name_or_attr: cst.BaseExpression, path: tuple) -> list[Ref]:
        """Values written under a literal key or position (`params["agent_class"] = DQNAgent`)
        when that entry of the container is read, here or where the container was passed."""
        if not path or path[0][0] not in ("key", "item"):
            return []
        wanted = (path[0][1], None) if path[0][0] == "key" else (None, path[0][1])
        return self._stored_under(name_or_attr, wanted, path[1:])

    def inplace_writes(self, name_or_attr: cst.BaseExpression) -> list[Ref]:
        """What an in-place tensor method writes into this storage, directly or through a view:
        `m.view(-1).index_add_(0, idx, p * (u - b))` puts `p * (u - b)` into `m`, where `idx` says
        (so both flow into `m`'s value)."""
        refs: list[Ref] = []
        for method, positions in _INPLACE_WRITES.items():
            for call in self.method_calls.get(method, ()):
                receiver = call.func.value
                while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) and receiver.func.attr.value in _VIEW_METHODS:
                    receiver = receiver.func.value
                args = positional_args(call)
                if len(args) > max(positions) and type(receiver) is type(name_or_attr) and self.same_storage(receiver, name_or_attr):
                    refs.extend(Ref(args[position].value) for position in positions)
        return refs

    def partial_writes(self, name_or_attr: cst.BaseExpression) -> list[Ref]:
        """`x[index] = value` as leaves of x's value: analyses read the stored value and the index."""
        return [Ref(subscript, (STORE,)) for subscript, _value, _statement in self.element_stores(name_or_attr)]

    def field_values(self, attribute: cst.Attribute) -> list[Ref]:
        """Values stored into `obj.attr` for the objects `attribute.value` may be, anywhere in the file."""
        stores = self.field_stores.get(attribute.attr.value, [])
        base_objects = self.objects(Ref(attribute.value))
        if not base_objects:
            return []
        values = [store.value for store in stores if not self.objects(Ref(store.base)).isdisjoint(base_objects)]
        return values or self._class_defaults(attribute.attr.value, base_objects) or self._record_arguments(attribute.attr.value, base_objects)

    def _record_arguments(self, name: str, objects: frozenset[Obj]) -> list[Ref]:
        """`self.done` in a method of a dataclass or NamedTuple: what its constructions pass for
        `done` (by keyword, position, `*row` or `**other.__dict__`), for any instance of the class."""
        found: list[Ref] = []
        for obj in objects:
            cls = obj.site if obj.kind == "instance" and isinstance(obj.site, cst.ClassDef) else None
            fields = self._record_class_fields(cls) if cls is not None else None
            if not fields or name not in fields:
                continue
            for call in self._record_constructions.get(cls, ()):
                found += _record_field_arguments(call, fields, fields.index(name))
        return found

    @cached_property
    def _record_constructions(self) -> dict[cst.ClassDef, list[cst.Call]]:
        """The calls that construct each dataclass or NamedTuple class of the program."""
        records = {node.name.value for node in self.src.nodes_of_type(cst.ClassDef) if self._record_class_fields(node) is not None}
        found: dict[cst.ClassDef, list[cst.Call]] = defaultdict(list)
        if not records:
            return found
        for call in self.src.nodes_of_type(cst.Call):
            func = call.func
            named = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
            if named in records:
                cls = self.local_class(func)
                if cls is not None and self._record_class_fields(cls) is not None:
                    found[cls].append(call)
        return found

    def instance_field_values(self, base: cst.BaseExpression, name: str) -> list[Ref]:
        """What the methods of a class store in `self.<name>`, read through an instance made at a
        call site (`target_model.support` where `target_model = DQN(...)` and `DQN.__init__`
        registers `support`). Values only: which object each instance holds is not told apart."""
        classes = {self.class_of(obj) for obj in self.objects(Ref(base)) if obj.kind == "new"} - {None}
        values = []
        for store in self.field_stores.get(name, ()):
            own = self._class_of_self(store.base)
            if own is not None and any(own is cls or own in self._ancestors(cls) for cls in classes):
                values.append(store.value)
        return values

    def _ancestors(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        found, pending = [], list(self.base_classes(cls))
        while pending:
            base = pending.pop()
            if base not in found:
                found.append(base)
                pending.extend(self.base_classes(base))
        return found

    def _class_defaults(self, name: str, objects: frozenset[Obj]) -> list[Ref]:
        """`discount: float = 0.99` in the class body: the value an instance has unless set."""
        found = []
        for obj in objects:
            cls = self.class_of(obj)
            body = cls.body.body if cls is not None and isinstance(cls.body, cst.IndentedBlock) else ()
            for line in body:
                for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                    if isinstance(small, cst.AnnAssign) and small.value is not None and name in _bound_names(small.target):
                        found.append(Ref(small.value))
                    elif isinstance(small, cst.Assign) and any(name in _bound_names(t.target) for t in small.targets):
                        found.append(Ref(small.value))
        return found

    def _annotated_record_class(self, param: cst.Param) -> cst.ClassDef | None:
        """A parameter annotated with a plain class of this file (a config, not a network)."""
        annotation = param.annotation.annotation if param.annotation is not None else None
        cls = self.local_class(annotation) if isinstance(annotation, cst.Name) else None
        return cls if cls is not None and not self.is_module_class(cls) else None

    # ==== functions, parameters, returns ======================================================================
    def helper_functions(self, call: cst.Call) -> list[tuple[cst.FunctionDef, bool]]:
        """The functions a call may run whose returns are its value: `callee_functions` without a
        constructor's `__init__`."""
        return [(function, bound) for function, bound in self.callee_functions(call) if function.name.value != "__init__"]

    def forward_methods(self, func: cst.BaseExpression) -> list[cst.FunctionDef | None]:
        """Per object `func` may be, the `forward` of its class (None where that is not known):
        what calling a network object of the project runs."""
        methods = []
        for obj in self.objects(Ref(func)):
            cls = self.class_of(obj)
            methods.append(self.find_method(cls, "forward") if cls is not None else None)
        return methods

    def callee_functions(self, call: cst.Call) -> list[tuple[cst.FunctionDef, bool]]:
        """The functions of this file a call may run (constructors run `__init__`)."""
        func = call.func
        members = self.src.member_bindings(func) if isinstance(func, cst.Attribute) else ()
        if isinstance(func, cst.Name) or members:
            found = []
            for assignment in members or self.src.referents(func):
                if assignment.is_builtin:
                    return []
                node = assignment.node
                if isinstance(node, cst.FunctionDef):
                    found.append((node, False))
                elif isinstance(node, cst.ClassDef):
                    init = self.find_method(node, "__init__")
                    if init is not None:
                        found.append((init, True))
            if not found:
                for held in self._classes_held_by(func):
                    init = self.find_method(held, "__init__")
                    if init is not None:
                        found.append((init, True))
            return found
        if isinstance(func, cst.Attribute):
            found = []
            receiver = self.objects(Ref(func.value))
            for obj in receiver:
                if obj.kind == "definition" and isinstance(obj.site, cst.ClassDef):
                    # `GymEnv.from_gym_make(...)`: a static or class method called on the class
                    method = self.find_method(obj.site, func.attr.value)
                    if method is not None and (method, _decorated_with(method, "classmethod")) not in found:
                        found.append((method, _decorated_with(method, "classmethod")))
                    continue
                cls = self.class_of(obj)
                if cls is not None:
                    method = self.find_method(cls, func.attr.value)
                    if method is not None and (method, not _decorated_with(method, "staticmethod")) not in found:
                        found.append((method, not _decorated_with(method, "staticmethod")))
            if (
                not found
                and isinstance(func.value, cst.Name)
                and func.attr.value not in _ENVIRONMENT_METHODS
                and receiver
                and all(obj.kind == "param" for obj in receiver)
            ):
                # an untyped parameter (`def run(agent): agent.remember(...)`): the one class of
                # this file with such a method; never an environment's own API
                owners = self.classes_with_method(func.attr.value)
                if len(owners) == 1:
                    found.append((owners[0], True))
            return found
        return []

    def classes_with_method(self, name: str) -> list[cst.FunctionDef]:
        return [
            method
            for cls in self.src.classes
            if not self.is_module_class(cls) and (method := self.src.methods(cls).get(name)) is not None
        ]

    def class_of(self, obj: Obj) -> cst.ClassDef | None:
        if obj.kind == "instance" and isinstance(obj.site, cst.ClassDef):
            return obj.site
        if obj.kind == "new" and isinstance(obj.site, tuple) and len(obj.site) == 2 and isinstance(obj.site[1], cst.ClassDef):
            return obj.site[1]
        if obj.kind == "new" and isinstance(obj.site, tuple) and len(obj.site) == 2 and isinstance(obj.site[1], tuple):
            return self.class_of(Obj("new", obj.site[1]))  # made by a factory: `DQN(env, args)` returning `CategoricalDQN(...)`
        if obj.kind == "new" and isinstance(obj.site, cst.Call):
            # `copy.deepcopy(online)` is an object of online's class
            args = positional_args(obj.site)
            if args and "copy.deepcopy" in self.src.qualified_names(obj.site.func):
                classes = {self.class_of(each) for each in self.objects(Ref(args[0].value))}
                if len(classes) == 1:
                    return classes.pop()
        return None

    def _classes_held_by(self, func: cst.BaseExpression) -> list[cst.ClassDef]:
        """`agent_class(env, params)` where `agent_class = params["agent_class"]` holds classes of
        the project: the variable is followed to the classes it may be given."""
        if not isinstance(func, (cst.Name, cst.Attribute, cst.Subscript)) or not self._holds_values(func):
            return []
        found = {obj.site: None for obj in self.objects(Ref(func)) if obj.kind == "definition" and isinstance(obj.site, cst.ClassDef)}
        return list(found)

    def _holds_values(self, func: cst.BaseExpression) -> bool:
        """A variable, field or entry assigned in the program, not an import or a definition."""
        if isinstance(func, cst.Name):
            referents = self.src.referents(func)
            return bool(referents) and all(isinstance(r.node, (cst.Name, cst.Param)) for r in referents)
        return not (isinstance(func, cst.Attribute) and self.src.member_bindings(func))

    def local_class(self, func: cst.BaseExpression) -> cst.ClassDef | None:
        """The class of the program a name (or `module.Name` of a project module) refers to."""
        if isinstance(func, cst.Name):
            bindings = self.src.referents(func)
        elif isinstance(func, cst.Attribute):
            bindings = self.src.member_bindings(func)
        else:
            return None
        for assignment in bindings:
            if isinstance(assignment.node, cst.ClassDef):
                return assignment.node
        return None

    def base_classes(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        return [base for arg in cls.bases if (base := self.local_class(arg.value)) is not None and base is not cls]

    def subclasses(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        found: list[cst.ClassDef] = []
        pending = [cls]
        while pending:
            parent = pending.pop()
            for candidate in self.src.classes:
                if candidate not in found and candidate is not cls and parent in self.base_classes(candidate):
                    found.append(candidate)
                    pending.append(candidate)
        return found

    def find_method(self, cls: cst.ClassDef, name: str, _seen=None) -> cst.FunctionDef | None:
        seen = _seen or set()
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        method = self.src.methods(cls).get(name)
        if method is not None:
            return method
        for base in self.base_classes(cls):
            method = self.find_method(base, name, seen)
            if method is not None:
                return method
        return None

    def is_module_class(self, cls: cst.ClassDef, _seen=None) -> bool:
        """A class whose instances are networks: derives from torch.nn.Module or defines forward."""
        seen = _seen or set()
        if id(cls) in seen:
            return False
        seen.add(id(cls))
        for arg in cls.bases:
            if any(name.startswith("torch.nn") for name in self.src.qualified_names(arg.value)):
                return True
        if "forward" in self.src.methods(cls):
            return True
        if any(self.is_module_class(base, seen) for base in self.base_classes(cls)):
            return True
        return self._module_by_use(cls)

    def _module_by_use(self, cls: cst.ClassDef) -> bool:
        """A class whose base is out of view (`class IQN(BaseModel)`, `BaseModel` in a module not
        read) is a network when its instances are used as one: `.parameters()`, `.state_dict()`
        or `.load_state_dict()` called on an instance, with no such method of its own."""
        known = self._module_by_use_memo.get(cls)
        if known is not None:
            return known
        self._module_by_use_memo[cls] = False
        found = len(self.base_classes(cls)) < len(cls.bases) and any(
            self.find_method(cls, method) is None
            and any(self._made_by(call.func.value, cls) for call in self.method_calls.get(method, ()))
            for method in ("parameters", "state_dict", "load_state_dict", "named_parameters")
        )
        self._module_by_use_memo[cls] = found
        return found

    def _made_by(self, receiver: cst.BaseExpression, cls: cst.ClassDef) -> bool:
        """`self.online = IQN(...)` (or `online = IQN(...)`) made the object `receiver` names."""
        if isinstance(receiver, cst.Attribute):
            values = [store.value.node for store in self.field_stores.get(receiver.attr.value, ()) if not store.value.path]
        elif isinstance(receiver, cst.Name):
            values = [definition.node for definition in self.definitions(receiver) or () if not definition.path]
        else:
            return False
        return any(isinstance(value, cst.Call) and self.local_class(value.func) is cls for value in values)

    def is_env_class(self, cls: cst.ClassDef, _seen=None) -> bool:
        """A class whose instances are environments: derives from a gym or gymnasium class
        (`gym.Wrapper`, `gymnasium.ObservationWrapper`, `gym.Env`), here or through its bases."""
        seen = _seen or set()
        if id(cls) in seen:
            return False
        seen.add(id(cls))
        for arg in cls.bases:
            if any(name.split(".")[0] in ("gym", "gymnasium") for name in self.src.qualified_names(arg.value)):
                return True
        return any(self.is_env_class(base, seen) for base in self.base_classes(cls))

    def call_sites(self, function: cst.FunctionDef | cst.Lambda) -> tuple[CallSite, ...]:
        cached = self._call_sites_memo.get(function)
        if cached is not None:
            return cached
        self._call_sites_memo[function] = ()
        if isinstance(function, cst.Lambda):
            sites = self._lambda_call_sites(function)
            self._call_sites_memo[function] = sites
            return sites
        name = function.name.value
        candidates = list(self.src.calls_by_callee_name.get(name, ()))
        cls = self.src.enclosing_class(function)
        if name == "__init__" and cls is not None:
            candidates += self.src.calls_by_callee_name.get(cls.name.value, ())
        sites = tuple(
            CallSite(call, bound)
            for call in candidates
            for target, bound in self.callee_functions(call)
            if target is function
        )
        self._call_sites_memo[function] = sites
        return sites

    @cached_property
    def _lambda_names(self) -> frozenset[str]:
        """Names and attribute names a lambda is bound to anywhere in the file."""
        return frozenset(name for node in self.src.nodes_of_type(cst.Lambda) if (name := self._bound_name(node)) is not None)

    def _bound_name(self, function: cst.Lambda) -> str | None:
        """`td` for `td = lambda ...` or `self.td = lambda ...`; None for a lambda used otherwise."""
        statement = self.src.parent(function)
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            target = statement.targets[0].target
        elif isinstance(statement, cst.AnnAssign):
            target = statement.target
        else:
            return None
        if statement.value is not function:
            return None
        if isinstance(target, cst.Name):
            return target.value
        if isinstance(target, cst.Attribute):
            return target.attr.value
        return None

    def _lambda_call_sites(self, function: cst.Lambda) -> tuple[CallSite, ...]:
        """The calls of a lambda bound to a name or an attribute (`td = lambda r, s2, d: ...`,
        `self.td = lambda ...`): calls by that name whose callee resolves to this lambda. A lambda
        in a class body called through an instance gets the instance as its first argument."""
        name = self._bound_name(function)
        if name is None:
            return ()
        in_class_body = self._class_holding_lambda(function) is not None
        sites = []
        for call in self.src.calls_by_callee_name.get(name, ()):
            if any(leaf.node is function and not leaf.path for leaf in self.resolve(Ref(call.func), follow_calls=False)):
                sites.append(CallSite(call, in_class_body and isinstance(call.func, cst.Attribute)))
        return tuple(sites)

    def _class_holding_lambda(self, function: cst.Lambda) -> cst.ClassDef | None:
        """The class whose body binds this lambda (`td = lambda self, r: ...` as a class attribute)."""
        if self._bound_name(function) is None:
            return None
        line = self.src.parent(self.src.parent(function))
        block = self.src.parent(line) if line is not None else None
        cls = self.src.parent(block) if block is not None else None
        return cls if isinstance(cls, cst.ClassDef) else None

    def called_lambdas(self, call: cst.Call) -> list[cst.Lambda]:
        """The lambdas of this file a call may run (`td(r, s2, d)` after `td = lambda r, s2, d: ...`)."""
        if callee_name(call.func) not in self._lambda_names:
            return []
        return [
            leaf.node
            for leaf in self.resolve(Ref(call.func), follow_calls=False)
            if isinstance(leaf.node, cst.Lambda) and not leaf.path and call in {site.call for site in self.call_sites(leaf.node)}
        ]

    def return_values(self, function: cst.FunctionDef) -> list[Ref]:
        return [Ref(node.value) for node in self.src.returns_by_function.get(function, ()) if node.value is not None]

    def return_values_for(self, call: cst.Call, function: cst.FunctionDef, bound: bool) -> list[Ref]:
        """What one call of `function` may return: a return under `if flag:` / `else:` where the
        call passes a literal True or False for the parameter `flag` is kept only on the branch
        that literal takes (`infer(s2, uses_target=True)` returns the target network's output)."""
        returns = self.src.returns_by_function.get(function, ())
        if not returns or not any(param.default is not None or keyword_arg(call, param.name.value) for param in function.params.params):
            return [Ref(node.value) for node in returns if node.value is not None]
        return [
            Ref(node.value)
            for node in returns
            if node.value is not None and not self._branch_not_taken(node, call, function, bound)
        ]

    def _branch_not_taken(self, node: cst.CSTNode, call: cst.Call, function: cst.FunctionDef, bound: bool) -> bool:
        child = node
        for ancestor in self.src.ancestors(node):
            if ancestor is function:
                return False
            if isinstance(ancestor, (cst.IndentedBlock, cst.Module)) and self._returned_earlier(child, ancestor, call, function, bound):
                return True
            if isinstance(ancestor, cst.If) and child is not ancestor.test:
                value = self.test_value(ancestor.test, call, function, bound)
                if value is not None and (child is ancestor.body) != value:
                    return True
            child = ancestor
        return False

    def _returned_earlier(self, statement: cst.CSTNode, block, call: cst.Call, function: cst.FunctionDef, bound: bool) -> bool:
        """`if uses_target: return target(x)` before `return online(x)`: with `uses_target=True`
        the call never gets past the `if`."""
        for earlier in block.body:
            if earlier is statement:
                return False
            if not isinstance(earlier, cst.If) or earlier.orelse is not None or not earlier.body.body:
                continue
            last = earlier.body.body[-1]
            if not (isinstance(last, cst.SimpleStatementLine) and any(isinstance(part, cst.Return) for part in last.body)):
                continue
            if self.test_value(earlier.test, call, function, bound):
                return True
        return False

    def test_value(self, test: cst.BaseExpression, call: cst.Call, function: cst.FunctionDef, bound: bool) -> bool | None:
        """What an `if` test on a parameter (`uses_target`, `not uses_target`) is for one call that
        passes (or leaves by default) a literal True or False; None when that cannot be told."""
        negated = False
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, not negated
        value = self._literal_argument(test, call, function, bound)
        return None if value is None else value != negated

    def _literal_argument(self, test: cst.BaseExpression, call: cst.Call, function: cst.FunctionDef, bound: bool) -> bool | None:
        """The literal True/False a call passes (or leaves by default) for the parameter `test` names."""
        if not isinstance(test, cst.Name):
            return None
        param = next((param for param in function.params.params if param.name.value == test.value), None)
        if param is None:
            return None
        argument = self.argument_for(call, function, param, bound)
        if argument is None:
            if any(arg.star for arg in call.args):
                return None
            argument = param.default
        if isinstance(argument, cst.Name) and argument.value in ("True", "False"):
            return argument.value == "True"
        return None

    def is_self_parameter(self, param: cst.Param) -> cst.ClassDef | None:
        function = self.function_of_param(param)
        if isinstance(function, cst.Lambda):  # a lambda in a class body is a method too
            cls = self._class_holding_lambda(function)
            params = list(function.params.posonly_params) + list(function.params.params)
            return cls if cls is not None and params and params[0] is param else None
        if function is None:
            return None
        cls = self.src.enclosing_class(function)
        if cls is None:
            return None
        params = list(function.params.posonly_params) + list(function.params.params)
        if not params or params[0] is not param:
            return None
        for decorator in function.decorators:
            if isinstance(decorator.decorator, cst.Name) and decorator.decorator.value == "staticmethod":
                return None
        return cls

    def sole_parameter(self, node: cst.BaseExpression) -> cst.Param | None:
        """The parameter (not `self`) a name reads when that is its only definition."""
        if not isinstance(node, cst.Name):
            return None
        definitions = self.definitions(node) or ()
        if len(definitions) != 1 or definitions[0].path or not isinstance(definitions[0].node, cst.Param):
            return None
        param = definitions[0].node
        return None if self.is_self_parameter(param) is not None else param

    def function_of_param(self, param: cst.Param) -> cst.FunctionDef | cst.Lambda | None:
        parameters = self.src.parent(param)
        function = self.src.parent(parameters) if parameters is not None else None
        return function if isinstance(function, (cst.FunctionDef, cst.Lambda)) else None

    def argument_for(self, call: cst.Call, function: cst.FunctionDef, param: cst.Param, bound: bool) -> cst.BaseExpression | None:
        """The expression a call passes for one parameter (None when it cannot be told)."""
        keyword = keyword_arg(call, param.name.value)
        if keyword is not None:
            return keyword.value
        plain = list(function.params.posonly_params) + list(function.params.params)
        if param not in plain or any(arg.star == "*" for arg in call.args):
            return None
        index = plain.index(param) - (1 if bound else 0)
        args = positional_args(call)
        return args[index].value if 0 <= index < len(args) else None  # `**kwargs` cannot bind it again

    def parameter_values(self, param: cst.Param, path: tuple) -> list[Ref]:
        """Arguments bound to a parameter at the file's call sites, plus its default value."""
        if self.is_self_parameter(param) is not None:
            return []
        function = self.function_of_param(param)
        if function is None:
            return []
        sites = self.call_sites(function)
        values: list[Ref] = []
        if param.default is not None:
            values.append(Ref(param.default, path))
        spawns = self.spawn_sites.get(function, ()) if isinstance(function, cst.FunctionDef) else ()
        if spawns:
            values += self._spawned_arguments(function, param, path, spawns)
        if not sites:
            return values if spawns else []
        plain = list(function.params.posonly_params) + list(function.params.params)
        name = param.name.value
        for site in sites:
            call = site.call
            offset = 1 if site.bound else 0
            if function.params.star_arg is param:
                if path and path[0][0] == "item":
                    index = len(plain) - offset + path[0][1]
                    args = positional_args(call)
                    if any(arg.star == "*" for arg in call.args):
                        return []
                    if index < len(args):
                        values.append(Ref(args[index].value, path[1:]))
                continue
            if function.params.star_kwarg is param:
                if path and path[0][0] == "key":
                    keyword = keyword_arg(call, path[0][1])
                    if keyword is not None:
                        values.append(Ref(keyword.value, path[1:]))
                continue
            keyword = keyword_arg(call, name)
            if keyword is not None:
                values.append(Ref(keyword.value, path))
                continue
            if param in plain:
                index = plain.index(param) - offset
                if any(arg.star == "*" for arg in call.args):
                    return []  # `f(*xs)`: which argument lands where is not known
                args = positional_args(call)
                if 0 <= index < len(args):
                    values.append(Ref(args[index].value, path))  # `**kwargs` cannot bind it again
                elif any(arg.star == "**" for arg in call.args):
                    return []  # bound from `**kwargs`, or left at its default: not known
        return values

    # ==== processes and pipes ======================================================================
    @cached_property
    def spawn_sites(self) -> dict[cst.FunctionDef, list[cst.Call]]:
        """Functions run in a worker process or thread, with the calls that start them:
        `Process(target=worker, args=(work_remote, remote, env_fn))` (also from a
        `multiprocessing.get_context(...)`, and `threading.Thread`)."""
        found: dict[cst.FunctionDef, list[cst.Call]] = defaultdict(list)
        for name in ("Process", "Thread"):
            for call in self.src.calls_by_callee_name.get(name, ()):
                target = keyword_arg(call, "target")
                if target is None or not isinstance(target.value, cst.Name) or not self._spawns(call):
                    continue
                for binding in self.src.referents(target.value):
                    if isinstance(binding.node, cst.FunctionDef):
                        found[binding.node].append(call)
        return found

    def runs_in_worker(self, node: cst.CSTNode) -> bool:
        """Whether `node` is in a function run by a worker process or thread (see `spawn_sites`)."""
        function = self.src.enclosing_function(node)
        return function is not None and function in self.spawn_sites

    def _spawns(self, call: cst.Call) -> bool:
        if self.src.names_any(call.func, _SPAWNERS):
            return True
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "Process":  # `ctx.Process(...)`
            return any(
                isinstance(leaf.node, cst.Call) and not leaf.path and self.src.names_any(leaf.node.func, _CONTEXT_FACTORIES)
                for leaf in self.resolve(Ref(call.func.value), follow_calls=False)
            )
        return False

    def _spawned_arguments(self, function: cst.FunctionDef, param: cst.Param, path: tuple, spawns) -> list[Ref]:
        """The values `args=(...)` and `kwargs={...}` of the starting calls bind to `param`."""
        plain = list(function.params.posonly_params) + list(function.params.params)
        values = []
        for call in spawns:
            args, kwargs = keyword_arg(call, "args"), keyword_arg(call, "kwargs")
            if param in plain and args is not None and isinstance(args.value, (cst.Tuple, cst.List)):
                elements = args.value.elements
                index = plain.index(param)
                if any(isinstance(element, cst.StarredElement) for element in elements[: index + 1]):
                    continue
                if index < len(elements):
                    values.append(Ref(elements[index].value, path))
                    continue
            if kwargs is not None and isinstance(kwargs.value, cst.Dict):
                for element in kwargs.value.elements:
                    if isinstance(element, cst.DictElement) and string_value(element.key) == param.name.value:
                        values.append(Ref(element.value, path))
        return values

    def received(self, call: cst.Call) -> list[Ref] | None:
        """What `conn.recv()` may return: the values sent with `.send(v)` on the other end of the
        pipe `conn` is one end of; None when `conn` is not traced to a `Pipe()`."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "recv" or call.args:
            return None
        ends = self._pipe_ends(func.value)
        if not ends:
            return None
        peers = {(pipe, 1 - end) for pipe, end in ends}
        sent = []
        for send in self.method_calls.get("send", ()):
            args = positional_args(send)
            if len(args) == 1 and len(send.args) == 1 and self._pipe_ends(send.func.value) & peers:
                sent.append(Ref(args[0].value))
        return sent

    def _pipe_ends(self, connection: cst.BaseExpression) -> set[tuple[cst.Call, int]]:
        """The `(Pipe() call, end)` pairs a connection may be: end 0 or 1 of the pair it returns."""
        ends = set()
        for leaf in self.resolve(Ref(connection)):
            node, path = leaf.node, leaf.path
            if isinstance(node, cst.Call) and path and path[0][0] == "item" and path[0][1] in (0, 1, -1, -2):
                if self.src.names_any(node.func, _PIPES):
                    ends.add((node, path[0][1] % 2))
        return ends

    # ==== namedtuples and replay buffers ======================================================================
    def namedtuple_fields(self, func: cst.BaseExpression) -> list[str] | None:
        """Field names when `func` is a record type: a namedtuple (also one kept in `self.experience`),
        a `typing.NamedTuple` class or a dataclass."""
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        if isinstance(func, cst.Name):
            for assignment in self.src.referents(func):
                if isinstance(assignment.node, cst.ClassDef):
                    return self._record_class_fields(assignment.node)
        for leaf in self.resolve(Ref(func), follow_calls=False):
            call = leaf.node
            if not leaf.path and isinstance(call, cst.Call) and self.src.names_any(call.func, torch_api.NAMEDTUPLE_FACTORIES):
                args = positional_args(call)
                fields = keyword_arg(call, "field_names")
                spec = fields.value if fields is not None else (args[1].value if len(args) > 1 else None)
                return _field_names(spec)
        return None

    def _record_class_fields(self, node: cst.ClassDef) -> list[str] | None:
        is_record = any(self.src.names_any(arg.value, torch_api.NAMEDTUPLE_CLASSES) for arg in node.bases) or any(
            self.src.names_any(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator, torch_api.DATACLASS)
            for d in node.decorators
        )
        if not is_record:
            return None
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        return [
            small.target.value
            for line in body
            if isinstance(line, cst.SimpleStatementLine)
            for small in line.body
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
        ]

    def fetched_from_store(self, fetch: cst.Call, path: tuple) -> list[Ref]:
        """Slot `k` of what an opaque buffer returns is argument `k` of what was stored in it.

        Used only when the buffer's class is not in the file: the store call must be a statement
        on the same object with as many arguments as the fetch result has slots (or a keyword
        argument named like the field read), otherwise the trace stops.
        """
        receiver = fetch.func.value
        step = path[0]
        fetch_method = fetch.func.attr.value
        library = self._library_buffer_fetch(fetch, receiver, step)
        if library is not None:
            return [ref.project(*path[1:]) for ref in library]
        matches: list[Ref] = []
        for method, calls in self.method_calls.items():
            if method == fetch_method:
                continue
            for call in calls:
                if call is fetch or not isinstance(self.src.parent(call), cst.Expr):
                    continue
                stored = self._stored_slot(call, step)  # cheap: the arity or keyword first
                if stored is None:
                    continue
                if not self.same_storage(call.func.value, receiver) and self.objects(Ref(call.func.value)).isdisjoint(
                    self.objects(Ref(receiver))
                ):
                    continue
                matches.append(Ref(stored, path[1:]))
        return matches

    @staticmethod
    def _stored_slot(call: cst.Call, step: tuple) -> cst.BaseExpression | None:
        """The argument of a store call that a fetch's slot `step` reads back, if the shapes match."""
        if step[0] == "item" and step[2] is not None:
            args = positional_args(call)
            if len(args) == step[2] and len(call.args) == len(args):
                return args[step[1]].value
        elif step[0] == "attr":
            keyword = keyword_arg(call, step[1])
            if keyword is not None:
                return keyword.value
        return None

    def _library_buffer_fetch(self, fetch: cst.Call, receiver: cst.BaseExpression, step: tuple) -> list[Ref] | None:
        """A field of `rb.sample(n)` for Stable-Baselines3's `ReplayBuffer`: the argument its `add`
        calls pass for that field. `dones` only when the buffer was made with
        `handle_timeout_termination=False` (by default SB3 takes time-outs back out of them).
        None when `receiver` is no such buffer."""
        if fetch.func.attr.value != "sample":
            return None
        constructions = [obj.site for obj in self.objects(Ref(receiver)) if obj.kind == "new" and isinstance(obj.site, cst.Call)]
        if not constructions or not all(self.src.qualified_names(call.func) & torch_api.SB3_REPLAY_BUFFERS for call in constructions):
            return None
        if step[0] == "attr":
            field = step[1]
        elif step[0] == "item" and step[2] in (None, len(torch_api.SB3_SAMPLE_FIELDS)) and 0 <= step[1] < len(torch_api.SB3_SAMPLE_FIELDS):
            field = torch_api.SB3_SAMPLE_FIELDS[step[1]]
        else:
            return []
        if field not in torch_api.SB3_ADD_ARGUMENTS:
            return []
        if field == "dones" and not all(_passes(call, "handle_timeout_termination", "False") for call in constructions):
            return []
        if field == "next_observations" and any(_passes(call, "optimize_memory_usage", "True") for call in constructions):
            field = "observations"  # next states are read back from the next slot's observation
        position, keyword = torch_api.SB3_ADD_ARGUMENTS[field]
        stored: list[Ref] = []
        for call in self.method_calls.get("add", ()):
            if self.objects(Ref(call.func.value)).isdisjoint(self.objects(Ref(receiver))):
                continue
            named = keyword_arg(call, keyword)
            args = positional_args(call)
            if named is not None:
                stored.append(Ref(named.value))
            elif position < len(args) and not any(arg.star for arg in call.args):
                stored.append(Ref(args[position].value))
        return stored

    # ==== objects: identity of networks ======================================================================
    def objects(self, ref: Ref) -> frozenset[Obj]:
        return self._objects_memo((id(ref.node), ref.path), lambda: frozenset(self._objects(ref)))

    def _objects(self, ref: Ref) -> set[Obj]:
        out: set[Obj] = set()
        for leaf in self.resolve(ref, follow_calls=False):
            out |= self._leaf_objects(leaf)
        return out

    def _leaf_objects(self, leaf: Ref) -> set[Obj]:
        node = leaf.node
        if leaf.path:
            base = self.objects(Ref(node)) if isinstance(node, (cst.Param, cst.Name, cst.Attribute, cst.Call)) else frozenset()
            return {Obj("projection", (base or id(node), leaf.path))}
        if isinstance(node, cst.Param):
            cls = self.is_self_parameter(node) or self._annotated_record_class(node)
            if cls is None:
                return {Obj("param", node)}
            # `self` in a method of C, or `env: Env`, may be an instance of C or of any subclass of C
            # in the file (an abstract base's own `step` runs nothing)
            return {Obj("instance", each) for each in (cls, *self.subclasses(cls))}
        if isinstance(node, cst.Name):
            if node.value in _CONSTANT_NAMES:  # `self.q, self.target = None, None` holds no network
                return set()
            qualified = self.src.qualified_names(node)
            return {Obj("global", min(qualified) if qualified else node.value)}
        if isinstance(node, cst.Attribute):
            return {Obj("projection", (self.objects(Ref(node.value)) or id(node), (("attr", node.attr.value),)))}
        if isinstance(node, cst.IfExp):
            return set(self.objects(Ref(node.body)) | self.objects(Ref(node.orelse)))
        if isinstance(node, cst.BooleanOperation):
            return set(self.objects(Ref(node.left)) | self.objects(Ref(node.right)))
        if isinstance(node, cst.Call):
            return self._call_objects(node)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return {Obj("definition", node)}
        if isinstance(node, cst.Module):
            return {Obj("module", node)}
        return set()

    def _call_objects(self, call: cst.Call) -> set[Obj]:
        qualified = self.src.qualified_names(call.func)
        args = positional_args(call)
        if "copy.deepcopy" in qualified:
            return {Obj("new", call)}
        if "copy.copy" in qualified and args:
            return {Obj("new", call, shallow_of=self.objects(Ref(args[0].value)))}
        if not qualified.isdisjoint(torch_api.MODULE_WRAPPERS) and args:
            return set(self.objects(Ref(args[0].value)))  # torch.compile(net) runs net's own parameters
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in torch_api.SELF_RETURNING_MODULE_METHODS and not qualified:
            receiver = self.objects(Ref(call.func.value))
            if receiver:
                return set(receiver)
        cls = self.local_class(call.func)
        if cls is not None:
            if self.is_module_class(cls):
                return {Obj("new", (call, cls))}
            return {Obj("instance", cls)}
        held = self._classes_held_by(call.func)
        if held:
            return {Obj("new", (call, each)) if self.is_module_class(each) else Obj("instance", each) for each in held}
        functions = (
            [function for function, _ in self.callee_functions(call)]
            if isinstance(call.func, cst.Name) or self.src.member_bindings(call.func) or self._is_own_method_call(call)
            else []
        )
        if functions:
            out: set[Obj] = set()
            for function in functions:
                for value in self.return_values(function):
                    for obj in self.objects(value):
                        # objects made inside a factory are distinct per call of the factory
                        out.add(Obj("new", (call, obj.site), obj.shallow_of) if obj.kind == "new" else obj)
            return out
        return {Obj("new", call)}

    def _is_own_method_call(self, call: cst.Call) -> bool:
        """`self._make_env(...)` or `GymEnv.from_gym_make(...)`: a factory method of the object's
        own class, or a static or class method of a class of the program."""
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return False
        return self._self_class_of(self.src.referents(func.value)) is not None or self.local_class(func.value) is not None

    def module_components(self, objects: frozenset[Obj]) -> frozenset[Obj]:
        """The objects whose parameters a network's parameters include.

        A network shares parameters with another when they are one object, one is a shallow copy
        of the other, or both hold the same submodule (passed to their constructors or assigned
        as an attribute).
        """
        out: set[Obj] = set()
        pending = list(objects)
        while pending:
            obj = pending.pop()
            if obj in out:
                continue
            out.add(obj)
            pending.extend(obj.shallow_of)
            site = obj.site
            call = site[0] if isinstance(site, tuple) and len(site) == 2 and isinstance(site[0], cst.Call) else site
            if self._is_module_object(obj) and isinstance(call, cst.Call):
                for arg in call.args:
                    pending.extend(o for o in self.objects(Ref(arg.value)) if self._is_module_object(o))
            if obj.kind == "new":
                pending.extend(self._modules_assigned_into(obj))
        return frozenset(out)

    def _modules_assigned_into(self, obj: Obj) -> list[Obj]:
        """What a network gets from outside its class: submodules or parameters assigned into it
        (`target.body = online.body`, `target.body.weight = online.body.weight`) and parameter
        storage aliased in a loop (`for tp, p in zip(target.parameters(), online.parameters()):
        tp.data = p.data`)."""
        found = []
        for stores in self.field_stores.values():
            for store in stores:
                if isinstance(store.base, (cst.Name, cst.Attribute)) and any(
                    obj in projection_roots(base) for base in self.objects(Ref(store.base))
                ):
                    own_class = self._class_of_self(store.base)
                    found.extend(
                        value for value in self.objects(store.value) if not self._made_per_instance(value, own_class)
                    )
        for first, second, _statement in self.parameter_storage_aliases:
            for this, other in ((first, second), (second, first)):
                if obj in self.objects(Ref(this)):
                    found.extend(self.objects(Ref(other)))
        return found

    def _class_of_self(self, node: cst.BaseExpression) -> cst.ClassDef | None:
        """The class whose method `node` (a `self` parameter's name) is read in."""
        return self._self_class_of(self.src.referents(node)) if isinstance(node, cst.Name) else None

    def _self_class_of(self, referents) -> cst.ClassDef | None:
        if len(referents) != 1 or type(referents[0].node) is not cst.Param:
            return None
        return self.is_self_parameter(referents[0].node)

    def _made_per_instance(self, obj: Obj, own_class: cst.ClassDef | None) -> bool:
        """A submodule a class constructs in its own methods (`self.head = nn.Linear(...)`): each
        instance gets its own, so two instances of the class share nothing through it."""
        if own_class is None or obj.kind != "new":
            return False
        site = obj.site
        call = site[0] if isinstance(site, tuple) and len(site) == 2 else site
        return isinstance(call, cst.Call) and self.src.enclosing_class(call) is own_class

    @cached_property
    def parameter_storage_aliases(self) -> list[tuple[cst.BaseExpression, cst.BaseExpression, cst.CSTNode]]:
        """(A, B, statement) for `for a, b in zip(A.parameters(), B.parameters()): a.data = b.data`."""
        found = []
        for store in self.field_stores.get("data", ()):
            base, value = store.base, store.value.node
            if isinstance(value, cst.Attribute) and value.attr.value == "data":
                value = value.value
            owners = [self.parameters_loop_owner(base), self.parameters_loop_owner(value)]
            if all(owner is not None for owner in owners) and owners[0] is not owners[1]:
                found.append((owners[0], owners[1], store.statement))
        return found

    def parameters_loop_owner(self, node: cst.CSTNode) -> cst.BaseExpression | None:
        """`A` when `node` is a loop variable over `A.parameters()` or over a slot of `zip(A.parameters(), ...)`."""
        if not isinstance(node, cst.Name):
            return None
        loops = [definition for definition in self.definitions(node) or () if definition.path and definition.path[0] == ITER]
        if len(loops) > 1:  # one name reused by several loops: the loop the read is in decides
            iterables = {id(ancestor.iter) for ancestor in self.src.ancestors(node) if isinstance(ancestor, cst.For)}
            loops = [definition for definition in loops if id(definition.node) in iterables] or loops
        for definition in loops:
            source = definition.node
            rest = definition.path[1:]
            if rest and rest[0][0] == "item" and isinstance(source, cst.Call) and "builtins.zip" in self.src.qualified_names(source.func):
                args = positional_args(source)
                source = args[rest[0][1]].value if rest[0][1] < len(args) else None
            if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value == "parameters":
                return source.func.value
        return None

    def _is_module_object(self, obj: Obj) -> bool:
        """A module that may hold parameters (an activation or dropout shared by two networks is harmless)."""
        if obj.kind != "new":
            return False
        site = obj.site
        if isinstance(site, tuple) and len(site) == 2 and isinstance(site[1], cst.ClassDef):
            return True
        if isinstance(site, cst.Call):
            names = self.src.qualified_names(site.func)
            return any(name.startswith("torch.nn.") for name in names) and names.isdisjoint(torch_api.PARAMETER_FREE_MODULES)
        return False


def _passes(call: cst.Call, name: str, literal: str) -> bool:
    """Whether `call` passes `name=True` (`literal` "True") or `name=False`."""
    keyword = keyword_arg(call, name)
    return keyword is not None and isinstance(keyword.value, cst.Name) and keyword.value.value == literal


def first_argument(call: cst.Call) -> Ref | None:
    """The value a call passes first: `f(x)` passes `x`; `f(*args)` passes `args[0]`.

    Helpers that forward everything (`def from_numpy(*args): return torch.from_numpy(*args)`)
    are common in course code; the first element of what they forward is still the converted value.
    """
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        return Ref(arg.value, (("item", 0, None),)) if arg.star == "*" else Ref(arg.value)
    return None


def projection_roots(obj: Obj, depth: int = 0) -> frozenset[Obj]:
    """The objects an attribute chain starts from: `online` for `online.body.weight`."""
    if obj.kind != "projection" or depth > 6:
        return frozenset({obj})
    base = obj.site[0]
    if not isinstance(base, frozenset):
        return frozenset({obj})
    roots: set[Obj] = {obj}
    for inner in base:
        roots |= projection_roots(inner, depth + 1)
    return frozenset(roots)


def _targets_of_type(target: cst.BaseExpression, kind: type, path: tuple = ()):
    """Assignment targets of one kind (`x.attr`, `x[i]`) with their slot in tuple unpacking."""
    if isinstance(target, kind):
        yield target, path
    elif isinstance(target, (cst.Tuple, cst.List)):
        elements = target.elements
        if any(isinstance(element, cst.StarredElement) for element in elements):
            return
        for index, element in enumerate(elements):
            yield from _targets_of_type(element.value, kind, (("item", index, len(elements)),) + path)


def _mapped_items_source(comprehension: cst.DictComp) -> cst.BaseExpression | None:
    """`X` in `{k: f(v) for k, v in X.items()}`: the same keys, each value converted."""
    for_in = comprehension.for_in
    target = for_in.target
    if for_in.inner_for_in is not None or for_in.ifs or not isinstance(target, cst.Tuple) or len(target.elements) != 2:
        return None
    key, value = (element.value for element in target.elements)
    iterated = for_in.iter
    if not (
        isinstance(key, cst.Name)
        and isinstance(value, cst.Name)
        and isinstance(comprehension.key, cst.Name)
        and comprehension.key.value == key.value
        and isinstance(iterated, cst.Call)
        and isinstance(iterated.func, cst.Attribute)
        and iterated.func.attr.value == "items"
    ):
        return None
    element = _leftmost_operand(comprehension.value)
    return iterated.func.value if isinstance(element, cst.Name) and element.value == value.value else None


def _decorated_with(function: cst.FunctionDef, name: str) -> bool:
    """`@staticmethod`, `@classmethod` and the like, by their bare name."""
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == name for d in function.decorators)


def _record_field_arguments(call: cst.Call, fields: list[str], index: int) -> list[Ref]:
    """What a record's construction passes for field `index`: the keyword of its name, else the
    argument at its position when no `*row` comes before it, else slot `index` of each `*row` and
    the entry of each `**mapping`; nothing when none of these says."""
    name = fields[index] if index < len(fields) else None
    keyword = keyword_arg(call, name) if name is not None else None
    if keyword is not None:
        return [Ref(keyword.value)]
    args = positional_args(call)
    if index < len(args) and not any(arg.star == "*" for arg in call.args[: index + 1]):
        return [Ref(args[index].value)]
    found = [Ref(arg.value, (("item", index, len(fields)),)) for arg in call.args if arg.star == "*"]
    if name is not None:
        found += [Ref(arg.value, (("key", name),)) for arg in call.args if arg.star == "**"]
    return found


def _plainly_assigned_names(statement: cst.CSTNode) -> Iterator[str]:
    """The names a simple statement line unconditionally rebinds (not `+=`, which reads them)."""
    if type(statement) is not cst.SimpleStatementLine:
        return
    for small in statement.body:
        if type(small) is cst.Assign:
            for target in small.targets:
                yield from _bound_names(target.target)
        elif type(small) is cst.AnnAssign and small.value is not None:
            yield from _bound_names(small.target)


def _bound_names(target: cst.BaseExpression) -> Iterator[str]:
    kind = type(target)
    if kind is cst.Name:
        yield target.value
    elif kind is cst.Tuple or kind is cst.List:
        for element in target.elements:
            yield from _bound_names(element.value)


def _maps_its_target(comprehension: cst.ListComp | cst.GeneratorExp | cst.SetComp) -> bool:
    """A comprehension over one plain name whose element is that name or a call on it."""
    for_in = comprehension.for_in
    if for_in.inner_for_in is not None or for_in.ifs or not isinstance(for_in.target, cst.Name):
        return False
    element = _leftmost_operand(comprehension.elt)
    return isinstance(element, cst.Name) and element.value == for_in.target.value


def _leftmost_operand(node: cst.BaseExpression) -> cst.BaseExpression:
    """What a chain of conversions converts: `x` in `torch.as_tensor(np.array(x)[idx]).float()`."""
    while True:
        if isinstance(node, cst.Call) and node.args:
            node = node.args[0].value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        else:
            return node


def _single_index(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    return element.value if isinstance(element, cst.Index) else None


def _literal_key(node: cst.CSTNode) -> tuple | None:
    """("done", None) for `x["done"]`, (None, 4) for `x[4]`; None for any other expression."""
    if type(node) is not cst.Subscript:
        return None
    index = _single_index(node)
    if index is None:
        return None
    key = (string_value(index), int_value(index))
    return None if key == (None, None) else key


def _is_single_slice(node: cst.Subscript) -> bool:
    """`x[a:b]` (one slice, not `x[:, 0]`)."""
    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice)


def _field_names(spec: cst.BaseExpression | None) -> list[str] | None:
    if spec is None:
        return None
    text = string_value(spec)
    if text is not None:
        return text.replace(",", " ").split()
    if isinstance(spec, (cst.Tuple, cst.List)):
        names = [string_value(element.value) for element in spec.elements]
        return names if all(isinstance(name, str) for name in names) else None
    return None
