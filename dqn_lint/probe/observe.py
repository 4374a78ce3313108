"""What the probes see in the script's run (imported by the child process only: torch).

Each watched expression calls `Observer.record(site_id, value)`, which notes what the site's
observation asks about and returns the value unchanged. Optimizer steps are counted through
torch's global step hook (the update budget), and the gradients left from a step are read at the
start of the next backward pass (`Tensor.backward` is wrapped, and calls the original); the
script's own computation is never changed.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field


REACH_CHECKS = 3  # the first evaluations whose gradient reach is walked (a graph walk each)


class BudgetReached(BaseException):
    """Raised from an optimizer step hook to end the script once the update budget is spent
    (a BaseException, so the script's `except Exception` does not swallow it)."""


@dataclass
class SiteRecord:
    observation: str
    hits: int = 0
    positive: int = 0  # hits where the finding's claim held
    negative: int = 0  # hits where it was seen not to hold
    detail: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        detail = {key: value for key, value in self.detail.items() if not key.startswith("_")}  # "_": the probe's own state
        return {"observation": self.observation, "hits": self.hits, "positive": self.positive,
                "negative": self.negative, "detail": detail}


class Observer:
    def __init__(self, sites: dict[int, str], max_updates: int) -> None:
        import torch

        self.torch = torch
        self.records = {site_id: SiteRecord(observation) for site_id, observation in sites.items()}
        self.max_updates = max_updates
        self.updates = 0
        self.started = time.monotonic()
        self.trained: set[int] = set()  # data_ptr of every parameter an optimizer has stepped
        self.pending_networks: dict[int, list[set[int]]] = {}  # site -> parameter sets seen before any step
        self.watched_optimizers: dict[int, int] = {}  # id(optimizer) -> site id
        self.stepped_since_check: dict[int, object] = {}  # watched optimizers stepped since the last backward
        self.pending_cuts = 0  # time-limit cuts (truncated, not terminated) since a flag was last read
        self.pending_ends = 0  # real terminations since then
        self.env_steps = self.env_cuts = self.env_ends = 0  # every step a TimeLimit returned, and its cuts and ends
        self.resets: ResetWatch | None = None  # vector envs' autoreset, watched when a site asks
        self._install()

    # ---- hooks ----------------------------------------------------------------------------------
    def _install(self) -> None:
        from torch.optim.optimizer import register_optimizer_step_post_hook

        register_optimizer_step_post_hook(self._after_step)
        observer = self
        tensor_backward = self.torch.Tensor.backward

        def backward(self, *args, **kwargs):
            observer._before_backward()
            return tensor_backward(self, *args, **kwargs)

        self.torch.Tensor.backward = backward
        if any(record.observation in ("truncation_in_flag", "mask_rate") for record in self.records.values()):
            self._watch_time_limits()
        if any(record.observation == "stored_across_reset" for record in self.records.values()):
            self.resets = ResetWatch()
            self.resets.install()

    def _watch_time_limits(self) -> None:
        """Count what gymnasium's (or old gym's) `TimeLimit` returns at every step: the cuts and
        the real ends a flag made that step should, or should not, carry."""
        for module_name in ("gymnasium.wrappers", "gym.wrappers"):
            _watch_steps(module_name, ("TimeLimit",), lambda env, result: self._saw_step(result))

    def _saw_step(self, result) -> None:
        end_and_cut = _end_and_cut(result)  # a result it cannot read raises: `_watch_steps` drops it
        if end_and_cut is None:
            return
        end, cut = end_and_cut
        self.pending_ends += end
        self.pending_cuts += cut
        self.env_steps += 1
        self.env_ends += end
        self.env_cuts += cut

    def _before_backward(self) -> None:
        """A backward pass after a watched optimizer's step: are the step's gradients still there?
        (cleared by `zero_grad`, `set_to_none`, `p.grad = None` or anything else: it is the
        gradients themselves that are read)."""
        for optimizer_id in list(self.stepped_since_check):
            optimizer = self.stepped_since_check.pop(optimizer_id)
            record = self.records[self.watched_optimizers[optimizer_id]]
            left = any(p.grad is not None and bool(p.grad.any()) for group in optimizer.param_groups for p in group["params"])
            if left:
                record.positive += 1
            else:
                record.negative += 1

    def _after_step(self, optimizer, args, kwargs) -> None:
        self.trained |= {p.data_ptr() for group in optimizer.param_groups for p in group["params"]}
        if id(optimizer) in self.watched_optimizers:
            self.stepped_since_check[id(optimizer)] = optimizer
        self.updates += 1
        self._settle_networks()
        if self.updates >= self.max_updates:
            raise BudgetReached

    # ---- the probes -----------------------------------------------------------------------------
    def record(self, site_id: int, value):
        record = self.records.get(site_id)
        if record is None:
            return value
        try:
            replacement = getattr(self, f"_{record.observation}")(site_id, record, value)
        except BudgetReached:
            raise
        except Exception as error:  # a probe must never break the script
            record.detail.setdefault("errors", []).append(f"{type(error).__name__}: {error}"[:200])
            return value
        return value if replacement is None else replacement

    def _requires_grad(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        if not isinstance(value, self.torch.Tensor):
            record.detail["not_a_tensor"] = type(value).__name__
            return
        if value.requires_grad:
            record.positive += 1
            if value.grad_fn is not None:
                record.detail.setdefault("grad_fn", type(value.grad_fn).__name__)
            if record.positive <= REACH_CHECKS:
                from dqn_lint.runtime.guards import leaves_reached

                reached = record.detail.setdefault("_reached", set())
                reached |= {leaf.data_ptr() for leaf in leaves_reached(value)}
        else:
            record.negative += 1

    def _shares_trained_storage(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        parameters = getattr(value, "parameters", None)
        if not callable(parameters):
            record.detail["not_a_network"] = type(value).__name__
            return
        pointers = {parameter.data_ptr() for parameter in parameters()}
        if not pointers:
            return
        if not self.trained:
            self.pending_networks.setdefault(site_id, []).append(pointers)
            return
        self._judge_network(record, pointers)

    _held_by_optimizer = _shares_trained_storage  # the same reading; the verdict words it for its rule

    def _judge_network(self, record: SiteRecord, pointers: set[int]) -> None:
        shared = pointers & self.trained
        if shared:
            record.positive += 1
            record.detail["shared_tensors"] = max(record.detail.get("shared_tensors", 0), len(shared))
        else:
            record.negative += 1
        record.detail["tensors"] = len(pointers)

    def _settle_networks(self) -> None:
        """Networks seen before any optimizer step are judged against the first steps' parameters."""
        for site_id, seen in self.pending_networks.items():
            for pointers in seen:
                self._judge_network(self.records[site_id], pointers)
        self.pending_networks.clear()

    def _gradients_cleared(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        if isinstance(value, self.torch.optim.Optimizer):
            self.watched_optimizers.setdefault(id(value), site_id)
        else:
            record.detail["not_an_optimizer"] = type(value).__name__

    def _bootstrap_masked(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        if not isinstance(value, self.torch.Tensor):
            record.detail["not_a_tensor"] = type(value).__name__
            return
        zeros = int((value.detach() == 0).sum())
        record.detail["transitions"] = record.detail.get("transitions", 0) + value.numel()
        record.detail["zeros"] = record.detail.get("zeros", 0) + zeros
        if zeros:
            record.negative += 1
        else:
            record.positive += 1

    def _truncation_in_flag(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        if isinstance(value, tuple) and len(value) in (4, 5):  # the step call itself is watched
            _end, cut = _end_and_cut(value)
            held = bool(value[2]) if len(value) == 4 else bool(value[3])
            if cut:
                record.detail["cuts"] = record.detail.get("cuts", 0) + 1
                if held:
                    record.positive += 1
                else:
                    record.negative += 1
            return
        cuts, ends = self.pending_cuts, self.pending_ends
        self.pending_cuts = self.pending_ends = 0
        if not cuts:
            return
        record.detail["cuts"] = record.detail.get("cuts", 0) + cuts
        if _count_true(value) >= ends + cuts:  # every cut episode's flag is set, as a real end's
            record.positive += 1
        else:
            record.negative += 1

    def _weights_unchanged(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        parameters = getattr(value, "parameters", None)
        if not callable(parameters):
            record.detail["not_a_network"] = type(value).__name__
            return
        with self.torch.no_grad():
            fingerprint = [float(p.detach().double().sum()) for p in parameters()]
        first = record.detail.setdefault("_first", {"fingerprint": fingerprint, "updates": self.updates})
        if self.updates == first["updates"]:
            return  # no update since the first pass: nothing to compare yet
        if fingerprint == first["fingerprint"]:
            record.positive += 1
        else:
            record.negative += 1
        record.detail["updates_seen"] = self.updates - first["updates"]

    def _one_value_for_batch(self, site_id: int, record: SiteRecord, value) -> None:
        record.hits += 1
        if not isinstance(value, self.torch.Tensor):
            record.detail["not_a_tensor"] = type(value).__name__
            return
        if value.numel() == 1:
            record.positive += 1
        else:
            record.negative += 1
            record.detail["shape"] = list(value.shape)

    def _loss_inputs_broadcast(self, site_id: int, record: SiteRecord, value):
        """The loss function or module itself is watched: it is handed back wrapped, so that each
        call shows the shapes of its prediction and target before the loss is computed."""
        if not callable(value):
            record.detail["not_a_loss"] = type(value).__name__
            return None
        observer, loss = self, value

        def watched_loss(*args, **kwargs):
            inputs = [*args[:2], *(kwargs[name] for name in ("input", "target") if name in kwargs)]
            observer._compare_loss_inputs(record, inputs)
            return loss(*args, **kwargs)

        return watched_loss

    def _compare_loss_inputs(self, record: SiteRecord, inputs: list) -> None:
        record.hits += 1
        if len(inputs) < 2 or not all(isinstance(x, self.torch.Tensor) for x in inputs[:2]):
            record.detail["not_a_tensor"] = "pair of inputs"
            return
        prediction, target = inputs[0], inputs[1]
        shapes = [list(prediction.shape), list(target.shape)]
        try:
            joint = self.torch.broadcast_shapes(prediction.shape, target.shape)
        except RuntimeError:
            record.detail["shapes"] = shapes  # the loss itself will raise: nothing to count
            return
        if joint.numel() > max(prediction.numel(), target.numel()):
            record.positive += 1
            record.detail.setdefault("shapes", shapes)
            record.detail["broadcast"] = list(joint)
        else:
            record.negative += 1
            record.detail.setdefault("same_shapes", shapes)

    def _mask_rate(self, site_id: int, record: SiteRecord, value) -> None:
        """A terminal mask in an update: how many of its entries mark a transition terminal. Its
        polarity (`1 - done` or `done`) is not known here: for a mask of 0s and 1s the rarer value
        is taken as the terminal one, as episodes are longer than two steps."""
        import numpy

        record.hits += 1
        array = numpy.asarray(_as_array(value), dtype=float)
        zeros, entries = int(numpy.count_nonzero(array == 0)), int(array.size)
        binary = bool(numpy.all((array == 0) | (array == 1)))
        terminal = min(zeros, entries - zeros) if binary else zeros
        record.detail["entries"] = record.detail.get("entries", 0) + entries
        record.detail["terminal"] = record.detail.get("terminal", 0) + terminal

    def _stored_across_reset(self, site_id: int, record: SiteRecord, value) -> None:
        if isinstance(value, tuple) and len(value) in (4, 5):
            record.detail["not_a_store"] = "step result"  # the finding names the step, not what is stored
            return
        record.hits += 1
        self.resets.saw_store(record, (value,))

    # ---- the record -----------------------------------------------------------------------------
    def _settle_reach(self) -> None:
        """For the TD targets that required grad: how many parameter tensors their gradient reaches,
        and how many of those an optimizer steps."""
        for record in self.records.values():
            reached = record.detail.get("_reached")
            if reached:
                record.detail["parameters_reached"] = len(reached)
                record.detail["trained_reached"] = len(reached & self.trained)

    def report(self, status: str, error: str | None = None) -> dict:
        self._settle_reach()
        for record in self.records.values():
            if record.observation == "mask_rate":
                record.detail.update(env_steps=self.env_steps, env_ends=self.env_ends, env_cuts=self.env_cuts)
        if self.resets is not None:
            self.resets.close_window()
        return {
            "status": status,
            "updates": self.updates,
            "seconds": round(time.monotonic() - self.started, 2),
            "error": error,
            "sites": {str(site_id): record.to_json() for site_id, record in self.records.items()},
        }


class ResetWatch:
    """Which stored states a vector env's autoreset makes wrong, step by step.

    The watched value is what a store call receives as the next state. After an episode of
    sub-env `i` ends, the env returns the next episode's first observation for `i`: at the next
    step under next-step autoreset (gymnasium 1.x's default; that step's transition jumps from
    the episode's last state into the next episode), at the same step under same-step autoreset
    (gymnasium 0.29, `AutoresetMode.SAME_STEP`, Stable-Baselines3's VecEnvs; the real last state
    is in the infos). Either way, a next state stored in that step's window that holds the reset
    observation (as a whole, or as row `i` of a per-env batch) is a transition across the reset;
    a window whose stored next states hold states the env returned, but not that one, judges
    the other way.
    """

    def __init__(self) -> None:
        import numpy

        self.numpy = numpy
        self.bad: list = []  # the reset observations it is wrong to store in the current window
        self.mode = ""
        self.recent: list = []  # the observations the env's last two steps returned, row by row
        # env -> (its sub-envs that ended at its previous step, the observations it returned then);
        # weak, so an env made for each evaluation leaves nothing behind for a later one to inherit
        self.envs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.window_records: dict[int, list] = {}  # id(record) -> [record, stored a bad state, stored a known one]
        self.episode_ends = 0

    def install(self) -> None:
        for module_name, class_names in (("gymnasium.vector", ("SyncVectorEnv", "AsyncVectorEnv")),
                                         ("stable_baselines3.common.vec_env", ("DummyVecEnv", "SubprocVecEnv"))):
            _watch_steps(module_name, class_names, self.saw_step)

    def saw_step(self, env, result) -> None:
        np = self.numpy
        self.close_window()
        if len(result) == 5:  # gymnasium: obs, rewards, terminated, truncated, infos
            obs, ended, infos = result[0], np.logical_or(result[2], result[3]), result[4]
            mode = getattr(getattr(env, "metadata", {}).get("autoreset_mode"), "value", None) or "SameStep"
        else:  # Stable-Baselines3: obs, rewards, dones, infos (a list of dicts)
            obs, ended, infos, mode = result[0], np.asarray(result[2], dtype=bool), result[3], "SameStep"
        if not isinstance(obs, np.ndarray):
            return
        ended_now = [int(i) for i in np.flatnonzero(ended)]
        ended_before, previous = self.envs.get(env, ([], None))  # each env its own: evaluation envs step too
        obs = obs.copy()
        self.envs[env] = (ended_now, obs)
        self.recent = [*obs, *(previous if previous is not None else ())]
        self.episode_ends += len(ended_now)
        self.mode = mode
        if mode == "NextStep":
            self.bad = [obs[i] for i in ended_before if i < len(obs)]  # this step is their reset step
        elif mode == "SameStep":
            self.bad = [obs[i] for i in ended_now]
        else:
            self.bad = []

    def saw_store(self, record: SiteRecord, arguments) -> None:
        """Judged only where the stored arguments hold states the env returned: a store of
        something else (normalised observations, features) says nothing either way."""
        if not self.bad:
            return
        window = self.window_records.setdefault(id(record), [record, False, False])
        for array in self._arrays(arguments):
            if self._holds(array, self.bad):
                window[1] = True
            if self._holds(array, self.recent):
                window[2] = True

    def close_window(self) -> None:
        for record, hit, related in self.window_records.values():
            if hit:
                record.positive += 1
            elif related:
                record.negative += 1
            record.detail["autoreset_mode"] = self.mode
            record.detail["episode_ends"] = self.episode_ends
        self.window_records.clear()
        self.bad = []

    def _arrays(self, arguments, depth: int = 0):
        np = self.numpy
        for argument in arguments:
            if isinstance(argument, np.ndarray) or (hasattr(argument, "detach") and hasattr(argument, "numpy")):
                yield _as_array(argument)
            elif isinstance(argument, (tuple, list)) and depth == 0 and len(argument) <= 16:
                yield from self._arrays(argument, depth + 1)  # a transition tuple, a namedtuple
            elif isinstance(argument, dict) and depth == 0:
                yield from self._arrays(list(argument.values()), depth + 1)

    def _holds(self, array, states) -> bool:
        """Whether `array` is one of `states`, or has one of them as a row."""
        np = self.numpy
        for state in states:
            if array.shape == state.shape:
                if np.allclose(array, state, rtol=1e-5, atol=1e-6):
                    return True
            elif array.shape[1:] == state.shape and array.ndim == state.ndim + 1:
                close = np.isclose(array, state, rtol=1e-5, atol=1e-6).reshape(len(array), -1).all(axis=1)
                if close.any():
                    return True
        return False


def _count_true(value) -> int:
    """How many entries of a flag (a bool, an array or a tensor of them) are set."""
    import numpy

    return int(numpy.count_nonzero(_as_array(value)))


def _as_array(value):
    """A tensor as a numpy array (detached, on the CPU); anything else as numpy reads it."""
    import numpy

    detach = getattr(value, "detach", None)
    return value.detach().cpu().numpy() if callable(detach) else numpy.asarray(value)


def _end_and_cut(result) -> tuple[bool, bool] | None:
    """(a real end, a time-limit cut) of one env's step result: gymnasium's 5-tuple, or old gym's
    4-tuple with `info["TimeLimit.truncated"]`; None for a result of another length."""
    if len(result) == 5:
        return bool(result[2]), bool(result[3]) and not bool(result[2])
    if len(result) == 4:
        cut = isinstance(result[3], dict) and bool(result[3].get("TimeLimit.truncated", False))
        return bool(result[2]) and not cut, cut
    return None


def _watch_steps(module_name: str, class_names: tuple[str, ...], on_step) -> None:
    """Wrap `step` of the named classes of a library (when it imports here) so that each result
    is also handed to `on_step(env, result)`; the result itself is returned unchanged, and a
    class is wrapped once however many watches ask."""
    import importlib
    import importlib.util
    import warnings

    if importlib.util.find_spec(module_name.partition(".")[0]) is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 - a library that does not import here (an old gym): not watched
        return
    for class_name in class_names:
        cls = getattr(module, class_name, None)
        step = getattr(cls, "step", None)
        if step is None or getattr(step, "_dqn_lint_watched", False):
            continue

        def watched_step(env, *args, _original=step, **kwargs):
            result = _original(env, *args, **kwargs)
            try:
                on_step(env, result)
            except Exception:  # noqa: BLE001 - a step result of another shape: nothing to watch
                pass
            return result

        watched_step._dqn_lint_watched = True
        cls.step = watched_step
