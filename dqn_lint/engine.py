"""Lints one file: read, prefilter, decode, parse once, build the program model, run rules, apply noqa.

Files that cannot hold a DQN TD target stop at the byte prefilter and are never parsed: most files
of a large repository end there (when DQN100 runs, their `# noqa` comments are still read, with
tokenize only). Problems with the file itself become one finding with a DQN9xx code so the run goes
on with the other files.
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
from dqn_lint.suppression import Suppressions, read_suppressions
from dqn_lint.unused_noqa import UNUSED_NOQA, unused_noqa_findings

PARSE_ERROR = ("DQN900", "parse-error")
READ_ERROR = ("DQN901", "unreadable-file")
INTERNAL_ERROR = ("DQN902", "internal-error")
FILE_CODES = frozenset({PARSE_ERROR[0], READ_ERROR[0], INTERNAL_ERROR[0]})

# A TD target needs torch and a discount factor; a file that mentions neither is not parsed.
_MENTIONS_TORCH = re.compile(rb"torch")
_MENTIONS_DISCOUNT = re.compile(rb"(?i:gamma|discount)|(?<![\w.])0?\.9|\xce\xb3")
_MENTIONS_NOQA = re.compile(rb"(?i)noqa")


def might_hold_td_target(source: bytes) -> bool:
    return bool(_MENTIONS_TORCH.search(source) and _MENTIONS_DISCOUNT.search(source))


def needs_parse(source: bytes, rules: Sequence[Rule]) -> bool:
    """Whether linting these bytes needs libcst at all (else `lint_source` is cheap and exact)."""
    return might_hold_td_target(source)


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


def judges_unused_noqa(source: bytes, rules: Sequence[Rule]) -> bool:
    """Whether DQN100 runs and the bytes hold a `noqa` for it to judge. A file the prefilter rejects
    can have no finding, so its `# noqa: DQN...` codes are all unused: it is tokenized, never parsed."""
    return any(rule.code == UNUSED_NOQA for rule in rules) and bool(_MENTIONS_NOQA.search(source))


def lint_source(source: bytes, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's bytes."""
    parse = might_hold_td_target(source)
    if not parse and not judges_unused_noqa(source, rules):
        return []
    try:
        text = decode_source(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        if not parse:  # a file that is not checked is not reported for its bytes either
            return []
        return [_file_finding(READ_ERROR, f"cannot decode the file: {error}", filename)]
    return lint_text(text, filename, rules, parse=parse)


def lint_text(text: str, filename: str, rules: Sequence[Rule], *, parse: bool = True) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's decoded text (the fixer re-lints with it).

    `parse=False` is for a file the byte prefilter rejected: no rule can fire there, so only its
    noqa comments are read, for DQN100.
    """
    suppressions = read_suppressions(text)
    if suppressions.skips_file:
        return []
    if not parse:
        return _finish(text, filename, rules, suppressions, [], parsed=False)

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
    return _finish(text, filename, rules, suppressions, findings, parsed=True)


def _finish(
    text: str,
    filename: str,
    rules: Sequence[Rule],
    suppressions: Suppressions,
    findings: list[Finding],
    *,
    parsed: bool,
) -> list[Finding]:
    """Add DQN100's verdict on the noqa comments, drop what the comments silence, and sort."""
    findings = findings + _unused_noqa(text, filename, rules, suppressions, findings, parsed=parsed)
    findings = [finding for finding in findings if not suppressions.silences(finding)]
    return sorted(set(findings), key=lambda finding: (*finding.sort_key, finding.message))


def _unused_noqa(
    text: str,
    filename: str,
    rules: Sequence[Rule],
    suppressions: Suppressions,
    findings: list[Finding],
    *,
    parsed: bool,
) -> list[Finding]:
    """DQN100's findings, judged against every finding before suppression; only for a file that was
    checked in full. After a DQN9xx finding (a rule crashed, say) nobody knows what the comments
    would have silenced; a file the prefilter rejected is judged only if CPython parses it, as a
    parsed file with a syntax error gets its DQN900 alone."""
    dqn100 = next((rule for rule in rules if rule.code == UNUSED_NOQA), None)
    if dqn100 is None or not suppressions.directives or any(finding.code in FILE_CODES for finding in findings):
        return []
    from dqn_lint import registry

    enabled = frozenset(rule.code for rule in rules) | FILE_CODES
    known = frozenset(rule.code for rule in registry.all_rules()) | enabled
    unused = unused_noqa_findings(text, filename, dqn100, suppressions, findings, enabled, known)
    if unused and not parsed and _cpython_parse_error(text, filename) is not None:
        return []
    return unused


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


def read_source(path: Path, filename: str) -> bytes | Finding:
    """The file's bytes, or the DQN901 finding that says why they cannot be read."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
            return _file_finding(READ_ERROR, "cannot read the file: not a regular file", filename)
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _file_finding(READ_ERROR, f"cannot read the file: {reason}", filename)


def lint_path(path: Path, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    source = read_source(path, filename)
    if isinstance(source, Finding):
        return [source]
    return lint_source(source, filename, rules)
