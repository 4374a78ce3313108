"""Crash sweep: the real linter, every rule on, over installed source code nobody here wrote.

Run by hand with the dev venv's Python (a fast subset runs in CI: tests/test_crash_sweep.py):

    python benchmarks/crash_sweep.py                       # all six packages, lint only
    python benchmarks/crash_sweep.py --fix                 # also fix (safe + unsafe) and check each fix
    python benchmarks/crash_sweep.py --no-prefilter        # parse and analyse every file (crash hunting)
    python benchmarks/crash_sweep.py --packages stable_baselines3,gymnasium
        [--site-packages DIR ...] [--jobs 2] [--chunk 40] [--no-cli] [--json PATH] [--output PATH]
        [--note TEXT]

Each package is found with `importlib.util.find_spec` in this interpreter (nothing is imported), else
in the peers' venv (`benchmarks/.peers-venv`, which holds tianshou) or a `--site-packages DIR`. Its
.py/.pyi files are copied to a scratch tree in a temporary folder, and every file is linted with all
rules (`--select ALL`, DQN100 included) by `dqn_lint.engine.lint_source`, in spawned worker processes
(at most two), a chunk of files at a time. A crash of ours is any of:

- DQN902 (internal error: a rule or the program model raised);
- DQN900 (syntax error) or DQN901 (undecodable) on a file that CPython's `compile()` accepts;
- an exception that escapes `lint_source` (or `fix_source` with `--fix`);
- the death of a worker process (a segfault in libcst's native parser, say): the chunk is re-run in a
  fresh process, then file by file, each in its own process, to name the file;
- with `--fix`: a fix the fixer refused, a fixed file that CPython does not compile, or a second fix
  that changes the file again.

DQN900 on a file CPython rejects too (test data written to be invalid) is not a crash. DQN903 (too
large or too deeply nested to check) is counted as skipped, unless the file is within the engine's
size and nesting limits: then a RecursionError of ours was reported as DQN903, a crash.

The byte prefilter lets only files that mention torch and a discount reach libcst, as in a real run;
`--no-prefilter` sends every file through the parser, the program model and the rules. Fixes are
applied to the bytes in memory; the installed packages are never touched. The real command line
also runs once, as a subprocess, over the whole scratch tree:
`python -m dqn_lint check --select ALL --no-cache --output-format json TREE` (exit 0 or 1 expected,
never 2), and its findings are compared with the sweep's.

Figures: files, lines (`\\n` count), bytes, files past the byte prefilter (`engine.needs_parse`),
wall seconds per package, findings by code, crashes. The exit status is 1 when there was a crash.
"""

from __future__ import annotations

import argparse
import ast
import collections
import datetime
import importlib
import importlib.metadata
import importlib.util
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_VENV = ROOT / "benchmarks" / ".peers-venv"
ALL_PACKAGES = ("torch", "stable_baselines3", "sb3_contrib", "tianshou", "gymnasium", "numpy")
CI_PACKAGES = ("stable_baselines3", "sb3_contrib", "gymnasium")
DISTRIBUTIONS = {"stable_baselines3": "stable-baselines3", "sb3_contrib": "sb3-contrib"}
SUFFIXES = (".py", ".pyi")
MAX_JOBS = 2
CHUNK_FILES = 40

PARSE_ERROR, READ_ERROR, INTERNAL_ERROR, TOO_COMPLEX = "DQN900", "DQN901", "DQN902", "DQN903"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- where the packages are


@dataclass(frozen=True)
class Package:
    name: str  # the import name: stable_baselines3
    version: str
    root: Path  # the package's own folder: .../site-packages/stable_baselines3


def peers_site_packages() -> list[Path]:
    return sorted(PEERS_VENV.glob("lib/python*/site-packages"))


def locate(name: str, site_packages: Sequence[Path] = ()) -> Package | None:
    """The installed source folder of `name`: this interpreter first, then each site-packages folder."""
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.submodule_search_locations:
        return Package(name, _version(name, None), Path(list(spec.submodule_search_locations)[0]))
    for site in site_packages:
        folder = Path(site) / name
        if (folder / "__init__.py").is_file():
            return Package(name, _version(name, Path(site)), folder)
    return None


def _normalised(distribution_name: str) -> str:
    return distribution_name.lower().replace("-", "_")


def _version(name: str, site: Path | None) -> str:
    """The installed version of the distribution that provides `name`, in `site` or this interpreter."""
    wanted = {_normalised(name), _normalised(DISTRIBUTIONS.get(name, name))}
    distributions = importlib.metadata.distributions(path=[str(site)]) if site else importlib.metadata.distributions()
    for distribution in distributions:
        if _normalised(distribution.metadata["Name"] or "") in wanted:
            return distribution.version
    return "unknown"


def locate_all(names: Sequence[str], site_packages: Sequence[Path] = ()) -> tuple[list[Package], list[str]]:
    """The packages found, and the names of those that are not installed anywhere we looked."""
    folders = [*site_packages, *peers_site_packages()]
    found, missing = [], []
    for name in names:
        package = locate(name, folders)
        if package is None:
            missing.append(name)
        else:
            found.append(package)
    return found, missing


def source_files(root: Path) -> list[Path]:
    """Every regular .py/.pyi file under `root`, hidden folders included, symlinked folders not followed."""
    files = []
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders.sort()
        files.extend(Path(folder) / n for n in sorted(names) if n.endswith(SUFFIXES) and os.path.isfile(Path(folder) / n))
    return files


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Options:
    """What a worker does with each file."""

    fix: bool = False  # also apply every fix (safe and unsafe) and check the result
    prefilter: bool = True  # False: parse and analyse every file, even those the byte prefilter skips
    hook: str | None = None  # `module:function` linting one file's bytes instead of `lint_source` (tests)


@dataclass
class FileResult:
    package: str
    path: str  # as shown: relative to the scratch tree, e.g. torch/nn/functional.py
    bytes: int = 0
    lines: int = 0
    parsed: bool = False
    seconds: float = 0.0
    findings: list[dict] = field(default_factory=list)  # code, row, column, message
    skipped: str | None = None  # why the file was not checked (DQN903: too large or too deeply nested)
    crashes: list[dict] = field(default_factory=list)  # kind, detail
    fix_changed: bool = False
    fixes_applied: int = 0


def _rules():
    from dqn_lint.registry import all_rules
    from dqn_lint.selection import ALL, SelectorLayer, enabled_codes

    rules = all_rules()
    enabled = enabled_codes((rule.code for rule in rules), (SelectorLayer(select=(ALL,)),))
    return tuple(rule for rule in rules if rule.code in enabled)


def _cpython_error(data: bytes, filename: str) -> str | None:
    """CPython's verdict on the bytes (their encoding included); None when it compiles them."""
    try:
        compile(data, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _within_limits(data: bytes, filename: str) -> str | None:
    """Why a file is well within the size and nesting limits of `engine` (so a DQN903 on it is a
    bug of ours), or None when it is not, or CPython cannot tell."""
    import ast

    from dqn_lint import diagnostics, parsing

    max_size, max_nesting = diagnostics.MAX_FILE_SIZE, diagnostics.MAX_NESTING
    if len(data) > max_size:
        return None
    try:
        tree = compile(data, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    deepest = parsing.nesting_depth(tree)
    if deepest > max_nesting:
        return None
    return f"{len(data):,} bytes (limit {max_size:,}), nesting {deepest} (limit {max_nesting})"


def _crash(kind: str, detail: str) -> dict:
    return {"kind": kind, "detail": detail[-4000:]}


def lint_every_file(data: bytes, filename: str, rules) -> list:
    """`lint_source` without the byte prefilter: every decodable file is parsed and analysed."""
    from dqn_lint import engine, sources

    try:
        text = sources.decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return engine.lint_source(data, filename, rules)
    return engine.lint_text(text, filename, rules, parse=True)


def _linter(options: Options) -> Callable:
    """The function that lints one file's bytes: `engine.lint_source`, or `options.hook`."""
    if options.hook is not None:
        module, _, function = options.hook.partition(":")
        return getattr(importlib.import_module(module), function)
    if not options.prefilter:
        return lint_every_file
    from dqn_lint.engine import lint_source

    return lint_source


def sweep_file(package: str, path: Path, shown: str, options: Options) -> FileResult:
    """Lint (and with `options.fix`, fix) one file with every rule; our crashes go to `crashes`."""
    from dqn_lint import engine

    rules = _rules()
    result = FileResult(package, shown)
    try:
        data = path.read_bytes()
    except OSError as error:
        result.crashes.append(_crash("the sweep cannot read the file", str(error)))
        return result
    result.bytes, result.lines = len(data), data.count(b"\n")
    result.parsed = engine.needs_parse(data) or not options.prefilter
    start = time.perf_counter()
    try:
        findings = _linter(options)(data, shown, rules)
    except Exception:
        result.crashes.append(_crash("exception", traceback.format_exc()))
        findings = []
    result.seconds = time.perf_counter() - start
    for finding in findings:
        record = {"code": finding.code, "row": finding.span.start.row, "column": finding.span.start.column}
        record["message"] = finding.message
        if finding.code == TOO_COMPLEX:
            result.skipped = finding.message
            within = _within_limits(data, shown)
            if within:  # nothing to refuse: a RecursionError of ours was reported as too complex
                result.crashes.append(_crash("DQN903 on a file within the limits", f"{within}; {finding.message}"))
            continue
        result.findings.append(record)
        if finding.code == INTERNAL_ERROR:
            result.crashes.append(_crash("DQN902", finding.message))
        elif finding.code in (PARSE_ERROR, READ_ERROR):
            cpython = _cpython_error(data, shown)
            record["cpython"] = cpython or "compiles"
            if cpython is None:
                result.crashes.append(_crash(f"{finding.code} on a file CPython compiles", finding.message))
    if options.fix and result.skipped is None:
        _check_fixes(result, data, shown, rules)
    return result


def _check_fixes(result: FileResult, data: bytes, shown: str, rules) -> None:
    """Apply every fix (safe and unsafe) to the bytes, in memory: the result must compile and a second
    fix must change nothing. (A chunk re-run after a worker death thus sees the same bytes again.)"""
    from dqn_lint.diagnostics import Applicability
    from dqn_lint.fixes.apply import fix_source

    allowed = frozenset({Applicability.SAFE, Applicability.UNSAFE})
    try:
        outcome = fix_source(data, shown, rules, allowed)
    except Exception:
        result.crashes.append(_crash("fix: exception", traceback.format_exc()))
        return
    if outcome.error is not None:
        result.crashes.append(_crash("fix: refused", outcome.error))
        return
    if not outcome.changed:
        return
    result.fix_changed, result.fixes_applied = True, len(outcome.fixed_findings)
    problem = _cpython_error(outcome.fixed, shown)
    if problem is not None:
        result.crashes.append(_crash("fix: result does not compile", problem))
        return
    try:
        again = fix_source(outcome.fixed, shown, rules, allowed)
    except Exception:
        result.crashes.append(_crash("fix: exception on the second pass", traceback.format_exc()))
        return
    if again.changed or again.error is not None:
        result.crashes.append(_crash("fix: second fix is not a no-op", again.error or "the second fix changed the file"))


Item = tuple[str, str, str]  # package, path of the scratch copy, name shown


def sweep_chunk(items: Sequence[Item], options: Options) -> list[FileResult]:
    """A worker's job: files linted one after the other (imports done first, outside the timings)."""
    import libcst  # noqa: F401

    import dqn_lint.fixes.apply  # noqa: F401
    import dqn_lint.model  # noqa: F401

    _rules()
    return [sweep_file(package, Path(path), shown, options) for package, path, shown in items]


# --------------------------------------------------------------------------- chunks in processes


def _context():
    return multiprocessing.get_context("spawn")  # a clean interpreter: no state inherited from the caller


def _child(sender, items: Sequence[Item], options: Options) -> None:
    try:
        sender.send(("results", sweep_chunk(items, options)))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def _in_own_process(items: Sequence[Item], options: Options) -> list[FileResult] | int:
    """Run one chunk in a fresh process; its results, or the exit code of a process that died."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, items, options), daemon=True)
    process.start()
    sender.close()
    try:
        kind, payload = receiver.recv()
    except EOFError:  # the child died before it could answer
        process.join()
        return process.exitcode or -1
    finally:
        receiver.close()
    process.join()
    if kind == "results":
        return payload
    return [FileResult(package, shown, crashes=[_crash("exception in the sweep", payload)]) for package, _, shown in items]


def _isolate(items: Sequence[Item], options: Options) -> list[FileResult]:
    """A chunk whose worker died: again in a fresh process, then, if it dies again, file by file."""
    results = _in_own_process(items, options)
    if not isinstance(results, int):
        return results  # the death came from another chunk that shared the pool
    results = []
    for item in items:
        alone = _in_own_process([item], options)
        if isinstance(alone, int):
            log(f"crash_sweep: the worker process died on {item[2]} (exit code {alone})")
            dead = FileResult(item[0], item[2], crashes=[_crash("process death", f"exit code {alone}")])
            data = Path(item[1]).read_bytes()
            dead.bytes, dead.lines = len(data), data.count(b"\n")
            results.append(dead)
        else:
            results.extend(alone)
    return results


def run_chunks(chunks: Sequence[Sequence[Item]], options: Options, jobs: int) -> list[FileResult]:
    """Every chunk's results, in chunk order. `jobs=0` runs in this process (no protection from deaths)."""
    if jobs <= 0:
        return [result for chunk in chunks for result in sweep_chunk(chunk, options)]
    done: dict[int, list[FileResult]] = {}
    broken: list[int] = []
    with ProcessPoolExecutor(max_workers=min(jobs, MAX_JOBS, len(chunks)) or 1, mp_context=_context()) as executor:
        futures = {executor.submit(sweep_chunk, chunk, options): index for index, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            try:
                done[futures[future]] = future.result()
            except Exception:  # BrokenProcessPool (a worker died), or a result that could not come back
                broken.append(futures[future])
    for index in sorted(broken):  # one death breaks the whole pool: every unfinished chunk is redone
        done[index] = _isolate(chunks[index], options)
    return [result for index in range(len(chunks)) for result in done[index]]


# --------------------------------------------------------------------------- a package, a sweep


@dataclass
class PackageReport:
    name: str
    version: str
    source: str
    files: int = 0
    lines: int = 0
    bytes: int = 0
    parsed: int = 0
    seconds: float = 0.0
    findings_by_code: dict[str, int] = field(default_factory=dict)
    skipped_too_complex: int = 0
    dqn900_cpython_rejects_too: int = 0
    fixed_files: int = 0
    fixes_applied: int = 0
    crashes: list[dict] = field(default_factory=list)  # file, kind, detail
    findings: list[dict] = field(default_factory=list)  # file, code, row, column, message
    skipped: list[dict] = field(default_factory=list)  # file, reason (DQN903)
    slowest: list[dict] = field(default_factory=list)  # file, seconds


@dataclass
class SweepReport:
    packages: list[PackageReport]
    options: Options
    cli: dict | None = None

    @property
    def crashes(self) -> list[dict]:
        return [crash for package in self.packages for crash in package.crashes] + (self.cli or {}).get("crashes", [])


def _chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def scratch_copy(packages: Sequence[Package], tree: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Copy each package's .py/.pyi files to `tree/<name>/...`; the work items of each package."""
    items = {}
    for package in packages:
        items[package.name] = []
        for source in source_files(package.root):
            shown = f"{package.name}/{source.relative_to(package.root).as_posix()}"
            target = tree / shown
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            items[package.name].append((package.name, str(target), shown))
    return items


def sweep_package(package: Package, items: list[Item], options: Options, *, jobs: int, chunk: int) -> PackageReport:
    report = PackageReport(package.name, package.version, str(package.root))
    size = max(1, min(chunk, -(-len(items) // max(1, 4 * max(jobs, 1)))))
    start = time.perf_counter()
    results = run_chunks(_chunks(items, size), options, jobs)
    report.seconds = time.perf_counter() - start
    codes: collections.Counter[str] = collections.Counter()
    for result in results:
        report.files += 1
        report.lines += result.lines
        report.bytes += result.bytes
        report.parsed += result.parsed
        if result.skipped is not None:
            report.skipped_too_complex += 1
            report.skipped.append({"file": result.path, "reason": result.skipped})
        report.fixed_files += result.fix_changed
        report.fixes_applied += result.fixes_applied
        for finding in result.findings:
            codes[finding["code"]] += 1
            report.findings.append({"file": result.path, **finding})
            if finding["code"] == PARSE_ERROR and finding.get("cpython") != "compiles":
                report.dqn900_cpython_rejects_too += 1
        report.crashes.extend({"file": result.path, **crash} for crash in result.crashes)
    report.findings_by_code = dict(sorted(codes.items()))
    slowest = sorted(results, key=lambda result: result.seconds, reverse=True)[:5]
    report.slowest = [{"file": result.path, "seconds": round(result.seconds, 3)} for result in slowest]
    return report


def run_cli(tree: Path) -> dict:
    """`python -m dqn_lint check --select ALL --no-cache --output-format json TREE`, from the tree."""
    argv = [sys.executable, "-m", "dqn_lint", "check", "--select", "ALL", "--no-cache", "--output-format", "json", str(tree)]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, capture_output=True, text=True, check=False)
    record = {"argv": " ".join(argv[1:]), "exit_code": done.returncode, "seconds": round(time.perf_counter() - start, 2)}
    record["crashes"] = []
    try:
        findings = json.loads(done.stdout)
    except json.JSONDecodeError:
        findings = None
        record["crashes"].append({"file": str(tree), "kind": "cli: output is not JSON", "detail": done.stderr[-2000:]})
    if done.returncode not in (0, 1):
        record["crashes"].append({"file": str(tree), "kind": f"cli: exit code {done.returncode}", "detail": done.stderr[-2000:]})
    if findings is not None:
        record["findings"] = len(findings)
        record["findings_by_code"] = dict(sorted(collections.Counter(f["code"] for f in findings).items()))
    return record


def sweep(
    packages: Sequence[Package],
    options: Options = Options(),
    *,
    jobs: int = MAX_JOBS,
    chunk: int = CHUNK_FILES,
    cli: bool = True,
    progress: Callable[[str], None] = lambda message: None,
) -> SweepReport:
    """Sweep the packages' source in a scratch copy; the figures and every finding and crash."""
    with tempfile.TemporaryDirectory(prefix="dqn-lint-crash-sweep-") as scratch:
        tree = Path(scratch) / "tree"
        items = scratch_copy(packages, tree)
        cli_record = None
        if cli:
            progress(f"running the command line over {sum(map(len, items.values()))} files")
            cli_record = run_cli(tree)
        reports = []
        for package in packages:
            progress(f"sweeping {package.name} ({len(items[package.name])} files)")
            reports.append(sweep_package(package, items[package.name], options, jobs=jobs, chunk=chunk))
        report = SweepReport(reports, options, cli_record)
    if cli_record is not None and "findings" in cli_record:
        swept = sum(sum(p.findings_by_code.values()) for p in reports)
        cli_record["matches_sweep"] = cli_record["findings"] == swept
    return report


# --------------------------------------------------------------------------- figures


def machine_note() -> dict:
    from importlib.metadata import version

    import dqn_lint

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "dqn_lint": dqn_lint.__version__,
        "libcst": version("libcst"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_at_start": [round(value, 2) for value in load] if load else None,
    }


def _codes(codes: dict[str, int]) -> str:
    return " ".join(f"{code}:{count}" for code, count in codes.items()) or "-"


def table(report: SweepReport) -> str:
    header = ("package", "version", "files", "lines", "parsed", "seconds", "findings by code", "crashes")
    rows = [
        (p.name, p.version, f"{p.files:,}", f"{p.lines:,}", f"{p.parsed:,}", f"{p.seconds:.1f}", _codes(p.findings_by_code), str(len(p.crashes)))
        for p in report.packages
    ]
    total: collections.Counter[str] = collections.Counter()
    for package in report.packages:
        total.update(package.findings_by_code)
    rows.append(
        (
            "total",
            "",
            f"{sum(p.files for p in report.packages):,}",
            f"{sum(p.lines for p in report.packages):,}",
            f"{sum(p.parsed for p in report.packages):,}",
            f"{sum(p.seconds for p in report.packages):.1f}",
            _codes(dict(sorted(total.items()))),
            str(sum(len(p.crashes) for p in report.packages)),
        )
    )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {2, 3, 4, 5, 7}
    lines = []
    for n, row in enumerate((header, *rows)):
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def text_report(report: SweepReport, note: dict) -> str:
    out = [
        f"dqn-lint crash sweep, {note['date']}",
        f"dqn-lint {note['dqn_lint']}, libcst {note['libcst']}, Python {note['python']}, {note['platform']}, "
        f"{note['cores']} cores, load average at start {note['load_average_at_start']}"
        + (f"; {note['note']}" if note.get("note") else ""),
        f"mode: {'lint + fix (safe and unsafe), every fix re-compiled and re-fixed' if report.options.fix else 'lint'}, "
        f"{'byte prefilter on' if report.options.prefilter else 'no prefilter: every file parsed and analysed'}, "
        "all rules (--select ALL), spawned workers",
        "",
        table(report),
        "",
    ]
    for package in report.packages:
        extra = []
        if package.dqn900_cpython_rejects_too:
            extra.append(f"{package.dqn900_cpython_rejects_too} DQN900 on files CPython rejects too")
        if package.skipped_too_complex:
            extra.append(f"{package.skipped_too_complex} not checked: too large or too deep (DQN903)")
        if report.options.fix:
            extra.append(f"{package.fixed_files} files fixed ({package.fixes_applied} fixes)")
        extra.append(f"{package.bytes:,} bytes")
        slow = ", ".join(f"{s['file']} {s['seconds']:.2f} s" for s in package.slowest[:3])
        out.append(f"{package.name}: {'; '.join(extra)}; slowest: {slow}")
    if report.cli is not None:
        cli = report.cli
        out += ["", f"command line: {cli['argv']}", f"  exit code {cli['exit_code']}, {cli['seconds']:.1f} s, "
                f"{cli.get('findings', '?')} findings ({_codes(cli.get('findings_by_code', {}))}), "
                f"same count as the sweep: {cli.get('matches_sweep')}"]
    skipped = [s for p in report.packages for s in p.skipped]
    if skipped:
        out += ["", f"not checked, DQN903 ({len(skipped)}):"] + [f"  {s['file']}: {s['reason']}" for s in skipped]
    findings = [f for p in report.packages for f in p.findings]
    out += ["", f"findings ({len(findings)}):"]
    out += [f"  {f['file']}:{f['row']}:{f['column']}: {f['code']} {f['message']}" + (f" [CPython: {f['cpython']}]" if "cpython" in f else "") for f in findings] or ["  none"]
    out += ["", f"crashes ({len(report.crashes)}):"]
    out += [f"  {c['file']}: {c['kind']}: {c['detail'].strip().splitlines()[-1] if c['detail'].strip() else ''}" for c in report.crashes] or ["  none"]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", default=",".join(ALL_PACKAGES), help="comma-separated import names")
    parser.add_argument("--site-packages", action="append", type=Path, default=[], help="another folder to look in")
    parser.add_argument("--fix", action="store_true", help="also apply every fix and check the result")
    parser.add_argument("--no-prefilter", action="store_true", help="parse and analyse every file (slow; crash hunting)")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help=f"worker processes (at most {MAX_JOBS}; 0: in this process)")
    parser.add_argument("--chunk", type=int, default=CHUNK_FILES, help="files per worker job")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line run over the scratch tree")
    parser.add_argument("--json", type=Path, help="write the figures, findings and crashes here")
    parser.add_argument("--output", type=Path, help="also write the printed report here")
    parser.add_argument("--note", default="", help="a word on the machine (shared? busy?) for the record")
    args = parser.parse_args(argv)

    names = [name.strip() for name in args.packages.split(",") if name.strip()]
    packages, missing = locate_all(names, args.site_packages)
    if missing:
        log(f"crash_sweep: not installed, skipped: {', '.join(missing)}")
    if not packages:
        log("crash_sweep: no package to sweep")
        return 2
    note = machine_note() | {"note": args.note}
    options = Options(fix=args.fix, prefilter=not args.no_prefilter)
    report = sweep(packages, options, jobs=min(args.jobs, MAX_JOBS), chunk=args.chunk, cli=not args.no_cli, progress=log)
    text = text_report(report, note)
    print(text, end="")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"machine": note, "missing": missing, **asdict(report), "crashes": report.crashes}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if report.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
