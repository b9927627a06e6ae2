"""Top-cut analysis: decile metal shares, capping effects, the written review."""

import numpy as np
import pytest
from scipy import stats

from seabed.exceptions import ConfigError, InputError
from seabed.geostats.outliers import (
    cap,
    decile_analysis,
    log_probability,
    top_cut_effect,
    top_cut_review,
)


def test_equal_values_spread_the_metal_evenly():
    deciles = decile_analysis(np.full(1000, 900.0))
    shares = deciles.set_index("class")["metal_share"]
    np.testing.assert_allclose(shares.iloc[:10], 0.1, rtol=1e-12)
    np.testing.assert_allclose(shares.iloc[10:], 0.01, rtol=1e-12)
    assert deciles["n"].iloc[:10].sum() == 1000


def test_a_lognormal_top_decile_share_matches_its_closed_form():
    # for a lognormal, the top decile's share of the metal is 1 - Phi(z90 - sigma)
    sigma, n = 1.2, 200_000
    values = np.random.default_rng(1).lognormal(6.9, sigma, n)
    top = decile_analysis(values).set_index("class")["metal_share"]["90-100"]
    expected = 1 - stats.norm.cdf(stats.norm.ppf(0.9) - sigma)
    assert top == pytest.approx(expected, abs=0.01)


def test_weights_count_like_repeated_samples():
    values = np.array([100.0, 200.0, 5000.0])
    weighted = top_cut_effect(values, [1000.0], weights=[2, 1, 1])
    repeated = top_cut_effect(np.r_[100.0, values], [1000.0])
    for column in ("mean", "cv", "metal_removed", "percentile"):
        assert weighted[column].iloc[0] == pytest.approx(repeated[column].iloc[0])


def test_top_cut_effect_counts_and_removes():
    values = np.array([100.0, 200.0, 300.0, 10_000.0])
    effect = top_cut_effect(values, [300.0, 20_000.0]).set_index("top_cut")
    assert effect.loc[300.0, "n_capped"] == 1
    assert effect.loc[300.0, "mean"] == pytest.approx(225.0)
    assert effect.loc[300.0, "metal_removed"] == pytest.approx(1 - 900 / 10_600)
    assert effect.loc[20_000.0, "metal_removed"] == 0.0
    assert effect.loc[300.0, "percentile"] == 0.75


def test_log_probability_points_are_plotting_positions():
    points = log_probability([3.0, 1.0, 2.0, 4.0])
    assert points["value"].tolist() == [1.0, 2.0, 3.0, 4.0]
    np.testing.assert_allclose(
        points["cumulative_probability"], [0.125, 0.375, 0.625, 0.875]
    )
    assert points["normal_score"].iloc[1] == pytest.approx(stats.norm.ppf(0.375))


def test_review_words_and_verdict():
    calm = top_cut_review(np.random.default_rng(2).normal(1000, 50, 500))
    assert not calm["capping_warranted"]
    assert "a top-cut at the P99" in calm["words"]
    wild = top_cut_review(
        np.r_[np.full(95, 1000.0), np.full(5, 30_000.0)], top_cut=5000
    )
    assert wild["capping_warranted"]
    assert "the chosen top-cut of 5,000 caps 5 sample(s)" in wild["words"]
    assert wild["effect"]["metal_removed"] == pytest.approx(1 - 120_000 / 245_000)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: cap([1.0], float("inf")), ConfigError, "positive, finite"),
        (lambda: cap([1.0], 0.0), ConfigError, "positive, finite"),
        (lambda: decile_analysis([]), InputError, "no values"),
        (lambda: decile_analysis([1.0, np.nan]), InputError, "finite grades"),
        (lambda: decile_analysis([1.0, 2.0], [1.0]), InputError, "one finite"),
        (lambda: decile_analysis([1.0], [0.0]), InputError, "sum to 0"),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
