"""One renderer per output format, each in its own module and imported only when asked for.

A renderer is a plain function `render(findings, stream, *, quiet, context)`; rich is imported by
the `full` renderer alone, and only when it writes to a terminal, so the other formats never load it.

The CI formats (`sarif`, `github`, `junit`) are read by machines: like `json`, they write nothing but
their document, and `quiet` changes nothing in them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from dqn_lint.diagnostics import Finding, Severity, allowed_applicabilities

OUTPUT_FORMATS = ("full", "concise", "grouped", "json", "sarif", "github", "junit")
_MODULES = {
    "full": "full",
    "concise": "concise",
    "grouped": "grouped",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}
# Formats whose output a program parses: nothing but the report may go to their stream (no
# "Fixed N errors." line, no summary), whatever `quiet` says.
MACHINE_FORMATS = frozenset({"json", "sarif", "github", "junit"})


@dataclass(frozen=True)
class ReportContext:
    """What a report says beyond the findings: which fixes `--fix` may apply, what was fixed, the
    runtime evidence for each rule (`check --verify`), and the lines of the linted files (from the
    bytes the pipeline linted: a report never reads a file)."""

    unsafe_fixes: bool = False
    fixing: bool = False  # --fix ran: the summary counts fixed and remaining
    fixed: tuple[Finding, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)  # rule code -> verify.evidence.Evidence
    source_lines: Callable[[str], Sequence[str] | None] | None = None  # file name -> its lines

    def evidence_line(self, finding: Finding) -> str | None:
        """`confirmed on CartPole-v1, 5 seeds: eval return 487 ± 9 -> 14 ± 3`, when verified."""
        evidence = self.evidence.get(finding.code)
        return evidence.headline() if evidence is not None else None

    def applies(self, finding: Finding) -> bool:
        return finding.fixable(allowed_applicabilities(self.unsafe_fixes))

    def hidden(self, finding: Finding) -> bool:
        """An unsafe fix that only `--unsafe-fixes` would apply."""
        return not self.applies(finding) and finding.fixable(allowed_applicabilities(True))


def plural(count: int, word: str, suffix: str = "s") -> str:
    return f"{count} {word}{'' if count == 1 else suffix}"


def _counted(findings: Sequence[Finding]) -> str:
    warnings = sum(1 for finding in findings if finding.severity == Severity.WARNING)
    errors = len(findings) - warnings
    parts = [plural(count, word) for count, word in ((errors, "error"), (warnings, "warning")) if count]
    return " and ".join(parts)


def summary_line(findings: Sequence[Finding], context: ReportContext = ReportContext()) -> str:
    """The last line(s) of a text report, worded as ruff words them, warnings counted apart from errors."""
    if context.fixing and context.fixed:
        everything = [*context.fixed, *findings]
        lines = [f"Found {_counted(everything)} ({len(context.fixed)} fixed, {len(findings)} remaining)."]
    elif not findings:
        return "All checks passed!"
    else:
        lines = [f"Found {_counted(findings)}."]
    fixable = sum(1 for finding in findings if context.applies(finding))
    hidden = sum(1 for finding in findings if context.hidden(finding))
    hint = f" ({plural(hidden, 'hidden fix', 'es')} can be enabled with the `--unsafe-fixes` option)" if hidden else ""
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option{hint}.")
    elif hidden:
        lines.append(f"No fixes available{hint}.")
    return "\n".join(lines)


def render(
    output_format: str,
    findings: Sequence[Finding],
    stream: TextIO,
    *,
    quiet: bool = False,
    context: ReportContext = ReportContext(),
) -> None:
    module = importlib.import_module(f"{__name__}.{_MODULES[output_format]}")
    module.render(findings, stream, quiet=quiet, context=context)
