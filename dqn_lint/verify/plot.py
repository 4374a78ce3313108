"""One picture per rule: the reference agent and its faulty twin over training, side by side.

A verdict says whether the twin's measured effect differs from the reference's; the picture shows how
it got there (when the twin falls behind, whether |Q| creeps or explodes, which seeds diverged), which
a table of final numbers hides. `verify` calls `plot_comparison` once per rule.

Each run is a *curves* dict with one row per evaluation, each row holding one value per seed:

    {"step": [5000, 10000, ...], "eval_return": [[seed0, seed1, ...], ...], "q_abs": [[...], ...]}

The left panel is the evaluation return, the right one mean |Q|, both against environment steps of
one seed. A run that set its own time limit (DQN003's experiment) also records the return without
that limit (`return_without_limit`); when both runs hold it, it gets a third panel, and the first
is titled as what it is, the return under the training limit. Each run is drawn as the mean over
seeds (line) and the range across seeds (band, min..max).
A diverged seed (a nan or inf value) is left out of the mean and the band from the point it diverged,
is marked with an "x" at its last finite value, and is counted in the legend.

matplotlib is imported inside the function, so importing this module costs nothing. The figure is a
bare `matplotlib.figure.Figure` on an Agg canvas: no pyplot, no global state, safe in threads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

METRICS = (("eval_return", "evaluation return"), ("q_abs", "mean |Q|"))
KEYS = ("step",) + tuple(key for key, _ in METRICS)
WITHOUT_LIMIT = ("return_without_limit", "return without the time limit")  # drawn when both runs have it
COLOURS = {"reference": "#1f77b4", "twin": "#d62728"}  # matplotlib's tab:blue and tab:red
LOG_SPAN = 100.0  # |Q| gets a logarithmic axis when its values span more than two decades


@dataclass(frozen=True)
class Run:
    """One run's curves as arrays: `steps` (n,) and, per metric, values (n, seeds) with nan where not finite."""

    steps: np.ndarray
    values: Mapping[str, np.ndarray]
    diverged: Mapping[str, np.ndarray]  # per metric: (seeds,) bool, the seed has a non-finite value
    seeds: int

    @property
    def diverged_seeds(self) -> int:
        return int(np.logical_or.reduce(list(self.diverged.values())).sum())


def plot_comparison(path: str | os.PathLike, title: str, reference: Mapping[str, Sequence],
                    twin: Mapping[str, Sequence], twin_label: str) -> Path:
    """Write a PNG comparing `reference` and `twin` curves to `path`; returns the path.

    `twin_label` names the twin in the legend ("DQN001" gives "twin (DQN001)"). Raises ValueError
    when a curves dict lacks a key, is empty, or its rows do not line up.
    """
    metrics = METRICS
    if all(curves.get(WITHOUT_LIMIT[0]) for curves in (reference, twin) if isinstance(curves, Mapping)):
        metrics = (("eval_return", "evaluation return (training time limit)"), METRICS[1], WITHOUT_LIMIT)
    runs = {"reference": _run(reference, "reference", metrics), "twin": _run(twin, "twin", metrics)}
    labels = {"reference": "reference", "twin": f"twin ({twin_label})"}

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(5.5 * len(metrics), 4.4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontsize=12)
    axes = fig.subplots(1, len(metrics))
    for ax, (key, ylabel) in zip(axes, metrics):
        for name, run in runs.items():
            _draw(ax, run, key, COLOURS[name])
        ax.set_title(ylabel, fontsize=10)
        ax.set_xlabel("environment steps (per seed)")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_formatter(FuncFormatter(_steps_label))
    q_scale = _q_scale([run.values["q_abs"] for run in runs.values()])
    if q_scale is not None:
        scale, options = q_scale
        axes[1].set_yscale(scale, **options)
        axes[1].set_title("mean |Q| (log scale)", fontsize=10)

    handles, texts = [], []
    for name, run in runs.items():
        colour = COLOURS[name]
        handles.append((Patch(color=colour, alpha=0.2, linewidth=0), Line2D([], [], color=colour, lw=2)))
        text = f"{labels[name]}: {run.seeds} seed{'s' if run.seeds != 1 else ''}"
        if run.diverged_seeds:
            text += f", {run.diverged_seeds} diverged (x)"
        texts.append(text)
    fig.legend(handles, texts, loc="outside lower center", ncol=2, frameon=False,
               title="line: mean over seeds, band: min..max across seeds", title_fontsize=9)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(partial, format="png", dpi=110)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _run(curves: Mapping[str, Sequence], name: str, metrics=METRICS) -> Run:
    """Check a curves dict and turn it into arrays."""
    if not isinstance(curves, Mapping):
        raise ValueError(f"{name} curves must be a mapping with keys {', '.join(KEYS)}, not {type(curves).__name__}")
    missing = [key for key in KEYS if key not in curves]
    if missing:
        raise ValueError(f"{name} curves lack {', '.join(repr(k) for k in missing)} "
                         f"(expected keys: {', '.join(KEYS)})")
    steps = np.asarray(curves["step"], dtype=float)
    if steps.ndim != 1 or steps.size == 0:
        raise ValueError(f"{name} curves are empty: 'step' must list at least one evaluation step")
    values, diverged, seeds = {}, {}, None
    for key, _ in metrics:
        rows = [np.atleast_1d(np.asarray(row, dtype=float)) for row in curves[key]]
        if len(rows) != steps.size:
            raise ValueError(f"{name} curves: {key!r} has {len(rows)} rows for {steps.size} steps")
        widths = {row.size for row in rows}
        if len(widths) != 1 or 0 in widths or any(row.ndim != 1 for row in rows):
            raise ValueError(f"{name} curves: every row of {key!r} must hold one value per seed, "
                             f"the same number of seeds at every step")
        matrix = np.stack(rows)
        if seeds is not None and matrix.shape[1] != seeds:
            raise ValueError(f"{name} curves: 'eval_return' and {key!r} have different numbers of seeds")
        seeds = matrix.shape[1]
        finite = np.isfinite(matrix)
        diverged[key] = ~finite.all(axis=0)
        # A seed stays out of the mean and the band from the first non-finite value on.
        masked = np.where(np.cumprod(finite, axis=0).astype(bool), matrix, np.nan)
        values[key] = masked
    order = np.argsort(steps, kind="stable")
    return Run(steps=steps[order], values={k: v[order] for k, v in values.items()}, diverged=diverged,
               seeds=int(seeds))


def _draw(ax, run: Run, key: str, colour: str) -> None:
    """Mean line, min..max band, and an "x" at the last finite value of each diverged seed."""
    values = run.values[key]
    count = np.isfinite(values).sum(axis=1)
    present = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, np.nansum(values, axis=1) / np.maximum(count, 1), np.nan)
    low = np.where(present, np.nanmin(np.where(present[:, None], values, 0.0), axis=1), np.nan)
    high = np.where(present, np.nanmax(np.where(present[:, None], values, 0.0), axis=1), np.nan)
    ax.fill_between(run.steps, low, high, color=colour, alpha=0.2, linewidth=0)
    ax.plot(run.steps, mean, color=colour, lw=2, marker="o", ms=3)
    for seed in np.flatnonzero(run.diverged[key]):
        finite = np.flatnonzero(np.isfinite(values[:, seed]))
        if finite.size:
            last = finite[-1]
            ax.plot(run.steps[last], values[last, seed], marker="x", ms=9, mew=2, color=colour,
                    linestyle="none", zorder=5)


def _q_scale(matrices: Sequence[np.ndarray]) -> tuple[str, dict] | None:
    """A log scale for |Q| when its finite values span more than two decades, else None (linear)."""
    finite = np.concatenate([m[np.isfinite(m)] for m in matrices])
    positive = np.abs(finite[finite != 0])
    if positive.size == 0 or positive.max() / positive.min() <= LOG_SPAN:
        return None
    if finite.min() > 0:
        return ("log", {})
    return ("symlog", {"linthresh": float(positive.min())})


def _steps_label(x: float, _pos: int) -> str:
    if abs(x) >= 1e6:
        return f"{x / 1e6:g}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:g}k"
    return f"{x:g}"
