"""Tests of seabed.grid: UTM choice, snapping, CF/CRS metadata and geodesic cell areas."""

from itertools import pairwise

import numpy as np
import pyproj
import pytest

import seabed.grid as grid_module
from seabed.exceptions import ConfigError, InputError
from seabed.grid import (
    bounds_from_points,
    linear_scale_range,
    make_grid,
    resolve_crs,
    utm_crs,
)

GEOD = pyproj.Geod(ellps="WGS84")
TAKAYA_BOX = (153.5, 21.8, 153.5 + 37 / 60, 22.25)  # 21°48'-22°15'N, 153°30'-154°07'E


def outline_area_m2(x_min, y_min, x_max, y_max, crs, points_per_edge=64):
    """Geodesic area of a projected rectangle, its edges densified before unprojecting."""
    t = np.linspace(0.0, 1.0, points_per_edge, endpoint=False)
    x = np.concatenate(
        [
            x_min + t * (x_max - x_min),
            np.full_like(t, x_max),
            x_max - t * (x_max - x_min),
            np.full_like(t, x_min),
        ]
    )
    y = np.concatenate(
        [
            np.full_like(t, y_min),
            y_min + t * (y_max - y_min),
            np.full_like(t, y_max),
            y_max - t * (y_max - y_min),
        ]
    )
    lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    area, _ = GEOD.polygon_area_perimeter(lon, lat)
    return abs(area)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (153.98, 24.29, 32656),
        (-70.0, -33.4, 32719),
        (-180.0, 10.0, 32601),
        (179.99, 10.0, 32660),
        (3.0, 0.0, 32631),
        (2.999, -0.001, 32731),
    ],
)
def test_utm_crs_zone_and_hemisphere(lon, lat, epsg):
    assert utm_crs(lon, lat).to_epsg() == epsg


def test_utm_crs_rejects_polar_and_bad_points():
    with pytest.raises(ConfigError, match="outside the UTM system") as north:
        utm_crs(0.0, 85.123456)
    assert "latitude 85.12 " in str(north.value) and "'EPSG:32661'" in str(north.value)
    with pytest.raises(ConfigError, match="'EPSG:32761'"):
        utm_crs(0.0, -81.0)
    with pytest.raises(ConfigError, match="not a longitude/latitude"):
        utm_crs(600.0, 0.0)
    with pytest.raises(ConfigError, match="not a longitude/latitude"):
        utm_crs(float("nan"), 0.0)


def test_utm_crs_takes_longitudes_past_180_modulo_360():
    assert utm_crs(200.0, 0.0) == utm_crs(-160.0, 0.0)
    assert utm_crs(180.5, -16.0).to_epsg() == 32701


def test_resolve_crs_auto_and_explicit():
    assert resolve_crs("auto", [153.5, 154.1], [21.8, 22.3]).to_epsg() == 32656
    assert resolve_crs("AUTO", 153.9, -22.0).to_epsg() == 32756
    assert resolve_crs("EPSG:32655", 0.0, 0.0).to_epsg() == 32655
    assert resolve_crs(pyproj.CRS(6933), 0.0, 0.0).to_epsg() == 6933


@pytest.mark.parametrize(
    ("crs", "message"),
    [
        ("EPSG:4326", "not a projected CRS in metres"),
        ("EPSG:2227", "not a projected CRS in metres"),  # US survey feet
        ("EPSG:999999", "unknown CRS"),
        ("not a crs", "unknown CRS"),
    ],
)
def test_resolve_crs_rejects_unsuitable_crs(crs, message):
    with pytest.raises(ConfigError, match=message) as err:
        resolve_crs(crs, 153.9, 22.0)
    assert "grid.crs" in str(err.value)


def test_make_grid_layout_is_north_up_snapped_and_covers_bounds():
    grid = make_grid(TAKAYA_BOX, 1000.0)
    crs = grid.rio.crs
    assert crs.to_epsg() == 32656
    assert tuple(grid.cell_area_m2.dims) == ("y", "x")
    assert np.all(np.diff(grid.y) == -1000.0) and np.all(np.diff(grid.x) == 1000.0)
    # Centres sit half a cell off multiples of the resolution: snapped origin.
    assert np.all(np.mod(grid.x.values, 1000.0) == 500.0)
    assert np.all(np.mod(grid.y.values, 1000.0) == 500.0)
    # The grid covers the densified projected bounds, by less than a cell per side.
    to_grid = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x_min, y_min, x_max, y_max = to_grid.transform_bounds(*TAKAYA_BOX, densify_pts=21)
    left, bottom, right, top = grid.rio.bounds()
    assert left <= x_min < left + 1000 and right - 1000 < x_max <= right
    assert bottom <= y_min < bottom + 1000 and top - 1000 < y_max <= top
    transform = grid.rio.transform()
    assert (transform.a, transform.e, transform.c, transform.f) == (
        1000.0,
        -1000.0,
        left,
        top,
    )


def test_make_grid_is_reproducible_across_overlapping_bounds():
    a = make_grid((153.5, 21.8, 154.0, 22.2), 500.0)
    b = make_grid((153.6, 21.9, 154.1, 22.3), 500.0)
    shared_x = np.intersect1d(a.x.values, b.x.values)
    shared_y = np.intersect1d(a.y.values, b.y.values)
    assert shared_x.size > 50 and shared_y.size > 50
    np.testing.assert_array_equal(
        a.cell_area_m2.sel(x=shared_x, y=shared_y[::-1]),
        b.cell_area_m2.sel(x=shared_x, y=shared_y[::-1]),
    )


def test_make_grid_metadata_is_cf_and_georeferenced():
    grid = make_grid(TAKAYA_BOX, 2000.0)
    for name in ("x", "y", "lon", "lat", "cell_area_m2"):
        assert grid[name].attrs["units"] and grid[name].attrs["long_name"]
    assert grid.cell_area_m2.attrs["units"] == "m2"
    assert grid.cell_area_m2.attrs["AREA_OR_POINT"] == "Area"
    assert grid.lon.dims == ("y", "x") and grid.lat.attrs["units"] == "degrees_north"
    assert "spatial_ref" in grid.coords
    # lon/lat are the centres unprojected.
    to_grid = pyproj.Transformer.from_crs(4326, grid.rio.crs, always_xy=True)
    x, y = to_grid.transform(grid.lon.values[3, 7], grid.lat.values[3, 7])
    assert x == pytest.approx(grid.x.values[7], abs=1e-6)
    assert y == pytest.approx(grid.y.values[3], abs=1e-6)


@pytest.mark.parametrize("resolution", [250.0, 1000.0, 10000.0])
@pytest.mark.parametrize(
    "lon", [153.05, 155.9]
)  # on the central meridian; near the edge
def test_cell_area_matches_geodesic_area_of_densified_cell(resolution, lon):
    """Each cell's area equals the geodesic area of its outline to 1e-9 (2 x 2
    Gauss rule above 250 m cells, the midpoint below)."""
    crs = pyproj.CRS.from_epsg(32656)
    x_c, y_c = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(
        lon, 22.0
    )
    bounds = (x_c, y_c, x_c + 3 * resolution, y_c + 2 * resolution)
    grid = make_grid(bounds, resolution, crs=crs, bounds_crs=crs)
    half = resolution / 2
    for (row, col), area in np.ndenumerate(grid.cell_area_m2.values):
        x, y = grid.x.values[col], grid.y.values[row]
        expected = outline_area_m2(x - half, y - half, x + half, y + half, crs)
        assert area == pytest.approx(expected, rel=1e-9)
    # Near the zone's edge the planar area is visibly wrong (scale factor ~1.0006).
    planar_error = resolution**2 / grid.cell_area_m2.values.mean() - 1
    assert abs(planar_error) > (5e-4 if lon > 155 else 3e-4)


def test_total_area_of_a_geographic_box_grid():
    """The grid's total equals the geodesic area of its whole outline (1e-9)."""
    grid = make_grid(TAKAYA_BOX, 1000.0)
    left, bottom, right, top = grid.rio.bounds()
    expected = outline_area_m2(left, bottom, right, top, grid.rio.crs, 2000)
    assert float(grid.cell_area_m2.sum()) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("resolution", [0.0, -5.0, float("nan"), "fine"])
def test_make_grid_rejects_bad_resolution(resolution):
    with pytest.raises(ConfigError, match=r"grid\.resolution_m"):
        make_grid(TAKAYA_BOX, resolution)


@pytest.mark.parametrize(
    "bounds",
    [
        (154.1, 21.8, 153.5, 22.25),
        (153.5, 22.25, 154.1, 21.8),
        (153.5, 21.8, 153.5, 22),
        (153.5, 21.8, 154.1),
        (153.5, float("nan"), 154.1, 22.0),
    ],
)
def test_make_grid_rejects_bad_bounds(bounds):
    with pytest.raises(ConfigError, match=r"grid\.bounds"):
        make_grid(bounds, 1000.0)


def test_make_grid_rejects_huge_grid_before_allocating():
    with pytest.raises(ConfigError, match="more than 1,000,000,000"):
        make_grid(TAKAYA_BOX, 0.5)


def test_bounds_from_points_adds_geodesic_margin():
    lon = np.array([153.6, 154.0, 153.8])
    lat = np.array([21.9, 22.1, 22.2])
    west, south, east, north = bounds_from_points(lon, lat, 10_000.0)
    # North/south: the margin along the meridian from the extreme points.
    assert GEOD.inv(153.8, 22.2, 153.8, north)[2] == pytest.approx(10_000.0, rel=1e-6)
    assert GEOD.inv(153.6, 21.9, 153.6, south)[2] == pytest.approx(10_000.0, rel=1e-6)
    # East/west: the 10 km circle around the extreme point just reaches the bound.
    assert GEOD.inv(154.0, 22.1, east, 22.1)[2] == pytest.approx(10_000.0, rel=1e-3)
    assert GEOD.inv(153.6, 21.9, west, 21.9)[2] == pytest.approx(10_000.0, rel=1e-3)
    assert bounds_from_points(lon, lat, 0.0) == pytest.approx(
        (153.6, 21.9, 154.0, 22.2)
    )


def test_bounds_from_points_rejects_bad_input():
    with pytest.raises(InputError, match="row 2"):
        bounds_from_points([153.0, 200.0], [22.0, 22.0], 1000.0)
    with pytest.raises(InputError):
        bounds_from_points([], [], 1000.0)
    with pytest.raises(ConfigError, match="margin_m"):
        bounds_from_points([153.0], [22.0], -1.0)


@pytest.mark.parametrize("resolution", [25.0, 100.0, 250.0])
def test_fine_cells_take_the_midpoint_rule_within_2e10(resolution, monkeypatch):
    """Below 250 m the midpoint rule stands in for the 2 x 2 Gauss rule; the
    geodesic outline of so small a cell is itself only good to about 1e-9."""
    crs = pyproj.CRS.from_epsg(32656)
    x_c, y_c = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(
        155.9, 22.0
    )
    bounds = (x_c, y_c, x_c + 3 * resolution, y_c + 2 * resolution)
    midpoint = make_grid(bounds, resolution, crs=crs, bounds_crs=crs).cell_area_m2
    monkeypatch.setattr(grid_module, "_MIDPOINT_MAX_SIDE_M", 0.0)
    gauss = make_grid(bounds, resolution, crs=crs, bounds_crs=crs).cell_area_m2
    np.testing.assert_allclose(midpoint, gauss, rtol=2e-10)
    assert not np.array_equal(midpoint, gauss)  # the rules did differ


def _proj_cell_areas(grid):
    """Each cell's area by the midpoint rule, PROJ's areal scale at its centre."""
    crs = grid.rio.crs
    xx, yy = np.meshgrid(grid.x.values, grid.y.values)
    lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(xx, yy)
    scale = np.asarray(pyproj.Proj(crs).get_factors(lon, lat).areal_scale)
    return float(grid.attrs["resolution_m"]) ** 2 / scale


@pytest.mark.parametrize("lon", [150.5, 153.05, 155.9])
def test_fine_cells_interpolate_projs_scale_to_1e10(lon):
    """Below 1 km the areal scale comes from knots 2 km apart, interpolated by
    cubics: every cell within 1e-10 of PROJ's own value at its centre."""
    crs = pyproj.CRS.from_epsg(32656)
    x_c, y_c = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(
        lon, 21.0
    )
    bounds = (x_c, y_c, x_c + 23_000.0, y_c + 9_000.0)
    grid = make_grid(bounds, 79.0, crs=crs, bounds_crs=crs)
    np.testing.assert_allclose(grid.cell_area_m2, _proj_cell_areas(grid), rtol=1e-10)


def test_fine_cells_in_blocks_of_rows_equal_the_whole_grid():
    """A cell's knots are anchored to the CRS, not to the rows asked for."""
    bounds = (153.5, 21.8, 153.75, 21.95)
    whole = make_grid(bounds, 97.0)
    frame = make_grid(bounds, 97.0, frame_only=True)
    edges = [0, 1, 7, 40, 41, whole.sizes["y"]]
    parts = [grid_module.grid_rows(frame, a, b) for a, b in pairwise(edges)]
    joined = np.concatenate([p.cell_area_m2.values for p in parts])
    assert np.array_equal(joined, whole.cell_area_m2.values)


def test_cells_the_interpolation_misses_are_computed_by_proj(monkeypatch):
    """Where the cubic misses PROJ at a knot cell's centre (a projection's edge),
    that cell's points are computed one by one: with no tolerance, all of them."""
    monkeypatch.setattr(grid_module, "_SCALE_CHECK", -1.0)
    grid = make_grid((153.5, 21.8, 153.6, 21.9), 150.0)
    np.testing.assert_allclose(grid.cell_area_m2, _proj_cell_areas(grid), rtol=1e-15)


def test_linear_scale_range_of_a_grid_in_its_own_and_a_far_utm_zone():
    box = (153.5, 21.8, 154.5, 22.8)
    own = make_grid(box, 2000.0)
    low, high = linear_scale_range(own)
    assert 0.9996 <= low <= high < 1.0001  # UTM: 0.9996 on the central meridian
    # zone 1N's central meridian is 177 W, 29 degrees of longitude away
    far = make_grid(box, 2000.0, crs="EPSG:32601")
    low, high = linear_scale_range(far)
    # every cell centre, through PROJ: the scale grows away from the central
    # meridian, so its extremes are at the grid's corners, which the 9 x 9 holds
    xx, yy = np.meshgrid(far["x"].values, far["y"].values)
    lon, lat = pyproj.Transformer.from_crs(32601, 4326, always_xy=True).transform(
        xx.ravel(), yy.ravel()
    )
    every = pyproj.Proj("EPSG:32601").get_factors(lon, lat)
    assert low == pytest.approx(min(every.tissot_semiminor), rel=1e-12)
    assert high == pytest.approx(max(every.tissot_semimajor), rel=1e-12)
    assert high / low > 1.003  # 29 to 30 degrees from the meridian: +12.0 to +12.4 %
    # the same places measured in another CRS
    assert linear_scale_range(far, own.rio.crs) == pytest.approx(
        linear_scale_range(own), abs=1e-4
    )
