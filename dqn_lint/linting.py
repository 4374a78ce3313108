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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dqn_lint import engine
from dqn_lint.diagnostics import Finding
from dqn_lint.discovery import SourceFile
from dqn_lint.rule import Rule

if TYPE_CHECKING:
    from dqn_lint.cache import ResultCache

# Below this many files to parse, starting processes costs more than it saves.
MIN_FILES_PER_WORKER = 2
_UNCACHEABLE = frozenset({engine.INTERNAL_ERROR[0]})  # a crash of ours may be fixed by the next version


# Rules by their codes: filled by the parent before forking, looked up in the registry after a spawn.
_RULES_BY_CODES: dict[tuple[str, ...], tuple[Rule, ...]] = {}


class _Work(NamedTuple):  # a NamedTuple: made at start-up 8x faster than a dataclass
    index: int
    source: bytes
    filename: str
    codes: tuple[str, ...]
    key: str


def lint_sources(
    sources: Sequence[SourceFile],
    rules_for: Callable[[SourceFile], tuple[Rule, ...]],
    *,
    cache: ResultCache | None = None,
    jobs: int = 1,
) -> list[Finding]:
    """Findings of every file in `sources` (unsorted across files)."""
    results: list[list[Finding]] = [[] for _ in sources]
    work: list[_Work] = []
    for index, source_file in enumerate(sources):
        data = engine.read_source(Path(source_file.path), source_file.display_name)
        if isinstance(data, Finding):
            results[index] = [data]
            continue
        rules = rules_for(source_file)
        if not engine.needs_parse(data, rules):
            results[index] = engine.lint_source(data, source_file.display_name, rules)
            continue
        codes = tuple(rule.code for rule in rules)
        _RULES_BY_CODES[codes] = rules  # forked workers find the very same rule objects
        key = ""
        if cache is not None:
            from dqn_lint.cache import entry_key

            key = entry_key(data, codes)
            cached = cache.get(key, source_file.display_name)
            if cached is not None:
                results[index] = cached
                continue
        work.append(_Work(index, data, source_file.display_name, codes, key))

    for item, findings in zip(work, _run(work, jobs), strict=True):
        results[item.index] = findings
        if cache is not None and not any(finding.code in _UNCACHEABLE for finding in findings):
            cache.put(item.key, findings)
    if cache is not None:
        cache.save()
    return [finding for findings in results for finding in findings]


def _run(work: Sequence[_Work], jobs: int) -> list[list[Finding]]:
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


def _lint(item: _Work) -> list[Finding]:
    return engine.lint_source(item.source, item.filename, _rules(item.codes))


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
