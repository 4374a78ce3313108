"""`check --fix`, `--unsafe-fixes`, `--diff` and `--fix-only` from the command line, and the
promise that a file is never damaged: refused fixes, read-only and vanished files are reported
and left as they were."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dqn_lint import registry
from dqn_lint.diagnostics import Applicability, Edit, Fix, Position, Severity, Span
from dqn_lint.fixes import run as fix_run
from dqn_lint.diagnostics import allowed_applicabilities
from dqn_lint.fixes.apply import fix_source
from dqn_lint.rule import Rule, RuleDocs

# A separate target network bootstrapped with autograd on (DQN002, a safe fix) in a TD target with
# no terminal mask (DQN004, an unsafe fix).
TWO_BUGS = """\
import copy
import torch
import torch.nn.functional as F

def learn(online, optimizer, batch, gamma=0.99):
    target = copy.deepcopy(online)
    s, a, r, s2, done = batch
    q = online(s).gather(1, a).squeeze(1)
    next_q = target(s2).max(1).values
    y = r + gamma * next_q
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

BOTH_FIXED = TWO_BUGS.replace(
    "    next_q = target(s2).max(1).values\n    y = r + gamma * next_q\n",
    "    with torch.no_grad():\n        next_q = target(s2).max(1).values\n        y = r + gamma * next_q * (1 - done)\n",
)


def test_diff_prints_the_change_writes_nothing_and_exits_1(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    before = path.stat().st_mtime_ns
    result = run_cli("check", "--diff", "--unsafe-fixes")
    assert result.returncode == 1
    assert result.stdout.startswith("--- train.py\n+++ train.py\n@@ ")
    assert "+    with torch.no_grad():\n" in result.stdout and "* (1 - done)\n" in result.stdout
    assert result.stderr == "Would fix 2 errors.\n"
    assert path.read_text() == TWO_BUGS and path.stat().st_mtime_ns == before


def test_diff_of_a_clean_file_is_empty_and_exits_0(run_cli, write, clean_program) -> None:
    write("train.py", clean_program)
    result = run_cli("check", "--diff")
    assert (result.returncode, result.stdout) == (0, "")


def test_fix_applies_only_safe_fixes_and_says_what_remains(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    result = run_cli("check", "--fix", "--output-format", "concise")
    assert result.returncode == 1
    assert "with torch.no_grad():" in path.read_text() and "(1 - done)" not in path.read_text()
    *findings, summary, hint = result.stdout.splitlines()
    assert [line.split()[1] for line in findings] == ["DQN004"]
    assert summary == "Found 1 error and 1 warning (1 fixed, 1 remaining)."
    assert hint == "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."


def test_fix_with_unsafe_fixes_fixes_everything_and_exits_0(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    result = run_cli("check", "--fix", "--unsafe-fixes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.read_text() == BOTH_FIXED
    assert result.stdout == "Found 1 error and 1 warning (2 fixed, 0 remaining).\n"
    assert run_cli("check").returncode == 0


def test_unsafe_fixes_can_be_enabled_by_config_and_disabled_on_the_command_line(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    write("dqn-lint.toml", "unsafe-fixes = true\n")
    assert run_cli("check", "--diff").stderr == "Would fix 2 errors.\n"
    assert run_cli("check", "--diff", "--no-unsafe-fixes").stderr == "Would fix 1 error.\n"
    assert path.read_text() == TWO_BUGS


def test_fix_only_reports_the_count_and_exits_0_with_findings_left(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    result = run_cli("check", "--fix-only")
    assert (result.returncode, result.stdout) == (0, "Fixed 1 error.\n")
    assert "with torch.no_grad():" in path.read_text()
    assert run_cli("check", "--fix-only").stdout == "No errors fixed.\n"


def test_display_only_fixes_are_shown_and_never_applied(run_cli, write) -> None:
    source = TWO_BUGS.replace("target(s2)", "online(s2)").replace("    target = copy.deepcopy(online)\n", "")
    source = source.replace("    next_q = online(s2).max(1).values\n", "    with torch.no_grad():\n        next_q = online(s2).max(1).values\n")
    source = source.replace("r + gamma * next_q", "r + gamma * next_q * (1 - done)")
    path = write("train.py", source)
    result = run_cli("check", "--fix", "--unsafe-fixes")
    assert result.returncode == 1
    assert path.read_text() == source
    assert "DQN005" in result.stdout and "help: Create `target = copy.deepcopy(online)`" in result.stdout


def test_json_output_after_fix_lists_what_remains_with_its_fix(run_cli, write) -> None:
    import json

    write("train.py", TWO_BUGS)
    result = run_cli("check", "--fix", "--output-format", "json")
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "DQN004"
    assert finding["fix"]["applicability"] == "unsafe"
    [edit] = finding["fix"]["edits"]
    assert edit["content"] == " * (1 - done)"
    assert edit["location"] == edit["end_location"]  # an insertion


def test_a_read_only_file_is_reported_and_left_untouched(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS)
    path.chmod(0o444)
    result = run_cli("check", "--fix", "--unsafe-fixes")
    assert result.returncode == 2
    assert "dqn-lint: error: train.py: the file is read-only" in result.stderr
    assert path.read_text() == TWO_BUGS and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert "DQN002" in result.stdout and "DQN004" in result.stdout  # still reported, not fixed
    assert sorted(os.listdir(path.parent)) == ["train.py"]


def test_a_file_that_cannot_be_written_keeps_its_cross_module_findings(tmp_path: Path, monkeypatch) -> None:
    """The flag is made in train.py and masks the target in agent.py: when writing train.py's fix
    fails, `fix_file` returns the file's findings as `check` sees them, with its project."""
    import shutil

    from dqn_lint.discovery import SourceFile
    from dqn_lint.fixes import writer
    from dqn_lint.linting import project_contexts

    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "projects" / "split_done_or", project)
    monkeypatch.chdir(project)
    rules = tuple(registry.all_rules())
    files = [SourceFile(name, name, name) for name in ("agent.py", "model.py", "replay_buffer.py", "train.py")]
    contexts = project_contexts(files, lambda source: rules)
    before = (project / "train.py").read_text()

    def refuse(path, *args, **kwargs):
        raise writer.WriteError("the file changed on disk during the run; it was not changed")

    monkeypatch.setattr(writer, "write_fixed", refuse)
    result = fix_run.fix_file(project / "train.py", "train.py", rules, allowed_applicabilities(True), write=True,
                              project=contexts[3])
    assert result.error == "the file changed on disk during the run; it was not changed"
    assert [(f.code, f.span.start.row) for f in result.remaining] == [("DQN003", 11)]
    assert (project / "train.py").read_text() == before


def test_a_file_that_vanishes_mid_run_is_reported_and_not_recreated(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "train.py"
    path.write_text(TWO_BUGS)
    real_fix_input = fix_run.fix_input

    def fix_then_delete(*args, **kwargs):
        outcome = real_fix_input(*args, **kwargs)
        path.unlink()
        return outcome

    monkeypatch.setattr(fix_run, "fix_input", fix_then_delete)
    result = fix_run.fix_file(path, "train.py", registry.all_rules(), allowed_applicabilities(True), write=True)
    assert result.error is not None and "vanished" in result.error
    assert not path.exists() and os.listdir(tmp_path) == []


def _rule_with_broken_fix() -> Rule:
    """A rule whose fix leaves an unclosed parenthesis: the fixer must refuse to write it."""

    def check(model):
        from dqn_lint.diagnostics import Finding

        where = Span(Position(1, 1), Position(1, 1))
        yield Finding("DQN004", "broken", "broken fix", Severity.ERROR, where, fix=Fix(Applicability.SAFE, "break", (Edit("(", where),)))

    docs = RuleDocs("", "", "", "", "")
    return Rule("DQN004", "broken", Severity.ERROR, "", docs, check)


def test_a_fix_that_would_break_the_syntax_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(TWO_BUGS)
    outcome = fix_source(path.read_bytes(), "train.py", [_rule_with_broken_fix()], allowed_applicabilities(False))
    assert outcome.error is not None and outcome.error.startswith("the fixed source does not parse")
    assert outcome.fixed == outcome.original
    result = fix_run.fix_file(path, "train.py", [_rule_with_broken_fix()], allowed_applicabilities(False), write=True)
    assert result.error is not None and result.error.endswith("the file was left unchanged")
    assert path.read_text() == TWO_BUGS
    assert [finding.code for finding in result.remaining] == ["DQN004"]


@pytest.mark.parametrize("flag", ["--fix", "--fix-only"])
def test_a_write_that_fails_makes_the_run_exit_2_and_keeps_the_file(tmp_path: Path, monkeypatch, capsys, flag) -> None:
    from dqn_lint import cli
    from dqn_lint.fixes import writer

    path = tmp_path / "train.py"
    path.write_text(TWO_BUGS)

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.tempfile, "mkstemp", no_space)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", flag, "train.py"]) == 2
    assert "train.py: the fix could not be written (No space left on device)" in capsys.readouterr().err
    assert path.read_text() == TWO_BUGS


def test_a_suppressed_finding_is_not_fixed(run_cli, write) -> None:
    source = TWO_BUGS.replace("    next_q = target(s2).max(1).values\n", "    next_q = target(s2).max(1).values  # noqa: DQN002\n")
    path = write("train.py", source)
    result = run_cli("check", "--fix", "--select", "DQN002")
    assert (result.returncode, path.read_text()) == (0, source)


def test_crlf_file_keeps_crlf_on_every_line_after_fix(run_cli, write) -> None:
    path = write("train.py", TWO_BUGS.replace("\n", "\r\n").encode())
    assert run_cli("check", "--fix", "--unsafe-fixes").returncode == 0
    fixed = path.read_bytes()
    assert fixed == BOTH_FIXED.replace("\n", "\r\n").encode()
