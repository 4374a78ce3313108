"""The engine: prefilter, decoding, parse errors, rule crashes, ordering."""

from __future__ import annotations

import dataclasses

import pytest

from dqn_lint import engine, parsing
from dqn_lint.engine import lint_source, might_hold_td_target
from dqn_lint.registry import all_rules, rule_by_code

BUGGY = b"""\
import torch
import torch.nn.functional as F

def learn(online, target, optimizer, batch, gamma=0.99):
    s, a, r, s2, done = batch
    q = online(s).gather(1, a).squeeze(1)
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


def test_deeply_nested_brackets_get_cpythons_syntax_error():
    source = b"import torch\ngamma = 0.99\nx = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n"
    [finding] = lint_source(source, "x.py", all_rules())
    assert finding.code == "DQN900"
    assert "too many nested parentheses" in finding.message


def test_nesting_below_the_limit_is_checked_and_found(tmp_path):
    """The deep-stack analysis still reports: a 600-term sum next to a real bug."""
    source = BUGGY + b"\nx = " + b"+".join([b"a"] * 600) + b"\n"
    assert [f.code for f in lint_source(source, "x.py", all_rules())] == ["DQN004"]


def test_a_file_over_the_size_limit_gets_one_dqn903_without_parsing(monkeypatch):
    import libcst

    monkeypatch.setattr(parsing, "MAX_FILE_SIZE", len(BUGGY) - 1)
    monkeypatch.setattr(libcst, "parse_module", lambda *a, **k: pytest.fail("parsed a file over the limit"))
    [finding] = lint_source(BUGGY, "big.py", all_rules())
    assert (finding.code, finding.filename) == ("DQN903", "big.py")
    assert "too large" in finding.message


def test_a_file_at_the_size_limit_is_checked(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_FILE_SIZE", len(BUGGY.decode()))
    assert [f.code for f in lint_source(BUGGY, "x.py", all_rules())] == ["DQN004"]


def test_a_recursion_error_inside_a_rule_is_a_dqn903_not_an_internal_error():
    def recurse(model):
        return recurse(model)

    broken = dataclasses.replace(rule_by_code("DQN001"), check=recurse)
    [finding] = lint_source(BUGGY, "x.py", [broken, rule_by_code("DQN004")])
    assert finding.code == "DQN903"


def test_the_analysis_restores_the_recursion_limit_and_passes_exceptions_through():
    import sys

    limit = sys.getrecursionlimit()

    def explode(model):
        raise KeyboardInterrupt

    broken = dataclasses.replace(rule_by_code("DQN001"), check=explode)
    with pytest.raises(KeyboardInterrupt):
        lint_source(BUGGY, "x.py", [broken])
    assert sys.getrecursionlimit() == limit


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


def test_the_analysis_thread_allows_recursion_far_deeper_than_the_main_threads_limit():
    """libcst's visitors recurse once per level of nesting: the analysis runs where 10000 levels fit."""
    import sys

    def nest(levels: int) -> int:
        return 0 if levels == 0 else 1 + nest(levels - 1)

    assert 10_000 > sys.getrecursionlimit()
    with pytest.raises(RecursionError):
        nest(10_000)
    assert parsing.on_deep_stack(lambda: nest(10_000)) == 10_000


def test_valid_python_that_libcst_cannot_parse_is_dqn903_not_a_syntax_error():
    """libcst gives up on about 4000 implicitly joined strings; CPython reads them. Calling that a
    syntax error would send the user hunting for a mistake that is not there."""
    source = b"import torch\ngamma = 0.99\nx = (" + b" ".join([b"'a'"] * 5000) + b")\n"
    compile(source, "x.py", "exec")
    [finding] = lint_source(source, "x.py", all_rules())
    assert finding.code == "DQN903"
    assert "libcst cannot parse" in finding.message


PREFILTER_CASES = [
    b"gamma = 0.99", b"GAMMA=.95", b"Discount", b"g = 0.9", b"g = .9", b"\xce\xb3 = 1", b"x = 10.9",
    b"x = a.9", b"x = 1.0.9", b"x = _0.9", b"x=(0.9)", b"0.9", b".9", b"v9", b"x = 0.8", b"", b"torchgamm a",
    b"lr = 3e-4\n", b"y = [.97, 1]", b"s = '0.9'", b"x = 00.9", b"x = 9.9",
]


@pytest.mark.parametrize("text", PREFILTER_CASES)
def test_the_prefilter_answers_as_its_regex_definition(text):
    """The prefilter avoids slow regexes; its answer is the one of the plain definition."""
    import re

    definition = re.compile(rb"(?i:gamma|discount)|(?<![\w.])0?\.9|\xce\xb3")
    for source in (b"import torch\n" + text, text):
        expected = b"torch" in source and definition.search(source) is not None
        assert might_hold_td_target(source) is expected, source
