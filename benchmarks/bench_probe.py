"""What `dqn-lint probe` costs a training script: the same run, plain and probed.

Runs a twin of the reference agent (one per probed rule by default: the DQN002 twin, whose probe
reads `requires_grad` at every update) for `--steps` environment steps on one seed, first as
`python twin.py ...`, then under `dqn-lint probe` with budgets it never reaches (the script ends by
itself), `--repeats` times interleaved, and prints the median wall time of each and their ratio.
The probed run includes linting the script and starting the child process.

    python benchmarks/bench_probe.py [--twin dqn002_td_target_requires_grad] [--steps 20000] [--repeats 3]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twin", default="dqn002_td_target_requires_grad")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-probe-"))
    script = folder / "train.py"
    shutil.copy(ROOT / "fixtures" / "twins" / f"{args.twin}.py", script)
    script_args = ["--seeds", "1", "--steps", str(args.steps), "--eval-every", str(args.steps)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    commands = {
        "plain": [sys.executable, str(script), *script_args],
        "probed": [sys.executable, "-m", "dqn_lint", "probe", "--quiet", "--updates", str(10**9), "--seconds", "3600",
                   str(script), "--", *script_args],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for _ in range(args.repeats):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, cwd=folder, env=env, capture_output=True, check=True)
                times[name].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    plain, probed = statistics.median(times["plain"]), statistics.median(times["probed"])
    print(f"{args.twin}, {args.steps} env steps, one seed, median of {args.repeats}:")
    print(f"  plain  {plain:6.2f} s  ({args.steps / plain:,.0f} steps/s)")
    print(f"  probed {probed:6.2f} s  ({args.steps / probed:,.0f} steps/s)  x{probed / plain:.2f}, +{probed - plain:.2f} s")


if __name__ == "__main__":
    main()
