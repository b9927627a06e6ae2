"""Geography on the whole sphere: a survey across 180 degrees against the same survey
away from it.

The survey around 180 E and its copy shifted 30 degrees west (around 150 E) sit at
the same place in their UTM zones (zone 1 and zone 56, both 3 degrees east of the
zone's western edge), so a transverse Mercator maps both onto the same cells, with
the same cores at the same places. The one difference is the buffered exclusion
zone, split at 180 degrees in one survey and whole in the other: each part is
buffered in its own azimuthal projection, whose distortion differs from the whole
strip's by parts in 10^8 over these 30 km (measured: the excluded areas differ by
8e-8, the statements by 3e-8). The tolerance, 1e-6, is ten times that and a million
times below the error it guards against (a grid or a buffer round the globe, twice
the tonnage). The bathymetry of the survey across 180 is in 0-360 degrees.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from seabed import load_config, run
from seabed.grid import bounds_from_points, circular_mean_lon, make_grid, resolve_crs
from seabed.io import load_zones
from seabed.zones import geodesic_area_km2

SHIFT = -30.0  # degrees: 180 E becomes 150 E
LONS = 179.8 + 0.1 * np.arange(5)  # 179.8 ... 180.2, written as -180 to 180
LATS = -16.15 + 0.1 * np.arange(4)


def wrapped(lon):
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def cores(shift):
    rows = []
    for i, (lon, lat) in enumerate((x, y) for x in LONS for y in LATS):
        grade = 800.0 + 40.0 * ((i * 7) % 11)
        for top, bottom in ((0.0, 5.0), (5.0, 10.0)):
            rows.append(
                {
                    "core_id": f"C{i:02d}",
                    "lon": float(wrapped(lon + shift)),
                    "lat": lat,
                    "top_m": top,
                    "bottom_m": bottom,
                    "rey_ppm": grade + 50.0 * top / 5.0,
                }
            )
    return pd.DataFrame(rows)


def cable(shift):
    """A strip 0.2 degree wide centred on 180 (split there), or shifted (whole)."""
    if shift == 0:
        return shapely.MultiPolygon(
            [
                shapely.box(179.9, -16.1, 180.0, -15.9),
                shapely.box(-180.0, -16.1, -179.9, -15.9),
            ]
        )
    return shapely.box(179.9 + shift, -16.1, 180.1 + shift, -15.9)


def bathymetry(path, west):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=40,
        height=30,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, -15.0, 0.05, 0.05),
    ) as dst:
        dst.write(np.full((30, 40), 5500.0, dtype="float32"), 1)


def write_survey(folder, shift):
    folder.mkdir()
    cores(shift).to_csv(folder / "cores.csv", index=False)
    gpd.GeoDataFrame(geometry=[cable(shift)], crs="EPSG:4326").to_file(
        folder / "cable.gpkg"
    )
    # across 180: the grid in 0-360 degrees (179-181); else in -180 to 180
    bathymetry(folder / "depth.tif", 179.0 if shift == 0 else 179.0 + shift)
    (folder / "run.toml").write_text(
        '[inputs]\ncores = "cores.csv"\nbathymetry = "depth.tif"\n'
        'exclude = [{ path = "cable.gpkg", buffer_m = 3000, reason = "cable" }]\n'
        "[grid]\nresolution_m = 5000\n"
        "[rules]\ndepth_window_m = [4000, 6000]\n"
        "[estimate]\nvariogram = { psill = 20000.0, range = 30000.0 }\n"
        '[output]\ndir = "out"\n'
    )
    return folder / "run.toml"


@pytest.fixture(scope="module")
def surveys(tmp_path_factory):
    root = tmp_path_factory.mktemp("sphere")
    return {
        shift: run(
            load_config(write_survey(root / f"s{shift:g}", shift)), progress=False
        )
        for shift in (0.0, SHIFT)
    }


def test_auto_crs_is_the_utm_zone_of_the_circular_mean(surveys):
    assert circular_mean_lon(wrapped(LONS)) == pytest.approx(-180.0)
    assert resolve_crs("auto", wrapped(LONS), LATS.repeat(5)[:5]).to_epsg() == 32701
    across, away = (surveys[s].dataset.rio.crs.to_epsg() for s in (0.0, SHIFT))
    assert (across, away) == (32701, 32756)


def test_the_grid_is_the_size_of_the_survey_not_of_the_globe(surveys):
    across, away = (surveys[s].dataset for s in (0.0, SHIFT))
    assert dict(across.sizes) == dict(away.sizes)
    assert across.sizes["x"] * 5 < 200  # about 55 km across, not 20,000 km
    np.testing.assert_allclose(across["x"], away["x"])
    west, _, east, _ = bounds_from_points(wrapped(LONS), LATS.repeat(5)[:5], 5000.0)
    assert 179.7 < west < 180 < east < 180.3


def test_area_and_tonnage_match_the_survey_away_from_180(surveys):
    across, away = (surveys[s].statement.set_index("cutoff_ppm") for s in (0.0, SHIFT))
    for column in ("area_km2", "ore_t", "rey_t", "treo_t"):
        np.testing.assert_allclose(across[column], away[column], rtol=1e-6)
    assert across.loc[0.0, "area_km2"] > 1000  # the survey is there, not excluded


def test_the_split_buffered_zone_excludes_what_the_whole_one_does(surveys, tmp_path):
    across, away = (surveys[s].excluded for s in (0.0, SHIFT))
    a = across.set_index("reason").loc["cable", "area_km2"]
    b = away.set_index("reason").loc["cable", "area_km2"]
    assert a == pytest.approx(b, rel=1e-6)
    assert 500 < a < 1000  # a strip of about 27 x 28 km, not a band round the globe
    for shift in (0.0, SHIFT):
        gpd.GeoDataFrame(geometry=[cable(shift)], crs="EPSG:4326").to_file(
            tmp_path / f"c{shift:g}.gpkg"
        )
    split, whole = (
        load_zones(tmp_path / f"c{s:g}.gpkg", buffer_m=3000.0) for s in (0.0, SHIFT)
    )
    assert split.total_bounds[2] - split.total_bounds[0] == pytest.approx(360, abs=0.01)
    assert geodesic_area_km2(split) == pytest.approx(geodesic_area_km2(whole), rel=1e-5)


def test_the_bathymetry_in_0_360_degrees_keeps_every_cell(surveys):
    record = json.loads((surveys[0.0].out_dir / "resource.json").read_text())
    notes = " ".join(record.get("notes", []))
    assert "covers" not in notes  # no coverage warning: the grid is found
    depth_excluded = [r for r in surveys[0.0].excluded["reason"] if "depth" in r]
    rows = surveys[0.0].excluded.set_index("reason")
    assert all(rows.loc[r, "area_km2"] == 0 for r in depth_excluded)


def test_a_box_across_180_in_the_config_makes_the_same_grid():
    across = make_grid((179.8, -16.2, 180.2, -15.8), 5000.0)
    away = make_grid((149.8, -16.2, 150.2, -15.8), 5000.0)
    assert across.rio.crs.to_epsg() == 32701
    assert dict(across.sizes) == dict(away.sizes)
    np.testing.assert_allclose(
        across.cell_area_m2.sum(), away.cell_area_m2.sum(), rtol=1e-12
    )


def test_bounds_across_180_in_the_configuration(tmp_path, capsys):
    """``[grid] bounds`` across 180 runs past it; its box has the shifted box's area."""
    from seabed.cli import main
    from seabed.zones import bounds_area

    config = write_survey(tmp_path / "s0", 0.0)
    config.write_text(
        config.read_text().replace(
            "[grid]\n", "[grid]\nbounds = [179.75, -16.3, 180.25, -15.8]\n"
        )
    )
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err
    across = geodesic_area_km2(bounds_area((179.75, -16.3, 180.25, -15.8)))
    away = geodesic_area_km2(bounds_area((149.75, -16.3, 150.25, -15.8)))
    assert across == pytest.approx(away, rel=1e-12)
    assert across == pytest.approx(2960.338, rel=1e-6)  # about 53 x 55 km
    config.write_text(config.read_text().replace("180.25, -15.8", "-179.75, -15.8"))
    assert main(["validate", str(config)]) == 2
    assert "across 180 degrees runs past it" in capsys.readouterr().err
