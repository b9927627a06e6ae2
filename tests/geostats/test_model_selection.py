"""Choosing a variogram model by cross-validation: auto_variogram."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seabed.exceptions import InputError, SeabedWarning
from seabed.geostats import model_selection
from seabed.geostats.fitting import FitInfo
from seabed.geostats.model_selection import auto_variogram
from seabed.geostats.variogram import Structure, Variogram


def test_auto_variogram_records_every_candidate_on_meuse(meuse_xy_log_zinc, gstat_fit):
    fitted, info = auto_variogram(*meuse_xy_log_zinc, return_info=True)
    assert isinstance(info, FitInfo)
    records = info.candidates
    # 4 models x 3 nugget options + a pure nugget, less twins
    assert 10 <= len(records) <= 13
    assert sum(r["chosen"] for r in records) == 1
    assert {r["model"] for r in records} == {
        "spherical",
        "exponential",
        "linear",
        "power",
        "nugget",
    }
    chosen = next(r for r in records if r["chosen"])
    assert Variogram(**_arguments(chosen["variogram"])) == fitted
    usable = [r for r in records if np.isfinite(r["loo_mse"])]
    lowest = min(r["loo_mse"] for r in usable)
    assert chosen["loo_mse"] <= lowest * (1 + model_selection.MSE_TOLERANCE)
    assert info.choice.startswith("lowest leave-one-out mean squared error")
    # the spherical candidate with a fitted nugget is gstat's fit (other initial
    # values than gstat's example: same minimum, other last iterate)
    sph = next(
        r
        for r in records
        if r["model"] == "spherical" and r["nugget_option"] == "fitted"
    )
    nugget, psill, range_, _ = gstat_fit("sph")
    assert sph["variogram"]["nugget"] == pytest.approx(nugget, rel=1e-3)
    assert sph["variogram"]["structures"][0]["psill"] == pytest.approx(psill, rel=1e-3)
    assert sph["variogram"]["structures"][0]["range"] == pytest.approx(range_, rel=1e-3)


def _arguments(record):
    """Variogram arguments from a candidate's ``to_dict()``."""
    return {
        "structures": [
            Structure(s["model"], s["psill"], s["range"], s["anis"], s["kappa"])
            for s in record["structures"]
        ],
        "nugget": record["nugget"],
    }


def test_auto_variogram_chooses_a_bounded_structure_on_a_correlated_field():
    rng = np.random.default_rng(7)
    X = rng.uniform(0.0, 8000.0, size=(400, 2))
    truth = Variogram("exponential", psill=1.0, range=400.0, nugget=0.1)
    y = np.linalg.cholesky(truth.covariance_matrix(X)) @ rng.standard_normal(400)
    fitted, info = auto_variogram(X, y, return_info=True)
    assert info.model in ("spherical", "exponential")
    assert fitted.sill == pytest.approx(truth.sill, rel=0.25)
    chosen = next(r for r in info.candidates if r["chosen"])
    nugget = next(r for r in info.candidates if r["model"] == "nugget")
    # kriging with the structure predicts far better than the mean
    assert chosen["loo_mse"] < 0.7 * nugget["loo_mse"]
    low, high = model_selection.CALIBRATED_Z2
    assert low <= chosen["loo_mean_squared_zscore"] <= high


def test_auto_variogram_chooses_pure_nugget_on_uncorrelated_cores():
    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 50_000.0, size=(40, 2))
    y = rng.normal(1000.0, 200.0, size=40)
    fitted, info = auto_variogram(X, y, return_info=True)
    assert fitted.structures == () and info.model == "nugget"
    assert fitted.nugget == pytest.approx(200.0**2, rel=0.5)
    assert "fewest fitted parameters (1)" in info.choice


def test_auto_variogram_cross_validates_a_subset_of_many_samples(monkeypatch):
    monkeypatch.setattr(model_selection, "MAX_CROSS_VALIDATED", 50)
    rng = np.random.default_rng(5)
    X = rng.uniform(0.0, 5000.0, size=(120, 2))
    y = np.sin(X[:, 0] / 800.0) + 0.2 * rng.standard_normal(120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)  # convergence is not the point
        _, info = auto_variogram(X, y, models=("spherical",), return_info=True)
    assert len(info.candidates) == 4  # zero, fitted, first-lag nugget; pure nugget
    assert all(np.isfinite(r["loo_mse"]) for r in info.candidates)


def test_auto_variogram_rejects_too_little_data():
    rng = np.random.default_rng(1)
    with pytest.raises(InputError, match=r"too few samples.*at least 10"):
        auto_variogram(rng.uniform(size=(9, 2)), rng.normal(size=9))
    X = np.column_stack([np.arange(12.0) * 100, np.zeros(12)])
    with pytest.raises(InputError, match="only 2 lag bins"):
        auto_variogram(X, rng.normal(size=12), cutoff=200.0, width=100.0)
    with pytest.raises(InputError, match="do not vary"):
        auto_variogram(X, np.ones(12))
