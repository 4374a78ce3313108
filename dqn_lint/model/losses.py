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
    """

    def __init__(self, dataflow: Dataflow, roots: list[cst.BaseExpression], carries_grad: Callable[[cst.BaseExpression], bool]) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.roots = roots
        self._carries_grad = carries_grad

    @cached_property
    def in_losses(self) -> frozenset[cst.CSTNode] | None:
        """Every node of a value that flows into a loss; None when the walk was cut short."""
        return self._walk(self.roots)

    @cached_property
    def _compared(self) -> frozenset[cst.CSTNode] | None:
        """What flows into a side of a comparison inside a loss; None when unknown."""
        in_losses = self.in_losses
        if in_losses is None:
            return None
        sides: list[cst.BaseExpression] = []
        for node in in_losses:
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
        return self._walk(sides) if sides else frozenset()

    def _is_log_probability(self, node: cst.BaseExpression) -> bool:
        """`q_dist.log()`, `torch.log(p)`, `F.log_softmax(x, 1)` carrying gradient."""
        if not isinstance(node, cst.Call):
            return False
        names = self.src.qualified_names(node.func)
        is_log = not names.isdisjoint(_LOG_FUNCTIONS) or (
            not names and isinstance(node.func, cst.Attribute) and node.func.attr.value in _LOG_METHODS
        )
        return is_log and self._carries_grad(node)

    def _walk(self, starts: list[cst.BaseExpression]) -> frozenset[cst.CSTNode] | None:
        """Every node inside a value that flows into `starts`; None when the walk was cut short."""
        reached: set[cst.CSTNode] = set()
        visited: set[tuple[int, tuple]] = set()
        pending = [Ref(start) for start in starts]
        while pending:
            ref = pending.pop()
            if not ref.path and type(ref.node) in (cst.Name, cst.Attribute):  # hot: exact types, see node_types
                pending.append(Ref(ref.node, (ITER,)))  # elements appended to a list read here
                pending.extend(self._nested_writes(ref.node))  # `target[0][a] = y` for `target`
            for leaf in self.df.resolve(ref):
                key = (id(leaf.node), leaf.path)
                if key in visited:
                    continue
                visited.add(key)
                if len(visited) > _MAX_VALUES:
                    return None
                node = leaf.node
                if leaf.path == (STORE,) and isinstance(node, cst.Subscript):
                    stored = self.df.stored_value(node)  # `target[i, a] = r + gamma * ...`
                    if stored is not None:
                        pending.append(Ref(stored.node))
                    continue
                if isinstance(node, cst.AugAssign):  # `y += gamma * ...`: the written value
                    reached.add(node)
                    node = node.value
                elif not isinstance(node, cst.BaseExpression) or isinstance(node, cst.Lambda):
                    continue
                pending.extend(Ref(sub) for sub in _reads(node, reached))
        return frozenset(reached)

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
        in_losses, compared = self.in_losses, self._compared
        if in_losses is None or compared is None:
            return list(candidates)
        flowing = [node for node in candidates if node in in_losses]
        in_comparisons = [node for node in flowing if node in compared]
        return in_comparisons or flowing


def _reads(value: cst.BaseExpression, reached: set[cst.CSTNode]) -> list[cst.BaseExpression]:
    """The variables, attributes and calls whose values flow into `value`, each node of it added to
    `reached` on the way. Not the functions it calls, an attribute's name, a keyword, or an
    index: `dones[idx]` holds values of `dones`; `idx` (sampled from priorities) only picks them."""
    reads = []
    stack: list[cst.CSTNode] = [value]
    while stack:
        node = stack.pop()
        reached.add(node)
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
