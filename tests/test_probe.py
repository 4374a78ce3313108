"""`dqn-lint probe`: the user's script runs briefly, with the findings' expressions watched.

End to end on the twins (each probed finding confirmed), the reference (nothing to probe), a
script whose finding holds only on another path (contradicted in this run, confirmed with the
argument that takes it), a script that crashes, a budget that ends before the site runs, scripts
in other styles (CleanRL with a vector env, old gym with an env of its own) and findings whose
probe cannot read its value; then the rewrite, the plan and the autoreset watch on their own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dqn_lint.diagnostics import Finding, Position, Related, Severity, Span
from dqn_lint.experiment import Observation, ProbeSite, RuntimeProbe
from dqn_lint.probe.plan import plan
from dqn_lint.probe.rewrite import PROBE_NAME, rewrite
from dqn_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
TWINS = ROOT / "fixtures" / "twins"
FAST = ["--", "--seeds", "1", "--learning-starts", "200"]  # the twins' own arguments: a short warm-up
# a time limit short enough that episodes are cut within the update budget
TWIN_ARGS = {"DQN003": ["--time-limit", "20"]}
PROBED_TWINS = sorted(rule.code for rule in all_rules() if rule.runtime_probe is not None and rule.experiment)


def probe(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dqn_lint", "probe", "--quiet", *args], cwd=folder, capture_output=True, text=True,
        timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def probed_findings(folder: Path, *args: str, returncode: int = 0) -> list[dict]:
    """Probe with a JSON record, check the exit code, and return the record's findings."""
    result = probe(folder, "--json", "verdicts.json", *args)
    assert result.returncode == returncode, result.stdout + result.stderr
    return json.loads((folder / "verdicts.json").read_text())["findings"]


def _twin(code: str) -> Path:
    [path] = [path for path in TWINS.glob("dqn*.py") if path.stem.upper().startswith(code)]
    return path


@pytest.mark.parametrize("code", PROBED_TWINS)
def test_each_twin_s_finding_is_confirmed_at_run_time(code, tmp_path):
    """Every rule with a run-time probe: its twin's finding holds in the twin's own run."""
    shutil.copy(_twin(code), tmp_path / "train.py")
    result = probe(tmp_path, "--updates", "20", "--json", "verdicts.json", "train.py", *FAST, *TWIN_ARGS.get(code, []))
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "verdicts.json").read_text())
    assert [(f["code"], f["verdict"]) for f in document["findings"]] == [(code, "confirmed at run time")]
    assert document["run"]["status"] == "budget" and document["run"]["updates"] == 20
    assert f"{code} confirmed at run time:" in result.stdout


def test_the_reference_agent_has_nothing_to_probe(tmp_path):
    shutil.copy(ROOT / "fixtures" / "reference_dqn.py", tmp_path / "train.py")
    result = probe(tmp_path, "train.py")
    assert result.returncode == 0
    assert result.stdout.startswith("nothing to probe:")


BRANCH = """
import argparse

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--no-target", action="store_true")
parser.add_argument("--crash-at", type=int, default=0)
args = parser.parse_args()
env = gym.make("CartPole-v1")
q_net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
target.load_state_dict(q_net.state_dict())
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
memory = []
obs, _ = env.reset(seed=0)
for step in range(100_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    memory.append((obs, action, reward, next_obs, terminated))
    obs = next_obs if not (terminated or truncated) else env.reset()[0]
    if len(memory) >= 64:
        if args.crash_at and len(memory) >= args.crash_at:
            raise RuntimeError("the script's own bug")
        batch = [memory[i] for i in np.random.randint(len(memory), size=64)]
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*batch))
        with torch.no_grad():
            bootstrap_net = q_net if args.no_target else target
            y = r + 0.99 * bootstrap_net(s2).max(1).values * (1 - d)
        q = q_net(s).gather(1, a.long()[:, None]).squeeze(1)
        loss = F.mse_loss(q, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 500 == 0:
            target.load_state_dict(q_net.state_dict())
"""


@pytest.fixture
def branch(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(BRANCH)
    return tmp_path


def test_a_finding_the_run_does_not_bear_out_is_contradicted_and_the_other_path_confirms_it(branch):
    not_taken = probe(branch, "--updates", "10", "train.py")
    assert not_taken.returncode == 1
    assert "DQN001 contradicted:" in not_taken.stdout and "false positive of dqn-lint" in not_taken.stdout
    taken = probe(branch, "--updates", "10", "train.py", "--", "--no-target")
    assert taken.returncode == 0 and "DQN001 confirmed at run time:" in taken.stdout


def test_a_script_that_crashes_is_reported_with_its_own_traceback(branch):
    result = probe(branch, "--updates", "500", "train.py", "--", "--no-target", "--crash-at", "80")
    assert "RuntimeError: the script's own bug" in result.stderr
    assert 'File "' in result.stderr and "dqn_lint/probe/child.py" not in result.stderr
    assert "(the script raised an error (its traceback is above))" in result.stdout
    assert "DQN001 confirmed at run time:" in result.stdout  # what the probe saw before the crash


def test_a_script_that_swallows_the_time_budget_s_interrupt_is_still_stopped_at_it(tmp_path):
    """A script that catches KeyboardInterrupt to save a checkpoint and goes on: the run ends
    `STOP_GRACE_SECONDS` after the budget, with its record, not at the parent's last-resort timeout."""
    never = BRANCH.replace("if len(memory) >= 64:", "if len(memory) >= 10**12:").replace("range(100_000)", "range(10**12)")
    head, loop = never.split("for step in range(10**12):", 1)
    stubborn = (
        head
        + "while True:\n    try:\n"
        + textwrap.indent("for step in range(10**12):" + loop, "        ")
        + "    except KeyboardInterrupt:\n        print('saving a checkpoint, going on')\n"
    )
    (tmp_path / "train.py").write_text(stubborn)
    result = probe(tmp_path, "--seconds", "2", "train.py", "--", "--no-target")
    assert result.returncode == 1, result.stderr
    assert "DQN001 not reached: the watched expression never ran" in result.stdout
    assert "(stopped at the time budget)" in result.stdout


def test_a_site_the_time_budget_ends_before_is_not_reached(tmp_path):
    never = BRANCH.replace("if len(memory) >= 64:", "if len(memory) >= 10**12:").replace("range(100_000)", "range(10**12)")
    (tmp_path / "train.py").write_text(never)
    result = probe(tmp_path, "--seconds", "3", "train.py", "--", "--no-target")
    assert result.returncode == 1
    assert "DQN001 not reached: the watched expression never ran" in result.stdout
    assert "(stopped at the time budget)" in result.stdout


def test_the_seed_script_s_own_flag_bug_shows_at_run_time(tmp_path):
    """The seed's `--bug off` still runs the buggy branch (`if args.bug:` on the string "off"):
    the probe confirms the bootstrap from the trained network, with gradient and without a mask,
    and the fixed branch's bootstrap (DQN001's site) is never reached."""
    shutil.copy(ROOT / "benchmarks" / "seed" / "dqn_pitfalls.py", tmp_path / "dqn_pitfalls.py")
    result = probe(tmp_path, "--updates", "30", "--json", "v.json", "dqn_pitfalls.py", "--", "--bug", "off")
    verdicts = {f["code"]: f["verdict"] for f in json.loads((tmp_path / "v.json").read_text())["findings"]}
    assert verdicts == {"DQN001": "not reached", "DQN002": "confirmed at run time", "DQN004": "confirmed at run time",
                        "DQN005": "confirmed at run time"}
    assert result.returncode == 1


def test_the_tutorial_style_loop_s_grad_is_confirmed_and_a_time_limit_never_reached(tmp_path):
    """The PyTorch tutorial's loop (the correct fixture) as people adapt it: the bootstrap pass
    without `torch.no_grad()` (DQN002 confirmed) and `if done: next_state = None` (DQN003: the
    flag is made every step, but CartPole's 500-step limit never cuts an episode that early)."""
    correct = (ROOT / "fixtures" / "correct" / "pytorch_tutorial_style.py").read_text()
    adapted = correct.replace(
        "    with torch.no_grad():\n        next_state_values[non_final_mask] = target_net(",
        "    next_state_values[non_final_mask] = target_net(",
    ).replace("        if terminated:\n            next_state = None", "        if done:\n            next_state = None")
    assert adapted.count("\n") == correct.count("\n") - 1 and "if done:\n            next_state = None" in adapted
    (tmp_path / "train.py").write_text(adapted)
    result = probe(tmp_path, "--updates", "30", "train.py")
    assert result.returncode == 1
    assert "DQN002 confirmed at run time: the value required grad in 30 of 30 evaluations" in result.stdout
    assert "DQN003 not reached: no time limit cut an episode" in result.stdout


SCRIPTS = Path(__file__).parent / "probe_scripts"


def test_a_cleanrl_style_script_with_a_vector_env_has_its_truncation_flag_confirmed(tmp_path):
    """One file, argparse, `if __name__ == "__main__":`, a gymnasium vector env with same-step
    autoreset and a 20-step time limit: the combined flag is set at the cuts."""
    shutil.copy(SCRIPTS / "cleanrl_style.py", tmp_path / "dqn.py")
    [finding] = probed_findings(tmp_path, "--updates", "40", "dqn.py")
    assert (finding["code"], finding["verdict"]) == ("DQN003", "confirmed at run time")
    assert "the flag was set as for a real end" in finding["detail"]
    assert "(closer to the ends and cuts together: the cuts reach the mask)" in finding["detail"]


def test_an_old_gym_script_with_its_own_four_tuple_env_is_probed(tmp_path):
    """Old gym's `obs, reward, done, info` from an env class of the script's own; the bootstrap
    runs with autograd and unmasked. The DQN002 verdict counts the parameter tensors its gradient
    reaches: the target network's four, none of which the optimizer steps."""
    shutil.copy(SCRIPTS / "old_gym_style.py", tmp_path / "agent.py")
    findings = probed_findings(tmp_path, "--updates", "30", "agent.py")
    assert sorted((f["code"], f["verdict"]) for f in findings) == [
        ("DQN002", "confirmed at run time"), ("DQN004", "confirmed at run time")]
    [grad] = [f for f in findings if f["code"] == "DQN002"]
    assert "its gradient reaches 4 parameter tensors, 0 of which an optimizer steps" in grad["detail"]


def test_an_optimizer_over_both_networks_is_confirmed_to_hold_the_target(tmp_path):
    """DQN010 has no twin to train: the reference agent with the target's parameters added to Adam."""
    reference = (ROOT / "fixtures" / "reference_dqn.py").read_text()
    both = reference.replace("torch.optim.Adam(online.parameters(),",
                             "torch.optim.Adam([*online.parameters(), *target.parameters()],")
    assert both != reference
    (tmp_path / "train.py").write_text(both)
    [finding] = probed_findings(tmp_path, "--updates", "10", "train.py", *FAST)
    assert (finding["code"], finding["verdict"]) == ("DQN010", "confirmed at run time")
    assert "an optimizer steps 6 of the network's 6 parameter tensors" in finding["detail"]


SWAPPED_SOFT_UPDATE = """
import copy

import torch
import torch.nn.functional as F

online = torch.nn.Linear(4, 2)
target = copy.deepcopy(online)
optimizer = torch.optim.Adam(online.parameters(), lr=1e-3)
tau = 0.005
for step in range(1000):
    s, a, r, s2, d = torch.randn(32, 4), torch.randint(0, 2, (32, 1)), torch.randn(32), torch.randn(32, 4), torch.zeros(32)
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + 0.99 * target(s2).max(1).values * (1 - d)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    for tp, p in zip(target.parameters(), online.parameters()):
        tp.data.copy_((1 - tau) * p.data + tau * tp.data)
"""


def test_a_probe_that_cannot_read_its_value_says_not_probed(tmp_path):
    """DQN007's probe reads the network a reversed sync writes into; a swapped soft update writes
    parameter tensors one by one, which it cannot read: not probed, never contradicted."""
    (tmp_path / "train.py").write_text(SWAPPED_SOFT_UPDATE)
    [finding] = probed_findings(tmp_path, "--updates", "5", "train.py", returncode=1)
    assert (finding["code"], finding["verdict"]) == ("DQN007", "not probed")
    assert finding["detail"] == "the watched value was a Tensor, which this probe cannot read"


def test_a_same_step_script_that_stores_the_reset_observation_is_confirmed(tmp_path):
    """The reference agent storing `next_obs` instead of the real last observation: DQN011's
    same-step finding, confirmed at the steps that end episodes."""
    reference = (ROOT / "fixtures" / "reference_dqn.py").read_text()
    unfixed = reference.replace("real_next_obs = final_observations(next_obs, infos)", "real_next_obs = next_obs")
    assert unfixed != reference
    (tmp_path / "train.py").write_text(unfixed)
    [finding] = probed_findings(tmp_path, "--updates", "20", "train.py", *FAST)
    assert (finding["code"], finding["verdict"]) == ("DQN011", "confirmed at run time")
    assert "in the step that ended it (SameStep autoreset)" in finding["detail"]


class _VectorEnv:
    def __init__(self, mode: str) -> None:
        from types import SimpleNamespace

        self.metadata = {"autoreset_mode": SimpleNamespace(value=mode)}


def _step(watch, env, obs, ended):
    import numpy as np

    ended = np.array(ended)
    watch.saw_step(env, (np.array(obs, dtype=np.float32), np.zeros(len(ended)), ended, np.zeros(len(ended), dtype=bool), {}))


@pytest.mark.parametrize("mode, stored_after_end, verdict", [
    # next-step: env 0 ends at the first step; the second step returns its reset observation [9, 9]
    ("NextStep", lambda obs, last: obs, (1, 0)),  # every env's next state stored: the reset one too
    ("NextStep", lambda obs, last: obs[1:], (0, 1)),  # the reset step of env 0 skipped
    # same-step: the step that ends env 0's episode returns its reset observation
    ("SameStep", lambda obs, last: obs, (1, 0)),
    ("SameStep", lambda obs, last: [last, *obs[1:]], (0, 1)),  # the real last observation put in
])
def test_the_reset_watch_judges_the_stored_next_states(mode, stored_after_end, verdict):
    import numpy as np

    from dqn_lint.probe.observe import ResetWatch, SiteRecord

    watch, env, record = ResetWatch(), _VectorEnv(mode), SiteRecord("stored_across_reset")
    start = [[0.0, 0.0], [1.0, 1.0]]
    _step(watch, env, start, [False, False])
    watch.saw_store(record, (np.array(start),))
    if mode == "NextStep":
        _step(watch, env, [[0.5, 0.5], [2.0, 2.0]], [True, False])  # env 0's real last state [0.5, 0.5]
        watch.saw_store(record, (np.array([[0.5, 0.5], [2.0, 2.0]]),))
        reset_step = [[9.0, 9.0], [3.0, 3.0]]
        _step(watch, env, reset_step, [False, False])
        watch.saw_store(record, (np.array(stored_after_end(reset_step, None)),))
    else:
        ending_step = [[9.0, 9.0], [2.0, 2.0]]  # env 0 reset in the step; its last state is in the infos
        _step(watch, env, ending_step, [True, False])
        watch.saw_store(record, (np.array(stored_after_end(ending_step, [0.5, 0.5])),))
    watch.close_window()
    assert (record.positive, record.negative) == verdict


def test_the_reset_watch_keeps_each_env_s_episode_ends_apart():
    """An evaluation env stepped between two training steps does not move the training env's
    reset step."""
    import numpy as np

    from dqn_lint.probe.observe import ResetWatch, SiteRecord

    watch, train, evaluation = ResetWatch(), _VectorEnv("NextStep"), _VectorEnv("NextStep")
    record = SiteRecord("stored_across_reset")
    _step(watch, train, [[0.5, 0.5], [2.0, 2.0]], [True, False])
    watch.saw_store(record, (np.array([[0.5, 0.5], [2.0, 2.0]]),))
    for _ in range(3):
        _step(watch, evaluation, [[7.0, 7.0]] * 4, [False] * 4)
    reset_step = [[9.0, 9.0], [3.0, 3.0]]
    _step(watch, train, reset_step, [False, False])
    watch.saw_store(record, (np.array(reset_step),))
    watch.close_window()
    assert (record.positive, record.negative) == (1, 0)


def test_the_reset_watch_does_not_judge_stores_of_something_else():
    """Normalised observations or features: no stored value is a state the env returned."""
    import numpy as np

    from dqn_lint.probe.observe import ResetWatch, SiteRecord

    watch, env, record = ResetWatch(), _VectorEnv("SameStep"), SiteRecord("stored_across_reset")
    _step(watch, env, [[9.0, 9.0], [2.0, 2.0]], [True, False])
    watch.saw_store(record, (np.array([[0.1, 0.2], [0.3, 0.4]]),))
    watch.close_window()
    assert (record.positive, record.negative) == (0, 0)


def test_a_script_in_another_encoding_is_planned_from_the_bytes_that_were_linted(tmp_path):
    """A latin-1 script (its cookie on line 1, a non-ASCII comment): linted, planned and rewritten
    from its own encoding."""
    twin = _twin("DQN002").read_text(encoding="utf-8")
    (tmp_path / "train.py").write_bytes(("# -*- coding: latin-1 -*-\n# caf\u00e9\n" + twin).encode("latin-1"))
    [finding] = probed_findings(tmp_path, "--updates", "5", "train.py", *FAST)
    assert (finding["code"], finding["verdict"]) == ("DQN002", "confirmed at run time")


def test_a_missing_script_is_a_usage_error(tmp_path):
    result = probe(tmp_path, "absent.py")
    assert result.returncode == 2 and result.stderr.startswith("dqn-lint: error: cannot probe absent.py")


# ---- the rewrite and the plan, alone ----------------------------------------------------------------
def test_the_rewrite_wraps_only_the_planned_expressions_and_keeps_the_rest():
    text = "y = r + gamma * (target(s2)).max(1).values  # keep me\nz = target(s2)\n"
    rewritten, found = rewrite(text, [(7, (1, 18), (1, 28))])  # `target(s2)`, without its parentheses
    assert found == [7]
    assert rewritten == f"y = r + gamma * ({PROBE_NAME}(7, target(s2))).max(1).values  # keep me\nz = target(s2)\n"
    seen = []
    namespace = {PROBE_NAME: lambda site, value: seen.append(site) or value, "r": 1, "gamma": 2,
                 "target": lambda s: type("V", (), {"max": lambda self, d: type("M", (), {"values": 3})()})(), "s2": 0}
    exec(rewritten, namespace)
    assert seen == [7] and namespace["y"] == 7


def test_two_sites_on_one_expression_both_watch_it():
    rewritten, found = rewrite("y = target(s2)\n", [(1, (1, 5), (1, 11)), (2, (1, 5), (1, 11))])
    assert found == [1, 2]
    assert rewritten == f"y = {PROBE_NAME}(2, {PROBE_NAME}(1, target))(s2)\n"


def _finding(code: str, span: Span, related=()) -> Finding:
    return Finding(code, "name", "message", Severity.ERROR, span, "train.py", related=tuple(related))


def test_the_plan_watches_the_expression_the_rule_names(tmp_path):
    source = textwrap.dedent(
        """\
        target = online
        y = r + target(s2).max(1).values
        optimizer.step()
        """
    )
    path = str(tmp_path / "train.py")
    Path(path).write_text(source)
    probes = {
        "A": RuntimeProbe(ProbeSite.RELATED_CALLEE, Observation.SHARES_TRAINED_STORAGE, ""),
        "B": RuntimeProbe(ProbeSite.RECEIVER, Observation.GRADIENTS_CLEARED, ""),
        "C": RuntimeProbe(ProbeSite.FINDING, Observation.REQUIRES_GRAD, ""),
    }
    call = Span(Position(2, 9), Position(2, 19))
    findings = [
        (_finding("A", Span(Position(1, 1), Position(1, 16)), [Related("bootstrap", call)]), path),
        (_finding("B", Span(Position(3, 1), Position(3, 17))), path),
        (_finding("C", Span(Position(1, 1), Position(1, 16))), path),  # a statement, not an expression
        (_finding("D", call), path),
    ]
    planned = plan(findings, probes.get, lambda p: Path(p).read_text())
    sites = [(item.site.start, item.site.end) if item.site else item.not_probed for item in planned]
    assert sites == [
        ((2, 9), (2, 15)),  # `target`, the network called at the related location
        ((3, 1), (3, 10)),  # `optimizer` of `optimizer.step()`
        "the site is not an expression the probe can wrap",
        "D has no run-time probe yet",
    ]


def test_the_plan_places_a_companion_reading_at_the_related_mask(tmp_path):
    """DQN003's probe reads the flag where it is made and, as its companion, the mask it reaches."""
    source = "done = terminated or truncated\ny = r + 0.99 * (1 - d) * q\n"
    path = str(tmp_path / "train.py")
    Path(path).write_text(source)
    probes = {"A": RuntimeProbe(ProbeSite.FINDING, Observation.TRUNCATION_IN_FLAG, "",
                                companion=(ProbeSite.RELATED, Observation.MASK_RATE))}
    mask = Span(Position(2, 17), Position(2, 22))  # `1 - d`, inside its parentheses
    [planned] = plan([(_finding("A", Span(Position(1, 8), Position(1, 31)), [Related("mask", mask)]), path)],
                     probes.get, lambda p: Path(p).read_text())
    assert (planned.site.start, planned.site.end, planned.site.observation) == ((1, 8), (1, 31), "truncation_in_flag")
    assert (planned.companion.start, planned.companion.end, planned.companion.observation) == ((2, 17), (2, 22), "mask_rate")
    assert planned.site.id != planned.companion.id


def test_the_mask_reading_compares_its_rate_with_the_env_s_ends_and_cuts():
    from dqn_lint.probe.verdict import verdict

    flag = {"observation": "truncation_in_flag", "hits": 10, "positive": 4, "negative": 0, "detail": {"cuts": 4}}
    run = {"updates": 10, "seconds": 1.0}

    def mask(terminal: int) -> dict:
        detail = {"entries": 1000, "terminal": terminal, "env_steps": 2000, "env_ends": 40, "env_cuts": 60}
        return {"observation": "mask_rate", "hits": 10, "positive": 0, "negative": 0, "detail": detail}

    with_cuts = verdict(flag, run, mask(50)).detail
    assert with_cuts.endswith("the mask marked 5.0% of 1000 sampled transitions terminal, against real ends at 2.0% "
                              "and time-limit cuts at 3.0% of 2000 env steps (closer to the ends and cuts together: "
                              "the cuts reach the mask)")
    assert verdict(flag, run, mask(21)).detail.endswith("(closer to the real ends alone)")
    assert verdict(flag, run, None).detail == verdict(flag, run).detail


AGENT = """
import numpy as np
import torch
import torch.nn.functional as F


class Agent:
    def __init__(self):
        self.q = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
        self.target = self.q
        self.optimizer = torch.optim.Adam(self.q.parameters(), lr=1e-3)
        self.memory = []

    def learn(self):
        batch = [self.memory[i] for i in np.random.randint(len(self.memory), size=32)]
        s, a, r, s2, d = (torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*batch))
        with torch.no_grad():
            y = r + 0.99 * self.target(s2).max(1).values * (1 - d)
        loss = F.mse_loss(self.q(s).gather(1, a.long()[:, None]).squeeze(1), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
"""
TRAIN = """
import gymnasium as gym

from agents.dqn import Agent

env = gym.make("CartPole-v1")
agent = Agent()
obs, _ = env.reset(seed=0)
for step in range(100_000):
    action = env.action_space.sample()
    next_obs, reward, terminated, truncated, _ = env.step(action)
    agent.memory.append((obs, action, reward, next_obs, terminated))
    obs = next_obs if not (terminated or truncated) else env.reset()[0]
    if len(agent.memory) >= 32:
        agent.learn()
"""


def test_a_finding_in_an_imported_module_of_a_package_is_probed_there(tmp_path):
    """The agent class lives in `agents/dqn.py`; the script, run as `-m train`, imports it: the
    module is imported from rewritten source and its finding confirmed."""
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "__init__.py").write_text("")
    (tmp_path / "agents" / "dqn.py").write_text(AGENT)
    (tmp_path / "train.py").write_text(TRAIN)
    for how in (["train.py"], ["-m", "train"]):
        result = probe(tmp_path, "--updates", "10", *how)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "agents/dqn.py:10:9: DQN001 confirmed at run time:" in result.stdout
