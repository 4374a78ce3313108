"""Smoke tests for the DQN fixture programs under fixtures/.

Every fixture runs for a few hundred steps in a subprocess and must exit 0; the reference agent's
`train()` must return the documented metrics; each buggy twin must differ from the reference only in
the few lines of its bug, including its `# expect: DQN00N` line. Learning itself is verified by hand
(see fixtures/README.md), not here.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dqn_lint.registry import all_rules

torch = pytest.importorskip("torch")
pytest.importorskip("gymnasium")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REFERENCE = FIXTURES / "reference_dqn.py"
TWINS = sorted((FIXTURES / "twins").glob("dqn*.py"))
CORRECT = sorted((FIXTURES / "correct").glob("*.py"))
EXPECT = re.compile(r"#\s*expect:\s*(DQN\d{3})\b")

SMALL_REFERENCE_ARGS = ["--steps", "400", "--learning-starts", "100", "--train-freq", "50",
                        "--gradient-steps", "4", "--eval-every", "200", "--eval-episodes", "1"]
METRIC_LISTS = ("step", "eval_return", "q_abs", "td_error_mean", "td_error_std", "epsilon")


def _args_for(path: Path) -> list[str]:
    if path == REFERENCE or path.parent.name == "twins":
        return SMALL_REFERENCE_ARGS
    args = ["--steps", "400"]
    if "--learning-starts" in path.read_text():
        args += ["--learning-starts", "100"]
    return args


def _run(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(path), *_args_for(path)], capture_output=True, text=True,
                          timeout=120, cwd=FIXTURES.parent)


ALL_PROGRAMS = [REFERENCE, *TWINS, *CORRECT]


@pytest.fixture(scope="module")
def runs() -> dict[Path, subprocess.CompletedProcess]:
    # Two at a time: the machine has two cores and each program uses one thread.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ALL_PROGRAMS, pool.map(_run, ALL_PROGRAMS)))


def test_fixture_sets_are_complete():
    assert [p.stem for p in TWINS] == sorted(rule.experiment.twin for rule in all_rules() if rule.experiment)
    assert {p.stem for p in CORRECT} >= {
        "agent_class_learn", "pytorch_tutorial_style", "vectorised_env", "double_dqn",
        "sb3_style_timeouts", "functional_helpers", "done_only_for_reset"}


@pytest.mark.parametrize("path", ALL_PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_program_runs(path, runs):
    result = runs[path]
    assert result.returncode == 0, f"{path.name} failed:\n{result.stderr[-3000:]}"


@pytest.mark.parametrize("path", [REFERENCE, *TWINS], ids=lambda p: p.name)
def test_reference_style_progress_lines(path, runs):
    out = runs[path].stdout
    assert len(re.findall(r"^step=\s*\d+ eval_return=", out, re.M)) == 2  # evals at 200 and 400
    assert "final_eval_return=" in out


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.name)
def test_correct_programs_have_no_expect_markers(path):
    assert not EXPECT.search(path.read_text())
    assert not EXPECT.search(REFERENCE.read_text())


def _load_reference():
    spec = importlib.util.spec_from_file_location("reference_dqn_fixture", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_reference_train_returns_documented_metrics():
    ref = _load_reference()
    threads = torch.get_num_threads()
    try:
        cfg = ref.Config(seeds=2, total_steps=300, learning_starts=100, train_freq=50, gradient_steps=4,
                         eval_every=150, eval_episodes=1, time_limit=50, quiet=True)
        metrics = ref.train(cfg)
    finally:
        torch.set_num_threads(threads)
    for key in METRIC_LISTS:
        assert len(metrics[key]) == 2, key
    assert metrics["step"] == [150, 300]
    for key in ("eval_return", "q_abs", "td_error_mean", "td_error_std"):
        assert all(len(per_seed) == 2 for per_seed in metrics[key]), f"{key}: one value per seed"
    assert metrics["final_eval_return"] == metrics["eval_return"][-1]
    assert all(0 < r <= 50 for r in metrics["final_eval_return"])  # time_limit reaches the eval envs
    assert all(q > 0 for q in metrics["q_abs"][-1]) and all(s >= 0 for s in metrics["td_error_std"][-1])
    assert 0 < metrics["epsilon"][-1] <= 1


def _code_lines(path: Path) -> list[str]:
    """The file's lines after its module docstring (which names the twin's bug)."""
    text = path.read_text()
    tree = ast.parse(text)
    first = tree.body[0]
    start = first.end_lineno if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) else 0
    return text.splitlines()[start:]


@pytest.mark.parametrize("path", TWINS, ids=lambda p: p.name)
def test_twin_differs_from_reference_only_at_its_bug(path):
    code = path.name[:6].upper()
    lines = _code_lines(path)
    markers = [(i, m.group(1)) for i, line in enumerate(lines) if (m := EXPECT.search(line))]
    assert [c for _, c in markers] == [code], f"{path.name} must carry exactly one `# expect: {code}`"

    diff = [d for d in difflib.ndiff(_code_lines(REFERENCE), lines) if d[:2] in ("- ", "+ ")]
    assert 1 <= len(diff) <= 6, "\n".join(diff)
    assert any(d.startswith("+ ") and EXPECT.search(d) for d in diff), "the expect line must be a changed line"
