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
