"""Optimizers: where each is made, where it steps, and what clears its gradients.

PyTorch accumulates gradients: every `backward()` adds into `.grad`, and only `zero_grad()` (or
writing `.grad = None`) clears them. An update that steps without clearing trains on the sum of
every gradient since the start. The model records, per optimizer construction, its `step()` calls
and every call that may clear its gradients, followed through helpers by object identity
(`def update(net, optimizer): ... optimizer.step()` is the optimizer of each call site):

- `opt.zero_grad(...)` on this optimizer; `net.zero_grad()` on any module (a network holding the
  parameters, or one the model cannot tell apart from it); `p.grad = None`, `p.grad.zero_()`,
  `p.grad.data.zero_()` on anything: all clear;
- a `zero_grad()` on another optimizer (another construction) does not.

An optimizer handed to a call the model cannot read (a library trainer, `scaler.step(opt)`) may be
stepped and cleared there: it is *opaque*, and nothing is claimed about it. Learning-rate
schedulers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import Dataflow, Obj, Ref

_SCHEDULER_PREFIX = "torch.optim.lr_scheduler."
_NOT_OPTIMIZERS = (_SCHEDULER_PREFIX, "torch.optim.swa_utils.")
_GRAD_CLEARS = frozenset({"zero_", "fill_"})


@dataclass(frozen=True)
class Optimizer:
    construction: cst.Call  # `torch.optim.Adam(net.parameters(), ...)`
    steps: tuple[cst.Call, ...]  # `opt.step()` calls on it
    clears: tuple[cst.CSTNode, ...]  # what may clear its gradients (zero_grad calls, `.grad` writes)
    opaque: bool  # handed to a call the model cannot read: it may be stepped or cleared there


def is_optimizer_construction(qualified_names) -> bool:
    """`torch.optim.Adam(...)` and the other optimizers; not a learning-rate scheduler or
    `torch.optim.swa_utils`, which live in the same package but hold no parameters."""
    return any(
        name.startswith(torch_api.OPTIMIZER_PREFIXES) and not name.startswith(_NOT_OPTIMIZERS) for name in qualified_names
    )


class OptimizerFinder:
    def __init__(self, dataflow: Dataflow) -> None:
        self.df = dataflow
        self.src = dataflow.src

    @cached_property
    def constructions(self) -> list[cst.Call]:
        return [call for call in self.src.nodes_of_type(cst.Call) if is_optimizer_construction(self.src.qualified_names(call.func))]

    @cached_property
    def optimizers(self) -> tuple[Optimizer, ...]:
        return tuple(self._optimizer(call) for call in self.constructions)

    def _optimizer(self, construction: cst.Call) -> Optimizer:
        mine = Obj("new", construction)
        steps = tuple(call for call in self.df.method_calls.get("step", ()) if self._receiver_is(call, mine))
        clears = tuple(self._clears(mine)) if steps else ()
        return Optimizer(construction, steps, clears, opaque=bool(steps) and not clears and self._handed_away(mine))

    def _receiver_is(self, call: cst.Call, obj: Obj) -> bool:
        return isinstance(call.func, cst.Attribute) and obj in self.df.objects(Ref(call.func.value))

    def _clears(self, mine: Obj):
        others = {Obj("new", call) for call in self.constructions} - {mine}
        for call in self.df.method_calls.get("zero_grad", ()):
            receivers = self.df.objects(Ref(call.func.value))
            if mine in receivers or not receivers or not receivers <= others:
                yield call  # this optimizer, a module, or a receiver the model cannot tell
        for store in self.df.field_stores.get("grad", ()):
            yield store.statement  # `p.grad = None`
        for method in _GRAD_CLEARS:
            for call in self.df.method_calls.get(method, ()):
                if _reads_grad(call.func.value):
                    yield call  # `p.grad.zero_()`, `p.grad.data.zero_()`

    def _handed_away(self, mine: Obj) -> bool:
        """Whether the optimizer is an argument of a call the model cannot follow."""
        for arg in self.src.nodes_of_type(cst.Arg):
            if not isinstance(arg.value, (cst.Name, cst.Attribute)) or mine not in self.df.objects(Ref(arg.value)):
                continue
            call = self.src.parent(arg)
            if not isinstance(call, cst.Call):
                return True
            if any(name.startswith(_SCHEDULER_PREFIX) for name in self.src.qualified_names(call.func)):
                continue  # a learning-rate schedule reads it
            if not self.df.callee_functions(call):
                return True  # a library: `trainer.fit(opt)`, `scaler.step(opt)`
        return False


def _reads_grad(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        if node.attr.value == "grad":
            return True
        node = node.value
    return False


__all__ = ["Optimizer", "OptimizerFinder", "is_optimizer_construction"]
