"""The verifier's probes: each detects its mechanism on hand-made tensors and on short fixture runs."""

from __future__ import annotations

import copy
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gymnasium")
np = pytest.importorskip("numpy")

from dqn_lint import registry  # noqa: E402
from dqn_lint.experiment import Probe  # noqa: E402
from dqn_lint.verify.probes import Recorder, gradient_reaches, saved_tensor_bytes, shares_storage  # noqa: E402
from dqn_lint.verify.runner import REFERENCE, Settings, Task, train  # noqa: E402


def _net() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def test_shared_storage_is_found_for_alias_shallow_copy_and_shared_submodule_but_not_deep_copy():
    online = _net()
    assert shares_storage(online, online)
    assert shares_storage(online, copy.copy(online))
    partly_shared = torch.nn.Sequential(online[0], torch.nn.ReLU(), torch.nn.Linear(8, 2))
    assert shares_storage(online, partly_shared)
    assert not shares_storage(online, copy.deepcopy(online))


def test_gradient_reaches_only_the_networks_the_target_was_computed_with():
    online, target = _net(), _net()
    x = torch.randn(3, 4)
    with torch.no_grad():
        frozen = target(x).max(dim=1).values
    assert gradient_reaches(frozen, (target, online)) == [False, False]
    live = target(x).max(dim=1).values
    assert gradient_reaches(live, (target, online)) == [True, False]
    from_online = online(x).max(dim=1).values
    assert gradient_reaches(from_online, (target, online)) == [False, True]


def test_saved_tensor_bytes_grow_when_the_target_pass_keeps_its_graph():
    online, target = _net(), _net()
    x = torch.randn(64, 4)
    params = {p.untyped_storage().data_ptr() for m in (online, target) for p in m.parameters()}
    with torch.no_grad():
        y = target(x).max(dim=1).values
    frozen = saved_tensor_bytes(((online(x).max(dim=1).values - y) ** 2).sum(), params)
    live = saved_tensor_bytes(((online(x).max(dim=1).values - target(x).max(dim=1).values) ** 2).sum(), params)
    assert 0 < frozen < live


class _Cfg:
    seeds, total_steps, time_limit = 2, 100, None


def _started_recorder() -> Recorder:
    recorder = Recorder()
    recorder.start(_Cfg(), online=torch.nn.Linear(4, 2))
    return recorder


def test_a_truncated_only_transition_stored_as_terminal_is_counted():
    recorder = _started_recorder()
    obs = np.zeros((2, 4), dtype=np.float32)
    recorder.step(10, obs=obs, terminated=np.array([False, True]), truncated=np.array([True, False]),
                  stored_terminal=torch.tensor([1.0, 1.0]))
    recorder.close()
    summary = recorder.summary()
    assert summary["probes"]["truncation_stored_as_terminal"]
    assert summary["details"]["truncations"] == 1  # the terminated seed is not a truncation


def test_a_truncation_stored_as_non_terminal_is_not_flagged():
    recorder = _started_recorder()
    recorder.step(10, obs=np.zeros((2, 4), dtype=np.float32), terminated=np.array([False, False]),
                  truncated=np.array([True, True]), stored_terminal=torch.tensor([0.0, 0.0]))
    recorder.close()
    assert not recorder.summary()["probes"]["truncation_stored_as_terminal"]


def _store(recorder: Recorder, step: int, obs, next_obs, terminated=(False, False), truncated=(False, False)) -> None:
    recorder.step(step, obs=np.asarray(obs, dtype=np.float32), terminated=np.array(terminated),
                  truncated=np.array(truncated), stored_terminal=torch.tensor([float(t) for t in terminated]),
                  stored_obs=torch.tensor(obs, dtype=torch.float32), stored_next_obs=torch.tensor(next_obs, dtype=torch.float32))


def test_a_stored_transition_from_the_state_an_episode_ended_in_is_counted():
    recorder = _started_recorder()
    _store(recorder, 1, [[0.0] * 4, [1.0] * 4], [[0.5] * 4, [2.0] * 4], terminated=(True, False))
    # next-step autoreset: env 0's next step starts where its episode ended
    _store(recorder, 2, [[0.5] * 4, [2.0] * 4], [[0.01] * 4, [3.0] * 4])
    recorder.close()
    summary = recorder.summary()
    assert summary["probes"]["autoreset_transition_stored"]
    assert summary["details"]["transitions_from_final_state"] == 1
    assert summary["details"]["episode_ends"] == 1


def test_a_transition_from_the_reset_state_after_an_episode_end_is_not_flagged():
    recorder = _started_recorder()
    _store(recorder, 1, [[0.0] * 4, [1.0] * 4], [[0.5] * 4, [2.0] * 4], truncated=(False, True))
    # same-step autoreset with the final observation stored: the next transition starts at the reset
    _store(recorder, 2, [[0.5] * 4, [0.02] * 4], [[0.6] * 4, [0.03] * 4])
    recorder.close()
    summary = recorder.summary()
    assert not summary["probes"]["autoreset_transition_stored"]
    assert summary["details"]["episode_ends"] == 1


def _update(recorder: Recorder, y: torch.Tensor, rewards: torch.Tensor, terminated: torch.Tensor,
            q_all: torch.Tensor | None = None) -> None:
    q_all = torch.ones(2, 3, 2) if q_all is None else q_all
    q = q_all[..., 0]
    recorder.update(90, online=recorder.online, q_all=q_all, q=q, y=y, loss=(q - y).pow(2).sum(),
                    rewards=rewards, next_obs=torch.zeros(2, 3, 4), terminated=terminated)


def test_a_terminal_transition_whose_target_is_not_its_reward_means_a_missing_mask():
    recorder = _started_recorder()
    rewards = torch.ones(2, 3)
    terminated = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    masked = rewards + 0.99 * (1 - terminated) * 5.0
    _update(recorder, masked, rewards, terminated)
    assert not recorder.probes[Probe.TERMINAL_BOOTSTRAPS]
    _update(recorder, rewards + 0.99 * 5.0, rewards, terminated)
    assert recorder.probes[Probe.TERMINAL_BOOTSTRAPS]
    recorder.close()


def test_non_finite_q_marks_only_that_seed_as_diverged():
    recorder = _started_recorder()
    q_all = torch.ones(2, 3, 2)
    q_all[1, 0, 0] = float("nan")
    _update(recorder, torch.ones(2, 3), torch.ones(2, 3), torch.zeros(2, 3), q_all=q_all)
    recorder.evaluate(100, [10.0, 9.0])
    recorder.close()
    summary = recorder.summary()
    assert summary["diverged"] == [False, True]
    assert math.isfinite(summary["curves"]["q_abs"][0][0]) and summary["curves"]["q_abs"][0][1] == math.inf
    assert summary["samples"]["q_abs"][1] == math.inf


# --- the probes on short runs of the real fixture programs -----------------------------------------

SHORT = Settings(seeds=2, steps=1500)
TWINS = {rule.code: rule.experiment.twin for rule in registry.all_rules() if rule.experiment}


@pytest.fixture(scope="module")
def reference_run() -> dict:
    return train(Task(REFERENCE, Settings(seeds=2, steps=1500, time_limit=20)))


def test_no_probe_fires_on_the_reference_agent(reference_run):
    assert not any(reference_run["probes"].values()), reference_run["probes"]
    assert reference_run["details"]["truncations"] > 0  # the short TimeLimit did cut episodes
    assert len(reference_run["samples"]["final_return"]) == 2


def test_a_short_run_measures_the_bias_at_its_cut_states(reference_run):
    biases = reference_run["samples"]["q_bias_at_cut"]
    # TimeLimit 20 cuts episodes in the late window (one seed or both, at this length)
    assert 1 <= len(biases) <= 2 and all(math.isfinite(bias) for bias in biases)


@pytest.mark.parametrize("code", sorted(TWINS))
def test_each_twin_shows_its_rules_mechanism(code):
    rule = registry.rule_by_code(code)
    time_limit = 20 if code == "DQN003" else None
    run = train(Task(TWINS[code], Settings(seeds=2, steps=1500, time_limit=time_limit)))
    fired = {probe for probe, value in run["probes"].items() if value}
    assert set(rule.experiment.mechanism) <= fired, (code, fired)
    assert len(run["curves"]["step"]) == 10 and all(len(row) == 2 for row in run["curves"]["eval_return"])


class _LeanPolicy(torch.nn.Module):
    """Pushes the cart toward the pole's lean (it balances CartPole); every Q-value is `value`."""

    def __init__(self, value: float = 50.0):
        super().__init__()
        self.value = value

    def forward(self, x):
        action = (x[..., 2] + 0.5 * x[..., 3] > 0).long()
        return torch.nn.functional.one_hot(action, 2).float() * self.value


def test_the_continuation_return_of_a_balancing_policy_reaches_the_horizon():
    from dqn_lint.verify.continuation import bias_at, continuation_returns, horizon

    upright = np.zeros((1, 2, 4), dtype=np.float32)
    returns = continuation_returns(_LeanPolicy(), upright, "CartPole-v1", 0.99)
    assert returns == pytest.approx((1 - 0.99 ** horizon(0.99)) / 0.01)  # every step rewarded, none terminal
    # Q of 50 where the policy earns 99: biased low by 49
    assert bias_at(_LeanPolicy(), [[upright[0, 0]]], "CartPole-v1", 0.99) == [pytest.approx(50 - returns[0, 0])]


def test_a_state_about_to_fail_earns_less_and_an_env_that_cannot_be_restored_gives_no_bias():
    from dqn_lint.verify.continuation import bias_at, continuation_returns

    falling = np.array([[[0.0, 0.0, 0.2, 2.0]]], dtype=np.float32)  # past saving: fails in a few steps
    assert continuation_returns(_LeanPolicy(), falling, "CartPole-v1", 0.99)[0, 0] < 10
    assert all(math.isnan(v) for v in bias_at(_LeanPolicy(), [[falling[0, 0]]], "Acrobot-v1", 0.99))
    assert all(math.isnan(v) for v in bias_at(_LeanPolicy(), [[], []], "CartPole-v1", 0.99))


def test_the_recorder_measures_the_bias_at_states_cut_late_in_training():
    class Cfg:
        seeds, total_steps, env_id, gamma, time_limit = 2, 100, "CartPole-v1", 0.99, None

    recorder = Recorder()
    recorder.start(Cfg(), online=_LeanPolicy(60.0))
    upright = np.zeros((2, 4), dtype=np.float32)
    for step, cut in ((10, (True, True)), (90, (True, False))):  # only step 90 is in the late window
        recorder.step(step, obs=upright, terminated=np.array([False, False]), truncated=np.array(cut),
                      stored_terminal=torch.tensor([0.0, 0.0]))
    recorder.close()
    (bias,) = recorder.summary()["samples"]["q_bias_at_cut"]  # seed 1 had no late cut: no sample
    assert bias == pytest.approx(60 - 99.0, abs=0.1)
