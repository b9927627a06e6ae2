"""Leave-one-out and k-fold cross-validation of the estimators."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GroupKFold

from seabed.exceptions import InputError
from seabed.geostats import Variogram
from seabed.geostats.idw import InverseDistanceWeighting
from seabed.geostats.kriging import (
    OrdinaryKriging,
    RegressionKriging,
    SimpleKriging,
    UniversalKriging,
)
from seabed.geostats.validation import cross_validate_kriging, leave_one_out, summarize

VG = Variogram("spherical", psill=0.8, range=350.0, nugget=0.05)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1000, size=(70, 2))
    cov = np.hypot(X[:, 0] - 400, X[:, 1] - 600) / 100
    y = np.sin(X[:, 0] / 150) + 0.3 * cov + 0.1 * rng.standard_normal(70)
    return X, y, np.column_stack([X, cov])


ESTIMATORS = {
    "ok_local": (OrdinaryKriging(VG, n_neighbors=10), False),
    "ok_global": (OrdinaryKriging(VG, n_neighbors=None), False),
    "ok_radius": (OrdinaryKriging(VG, n_neighbors=12, max_distance=200.0), False),
    "sk": (SimpleKriging(VG, mean=0.5, n_neighbors=10), False),
    "uk": (UniversalKriging(VG, drift="linear", n_neighbors=15), False),
    "ked": (UniversalKriging(VG, drift="external", n_neighbors=15), True),
    "idw": (InverseDistanceWeighting(power=2.0, n_neighbors=8), False),
    "ok_sectors": (OrdinaryKriging(VG, n_neighbors=16, max_per_sector=2), False),
    "idw_sectors": (
        InverseDistanceWeighting(n_neighbors=12, max_per_sector=1),
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_leave_one_out_equals_refitting_without_the_sample(data, name):
    X, y, Xc = data
    est, with_cov = ESTIMATORS[name]
    Xin = Xc if with_cov else X
    table = leave_one_out(est, Xin, y)
    assert len(table) == len(y)
    np.testing.assert_array_equal(table["observed"], y)
    for i in (0, 17, 42, 69):
        keep = np.arange(len(y)) != i
        refit = type(est)(**est.get_params()).fit(Xin[keep], y[keep])
        mean, std = refit.predict(Xin[i : i + 1], return_std=True)
        np.testing.assert_allclose(
            table["prediction"][i], mean[0], rtol=1e-11, atol=1e-12
        )
        np.testing.assert_allclose(
            table["std"][i], std[0], rtol=1e-9, atol=1e-12, equal_nan=True
        )
    np.testing.assert_allclose(table["residual"], y - table["prediction"])
    np.testing.assert_allclose(table["zscore"], table["residual"] / table["std"])


def test_leave_one_out_of_other_regressors_refits(data):
    _, y, Xc = data
    table = leave_one_out(LinearRegression(), Xc, y)
    i = 9
    keep = np.arange(len(y)) != i
    expected = LinearRegression().fit(Xc[keep], y[keep]).predict(Xc[i : i + 1])[0]
    assert table["prediction"][i] == pytest.approx(expected)
    assert table["std"].isna().all()
    rk = RegressionKriging(LinearRegression(), VG, n_neighbors=10)
    rk_table = leave_one_out(rk, Xc, y)
    refit = RegressionKriging(LinearRegression(), VG, n_neighbors=10).fit(
        Xc[keep], y[keep]
    )
    mean, std = refit.predict(Xc[i : i + 1], return_std=True)
    assert rk_table["prediction"][i] == pytest.approx(mean[0])
    assert rk_table["std"][i] == pytest.approx(std[0])


def test_too_few_neighbours_give_nan_rows_left_out_of_the_summary(data):
    X, y, _ = data
    far = np.vstack([X, [[5000.0, 5000.0]]])
    table = leave_one_out(
        OrdinaryKriging(VG, max_distance=300.0), far, np.append(y, 1.0)
    )
    assert np.isnan(table["prediction"].iloc[-1]) and table["n_neighbors"].iloc[-1] == 0
    assert summarize(table)["n"] == len(y)


def test_summary_by_hand():
    table = pd.DataFrame(
        {
            "observed": [1.0, 2.0, 4.0, 3.0],
            "prediction": [1.0, 3.0, 3.0, np.nan],
            "residual": [0.0, -1.0, 1.0, np.nan],
            "zscore": [0.0, -2.0, 1.0, np.nan],
        }
    )
    s = summarize(table)
    assert s["n"] == 3
    assert s["mean_error"] == 0.0
    assert s["rmse"] == pytest.approx(np.sqrt(2 / 3))
    assert s["mean_zscore"] == pytest.approx(-1 / 3)
    assert s["sd_zscore"] == pytest.approx(np.std([0.0, -2.0, 1.0], ddof=1))
    assert s["mean_squared_zscore"] == pytest.approx(5 / 3)
    assert s["cor_observed_predicted"] == pytest.approx(
        np.corrcoef([1, 2, 4], [1, 3, 3])[0, 1]
    )


def test_group_folds_keep_groups_together(data):
    X, y, _ = data
    groups = (X[:, 0] // 250).astype(int)  # four vertical strips
    cv = cross_validate_kriging(
        OrdinaryKriging(VG, n_neighbors=10), X, y, groups, n_splits=4
    )
    assert set(cv.summary) >= {"mean_error", "rmse", "mean_zscore", "sd_zscore", "n"}
    assert cv.summary["n"] == len(y)
    for g in np.unique(groups):
        assert cv.table["fold"][groups == g].nunique() == 1
    # a fold's prediction equals a fit on the other folds
    test = cv.table["fold"].to_numpy() == 0
    fitted = OrdinaryKriging(VG, n_neighbors=10).fit(X[~test], y[~test])
    np.testing.assert_allclose(cv.table["prediction"][test], fitted.predict(X[test]))


def test_kfold_is_seeded_and_accepts_splitters(data):
    X, y, _ = data
    ok = OrdinaryKriging(VG, n_neighbors=10)
    a = cross_validate_kriging(ok, X, y, n_splits=5, random_state=3)
    b = cross_validate_kriging(ok, X, y, n_splits=5, random_state=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = cross_validate_kriging(
        ok, X, y, np.arange(len(y)) % 7, cv=GroupKFold(n_splits=7)
    )
    assert c.table["fold"].nunique() == 7


def test_multi_output_is_refused(data):
    X, y, _ = data
    with pytest.raises(InputError, match="one output at a time"):
        leave_one_out(OrdinaryKriging(VG), X, np.column_stack([y, y]))


def test_leave_one_out_of_some_samples_matches_the_full_table():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1000, size=(40, 2))
    y = np.sin(X[:, 0] / 200) + 0.1 * rng.standard_normal(40)
    ok = OrdinaryKriging(Variogram("spherical", psill=0.5, range=600.0, nugget=0.01))
    full = leave_one_out(ok, X, y)
    some = leave_one_out(ok, X, y, samples=[3, 17, 30])
    pd.testing.assert_frame_equal(
        some, full.iloc[[3, 17, 30]].reset_index(drop=True), check_exact=True
    )
