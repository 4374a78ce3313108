"""Syncs between networks: where one network's values are copied into another.

A target network is useful only if it is synced from the online network, the right way round.
The model records every sync it can see, typed, so that rules and fixes ask "is this network ever
synced, from which network, hard or soft, with what coefficient" instead of guessing from calls:

- hard: `dst.load_state_dict(src.state_dict())` (also through `copy.deepcopy(...)` or a variable
  holding the state dict), or a loop over `zip(dst.parameters(), src.parameters())` that copies each
  tensor (`d.data.copy_(s.data)`, `d.copy_(s)`);
- soft (Polyak): the same loop writing `tau * s + (1 - tau) * d`, `d.data.lerp_(s.data, tau)`, or
  `d.mul_(1 - tau)` followed by `d.add_(tau * s)`; and SB3's `polyak_update(src_params, dst_params, tau)`.

A `load_state_dict` of anything that is not a network's `state_dict()` (a checkpoint from disk)
is a load, not a sync. Parameters handed to an optimizer are trained, not synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property

import libcst as cst

from dqn_lint.model.dataflow import Dataflow, Ref
from dqn_lint.model.source import positional_args

_POLYAK_UPDATES = frozenset({"stable_baselines3.common.utils.polyak_update"})
_STATE_DICT_WRAPPERS = frozenset({"copy.deepcopy", "collections.OrderedDict", "builtins.dict"})
_WRITES = frozenset({"copy_", "lerp_", "mul_", "add_"})


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


@dataclass(frozen=True)
class Network:
    """What the program does with one network binding (`self.target`, `q_net`)."""

    binding: cst.BaseExpression
    trained: bool  # the optimizer's network, or the one the loss's prediction runs
    shares_parameters_with_trained: bool  # the trained network itself, an alias, a shallow copy, a shared submodule
    frozen: bool  # every parameter has requires_grad False
    syncs_in: tuple[Sync, ...]  # syncs that write into it
    syncs_out: tuple[Sync, ...]  # syncs that copy it into another network


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
        return tuple(found)

    # ---- load_state_dict ------------------------------------------------------------------------------
    def _state_dict_sync(self, call: cst.Call) -> Sync | None:
        args = positional_args(call)
        if not args:
            return None
        source = self._state_dict_owner(args[0].value)
        if source is None:
            return None
        return Sync(SyncKind.HARD, call.func.value, source, call)

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

    # ---- loops over parameters ------------------------------------------------------------------------
    def _parameter_write(self, call: cst.Call) -> Sync | None:
        """`d.data.copy_(...)`, `d.lerp_(s, tau)`, `d.add_(tau * s)` inside a loop over zipped parameters."""
        destination_param = _strip_data(call.func.value)
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
            return Sync(SyncKind.SOFT, destination, source, call, weight) if source is not None else None
        terms = _terms(args[0].value)
        for term in terms:
            factors = _factors(term)
            for factor in factors:
                source = self._source_parameter(factor, destination)
                if source is None:
                    continue
                coefficients = tuple(other for other in factors if other is not factor)
                soft = bool(coefficients) or len(terms) > 1 or method == "add_"
                return Sync(SyncKind.SOFT if soft else SyncKind.HARD, destination, source, call, coefficients)
        return None

    def _source_parameter(self, node: cst.BaseExpression, destination: cst.BaseExpression) -> cst.BaseExpression | None:
        """The network whose parameter `node` is (a loop variable over another network's parameters)."""
        owner = self.df.parameters_loop_owner(_strip_data(node))
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
        return Sync(SyncKind.SOFT, destination, source, call, (tau,) if tau is not None else ())


def _strip_data(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.Attribute) and node.attr.value == "data":
        node = node.value
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
