"""Syncs between networks: where one network's values are copied into another.

A target network is useful only if it is synced from the online network, the right way round.
The model records every sync it can see, typed, so that rules and fixes ask "is this network ever
synced, from which network, hard or soft, with what coefficient" instead of guessing from calls:

- hard: `dst.load_state_dict(src.state_dict())` (also through `copy.deepcopy(...)` or a variable
  holding the state dict), or a loop over `zip(dst.parameters(), src.parameters())` that copies each
  tensor (`d.data.copy_(s.data)`, `d.copy_(s)`);
- soft (Polyak): the same loop writing `tau * s + (1 - tau) * d`, `d.data.lerp_(s.data, tau)`, or
  `d.mul_(1 - tau)` followed by (or chained with) `d.add_(tau * s)`; the PyTorch tutorial's
  `dst_sd[k] = src_sd[k] * tau + dst_sd[k] * (1 - tau)` then `dst.load_state_dict(dst_sd)` (also as a
  dict comprehension); and SB3's `polyak_update(src_params, dst_params, tau)`;
- a helper that syncs its parameters (`def soft_update(target, source, tau)`) is a sync at each of
  its call sites, with the arguments in place of the parameters: a swapped call is seen as such.

`Sync.source_shares` is the fraction of the source a sync copies, where the numbers are known:
1 for a hard sync, `tau` for a soft one (every value the coefficient may take, from literals,
defaults and call sites); empty when a coefficient cannot be evaluated.

A `load_state_dict` of anything that is not a network's `state_dict()` (a checkpoint from disk)
is a load, not a sync. Parameters handed to an optimizer are trained, not synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property

import libcst as cst

from dqn_lint.model.dataflow import Dataflow, Ref
from dqn_lint.model.source import number_value, positional_args

_POLYAK_UPDATES = frozenset({"stable_baselines3.common.utils.polyak_update"})
_STATE_DICT_WRAPPERS = frozenset({"copy.deepcopy", "collections.OrderedDict", "builtins.dict"})
_WRITES = frozenset({"copy_", "lerp_", "mul_", "add_"})
_MAX_HELPER_DEPTH = 3
# In-place tensor methods return their receiver: `tp.data.mul_(1 - tau).add_(tau * p.data)` writes `tp`.
_IN_PLACE = frozenset({"copy_", "lerp_", "mul_", "add_", "sub_", "div_", "addcmul_", "clamp_", "zero_"})


class SyncKind(Enum):
    HARD = "hard"  # the destination becomes a copy of the source
    SOFT = "soft"  # the destination moves a fraction of the way toward the source


@dataclass(frozen=True)
class Sync:
    kind: SyncKind
    destination: cst.BaseExpression  # the network written
    source: cst.BaseExpression  # the network read
    node: cst.CSTNode  # the call that writes: `load_state_dict`, `copy_`, `lerp_`, `add_`, `polyak_update`
    coefficients: tuple[cst.BaseExpression, ...] = ()  # soft: the factors of the source's share (`tau`)
    source_shares: tuple[float, ...] = ()  # the values the source's share may take; () when not known
    via: cst.Call | None = None  # the call of a helper that does the sync for its arguments

    @property
    def site(self) -> cst.CSTNode:
        """Where the sync is asked for: the helper's call site, or the write itself."""
        return self.via if self.via is not None else self.node


@dataclass(frozen=True)
class Network:
    """What the program does with one network binding (`self.target`, `q_net`)."""

    binding: cst.BaseExpression
    trained: bool  # the optimizer's network, or the one the loss's prediction runs
    shares_parameters_with_trained: bool  # the trained network itself, an alias, a shallow copy, a shared submodule
    frozen: bool  # every parameter has requires_grad False
    syncs_in: tuple[Sync, ...]  # syncs that write into it
    syncs_out: tuple[Sync, ...]  # syncs that copy it into another network
    creations: tuple[cst.CSTNode, ...] = ()  # the statements that bind a network to it (`= None` left out)
    made_by: tuple[cst.CSTNode, ...] = ()  # the calls that make what it holds: `copy.deepcopy(...)`, `QNet(...)`
    opaque_uses: tuple[cst.CSTNode, ...] = ()  # uses that may write its values in ways the model cannot read
    holder_in_view: bool = True  # every piece of code that can reach it is in the analysed files
    initial_syncs: tuple[Sync, ...] = ()  # syncs in or out that run once, beside its creation (not in a loop)
    made_once: bool = False  # one creation, run once for the many uses (not a copy made at every call)

    @property
    def writes_in_view(self) -> bool:
        """Whether every write into this network is one the model sees: made once, then only run,
        switched, frozen, synced or read."""
        return self.holder_in_view and not self.opaque_uses and bool(self.made_by) and self.made_once


class SyncFinder:
    def __init__(self, dataflow: Dataflow) -> None:
        self.df = dataflow
        self.src = dataflow.src

    @cached_property
    def syncs(self) -> tuple[Sync, ...]:
        found: list[Sync] = []
        for call in self.df.method_calls.get("load_state_dict", ()):
            sync = self._state_dict_sync(call)
            if sync is not None:
                found.append(sync)
        for method in _WRITES:
            for call in self.df.method_calls.get(method, ()):
                sync = self._parameter_write(call)
                if sync is not None:
                    found.append(sync)
        for call in self.src.nodes_of_type(cst.Call):
            if not self.src.qualified_names(call.func).isdisjoint(_POLYAK_UPDATES):
                sync = self._polyak_update(call)
                if sync is not None:
                    found.append(sync)
        out: list[Sync] = []
        pending = [(sync, 0) for sync in found]
        while pending:
            sync, depth = pending.pop()
            expanded = self._at_call_sites(sync)
            if expanded == [sync] or depth >= _MAX_HELPER_DEPTH:
                out.extend(expanded)
            else:  # the helper's caller may pass its own parameters on: `train_step(q, target_q)`
                pending.extend((each, depth + 1) for each in expanded)
        return tuple(out)

    # ---- load_state_dict ------------------------------------------------------------------------------
    def _state_dict_sync(self, call: cst.Call) -> Sync | None:
        args = positional_args(call)
        if not args or not isinstance(call.func, cst.Attribute):
            return None
        destination = call.func.value
        value = args[0].value
        if isinstance(value, cst.DictComp):
            return self._comprehension_sync(call, destination, value)
        source = self._state_dict_owner(value)
        if source is None:
            return None
        if self.df.same_storage(source, destination):  # its own state dict, written entry by entry
            return self._entry_writes_sync(call, destination, value)
        return self._sync(SyncKind.HARD, destination, source, call)

    def _state_dict_owner(self, value: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression | None:
        """`net` when `value` is `net.state_dict()`, perhaps copied or held in a variable."""
        for leaf in self.df.resolve(Ref(value)):
            node = leaf.node
            if leaf.path or not isinstance(node, cst.Call):
                continue
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "state_dict" and not node.args:
                return node.func.value
            args = positional_args(node)
            if depth < 3 and args and not self.src.qualified_names(node.func).isdisjoint(_STATE_DICT_WRAPPERS):
                owner = self._state_dict_owner(args[0].value, depth + 1)
                if owner is not None:
                    return owner
        return None

    def _entry_writes_sync(self, call: cst.Call, destination, state: cst.BaseExpression) -> Sync | None:
        """`sd = dst.state_dict(); sd[k] = src_sd[k] * tau + sd[k] * (1 - tau); dst.load_state_dict(sd)`."""
        if not isinstance(state, (cst.Name, cst.Attribute)):
            return None
        for _subscript, value, _statement in self.df.element_stores(state):
            if value is None:
                continue
            sync = self._blend(call, destination, value.node, self._entry_source(destination))
            if sync is not None:
                return sync
        return None

    def _comprehension_sync(self, call: cst.Call, destination, comprehension: cst.DictComp) -> Sync | None:
        """`dst.load_state_dict({k: tau * v + (1 - tau) * dst_sd[k] for k, v in src.state_dict().items()})`."""
        loop = comprehension.for_in
        items = loop.iter
        if not (isinstance(items, cst.Call) and isinstance(items.func, cst.Attribute) and items.func.attr.value == "items"):
            return None
        owner = self._state_dict_owner(items.func.value)
        target = loop.target
        value_name = (
            target.elements[1].value.value
            if isinstance(target, cst.Tuple) and len(target.elements) == 2 and isinstance(target.elements[1].value, cst.Name)
            else None
        )
        entry_source = self._entry_source(destination)

        def source_of(factor: cst.BaseExpression) -> cst.BaseExpression | None:
            if owner is not None and isinstance(factor, cst.Name) and factor.value == value_name:
                return None if self.df.same_storage(owner, destination) else owner
            return entry_source(factor)

        return self._blend(call, destination, comprehension.value, source_of)

    def _entry_source(self, destination):
        def source_of(factor: cst.BaseExpression) -> cst.BaseExpression | None:
            if not isinstance(factor, cst.Subscript):
                return None
            owner = self._state_dict_owner(factor.value)
            return None if owner is None or self.df.same_storage(owner, destination) else owner

        return source_of

    def _blend(self, call, destination, value: cst.BaseExpression, source_of) -> Sync | None:
        """The sync a written value makes: the term that reads another network, and its factors."""
        terms = _terms(value)
        for term in terms:
            factors = _factors(term)
            for factor in factors:
                source = source_of(factor)
                if source is None:
                    continue
                coefficients = tuple(other for other in factors if other is not factor)
                soft = bool(coefficients) or len(terms) > 1
                return self._sync(SyncKind.SOFT if soft else SyncKind.HARD, destination, source, call, coefficients)
        return None

    # ---- loops over parameters ------------------------------------------------------------------------
    def _parameter_write(self, call: cst.Call) -> Sync | None:
        """`d.data.copy_(...)`, `d.lerp_(s, tau)`, `d.add_(tau * s)` inside a loop over zipped parameters."""
        destination_param = _written_tensor(call.func.value)
        destination = self.df.parameters_loop_owner(destination_param)
        if destination is None:
            return None
        method = call.func.attr.value
        args = positional_args(call)
        if not args:
            return None
        if method == "mul_":
            return None  # the decay half of `mul_(1 - tau)` + `add_(tau * s)`; the add_ is the sync
        if method == "lerp_":
            source = self._source_parameter(args[0].value, destination)
            weight = (args[1].value,) if len(args) > 1 else ()
            return self._sync(SyncKind.SOFT, destination, source, call, weight) if source is not None else None
        sync = self._blend(call, destination, args[0].value, lambda factor: self._source_parameter(factor, destination))
        if sync is not None and method == "add_" and sync.kind is SyncKind.HARD:
            sync = self._sync(SyncKind.SOFT, destination, sync.source, call, sync.coefficients)
        return sync

    def _source_parameter(self, node: cst.BaseExpression, destination: cst.BaseExpression) -> cst.BaseExpression | None:
        """The network whose parameter `node` is (a loop variable over another network's parameters)."""
        owner = self.df.parameters_loop_owner(_written_tensor(node))
        if owner is None or self.df.same_storage(owner, destination):
            return None
        return owner

    # ---- Stable-Baselines3 ------------------------------------------------------------------------------
    def _polyak_update(self, call: cst.Call) -> Sync | None:
        args = positional_args(call)
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        params = args[0].value if args else keywords.get("params")
        target_params = args[1].value if len(args) > 1 else keywords.get("target_params")
        tau = args[2].value if len(args) > 2 else keywords.get("tau")
        source, destination = _parameters_owner(params), _parameters_owner(target_params)
        if source is None or destination is None:
            return None
        return self._sync(SyncKind.SOFT, destination, source, call, (tau,) if tau is not None else ())

    # ---- helpers that sync their arguments ------------------------------------------------------------
    def _sync(self, kind, destination, source, node, coefficients=()) -> Sync:
        shares = (1.0,) if kind is SyncKind.HARD else self._share(coefficients, {})
        return Sync(kind, destination, source, node, tuple(coefficients), shares)

    def _at_call_sites(self, sync: Sync) -> list[Sync]:
        """A sync between a helper's parameters is a sync between the arguments of each call."""
        destination_param, source_param = self.df.sole_parameter(sync.destination), self.df.sole_parameter(sync.source)
        function = self._function_of(destination_param or source_param)
        if function is None:
            return [sync]
        sites = self.df.call_sites(function)
        if not sites:
            return [sync]
        out = []
        for site in sites:
            bindings = {}
            for param in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params):
                argument = self.df.argument_for(site.call, function, param, site.bound)
                if argument is None and param.default is not None:
                    argument = param.default
                if argument is not None:
                    bindings[param] = argument
            destination = bindings.get(destination_param, sync.destination) if destination_param else sync.destination
            source = bindings.get(source_param, sync.source) if source_param else sync.source
            if (destination_param and destination_param not in bindings) or (source_param and source_param not in bindings):
                continue
            shares = sync.source_shares if sync.via is not None else (
                (1.0,) if sync.kind is SyncKind.HARD else self._share(sync.coefficients, bindings)
            )
            out.append(Sync(sync.kind, destination, source, sync.node, sync.coefficients, shares, sync.via or site.call))
        return out

    def _function_of(self, param: cst.Param | None) -> cst.FunctionDef | None:
        function = self.df.function_of_param(param) if param is not None else None
        return function if isinstance(function, cst.FunctionDef) else None

    # ---- the source's share ---------------------------------------------------------------------------
    def _share(self, coefficients, bindings: dict) -> tuple[float, ...]:
        if not coefficients:
            return ()
        shares = [1.0]
        for coefficient in coefficients:
            values = self.numbers(coefficient, bindings)
            if not values:
                return ()
            shares = [share * value for share in shares for value in values]
        return tuple(sorted(set(shares)))

    def numbers(self, node: cst.BaseExpression, bindings: dict | None = None, depth: int = 0) -> tuple[float, ...]:
        """The values a numeric expression may take: literals, `1 - x`, products, and names bound to
        them (a helper's parameters through `bindings`, else every binding the model can see)."""
        bindings = bindings or {}
        if depth > 6:
            return ()
        value = number_value(node)
        if value is not None:
            return (value,)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return tuple(-v for v in self.numbers(node.expression, bindings, depth + 1))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply)):
            left, right = self.numbers(node.left, bindings, depth + 1), self.numbers(node.right, bindings, depth + 1)
            if not left or not right:
                return ()
            combine = {cst.Add: float.__add__, cst.Subtract: float.__sub__, cst.Multiply: float.__mul__}[type(node.operator)]
            return tuple(sorted({combine(float(a), float(b)) for a in left for b in right}))
        if isinstance(node, (cst.Name, cst.Attribute)):
            param = self.df.sole_parameter(node)
            if param is not None and param in bindings:
                return self.numbers(bindings[param], {}, depth + 1)
            leaves = self.df.resolve(Ref(node))
            values: set[float] = set()
            for leaf in leaves:
                if leaf.path or leaf.node is node:
                    return ()
                found = self.numbers(leaf.node, {}, depth + 1) if not isinstance(leaf.node, (cst.Name, cst.Attribute, cst.Param)) else ()
                if not found:
                    return ()
                values.update(found)
            return tuple(sorted(values))
        return ()


def _written_tensor(node: cst.BaseExpression) -> cst.BaseExpression:
    """The tensor an expression names: `p.data` and `p.mul_(x)` are `p`."""
    while True:
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _IN_PLACE:
            node = node.func.value
        else:
            return node


def _parameters_owner(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "parameters":
        return node.func.value
    return None


def _terms(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _factors(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return _factors(node.left) + _factors(node.right)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "mul" and node.args:
        return _factors(node.func.value) + _factors(node.args[0].value)  # `s.data.mul(tau)`
    return [node]


__all__ = ["Network", "Sync", "SyncFinder", "SyncKind"]
