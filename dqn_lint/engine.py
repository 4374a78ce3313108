"""Lints one file: read, prefilter, decode, parse once, build the program model, run rules, apply noqa.

Files that cannot hold a DQN TD target stop at the byte prefilter and are never parsed: most files
of a large repository end there (when DQN100 runs, their `# noqa` comments are still read, with
tokenize only). Problems with the file itself become one finding with a DQN9xx code so the run goes
on with the other files.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, TypeVar

from dqn_lint.diagnostics import (
    FILE_CODES,
    INTERNAL_ERROR,
    MAX_FILE_SIZE,
    MAX_NESTING,
    PARSE_ERROR,
    READ_ERROR,
    TOO_COMPLEX,
    Finding,
)
from dqn_lint.rule import FileReport, Rule
from dqn_lint.sources import decode_source, file_finding, read_source
from dqn_lint.suppression import Suppressions, read_suppressions

_T = TypeVar("_T")
# libcst's native parser recurses on the C stack: the main thread's 8 MiB overflow (a segfault,
# not an exception) on an 8000-term `a + a + ...`. Parsing and analysis run in a thread with a
# large stack instead, where Python's recursion limit is what runs out first, as a RecursionError.
_ANALYSIS_STACK_SIZE = 512 * 1024 * 1024
_ANALYSIS_RECURSION_LIMIT = 20_000

# A TD target needs torch and a discount factor; a file that mentions neither is not parsed.
# Substring tests and a literal regex only: an alternation or a look-behind makes the regex engine
# try every position, which cost 3 s over torch's 46 MB (most of a cached run).
_POINT_NINE = re.compile(rb"\.9")


def might_hold_td_target(source: bytes) -> bool:
    return b"torch" in source and _mentions_discount(source)


def _mentions_discount(source: bytes) -> bool:
    """`gamma` or `discount` in any case, `γ`, or a number literal `0.9...` / `.9...`."""
    if b"\xce\xb3" in source:
        return True
    lowered = source.lower()
    if b"gamma" in lowered or b"discount" in lowered:
        return True
    for match in _POINT_NINE.finditer(source):
        start = match.start()
        if source[start - 1 : start] == b"0":
            start -= 1
        before = source[start - 1 : start] if start else b""
        if not before or not (before.isalnum() or before in b"_."):
            return True
    return False


def needs_parse(source: bytes) -> bool:
    """Whether linting these bytes needs libcst at all (else `lint_source` is cheap and exact)."""
    return might_hold_td_target(source)


def judged_after_rules(source: bytes, rules: Sequence[Rule]) -> bool:
    """Whether a rule judged after the others (DQN100) runs and finds something to judge in the
    bytes: then a file the prefilter rejects is still decoded for it (never parsed)."""
    return any(rule.after_rules is not None and rule.after_rules.applies_to(source) for rule in rules)


class FileFacts:
    """What linting one file learned beyond its findings: whether it holds DQN training code (a TD
    target, or an `env.step(action)`), so `dqn_lint.project` analyses it with its project."""

    __slots__ = ("holds_dqn_code",)

    def __init__(self) -> None:
        self.holds_dqn_code = False


def lint_source(source: bytes, filename: str, rules: Sequence[Rule], facts: FileFacts | None = None) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's bytes (and, into `facts`, what it holds)."""
    parse = might_hold_td_target(source)
    if not parse and not judged_after_rules(source, rules):
        return []
    try:
        text = decode_source(source)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        if not parse:  # a file that is not checked is not reported for its bytes either
            return []
        return [file_finding(READ_ERROR, f"cannot decode the file: {error}", filename)]
    return lint_text(text, filename, rules, parse=parse, facts=facts)


def lint_text(
    text: str, filename: str, rules: Sequence[Rule], *, parse: bool = True, facts: FileFacts | None = None
) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's decoded text (the fixer re-lints with it).

    `parse=False` is for a file the byte prefilter rejected: no rule can fire there, so only its
    noqa comments are read, for DQN100.
    """
    suppressions = read_suppressions(text)
    if suppressions.skips_file:
        return []
    if not parse:
        return _finish(text, filename, rules, suppressions, [], parsed=False)

    too_large = _too_large(text, filename)
    if too_large is not None:
        return [too_large]

    # CPython's parser runs first on files that look deeply nested: it rejects the nesting that
    # libcst cannot handle, fast, and its verdict is reused for the syntax error message.
    risky = _may_nest_deeply(text)
    cpython_result = _cpython_parse(text, filename) if risky else None
    refused = _beyond_limits(text, filename, cpython_result)
    if refused is not None:
        return [refused]
    cpython_error = cpython_result if isinstance(cpython_result, Exception) else None
    findings, checked = _on_deep_stack(lambda: _analyse(text, filename, rules, cpython_error, risky, facts))
    if not checked:  # the file itself is the problem: its one finding, never silenced by a noqa
        return findings
    return _finish(text, filename, rules, suppressions, findings, parsed=True)


def _analyse(
    text: str, filename: str, rules: Sequence[Rule], cpython_error: Exception | None, cpython_ran: bool,
    facts: FileFacts | None = None,
) -> tuple[list[Finding], bool]:
    """Parse with libcst, build the program model and run the rules (on the deep stack). The flag
    says whether the rules ran; if not, the one finding says why."""
    module = _parse(text, filename, cpython_error, cpython_ran)
    if isinstance(module, Finding):
        return [module], False

    from dqn_lint.model import build_model

    try:
        model = build_model(module)
    except RecursionError:
        return [_too_deep(filename)], False
    except Exception as error:  # a bug of ours must not end the run
        return [_internal_error("while analysing the file", error, filename)], False

    if facts is not None:
        try:
            facts.holds_dqn_code = model.holds_training_code
        except RecursionError:
            return [_too_deep(filename)], False
        except Exception:  # noqa: BLE001 - a bug of ours: the file is still linted alone, as before
            facts.holds_dqn_code = False
    findings, checked = _run_rules(model, filename, rules, every_file=True)
    return [replace(finding, filename=filename) for finding in findings], checked


def _parse(text: str, filename: str, cpython_error: Exception | None = None, cpython_ran: bool = False):
    """libcst's tree of the file, or the DQN900/DQN903 finding that says why there is none."""
    import libcst

    try:
        return libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        if not cpython_ran:
            cpython_error = _cpython_parse_error(text, filename)
        if cpython_error is None:  # valid Python beyond libcst's limits (4000 joined strings, say)
            return _beyond_libcst(error, filename)
        return _syntax_error_finding(text, filename, error, cpython_error)
    except RecursionError:
        return _too_deep(filename)


class GroupMember(NamedTuple):
    """A file of a group analysed together: linted (`named`) or read as context only."""

    source: bytes
    filename: str
    name: str | None = None
    is_package: bool = False
    import_names: tuple[str, ...] = ()
    named: bool = True


class ProjectContext(NamedTuple):
    """One file's place in the group it is analysed with: linting new text for it (while fixing)
    lints the group with that text in its place."""

    members: tuple[GroupMember, ...]
    position: int
    rules_of: tuple[tuple[Rule, ...], ...]

    def lint(self, source: bytes) -> list[Finding]:
        members = list(self.members)
        members[self.position] = members[self.position]._replace(source=source)
        return lint_group(members, self.rules_of)[self.position]


def lint_group(members: Sequence[GroupMember], rules_of: Sequence[Sequence[Rule]]) -> list[list[Finding]]:
    """The findings of each named member under its own rules (`rules_of[i]`), the group analysed
    as one program (see `dqn_lint.project`); a context member's list is empty. A member that
    cannot be decoded or parsed gets its DQN9xx finding (when named) and the others are analysed
    without it."""
    results: list[list[Finding]] = [[] for _ in members]
    texts: dict[int, tuple[str, Suppressions]] = {}
    for index, member in enumerate(members):
        try:
            text = decode_source(member.source)
        except (UnicodeDecodeError, SyntaxError, LookupError) as error:
            if member.named and might_hold_td_target(member.source):
                results[index] = [file_finding(READ_ERROR, f"cannot decode the file: {error}", member.filename)]
            continue
        if member.named:
            refused = _refused_before_parse(text, member.filename)
            if refused is not None:
                results[index] = [refused]
                continue
        elif len(text) > MAX_FILE_SIZE or _may_nest_deeply(text):
            continue  # context is a help, never a risk
        texts[index] = (text, read_suppressions(text))
    analysed = _on_deep_stack(lambda: _analyse_group(members, texts, rules_of))
    for index, (findings, checked) in analysed.items():
        member = members[index]
        text, suppressions = texts[index]
        if not checked or suppressions.skips_file:
            results[index] = [] if suppressions.skips_file else findings
            continue
        results[index] = _finish(text, member.filename, rules_of[index], suppressions, findings, parsed=True)
    return results


def _too_large(text: str, filename: str) -> Finding | None:
    if len(text) <= MAX_FILE_SIZE:
        return None
    size = len(text.encode("utf-8", "surrogatepass")) / 2**20
    limit = MAX_FILE_SIZE / 2**20
    return file_finding(TOO_COMPLEX, f"the file is too large to check ({size:.1f} MiB, the limit is {limit:g} MiB); it was not checked", filename)


def _refused_before_parse(text: str, filename: str) -> Finding | None:
    """The DQN903 of a file too large or too deeply nested to parse, or its CPython DQN900."""
    too_large = _too_large(text, filename)
    if too_large is not None:
        return too_large
    if _may_nest_deeply(text):
        return _beyond_limits(text, filename, _cpython_parse(text, filename))
    return None


def _analyse_group(
    members: Sequence[GroupMember], texts: dict[int, tuple[str, Suppressions]], rules_of: Sequence[Sequence[Rule]]
) -> dict[int, tuple[list[Finding], bool]]:
    """Parse each member, build one model over them and run the rules once per named member
    (that member primary, so the fixes of its findings edit its own text)."""
    from dqn_lint.model import build_model
    from dqn_lint.model.source import SourceUnit

    outcome: dict[int, tuple[list[Finding], bool]] = {}
    units: dict[int, SourceUnit] = {}
    for index, (text, _suppressions) in texts.items():
        member = members[index]
        module = _parse(text, member.filename)
        if isinstance(module, Finding):
            if member.named:
                outcome[index] = ([module], False)
            continue
        units[index] = SourceUnit(module, member.filename, member.name, member.is_package, member.import_names)
    named = [index for index in units if members[index].named]
    if not named:
        return outcome
    ordered = tuple(units.values())
    try:
        model = build_model(ordered[0], ordered[1:])
    except RecursionError:
        return {**outcome, **{index: ([_too_deep(members[index].filename)], False) for index in named}}
    except Exception as error:  # a bug of ours must not end the run
        return {
            **outcome,
            **{index: ([_internal_error("while analysing the file", error, members[index].filename)], False) for index in named},
        }
    # The rules run once with the first member primary; a member with findings of its own runs
    # them again as the primary, so its fixes are built against its own text.
    first = named[0]
    everything = _run_rules(model, units[first].filename, _union_of_rules(rules_of[index] for index in named), every_file=True)
    for index in named:
        unit = units[index]
        if index != first and not any(finding.filename == unit.filename for finding in everything[0]):
            outcome[index] = ([], everything[1])
            continue
        model.source.use_primary(unit)
        outcome[index] = _run_rules(model, unit.filename, rules_of[index])
    return outcome


def _union_of_rules(rule_lists) -> list[Rule]:
    return list({rule.code: rule for rules in rule_lists for rule in rules}.values())


def _run_rules(model, filename: str, rules: Sequence[Rule], *, every_file: bool = False) -> tuple[list[Finding], bool]:
    """The findings of `rules` that stand in `filename` (in any file with `every_file`), and
    whether the rules ran to the end; a rule's crash is a DQN902 there, the others still run."""
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(finding for finding in rule.check(model) if every_file or finding.filename == filename)
        except RecursionError:
            return [_too_deep(filename)], False
        except Exception as error:  # one rule's bug must not hide the others' findings
            findings.append(_internal_error(f"in rule {rule.code}", error, filename))
    return findings, True


def _internal_error(where: str, error: Exception, filename: str) -> Finding:
    reason = " ".join(f"{type(error).__name__}: {error}".split())
    return file_finding(
        INTERNAL_ERROR,
        f"internal error {where} ({reason}); this is a bug in dqn-lint, please report it with this file",
        filename,
    )


def _too_deep(filename: str, depth: int | None = None) -> Finding:
    how = f"{depth} levels deep, too deeply" if depth is not None else "too deeply"
    return file_finding(
        TOO_COMPLEX, f"the file is nested {how} to check (the limit is {MAX_NESTING} levels); it was not checked", filename
    )


def _beyond_libcst(error: Exception, filename: str) -> Finding:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return file_finding(
        TOO_COMPLEX, f"the file is valid Python that libcst cannot parse ({reason}); it was not checked", filename
    )


def _on_deep_stack(work: Callable[[], _T]) -> _T:
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


def _finish(
    text: str,
    filename: str,
    rules: Sequence[Rule],
    suppressions: Suppressions,
    findings: list[Finding],
    *,
    parsed: bool,
) -> list[Finding]:
    """Add the verdicts of the rules judged after the others (DQN100 on the noqa comments), drop
    what the comments silence, and sort."""
    findings = findings + _after_rules(text, filename, rules, suppressions, findings, parsed=parsed)
    findings = [finding for finding in findings if not suppressions.silences(finding)]
    return sorted(set(findings), key=lambda finding: (*finding.sort_key, finding.message))


def _after_rules(
    text: str,
    filename: str,
    rules: Sequence[Rule],
    suppressions: Suppressions,
    findings: list[Finding],
    *,
    parsed: bool,
) -> list[Finding]:
    """The findings of the rules judged on every other finding before suppression; only for a file
    that was checked in full. After a DQN9xx finding (a rule crashed, say) nobody knows what the
    others would have found; a file the prefilter rejected is judged only if CPython parses it, as a
    parsed file with a syntax error gets its DQN900 alone."""
    after = [rule for rule in rules if rule.after_rules is not None]
    if not after or any(finding.code in FILE_CODES for finding in findings):
        return []
    from dqn_lint import registry

    enabled = frozenset(rule.code for rule in rules) | FILE_CODES
    known = frozenset(rule.code for rule in registry.all_rules()) | enabled
    report = FileReport(text, filename, suppressions, tuple(findings), enabled, known)
    judged = [finding for rule in after for finding in rule.after_rules.judge(report)]
    if judged and not parsed and _cpython_parse_error(text, filename) is not None:
        return []
    return judged


def _cpython_parse(text: str, filename: str):
    """CPython's own tree of the file, or the exception its parser raised."""
    import ast

    try:
        return compile(text, filename, "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as error:
        return error


def _cpython_parse_error(text: str, filename: str) -> Exception | None:
    """What CPython's own parser says about the file: None when it parses."""
    result = _cpython_parse(text, filename)
    return result if isinstance(result, Exception) else None


_BRACKET = re.compile(r"[][(){}]")
_OPENING = frozenset("([{")


def _may_nest_deeply(text: str) -> bool:
    """Cheap signs of deep nesting: brackets 50 deep, or a very long line (a long `a + a + ...`).
    Brackets in strings and comments count too; that only costs a needless check."""
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in _OPENING else max(depth - 1, 0)
        deepest = max(deepest, depth)
    if deepest >= 50:
        return True
    return len(text) > 4000 and max(map(len, text.splitlines()), default=0) > 4000


def _beyond_limits(text: str, filename: str, cpython_result) -> Finding | None:
    """The finding for a file CPython rejects for its nesting, or that nests deeper than MAX_NESTING."""
    if isinstance(cpython_result, SyntaxError):
        message = cpython_result.msg or ""
        if "nested" in message or "too many" in message or "too complex" in message:
            return _syntax_error_finding(text, filename, cpython_result, cpython_result)
        return None
    if isinstance(cpython_result, Exception):
        return _too_deep(filename)
    if cpython_result is not None:
        depth = nesting_depth(cpython_result)
        if depth > MAX_NESTING:
            return _too_deep(filename, depth)
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


def lint_path(path: Path, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    source = read_source(path, filename)
    if isinstance(source, Finding):
        return [source]
    return lint_source(source, filename, rules)
