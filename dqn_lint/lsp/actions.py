"""What the editor shows for a linted document: diagnostics, code actions and hovers.

Each finding becomes a diagnostic (its code linked to the rule page, its related locations as
related information); its fix a quick fix (safe fixes preferred, unsafe ones labelled); "disable
DQNxxx for this line" adds the code to the line's `# noqa` as `--add-noqa` would; and
`source.fixAll.dqn-lint` applies what `check --fix` would write.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from lsprotocol import types

from dqn_lint import registry
from dqn_lint.diagnostics import Applicability, Finding, Position, Severity, Span, allowed_applicabilities
from dqn_lint.lsp.documents import LintedDocument
from dqn_lint.lsp.positions import Locator, contains, overlaps
from dqn_lint.sources import split_rows

SOURCE = "dqn-lint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"


def diagnostics(document: LintedDocument, locator: Locator, locator_of: Callable[[str], Locator | None]) -> list[types.Diagnostic]:
    """The document's findings as LSP diagnostics; `locator_of(path)` converts positions in the
    other files that related locations point into."""
    return [_diagnostic(finding, locator, locator_of) for finding in document.findings]


def _diagnostic(finding: Finding, locator: Locator, locator_of: Callable[[str], Locator | None]) -> types.Diagnostic:
    related = []
    for note in finding.related:
        path = os.path.abspath(note.file_of(finding))
        where = locator if not note.filename else locator_of(path)
        if where is None:
            continue
        uri = types.Location(uri=_uri(path), range=where.range(note.span))
        related.append(types.DiagnosticRelatedInformation(location=uri, message=note.message))
    rule = registry.rule_by_code(finding.code)
    return types.Diagnostic(
        range=locator.range(finding.span),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning if finding.severity is Severity.WARNING else types.DiagnosticSeverity.Error,
        code=finding.code,
        code_description=types.CodeDescription(href=registry.rule_page_url(finding.code)) if rule is not None else None,
        source=SOURCE,
        related_information=related or None,
        data={"name": finding.name},
    )


def _uri(path: str) -> str:
    from pygls.uris import from_fs_path

    return from_fs_path(path) or path


def code_actions(
    uri: str,
    document: LintedDocument,
    locator: Locator,
    start: Position,
    end: Position,
    only: Sequence[str] | None,
) -> list[types.CodeAction]:
    """The actions for the findings that touch [start, end], and "fix all" for the document."""
    wanted = _kinds(only)
    actions: list[types.CodeAction] = []
    touched = [finding for finding in document.findings if overlaps(finding.span, start, end)]
    if types.CodeActionKind.QuickFix in wanted:
        for finding in touched:
            action = _quick_fix(uri, finding, locator)
            if action is not None:
                actions.append(action)
        for finding in touched:
            action = _disable_for_line(uri, finding, document, locator)
            if action is not None:
                actions.append(action)
    if FIX_ALL_KIND in wanted:
        action = fix_all(uri, document, locator)
        if action is not None:
            actions.append(action)
    return actions


def _kinds(only: Sequence[str] | None) -> set[str]:
    """The kinds of action the client asked for: a parent kind (`source.fixAll`, `source`) asks for
    ours below it."""
    ours = {types.CodeActionKind.QuickFix.value, FIX_ALL_KIND}
    if not only:
        return ours
    return {kind for kind in ours if any(kind == asked or kind.startswith(f"{asked}.") for asked in only)}


def _finding_diagnostic(finding: Finding, locator: Locator) -> types.Diagnostic:
    return _diagnostic(finding, locator, lambda _path: None)


def _quick_fix(uri: str, finding: Finding, locator: Locator) -> types.CodeAction | None:
    fix = finding.fix
    if fix is None or not fix.edits or fix.applicability is Applicability.DISPLAY_ONLY:
        return None
    safe = fix.applicability is Applicability.SAFE
    label = fix.message or f"Fix {finding.code}"
    edits = [types.TextEdit(range=locator.range(edit.span), new_text=edit.content) for edit in fix.edits]
    return types.CodeAction(
        title=f"{finding.code}: {label}" + ("" if safe else " (unsafe fix: review it, it changes training)"),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[_finding_diagnostic(finding, locator)],
        edit=types.WorkspaceEdit(changes={uri: edits}),
        is_preferred=safe,
    )


def _disable_for_line(uri: str, finding: Finding, document: LintedDocument, locator: Locator) -> types.CodeAction | None:
    """`# noqa: CODE` added to the last line of the finding's statement, merged with a noqa there."""
    from dqn_lint.diagnostics import FILE_CODES
    from dqn_lint.noqa_writer import noqa_row, with_noqa
    from dqn_lint.rules.dqn100_unused_noqa import UNUSED_NOQA

    if finding.code in FILE_CODES or finding.code == UNUSED_NOQA:
        return None
    new_text, added = with_noqa(document.text, [finding])
    if not added:
        return None
    row = noqa_row(finding)
    new_rows = split_rows(new_text)
    if row > len(new_rows) or row > len(locator.rows):
        return None
    old_line = locator.rows[row - 1]
    edit_range = locator.range(Span(Position(row, 1), Position(row, len(old_line) + 1)))
    return types.CodeAction(
        title=f"Disable {finding.code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[_finding_diagnostic(finding, locator)],
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=edit_range, new_text=new_rows[row - 1])]}),
    )


def fix_all(uri: str, document: LintedDocument, locator: Locator) -> types.CodeAction | None:
    """What `check --fix` would write for the document (safe fixes, unsafe ones too when the
    file's settings allow them), as one edit of the whole text; None when nothing changes or the
    fixes are refused."""
    from dqn_lint.fixes.apply import fix_input

    if document.file is None or not document.findings:
        return None
    outcome = fix_input(document.file, allowed_applicabilities(document.unsafe_fixes))
    if outcome.error is not None or not outcome.changed:
        return None
    return types.CodeAction(
        title=f"{SOURCE}: fix all {'auto-fixable' if document.unsafe_fixes else 'safe'} problems",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=locator.whole(), new_text=outcome.fixed_text)]}),
    )


def hover(document: LintedDocument, locator: Locator, position: Position) -> types.Hover | None:
    """The rule page of each finding under the cursor (its summary, why, and the fix), in Markdown."""
    under = [finding for finding in document.findings if contains(finding.span, position)]
    if not under:
        return None
    parts = []
    for finding in under:
        rule = registry.rule_by_code(finding.code)
        text = f"**{finding.code}** ({finding.name}): {finding.message}"
        if finding.fix is not None and finding.fix.message:
            text += f"\n\n*Fix*: {finding.fix.message}"
        if rule is not None:
            text += f"\n\n---\n\n{_page_without_title(rule.page())}"
        parts.append(text)
    first = min(finding.span.start for finding in under)
    last = max(finding.span.end for finding in under)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=locator.range(Span(first, last)),
    )


def _page_without_title(page: str) -> str:
    """The rule's page less its first heading (the hover already names the rule)."""
    lines = page.splitlines()
    return "\n".join(lines[1:]).strip() if lines and lines[0].startswith("# ") else page
