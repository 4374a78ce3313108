"""The trailing shape of the tensors a TD loss compares: `[..., B]` or `[..., B, 1]`.

A Q-network's output puts the actions last: `[B, A]`, or `[S, B, A]` with a leading seed or
ensemble dimension. What a DQN loss compares is made from it by one of two roads:

- a gather over the action dimension keeps it, with size 1: `q.gather(1, a)` is `[B, 1]`;
- a reduction over it drops it: `max(1)[0]`, `.max(dim=1).values`, `q[range(B), a]`,
  `(q * one_hot).sum(1)` are `[B]`.

`squeeze` and `unsqueeze` move between the two. An element-wise loss between a `[B, 1]` and a
`[B]` broadcasts them to `[B, B]` (with a leading seed dimension it fails instead), and a TD target
that adds a `[B, 1]` term to a `[B]` term is `[B, B]` already. The model answers only on positive
evidence: a shape it cannot read is `UNKNOWN`, and rules stay silent about it. Rewards and masks
from a buffer have unknown shapes; they can only make a mismatch worse, so they are left out.
"""

from __future__ import annotations

from enum import Enum
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import Dataflow, Ref
from dqn_lint.model.memo import RecursiveMemo
from dqn_lint.model.source import int_value, keyword_arg, number_value, positional_args
from dqn_lint.model.td_targets import TDTarget


class Shape(str, Enum):
    """The trailing structure of a batch of values (a `str` enum, as reports show it)."""

    VECTOR = "[B]"  # the action dimension reduced away
    COLUMN = "[B, 1]"  # the action dimension kept with size 1
    ROW = "[1, B]"  # a vector with a size-1 dimension put before the batch
    PAIRS = "[B, B]"  # a `[B, 1]` and a `[B]` already broadcast together
    QVALUES = "[B, A]"  # a network's output: actions last
    SCALAR = "scalar"
    UNKNOWN = "unknown"


_SHAPED = frozenset({Shape.VECTOR, Shape.COLUMN, Shape.ROW, Shape.PAIRS})
# pairs of shapes an element-wise comparison broadcasts into a `[B, B]` (or a shape error)
MISMATCHED = frozenset({frozenset({Shape.COLUMN, Shape.VECTOR}), frozenset({Shape.COLUMN, Shape.ROW})})
# element-wise losses: each prediction is meant to meet its own target
ELEMENTWISE_LOSS_FUNCTIONS = frozenset(
    {"torch.nn.functional.mse_loss", "torch.nn.functional.smooth_l1_loss", "torch.nn.functional.l1_loss",
     "torch.nn.functional.huber_loss"}
)
ELEMENTWISE_LOSS_MODULES = frozenset({"torch.nn.MSELoss", "torch.nn.SmoothL1Loss", "torch.nn.L1Loss", "torch.nn.HuberLoss"})
_SHAPE_KEEPING_METHODS = frozenset(
    {"detach", "detach_", "float", "double", "half", "to", "cpu", "cuda", "clone", "contiguous", "type", "long",
     "int", "bool", "clamp", "clip", "clamp_", "mul", "mul_", "add", "add_", "masked_fill", "masked_fill_", "abs",
     "neg", "sqrt", "exp", "log"}
)
_ACTION_REDUCTIONS = frozenset({"max", "amax", "sum", "mean", "argmax", "logsumexp", "min", "amin"})
_PAIR_FIELDS = frozenset({("attr", "values"), ("attr", "indices")})  # of what `max(dim)` returns
_BATCH_INDEXERS = frozenset({"builtins.range", "torch.arange", "numpy.arange"})
_SHAPE_KEEPING_FUNCTIONS = frozenset({"torch.as_tensor", "torch.tensor", "torch.abs", "torch.clamp", "torch.clip"})


class Dims(NamedTuple):
    """A shape and, where known, the index of the (former) action dimension: 1 for `[B, A]`."""

    shape: Shape
    action_dim: int | None = None


_UNKNOWN = Dims(Shape.UNKNOWN)


class Comparison(NamedTuple):
    """An element-wise comparison in a loss: the loss call or the difference, and its two sides."""

    node: cst.CSTNode
    sides: tuple[cst.BaseExpression, cst.BaseExpression]


class TDLoss(NamedTuple):
    """A TD target compared with a prediction in an element-wise loss."""

    node: cst.CSTNode  # the loss call or the difference `q - y`
    prediction: cst.BaseExpression
    target: cst.BaseExpression  # the side the TD target flows into
    td_target: TDTarget


class Shapes:
    def __init__(self, dataflow: Dataflow, is_forward_call, is_loss_module_of) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self._is_forward_call = is_forward_call
        self._is_loss_module_of = is_loss_module_of  # (func, allowed constructor names) -> bool
        self._memo: RecursiveMemo[Dims] = RecursiveMemo(_UNKNOWN)

    # ---- the shape of an expression ---------------------------------------------------------------------
    def of(self, node: cst.BaseExpression) -> Shape:
        return self.dims(node).shape

    def dims(self, node: cst.BaseExpression) -> Dims:
        return self._memo(id(node), lambda: self._dims(node))

    def _dims(self, node: cst.BaseExpression) -> Dims:
        found: set[Dims] = set()
        for leaf in self.df.resolve(Ref(node)):
            if not leaf.path:
                found.add(self._leaf(leaf.node))
            elif len(leaf.path) == 1 and leaf.path[0][0] == "item" and isinstance(leaf.node, cst.Call) and self._is_forward_call(leaf.node):
                found.add(self._network_output(leaf.node, leaf.path[0][1]))  # `quantiles, options = net(s)`
            elif len(leaf.path) == 1 and (leaf.path[0][:2] in (("item", 0), ("item", 1)) or leaf.path[0] in _PAIR_FIELDS):
                found.add(self._reduced(leaf.node))  # `next_q, _ = target(s2).max(1)`, `.max(1).values`
            else:
                return _UNKNOWN  # an element of something: which dimension it came from is unknown
            if len(found) > 1:
                return _UNKNOWN
        return found.pop() if found else _UNKNOWN

    def _leaf(self, node: cst.CSTNode) -> Dims:
        if number_value(node) is not None:
            return Dims(Shape.SCALAR)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Subscript):
            return self._subscript(node)
        if isinstance(node, cst.Attribute) and node.attr.value in ("values", "indices"):
            return self._reduced(node.value)  # `q.max(1).values`
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            return self.dims(node.value)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.dims(node.expression)
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power)
        ):
            return self._broadcast([self.dims(node.left), self.dims(node.right)])
        return _UNKNOWN

    def _broadcast(self, parts: list[Dims]) -> Dims:
        """The known shapes of an element-wise combination; unknown and scalar parts are left out."""
        shaped = [part for part in parts if part.shape in _SHAPED]
        if any(part.shape is Shape.QVALUES for part in parts):
            return Dims(Shape.QVALUES) if not shaped else _UNKNOWN  # `q * one_hot`: still `[B, A]`
        kinds = {part.shape for part in shaped}
        if not kinds:
            return _UNKNOWN
        if Shape.PAIRS in kinds or frozenset(kinds) in MISMATCHED:
            return Dims(Shape.PAIRS)
        if len(kinds) == 1:
            dims = {part.action_dim for part in shaped}
            return Dims(kinds.pop(), dims.pop() if len(dims) == 1 else None)
        return _UNKNOWN

    def _call(self, call: cst.Call) -> Dims:
        if self._is_forward_call(call):
            return Dims(Shape.QVALUES)
        names = self.src.qualified_names(call.func)
        args = positional_args(call)
        if names:
            if not names.isdisjoint(torch_api.GATHER_FUNCTIONS) and len(args) >= 2:
                return self._gathered(args[0].value, args[1].value)
            if not names.isdisjoint(torch_api.MAX_FUNCTIONS - {"builtins.max"}) and args:
                return self._reduce(args[0].value, _dimension(call, position=1), call, keepdim_position=2)
            if not names.isdisjoint({"torch.squeeze", "torch.unsqueeze"}) and args:
                return self._reshape(args[0].value, "unsqueeze" if "torch.unsqueeze" in names else "squeeze", args[1:])
            if not names.isdisjoint(_SHAPE_KEEPING_FUNCTIONS) and len(call.args) == 1 and not call.args[0].star:
                return self.dims(args[0].value)
            return _UNKNOWN
        if not isinstance(call.func, cst.Attribute):
            return _UNKNOWN
        method, receiver = call.func.attr.value, call.func.value
        if method in torch_api.GATHER_METHODS and len(call.args) >= 2:
            return self._gathered(receiver, _dimension(call, position=0))
        if method in _ACTION_REDUCTIONS:
            return self._reduce(receiver, _dimension(call, position=0), call, keepdim_position=1)
        if method in ("squeeze", "squeeze_", "unsqueeze", "unsqueeze_", "view", "reshape", "flatten"):
            return self._reshape(receiver, method.rstrip("_"), args)
        if method in _SHAPE_KEEPING_METHODS:
            return self.dims(receiver)
        return _UNKNOWN

    def _network_output(self, call: cst.Call, index: object) -> Dims:
        """Element `index` of the tuple a network's own `forward` returns (`return quantiles, options`),
        shaped as it is made there; unknown when a `forward` returns anything else."""
        found: set[Dims] = set()
        for forward in self.df.forward_methods(call.func):
            if forward is None:
                return _UNKNOWN
            for returned in self.src.returns_by_function.get(forward, ()):
                value = returned.value
                if (not isinstance(value, cst.Tuple) or not isinstance(index, int) or index >= len(value.elements)
                        or any(isinstance(element, cst.StarredElement) for element in value.elements)):
                    return _UNKNOWN
                found.add(self.dims(value.elements[index].value))
        return found.pop() if len(found) == 1 else _UNKNOWN

    def _gathered(self, receiver: cst.BaseExpression, dim: cst.BaseExpression | None) -> Dims:
        """`q.gather(1, a)` on Q-values keeps the action dimension with size 1."""
        action = _action_dim(dim)
        if action is False or self.of(receiver) is not Shape.QVALUES:
            return _UNKNOWN
        return Dims(Shape.COLUMN, action)

    def _reduce(self, receiver: cst.BaseExpression, dim: cst.BaseExpression | None, call: cst.Call, keepdim_position: int) -> Dims:
        """`q.max(1)`, `q.sum(dim=1)`: the action dimension dropped, or kept with `keepdim=True`."""
        action = _action_dim(dim)
        if action is False or self.of(receiver) is not Shape.QVALUES:
            return _UNKNOWN
        keyword = keyword_arg(call, "keepdim")
        args = positional_args(call)
        keepdim = keyword.value if keyword is not None else (args[keepdim_position].value if len(args) > keepdim_position else None)
        if keepdim is None or (isinstance(keepdim, cst.Name) and keepdim.value == "False"):
            return Dims(Shape.VECTOR, action)
        if isinstance(keepdim, cst.Name) and keepdim.value == "True":
            return Dims(Shape.COLUMN, action)
        return _UNKNOWN

    def _reduced(self, node: cst.CSTNode) -> Dims:
        """`.values` / `[0]` / `[1]` of a max over the action dimension: the values, or the indices."""
        if isinstance(node, cst.Call):
            names = self.src.qualified_names(node.func)
            method = node.func.attr.value if isinstance(node.func, cst.Attribute) and not names else None
            if method in ("max", "min") or not names.isdisjoint(torch_api.MAX_FUNCTIONS - {"builtins.max"}):
                return self._call(node)
        return _UNKNOWN

    def _reshape(self, receiver: cst.BaseExpression, method: str, args: list[cst.Arg]) -> Dims:
        inner = self.dims(receiver)
        values = [int_value(arg.value) for arg in args]
        if method == "squeeze":
            if inner.shape is Shape.COLUMN and (not values or values[0] == -1 or values[0] == inner.action_dim):
                return Dims(Shape.VECTOR, inner.action_dim)
            if inner.shape is Shape.VECTOR and (not values or values[0] is not None):
                return inner  # squeezing a dimension of size > 1 changes nothing
            return _UNKNOWN
        if method == "unsqueeze":
            if inner.shape is not Shape.VECTOR or len(values) != 1 or values[0] is None:
                return _UNKNOWN
            where = values[0]
            if where == -1 or (inner.action_dim is not None and where == inner.action_dim):
                return Dims(Shape.COLUMN, inner.action_dim)
            if inner.action_dim is not None and 0 <= where < inner.action_dim:
                return Dims(Shape.ROW, inner.action_dim)
            return _UNKNOWN
        if method in ("view", "reshape") and values == [-1, 1]:
            return Dims(Shape.COLUMN, 1) if inner.shape in (Shape.VECTOR, Shape.COLUMN) else _UNKNOWN
        if method in ("view", "reshape", "flatten") and (values == [-1] or (method == "flatten" and not args)):
            return Dims(Shape.VECTOR, 1) if inner.shape in (Shape.VECTOR, Shape.COLUMN) else _UNKNOWN
        return _UNKNOWN

    def _subscript(self, node: cst.Subscript) -> Dims:
        elements = node.slice
        if len(elements) == 1 and isinstance(elements[0].slice, cst.Index) and int_value(elements[0].slice.value) in (0, 1):
            return self._reduced(node.value)  # `q.max(1)[0]`
        if len(elements) == 2 and all(isinstance(element.slice, cst.Index) for element in elements):
            first, second = elements[0].slice.value, elements[1].slice.value
            if isinstance(first, cst.Call) and not self.src.qualified_names(first.func).isdisjoint(_BATCH_INDEXERS):
                if self.of(node.value) is Shape.QVALUES and not (isinstance(second, cst.Name) and second.value == "None"):
                    return Dims(Shape.VECTOR, 1)  # `q[range(B), a]`: one value per transition
        if len(elements) == 2 and isinstance(elements[0].slice, cst.Slice) and isinstance(elements[1].slice, cst.Index):
            added = elements[1].slice.value
            if isinstance(added, cst.Name) and added.value == "None":
                inner = self.dims(node.value)  # `v[:, None]`
                if inner.shape is Shape.VECTOR and inner.action_dim in (1, None):
                    return Dims(Shape.COLUMN, 1)
        return _UNKNOWN

    # ---- the comparisons of element-wise losses --------------------------------------------------------
    @cached_property
    def comparisons(self) -> tuple[Comparison, ...]:
        """`F.mse_loss(q, y)`, `criterion(q, y)` with an element-wise loss module, and `q - y`."""
        found: list[Comparison] = []
        for node in self.src.nodes_of_type((cst.Call, cst.BinaryOperation)):
            if isinstance(node, cst.BinaryOperation):
                if isinstance(node.operator, cst.Subtract):
                    found.append(Comparison(node, (node.left, node.right)))
                continue
            args = positional_args(node)
            if len(args) < 2:
                continue
            names = self.src.qualified_names(node.func)
            if not names.isdisjoint(ELEMENTWISE_LOSS_FUNCTIONS) or (
                not names
                and isinstance(node.func, (cst.Name, cst.Attribute, cst.Call))
                and self._is_loss_module_of(node.func, ELEMENTWISE_LOSS_MODULES)
            ):
                found.append(Comparison(node, (args[0].value, args[1].value)))
        return tuple(found)


def _dimension(call: cst.Call, position: int) -> cst.BaseExpression | None:
    """The dimension argument: `dim=` / `axis=`, else the positional one at `position`."""
    keyword = keyword_arg(call, "dim") or keyword_arg(call, "axis")
    if keyword is not None:
        return keyword.value
    args = positional_args(call)
    return args[position].value if len(args) > position else None


def _action_dim(dim: cst.BaseExpression | None) -> int | None | bool:
    """The index of the action dimension named (None for `-1`: the last, rank unknown); False for
    the batch dimension, a missing one or one that cannot be read."""
    value = int_value(dim) if dim is not None else None
    if value is None or value == 0:
        return False
    return None if value < 0 else value


__all__ = ["Comparison", "Dims", "ELEMENTWISE_LOSS_MODULES", "MISMATCHED", "Shape", "Shapes", "TDLoss"]
