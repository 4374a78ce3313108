"""The crash sweep's fast subset: real library source, every rule on, no crash of ours; and the sweep
itself catches each kind of crash (a raising rule, an escaping exception, a dying worker, a fix that
breaks a file), so these tests can fail. The full sweep: `python benchmarks/crash_sweep.py`."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import crash_sweep  # noqa: E402

from dqn_lint import registry  # noqa: E402
from dqn_lint.diagnostics import Finding, Position, Severity, Span  # noqa: E402

DQN_PROGRAM = """\
import torch
import torch.nn.functional as F

def learn(online, target, optimizer, batch, gamma=0.99):
    s, a, r, s2, terminated = batch
    q = online(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values * (1 - terminated)
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def folder_package(root: Path, files: dict[str, str]) -> crash_sweep.Package:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return crash_sweep.Package(root.name, "test", root)


def kinds(report: crash_sweep.SweepReport) -> list[tuple[str, str]]:
    return sorted((crash["file"], crash["kind"]) for crash in report.crashes)


@pytest.mark.parametrize("name", crash_sweep.CI_PACKAGES)
def test_installed_library_source_is_linted_and_fixed_without_a_crash(name):
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed here (the full sweep covers it: benchmarks/crash_sweep.py)")
    package = crash_sweep.locate(name)
    report = crash_sweep.sweep([package], crash_sweep.Options(fix=True), jobs=2)
    swept = report.packages[0]
    assert swept.files > 0
    assert report.crashes == []
    assert report.cli["exit_code"] in (0, 1) and report.cli["matches_sweep"], report.cli


@pytest.mark.parametrize("name", crash_sweep.CI_PACKAGES)
def test_every_file_of_installed_library_source_is_analysed_without_a_crash(name):
    """Past the byte prefilter too: the parser, the program model and the rules on every file."""
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed here (the full sweep covers it: benchmarks/crash_sweep.py)")
    report = crash_sweep.sweep([crash_sweep.locate(name)], crash_sweep.Options(prefilter=False), jobs=2, cli=False)
    assert report.packages[0].parsed == report.packages[0].files > 0
    assert report.crashes == []


def test_the_bundled_buggy_programs_are_fixed_into_files_that_compile():
    twins = crash_sweep.Package("twins", "bundled", ROOT / "fixtures" / "twins")
    report = crash_sweep.sweep([twins], crash_sweep.Options(fix=True), jobs=0, cli=False)
    assert report.packages[0].fixed_files >= 2
    assert report.crashes == []


def test_a_syntax_error_cpython_also_rejects_is_not_a_crash(tmp_path):
    bad = DQN_PROGRAM.replace("def learn(", "def learn((")
    package = folder_package(tmp_path / "pkg", {"bad.py": bad, "good.py": DQN_PROGRAM})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert report.packages[0].findings_by_code == {"DQN900": 1}
    assert report.packages[0].dqn900_cpython_rejects_too == 1
    assert report.crashes == []


def test_a_file_beyond_the_nesting_limit_is_skipped_not_a_crash(tmp_path):
    deep = "import torch\ngamma = 0.99\nx = " + " + ".join(["a"] * 1500) + "\n"
    package = folder_package(tmp_path / "pkg", {"deep.py": deep})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert [skipped["file"] for skipped in report.packages[0].skipped] == ["pkg/deep.py"]
    assert report.crashes == []


def test_too_complex_on_a_small_shallow_file_is_counted_as_a_crash(tmp_path, monkeypatch):
    def recursion_reported_as_too_deep(source, filename, rules):
        where = Span(Position(1, 1), Position(1, 1))
        return [Finding("DQN903", "too-complex-to-check", "nested too deeply", Severity.ERROR, where, filename)]

    monkeypatch.setattr("dqn_lint.engine.lint_source", recursion_reported_as_too_deep)
    package = folder_package(tmp_path / "pkg", {"agent.py": DQN_PROGRAM})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert kinds(report) == [("pkg/agent.py", "DQN903 on a file within the limits")]


def test_a_rule_that_raises_is_counted_as_a_crash(tmp_path, monkeypatch):
    def broken_check(model):
        raise ValueError("boom")

    rules = tuple(
        rule if rule.code != "DQN004" else replace(rule, check=broken_check)
        for rule in registry.all_rules()
    )
    monkeypatch.setattr(registry, "all_rules", lambda: rules)
    package = folder_package(tmp_path / "pkg", {"agent.py": DQN_PROGRAM, "plain.py": "x = 1\n"})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert kinds(report) == [("pkg/agent.py", "DQN902")]


def test_an_exception_escaping_the_linter_is_counted_as_a_crash(tmp_path, monkeypatch):
    def raising(source, filename, rules):
        raise KeyError("escaped")

    monkeypatch.setattr("dqn_lint.engine.lint_source", raising)
    package = folder_package(tmp_path / "pkg", {"a.py": "x = 1\n"})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert kinds(report) == [("pkg/a.py", "exception")]


def test_a_parse_error_on_a_file_cpython_compiles_is_counted_as_a_crash(tmp_path, monkeypatch):
    def wrong_verdict(source, filename, rules):
        where = Span(Position(1, 1), Position(1, 1))
        return [Finding("DQN900", "parse-error", "syntax error", Severity.ERROR, where, filename)]

    monkeypatch.setattr("dqn_lint.engine.lint_source", wrong_verdict)
    package = folder_package(tmp_path / "pkg", {"a.py": "x = 1\n"})
    report = crash_sweep.sweep([package], jobs=0, cli=False)
    assert kinds(report) == [("pkg/a.py", "DQN900 on a file CPython compiles")]


def test_a_fix_that_breaks_the_file_is_counted_as_a_crash(tmp_path, monkeypatch):
    from dqn_lint.fixes.apply import FixOutcome

    def breaking_fix(source, filename, rules, allowed):
        return FixOutcome(source, source + b"\ndef (:\n")

    monkeypatch.setattr("dqn_lint.fixes.apply.fix_source", breaking_fix)
    package = folder_package(tmp_path / "pkg", {"agent.py": DQN_PROGRAM})
    report = crash_sweep.sweep([package], crash_sweep.Options(fix=True), jobs=0, cli=False)
    assert kinds(report) == [("pkg/agent.py", "fix: result does not compile")]


DYING_LINTER = """\
import os
import signal

from dqn_lint.engine import lint_source


def lint(source, filename, rules):
    if filename.endswith("dies.py"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return lint_source(source, filename, rules)
"""


def test_a_worker_that_dies_is_named_and_the_sweep_goes_on(tmp_path, monkeypatch):
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "dying_linter.py").write_text(DYING_LINTER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "helpers"))  # spawned workers get this sys.path
    files = {"a.py": DQN_PROGRAM, "dies.py": DQN_PROGRAM, "z.py": DQN_PROGRAM}
    package = folder_package(tmp_path / "pkg", files)
    report = crash_sweep.sweep([package], crash_sweep.Options(hook="dying_linter:lint"), jobs=2, chunk=2, cli=False)
    assert report.packages[0].files == 3
    assert [(c["file"], c["kind"], c["detail"]) for c in report.crashes] == [("pkg/dies.py", "process death", "exit code -11")]
