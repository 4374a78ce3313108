"""The statistics behind `verify`: summaries, Cliff's delta, the rank test and the verdict it gives."""

from __future__ import annotations

import itertools
import math
import time
import warnings

import pytest

pytest.importorskip("scipy")  # the `verify` extra

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu

from dqn_lint.verify.stats import Summary, cliffs_delta, compare, format_estimate, summarise

REFERENCE = [480.0, 495.0, 500.0, 500.0, 490.0]
BROKEN_TWIN = [20.0, 35.0, 14.0, 60.0, 25.0]
EXACT_MINIMUM_5_VS_5 = 1 / math.comb(10, 5)  # 1/252: the most extreme of the 252 splits


def brute_force_p(twin, reference, alternative):
    """Exact permutation p of the rank sum over every split of the pooled midranks (ties kept)."""
    pooled = np.where(np.isnan(np.r_[twin, reference]), np.inf, np.r_[twin, reference])
    ranks = np.argsort(np.argsort(pooled, kind="stable"), kind="stable").astype(float) + 1
    for value in np.unique(pooled):  # midranks
        ranks[pooled == value] = ranks[pooled == value].mean()
    observed = ranks[: len(twin)].sum()
    sums = np.array([ranks[list(c)].sum() for c in itertools.combinations(range(len(pooled)), len(twin))])
    greater, less = np.mean(sums >= observed - 1e-9), np.mean(sums <= observed + 1e-9)
    return {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}[alternative]


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# compare: predictions in a direction


def test_a_twin_clearly_lower_as_predicted_is_confirmed_at_the_exact_minimum_p():
    result = compare(REFERENCE, BROKEN_TWIN, "lower")

    assert result.verdict == "confirmed"
    assert result.effect == -1.0
    assert result.p_value == pytest.approx(EXACT_MINIMUM_5_VS_5, rel=1e-9)
    assert result.reason == "twin lower, p = 0.004 < 0.05 (one-sided Mann-Whitney, 5 vs 5 seeds)"


def test_the_same_difference_against_the_opposite_prediction_is_not_confirmed():
    result = compare(REFERENCE, BROKEN_TWIN, "higher")

    assert result.verdict == "not confirmed"
    assert result.effect == -1.0
    assert result.p_value == pytest.approx(1.0)
    assert "opposite to the prediction" in result.reason


def test_a_difference_in_the_predicted_direction_without_significance_is_not_confirmed():
    result = compare([1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 7.0], "higher")

    assert result.effect > 0
    assert 0.05 <= result.p_value < 0.1
    assert result.verdict == "not confirmed"
    assert "in the predicted direction but p = 0.063 >= 0.05 with 5 vs 5 seeds" == result.reason


def test_alpha_is_the_only_threshold():
    reference, twin = [1.0, 2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0, 7.0]

    assert compare(reference, twin, "higher", alpha=0.1).verdict == "confirmed"
    assert compare(reference, twin, "higher", alpha=0.05).verdict == "not confirmed"


def test_identical_samples_give_no_difference_and_p_one_without_warnings(no_warnings):
    result = compare([500.0] * 5, [500.0] * 5, "lower")

    assert result.p_value == 1.0
    assert result.effect == 0.0
    assert result.verdict == "not confirmed"
    assert "no difference" in result.reason


def test_two_samples_from_one_distribution_are_not_a_confirmed_difference():
    rng = np.random.default_rng(7)
    reference, twin = rng.normal(100, 10, size=5), rng.normal(100, 10, size=5)

    for direction in ("higher", "lower"):
        result = compare(reference, twin, direction)
        assert result.verdict == "not confirmed"
        assert result.p_value >= 0.05


def test_a_capped_reference_with_ties_gets_the_exact_permutation_p(no_warnings):
    twin = [500.0, 480.0, 300.0, 200.0, 100.0]
    result = compare([500.0] * 5, twin, "lower")

    assert 0 < result.p_value <= 1
    # Exact over the 252 splits with the ties kept: 6/252. scipy's `method="exact"` ignores the
    # ties (0.028) and its normal approximation is anti-conservative here (0.013).
    assert result.p_value == pytest.approx(6 / 252, rel=1e-9)
    assert result.p_value == pytest.approx(brute_force_p(twin, [500.0] * 5, "less"), rel=1e-9)
    assert result.verdict == "confirmed"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("direction, alternative", [("higher", "greater"), ("lower", "less"), ("none", "two-sided")])
def test_small_tied_samples_match_a_brute_force_permutation_test(seed, direction, alternative):
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, 4, size=5).astype(float)
    twin = rng.integers(1, 5, size=int(rng.integers(3, 7))).astype(float)

    p = compare(reference, twin, direction).p_value

    assert p == pytest.approx(brute_force_p(twin, reference, alternative), rel=1e-9)


def test_diverged_twin_runs_rank_above_every_finite_run(no_warnings):
    twin = [math.inf, math.nan, 1e3, 2e3, math.inf]
    result = compare([1.0, 2.0, 3.0, 2.5, 1.5], twin, "higher")

    assert result.verdict == "confirmed"
    assert result.effect == 1.0
    assert result.p_value == pytest.approx(EXACT_MINIMUM_5_VS_5, rel=1e-9)
    assert result.twin.diverged == 3
    assert result.twin.mean == math.inf
    assert result.ratio is None
    assert "3 diverged" in format_estimate(result.twin)


def test_diverged_runs_tie_with_each_other():
    assert cliffs_delta([math.nan, math.inf], [math.inf, math.inf]) == 0.0
    assert cliffs_delta([math.nan], [1e300]) == 1.0


def test_the_ratio_compares_finite_means():
    result = compare([100.0, 100.0, 100.0], [50.0, 50.0, 50.0], "lower")

    assert result.ratio == pytest.approx(0.5)
    assert compare([0.0, 0.0], [1.0, 2.0], "higher").ratio is None


# compare: no difference expected


def test_no_difference_expected_and_none_found():
    result = compare(REFERENCE, list(REFERENCE), "none")

    assert result.verdict == "no difference expected"
    assert result.p_value == 1.0
    assert result.reason == "no significant difference, as expected (p = 1)"


def test_a_difference_where_none_was_expected_is_reported_with_its_direction():
    result = compare(REFERENCE, BROKEN_TWIN, "none")

    assert result.verdict == "unexpected difference"
    assert result.p_value == pytest.approx(2 * EXACT_MINIMUM_5_VS_5, rel=1e-9)
    assert result.reason.startswith("twin lower, p = 0.0079 < 0.05 (two-sided")


# compare: too little data


def test_a_single_run_on_one_side_is_too_few_samples(no_warnings):
    result = compare([490.0], BROKEN_TWIN, "lower")

    assert result.p_value is None
    assert result.verdict == "not confirmed"
    assert result.reason == "too few samples (1 vs 5 seeds)"
    assert result.reference.low == result.reference.high == result.reference.mean == 490.0


def test_no_runs_at_all_do_not_crash(no_warnings):
    result = compare([], [], "higher")

    assert result.p_value is None
    assert result.verdict == "not confirmed"
    assert "too few samples" in result.reason
    assert math.isnan(result.effect)
    assert format_estimate(result.reference) == "n/a"


def test_too_few_samples_never_claim_the_expected_absence_of_difference():
    assert compare([1.0], [1.0], "none").verdict == "not confirmed"


def test_large_samples_are_compared_quickly_with_the_normal_approximation():
    rng = np.random.default_rng(0)
    reference, twin = rng.normal(0, 1, size=200), rng.normal(0.5, 1, size=200)
    compare(reference, twin, "higher")  # warm up imports

    start = time.perf_counter()
    result = compare(reference, twin, "higher")
    elapsed = time.perf_counter() - start

    assert result.verdict == "confirmed"
    normal = mannwhitneyu(twin, reference, alternative="greater", method="asymptotic").pvalue
    assert result.p_value == pytest.approx(normal, rel=1e-9)
    assert elapsed < 0.5


# summarise


def test_the_bootstrap_interval_contains_the_mean_and_is_reproducible():
    samples = [487.0, 480.0, 495.0, 490.0, 470.0, 501.0]

    first, again, other = summarise(samples), summarise(samples), summarise(samples, seed=1)

    assert first.n == 6 and first.diverged == 0
    assert first.mean == pytest.approx(np.mean(samples))
    assert first.low < first.mean < first.high
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)


def test_a_wider_confidence_gives_a_wider_interval():
    samples = [487.0, 480.0, 495.0, 490.0, 470.0, 501.0]
    narrow, wide = summarise(samples, confidence=0.5), summarise(samples, confidence=0.99)

    assert wide.low < narrow.low and narrow.high < wide.high


@pytest.mark.parametrize("samples", [[3.0], [3.0, 3.0, 3.0], [math.inf], [math.nan, math.inf]])
def test_degenerate_samples_give_a_point_interval_without_warnings(no_warnings, samples):
    summary = summarise(samples)

    assert summary.low == summary.mean == summary.high


def test_an_empty_sample_has_no_mean(no_warnings):
    summary = summarise([])

    assert summary.n == 0 and summary.diverged == 0
    assert math.isnan(summary.mean)


def test_a_diverged_run_makes_the_mean_and_upper_bound_infinite(no_warnings):
    summary = summarise([10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, math.nan])

    assert summary.diverged == 1
    assert summary.mean == summary.high == math.inf
    # (9/10)^10 = 35% of resampled means miss the diverged run: the lower bound stays finite.
    assert 10.0 <= summary.low < 14.0


def test_mostly_diverged_runs_make_the_whole_interval_infinite(no_warnings):
    summary = summarise([1.0, math.inf, math.inf, math.nan, math.inf])

    assert summary.diverged == 4
    assert summary.low == summary.high == math.inf


# cliffs_delta


@pytest.mark.parametrize(
    "twin, reference, expected",
    [
        ([1, 2, 3], [1, 2, 3], 0.0),
        ([4, 5], [1, 2], 1.0),
        ([1, 2], [4, 5], -1.0),
        ([1, 3], [2], 0.0),
        ([2, 3, 4], [1, 2], 5 / 6),
    ],
)
def test_cliffs_delta_known_values(twin, reference, expected):
    assert cliffs_delta(twin, reference) == pytest.approx(expected)


finite = st.floats(allow_nan=False, allow_infinity=False, width=32)


@given(st.lists(finite, min_size=1, max_size=12), st.lists(finite, min_size=1, max_size=12))
def test_cliffs_delta_is_bounded_and_antisymmetric(twin, reference):
    delta = cliffs_delta(twin, reference)

    assert -1.0 <= delta <= 1.0
    assert cliffs_delta(reference, twin) == pytest.approx(-delta)


# format_estimate


@pytest.mark.parametrize(
    "summary, expected",
    [
        (Summary(5, 487.3, 478.1, 496.5, 0), "487 ± 9"),
        (Summary(5, 412.4, 382.0, 442.0, 1), "412 ± 30 (1 diverged)"),
        (Summary(5, 0.012345, 0.0118, 0.0128, 0), "0.0123 ± 0.0005"),
        (Summary(5, 0.5, 0.2, 0.8, 0), "0.5 ± 0.3"),
        (Summary(5, 123456.7, 120456.7, 126456.7, 0), "123457 ± 3000"),
        (Summary(5, 500.0, 500.0, 500.0, 0), "500 ± 0"),
        (Summary(5, 2.4e-6, 1.4e-6, 3.4e-6, 0), "0.000002 ± 0.000001"),
        (Summary(5, math.inf, 480.0, math.inf, 3), "inf (3 diverged)"),
        (Summary(0, math.nan, math.nan, math.nan, 0), "n/a"),
    ],
)
def test_format_estimate_examples(summary, expected):
    assert format_estimate(summary) == expected


def test_format_estimate_with_fixed_digits():
    assert format_estimate(Summary(5, 487.3, 478.1, 496.5, 0), digits=2) == "487.30 ± 9.20"


@pytest.mark.parametrize("scale", [1e-7, 1e-3, 1.0, 1e3, 1e7])
def test_format_estimate_never_uses_exponent_notation(scale):
    text = format_estimate(summarise(np.array([1.0, 1.3, 0.8, 1.1, 0.9]) * scale))

    assert "e" not in text
    assert " ± " in text
