"""Which vector-env steps a TD target's next states come from, and how they were stored.

The next states a TD target bootstraps from are followed back (through the replay buffer, helper
functions, conversions and in-place writes) to the `envs.step(actions)` calls of vector
environments that made them. For each such step the trace records:
- where the step's observation is handed to a buffer (the argument of `buffer.add(...)`, the
  value of `memory[i] = ...`): the place a fix goes;
- whether the real last observation of finished sub-environments (`infos["final_obs"]`,
  `infos["final_observation"]`, `info["terminal_observation"]`) reaches the stored next state;
- whether the observation passes an `if`, a `continue`, a conditional or a boolean index that
  tests the step's termination or truncation flags on its way: the documented way to skip the
  reset step of next-step autoreset (`if not autoreset[j]: buffer.add(...)`), or any other
  handling of finished episodes that the model does not try to judge.
A value handed to a helper that gives it back (`real = final_observations(next_obs, infos)`) is
not stored by that call, nor by what the helper does inside (a wrapper's frame stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import ITER, STORE, Dataflow, Ref, first_argument
from dqn_lint.model.flags import CONFLATED, OLD_DONE, TERMINATED, TRUNCATED, FlagAnalysis
from dqn_lint.model.source import is_step_call, positional_args, string_value
from dqn_lint.model.vector_envs import FINAL_OBSERVATION_KEYS, NEXT_STEP, SAME_STEP, AutoresetMode, VectorEnv, VectorEnvs

_EPISODE_END_FLAGS = frozenset({TERMINATED, TRUNCATED, CONFLATED, OLD_DONE})
_SELECTING_FUNCTIONS = frozenset({"numpy.where", "torch.where"})
OBSERVATION, FINAL = "observation", "final"
_MAX_CALL_DEPTH = 4  # deeper helpers are read for all their calls at once
_MAX_ROUNDS = 4  # of reading values that flow in cycles again


class _Origin(NamedTuple):
    kind: str  # OBSERVATION: the step's returned observation; FINAL: the infos' real last observation
    step: cst.Call
    store: cst.BaseExpression | None  # nearest the step: where the value is handed to a buffer
    guarded: bool  # passed a test of the step's episode-end flags


@dataclass(frozen=True)
class AutoresetStore:
    """A vector env's step whose observations become the next states of a TD target."""

    step: cst.Call
    envs: tuple[VectorEnv, ...]
    store: cst.BaseExpression | None  # the stored observation (None: used without a buffer)
    bootstrap: cst.Call  # a forward pass of the TD target on those next states
    skips_finished: bool  # a test of the step's termination/truncation flags on the way
    uses_final_observation: bool  # the infos' real last observation reaches the stored next state

    @property
    def modes(self) -> frozenset[AutoresetMode]:
        return frozenset(mode for env in self.envs for mode in env.modes)

    @property
    def wrong_in(self) -> frozenset[AutoresetMode]:
        """The autoreset modes in which these stored transitions are wrong: next-step stores the
        reset step's transition unless it is skipped; same-step stores the reset observation as
        the next state unless the infos' final observation replaces it."""
        wrong = set()
        if not self.skips_finished:
            wrong.add(NEXT_STEP)
        if not self.uses_final_observation:
            wrong.add(SAME_STEP)
        return frozenset(wrong)

    @property
    def wrong_in_every_mode(self) -> bool:
        return bool(self.modes) and self.modes <= self.wrong_in


class AutoresetTrace:
    def __init__(self, dataflow: Dataflow, flags: FlagAnalysis, vector_envs: VectorEnvs) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.flags = flags
        self.vector_envs = vector_envs
        self._done: dict[tuple, frozenset[_Origin]] = {}
        self._active: set[tuple] = set()
        self._approximation: dict[tuple, frozenset[_Origin]] = {}
        self._cycled = False
        self._guards: dict[cst.CSTNode, bool] = {}
        self._stack: list[tuple[cst.FunctionDef, cst.Call, bool]] = []  # the calls the trace entered

    def stores(self, bootstrap_calls: list[cst.Call]) -> list[AutoresetStore]:
        """One record per vector-env step and place its observations are stored (a training loop
        and a warm-up loop may store the same step's observations in two places)."""
        by_step: dict[cst.Call, list[tuple[_Origin, cst.Call]]] = {}
        for call, origins in self._bootstrap_origins(bootstrap_calls):
            for origin in origins:
                by_step.setdefault(origin.step, []).append((origin, call))
        found = []
        for step, origins in by_step.items():
            stores = list(dict.fromkeys(origin.store for origin, _ in origins if origin.kind == OBSERVATION))
            for store in self._in_order(stores):
                observed = [(origin, call) for origin, call in origins if origin.kind == OBSERVATION and origin.store is store]
                found.append(AutoresetStore(
                    step=step,
                    envs=self.vector_envs.stepped_by(step),
                    store=store,
                    bootstrap=observed[0][1],
                    skips_finished=any(origin.guarded for origin, _ in observed),
                    uses_final_observation=self._final_reaches(step, store, origins),
                ))
        return found

    def _bootstrap_origins(self, bootstrap_calls: list[cst.Call]) -> list[tuple[cst.Call, frozenset[_Origin]]]:
        """The origins of each bootstrap call's states. Values that flow in a cycle (a loop's
        `obs = next_obs`, a helper's parameter fed by its own result) are read again with what the
        previous round found for them, until nothing more is found."""
        queries = [(call, states) for call in bootstrap_calls if (states := first_argument(call)) is not None]
        found: list[tuple[cst.Call, frozenset[_Origin]]] = []
        for _round in range(_MAX_ROUNDS):
            self._cycled = False
            found = [(call, self._origins(states)) for call, states in queries]
            if not self._cycled or self._done == self._approximation:
                break  # nothing read in a cycle, or nothing more found by reading it again
            self._approximation, self._done = self._done, {}
        return found

    def _final_reaches(self, step: cst.Call, store: cst.BaseExpression | None, origins) -> bool:
        """Whether the infos' final observation of `step` is part of what is stored at `store`."""
        if store is None:
            return any(origin.kind == FINAL for origin, _ in origins)
        return any(origin.kind == FINAL and origin.step is step for origin in self._origins(Ref(store)))

    def _in_order(self, nodes: list[cst.BaseExpression | None]) -> list[cst.BaseExpression | None]:
        """Stores in file and source order (a store not found, None, last): findings come out stable."""
        if len(nodes) < 2:
            return nodes
        placed = [node for node in nodes if node is not None]
        ordered = sorted(placed, key=lambda node: (self.src.filename(node), self.src.span(node)))
        return ordered + [None] * (len(nodes) - len(placed))

    # ---- the trace ---------------------------------------------------------------------------------
    def _origins(self, ref: Ref) -> frozenset[_Origin]:
        key = (id(ref.node), ref.path, tuple(id(frame[1]) for frame in self._stack))
        known = self._done.get(key)
        if known is not None:
            return known
        if key in self._active:  # still being computed: what the previous round knew of it
            self._cycled = True
            return self._approximation.get(key, frozenset())
        self._active.add(key)
        try:
            value = self._origins_of(ref)
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value

    def _origins_of(self, ref: Ref) -> frozenset[_Origin]:
        node = ref.node
        if isinstance(node, cst.Name):
            found = self._union(self.df.definitions(node, ref.path) or ())
            if ref.path and (ref.path[0] == ITER or ref.path[0][:1] == ("item",) and ref.path[0][2] is None):
                # an element of an array filled in place (`states[i, j, 0] = obs[j, 0] / w`)
                found |= self._union(self.df.partial_writes(node))
        elif isinstance(node, cst.Param):
            found = self._parameter(node, ref.path)
        else:
            found = set()
            for leaf in self.df.resolve(ref, follow_calls=False, stop_at_names=True):
                if leaf != ref:  # each value on the way is checked for where it goes
                    found |= self._origins(leaf)
                else:
                    found |= self._leaf(leaf)
        if not found:
            return frozenset()
        handed = isinstance(node, cst.BaseExpression) and self._handed_over(node)
        guarded = isinstance(node, cst.BaseExpression) and self._guarded(node)
        if not handed and not guarded:
            return frozenset(found)
        return frozenset(
            origin._replace(store=origin.store if origin.store is not None or not handed else node,
                            guarded=origin.guarded or guarded)
            for origin in found
        )

    def _parameter(self, param: cst.Param, path: tuple) -> set[_Origin]:
        """A parameter of the function the trace entered through a call is that call's argument
        (the argument of another call of the same helper is another value); else every call's."""
        if self._stack:
            function, call, bound = self._stack[-1]
            if self.df.function_of_param(param) is function:
                argument = self.df.argument_for(call, function, param, bound)
                if argument is None and not any(arg.star for arg in call.args):
                    argument = param.default
                if argument is not None:
                    frame = self._stack.pop()
                    try:
                        return set(self._origins(Ref(argument, path)))
                    finally:
                        self._stack.append(frame)
        return self._union(self.df.parameter_values(param, path))

    def _union(self, refs) -> set[_Origin]:
        found: set[_Origin] = set()
        for ref in refs:
            found |= self._origins(ref)
        return found

    def _leaf(self, leaf: Ref) -> set[_Origin]:
        node, path = leaf.node, leaf.path
        if isinstance(node, cst.Call):
            return self._call(node, path)
        if path == (STORE,) and isinstance(node, cst.Subscript):
            value = self.df.stored_value(node)
            return set(self._origins(value)) if value is not None else set()
        if path:
            return set()
        if isinstance(node, cst.Subscript):  # an element of the observations is an observation
            return set(self._origins(Ref(node.value)))
        if isinstance(node, cst.BinaryOperation):
            return self._union([Ref(node.left), Ref(node.right)])
        if isinstance(node, cst.UnaryOperation):
            return set(self._origins(Ref(node.expression)))
        if isinstance(node, cst.IfExp):
            return self._union([Ref(node.body), Ref(node.orelse)])
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._union([Ref(element.value) for element in node.elements])
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return set(self._origins(Ref(node.elt)))
        return set()

    def _call(self, call: cst.Call, path: tuple) -> set[_Origin]:
        step = self._step_slot(call, path)
        if step is not None:
            return step
        names = self.src.qualified_names(call.func)
        if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, (cst.Call, cst.Subscript)):
            names = frozenset()  # `torch.from_numpy(x).to(device)`: a method of a value, not a library function
        if names:
            args = positional_args(call)
            if names & _SELECTING_FUNCTIONS and len(args) == 3:
                return self._union([Ref(args[1].value, path), Ref(args[2].value, path)])
            first = first_argument(call)
            if first is None:
                return set()
            # a library function of the observations (`np.array(frames)`, `cv2.resize(obs, ...)`,
            # `rearrange(obs, ...)`) is still made of that step's observations: what it holds, and
            # the elements put into it
            return set(self._origins(first)) | set(self._origins(first.project(ITER)))
        lambdas = self.df.called_lambdas(call)
        if lambdas:
            return self._union([Ref(function.body, path) for function in lambdas])
        functions = self.df.callee_functions(call)
        if functions:
            found: set[_Origin] = set()
            for function, bound in functions:
                if function.name.value == "__init__":
                    continue
                returned = self.df.return_values_for(call, function, bound)
                entered = len(self._stack) < _MAX_CALL_DEPTH
                if entered:
                    self._stack.append((function, call, bound))
                try:
                    found |= self._union([value.project(*path) for value in returned])
                finally:
                    if entered:
                        self._stack.pop()
            # a function that gives the observations back has not stored them: neither where it
            # was handed them (at any of its calls: its parameters stand for the arguments of all
            # of them) nor inside it (an env wrapper's frame stack)
            scopes = [call, *(site.call for function, _ in functions for site in self.df.call_sites(function)),
                      *(function for function, _ in functions)]
            return {origin._replace(store=None) if any(self._inside(origin.store, scope) for scope in scopes) else origin
                    for origin in found}
        if isinstance(call.func, cst.Attribute):
            method, receiver = call.func.attr.value, call.func.value
            args = positional_args(call)
            if method == "get" and args and string_value(args[0].value) is not None:
                return set(self._origins(Ref(receiver, (("key", string_value(args[0].value)),) + path)))
            if method in torch_api.VALUE_PRESERVING_METHODS:
                return set(self._origins(Ref(receiver, path)))
            if path:
                return self._union(self.df.fetched_from_store(call, path))
        return set()

    def _step_slot(self, call: cst.Call, path: tuple) -> set[_Origin] | None:
        """The observation slot of a vector env's step, or the final observation in its infos."""
        if not is_step_call(call):
            return None
        if not path or path[0][0] != "item" or not self.vector_envs.stepped_by(call):
            return None if self.df.callee_functions(call) else set()
        _, index, arity = path[0]
        if index == 0:
            return {_Origin(OBSERVATION, call, None, False)}
        infos = arity is not None and index % arity == arity - 1
        keys = {step[1] for step in path[1:] if step[0] == "key"}
        if infos and keys & FINAL_OBSERVATION_KEYS:
            return {_Origin(FINAL, call, None, False)}
        return set()

    # ---- where the value goes ----------------------------------------------------------------------
    def _handed_over(self, node: cst.BaseExpression) -> bool:
        """Whether `node` is given (through tuples and the library functions that build values from
        it: `zip`, `np.stack`, `torch.as_tensor`) to a method or a function of the program, or
        written into an element or attribute: stored, as far as the trace knows."""
        child: cst.CSTNode = node
        parent = self.src.parent(child)
        while parent is not None:
            if isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.DictElement, cst.Dict)):
                child, parent = parent, self.src.parent(parent)
                continue
            if isinstance(parent, cst.Arg):
                call = self.src.parent(parent)
                if not isinstance(call, cst.Call):
                    return False
                if self.src.qualified_names(call.func) and not self.df.callee_functions(call):
                    child, parent = call, self.src.parent(call)  # a library function builds a value
                    continue
                return True
            if isinstance(parent, cst.Assign) and parent.value is child:
                return any(isinstance(target.target, (cst.Subscript, cst.Attribute)) for target in parent.targets)
            return False
        return False

    def _guarded(self, node: cst.BaseExpression) -> bool:
        """Whether `node` runs only under a test of episode-end flags: inside an `if`/`while` or a
        conditional expression, after an `if ...: continue` of its loop, or as `x[mask]`."""
        known = self._guards.get(node)
        if known is None:
            known = self._guards[node] = self._find_guard(node)
        return known

    def _find_guard(self, node: cst.BaseExpression) -> bool:
        child: cst.CSTNode = node
        for ancestor in (node, *self.src.ancestors(node)):
            if isinstance(ancestor, cst.Subscript) and (ancestor is node or child is ancestor.value) and any(
                isinstance(element.slice, cst.Index) and self._tests_episode_end(element.slice.value)
                for element in ancestor.slice
            ):
                return True
            if isinstance(ancestor, (cst.If, cst.While)) and child is not ancestor.test and self._tests_episode_end(ancestor.test):
                return True
            if isinstance(ancestor, cst.IfExp) and child is not ancestor.test and self._tests_episode_end(ancestor.test):
                return True
            if isinstance(ancestor, cst.IndentedBlock) and self._skipped_before(child, ancestor):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            child = ancestor
        return False

    def _skipped_before(self, statement: cst.CSTNode, block: cst.IndentedBlock) -> bool:
        """`if autoreset.any(): continue` earlier in the same loop body."""
        if not isinstance(self.src.parent(block), (cst.For, cst.While)):
            return False
        for earlier in block.body:
            if earlier is statement:
                return False
            if isinstance(earlier, cst.If) and _ends_with_continue(earlier.body) and self._tests_episode_end(earlier.test):
                return True
        return False

    def _tests_episode_end(self, test: cst.BaseExpression) -> bool:
        return any(source.kind in _EPISODE_END_FLAGS for source in self.flags.sources(Ref(test)))

    def _inside(self, node: cst.CSTNode | None, call: cst.Call) -> bool:
        return node is not None and any(ancestor is call for ancestor in self.src.ancestors(node))


def _ends_with_continue(body: cst.BaseSuite) -> bool:
    statements = getattr(body, "body", ())
    if not statements:
        return False
    last = statements[-1]
    return isinstance(last, cst.SimpleStatementLine) and any(isinstance(part, cst.Continue) for part in last.body)


__all__ = ["AutoresetStore", "AutoresetTrace"]
