"""Lints one file: read, prefilter, decode, parse once, build the program model, run rules, apply noqa.

Files that cannot hold a DQN TD target stop at the byte prefilter and are never parsed: most files
of a large repository end there. Problems with the file itself become one finding with a DQN9xx
code so the run goes on with the other files.
"""

from __future__ import annotations

import io
import re
import stat
import tokenize
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dqn_lint.diagnostics import Finding, Position, Severity, Span
from dqn_lint.rule import Rule
from dqn_lint.suppression import read_suppressions

PARSE_ERROR = ("DQN900", "parse-error")
READ_ERROR = ("DQN901", "unreadable-file")
INTERNAL_ERROR = ("DQN902", "internal-error")
FILE_CODES = frozenset({PARSE_ERROR[0], READ_ERROR[0], INTERNAL_ERROR[0]})

# A TD target needs torch and a discount factor; a file that mentions neither is not parsed.
_MENTIONS_TORCH = re.compile(rb"torch")
_MENTIONS_DISCOUNT = re.compile(rb"(?i:gamma|discount)|(?<![\w.])0?\.9|\xce\xb3")


def might_hold_td_target(source: bytes) -> bool:
    return bool(_MENTIONS_TORCH.search(source) and _MENTIONS_DISCOUNT.search(source))


def _file_finding(code_name: tuple[str, str], message: str, filename: str, row: int = 1, column: int = 1) -> Finding:
    where = Position(max(row, 1), max(column, 1))
    return Finding(
        code=code_name[0],
        name=code_name[1],
        message=message,
        severity=Severity.ERROR,
        span=Span(where, where),
        filename=filename,
    )


def source_encoding(source: bytes) -> str:
    """The encoding Python reads the file in: `utf-8-sig` for a BOM, a coding cookie, else UTF-8.
    Raises SyntaxError for a bad cookie."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return encoding


def decode_source(source: bytes) -> str:
    """Decode as Python does (a BOM is dropped). Raises UnicodeDecodeError/SyntaxError/LookupError."""
    return source.decode(source_encoding(source))


def lint_source(source: bytes, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's bytes."""
    if not might_hold_td_target(source):
        return []
    try:
        text = decode_source(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        return [_file_finding(READ_ERROR, f"cannot decode the file: {error}", filename)]
    return lint_text(text, filename, rules)


def lint_text(text: str, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's decoded text (the fixer re-lints with it)."""
    suppressions = read_suppressions(text)
    if suppressions.skips_file:
        return []

    # CPython's parser runs first on files with much bracketing: it rejects the nesting that can
    # crash libcst's native parser, and its verdict is reused for the syntax error message.
    many_brackets = text.count("(") + text.count("[") + text.count("{") >= 200
    cpython_error = _cpython_parse_error(text, filename) if many_brackets else None
    too_deep = _nesting_beyond_cpython(text, filename, cpython_error)
    if too_deep is not None:
        return [too_deep]

    import libcst

    try:
        module = libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        if not many_brackets:
            cpython_error = _cpython_parse_error(text, filename)
        return [_syntax_error_finding(text, filename, error, cpython_error)]
    except RecursionError:
        return [_file_finding(INTERNAL_ERROR, "the file is nested too deeply to parse; it was not checked", filename)]

    from dqn_lint.model import build_model

    try:
        model = build_model(module)
    except RecursionError:
        return [_file_finding(INTERNAL_ERROR, "the file is nested too deeply to analyse; it was not checked", filename)]
    except Exception as error:  # a bug of ours must not end the run
        return [
            _file_finding(
                INTERNAL_ERROR,
                f"internal error while analysing the file ({type(error).__name__}: {error}); please report it",
                filename,
            )
        ]

    findings: list[Finding] = []
    for rule in rules:
        try:
            for finding in rule.check(model):
                findings.append(replace(finding, filename=filename))
        except Exception as error:  # one rule's bug must not hide the others' findings
            findings.append(
                _file_finding(
                    INTERNAL_ERROR,
                    f"internal error in rule {rule.code} ({type(error).__name__}: {error}); please report it",
                    filename,
                )
            )
    findings = [finding for finding in findings if not suppressions.silences(finding)]
    return sorted(set(findings), key=lambda finding: (*finding.sort_key, finding.message))


def _cpython_parse_error(text: str, filename: str) -> Exception | None:
    """What CPython's own parser says about the file: None when it parses."""
    import ast

    try:
        compile(text, filename, "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as error:
        return error
    return None


def _nesting_beyond_cpython(text: str, filename: str, cpython_error: Exception | None) -> Finding | None:
    """Refuse files nested deeper than CPython accepts: libcst's native parser can crash on them."""
    if isinstance(cpython_error, SyntaxError):
        message = cpython_error.msg or ""
        if "nested" in message or "too many" in message:
            return _syntax_error_finding(text, filename, cpython_error, cpython_error)
        return None
    if cpython_error is not None:
        return _file_finding(INTERNAL_ERROR, "the file is nested too deeply to parse; it was not checked", filename)
    return None


def _syntax_error_finding(text: str, filename: str, error: Exception, cpython_error: Exception | None) -> Finding:
    """CPython's own message and position when it agrees the file is invalid; libcst's otherwise."""
    if isinstance(cpython_error, SyntaxError):
        return _file_finding(
            PARSE_ERROR,
            f"syntax error, file not checked: {cpython_error.msg}",
            filename,
            cpython_error.lineno or 1,
            cpython_error.offset or 1,
        )
    first_line = str(error).strip().splitlines()[0]
    row, column = getattr(error, "raw_line", 1), getattr(error, "raw_column", 0) + 1
    return _file_finding(PARSE_ERROR, f"syntax error, file not checked: {first_line}", filename, row, column)


def lint_path(path: Path, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
            return [_file_finding(READ_ERROR, "cannot read the file: not a regular file", filename)]
        source = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return [_file_finding(READ_ERROR, f"cannot read the file: {reason}", filename)]
    return lint_source(source, filename, rules)
