"""Findings grouped by file, laid out as ruff's `grouped` format: plain text, no rich.

```
train.py:
   8:13 DQN004 [*] message
  12:5  DQN003 message

other.py:
  3:1 DQN900 message

Found 3 errors.
```

Rows are right-aligned and columns left-aligned within a file, as ruff aligns them. Files come in
the order of their first finding (the findings arrive sorted by file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding
from dqn_lint.reporters import ReportContext, summary_line


def group_by_file(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.filename, []).append(finding)
    return groups


def report_lines(findings: Sequence[Finding], context: ReportContext = ReportContext()) -> list[str]:
    """Every line but the summary: each file's header and findings, then a blank line."""
    lines: list[str] = []
    for filename, group in group_by_file(findings).items():
        row_width = max(len(str(finding.span.start.row)) for finding in group)
        column_width = max(len(str(finding.span.start.column)) for finding in group)
        lines.append(f"{filename}:")
        for finding in group:
            start = finding.span.start
            marker = "[*] " if context.applies(finding) else ""
            where = f"{start.row:>{row_width}}:{start.column:<{column_width}}"
            lines.append(f"  {where} {finding.code} {marker}{finding.message}")
            evidence = context.evidence_line(finding)
            if evidence is not None:
                lines.append(f"  {' ' * len(where)} evidence: {evidence}")
        lines.append("")
    return lines


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    lines = report_lines(findings, context)
    if not quiet:
        lines.extend(summary_line(findings, context).split("\n"))
    elif lines:
        lines.pop()  # no summary follows, so no blank line to separate it
    for line in lines:
        stream.write(line + "\n")
