"""`dqn-lint verify` and `check --verify` end to end on a tiny budget, and their error paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gymnasium")
pytest.importorskip("scipy")

from dqn_lint import registry  # noqa: E402
from dqn_lint.cli import main  # noqa: E402
from dqn_lint.verify import cache  # noqa: E402
from dqn_lint.verify.command import Plan, cache_key  # noqa: E402
from dqn_lint.verify.evidence import Evidence, LintCheck, judge  # noqa: E402
from dqn_lint.verify.runner import Settings  # noqa: E402

TWINS = Path(__file__).resolve().parent.parent / "fixtures" / "twins"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def tiny_verify(tmp_path_factory):
    """One real run of two rules at a few hundred steps, in a subprocess as a user runs it."""
    folder = tmp_path_factory.mktemp("verify")
    env = {**os.environ, cache.CACHE_ENV: str(folder / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "dqn_lint", "verify", "DQN002", "DQN004", "--steps", "600", "--seeds", "2",
         "--jobs", "2", "--json", str(folder / "evidence.json"), "--plot", str(folder / "plots")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    return result, folder


def test_verify_prints_a_table_row_per_measure_and_a_verdict_per_rule(tiny_verify):
    result, _ = tiny_verify
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    for text in ("TD target requires", "ms per update", "terminal transitions", "eval return"):
        assert text in result.stdout
    assert "DQN002 td-target-requires-grad: " in result.stdout
    assert "DQN004 missing-terminal-mask: " in result.stdout


def test_verify_writes_the_evidence_record_with_mechanism_measures_and_verdict(tiny_verify):
    _, folder = tiny_verify
    record = json.loads((folder / "evidence.json").read_text())
    assert [item["rule"] for item in record["evidence"]] == ["DQN002", "DQN004"]
    dqn002, dqn004 = record["evidence"]
    assert dqn002["lint"] == {"rule": "DQN002", "twin_codes": ["DQN002"], "reference_codes": [], "holds": True}
    assert all(check["holds"] for check in dqn002["mechanism"])  # seen even on a tiny run
    assert dqn004["mechanism"][0]["probe"] == "terminal_bootstraps" and dqn004["mechanism"][0]["holds"]
    assert dqn002["settings"]["steps"] == 600 and dqn002["settings"]["seeds"] == 2
    assert dqn002["verdict"] in ("confirmed", "not confirmed at this budget") and dqn002["reason"]
    measure = dqn004["measures"][0]
    assert measure["measure"]["key"] == "final_return" and measure["comparison"]["twin"]["n"] == 2
    assert dqn002["details"]["twin_autograd_bytes_per_update"] > dqn002["details"]["reference_autograd_bytes_per_update"]


def test_verify_writes_one_png_per_rule(tiny_verify):
    _, folder = tiny_verify
    for code in ("DQN002", "DQN004"):
        assert (folder / "plots" / f"{code}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_verify_fills_the_evidence_cache_that_check_reads(tiny_verify):
    _, folder = tiny_verify
    assert len(list((folder / "cache" / "evidence").glob("*.json"))) == 2


def _fake_evidence(code: str) -> Evidence:
    rule = registry.rule_by_code(code)
    samples = {"final_return": [500.0, 490.0, 480.0, 495.0, 500.0], "q_abs": [50.0] * 5, "td_std": [1.0] * 5,
               "q_before_truncation": [90.0] * 5, "q_bias_at_cut": [5.0] * 5, "update_ms": [1.0] * 5}
    twin_samples = {**samples, "final_return": [14.0, 12.0, 20.0, 9.0, 11.0]}
    probes = dict.fromkeys(rule.experiment.mechanism, False)
    reference = {"probes": probes, "samples": samples, "details": {}, "diverged": [False] * 5}
    twin = {"probes": dict.fromkeys(probes, True), "samples": twin_samples, "details": {}, "diverged": [False] * 5}
    return judge(code, rule.name, rule.experiment, LintCheck(code, (code,), ()), reference, twin,
                 "CartPole-v1", asdict(Settings()), "test")


def test_check_verify_attaches_cached_evidence_to_each_finding(capsys):
    rule = registry.rule_by_code("DQN004")
    evidence = _fake_evidence("DQN004")
    assert evidence.verdict == "confirmed"
    cache.store(cache_key(Plan(rule, Settings())), evidence)
    twin = str(TWINS / "dqn004_missing_terminal_mask.py")

    assert main(["check", twin, "--verify"]) == 1
    out = capsys.readouterr().out
    assert "= evidence: confirmed on CartPole-v1, 5 seeds: eval return 493 ± " in out
    assert "-> 13 ± " in out

    assert main(["check", twin, "--verify", "--output-format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["evidence"]["verdict"] == "confirmed" and finding["evidence"]["rule"] == "DQN004"


def test_evidence_round_trips_through_json_with_diverged_runs():
    evidence = _fake_evidence("DQN001")
    raw = json.loads(json.dumps(evidence.to_json()))
    assert Evidence.from_json(raw) == evidence
    diverged = judge("DQN001", "target-aliases-online", registry.rule_by_code("DQN001").experiment,
                     LintCheck("DQN001", ("DQN001",), ()),
                     {"probes": {"shared_storage": False}, "samples": {"final_return": [500.0] * 3,
                      "q_abs": [50.0] * 3, "td_std": [1.0] * 3}},
                     {"probes": {"shared_storage": True}, "samples": {"final_return": [9.0] * 3,
                      "q_abs": [float("inf"), float("nan"), 1e4], "td_std": [float("inf")] * 3}},
                     "CartPole-v1", {"seeds": 3}, "test")
    text = json.dumps(diverged.to_json(), allow_nan=False)  # strict JSON: no NaN or Infinity tokens
    assert Evidence.from_json(json.loads(text)).measures[1].comparison.twin.diverged == 2


def test_a_corrupt_cache_entry_counts_as_missing(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "abc.json").write_text("{not json")
    assert cache.load("abc", tmp_path) is None


def test_unknown_or_unverifiable_codes_are_one_line_errors(capsys):
    assert main(["verify", "DQN999"]) == 2
    assert main(["verify", "--steps", "10"]) == 2
    assert main(["verify", "--env", "Pong-v5"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule code 'DQN999'" in err and "10 is less than 200" in err and "Traceback" not in err


def test_a_missing_extra_names_the_install_command(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def without_scipy(name, *args, **kwargs):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("No module named 'scipy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_scipy)
    monkeypatch.delitem(sys.modules, "scipy", raising=False)
    assert main(["verify", "DQN004", "--steps", "200", "--seeds", "1"]) == 2
    assert "pip install 'dqn-lint[verify]'" in capsys.readouterr().err


def test_a_missing_environment_dependency_is_a_message_not_a_traceback(capsys):
    pytest.importorskip("gymnasium")
    try:
        import Box2D  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("Box2D is installed here")
    assert main(["verify", "DQN004", "--env", "LunarLander-v3", "--steps", "200", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert "LunarLander-v3 cannot be created" in err and "box2d" in err and "Traceback" not in err


def test_ctrl_c_stops_training_cleanly_with_exit_130(tmp_path):
    env = {**os.environ, cache.CACHE_ENV: str(tmp_path / "cache")}
    # A test run started in the background inherits an ignored SIGINT; the user's terminal does not.
    process = subprocess.Popen([sys.executable, "-m", "dqn_lint", "verify", "DQN004", "--steps", "50000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(6)  # the workers are spawned and training
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not list((tmp_path / "cache").glob("evidence/*.json"))  # nothing half-measured is cached
