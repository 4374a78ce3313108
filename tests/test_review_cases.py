"""Programs written by an independent review to find false positives and misses, in the styles
people really write (CleanRL, the PyTorch tutorial, Udacity, Spinning Up, SB3-like classes,
Lightning, actor-critic code that must stay silent). Each case states what it shows in its first
line; `# expect: CODE` marks every line that must be flagged, and nothing else may be."""

from __future__ import annotations

from pathlib import Path

import pytest

from dqn_lint.engine import FILE_CODES, lint_path
from dqn_lint.registry import all_rules
from expectations import expected_findings

CASES = sorted((Path(__file__).parent / "cases").glob("*.py"))


def test_the_review_corpus_is_present():
    assert len(CASES) >= 100


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_review_case_is_flagged_exactly_on_its_expect_lines(path):
    findings = lint_path(path, path.name, all_rules())
    assert not [f for f in findings if f.code in FILE_CODES], findings
    assert {(f.span.start.row, f.code) for f in findings} == expected_findings(path.read_text(encoding="utf-8"))
