"""Search passes, the high-value restriction and the search diagnostics in a run:
read from a TOML file, mapped, written as COGs and recorded in resource.json."""

import json

import numpy as np
import pyproj
import pytest
import rasterio

import seabed
from seabed.config import Config
from seabed.estimation.models import make_estimator
from seabed.exceptions import ConfigError
from seabed.io.synthetic import SyntheticField, make_survey

BOX = (153.55, 21.85, 153.95, 22.2)
FIRST_M = 4000.0
HIGH_PPM, HIGH_RADIUS_M = 2000.0, 3000.0

CONFIG = f"""
[inputs]
cores = "cores.csv"

[grid]
bounds = {list(BOX)}
resolution_m = 2000.0

[composite]
high_value_ppm = {HIGH_PPM}
high_value_radius_m = {HIGH_RADIUS_M}

[estimate]
n_neighbors = 16
min_neighbors = 3

[[estimate.pass]]
max_distance_m = {FIRST_M}

[[estimate.pass]]
max_distance_m = 60000.0
min_neighbors = 2

[output]
dir = "out"
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search")
    survey = make_survey(n_cores=60, bounds=BOX, seed=21, field=SyntheticField(seed=21))
    survey.samples.to_csv(folder / "cores.csv", index=False)
    (folder / "search.toml").write_text(CONFIG)
    config = seabed.load_config(folder / "search.toml")
    return seabed.run(config, progress=False)


def test_cells_are_labelled_by_the_pass_that_estimated_them(run):
    ds = run.dataset
    passes = ds["search_pass"].values
    assert set(np.unique(passes)) == {1.0, 2.0}
    # the first pass needs 3 cores within FIRST_M of the cell centre, and cores
    # above HIGH_PPM count only within HIGH_RADIUS_M
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", ds.rio.crs, always_xy=True)
    cores = run.used_cores
    xy = np.column_stack(
        to_grid.transform(cores["lon"].to_numpy(), cores["lat"].to_numpy())
    )
    xx, yy = np.meshgrid(ds["x"].values, ds["y"].values)
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    d = np.linalg.norm(nodes[:, None, :] - xy[None, :, :], axis=2)
    high = cores["rey_ppm"].to_numpy() > HIGH_PPM
    assert 0 < high.sum() < len(cores)
    reachable = ~high[None, :] | (d <= HIGH_RADIUS_M)
    within = ((d <= FIRST_M) & reachable).sum(axis=1)
    np.testing.assert_array_equal(passes.ravel(), np.where(within >= 3, 1, 2))
    # the diagnostics are there and sensible where estimated
    estimated = np.isfinite(ds["rey_ppm"].values)
    assert estimated.all()
    assert (ds["nearest_sample_m"].values <= ds["mean_sample_distance_m"].values).all()
    assert (ds["n_cores"].values <= ds["n_samples"].values).all()
    efficiency = ds["kriging_efficiency"].values
    assert (efficiency <= 1).all() and np.nanmax(efficiency) > 0.3
    assert (ds["negative_weight_sum"].values <= 0).all()
    assert ds["slope_of_regression"].attrs["units"] == "1"


def test_diagnostics_are_written_and_recorded(run):
    for name in ("search_pass", "slope_of_regression", "kriging_efficiency", "n_cores"):
        with rasterio.open(run.out_dir / f"{name}.tif") as src:
            values = src.read(1)
        expected = run.dataset[name].values.astype(values.dtype)
        np.testing.assert_array_equal(values, expected)
    document = json.loads((run.out_dir / "resource.json").read_text())
    search = document["assumptions"]["search"]
    assert [p["max_distance_m"] for p in search["passes"]] == [FIRST_M, 60000.0]
    assert [p["min_neighbors"] for p in search["passes"]] == [3, 2]
    cells = run.dataset["search_pass"].values
    assert [p["cells"] for p in search["passes"]] == [
        int((cells == 1).sum()),
        int((cells == 2).sum()),
    ]
    restriction = search["high_value_restriction"]
    assert restriction["high_value_ppm"] == HIGH_PPM
    assert "3000 m" in restriction["text"]


def test_inverse_distance_weighting_refuses_what_it_cannot_do():
    config = Config.model_validate(
        {
            "inputs": {"cores": "cores.csv"},
            "estimate": {"method": "idw", "pass": [{}, {"max_distance_m": 9e4}]},
            "composite": {"high_value_ppm": 5000, "high_value_radius_m": 2000},
        }
    )
    X, rey = np.zeros((3, 2)), np.ones(3)
    with pytest.raises(ConfigError, match=r"estimate\.pass, composite\.high_value_ppm"):
        make_estimator(config, X, rey)
