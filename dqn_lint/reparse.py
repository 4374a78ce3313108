"""Reparsing an edited document: only the top-level statements an edit touched are parsed again.

An editor lints a file at every pause in typing, and libcst's parse of the whole file plus the
code generation that finds its positions were over half of that lint. Between two versions of a
document, the top-level statements before and after the edited lines are the same text, so
their trees (immutable) are kept, and the positions of those after the edit move by the lines it
added or removed. The edited statements, with one line of margin on each side, are parsed as a
module of their own and spliced in.

Whenever the splice might differ from a parse of the whole text, the whole text is parsed
instead: the piece does not parse alone (an edit that opens a bracket or a string, an `else:`
typed after an `if`), its indentation unit is not the file's, its leading comments would have
no statement to belong to, or a blank or comment line at a seam is indented (it could belong to
the block before it). `tests/test_reparse.py` checks the splice against a whole parse, node for node.

Used by the language server only (`parsing.use_reparsing`); `check` parses each file once.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import positions as node_positions

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # lines as libcst counts them
_KEPT_DOCUMENTS = 64


class _Piece(NamedTuple):
    """A top-level statement's positions, in the lines of the text they were computed in."""

    positions: node_positions.Positions
    start: int  # the 0-based line where the statement (with its leading lines) started there


class _Parsed(NamedTuple):
    text: str
    code: str  # what the tree generates: the text, but where libcst does not give a file back as it was
    lines: list[str]
    module: cst.Module
    starts: list[int]  # the 0-based line where each statement's text (leading lines included) starts
    pieces: list[_Piece]
    header: node_positions.Positions  # absolute: the header is always at the top
    footer: _Piece  # the footer's nodes, with the line the footer starts at
    span: tuple[int, int, int, int]  # the module's own range
    footer_at: int  # the 0-based line where the footer now starts


class Reparser:
    """The last parse of each document, and the reparse of the next version from it."""

    def __init__(self) -> None:
        self._documents: OrderedDict[str, _Parsed] = OrderedDict()
        # the server lints on its lint thread while a code action's "fix all" lints on the main one
        self._lock = threading.Lock()

    def parse(self, text: str, filename: str) -> cst.Module:
        """The module of `text`, as `libcst.parse_module` gives it; raises what it raises."""
        with self._lock:
            return self._parse(text, filename)

    def _parse(self, text: str, filename: str) -> cst.Module:
        last = self._documents.get(filename)
        parsed = None
        if last is not None:
            if last.text == text:
                parsed = last
            elif last.code == last.text:  # a tree that does not give its text back is no base to splice on
                parsed = _spliced(last, text)
        if parsed is None:
            parsed = _whole(text)
        self._remember(filename, parsed)
        return parsed.module

    def _remember(self, filename: str, parsed: _Parsed) -> None:
        """Keep `parsed` for the next version, and give its positions to whoever asks for them."""
        old = self._documents.pop(filename, None)
        self._documents[filename] = parsed
        if old is not None and old.module is parsed.module:
            return  # the same text again (read once alone, once with its project): its positions stand
        if old is not None:
            node_positions.forget(old.module)
        node_positions.provide(parsed.module, functools.cache(lambda: (_positions(parsed), parsed.code)))
        while len(self._documents) > _KEPT_DOCUMENTS:
            _name, dropped = self._documents.popitem(last=False)
            node_positions.forget(dropped.module)


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _whole(text: str) -> _Parsed:
    module = cst.parse_module(text)
    split = node_positions.positions_by_statement(module)
    return _Parsed(
        text,
        split.code,
        _lines(text),
        module,
        split.starts,
        list(map(_Piece, split.statements, split.starts)),
        split.header,
        _Piece(split.footer, split.footer_start),
        split.span,
        split.footer_start,
    )


def _spliced(last: _Parsed, text: str) -> _Parsed | None:
    """The parse of `text` built from `last` and a parse of the lines that changed, or None when
    only a whole parse can be trusted."""
    body = last.module.body
    lines = _lines(text)
    bounds = _edited_statements(last, lines)
    if bounds is None:
        return None
    first, after = bounds
    shift = len(lines) - len(last.lines)
    piece_start = 0 if first == 0 else last.starts[first]
    piece_end = len(lines) if after == len(body) else last.starts[after] + shift
    piece_text = "".join(lines[piece_start:piece_end])
    piece = _piece(last, piece_text, first, after)
    if piece is None:
        return None
    split = node_positions.positions_by_statement(piece)  # lines counted from the piece's start
    if split.code != piece_text:
        return None  # libcst does not give this piece back as it was: parse the whole file
    changes: dict = {"body": (*body[:first], *piece.body, *body[after:])}
    if first == 0:
        changes.update(header=piece.header, encoding=piece.encoding, default_newline=piece.default_newline)
    if after == len(body):
        changes.update(footer=piece.footer, has_trailing_newline=piece.has_trailing_newline)
    module = last.module.with_changes(**changes)
    return _Parsed(
        text,
        text,
        lines,
        module,
        starts=[*last.starts[:first], *(start + piece_start for start in split.starts), *(start + shift for start in last.starts[after:])],
        pieces=[*last.pieces[:first], *map(_Piece, split.statements, split.starts), *last.pieces[after:]],
        header=split.header if first == 0 else last.header,
        footer=_Piece(split.footer, split.footer_start) if after == len(body) else last.footer,
        span=(1, 0, len(lines) + 1, 0) if text else (1, 0, 1, 0),  # code generation ends every file with a newline
        footer_at=len(lines) - len(module.footer),
    )


def _edited_statements(last: _Parsed, lines: list[str]) -> tuple[int, int] | None:
    """The top-level statements `[first, after)` of `last` that the new `lines` may have changed:
    those within one unchanged line of a changed one."""
    old, body = last.lines, last.module.body
    same_head, limit = 0, min(len(old), len(lines))
    while same_head < limit and old[same_head] == lines[same_head]:
        same_head += 1
    same_tail = 0
    while same_tail < limit - same_head and old[-1 - same_tail] == lines[-1 - same_tail]:
        same_tail += 1
    changed_end = len(old) - same_tail  # the old lines [same_head, changed_end) changed
    ends = [*last.starts[1:], last.footer_at]
    first = next((i for i, end in enumerate(ends) if end > same_head - 1), len(body))
    after = next((i for i, start in enumerate(last.starts) if start > changed_end and i >= first), len(body))
    if first == after or (after < len(body) and _indented_line(body[after].leading_lines)):
        return None
    return first, after


def _piece(last: _Parsed, piece_text: str, first: int, after: int) -> cst.Module | None:
    """The edited statements parsed alone, their leading lines where a whole parse puts them; None
    when they would not be the whole parse's."""
    try:
        piece = cst.parse_module(piece_text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    body = last.module.body
    if not piece.body or piece.default_newline != last.module.default_newline:
        return None
    if _has_block(piece.body):
        if piece.default_indent != last.module.default_indent:
            return None
    elif not _has_block(body[:first]):
        return None  # the file's indentation unit may come from the edited lines
    if after < len(body) and (piece.footer or not piece.has_trailing_newline):
        return None  # lines at its end that a whole parse gives to the next statement
    if first == 0:
        return piece
    if _indented_line(piece.header):
        return None  # they may close the block of the statement kept before
    lead = piece.body[0]
    lead = lead.with_changes(leading_lines=(*piece.header, *lead.leading_lines))
    return piece.with_changes(header=(), body=(lead, *piece.body[1:]))


def _indented_line(lines) -> bool:
    """A blank or comment line that does not start at column 0: whether a block before it owns it
    depends on that block's indentation, so it cannot stand at a seam."""
    return any(line.whitespace.value or not line.indent for line in lines)


def _has_block(statements) -> bool:
    return any(isinstance(getattr(statement, "body", None), cst.IndentedBlock) for statement in statements)


def _moved(span: tuple[int, int, int, int], lines: int) -> tuple[int, int, int, int]:
    return (span[0] + lines, span[1], span[2] + lines, span[3])


def _positions(parsed: _Parsed) -> node_positions.Positions:
    """Every node's position in `parsed.text`, each statement's moved to where it now starts."""
    merged: node_positions.Positions = dict(parsed.header)
    for piece, start in zip(parsed.pieces, parsed.starts):
        shift = start - piece.start
        if shift == 0:
            merged.update(piece.positions)
        else:
            merged.update({node: (a + shift, b, c + shift, d) for node, (a, b, c, d) in piece.positions.items()})
    footer_shift = parsed.footer_at - parsed.footer.start
    merged.update({node: _moved(span, footer_shift) for node, span in parsed.footer.positions.items()})
    merged[parsed.module] = parsed.span
    return merged
