"""DQN100 unused-noqa: the codes of ours in a `# noqa` that silenced nothing, and the fix that drops them.

This cannot be an ordinary check over the program model: whether a directive is used depends on
the findings of all the other rules. So the engine calls `unused_noqa_findings` after the rules
ran and before it applies the suppressions; a DQN100 finding can then be silenced like any other
(`# noqa: DQN100` on its line, or a file directive).

Only codes with our prefix are judged: other linters read the same comment (`# noqa: E501`), and a
bare `# noqa` names no code. File directives are never reported: they are a deliberate, file-wide
choice, and they are often meant for code that is about to be written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import NamedTuple

from dqn_lint.diagnostics import Applicability, Edit, Finding, Fix, Position, Span
from dqn_lint.rule import Rule
from dqn_lint.suppression import Directive, Suppressions

UNUSED_NOQA = "DQN100"
OUR_PREFIX = "DQN"


class Verdict(NamedTuple):  # a NamedTuple: made at start-up 8x faster than a dataclass
    """The codes of ours in one directive that silenced nothing, by why (as ruff words it)."""

    unused: tuple[str, ...] = ()  # enabled in this run, but no finding of it on the statement
    non_enabled: tuple[str, ...] = ()  # a real rule that this run did not run
    unknown: tuple[str, ...] = ()  # no rule has this code

    @property
    def codes(self) -> frozenset[str]:
        return frozenset((*self.unused, *self.non_enabled, *self.unknown))

    def message(self) -> str:
        parts = [
            f"{label}: " + ", ".join(f"`{code}`" for code in codes)
            for label, codes in (("unused", self.unused), ("non-enabled", self.non_enabled), ("unknown", self.unknown))
            if codes
        ]
        return f"Unused `noqa` directive ({'; '.join(parts)})"


def judge(
    directive: Directive, used: Collection[tuple[int, str]], enabled: Collection[str], known: Collection[str]
) -> Verdict | None:
    """Which of the directive's codes of ours silenced nothing; None when every one is needed.

    `DQN100` itself is never judged: a report about it would be silenced by the very directive
    that names it, so naming it is how an author keeps a directive DQN100 would remove.
    """
    unused: list[str] = []
    non_enabled: list[str] = []
    unknown: list[str] = []
    for code in dict.fromkeys(code.upper() for code in directive.codes):
        if not code.startswith(OUR_PREFIX) or code == UNUSED_NOQA or (directive.row, code) in used:
            continue
        if code not in known:
            unknown.append(code)
        elif code not in enabled:
            non_enabled.append(code)
        else:
            unused.append(code)
    if not (unused or non_enabled or unknown):
        return None
    return Verdict(tuple(unused), tuple(non_enabled), tuple(unknown))


def unused_noqa_findings(
    text: str,
    filename: str,
    rule: Rule,
    suppressions: Suppressions,
    findings: Iterable[Finding],
    enabled: Collection[str],
    known: Collection[str],
) -> list[Finding]:
    """One DQN100 finding per line directive with codes of ours that silenced none of `findings`.

    `findings` must be every finding of the run before suppression: a code is used when it
    silences one of them. `enabled` and `known` are codes, with the DQN9xx file codes among both.
    """
    used = frozenset().union(*(suppressions.silenced_by(finding) for finding in findings))
    verdicts = [(directive, judge(directive, used, enabled, known)) for directive in suppressions.directives]
    verdicts = [(directive, verdict) for directive, verdict in verdicts if verdict is not None]
    if not verdicts:
        return []
    from dqn_lint.fixes.edits import split_lines

    lines = split_lines(text)
    return [_finding(rule, directive, verdict, lines, filename) for directive, verdict in verdicts]


def _finding(rule: Rule, directive: Directive, verdict: Verdict, lines: list[str], filename: str) -> Finding:
    row = directive.row
    return Finding(
        code=rule.code,
        name=rule.name,
        message=verdict.message(),
        severity=rule.severity,
        span=Span(Position(row, directive.start + 1), Position(row, directive.comment_end + 1)),
        filename=filename,
        fix=removal_fix(directive, verdict.codes, lines),
        statement_rows=(row, row),
    )


def removal_fix(directive: Directive, codes: Collection[str], lines: list[str]) -> Fix:
    """Drop `codes` from the directive; with none of its codes left, drop the directive itself.

    Safe: only a comment changes, and the codes removed silenced nothing in this run.
    """
    kept = [code for code in directive.codes if code.upper() not in codes]
    if kept:
        span = _span(directive.row, directive.codes_start, directive.codes_end)
        listed = ", ".join(f"`{code}`" for code in sorted(codes))
        return Fix(Applicability.SAFE, f"Remove {listed} from the `noqa` directive", (Edit(", ".join(kept), span),))
    return Fix(Applicability.SAFE, "Remove the unused `noqa` directive", (_directive_removal(directive, lines),))


def _directive_removal(directive: Directive, lines: list[str]) -> Edit:
    """The edit that deletes a directive and the space it leaves, the way ruff deletes one.

    `x = 1  # noqa: DQN003` loses the comment and the spaces before it; a line that held only the
    directive goes altogether; `# type: ignore  # noqa: DQN003` keeps the other comment; and an
    explanation after the codes (`# noqa: DQN003 legacy baseline`) stays as a comment of its own.
    """
    row = directive.row
    full_line = lines[row - 1] if row <= len(lines) else ""
    line = full_line.rstrip("\r\n")
    before, after = line[: directive.start], line[directive.end :]
    leading = len(before) - len(before.rstrip())
    trailing = len(after) - len(after.lstrip())
    if not before.strip() and not after.strip():
        if len(full_line) > len(line):  # the line break goes too
            return Edit("", Span(Position(row, 1), Position(row + 1, 1)))
        return Edit("", _span(row, 0, len(line)))
    if not after.strip():
        return Edit("", _span(row, directive.start - leading, len(line)))
    if after.lstrip().startswith("#"):
        return Edit("", _span(row, directive.start, directive.end + trailing))
    return Edit("# ", _span(row, directive.start, directive.end + trailing))


def _span(row: int, start: int, end: int) -> Span:
    """A span on one row from 0-based character offsets."""
    return Span(Position(row, start + 1), Position(row, end + 1))
