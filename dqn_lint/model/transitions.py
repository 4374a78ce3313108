"""Transitions: the slots of an `env.step` result, and the names a TD target's batch binds.

`obs, reward, terminated, truncated, info = env.step(action)` names each slot once; fixes rewrite
reads of one slot's name into another's (`truncated` -> `terminated`), and DQN004's fix multiplies
the bootstrap by the terminal flag that came with the target's rewards. Both are facts of the
program, asked here instead of re-read from the tree by each rule.

The only name-based fact is `TerminalFlag.proven == False`: a flag next to the rewards whose trace
shows no meaning but whose name says it marks terminals (`dones`, `is_terminal`); it is offered to
a fix as a suggestion that says so, never used to find a fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from dqn_lint.model.dataflow import Dataflow
from dqn_lint.model.flags import CARRIES_TRUNCATION, TERMINATED, UNKNOWN, FlagAnalysis
from dqn_lint.model.source import walk

_TERMINAL_NAME = re.compile(
    r"(?:b_|batch_|mb_)?(?:dones?|terminated|terminals?|terminations|is_terminal|is_done|term)(?:_batch|_b|_t|_mb)?"
)


class Slot(Enum):
    OBSERVATION = "observation"
    REWARD = "reward"
    TERMINATED = "terminated"
    TRUNCATED = "truncated"
    DONE = "done"  # old gym: terminated or truncated
    INFO = "info"


_SLOTS_BY_ARITY = {
    5: (Slot.OBSERVATION, Slot.REWARD, Slot.TERMINATED, Slot.TRUNCATED, Slot.INFO),
    4: (Slot.OBSERVATION, Slot.REWARD, Slot.DONE, Slot.INFO),
}


@dataclass(frozen=True)
class Transition:
    """An `env.step(action)` whose result is unpacked into names, slot by slot."""

    call: cst.Call
    names: tuple[tuple[Slot, cst.Name | None], ...]  # None: not a plain name (`_` counts as a name)

    def name(self, slot: Slot) -> cst.Name | None:
        return next((name for known, name in self.names if known is slot), None)


@dataclass(frozen=True)
class TerminalFlag:
    name: str
    proven: bool  # carries `terminated` from `env.step` by dataflow; else only its name says so


class Transitions:
    def __init__(self, dataflow: Dataflow, flags: FlagAnalysis) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.flags = flags

    def transition(self, step_call: cst.CSTNode) -> Transition | None:
        """The slots of `step_call`'s result, when one assignment unpacks it into 4 or 5 targets."""
        if not isinstance(step_call, cst.Call):
            return None
        statement = self.src.small_statement(step_call)
        if not (isinstance(statement, cst.Assign) and statement.value is step_call and len(statement.targets) == 1):
            return None
        target = statement.targets[0].target
        if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) not in _SLOTS_BY_ARITY:
            return None
        slots = _SLOTS_BY_ARITY[len(target.elements)]
        names = tuple(
            (slot, element.value if isinstance(element.value, cst.Name) else None)
            for slot, element in zip(slots, target.elements)
        )
        return Transition(step_call, names)

    def bound_with(self, reward: cst.BaseExpression) -> list[cst.Name | cst.Param]:
        """The other names of the tuple or parameter list that binds the reward variable: the
        other fields of the sampled batch (`s, a, r, s2, d = batch`) or the helper's other parameters."""
        siblings: list[cst.Name | cst.Param] = []
        for read in (node for node in walk(reward) if isinstance(node, cst.Name)):
            for assignment in self.src.referents(read):
                bound = getattr(assignment, "node", None)
                holder = self.src.parent(bound) if bound is not None else None
                if isinstance(bound, cst.Param):
                    params = self.src.parent(bound)
                    siblings.extend(p for p in (*params.posonly_params, *params.params) if p is not bound)
                elif isinstance(holder, cst.Element) and isinstance(self.src.parent(holder), (cst.Tuple, cst.List)):
                    elements = self.src.parent(holder).elements
                    siblings.extend(e.value for e in elements if e is not holder and isinstance(e.value, cst.Name))
        return siblings

    def terminal_flag(self, reward: cst.BaseExpression) -> TerminalFlag | None:
        """A flag that comes with the rewards and marks terminal transitions without time-outs:
        proven by dataflow when it carries `terminated`; else one named as terminal whose trace
        shows nothing (unproven). None when there is neither."""
        guessed = None
        for binding in self.bound_with(reward):
            kinds = {flag.kind for value in self.df.binding_values(binding) for flag in self.flags.sources(value)}
            name = binding.name.value if isinstance(binding, cst.Param) else binding.value
            if kinds & CARRIES_TRUNCATION:
                continue
            if TERMINATED in kinds:
                return TerminalFlag(name, proven=True)
            if guessed is None and kinds <= {UNKNOWN} and _TERMINAL_NAME.fullmatch(name):
                guessed = TerminalFlag(name, proven=False)
        return guessed


__all__ = ["Slot", "TerminalFlag", "Transition", "Transitions"]
