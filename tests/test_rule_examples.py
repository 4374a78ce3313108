"""Each rule's VALID and INVALID examples are its specification: checked here line by line."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest

from dqn_lint.engine import FILE_CODES, lint_source, needs_parse
from dqn_lint.registry import all_rules
from expectations import expected_findings

RULES = all_rules()


def _cases(kind: str):
    for rule in RULES:
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}")


def test_every_rule_module_is_registered_under_the_code_its_file_names():
    folder = Path(__file__).resolve().parent.parent / "rules"
    codes = sorted(path.name.split("_")[0].upper() for path in folder.glob("dqn[0-9]*_*.py"))
    assert [rule.code for rule in RULES] == codes
    assert len(codes) >= 8


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_at_least_ten_examples_of_each_kind(rule):
    assert len(rule.valid) >= 10
    assert len(rule.invalid) >= 10


@pytest.mark.parametrize(
    "rule, example",
    # unused-noqa (DQN100) reads comments, and the engine runs it on every file
    [case for case in (*_cases("valid"), *_cases("invalid")) if case.values[0].code != "DQN100"],
)
def test_every_example_reaches_the_rules(rule, example):
    """An example the byte prefilter skips is never analysed: as a VALID example it tests nothing."""
    assert needs_parse(example.encode())


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_page_has_every_section(rule):
    page = rule.page()
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References"):
        assert f"## {section}" in page


@pytest.mark.parametrize("rule, example", list(_cases("invalid")))
def test_invalid_example_is_flagged_exactly_on_its_expect_lines(rule, example):
    libcst.parse_module(example)
    expected = expected_findings(example, default_code=rule.code)
    assert expected, "an invalid example must mark at least one line with '# expect'"
    findings = lint_source(example.encode(), "example.py", RULES)
    assert not [f for f in findings if f.code in FILE_CODES], findings
    flagged = {(f.span.start.row, f.code) for f in findings if f.code == rule.code}
    assert flagged == {(row, code) for row, code in expected if code == rule.code}


@pytest.mark.parametrize("rule, example", list(_cases("valid")))
def test_valid_example_gives_no_finding_of_its_rule(rule, example):
    libcst.parse_module(example)
    findings = lint_source(example.encode(), "example.py", RULES)
    assert not [f for f in findings if f.code in FILE_CODES], findings
    assert [f for f in findings if f.code == rule.code] == []
