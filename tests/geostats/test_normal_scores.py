"""Tests of seabed.geostats.normal_scores: the transform, its tails and weights."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from seabed.exceptions import ConfigError, InputError
from seabed.geostats.normal_scores import NormalScoreTransform

LOG_MEAN, LOG_SD = 6.8, 0.5


def test_normal_scores_of_the_data_are_the_plotting_positions() -> None:
    y = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    nst = NormalScoreTransform().fit(y)
    expected = ndtri((np.array([5, 1, 4, 2, 3]) - 0.5) / 5)
    np.testing.assert_allclose(nst.transform(y), expected, atol=1e-12)
    np.testing.assert_allclose(nst.inverse_transform(expected), y, rtol=1e-12)


def test_normal_scores_with_weights_and_ties() -> None:
    nst = NormalScoreTransform().fit([1.0, 2.0, 2.0, 3.0], sample_weight=[2, 1, 1, 0])
    # weights 0.5, 0.5 (the tie), 0: positions 0.25, 0.75, 1.0
    np.testing.assert_allclose(nst.cdf_, [0.25, 0.75, 1.0])
    assert nst.values_.tolist() == [1.0, 2.0, 3.0]


def test_back_transform_tails_are_monotone_and_bounded() -> None:
    nst = NormalScoreTransform(min_value=0.0, upper_tail_power=2.5).fit(
        np.linspace(100.0, 1000.0, 10)
    )
    scores = np.linspace(-6.0, 6.0, 2001)
    values = nst.inverse_transform(scores)
    assert np.all(np.diff(values) > 0)
    assert values[0] >= 0.0 and values[-1] > 1000.0
    # the tails are inverted exactly too
    np.testing.assert_allclose(nst.transform(values), scores, atol=1e-9)


def test_back_transform_reproduces_the_data_histogram() -> None:
    rng = np.random.default_rng(3)
    y = np.exp(rng.normal(LOG_MEAN, LOG_SD, 500))
    nst = NormalScoreTransform().fit(y)
    draws = nst.inverse_transform(np.random.default_rng(4).standard_normal(200_000))
    quantiles = [0.1, 0.25, 0.5, 0.75, 0.9]
    np.testing.assert_allclose(
        np.quantile(draws, quantiles), np.quantile(y, quantiles), rtol=0.02
    )
    assert abs(draws.mean() / y.mean() - 1) < 0.02


@pytest.mark.parametrize(
    ("values", "weights", "error"),
    [
        ([1.0, np.nan], None, InputError),
        ([3.0, 3.0, 3.0], None, InputError),
        ([-1.0, 2.0], None, InputError),  # below min_value = 0
        ([1.0, 2.0], [1.0, -1.0], InputError),
    ],
)
def test_normal_score_errors(values, weights, error) -> None:
    with pytest.raises(error):
        NormalScoreTransform().fit(values, sample_weight=weights)


def test_light_tail_power_is_refused() -> None:
    with pytest.raises(ConfigError, match="upper_tail_power"):
        NormalScoreTransform(upper_tail_power=1.0).fit([1.0, 2.0])
