"""One file through the linter: read, prefilter, decode, parse, program model, rules, noqa.

`SourceInput` is that pipeline for one file, and every command lints through it: `check` (in
worker processes), stdin, `--fix`, `--diff`, `--add-noqa`, `verify`. Files that cannot hold a DQN
TD target stop at the byte prefilter and are never parsed: most files of a large repository end
there (when DQN100 runs, their `# noqa` comments are still read, with tokenize only). Problems
with the file itself become one finding with a DQN9xx code so the run goes on with the other
files. `lint_group` is the same pipeline over the files of a project analysed together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from dqn_lint import parsing
from dqn_lint.diagnostics import FILE_CODES, READ_ERROR, Finding
from dqn_lint.rule import FileReport, Rule
from dqn_lint.sources import file_finding, read_source, source_encoding
from dqn_lint.suppression import Suppressions, read_suppressions

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


class SourceInput:
    """One file on its way through the pipeline, its bytes decoded at most once.

    `findings()` lints the file's bytes; `findings_of(text)` lints new text of the same file (what
    a fix or a noqa comment would write) under the same prefilter verdict; `encode(text)` gives
    the bytes to write, in the file's own encoding, BOM and cookie kept. With a `project` (the
    group `check` analyses the file in), linting goes through the group, so `--fix` fixes what
    `check` reports; a project read from other bytes than these is not used.
    """

    __slots__ = ("source", "filename", "rules", "project", "parse", "_decoded")

    def __init__(self, source: bytes, filename: str, rules: Sequence[Rule], project: ProjectContext | None = None) -> None:
        self.source = source
        self.filename = filename
        self.rules = rules
        self.project = project if project is not None and project.source == source else None
        self.parse = might_hold_td_target(source)
        self._decoded: tuple[str, str] | Finding | None = None

    @classmethod
    def read(cls, path: Path, filename: str, rules: Sequence[Rule], project: ProjectContext | None = None) -> SourceInput | Finding:
        """The file at `path`, or the DQN901 finding that says why it cannot be read."""
        source = read_source(path, filename)
        return source if isinstance(source, Finding) else cls(source, filename, rules, project)

    @property
    def checked(self) -> bool:
        """Whether any rule can report on these bytes: a TD target may be there, or a rule judged
        after the others (DQN100) has `noqa` comments to judge."""
        return self.project is not None or self.parse or judged_after_rules(self.source, self.rules)

    def decoded(self) -> tuple[str, str] | Finding:
        """The text and its encoding, or the DQN901 finding that says why the bytes cannot be decoded."""
        if self._decoded is None:
            try:
                encoding = source_encoding(self.source)
                self._decoded = (self.source.decode(encoding), encoding)
            except (UnicodeDecodeError, SyntaxError, LookupError) as error:
                self._decoded = file_finding(READ_ERROR, f"cannot decode the file: {error}", self.filename)
        return self._decoded

    @property
    def text(self) -> str | None:
        decoded = self.decoded()
        return None if isinstance(decoded, Finding) else decoded[0]

    def findings(self, facts: FileFacts | None = None) -> list[Finding]:
        """All unsuppressed findings of the rules in the file (and, into `facts`, what it holds)."""
        if self.project is not None:
            return self.project.lint(self.source)
        if not self.checked:
            return []
        decoded = self.decoded()
        if isinstance(decoded, Finding):  # a file that is not checked is not reported for its bytes either
            return [decoded] if self.parse else []
        return lint_text(decoded[0], self.filename, self.rules, parse=self.parse, facts=facts)

    def findings_of(self, text: str) -> list[Finding]:
        """The findings of new text of this (decoded) file."""
        if self.project is not None:
            try:
                return self.project.lint(self.encode(text))
            except UnicodeEncodeError:
                pass  # the caller finds out when it encodes the text to write it
        return lint_text(text, self.filename, self.rules, parse=self.parse)

    def encode(self, text: str) -> bytes:
        """`text` as the file's bytes: `utf-8-sig` puts the BOM back; any other codec encodes
        exactly what the text holds. Raises UnicodeEncodeError."""
        decoded = self.decoded()
        if isinstance(decoded, Finding):
            raise ValueError(f"{self.filename} was never decoded")
        return text.encode(decoded[1])

    def syntax_problem(self, text: str) -> str | None:
        """What CPython's parser finds wrong with new text of the file; None when it parses."""
        return parsing.syntax_problem(text, self.filename)


def lint_source(source: bytes, filename: str, rules: Sequence[Rule], facts: FileFacts | None = None) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's bytes (and, into `facts`, what it holds)."""
    return SourceInput(source, filename, rules).findings(facts)


def lint_path(path: Path, filename: str, rules: Sequence[Rule]) -> list[Finding]:
    read = SourceInput.read(path, filename, rules)
    return [read] if isinstance(read, Finding) else read.findings()


def lint_text(
    text: str, filename: str, rules: Sequence[Rule], *, parse: bool = True, facts: FileFacts | None = None
) -> list[Finding]:
    """All unsuppressed findings of `rules` in one file's decoded text.

    `parse=False` is for a file the byte prefilter rejected: no rule can fire there, so only its
    noqa comments are read, for DQN100.
    """
    suppressions = read_suppressions(text)
    if suppressions.skips_file:
        return []
    if not parse:
        return _finish(text, filename, rules, suppressions, [], parsed=False)
    measured = parsing.measure(text, filename)
    if measured.refused is not None:
        return [measured.refused]
    findings, checked = parsing.on_deep_stack(lambda: _analyse(text, filename, rules, measured, facts))
    if not checked:  # the file itself is the problem: its one finding, never silenced by a noqa
        return findings
    return _finish(text, filename, rules, suppressions, findings, parsed=True)


def _analyse(
    text: str, filename: str, rules: Sequence[Rule], measured: parsing.Measured, facts: FileFacts | None = None
) -> tuple[list[Finding], bool]:
    """Parse with libcst, build the program model and run the rules (on the deep stack). The flag
    says whether the rules ran; if not, the one finding says why."""
    module = parsing.parse_module(text, filename, measured.cpython_error, measured.cpython_ran)
    if isinstance(module, Finding):
        return [module], False

    from dqn_lint.model import build_model

    try:
        model = build_model(module)
    except RecursionError:
        return [parsing.too_deep(filename)], False
    except Exception as error:  # a bug of ours must not end the run
        return [parsing.internal_error("while analysing the file", error, filename)], False

    if facts is not None:
        try:
            facts.holds_dqn_code = model.holds_training_code
        except RecursionError:
            return [parsing.too_deep(filename)], False
        except Exception:  # noqa: BLE001 - a bug of ours: the file is still linted alone, as before
            facts.holds_dqn_code = False
    findings, checked = _run_rules(model, filename, rules, every_file=True)
    return [replace(finding, filename=filename) for finding in findings], checked


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

    @property
    def source(self) -> bytes:
        """The bytes of the file the group was read with."""
        return self.members[self.position].source

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
    texts: dict[int, tuple[str, Suppressions, parsing.Measured]] = {}
    for index, member in enumerate(members):
        file = SourceInput(member.source, member.filename, rules_of[index])
        decoded = file.decoded()
        if isinstance(decoded, Finding):
            if member.named and file.parse:
                results[index] = [decoded]
            continue
        text = decoded[0]
        if member.named:
            measured = parsing.measure(text, member.filename)
            if measured.refused is not None:
                results[index] = [measured.refused]
                continue
        elif parsing.too_large(text, member.filename) is not None or parsing.may_nest_deeply(text):
            continue  # context is a help, never a risk
        else:
            measured = parsing.Measured(None)
        texts[index] = (text, read_suppressions(text), measured)
    analysed = parsing.on_deep_stack(lambda: _analyse_group(members, texts, rules_of))
    for index, (findings, checked) in analysed.items():
        member = members[index]
        text, suppressions, _measured = texts[index]
        if not checked or suppressions.skips_file:
            results[index] = [] if suppressions.skips_file else findings
            continue
        results[index] = _finish(text, member.filename, rules_of[index], suppressions, findings, parsed=True)
    return results


def _analyse_group(
    members: Sequence[GroupMember],
    texts: dict[int, tuple[str, Suppressions, parsing.Measured]],
    rules_of: Sequence[Sequence[Rule]],
) -> dict[int, tuple[list[Finding], bool]]:
    """Parse each member, build one model over them and run the rules once per named member
    (that member primary, so the fixes of its findings edit its own text)."""
    from dqn_lint.model import build_model
    from dqn_lint.model.source import SourceUnit

    outcome: dict[int, tuple[list[Finding], bool]] = {}
    units: dict[int, SourceUnit] = {}
    for index, (text, _suppressions, measured) in texts.items():
        member = members[index]
        module = parsing.parse_module(text, member.filename, measured.cpython_error, measured.cpython_ran)
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
        return {**outcome, **{index: ([parsing.too_deep(members[index].filename)], False) for index in named}}
    except Exception as error:  # a bug of ours must not end the run
        return {
            **outcome,
            **{index: ([parsing.internal_error("while analysing the file", error, members[index].filename)], False) for index in named},
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
            return [parsing.too_deep(filename)], False
        except Exception as error:  # one rule's bug must not hide the others' findings
            findings.append(parsing.internal_error(f"in rule {rule.code}", error, filename))
    return findings, True


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
    if judged and not parsed and parsing.cpython_parse_error(text, filename) is not None:
        return []
    return judged
