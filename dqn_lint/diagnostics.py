"""The values a lint run produces: findings, their locations, related notes and fixes.

Everything here is a frozen dataclass so findings can be sorted, hashed, cached and compared in
tests. Rows and columns are 1-based everywhere (columns count characters, as editors do).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Applicability(str, enum.Enum):
    """How sure a fix is: `safe` keeps behaviour, `unsafe` changes training, `display-only` is advice."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True, order=True)
class Position:
    row: int
    column: int


@dataclass(frozen=True, order=True)
class Span:
    start: Position
    end: Position


@dataclass(frozen=True)
class Related:
    """A second location that explains a finding (the mask use of a conflated flag, say).

    `filename` is empty when the location is in the finding's own file; a project's flag made in
    `train.py` and masking the target in `agent.py` names the other file.
    """

    message: str
    span: Span
    filename: str = ""

    def file_of(self, finding: Finding) -> str:
        return self.filename or finding.filename


@dataclass(frozen=True)
class Edit:
    content: str
    span: Span


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()


def allowed_applicabilities(unsafe: bool) -> frozenset[Applicability]:
    """What `--fix` applies: safe fixes, and unsafe ones too with `--unsafe-fixes`."""
    return frozenset({Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE})


@dataclass(frozen=True)
class Finding:
    """One problem in one file.

    `statement_rows` is the first and last row of the statement that holds the finding, so a
    `# noqa` comment on any line of a multi-line statement suppresses it.
    """

    code: str
    name: str
    message: str
    severity: Severity
    span: Span
    filename: str = ""
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    statement_rows: tuple[int, int] | None = field(default=None, compare=False)

    def fixable(self, allowed: Collection[Applicability]) -> bool:
        """Whether `--fix` with these applicabilities would edit the file for this finding."""
        return self.fix is not None and bool(self.fix.edits) and self.fix.applicability in allowed

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.filename, self.span.start.row, self.span.start.column, self.code)


# ---- findings about a whole file, which no rule gives ------------------------------------------------
PARSE_ERROR = ("DQN900", "parse-error")
READ_ERROR = ("DQN901", "unreadable-file")
INTERNAL_ERROR = ("DQN902", "internal-error")
TOO_COMPLEX = ("DQN903", "too-complex-to-check")
FILE_CODES = frozenset({PARSE_ERROR[0], READ_ERROR[0], INTERNAL_ERROR[0], TOO_COMPLEX[0]})

# libcst keeps 500 to 3000 bytes of tree per byte of source (more for many short expressions):
# a 2 MiB file (1.5 times torch's largest source file) takes 1 to 6 GB and up to a minute. Larger
# files that pass the prefilter are generated code; they get one DQN903 rather than exhausting
# the machine's memory.
MAX_FILE_SIZE = 2 * 1024 * 1024
# Deeper expressions make libcst's parser slow (quadratic) long before they are wrong; real code
# stays below 100.
MAX_NESTING = 1000
