"""Watch Q-values and TD health of a Stable-Baselines3 DQN with `QValueMonitor`, healthy vs broken.

Trains DQN on CartPole-v1 twice with the same hyperparameters:

* healthy: SB3's separate target network, synced every `TARGET_UPDATE` steps;
* broken: the online network is its own target (`model.q_net_target = model.q_net`, the
  DQN001-style bug). The target sync is switched off for it, because SB3's hard sync is
  `target.mul_(0); target += online`, which on aliased tensors zeroes the network instead.

Both log through SB3's logger to CSV (`<logdir>/<run>/progress.csv`), and the script then plots
q_values/mean, q_values/batch_std, health/td_std and health/q_abs_mean of both runs against
timesteps. The broken run's |Q| passes the bound r_max / (1 - gamma) = 100 that no CartPole policy
can reach; the monitor warns (soft_divergence) and the plot marks where.

    python examples/sb3_qvalue_monitor.py --steps 20000 --out docs/runtime/qvalue-monitor.png

Takes about a minute at the defaults on one CPU thread.
"""

from __future__ import annotations

import argparse
import csv
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.logger import configure

from dqn_lint.runtime.sb3 import QValueMonitor

REPO = Path(__file__).resolve().parents[1]
GAMMA = 0.99
R_MAX = 1.0  # CartPole pays +1 per step, so |Q| <= R_MAX / (1 - GAMMA) = 100 for any policy
TARGET_UPDATE = 500
RUNS = {"healthy": ("separate target network", "#1f77b4"), "broken": ("online net as its own target", "#d62728")}
PANELS = (
    ("q_values/mean", "Q of the newest observation (mean over actions)", "symlog"),
    ("q_values/batch_std", "std of Q over the newest 100 observations", "log"),
    ("health/td_std", "TD-error std (replay sample, SB3's target)", "log"),
    ("health/q_abs_mean", "mean |Q(s, a)| (replay sample)", "log"),
)


def make_model(broken: bool, seed: int) -> DQN:
    """The same small CartPole DQN for both runs; `broken` aliases the target to the online net."""
    model = DQN(
        "MlpPolicy",
        "CartPole-v1",
        learning_rate=1e-3,
        buffer_size=20_000,
        learning_starts=1_000,
        batch_size=64,
        gamma=GAMMA,
        train_freq=1,
        target_update_interval=TARGET_UPDATE,
        exploration_fraction=0.2,
        exploration_final_eps=0.05,
        policy_kwargs=dict(net_arch=[64, 64]),
        seed=seed,
        device="cpu",
    )
    if broken:
        model.q_net_target = model.q_net
        model.target_update_interval = 10**9  # see the module docstring: SB3's sync would zero the net
    return model


def train(name: str, steps: int, logdir: Path, seed: int) -> tuple[Path, QValueMonitor]:
    """Train one run with the monitor logging to `<logdir>/<name>/progress.csv`."""
    model = make_model(broken=name == "broken", seed=seed)
    folder = logdir / name
    model.set_logger(configure(str(folder), ["csv"]))
    monitor = QValueMonitor(log_freq=250, td_error=True, health_kwargs=dict(r_max=R_MAX))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("always", RuntimeWarning)  # show each alert, not just the first
        model.learn(steps, callback=monitor, log_interval=1)  # dump after every episode
    alerts = ", ".join(f"{alert.kind}@{alert.step}" for alert in monitor.alert_history) or "none"
    print(f"{name}: {steps} steps in {time.perf_counter() - started:.0f}s, alerts: {alerts}")
    return folder / "progress.csv", monitor


def read_curves(path: Path) -> dict[str, np.ndarray]:
    """Columns of SB3's progress.csv as float arrays (nan where a row lacks the key).

    SB3 writes a row per dump (here: per episode); the monitor's keys are only in rows dumped
    after a logging call, and `time/total_timesteps` is the dump's step, at most an episode later.
    """
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = ["time/total_timesteps", *(key for key, _, _ in PANELS)]
    return {key: np.array([float(row[key]) if row.get(key) else np.nan for row in rows]) for key in keys}


def first_divergence_step(monitor: QValueMonitor) -> int | None:
    """Step of the first soft_divergence / non_finite alert, for the vertical marker."""
    steps = [alert.step for alert in monitor.alert_history if alert.kind in ("soft_divergence", "non_finite")]
    return min(steps) if steps else None


def plot(curves: dict[str, dict[str, np.ndarray]], alerts: dict[str, int | None], out: Path) -> None:
    """Four panels, healthy vs broken; a bare Figure on an Agg canvas (no pyplot global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 7.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, 2, sharex=True).ravel()
    for ax, (key, title, scale) in zip(axes, PANELS):
        for name, (label, colour) in RUNS.items():
            run = curves[name]
            keep = np.isfinite(run[key])
            ax.plot(run["time/total_timesteps"][keep], run[key][keep], color=colour, label=f"{name}: {label}")
            if alerts.get(name) is not None:
                ax.axvline(alerts[name], color=colour, linestyle=":", linewidth=1)
        if key == "health/q_abs_mean":
            ax.axhline(R_MAX / (1 - GAMMA), color="grey", linestyle="--", linewidth=1, label="bound r_max/(1-γ) = 100")
        if scale == "symlog":
            ax.set_yscale("symlog", linthresh=1.0)
            lowest = min(np.nanmin(curves[name][key], initial=0.0) for name in RUNS)
            ax.set_ylim(bottom=min(0.0, lowest))  # no empty negative half when all values are >= 0
        else:
            ax.set_yscale(scale)
        ax.set_title(f"{key}\n{title}", fontsize=10)
        ax.set_ylabel(key.split("/")[-1])
        ax.grid(True, alpha=0.3)
    for ax in axes[2:]:
        ax.set_xlabel("environment steps")
    axes[3].legend(fontsize=8, loc="upper left")
    broken_at = alerts.get("broken")
    marker = f"; dotted line: soft_divergence alert at step {broken_at}" if broken_at is not None else ""
    figure.suptitle(f"QValueMonitor on SB3 DQN, CartPole-v1{marker}", fontsize=12)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="environment steps per run (default 20000)")
    parser.add_argument("--out", type=Path, default=REPO / "docs/runtime/qvalue-monitor.png", help="PNG to write")
    parser.add_argument("--logdir", type=Path, default=Path("runs/sb3-qvalue-monitor"), help="SB3 CSV logs go here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 2_000:
        parser.error("--steps must be at least 2000 (learning starts at 1000)")
    torch.set_num_threads(1)  # on small machines more threads make these tiny networks slower

    curves, alerts = {}, {}
    for name in RUNS:
        path, monitor = train(name, args.steps, args.logdir, args.seed)
        curves[name], alerts[name] = read_curves(path), first_divergence_step(monitor)
    plot(curves, alerts, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
