"""Finds the rules: every module of `dqn_lint.rules` that defines `RULE`.

Adding a rule touches one file; nothing here lists the rules by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from dqn_lint.rule import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    import dqn_lint.rules as package

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
