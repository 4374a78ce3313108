"""The fix loop of one file: lint, apply the allowed fixes, lint again, until nothing changes.

Each pass applies the fixes whose edits do not overlap (see `edits.apply_fixes`); the fixes it
skipped are computed again on the new text in the next pass, so nested fixes on one statement
land one after the other. The loop stops after `MAX_PASSES`. A result that no longer parses, or
that cannot be encoded back in the file's encoding, is refused: the file keeps its old bytes and
the outcome says why. Bytes go back out in the file's own encoding, BOM and line endings (edits
carry the file's newline; untouched text is never re-encoded differently).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from dqn_lint import engine, sources
from dqn_lint.diagnostics import Applicability, Finding
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
    parse = engine.might_hold_td_target(source)  # else only DQN100 can report, from the comments
    if project is None and not parse and not engine.judged_after_rules(source, rules):
        return FixOutcome(source, source)
    try:
        encoding = sources.source_encoding(source)
        text = source.decode(encoding)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return FixOutcome(source, source, remaining=engine.lint_source(source, filename, rules))

    def lint(current: str) -> list[Finding]:
        if project is not None:
            try:
                return project.lint(current.encode(encoding))
            except UnicodeEncodeError:
                pass  # judged below, where the result is encoded
        return engine.lint_text(current, filename, rules, parse=parse)

    findings = lint(text)
    original_findings, current, done = findings, text, []
    for _ in range(MAX_PASSES):
        fixes = [finding.fix for finding in findings if finding.fixable(allowed)]
        if not fixes:
            break
        new_text, applied = apply_fixes(current, fixes)
        if new_text == current:
            break
        problem = _parse_problem(new_text, filename)
        if problem is not None:
            return _refused(source, text, original_findings, f"the fixed source does not parse ({problem})")
        done.extend(_finding_of(findings, fix) for fix in applied)
        current = new_text
        findings = lint(current)  # libcst's parse of the result
        for finding in findings:
            if finding.code == engine.PARSE_ERROR[0]:
                return _refused(source, text, original_findings, f"the fixed source does not parse ({finding.message})")
            if finding.code in engine.FILE_CODES:
                return _refused(source, text, original_findings, "the fixed source could not be checked again")
    if current == text:
        return FixOutcome(source, source, text, text, remaining=findings)
    try:
        fixed = _encode(current, encoding)
    except UnicodeEncodeError as error:
        return _refused(source, text, original_findings, f"the fixed source cannot be written as {encoding} ({error.reason})")
    return FixOutcome(source, fixed, text, current, tuple(done), findings)


def _finding_of(findings: list[Finding], fix) -> Finding:
    return next(finding for finding in findings if finding.fix is fix)


def _refused(source: bytes, text: str, findings: list[Finding], reason: str) -> FixOutcome:
    return FixOutcome(source, source, text, text, remaining=findings, error=reason)


def _parse_problem(text: str, filename: str) -> str | None:
    """CPython's verdict on the new text; libcst's comes from linting it again."""
    try:
        compile(text, filename, "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError) as error:
        return f"{getattr(error, 'msg', error)} at line {getattr(error, 'lineno', '?')}"
    except (RecursionError, MemoryError):
        return "too deeply nested"
    return None


def _encode(text: str, encoding: str) -> bytes:
    """`utf-8-sig` puts the BOM back; any other codec encodes exactly what the text holds."""
    return text.encode(encoding)
