"""Our positions (1-based, characters, rows ended as Python's parser ends them) as LSP positions
(0-based, in the client's code units) and back."""

from __future__ import annotations

from lsprotocol import types

from dqn_lint.diagnostics import Position, Span
from dqn_lint.lsp.positions import Locator, contains, split_rows


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_columns_after_wide_characters_count_utf16_units():
    text = "x = 1\ns = '🙂γ'; y = s\n"
    locator = Locator(text, utf16)
    # `y` is the 12th character of row 2; the emoji before it takes two UTF-16 units
    assert locator.position(Position(2, 12)) == types.Position(line=1, character=12)
    assert locator.position(Position(1, 1)) == types.Position(line=0, character=0)


def test_client_positions_convert_back_to_characters():
    text = "s = '🙂γ'; y = s\n"
    locator = Locator(text, utf16)
    for column in range(1, len(split_rows(text)[0]) + 2):
        ours = Position(1, column)
        assert locator.ours(locator.position(ours)) == ours


def test_rows_end_at_carriage_returns_as_the_parser_counts_them():
    text = "a = 1\rb = 2\r\nc = 3\n"
    assert split_rows(text) == ["a = 1", "b = 2", "c = 3", ""]
    assert Locator(text, len).position(Position(3, 1)) == types.Position(line=2, character=0)


def test_a_position_past_the_end_is_the_end_of_the_text():
    locator = Locator("a = 1\n", len)
    assert locator.position(Position(9, 4)) == types.Position(line=1, character=0)
    assert locator.whole() == types.Range(start=types.Position(line=0, character=0), end=types.Position(line=1, character=0))


def test_a_cursor_at_either_end_of_a_span_is_inside_it():
    span = Span(Position(2, 5), Position(2, 9))
    assert contains(span, Position(2, 5)) and contains(span, Position(2, 9))
    assert not contains(span, Position(2, 10)) and not contains(span, Position(1, 7))

