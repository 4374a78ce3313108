"""Measure a fixture run through its hooks: the mechanism probes and the per-seed effects.

A fixture program calls `recorder.start`, `.step`, `.update` and `.evaluate` (see fixtures/README.md)
and is otherwise unaware of being measured. The probes look at the run's own tensors: which network
evaluated the next states (a global forward hook during the first gradient step), whether the TD
target carries autograd history and where its gradient would go, what the buffer stored for a
time-limit truncation, and whether a terminal transition still bootstraps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch

from dqn_lint.runtime.guards import shares_storage
from dqn_lint.verify.continuation import bias_at, returns_without_limit
from dqn_lint.experiment import Probe

LATE_FRACTION = 0.2  # effects are read over the last 20% of training
TRUNCATION_WINDOW = 0.5  # Q before truncation: the last half of training
CUT_STATES = 32  # per seed: the states where the time limit cut an episode, for the bias measure
GRADIENT_PROBE_UPDATES = 20  # updates whose held gradient is compared with the previous one


def saved_tensor_bytes(root: torch.Tensor, exclude: set[int]) -> int:
    """Bytes autograd keeps alive for `root`'s backward pass, parameters (in `exclude`) not counted."""
    if root.grad_fn is None:
        return 0
    seen_nodes: set = set()
    seen_storages = set(exclude)
    total, stack = 0, [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen_nodes:
            continue
        seen_nodes.add(node)
        for name in dir(node):
            if not name.startswith("_saved_"):
                continue
            try:
                value = getattr(node, name)
            except RuntimeError:  # freed or not unpackable
                continue
            for tensor in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(tensor, torch.Tensor):
                    storage = tensor.untyped_storage()
                    if storage.data_ptr() not in seen_storages:
                        seen_storages.add(storage.data_ptr())
                        total += storage.nbytes()
        stack.extend(child for child, _ in node.next_functions)
    return total


def gradient_reaches(y: torch.Tensor, modules: Iterable[torch.nn.Module]) -> list[bool]:
    """For each module: does a gradient of `y` reach any of its parameters?"""
    modules = list(modules)
    if not y.requires_grad:
        return [False] * len(modules)
    params = [list(m.parameters()) for m in modules]
    flat = [p for group in params for p in group if p.requires_grad]
    if not flat:
        return [False] * len(modules)
    grads = torch.autograd.grad(y.sum(), flat, allow_unused=True, retain_graph=True)
    reached = {id(p) for p, g in zip(flat, grads) if g is not None}
    return [any(id(p) in reached for p in group) for group in params]


@dataclass
class _Window:
    """Per-seed running sums over the updates of one window: rows are `_update_stats`'s."""

    seeds: int
    sums: torch.Tensor = field(init=False)
    count: int = 0

    def __post_init__(self) -> None:
        self.sums = torch.zeros(3, self.seeds, dtype=torch.float64)

    def add(self, stats: torch.Tensor) -> None:
        self.sums += stats
        self.count += 1

    def q_abs_mean(self) -> list[float]:
        return (self.sums[0] / self.count).tolist() if self.count else [math.nan] * self.seeds

    def td_std(self) -> list[float]:
        if not self.count:
            return [math.nan] * self.seeds
        mean = self.sums[1] / self.count
        return (self.sums[2] / self.count - mean.pow(2)).clamp(min=0).sqrt().tolist()


def _update_stats(q_all: torch.Tensor, td: torch.Tensor) -> torch.Tensor:
    """Per seed, one update's mean |Q|, mean TD error and mean squared TD error, in float64. A seed
    with any non-finite Q-value or TD error gets a non-finite statistic: its sums are non-finite, and
    a mean of finite float32 values that overflows is divergence too."""
    return torch.stack([q_all.abs().mean(dim=tuple(range(1, q_all.dim()))),
                        td.mean(dim=1), td.pow(2).mean(dim=1)]).double()


class Recorder:
    """Receives a fixture's hooks and turns them into probes, curves and per-seed samples."""

    def __init__(self, progress: Callable[[int], None] | None = None, progress_every: int = 500):
        self.progress, self.progress_every = progress, progress_every
        self.probes: dict[Probe, bool] = {}
        self.details: dict[str, float] = {}
        self.curves: dict[str, list] = {"step": [], "eval_return": [], "q_abs": [], "td_std": []}

    # --- hooks -----------------------------------------------------------------------------------

    def start(self, cfg, online: torch.nn.Module) -> None:
        self.cfg, self.online, self.seeds = cfg, online, cfg.seeds
        self.total_steps = cfg.total_steps
        self.diverged = [False] * self.seeds
        self._forwards: list[tuple[torch.nn.Module, object]] | None = []
        self._hook = torch.nn.modules.module.register_module_forward_hook(self._seen_forward)
        self._eval_window = _Window(self.seeds)
        self._late_window = _Window(self.seeds)
        self._late_returns: list[np.ndarray] = []
        self._truncations = self._truncations_stored_terminal = 0
        self._episode_ends = self._jumps_stored = 0
        self._ended: np.ndarray | None = None  # per env: did the previous stored transition end an episode
        self._final_obs: np.ndarray | None = None  # per env: the next state that previous transition stored
        self._q_trunc_sum = np.zeros(self.seeds)
        self._q_trunc_count = np.zeros(self.seeds)
        self._cut_states: list[list[np.ndarray]] = [[] for _ in range(self.seeds)]
        self._cuts_seen = np.zeros(self.seeds, dtype=int)
        self._cut_sampler = np.random.default_rng(0)  # which cut states are kept: the same in every run
        self._cut_bias: list[float] | None = None
        self._unlimited_returns: list[float] | None = None
        self._terminal_checked = 0
        self._last_update: tuple[int, float] | None = None
        self._phase_times: dict[int, list[float]] = {}
        self._bootstrap_net: torch.nn.Module | None = None
        self._bootstrap_initial: list[torch.Tensor] = []
        self._phases = 0
        self.probes = dict.fromkeys(Probe, False)  # every probe a rule's experiment can name
        self._updates = 0
        self._last_gradient: list[torch.Tensor] | None = None
        self._started = time.perf_counter()

    def step(self, step: int, *, obs, terminated, truncated, stored_terminal, stored_obs=None, stored_next_obs=None) -> None:
        if self._forwards is not None:
            self._forwards.clear()  # forwards between updates are action selection
        if stored_obs is not None and stored_next_obs is not None:
            self._check_autoreset_transition(terminated, truncated, stored_obs, stored_next_obs)
        truncated_only = np.asarray(truncated) & ~np.asarray(terminated)
        if truncated_only.any():
            stored = torch.as_tensor(stored_terminal).numpy()[truncated_only] > 0.5
            self._truncations += int(truncated_only.sum())
            self._truncations_stored_terminal += int(stored.sum())
            if step > (1 - TRUNCATION_WINDOW) * self.total_steps:
                self._record_q_before_truncation(obs, truncated_only)
            if step > (1 - LATE_FRACTION) * self.total_steps:
                self._keep_cut_states(obs, truncated_only)
        if self.progress is not None and step % self.progress_every == 0:
            self.progress(step)

    def update(self, step: int, *, online, q_all, q, y, loss, rewards, next_obs, terminated) -> None:
        now = time.perf_counter()
        if self._last_update is not None and self._last_update[0] == step:
            self._phase_times.setdefault(step, []).append(now - self._last_update[1])
        if self._forwards is not None:
            self._probe_first_update(online, y, loss, next_obs)
        if self._last_update is None or self._last_update[0] != step:
            self._phase_started(online)
        if self._terminal_checked < 50:
            self._check_terminal_mask(y, rewards, terminated)
        if self._updates == 0:
            self._check_bootstrap_varies(y, rewards, terminated)
            self._check_loss_pairs(q, y, loss)
        self._updates += 1
        if self._updates <= GRADIENT_PROBE_UPDATES:
            self._check_gradients_cleared(online, loss)
        stats = _update_stats(q_all.detach(), (q - y).detach())
        finite = torch.isfinite(stats).all(dim=0)
        if not bool(finite.all()):
            for seed in torch.nonzero(~finite).flatten().tolist():
                self.diverged[seed] = True
            stats = torch.where(finite, stats, torch.zeros((), dtype=stats.dtype))
        self._eval_window.add(stats)
        if step > (1 - LATE_FRACTION) * self.total_steps:
            self._late_window.add(stats)
        self._last_update = (step, time.perf_counter())

    def evaluate(self, step: int, returns) -> None:
        returns = np.asarray(returns, dtype=float)
        self.curves["step"].append(step)
        self.curves["eval_return"].append(returns.tolist())
        self.curves["q_abs"].append(self._with_divergence(self._eval_window.q_abs_mean()))
        self.curves["td_std"].append(self._with_divergence(self._eval_window.td_std()))
        if self.cfg.time_limit is not None:  # see `_return_without_limit`
            self.curves.setdefault("return_without_limit", []).append(self._unlimited(seed=self.cfg.seed + 10_000))
        self._eval_window = _Window(self.seeds)
        if step >= (1 - LATE_FRACTION) * self.total_steps:
            self._late_returns.append(returns)

    # --- results ---------------------------------------------------------------------------------

    def close(self) -> None:
        self._remove_hook()

    def samples(self) -> dict[str, list[float]]:
        """The measures' samples: one per seed, and one per training phase for the update time."""
        late_returns = np.mean(self._late_returns, axis=0).tolist() if self._late_returns else []
        with np.errstate(invalid="ignore", divide="ignore"):
            q_trunc = (self._q_trunc_sum / self._q_trunc_count).tolist()
        return {
            "final_return": late_returns,
            "q_abs": self._with_divergence(self._late_window.q_abs_mean()),
            "td_std": self._with_divergence(self._late_window.td_std()),
            "q_before_truncation": [v for v in q_trunc if not math.isnan(v)],
            "q_bias_at_cut": [v for v in self._bias_at_cuts() if not math.isnan(v)],
            "return_without_limit": self._return_without_limit(),
            "update_ms": [1000 * float(np.mean(times)) for times in self._phase_times.values() if times],
        }

    def summary(self) -> dict:
        self.probes[Probe.TRUNCATION_STORED_AS_TERMINAL] = self._truncations_stored_terminal > 0
        self.probes[Probe.AUTORESET_TRANSITION_STORED] = self._jumps_stored > 0
        self.details["episode_ends"] = self._episode_ends
        self.details["transitions_from_final_state"] = self._jumps_stored
        if self._bootstrap_net is not None and self._phases > 1:
            self.probes[Probe.TARGET_NEVER_CHANGES] = _same_values(self._bootstrap_net, self._bootstrap_initial)
        self.details["truncations"] = self._truncations
        self.details["truncations_stored_terminal"] = self._truncations_stored_terminal
        self.details["wall_time_s"] = time.perf_counter() - self._started
        return {"probes": {probe.value: held for probe, held in self.probes.items()}, "details": dict(self.details), "samples": self.samples(),
                "curves": self.curves, "diverged": list(self.diverged)}

    # --- probes ----------------------------------------------------------------------------------

    def _seen_forward(self, module, args, output) -> None:
        if self._forwards is not None and args:
            self._forwards.append((module, args[0]))

    def _remove_hook(self) -> None:
        if self._forwards is not None:
            self._hook.remove()
            self._forwards = None

    def _probe_first_update(self, online, y, loss, next_obs) -> None:
        bootstrap = [m for m, arg in self._forwards if arg is next_obs]
        self._remove_hook()
        self.probes[Probe.TD_TARGET_REQUIRES_GRAD] = bool(y.requires_grad)
        exclude = {p.untyped_storage().data_ptr() for m in (online, *bootstrap) for p in m.parameters()}
        self.details["autograd_bytes_per_update"] = saved_tensor_bytes(loss, exclude)
        self.details["bootstrap_network_found"] = bool(bootstrap)
        if not bootstrap:
            return
        net = bootstrap[0]
        if net is not online:
            self._bootstrap_net = net
            self._bootstrap_initial = [p.detach().clone() for p in net.parameters()]
        self.probes[Probe.BOOTSTRAP_FROM_TRAINED] = net is online
        self.probes[Probe.SHARED_STORAGE] = shares_storage(net, online)
        reaches_net, reaches_trained = gradient_reaches(y, (net, online))
        self.probes[Probe.GRAD_REACHES_BOOTSTRAP_NET] = reaches_net
        self.probes[Probe.GRAD_REACHES_TRAINED] = reaches_trained

    def _check_gradients_cleared(self, online, loss) -> None:
        """Before each of the first updates' backward pass, the parameters' `.grad` should hold the
        previous update's gradient alone (up to each seed's clipping factor): compare it, per seed,
        with that gradient computed here. Summed gradients point elsewhere."""
        params = [p for p in online.parameters() if p.requires_grad]
        if self._last_gradient is not None and self._updates > 2 and all(p.grad is not None for p in params):
            for seed in range(self.seeds):
                held = torch.cat([p.grad[seed].flatten() for p in params])
                fresh = torch.cat([g[seed].flatten() for g in self._last_gradient])
                if float(torch.nn.functional.cosine_similarity(held, fresh, dim=0)) < 0.999:
                    self.probes[Probe.GRADIENTS_ACCUMULATE] = True
        if loss.requires_grad:
            grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            self._last_gradient = [torch.zeros_like(p) if g is None else g.detach() for p, g in zip(params, grads)]

    def _check_bootstrap_varies(self, y, rewards, terminated) -> None:
        """Per seed, the bootstrap values `(y - r) / gamma` of the non-terminal transitions of one
        batch: next states differ, so their values differ; one value for all is a max over the batch."""
        gamma = getattr(self.cfg, "gamma", None)
        if not gamma:
            return
        bootstrap = (y.detach() - rewards) / gamma
        live = torch.as_tensor(terminated) < 0.5
        shared = []
        for seed in range(bootstrap.shape[0]):
            values = bootstrap[seed][live[seed]]
            if values.numel() > 1:
                shared.append(bool((values.max() - values.min()).abs() < 1e-6))
        self.probes[Probe.BOOTSTRAP_SHARED_BY_BATCH] = bool(shared) and all(shared)

    def _check_loss_pairs(self, q, y, loss) -> None:
        """The loss's gradient with respect to the predictions against that of the reference's
        element-wise Huber loss (per-seed mean, summed): a loss over every (prediction, target)
        pair of the batch pulls each prediction toward all the targets, not toward its own."""
        if not (q.requires_grad and loss.requires_grad):
            return
        (got,) = torch.autograd.grad(loss, q, retain_graph=True)
        own = torch.nn.functional.smooth_l1_loss(q, y.detach(), reduction="none").mean(dim=1).sum()
        (want,) = torch.autograd.grad(own, q, retain_graph=True)
        self.probes[Probe.LOSS_PAIRS_ALL_TRANSITIONS] = not torch.allclose(got, want, rtol=1e-4, atol=1e-7)

    def _phase_started(self, online) -> None:
        """At the first update of each training phase after the first: is the online network back at
        the target network's initial weights (a sync that runs the wrong way)?"""
        self._phases += 1
        if self._phases > 1 and self._bootstrap_initial and not self.probes[Probe.ONLINE_RESET_TO_TARGET]:
            self.probes[Probe.ONLINE_RESET_TO_TARGET] = _same_values(online, self._bootstrap_initial)

    def _check_terminal_mask(self, y, rewards, terminated) -> None:
        mask = torch.as_tensor(terminated) > 0.5
        if not mask.any():
            return
        self._terminal_checked += 1
        gap = (y.detach() - rewards)[mask].abs()
        if bool((gap[torch.isfinite(gap)] > 1e-4).any()):
            self.probes[Probe.TERMINAL_BOOTSTRAPS] = True

    def _check_autoreset_transition(self, terminated, truncated, stored_obs, stored_next_obs) -> None:
        """A stored transition that starts in the state where the env's previous transition ended
        its episode: the reset step of next-step autoreset, stored as if the episode went on."""
        if self._ended is not None:  # only steps that follow an episode's end can jump (they are rare)
            ended = np.flatnonzero(self._ended)
            obs = torch.as_tensor(stored_obs).numpy()[ended]
            same = np.all(np.isclose(obs, self._final_obs[ended]), axis=tuple(range(1, obs.ndim)))
            self._jumps_stored += int(same.sum())
            self._episode_ends += len(ended)
        ended = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
        if ended.any():
            self._ended, self._final_obs = ended, torch.as_tensor(stored_next_obs).numpy().copy()
        else:
            self._ended = self._final_obs = None

    def _keep_cut_states(self, obs, truncated_only: np.ndarray) -> None:
        """Up to CUT_STATES states per seed where the time limit cut an episode, a uniform sample
        (reservoir) over the late window."""
        states = np.asarray(obs, dtype=np.float32)
        for seed in np.flatnonzero(truncated_only):
            self._cuts_seen[seed] += 1
            kept = self._cut_states[seed]
            if len(kept) < CUT_STATES:
                kept.append(states[seed].copy())
            else:
                slot = int(self._cut_sampler.integers(self._cuts_seen[seed]))
                if slot < CUT_STATES:
                    kept[slot] = states[seed].copy()

    def _bias_at_cuts(self) -> list[float]:
        """Per seed: max Q minus the greedy policy's continuation return at the kept cut states,
        with the final network (see `verify.continuation`); computed once, at the end."""
        if self._cut_bias is None:
            self._cut_bias = (bias_at(self.online, self._cut_states, self.cfg.env_id, self.cfg.gamma)
                              if any(self._cut_states) else [math.nan] * self.seeds)
        return self._with_divergence(self._cut_bias)

    def _return_without_limit(self) -> list[float]:
        """Per seed: what the final greedy policy earns from the env's start states with no time limit
        (see `verify.continuation`). Only a run that set its own TimeLimit, an experiment about time
        limits, pays for these rollouts; computed once, at the end."""
        if self.cfg.time_limit is None:
            return []
        if self._unlimited_returns is None:
            self._unlimited_returns = self._unlimited(seed=self.cfg.seed + 20_000)
        return self._unlimited_returns  # a policy's return is measured as played, diverged or not

    def _unlimited(self, seed: int) -> list[float]:
        return returns_without_limit(self.online, self.cfg.env_id, self.cfg.gamma, self.seeds, self.cfg.eval_episodes,
                                     seed=seed)

    def _record_q_before_truncation(self, obs, truncated_only: np.ndarray) -> None:
        with torch.no_grad():
            q = self.online(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(1)).squeeze(1)
        best = q.max(dim=-1).values.double().numpy()
        self._q_trunc_sum += np.where(truncated_only, best, 0.0)
        self._q_trunc_count += truncated_only

    def _with_divergence(self, values: list[float]) -> list[float]:
        return [math.inf if gone else v for v, gone in zip(values, self.diverged)]


def _same_values(module: torch.nn.Module, values: list[torch.Tensor]) -> bool:
    params = list(module.parameters())
    return len(params) == len(values) and all(torch.equal(p.detach(), v) for p, v in zip(params, values))
