"""HealthMonitor's statistics and alerts on synthetic series and a tiny training loop; log_health's line."""

from __future__ import annotations

import copy
import dataclasses
import gc
import io
import math
import weakref

import pytest

pytest.importorskip("torch")
pytest.importorskip("numpy")

import numpy as np  # noqa: E402
import torch  # noqa: E402  (imported by name so that dqn-lint sees `torch.no_grad()` below)

from dqn_lint.runtime import Alert, HealthMonitor, log_health  # noqa: E402

BATCH = 16


class RecordingWriter:
    """Stands in for a SummaryWriter: keeps every add_scalar call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, int]] = []

    def add_scalar(self, tag: str, scalar_value: float, global_step: int) -> None:
        self.calls.append((tag, scalar_value, global_step))


def _feed(monitor: HealthMonitor, q_levels, td_stds=None, seed: int = 0) -> list[Alert]:
    """One update per level: a batch of Q-values around the level and targets `td_std` apart; the alerts raised."""
    generator = torch.Generator().manual_seed(seed)
    td_stds = [0.1] * len(q_levels) if td_stds is None else td_stds
    raised: list[Alert] = []
    for level, td_std in zip(q_levels, td_stds):
        q = level + 0.01 * level * torch.randn(BATCH, generator=generator, dtype=torch.float64)
        y = q + td_std * torch.randn(BATCH, generator=generator, dtype=torch.float64)
        monitor.update(q, y)
        raised.extend(monitor.pop_new_alerts())
    return raised


def _window_means(levels: list[float], window: int) -> list[float]:
    return [float(np.mean(levels[i : i + window])) for i in range(0, len(levels) - window + 1, window)]


# --- the windowed statistics -------------------------------------------------------------------


def test_update_returns_windowed_statistics_as_python_floats():
    monitor = HealthMonitor(0.9, window=2)
    first = monitor.update(torch.tensor([1.0, -3.0]), torch.tensor([2.0, -1.0]))
    assert first == pytest.approx({"td_mean": 1.5, "td_std": math.sqrt(0.5), "q_abs_mean": 2.0, "q_abs_max": 3.0})
    second = monitor.update(torch.zeros(2), torch.zeros(2))
    assert second == pytest.approx(
        {"td_mean": 0.75, "td_std": math.sqrt(0.5) / 2, "q_abs_mean": 1.0, "q_abs_max": 3.0}
    )
    third = monitor.update(torch.ones(2), torch.ones(2))  # the first update leaves the window
    assert third == pytest.approx({"td_mean": 0.0, "td_std": 0.0, "q_abs_mean": 0.5, "q_abs_max": 1.0})
    assert all(type(value) is float for value in third.values())


def test_optional_inputs_add_their_keys():
    monitor = HealthMonitor(0.9, window=10)
    monitor.update(torch.zeros(4), torch.zeros(4), reward=torch.tensor([1.0, 0.0, 0.0, 0.0]),
                   terminated=torch.tensor([True, False, False, False]), truncated=np.zeros(4))
    stats = monitor.update(torch.zeros(4), torch.zeros(4), epsilon=0.05, reward=np.ones(4),
                           terminated=[1, 1, 0, 0], truncated=[0, 0, 0, 1])
    assert stats["epsilon"] == 0.05
    assert stats["reward_mean"] == pytest.approx(5 / 8)
    assert stats["terminated_frac"] == pytest.approx(3 / 8)
    assert stats["truncated_frac"] == pytest.approx(1 / 8)
    plain = monitor.update(torch.zeros(4), torch.zeros(4))
    assert set(plain) == {"td_mean", "td_std", "q_abs_mean", "q_abs_max"}


def test_update_accepts_numpy_arrays_and_python_floats():
    monitor = HealthMonitor(0.9)
    assert monitor.update(np.array([[1.0], [3.0]]), np.array([2.0, 2.0]))["q_abs_mean"] == 2.0
    stats = monitor.update(-4.0, -1.0)
    assert stats["q_abs_max"] == 4.0
    assert stats["td_mean"] == pytest.approx((1 - 1 + 3) / 3)


def test_update_rejects_q_and_targets_of_different_sizes():
    with pytest.raises(ValueError, match="same number of elements"):
        HealthMonitor(0.9).update(torch.zeros(4), torch.zeros(3))


def test_update_does_not_keep_the_autograd_graph_alive():
    monitor = HealthMonitor(0.9)
    weights = torch.ones(4, requires_grad=True)
    q = weights * 2.0
    finalized = weakref.ref(q)
    monitor.update(q, q.detach() + 1.0)
    del q
    gc.collect()
    assert finalized() is None


def test_writer_receives_every_statistic_under_the_prefix():
    writer = RecordingWriter()
    monitor = HealthMonitor(0.9, writer=writer, prefix="dqn/")
    stats = monitor.update(torch.ones(3), torch.ones(3), step=42, epsilon=0.1)
    assert sorted(writer.calls) == sorted(("dqn/" + key, value, 42) for key, value in stats.items())
    tags = {tag for tag, _, _ in writer.calls}
    assert tags == {"dqn/td_mean", "dqn/td_std", "dqn/q_abs_mean", "dqn/q_abs_max", "dqn/epsilon"}


def test_step_defaults_to_the_number_of_earlier_updates():
    writer = RecordingWriter()
    monitor = HealthMonitor(0.9, writer=writer)
    for _ in range(3):
        monitor.update(torch.ones(2), torch.ones(2))
    assert sorted({step for _, _, step in writer.calls}) == [0, 1, 2]
    assert all(tag.startswith("health/") for tag, _, _ in writer.calls)
    assert monitor.updates == 3


def test_a_real_summary_writer_accepts_the_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(tmp_path))
    monitor = HealthMonitor(0.9, writer=writer)
    for step in range(3):
        monitor.update(torch.ones(2), torch.zeros(2), step=step)
    writer.close()
    assert list(tmp_path.glob("events.out.tfevents.*"))


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"gamma": 1.0}, "gamma"),
        ({"gamma": -0.1}, "gamma"),
        ({"gamma": float("nan")}, "gamma"),
        ({"gamma": 0.9, "window": 0}, "window"),
        ({"gamma": 0.9, "window": 2.5}, "window"),
        ({"gamma": 0.9, "r_max": 0.0}, "r_max"),
        ({"gamma": 0.9, "r_max": float("inf")}, "r_max"),
        ({"gamma": 0.9, "td_std_threshold": -1.0}, "td_std_threshold"),
        ({"gamma": 0.9, "rising_windows": 2}, "rising_windows"),
        ({"gamma": 0.9, "writer": object()}, "writer"),
        ({"gamma": 0.9, "prefix": None}, "prefix"),
    ],
)
def test_invalid_arguments_are_rejected_with_the_argument_named(kwargs, names):
    with pytest.raises(ValueError, match=names):
        HealthMonitor(**kwargs)


# --- the alerts --------------------------------------------------------------------------------


def test_geometric_growth_of_q_fires_q_rising_and_then_soft_divergence():
    monitor = HealthMonitor(0.9, r_max=1.0, window=10, rising_windows=5)  # bound: 10
    raised = _feed(monitor, [0.5 * 1.05**t for t in range(200)])
    kinds = [alert.kind for alert in raised]
    assert kinds[:2] == ["q_rising", "soft_divergence"]
    q_rising, soft = raised[0], raised[1]
    assert q_rising.step < soft.step
    assert "DQN002" in q_rising.reason and "DQN001" in q_rising.reason
    assert "above the bound" in soft.reason and "= 10" in soft.reason
    assert monitor.diverged
    assert {alert.kind for alert in monitor.alerts} == {"q_rising", "soft_divergence"}


def test_healthy_rise_that_plateaus_under_the_bound_fires_nothing():
    levels = [9.0 * (1 - 0.98**t) for t in range(600)]  # climbs towards 9, under the bound of 10
    # The climb is long enough for the first two q_rising conditions; only its slowing keeps it silent.
    first_windows = _window_means(levels, 10)[:5]
    assert all(b > a for a, b in zip(first_windows, first_windows[1:]))
    assert first_windows[-1] > 1.5 * first_windows[0]
    monitor = HealthMonitor(0.9, r_max=1.0, window=10, rising_windows=5)
    assert _feed(monitor, levels) == []
    assert monitor.alerts == [] and not monitor.diverged


def test_q_rising_clears_when_growth_stops():
    monitor = HealthMonitor(0.9, window=10, rising_windows=3)  # no bound: soft_divergence is off
    raised = _feed(monitor, [1.1**t for t in range(40)])
    assert [alert.kind for alert in raised] == ["q_rising"]
    _feed(monitor, [1.1**40] * 30)
    assert monitor.alerts == []


def test_soft_divergence_is_off_without_a_bound():
    monitor = HealthMonitor(0.9, window=5)
    _feed(monitor, [1e6] * 20)
    assert not monitor.diverged and monitor.q_bound is None


def test_soft_divergence_uses_the_largest_reward_seen_when_r_max_is_not_given():
    monitor = HealthMonitor(0.9, window=5)
    for _ in range(5):
        monitor.update(torch.full((4,), 15.0), torch.full((4,), 15.0), reward=torch.tensor([-2.0, 0.5, 0.0, 1.0]))
    assert monitor.q_bound == pytest.approx(20.0) and not monitor.diverged
    for _ in range(5):
        monitor.update(torch.full((4,), 25.0), torch.full((4,), 25.0), reward=torch.zeros(4))
    assert monitor.diverged
    assert "max |reward| seen" in monitor.alerts[0].reason


def test_soft_divergence_clears_when_q_returns_under_the_bound():
    monitor = HealthMonitor(0.9, r_max=1.0, window=5)
    _feed(monitor, [20.0] * 5)
    assert [alert.kind for alert in monitor.alerts] == ["soft_divergence"]
    _feed(monitor, [1.0] * 5)
    assert monitor.alerts == [] and not monitor.diverged


def test_nan_fires_non_finite_which_stays():
    monitor = HealthMonitor(0.9, r_max=1.0, window=5)
    _feed(monitor, [1.0] * 5)
    y = torch.ones(4)
    y[2] = float("nan")
    monitor.update(torch.ones(4), y, step=7)
    (alert,) = monitor.pop_new_alerts()
    assert (alert.kind, alert.step) == ("non_finite", 7)
    assert "TD target" in alert.reason and "Q and" not in alert.reason
    assert monitor.diverged
    _feed(monitor, [1.0] * 20)
    assert [a.kind for a in monitor.alerts] == ["non_finite"] and monitor.diverged
    assert monitor.pop_new_alerts() == []  # reported once


def test_inf_in_q_fires_non_finite():
    monitor = HealthMonitor(0.9)
    monitor.update(torch.tensor([1.0, float("inf")]), torch.ones(2))
    assert [a.kind for a in monitor.alerts] == ["non_finite"]
    assert "in Q at step 0" in monitor.alerts[0].reason


def test_high_flat_td_std_fires_td_std_high():
    monitor = HealthMonitor(0.9, window=10, td_std_threshold=5.0, rising_windows=5)
    raised = _feed(monitor, [1.0] * 60, td_stds=[8.0] * 60)
    assert [alert.kind for alert in raised] == ["td_std_high"]
    assert raised[0].step == 49  # the fifth complete window
    for code in ("DQN001", "DQN002", "DQN003"):
        assert code in raised[0].reason
    assert not monitor.diverged


def test_falling_td_std_does_not_fire():
    monitor = HealthMonitor(0.9, window=10, td_std_threshold=5.0, rising_windows=5)
    falling = list(np.linspace(14.0, 7.0, 80))  # above the threshold all along, but falling
    assert _feed(monitor, [1.0] * 80, td_stds=falling) == []


def test_low_td_std_does_not_fire():
    monitor = HealthMonitor(0.9, window=10, td_std_threshold=5.0, rising_windows=5)
    assert _feed(monitor, [1.0] * 80, td_stds=[3.0] * 80) == []


def test_td_std_high_clears_when_the_spread_drops_below_the_threshold():
    monitor = HealthMonitor(0.9, window=10, td_std_threshold=5.0, rising_windows=3)
    _feed(monitor, [1.0] * 30, td_stds=[8.0] * 30)
    assert [a.kind for a in monitor.alerts] == ["td_std_high"]
    _feed(monitor, [1.0] * 10, td_stds=[1.0] * 10, seed=1)
    assert monitor.alerts == []


def test_alerts_are_frozen():
    alert = Alert(kind="q_rising", reason="r", step=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        alert.step = 2  # type: ignore[misc]


# --- a tiny training loop ----------------------------------------------------------------------


def _train(aliased: bool, updates: int = 300, gamma: float = 0.99) -> HealthMonitor:
    """Q-learning on random transitions, rewards in [0, 1), bootstrapping from the online network or a synced copy."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    online = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    target = online if aliased else copy.deepcopy(online)  # noqa: DQN001  (the bug under test)
    monitor = HealthMonitor(gamma, window=100, rising_windows=5)  # r_max from the rewards fed
    states = torch.randn(256, 4, generator=generator)
    for step in range(updates):
        index = torch.randint(0, 256, (32,), generator=generator)
        actions = torch.randint(0, 2, (32,), generator=generator)
        rewards = torch.rand(32, generator=generator)
        terminated = (torch.rand(32, generator=generator) < 0.05).float()
        q = online(states[index]).gather(1, actions[:, None]).squeeze(1)
        with torch.no_grad():
            y = rewards + gamma * (1 - terminated) * target(states[(index + 1) % 256]).max(dim=1).values
        online.zero_grad()
        torch.nn.functional.mse_loss(q, y).backward()
        with torch.no_grad():  # plain SGD; torch.optim's first step costs seconds of imports
            for parameter in online.parameters():
                parameter -= 0.05 * parameter.grad
        if step % 50 == 49 and not aliased:
            target.load_state_dict(online.state_dict())
        monitor.update(q, y, step=step, reward=rewards, terminated=terminated)
    return monitor


def test_monitor_flags_a_run_whose_target_is_the_online_network_and_not_a_run_with_a_copy():
    torch.set_num_threads(1)
    aliased, correct = _train(aliased=True), _train(aliased=False)
    assert aliased.diverged
    assert {"soft_divergence", "non_finite"} <= {alert.kind for alert in aliased.alerts}
    assert correct.alerts == [] and not correct.diverged


# --- log_health --------------------------------------------------------------------------------


def test_log_health_matches_the_seed_format(capsys):
    td = torch.tensor([0.5, -0.25, 1.0, 0.125])
    q_abs = 12.3456
    step = 123
    seed_line = f"[dbg] step={step} td_mean={td.mean():+.3f} td_std={td.std():.3f} |Q|={q_abs:.2f}"
    assert log_health(step, td, q_abs) == seed_line == "[dbg] step=123 td_mean=+0.344 td_std=0.534 |Q|=12.35"
    assert capsys.readouterr().out == seed_line + "\n"


def test_log_health_adds_the_current_epsilon_and_extras():
    out = io.StringIO()
    td, q_abs = torch.tensor([-1.0, -3.0]), torch.tensor(2.0)
    line = log_health(7, td, q_abs, epsilon=0.05, file=out, loss=0.5, episode=3)
    assert line == "[dbg] step=7 td_mean=-2.000 td_std=1.414 |Q|=2.00 eps=0.050 loss=0.500 episode=3"
    assert out.getvalue() == line + "\n"


def test_log_health_accepts_the_statistics_of_a_monitor():
    stats = HealthMonitor(0.9).update(torch.tensor([1.0, -3.0]), torch.tensor([2.0, -1.0]), epsilon=0.1)
    line = log_health(5, stats, file=io.StringIO())
    assert line == "[dbg] step=5 td_mean=+1.500 td_std=0.707 |Q|=2.00 eps=0.100 q_abs_max=3.000"


def test_log_health_leaves_out_what_it_was_not_given():
    assert log_health(1, file=io.StringIO()) == "[dbg] step=1"
    assert log_health(1, q_abs=3.0, file=io.StringIO()) == "[dbg] step=1 |Q|=3.00"
