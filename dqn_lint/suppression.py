"""`# noqa` comments: which findings the author has silenced, read from real comment tokens.

`# noqa` silences every code on its line, `# noqa: DQN001, DQN003` only those codes; a finding is
silenced by such a comment on any line of its statement. `# dqn-lint: noqa` on a line of its own
skips the whole file, and `# dqn-lint: noqa: DQN003` silences that code in the whole file.
Comments are found with `tokenize`, so a `# noqa` inside a string literal is not a comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from dqn_lint.diagnostics import Finding

_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*)"
# Line directives: bare, with codes (`: DQN001, DQN003`, also `: DQN001` after a space), never `noqanything`.
_LINE_NOQA = re.compile(r"#\s*noqa(?:\s*:\s*" + _CODES + r")?(?![\w])", re.IGNORECASE)
# The file directive (dqn-lint, colon, noqa) alone on its line, optionally with codes and a reason after them.
_FILE_NOQA = re.compile(r"^#\s*dqn-lint\s*:\s*noqa(?:\s*:\s*" + _CODES + r")?(?![\w])", re.IGNORECASE)
_ALL = frozenset({"*"})


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return _ALL
    return frozenset(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)


@dataclass(frozen=True)
class Suppressions:
    by_row: dict[int, frozenset[str]] = field(default_factory=dict)
    file_codes: frozenset[str] = frozenset()

    @property
    def skips_file(self) -> bool:
        return "*" in self.file_codes

    def silences(self, finding: Finding) -> bool:
        if "*" in self.file_codes or finding.code in self.file_codes:
            return True
        first, last = finding.statement_rows or (finding.span.start.row, finding.span.end.row)
        first = min(first, finding.span.start.row)
        last = max(last, finding.span.end.row)
        for row in range(first, last + 1):
            codes = self.by_row.get(row)
            if codes is not None and ("*" in codes or finding.code in codes):
                return True
        return False


def read_suppressions(text: str) -> Suppressions:
    """Collect noqa comments; a file that does not tokenize gives what was read before the error."""
    by_row: dict[int, frozenset[str]] = {}
    file_codes: set[str] = set()
    if "noqa" not in text.lower():
        return Suppressions()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
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
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return Suppressions(by_row, frozenset(file_codes))
