"""Which dimension a bootstrap's max reduces, and whether the network ran on a batch.

`target(next_states).max(1)` takes, for each transition, the best action's value. `.max()` with no
dimension, `.max(0)` or `torch.max(q)` reduce over the batch instead: one number (or one per
action) shared by every transition. Whether that is wrong depends on the input: a single state's
Q-values `model(s2[i])` have no batch dimension, and `.max()` over them is right. So the model
answers two questions, and the batch one only on positive evidence:

- `over_batch(max_call)`: "all" (no dimension), "first" (dimension 0), or None (another dimension,
  or one it cannot read);
- `batched(forward_call)`: the network's input is a whole batch: it comes (through tensor
  conversions) from a `sample(n)` fetch of a buffer, or from stacking many states (`torch.stack`,
  `torch.cat`, `np.stack`, `np.vstack`), and never from one element of a loop over the batch, an
  index `s2[i]`, or a batch of one (`unsqueeze(0)`, `[None]`, `view(1, -1)`).
"""

from __future__ import annotations

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import ITER, Dataflow, Ref
from dqn_lint.model.source import int_value, keyword_arg, positional_args

_STACKERS = frozenset({"torch.stack", "torch.cat", "torch.vstack", "numpy.stack", "numpy.vstack", "numpy.concatenate"})
_CONVERTERS = frozenset(
    {"torch.as_tensor", "torch.tensor", "torch.from_numpy", "torch.FloatTensor", "torch.Tensor", "torch.cuda.FloatTensor",
     "numpy.array", "numpy.asarray", "numpy.float32"}
)
_TENSOR_MOVES = frozenset({"to", "float", "double", "cuda", "cpu", "type", "detach", "contiguous"})
_SINGLE_SAMPLE = frozenset({"unsqueeze", "view", "reshape", "expand_dims"})
_BATCH_FETCHES = frozenset({"sample"})
_MAX_DEPTH = 4


class Reductions:
    def __init__(self, dataflow: Dataflow) -> None:
        self.df = dataflow
        self.src = dataflow.src

    def over_batch(self, call: cst.Call) -> str | None:
        names = self.src.qualified_names(call.func)
        if "builtins.max" in names:
            return None  # Python's max over a tensor iterates its first dimension: it fails loudly on batches
        given = self.dimension(call)
        if given is None:
            is_function = not names.isdisjoint(torch_api.MAX_FUNCTIONS)
            return "all" if not is_function or len(positional_args(call)) == 1 else None
        return "first" if int_value(given) == 0 else None

    def dimension(self, call: cst.Call) -> cst.BaseExpression | None:
        """The dimension argument of a max: `dim=`/`axis=`, else the first positional argument of a
        method (`q.max(0)`) or the second of a function (`torch.max(q, 0)`); None when there is none."""
        keyword = keyword_arg(call, "dim") or keyword_arg(call, "axis")
        if keyword is not None:
            return keyword.value
        position = 1 if not self.src.qualified_names(call.func).isdisjoint(torch_api.MAX_FUNCTIONS) else 0
        args = positional_args(call)
        return args[position].value if len(args) > position else None

    def batched(self, forward: cst.Call, depth: int = 0) -> bool:
        args = positional_args(forward)
        if not args:
            return False
        return self._batched(args[0].value, depth)

    def _batched(self, node: cst.BaseExpression, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            return False
        node = self._unwrapped(node)
        if node is None:
            return False  # a single sample made a batch of one
        found = False
        for leaf in self.df.resolve(Ref(node), follow_calls=False):
            if any(step == ITER for step in leaf.path) or isinstance(leaf.node, cst.Subscript):
                return False  # one element of a loop over the batch, or an index into it
            if not isinstance(leaf.node, cst.Call):
                continue
            call = leaf.node
            names = self.src.qualified_names(call.func)
            if not names.isdisjoint(_STACKERS):
                found = True
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _BATCH_FETCHES and call.args:
                found = True
            elif not names.isdisjoint(_CONVERTERS) and call.args:
                if not self._batched(call.args[0].value, depth + 1):
                    return False
                found = True
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _TENSOR_MOVES:
                if not self._batched(call, depth + 1):  # `s2 = s2.to(device)`
                    return False
                found = True
        return found

    def _unwrapped(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """The value under tensor moves (`.to(device)`, `.float()`); None for a batch of one."""
        while True:
            if isinstance(node, cst.Subscript):
                if any(isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.Name)
                       and element.slice.value.value == "None" for element in node.slice):
                    return None  # `s2[None]`
                return node
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                method = node.func.attr.value
                if method in _SINGLE_SAMPLE:
                    return None
                if method in _TENSOR_MOVES:
                    node = node.func.value
                    continue
            return node


__all__ = ["Reductions"]
