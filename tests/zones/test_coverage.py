"""Tests of seabed.zones.coverage: exact coverage fractions and the zone accounting."""

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
import xarray as xr

from seabed.exceptions import InputError, MissingCRSError, SeabedWarning
from seabed.grid import make_grid
from seabed.zones import (
    OUTSIDE_REPORT_ZONES,
    coverage_fraction,
    load_report_zones,
    report_zone_coverage,
    zone_coverage,
)

GEOD = pyproj.Geod(ellps="WGS84")
UTM56 = pyproj.CRS.from_epsg(32656)


def local_grid(nx=70, ny=45, resolution=100.0, x0=600_000.0, y0=2_430_000.0):
    """A small UTM grid built directly from its bounds (several 32-cell blocks)."""
    bounds = (x0, y0, x0 + nx * resolution, y0 + ny * resolution)
    return make_grid(bounds, resolution, crs=UTM56, bounds_crs=UTM56)


def brute_force(polygon, grid):
    """Coverage by intersecting every cell with the polygon (slow, obviously right)."""
    half = grid.attrs["resolution_m"] / 2
    xx, yy = np.meshgrid(grid.x.values, grid.y.values)
    cells = shapely.box(xx - half, yy - half, xx + half, yy + half)
    return shapely.area(shapely.intersection(cells, polygon)) / (2 * half) ** 2


def geodesic_circle(lon, lat, radius_m, n=3600):
    azimuths = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(n, lon), np.full(n, lat), azimuths, np.full(n, radius_m)
    )
    return shapely.Polygon(np.c_[lons, lats])


def geodesic_area_m2(polygon):
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(polygon))
    return area


@pytest.fixture(scope="module")
def tricky_polygon():
    """A star with a hole, a second part, an edge on grid lines, and parts outside."""
    angle = np.linspace(0, 2 * np.pi, 41)[:-1]
    radius = np.where(np.arange(40) % 2 == 0, 2100.0, 900.0)
    star = shapely.Polygon(
        np.c_[603_500 + radius * np.cos(angle), 2_432_200 + radius * np.sin(angle)]
    )
    star = star.difference(shapely.Point(603_500, 2_432_200).buffer(400.0))
    on_lines = shapely.box(606_000.0, 2_430_000.0, 606_700.0, 2_433_000.0)
    beyond = shapely.box(605_000.0, 2_434_000.0, 608_000.0, 2_436_000.0)  # crosses top
    return shapely.union_all([star, on_lines, beyond])


def test_coverage_matches_per_cell_intersection(tricky_polygon):
    grid = local_grid()
    fraction = coverage_fraction(tricky_polygon, grid)
    expected = brute_force(tricky_polygon, grid)
    np.testing.assert_allclose(fraction, expected, rtol=0, atol=1e-10)
    assert fraction.shape == (45, 70)
    # Both kinds of whole cells and partial cells occur.
    assert (fraction == 1).sum() > 100 and (fraction == 0).sum() > 100
    assert ((fraction > 0) & (fraction < 1)).sum() > 100


def test_coverage_accepts_geodataframe_in_grid_crs(tricky_polygon):
    grid = local_grid()
    parts = gpd.GeoDataFrame(
        geometry=list(shapely.get_parts(tricky_polygon)), crs=UTM56
    )
    np.testing.assert_allclose(
        coverage_fraction(parts, grid), brute_force(tricky_polygon, grid), atol=1e-10
    )


def test_overlapping_features_count_once():
    grid = local_grid(nx=10, ny=10)
    a = shapely.box(600_000.0, 2_430_000.0, 600_550.0, 2_431_000.0)
    b = shapely.box(600_250.0, 2_430_000.0, 600_800.0, 2_431_000.0)
    fraction = coverage_fraction(gpd.GeoSeries([a, b], crs=UTM56), grid)
    assert fraction.sum() == pytest.approx(80.0)  # 800 m x 1000 m of 100 m cells
    assert fraction.max() == 1.0


def scale_error_bound(fraction, grid, truth_m2):
    """Relative error bound of an area summed from exact planar fractions.

    The fraction of a cell is exact in the projected plane; the only error is that a
    partial cell's area is scaled by the whole cell's mean areal scale instead of its
    own part's. That is at most (number of partial cells) x (relative change of cell
    area from one cell to the next) x (cell area), all read from the grid itself.
    """
    cell_area = grid.cell_area_m2.values
    step_along_y = np.abs(np.diff(cell_area, axis=0)).max()
    step_along_x = np.abs(np.diff(cell_area, axis=1)).max()
    relative_step = max(step_along_y, step_along_x) / cell_area.min()
    partial_cells = int(((fraction > 0) & (fraction < 1)).sum())
    return partial_cells * relative_step * cell_area.max() / truth_m2


def test_geodesic_circle_area_is_recovered():
    """A 20 km geodesic circle (3,600 vertices from Geod.fwd) on a 1 km UTM grid."""
    circle = geodesic_circle(153.8, 22.0, 20_000.0)
    grid = make_grid(circle.buffer(0.05).bounds, 1000.0)
    zones = gpd.GeoSeries([circle], crs=4326)
    cover = zone_coverage(grid, exclude=[("vent buffer", zones)])
    excluded = cover.excluded_fraction.sel(reason="vent buffer").values
    area = float((excluded * grid.cell_area_m2.values).sum())
    truth = geodesic_area_m2(circle)
    assert truth == pytest.approx(np.pi * 20_000.0**2, rel=1e-3)

    tolerance = scale_error_bound(excluded, grid, truth)
    assert 1e-7 < tolerance < 1e-5  # about 7e-7: a real bound, not a vacuous one
    assert area == pytest.approx(truth, rel=tolerance)
    # Achieved: about 5e-9, as errors on opposite sides of the circle cancel.
    assert abs(area / truth - 1) < 1e-8


def test_lon_lat_box_with_curved_edges():
    """Takaya et al.'s box, given by its 4 corners, on a 1 km UTM grid.

    Its edges along parallels are curved in UTM; the zone is densified before it is
    reprojected. Without that, each 63-km edge would be a straight chord up to ~30 m
    off the parallel and the area would be 5e-7 off, above what is asserted below.
    """
    west, south, east, north = 153.5, 21.8, 153.5 + 37 / 60, 22.25
    box = shapely.box(west, south, east, north)
    grid = make_grid((west - 0.05, south - 0.05, east + 0.05, north + 0.05), 1000.0)
    fraction = coverage_fraction(gpd.GeoSeries([box], crs=4326), grid)
    area = float((fraction * grid.cell_area_m2.values).sum())
    truth = geodesic_area_m2(shapely.segmentize(box, 0.0005))
    assert 3170e6 < truth < 3180e6  # not the 2,500 km2 of the paper's label
    assert area == pytest.approx(truth, rel=scale_error_bound(fraction, grid, truth))
    assert abs(area / truth - 1) < 1e-8  # achieved: about 3e-9


def test_zone_accounting_invariants():
    grid = make_grid((153.4, 21.7, 154.2, 22.4), 1000.0)
    licence = geodesic_circle(153.8, 22.05, 30_000.0, n=720)
    mpa = shapely.box(153.55, 21.9, 153.85, 22.15)
    seamount = geodesic_circle(153.9, 22.1, 12_000.0, n=720)  # overlaps the MPA
    cable = shapely.LineString([(153.5, 22.0), (154.0, 22.0)])  # unbuffered: no area
    in_wgs84 = lambda *g: gpd.GeoSeries(list(g), crs=4326)  # noqa: E731
    cover = zone_coverage(
        grid,
        include=[in_wgs84(licence)],
        exclude=[
            ("protected area", in_wgs84(mpa)),
            ("seamount", in_wgs84(seamount)),
            ("cable", in_wgs84(cable)),
        ],
    )
    area = grid.cell_area_m2.values
    km2 = lambda f: float((np.asarray(f) * area).sum()) / 1e6  # noqa: E731
    included = km2(cover.included_fraction)
    available = km2(cover.available_fraction)
    union = shapely.union_all([mpa, seamount])
    inside_excluded = km2(
        coverage_fraction(in_wgs84(licence.intersection(union)), grid)
    )

    assert list(cover.reason.values) == ["protected area", "seamount", "cable"]
    assert cover.attrs["include_zones"] == 1
    assert included == pytest.approx(available + inside_excluded, rel=1e-9)
    assert included + km2(cover.outside_include_fraction) == pytest.approx(
        area.sum() / 1e6, rel=1e-9
    )
    per_reason = [
        km2(cover.excluded_fraction.sel(reason=r)) for r in cover.reason.values
    ]
    overlap = km2(coverage_fraction(in_wgs84(licence & mpa & seamount), grid))
    assert overlap > 10  # the test needs a real overlap
    assert sum(per_reason) == pytest.approx(inside_excluded + overlap, rel=1e-9)
    assert per_reason[2] == 0.0
    for name in cover.data_vars:
        assert cover[name].attrs["units"] == "1" and cover[name].attrs["long_name"]
        assert float(cover[name].min()) >= 0 and float(cover[name].max()) <= 1
    assert cover.rio.crs == grid.rio.crs


def test_zone_coverage_without_include_and_with_shared_reasons():
    grid = local_grid(nx=20, ny=10)
    left = gpd.GeoSeries(
        [shapely.box(600_000.0, 2_430_000.0, 600_500.0, 2_431_000.0)], crs=UTM56
    )
    right = gpd.GeoSeries(
        [shapely.box(601_500.0, 2_430_000.0, 602_000.0, 2_431_000.0)], crs=UTM56
    )
    cover = zone_coverage(grid, exclude=[("mpa", left), ("mpa", right)])
    assert cover.attrs["include_zones"] == 0
    assert list(cover.reason.values) == ["mpa"]
    assert np.all(cover.included_fraction == 1) and np.all(
        cover.outside_include_fraction == 0
    )
    assert float(cover.excluded_fraction.sum()) == pytest.approx(100.0)
    assert float(cover.available_fraction.sum()) == pytest.approx(100.0)

    empty = zone_coverage(grid)
    assert empty.sizes["reason"] == 0
    assert np.all(empty.available_fraction == 1)


def test_points_and_lines_have_no_area():
    grid = local_grid(nx=10, ny=10)
    zones = gpd.GeoSeries(
        [
            shapely.Point(600_450.0, 2_430_450.0),
            shapely.LineString([(600_000.0, 2_430_000.0), (601_000.0, 2_431_000.0)]),
        ],
        crs=UTM56,
    )
    assert coverage_fraction(zones, grid).sum() == 0.0


def test_zone_outside_grid_and_empty_zone():
    grid = local_grid(nx=10, ny=10)
    far = gpd.GeoSeries([shapely.box(0.0, 0.0, 10.0, 10.0)], crs=UTM56)
    assert coverage_fraction(far, grid).sum() == 0.0
    assert coverage_fraction(shapely.Polygon(), grid).sum() == 0.0


def test_invalid_geometry_is_repaired_with_a_warning():
    grid = local_grid(nx=10, ny=10)
    bowtie = shapely.Polygon(
        [
            (600_000, 2_430_000),
            (601_000, 2_431_000),
            (601_000, 2_430_000),
            (600_000, 2_431_000),
        ]
    )
    with pytest.warns(SeabedWarning, match="invalid"):
        fraction = coverage_fraction(gpd.GeoSeries([bowtie], crs=UTM56), grid)
    assert fraction.sum() == pytest.approx(50.0)  # two triangles, half the square


def test_a_box_made_invalid_by_the_projection_is_repaired_without_a_word():
    # a box up to the pole: its northern edge is one point in a polar projection
    import warnings

    grid = make_grid((0.0, 89.0, 4.0, 89.5), 2000.0, crs="EPSG:32661")
    cap = gpd.GeoSeries([shapely.box(-180.0, 89.0, 180.0, 90.0)], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeabedWarning)
        fraction = coverage_fraction(cap.segmentize(1.0), grid)
    # the cells of the box asked for lie inside the cap (the grid's corners
    # reach below 89 N)
    rows, columns = fraction.shape
    assert float(fraction[rows // 2, columns // 2]) == pytest.approx(1.0)
    assert 0.0 < float(fraction.min()) < 1.0


def test_missing_crs_and_bad_arguments_are_named():
    grid = local_grid(nx=4, ny=4)
    no_crs = gpd.GeoSeries([shapely.box(0, 0, 1, 1)])
    with pytest.raises(MissingCRSError, match="no CRS"):
        coverage_fraction(no_crs, grid)
    bare = xr.Dataset(coords={"y": [1.5, 0.5], "x": [0.5, 1.5]})
    with pytest.raises(MissingCRSError, match="grid"):
        coverage_fraction(shapely.box(0, 0, 1, 1), bare)
    with pytest.raises(InputError, match="not a \\(reason, zones\\) pair"):
        zone_coverage(grid, exclude=[no_crs])
    with pytest.raises(InputError, match="empty reason"):
        zone_coverage(grid, exclude=[(" ", no_crs)])


def test_million_cell_grid_eez_area():
    """Coverage of a 200-nmi circle on a 1000 x 1000 grid (template without areas)."""
    x = 175_000.0 + 850.0 * np.arange(1000) + 425.0
    y = 3_110_000.0 - 850.0 * np.arange(1000) - 425.0
    grid = xr.Dataset(coords={"x": x, "y": y}).rio.write_crs(UTM56)
    eez = gpd.GeoSeries([geodesic_circle(153.98, 24.29, 370_400.0, n=360)], crs=4326)
    fraction = coverage_fraction(eez, grid)
    # Planar area of the projected circle: the geodesic 430,871 km2 to within the
    # UTM scale factor (0.9996 to about 1.0015 here).
    assert fraction.sum() * 0.85**2 == pytest.approx(430_871.0, rel=3e-3)


# ---------------------------------------------------------------------- report zones
def lonlat_squares(box, rows, columns, segments=20):
    """A lon/lat box cut into named squares (A1 ...), edges along the graticule."""
    lon = np.linspace(box[0], box[2], columns + 1)
    lat = np.linspace(box[3], box[1], rows + 1)
    names, squares = [], []
    for i in range(rows):
        for j in range(columns):
            square = shapely.box(lon[j], lat[i + 1], lon[j + 1], lat[i])
            squares.append(shapely.segmentize(square, (lon[1] - lon[0]) / segments))
            names.append(f"{'ABCD'[i]}{j + 1}")
    return gpd.GeoDataFrame({"name": names}, geometry=squares, crs=4326)


def test_report_zone_shares_give_geodesic_areas():
    box = (153.6, 21.9, 153.8, 22.05)
    grid = make_grid((153.55, 21.85, 153.85, 22.1), 1000.0)
    squares = lonlat_squares(box, 2, 3)
    # the available area: inside a tilted licence, outside a geodesic 4 km circle
    licence = shapely.Polygon(
        [(153.58, 21.93), (153.78, 21.88), (153.83, 22.03), (153.62, 22.08)]
    )
    licence = shapely.segmentize(licence, 0.002)
    mpa = geodesic_circle(153.7, 21.97, 4000.0)
    include = [gpd.GeoSeries([licence], crs=4326)]
    exclude = [("protected area", gpd.GeoSeries([mpa], crs=4326))]
    cover = zone_coverage(grid, include=include, exclude=exclude)
    shares = report_zone_coverage(grid, squares, include=include, exclude=exclude)
    assert shares.zone.values.tolist() == [*squares.name, OUTSIDE_REPORT_ZONES]
    available_m2 = (grid.cell_area_m2 * cover.available_fraction).values
    for name, square in zip(squares.name, squares.geometry):
        expected = geodesic_area_m2(square.intersection(licence).difference(mpa))
        got = float((available_m2 * shares.sel(zone=name).values).sum())
        assert got == pytest.approx(expected, rel=1e-6), name
    # the shares of a cell's available area add up to one
    total = shares.sum("zone").values[available_m2 > 0]
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    assert shares.attrs["overlapping"] == 0
    outside = licence.difference(squares.union_all()).difference(mpa)
    got = float((available_m2 * shares.sel(zone=OUTSIDE_REPORT_ZONES).values).sum())
    assert got == pytest.approx(geodesic_area_m2(outside), rel=1e-6)


def test_overlapping_report_zones_are_flagged():
    grid = local_grid(nx=10, ny=10)
    x0, y0 = 600_000.0, 2_430_000.0
    zones = gpd.GeoDataFrame(
        {"block": ["a", "b", "a"]},
        geometry=[
            shapely.box(x0, y0, x0 + 600, y0 + 600),
            shapely.box(x0 + 300, y0, x0 + 900, y0 + 600),
            shapely.box(x0, y0 + 800, x0 + 200, y0 + 1000),  # a second part of "a"
        ],
        crs=UTM56,
    )
    shares = report_zone_coverage(grid, zones, name_column="block")
    assert shares.zone.values.tolist() == ["a", "b", OUTSIDE_REPORT_ZONES]
    assert shares.attrs["overlapping"] == 1
    area = lambda zone: float(shares.sel(zone=zone).sum()) * 100.0**2  # noqa: E731
    assert area("a") == pytest.approx(600 * 600 + 200 * 200)
    assert area(OUTSIDE_REPORT_ZONES) == pytest.approx(1000 * 1000 - 900 * 600 - 200**2)
    with pytest.raises(InputError, match="no column 'name'"):
        report_zone_coverage(grid, zones)


def test_load_report_zones(tmp_path):
    squares = lonlat_squares((153.6, 21.9, 153.8, 22.05), 2, 2)
    path = tmp_path / "blocks.gpkg"
    squares.assign(licence=["L1", "L1", "L2", "L3"]).to_file(path, layer="blocks")
    loaded = load_report_zones(path, layer="blocks", name_column="licence")
    assert loaded.name.tolist() == ["L1", "L1", "L2", "L3"]
    assert loaded.crs.to_epsg() == 4326 and list(loaded.columns) == ["name", "geometry"]
    with pytest.raises(InputError, match=r"blocks\.gpkg.*no column 'owner'.*licence"):
        load_report_zones(path, name_column="owner")
    squares.assign(name=["A", None, "B", "C"]).to_file(tmp_path / "gap.gpkg")
    with pytest.raises(InputError, match=r"row 2.*no name"):
        load_report_zones(tmp_path / "gap.gpkg")


def test_cells_near_the_boundary_include_every_cell_it_touches(tricky_polygon):
    """Only the cells within a boundary segment's envelope are tested against the
    boundary: they must include every cell it touches (edges along grid lines and
    corners included), on both the rising x and the falling y edges."""
    from seabed.zones.coverage import (
        _boundary_segments,
        _CellLayout,
        _cells_near,
        _touching,
    )

    layout = _CellLayout.from_grid(local_grid())
    assert (
        layout.x_edges[1] > layout.x_edges[0] and layout.y_edges[1] < layout.y_edges[0]
    )
    polygon = shapely.intersection(tricky_polygon, layout.extent)
    tree = shapely.STRtree(_boundary_segments(polygon, layout.cell_side))
    rows, cols = np.indices(layout.shape).reshape(2, -1)
    touched = np.flatnonzero(_touching(tree, layout.boxes(rows, cols)))
    near = _cells_near(tree, layout)
    assert np.isin(touched, near).all()
    assert near.size < 1.25 * touched.size  # not every cell: the point of it


def test_coverage_shares_the_grids_coordinates(tricky_polygon):
    """The coverage of a block of rows carries the grid's lon/lat and CRS without
    copying them (rioxarray's write_crs copies the whole dataset unless in place:
    three arrays of the block's size per call), and leaves the grid as it was."""
    grid = local_grid()
    before = grid.copy(deep=True)
    coverage = zone_coverage(grid, include=tricky_polygon)
    assert np.shares_memory(coverage["lon"].values, grid["lon"].values)
    assert coverage.rio.crs == grid.rio.crs
    assert coverage.rio.transform() == grid.rio.transform()
    assert coverage["available_fraction"].rio.crs == grid.rio.crs
    xr.testing.assert_identical(grid, before)
