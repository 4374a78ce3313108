"""The default report, laid out as ruff's `full` format: header, source lines underlined, notes.

```
train.py:8:13: DQN004 [*] message
  |
8 |         y = r + gamma * target(s2).max(1).values
  |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ DQN004
  |
  = note: train.py:5:5: the flag that should mask the bootstrap
  = help: multiply the bootstrap by (1 - done)
```

Colour comes from rich and only when the stream is a terminal; rich is imported only then, so a
piped report costs nothing extra. The lines come with the report (`ReportContext.source_lines`,
the bytes the run linted); a finding without them is reported without its lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dqn_lint.diagnostics import Finding, Severity, Span
from dqn_lint.reporters import ReportContext, summary_line

# A line of output is a list of (text, style) pieces; the style is used only on a terminal.
Piece = tuple[str, str]
Line = list[Piece]

def _code_style(finding: Finding) -> str:
    return "bold yellow" if finding.severity is Severity.WARNING else "bold red"


def _header(finding: Finding, context: ReportContext) -> Line:
    start = finding.span.start
    line: Line = [
        (finding.filename, "bold"),
        (f":{start.row}:{start.column}: ", ""),
        (finding.code, _code_style(finding)),
        (" ", ""),
    ]
    if context.applies(finding):
        line.append(("[*] ", "cyan"))
    line.append((finding.message, ""))
    return line


TAB_SIZE = 4


def _visual_width(text: str) -> int:
    """Columns `text` takes on screen once its tabs are expanded, as the source line is shown."""
    return len(text.expandtabs(TAB_SIZE))


def _underline_bounds(text: str, row: int, span: Span) -> tuple[int, int]:
    """0-based [start, end) of the underlined part of one source line of the span."""
    start = span.start.column - 1 if row == span.start.row else len(text) - len(text.lstrip())
    end = span.end.column - 1 if row == span.end.row else len(text.rstrip())
    start = min(max(start, 0), len(text))
    end = min(max(end, start + 1), max(len(text), start + 1))
    return start, end


def _snippet(finding: Finding, lines: Sequence[str] | None) -> list[Line]:
    span = finding.span
    if lines is None or not 1 <= span.start.row <= span.end.row <= len(lines):
        return []
    width = len(str(span.end.row))
    gutter = " " * (width + 1) + "|"
    out: list[Line] = [[(gutter, "blue")]]
    for row in range(span.start.row, span.end.row + 1):
        text = lines[row - 1]
        start, end = _underline_bounds(text, row, span)
        shown = text.expandtabs(TAB_SIZE)
        first, last = _visual_width(text[:start]), _visual_width(text[:end])
        out.append([(f"{row:>{width}} |", "blue"), (" " + shown if shown else "", "")])
        carets = "^" * max(last - first, 1)
        underline: Line = [(gutter, "blue"), (" " * (first + 1), ""), (carets, _code_style(finding))]
        if row == span.end.row:
            underline.append((" " + finding.code, _code_style(finding)))
        out.append(underline)
    out.append([(gutter, "blue")])
    return out


def _notes(finding: Finding, context: ReportContext) -> list[Line]:
    notes: list[Line] = []
    for related in finding.related:
        start = related.span.start
        where = f"{related.file_of(finding)}:{start.row}:{start.column}: "
        notes.append([("  = ", "blue"), ("note", "bold"), (f": {where}{related.message}", "")])
    if finding.fix is not None and finding.fix.message:
        notes.append([("  = ", "blue"), ("help", "bold"), (f": {finding.fix.message}", "")])
    evidence = context.evidence_line(finding)
    if evidence is not None:
        notes.append([("  = ", "blue"), ("evidence", "bold"), (f": {evidence}", "")])
    return notes


def report_lines(findings: Sequence[Finding], context: ReportContext = ReportContext()) -> list[Line]:
    """Every line of the report except the summary, each finding followed by a blank line."""
    lines_of = context.source_lines
    out: list[Line] = []
    for finding in findings:
        out.append(_header(finding, context))
        out.extend(_snippet(finding, lines_of(finding.filename) if lines_of is not None else None))
        out.extend(_notes(finding, context))
        out.append([])
    return out


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


def _write_plain(lines: list[Line], stream: TextIO) -> None:
    for line in lines:
        stream.write("".join(text for text, _ in line) + "\n")


def _write_coloured(lines: list[Line], stream: TextIO) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, force_terminal=None, highlight=False, markup=False, emoji=False, soft_wrap=True)
    for line in lines:
        console.print(Text.assemble(*line) if line else Text())


def render(findings: Sequence[Finding], stream: TextIO, *, quiet: bool = False, context: ReportContext = ReportContext()) -> None:
    lines = report_lines(findings, context=context)
    if not quiet:
        lines.extend([(text, "bold")] for text in summary_line(findings, context).split("\n"))
    elif lines:
        lines.pop()  # no summary follows, so no blank line to separate it
    (_write_coloured if _is_terminal(stream) else _write_plain)(lines, stream)
