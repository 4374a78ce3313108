"""How fast the verifier trains: agent-steps per second against the seed's single-seed loop.

Run by hand (figures go to the README, never into timed unit tests):

    python benchmarks/bench_verify.py [--steps 5000] [--seeds 5] [--full]

Agent-steps are environment steps times seeds, with learning. Printed side by side, in one run:
- the seed-style loop (`seed_style_dqn.py`: one seed, one update per step, list replay);
- the reference agent with the same learning settings as that loop (128 hidden units, one update of
  batch 64 per env step), seeds in lock-step;
- the reference agent at its own defaults (a 128-update training phase every 256 steps);
and with `--full`, the wall time of `dqn-lint verify` of every core rule at the default budget
(CartPole-v1, 5 seeds, 50k steps, two processes).
Each measurement runs in its own process with one torch thread, one after the other.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SEED_STYLE = """
import json, sys
sys.path.insert(0, {bench!r})
import seed_style_dqn
print(json.dumps(seed_style_dqn.run({steps})))
"""

_REFERENCE = """
import json, time
from dqn_lint.fixtures import reference_dqn as ref
cfg = ref.Config(seeds={seeds}, total_steps={steps}, quiet=True, eval_every={steps}, eval_episodes=1, **{overrides})
start = time.perf_counter()
metrics = ref.train(cfg)
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""


def _python(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000, help="env steps per seed for the throughput runs")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also time `dqn-lint verify` at the default budget")
    args = parser.parse_args()

    rows = []
    baseline = _python(_SEED_STYLE.format(bench=str(ROOT / "benchmarks"), steps=args.steps))
    base_rate = args.steps / baseline["seconds"]
    rows.append(("seed-style loop (1 seed, 1 update/step, list replay)", 1, baseline["seconds"], base_rate))
    same = {"hidden": (128, 128), "train_freq": 1, "gradient_steps": 1, "learning_starts": 1000}
    for label, overrides in ((f"reference agent, same learning settings ({args.seeds} seeds)", same),
                             (f"reference agent, its defaults ({args.seeds} seeds)", {})):
        run = _python(_REFERENCE.format(seeds=args.seeds, steps=args.steps, overrides=overrides))
        rows.append((label, args.seeds, run["seconds"], args.steps * args.seeds / run["seconds"]))

    print(f"{'run':58} {'seeds':>5} {'wall s':>8} {'agent-steps/s':>14} {'vs seed loop':>12}")
    for label, seeds, seconds, rate in rows:
        print(f"{label:58} {seeds:>5} {seconds:>8.1f} {rate:>14.0f} {rate / base_rate:>11.1f}x")
    print(f"({args.steps} env steps per seed; one torch thread per process)")

    if args.full:
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "dqn_lint", "verify", "--jobs", "2"], capture_output=True,
                                  text=True, env={**__import__("os").environ, "DQN_LINT_CACHE_DIR": cache})
            wall = time.perf_counter() - start
        print(f"dqn-lint verify (5 core rules, CartPole-v1, 5 seeds, 50k steps, 2 jobs): {wall:.0f} s, "
              f"exit {done.returncode}")


if __name__ == "__main__":
    main()
