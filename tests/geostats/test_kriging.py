"""Kriging estimators against dense per-node solves, plus batching invariance,
neighbourhoods, errors and scikit-learn integration."""

import math
import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from seabed.exceptions import (
    ConfigError,
    DuplicateSamplesError,
    InputError,
    SingularSystemError,
)
from seabed.geostats import Variogram, _base
from seabed.geostats._kernels import (
    PSILL,
    _candidate_covariances,
    _point_exponential_covariances,
    exp_negative,
    matern_correlation,
    point_covariance,
    structure_table,
)
from seabed.geostats.idw import InverseDistanceWeighting
from seabed.geostats.kriging import (
    OrdinaryKriging,
    RegressionKriging,
    SimpleKriging,
    UniversalKriging,
)
from seabed.geostats.model_selection import auto_variogram
from seabed.geostats.normal_scores import NormalScoreTransform
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.support import block_discretization
from seabed.geostats.validation import leave_one_out
from seabed.geostats.variogram import _matern_correlation

VG = Variogram("exponential", psill=1.0, range=300.0, nugget=0.1)
NESTED = Variogram(
    "spherical", psill=0.6, range=250.0, nugget=0.05, anis=(30.0, 0.5)
) + (Variogram("gaussian", psill=0.3, range=500.0))


# ------------------------------------------------------------ dense reference
def sector_of(dx, dy):
    """Quadrants as azimuth ranges [0, 90), [90, 180)... clockwise from north
    (gstat's select.c); a sample on the node counts with [90, 180)."""
    azimuth = np.degrees(np.arctan2(dx, dy)) % 360.0
    return np.where((dx == 0) & (dy == 0), 1, (azimuth // 90).astype(int))


def brute_neighbors(samples, node, k, max_distance=None, max_per_sector=None):
    """Indices of the k nearest samples, ties by index, ascending index order;
    then, with max_per_sector, the nearest of those in each quadrant."""
    d2 = ((samples - node) ** 2).sum(axis=1)
    order = np.lexsort((np.arange(len(samples)), d2))
    if max_distance is not None:
        order = order[d2[order] <= max_distance**2]
    order = order[: len(samples) if k is None else k]
    if max_per_sector is not None:
        sector = sector_of(*(samples[order] - node).T)
        order = np.concatenate([order[sector == s][:max_per_sector] for s in range(4)])
    return np.sort(order)


def estimated_with(est, node, n_drift):
    """The samples a node is kriged with, or None where it is not estimated:
    fewer than min_neighbors found (before the sector limit, as gstat counts),
    or fewer kept than the drift has coefficients."""
    search = (est.X_, node, est.n_neighbors, est.max_distance)
    idx = brute_neighbors(*search, est.max_per_sector)
    if len(brute_neighbors(*search)) < est.min_neighbors or len(idx) < max(n_drift, 1):
        return None
    return idx


def structured_covariance(vg, dx, dy):
    return vg.covariance(dx, dy) - np.where((dx == 0) & (dy == 0), vg.nugget, 0.0)


def dense_krige(vg, S, ys, F, f0, node, disc=None, mean=None):
    """Mean and variance at one node by solving the full (n + p) system."""
    n, p = F.shape
    C = vg.covariance_matrix(S)
    if disc is None:
        c0 = vg.covariance(S[:, 0] - node[0], S[:, 1] - node[1])
        c00 = vg.sill
    else:
        pts = node - disc[:, :2]
        c0 = (
            structured_covariance(
                vg, S[:, 0, None] - pts[None, :, 0], S[:, 1, None] - pts[None, :, 1]
            )
            * disc[:, 2]
        ).sum(axis=1)
        c00 = (
            structured_covariance(
                vg, pts[:, 0, None] - pts[None, :, 0], pts[:, 1, None] - pts[None, :, 1]
            )
            * np.outer(disc[:, 2], disc[:, 2])
        ).sum()
    if p == 0:  # simple kriging
        lam = np.linalg.solve(C, c0)
        return mean + lam @ (ys - mean), c00 - lam @ c0
    K = np.zeros((n + p, n + p))
    K[:n, :n] = C
    K[:n, n:] = F
    K[n:, :n] = F.T
    sol = np.linalg.solve(K, np.concatenate([c0, f0]))
    lam, mu = sol[:n], sol[n:]
    return lam @ ys, c00 - lam @ c0 - mu @ f0


def dense_predict(est, X_new, disc=None):
    """Reference predictions of a fitted estimator, one node at a time."""
    means, variances = [], []
    F_all = est._drift_basis(np.column_stack([est.X_, est._sample_covariates]))
    F0_all = est._drift_basis(X_new)
    mean = est._known_mean()[0] if F_all.shape[1] == 0 else None
    for i, node in enumerate(X_new[:, :2]):
        idx = estimated_with(est, node, F_all.shape[1])
        if idx is None:
            means.append(np.nan)
            variances.append(np.nan)
            continue
        m, v = dense_krige(
            est.variogram_,
            est.X_[idx],
            est.y_[idx, 0],
            F_all[idx],
            F0_all[i],
            node,
            disc,
            mean,
        )
        means.append(m)
        variances.append(v)
    return np.array(means), np.array(variances)


@pytest.fixture(scope="module")
def field():
    """A smooth field sampled at 120 scattered points, and prediction nodes."""
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 1000, size=(120, 2))
    y = np.sin(X[:, 0] / 170) + np.cos(X[:, 1] / 230) + 0.1 * rng.standard_normal(120)
    nodes = np.column_stack([rng.uniform(-100, 1100, 60), rng.uniform(-100, 1100, 60)])
    return X, y, nodes


def covariate(X):
    return np.sqrt(np.hypot(X[:, 0] - 300, X[:, 1] - 700))


CASES = {
    "ok_local": lambda: OrdinaryKriging(VG, n_neighbors=12),
    "ok_global": lambda: OrdinaryKriging(VG, n_neighbors=None),
    "ok_radius": lambda: OrdinaryKriging(VG, n_neighbors=10, max_distance=150.0),
    "ok_nested_anis": lambda: OrdinaryKriging(NESTED, n_neighbors=16),
    "sk_local": lambda: SimpleKriging(VG, mean=0.3, n_neighbors=12),
    "sk_global": lambda: SimpleKriging(VG, mean=0.3, n_neighbors=None),
    "uk_linear": lambda: UniversalKriging(VG, drift="linear", n_neighbors=15),
    "uk_quadratic": lambda: UniversalKriging(VG, drift="quadratic", n_neighbors=None),
    "ked_local": lambda: UniversalKriging(VG, drift="external", n_neighbors=15),
    "ked_global": lambda: UniversalKriging(VG, drift="external", n_neighbors=None),
    "ok_sectors": lambda: OrdinaryKriging(VG, n_neighbors=16, max_per_sector=2),
    "uk_sectors_radius": lambda: UniversalKriging(
        VG, n_neighbors=20, max_distance=250.0, max_per_sector=3, min_neighbors=6
    ),
}


def _with_covariate(name, X):
    return np.column_stack([X, covariate(X)]) if name.startswith("ked") else X


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("block", [None, (40.0, 60.0)])
def test_equals_dense_solve(field, name, block):
    X, y, nodes = field
    est = CASES[name]().set_params(block_size=block)
    Xf, Xn = _with_covariate(name, X), _with_covariate(name, nodes)
    mean, std = est.fit(Xf, y).predict(Xn, return_std=True)
    disc = None if block is None else block_discretization(block)
    ref_mean, ref_var = dense_predict(est, Xn, disc)
    assert np.array_equal(np.isnan(mean), np.isnan(ref_mean))
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(
        std, np.sqrt(np.maximum(ref_var, 0)), rtol=1e-9, atol=1e-9
    )


def test_regular_block_discretization_equals_dense(field):
    X, y, nodes = field
    est = OrdinaryKriging(VG, n_neighbors=12, block_size=50.0, block_discretization=3)
    mean, std = est.fit(X, y).predict(nodes, return_std=True)
    ref_mean, ref_var = dense_predict(est, nodes, block_discretization((50.0, 50.0), 3))
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(std**2, ref_var, rtol=1e-9, atol=1e-9)


def test_block_discretization_matches_gstat_layout():
    disc = block_discretization((40.0, 20.0))
    assert disc.shape == (16, 3)
    np.testing.assert_allclose(disc[:4, 0], -40 * 0.4305681558)  # x outer
    np.testing.assert_allclose(
        disc[:4, 1],
        20 * np.array([-0.4305681558, -0.1699905218, 0.1699905218, 0.4305681558]),
    )
    np.testing.assert_allclose(disc[:, 2].sum(), 1.0, rtol=1e-15)
    regular = block_discretization((40.0, 40.0), 4)
    np.testing.assert_allclose(sorted(set(regular[:, 0])), [-15.0, -5.0, 5.0, 15.0])
    np.testing.assert_allclose(regular[:, 2], 1 / 16)


def test_block_variance_is_smaller_than_point_variance(field):
    X, y, nodes = field
    _, point = (
        OrdinaryKriging(VG, n_neighbors=12).fit(X, y).predict(nodes, return_std=True)
    )
    _, block = (
        OrdinaryKriging(VG, n_neighbors=12, block_size=100.0)
        .fit(X, y)
        .predict(nodes, return_std=True)
    )
    assert np.all(block < point)  # the nugget and within-block variation average out


# ------------------------------------------------------- batching invariance
def _grid(n=48, lo=-50.0, hi=1050.0):
    g = np.linspace(lo, hi, n)
    xx, yy = np.meshgrid(g, g)
    return np.column_stack([xx.ravel(), yy.ravel()])


@pytest.mark.parametrize(
    "est",
    [
        OrdinaryKriging(VG, n_neighbors=12),
        OrdinaryKriging(VG, n_neighbors=8, max_distance=120.0, min_neighbors=3),
        UniversalKriging(
            NESTED, drift="linear", n_neighbors=10, block_size=(30.0, 30.0)
        ),
        SimpleKriging(VG, mean=0.0, n_neighbors=None),
        OrdinaryKriging(VG, n_neighbors=12, max_distance=200.0, max_per_sector=2),
    ],
    ids=["ok", "ok_radius", "uk_block_nested", "sk_global", "ok_sectors"],
)
def test_results_do_not_depend_on_batching(field, est):
    X, y, _ = field
    grid = _grid()
    est = clone(est).fit(X, y)
    whole_mean, whole_std = est.predict(grid, return_std=True)
    rng = np.random.default_rng(3)
    perm = rng.permutation(len(grid))
    cuts = np.sort(rng.choice(np.arange(1, len(grid)), size=9, replace=False))
    mean = np.empty_like(whole_mean)
    std = np.empty_like(whole_std)
    for part in np.split(perm, cuts):
        mean[part], std[part] = est.predict(grid[part], return_std=True)
    assert np.array_equal(mean, whole_mean, equal_nan=True)
    assert np.array_equal(std, whole_std, equal_nan=True)
    # tiles of a raster, one node at a time, and several threads: same bits
    for rows in np.array_split(np.arange(48), 5):
        tile = (rows[:, None] * 48 + np.arange(48)).ravel()
        assert np.array_equal(est.predict(grid[tile]), whole_mean[tile], equal_nan=True)
    single = np.array(
        [est.predict(grid[i : i + 1])[0] for i in range(0, len(grid), 97)]
    )
    assert np.array_equal(single, whole_mean[::97], equal_nan=True)
    threaded = clone(est).set_params(n_jobs=2).fit(X, y).predict(grid)
    assert np.array_equal(threaded, whole_mean, equal_nan=True)


def _every_result(est, X, nodes):
    """Every per-node result an estimator gives, as one list of arrays."""
    if isinstance(est, InverseDistanceWeighting):
        return [*est.predict(nodes, return_count=True), leave_one_out(est, X, X[:, 0])]
    return [
        *est.predict(nodes, return_std=True, return_count=True),
        est.predict(nodes),
        est.slope_of_regression(nodes),
        *est.kriging_weights(nodes),
        leave_one_out(est, X, X[:, 0]),
    ]


@pytest.mark.parametrize(
    "est",
    [
        OrdinaryKriging(VG, n_neighbors=10, max_distance=150.0, min_neighbors=3),
        UniversalKriging(NESTED, n_neighbors=12, block_size=30.0, max_per_sector=3),
        InverseDistanceWeighting(n_neighbors=6, max_per_sector=2),
    ],
    ids=["ok", "uk_block_sectors", "idw"],
)
def test_results_do_not_depend_on_the_chunk_size(field, est, monkeypatch):
    """predict works through its nodes in chunks of _CHUNK_NODES: any size gives
    the same bits, leave-one-out and NaN nodes included."""
    X, y, _ = field
    grid = _grid(40)
    est = clone(est).fit(X, y)
    whole = _every_result(est, X, grid)
    for chunk in (1, 7, 500, 1601):
        monkeypatch.setattr(_base, "_CHUNK_NODES", chunk)
        for got, expected in zip(_every_result(est, X, grid), whole, strict=True):
            if isinstance(expected, pd.DataFrame):
                pd.testing.assert_frame_equal(got, expected, check_exact=True)
            else:
                assert np.array_equal(got, expected, equal_nan=True)


def test_singular_error_does_not_depend_on_the_chunk_size(monkeypatch):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.uniform(0, 1000, (40, 2)), [[500.0, 500.0], [500.0, 500.001]]])
    gau = Variogram("gaussian", psill=1.0, range=300.0)
    ok = OrdinaryKriging(gau, n_neighbors=4).fit(X, X[:, 0])
    nodes = np.vstack([_grid(20, 0.0, 1000.0), [[500.0, 500.0005]]])
    messages = set()
    for chunk in (3, 64, 10**6):
        monkeypatch.setattr(_base, "_CHUNK_NODES", chunk)
        with pytest.raises(SingularSystemError) as error:
            ok.predict(nodes)
        messages.add(str(error.value))
    assert len(messages) == 1
    assert "point(s) in all" in messages.pop()


def test_memory_of_a_predict_call_is_that_of_one_chunk(field, monkeypatch):
    """Beyond its outputs, predict allocates per chunk, not per node: 200,000
    nodes in chunks of 10,000 need about a twentieth of the memory at once on
    one thread, and twice that on two (two chunks in progress at once)."""
    X, y, _ = field
    nodes = _grid(448)  # 200,704 nodes
    ok = OrdinaryKriging(VG, n_neighbors=8).fit(X, y)
    ok.predict(nodes[:100])  # compiled, caches warm

    def peak_above_outputs(chunk, n_jobs):
        monkeypatch.setattr(_base, "_CHUNK_NODES", chunk)
        tracemalloc.start()
        mean = ok.set_params(n_jobs=n_jobs).predict(nodes)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak - mean.base.nbytes if mean.base is not None else mean.nbytes

    one_chunk = peak_above_outputs(10**9, 1)
    assert one_chunk > 60 * len(nodes)  # node copies, search plan, var, count...
    assert peak_above_outputs(10_000, 1) < 0.07 * one_chunk
    assert peak_above_outputs(10_000, 2) < 0.13 * one_chunk


def test_outputs_share_weights_and_equal_single_output_runs(field):
    X, y, nodes = field
    Y = np.column_stack([y, 2 * y + 1, np.cos(y)])
    est = OrdinaryKriging(VG, n_neighbors=10)
    mean, std = est.fit(X, Y).predict(nodes, return_std=True)
    assert mean.shape == (len(nodes), 3)
    for j in range(3):
        m_j, s_j = clone(est).fit(X, Y[:, j]).predict(nodes, return_std=True)
        assert np.array_equal(mean[:, j], m_j)
        assert np.array_equal(std, s_j)


# --------------------------------------------------------------- properties
def test_honours_data_without_nugget(field):
    X, y, _ = field
    vg = Variogram("spherical", psill=1.0, range=400.0)
    mean, std = (
        OrdinaryKriging(vg, n_neighbors=10).fit(X, y).predict(X, return_std=True)
    )
    np.testing.assert_allclose(mean, y, rtol=0, atol=1e-10)
    np.testing.assert_allclose(std, 0.0, atol=1e-6)


def test_honours_data_with_nugget_at_points_not_blocks(field):
    X, y, _ = field
    mean = OrdinaryKriging(VG, n_neighbors=10).fit(X, y).predict(X[:5])
    np.testing.assert_allclose(mean, y[:5], atol=1e-10)  # nugget at zero distance
    blocks = (
        OrdinaryKriging(VG, n_neighbors=10, block_size=20.0).fit(X, y).predict(X[:5])
    )
    assert np.abs(blocks - y[:5]).max() > 1e-3  # a block average smooths


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(4, 40),
    k=st.integers(3, 12),
    nugget=st.floats(0.0, 0.5),
    rng_range=st.floats(20.0, 2000.0),
)
def test_weights_are_unbiased(seed, n, k, nugget, rng_range):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1000, size=(n, 2))
    y = rng.normal(size=n)
    nodes = rng.uniform(-200, 1200, size=(5, 2))
    vg = Variogram("spherical", psill=1.0, range=rng_range, nugget=nugget + 1e-3)
    ok = OrdinaryKriging(vg, n_neighbors=k).fit(X, y)
    idx, w = ok.kriging_weights(nodes)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(
        (w * np.where(idx >= 0, y[idx], 0)).sum(1), ok.predict(nodes), atol=1e-9
    )
    _, std = ok.predict(nodes, return_std=True)
    assert np.all(std >= 0) and np.all(np.isfinite(std))
    if n >= 3:  # a linear drift is reproduced exactly: F' lambda = f0
        uk = UniversalKriging(vg, drift="linear", n_neighbors=max(k, 3)).fit(X, y)
        idx, w = uk.kriging_weights(nodes)
        xs = np.where(idx >= 0, X[idx, 0], 0.0)
        np.testing.assert_allclose((w * xs).sum(1), nodes[:, 0], atol=1e-6)


def test_variance_is_never_negative(field):
    X, y, _ = field
    grid = _grid(30)
    for est in (
        OrdinaryKriging(Variogram("spherical", psill=1.0, range=200.0), n_neighbors=8),
        UniversalKriging(VG, drift="quadratic", n_neighbors=20),
        SimpleKriging(VG, mean=0.0, n_neighbors=5, block_size=10.0),
    ):
        _, std = est.fit(X, y).predict(np.vstack([grid, X]), return_std=True)
        assert np.all(std >= 0)


def test_ties_are_broken_by_sample_index():
    corners = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    values = np.array([1.0, 2.0, 4.0, 8.0])
    centre = np.array([[5.0, 5.0]])
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        ok = OrdinaryKriging(VG, n_neighbors=2).fit(corners[order], values[order])
        idx, w = ok.kriging_weights(centre)
        assert idx.tolist() == [[0, 1]]  # the two lowest indices, whichever they are
        np.testing.assert_allclose(w, 0.5)
        assert ok.predict(centre)[0] == pytest.approx(values[order][:2].mean())


def test_min_neighbors_and_max_distance_give_nan(field):
    X, y, _ = field
    far = np.array([[5000.0, 5000.0], [500.0, 500.0]])
    ok = OrdinaryKriging(VG, n_neighbors=10, max_distance=100.0, min_neighbors=3).fit(
        X, y
    )
    mean, std, count = ok.predict(far, return_std=True, return_count=True)
    assert np.isnan(mean[0]) and np.isnan(std[0]) and count[0] == 0
    assert np.isfinite(mean[1]) and 3 <= count[1] <= 10
    d = np.hypot(*(X - far[1]).T)
    assert count[1] == min(10, int((d <= 100.0).sum()))
    strict = clone(ok).set_params(min_neighbors=10).fit(X, y)
    assert np.isnan(strict.predict(far[1:])[0]) == (count[1] < 10)


def test_matern_kernel_matches_scipy():
    r = np.logspace(-10, 2.8, 300)
    for kappa in (0.2, 0.5, 1.0, 1.5, 2.5, 3.7):
        norm = 2 ** (1 - kappa) / math.gamma(kappa)
        ours = np.array([matern_correlation(x, kappa, norm) for x in r])
        np.testing.assert_allclose(ours, _matern_correlation(r, kappa), rtol=1e-12)
    assert matern_correlation(0.0, 1.3, 1.0) == 1.0


def test_matern_kriging_equals_dense(field):
    X, y, nodes = field
    vg = Variogram("matern", psill=1.0, range=120.0, nugget=0.05, kappa=1.3)
    est = OrdinaryKriging(vg, n_neighbors=10).fit(X, y)
    mean, std = est.predict(nodes, return_std=True)
    ref_mean, ref_var = dense_predict(est, nodes)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9)
    np.testing.assert_allclose(std**2, ref_var, rtol=1e-9)


# -------------------------------------------------------- slope of regression
def dense_slopes(est, X_new, disc=None):
    """cov(Z, Z*) / var(Z*) = lambda'c0 / lambda'C lambda, one numpy solve a node."""
    F_all = est._drift_basis(np.column_stack([est.X_, est._sample_covariates]))
    F0_all = est._drift_basis(X_new)
    slopes = []
    for i, node in enumerate(X_new[:, :2]):
        idx = estimated_with(est, node, F_all.shape[1])
        if idx is None:
            slopes.append(np.nan)
            continue
        S, F = est.X_[idx], F_all[idx]
        n, p = F.shape
        C = est.variogram_.covariance_matrix(S)
        if disc is None:
            c0 = est.variogram_.covariance(S[:, 0] - node[0], S[:, 1] - node[1])
        else:
            pts = node - disc[:, :2]
            c0 = (
                structured_covariance(
                    est.variogram_,
                    S[:, 0, None] - pts[None, :, 0],
                    S[:, 1, None] - pts[None, :, 1],
                )
                @ disc[:, 2]
            )
        K = np.zeros((n + p, n + p))
        K[:n, :n], K[:n, n:], K[n:, :n] = C, F, F.T
        lam = np.linalg.solve(K, np.concatenate([c0, F0_all[i]]))[:n]
        slopes.append((lam @ c0) / (lam @ C @ lam))
    return np.array(slopes)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("block", [None, (40.0, 60.0)])
def test_slope_of_regression_equals_dense_solve(field, name, block):
    X, y, nodes = field
    est = CASES[name]().set_params(block_size=block)
    Xf, Xn = _with_covariate(name, X), _with_covariate(name, nodes)
    slope = est.fit(Xf, y).slope_of_regression(Xn)
    disc = None if block is None else block_discretization(block)
    expected = dense_slopes(est, Xn, disc)
    assert slope.shape == (len(Xn),)
    assert np.array_equal(np.isnan(slope), np.isnan(expected))
    np.testing.assert_allclose(slope, expected, rtol=1e-9, atol=1e-9)
    if name.startswith("sk"):
        # simple kriging: cov(Z, Z*) = var(Z*) = lambda'c0, local or global
        assert np.all(slope == 1.0)
    else:  # a drift to estimate: the estimates spread wider than the truth
        assert np.nanmin(slope) < 0.9


def test_ordinary_kriging_slope_from_variance_and_lagrange_multiplier(field):
    """slope = (C00 - var - mu) / (C00 - var - 2 mu), mu from the dense system."""
    X, y, nodes = field
    ok = OrdinaryKriging(VG, n_neighbors=12).fit(X, y)
    slope = ok.slope_of_regression(nodes)
    _, std = ok.predict(nodes, return_std=True)
    for i, node in enumerate(nodes):
        idx = brute_neighbors(X, node, 12)
        n = len(idx)
        K = np.ones((n + 1, n + 1))
        K[:n, :n] = VG.covariance_matrix(X[idx])
        K[n, n] = 0.0
        c0 = VG.covariance(X[idx, 0] - node[0], X[idx, 1] - node[1])
        mu = np.linalg.solve(K, np.append(c0, 1.0))[n]
        expected = (VG.sill - std[i] ** 2 - mu) / (VG.sill - std[i] ** 2 - 2 * mu)
        assert slope[i] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("block", [None, (60.0, 60.0)])
def test_slope_of_regression_is_that_of_simulated_truth(block):
    """Gaussian fields with the model's covariance, at 25 samples and at one
    point or block: regress the true value on the kriging estimate."""
    rng = np.random.default_rng(12)
    X = rng.uniform(0, 400, size=(25, 2))
    node = np.array([[430.0, 200.0]])  # at the edge: a clear conditional bias
    vg = Variogram("spherical", psill=1.0, range=250.0, nugget=0.2)
    ok = OrdinaryKriging(vg, n_neighbors=None, block_size=block).fit(X, X[:, 0])
    _, weights = ok.kriging_weights(node)
    disc = block_discretization(block) if block else np.array([[0.0, 0.0, 1.0]])
    points = np.vstack([X, node - disc[:, :2]])
    cov = vg.covariance_matrix(points)
    if block:  # the nugget does not reach a block's true value (gstat's rule)
        cov[25:, 25:] -= vg.nugget * np.eye(len(disc))
    fields = rng.standard_normal((200_000, len(points))) @ np.linalg.cholesky(cov).T
    estimate = fields[:, :25] @ weights[0]
    truth = fields[:, 25:] @ disc[:, 2]
    c = np.cov(truth, estimate)
    empirical = c[0, 1] / c[1, 1]
    expected = ok.slope_of_regression(node)[0]
    assert expected < 0.8
    assert empirical == pytest.approx(expected, abs=0.02)  # 5 standard errors


def test_slope_of_regression_nan_where_not_estimated_and_batch_independent(field):
    X, y, _ = field
    grid = _grid(30, -400.0, 1400.0)
    ok = OrdinaryKriging(VG, n_neighbors=8, max_distance=150.0, min_neighbors=3)
    slope = ok.fit(X, y).slope_of_regression(grid)
    mean = ok.predict(grid)
    assert np.isnan(mean).any() and np.array_equal(np.isnan(slope), np.isnan(mean))
    assert np.nanmin(slope) > 0.0  # and may exceed 1 where SK weights sum past 1
    parts = np.array_split(np.random.default_rng(5).permutation(len(grid)), 7)
    pieces = np.empty_like(slope)
    for part in parts:
        pieces[part] = ok.slope_of_regression(grid[part])
    assert np.array_equal(pieces, slope, equal_nan=True)
    # simple kriging beyond the range: the estimate is the mean, no regression
    sph = Variogram("spherical", psill=1.0, range=100.0)
    sk = SimpleKriging(sph, mean=0.0, n_neighbors=5).fit(X, y)
    assert np.isnan(sk.slope_of_regression(np.array([[5000.0, 5000.0]]))[0])


def test_regression_kriging_slope_is_that_of_its_residual_kriging(field):
    X, y, nodes = field
    Xc = np.column_stack([X, covariate(X)])
    nodes_c = np.column_stack([nodes, covariate(nodes)])
    rk = RegressionKriging(LinearRegression(), variogram=VG, n_neighbors=12)
    slope = rk.fit(Xc, y).slope_of_regression(nodes_c)
    ok = OrdinaryKriging(VG, n_neighbors=12).fit(X, y)
    np.testing.assert_array_equal(slope, ok.slope_of_regression(nodes))


# --------------------------------------------------------------- errors
def test_duplicates_raise_with_indices_or_are_averaged():
    X = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 0.0]])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(
        DuplicateSamplesError, match=r"samples 1 and 3 share .*\(100, 0\)"
    ):
        OrdinaryKriging(VG).fit(X, y)
    ok = OrdinaryKriging(VG, duplicates="average").fit(X, y)
    assert ok.n_samples_ == 3
    np.testing.assert_array_equal(ok.X_, X[:3])
    np.testing.assert_array_equal(ok.y_[:, 0], [1.0, 3.0, 3.0])
    merged = OrdinaryKriging(VG).fit(X[:3], np.array([1.0, 3.0, 3.0]))
    node = np.array([[40.0, 30.0]])
    assert ok.predict(node)[0] == merged.predict(node)[0]


def test_singular_systems_raise_clear_errors():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 10, size=(30, 2))  # dense samples, very smooth model
    gau = Variogram("gaussian", psill=1.0, range=500.0)
    with pytest.raises(SingularSystemError, match=r"Gaussian .* without nugget"):
        OrdinaryKriging(gau, n_neighbors=20).fit(X, X[:, 0]).predict(
            np.array([[5.0, 5.0]])
        )
    line = np.column_stack([np.arange(10.0) * 50, np.full(10, 200.0)])
    uk = UniversalKriging(VG, drift="linear", n_neighbors=None).fit(
        line, np.arange(10.0)
    )
    with pytest.raises(
        SingularSystemError, match=r"drift cannot be estimated.*collinear"
    ):
        uk.predict(np.array([[100.0, 300.0]]))


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"n_neighbors": 0}, "n_neighbors"),
        ({"n_neighbors": 2.5}, "n_neighbors"),
        ({"max_distance": -1.0}, "max_distance"),
        ({"min_neighbors": 40, "n_neighbors": 10}, "min_neighbors"),
        ({"block_size": (10.0, -1.0)}, "block_size"),
        ({"block_discretization": "simpson"}, "block_discretization"),
        ({"duplicates": "keep"}, "duplicates"),
        ({"variogram": "spherical"}, "variogram"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"max_per_sector": 0}, "max_per_sector"),
        ({"max_per_sector": 1.5}, "max_per_sector"),
    ],
)
def test_bad_parameters_raise_config_errors_naming_them(field, params, key):
    X, y, _ = field
    with pytest.raises(ConfigError, match=f"key '{key}'"):
        OrdinaryKriging(VG).set_params(**params).fit(X, y)


_ESTIMATORS = [
    OrdinaryKriging(VG),
    SimpleKriging(VG),
    UniversalKriging(VG),
    RegressionKriging(LinearRegression(), VG),
    InverseDistanceWeighting(),
    ConditionalSimulation(VG),
    NormalScoreTransform(),
]


@pytest.mark.parametrize("estimator", _ESTIMATORS, ids=lambda e: type(e).__name__)
def test_every_parameter_has_constraints(estimator):
    table = type(estimator)._parameter_constraints
    assert set(table) == set(estimator.get_params(deep=False))
    assert all(isinstance(kinds, list) and kinds for kinds in table.values())


@pytest.mark.parametrize(
    ("estimator", "params", "key", "message"),
    [
        (
            OrdinaryKriging(VG),
            {"n_neighbors": 2.5},
            "n_neighbors",
            "an integer >= 1 or None",
        ),
        (OrdinaryKriging(VG), {"n_jobs": 0}, "n_jobs", "an integer <= -1"),
        (UniversalKriging(VG), {"drift": "cubic"}, "drift", "'linear' or 'quadratic'"),
        (SimpleKriging(VG), {"mean": "zero"}, "mean", "a finite number"),
        (InverseDistanceWeighting(), {"power": -1.0}, "power", "a number >= 0"),
        (InverseDistanceWeighting(), {"duplicates": "keep"}, "duplicates", "'raise'"),
        (RegressionKriging(None, VG), {}, "regressor", "a scikit-learn regressor"),
        (
            RegressionKriging(LinearRegression(), VG),
            {"features": "some"},
            "features",
            "'covariates' or 'all'",
        ),
        (ConditionalSimulation(VG), {"random_state": 1.5}, "random_state", "Generator"),
        (ConditionalSimulation(VG), {"block_size": "big"}, "block_size", "metres"),
    ],
)
def test_bad_parameters_give_one_line_naming_the_parameter(
    field, estimator, params, key, message
):
    X, y, _ = field
    X3 = np.column_stack([X, covariate(X)])
    with pytest.raises(ConfigError) as raised:
        estimator.set_params(**params).fit(
            X3 if "regressor" in estimator.get_params() else X, y
        )
    text = str(raised.value)
    assert f"key '{key}'" in text and message in text and "\n" not in text


def test_bad_inputs_raise_input_errors(field):
    X, y, _ = field
    with pytest.raises(InputError, match="expected 2 columns"):
        OrdinaryKriging(VG).fit(np.column_stack([X, X]), y)
    with pytest.raises(InputError, match="NaN"):
        OrdinaryKriging(VG).fit(np.where(X > 990, np.nan, X), y)
    with pytest.raises(ConfigError, match="key 'drift'"):
        UniversalKriging(VG, drift="cubic").fit(X, y)
    with pytest.raises(InputError, match="covariate"):
        UniversalKriging(VG, drift="external").fit(X, y)
    with pytest.raises(ConfigError, match="key 'mean'"):
        SimpleKriging(VG, mean=[1.0, 2.0]).fit(X, y)
    with pytest.raises(ConfigError, match=r"key 'n_neighbors'.*6 coefficients"):
        UniversalKriging(VG, drift="quadratic", n_neighbors=5).fit(X, y)


# ---------------------------------------------------------- other estimators
def test_idw_by_hand():
    X = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]])
    y = np.array([10.0, 20.0, 30.0])
    idw = InverseDistanceWeighting(power=2.0).fit(X, y)
    node = np.array([[0.0, 0.0], [1.0, 0.0], [4.0, 3.0]])
    # at (1, 0): distances 1, 3, sqrt(10); at (4, 3): 5, 3, 4
    w1 = np.array([1.0, 1 / 9, 1 / 10])
    w2 = np.array([1 / 25, 1 / 9, 1 / 16])
    expected = [10.0, w1 @ y / w1.sum(), w2 @ y / w2.sum()]
    np.testing.assert_allclose(idw.predict(node), expected, rtol=1e-14)
    nearest2 = InverseDistanceWeighting(power=1.0, n_neighbors=2).fit(X, y)
    assert nearest2.predict(node[1:2])[0] == pytest.approx((10 + 20 / 3) / (1 + 1 / 3))
    far = InverseDistanceWeighting(max_distance=2.0).fit(X, y).predict(node[2:])
    assert np.isnan(far[0])


@pytest.mark.parametrize(
    "params",
    [
        {"n_neighbors": 7},
        {"n_neighbors": 12, "max_per_sector": 2, "max_distance": 3.5},
        {"n_neighbors": None, "max_distance": 2.0, "min_neighbors": 5},
    ],
)
def test_idw_uses_krigings_neighbourhoods(params):
    """On a grid of samples (ties everywhere) and grid nodes (one neighbour set
    for many nodes in a row), IDW's weights go to the neighbourhood a brute
    force search gives: the neighbour loop it shares with kriging."""
    gx, gy = np.meshgrid(np.arange(8.0), np.arange(7.0))
    X = np.column_stack([gx.ravel(), gy.ravel()])
    y = np.sin(X[:, 0]) + X[:, 1] ** 2
    nx, ny = np.meshgrid(np.linspace(-1.0, 8.0, 23), np.linspace(-1.0, 7.0, 19))
    nodes = np.column_stack([nx.ravel(), ny.ravel()])
    idw = InverseDistanceWeighting(power=1.5, **params).fit(X, y)
    got, _, count = idw.predict(nodes, return_std=True, return_count=True)
    k, d = params["n_neighbors"], params.get("max_distance")
    per = params.get("max_per_sector")
    for node, value, n in zip(nodes, got, count, strict=True):
        idx = brute_neighbors(X, node, k, d, per)
        assert n == len(idx)
        if len(brute_neighbors(X, node, k, d)) < params.get("min_neighbors", 1):
            assert np.isnan(value)
            continue
        dist = np.hypot(*(X[idx] - node).T)
        if (dist == 0).any():
            assert value == y[idx][dist == 0][0]
            continue
        w = dist**-1.5
        assert value == pytest.approx(w @ y[idx] / w.sum(), rel=1e-13)


def test_regression_kriging_is_trend_plus_kriged_residuals(field):
    X, y, nodes = field
    Xc = np.column_stack([X, covariate(X)])
    yc = y + 0.5 * covariate(X)
    nodes_c = np.column_stack([nodes, covariate(nodes)])
    rk = RegressionKriging(LinearRegression(), variogram=VG, n_neighbors=12).fit(Xc, yc)
    lr = LinearRegression().fit(Xc[:, 2:], yc)
    ok = OrdinaryKriging(VG, n_neighbors=12).fit(X, yc - lr.predict(Xc[:, 2:]))
    mean, std = rk.predict(nodes_c, return_std=True)
    ok_mean, ok_std = ok.predict(nodes, return_std=True)
    np.testing.assert_allclose(mean, lr.predict(nodes_c[:, 2:]) + ok_mean, rtol=1e-12)
    np.testing.assert_array_equal(std, ok_std)
    assert rk.variogram_ is VG


@pytest.mark.filterwarnings("ignore::seabed.exceptions.SeabedWarning")
def test_auto_variogram_is_fitted_to_the_drift_residuals(field):
    X, y, nodes = field
    ok = OrdinaryKriging(n_neighbors=16).fit(X, y)
    assert ok.variogram_ == auto_variogram(X, y)
    assert np.isfinite(ok.predict(nodes)).all()
    uk = UniversalKriging(drift="linear", n_neighbors=16).fit(X, y)
    F = np.column_stack([np.ones(len(y)), X])
    residuals = y - F @ np.linalg.lstsq(F, y, rcond=None)[0]
    expected = auto_variogram(X, residuals)
    assert uk.variogram_.structures[0].range == pytest.approx(
        expected.structures[0].range
    )
    assert uk.variogram_.sill == pytest.approx(expected.sill)


# ------------------------------------------------------------ scikit-learn
def test_clone_pickle_and_grid_search(field):
    X, y, _ = field
    ok = OrdinaryKriging(VG, n_neighbors=8)
    copy = clone(ok)
    assert copy.variogram == VG and copy.get_params()["n_neighbors"] == 8
    fitted = pickle.loads(pickle.dumps(ok.fit(X, y)))
    assert np.array_equal(fitted.predict(X[:5]), ok.predict(X[:5]))
    other = Variogram("spherical", psill=1.0, range=500.0, nugget=0.1)
    search = GridSearchCV(
        OrdinaryKriging(VG),
        {"variogram": [VG, other], "n_neighbors": [4, 16], "max_per_sector": [None, 2]},
        cv=GroupKFold(n_splits=4),
    )
    search.fit(X, y, groups=np.arange(len(y)) % 8)
    assert set(search.best_params_) == {"variogram", "n_neighbors", "max_per_sector"}
    assert clone(OrdinaryKriging(VG, max_per_sector=3)).max_per_sector == 3
    scores = cross_val_score(
        OrdinaryKriging(VG, n_neighbors=16),
        X,
        y,
        groups=np.arange(len(y)) % 6,
        cv=GroupKFold(n_splits=3),
    )
    assert scores.shape == (3,) and np.all(scores > 0.5)


# scikit-learn's generic checks fit data of their own. Those below give X a
# number of columns other than two (in brackets), which a kriging X of exactly
# the coordinates (x, y) cannot take: they cannot apply to OrdinaryKriging,
# SimpleKriging, UniversalKriging with a drift in the coordinates, or inverse
# distance weighting. UniversalKriging with external drift, which takes
# covariates after the coordinates, runs them on the same machinery and passes.
_MORE_COLUMNS = {
    "check_dict_unchanged": 3,
    "check_dont_overwrite_parameters": 3,
    "check_estimators_nan_inf": 3,
    "check_estimators_pickle": 3,
    "check_f_contiguous_array_estimator": 3,
    "check_fit2d_predict1d": 3,
    "check_fit_score_takes_y": 3,
    "check_methods_sample_order_invariance": 3,
    "check_methods_subset_invariance": 3,
    "check_pipeline_consistency": 3,
    "check_supervised_y_2d": 3,
    "check_n_features_in_after_fitting": 4,
    "check_positive_only_tag_during_fit": 4,
    "check_regressors_no_decision_function": 4,
    "check_estimators_dtypes": 5,
    "check_dtype_object": 10,
    "check_regressor_data_not_an_array": 10,
    "check_regressor_multioutput": 10,
    "check_regressors_int": 10,
    "check_regressors_train": 10,
}
# ... and these fit X of two columns, too few for external drift (coordinates,
# then at least one covariate); OrdinaryKriging passes them.
_TWO_COLUMNS = [
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_n_features_in",
    "check_readonly_memmap_input",
]


def _expected_failures(estimator):
    if isinstance(estimator, RegressionKriging):
        return {}
    if isinstance(estimator, UniversalKriging) and estimator.drift == "external":
        return dict.fromkeys(
            _TWO_COLUMNS, "fits X of 2 columns; external drift needs 3 or more"
        )
    return {
        check: f"fits X of {n} columns; X is exactly the coordinates (x, y)"
        for check, n in _MORE_COLUMNS.items()
    }


# The integer data of some checks put several samples at one location, which
# the default duplicates="raise" refuses by design (tested above): the
# estimators that take them average such samples instead.
@parametrize_with_checks(
    [
        OrdinaryKriging(VG, n_neighbors=5),
        SimpleKriging(VG, mean=0.0, n_neighbors=5),
        UniversalKriging(VG, n_neighbors=5),
        UniversalKriging(VG, drift="external", n_neighbors=24, duplicates="average"),
        InverseDistanceWeighting(),
        RegressionKriging(
            LinearRegression(), VG, features="all", n_neighbors=5, duplicates="average"
        ),
    ],
    expected_failed_checks=_expected_failures,
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_exp_negative_is_within_one_ulp_of_the_c_library():
    x = -np.concatenate(
        [np.linspace(0.0, 1e-6, 1001), np.linspace(0.0, 50.0, 20001), [707.9, 708.0]]
    )
    got = np.array([exp_negative(v) for v in x])
    expected = np.exp(x)
    assert np.all(np.abs(got - expected) <= np.spacing(expected))
    assert exp_negative(0.0) == 1.0
    assert 0.0 < exp_negative(-800.0) < 1e-307  # clamped, never below normal


def test_vectorised_exponential_covariances_equal_the_generic_ones():
    # a second structure of zero sill sends the same model down the generic
    # path, which adds an exact 0.0: the two paths must agree bit for bit
    rng = np.random.default_rng(4)
    sx, sy = rng.uniform(0, 500, 40), rng.uniform(0, 500, 40)
    sx[3], sy[3] = sx[1], sy[1]  # a zero distance: the nugget
    fast = structure_table(Variogram("exponential", psill=2.0, range=90.0))
    generic = np.vstack([fast, fast])
    generic[1, PSILL] = 0.0
    covs = []
    for table in (fast, generic):
        out = np.zeros((40, 40))
        _candidate_covariances(sx, sy, 40, table, 0.3, out)
        covs.append(np.triu(out))
    np.testing.assert_array_equal(covs[0], covs[1])
    assert covs[0][1, 3] == 2.3
    nodes_x = np.append(rng.uniform(0, 500, 5), sx[1])
    nodes_y = np.append(rng.uniform(0, 500, 5), sy[1])
    # eight lanes: six nodes, the last repeated
    batch, pos = np.array([0, 1, 2, 3, 4, 5, 5, 5]), rng.permutation(40)[:32]
    pos[0] = 1
    B = np.empty((32, 8))
    xy = np.array([sx[pos], sy[pos]])  # the set's samples, as its slot holds them
    _point_exponential_covariances(
        batch, 32, xy, nodes_x, nodes_y, fast, 0.3, B, np.empty((2, 8))
    )
    for t in range(6):
        for i in range(32):
            ref = point_covariance(
                generic, 0.3, sx[pos[i]] - nodes_x[t], sy[pos[i]] - nodes_y[t]
            )
            assert B[i, t] == ref
    assert B[0, 5] == 2.3


def test_read_only_inputs_give_the_same_prediction_and_are_not_kept_read_only():
    """Frozen or memory-mapped arrays (scikit-learn's pickle checks, dask) are
    copied once: the compiled kernels see the array type they were built for."""
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 10_000, (60, 2))
    y = rng.normal(1000, 100, 60)
    nodes = rng.uniform(0, 10_000, (25, 2))
    model = Variogram("exponential", psill=1e4, range=3000.0, nugget=100.0)
    expected = OrdinaryKriging(model, n_neighbors=12).fit(X, y)
    frozen = [a.copy() for a in (X, y, nodes)]
    for a in frozen:
        a.flags.writeable = False
    fitted = OrdinaryKriging(model, n_neighbors=12).fit(frozen[0], frozen[1])
    assert fitted.X_.flags.writeable and fitted.y_.flags.writeable
    mean, std = fitted.predict(frozen[2], return_std=True)
    want_mean, want_std = expected.predict(nodes, return_std=True)
    np.testing.assert_array_equal(mean, want_mean)
    np.testing.assert_array_equal(std, want_std)
