"""A file's bytes and text as CPython reads them, and the finding that says why they cannot be.

Every part of dqn-lint that reads a file (the linting pipeline, `--fix`, `--add-noqa`) reads and
decodes it here, so all agree on what the file says; a report shows a finding's lines from the
bytes the run linted (`HeldSources`), never from a second read.
"""

from __future__ import annotations

import re
import stat
import tokenize
from pathlib import Path

from dqn_lint.diagnostics import READ_ERROR, Finding, Position, Severity, Span

# Where CPython ends a line: `\r\n`, `\r` or `\n` (rows of findings are counted this way).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def file_finding(code_name: tuple[str, str], message: str, filename: str, row: int = 1, column: int = 1) -> Finding:
    where = Position(max(row, 1), max(column, 1))
    return Finding(
        code=code_name[0],
        name=code_name[1],
        message=message,
        severity=Severity.ERROR,
        span=Span(where, where),
        filename=filename,
    )


def read_source(path: Path, filename: str) -> bytes | Finding:
    """The file's bytes, or the DQN901 finding that says why they cannot be read."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
            return file_finding(READ_ERROR, "cannot read the file: not a regular file", filename)
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return file_finding(READ_ERROR, f"cannot read the file: {reason}", filename)


def source_encoding(source: bytes) -> str:
    """The encoding Python reads the file in: `utf-8-sig` for a BOM, a coding cookie, else UTF-8.
    Raises SyntaxError for a bad cookie."""
    lines = iter(source.splitlines(keepends=True)[:2])  # CPython ends a line at \r too, not only \n
    encoding, _ = tokenize.detect_encoding(lambda: next(lines, b""))
    return encoding


def decode_source(source: bytes) -> str:
    """Decode as Python does (a BOM is dropped). Raises UnicodeDecodeError/SyntaxError/LookupError."""
    return source.decode(source_encoding(source))


def split_rows(text: str) -> list[str]:
    """The rows of `text` as the parser numbers them (`\r`, `\n` and `\r\n` each end one), without
    their line endings."""
    return LINE_BREAK.split(text)


def source_lines(source: bytes) -> list[str] | None:
    """The file's rows (see `split_rows`), or None when the bytes cannot be decoded."""
    try:
        return split_rows(decode_source(source))
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return None


class HeldSources:
    """The bytes a run linted, by the name its findings give the file, decoded into lines only
    when a report shows them: the lines shown are the ones linted, even when the file has changed
    since or was read from stdin."""

    def __init__(self) -> None:
        self._sources: dict[str, bytes] = {}
        self._lines: dict[str, list[str] | None] = {}

    def hold(self, filename: str, source: bytes) -> None:
        self._sources[filename] = source
        self._lines.pop(filename, None)

    def lines(self, filename: str) -> list[str] | None:
        if filename not in self._lines:
            source = self._sources.get(filename)
            self._lines[filename] = None if source is None else source_lines(source)
        return self._lines[filename]
