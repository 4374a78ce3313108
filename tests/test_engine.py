"""The engine: prefilter, decoding, parse errors, rule crashes, ordering."""

from __future__ import annotations

import dataclasses

from dqn_lint.engine import lint_source, might_hold_td_target
from dqn_lint.registry import all_rules, rule_by_code

BUGGY = b"""\
import torch
import torch.nn.functional as F

def learn(online, target, optimizer, batch, gamma=0.99):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a)
    with torch.no_grad():
        y = r + gamma * target(s2).max(1).values
    loss = F.mse_loss(q, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_a_file_that_never_mentions_torch_is_not_parsed():
    assert not might_hold_td_target(b"def f(:\n    gamma = 0.99\n")
    assert lint_source(b"def f(:\n    gamma = 0.99\n", "x.py", all_rules()) == []


def test_a_torch_file_without_a_discount_is_not_parsed():
    assert not might_hold_td_target(b"import torch\nx = torch.zeros(3)\n")


def test_syntax_error_reports_cpythons_message_and_position():
    source = b"import torch\ngamma = 0.99\ndef learn(:\n    pass\n"
    [finding] = lint_source(source, "x.py", all_rules())
    assert finding.code == "DQN900"
    assert (finding.span.start.row, finding.span.start.column) == (3, 11)
    assert "file not checked" in finding.message


def test_file_problems_are_reported_even_when_every_rule_is_ignored():
    [finding] = lint_source(b"import torch\ngamma = 0.99\ndef learn(:\n", "x.py", [])
    assert finding.code == "DQN900"


def test_invalid_utf8_is_reported_as_dqn901():
    [finding] = lint_source(b"import torch\ngamma = 0.99\nx = '\xff\xfe'\n", "x.py", all_rules())
    assert finding.code == "DQN901"


def test_a_coding_cookie_and_a_bom_are_honoured():
    latin = b"# -*- coding: latin-1 -*-\n" + BUGGY.replace(b"import torch\n", b"import torch  # \xe9\n", 1)
    assert [f.code for f in lint_source(latin, "x.py", all_rules())] == ["DQN004"]
    assert [f.code for f in lint_source(b"\xef\xbb\xbf" + BUGGY, "x.py", all_rules())] == ["DQN004"]


def test_a_crashing_rule_becomes_dqn902_and_the_other_rules_still_report():
    def explode(model):
        raise ValueError("boom")

    broken = dataclasses.replace(rule_by_code("DQN001"), check=explode)
    findings = lint_source(BUGGY, "x.py", [broken, rule_by_code("DQN004")])
    assert sorted(f.code for f in findings) == ["DQN004", "DQN902"]
    assert "DQN001" in next(f.message for f in findings if f.code == "DQN902")


def test_findings_carry_the_filename_and_one_based_positions():
    [finding] = lint_source(BUGGY, "pkg/learn.py", all_rules())
    assert finding.filename == "pkg/learn.py"
    assert (finding.span.start.row, finding.span.start.column) == (8, 13)
    assert finding.statement_rows == (8, 8)


def test_deeply_nested_code_is_reported_not_crashed():
    source = b"import torch\ngamma = 0.99\nx = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n"
    findings = lint_source(source, "x.py", all_rules())
    assert [f.code for f in findings] in (["DQN900"], ["DQN902"], [])


def test_checking_dqn_programs_never_imports_torch_gymnasium_or_matplotlib():
    """A lint run must not pay for the training stack, even on files it fully analyses."""
    import subprocess
    import sys
    from pathlib import Path

    twins = Path(__file__).resolve().parent.parent / "fixtures" / "twins"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dqn_lint", "check", str(twins), "--output-format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "libcst" in imported  # the files were really parsed
    assert imported.isdisjoint({"torch", "gymnasium", "gym", "matplotlib", "numpy"})


def test_a_fifo_named_on_the_command_line_is_reported_not_waited_on(tmp_path):
    import os
    from pathlib import Path

    from dqn_lint.engine import lint_path

    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    [finding] = lint_path(Path(fifo), "fifo.py", all_rules())
    assert (finding.code, finding.message) == ("DQN901", "cannot read the file: not a regular file")
