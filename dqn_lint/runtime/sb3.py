"""Q-value and TD-error monitoring for Stable-Baselines3 DQN, done on the right replay-buffer slots.

Why this exists: a widely copied SB3 callback logs Q-values with
``q_net(replay_buffer.observations[-1])`` (and ``observations[-100:]`` for a "batch"). SB3's
``ReplayBuffer`` is preallocated and circular: ``observations`` has shape
``(buffer_size, n_envs, *obs_shape)`` and is filled with zeros up front, the next write goes to
``buffer.pos`` and ``pos`` wraps to 0 when the buffer is ``full``. So ``observations[-1]`` is the
last *slot*: an all-zero observation until the buffer first wraps, and afterwards an arbitrary old
one. The curves that callback draws are Q of a constant zero state, which look healthy whatever
the agent does. The newest stored observation is at ``(pos - 1) % buffer_size`` (one row per
env), and the most recent ``n`` are the ``n`` slots ending there, wrapping only when ``full``.

Also mirrored from SB3 rather than re-invented:

* the buffer is read from ``model.replay_buffer`` (``callback.locals["replay_buffer"]`` only
  exists inside some algorithms' rollout loops);
* observations go through ``policy.obs_to_tensor`` and the Q-network's own preprocessing (image
  scaling, one-hot for discrete spaces), after ``VecNormalize`` normalisation when the model has
  one (the buffer stores unnormalised observations);
* the TD target is SB3 DQN's: ``r + (1 - done) * discount * max_a Q_target(s', a)`` with
  ``done`` as returned by ``replay_buffer.sample`` (SB3 already zeroes it for time-limit
  truncations when ``handle_timeout_termination`` is on) and ``discount = replay.discounts`` for
  n-step buffers, ``gamma`` otherwise.

Timing: SB3 calls callbacks *before* it stores the step's transition, so the "latest"
observation seen here is the one stored on the previous step.

Importing this module imports Stable-Baselines3; ``import dqn_lint.runtime`` does not.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import torch as th
    from stable_baselines3.common.buffers import ReplayBuffer
    from stable_baselines3.common.callbacks import BaseCallback
except ImportError as exc:  # pragma: no cover - exercised only without the extra installed
    raise ImportError('dqn_lint.runtime.sb3 needs Stable-Baselines3: pip install "dqn-lint[sb3]"') from exc

from dqn_lint.runtime.health import Alert, HealthMonitor

__all__ = ["DEFAULT_HEALTH_WINDOW", "QValueMonitor", "TDBatch", "latest_observations", "latest_slot_indices"]

#: Alert kinds after which ``stop_on_divergence`` ends training (``HealthMonitor.diverged``).
DIVERGENCE_KINDS = ("non_finite", "soft_divergence")

#: ``window`` of the HealthMonitor built from ``health_kwargs``. The monitor counts one update per
#: logging call, not per gradient step, so HealthMonitor's own default (1000 updates) would average
#: over ``1000 * log_freq`` steps and notice divergence far too late.
DEFAULT_HEALTH_WINDOW = 10


@dataclass(frozen=True)
class TDBatch:
    """One scored replay sample: ``q`` = Q(s, a), ``y`` = its TD target; all shape ``(batch,)``.

    ``terminated`` is the sample's ``dones``, which SB3 already clears for time-limit truncations
    when the buffer's ``handle_timeout_termination`` is on.
    """

    q: th.Tensor
    y: th.Tensor
    reward: th.Tensor
    terminated: th.Tensor


# --------------------------------------------------------------------------- buffer reading


def latest_slot_indices(buffer: ReplayBuffer, n: int) -> np.ndarray:
    """Slot indices of the ``n`` most recent writes to ``buffer``, oldest first.

    Only slots that hold data are returned: fewer than ``n`` when the buffer holds fewer, none
    when it is empty. With ``optimize_memory_usage`` a full buffer's slot ``pos`` holds the
    *next* observation of the newest transition, so it is left out, as ``ReplayBuffer.sample``
    leaves it out.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    size = buffer.buffer_size if buffer.full else buffer.pos
    if buffer.full and getattr(buffer, "optimize_memory_usage", False):
        size -= 1
    count = min(int(n), size)
    return (buffer.pos - count + np.arange(count)) % buffer.buffer_size


def latest_observations(buffer: ReplayBuffer, n: int) -> np.ndarray | dict[str, np.ndarray]:
    """The ``n`` most recently stored observations, shape ``(m, n_envs, *obs_shape)``, oldest first.

    ``m = min(n, stored slots)``; row ``[-1]`` is slot ``(pos - 1) % buffer_size``, the newest
    write, and ``[:, e]`` is env ``e``'s observations. Unwritten (preallocated zero) slots are
    never included. For a ``DictReplayBuffer`` a dict of such arrays is returned, one per key.
    The arrays are copies, so later buffer writes do not change them.
    """
    idx = latest_slot_indices(buffer, n)
    if isinstance(buffer.observations, dict):
        return {key: np.array(obs[idx]) for key, obs in buffer.observations.items()}
    return np.array(buffer.observations[idx])


def _flatten_env_rows(obs: np.ndarray | dict[str, np.ndarray], space: Any) -> np.ndarray | dict[str, np.ndarray]:
    """``(m, n_envs, *stored_shape)`` -> ``(m * n_envs, *space.shape)``, the batch shape policies take.

    The buffer stores a ``Discrete`` observation as shape ``(1,)`` but ``obs_to_tensor`` expects
    ``()``, hence the reshape to the space's shape rather than to the stored one.
    """
    if isinstance(obs, dict):
        return {key: _flatten_env_rows(value, space[key]) for key, value in obs.items()}  # type: ignore[misc]
    return obs.reshape((-1, *space.shape))


# --------------------------------------------------------------------------- the callback


class QValueMonitor(BaseCallback):
    """Log Q-value statistics (and optionally TD-error health) of an SB3 ``DQN`` while it trains.

    Every ``log_freq`` callback calls, once the replay buffer holds data, this records through
    ``self.logger.record`` (so stdout, CSV, JSON and TensorBoard outputs all get it, at SB3's next
    ``dump``):

    * ``q_values/mean``, ``q_values/max``, ``q_values/min``: mean / max / min over actions of
      ``Q(s_latest)``, where ``s_latest`` is each env's newest stored observation, then averaged
      over envs (for ``n_envs == 1`` simply the stats of the newest observation);
    * ``q_values/action_{i}`` (``per_action=True``): ``Q(s_latest, i)`` averaged over envs;
    * ``q_values/batch_mean``, ``q_values/batch_std``: mean and population std of all Q-values
      (every action) of the most recent ``batch_size`` buffer slots, every env's row included;
    * with ``td_error=True``: ``health/<key>`` for every statistic ``HealthMonitor.update`` returns
      on a ``td_batch_size`` sample scored exactly like SB3 DQN's loss target (rewards and
      terminations are fed too, so without ``r_max`` the |Q| bound uses the largest reward seen), plus
      ``health/n_alerts`` (alerts raised so far) and ``health/diverged`` (0/1). New alerts are
      recorded as text under ``health/alert`` (kinds, comma-joined) and, with ``warn=True``,
      raised as ``RuntimeWarning``. With ``stop_on_divergence=True`` training stops (``_on_step``
      returns False) once ``health.diverged``; the reason is kept in ``stopped_reason``, logged as
      ``health/stopped`` and dumped at once, since SB3 would not dump again before ``learn``
      returns.

    ``health`` is a ready ``HealthMonitor`` (its ``gamma`` should be the model's); otherwise one is
    built at ``learn`` with the model's ``gamma`` and ``health_kwargs``. Each logging call is one
    ``HealthMonitor`` update, so its ``window`` counts logging calls: the default here is
    ``DEFAULT_HEALTH_WINDOW`` (10) rather than HealthMonitor's 1000.

    Monitoring does not change the training run: TD batches are drawn with the callback's own
    random generator (seeded from ``model.seed``) and NumPy's global state is restored afterwards,
    and the networks are evaluated in eval mode, so batch-norm statistics are not updated.
    """

    def __init__(
        self,
        log_freq: int = 1000,
        batch_size: int = 100,
        *,
        per_action: bool = True,
        td_error: bool = False,
        td_batch_size: int = 256,
        health: HealthMonitor | None = None,
        health_kwargs: Mapping[str, Any] | None = None,
        stop_on_divergence: bool = False,
        warn: bool = True,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose=verbose)
        _check_positive_int("log_freq", log_freq)
        _check_positive_int("batch_size", batch_size)
        _check_positive_int("td_batch_size", td_batch_size)
        if health is not None and health_kwargs is not None:
            raise ValueError("pass either health (a HealthMonitor) or health_kwargs, not both")
        if not td_error and (health is not None or health_kwargs is not None):
            raise ValueError("health/health_kwargs are only used with td_error=True; set td_error=True")
        if health is not None and not isinstance(health, HealthMonitor):
            raise ValueError(f"health must be a dqn_lint.runtime.health.HealthMonitor, got {type(health).__name__}")
        if health_kwargs is not None:
            HealthMonitor(0.5, **health_kwargs)  # bad values fail here, not at learn(); gamma comes later
        if stop_on_divergence and not td_error:
            raise ValueError("stop_on_divergence=True needs td_error=True (divergence is judged on TD batches)")
        self.log_freq = log_freq
        self.batch_size = batch_size
        self.per_action = per_action
        self.td_error = td_error
        self.td_batch_size = td_batch_size
        self.health = health
        self._health_kwargs = dict(health_kwargs or {})
        self.stop_on_divergence = stop_on_divergence
        self.warn = warn
        #: Why training was stopped (the diverging alerts' reasons), or None while it was not.
        self.stopped_reason: str | None = None
        #: Every alert raised during training, in order.
        self.alert_history: list[Alert] = []
        self._rng = np.random.default_rng()

    # ----------------------------------------------------------------- SB3 hooks

    def _init_callback(self) -> None:
        """Fail early, naming what is supported, instead of an AttributeError mid-training."""
        model = self.model
        if not isinstance(getattr(model, "q_net", None), th.nn.Module):
            raise TypeError(
                f"QValueMonitor supports Stable-Baselines3 DQN (a model with a q_net), "
                f"got {type(model).__name__}"
            )
        if self.td_error and not isinstance(getattr(model, "q_net_target", None), th.nn.Module):
            raise TypeError(f"td_error=True needs a DQN-style q_net_target, {type(model).__name__} has none")
        if self.td_error and self.health is None:
            kwargs = {"window": DEFAULT_HEALTH_WINDOW, **self._health_kwargs}
            self.health = HealthMonitor(model.gamma, **kwargs)
        health_gamma = getattr(self.health, "gamma", None)
        if health_gamma is not None and health_gamma != model.gamma:
            warnings.warn(
                f"HealthMonitor gamma {health_gamma} differs from the model's gamma {model.gamma}",
                RuntimeWarning,
                stacklevel=2,
            )
        self._rng = np.random.default_rng(getattr(model, "seed", None))

    def _on_step(self) -> bool:
        if self.n_calls % self.log_freq != 0:
            return True
        buffer = getattr(self.model, "replay_buffer", None)
        if buffer is None or not (buffer.full or buffer.pos > 0):
            return True
        with th.no_grad(), _eval_mode(self.model.q_net, getattr(self.model, "q_net_target", None)):
            self._record_q_values(buffer)
            if self.td_error:
                return self._check_td_health(buffer)
        return True

    # ----------------------------------------------------------------- Q-values

    def q_values_of(self, obs: np.ndarray | dict[str, np.ndarray]) -> th.Tensor:
        """Q-values ``(rows, n_actions)`` of buffer-layout observations ``(m, n_envs, *obs_shape)``.

        Goes the way SB3's own ``predict`` goes: VecNormalize (if any), ``obs_to_tensor``, then the
        Q-network, whose feature extractor applies ``preprocess_obs``.
        """
        policy = self.model.policy
        vec_normalize = getattr(self.model, "_vec_normalize_env", None)
        if vec_normalize is not None:
            obs = vec_normalize.normalize_obs(obs)
        tensor, _ = policy.obs_to_tensor(_flatten_env_rows(obs, policy.observation_space))
        return self.model.q_net(tensor)

    def _record_q_values(self, buffer: ReplayBuffer) -> None:
        """Record the latest-observation and recent-batch Q statistics (see the class docstring)."""
        latest = self.q_values_of(latest_observations(buffer, 1))  # (n_envs, n_actions)
        self.logger.record("q_values/mean", float(latest.mean(dim=1).mean()))
        self.logger.record("q_values/max", float(latest.max(dim=1).values.mean()))
        self.logger.record("q_values/min", float(latest.min(dim=1).values.mean()))
        if self.per_action:
            for action, value in enumerate(latest.mean(dim=0).tolist()):
                self.logger.record(f"q_values/action_{action}", float(value))
        batch = self.q_values_of(latest_observations(buffer, self.batch_size))
        self.logger.record("q_values/batch_mean", float(batch.mean()))
        self.logger.record("q_values/batch_std", float(batch.std(unbiased=False)))

    # ----------------------------------------------------------------- TD health

    def td_batch(self, buffer: ReplayBuffer) -> TDBatch:
        """Score a fresh replay sample of ``td_batch_size`` transitions the way SB3's DQN loss does.

        ``y`` is computed as in ``stable_baselines3.dqn.DQN.train``: the target network's max
        over actions at ``s'``, masked by the sampled ``dones`` and discounted by the sample's
        ``discounts`` (n-step buffers) or ``gamma``.
        """
        replay = self._sample(buffer)
        discounts = getattr(replay, "discounts", None)
        discount = discounts if discounts is not None else self.model.gamma
        next_q = self.model.q_net_target(replay.next_observations).max(dim=1).values.reshape(-1, 1)
        target = replay.rewards + (1 - replay.dones) * discount * next_q
        current = th.gather(self.model.q_net(replay.observations), dim=1, index=replay.actions.long())
        return TDBatch(
            q=current.reshape(-1),
            y=target.reshape(-1),
            reward=replay.rewards.reshape(-1),
            terminated=replay.dones.reshape(-1),
        )

    def _sample(self, buffer: ReplayBuffer) -> Any:
        """``buffer.sample`` with our own randomness, leaving NumPy's global state as it was.

        SB3's buffers draw indices from ``np.random``; sampling from it directly would shift every
        later training batch, so adding the monitor would change the run it monitors.
        """
        saved = np.random.get_state()
        np.random.seed(int(self._rng.integers(2**32)))
        try:
            return buffer.sample(self.td_batch_size, env=self.model._vec_normalize_env)
        finally:
            np.random.set_state(saved)

    def _check_td_health(self, buffer: ReplayBuffer) -> bool:
        """Feed the health monitor, log its stats and alerts; False means: stop training."""
        assert self.health is not None
        batch = self.td_batch(buffer)
        stats = self.health.update(
            batch.q,
            batch.y,
            step=self.num_timesteps,
            epsilon=float(self.model.exploration_rate),
            reward=batch.reward,
            terminated=batch.terminated,
        )
        for key, value in stats.items():
            self.logger.record(f"health/{key}", float(value))
        self._report_alerts(self.health.pop_new_alerts())
        self.logger.record("health/n_alerts", len(self.alert_history))
        self.logger.record("health/diverged", int(self.health.diverged))
        if self.stop_on_divergence and self.health.diverged:
            self._stop()
            return False
        return True

    def _report_alerts(self, alerts: list[Alert]) -> None:
        """Log new alert kinds as text and warn; kinds recorded since SB3's last dump are kept.

        ``Logger.record`` keeps only the last value per key until the next dump, so a second
        alert before the dump would silently replace the first one; we append instead.
        """
        if not alerts:
            return
        self.alert_history.extend(alerts)
        pending = self.logger.name_to_value.get("health/alert")
        kinds = [pending] if isinstance(pending, str) and pending else []
        kinds.extend(alert.kind for alert in alerts)
        # Strings reach stdout/CSV/JSON as text and TensorBoard as add_text; they cannot be scalars.
        self.logger.record("health/alert", ",".join(kinds))
        for alert in alerts:
            if self.verbose >= 1:
                print(f"QValueMonitor: step {alert.step}: {alert.kind}: {alert.reason}")
            if self.warn:
                warnings.warn(alert.reason, RuntimeWarning, stacklevel=2)

    def _stop(self) -> None:
        """Remember and log why training stops, and dump now: ``learn`` returns without a dump."""
        assert self.health is not None
        reasons = [alert.reason for alert in self.health.alerts if alert.kind in DIVERGENCE_KINDS]
        self.stopped_reason = "; ".join(reasons) or "health monitor reports divergence"
        self.logger.record("health/stopped", self.stopped_reason)
        if self.verbose >= 1:
            print(f"QValueMonitor: stopping training at step {self.num_timesteps}: {self.stopped_reason}")
        self.logger.dump(step=self.num_timesteps)


# --------------------------------------------------------------------------- helpers


def _check_positive_int(name: str, value: object) -> None:
    """One clear line instead of a confusing failure later (``n_calls % 0``, empty batches)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


class _eval_mode:
    """Put networks in eval mode for the block and restore each one's previous mode after.

    SB3 trains with ``set_training_mode(True)``; evaluating in train mode would update batch-norm
    running statistics (and apply dropout), i.e. the monitor would change the model.
    """

    def __init__(self, *modules: th.nn.Module | None) -> None:
        self._modules = [m for m in modules if m is not None]
        self._modes: list[bool] = []

    def __enter__(self) -> None:
        self._modes = [m.training for m in self._modules]
        for module in self._modules:
            module.train(False)

    def __exit__(self, *exc: object) -> None:
        for module, mode in zip(self._modules, self._modes):
            module.train(mode)
