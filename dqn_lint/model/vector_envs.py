"""Vector environments and their autoreset mode, as the program's own gymnasium calls set it.

A vector environment resets a finished sub-environment by itself. When it does decides what a
step returns for that sub-environment:
- next-step (gymnasium >= 1.0's default): the step that ends an episode returns its real last
  observation; the *next* step only resets, returning the first observation of the new episode
  with reward 0 and no termination or truncation;
- same-step (gymnasium < 1.0, including 0.28-0.29's `make_vec` and experimental vector envs, old
  gym, Stable-Baselines3's VecEnvs, or gymnasium's `autoreset_mode=SAME_STEP`): the step that
  ends an episode already returns the reset
  observation; the real last one is in the infos (`final_obs`, `final_observation`, or
  `terminal_observation` in each info dict);
- disabled: the program resets finished sub-environments itself.

`gymnasium.vector.SyncVectorEnv(...)` or `gymnasium.make_vec(...)` without `autoreset_mode` is
same-step or next-step depending on the installed gymnasium; the model keeps both modes then
(unless the code names API only 1.x has), and rules report only what is wrong in every mode the
code allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import ITER, Dataflow, Ref, first_argument
from dqn_lint.model.source import keyword_arg, positional_args, string_value


class AutoresetMode(str, Enum):
    NEXT_STEP = "next-step"
    SAME_STEP = "same-step"
    DISABLED = "disabled"


NEXT_STEP = AutoresetMode.NEXT_STEP
SAME_STEP = AutoresetMode.SAME_STEP
DISABLED = AutoresetMode.DISABLED
ANY_MODE = frozenset(AutoresetMode)
VERSION_DEFAULT = frozenset({NEXT_STEP, SAME_STEP})  # gymnasium's constructors: 1.x next-step, 0.x same-step

# The infos key that holds the real last observation of a finished sub-environment, by API.
FINAL_OBSERVATION_KEYS = frozenset({"final_obs", "final_observation", "terminal_observation"})

_GYMNASIUM_CONSTRUCTORS = frozenset({
    "gymnasium.vector.SyncVectorEnv", "gymnasium.vector.AsyncVectorEnv",
    "gymnasium.vector.sync_vector_env.SyncVectorEnv", "gymnasium.vector.async_vector_env.AsyncVectorEnv",
})
_GYMNASIUM_MAKE_VEC = frozenset({"gymnasium.make_vec", "gymnasium.envs.registration.make_vec"})
_SAME_STEP_ONLY = frozenset({
    "gymnasium.vector.make",  # removed in gymnasium 1.0
    # gymnasium 0.28-0.29's experimental vector API (what 0.29's `make_vec` returns) resets in the same step
    "gymnasium.experimental.make_vec", "gymnasium.experimental.vector.SyncVectorEnv",
    "gymnasium.experimental.vector.AsyncVectorEnv",
    "gym.vector.make", "gym.vector.SyncVectorEnv", "gym.vector.AsyncVectorEnv",
    "gym.vector.sync_vector_env.SyncVectorEnv", "gym.vector.async_vector_env.AsyncVectorEnv",
    "stable_baselines3.common.vec_env.DummyVecEnv", "stable_baselines3.common.vec_env.SubprocVecEnv",
    "stable_baselines3.common.vec_env.dummy_vec_env.DummyVecEnv",
    "stable_baselines3.common.vec_env.subproc_vec_env.SubprocVecEnv",
    "stable_baselines3.common.env_util.make_vec_env", "stable_baselines3.common.env_util.make_atari_env",
    "stable_baselines3.common.make_vec_env",
})
_GYMNASIUM_1X_ONLY = ("gymnasium.vector.AutoresetMode", "gymnasium.vector.vector_env.AutoresetMode", "gymnasium.wrappers.vector.")
# Wrappers keep the autoreset of the vector env they wrap (their first argument).
_WRAPPER_PREFIXES = ("gymnasium.wrappers.", "gym.wrappers.", "gymnasium.vector.wrappers.",
                     "stable_baselines3.common.vec_env.", "gymnasium.experimental.wrappers.")
# A vector env of the program keeps a finished episode's last observation where its worker puts it.
_PROJECT_FINAL_OBSERVATION = (
    '`infos[i]["terminal_observation"]` (have the worker keep it there before it resets: '
    '`info["terminal_observation"] = ob`)'
)
_MODE_NAMES = {"NEXT_STEP": NEXT_STEP, "SAME_STEP": SAME_STEP, "DISABLED": DISABLED}
_MODE_VALUES = {"NextStep": NEXT_STEP, "SameStep": SAME_STEP, "Disabled": DISABLED}


@dataclass(frozen=True)
class VectorEnv:
    """A vector environment the program makes, and the autoreset modes the code allows it."""

    made_by: cst.Call
    modes: frozenset[AutoresetMode]
    final_observation: str  # where this API puts a finished sub-environment's real last observation


_Context = tuple[cst.Call, cst.FunctionDef, bool] | None  # the factory call an env is made for


class VectorEnvs:
    def __init__(self, dataflow: Dataflow) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self._memo: dict[cst.Call, tuple[VectorEnv, ...]] = {}
        self._written_for_1x: bool | None = None

    def stepped_by(self, step_call: cst.Call) -> tuple[VectorEnv, ...]:
        """The vector environments `envs.step(actions)` may step; () unless every value its
        receiver can hold is one (through wrappers, factories, attributes and parameters)."""
        known = self._memo.get(step_call)
        if known is None:
            known = self._memo[step_call] = self._stepped_by(step_call)
        return known

    def _stepped_by(self, step_call: cst.Call) -> tuple[VectorEnv, ...]:
        if not (isinstance(step_call.func, cst.Attribute) and step_call.func.attr.value == "step"):
            return ()
        envs: list[VectorEnv] = []
        pending: list[tuple[Ref, _Context]] = [(Ref(step_call.func.value), None)]
        seen = 0
        while pending:
            ref, context = pending.pop()
            seen += 1
            leaves = self.df.resolve(ref, follow_calls=False)
            if not leaves or seen > 16:
                return ()
            for leaf in leaves:
                if leaf.path or not isinstance(leaf.node, cst.Call):
                    return ()
                call = leaf.node
                names = self.src.qualified_names(call.func)
                modes = self._modes(call, names, context)
                if modes is not None:
                    envs.append(VectorEnv(call, modes, _final_observation_key(names, modes)))
                elif any(name.startswith(_WRAPPER_PREFIXES) for name in names) and positional_args(call):
                    pending.append((Ref(positional_args(call)[0].value), context))
                elif factories := self._factories(call):
                    # a function of the program that returns the env: read it for this call
                    pending.extend((value, (call, function, bound)) for function, bound in factories
                                   for value in self.df.return_values_for(call, function, bound))
                elif self._resets_in_its_step(call, step_call):
                    envs.append(VectorEnv(call, frozenset({SAME_STEP}), _PROJECT_FINAL_OBSERVATION))
                else:
                    return ()
        return tuple(envs)

    def _resets_in_its_step(self, call: cst.Call, step_call: cst.Call) -> bool:
        """A vector env the program implements (baselines' `SubprocVecEnv`, copied): `call` makes
        an object of a class of the program, and the observations its `step` returns come, through
        a pipe, from a worker process whose observation is its env's step observation or, for a
        finished episode, its reset observation (`if done: ob = env.reset()`): same-step autoreset.
        A single env's wrapper that resets inside its own methods runs in no worker: not one."""
        if not any(function.name.value == "__init__" for function, _ in self.df.callee_functions(call)):
            return False
        pending, seen = [Ref(step_call, (("item", 0, None),))], set()
        while pending and len(seen) < 64:
            ref = pending.pop()
            if ref in seen:
                continue
            seen.add(ref)
            for leaf in self.df.resolve(ref, stop_at_names=True):
                node = leaf.node
                if isinstance(node, cst.Name):
                    if self.df.runs_in_worker(node) and self._step_or_reset(leaf):
                        return True
                    pending += self.df.definitions(node, leaf.path) or []
                elif isinstance(node, cst.Call) and node is not step_call:
                    first = first_argument(node)
                    if first is not None and self.src.names_any(node.func, torch_api.VALUE_PRESERVING_FUNCTIONS):
                        # `np.stack(obs)` of the workers' observations: what it holds, and its elements
                        pending += [first.project(*leaf.path), first.project(ITER, *leaf.path)]
        return False

    def _step_or_reset(self, observation: Ref) -> bool:
        """Whether a variable holds an env's step observation or else its reset observation."""
        stepped = reset = False
        for leaf in self.df.resolve(observation):
            node = leaf.node
            if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
                continue
            method = node.func.attr.value
            if method == "step" and leaf.path[:1] and leaf.path[0][:2] == ("item", 0):
                stepped = True
            elif method == "reset" and (not leaf.path or leaf.path[0][:2] == ("item", 0)):
                reset = True
        return stepped and reset

    def _factories(self, call: cst.Call) -> list[tuple[cst.FunctionDef, bool]]:
        functions = self.df.callee_functions(call)
        return [] if any(function.name.value == "__init__" for function, _ in functions) else functions

    def _modes(self, call: cst.Call, names: frozenset[str], context: _Context) -> frozenset[AutoresetMode] | None:
        """The autoreset modes a vector env construction allows; None when `call` makes none."""
        if names & _SAME_STEP_ONLY:
            return frozenset({SAME_STEP})
        if names & _GYMNASIUM_CONSTRUCTORS:
            keyword = keyword_arg(call, "autoreset_mode")
            return self._version_default() if keyword is None else self._mode_values(Ref(keyword.value), context)
        if names & _GYMNASIUM_MAKE_VEC:
            keyword = keyword_arg(call, "vector_kwargs")
            if keyword is None:
                return self._version_default()
            return self._mode_values(Ref(keyword.value, (("key", "autoreset_mode"),)), context, absent=self._version_default())
        return None

    def _version_default(self) -> frozenset[AutoresetMode]:
        """The mode of a gymnasium vector env made without one: next-step from gymnasium 1.0 on,
        same-step before. Code that names 1.x-only API (`AutoresetMode`, `autoreset_mode=`,
        `gymnasium.wrappers.vector`) runs on 1.x."""
        if self._written_for_1x is None:
            self._written_for_1x = self._names_1x_api()
        return frozenset({NEXT_STEP}) if self._written_for_1x else VERSION_DEFAULT

    def _names_1x_api(self) -> bool:
        for call in self.src.nodes_of_type(cst.Call):
            if keyword_arg(call, "autoreset_mode") is not None:
                return True
        for node in self.src.nodes_of_type(cst.Attribute):
            if any(name.startswith(_GYMNASIUM_1X_ONLY) for name in self.src.qualified_names(node)):
                return True
        return False

    def _mode_values(self, ref: Ref, context: _Context, absent: frozenset[AutoresetMode] | None = None, depth: int = 0) -> frozenset[AutoresetMode]:
        """The modes an `autoreset_mode` value may be: `AutoresetMode.SAME_STEP`, `"SameStep"`,
        `AutoresetMode("SameStep")`; a dictionary without the key gives `absent`. Anything else may
        be any mode. In a factory, a conditional on one of its parameters is read for the call that
        made this env (`{...} if same_step else {}` with `same_step=True`)."""
        node = ref.node
        if isinstance(node, cst.IfExp) and context is not None:
            taken = self.df.test_value(node.test, *context)
            if taken is not None:
                return self._mode_values(Ref(node.body if taken else node.orelse, ref.path), context, absent, depth + 1)
        modes: set[AutoresetMode] = set()
        for leaf in self.df.resolve(ref, stop_at_names=True):
            node = leaf.node
            if leaf.path and isinstance(node, cst.Dict) and absent is not None:
                modes |= absent  # `{}`: the key is not given
                continue
            if leaf.path and not isinstance(node, cst.Name):
                return ANY_MODE
            if isinstance(node, cst.Call) and len(node.args) == 1:
                node = node.args[0].value  # `AutoresetMode("SameStep")`
            text = string_value(node)
            if text in _MODE_VALUES:
                modes.add(_MODE_VALUES[text])
                continue
            named = self._named_modes(node, leaf.path)
            if named is None and isinstance(node, cst.Name) and depth < 6:
                # a variable holding the mode, or the dictionary that holds it
                definitions = self.df.definitions(node, leaf.path) or ()
                parts = [self._mode_values(definition, context, absent, depth + 1) for definition in definitions]
                named = frozenset().union(*parts) if parts else None
            if not named or named == ANY_MODE:
                return ANY_MODE
            modes |= named
        return frozenset(modes) or ANY_MODE

    def _named_modes(self, node: cst.CSTNode, attributes: tuple) -> frozenset[AutoresetMode] | None:
        """`AutoresetMode.SAME_STEP` under any import name (`attributes` follow `node`)."""
        if not isinstance(node, (cst.Attribute, cst.Name)):
            return None
        if not all(step[0] == "attr" for step in attributes):
            return None
        qualified = {".".join((name, *(step[1] for step in attributes))) for name in self.src.qualified_names(node)}
        named = {_MODE_NAMES[name.rsplit(".", 1)[1]] for name in qualified
                 if ".AutoresetMode." in name and name.rsplit(".", 1)[1] in _MODE_NAMES}
        return frozenset(named) if len(named) == 1 else None


def _final_observation_key(names: frozenset[str], modes: frozenset[AutoresetMode]) -> str:
    """How the docs of this API name the infos entry with the real last observation."""
    if any(name.startswith("stable_baselines3.") for name in names):
        return '`infos[i]["terminal_observation"]`'
    if any(name.startswith("gym.") for name in names):
        return '`infos["final_observation"]` (gym 0.26; `infos[i]["terminal_observation"]` before)'
    if modes == frozenset({SAME_STEP}) and not names & {"gymnasium.vector.make"}:
        return '`infos["final_obs"]`'
    return '`infos["final_obs"]` (`infos["final_observation"]` before gymnasium 1.0)'


__all__ = ["ANY_MODE", "FINAL_OBSERVATION_KEYS", "AutoresetMode", "VectorEnv", "VectorEnvs"]
