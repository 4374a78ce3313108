"""`--add-noqa`: silence every current finding of a file with a `# noqa: CODE` comment.

This is how a code base adopts the linter: the existing findings are recorded in the code, next to
what they flag, and only new ones fail the run. The comment goes at the end of the last line of the
finding's statement: the end of a statement is never inside a string, and the suppression logic
accepts a directive on any line of the statement. A line that already has a `# noqa: X` gets the
new codes appended to it; a bare `# noqa` already silences everything.

The file keeps its encoding (BOM, coding cookie), the line ending of each line and its permissions,
and it is only written when the result still parses and, linted again, no longer reports any of the
codes that were added; otherwise it is left as it was and the result says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dqn_lint import engine
from dqn_lint.diagnostics import FILE_CODES, Finding
from dqn_lint.fixes.edits import split_lines
from dqn_lint.rule import Rule
from dqn_lint.rules.dqn100_unused_noqa import UNUSED_NOQA
from dqn_lint.suppression import Directive, read_suppressions


@dataclass(frozen=True)
class AddNoqaResult:
    added: int = 0  # findings newly silenced
    error: str | None = None  # why the file was left unchanged


def add_noqa(path: Path, filename: str, rules: Sequence[Rule]) -> AddNoqaResult:
    """Add `# noqa: CODES` for every unsilenced finding of `rules` in the file at `path`."""
    from dqn_lint.fixes.writer import WriteError, write_fixed

    file = engine.SourceInput.read(path, filename, rules)
    if isinstance(file, Finding):
        return AddNoqaResult(error=file.message)
    findings = [finding for finding in file.findings() if _can_silence(finding)]
    if not findings or file.text is None:
        return AddNoqaResult()
    text, added = with_noqa(file.text, findings)
    if not added:
        return AddNoqaResult()
    try:
        fixed = file.encode(text)
    except UnicodeEncodeError as error:
        reason = f"the file cannot be written back as {error.encoding} ({error.reason})"
        return AddNoqaResult(error=f"{reason}; the file was left unchanged")
    problem = _problem(file, text, {finding.code for finding in findings})
    if problem is not None:
        return AddNoqaResult(error=f"{problem}; the file was left unchanged")
    try:
        write_fixed(path, file.source, fixed)
    except WriteError as error:
        return AddNoqaResult(error=str(error))
    return AddNoqaResult(added=added)


def _can_silence(finding: Finding) -> bool:
    """File problems (DQN9xx) are not findings about a line, and silencing DQN100 would keep the
    stale directive it reports: both are left to the author."""
    return finding.code not in FILE_CODES and finding.code != UNUSED_NOQA


def noqa_row(finding: Finding) -> int:
    """The last row of the finding's statement, where its `# noqa` goes."""
    return finding.statement_rows[1] if finding.statement_rows else finding.span.end.row


def with_noqa(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """`text` with the codes of `findings` added to the noqa of their rows; and how many findings
    that silences (a finding whose code the row's directive already names is not counted)."""
    by_row: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_row[noqa_row(finding)].append(finding)
    suppressions = read_suppressions(text)
    lines = split_lines(text)
    added = 0
    for row, on_row in sorted(by_row.items()):
        if not 1 <= row <= len(lines):
            continue
        new_codes = _new_codes(suppressions.directive_on(row), on_row)
        if new_codes:
            lines[row - 1] = _line_with_codes(lines[row - 1], suppressions.directive_on(row), new_codes)
            added += sum(finding.code in new_codes for finding in on_row)
    return "".join(lines), added


def _new_codes(directive: Directive | None, findings: Iterable[Finding]) -> tuple[str, ...]:
    """The codes the row's noqa must gain, sorted: none when a bare `# noqa` is already there."""
    if directive is not None and directive.is_bare:
        return ()
    present = {code.upper() for code in directive.codes} if directive is not None else set()
    return tuple(sorted({finding.code for finding in findings} - present))


def _line_with_codes(line: str, directive: Directive | None, codes: Sequence[str]) -> str:
    """The line, its own line ending kept, with `codes` appended to its directive or in a new one."""
    content = line.rstrip("\r\n")
    ending = line[len(content) :]
    listed = ", ".join(codes)
    if directive is not None:
        end = directive.codes_end
        return f"{content[:end]}, {listed}{content[end:]}{ending}"
    code = content.rstrip(" \t")
    return f"{code}  # noqa: {listed}{ending}"


def _problem(file: engine.SourceInput, text: str, codes: Collection[str]) -> str | None:
    """Why the new text must not be written: it does not parse, or linting it again still reports
    one of the codes (a comment that landed where it silences nothing, inside a string say)."""
    problem = file.syntax_problem(text)
    if problem is not None:
        return f"the file would no longer parse with the noqa comments ({problem})"
    for finding in file.findings_of(text):
        if finding.code in FILE_CODES:
            return f"the file could not be checked again with the noqa comments ({finding.message})"
        if finding.code in codes:
            row = finding.span.start.row
            return f"a noqa comment would not silence {finding.code} at line {row}"
    return None
