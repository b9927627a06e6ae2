"""The area of interest: lon/lat bounds are a geodesic box applied with exact
fractional coverage, projected bounds a rectangle, ``[grid] area`` any polygon; the
statement's area is the region's geodesic area and its tonnage the truth's."""

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

import seabed
from seabed.config import Config
from seabed.grid import make_grid
from seabed.io.synthetic import SyntheticField, make_survey
from seabed.zones import bounds_area, geodesic_area_km2, zone_coverage

GEOD = pyproj.Geod(ellps="WGS84")

BOX = (153.55, 21.85, 153.95, 22.2)  # about 41 x 39 km inside the Takaya box

# WGS84
_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)
_E = np.sqrt(_F * (2 - _F))


def box_area_m2(west, south, east, north):
    """Exact area (m2) of the ellipsoid between two meridians and two parallels
    (the authalic-latitude formula), broadcasting."""

    def q(lat):
        s = np.sin(np.radians(lat))
        return s / (1 - _E**2 * s**2) + np.log((1 + _E * s) / (1 - _E * s)) / (2 * _E)

    return np.radians(np.subtract(east, west)) * _B**2 / 2 * (q(north) - q(south))


def true_box_rey_t(field, box, density_t_m3, thickness_m, n=400):
    """REY tonnes of the true field over a lon/lat box: a midpoint rule on an
    n x n lon/lat lattice, each lattice cell weighted by its exact area."""
    west, south, east, north = box
    lon_edges = np.linspace(west, east, n + 1)
    lat_edges = np.linspace(south, north, n + 1)
    lon = (lon_edges[:-1] + lon_edges[1:]) / 2
    lat = (lat_edges[:-1] + lat_edges[1:]) / 2
    area = box_area_m2(
        lon_edges[None, :-1],
        lat_edges[:-1, None],
        lon_edges[None, 1:],
        lat_edges[1:, None],
    )
    lon_grid, lat_grid = np.meshgrid(lon, lat)
    grade = field.window_grade(lon_grid, lat_grid, 0.0, thickness_m)
    return float(np.sum(grade * area) * thickness_m * density_t_m3 * 1e-6)


# --------------------------------------------------------------------------- units
def test_box_follows_the_parallels_every_thousandth_of_a_degree():
    box = bounds_area(BOX)
    assert box.crs.to_epsg() == 4326
    ring = np.asarray(box.iloc[0].exterior.coords)
    steps = np.abs(np.diff(ring, axis=0)).max(axis=1)
    assert steps.max() <= 0.001 + 1e-12
    # every vertex lies on the box's meridians or parallels
    on_edge = np.isclose(ring[:, 0], BOX[0]) | np.isclose(ring[:, 0], BOX[2])
    on_edge |= np.isclose(ring[:, 1], BOX[1]) | np.isclose(ring[:, 1], BOX[3])
    assert on_edge.all()
    # projected, a parallel bows: its middle lies off the chord between the corners
    utm = box.to_crs("EPSG:32656").iloc[0]
    assert len(utm.exterior.coords) == len(ring)


def test_box_area_is_the_ellipsoids_area_between_meridians_and_parallels():
    for bounds in [BOX, (0.0, 0.0, 1.0, 1.0), (10.0, -40.0, 15.0, -35.0)]:
        exact = box_area_m2(*bounds) / 1e6
        assert geodesic_area_km2(bounds_area(bounds)) == pytest.approx(exact, rel=1e-9)


def test_box_coverage_on_the_grid_adds_up_to_its_geodesic_area():
    grid = make_grid(BOX, 1000.0)
    cover = zone_coverage(grid, area=[bounds_area(BOX)])
    area_km2 = float((cover.area_fraction * grid.cell_area_m2).sum()) / 1e6
    assert area_km2 == pytest.approx(box_area_m2(*BOX) / 1e6, rel=1e-6)
    assert float(cover.available_fraction.sum()) == float(cover.area_fraction.sum())
    # the grid's rectangle is larger: the whole cells were 4-5 % too much
    assert float(grid.cell_area_m2.sum()) / 1e6 > 1.03 * area_km2
    # cells the box's edges cross are covered in part
    partial = (cover.area_fraction > 0) & (cover.area_fraction < 1)
    assert int(partial.sum()) > 100
    np.testing.assert_allclose(cover.outside_area_fraction, 1 - cover.area_fraction)


def test_projected_bounds_are_a_rectangle_of_that_crs():
    bounds = (400_250.0, 2_420_000.0, 410_750.0, 2_430_500.0)
    rectangle = bounds_area(bounds, "EPSG:32656")
    assert rectangle.crs.to_epsg() == 32656
    assert len(rectangle.iloc[0].exterior.coords) == 5  # not densified
    grid = make_grid(bounds, 1000.0, crs="EPSG:32656", bounds_crs="EPSG:32656")
    cover = zone_coverage(grid, area=[rectangle])
    # 3/4 cells on the west and east edges, half cells on the north edge: 10.5 x
    # 10.5 cells of plane area
    assert float(cover.area_fraction.sum()) == pytest.approx(10.5 * 10.5, rel=1e-12)
    assert cover.area_fraction.values[0, 0] == pytest.approx(0.75 * 0.5)
    # its geodesic area: the plane area divided by UTM's areal scale
    lon_lat = rectangle.to_crs("EPSG:4326")
    area = (cover.area_fraction * grid.cell_area_m2).sum() / 1e6
    assert float(area) == pytest.approx(geodesic_area_km2(lon_lat), rel=1e-6)


def test_projected_bounds_config(tmp_path):
    config = Config.model_validate(
        {
            "inputs": {"cores": "cores.csv"},
            "grid": {
                "bounds": [400_000.0, 2_420_000.0, 440_000.0, 2_460_000.0],
                "bounds_crs": "EPSG:32656",
            },
        }
    )
    from seabed.pipeline.inputs import _area_of_interest, build_grid

    frame = build_grid(config, None)
    assert frame.rio.crs.to_epsg() == 32656  # "auto" takes the bounds' CRS
    assert frame.sizes == {"y": 40, "x": 40}
    parts, record = _area_of_interest(config)
    assert parts[0].crs.to_epsg() == 32656
    assert "rectangle" in record["definition"]
    with pytest.raises(ValueError, match="bounds_crs"):
        Config.model_validate(
            {"inputs": {"cores": "c.csv"}, "grid": {"bounds_crs": "EPSG:999999"}}
        )


# --------------------------------------------------------------------------- runs
def survey_config(tmp_path, *, n_cores, seed, grid):
    field = SyntheticField(seed=seed)
    survey = make_survey(n_cores=n_cores, bounds=BOX, seed=seed, field=field)
    cores = tmp_path / "cores.csv"
    survey.samples.to_csv(cores, index=False)
    data = {
        "inputs": {"cores": str(cores)},
        "grid": {"resolution_m": 1000.0} | grid,
        "resource": {"dry_density_t_m3": 0.55},
        "output": {"dir": str(tmp_path / "out"), "report": False},
    }
    return Config.model_validate(data), field


def test_statement_area_and_tonnage_over_a_lon_lat_box(tmp_path):
    """The box's statement: its area is the box's geodesic area (1e-6), its tonnage
    at cut-off 0 within 2 % of the true field's over the box.

    The truth is integrated over the box itself (400 x 400 lon/lat lattice, exact
    ellipsoidal areas), not over the grid's cells. With 250 cores about 2.5 km apart
    in a field of ~30 km range, the estimate's error of the total is the
    interpolation error of the field only; before the area of interest, the whole
    cells of the projected rectangle added 4-5 % of area and tonnes.
    """
    config, field = survey_config(
        tmp_path, n_cores=250, seed=22, grid={"bounds": list(BOX)}
    )
    result = seabed.run(config, progress=False)
    row = result.statement.iloc[0]
    assert row["cutoff_ppm"] == 0
    exact_km2 = box_area_m2(*BOX) / 1e6
    lon_lat_box = bounds_area(BOX).iloc[0]
    pyproj_km2 = abs(GEOD.geometry_area_perimeter(lon_lat_box)[0]) / 1e6
    assert row["area_km2"] == pytest.approx(pyproj_km2, rel=1e-6)
    assert row["area_km2"] == pytest.approx(exact_km2, rel=1e-6)
    truth = true_box_rey_t(field, BOX, 0.55, 10.0)
    assert row["rey_t"] == pytest.approx(truth, rel=0.02)
    # the exclusion table accounts for the box only: nothing is "outside include
    # zones", and the assumptions say what the area of interest is
    assert "outside include zones" not in result.excluded["reason"].tolist()
    aoi = result.assumptions["area_of_interest"]
    assert aoi["area_km2"] == pytest.approx(exact_km2, rel=1e-9)
    assert "153.55" in aoi["definition"]


def test_area_file_and_include_zones_are_both_applied(tmp_path):
    """``[grid] area`` is intersected with the include zones; only the part of the
    area of interest outside the include zones is "outside include zones"."""
    west_half = gpd.GeoDataFrame(
        geometry=[shapely.box(153.55, 21.85, 153.75, 22.2)], crs="EPSG:4326"
    ).segmentize(0.001)
    west_half.to_file(tmp_path / "area.gpkg", layer="aoi")
    north_half = gpd.GeoDataFrame(
        geometry=[shapely.box(153.5, 22.0, 154.0, 22.3)], crs="EPSG:4326"
    ).segmentize(0.001)
    north_half.to_file(tmp_path / "licence.gpkg")
    config, _ = survey_config(
        tmp_path,
        n_cores=60,
        seed=22,
        grid={"bounds": list(BOX), "area": {"path": str(tmp_path / "area.gpkg")}},
    )
    config = Config.model_validate(
        config.to_dict()
        | {
            "inputs": config.inputs.model_dump(mode="json")
            | {"include": [str(tmp_path / "licence.gpkg")]}
        }
    )
    result = seabed.run(config, progress=False)
    available = result.statement.iloc[0]["area_km2"]
    assert available == pytest.approx(
        box_area_m2(153.55, 22.0, 153.75, 22.2) / 1e6, rel=1e-6
    )
    excluded = result.excluded.set_index("reason")
    assert excluded.loc["outside include zones", "area_km2"] == pytest.approx(
        box_area_m2(153.55, 21.85, 153.75, 22.0) / 1e6, rel=1e-6
    )
    assert "area.gpkg" in result.assumptions["area_of_interest"]["definition"]
    # the maps draw the area of interest: the box and the area's polygons
    outlines = result.zone_outlines
    area = outlines[outlines["kind"] == "area"]
    assert list(area["reason"]) == ["area of interest"] * 2
    assert area.geometry.iloc[1].equals_exact(west_half.geometry.iloc[0], 1e-9)
    assert area.geometry.iloc[0].bounds == pytest.approx(BOX)


def test_validate_names_a_missing_area_file(tmp_path):
    from seabed import pipeline

    survey = make_survey(n_cores=5, bounds=BOX, seed=3)
    survey.samples.to_csv(tmp_path / "cores.csv", index=False)
    config = tmp_path / "run.toml"
    config.write_text(
        '[inputs]\ncores = "cores.csv"\n\n'
        '[grid]\nbounds = [153.55, 21.85, 153.95, 22.2]\narea = "missing.gpkg"\n'
    )
    problems = pipeline.validate(config)
    assert len(problems) == 1
    assert "missing.gpkg" in str(problems[0])
