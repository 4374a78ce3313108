"""`# noqa` comments: which findings the author has silenced, read from real comment tokens.

`# noqa` silences every code on its line, `# noqa: DQN001, DQN003` only those codes; a finding is
silenced by such a comment on any line of its statement. `# dqn-lint: noqa` on a line of its own
skips the whole file, and `# dqn-lint: noqa: DQN003` silences that code in the whole file.
Comments are found with `tokenize`, so a `# noqa` inside a string literal is not a comment.

Each line directive is also kept with its place on the line and its codes as written: DQN100
reports the codes that silenced nothing and its fix rewrites them, and `--add-noqa` extends them.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

from dqn_lint.diagnostics import Finding

_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*)"
# Line directives: bare, with codes (`: DQN001, DQN003`, also `: DQN001` after a space), never `noqanything`.
_LINE_NOQA = re.compile(r"#\s*noqa(?:\s*:\s*" + _CODES + r")?(?![\w])", re.IGNORECASE)
# The file directive (dqn-lint, colon, noqa) alone on its line, optionally with codes and a reason after them.
_FILE_NOQA = re.compile(r"^#\s*dqn-lint\s*:\s*noqa(?:\s*:\s*" + _CODES + r")?(?![\w])", re.IGNORECASE)
_ALL = frozenset({"*"})
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return _ALL
    return frozenset(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)


@dataclass(frozen=True)
class Directive:
    """One line-level `# noqa` comment, located on its line so that it can be reported and rewritten.

    Offsets are 0-based character offsets into the line's text (add 1 for a column). `end` is the
    end of the directive proper (`# noqa: CODES`), not of an explanation written after the codes;
    `comment_end` is the end of the whole comment, which is also the end of the line's text.
    """

    row: int
    start: int
    end: int
    comment_end: int
    codes: tuple[str, ...] = ()  # as written; empty for a bare `# noqa`
    codes_start: int = -1  # where the code list is, to rewrite it in place
    codes_end: int = -1

    @property
    def is_bare(self) -> bool:
        return not self.codes


@dataclass(frozen=True)
class Suppressions:
    by_row: dict[int, frozenset[str]] = field(default_factory=dict)
    file_codes: frozenset[str] = frozenset()
    directives: tuple[Directive, ...] = ()

    @property
    def skips_file(self) -> bool:
        return "*" in self.file_codes

    def silences(self, finding: Finding) -> bool:
        if "*" in self.file_codes or finding.code in self.file_codes:
            return True
        return bool(self.silenced_by(finding))

    def silenced_by(self, finding: Finding) -> frozenset[tuple[int, str]]:
        """The (row, code) entries of the line directives that silence `finding`: its code on a row
        of its statement, or `*` for a bare `# noqa` there. File directives are not included.

        Every such directive counts, not just the first: a second `# noqa` for the same finding is
        redundant but not wrong, and DQN100 would rather keep a directive than remove a needed one.
        """
        used = set()
        for row in _statement_rows(finding):
            codes = self.by_row.get(row)
            if codes is None:
                continue
            if "*" in codes:
                used.add((row, "*"))
            if finding.code in codes:
                used.add((row, finding.code))
        return frozenset(used)

    def directive_on(self, row: int) -> Directive | None:
        """The line directive on `row`, if it holds one (a comment holds at most one)."""
        return next((directive for directive in self.directives if directive.row == row), None)


def _statement_rows(finding: Finding) -> range:
    """The rows a noqa may sit on for `finding`: its statement's, widened to its own span."""
    first, last = finding.statement_rows or (finding.span.start.row, finding.span.end.row)
    return range(min(first, finding.span.start.row), max(last, finding.span.end.row) + 1)


def _physical_lines(text: str) -> Iterator[str]:
    """The lines as the parser counts them (a lone `\r` ends one too, which `readline` misses)."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def _directive(row: int, column: int, comment: str, match: re.Match[str]) -> Directive:
    codes_text = match.group("codes")
    codes = tuple(code.group() for code in _CODE.finditer(codes_text)) if codes_text else ()
    codes_start, codes_end = (column + match.start("codes"), column + match.end("codes")) if codes_text else (-1, -1)
    return Directive(
        row=row,
        start=column + match.start(),
        end=column + match.end(),
        comment_end=column + len(comment),
        codes=codes,
        codes_start=codes_start,
        codes_end=codes_end,
    )


def read_suppressions(text: str) -> Suppressions:
    """Collect noqa comments; a file that does not tokenize gives what was read before the error."""
    by_row: dict[int, frozenset[str]] = {}
    file_codes: set[str] = set()
    directives: list[Directive] = []
    if "noqa" not in text.lower():
        return Suppressions()
    try:
        for token in tokenize.generate_tokens(iter(_physical_lines(text)).__next__):
            if token.type != tokenize.COMMENT:
                continue
            comment = token.string
            own_line = not token.line[: token.start[1]].strip()
            file_match = _FILE_NOQA.match(comment) if own_line else None
            if file_match:
                file_codes |= _codes(file_match.group("codes"))
                continue
            line_match = _LINE_NOQA.search(comment)
            if line_match:
                row = token.start[0]
                by_row[row] = by_row.get(row, frozenset()) | _codes(line_match.group("codes"))
                directives.append(_directive(row, token.start[1], comment, line_match))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return Suppressions(by_row, frozenset(file_codes), tuple(directives))
