"""Covariates from the configuration: regression kriging and external drift end to
end, on a synthetic survey whose grade follows a covariate raster with a nodata hole."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

import seabed
from seabed.config import Config, check_config
from seabed.exceptions import SeabedWarning

BOX = (153.55, 21.85, 153.95, 22.2)
#: The raster's nodata hole (lon_min, lat_min, lon_max, lat_max): one core in it.
HOLE = (153.56, 21.86, 153.64, 21.94)
pytestmark = pytest.mark.slow  # three runs, shared by the module

#: grade = INTERCEPT + SLOPE x covariate + a little noise (ppm)
INTERCEPT, SLOPE = 800.0, 300.0


def covariate(lon, lat):
    """A smooth field varying over ~10 km: too fine for 60 cores to map, but the
    covariate raster gives it at every cell."""
    return np.sin(lon * 45.0) * np.cos(lat * 55.0)


def write_covariate(path):
    step = 0.005
    west, north = 153.3, 22.45
    lon = west + step * (np.arange(200) + 0.5)
    lat = north - step * (np.arange(180) + 0.5)
    values = covariate(lon[None, :], lat[:, None]).astype("float32")
    in_hole = (
        (lon[None, :] > HOLE[0])
        & (lon[None, :] < HOLE[2])
        & (lat[:, None] > HOLE[1])
        & (lat[:, None] < HOLE[3])
    )
    values[in_hole] = -9999.0
    profile = {
        "driver": "GTiff",
        "width": lon.size,
        "height": lat.size,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(west, north, step, step),
        "nodata": -9999.0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
        dst.set_band_unit(1, "1")


def write_cores(path, seed=4):
    rng = np.random.default_rng(seed)
    n = 60
    lon = rng.uniform(HOLE[2] + 0.01, BOX[2], n)
    lat = rng.uniform(BOX[1], BOX[3], n)
    ids = [f"C{i:02d}" for i in range(n)]
    lon, lat = np.append(lon, 153.60), np.append(lat, 21.90)  # in the hole
    ids.append("C-IN-HOLE")
    grade = INTERCEPT + SLOPE * covariate(lon, lat) + rng.normal(0, 10.0, lon.size)
    rows = [
        {
            "core_id": core,
            "lon": x,
            "lat": y,
            "top_m": top,
            "bottom_m": top + 1.0,
            "rey_ppm": g,
        }
        for core, x, y, g in zip(ids, lon, lat, grade)
        for top in np.arange(0.0, 10.0)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)


def config(folder, method, out):
    inputs = {"cores": str(folder / "cores.csv")}
    if method != "ordinary":
        inputs["covariates"] = {"wave": str(folder / "wave.tif")}
    return Config.model_validate(
        {
            "inputs": inputs,
            "grid": {"bounds": list(BOX), "resolution_m": 4000.0, "margin_m": 0.0},
            "estimate": {
                "method": method,
                "variogram": {"psill": 20000.0, "range": 8000.0, "nugget": 100.0},
            },
            "output": {"dir": str(folder / out), "dataset": "none"},
        }
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("covariates")
    write_covariate(folder / "wave.tif")
    write_cores(folder / "cores.csv")
    found = {}
    for method in ("ordinary", "regression", "external_drift"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = seabed.run(config(folder, method, method), progress=False)
        found[method] = (result, [(w.category, str(w.message)) for w in caught])
    return found


def rmse(result):
    residual = result.cross_validation["residual"].dropna()
    return float(np.sqrt(np.mean(residual**2)))


@pytest.mark.parametrize("method", ["regression", "external_drift"])
def test_covariates_beat_ordinary_kriging_in_leave_one_out(runs, method):
    ordinary, with_covariate = rmse(runs["ordinary"][0]), rmse(runs[method][0])
    # the noise is 10 ppm; ordinary kriging cannot follow a 10 km wave with 60 cores
    assert with_covariate < 20.0 < 60.0 < ordinary, (with_covariate, ordinary)


def test_regression_recovers_the_grade_on_the_grid(runs):
    result = runs["regression"][0]
    ds = result.dataset
    truth = INTERCEPT + SLOPE * covariate(ds["lon"].values, ds["lat"].values)
    estimated = np.isfinite(ds["rey_ppm"].values)
    error = ds["rey_ppm"].values[estimated] - truth[estimated]
    assert np.sqrt(np.mean(error**2)) < 25.0
    # the covariate on the grid is the raster at the cell centres (bilinear)
    known = np.isfinite(ds["wave"].values)
    exact = covariate(ds["lon"].values, ds["lat"].values)
    # (bilinear flattens the crests of a wave sampled every 0.005 degrees by ~1.5 %)
    np.testing.assert_allclose(ds["wave"].values[known], exact[known], atol=0.02)


def test_cells_without_a_covariate_are_not_estimated_and_counted(runs):
    result = runs["regression"][0]
    ds = result.dataset
    lacking = np.isnan(ds["wave"].values)
    assert lacking.sum() > 0
    assert np.isnan(ds["rey_ppm"].values[lacking]).all()
    assert np.isfinite(ds["rey_ppm"].values[~lacking]).all()
    assert any(
        f"{int(lacking.sum())} grid cell(s) have no covariate value" in note
        for note in result.notes
    ), result.notes
    # ordinary kriging estimates them
    assert np.isfinite(runs["ordinary"][0].dataset["rey_ppm"].values[lacking]).all()


def test_a_core_without_a_covariate_is_dropped_by_name(runs):
    result, messages = runs["regression"]
    assert "C-IN-HOLE" not in set(result.used_cores.index)
    assert len(result.used_cores) == 60
    document = json.loads((result.out_dir / "resource.json").read_text())
    assert document["cores"]["n_used"] == 60
    assert any("C-IN-HOLE" in note and "covariate" in note for note in result.notes)
    # a SeabedWarning: the command line prints it as one line
    assert any(
        issubclass(category, SeabedWarning) and "C-IN-HOLE" in message
        for category, message in messages
    )
    assert "C-IN-HOLE" in set(runs["ordinary"][0].used_cores.index)


def test_the_regression_deviation_is_said_to_leave_out_the_trend(runs):
    notes = runs["regression"][0].notes
    assert any("trend is not in it" in note for note in notes), notes


def test_covariates_are_recorded_in_the_provenance(runs):
    result = runs["regression"][0]
    assert result.provenance["inputs"]["covariates.wave"]["sha256"]
    assert "RegressionKriging" in result.provenance["estimator"]
    assert "drift='external'" in runs["external_drift"][0].provenance["estimator"]


def test_covariate_keys_are_checked(tmp_path):
    base = {"inputs": {"cores": "cores.csv"}}
    (problem,) = check_config(base | {"estimate": {"method": "regression"}})
    assert "needs covariates" in problem.message
    given = {"cores": "c.csv", "covariates": {"wave": "w.tif"}}
    (problem,) = check_config({"inputs": given})
    assert "regression" in problem.message
    listed = {
        "cores": "c.csv",
        "covariates": [{"name": "age_myr", "path": "age.tif", "band": 2}],
    }
    parsed = Config.model_validate(
        {"inputs": listed, "estimate": {"method": "external_drift"}}
    )
    (only,) = parsed.inputs.covariates
    assert (only.name, only.band, only.path.name) == ("age_myr", 2, "age.tif")
    twice = {
        "cores": "c.csv",
        "covariates": [{"name": "a", "path": "a.tif"}, {"name": "a", "path": "b.tif"}],
    }
    (problem,) = check_config({"inputs": twice, "estimate": {"method": "regression"}})
    assert "twice" in problem.message
