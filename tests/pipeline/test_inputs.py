"""Inputs as users have them: x/y cores with their CRS, a layer of a GeoPackage."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest

import seabed
from seabed.io import datasets, load_cores


def _coarse(config: seabed.Config, cores, **inputs) -> seabed.Config:
    return config.model_copy(
        update={
            "grid": config.grid.model_copy(update={"resolution_m": 4000.0}),
            "inputs": config.inputs.model_copy(update={"cores": cores, **inputs}),
            # these runs check the inputs' numbers, not the report
            "output": config.output.model_copy(update={"report": False}),
        }
    )


@pytest.fixture(scope="module")
def lon_lat_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lonlat")
    config = _coarse(seabed.demo_config(), datasets.demo_cores_path())
    return seabed.run(config, out_dir=out, progress=False)


def _statement(result) -> pd.DataFrame:
    return result.statement[["cutoff_ppm", "area_km2", "rey_t", "treo_t"]]


def test_x_y_cores_with_cores_crs_run_end_to_end(tmp_path, lon_lat_run):
    cores = pd.read_csv(datasets.demo_cores_path())
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32656", always_xy=True)
    cores["x"], cores["y"] = to_utm.transform(cores.pop("lon"), cores.pop("lat"))
    path = tmp_path / "cores_utm.csv"
    cores.to_csv(path, index=False)
    toml = tmp_path / "run.toml"
    toml.write_text(
        f'[inputs]\ncores = "{path.name}"\ncores_crs = "EPSG:32656"\n'
        "[grid]\nresolution_m = 4000\n"
    )
    from_file = seabed.run(
        seabed.load_config(toml), out_dir=tmp_path / "a", progress=False
    )
    assert from_file.composites["lon"].between(153.3, 154.3).all()
    # the demo's run with the cores in x/y: the statement of the lon/lat cores
    config = _coarse(seabed.demo_config(), path, cores_crs="EPSG:32656")
    result = seabed.run(config, out_dir=tmp_path / "b", progress=False)
    pd.testing.assert_frame_equal(
        _statement(result), _statement(lon_lat_run), rtol=1e-9, atol=1e-6
    )


def test_x_y_cores_without_a_crs_say_which_key_to_set(tmp_path):
    path = tmp_path / "cores.csv"
    pd.DataFrame(
        {
            "core_id": ["a"],
            "x": [1.0],
            "y": [2.0],
            "top_m": [0.0],
            "bottom_m": [1.0],
            "rey_ppm": [900.0],
        }
    ).to_csv(path, index=False)
    with pytest.raises(seabed.InputError, match=r"set inputs\.cores_crs"):
        load_cores(path)


def test_a_layer_of_a_two_layer_geopackage(tmp_path, lon_lat_run):
    cores = load_cores(datasets.demo_cores_path())
    points = gpd.GeoDataFrame(
        cores.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(cores["lon"], cores["lat"]),
        crs="EPSG:4326",
    )
    path = tmp_path / "survey.gpkg"
    points.iloc[:5].to_file(path, layer="pilot")
    points.to_file(path, layer="samples")
    with pytest.warns(seabed.SeabedWarning, match=r"inputs\.cores_layer"):
        load_cores(path)
    config = _coarse(seabed.demo_config(), path, cores_layer="samples")
    result = seabed.run(config, out_dir=tmp_path / "out", progress=False)
    pd.testing.assert_frame_equal(
        _statement(result), _statement(lon_lat_run), rtol=1e-9, atol=1e-6
    )


def _cores_around_180(tmp_path, lons, name="cores.csv"):
    """Five by five cores 0.15 degree apart at the given longitudes, grades varying."""
    sites = [(lon, lat) for lat in (-16.7, -16.6, -16.5, -16.4, -16.3) for lon in lons]
    rows = [
        (f"C{i:02d}", lon, lat, top, top + 5.0, 1000.0 + 40.0 * (i % 7) + top)
        for i, (lon, lat) in enumerate(sites)
        for top in (0.0, 5.0)
    ]
    columns = ["core_id", "lon", "lat", "top_m", "bottom_m", "rey_ppm"]
    path = tmp_path / name
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def _tables(cores):
    return {
        "inputs": {"cores": str(cores)},
        "grid": {"resolution_m": 5000.0},
        "estimate": {"variogram": {"psill": 2e4, "range": 3e4}},
        "output": {"report": False},
    }


def test_a_survey_across_180_in_0_360_degrees(tmp_path):
    east = _cores_around_180(tmp_path, [179.7, 179.85, 180.0, 180.15, 180.3])
    assert seabed.validate(_tables(east)) == []
    west = _cores_around_180(
        tmp_path, [179.7, 179.85, 180.0, -179.85, -179.7], "west.csv"
    )
    pd.testing.assert_frame_equal(load_cores(east), load_cores(west), check_like=True)


def test_cores_at_180_and_at_minus_180_share_a_position(tmp_path):
    # C02 at 180 and C03 at -180 (the same meridian), and so on in each row
    cores = _cores_around_180(tmp_path, [179.7, 179.85, 180.0, -180.0, -179.7])
    (problem,) = seabed.validate(_tables(cores))
    assert str(problem) == (
        f"{cores}: cores 'C02' and 'C03' are at the same position (lon 180, lat "
        "-16.7); 5 pair(s) of cores share a position; give one core_id to the "
        "samples of one site, or drop the repeats"
    )
