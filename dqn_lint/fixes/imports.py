"""Naming a module's attribute in a fix, adding the import when the file lacks it.

Every fix that needs `copy.deepcopy` or `torch.no_grad` asks here, so the reference follows the
file's own imports (`import torch as th` gives `th.no_grad`, `from copy import deepcopy` gives
`deepcopy`) and a missing import is added once, in one place, next to the other imports.
"""

from __future__ import annotations

import sys

import libcst as cst

from dqn_lint.diagnostics import Edit, Position, Span
from dqn_lint.model.source import SourceIndex, walk


def attribute_reference(
    source: SourceIndex, module: str, attribute: str, at: cst.CSTNode | None = None
) -> tuple[str, tuple[Edit, ...]] | None:
    """Code that names `module.attribute` where `at` stands (default: module level), and the edits
    adding an import if needed.

    None when the attribute cannot be named without shadowing something: the module's name is
    already bound at module level to something else, or bound in a function or class around `at`
    (`torch = 1` in the function: `torch.no_grad` there would not be torch's).
    """
    found = _module_level_reference(source, module, attribute)
    if found is not None and at is not None and _bound_locally(source, found[0].split(".")[0], at):
        return None
    return found


def _module_level_reference(source: SourceIndex, module: str, attribute: str) -> tuple[str, tuple[Edit, ...]] | None:
    body = source.module.body
    for statement in _top_level_small_statements(body):
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                imported = source.code(alias.name).strip()
                if alias.asname is not None and imported == module:
                    return f"{source.code(alias.asname.name).strip()}.{attribute}", ()
                if alias.asname is None and (imported == module or imported.startswith(module + ".")):
                    return f"{module}.{attribute}", ()
        elif isinstance(statement, cst.ImportFrom) and statement.module is not None and not statement.relative:
            if source.code(statement.module).strip() != module or isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                if source.code(alias.name).strip() == attribute:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    return source.code(bound).strip(), ()
    if _binds_at_module_level(source, module):
        return None
    return f"{module}.{attribute}", (_import_edit(source, module),)


def _bound_locally(source: SourceIndex, name: str, at: cst.CSTNode) -> bool:
    """Whether `name`, written at `at`, would refer to a binding in an enclosing function or class."""
    scope = next((source.scope(node) for node in walk(at) if isinstance(node, cst.Name) and source.scope(node) is not None), None)
    if scope is None:
        return False
    module_scope = source.scope(source.module)
    return any(binding.scope is not module_scope and binding.node is not None for binding in scope.resolve(name, scope))


def _top_level_small_statements(body) -> list[cst.BaseSmallStatement]:
    return [small for statement in body if isinstance(statement, cst.SimpleStatementLine) for small in statement.body]


def _binds_at_module_level(source: SourceIndex, name: str) -> bool:
    scope = source.scope(source.module)
    return scope is not None and name in scope


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _imports_of(statement: cst.CSTNode) -> list[cst.BaseSmallStatement] | None:
    if isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    ):
        return list(statement.body)
    return None


def _is_future_import(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.ImportFrom) and small.module is not None and getattr(small.module, "value", "") == "__future__"


def _import_edit(source: SourceIndex, module: str) -> Edit:
    """`import <module>` among the file's leading imports, where isort would put it.

    In its section (standard library or not): before the first plain import of the section that
    sorts after it, else after the section's last import. A section that does not exist yet is
    opened with a blank line next to the other one. With no imports at all: after the docstring
    and `__future__` imports, else before the first statement (never above a shebang or a coding
    cookie).
    """
    newline = source.module.default_newline
    line = f"import {module}{newline}"
    ours = _is_stdlib(module)
    anchor: cst.CSTNode | None = None  # docstring or __future__ import
    imports: list[tuple[cst.CSTNode, str, bool]] = []  # statement, first module, plain import
    for index, statement in enumerate(source.module.body):
        smalls = _imports_of(statement)
        if index == 0 and _is_docstring(statement) or smalls and any(_is_future_import(s) for s in smalls):
            anchor = statement
            continue
        if smalls is None:
            break
        first = smalls[0]
        if isinstance(first, cst.Import):
            name = source.code(first.names[0].name).strip()
        else:  # a relative import sorts with no section of ours
            name = "." if first.relative or first.module is None else source.code(first.module).strip()
        imports.append((statement, name, isinstance(first, cst.Import)))
    section = [entry for entry in imports if _is_stdlib(entry[1]) == ours and not entry[1].startswith(".")]
    for statement, name, plain in section:
        if plain and name > module:
            return _insert_before(source, statement, line)
    plain = [entry for entry in section if entry[2]]
    if plain:  # isort puts `import x` before `from x import y` in a section
        return _insert_after(source, plain[-1][0], line, newline)
    if section:
        return _insert_before(source, section[0][0], line)
    if imports and ours:  # the standard library section comes first
        return _insert_before(source, imports[0][0], line + newline)
    if imports:
        return _insert_after(source, imports[-1][0], newline + line, newline)
    # No imports yet: the new one stands apart from the code after it.
    if anchor is not None:
        return _insert_after(source, anchor, line + newline, newline)
    if source.module.body:
        return _insert_before(source, source.module.body[0], line + newline)
    end = source.span(source.module).end
    return Edit(line, Span(end, end))


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def _insert_before(source: SourceIndex, statement: cst.CSTNode, line: str) -> Edit:
    row = source.span(statement).start.row
    return Edit(line, Span(Position(row, 1), Position(row, 1)))


def _insert_after(source: SourceIndex, statement: cst.CSTNode, line: str, newline: str) -> Edit:
    end = source.span(statement).end
    if statement is source.module.body[-1] and not source.module.has_trailing_newline:
        return Edit(newline + line[: -len(newline)], Span(end, end))
    return Edit(line, Span(Position(end.row + 1, 1), Position(end.row + 1, 1)))
