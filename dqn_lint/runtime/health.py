"""Training-health statistics for DQN and the alerts that point back at the static rules.

The three bugs dqn-lint looks for rarely crash a run; they show up as numbers drifting the wrong
way. A healthy run's TD error spread falls and its |Q| settles at or below r_max / (1 - gamma),
the largest discounted return any policy can collect. `HealthMonitor` keeps windowed statistics of
the batches it is fed and raises `Alert`s when the numbers say otherwise; `log_health` prints the
one-line summary the project's source posts recommend (with the current epsilon).

Windowing. Each `update` adds one record (sums over its batch) to a ring of the last `window`
updates; the statistics are pooled over the samples of those updates, except `td_std`, which is the
mean over updates of each batch's own `td.std()` (the quantity the "td_std above 2~5" advice is
about; pooling would add the drift of td_mean between updates). Every `window` updates the window
is complete and its |Q| mean and td_std are kept for the trend alerts, which compare the last
`rising_windows` complete windows.

Alerts (each re-evaluated as data arrive; an alert clears when its condition no longer holds,
except `non_finite`, which stays: after a NaN or inf the run's later numbers mean nothing; while a
NaN is in the window the other alerts keep their state):

* `non_finite`: a NaN or inf in Q or in the TD target of an update.
* `soft_divergence`: the windowed mean |Q| is above r_max / (1 - gamma). No Q-function of bounded
  rewards can exceed it, so no tolerance is needed; the mean rather than the max is used because a
  single over-estimated action is common and transient, while an average above the bound is not.
  r_max is the given bound or, when None, the largest |reward| fed so far (off until one is fed).
* `q_rising`: over the last `rising_windows` complete windows, |Q| mean is strictly increasing,
  grew at least `Q_GROWTH_FACTOR` times, and is not decelerating (the growth over the later half
  of the windows is at least the growth over the earlier half). A healthy run's |Q| climbs towards
  its fixed point with shrinking steps, so the third condition keeps it silent; runaway growth
  keeps or increases its steps. A linear climb is the ambiguous middle: choose `window` to span at
  least one target-network sync so the staircase of a healthy run is averaged out.
* `td_std_high`: td_std is above `td_std_threshold` in each of the last `rising_windows` complete
  windows and not falling: the least-squares trend over those windows lost less than
  `TD_STD_FALL_FRACTION` of their mean.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import numpy as np
import torch

__all__ = ["ALERT_KINDS", "Alert", "HealthMonitor", "ScalarWriter", "log_health"]

ALERT_KINDS = ("non_finite", "soft_divergence", "q_rising", "td_std_high")
DIVERGENCE_KINDS = frozenset({"non_finite", "soft_divergence"})
Q_GROWTH_FACTOR = 1.5  # q_rising: total growth over the compared windows
TD_STD_FALL_FRACTION = 0.1  # td_std_high: a trend losing this share of the level counts as falling

_SUSPECTS_DIVERGENCE = (
    "likely an online network used as its own target (DQN001/DQN005) or a TD target with gradient (DQN002)"
)
_SUSPECTS_TD_STD = (
    "self-check target aliasing (DQN001), a TD target with gradient (DQN002) "
    "and truncation used as terminal (DQN003)"
)

# Columns of one update's record in the ring buffer.
_SAMPLES, _TD_SUM, _TD_STD, _Q_ABS_SUM, _Q_ABS_MAX = range(5)
_REWARD_SUM, _REWARD_N, _TERMINATED_SUM, _TERMINATED_N, _TRUNCATED_SUM, _TRUNCATED_N = range(5, 11)
_COLUMNS = 11


class ScalarWriter(Protocol):
    """Anything with TensorBoard's `add_scalar`, e.g. `torch.utils.tensorboard.SummaryWriter`."""

    def add_scalar(self, tag: str, scalar_value: float, global_step: int) -> Any: ...


@dataclass(frozen=True)
class Alert:
    """A training-health symptom: `kind` is one of `ALERT_KINDS`, `reason` one line for a human."""

    kind: str
    reason: str
    step: int


class HealthMonitor:
    """Windowed DQN health statistics and alerts; see the module docstring for the criteria.

    Call `update(q, y, step=...)` once per gradient step with the selected Q-values and their TD
    targets. Read `alerts` (active now), `diverged`, and `pop_new_alerts()` (alerts that became
    active since the previous call, for reporting each once).
    """

    def __init__(
        self,
        gamma: float,
        *,
        r_max: float | None = None,
        window: int = 1000,
        td_std_threshold: float = 5.0,
        rising_windows: int = 5,
        writer: ScalarWriter | None = None,
        prefix: str = "health/",
    ) -> None:
        if not _is_real(gamma) or not 0.0 <= gamma < 1.0:
            raise ValueError(f"gamma must be a number in [0, 1), got {gamma!r}")
        if r_max is not None and (not _is_real(r_max) or not 0.0 < r_max < math.inf):
            raise ValueError(f"r_max must be None or a finite number > 0 (the largest |reward|), got {r_max!r}")
        if not _is_int(window) or window < 1:
            raise ValueError(f"window must be an int >= 1 (updates per window), got {window!r}")
        if not _is_real(td_std_threshold) or not 0.0 < td_std_threshold < math.inf:
            raise ValueError(f"td_std_threshold must be a finite number > 0, got {td_std_threshold!r}")
        if not _is_int(rising_windows) or rising_windows < 3:
            raise ValueError(
                "rising_windows must be an int >= 3 (a trend needs an earlier and a later half), "
                f"got {rising_windows!r}"
            )
        if writer is not None and not callable(getattr(writer, "add_scalar", None)):
            raise ValueError(
                f"writer must have an add_scalar(tag, value, step) method, got {type(writer).__name__}"
            )
        if not isinstance(prefix, str):
            raise ValueError(f"prefix must be a str, got {type(prefix).__name__}")
        self.gamma = float(gamma)
        self.r_max = None if r_max is None else float(r_max)
        self.window = int(window)
        self.td_std_threshold = float(td_std_threshold)
        self.rising_windows = int(rising_windows)
        self.writer = writer
        self.prefix = prefix
        self._records = np.zeros((self.window, _COLUMNS), dtype=np.float64)
        self._filled = 0
        self._updates = 0
        self._reward_abs_max = 0.0
        self._window_q_abs: deque[float] = deque(maxlen=self.rising_windows)
        self._window_td_std: deque[float] = deque(maxlen=self.rising_windows)
        self._active: dict[str, Alert] = {}
        self._new: list[Alert] = []

    @property
    def updates(self) -> int:
        """Number of `update` calls so far."""
        return self._updates

    @property
    def q_bound(self) -> float | None:
        """r_max / (1 - gamma), with r_max given or the largest |reward| seen; None when unknown."""
        r_max = self._effective_r_max()
        return r_max / (1.0 - self.gamma) if r_max > 0.0 else None

    def _effective_r_max(self) -> float:
        return self.r_max if self.r_max is not None else self._reward_abs_max

    @property
    def alerts(self) -> list[Alert]:
        """The alerts active now, in the order of `ALERT_KINDS`."""
        return [self._active[kind] for kind in ALERT_KINDS if kind in self._active]

    @property
    def diverged(self) -> bool:
        """True while a `non_finite` or `soft_divergence` alert is active."""
        return any(kind in self._active for kind in DIVERGENCE_KINDS)

    def pop_new_alerts(self) -> list[Alert]:
        """Alerts that became active since the previous call (an alert that clears and returns is new again)."""
        new, self._new = self._new, []
        return new

    def update(
        self,
        q: Any,
        y: Any,
        *,
        step: int | None = None,
        epsilon: float | None = None,
        reward: Any = None,
        terminated: Any = None,
        truncated: Any = None,
    ) -> dict[str, float]:
        """Record one gradient step and return the windowed statistics as python floats.

        `q` are the Q-values of the taken actions and `y` their TD targets (tensors, arrays or
        numbers with the same number of elements; nothing keeps their autograd graph). `step`
        defaults to the number of earlier updates. Keys: `td_mean`, `td_std`, `q_abs_mean`,
        `q_abs_max`, plus `epsilon`, `reward_mean`, `terminated_frac`, `truncated_frac` when the
        matching argument is given. With a writer, each is written as `prefix + key`.
        """
        q_flat, y_flat = _flat(q, "q"), _flat(y, "y")
        if q_flat.size == 0 or q_flat.size != y_flat.size:
            raise ValueError(
                f"q and y must be non-empty with the same number of elements, got {q_flat.size} and {y_flat.size}"
            )
        step = self._updates if step is None else int(step)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # NaN/inf get an alert instead
            record = self._record(q_flat, y_flat, reward, terminated, truncated)
            self._records[self._updates % self.window] = record
            self._filled = min(self._filled + 1, self.window)
            self._updates += 1
            stats = self._window_stats()
            totals = self._records[: self._filled].sum(axis=0)
            if epsilon is not None:
                stats["epsilon"] = float(epsilon)
            if reward is not None:
                stats["reward_mean"] = float(totals[_REWARD_SUM] / totals[_REWARD_N])
            if terminated is not None:
                stats["terminated_frac"] = float(totals[_TERMINATED_SUM] / totals[_TERMINATED_N])
            if truncated is not None:
                stats["truncated_frac"] = float(totals[_TRUNCATED_SUM] / totals[_TRUNCATED_N])

        if not (np.isfinite(q_flat).all() and np.isfinite(y_flat).all()):
            self._raise("non_finite", step, _non_finite_reason(q_flat, y_flat, step))
        window_complete = self._updates % self.window == 0
        if window_complete:
            self._window_q_abs.append(stats["q_abs_mean"])
            self._window_td_std.append(stats["td_std"])
        # A NaN in the window says nothing about the other symptoms: leave them as they were.
        if not math.isnan(stats["q_abs_mean"]):
            self._check_soft_divergence(stats["q_abs_mean"], step)
        if window_complete and not math.isnan(stats["q_abs_mean"]) and not math.isnan(stats["td_std"]):
            self._check_q_rising(step)
            self._check_td_std_high(step)

        if self.writer is not None:
            for key, value in stats.items():
                self.writer.add_scalar(self.prefix + key, value, step)
        return stats

    def _record(
        self, q_flat: np.ndarray, y_flat: np.ndarray, reward: Any, terminated: Any, truncated: Any
    ) -> np.ndarray:
        """One update's row of the ring: batch sums, td.std() and max |Q|; tracks the largest |reward|."""
        record = np.zeros(_COLUMNS, dtype=np.float64)
        td = y_flat - q_flat
        q_abs = np.abs(q_flat)
        record[_SAMPLES] = td.size
        record[_TD_SUM] = td.sum()
        record[_TD_STD] = td.std(ddof=1) if td.size > 1 else 0.0  # ddof=1: torch's td.std()
        record[_Q_ABS_SUM] = q_abs.sum()
        record[_Q_ABS_MAX] = q_abs.max()
        if reward is not None:
            rewards = _flat(reward, "reward")
            record[_REWARD_SUM], record[_REWARD_N] = rewards.sum(), rewards.size
            finite = np.abs(rewards[np.isfinite(rewards)])
            if finite.size:
                self._reward_abs_max = max(self._reward_abs_max, float(finite.max()))
        if terminated is not None:
            flags = _flat(terminated, "terminated")
            record[_TERMINATED_SUM], record[_TERMINATED_N] = flags.sum(), flags.size
        if truncated is not None:
            flags = _flat(truncated, "truncated")
            record[_TRUNCATED_SUM], record[_TRUNCATED_N] = flags.sum(), flags.size
        return record

    def _window_stats(self) -> dict[str, float]:
        records = self._records[: self._filled]
        samples = records[:, _SAMPLES].sum()
        return {
            "td_mean": float(records[:, _TD_SUM].sum() / samples),
            "td_std": float(records[:, _TD_STD].mean()),
            "q_abs_mean": float(records[:, _Q_ABS_SUM].sum() / samples),
            "q_abs_max": float(records[:, _Q_ABS_MAX].max()),
        }

    def _raise(self, kind: str, step: int, reason: str) -> None:
        if kind not in self._active:
            alert = Alert(kind=kind, reason=reason, step=step)
            self._active[kind] = alert
            self._new.append(alert)

    def _clear(self, kind: str) -> None:
        self._active.pop(kind, None)

    def _check_soft_divergence(self, q_abs_mean: float, step: int) -> None:
        bound = self.q_bound
        if bound is None or not q_abs_mean > bound:
            self._clear("soft_divergence")
            return
        r_max = self._effective_r_max()
        source = "r_max" if self.r_max is not None else "max |reward| seen"
        self._raise(
            "soft_divergence",
            step,
            f"mean |Q| over the last {self._filled} updates is {q_abs_mean:.4g}, above the bound "
            f"r_max/(1-gamma) = {r_max:.4g}/(1-{self.gamma:g}) = {bound:.4g} ({source}) that no policy can "
            f"reach: Q is diverging, {_SUSPECTS_DIVERGENCE}",
        )

    def _check_q_rising(self, step: int) -> None:
        means = list(self._window_q_abs)
        if len(means) < self.rising_windows or not _accelerating_growth(means):
            self._clear("q_rising")
            return
        shown = ", ".join(f"{m:.3g}" for m in means)
        self._raise(
            "q_rising",
            step,
            f"mean |Q| rose in each of the last {len(means)} windows of {self.window} updates without "
            f"slowing down ({shown}): |Q| rising for a long time is mostly a target that is not frozen "
            f"(DQN002) or not separate (DQN001/DQN005)",
        )

    def _check_td_std_high(self, step: int) -> None:
        spreads = list(self._window_td_std)
        high = (
            len(spreads) == self.rising_windows
            and all(s > self.td_std_threshold for s in spreads)
            and not _falling(spreads)
        )
        if not high:
            self._clear("td_std_high")
            return
        shown = ", ".join(f"{s:.3g}" for s in spreads)
        self._raise(
            "td_std_high",
            step,
            f"td_std stayed above {self.td_std_threshold:g} without falling over the last {len(spreads)} "
            f"windows of {self.window} updates ({shown}): {_SUSPECTS_TD_STD}",
        )


def _accelerating_growth(means: list[float]) -> bool:
    """Strictly increasing, grown `Q_GROWTH_FACTOR` times, later-half growth >= earlier-half growth."""
    if not all(later > earlier for earlier, later in zip(means, means[1:])):
        return False  # also False for NaN
    if not means[-1] >= Q_GROWTH_FACTOR * means[0]:
        return False
    steps = [later - earlier for earlier, later in zip(means, means[1:])]
    half = len(steps) // 2
    return sum(steps[-half:]) >= sum(steps[:half])


def _falling(values: list[float]) -> bool:
    """True when the least-squares trend over `values` loses at least `TD_STD_FALL_FRACTION` of their mean."""
    xs = np.arange(len(values), dtype=np.float64)
    ys = np.asarray(values, dtype=np.float64)
    slope = ((xs - xs.mean()) * (ys - ys.mean())).sum() / ((xs - xs.mean()) ** 2).sum()
    return bool(slope * (len(values) - 1) < -TD_STD_FALL_FRACTION * ys.mean())


def _non_finite_reason(q: np.ndarray, y: np.ndarray, step: int) -> str:
    where = [name for name, values in (("Q", q), ("TD target", y)) if not np.isfinite(values).all()]
    return (
        f"non-finite values (NaN/inf) in {' and '.join(where)} at step {step}: the run has diverged and "
        f"later numbers are meaningless; {_SUSPECTS_DIVERGENCE}, or a learning rate too large"
    )


def _flat(values: Any, name: str) -> np.ndarray:
    """A flat float64 numpy copy of a tensor (detached, moved to the CPU), array or number."""
    if isinstance(values, torch.Tensor):
        return values.detach().to(device="cpu", dtype=torch.float64).reshape(-1).numpy()
    try:
        return np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a tensor, an array or a number, got {type(values).__name__}") from error


def _is_real(value: Any) -> bool:
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    return is_number and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def log_health(
    step: int,
    td: Any = None,
    q_abs: Any = None,
    *,
    epsilon: float | None = None,
    file: TextIO | None = None,
    **extra: Any,
) -> str:
    """Print and return `[dbg] step=123 td_mean=+0.123 td_std=0.456 |Q|=12.34 eps=0.050`.

    `td` is the batch's TD error (y - q; its mean and `torch.std` are printed) and `q_abs` the mean
    |Q| (a tensor with several elements is averaged). Alternatively pass the dict returned by
    `HealthMonitor.update` as `td`: its td_mean, td_std, q_abs_mean and epsilon fill the line and
    its other entries follow, like `extra`, as `key=value`. Missing fields are left out; `file`
    defaults to the current `sys.stdout`.
    """
    extras: dict[str, Any] = {}
    if isinstance(td, Mapping):
        stats = dict(td)
        td_mean, td_std = stats.pop("td_mean", None), stats.pop("td_std", None)
        q_abs_value = stats.pop("q_abs_mean", None) if q_abs is None else _mean_abs(q_abs)
        eps_in_stats = stats.pop("epsilon", None)
        epsilon = eps_in_stats if epsilon is None else epsilon
        extras.update(stats)
    else:
        td_mean = td_std = None
        if td is not None:
            if isinstance(td, torch.Tensor):
                errors = td.detach()
            else:
                errors = torch.as_tensor(np.asarray(td, dtype=np.float64))
            td_mean, td_std = errors.mean().item(), errors.std().item()
        q_abs_value = None if q_abs is None else _mean_abs(q_abs)
    extras.update(extra)

    parts = [f"[dbg] step={step}"]
    if td_mean is not None:
        parts.append(f"td_mean={td_mean:+.3f}")
    if td_std is not None:
        parts.append(f"td_std={td_std:.3f}")
    if q_abs_value is not None:
        parts.append(f"|Q|={q_abs_value:.2f}")
    if epsilon is not None:
        parts.append(f"eps={float(epsilon):.3f}")
    parts.extend(f"{key}={_format_value(value)}" for key, value in extras.items())
    line = " ".join(parts)
    print(line, file=sys.stdout if file is None else file)
    return line


def _mean_abs(q_abs: Any) -> float:
    if isinstance(q_abs, torch.Tensor):
        return q_abs.detach().double().abs().mean().item()
    return float(np.abs(np.asarray(q_abs, dtype=np.float64)).mean())


def _format_value(value: Any) -> str:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3f}"
    return str(value)
