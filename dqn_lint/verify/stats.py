"""From two samples (reference runs, twin runs) to a verdict on the predicted effect.

Why these statistics: a few seeds per agent (typically 5 vs 5), returns that pile up at a cap
(every reference seed scoring 500.0) and runs that diverge (|Q| = inf or nan). So the verdict rests
on ranks, not means: a one-sided Mann-Whitney test in the predicted direction, exact over the
permutations of the observed ranks when there are few (ties included), and Cliff's delta as the
effect size. Means with a percentile-bootstrap interval only describe the runs for a report.

A non-finite sample is a diverged run: nan is read as +inf (a diverged |Q| is unbounded), so it
ranks above every finite value and ties with the other diverged runs, and a mean over it is inf.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from dqn_lint.experiment import Direction

Verdict = Literal["confirmed", "not confirmed", "no difference expected", "unexpected difference"]

PERMUTATIONS = 9999
"""Permutations of the ranks for the rank test: all of them when there are at most this many."""

SMALL = 8
"""A sample this small or smaller is tested by permutation, never by the normal approximation."""


@dataclass(frozen=True)
class Summary:
    n: int  # number of samples used
    mean: float  # inf when a run diverged; nan when n == 0
    low: float  # percentile-bootstrap confidence interval of the mean; both == mean when all equal
    high: float
    diverged: int  # how many samples were non-finite (nan or inf)


@dataclass(frozen=True)
class Comparison:
    reference: Summary
    twin: Summary
    direction: Direction  # predicted direction of twin vs reference
    effect: float  # Cliff's delta of twin vs reference: P(twin > ref) - P(twin < ref)
    ratio: float | None  # twin mean / reference mean, when both finite and the reference's is not 0
    p_value: float | None  # rank test in the predicted direction (two-sided for "none")
    alpha: float
    verdict: Verdict
    reason: str  # one short sentence


def summarise(
    samples: Sequence[float], confidence: float = 0.95, resamples: int = 9999, seed: int = 0
) -> Summary:
    """The mean of `samples` with a percentile-bootstrap confidence interval, reproducible by `seed`.

    With diverged runs the mean is inf and the interval is still the percentile interval of the
    bootstrap means, a resampled mean being inf whenever it draws a diverged run: `high` is then
    inf, and `low` stays finite only when enough resamples miss every diverged run. (scipy's
    bootstrap interpolates between quantiles, which turns inf into nan, so this case resamples here
    and takes quantiles without interpolation.)
    """
    values = _runs(samples)
    n = values.size
    diverged = int(np.count_nonzero(~np.isfinite(values)))
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan, 0)
    with np.errstate(invalid="ignore"):  # +inf with -inf: the mean is undefined (nan)
        mean = float(np.mean(values))
    if n == 1 or bool(np.all(values == values[0])):
        return Summary(n, mean, mean, mean, diverged)
    if diverged:
        low, high = _bootstrap_unbounded(values, confidence, resamples, seed)
    else:
        interval = stats.bootstrap(
            (values,),
            np.mean,
            vectorized=True,
            method="percentile",
            confidence_level=confidence,
            n_resamples=resamples,
            rng=seed,
        ).confidence_interval
        low, high = float(interval.low), float(interval.high)
    return Summary(n, mean, low, high, diverged)


def cliffs_delta(twin: Sequence[float], reference: Sequence[float]) -> float:
    """P(twin > reference) - P(twin < reference) over all pairs, in [-1, 1]; nan if a side is empty."""
    t, r = _runs(twin), _runs(reference)
    if t.size == 0 or r.size == 0:
        return math.nan
    above = np.count_nonzero(t[:, None] > r[None, :])
    below = np.count_nonzero(t[:, None] < r[None, :])
    return float((above - below) / (t.size * r.size))


def compare(
    reference: Sequence[float],
    twin: Sequence[float],
    direction: Direction,
    alpha: float = 0.05,
    seed: int = 0,
    unit: str = "seeds",
) -> Comparison:
    """Whether the twin differs from the reference as predicted, by a rank test at level `alpha`.

    The reason gives the sample sizes reference first ("1 vs 5 seeds": one reference run, five twin
    runs); `unit` names what one sample is.
    """
    ref, tw = _runs(reference), _runs(twin)
    ref_summary, twin_summary = summarise(ref, seed=seed), summarise(tw, seed=seed)
    effect = cliffs_delta(tw, ref)
    ratio = None
    if math.isfinite(ref_summary.mean) and math.isfinite(twin_summary.mean) and ref_summary.mean != 0:
        ratio = twin_summary.mean / ref_summary.mean
    p_value = _rank_test(tw, ref, direction, seed)
    verdict, reason = _verdict(direction, effect, p_value, alpha, f"{ref.size} vs {tw.size} {unit}")
    return Comparison(ref_summary, twin_summary, direction, effect, ratio, p_value, alpha, verdict, reason)


def format_estimate(summary: Summary, digits: int | None = None) -> str:
    """`mean ± half the interval`, e.g. "487 ± 9", "0.0123 ± 0.0005", "inf (3 diverged)"; "n/a" if empty.

    `digits` fixes the decimals of both numbers; by default the half-width gets one significant
    digit and the mean as many decimals (at most three significant digits, never fewer than units).
    """
    if summary.n == 0:
        return "n/a"
    text = _estimate(summary.mean, (summary.high - summary.low) / 2, digits)
    return f"{text} ({summary.diverged} diverged)" if summary.diverged else text


def _runs(samples: Sequence[float]) -> np.ndarray:
    values = np.asarray(samples, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"expected a flat sequence of samples, got shape {values.shape}")
    return np.where(np.isnan(values), np.inf, values)


def _bootstrap_unbounded(
    values: np.ndarray, confidence: float, resamples: int, seed: int
) -> tuple[float, float]:
    draws = np.random.default_rng(seed).integers(0, values.size, size=(resamples, values.size))
    with np.errstate(invalid="ignore"):
        means = values[draws].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail], method="inverted_cdf")
    return float(low), float(high)


def _rank_test(twin: np.ndarray, reference: np.ndarray, direction: Direction, seed: int) -> float | None:
    """Mann-Whitney p of twin against reference; None with fewer than two runs on a side.

    Small samples are tested by permuting the observed midranks (the rank sum orders permutations
    as U does): exactly over every split when there are at most PERMUTATIONS of them, else over
    PERMUTATIONS random ones drawn from `seed`. The ties stay in the null distribution, which
    scipy's `method="exact"` ignores (6/252 becomes 0.028 for five capped returns of 500 against
    500, 480, 300, 200, 100) and its normal approximation understates at 5 vs 5 (0.013). Larger
    samples use the normal approximation with the tie correction.
    """
    if twin.size < 2 or reference.size < 2:
        return None
    alternative = {"higher": "greater", "lower": "less", "none": "two-sided"}[direction]
    combined = np.concatenate([twin, reference])
    if bool(np.all(combined == combined[0])):
        return 1.0  # nothing to rank: no evidence either way
    if min(twin.size, reference.size) > SMALL:
        return float(stats.mannwhitneyu(twin, reference, alternative=alternative, method="asymptotic").pvalue)
    ranks = stats.rankdata(combined)
    result = stats.permutation_test(
        (ranks[: twin.size], ranks[twin.size :]),
        _rank_sum,
        permutation_type="independent",
        vectorized=True,
        n_resamples=PERMUTATIONS,
        alternative=alternative,
        rng=seed,
    )
    return float(min(result.pvalue, 1.0))


def _rank_sum(twin_ranks: np.ndarray, reference_ranks: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.sum(twin_ranks, axis=axis)


def _verdict(
    direction: Direction, effect: float, p: float | None, alpha: float, seeds: str
) -> tuple[Verdict, str]:
    if p is None:
        return "not confirmed", f"too few samples ({seeds})"
    observed = "higher" if effect > 0 else "lower" if effect < 0 else None
    if direction == "none":
        if p < alpha and observed is not None:
            return "unexpected difference", (
                f"twin {observed}, p = {_p(p)} < {alpha:g} (two-sided Mann-Whitney, {seeds})"
            )
        return "no difference expected", f"no significant difference, as expected (p = {_p(p)})"
    if observed is None:
        return "not confirmed", f"no difference (Cliff's delta = 0, {seeds})"
    if observed != direction:
        return "not confirmed", (
            f"difference opposite to the prediction (twin {observed}, predicted {direction}, "
            f"Cliff's delta = {effect:.2f})"
        )
    if p < alpha:
        return "confirmed", f"twin {observed}, p = {_p(p)} < {alpha:g} (one-sided Mann-Whitney, {seeds})"
    return "not confirmed", f"in the predicted direction but p = {_p(p)} >= {alpha:g} with {seeds}"


def _p(p: float) -> str:
    return f"{p:.2g}"


def _estimate(mean: float, half: float, digits: int | None) -> str:
    if not math.isfinite(mean):
        return str(mean)  # "inf", "-inf" or "nan"
    if not math.isfinite(half):
        return f"{_fixed(mean, _mean_decimals(mean) if digits is None else digits)} ± inf"
    if digits is not None:
        return f"{_fixed(mean, digits)} ± {_fixed(half, digits)}"
    if half <= 0:  # every run gave the same value
        return f"{_trimmed(_fixed(mean, _mean_decimals(mean)))} ± 0"
    half_decimals = _significant(half, 1)
    mean_decimals = min(_mean_decimals(mean), max(half_decimals, 0)) if mean != 0 else max(half_decimals, 0)
    return f"{_fixed(mean, mean_decimals)} ± {_fixed(half, half_decimals)}"


def _mean_decimals(mean: float) -> int:
    """Three significant digits, but never rounded above the units: 412, 41.2, 0.0412, 41200."""
    return max(_significant(mean, 3), 0)


def _significant(x: float, digits: int) -> int:
    """Decimals that show `x` with `digits` significant digits (negative: round to tens, hundreds...)."""
    return digits - 1 - math.floor(math.log10(abs(x))) if x != 0 else 0


def _fixed(x: float, decimals: int) -> str:
    """`x` rounded to `decimals` (tens, hundreds... when negative), in plain notation, without -0."""
    rounded = round(x, decimals) + 0.0
    return f"{rounded:.{max(decimals, 0)}f}"


def _trimmed(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
