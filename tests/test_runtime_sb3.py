"""QValueMonitor reads the newest replay slots (not `observations[-1]`) and stops diverging DQN runs.

Expected values here are recomputed from the raw buffer arrays with their own indexing, never
through `latest_observations`, so a wrong slot in the code under test shows up as a mismatch.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("stable_baselines3")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from stable_baselines3 import DQN, PPO  # noqa: E402
from stable_baselines3.common.buffers import ReplayBuffer  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.logger import configure  # noqa: E402

from dqn_lint.runtime.sb3 import QValueMonitor, latest_observations  # noqa: E402

torch.set_num_threads(1)  # 2 threads are several times slower on the 2-core CI machine

OBS_SPACE = gym.spaces.Box(-1e6, 1e6, shape=(2,), dtype=np.float32)
ACT_SPACE = gym.spaces.Discrete(2)
SLOTS = 5  # per-env capacity of the hand-filled buffers
Q_KEYS = ("q_values/mean", "q_values/max", "q_values/min", "q_values/batch_mean", "q_values/batch_std")


# --------------------------------------------------------------------------- pure buffer tests


def filled_buffer(n_writes: int, n_envs: int, **kwargs: Any) -> ReplayBuffer:
    """A real SB3 buffer after `n_writes` adds; write t stores obs `[t + 1, env]` for each env.

    `t + 1` so that no stored observation is all-zero, like the preallocated empty slots.
    """
    buffer = ReplayBuffer(SLOTS * n_envs, OBS_SPACE, ACT_SPACE, device="cpu", n_envs=n_envs, **kwargs)
    for t in range(n_writes):
        obs = np.array([[t + 1, env] for env in range(n_envs)], dtype=np.float32)
        buffer.add(obs, obs + 0.5, np.zeros(n_envs), np.zeros(n_envs), np.zeros(n_envs), [{}] * n_envs)
    return buffer


def write_numbers(obs: np.ndarray) -> list[int]:
    """Which write each returned slot came from (oldest first), checking every env row on the way."""
    n_envs = obs.shape[1]
    assert (obs[:, :, 1] == np.arange(n_envs)).all(), "env rows out of order"
    assert (obs[:, :, 0] == obs[:, :1, 0]).all(), "env rows of one slot from different writes"
    return [int(v) - 1 for v in obs[:, 0, 0]]


@pytest.mark.parametrize("n_envs", [1, 2])
def test_latest_observations_of_empty_buffer_is_empty(n_envs: int) -> None:
    obs = latest_observations(filled_buffer(0, n_envs), 3)
    assert obs.shape == (0, n_envs, 2)


@pytest.mark.parametrize("n_envs", [1, 2])
def test_latest_observations_before_wrap_are_the_last_writes_in_order(n_envs: int) -> None:
    obs = latest_observations(filled_buffer(3, n_envs), 2)
    assert obs.shape == (2, n_envs, 2)
    assert write_numbers(obs) == [1, 2]


@pytest.mark.parametrize("n_envs", [1, 2])
def test_latest_observations_exactly_full_end_at_last_slot(n_envs: int) -> None:
    buffer = filled_buffer(SLOTS, n_envs)
    assert buffer.full and buffer.pos == 0
    assert write_numbers(latest_observations(buffer, 1)) == [SLOTS - 1]
    assert write_numbers(latest_observations(buffer, SLOTS)) == list(range(SLOTS))


@pytest.mark.parametrize("n_envs", [1, 2])
def test_latest_observation_after_wrap_is_at_pos_minus_one(n_envs: int) -> None:
    buffer = filled_buffer(SLOTS + 2, n_envs)
    assert buffer.full and buffer.pos == 2
    assert write_numbers(latest_observations(buffer, 1)) == [SLOTS + 1]
    # The blog's slot: an old write, two behind the newest in a 5-slot buffer.
    assert int(buffer.observations[-1, 0, 0]) - 1 == SLOTS - 1
    assert write_numbers(latest_observations(buffer, 4)) == [3, 4, 5, 6]


@pytest.mark.parametrize("n_envs", [1, 2])
def test_latest_observations_asking_for_more_than_stored_returns_only_written_slots(n_envs: int) -> None:
    assert write_numbers(latest_observations(filled_buffer(3, n_envs), 100)) == [0, 1, 2]
    assert write_numbers(latest_observations(filled_buffer(SLOTS + 2, n_envs), 100)) == [2, 3, 4, 5, 6]


def test_latest_observations_skip_the_overwritten_slot_with_optimize_memory_usage() -> None:
    buffer = filled_buffer(SLOTS + 2, 1, optimize_memory_usage=True, handle_timeout_termination=False)
    # slot `pos` now holds the next-observation of the newest write, not an observation of its own
    assert write_numbers(latest_observations(buffer, 100)) == [3, 4, 5, 6]


def test_latest_observations_are_copies_not_views() -> None:
    buffer = filled_buffer(3, 1)
    obs = latest_observations(buffer, 2)
    obs[:] = -1
    assert write_numbers(latest_observations(buffer, 2)) == [1, 2]


def test_latest_observations_rejects_negative_n() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        latest_observations(filled_buffer(1, 1), -1)


# --------------------------------------------------------------------------- training, checked


def newest_slot_rows(buffer: ReplayBuffer, count: int) -> np.ndarray:
    """The newest `count` slots' rows, flattened to (rows, obs_dim), walked back from pos - 1."""
    stored = buffer.buffer_size if buffer.full else buffer.pos
    slots = [(buffer.pos - back) % buffer.buffer_size for back in range(1, min(count, stored) + 1)]
    return buffer.observations[slots].reshape(-1, buffer.observations.shape[-1])


class CheckedMonitor(QValueMonitor):
    """Recomputes, at each logging call, what should be recorded, and keeps both for the tests."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checks: list[dict[str, Any]] = []

    def _on_step(self) -> bool:
        if self.n_calls % self.log_freq != 0:
            return super()._on_step()
        expected, blog = self._expected()
        for key in expected:  # a key the monitor fails to record must not pass on a stale value
            self.logger.name_to_value.pop(key, None)
        keep_going = super()._on_step()
        recorded = {key: self.logger.name_to_value.get(key) for key in expected}
        self.checks.append(
            dict(expected=expected, recorded=recorded, full=self.model.replay_buffer.full, **blog)
        )
        return keep_going

    def _expected(self) -> tuple[dict[str, float], dict[str, Any]]:
        buffer = self.model.replay_buffer
        q_net = self.model.q_net
        with torch.no_grad():
            newest = buffer.observations[(buffer.pos - 1) % buffer.buffer_size]  # (n_envs, obs_dim)
            q = q_net(torch.as_tensor(newest))
            batch = q_net(torch.as_tensor(newest_slot_rows(buffer, self.batch_size)))
            blog_obs = np.array(buffer.observations[-1])  # what the blog's callback feeds the net
            blog_mean = q_net(torch.as_tensor(blog_obs)).mean().item()
        expected = {
            "q_values/mean": q.mean(dim=1).mean().item(),
            "q_values/max": q.max(dim=1).values.mean().item(),
            "q_values/min": q.min(dim=1).values.mean().item(),
            "q_values/batch_mean": batch.mean().item(),
            "q_values/batch_std": batch.std(unbiased=False).item(),
        }
        expected.update({f"q_values/action_{a}": q[:, a].mean().item() for a in range(q.shape[1])})
        extra = dict(newest_obs=np.array(newest), blog_obs=blog_obs, blog_mean=blog_mean, env0_mean=q[0].mean().item())
        return expected, extra


def cartpole_dqn(env: Any, **overrides: Any) -> DQN:
    """A small, seeded, CPU DQN that trains in about a second per thousand steps here."""
    kwargs: dict[str, Any] = dict(
        learning_rate=1e-3,
        buffer_size=400,
        learning_starts=100,
        batch_size=32,
        train_freq=1,
        target_update_interval=250,
        exploration_fraction=0.3,
        policy_kwargs=dict(net_arch=[32]),
        seed=0,
        device="cpu",
    )
    kwargs.update(overrides)
    return DQN("MlpPolicy", env, **kwargs)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module", autouse=True)
def sb3_log_folder(tmp_path_factory: pytest.TempPathFactory):
    """SB3's logger makes a folder in the system's temp dir when given none: keep it in pytest's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SB3_LOGDIR", str(tmp_path_factory.mktemp("sb3-logs")))
        yield


@pytest.fixture(scope="module", params=[1, 2], ids=["1env", "2envs"])
def checked_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """900 callback calls on 400 slots per env: the buffer wraps twice, batches cross the seam."""
    n_envs = request.param
    env = make_vec_env("CartPole-v1", n_envs=n_envs, seed=0) if n_envs > 1 else "CartPole-v1"
    model = cartpole_dqn(env, buffer_size=400 * n_envs)
    folder = tmp_path_factory.mktemp(f"qvm_{n_envs}")
    model.set_logger(configure(str(folder), ["csv"]))
    monitor = CheckedMonitor(log_freq=25, batch_size=100)
    model.learn(900 * n_envs, callback=monitor, log_interval=1)
    return dict(model=model, monitor=monitor, rows=read_csv(folder / "progress.csv"), n_envs=n_envs)


def test_recorded_q_values_match_q_net_on_the_newest_slot(checked_run: dict[str, Any]) -> None:
    checks = checked_run["monitor"].checks
    assert len(checks) == 900 // 25
    assert any(check["full"] for check in checks) and not all(check["full"] for check in checks)
    for check in checks:
        assert set(check["expected"]) >= {*Q_KEYS, "q_values/action_0", "q_values/action_1"}
        for key, value in check["expected"].items():
            assert check["recorded"][key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_q_value_keys_reach_the_csv_output(checked_run: dict[str, Any]) -> None:
    rows = [row for row in checked_run["rows"] if row.get("q_values/mean")]
    assert rows, "no q_values rows in progress.csv"
    for key in (*Q_KEYS, "q_values/action_0", "q_values/action_1"):
        assert all(np.isfinite(float(row[key])) for row in rows), key


def test_blog_slot_minus_one_is_an_all_zero_row_until_the_buffer_wraps(checked_run: dict[str, Any]) -> None:
    """The bug this module exists for: `observations[-1]` is a preallocated, never-written slot."""
    early = [check for check in checked_run["monitor"].checks if not check["full"]]
    assert early
    for check in early:
        assert not check["blog_obs"].any() and check["newest_obs"].any()
        # Q of the zero state is what the blog plots, not what was recorded. CartPole states lie
        # near 0, so the two Q-values can be close: the point is that they come from different inputs.
        assert check["recorded"]["q_values/mean"] != pytest.approx(check["blog_mean"], rel=1e-6, abs=0)


def test_vectorised_env_rows_are_averaged_over_envs(checked_run: dict[str, Any]) -> None:
    """With two envs the recorded mean is not env 0's alone: both envs' newest rows count."""
    checks = checked_run["monitor"].checks
    assert checked_run["model"].replay_buffer.n_envs == checked_run["n_envs"]
    only_env0 = [check["recorded"]["q_values/mean"] == pytest.approx(check["env0_mean"]) for check in checks]
    assert all(only_env0) if checked_run["n_envs"] == 1 else not any(only_env0)


def test_nothing_is_recorded_while_the_buffer_is_empty() -> None:
    """SB3 calls callbacks before storing the step, so the very first call sees an empty buffer."""
    model = cartpole_dqn("CartPole-v1")
    model.set_logger(configure(None, []))
    seen: list[tuple[int, bool]] = []

    class Probe(QValueMonitor):
        def _on_step(self) -> bool:
            keep_going = super()._on_step()
            seen.append((self.model.replay_buffer.pos, "q_values/mean" in self.logger.name_to_value))
            return keep_going

    model.learn(2, callback=Probe(log_freq=1))
    assert seen == [(0, False), (1, True)]


# --------------------------------------------------------------------------- discrete observations


def test_discrete_observations_are_one_hot_encoded_like_sb3_does() -> None:
    """`.float()` on a FrozenLake state index would feed the net a wrong-shaped scalar; SB3 one-hots it."""
    model = DQN(
        "MlpPolicy", "FrozenLake-v1", learning_starts=50, buffer_size=1000, policy_kwargs=dict(net_arch=[16]),
        seed=0, device="cpu",
    )
    model.set_logger(configure(None, []))
    seen: list[tuple[float, float]] = []

    class Probe(QValueMonitor):
        def _on_step(self) -> bool:
            keep_going = super()._on_step()
            if self.n_calls % self.log_freq == 0:
                buffer = self.model.replay_buffer
                state = int(buffer.observations[(buffer.pos - 1) % buffer.buffer_size, 0, 0])
                one_hot = torch.nn.functional.one_hot(torch.tensor([state]), 16).float()
                with torch.no_grad():
                    expected = self.model.q_net.q_net(one_hot).mean().item()  # the MLP behind the extractor
                seen.append((self.logger.name_to_value["q_values/mean"], expected))
            return keep_going

    model.learn(200, callback=Probe(log_freq=20))
    assert len(seen) == 10
    for recorded, expected in seen:
        assert recorded == pytest.approx(expected, rel=1e-5, abs=1e-6)


# --------------------------------------------------------------------------- TD target


def hand_buffer_model() -> tuple[DQN, QValueMonitor]:
    """An untrained DQN whose buffer holds one terminated and one time-limit-truncated transition."""
    model = cartpole_dqn("CartPole-v1", gamma=0.9)
    buffer = ReplayBuffer(2, model.observation_space, model.action_space, device="cpu")
    terminated, truncated = np.full((1, 4), 0.1, np.float32), np.full((1, 4), 0.2, np.float32)
    buffer.add(terminated, terminated + 1, np.array([1]), np.array([1.0]), np.array([1.0]), [{}])
    buffer.add(truncated, truncated + 1, np.array([0]), np.array([2.0]), np.array([1.0]), [{"TimeLimit.truncated": True}])
    model.replay_buffer = buffer
    monitor = QValueMonitor(td_error=True, td_batch_size=64, health_kwargs=dict(r_max=1.0))
    monitor.init_callback(model)
    return model, monitor


def test_td_target_stops_at_termination_and_bootstraps_through_truncation() -> None:
    model, monitor = hand_buffer_model()
    with torch.no_grad():
        batch = monitor.td_batch(model.replay_buffer)
        q, y = batch.q, batch.y
        truncated_next_q = model.q_net_target(torch.full((1, 4), 1.2)).max().item()
        q_now = {obs: model.q_net(torch.full((1, 4), obs))[0] for obs in (0.1, 0.2)}
    assert q.shape == y.shape == (64,)
    terminal_rows = torch.isclose(y, torch.tensor(1.0))  # reward 1, no bootstrap
    truncated_value = 2.0 + 0.9 * truncated_next_q  # reward 2 + gamma * max_a Q_target(s', a)
    assert terminal_rows.any() and (~terminal_rows).any()
    assert torch.allclose(y[~terminal_rows], torch.tensor(truncated_value))
    assert torch.allclose(q[terminal_rows], q_now[0.1][1])  # Q(s, a) of the action taken (1)
    assert torch.allclose(q[~terminal_rows], q_now[0.2][0])
    assert torch.equal(batch.terminated, terminal_rows.float())  # truncation is not termination


def test_td_sampling_leaves_numpy_global_random_state_untouched() -> None:
    model, monitor = hand_buffer_model()
    np.random.seed(123)
    before = np.random.random(3)
    np.random.seed(123)
    monitor.td_batch(model.replay_buffer)
    assert (np.random.random(3) == before).all()


# --------------------------------------------------------------------------- divergence stop


def monitored_run(folder: Path, total: int, *, alias_target: bool) -> tuple[DQN, QValueMonitor]:
    """CartPole DQN at lr 1e-3 with the stopping monitor; `alias_target` makes the online net its own target."""
    model = cartpole_dqn("CartPole-v1", buffer_size=5000)
    if alias_target:
        # DQN reads self.q_net_target in train(). The sync must be switched off as well: SB3's hard
        # update is polyak_update(tau=1), i.e. `target.mul_(0); target += online`, which on aliased
        # tensors zeroes the whole network every target_update_interval steps instead of diverging.
        model.q_net_target = model.q_net
        model.target_update_interval = 10**9
    model.set_logger(configure(str(folder), ["csv"]))
    monitor = QValueMonitor(log_freq=100, td_error=True, health_kwargs=dict(r_max=1.0), stop_on_divergence=True)
    model.learn(total, callback=monitor)
    return model, monitor


def test_diverging_run_is_stopped_with_a_reason_and_a_warning(tmp_path: Path) -> None:
    # Found empirically (these settings, seeds 0-9): the aliased run is stopped at step 1400-1600,
    # mean |Q| 101-123 > r_max/(1-gamma) = 100, and keeps growing (~7500 by step 10000) if not
    # stopped. The same run with a separate target (next test) stays below 100.
    total = 3000
    with pytest.warns(RuntimeWarning, match="above the bound"):
        model, monitor = monitored_run(tmp_path, total, alias_target=True)
    assert model.num_timesteps < total
    assert monitor.stopped_reason
    assert monitor.health is not None and monitor.health.diverged
    stopped = [row["health/stopped"] for row in read_csv(tmp_path / "progress.csv") if row.get("health/stopped")]
    assert stopped == [monitor.stopped_reason]


def test_healthy_run_is_not_stopped(tmp_path: Path) -> None:
    total = 3000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # q_rising etc. may fire while Q grows; no stop
        model, monitor = monitored_run(tmp_path, total, alias_target=False)
    assert model.num_timesteps == total
    assert monitor.stopped_reason is None
    rows = [row for row in read_csv(tmp_path / "progress.csv") if row.get("health/q_abs_max")]
    assert rows and max(float(row["health/q_abs_max"]) for row in rows) < 100
    assert all(float(row["health/diverged"]) == 0 for row in rows)


# --------------------------------------------------------------------------- API errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(log_freq=0), "log_freq must be a positive int"),
        (dict(log_freq=2.5), "log_freq must be a positive int"),
        (dict(batch_size=-1), "batch_size must be a positive int"),
        (dict(batch_size=True), "batch_size must be a positive int"),
        (dict(td_error=True, td_batch_size=0), "td_batch_size must be a positive int"),
        (dict(stop_on_divergence=True), "needs td_error=True"),
        (dict(health_kwargs=dict(r_max=1.0)), "only used with td_error=True"),
        (dict(td_error=True, health=object(), health_kwargs={}), "not both"),
        (dict(td_error=True, health=object()), "health must be a"),
        (dict(td_error=True, health_kwargs=dict(r_max=-1.0)), "r_max must be"),
    ],
)
def test_invalid_arguments_raise_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QValueMonitor(**kwargs)


def test_model_without_q_net_is_rejected_at_init_naming_dqn() -> None:
    model = PPO("MlpPolicy", "CartPole-v1", n_steps=16, batch_size=16, seed=0, device="cpu")
    with pytest.raises(TypeError, match=r"supports Stable-Baselines3 DQN.*got PPO"):
        model.learn(16, callback=QValueMonitor())


def test_missing_sb3_gives_install_hint() -> None:
    code = (
        "import sys; sys.modules['stable_baselines3'] = None\n"
        "try:\n    import dqn_lint.runtime.sb3\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == 'dqn_lint.runtime.sb3 needs Stable-Baselines3: pip install "dqn-lint[sb3]"'


def test_importing_the_runtime_package_does_not_import_sb3() -> None:
    code = "import sys, dqn_lint.runtime; print('stable_baselines3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
