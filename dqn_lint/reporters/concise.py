"""One line per finding, `path:row:col: CODE message`: for editors, grep and pre-commit logs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding
from dqn_lint.reporters import ReportContext, summary_line


def format_finding(finding: Finding, context: ReportContext = ReportContext()) -> str:
    start = finding.span.start
    marker = "[*] " if context.applies(finding) else ""
    return f"{finding.filename}:{start.row}:{start.column}: {finding.code} {marker}{finding.message}"


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    for finding in findings:
        stream.write(format_finding(finding, context) + "\n")
        evidence = context.evidence_line(finding)
        if evidence is not None:
            stream.write(f"    evidence: {evidence}\n")
    if not quiet:
        stream.write(summary_line(findings, context) + "\n")
