"""Linear, power and pure-nugget variograms against R gstat 2.1-0 (meuse, log zinc).

gstat's ``Lin`` with range 0 and ``Pow`` have no sill; ordinary kriging works on
their semivariances. seabed kriges them through the covariance ``C0 - gamma`` with a
constant ``C0`` fitted to the samples' extent, which leaves the ordinary kriging
weights and variance unchanged: the tests below hold it to gstat (1e-9 on points,
1e-6 on blocks, whose gstat discretisation weights are C floats) and to a dense
solve of the variogram-form system written independently here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seabed.exceptions import ConfigError
from seabed.geostats import Variogram, nearest_neighbors
from seabed.geostats.experimental import experimental_variogram
from seabed.geostats.fitting import fit_variogram
from seabed.geostats.kriging import OrdinaryKriging, SimpleKriging, UniversalKriging
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.validation import leave_one_out


@pytest.fixture(scope="module")
def models(gstat_reference) -> dict[str, Variogram]:
    out = {}
    for row in gstat_reference("unbounded_models").itertuples():
        anis = None if np.isnan(row.anis_angle) else (row.anis_angle, row.anis_ratio)
        out[row.name] = Variogram(
            row.model, psill=row.psill, range=row.range, nugget=row.nugget, anis=anis
        )
    return out


@pytest.fixture(scope="module")
def grid(meuse_grid) -> np.ndarray:
    return meuse_grid[["x", "y"]].to_numpy(float)


def variogram_form_ok(vg: Variogram, S, ys, node):
    """Ordinary kriging solved on semivariances: [[G, 1], [1', 0]] [w, mu] = [g, 1]."""
    n = len(S)
    G = vg.semivariance_xy(S[:, None, 0] - S[None, :, 0], S[:, None, 1] - S[None, :, 1])
    K = np.ones((n + 1, n + 1))
    K[:n, :n] = G
    K[n, n] = 0.0
    g = vg.semivariance_xy(S[:, 0] - node[0], S[:, 1] - node[1])
    sol = np.linalg.solve(K, np.append(g, 1.0))
    return sol[:n] @ ys, sol[:n] @ g + sol[n]


def test_semivariances_follow_gstat_definitions():
    lin = Variogram("Lin", psill=2e-4, range=0.0, nugget=0.1)
    assert lin.semivariance([0.0, 1000.0]).tolist() == [0.0, pytest.approx(0.3)]
    sill = Variogram("Lin", psill=2.0, range=100.0)  # gstat: levels off at psill
    assert sill.semivariance([50.0, 400.0]).tolist() == [1.0, 2.0]
    assert sill.bounded and sill.sill == 2.0
    power = Variogram("Pow", psill=2.0, range=1.5)
    assert power.semivariance([100.0]) == pytest.approx(2000.0)
    assert not power.bounded and power.sill == np.inf
    nug = Variogram("Nug", psill=0.6, range=0.0)
    assert nug.structures == () and nug.nugget == 0.6


@pytest.mark.parametrize("exponent", [0.0, 2.0, 2.5])
def test_power_exponent_outside_0_2_is_refused(exponent):
    with pytest.raises(ConfigError, match=r"exponent|range"):
        Variogram("Pow", psill=1.0, range=exponent)


@pytest.mark.parametrize("case", ["pow", "lin", "lin_sill", "nug"])
def test_fit_matches_gstat(case, meuse_xy_log_zinc, gstat_reference):
    start = {
        "pow": Variogram("Pow", psill=0.5, range=1.0, nugget=0.1),
        "lin": Variogram("Lin", psill=0.001, range=0.0, nugget=0.1),
        "lin_sill": Variogram("Lin", psill=0.6, range=900.0, nugget=0.1),
        "nug": Variogram("Nug", psill=0.6),
    }[case]
    ev = experimental_variogram(*meuse_xy_log_zinc)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted, info = fit_variogram(ev, start, return_info=True)
    ref = gstat_reference("fit_variogram_models")
    ref = ref[ref["case"] == case]
    nugget = ref.loc[ref["model"] == "Nug", "psill"].sum()
    assert fitted.nugget == pytest.approx(nugget, rel=1e-6, abs=1e-12)
    rest = ref[ref["model"] != "Nug"]
    assert len(fitted.structures) == len(rest)
    for s, row in zip(fitted.structures, rest.itertuples()):
        assert s.psill == pytest.approx(row.psill, rel=1e-6)
        assert s.range == pytest.approx(row.range, rel=1e-6, abs=1e-12)
    assert info.sse == pytest.approx(ref["sserr"].iloc[0], rel=1e-6)


def assert_matches_gstat(mean, std, ref, rtol, mask=None):
    mask = np.ones(len(ref), dtype=bool) if mask is None else mask
    np.testing.assert_allclose(mean[mask], ref["pred"].to_numpy()[mask], rtol=rtol)
    np.testing.assert_allclose(std[mask] ** 2, ref["var"].to_numpy()[mask], rtol=rtol)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("pow", "krige_ok_pow_nmax20"),
        ("lin", "krige_ok_lin_nmax20"),
        ("nug", "krige_ok_nug_nmax20"),
        ("pow_anis", "krige_ok_pow_anis_nmax20"),
    ],
)
def test_ordinary_kriging_nmax20_matches_gstat(
    name, reference, models, meuse_xy_log_zinc, grid, gstat_reference
):
    X, y = meuse_xy_log_zinc
    ok = OrdinaryKriging(models[name], n_neighbors=20).fit(X, y)
    mean, std = ok.predict(grid, return_std=True)
    # where the 20th and 21st samples are equally far gstat may keep the other one
    _, dist = nearest_neighbors(X, grid, 21)
    untied = dist[:, 19] != dist[:, 20]
    assert_matches_gstat(mean, std, gstat_reference(reference), 1e-9, untied)


def test_global_power_kriging_matches_gstat_and_a_dense_solve(
    models, meuse_xy_log_zinc, grid, gstat_reference
):
    X, y = meuse_xy_log_zinc
    vg = models["pow"]
    mean, std = (
        OrdinaryKriging(vg, n_neighbors=None).fit(X, y).predict(grid, return_std=True)
    )
    assert_matches_gstat(mean, std, gstat_reference("krige_ok_pow_global"), 1e-9)
    for node in (0, 1000, 3000):
        dense_mean, dense_var = variogram_form_ok(vg, X, y, grid[node])
        assert mean[node] == pytest.approx(dense_mean, rel=1e-10)
        assert std[node] ** 2 == pytest.approx(dense_var, rel=1e-9)


def test_block_kriging_with_a_linear_model_matches_gstat(
    models, meuse_xy_log_zinc, grid, gstat_reference
):
    X, y = meuse_xy_log_zinc
    ok = OrdinaryKriging(models["lin"], n_neighbors=None, block_size=(40.0, 40.0))
    mean, std = ok.fit(X, y).predict(grid, return_std=True)
    # gstat's discretisation weights are C floats (see test_gstat_kriging.py)
    assert_matches_gstat(mean, std, gstat_reference("krige_ok_lin_block40"), 1e-6)


def test_leave_one_out_with_a_power_model_matches_krige_cv(
    models, meuse_xy_log_zinc, gstat_reference
):
    X, y = meuse_xy_log_zinc
    table = leave_one_out(OrdinaryKriging(models["pow"], n_neighbors=20), X, y)
    ref = gstat_reference("krige_cv_ok_pow_nmax20")
    np.testing.assert_allclose(table["prediction"], ref["pred"], rtol=1e-10)
    np.testing.assert_allclose(table["std"] ** 2, ref["var"], rtol=1e-9)


def test_universal_kriging_accepts_a_power_model(models, meuse_xy_log_zinc):
    X, y = meuse_xy_log_zinc
    uk = UniversalKriging(models["pow"], drift="linear", n_neighbors=None).fit(X, y)
    node = np.array([180_000.0, 331_000.0])
    n = len(X)
    # dense variogram-form universal kriging: drift 1, x, y
    vg = models["pow"]
    F = np.column_stack([np.ones(n), X])
    G = vg.semivariance_xy(X[:, None, 0] - X[None, :, 0], X[:, None, 1] - X[None, :, 1])
    K = np.zeros((n + 3, n + 3))
    K[:n, :n], K[:n, n:], K[n:, :n] = G, F, F.T
    g = vg.semivariance_xy(X[:, 0] - node[0], X[:, 1] - node[1])
    sol = np.linalg.solve(K, np.concatenate([g, [1.0], node]))
    mean, std = uk.predict(node[None, :], return_std=True)
    assert mean[0] == pytest.approx(sol[:n] @ y, rel=1e-10)
    assert std[0] ** 2 == pytest.approx(
        sol @ np.concatenate([g, [1.0], node]), rel=1e-9
    )


def test_simple_kriging_and_simulation_refuse_unbounded_models(
    models, meuse_xy_log_zinc
):
    X, y = meuse_xy_log_zinc
    with pytest.raises(
        ConfigError, match="simple kriging needs a variogram with a sill"
    ):
        SimpleKriging(models["lin"], mean=5.9).fit(X, y)
    with pytest.raises(ConfigError, match="simulation needs a variogram with a sill"):
        ConditionalSimulation(variogram=models["pow"]).fit(X, y)
    with pytest.raises(ConfigError, match="no covariance"):
        models["pow"].covariance_matrix(X[:3])


def test_pure_nugget_kriging_is_the_neighbourhood_mean(models, meuse_xy_log_zinc, grid):
    X, y = meuse_xy_log_zinc
    mean, std = (
        OrdinaryKriging(models["nug"], n_neighbors=None)
        .fit(X, y)
        .predict(grid[:5], return_std=True)
    )
    np.testing.assert_allclose(mean, y.mean(), rtol=1e-12)
    np.testing.assert_allclose(std**2, 0.6 * (1 + 1 / len(y)), rtol=1e-12)


def test_the_slope_of_regression_needs_a_sill(models, meuse_xy_log_zinc, grid):
    X, y = meuse_xy_log_zinc
    ok = OrdinaryKriging(models["pow"], n_neighbors=20).fit(X, y)
    with pytest.raises(ConfigError, match="slope of regression needs a variogram"):
        ok.slope_of_regression(grid[:3])


def test_a_power_model_is_drawn_over_its_experimental_variogram(
    models, meuse_xy_log_zinc
):
    import matplotlib

    matplotlib.use("Agg")
    from seabed.geostats.plot import plot_variogram

    ev = experimental_variogram(*meuse_xy_log_zinc)
    ax = plot_variogram(ev, models["pow"])
    drawn = ax.get_lines()[-1].get_ydata()
    assert drawn[-1] == pytest.approx(
        float(models["pow"].semivariance([ax.get_lines()[-1].get_xdata()[-1]])[0])
    )
    assert "exponent 0.6" in ax.get_title()
