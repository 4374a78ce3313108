"""A file's text to a libcst tree, or the DQN9xx finding that says why there is none.

libcst's native parser recurses on the C stack: the main thread's 8 MiB overflow (a segfault, not
an exception) on an 8000-term `a + a + ...`. So files are measured first (size, bracket depth,
CPython's own verdict when they look deeply nested), and parsing and analysis run on a thread with
a large stack (`on_deep_stack`), where Python's recursion limit is what runs out first.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from dqn_lint.diagnostics import INTERNAL_ERROR, MAX_FILE_SIZE, MAX_NESTING, PARSE_ERROR, TOO_COMPLEX, Finding
from dqn_lint.sources import file_finding

_T = TypeVar("_T")
_ANALYSIS_STACK_SIZE = 512 * 1024 * 1024
_ANALYSIS_RECURSION_LIMIT = 20_000
_BRACKET = re.compile(r"[][(){}]")
_OPENING = frozenset("([{")


def parse_module(text: str, filename: str, cpython_error: Exception | None = None, cpython_ran: bool = False):
    """libcst's tree of the file, or the DQN900/DQN903 finding that says why there is none. Call it
    on the deep stack; `cpython_error` is CPython's verdict when it already ran."""
    import libcst

    try:
        if _reparser is not None:
            return _reparser.parse(text, filename)
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        if not cpython_ran:
            cpython_error = cpython_parse_error(text, filename)
        if cpython_error is None:  # valid Python beyond libcst's limits (4000 joined strings, say)
            return _beyond_libcst(error, filename)
        return _syntax_error_finding(text, filename, error, cpython_error)
    except RecursionError:
        return too_deep(filename)


_reparser = None  # the language server's: reparses an edited document from its last version


def use_reparsing() -> None:
    """Parse each file from its last parse from now on, reparsing only what an edit touched (the
    language server, which lints the same documents again and again). Not with a libcst whose
    code generation the positions module cannot drive: a spliced tree needs its positions."""
    global _reparser
    from dqn_lint.model import positions
    from dqn_lint.reparse import Reparser

    if positions.CodegenState is not None and _reparser is None:
        _reparser = Reparser()


class Measured(NamedTuple):
    """A file measured before it is parsed: the DQN903 (or CPython's DQN900) of a file too large
    or too deeply nested to parse, and CPython's verdict when it had to run (reused when libcst
    fails, for the syntax error's message)."""

    refused: Finding | None
    cpython_error: Exception | None = None
    cpython_ran: bool = False


def measure(text: str, filename: str) -> Measured:
    """CPython's parser runs first on files that look deeply nested: it rejects the nesting that
    libcst cannot handle, fast."""
    too_large_finding = too_large(text, filename)
    if too_large_finding is not None:
        return Measured(too_large_finding)
    if not may_nest_deeply(text):
        return Measured(None)
    result = cpython_parse(text, filename)
    return Measured(beyond_limits(text, filename, result), result if isinstance(result, Exception) else None, True)


def syntax_problem(text: str, filename: str) -> str | None:
    """What CPython's parser finds wrong with `text`, None when it parses: the check new text (a
    fix's result, a noqa comment added) passes before a file is written."""
    error = cpython_parse_error(text, filename)
    if error is None:
        return None
    if isinstance(error, SyntaxError):
        return f"{error.msg} at line {error.lineno or '?'}"
    if isinstance(error, (RecursionError, MemoryError)):
        return "too deeply nested"
    return str(error)


def too_large(text: str, filename: str) -> Finding | None:
    if len(text) <= MAX_FILE_SIZE:
        return None
    size = len(text.encode("utf-8", "surrogatepass")) / 2**20
    limit = MAX_FILE_SIZE / 2**20
    return file_finding(TOO_COMPLEX, f"the file is too large to check ({size:.1f} MiB, the limit is {limit:g} MiB); it was not checked", filename)


def internal_error(where: str, error: Exception, filename: str) -> Finding:
    reason = " ".join(f"{type(error).__name__}: {error}".split())
    return file_finding(
        INTERNAL_ERROR,
        f"internal error {where} ({reason}); this is a bug in dqn-lint, please report it with this file",
        filename,
    )


def too_deep(filename: str, depth: int | None = None) -> Finding:
    how = f"{depth} levels deep, too deeply" if depth is not None else "too deeply"
    return file_finding(
        TOO_COMPLEX, f"the file is nested {how} to check (the limit is {MAX_NESTING} levels); it was not checked", filename
    )


def _beyond_libcst(error: Exception, filename: str) -> Finding:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return file_finding(
        TOO_COMPLEX, f"the file is valid Python that libcst cannot parse ({reason}); it was not checked", filename
    )


def on_deep_stack(work: Callable[[], _T]) -> _T:
    """`work()` run in a thread with a large C stack and a high recursion limit (see
    _ANALYSIS_STACK_SIZE); its exception, if any, is raised here."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed to the calling thread
            outcome.append(error)

    previous_size = threading.stack_size(_ANALYSIS_STACK_SIZE)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _ANALYSIS_RECURSION_LIMIT))
    try:
        thread = threading.Thread(target=run, name="dqn-lint-analysis", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous_size)
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(previous_limit)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def cpython_parse(text: str, filename: str):
    """CPython's own tree of the file, or the exception its parser raised."""
    import ast

    try:
        return compile(text, filename, "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as error:
        return error


def cpython_parse_error(text: str, filename: str) -> Exception | None:
    """What CPython's own parser says about the file: None when it parses."""
    result = cpython_parse(text, filename)
    return result if isinstance(result, Exception) else None


def may_nest_deeply(text: str) -> bool:
    """Cheap signs of deep nesting: brackets 50 deep, or a very long line (a long `a + a + ...`).
    Brackets in strings and comments count too; that only costs a needless check."""
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in _OPENING else max(depth - 1, 0)
        deepest = max(deepest, depth)
    if deepest >= 50:
        return True
    return len(text) > 4000 and max(map(len, text.splitlines()), default=0) > 4000


def beyond_limits(text: str, filename: str, cpython_result) -> Finding | None:
    """The finding for a file CPython rejects for its nesting, or that nests deeper than MAX_NESTING."""
    if isinstance(cpython_result, SyntaxError):
        message = cpython_result.msg or ""
        if "nested" in message or "too many" in message or "too complex" in message:
            return _syntax_error_finding(text, filename, cpython_result, cpython_result)
        return None
    if isinstance(cpython_result, Exception):
        return too_deep(filename)
    if cpython_result is not None:
        depth = nesting_depth(cpython_result)
        if depth > MAX_NESTING:
            return too_deep(filename, depth)
    return None


def nesting_depth(tree) -> int:
    """How deep the tree nests, counted without recursion (the tree may be too deep for it)."""
    import ast

    deepest = 0
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _syntax_error_finding(text: str, filename: str, error: Exception, cpython_error: Exception | None) -> Finding:
    """CPython's own message and position when it agrees the file is invalid; libcst's otherwise."""
    if isinstance(cpython_error, SyntaxError):
        return file_finding(
            PARSE_ERROR,
            f"syntax error, file not checked: {cpython_error.msg}",
            filename,
            cpython_error.lineno or 1,
            cpython_error.offset or 1,
        )
    first_line = str(error).strip().splitlines()[0]
    row, column = getattr(error, "raw_line", 1), getattr(error, "raw_column", 0) + 1
    return file_finding(PARSE_ERROR, f"syntax error, file not checked: {first_line}", filename, row, column)
