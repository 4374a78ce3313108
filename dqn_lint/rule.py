"""What a rule is: a code, a name, its documentation, its examples and a check over the program model.

A rule module in `dqn_lint.rules` defines one `RULE = Rule(...)`. The examples are the rule's tests
and part of its page: each `INVALID` example marks every line that must be flagged with a trailing
`# expect` comment, and each `VALID` example must give no finding of this rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqn_lint.diagnostics import Finding, Severity
from dqn_lint.verify.experiment import Experiment

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel


@dataclass(frozen=True)
class RuleDocs:
    """The sections of a rule's page, as ruff prints them."""

    what_it_does: str
    why_is_this_bad: str
    example: str
    use_instead: str
    fix_safety: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    docs: RuleDocs
    check: Callable[[ProgramModel], Iterable[Finding]]
    valid: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    experiment: Experiment | None = None  # how `dqn-lint verify` confirms the rule by training

    def page(self) -> str:
        """The rule's documentation page in Markdown, from the rule's own module."""
        docs = self.docs
        parts = [
            f"# {self.name} ({self.code})",
            f"Default severity: {self.severity.value}",
            f"## What it does\n{docs.what_it_does.strip()}",
            f"## Why is this bad?\n{docs.why_is_this_bad.strip()}",
            f"## Example\n```python\n{docs.example.strip()}\n```",
            f"## Use instead\n```python\n{docs.use_instead.strip()}\n```",
            f"## Fix safety\n{docs.fix_safety.strip()}",
        ]
        if docs.references:
            parts.append("## References\n" + "\n".join(f"- {ref}" for ref in docs.references))
        return "\n\n".join(parts) + "\n"
