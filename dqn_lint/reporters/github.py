"""GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding.

```
::error file=train.py,line=8,col=13,endLine=8,endColumn=49,title=DQN004 missing-terminal-mask::message
```

As ruff's `github` format, only the annotations are written: no summary line, and `quiet` changes
nothing. Values are escaped as the Actions runner unescapes them (`%`, CR, LF everywhere; `:` and
`,` also in properties), so a message or path cannot end the command early or inject another.
Columns are ours (1-based, end exclusive), as ruff passes its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding, Severity
from dqn_lint.reporters import ReportContext


def escape_data(value: str) -> str:
    """The message after `::`."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A `key=value` property before `::`."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding) -> str:
    command = "warning" if finding.severity is Severity.WARNING else "error"
    start, end = finding.span.start, finding.span.end
    properties = (
        ("file", finding.filename),
        ("line", str(start.row)),
        ("col", str(start.column)),
        ("endLine", str(end.row)),
        ("endColumn", str(end.column)),
        ("title", f"{finding.code} {finding.name}"),
    )
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = finding.message + "".join(
        f"\nnote: {related.filename}:{related.span.start.row}:{related.span.start.column}: {related.message}"
        for related in finding.related
        if related.filename  # an annotation shows one file: name the locations in the others
    )
    return f"::{command} {joined}::{escape_data(message)}"


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    for finding in findings:
        stream.write(format_finding(finding) + "\n")
