"""How fast `dqn-lint check` is, side by side with its peers, in one run on one tree.

Run by hand with the dev venv's Python (figures go to the README, never into timed unit tests):

    python benchmarks/bench_check.py                 # torch + stable-baselines3 + tianshou source
    python benchmarks/bench_check.py --quick         # stable-baselines3 + tianshou only
    python benchmarks/bench_check.py --tree DIR ...  # any folders (positional FOLDER ... too)
        [--venv PATH] [--no-install] [--in-place] [--timeout 1800] [--rounds 1] [--skip fixit,...]
        [--ruff-select CODES] [--one-file PATH] [--repeat 11] [--no-per-folder] [--no-one-file]
        [--json PATH]

The peers live in the benchmark's own venv (`benchmarks/.peers-venv`, created or reused here from
`benchmarks/peers/requirements.txt` with `-c constraints.txt`, never the dev venv): TorchFix and
Fixit (libcst-based, like dqn-lint) and ruff with its default rules as the speed reference. That
venv also holds the installed source of torch, stable-baselines3 and tianshou: the default tree.

The tools lint a scratch copy of the trees' .py/.pyi files, outside any repository (`--in-place`
lints the folders where they are): the venv is git-ignored and lies below this project's
pyproject.toml, and ruff, dqn-lint and Fixit honour .gitignore, so in place they would each see a
different tree, or none. Every tool is a subprocess run from an empty temporary folder (so no
project config or cache of the caller's applies), one after the other, over the same folders. Wall time is
`time.perf_counter` around the child; CPU time (user + sys) and peak RSS come from `os.wait4` on
that child, so they include its worker processes (peak RSS is that of the largest single process,
not a sum). A tool that exits with an error, hits the time limit or lints no file is reported as
FAILED / TIMEOUT with its first stderr line, never with a time.

Files and lines are the same for every row: every `*.py` under the trees, nothing excluded, lines
counted as `\\n`. Where a tool says how many files it saw, the table shows it too (TorchFix parses
only files that mention `torch`; dqn-lint, Fixit and ruff also lint `.pyi` stubs).

Then, as before: per-folder figures of dqn-lint (files, lines, files past the byte prefilter,
wall, lines/s, findings by code), and the latency of the whole command `dqn-lint check ONE_FILE`
in a fresh process against `python -c "import libcst"` (same interpreter), cold and warm.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = ROOT / "benchmarks" / ".peers-venv"
REQUIREMENTS = ROOT / "benchmarks" / "peers" / "requirements.txt"
CONSTRAINTS = ROOT / "constraints.txt"
FULL_PACKAGES = ("torch", "stable_baselines3", "tianshou")
QUICK_PACKAGES = ("stable_baselines3", "tianshou")
TOOLS = ("ruff", "dqn-lint", "torchfix", "fixit")

TARGET_COLD_VS_TORCHFIX = 5.0  # cold dqn-lint at least this many times faster than TorchFix
TARGET_WARM_VS_COLD = 20.0  # a warm run at least this many times faster than a cold one
TARGET_ONE_FILE = 1.5  # `dqn-lint check one_file.py` at most this many times `python -c "import libcst"`


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- running a child


@dataclass
class Run:
    argv: list[str]
    returncode: int | None  # None when killed at the time limit
    wall: float
    cpu: float  # user + sys of the child and its reaped workers
    max_rss_kb: int  # largest single process among the child and its reaped workers
    stdout: str = field(repr=False)
    stderr: str = field(repr=False)
    timed_out: bool = False

    def first_error_line(self) -> str:
        for text in (self.stderr, self.stdout):
            for line in text.splitlines():
                if line.strip():
                    return line.strip()[:200]
        return f"exit code {self.returncode}, no output"


def run_child(argv: list[str], *, cwd: Path, timeout: float) -> Run:
    """Run argv to the end (or kill its whole process group at `timeout`), with its own rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Run(
            argv=[str(arg) for arg in argv],
            returncode=None if timed_out.is_set() else proc.returncode,
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            max_rss_kb=usage.ru_maxrss,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out.is_set(),
        )


def quick_output(argv: list[str], cwd: Path | None = None) -> str:
    """stdout + stderr of a short helper command; '' when it cannot run."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


# --------------------------------------------------------------------------- the peers' venv


def ensure_venv(venv: Path, install: bool) -> Path:
    """The venv's python, after creating the venv and installing the requirements when needed."""
    python = venv / "bin" / "python"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes() + CONSTRAINTS.read_bytes()).hexdigest()
    stamp = venv / ".bench-requirements"
    if not install:
        if not python.exists():
            sys.exit(f"bench_check: no venv at {venv} (and --no-install given)")
        return python
    if not python.exists():
        base = getattr(sys, "_base_executable", None) or sys.executable
        log(f"creating the peers' venv {venv} with {base}")
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    if venv == DEFAULT_VENV and not (venv / ".gitignore").exists():
        (venv / ".gitignore").write_text("# created by benchmarks/bench_check.py: git ignores this whole venv\n*\n")
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        log(f"installing {REQUIREMENTS.relative_to(ROOT)} into {venv} (-c {CONSTRAINTS.name})")
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS), "-c", str(CONSTRAINTS)], check=True
        )
        stamp.write_text(wanted + "\n")
    return python


def package_folders(python: Path, packages: tuple[str, ...]) -> list[Path]:
    code = (
        "import importlib.util, sys\n"
        "for name in sys.argv[1:]:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    print(list(spec.submodule_search_locations)[0] if spec else '')\n"
    )
    done = subprocess.run([str(python), "-c", code, *packages], capture_output=True, text=True, check=True)
    found = done.stdout.splitlines()
    missing = [name for name, line in zip(packages, found, strict=True) if not line or not Path(line).is_dir()]
    if missing:
        sys.exit(f"bench_check: {', '.join(missing)} not installed in {python}")
    return [Path(line) for line in found]


# --------------------------------------------------------------------------- the tree


@dataclass
class Tally:
    files: int = 0
    lines: int = 0
    stub_files: int = 0
    stub_lines: int = 0
    parsed: int | None = None  # files past dqn-lint's byte prefilter, when it can be imported


def _prefilter():
    try:
        from dqn_lint.engine import might_hold_td_target
    except Exception:  # dqn_lint is being edited, or not importable from this interpreter
        return None
    return might_hold_td_target


def tally(folders: list[Path]) -> Tally:
    """Every *.py (and, apart, *.pyi) below the folders, nothing excluded. Also warms the page cache."""
    prefilter = _prefilter()
    result = Tally(parsed=0 if prefilter else None)
    for folder in folders:
        for directory, _, names in os.walk(folder):
            for name in names:
                if not name.endswith((".py", ".pyi")):
                    continue
                data = Path(directory, name).read_bytes()
                if name.endswith(".pyi"):
                    result.stub_files += 1
                    result.stub_lines += data.count(b"\n")
                    continue
                result.files += 1
                result.lines += data.count(b"\n")
                if prefilter is not None:
                    try:
                        result.parsed += bool(prefilter(data))
                    except Exception:
                        prefilter, result.parsed = None, None
    return result


def copy_sources(folders: list[Path], destination: Path) -> list[Path]:
    """Copy the *.py / *.pyi files of each folder, keeping its name and layout, below `destination`.

    The default tree lies in a venv inside this repository: git-ignored, below `site-packages`, and
    under this project's pyproject.toml. Tools that honour .gitignore (ruff, dqn-lint, Fixit), skip
    venvs or read configs upward would each see a different tree, or none. A copy in a scratch folder
    outside any repository is the same source for all of them.
    """
    copies = []
    for folder in folders:
        target = destination / folder.name
        suffix = 1
        while target.exists():
            suffix += 1
            target = destination / f"{folder.name}-{suffix}"
        for directory, _, names in os.walk(folder):
            sources = [name for name in names if name.endswith((".py", ".pyi"))]
            if not sources:
                continue
            below = target / os.path.relpath(directory, folder)
            below.mkdir(parents=True, exist_ok=True)
            for name in sources:
                shutil.copyfile(os.path.join(directory, name), below / name)
        target.mkdir(parents=True, exist_ok=True)
        copies.append(target)
    return copies


# --------------------------------------------------------------------------- tools and their sanity checks


@dataclass
class Outcome:
    name: str
    command: str
    ok: bool
    status: str  # "ok", "ok (note)", "FAILED: ...", "TIMEOUT ...", "n/a (...)"
    wall: float | None = None
    walls: list[float] = field(default_factory=list)
    cpu: float | None = None
    max_rss_kb: int | None = None
    files_seen: int | None = None
    findings: int | None = None
    findings_by_code: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False


def skipped(name: str, reason: str) -> Outcome:
    return Outcome(name=name, command="", ok=False, status=f"n/a ({reason})")


DQN_FINDING = re.compile(r":\d+:\d+: ([A-Z]+[0-9]+)\b")
RUFF_FINDING = re.compile(r":\d+:\d+: ([A-Z]+[0-9]+)\b")
TORCHFIX_FINDING = re.compile(r":\d+:\d+: (TOR[0-9]+)\b")
FIXIT_FINDING = re.compile(r"@\d+:\d+ (\w+):")
SUMMARY_FILES = re.compile(r"(\d[\d,]*) files? (?:checked|linted|clean)")


def judge_dqn_lint(run: Run) -> tuple[bool, str, int | None]:
    if run.timed_out:
        return False, "TIMEOUT", None
    if run.returncode != 0:  # --exit-zero: anything else is a usage or internal error
        return False, f"FAILED (exit {run.returncode}): {run.first_error_line()}", None
    if "no Python files found" in run.stderr:
        return False, "FAILED: linted no file (no Python files found)", 0
    seen = SUMMARY_FILES.search(run.stderr + run.stdout)
    return True, "ok", int(seen.group(1).replace(",", "")) if seen else None


def judge_ruff(run: Run) -> tuple[bool, str, int | None]:
    if run.timed_out:
        return False, "TIMEOUT", None
    if run.returncode != 0 or re.search(r"^(error|ruff failed)", run.stderr, re.MULTILINE):
        return False, f"FAILED (exit {run.returncode}): {run.first_error_line()}", None
    return True, "ok", None


def judge_torchfix(run: Run) -> tuple[bool, str, int | None]:
    if run.timed_out:
        return False, "TIMEOUT", None
    finished = re.search(r"Finished checking (\d+) files", run.stderr)
    if run.returncode not in (0, 1) or not finished:
        if run.returncode == 0 and not run.stderr.strip():
            return False, "FAILED: linted no file (none mentions `torch`)", None
        return False, f"FAILED (exit {run.returncode}): {run.first_error_line()}", None
    seen = int(finished.group(1))
    if seen == 0:
        return False, "FAILED: linted no file", seen
    if run.returncode == 1:
        return True, "ok (exit 1: some files failed to parse or transform)", seen
    return True, "ok", seen


def judge_fixit(run: Run) -> tuple[bool, str, int | None]:
    if run.timed_out:
        return False, "TIMEOUT", None
    splash = SUMMARY_FILES.search(run.stderr)
    if run.returncode not in (0, 1, 2, 3) or not splash:  # 1 violations, 2 file errors, 3 both
        return False, f"FAILED (exit {run.returncode}): {run.first_error_line()}", None
    seen = int(splash.group(1).replace(",", ""))
    if seen == 0:
        return False, "FAILED: linted no file (a .gitignore above the tree may hide it from Fixit)", 0
    errors = run.stdout.count(": EXCEPTION: ")
    return True, f"ok ({errors} files raised)" if errors else "ok", seen


def measure(
    name: str, argv: list[str], judge, pattern: re.Pattern[str], *, cwd: Path, timeout: float, rounds: int
) -> tuple[Outcome, Run | None]:
    """Run a tool `rounds` times (median wall); stop at the first failure."""
    outcome = Outcome(name=name, command=" ".join(argv), ok=False, status="")
    last: Run | None = None
    for index in range(rounds):
        log(f"  {name}{f' (round {index + 1}/{rounds})' if rounds > 1 else ''} ...")
        run = run_child(argv, cwd=cwd, timeout=timeout)
        last = run
        ok, status, seen = judge(run)
        outcome.ok, outcome.status, outcome.files_seen = ok, status, seen
        if not ok:
            outcome.timed_out = run.timed_out
            if run.timed_out:
                outcome.status = f"TIMEOUT (> {timeout:.0f} s)"
                outcome.wall = run.wall
            log(f"    {outcome.status}")
            return outcome, run
        outcome.walls.append(run.wall)
        outcome.cpu = run.cpu if outcome.cpu is None else min(outcome.cpu, run.cpu)
        outcome.max_rss_kb = max(outcome.max_rss_kb or 0, run.max_rss_kb)
        log(f"    {run.wall:.2f} s wall, {run.cpu:.2f} s CPU")
    outcome.wall = statistics.median(outcome.walls)
    codes = collections.Counter(match.group(1) for match in pattern.finditer(last.stdout)) if last else {}
    outcome.findings = sum(codes.values())
    outcome.findings_by_code = dict(sorted(codes.items()))
    return outcome, last


def dqn_lint_command() -> list[str]:
    script = Path(sys.executable).parent / "dqn-lint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dqn_lint"]


def dqn_lint_flags(dqn: list[str]) -> set[str]:
    text = quick_output([*dqn, "check", "--help"])
    return {flag for flag in ("--no-cache", "--cache-dir", "--jobs", "--isolated") if re.search(rf"{flag}\b", text)}


def normalised_findings(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if DQN_FINDING.search(line))


def run_tools(args: argparse.Namespace, trees: list[Path], peer_bin: Path, work: Path) -> dict[str, Outcome]:
    paths = [str(tree) for tree in trees]
    timeout, rounds = args.timeout, args.rounds
    outcomes: dict[str, Outcome] = {}

    def scratch(name: str) -> Path:  # an empty working folder per tool: no config or cache of the caller's
        folder = work / name
        folder.mkdir(exist_ok=True)
        return folder

    if "ruff" in args.skip:
        outcomes["ruff"] = skipped("ruff", "skipped")
    else:
        ruff = [
            str(peer_bin / "ruff"),
            "check",
            "--isolated",
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "concise",
            "-q",
        ]
        if args.ruff_select:
            ruff += ["--select", args.ruff_select]
        outcomes["ruff"], _ = measure(
            "ruff", ruff + paths, judge_ruff, RUFF_FINDING, cwd=scratch("ruff"), timeout=timeout, rounds=rounds
        )
        if outcomes["ruff"].ok:  # ruff says which files it saw in a separate, untimed run
            listing = quick_output(
                [str(peer_bin / "ruff"), "check", "--isolated", "--show-files", *paths], cwd=scratch("ruff")
            )
            outcomes["ruff"].files_seen = sum(1 for line in listing.splitlines() if line.endswith((".py", ".pyi")))
            if outcomes["ruff"].files_seen == 0:
                outcomes["ruff"].ok = False
                outcomes["ruff"].status = "FAILED: linted no file (`ruff check --show-files` lists none)"

    if "dqn-lint" in args.skip:
        for key in ("cold", "cold-j1", "warm"):
            outcomes[f"dqn-lint {key}"] = skipped(f"dqn-lint {key}", "skipped")
    else:
        dqn = dqn_lint_command()
        flags = dqn_lint_flags(dqn)
        found = ", ".join(sorted(flags)) or "none of --no-cache/--cache-dir/--jobs/--isolated"
        log(f"  dqn-lint flags found in `check --help`: {found}")
        base = [*dqn, "check", *paths, "--exit-zero", "--output-format", "concise", "-q"]
        if "--isolated" in flags:
            base.append("--isolated")
        cold = base + (["--no-cache"] if "--no-cache" in flags else [])
        outcomes["dqn-lint cold"], cold_run = measure(
            "dqn-lint cold", cold, judge_dqn_lint, DQN_FINDING, cwd=scratch("dqn-cold"), timeout=timeout, rounds=rounds
        )
        if "--no-cache" not in flags:
            outcomes["dqn-lint cold"].status += " (no --no-cache flag: run from an empty folder)"

        if "--jobs" in flags:
            outcomes["dqn-lint cold-j1"], _ = measure(
                "dqn-lint cold --jobs 1",
                cold + ["--jobs", "1"],
                judge_dqn_lint,
                DQN_FINDING,
                cwd=scratch("dqn-cold-j1"),
                timeout=timeout,
                rounds=rounds,
            )
        else:
            outcomes["dqn-lint cold-j1"] = skipped("dqn-lint cold --jobs 1", "flag missing")

        if "--cache-dir" in flags:
            cache = work / "dqn-cache"
            warm = base + ["--cache-dir", str(cache)]
            log("  dqn-lint warm: filling the cache (untimed) ...")
            fill = run_child(warm, cwd=scratch("dqn-warm"), timeout=timeout)
            ok, status, _ = judge_dqn_lint(fill)
            if not ok:
                outcomes["dqn-lint warm"] = Outcome(
                    "dqn-lint warm", " ".join(warm), False, f"{status} (filling the cache)"
                )
            else:
                log(f"    fill: {fill.wall:.2f} s")
                outcome, warm_run = measure(
                    "dqn-lint warm",
                    warm,
                    judge_dqn_lint,
                    DQN_FINDING,
                    cwd=scratch("dqn-warm"),
                    timeout=timeout,
                    rounds=rounds,
                )
                if outcome.ok and cold_run is not None and outcomes["dqn-lint cold"].ok and warm_run is not None:
                    if normalised_findings(warm_run.stdout) != normalised_findings(cold_run.stdout):
                        outcome.status = "ok, but its findings DIFFER from the cold run's"
                    else:
                        outcome.status = "ok (same findings as cold)"
                outcomes["dqn-lint warm"] = outcome
        else:
            outcomes["dqn-lint warm"] = skipped("dqn-lint warm", "flag missing")

    if "torchfix" in args.skip:
        outcomes["torchfix"] = skipped("TorchFix", "skipped")
    else:
        outcomes["torchfix"], _ = measure(
            "TorchFix",
            [str(peer_bin / "torchfix"), *paths],
            judge_torchfix,
            TORCHFIX_FINDING,
            cwd=scratch("torchfix"),
            timeout=timeout,
            rounds=rounds,
        )

    if "fixit" in args.skip:
        outcomes["fixit"] = skipped("Fixit", "skipped")
    else:
        outcomes["fixit"], _ = measure(
            "Fixit",
            [str(peer_bin / "fixit"), "--rules", "fixit.rules", "lint", *paths],
            judge_fixit,
            FIXIT_FINDING,
            cwd=scratch("fixit"),
            timeout=timeout,
            rounds=rounds,
        )
    return outcomes


# --------------------------------------------------------------------------- targets


@dataclass
class Verdict:
    name: str
    target: str
    value: str
    verdict: str  # PASS, MISS or n/a (...)
    ratio: float | None = None


def speedup_verdict(name: str, slow: Outcome, fast: Outcome, target: float) -> Verdict:
    goal = f">= {target:g}x"
    if not fast.ok or fast.wall is None:
        return Verdict(name, goal, "-", f"n/a ({fast.name}: {fast.status})")
    if slow.timed_out and slow.wall is not None:  # a lower bound: the slow side did not even finish
        bound = slow.wall / fast.wall
        verdict = "PASS" if bound >= target else f"n/a ({slow.name} timed out; only >= {bound:.1f}x known)"
        return Verdict(name, goal, f">= {bound:.1f}x", verdict, bound)
    if not slow.ok or slow.wall is None:
        return Verdict(name, goal, "-", f"n/a ({slow.name}: {slow.status})")
    ratio = slow.wall / fast.wall
    return Verdict(name, goal, f"{ratio:.1f}x", "PASS" if ratio >= target else "MISS", ratio)


# --------------------------------------------------------------------------- per folder (the old figures)


def per_folder(folders: list[Path], args: argparse.Namespace, work: Path) -> list[dict]:
    dqn = dqn_lint_command()
    flags = dqn_lint_flags(dqn)
    rows = []
    for folder in folders:
        counts = tally([folder])
        argv = [*dqn, "check", str(folder), "--exit-zero", "--output-format", "concise", "-q"]
        argv += [flag for flag in ("--no-cache", "--isolated") if flag in flags]
        log(f"  per folder: {folder.name} ...")
        scratch = work / f"folder-{len(rows)}"
        scratch.mkdir()
        run = run_child(argv, cwd=scratch, timeout=args.timeout)
        ok, status, _ = judge_dqn_lint(run)
        codes = collections.Counter(match.group(1) for match in DQN_FINDING.finditer(run.stdout)) if ok else {}
        rows.append(
            {
                "folder": str(folder),
                "files": counts.files,
                "lines": counts.lines,
                "parsed": counts.parsed,
                "wall": run.wall if ok else None,
                "status": status,
                "findings": dict(sorted(codes.items())),
            }
        )
    return rows


# --------------------------------------------------------------------------- one file


def one_file_latency(args: argparse.Namespace, work: Path) -> dict:
    dqn = dqn_lint_command()
    flags = dqn_lint_flags(dqn)
    one = args.one_file.resolve()
    shown = str(one.relative_to(ROOT)) if one.is_relative_to(ROOT) else str(one)
    base = [*dqn, "check", shown, "--exit-zero", "-q"]
    commands = {
        "floor": [sys.executable, "-c", "import libcst"],
        "cold": base + (["--no-cache"] if "--no-cache" in flags else []),
    }
    if "--cache-dir" in flags:
        commands["warm"] = base + ["--cache-dir", str(work / "one-file-cache")]
        run_child(commands["warm"], cwd=ROOT, timeout=args.timeout)  # fill
    times: dict[str, list[float]] = {key: [] for key in commands}
    failures: dict[str, str] = {}
    for _ in range(args.repeat):  # interleaved, so that a burst of load on a shared machine hits all three
        for key, argv in commands.items():
            if key in failures:
                continue
            run = run_child(argv, cwd=ROOT, timeout=args.timeout)
            if run.returncode != 0:
                failures[key] = f"FAILED (exit {run.returncode}): {run.first_error_line()}"
            else:
                times[key].append(run.wall)
    result: dict = {
        "file": shown,
        "repeat": args.repeat,
        "commands": {key: " ".join(argv) for key, argv in commands.items()},
    }
    for key in ("floor", "cold", "warm"):
        if key not in commands:
            result[key] = None
            result[f"{key}_status"] = "n/a (flag missing)"
        elif key in failures:
            result[key] = None
            result[f"{key}_status"] = failures[key]
        else:
            result[key] = statistics.median(times[key])
            result[f"{key}_status"] = "ok"
    if result["floor"] and result["cold"]:
        ratio = result["cold"] / result["floor"]
        result["verdict"] = Verdict(
            "one file, cold",
            f"<= {TARGET_ONE_FILE:g}x import libcst",
            f"{ratio:.2f}x",
            "PASS" if ratio <= TARGET_ONE_FILE else "MISS",
            ratio,
        )
    else:
        result["verdict"] = Verdict(
            "one file, cold",
            f"<= {TARGET_ONE_FILE:g}x import libcst",
            "-",
            f"n/a ({result['cold_status'] if not result['cold'] else result['floor_status']})",
        )
    return result


# --------------------------------------------------------------------------- report


def human_int(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def rate(amount: int, wall: float | None) -> str:
    return f"{amount / wall:,.0f}" if wall else "-"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def versions(peer_python: Path, peer_bin: Path) -> dict[str, str]:
    def first_line(text: str) -> str:
        number = re.search(r"\d+(?:\.\d+)+\S*", text)
        return number.group(0) if number else "?"

    libcst_code = "import importlib.metadata as m; print(m.version('libcst'))"
    return {
        "python": platform.python_version(),
        "dqn-lint": first_line(quick_output([*dqn_lint_command(), "--version"])),
        "libcst (dev venv)": first_line(quick_output([sys.executable, "-c", libcst_code])),
        "libcst (peers venv)": first_line(quick_output([str(peer_python), "-c", libcst_code])),
        "torchfix": first_line(quick_output([str(peer_bin / "torchfix"), "--version"])),
        "fixit": first_line(quick_output([str(peer_bin / "fixit"), "--version"])),
        "ruff": first_line(quick_output([str(peer_bin / "ruff"), "--version"])),
    }


def markdown(counts: Tally, trees: list[Path], outcomes: dict[str, Outcome], verdicts: list[Verdict], env: dict) -> str:
    lines = [
        f"Tree: {', '.join(tree.name for tree in trees)} ({human_int(counts.files)} `.py` files, "
        f"{human_int(counts.lines)} lines; plus {counts.stub_files} `.pyi` stubs, {human_int(counts.stub_lines)} lines, "
        f"not counted). {env['cores']} cores, load average {env['load_before']} before, {env['load_after']} after.",
        "",
        "| run | files | lines | wall | lines/s | CPU | peak RSS | findings | files the tool saw | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for outcome in outcomes.values():
        timed = outcome.ok and outcome.wall
        lines.append(
            "| {name} | {files} | {lines} | {wall} | {rate} | {cpu} | {rss} | {findings} | {seen} | {status} |".format(
                name=outcome.name,
                files=human_int(counts.files),
                lines=human_int(counts.lines),
                wall=seconds(outcome.wall) if timed else (f"> {seconds(outcome.wall)}" if outcome.timed_out else "-"),
                rate=f"{counts.lines / outcome.wall:,.0f}" if timed else "-",
                cpu=seconds(outcome.cpu) if timed else "-",
                rss=f"{outcome.max_rss_kb / 1024:,.0f} MiB" if timed and outcome.max_rss_kb else "-",
                findings=human_int(outcome.findings) if timed else "-",
                seen=human_int(outcome.files_seen),
                status=outcome.status.replace("|", "/"),
            )
        )
    lines += ["", "| target | goal | measured | verdict |", "| --- | --- | ---: | --- |"]
    for verdict in verdicts:
        lines.append(f"| {verdict.name} | {verdict.target} | {verdict.value} | {verdict.verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders to lint (same as --tree)")
    parser.add_argument(
        "--tree", nargs="+", type=Path, default=[], metavar="DIR", help="folders to lint instead of the default tree"
    )
    parser.add_argument("--quick", action="store_true", help="default tree without torch: stable-baselines3 + tianshou")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the peers' venv (created when missing)")
    parser.add_argument("--no-install", action="store_true", help="use --venv as it is; never run pip")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="lint the folders where they are, with whatever .gitignore and configs lie around them "
        "(default: lint a scratch copy of their .py/.pyi files)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per tool run (default 1800)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per tool over the tree; the median is shown")
    parser.add_argument(
        "--skip",
        type=lambda text: {part.strip().lower() for part in text.split(",") if part.strip()},
        default=set(),
        help=f"comma-separated tools to leave out: {', '.join(TOOLS)}",
    )
    parser.add_argument("--ruff-select", default="", help="ruff --select (default: ruff's own default rules)")
    parser.add_argument("--one-file", type=Path, default=ROOT / "fixtures" / "reference_dqn.py")
    parser.add_argument("--repeat", type=int, default=11, help="runs of each one-file command; the median is shown (default 11)")
    parser.add_argument("--no-per-folder", action="store_true", help="skip the per-folder dqn-lint figures")
    parser.add_argument("--no-one-file", action="store_true", help="skip the one-file latency")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    unknown = args.skip - set(TOOLS)
    if unknown:
        parser.error(f"--skip: unknown tool(s) {', '.join(sorted(unknown))}; choose from {', '.join(TOOLS)}")

    started = time.perf_counter()
    env = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_before": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }
    peer_python = ensure_venv(args.venv.resolve(), install=not args.no_install)
    peer_bin = peer_python.parent
    trees = [tree.resolve() for tree in [*args.folders, *args.tree]]
    if not trees:
        trees = package_folders(peer_python, QUICK_PACKAGES if args.quick else FULL_PACKAGES)
    for tree in trees:
        if not tree.is_dir():
            parser.error(f"not a folder: {tree}")

    env["sources"] = [str(tree) for tree in trees]

    with tempfile.TemporaryDirectory(prefix="bench-check-") as scratch:
        work = Path(scratch)
        if not args.in_place:
            log(f"copying the .py/.pyi files of the tree to {work / 'tree'} (outside any repository) ...")
            trees = copy_sources(trees, work / "tree")
        log("counting files and lines (also warms the page cache) ...")
        counts = tally(trees)
        log(f"  {counts.files:,} .py files, {counts.lines:,} lines; {counts.stub_files} .pyi stubs")
        log("timing the tools over the tree, one at a time ...")
        outcomes = run_tools(args, trees, peer_bin, work)
        folders = [] if args.no_per_folder or "dqn-lint" in args.skip else per_folder(trees, args, work)
        log("one-file latency ...")
        one = None if args.no_one_file else one_file_latency(args, work)
    env["load_after"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    env.update(versions(peer_python, peer_bin))

    verdicts = [
        speedup_verdict("cold vs TorchFix", outcomes["torchfix"], outcomes["dqn-lint cold"], TARGET_COLD_VS_TORCHFIX),
        speedup_verdict("warm vs cold", outcomes["dqn-lint cold"], outcomes["dqn-lint warm"], TARGET_WARM_VS_COLD),
    ]
    if one is not None:
        verdicts.append(one["verdict"])
    others = []  # for information: no target
    for name, slow, fast in (
        ("cold --jobs 1 vs TorchFix", outcomes["torchfix"], outcomes["dqn-lint cold-j1"]),
        ("cold vs Fixit", outcomes["fixit"], outcomes["dqn-lint cold"]),
        ("ruff vs cold (how far from ruff)", outcomes["dqn-lint cold"], outcomes["ruff"]),
    ):
        info = speedup_verdict(name, slow, fast, 0)
        others.append(f"{name}: {info.value}" if info.ratio else f"{name}: {info.verdict}")

    print()
    print(f"## dqn-lint check vs peers ({env['date']}, provisional unless the machine was quiet)")
    print()
    print(markdown(counts, trees, outcomes, verdicts, env))
    print()
    print("Also: " + "; ".join(others) + ".")
    print()
    print(
        "Versions: "
        + ", ".join(
            f"{key} {value}"
            for key, value in env.items()
            if key not in {"date", "cores", "load_before", "load_after", "sources"}
        )
    )
    print()
    origin = " ".join(env["sources"])
    print(f"Commands (TREE = {'a scratch copy of the .py/.pyi files of ' if not args.in_place else ''}{origin}):")
    tree_text = " ".join(str(tree) for tree in trees)
    for outcome in outcomes.values():
        if outcome.command:
            print(f"  {outcome.name}: {outcome.command.replace(tree_text, 'TREE')}")

    if folders:
        print()
        print("### dqn-lint cold, per folder")
        print()
        print("| folder | files | lines | parsed | wall | files/s | lines/s | findings |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for row in folders:
            wall = row["wall"]
            print(
                f"| {Path(row['folder']).name} | {row['files']:,} | {row['lines']:,} | {human_int(row['parsed'])} | "
                f"{seconds(wall) if wall else row['status']} | {rate(row['files'], wall)} | {rate(row['lines'], wall)} | "
                f"{', '.join(f'{code} {count}' for code, count in row['findings'].items()) or '-'} |"
            )

    if one is not None:
        print()
        print(f"### One file: {one['file']} (median of {one['repeat']} fresh processes, interleaved)")
        print()
        floor = one["floor"]
        print(f'- `python -c "import libcst"`: {f"{floor * 1000:.0f} ms" if floor else one["floor_status"]}')
        for key, label in (("cold", "dqn-lint check, no cache"), ("warm", "dqn-lint check, warm cache")):
            value = one[key]
            shown = (
                f"{value * 1000:.0f} ms" + (f" ({value / floor:.2f}x the floor)" if floor else "")
                if value
                else one[f"{key}_status"]
            )
            print(f"- {label}: {shown}")
        print(f"- target {one['verdict'].target}: {one['verdict'].value} -> {one['verdict'].verdict}")

    total = time.perf_counter() - started
    print()
    print(f"(whole benchmark: {total:.0f} s)")

    if args.json:
        payload = {
            "env": env,
            "trees": [str(tree) for tree in trees],
            "counts": asdict(counts),
            "runs": {key: asdict(outcome) for key, outcome in outcomes.items()},
            "targets": [asdict(verdict) for verdict in verdicts],
            "also": others,
            "per_folder": folders,
            "one_file": None if one is None else {**one, "verdict": asdict(one["verdict"])},
            "total_seconds": total,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
