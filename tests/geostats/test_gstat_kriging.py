"""Kriging against R gstat 2.1-0 on the meuse data (tests/reference/gstat/).

Point kriging agrees with gstat to rounding (1e-12 here; asserted at 1e-9). Two
documented differences are pinned down exactly rather than tolerated loosely:

- ``nmax``: where the 20th and 21st nearest samples are equidistant, gstat keeps
  whichever its search tree yields first, seabed the lower sample index. At those
  nodes gstat's value is the kriging of the other tied choice.
- sector limits (``omax``): the same rule on the axes and the same choice, so
  they agree to rounding too; at the ``nmax`` tie nodes, as above.
- block kriging: gstat stores block discretisation weights as C ``float``
  (``DPOINT.u.weight``), so its Gauss weights sum to 1 - 7e-9; seabed keeps them in
  double precision. The difference is below 1e-7; with gstat's float weights and
  generalised covariances the reference is reproduced to rounding.
"""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seabed.geostats import Variogram, nearest_neighbors
from seabed.geostats.idw import InverseDistanceWeighting
from seabed.geostats.kriging import (
    OrdinaryKriging,
    SimpleKriging,
    UniversalKriging,
)
from seabed.geostats.support import block_discretization
from seabed.geostats.validation import leave_one_out, summarize

REFERENCE = Path(__file__).parents[1] / "reference" / "gstat"


def read(name):
    return pd.read_csv(REFERENCE / f"{name}.csv")


@pytest.fixture(scope="module")
def meuse():
    samples = read("meuse")
    grid = read("meuse_grid")
    models = read("kriging_models").set_index("name")
    sph = models.loc["sph"]
    return {
        "X": samples[["x", "y"]].to_numpy(float),
        "y": samples["log_zinc"].to_numpy(),
        "dist": samples["dist"].to_numpy(),
        "grid": grid[["x", "y"]].to_numpy(float),
        "grid_dist": grid["dist"].to_numpy(),
        "vg": Variogram(
            "spherical", psill=sph.psill, range=sph.range, nugget=sph.nugget
        ),
        "vg_anis": Variogram(
            "spherical",
            psill=sph.psill,
            range=sph.range,
            nugget=sph.nugget,
            anis=(models.loc["anis", "anis_angle"], models.loc["anis", "anis_ratio"]),
        ),
        "sk_mean": sph.sk_mean,
    }


def assert_matches(mean, std, ref, rtol, mask=None):
    mask = np.ones(len(ref), dtype=bool) if mask is None else mask
    pred, var = ref["pred"].to_numpy(), ref["var"].to_numpy()
    assert np.array_equal(np.isnan(mean), np.isnan(pred))
    np.testing.assert_allclose(mean[mask], pred[mask], rtol=rtol)
    np.testing.assert_allclose(std[mask] ** 2, var[mask], rtol=rtol)


def test_ordinary_global(meuse):
    ok = OrdinaryKriging(meuse["vg"], n_neighbors=None).fit(meuse["X"], meuse["y"])
    assert_matches(
        *ok.predict(meuse["grid"], return_std=True), read("krige_ok_global"), 1e-9
    )


def test_simple_global(meuse):
    sk = SimpleKriging(meuse["vg"], mean=meuse["sk_mean"], n_neighbors=None)
    sk.fit(meuse["X"], meuse["y"])
    assert_matches(
        *sk.predict(meuse["grid"], return_std=True), read("krige_sk_global"), 1e-9
    )


def test_external_drift_sqrt_dist(meuse):
    X = np.column_stack([meuse["X"], np.sqrt(meuse["dist"])])
    grid = np.column_stack([meuse["grid"], np.sqrt(meuse["grid_dist"])])
    ked = UniversalKriging(meuse["vg"], drift="external", n_neighbors=None).fit(
        X, meuse["y"]
    )
    assert_matches(
        *ked.predict(grid, return_std=True), read("krige_ked_sqrt_dist"), 1e-9
    )


def test_max_distance_and_min_neighbors(meuse):
    ok = OrdinaryKriging(
        meuse["vg"], n_neighbors=None, max_distance=600.0, min_neighbors=5
    )
    ok.fit(meuse["X"], meuse["y"])
    ref = read("krige_ok_maxdist600_nmin5")
    assert ref["pred"].isna().any()  # the reference does exercise nmin
    assert_matches(*ok.predict(meuse["grid"], return_std=True), ref, 1e-9)


def dense_ok(vg, S, ys, node):
    n = len(S)
    K = np.ones((n + 1, n + 1))
    K[:n, :n] = vg.covariance_matrix(S)
    K[n, n] = 0.0
    c0 = vg.covariance(S[:, 0] - node[0], S[:, 1] - node[1])
    return np.linalg.solve(K, np.append(c0, 1.0))[:n] @ ys


@pytest.mark.parametrize(
    ("vg_key", "name"), [("vg", "krige_ok_nmax20"), ("vg_anis", "krige_ok_anis_nmax20")]
)
def test_twenty_nearest_neighbours(meuse, vg_key, name):
    X, y, grid, vg = meuse["X"], meuse["y"], meuse["grid"], meuse[vg_key]
    ref = read(name)
    mean, std = (
        OrdinaryKriging(vg, n_neighbors=20).fit(X, y).predict(grid, return_std=True)
    )
    _, dist = nearest_neighbors(X, grid, 21)
    tie = dist[:, 19] == dist[:, 20]
    assert 0 < tie.sum() < 10
    assert_matches(mean, std, ref, 1e-9, mask=~tie)
    for node in np.flatnonzero(tie):  # gstat took another of the tied samples
        d = np.hypot(*(X - grid[node]).T)
        tied = np.flatnonzero(d == dist[node, 19])
        closer = np.flatnonzero(d < dist[node, 19])
        choices = [
            dense_ok(vg, X[s], y[s], grid[node])
            for pick in itertools.combinations(tied, 20 - len(closer))
            for s in [np.sort(np.concatenate([closer, pick]))]
        ]
        assert min(abs(c - ref["pred"][node]) for c in choices) < 1e-10


def test_block_kriging_40m(meuse):
    ok = OrdinaryKriging(meuse["vg"], n_neighbors=None, block_size=(40.0, 40.0))
    mean, std = ok.fit(meuse["X"], meuse["y"]).predict(meuse["grid"], return_std=True)
    assert_matches(mean, std, read("krige_ok_block40"), 1e-6)


def test_block_kriging_difference_is_gstats_float_weights(meuse):
    """gstat: C0 = sill - sum w_q gamma, C_BB = sill - sum w_q w_r gamma, w in float32."""
    vg, X, y = meuse["vg"], meuse["X"], meuse["y"]
    ref = read("krige_ok_block40")
    disc = block_discretization((40.0, 40.0))
    w = disc[:, 2].astype(np.float32)
    ww = (w[:, None] * w[None, :]).astype(np.float64)  # float products, as in C
    w = w.astype(np.float64)
    # gstat evaluates coincident discretisation points at a tiny distance (its "zero
    # effect" rule): the semivariance there is the nugget
    gamma_bb = vg.semivariance(np.hypot(*(disc[:, None, :2] - disc[None, :, :2]).T))
    gamma_bb[np.diag_indices(16)] = vg.nugget
    c_bb = vg.sill - (ww * gamma_bb).sum()
    n = len(X)
    K = np.ones((n + 1, n + 1))
    K[:n, :n] = vg.covariance_matrix(X)
    K[n, n] = 0.0
    for node in (0, 500, 1500, 3000):
        pts = meuse["grid"][node] - disc[:, :2]
        gamma = vg.semivariance(np.hypot(*(X[:, None, :] - pts[None, :, :]).T)).T
        c0 = vg.sill - gamma @ w
        sol = np.linalg.solve(K, np.append(c0, 1.0))
        assert sol[:n] @ y == pytest.approx(ref["pred"][node], rel=1e-12)
        assert c_bb - sol[:n] @ c0 - sol[n] == pytest.approx(
            ref["var"][node], rel=1e-10
        )


def test_leave_one_out_matches_krige_cv(meuse):
    table = leave_one_out(
        OrdinaryKriging(meuse["vg"], n_neighbors=20), meuse["X"], meuse["y"]
    )
    ref = read("krige_cv_ok_nmax20")
    np.testing.assert_allclose(table["prediction"], ref["pred"], rtol=1e-12)
    np.testing.assert_allclose(table["std"] ** 2, ref["var"], rtol=1e-10)
    np.testing.assert_allclose(
        table["residual"], ref["residual"], rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(table["zscore"], ref["zscore"], rtol=1e-9, atol=1e-12)
    summary = summarize(table)
    expected = read("krige_cv_ok_nmax20_summary").set_index("statistic")["value"]
    for key, value in expected.items():
        assert summary[key] == pytest.approx(value, rel=1e-10), key


# ------------------------------------------------------------- sector limits
def sector_of(dx, dy, mirrored=False):
    """gstat's quadrants (select.c): azimuth ranges [0, 90), [90, 180)...
    clockwise from north, a sample on the node with [90, 180). ``mirrored``:
    the other convention on the axes, (0, 90], (90, 180]..."""
    azimuth = np.degrees(np.arctan2(dx, dy)) % 360.0
    sector = (azimuth // 90).astype(int)
    if mirrored:
        sector = np.where(azimuth % 90 == 0, (sector - 1) % 4, sector)
    return np.where((dx == 0) & (dy == 0), 1, sector)


def limit_per_sector(X, node, found, per_sector, mirrored=False):
    """gstat's octant_select: the nearest ``per_sector`` of ``found`` in each
    quadrant (ties by sample index)."""
    d = np.hypot(*(X[found] - node).T)
    found = found[np.lexsort((found, d))]
    sector = sector_of(*(X[found] - node).T, mirrored=mirrored)
    return np.sort(np.concatenate([found[sector == s][:per_sector] for s in range(4)]))


def test_sector_limits_nmax20_omax3(meuse):
    """gstat ``krige(nmax = 20, omax = 3)``: the 3 nearest per quadrant of the 20
    nearest samples, so 4 to 12 samples a node."""
    X, y, grid, vg = meuse["X"], meuse["y"], meuse["grid"], meuse["vg"]
    ok = OrdinaryKriging(vg, n_neighbors=20, max_per_sector=3).fit(X, y)
    mean, std, count = ok.predict(grid, return_std=True, return_count=True)
    ref = read("krige_ok_nmax20_omax3")
    nearest, dist = nearest_neighbors(X, grid, 21)
    tie = dist[:, 19] == dist[:, 20]  # gstat breaks these its own way (above)
    assert_matches(mean, std, ref, 1e-9, mask=~tie)
    assert count.max() == 12 and 0.5 < (count < 12).mean() < 1
    for node in np.flatnonzero(tie):  # gstat's value: the other tied choice
        d = np.hypot(*(X - grid[node]).T)
        tied = np.flatnonzero(d == dist[node, 19])
        closer = np.flatnonzero(d < dist[node, 19])
        choices = [
            dense_ok(vg, X[s], y[s], grid[node])
            for pick in itertools.combinations(tied, 20 - len(closer))
            for s in [limit_per_sector(X, grid[node], np.append(closer, pick), 3)]
        ]
        assert min(abs(c - ref["pred"][node]) for c in choices) < 1e-10
    # the rule on the axes matters: samples due north, east, south or west of
    # a node are common on meuse, and the mirrored rule picks other samples at
    # 156 nodes, where its kriging misses gstat's (by more than 1e-6 at 155)
    missed = 0
    for node in np.flatnonzero(~tie):
        found = nearest[node, :20]
        ours = limit_per_sector(X, grid[node], found, 3)
        other = limit_per_sector(X, grid[node], found, 3, mirrored=True)
        if not np.array_equal(ours, other):
            other_mean = dense_ok(vg, X[other], y[other], grid[node])
            missed += abs(other_mean - ref["pred"][node]) > 1e-6
    assert missed > 150


def test_sector_limits_within_max_distance_count_nmin_first(meuse):
    """gstat ``maxdist = 600, nmin = 5, omax = 2``: nmin counts the samples
    within 600 m, before at most 2 per quadrant are kept."""
    ok = OrdinaryKriging(
        meuse["vg"],
        n_neighbors=None,
        max_distance=600.0,
        min_neighbors=5,
        max_per_sector=2,
    ).fit(meuse["X"], meuse["y"])
    mean, std, count = ok.predict(meuse["grid"], return_std=True, return_count=True)
    ref = read("krige_ok_maxdist600_nmin5_omax2")
    assert_matches(mean, std, ref, 1e-9)
    estimated = np.isfinite(mean)
    assert ref["pred"].isna().sum() == (~estimated).sum() == 45
    assert count[estimated].min() < 5  # estimated with fewer than nmin samples


def test_idw_sector_limits(meuse):
    X, y, grid = meuse["X"], meuse["y"], meuse["grid"]
    idw = InverseDistanceWeighting(n_neighbors=20, max_per_sector=3).fit(X, y)
    ref = read("idw_nmax20_omax3")["pred"].to_numpy()
    _, dist = nearest_neighbors(X, grid, 21)
    tie = dist[:, 19] == dist[:, 20]
    np.testing.assert_allclose(idw.predict(grid)[~tie], ref[~tie], rtol=1e-12)
