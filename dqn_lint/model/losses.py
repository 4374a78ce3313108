"""Which expressions feed a loss: the backward reach of the values gradients are taken of.

A TD target trains a network only through a loss. The same shape also serves other ends: a
prioritized replay's priority `|r + gamma * Q'(s2)[a2] - Q(s)[a]|` computed while acting, a value
logged for monitoring. Those never reach a loss, and what would be a fault in a TD target (its
bootstrap network, its grad context, its mask) changes nothing that is learned.

The reach is a deliberate over-approximation: from each loss root, every value the dataflow can
follow back (assignments, attributes, helper returns and parameters, container elements and item
writes), and every name read inside those values, is reached. An expression outside it cannot
influence a loss through anything the dataflow sees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import cached_property

import libcst as cst

from dqn_lint.model.dataflow import ITER, STORE, Dataflow, Ref
from dqn_lint.model.source import positional_args

_MAX_VALUES = 20_000  # a bound on the values visited; past it everything counts as reached
_LOG_FUNCTIONS = frozenset({"torch.log", "torch.log_softmax", "torch.nn.functional.log_softmax"})
_LOG_METHODS = frozenset({"log", "log_softmax"})


class LossReach:
    """What is compared in a loss, and what flows into those comparisons.

    A TD loss compares a prediction that carries gradient with a target: the two arguments of a
    torch loss function or module, the two sides of a difference (`q - y`, inside `** 2`, `abs`,
    a Huber `where`), or a distribution and log-probabilities (`-(m * log_p).sum()`). A value
    that reaches the loss only as a factor of that comparison (a prioritized replay's importance
    weight, made from priorities that are themselves TD errors) is not compared there.

    Both reaches are walked on demand and stop as soon as the question asked is answered: a TD
    target is usually a few steps from its loss, while the whole reach is most of the file (the
    batch, the buffer, the acting policy, the env). Every answer is the one the whole walk gives.
    """

    def __init__(self, dataflow: Dataflow, roots: list[cst.BaseExpression], carries_grad: Callable[[cst.BaseExpression], bool]) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.roots = roots
        self._carries_grad = carries_grad
        self._into_losses = _Walk(self, roots)
        self._into_comparisons = _Walk(self, [])
        self._scanned = 0  # how many nodes of the loss reach were looked at for comparisons

    def flow_into_losses(self, nodes: list[cst.CSTNode]) -> list[cst.CSTNode]:
        """Those of `nodes` whose values flow into a loss (all of them when the walk was cut short)."""
        walk = self._into_losses
        walk.run(until=lambda: all(node in walk.reached for node in nodes))
        return list(nodes) if walk.cut else [node for node in nodes if node in walk.reached]

    def _compared(self, nodes: list[cst.CSTNode]) -> list[cst.CSTNode] | None:
        """Those of `nodes` (all in the loss reach) that flow into a side of a comparison inside a
        loss; None when a walk was cut short. The comparisons are found as the loss reach grows."""
        walk = self._into_comparisons
        while True:
            self._add_comparison_sides()
            walk.run(until=lambda: all(node in walk.reached for node in nodes))
            if walk.cut:
                return None
            if all(node in walk.reached for node in nodes) or self._into_losses.done:
                return [node for node in nodes if node in walk.reached]
            self._into_losses.run()  # a comparison further back may still reach the others
            if self._into_losses.cut:
                return None

    def _add_comparison_sides(self) -> None:
        """Start the comparison walk from the sides of each comparison the loss reach found since last time."""
        found = self._into_losses.order
        sides: list[cst.BaseExpression] = []
        for node in found[self._scanned :]:
            kind = type(node)  # hot: exact types, see node_types
            if kind is cst.BinaryOperation:
                if isinstance(node.operator, cst.Subtract):
                    pair = [node.left, node.right]
                    if any(self._carries_grad(side) for side in pair):
                        sides += pair
                elif isinstance(node.operator, cst.Multiply):
                    if self._is_log_probability(node.left) or self._is_log_probability(node.right):
                        sides += [node.left, node.right]
            elif kind is cst.Call:  # `F.mse_loss(q, y)`, `self.criterion(q, y)`, `huber(q, y)`
                args = [arg.value for arg in positional_args(node)]
                if len(args) >= 2 and any(self._carries_grad(arg) for arg in args):
                    sides += args
        self._scanned = len(found)
        self._into_comparisons.add(sides)

    def _is_log_probability(self, node: cst.BaseExpression) -> bool:
        """`q_dist.log()`, `torch.log(p)`, `F.log_softmax(x, 1)` carrying gradient."""
        if not isinstance(node, cst.Call):
            return False
        names = self.src.qualified_names(node.func)
        is_log = not names.isdisjoint(_LOG_FUNCTIONS) or (
            not names and isinstance(node.func, cst.Attribute) and node.func.attr.value in _LOG_METHODS
        )
        return is_log and self._carries_grad(node)

    @cached_property
    def _nested_stores(self) -> list[tuple[cst.BaseExpression, Ref]]:
        """`target[0][action] = value`: writes into an element of an element, by the variable written."""
        found = []
        for subscript, value, _statement in self.df.subscript_stores:
            root = subscript.value
            while isinstance(root, cst.Subscript):
                root = root.value
            if root is not subscript.value and value is not None and isinstance(root, (cst.Name, cst.Attribute)):
                found.append((root, value))
        return found

    def _nested_writes(self, read: cst.BaseExpression) -> list[Ref]:
        return [Ref(value.node) for root, value in self._nested_stores if type(root) is type(read) and self.df.same_storage(root, read)]

    def training(self, candidates: list[cst.CSTNode]) -> list[cst.CSTNode]:
        """The candidates (TD targets) a loss is computed from.

        With no loss in sight, all of them. Otherwise those that flow into a loss; and when some
        of them flow into a comparison of a loss (the usual TD loss), only those: a target that
        reaches the loss only as a weight (a priority) is left out. When none is seen compared (a
        loss of another shape), every one that flows into a loss is kept.
        """
        if not self.roots or not candidates:
            return list(candidates)
        flowing = self.flow_into_losses(candidates)
        if self._into_losses.cut:
            return list(candidates)
        in_comparisons = self._compared(flowing) if flowing else []
        if in_comparisons is None:
            return list(candidates)
        return in_comparisons or flowing


class _Walk:
    """A backward walk over values, from some starts, that can pause and go on.

    Breadth first, so that what is a few steps from the starts is reached first. `reached` holds
    every node inside a value that flows into the starts (`order` the same, in the order found);
    `cut` says the walk went past `_MAX_VALUES` and stopped for good.
    """

    def __init__(self, reach: LossReach, starts: list[cst.BaseExpression]) -> None:
        self._reach = reach
        self._df = reach.df
        self.reached: set[cst.CSTNode] = set()
        self.order: list[cst.CSTNode] = []
        self._visited: set[tuple[int, tuple]] = set()
        self._pending: deque[Ref] = deque()
        self.cut = False
        self.add(starts)

    @property
    def done(self) -> bool:
        return self.cut or not self._pending

    def add(self, starts: list[cst.BaseExpression]) -> None:
        self._pending.extend(Ref(start) for start in starts)

    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Walk until `until()` holds (checked after each value) or nothing is left to walk."""
        pending, visited, df = self._pending, self._visited, self._df
        if until is not None and until():
            return
        while pending and not self.cut:
            ref = pending.popleft()
            if not ref.path and type(ref.node) in (cst.Name, cst.Attribute):  # hot: exact types, see node_types
                pending.append(Ref(ref.node, (ITER,)))  # elements appended to a list read here
                pending.extend(self._reach._nested_writes(ref.node))  # `target[0][a] = y` for `target`
            grew = False
            for leaf in df.resolve(ref):
                key = (id(leaf.node), leaf.path)
                if key in visited:
                    continue
                visited.add(key)
                if len(visited) > _MAX_VALUES:
                    self.cut = True
                    return
                node = leaf.node
                if leaf.path == (STORE,) and isinstance(node, cst.Subscript):
                    stored = df.stored_value(node)  # `target[i, a] = r + gamma * ...`
                    if stored is not None:
                        pending.append(Ref(stored.node))
                    continue
                if isinstance(node, cst.AugAssign):  # `y += gamma * ...`: the written value
                    self._reach_node(node)
                    node = node.value
                elif not isinstance(node, cst.BaseExpression) or isinstance(node, cst.Lambda):
                    continue
                pending.extend(Ref(sub) for sub in _reads(node, self._reach_node))
                grew = True
            if grew and until is not None and until():
                return

    def _reach_node(self, node: cst.CSTNode) -> None:
        if node not in self.reached:
            self.reached.add(node)
            self.order.append(node)


def _reads(value: cst.BaseExpression, reach: Callable[[cst.CSTNode], None]) -> list[cst.BaseExpression]:
    """The variables, attributes and calls whose values flow into `value`, `reach` called with each
    node of it on the way. Not the functions it calls, an attribute's name, a keyword, or an
    index: `dones[idx]` holds values of `dones`; `idx` (sampled from priorities) only picks them."""
    reads = []
    stack: list[cst.CSTNode] = [value]
    while stack:
        node = stack.pop()
        reach(node)
        kind = type(node)  # hot: exact types, see node_types
        if kind is cst.Subscript:
            stack.append(node.value)
        elif kind is cst.Call:
            if node is not value:
                reads.append(node)  # resolved on its own: a helper's call flows from what it returns
                continue
            if type(node.func) is cst.Attribute:
                stack.append(node.func.value)
            stack.extend(node.args)
        elif kind is cst.Arg:
            stack.append(node.value)
        elif kind is cst.Attribute or kind is cst.Name:
            if node is not value:
                reads.append(node)
            if kind is cst.Attribute:
                stack.append(node.value)
        else:
            stack.extend(node.children)
    return reads
