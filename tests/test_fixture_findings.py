"""The fixtures are real DQN programs: each buggy twin is flagged with exactly its rule, on its
`# expect` line, and the reference agent and every correct program give no finding at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from dqn_lint.engine import lint_path
from dqn_lint.registry import all_rules
from expectations import expected_findings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROGRAMS = sorted(FIXTURES.rglob("*.py"))


def test_fixture_set_is_complete():
    names = {path.relative_to(FIXTURES).as_posix() for path in PROGRAMS}
    assert "reference_dqn.py" in names
    for rule in all_rules():
        if rule.experiment is not None:
            assert f"twins/{rule.experiment.twin}.py" in names, rule.code
    assert len([name for name in names if name.startswith("correct/")]) >= 5


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_fixture_findings_match_its_expect_markers(path):
    findings = lint_path(path, str(path), all_rules())
    found = {(f.span.start.row, f.code) for f in findings}
    assert found == expected_findings(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted((FIXTURES / "twins").glob("dqn*.py")), ids=lambda p: p.name)
def test_each_twin_is_flagged_with_exactly_its_own_rule(path):
    code = path.name.split("_")[0].upper()
    findings = lint_path(path, str(path), all_rules())
    assert {f.code for f in findings} == {code}
