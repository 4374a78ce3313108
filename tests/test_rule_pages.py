"""docs/rules/CODE.md is each rule's page as `dqn-lint rule CODE` prints it: editors (the
language server's code links) and SARIF viewers (`helpUri`) link to these files.

`DQN_LINT_UPDATE_SNAPSHOTS=1 pytest tests/test_rule_pages.py` writes them again after a rule's
docs changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dqn_lint.registry import all_rules, rule_page_url

PAGES = Path(__file__).resolve().parent.parent / "docs" / "rules"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_each_rule_has_its_current_page(rule):
    path = PAGES / f"{rule.code}.md"
    if os.environ.get("DQN_LINT_UPDATE_SNAPSHOTS"):
        PAGES.mkdir(parents=True, exist_ok=True)
        path.write_text(rule.page(), encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rule.page(), f"run DQN_LINT_UPDATE_SNAPSHOTS=1 pytest {Path(__file__).name}"
    assert rule_page_url(rule.code).endswith(f"/docs/rules/{rule.code}.md")


def test_no_page_is_left_for_a_rule_that_is_gone():
    codes = {rule.code for rule in all_rules()}
    assert sorted(path.stem for path in PAGES.glob("*.md")) == sorted(codes)
