"""Applying text edits to a decoded source: positions to offsets, sorted, overlaps skipped.

Rows and columns are those of the parser (1-based; a line ends at `\r\n`, `\r` or `\n` only, the
way Python's tokenizer counts, never at the other characters `str.splitlines` breaks on).
A fix's edits go in together or not at all; a fix whose edits overlap an edit already taken waits
for the next pass, where it is computed again on the new text.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from dqn_lint.diagnostics import Edit, Fix, Position
from dqn_lint.sources import LINE_BREAK as _LINE_BREAK


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its own line ending, as the parser numbers them."""
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


class LineIndex:
    """Offsets of row starts, to turn 1-based (row, column) positions into string offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def offset(self, position: Position) -> int:
        row = min(max(position.row, 1), len(self.starts))
        return min(self.starts[row - 1] + position.column - 1, len(self.text))

    def position(self, offset: int) -> Position:
        row = bisect.bisect_right(self.starts, offset)
        return Position(row, offset - self.starts[row - 1] + 1)


def _ranges(index: LineIndex, fix: Fix) -> list[tuple[int, int, str]]:
    return sorted((index.offset(edit.span.start), index.offset(edit.span.end), edit.content) for edit in fix.edits)


def _overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Touching insertions at one offset conflict too: their order would be a guess."""
    (a_start, a_end), (b_start, b_end) = first, second
    if a_start == a_end == b_start == b_end:
        return True
    return a_start < b_end and b_start < a_end


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """`text` with every fix applied whose edits overlap no edit taken before it; and those fixes.

    Fixes are taken in the order of their first edit, so the outcome does not depend on the order
    the rules ran in.
    """
    index = LineIndex(text)
    candidates = sorted(((_ranges(index, fix), fix) for fix in fixes if fix.edits), key=lambda item: item[0])
    taken: list[tuple[int, int, str]] = []
    applied: list[Fix] = []
    for ranges, fix in candidates:
        if any(_overlaps((start, end), (t_start, t_end)) for start, end, _ in ranges for t_start, t_end, _ in taken):
            continue
        if any(_overlaps(ranges[i][:2], ranges[j][:2]) for i in range(len(ranges)) for j in range(i + 1, len(ranges))):
            continue  # a fix that contradicts itself is never applied
        taken.extend(ranges)
        applied.append(fix)
    return _splice(text, taken), applied


def _splice(text: str, ranges: Sequence[tuple[int, int, str]]) -> str:
    pieces, cursor = [], 0
    for start, end, content in sorted(ranges, key=lambda item: (item[0], item[1])):
        pieces.append(text[cursor:start])
        pieces.append(content)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)

