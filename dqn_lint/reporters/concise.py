"""One line per finding, `path:row:col: CODE message`: for editors, grep and pre-commit logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding
from dqn_lint.reporters import summary_line


def format_finding(finding: Finding) -> str:
    start = finding.span.start
    return f"{finding.filename}:{start.row}:{start.column}: {finding.code} {finding.message}"


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False) -> None:
    for finding in findings:
        stream.write(format_finding(finding) + "\n")
    if not quiet:
        stream.write(summary_line(findings) + "\n")
