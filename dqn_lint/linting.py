"""Linting many files: cache look-up and byte prefilter first, then parsing, in parallel when it pays.

The parent reads every file once. A file whose bytes cannot hold a TD target (and carry no `noqa`
for DQN100 to judge) is done without a parse; a file whose result is cached is done without one
too. Only what is left goes to worker processes, and only when there are enough such files to
repay starting them: a pre-commit run on three files stays in one process.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dqn_lint import engine
from dqn_lint.diagnostics import INTERNAL_ERROR, Finding
from dqn_lint.discovery import SourceFile
from dqn_lint.rule import Rule
from dqn_lint.sources import read_source

if TYPE_CHECKING:
    from dqn_lint.cache import ResultCache
    from dqn_lint.sources import HeldSources

# Below this many files to parse, starting processes costs more than it saves.
MIN_FILES_PER_WORKER = 2
_UNCACHEABLE = frozenset({INTERNAL_ERROR[0]})  # a crash of ours may be fixed by the next version


# Rules by their codes: filled by the parent before forking, looked up in the registry after a spawn.
_RULES_BY_CODES: dict[tuple[str, ...], tuple[Rule, ...]] = {}


class _Work(NamedTuple):  # a NamedTuple: made at start-up 8x faster than a dataclass
    index: int
    source: bytes
    filename: str
    codes: tuple[str, ...]
    key: str


class _GroupWork(NamedTuple):
    """Files analysed together (see `dqn_lint.project`): `indices[i]` is the run's index of
    member i, or -1 for a file read as context only."""

    indices: tuple[int, ...]
    members: tuple[engine.GroupMember, ...]
    codes: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]


def lint_sources(
    sources: Sequence[SourceFile],
    rules_for: Callable[[SourceFile], tuple[Rule, ...]],
    *,
    cache: ResultCache | None = None,
    jobs: int = 1,
    held: HeldSources | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> list[Finding]:
    """Findings of every file in `sources` (unsorted across files); into `held`, the bytes of
    each file with findings, for the report to show their lines. `contents` holds text not yet
    saved (an editor's buffers, by resolved path): it is linted, and read as the project's
    context, in place of the file on disk."""
    results, datas, rules_of, holds = _lint_alone(sources, rules_for, cache, jobs, contents)
    groups = [group for group in _groups(sources, datas, holds, rules_of, cache, results, contents) if group.members]
    for item, findings in zip(groups, _run(groups, jobs), strict=True):
        for index, key, member_findings in zip(item.indices, item.keys, findings, strict=True):
            if index >= 0:
                results[index] = member_findings
                _remember(cache, key, member_findings)
    if cache is not None:
        cache.save()
    if held is not None:
        for source_file, data, findings in zip(sources, datas, results, strict=True):
            if findings and data is not None:
                held.hold(source_file.display_name, data)
    return [finding for findings in results for finding in findings]


def _lint_alone(
    sources: Sequence[SourceFile],
    rules_for: Callable[[SourceFile], tuple[Rule, ...]],
    cache: ResultCache | None,
    jobs: int,
    contents: Mapping[Path, bytes] | None = None,
) -> tuple[list[list[Finding]], list[bytes | None], list[tuple[Rule, ...]], list[bool]]:
    """Each file alone: its findings, bytes, rules, and whether it holds DQN training code."""
    results: list[list[Finding]] = [[] for _ in sources]
    datas: list[bytes | None] = [None] * len(sources)
    rules_of: list[tuple[Rule, ...]] = [()] * len(sources)
    seeds = [False] * len(sources)
    for index, source_file in enumerate(sources):
        data = _unsaved(contents, Path(source_file.path))
        if data is None:
            data = read_source(Path(source_file.path), source_file.display_name)
        if isinstance(data, Finding):
            results[index] = [data]
            continue
        datas[index] = data
        rules = rules_of[index] = rules_for(source_file)
        _RULES_BY_CODES[tuple(rule.code for rule in rules)] = rules  # forked workers find the very same rules
        seeds[index] = engine.needs_parse(data)

    # First each file alone, as it always was; then the files that hold DQN training code (a TD
    # target, an env.step) again with their project (see dqn_lint.project): a library's thousand
    # files that merely mention torch and a gamma are never grouped.
    holds = [False] * len(sources)
    work: list[_Work] = []
    for index, source_file in enumerate(sources):
        data = datas[index]
        if data is None:
            continue
        rules = rules_of[index]
        if not seeds[index]:
            results[index] = engine.lint_source(data, source_file.display_name, rules)
            continue
        codes = tuple(rule.code for rule in rules)
        key = ""
        if cache is not None:
            from dqn_lint.cache import entry_key

            key = entry_key(data, codes)
            cached = cache.get(key, source_file.display_name)
            if cached is not None:
                results[index] = cached
                holds[index] = cache.holds_dqn_code(key)
                continue
        work.append(_Work(index, data, source_file.display_name, codes, key))
    for item, (findings, held) in zip(work, _run(work, jobs), strict=True):
        results[item.index] = findings
        holds[item.index] = held
        _remember(cache, item.key, findings, held)

    return results, datas, rules_of, holds


def project_contexts(
    sources: Sequence[SourceFile],
    rules_for: Callable[[SourceFile], tuple[Rule, ...]],
    jobs: int = 1,
    contents: Mapping[Path, bytes] | None = None,
) -> dict[int, engine.ProjectContext]:
    """For `--fix`: the group each file is analysed in (by its index in `sources`), so its fixes
    are those of the findings `check` reports, whole projects included."""
    results, datas, rules_of, holds = _lint_alone(sources, rules_for, None, jobs, contents)
    contexts: dict[int, engine.ProjectContext] = {}
    for group in _groups(sources, datas, holds, rules_of, None, results, contents):
        rules = tuple(_rules(codes) for codes in group.codes)
        for position, index in enumerate(group.indices):
            if index >= 0:
                contexts[index] = engine.ProjectContext(group.members, position, rules)
    return contexts


class LintedFile(NamedTuple):
    """One file's findings as `check` reports them, and the group it was analysed in (None when
    alone): what fixing it needs, so its fixes are those of these findings."""

    findings: list[Finding]
    project: engine.ProjectContext | None


def lint_one(
    source_file: SourceFile, rules_for: Callable[[SourceFile], tuple[Rule, ...]], contents: Mapping[Path, bytes] | None = None
) -> LintedFile:
    """One file, with the project around it, as `lint_sources` lints it (the editor's path)."""
    results, datas, rules_of, holds = _lint_alone([source_file], rules_for, None, 1, contents)
    for group in _groups([source_file], datas, holds, rules_of, None, results, contents):
        position = group.indices.index(0)
        rules = tuple(_rules(codes) for codes in group.codes)
        context = engine.ProjectContext(group.members, position, rules)
        return LintedFile(engine.lint_group(group.members, rules)[position], context)
    return LintedFile(results[0], None)


def _remember(cache: ResultCache | None, key: str, findings: list[Finding], holds_dqn_code: bool = False) -> None:
    if cache is not None and not any(finding.code in _UNCACHEABLE for finding in findings):
        cache.put(key, findings, holds_dqn_code)


def _groups(
    sources: Sequence[SourceFile],
    datas: Sequence[bytes | None],
    anchors: Sequence[bool],
    rules_of: Sequence[tuple[Rule, ...]],
    cache: ResultCache | None,
    results: list[list[Finding]],
    contents: Mapping[Path, bytes] | None = None,
) -> list[_GroupWork]:
    """The groups of files analysed together around the `anchors` (files that hold DQN training
    code); a group whose every member is cached is filled in `results` and returned without
    members. A member's cache key holds the bytes of the whole group: editing `replay_buffer.py`
    re-checks `train.py`."""
    import hashlib

    from dqn_lint.project import group_files, resolved_path

    read_back: dict[Path, bytes] = {}

    def read(path: Path) -> bytes:
        data = _unsaved(contents, path)
        read_back[path] = data = path.read_bytes() if data is None else data
        return data

    paths = [Path(source_file.path) for source_file in sources]
    groupings, modules = group_files(paths, datas, anchors, engine.might_hold_td_target, read)
    out: list[_GroupWork] = []
    for grouping in groupings:
        members: list[engine.GroupMember] = []
        indices: list[int] = []
        for index in grouping.members:
            module = modules[resolved_path(paths[index])]
            members.append(engine.GroupMember(datas[index], sources[index].display_name, module.name, module.is_package, module.import_names))
            indices.append(index)
        for path in grouping.context:
            data = read_back.get(path)
            if data is None:  # reached at the last step of an import closure: not read yet
                try:
                    data = read(path)
                except OSError:
                    continue
            module = modules[path]
            members.append(engine.GroupMember(data, _display_name(path), module.name, module.is_package, module.import_names, named=False))
            indices.append(-1)
        digest = hashlib.sha256()
        for member in sorted(members, key=lambda member: member.filename):
            digest.update(f"{member.filename}\0{member.name}\0{member.import_names}\0{member.named}\0".encode())
            digest.update(hashlib.sha256(member.source).digest())
        group_key = digest.hexdigest()[:32]
        codes = tuple(tuple(rule.code for rule in rules_of[index]) if index >= 0 else () for index in indices)
        keys = tuple(_group_entry_key(member.source, member_codes, group_key) for member, member_codes in zip(members, codes))
        cached = [cache.get(key, member.filename) if cache is not None and index >= 0 else None for index, key, member in zip(indices, keys, members)]
        if all(found is not None for found, index in zip(cached, indices) if index >= 0):
            for index, found in zip(indices, cached):
                if index >= 0:
                    results[index] = found
            out.append(_GroupWork(tuple(indices), (), (), ()))
            continue
        out.append(_GroupWork(tuple(indices), tuple(members), codes, keys))
    return out


def _unsaved(contents: Mapping[Path, bytes] | None, path: Path) -> bytes | None:
    """The unsaved text of a file, when an editor holds some."""
    if not contents:
        return None
    from dqn_lint.project import resolved_path

    return contents.get(resolved_path(path))


def _display_name(path: Path) -> str:
    """A context file as a related location names it: relative to the working folder when below it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _group_entry_key(source: bytes, codes: tuple[str, ...], group_key: str) -> str:
    from dqn_lint.cache import entry_key

    return f"{entry_key(source, codes)}:{group_key}"


def _run(work: Sequence[_Work] | Sequence[_GroupWork], jobs: int) -> list:
    workers = min(jobs, len(work) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        return [_lint(item) for item in work]
    import multiprocessing

    # fork keeps the parent's imports (libcst, the rules): a worker starts in milliseconds.
    method = "fork" if sys.platform == "linux" else "spawn"
    pool = multiprocessing.get_context(method).Pool(workers, initializer=_ignore_interrupts)
    try:
        chunk = max(1, len(work) // (workers * 8))
        results = pool.map(_lint, work, chunksize=chunk)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()
    return results


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool and reports once, with no worker traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _lint(item: _Work | _GroupWork):
    if isinstance(item, _GroupWork):
        return engine.lint_group(item.members, [_rules(codes) for codes in item.codes])
    facts = engine.FileFacts()
    findings = engine.lint_source(item.source, item.filename, _rules(item.codes), facts)
    return findings, facts.holds_dqn_code


def _rules(codes: tuple[str, ...]) -> tuple[Rule, ...]:
    rules = _RULES_BY_CODES.get(codes)
    if rules is None:
        from dqn_lint.registry import all_rules

        wanted = set(codes)
        rules = _RULES_BY_CODES[codes] = tuple(rule for rule in all_rules() if rule.code in wanted)
    return rules


def default_jobs() -> int:
    """The cores this process may use (a container's CPU affinity, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
