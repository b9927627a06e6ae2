"""Tiled estimation: the result does not depend on the tiles."""

import numpy as np
import pytest
import xarray as xr

from seabed.estimation import estimate_grid
from seabed.geostats import OrdinaryKriging, Variogram


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 50_000, size=(150, 2))
    y = np.column_stack(
        [np.sin(X[:, 0] / 9000) + rng.normal(0, 0.1, 150), rng.normal(size=150)]
    )
    vg = Variogram("exponential", psill=0.5, range=8000.0, nugget=0.02)
    return OrdinaryKriging(vg, n_neighbors=16).fit(X, y)


@pytest.fixture(scope="module")
def grid():
    x = np.arange(130) * 400.0 + 200.0
    y = (np.arange(90) * 550.0 + 275.0)[::-1]
    return xr.Dataset(coords={"y": y, "x": x})


def estimate(fitted, grid, tile):
    return estimate_grid(
        fitted,
        grid,
        outputs=["a", "b"],
        std_name="a_std",
        tile_size=tile,
        progress=False,
    )


def test_identical_for_tile_sizes_64_256_and_one_tile(fitted, grid):
    results = [estimate(fitted, grid, tile) for tile in (64, 256, 4096)]
    for name in ("a", "b", "a_std"):
        np.testing.assert_array_equal(results[0][name].values, results[1][name].values)
        np.testing.assert_array_equal(results[0][name].values, results[2][name].values)


def test_odd_tiles_equal_a_direct_prediction(fitted, grid):
    result = estimate(fitted, grid, 37)
    xx, yy = np.meshgrid(grid["x"].values, grid["y"].values)
    mean, std = fitted.predict(
        np.column_stack([xx.ravel(), yy.ravel()]), return_std=True
    )
    np.testing.assert_array_equal(result["a"].values.ravel(), mean[:, 0])
    np.testing.assert_array_equal(result["b"].values.ravel(), mean[:, 1])
    np.testing.assert_array_equal(result["a_std"].values.ravel(), std)


def test_attributes_and_coordinates(fitted, grid):
    result = estimate_grid(
        fitted,
        grid,
        outputs=["a", "b"],
        attrs={"a": {"units": "ppm", "long_name": "grade"}},
        tile_size=50,
        progress=False,
    )
    assert result["a"].attrs == {"units": "ppm", "long_name": "grade"}
    assert result["a"].dims == ("y", "x")
    np.testing.assert_array_equal(result["x"].values, grid["x"].values)
    assert "a_std" not in result


class ThreadsSeen:
    """A fitted estimator that records the threads it was given at each predict."""

    def __init__(self, n_jobs=None):
        self.n_jobs = n_jobs

    def get_params(self, deep=True):
        return {"n_jobs": self.n_jobs}

    def predict(self, X):
        SEEN.append(self.n_jobs)
        return np.zeros(len(X))


SEEN: list = []


@pytest.mark.parametrize(
    ("n_jobs", "workers", "tile", "expected"),
    [
        (None, 2, 10, {1}),  # 4 tiles, 2 workers: one thread each
        (None, 1, 10, {1}),  # one worker: one core, kriging included
        (None, 2, 64, {2}),  # one tile: both cores for it
        (None, 4, 32, {2}),  # 2 tiles, 4 workers: 2 threads each
        (1, 4, 64, {1}),  # the estimator's own limit is kept
    ],
)
def test_tiles_keep_within_the_workers(n_jobs, workers, tile, expected):
    grid = xr.Dataset(coords={"y": np.arange(20.0), "x": np.arange(40.0)})
    estimator = ThreadsSeen(n_jobs)
    SEEN.clear()
    estimate_grid(
        estimator, grid, outputs=["a"], tile_size=tile, workers=workers, progress=False
    )
    assert set(SEEN) == expected
    assert estimator.n_jobs == n_jobs  # the caller's estimator is left alone
