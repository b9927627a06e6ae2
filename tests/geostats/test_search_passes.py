"""Search passes, the limit per core, the high-value restriction and the per-node
search diagnostics of the kriging estimators, checked against dense solves."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seabed.estimation.tiles import estimate_grid
from seabed.exceptions import ConfigError
from seabed.geostats import OrdinaryKriging, SimpleKriging, Variogram
from seabed.geostats.support import block_discretization

VARIOGRAM = Variogram("spherical", psill=1.0, range=600.0, nugget=0.1)
STRUCTURE = Variogram("spherical", psill=1.0, range=600.0)  # the nugget left out
ALL_DIAGNOSTICS = (
    "n_samples",
    "nearest_distance",
    "mean_distance",
    "n_cores",
    "search_pass",
    "kriging_variance",
    "slope_of_regression",
    "kriging_efficiency",
    "negative_weights",
)


@pytest.fixture(scope="module")
def samples():
    """60 samples in the west half of a 2 km square, 12 cores of 5 samples each."""
    rng = np.random.default_rng(7)
    X = rng.uniform([0.0, 0.0], [1000.0, 2000.0], size=(60, 2))
    y = np.sin(X[:, 0] / 250.0) + np.cos(X[:, 1] / 400.0) + rng.normal(0, 0.1, 60)
    cores = np.repeat(np.arange(12), 5)
    return X, y, cores


def dense_ordinary(X, y, nodes_xy, neighbours, block=None):
    """Each node's ordinary kriging, solved densely: mean, variance, slope,
    efficiency and sum of negative weights."""
    if block is None:
        disc = np.array([[0.0, 0.0, 1.0]])
        c00 = VARIOGRAM.sill
        to_node = VARIOGRAM
    else:
        disc = block_discretization(block)
        pts = disc[:, :2]
        c00 = float(disc[:, 2] @ STRUCTURE.covariance_matrix(pts) @ disc[:, 2])
        to_node = STRUCTURE
    out = []
    for node, idx in zip(nodes_xy, neighbours):
        idx = idx[idx >= 0]
        S = X[idx]
        n = len(idx)
        points = node[None, :] - disc[:, :2]
        c0 = to_node.covariance_matrix(S, points) @ disc[:, 2]
        A = np.zeros((n + 1, n + 1))
        A[:n, :n] = VARIOGRAM.covariance_matrix(S)
        A[:n, n] = A[n, :n] = 1.0
        sol = np.linalg.solve(A, np.append(c0, 1.0))
        lam, mu = sol[:n], sol[n]
        variance = c00 - lam @ c0 - mu
        slope = (lam @ c0) / (lam @ A[:n, :n] @ lam)
        out.append(
            (lam @ y[idx], variance, slope, (c00 - variance) / c00, lam[lam < 0].sum())
        )
    return np.array(out)


@pytest.mark.parametrize("block", [None, (100.0, 100.0)], ids=["point", "block"])
def test_diagnostics_agree_with_a_dense_solve(samples, block):
    X, y, cores = samples
    ok = OrdinaryKriging(VARIOGRAM, n_neighbors=12, block_size=block)
    ok.fit(X, y, groups=cores)
    rng = np.random.default_rng(3)
    nodes = rng.uniform([0.0, 0.0], [1500.0, 2000.0], size=(40, 2))
    mean, std, diag = ok.predict(nodes, return_std=True, return_diagnostics=True)
    idx, _ = ok.kriging_weights(nodes)
    dense = dense_ordinary(X, y, nodes, idx, block)
    np.testing.assert_allclose(mean, dense[:, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(diag["kriging_variance"], dense[:, 1], atol=1e-9)
    np.testing.assert_allclose(std**2, dense[:, 1], atol=1e-9)
    np.testing.assert_allclose(diag["slope_of_regression"], dense[:, 2], atol=1e-9)
    np.testing.assert_allclose(diag["kriging_efficiency"], dense[:, 3], atol=1e-9)
    np.testing.assert_allclose(diag["negative_weights"], dense[:, 4], atol=1e-9)
    assert (dense[:, 4] < 0).any()  # the check bites: some weights are negative
    # the distances and the cores of the samples each node used
    d = np.linalg.norm(X[idx] - nodes[:, None, :], axis=2)
    np.testing.assert_allclose(diag["nearest_distance"], d.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(diag["mean_distance"], d.mean(axis=1), rtol=1e-12)
    distinct = [len(set(cores[row])) for row in idx]
    np.testing.assert_array_equal(diag["n_cores"], distinct)
    np.testing.assert_array_equal(diag["n_samples"], 12)
    np.testing.assert_array_equal(diag["search_pass"], 1)


def test_simple_kriging_efficiency_uses_the_point_variance(samples):
    X, y, _ = samples
    sk = SimpleKriging(VARIOGRAM, mean=0.5, n_neighbors=8).fit(X, y)
    _, std, diag = sk.predict(X[:5] + 10.0, return_std=True, return_diagnostics=True)
    np.testing.assert_allclose(
        diag["kriging_efficiency"], (VARIOGRAM.sill - std**2) / VARIOGRAM.sill
    )
    np.testing.assert_allclose(diag["slope_of_regression"], 1.0)


# ------------------------------------------------------------------ passes
FIRST, SECOND = 150.0, 3000.0
PASSES = [{"max_distance": FIRST, "min_neighbors": 4}, {"max_distance": SECOND}]


@pytest.fixture(scope="module")
def two_passes(samples):
    X, y, cores = samples
    ok = OrdinaryKriging(VARIOGRAM, n_neighbors=10, min_neighbors=2, passes=PASSES)
    return ok.fit(X, y, groups=cores)


@pytest.fixture(scope="module")
def grid():
    return xr.Dataset(
        coords={"y": np.arange(1975.0, 0, -50.0), "x": np.arange(25.0, 2000, 50.0)}
    )


def test_cells_beyond_the_first_radius_go_to_the_second_pass(samples, two_passes, grid):
    X, y, cores = samples
    xx, yy = np.meshgrid(grid["x"].values, grid["y"].values)
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    mean, diag = two_passes.predict(nodes, return_diagnostics=True)
    # the first pass needs 4 samples within FIRST metres
    d = np.sort(np.linalg.norm(nodes[:, None, :] - X[None, :, :], axis=2), axis=1)
    first = d[:, 3] <= FIRST
    assert 20 < first.sum() < len(nodes) - 20  # both passes at work
    np.testing.assert_array_equal(diag["search_pass"], np.where(first, 1, 2))
    assert np.isfinite(mean).all()
    # each pass's cells get what that pass alone gives them, bit for bit
    for number, mask in [(1, first), (2, ~first)]:
        alone = OrdinaryKriging(
            VARIOGRAM,
            n_neighbors=10,
            min_neighbors=PASSES[number - 1].get("min_neighbors", 2),
            max_distance=PASSES[number - 1]["max_distance"],
        ).fit(X, y, groups=cores)
        np.testing.assert_array_equal(mean[mask], alone.predict(nodes[mask]))
    # beyond every pass: not estimated, pass 0
    far, far_diag = two_passes.predict(
        np.array([[9000.0, 9000.0]]), return_diagnostics=True
    )
    assert np.isnan(far[0]) and far_diag["search_pass"][0] == 0


def test_two_pass_maps_are_identical_for_three_tile_sizes(two_passes, grid):
    layers = {name: name for name in ALL_DIAGNOSTICS}
    maps = [
        estimate_grid(
            two_passes,
            grid,
            outputs=["z"],
            std_name="z_std",
            diagnostics=layers,
            tile_size=size,
            progress=False,
            workers=1,
        )
        for size in (7, 16, 64)
    ]
    assert set(maps[0].data_vars) == {"z", "z_std", *ALL_DIAGNOSTICS}
    assert set(np.unique(maps[0]["search_pass"])) == {1.0, 2.0}
    for other in maps[1:]:
        for name in maps[0].data_vars:
            np.testing.assert_array_equal(maps[0][name].values, other[name].values)


def test_passes_are_validated(samples):
    X, y, _ = samples
    with pytest.raises(ConfigError, match=r"passes\[1\].*unknown key.*'radius'"):
        OrdinaryKriging(VARIOGRAM, passes=[{}, {"radius": 5.0}]).fit(X, y)
    with pytest.raises(ConfigError, match=r"passes\[0\].max_distance"):
        OrdinaryKriging(VARIOGRAM, passes=[{"max_distance": -1.0}]).fit(X, y)
    with pytest.raises(ConfigError, match="min_neighbors"):
        OrdinaryKriging(VARIOGRAM, n_neighbors=4, passes=[{"min_neighbors": 5}]).fit(
            X, y
        )


# ---------------------------------------------------------- limit per core
def test_max_per_core_thins_a_recored_site():
    """A re-cored site (8 samples, one site id) beside four single cores."""
    rng = np.random.default_rng(11)
    site = rng.normal([0.0, 0.0], 20.0, size=(8, 2))
    singles = np.array([[300.0, 0.0], [-300.0, 0.0], [0.0, 300.0], [0.0, -300.0]])
    X = np.vstack([site, singles])
    y = np.r_[np.full(8, 5.0) + rng.normal(0, 0.1, 8), [1.0, 1.2, 0.8, 1.1]]
    groups = np.r_[["site"] * 8, ["a", "b", "c", "d"]]
    node = np.array([[60.0, 0.0]])
    free = OrdinaryKriging(VARIOGRAM, n_neighbors=12).fit(X, y, groups=groups)
    limited = OrdinaryKriging(VARIOGRAM, n_neighbors=12, max_per_core=2)
    limited.fit(X, y, groups=groups)
    idx, _ = limited.kriging_weights(node)
    used = idx[0][idx[0] >= 0]
    # the two samples of the site nearest the node, and the four single cores
    nearest_two = np.argsort(np.linalg.norm(site - node, axis=1))[:2]
    assert sorted(used) == sorted([*nearest_two, 8, 9, 10, 11])
    # ... whose dense solve is the limited estimate
    dense = dense_ordinary(X, y, node, idx)
    mean, diag = limited.predict(node, return_diagnostics=True)
    np.testing.assert_allclose(mean, dense[:, 0], atol=1e-9)
    assert diag["n_samples"][0] == 6 and diag["n_cores"][0] == 5
    # the site weighs less, and the estimate moves towards the other cores
    assert free.predict(node)[0] - mean[0] > 0.1
    # without groups, every sample is its own core: no limit bites
    ungrouped = OrdinaryKriging(VARIOGRAM, n_neighbors=12, max_per_core=2).fit(X, y)
    assert ungrouped.predict(node)[0] == free.predict(node)[0]


# ------------------------------------------------------ high-value restriction
def test_high_values_inform_only_cells_within_their_radius(samples):
    X, y, _ = samples
    y = y.copy()
    high = 17
    y[high] = 50.0  # one outlier
    radius = 120.0
    restricted = OrdinaryKriging(
        VARIOGRAM, n_neighbors=8, high_value=10.0, high_value_radius=radius
    ).fit(X, y)
    assert restricted.n_restricted_ == 1
    unrestricted = OrdinaryKriging(VARIOGRAM, n_neighbors=8).fit(X, y)
    without = OrdinaryKriging(VARIOGRAM, n_neighbors=8).fit(
        np.delete(X, high, 0), np.delete(y, high)
    )
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    inside = X[high] + 0.9 * radius * ring
    outside = X[high] + 1.5 * radius * ring
    idx_in, w_in = restricted.kriging_weights(inside)
    idx_out, _ = restricted.kriging_weights(outside)
    # within the radius: used, with the weight and estimate of no restriction
    assert (idx_in == high).any(axis=1).all()
    assert (w_in[idx_in == high] > 0.05).all()
    np.testing.assert_array_equal(
        restricted.predict(inside), unrestricted.predict(inside)
    )
    # beyond: never used, and the estimate is the one without the sample
    assert not (idx_out == high).any()
    np.testing.assert_allclose(
        restricted.predict(outside), without.predict(outside), rtol=0, atol=1e-12
    )
    assert (unrestricted.predict(outside) - restricted.predict(outside)).max() > 0.5


def test_high_value_needs_its_radius(samples):
    X, y, _ = samples
    with pytest.raises(ConfigError, match="high_value_radius"):
        OrdinaryKriging(VARIOGRAM, high_value=3.0).fit(X, y)


# ------------------------------------------------------------ search ellipse
def ellipse_nearest(X, nodes, k, radius, azimuth, ratio):
    """Each node's k nearest samples in the ellipse's metric, by brute force."""
    theta = np.radians(azimuth)
    d = nodes[:, None, :] - X[None, :, :]
    along = d[..., 0] * np.sin(theta) + d[..., 1] * np.cos(theta)
    across = (d[..., 0] * np.cos(theta) - d[..., 1] * np.sin(theta)) / ratio
    dist = np.hypot(along, across)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return [sorted(row[dist[i, row] <= radius].tolist()) for i, row in enumerate(order)]


def test_an_elliptical_pass_follows_the_variogram_anisotropy(samples):
    X, y, _ = samples
    vg = Variogram("spherical", psill=1.0, range=600.0, nugget=0.1, anis=(60.0, 0.3))
    search = {"max_distance": 400.0, "anisotropy": "variogram", "min_neighbors": 1}
    ok = OrdinaryKriging(vg, n_neighbors=6, passes=[search]).fit(X, y)
    explicit = OrdinaryKriging(
        vg, n_neighbors=6, passes=[search | {"anisotropy": (60.0, 0.3)}]
    ).fit(X, y)
    nodes = np.random.default_rng(5).uniform(0.0, 1200.0, size=(300, 2))
    idx, _ = ok.kriging_weights(nodes)
    found = [sorted(row[row >= 0].tolist()) for row in idx]
    expected = ellipse_nearest(X, nodes, 6, 400.0, 60.0, 0.3)
    assert found == expected
    # the ellipse reaches farther along 60 degrees than across: not a circle
    circle = ellipse_nearest(X, nodes, 6, 400.0, 0.0, 1.0)
    assert sum(a != b for a, b in zip(found, circle)) > 30
    np.testing.assert_array_equal(ok.predict(nodes), explicit.predict(nodes))
    with pytest.raises(ConfigError, match="anisotropy"):
        OrdinaryKriging(vg, passes=[{"anisotropy": (60.0, 2.0)}]).fit(X, y)
