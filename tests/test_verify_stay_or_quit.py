"""DQN003's return experiment: the StayOrQuit env, the return without the time limit, and the plan
that trains DQN003 there by default (CartPole with `--env`)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")
np = pytest.importorskip("numpy")

from dqn_lint import registry  # noqa: E402
from dqn_lint.verify.command import plan  # noqa: E402
from dqn_lint.verify.continuation import bias_at, returns_without_limit  # noqa: E402
from dqn_lint.verify.probes import Recorder  # noqa: E402
from dqn_lint.verify.runner import Settings, Task, register_fixture_envs, train  # noqa: E402

ENV_ID = "DQNLint/StayOrQuit-v0"
STAYING = np.array([0.0, 1.0], dtype=np.float32)


class _Always(torch.nn.Module):
    """A policy that always takes `action`; every Q-value of that action is `value`."""

    def __init__(self, action: int, value: float = 1.0):
        super().__init__()
        self.action, self.value = action, value

    def forward(self, x):
        return torch.nn.functional.one_hot(torch.full(x.shape[:-1], self.action), 2).float() * self.value


def test_staying_pays_one_per_step_quitting_pays_once_and_the_limit_cuts_at_five():
    register_fixture_envs()
    env = gym.make(ENV_ID)
    assert env.spec.max_episode_steps == 5
    obs, _ = env.reset(seed=0)
    assert obs.tolist() == [1.0, 0.0]
    assert env.step(1)[1:4] == (75.0, True, False)  # quit: the lump sum, a real end
    env.reset()
    steps = [env.step(action)[1:4] for action in (0, 1, 1, 0, 1)]  # once staying, quitting is no longer possible
    assert steps[:4] == [(1.0, False, False)] * 4 and steps[4] == (1.0, False, True)  # the fifth step is cut


def test_the_return_without_the_limit_is_what_staying_or_quitting_earns_in_the_task():
    stay = returns_without_limit(_Always(0), ENV_ID, 0.99, seeds=2, episodes=3, seed=0)
    quit_ = returns_without_limit(_Always(1), ENV_ID, 0.99, seeds=2, episodes=3, seed=0)
    assert stay == [pytest.approx(99.0, abs=0.01)] * 2  # 1 per step to the horizon, uncut
    assert quit_ == [75.0, 75.0]


def test_the_bias_at_a_cut_state_compares_q_with_what_staying_earns():
    # Q of 61 for staying (the twin's value after 50k steps) where staying earns 99: 38 low
    assert bias_at(_Always(0, 61.0), [[STAYING]], ENV_ID, 0.99) == [pytest.approx(61.0 - 99.0, abs=0.01)]


def _recorder_returns(time_limit):
    class Cfg:
        seeds, total_steps, env_id, gamma, eval_episodes, seed = 2, 100, ENV_ID, 0.99, 2, 0

    Cfg.time_limit = time_limit
    recorder = Recorder()
    recorder.start(Cfg(), online=_Always(1))
    recorder.close()
    return recorder.summary()["samples"]["return_without_limit"]


def test_the_recorder_measures_the_return_without_limit_only_for_a_run_that_set_its_time_limit():
    assert _recorder_returns(5) == [75.0, 75.0]
    assert _recorder_returns(None) == []  # a run at the env's own limit pays for no rollouts


def test_dqn003_trains_on_stay_or_quit_by_default_and_on_the_named_env_with_its_own_limit():
    dqn003, dqn004 = registry.rule_by_code("DQN003"), registry.rule_by_code("DQN004")
    default = plan([dqn003, dqn004], Settings(), time_limit_given=False)
    assert [(item.settings.env_id, item.settings.time_limit) for item in default] == [(ENV_ID, 5), ("CartPole-v1", None)]
    named = plan([dqn003, dqn004], Settings(env_id="CartPole-v1"), time_limit_given=False, env_given=True)
    assert [(item.settings.env_id, item.settings.time_limit) for item in named] == [("CartPole-v1", 100), ("CartPole-v1", None)]


@pytest.mark.parametrize("program", ["reference_dqn", "dqn003_truncation_as_termination"])
def test_a_short_run_on_stay_or_quit_records_the_cuts_and_both_measures(program):
    run = train(Task(program, Settings(env_id=ENV_ID, seeds=2, steps=1500, time_limit=5)))
    assert run["details"]["truncations"] > 0
    assert run["probes"]["truncation_stored_as_terminal"] is (program != "reference_dqn")
    returns = run["samples"]["return_without_limit"]
    # whatever it learned in 1500 steps, the greedy policy either quits (75) or stays (99)
    assert len(returns) == 2 and all(r == pytest.approx(75.0) or r == pytest.approx(99.0, abs=0.01) for r in returns)
    assert all(math.isfinite(bias) for bias in run["samples"]["q_bias_at_cut"])
