"""Fixing one file on disk: read, fix in memory, then write it atomically or describe the diff.

Problems are per file and never end the run: a file whose fixes are refused (the result would not
parse) or cannot be written (read-only, changed or vanished meanwhile) keeps its bytes, keeps its
findings in the report, and makes the run exit 2.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dqn_lint import engine
from dqn_lint.diagnostics import Applicability, Finding
from dqn_lint.fixes.apply import fix_input
from dqn_lint.rule import Rule


@dataclass(frozen=True)
class FileFix:
    remaining: list[Finding] = field(default_factory=list)
    fixed: tuple[Finding, ...] = ()  # applied, or for --diff would be applied
    diff: str = ""
    error: str | None = None


def fix_file(
    path: Path,
    filename: str,
    rules: Sequence[Rule],
    allowed: Collection[Applicability],
    *,
    write: bool,
    project: engine.ProjectContext | None = None,
) -> FileFix:
    from dqn_lint.fixes.diff import unified_diff
    from dqn_lint.fixes.writer import WriteError, write_fixed

    file = engine.SourceInput.read(path, filename, rules, project)
    if isinstance(file, Finding):
        return FileFix([file])
    outcome = fix_input(file, allowed)
    if outcome.error is not None:
        return FileFix(outcome.remaining, error=f"{outcome.error}; the file was left unchanged")
    if not outcome.changed:
        return FileFix(outcome.remaining)
    if not write:
        return FileFix(outcome.remaining, outcome.fixed_findings, unified_diff(outcome.original_text, outcome.fixed_text, filename))
    try:
        write_fixed(path, file.source, outcome.fixed)
    except WriteError as error:  # the file keeps its bytes, and their findings as `check` sees them
        return FileFix(file.findings(), error=str(error))
    return FileFix(outcome.remaining, outcome.fixed_findings)
