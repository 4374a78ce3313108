"""What a rule is: a code, a name, its documentation, its examples and a check over the program model.

A rule module in `dqn_lint.rules` defines one `RULE = Rule(...)`. The examples are the rule's tests
and part of its page: each `INVALID` example marks every line that must be flagged with a trailing
`# expect` comment, and each `VALID` example must give no finding of this rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from dqn_lint.diagnostics import Finding, Severity
from dqn_lint.experiment import Experiment, RuntimeProbe

if TYPE_CHECKING:
    from dqn_lint.model import ProgramModel
    from dqn_lint.suppression import Suppressions


class FileReport(NamedTuple):
    """One file's outcome once every rule's `check` ran, before suppression: what a rule judged on
    the other rules' findings sees (DQN100 asks which `# noqa` codes silenced none of them)."""

    text: str
    filename: str
    suppressions: Suppressions
    findings: tuple[Finding, ...]
    enabled: frozenset[str]  # the codes that ran on this file, with the DQN9xx file codes
    known: frozenset[str]  # every code a rule or the engine can give


@dataclass(frozen=True)
class AfterRules:
    """How a rule judges a file after the others: `applies_to` tells from the bytes, cheaply, whether
    there can be anything to judge (a file the prefilter rejects is still read for it), `judge`
    gives the findings. The engine runs it only on files checked in full."""

    applies_to: Callable[[bytes], bool]
    judge: Callable[[FileReport], Iterable[Finding]]


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
    runtime_probe: RuntimeProbe | None = None  # how `dqn-lint probe` confirms a finding on the user's script
    after_rules: AfterRules | None = None  # judged on the other rules' findings (see `AfterRules`)

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
