"""One renderer per output format, each in its own module and imported only when asked for.

A renderer is a plain function `render(findings, stream, *, quiet)`; rich is imported by the `full`
renderer alone, and only when it writes to a terminal, so concise and json runs never load it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding, Severity

OUTPUT_FORMATS = ("full", "concise", "json")
_MODULES = {"full": "full", "concise": "concise", "json": "json_format"}


def summary_line(findings: Sequence[Finding]) -> str:
    """The last line of a text report, worded as ruff words it, warnings counted apart from errors."""
    if not findings:
        return "All checks passed!"
    warnings = sum(1 for finding in findings if finding.severity == Severity.WARNING)
    errors = len(findings) - warnings
    parts = [f"{count} {word}{'' if count == 1 else 's'}" for count, word in ((errors, "error"), (warnings, "warning")) if count]
    return f"Found {' and '.join(parts)}."


def render(output_format: str, findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False) -> None:
    module = importlib.import_module(f"{__name__}.{_MODULES[output_format]}")
    module.render(findings, stream, quiet=quiet)
