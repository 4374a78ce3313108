"""What a terminal mask is made of: terminated, truncated, both, or old gym's `done`.

The meaning of a flag comes from its position in the `env.step(...)` result, never from its name:
slot 2 of gymnasium's 5-tuple is `terminated`, slot 3 is `truncated`; slot 2 of old gym's 4-tuple
is a `done` that includes time limits, and `info["TimeLimit.truncated"]` is a truncation. Flags
combined with `or`, `|`, `logical_or`, `max`, `+` are conflated at the first place both meet;
`flag and not truncation` (or `dones * (1 - timeouts)`) takes the truncation back out.

A program's own time limit is a step counter reaching its bound: `self.steps >= self.max_steps`
where `self.steps += 1` runs on every step (an env class of the project, a training loop that ends
episodes itself). That flag is a truncation too: the observation holds no step count. So is the
Arcade Learning Environment's `game_over()` where `max_num_frames_per_episode` is set on that
emulator: ALE ends the episode at the frame limit and reports it as game over.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import STORE, Dataflow, Ref, first_argument
from dqn_lint.model.memo import RecursiveMemo
from dqn_lint.model.source import int_value, is_step_call, keyword_arg, number_value, positional_args, string_value

class FlagKind(str, Enum):
    """What a terminal flag means (a `str` enum: equal to its value, so reports can key on text)."""

    TERMINATED = "terminated"
    TRUNCATED = "truncated"
    OLD_DONE = "old-gym-done"
    CONFLATED = "terminated-or-truncated"
    STEP_LIMIT = "step-limit"  # a step counter reaching its bound: the program's own time limit
    EMULATOR_LIMIT = "emulator-frame-limit"  # ALE's `game_over()` where a frame limit is set
    NAMED_TRUNCATION = "named-truncation"  # `batch.timeouts`: no position to read, but an explicit name
    UNKNOWN = "unknown"
    NEVER_SET = "never-set"  # a mask that cannot change: `s is not None` where no `s` is ever None


TERMINATED = FlagKind.TERMINATED
TRUNCATED = FlagKind.TRUNCATED
OLD_DONE = FlagKind.OLD_DONE
CONFLATED = FlagKind.CONFLATED
STEP_LIMIT = FlagKind.STEP_LIMIT
EMULATOR_LIMIT = FlagKind.EMULATOR_LIMIT
NAMED_TRUNCATION = FlagKind.NAMED_TRUNCATION
UNKNOWN = FlagKind.UNKNOWN
NEVER_SET = FlagKind.NEVER_SET
CARRIES_TRUNCATION = frozenset({TRUNCATED, OLD_DONE, CONFLATED, STEP_LIMIT, NAMED_TRUNCATION, EMULATOR_LIMIT})
_TIME_LIMITS = frozenset({TRUNCATED, STEP_LIMIT, NAMED_TRUNCATION})
# names that say "cut by a time limit"; they decide only where no env.step position can be traced
_TRUNCATION_NAME = re.compile(r"truncat|time_?outs?\b|time_?limit", re.IGNORECASE)  # truncation alone, without termination


class FlagSource(NamedTuple):  # a NamedTuple, as dataflow's records
    kind: FlagKind
    blame: cst.CSTNode | None  # where this meaning was made: the env.step call or the combining expression


class FlagAnalysis:
    def __init__(self, dataflow: Dataflow) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self._memo: RecursiveMemo[frozenset[FlagSource]] = RecursiveMemo(frozenset())
        self._traced: set[cst.CSTNode] = set()
        self._gymnasium_files: dict[int, bool] = {}
        self._data_counters: dict[cst.CSTNode, bool] = {}

    def sources(self, ref: Ref) -> frozenset[FlagSource]:
        if isinstance(ref.node, cst.Name):
            self._traced.add(ref.node)
        return self._memo((id(ref.node), ref.path), lambda: frozenset(self._sources(ref)))

    def was_traced(self, name: cst.Name) -> bool:
        """Whether a trace of flags (from a terminal mask, for one) went through this read of a name.

        DQN003's fix rewrites exactly the reads that carry a conflated flag toward a mask.
        """
        return name in self._traced

    def _sources(self, ref: Ref) -> set[FlagSource]:
        result: set[FlagSource] = set()
        if isinstance(ref.node, cst.Name):
            definitions = self.df.definitions(ref.node, ref.path)
            if definitions is None:
                result.add(FlagSource(UNKNOWN, None))
            for definition in definitions or ():
                result |= self.sources(definition)
            if not ref.path:  # a list of flags built with append: its elements
                for element in self.df.container_elements(ref.node, (("iter",),)):
                    result |= self.sources(element)
                result = self._with_conditional_sets(ref.node, result)
        else:
            for leaf in self.df.resolve(ref, stop_at_names=True):
                variable = isinstance(leaf.node, cst.Name) and leaf.node.value not in ("True", "False", "None")
                result |= self.sources(leaf) if variable else self._leaf(leaf)
            if _is_step_slot(ref):
                result = self._received_from_workers(ref.node, result)
        if isinstance(ref.node, cst.Name) and not ref.path and self._cleared_at_time_limits(ref.node):
            if any(source.kind in CARRIES_TRUNCATION for source in result):
                result = {source for source in result if source.kind not in CARRIES_TRUNCATION}
                result.add(FlagSource(TERMINATED, None))
        if not ref.path and result <= {FlagSource(UNKNOWN, None)} and _named_for_truncation(ref.node):
            return {FlagSource(NAMED_TRUNCATION, ref.node)}
        return result

    def _received_from_workers(self, step: cst.Call, result: set[FlagSource]) -> set[FlagSource]:
        """A project's vector env (baselines' `SubprocVecEnv`, copied) steps its envs in worker
        processes and sends their flags through pipes: a flag made there means what the worker's
        `env.step` made it, and is reported where the training code receives it, at this `step`."""
        return {
            FlagSource(source.kind, step) if source.blame is not None and self.df.runs_in_worker(source.blame) else source
            for source in result
        }

    def _step_api_is_gymnasium(self, call: cst.CSTNode) -> bool:
        """The file of `call` imports gymnasium and not old gym, so `env.step` returns five values."""
        unit = self.src.unit_of(call)
        known = self._gymnasium_files.get(id(unit))
        if known is None:
            known = self._gymnasium_files[id(unit)] = self._imports_gymnasium_only(unit.module)
        return known

    def _imports_gymnasium_only(self, module: cst.Module) -> bool:
        modules = set()
        for node in self.src.nodes_of_type((cst.Import, cst.ImportFrom)):
            if self.src.unit_of(node).module is not module:
                continue
            if isinstance(node, cst.Import):
                modules.update(self.src.code(alias.name).split(".")[0] for alias in node.names)
            elif node.module is not None:
                modules.add(self.src.code(node.module).split(".")[0])
        return "gymnasium" in modules and "gym" not in modules

    def _of(self, node: cst.CSTNode) -> frozenset[FlagSource]:
        return self.sources(Ref(node))

    def _with_conditional_sets(self, name: cst.Name, result: set[FlagSource]) -> set[FlagSource]:
        """`if truncated: done = True` makes `done` carry the test's flags too."""
        for definition in self.df.definitions(name) or ():
            value = definition.node
            if not (isinstance(value, cst.Name) and value.value == "True") and number_value(value) != 1.0:
                continue
            for ancestor in self.src.ancestors(value):
                if isinstance(ancestor, cst.If):
                    result = self._union([frozenset(result), self._of(ancestor.test)], ancestor.test)
                    break
                if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
                    break
        return result

    def _cleared_at_time_limits(self, name: cst.Name) -> bool:
        """`if info.get("TimeLimit.truncated"): terminal = False`: the flag is corrected for truncation."""
        for definition in self.df.definitions(name) or ():
            value = definition.node
            if not (isinstance(value, cst.Name) and value.value == "False") and number_value(value) != 0.0:
                continue
            for ancestor in self.src.ancestors(value):
                if isinstance(ancestor, cst.If):
                    if any(source.kind in _TIME_LIMITS for source in self._of(ancestor.test)):
                        return True
                    break
        return False

    # ---- combining ----------------------------------------------------------------------------------
    def _union(self, parts: list[frozenset[FlagSource]], where: cst.CSTNode) -> set[FlagSource]:
        kinds = [{source.kind for source in part} for part in parts]
        has_terminal = any(kind & {TERMINATED, OLD_DONE} for kind in kinds)
        has_truncation = any(kind & _TIME_LIMITS for kind in kinds)
        merged = set().union(*parts) if parts else set()
        if has_terminal and has_truncation:
            merged = {source for source in merged if source.kind not in (TERMINATED, TRUNCATED)}
            merged.add(FlagSource(CONFLATED, where))
        return merged

    def _intersection(self, operands: list[cst.BaseExpression], where: cst.CSTNode) -> set[FlagSource]:
        positives, removes_truncation = [], False
        for operand in operands:
            if self._before_time_limit(operand):  # `done and t != env._max_episode_steps`
                removes_truncation = True
                continue
            inner = self._negated(operand)
            if inner is not None:
                kinds = {source.kind for source in self._of(inner)}
                if kinds & CARRIES_TRUNCATION:
                    removes_truncation = True
                    continue
                positives.append(self._of(inner))
            else:
                positives.append(self._of(operand))
        merged = set().union(*positives) if positives else set()
        if removes_truncation:
            return _without_truncation(merged, where)
        return self._union(positives, where)

    def _negated(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        """`x` when `node` is `not x`, `~x`, `1 - x`, `logical_not(x)` or `x == 0`."""
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Not, cst.BitInvert)):
            return node.expression
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract):
            if number_value(node.left) == 1.0:
                return node.right
        if isinstance(node, cst.Call):
            args = positional_args(node)
            if self.src.names_any(node.func, torch_api.FLAG_NEGATE_FUNCTIONS) and args:
                return args[0].value
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in torch_api.FLAG_NEGATE_METHODS:
                return node.func.value
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("float", "int", "long", "to", "unsqueeze", "view", "reshape", "squeeze", "type", "astype"):
                return self._negated(node.func.value)
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            comparison = node.comparisons[0]
            other = comparison.comparator
            is_false = number_value(other) == 0.0 or (isinstance(other, cst.Name) and other.value == "False")
            if isinstance(comparison.operator, (cst.Equal, cst.Is)) and is_false:
                return node.left
        if isinstance(node, cst.Name):
            definitions = self.df.definitions(node) or []
            if len(definitions) == 1 and not definitions[0].path and definitions[0].node is not node:
                target = definitions[0].node
                if isinstance(target, cst.BaseExpression):
                    return self._negated(target)
        return None

    def _before_time_limit(self, node: cst.BaseExpression) -> bool:
        """`t < env._max_episode_steps`, `t != cfg.max_steps` where `cfg.max_steps` holds
        `env._max_episode_steps`: true exactly on the steps a TimeLimit did not cut, so a flag
        combined with it by `and` (or chosen by it) carries no truncation. The attribute is gym's
        own TimeLimit and EnvSpec API."""
        compared = _compared_with_time_limit(node)
        return compared is not None and self._is_time_limit(compared)

    def _at_time_limit(self, node: cst.BaseExpression) -> bool:
        """`t == env._max_episode_steps`, `t >= env.spec.max_episode_steps`, or a step counter
        reaching its bound: true on the steps a time limit cuts."""
        if self._is_step_limit_test(node):
            return True
        return any(self._is_time_limit(limit) for limit in _compared_at_time_limit(node))

    def _is_time_limit(self, compared: cst.BaseExpression) -> bool:
        pending, seen = [_limit_operand(compared)], 0
        while pending and seen < 8:  # the limit itself, or a name or attribute assigned it
            limit = pending.pop()
            seen += 1
            if isinstance(limit, cst.Attribute):
                if limit.attr.value in torch_api.TIME_LIMIT_ATTRIBUTES:
                    return True
                pending.extend(value.node for value in self.df.field_values(limit) if not value.path)
            elif isinstance(limit, cst.Name):
                pending.extend(value.node for value in self.df.definitions(limit) or () if not value.path)
        return False

    # ---- the program's own time limits -----------------------------------------------------------------
    @cached_property
    def _step_counters(self) -> list[tuple[cst.BaseExpression, bool]]:
        """`steps += 1` / `left -= 1` run on every pass of their function or loop (under no `if`,
        `try` or `with` of it): counters of steps, with True for counting up."""
        counters = []
        for node in self.src.nodes_of_type(cst.AugAssign):
            if not isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)) or int_value(node.value) != 1:
                continue
            if not isinstance(node.target, (cst.Name, cst.Attribute)) or not self._runs_every_pass(node):
                continue
            counters.append((node.target, isinstance(node.operator, cst.AddAssign)))
        return counters

    def _runs_every_pass(self, statement: cst.CSTNode) -> bool:
        for ancestor in self.src.ancestors(statement):
            if isinstance(ancestor, (cst.FunctionDef, cst.For, cst.While, cst.Module)):
                return True
            if isinstance(ancestor, (cst.If, cst.Try, cst.TryStar, cst.With, cst.Match, cst.ExceptHandler)):
                return False
        return True

    def _counter_direction(self, node: cst.BaseExpression) -> bool | None:
        """Up (True) or down (False) for a counter of time alone; None for anything else."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        for counter, up in self._step_counters:
            if type(counter) is type(node) and self.df.same_storage(counter, node):
                known = self._data_counters.get(counter)
                if known is None:
                    known = self._data_counters[counter] = self._indexes_data(counter)
                return None if known else up
        return None

    def _indexes_data(self, counter: cst.BaseExpression) -> bool:
        """`self.data[self.t]`, `self.get_state(self.t)`: the counter walks through the episode's
        data, so its limit is the end of that data (the task's own end), not a time limit."""
        name = counter.value if isinstance(counter, cst.Name) else counter.attr.value
        for read in self.src.nodes_of_type(type(counter)):
            if (read.value if isinstance(read, cst.Name) else read.attr.value) != name:
                continue
            parent = self.src.parent(read)
            inside_index = isinstance(parent, cst.Index)
            program_argument = isinstance(parent, cst.Arg) and any(
                self.df.callee_functions(call) for call in (self.src.parent(parent),) if isinstance(call, cst.Call)
            )
            if (inside_index or program_argument) and self.df.same_storage(read, counter):
                return True
        return False

    def _is_step_limit_test(self, node: cst.BaseExpression) -> bool:
        """`steps >= max_steps`, `steps == limit`, `left == 0`, `left <= 0`: true once a step counter
        reaches its bound."""
        if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1 or not self._step_counters:
            return False
        comparison = node.comparisons[0]
        operator = type(comparison.operator)
        mirrored = _MIRRORED.get(operator, operator)
        for counter, op, bound in ((node.left, operator, comparison.comparator), (comparison.comparator, mirrored, node.left)):
            up = self._counter_direction(counter)
            if up is None:
                continue
            limit = number_value(bound)
            if up and op in (cst.GreaterThan, cst.GreaterThanEqual, cst.Equal) and limit != 0.0:
                return True
            if not up and op in (cst.LessThan, cst.LessThanEqual, cst.Equal) and limit is not None and limit <= 1:
                return True
        return False

    def _field_set_at_time_limit(self, constant: cst.BaseExpression) -> set[FlagSource]:
        """`if self.steps >= self.max_steps: self.done = True`: an env's own flag set at its time
        limit (a variable set so is handled with its other definitions, in `_with_conditional_sets`)."""
        if not (isinstance(constant, cst.Name) and constant.value == "True") and number_value(constant) != 1.0:
            return set()
        statement = self.src.parent(constant)
        if not isinstance(statement, cst.Assign) or statement.value is not constant:
            return set()
        if not all(isinstance(target.target, (cst.Attribute, cst.Subscript)) for target in statement.targets):
            return set()
        for ancestor in self.src.ancestors(statement):
            if isinstance(ancestor, cst.If):
                return {source for source in self._of(ancestor.test) if source.kind in _TIME_LIMITS}
            if isinstance(ancestor, (cst.BaseCompoundStatement, cst.Module)):
                return set()
        return set()

    # ---- leaves --------------------------------------------------------------------------------------
    def _leaf(self, leaf: Ref) -> set[FlagSource]:
        node, path = leaf.node, leaf.path
        if path and all(step == ("iter",) for step in path) and not isinstance(node, cst.Call):
            path = ()  # an element of an array of flags is a flag of the same kind
        if isinstance(node, cst.Call):
            step = self._env_step_flag(node, path)
            if step is not None:
                return step
            return self._call(node, path)
        if path == (STORE,) and isinstance(node, cst.Subscript):
            value = self.df.stored_value(node)
            return set(self.sources(value)) if value is not None else {FlagSource(UNKNOWN, None)}
        if path:
            return {FlagSource(UNKNOWN, None)}
        if isinstance(node, (cst.Integer, cst.Float)) or (isinstance(node, cst.Name) and node.value in ("True", "False", "None")):
            return self._field_set_at_time_limit(node)
        if isinstance(node, cst.BooleanOperation):
            if isinstance(node.operator, cst.Or):
                return self._union([self._of(node.left), self._of(node.right)], node)
            return self._intersection([node.left, node.right], node)
        if isinstance(node, cst.BinaryOperation):
            operator = node.operator
            if isinstance(operator, (cst.BitOr, cst.Add)):
                return self._union([self._of(node.left), self._of(node.right)], node)
            if isinstance(operator, (cst.BitAnd, cst.Multiply)):
                return self._intersection([node.left, node.right], node)
            if isinstance(operator, cst.Subtract):
                inner = self._negated(node)
                return set(self._of(inner)) if inner is not None else {FlagSource(UNKNOWN, None)}
            return {FlagSource(UNKNOWN, None)}
        if isinstance(node, cst.UnaryOperation):
            return set(self._of(node.expression))
        if isinstance(node, cst.Comparison):
            if self._is_step_limit_test(node):
                return {FlagSource(STEP_LIMIT, node)}
            tested = _compared_with_none(node)
            chosen = self._none_flags(Ref(tested)) if tested is not None else None
            return chosen if chosen is not None else set(self._of(node.left))
        if isinstance(node, cst.Subscript):
            return set(self._of(node.value))
        if isinstance(node, cst.IfExp):
            if _is_constant(node.body) and _is_constant(node.orelse):  # `0.0 if done else 1.0`
                return set(self._of(node.test))
            if self._before_time_limit(node.test) and _is_constant(node.orelse):
                # TD3's `float(done) if t < env._max_episode_steps else 0`: the flag without time-outs
                return self._intersection([node.body, node.test], node)
            if _is_false_constant(node.body) and self._is_step_limit_test(node.test):
                # Spinning Up's `False if ep_len == max_ep_len else d`: the flag without time-outs
                return _without_truncation(set(self._of(node.orelse)), node)
            if _is_constant(node.body) and self._at_time_limit(node.test):
                # `1 if steps == env._max_episode_steps else float(not done)` (pytorch-soft-actor-critic):
                # at every cut the value is the constant; it is the continuing value when it is a
                # mask's 1 (the other branch negates a flag) or a flag's False
                is_mask = self._negated(_without_conversion(self.src, node.orelse)) is not None
                if is_mask != _is_false_constant(node.body):
                    return _without_truncation(set(self._of(node.orelse)), node)
            return self._union([self._of(node.body), self._of(node.orelse)], node)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return set(self._of(node.elt))
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._union([self._of(element.value) for element in node.elements], node)
        if isinstance(node, cst.AugAssign):
            if isinstance(node.operator, (cst.BitOrAssign, cst.AddAssign)):  # `done |= truncated`
                earlier = frozenset(s for s in self._of(node.target) if s.blame is not node)
                return self._union([earlier, self._of(node.value)], node)
            return set(self._of(node.value))
        return {FlagSource(UNKNOWN, None)}

    # ---- a missing next state as the flag ---------------------------------------------------------------
    def _none_flags(self, value: Ref) -> set[FlagSource] | None:
        """The flags of `value is None`, for the PyTorch tutorial's encoding of termination
        (`if terminated: next_state = None`, later `s is not None` as the mask): each `None` the
        value can hold is chosen by a test, and the tests' flags are the mask's. NEVER_SET when every
        value it can hold is certainly not None (the mask never changes); None when that cannot be
        told, or a `None` is stored whatever happens: then `is None` says nothing of a flag."""
        tests = []
        leaves = self.df.resolve(value)
        for leaf in leaves:
            if not (isinstance(leaf.node, cst.Name) and leaf.node.value == "None"):
                continue
            if any(step != ("iter",) for step in leaf.path):  # as in `_leaf`: an element is the value
                continue
            test = self._test_choosing(leaf.node)
            if test is None:
                return None
            tests.append(self._of(test))
        if tests:
            return self._union(tests, value.node)
        if leaves and all(self._is_never_none(leaf) for leaf in leaves):
            return {FlagSource(NEVER_SET, value.node)}  # every value is a new tensor or array: never None
        return None

    def _is_never_none(self, leaf: Ref, depth: int = 0) -> bool:
        """A value that is certainly not None: an array or tensor made by torch or numpy, a
        tensor method's result on one (`torch.tensor(obs).unsqueeze(0)`), or the result of a
        function of the program that returns only such values (`utils.tensorize_state(obs)`)."""
        if any(step != ("iter",) for step in leaf.path):
            return False
        node = leaf.node
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not self.src.qualified_names(node.func):
            if node.func.attr.value not in torch_api.VALUE_PRESERVING_METHODS:
                return False
            node = node.func.value
        if not isinstance(node, cst.Call):
            return False
        names = self.src.qualified_names(node.func)
        if bool(names) and all(name.startswith(("torch.", "numpy.")) for name in names):
            return not names.isdisjoint(torch_api.VALUE_PRESERVING_FUNCTIONS)
        functions = self.df.helper_functions(node)
        if not functions or depth >= 3:
            return False
        returns = [value for function, bound in functions for value in self.df.return_values_for(node, function, bound)]
        leaves = [inner for value in returns for inner in self.df.resolve(value)]
        return bool(leaves) and all(self._is_never_none(inner, depth + 1) for inner in leaves)

    def _mapped_none_flags(self, function: cst.BaseExpression, iterable: cst.BaseExpression) -> set[FlagSource] | None:
        """`map(lambda s: s is not None, values)`: the None flags of the elements of `values`."""
        if not isinstance(function, cst.Lambda) or len(function.params.params) != 1 or function.params.star_arg is not cst.MaybeSentinel.DEFAULT:
            return None
        tested = _compared_with_none(function.body) if isinstance(function.body, cst.Comparison) else None
        parameter = function.params.params[0].name.value
        if not (isinstance(tested, cst.Name) and tested.value == parameter):
            return None
        return self._none_flags(Ref(iterable, (("iter",),)))

    def _test_choosing(self, literal: cst.Name) -> cst.BaseExpression | None:
        """The test that decides whether this `None` is the value: of the conditional expression it
        is a branch of, or of the `if` whose body or `else` assigns it. None when it is unconditional."""
        child: cst.CSTNode = literal
        for ancestor in self.src.ancestors(literal):
            if isinstance(ancestor, (cst.IfExp, cst.If)):
                return ancestor.test if child is not ancestor.test else None
            if isinstance(ancestor, (cst.BaseCompoundStatement, cst.Lambda, cst.Module)):
                return None  # a loop, a with, a function: reached whatever any test says
            child = ancestor
        return None

    def _env_step_flag(self, call: cst.Call, path: tuple) -> set[FlagSource] | None:
        """The meaning of a slot of `env.step(action)`'s result, by position."""
        if not is_step_call(call):
            return None
        if not path or path[0][0] != "item":
            return {FlagSource(UNKNOWN, None)}
        _, index, arity = path[0]
        rest = path[1:]
        if arity is None and self._step_api_is_gymnasium(call):
            arity = 5  # `result = env.step(a); result[2]` in a file that uses gymnasium, not old gym
        if arity not in (4, 5):
            return {FlagSource(UNKNOWN, None)}
        index %= arity
        info_slot = arity - 1
        if index == info_slot:
            if rest and rest[0][0] == "key" and rest[0][1] in torch_api.TIME_LIMIT_KEYS:
                return {FlagSource(TRUNCATED, call)}
            return {FlagSource(UNKNOWN, None)}
        if arity == 5 and index == 2:
            return {FlagSource(TERMINATED, call)}
        if arity == 5 and index == 3:
            return {FlagSource(TRUNCATED, call)}
        if arity == 4 and index == 2:
            return {FlagSource(OLD_DONE, call)}
        return set()  # observation or reward: no flag

    def _call(self, call: cst.Call, path: tuple) -> set[FlagSource]:
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in torch_api.FLAG_REDUCE_METHODS:
            return set(self._of(call.func.value))  # of any receiver, `np.logical_or(t, tr).any()` too
        names = self.src.qualified_names(call.func)
        args = [arg.value for arg in call.args if not arg.keyword]
        if names:
            if "builtins.map" in names and len(args) == 2:  # `map(lambda s: s is not None, batch.next_state)`
                chosen = self._mapped_none_flags(args[0], args[1])
                if chosen is not None:
                    return chosen
            if not names.isdisjoint(torch_api.FLAG_UNION_FUNCTIONS):
                operands = args
                if len(args) == 1 and isinstance(args[0], (cst.List, cst.Tuple)):
                    operands = [element.value for element in args[0].elements]
                return self._union([self._of(operand) for operand in operands], call)
            if not names.isdisjoint(torch_api.FLAG_INTERSECT_FUNCTIONS):
                return self._intersection(args, call)
            if not names.isdisjoint(torch_api.FLAG_NEGATE_FUNCTIONS) and args:
                return set(self._of(args[0]))
            first = first_argument(call)
            if not names.isdisjoint(torch_api.VALUE_PRESERVING_FUNCTIONS) and first is not None:
                return self._union([frozenset(self.sources(first))], call)
            return {FlagSource(UNKNOWN, None)}
        if isinstance(call.func, cst.Attribute):
            method = call.func.attr.value
            receiver = call.func.value
            if method == "game_over":
                over = self._emulator_game_over(call)
                if over is not None:
                    return over
            if method == "get" and args and string_value(args[0]) in torch_api.TIME_LIMIT_KEYS:
                return set(self.sources(Ref(receiver, (("key", string_value(args[0])),))))
            if method in torch_api.FLAG_UNION_METHODS and args:
                return self._union([self._of(receiver), self._of(args[0])], call)
            if method in torch_api.FLAG_INTERSECT_METHODS and args:
                return self._intersection([receiver, args[0]], call)
            if method in torch_api.FLAG_NEGATE_METHODS:
                return set(self._of(receiver))
            if method in torch_api.VALUE_PRESERVING_METHODS:
                return set(self._of(receiver))
        return {FlagSource(UNKNOWN, None)}

    def _emulator_game_over(self, call: cst.Call) -> set[FlagSource] | None:
        """`ale.game_over()` of an ALE interface: the end of the game, and also the frame limit's cut
        when `setInt("max_num_frames_per_episode", n)` set one on that emulator (ale-py's
        `game_over(with_truncation=False)` leaves the cut out)."""
        emulators = {
            obj for obj in self.df.objects(Ref(call.func.value))
            if isinstance(obj.site, cst.Call) and not self.src.qualified_names(obj.site.func).isdisjoint(torch_api.ALE_INTERFACES)
        }
        if not emulators:
            return None
        with_truncation = keyword_arg(call, "with_truncation")
        if with_truncation is not None and isinstance(with_truncation.value, cst.Name) and with_truncation.value.value == "False":
            return {FlagSource(TERMINATED, None)}
        limited = self._frame_limit_setting(emulators) is not None
        return {FlagSource(EMULATOR_LIMIT, call)} if limited else {FlagSource(TERMINATED, None)}

    def frame_limit_setting(self, game_over: cst.Call) -> cst.Call | None:
        """The `setInt("max_num_frames_per_episode", n)` that makes this `game_over()` end episodes at a limit."""
        if not isinstance(game_over.func, cst.Attribute):
            return None
        return self._frame_limit_setting(set(self.df.objects(Ref(game_over.func.value))))

    def _frame_limit_setting(self, emulators: set) -> cst.Call | None:
        for setting in self.df.method_calls.get("setInt", ()):
            args = positional_args(setting)
            if len(args) != 2 or _text_value(args[0].value) != torch_api.ALE_FRAME_LIMIT or int_value(args[1].value) == 0:
                continue
            if not emulators.isdisjoint(self.df.objects(Ref(setting.func.value))):
                return setting
        return None


def _text_value(node: cst.BaseExpression) -> str | None:
    """A string literal's text, also of a bytes literal (`b"max_num_frames_per_episode"`)."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value.decode("ascii", "replace") if isinstance(value, bytes) else value
    return None


def _is_step_slot(ref: Ref) -> bool:
    """A slot of `env.step(action)`'s result: `done` of `obs, reward, done, info = env.step(a)`."""
    return is_step_call(ref.node) and bool(ref.path) and ref.path[0][0] == "item"


def _compared_with_none(comparison: cst.Comparison) -> cst.BaseExpression | None:
    """`x` in `x is None`, `x is not None`, `x == None`, `x != None` (either side)."""
    if len(comparison.comparisons) != 1:
        return None
    target = comparison.comparisons[0]
    if not isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
        return None
    left, right = comparison.left, target.comparator
    if isinstance(right, cst.Name) and right.value == "None":
        return left
    if isinstance(left, cst.Name) and left.value == "None":
        return right
    return None


_MIRRORED = {  # `bound < steps` is `steps > bound`
    cst.LessThan: cst.GreaterThan,
    cst.LessThanEqual: cst.GreaterThanEqual,
    cst.GreaterThan: cst.LessThan,
    cst.GreaterThanEqual: cst.LessThanEqual,
}


def _named_for_truncation(node: cst.CSTNode) -> bool:
    """`timeouts`, `batch.truncated`, `time_limit_reached`: a read whose name says time limit."""
    if isinstance(node, cst.Name):
        name = node.value
    elif isinstance(node, cst.Attribute):
        name = node.attr.value
    else:
        return False
    return _TRUNCATION_NAME.search(name) is not None


def _without_truncation(sources: set[FlagSource], where: cst.CSTNode) -> set[FlagSource]:
    """A flag with its time-outs taken back out: what carried truncation now means termination."""
    cleaned = {source for source in sources if source.kind not in CARRIES_TRUNCATION}
    if len(cleaned) != len(sources):
        cleaned.add(FlagSource(TERMINATED, where))
    return cleaned


def _is_false_constant(node: cst.BaseExpression) -> bool:
    return number_value(node) == 0.0 or (isinstance(node, cst.Name) and node.value == "False")


def _is_constant(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) or (isinstance(node, cst.Name) and node.value in ("True", "False"))


def _compared_with_time_limit(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """LIMIT in `t < LIMIT`, `t != LIMIT` or `LIMIT > t`: a test true exactly on the steps before it."""
    if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
        return None
    comparison = node.comparisons[0]
    operator = comparison.operator
    if isinstance(operator, (cst.LessThan, cst.NotEqual)):
        return comparison.comparator
    if isinstance(operator, cst.GreaterThan):
        return node.left
    return None


def _compared_at_time_limit(node: cst.BaseExpression) -> tuple[cst.BaseExpression, ...]:
    """The operands that may be LIMIT in `t == LIMIT`, `t >= LIMIT` or `LIMIT <= t`: a test true
    from the limit on."""
    if not isinstance(node, cst.Comparison) or len(node.comparisons) != 1:
        return ()
    comparison = node.comparisons[0]
    operator = comparison.operator
    if isinstance(operator, cst.Equal):
        return (comparison.comparator, node.left)
    if isinstance(operator, cst.GreaterThanEqual):
        return (comparison.comparator,)
    if isinstance(operator, cst.LessThanEqual):
        return (node.left,)
    return ()


def _without_conversion(src, node: cst.BaseExpression) -> cst.BaseExpression:
    """`x` of `float(x)`, `int(x)`, `bool(x)`, `np.float32(x)`: a conversion keeps the value's meaning."""
    while isinstance(node, cst.Call) and len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star:
        if not src.names_any(node.func, _CONVERSIONS):
            break
        node = node.args[0].value
    return node


_CONVERSIONS = frozenset({"builtins.float", "builtins.int", "builtins.bool", "numpy.float32", "numpy.float64",
                          "numpy.uint8", "numpy.int64", "numpy.bool_"})


def _limit_operand(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.BinaryOperation):  # `env._max_episode_steps - 1`
        node = node.left
    return node
