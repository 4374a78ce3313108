"""Our locations (1-based rows and columns counted in characters, rows ended by `\r`, `\n` or
`\r\n` as Python's parser ends them) as LSP ranges (0-based, columns in the code units the client
negotiated: UTF-16 unless it asked for another)."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from dqn_lint.diagnostics import Position, Span
from dqn_lint.sources import split_rows


class Locator:
    """Converts positions in one text, whose rows are known, to the client's units."""

    def __init__(self, text: str, units: Callable[[str], int]) -> None:
        self.rows = split_rows(text)
        self._units = units

    def position(self, position: Position) -> types.Position:
        row = position.row - 1
        if row >= len(self.rows):  # past the end: the end of the text
            return types.Position(line=max(len(self.rows) - 1, 0), character=self._units(self.rows[-1]) if self.rows else 0)
        row = max(row, 0)
        prefix = self.rows[row][: max(position.column - 1, 0)]
        return types.Position(line=row, character=self._units(prefix))

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def whole(self) -> types.Range:
        """The range of the whole text."""
        last = len(self.rows) - 1
        return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=last, character=self._units(self.rows[last])))

    def ours(self, position: types.Position) -> Position:
        """The client's position as ours (1-based, characters)."""
        row = min(max(position.line, 0), len(self.rows) - 1)
        text = self.rows[row]
        column = 0
        while column < len(text) and self._units(text[: column + 1]) <= position.character:
            column += 1
        return Position(row + 1, column + 1)


def contains(span: Span, position: Position) -> bool:
    """Whether `position` is within `span`, both ends included (a cursor right after the flagged
    text still hovers it)."""
    return span.start <= position <= span.end


def overlaps(span: Span, start: Position, end: Position) -> bool:
    """Whether `span` touches the range [start, end] (an editor's selection, or its cursor)."""
    return span.start <= end and start <= span.end
