"""Finds the rules: every module of `dqn_lint.rules` that defines `RULE`.

Adding a rule touches one file; nothing here lists the rules by hand.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from dqn_lint.rule import Rule

# Each rule's page, as `dqn-lint rule CODE` prints it, is kept in docs/rules/ of the repository
# (tests/test_rule_pages.py keeps them current): editors and SARIF viewers link to it.
RULE_PAGE_URL = "https://github.com/dqn-lint/dqn-lint/blob/main/docs/rules/{code}.md"


def rules_package() -> ModuleType:
    """`dqn_lint.rules`; in a source checkout run without installing (`python -m dqn_lint` from the
    repository root), the package's own rules/ folder beside dqn_lint/."""
    try:
        return importlib.import_module("dqn_lint.rules")
    except ModuleNotFoundError:
        folder = Path(__file__).resolve().parent.parent / "rules"
        spec = importlib.util.spec_from_file_location(
            "dqn_lint.rules", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise
        module = importlib.util.module_from_spec(spec)
        sys.modules["dqn_lint.rules"] = module
        spec.loader.exec_module(module)
        return module


@cache
def all_rules() -> tuple[Rule, ...]:
    package = rules_package()

    rules = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    return tuple(sorted(rules, key=lambda rule: rule.code))


def rule_by_code(code: str) -> Rule | None:
    code = code.upper()
    return next((rule for rule in all_rules() if rule.code == code), None)


def rule_page_url(code: str) -> str:
    return RULE_PAGE_URL.format(code=code.upper())
