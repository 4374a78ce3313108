"""How fast `dqn-lint check` is: throughput on a folder and the latency of one file.

Run by hand (figures go to the README, never into timed unit tests):

    python benchmarks/bench_check.py [FOLDER ...] [--one-file PATH] [--repeat 5]

For each folder it prints files, lines, files parsed (past the byte prefilter), wall time, files/s
and lines/s of a full in-process run, and findings by code. Then it times the whole command
`dqn-lint check ONE_FILE` in a fresh process against `python -c "import libcst"`, the floor
set by the interpreter and libcst's import.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dqn_lint.config import DEFAULT_EXCLUDE
from dqn_lint.discovery import discover
from dqn_lint.engine import lint_path, might_hold_td_target
from dqn_lint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent


def folder_figures(folder: Path) -> dict:
    files = [Path(source.path) for source in discover([str(folder)], folder, DEFAULT_EXCLUDE).files]
    lines = 0
    parsed = 0
    findings: collections.Counter[str] = collections.Counter()
    rules = all_rules()
    start = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        lines += data.count(b"\n")
        parsed += might_hold_td_target(data)
        for finding in lint_path(path, str(path), rules):
            findings[finding.code] += 1
    wall = time.perf_counter() - start
    return {"files": len(files), "lines": lines, "parsed": parsed, "wall": wall, "findings": dict(findings)}


def command_seconds(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "fixtures"])
    parser.add_argument("--one-file", type=Path, default=ROOT / "fixtures" / "reference_dqn.py")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"{'folder':<60} {'files':>7} {'lines':>9} {'parsed':>7} {'wall s':>8} {'files/s':>9} {'lines/s':>10}  findings")
    for folder in args.folders:
        figures = folder_figures(folder)
        wall = figures["wall"] or 1e-9
        print(
            f"{str(folder)[-60:]:<60} {figures['files']:>7} {figures['lines']:>9} {figures['parsed']:>7} "
            f"{wall:>8.2f} {figures['files'] / wall:>9.0f} {figures['lines'] / wall:>10.0f}  {figures['findings']}"
        )

    floor = command_seconds([sys.executable, "-c", "import libcst"], args.repeat)
    one = command_seconds([sys.executable, "-m", "dqn_lint", "check", str(args.one_file), "--quiet"], args.repeat)
    print()
    print(f"python -c 'import libcst'          {floor * 1000:7.0f} ms (median of {args.repeat})")
    print(f"dqn-lint check {args.one_file.name:<20} {one * 1000:7.0f} ms  ({one / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
