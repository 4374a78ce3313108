"""The fix loop of one file: lint, apply the allowed fixes, lint again, until nothing changes.

Each pass applies the fixes whose edits do not overlap (see `edits.apply_fixes`); the fixes it
skipped are computed again on the new text in the next pass, so nested fixes on one statement
land one after the other. The loop stops after `MAX_PASSES`. A result that no longer parses, or
that cannot be encoded back in the file's encoding, is refused: the file keeps its old bytes and
the outcome says why. Bytes go back out in the file's own encoding, BOM and line endings (edits
carry the file's newline; untouched text is never re-encoded differently).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from dqn_lint import engine
from dqn_lint.diagnostics import FILE_CODES, PARSE_ERROR, Applicability, Finding
from dqn_lint.fixes.edits import apply_fixes
from dqn_lint.rule import Rule

MAX_PASSES = 10


@dataclass(frozen=True)
class FixOutcome:
    """What fixing one file's bytes gave. `fixed == original` when nothing was applied."""

    original: bytes
    fixed: bytes
    original_text: str = ""
    fixed_text: str = ""
    fixed_findings: tuple[Finding, ...] = ()  # one per applied fix
    remaining: list[Finding] = field(default_factory=list)
    error: str | None = None  # why the fixes were refused

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def fix_source(
    source: bytes,
    filename: str,
    rules: Sequence[Rule],
    allowed: Collection[Applicability],
    project: engine.ProjectContext | None = None,
) -> FixOutcome:
    """Apply every allowed fix to a file's bytes; the findings that remain on the result. With
    `project`, the file is linted in its group (see `dqn_lint.project`) after every pass."""
    return fix_input(engine.SourceInput(source, filename, rules, project), allowed)


def fix_input(file: engine.SourceInput, allowed: Collection[Applicability]) -> FixOutcome:
    """Apply every allowed fix to a file on its way through the pipeline."""
    source = file.source
    if not file.checked:
        return FixOutcome(source, source)
    text = file.text
    if text is None:
        return FixOutcome(source, source, remaining=file.findings())

    findings = file.findings()
    original_findings, current, done = findings, text, []
    for _ in range(MAX_PASSES):
        fixes = [finding.fix for finding in findings if finding.fixable(allowed)]
        if not fixes:
            break
        new_text, applied = apply_fixes(current, fixes)
        if new_text == current:
            break
        problem = file.syntax_problem(new_text)
        if problem is not None:
            return _refused(source, text, original_findings, f"the fixed source does not parse ({problem})")
        done.extend(_finding_of(findings, fix) for fix in applied)
        current = new_text
        findings = file.findings_of(current)  # libcst's parse of the result
        for finding in findings:
            if finding.code == PARSE_ERROR[0]:
                return _refused(source, text, original_findings, f"the fixed source does not parse ({finding.message})")
            if finding.code in FILE_CODES:
                return _refused(source, text, original_findings, "the fixed source could not be checked again")
    if current == text:
        return FixOutcome(source, source, text, text, remaining=findings)
    try:
        fixed = file.encode(current)
    except UnicodeEncodeError as error:
        encoding = error.encoding
        return _refused(source, text, original_findings, f"the fixed source cannot be written as {encoding} ({error.reason})")
    return FixOutcome(source, fixed, text, current, tuple(done), findings)


def _finding_of(findings: list[Finding], fix) -> Finding:
    return next(finding for finding in findings if finding.fix is fix)


def _refused(source: bytes, text: str, findings: list[Finding], reason: str) -> FixOutcome:
    return FixOutcome(source, source, text, text, remaining=findings, error=reason)
