"""Declustering weights against fields whose mean is known."""

import numpy as np
import pytest

from seabed.exceptions import ConfigError, InputError
from seabed.geostats.declustering import (
    cell_declustering,
    polygonal_weights,
    weighted_statistics,
)

SIDE = 20_000.0


def truth(points):
    """A smooth field over a 20 km square whose mean is 1000 exactly."""
    x, y = points[:, 0] / SIDE, points[:, 1] / SIDE
    return 1000.0 + 400.0 * np.cos(np.pi * x) * np.cos(np.pi * y)


def clustered_survey(seed):
    """A sparse regular-ish survey plus a tight cluster on the high corner."""
    rng = np.random.default_rng(seed)
    ticks = (np.arange(6) + 0.5) * SIDE / 6
    sparse = np.array([(x, y) for x in ticks for y in ticks])
    sparse += rng.uniform(-500, 500, size=sparse.shape)
    cluster = rng.uniform(0, 3_000, size=(60, 2))  # near (0, 0): the field's high
    X = np.vstack([sparse, cluster])
    return X, truth(X)


@pytest.mark.parametrize("seed", range(5))
def test_cell_declustering_recovers_the_domain_mean(seed):
    X, y = clustered_survey(seed)
    result = cell_declustering(X, y)
    assert y.mean() > 1100  # the cluster pulls the naive mean up
    assert abs(result.mean_ - 1000.0) < 0.25 * abs(y.mean() - 1000.0)
    assert result.weights_.sum() == pytest.approx(1.0, abs=1e-12)
    assert result.cell_size_ > 0
    table = result.by_cell_size_
    assert table["declustered_mean"].min() == pytest.approx(result.mean_)
    assert table["cell_size_m"].iloc[0] == 0.0  # the naive mean is the first row


@pytest.mark.parametrize("seed", range(5))
def test_polygonal_weights_recover_the_domain_mean(seed):
    X, y = clustered_survey(seed)
    ticks = (np.arange(200) + 0.5) * SIDE / 200
    nodes = np.array([(a, b) for a in ticks for b in ticks])
    weights = polygonal_weights(X, nodes)
    assert abs(weights @ y - 1000.0) < 0.2 * abs(y.mean() - 1000.0)
    # the cluster's 60 cores (62 % of the cores) share the corner's few km2 of the
    # 400 km2 domain with the sparse core nearby
    assert weights[36:].sum() < 0.06


def test_a_regular_survey_keeps_equal_weights():
    ticks = np.arange(10) * 1000.0
    X = np.array([(x, y) for x in ticks for y in ticks])
    result = cell_declustering(X, truth(X), cell_sizes=[1000.0])
    np.testing.assert_allclose(result.weights_, 1 / 100, rtol=1e-12)


def test_maximising_for_low_biased_clustering():
    X, y = clustered_survey(0)
    low = 2000.0 - y  # the cluster now sits in the lows
    result = cell_declustering(X, low, objective="max")
    assert result.mean_ > low.mean()


def test_node_weights_are_areas():
    nodes = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    weights = polygonal_weights([[0.0, 0.0], [20.0, 0.0]], nodes, [1.0, 0.0, 3.0])
    np.testing.assert_allclose(weights, [0.25, 0.75])


def test_weighted_statistics_with_equal_weights_are_the_usual_ones():
    values = np.arange(1.0, 101.0)
    stats = weighted_statistics(values, np.ones(100))
    assert stats["mean"] == 50.5
    assert stats["std"] == pytest.approx(values.std())
    assert stats["p50"] == pytest.approx(50.5)
    assert stats["cv"] == pytest.approx(values.std() / 50.5)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: cell_declustering([[0, 0]], [1.0, 2.0]), InputError, "y has 2 values"),
        (lambda: cell_declustering([[0, 0, 0]], [1.0]), InputError, "(n, 2)"),
        (lambda: cell_declustering([[0, 0]], [np.nan]), InputError, "not finite"),
        (
            lambda: cell_declustering([[0, 0], [1, 1]], [1, 2], cell_sizes=[-1]),
            ConfigError,
            "positive and finite",
        ),
        (
            lambda: cell_declustering([[0, 0], [1, 1]], [1, 2], objective="mean"),
            ConfigError,
            "'min' or 'max'",
        ),
        (
            lambda: polygonal_weights([[0, 0]], [[1, 1]], [-1.0]),
            InputError,
            "non-negative",
        ),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)
