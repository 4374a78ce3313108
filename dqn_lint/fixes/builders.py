"""Edits that fixes are made of, computed from the program model's nodes and the source text.

A rule's fix says *what* to change (this node becomes that code, these statements go under
`with torch.no_grad():`); these helpers say *where*, in rows and columns of the file, and keep the
file's indentation style and line endings.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from dqn_lint.diagnostics import Edit, Position, Span
from dqn_lint.fixes.edits import split_lines
from dqn_lint.model.source import SourceIndex, walk


def replace_node(source: SourceIndex, node: cst.CSTNode, content: str) -> Edit:
    return Edit(content, source.span(node))


def insert_before(source: SourceIndex, node: cst.CSTNode, content: str) -> Edit:
    start = source.span(node).start
    return Edit(content, Span(start, start))


def insert_after(source: SourceIndex, node: cst.CSTNode, content: str) -> Edit:
    end = source.span(node).end
    return Edit(content, Span(end, end))


def insert_statement_before(source: SourceIndex, statement: cst.CSTNode, code: str) -> Edit | None:
    """An edit adding `code` as a statement line of its own right before `statement`, at its
    indentation and with the file's line ending. None when `statement` does not begin its line."""
    file = source.unit_of(statement)
    start = source.span(statement).start
    line = split_lines(file.text)[start.row - 1]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if start.column != len(indent) + 1:
        return None
    return Edit(f"{code}{file.module.default_newline}{indent}", Span(start, start))


def bare_code(source: SourceIndex, node: cst.BaseExpression) -> str:
    """The code of an expression without its own parentheses, which its span leaves out too."""
    module = source.unit_of(node).module
    return module.code_for_node(node.with_changes(lpar=[], rpar=[]) if getattr(node, "lpar", None) else node)


def wrap_statements(source: SourceIndex, statements: Sequence[cst.SimpleStatementLine], header: str) -> Edit | None:
    """An edit putting whole statement lines under `header:` (e.g. `with torch.no_grad()`), one level deeper.

    Continuation lines move with their statement; lines inside a multi-line string keep their
    text, since their indentation is part of the string's value. None when the first statement
    does not begin its line (it follows a `;`), so there is no line to indent.
    """
    file = source.unit_of(statements[0])  # the statements' own file, primary or not
    lines = split_lines(file.text)
    first, last = source.span(statements[0]), source.span(statements[-1])
    first_line = lines[first.start.row - 1]
    indent = first_line[: len(first_line) - len(first_line.lstrip(" \t"))]
    if first.start.column != len(indent) + 1:
        return None
    unit = _indent_unit(file.module, indent)
    inside_strings = _rows_inside_strings(source, statements)
    newline = file.module.default_newline
    out = [f"{indent}{header}:{newline}"]
    for row in range(first.start.row, last.end.row + 1):
        line = lines[row - 1]
        if row in inside_strings or not line.strip():
            out.append(line)
        elif line.startswith(indent):  # the new level goes after the block's own indentation, so
            out.append(indent + unit + line[len(indent) :])  # tabs stay before spaces (no TabError)
        else:  # a continuation line, whose indentation does not matter
            out.append(unit + line)
    end_row = last.end.row
    end = Position(end_row + 1, 1) if end_row < len(lines) else Position(end_row, len(lines[end_row - 1]) + 1)
    return Edit("".join(out), Span(Position(first.start.row, 1), end))


def _indent_unit(module: cst.Module, indent: str) -> str:
    """One more level in the style of the surrounding block: a tab after tabs, else the file's spaces."""
    if indent.endswith("\t"):
        return "\t"
    default = module.default_indent
    if default and not default.strip(" "):
        return default
    return "    "


def _rows_inside_strings(source: SourceIndex, statements: Sequence[cst.CSTNode]) -> set[int]:
    rows: set[int] = set()
    for statement in statements:
        for node in walk(statement):
            if isinstance(node, (cst.SimpleString, cst.FormattedString)):
                span = source.span(node)
                rows.update(range(span.start.row + 1, span.end.row + 1))
    return rows
