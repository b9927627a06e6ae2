"""Kriging neighbourhood analysis against a dense per-cell solve, and its rule."""

import numpy as np
import pandas as pd
import pytest

from seabed.exceptions import ConfigError
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    Variogram,
    block_discretization,
)
from seabed.geostats.kna import (
    block_variance,
    kna_table,
    neighbourhood_analysis,
    recommend_neighbourhood,
)

VARIOGRAM = Variogram("exponential", psill=1.0, range=1500.0, nugget=0.15)
N_NEIGHBORS = [3, 6, 12, 40]
RADII = [None, 2500.0]
BLOCKS = [None, (400.0, 250.0)]


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(42)
    X = rng.uniform(0, 10_000, size=(60, 2))
    y = rng.normal(1000.0, 150.0, size=60)
    cells = rng.uniform(-500, 10_500, size=(12, 2))
    kna = neighbourhood_analysis(
        OrdinaryKriging(VARIOGRAM),
        X,
        y,
        cells,
        n_neighbors=N_NEIGHBORS,
        radii=RADII,
        block_sizes=BLOCKS,
    )
    return X, y, cells, kna


def dense(X, cell, n, radius, block):
    """Ordinary kriging of one cell by hand: slope, efficiency, variance, count."""
    d = np.hypot(*(X - cell).T)
    order = np.lexsort((np.arange(len(d)), d))[:n]
    if radius is not None:
        order = order[d[order] <= radius]
    if order.size == 0:
        return np.nan, np.nan, np.nan, 0
    S = X[order]
    C = VARIOGRAM.covariance_matrix(S)
    if block is None:
        c0 = VARIOGRAM.covariance_matrix(S, cell[None, :])[:, 0]
        c00 = VARIOGRAM.sill
    else:
        disc = block_discretization(block)
        points = cell[None, :] - disc[:, :2]
        c0 = VARIOGRAM.covariance_matrix(S, points) @ disc[:, 2]
        dx = disc[:, 0, None] - disc[None, :, 0]
        dy = disc[:, 1, None] - disc[None, :, 1]
        within = VARIOGRAM.covariance(dx, dy) - VARIOGRAM.nugget * (dx == 0) * (dy == 0)
        c00 = disc[:, 2] @ within @ disc[:, 2]
    k = len(order)
    A = np.ones((k + 1, k + 1))
    A[:k, :k] = C
    A[k, k] = 0.0
    solution = np.linalg.solve(A, np.append(c0, 1.0))
    weights, mu = solution[:k], solution[k]
    variance = c00 - weights @ c0 - mu
    slope = (weights @ c0) / (weights @ C @ weights)
    return slope, (c00 - variance) / c00, variance, k


def test_slope_and_efficiency_agree_with_a_dense_solve(case):
    X, _, cells, kna = case
    checked = 0
    for b, block in enumerate(BLOCKS):
        for r, radius in enumerate(RADII):
            for i, n in enumerate(N_NEIGHBORS):
                at = {"block": b, "radius": r, "n_neighbors": i}
                for c, cell in enumerate(cells):
                    slope, efficiency, variance, count = dense(
                        X, cell, n, radius, block
                    )
                    got = {
                        k: float(v[at][c])
                        for k, v in kna.data_vars.items()
                        if "cell" in v.dims
                    }
                    assert got["n_samples"] == count
                    if count == 0:
                        assert np.isnan(got["slope_of_regression"])
                        continue
                    assert got["slope_of_regression"] == pytest.approx(slope, rel=1e-9)
                    assert got["kriging_efficiency"] == pytest.approx(
                        efficiency, rel=1e-9, abs=1e-12
                    )
                    assert got["kriging_variance"] == pytest.approx(variance, rel=1e-9)
                    checked += 1
    assert checked > 150  # some cells are beyond the 2.5 km radius
    assert kna["block_variance"].values[0] == pytest.approx(VARIOGRAM.sill)
    assert kna["block_variance"].values[1] == pytest.approx(
        block_variance(VARIOGRAM, (400.0, 250.0))
    )


def test_the_table_summarises_the_cells(case):
    *_, kna = case
    table = kna_table(kna)
    assert len(table) == len(BLOCKS) * len(RADII) * len(N_NEIGHBORS)
    row = table[
        (table.block_x_m == 400.0) & np.isinf(table.radius_m) & (table.n_neighbors == 6)
    ].iloc[0]
    slopes = kna["slope_of_regression"].isel(block=1, radius=0, n_neighbors=1).values
    assert row.slope_mean == pytest.approx(slopes.mean(), rel=1e-12)
    assert row.slope_p10 == pytest.approx(np.percentile(slopes, 10), rel=1e-12)
    assert row.n_estimated == 12 and row.mean_samples == 6
    # with the whole data set the slope is highest; with 3 samples, lowest
    means = table[np.isinf(table.radius_m)].groupby("block_x_m").slope_mean
    assert (means.first() < means.last()).all()


def test_the_recommendation_follows_the_rule(case):
    *_, kna = case
    table = kna_table(kna)
    for pick in recommend_neighbourhood(kna):
        rows = table[table.block_x_m == pick["block_x_m"]]
        rows = rows[rows.n_estimated == rows.n_estimated.max()]
        widest = rows[(rows.n_neighbors == max(N_NEIGHBORS)) & np.isinf(rows.radius_m)]
        widest = widest.iloc[0]
        near = rows[
            (abs(rows.slope_mean - widest.slope_mean) <= 0.01)
            & (abs(rows.efficiency_mean - widest.efficiency_mean) <= 0.01)
        ].sort_values(["n_neighbors", "radius_m"])
        assert pick["n_neighbors"] == near.n_neighbors.iloc[0]
        assert pick["radius_m"] == near.radius_m.iloc[0]
        assert pick["plateau_slope"] == widest.slope_mean


def test_the_rule_on_a_known_table():
    table = pd.DataFrame(
        {
            "block_x_m": 0.0,
            "block_y_m": 0.0,
            "radius_m": np.inf,
            "n_neighbors": [4, 8, 16, 32, 48],
            "n_estimated": 10,
            "slope_mean": [0.5, 0.8, 0.895, 1.02, 0.9],
            "efficiency_mean": [0.1, 0.2, 0.395, 0.41, 0.4],
        }
    )
    (pick,) = recommend_neighbourhood(table)
    # 32's slope passes 1 and is off the plateau (0.9); 16 is the first within 0.01
    assert pick["n_neighbors"] == 16 and pick["plateau_slope"] == 0.9
    (pick,) = recommend_neighbourhood(table, tolerance=0.001)
    assert pick["n_neighbors"] == 48
    # a search that estimates fewer cells is never recommended
    fewer = table.assign(n_estimated=[10, 10, 9, 10, 10])
    assert recommend_neighbourhood(fewer)[0]["n_neighbors"] == 48


def test_no_recommendation_without_an_efficiency():
    # a pure nugget: the block variance is nil, so no efficiency, no plateau
    table = pd.DataFrame(
        {
            "block_x_m": 0.0,
            "block_y_m": 0.0,
            "radius_m": np.inf,
            "n_neighbors": [4, 8],
            "n_estimated": 10,
            "slope_mean": [0.5, 0.5],
            "efficiency_mean": [np.nan, np.nan],
        }
    )
    assert recommend_neighbourhood(table) == []


def test_refuses_what_it_cannot_analyse(case):
    X, y, cells, _ = case
    with pytest.raises(ConfigError, match="no slope of regression"):
        neighbourhood_analysis(InverseDistanceWeighting(), X, y, cells)
    with pytest.raises(ConfigError, match="at least 1"):
        neighbourhood_analysis(VARIOGRAM, X, y, cells, n_neighbors=[0, 4])
