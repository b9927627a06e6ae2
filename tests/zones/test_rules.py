"""Slope and water-depth rules, on synthetic planes of known slope."""

import numpy as np
import pyproj
import pytest
import xarray as xr

from seabed.exceptions import MissingCRSError
from seabed.grid import make_grid
from seabed.zones import depth_rule, slope_deg, slope_rule

GEOD = pyproj.Geod(ellps="WGS84")


def scale_factor(crs, x, y):
    """Point scale factor of a projected CRS at (x, y), from PROJ."""
    lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return pyproj.Proj(crs).get_factors(lon, lat).meridional_scale


def plane_projected(gradient_east, gradient_north, spacing=500.0, crs="EPSG:32656"):
    """A plane in the grid's metres, on UTM zone 56 around its central meridian."""
    x = np.arange(20) * spacing + 495000.0
    y = (np.arange(16) * spacing + 2400000.0)[::-1]
    xx, yy = np.meshgrid(x - x[0], y - y[-1])
    depth = 5500.0 + gradient_east * xx + gradient_north * yy
    return xr.DataArray(depth, coords={"y": y, "x": x}, dims=("y", "x")).rio.write_crs(
        crs
    )


@pytest.mark.parametrize(("ge", "gn"), [(0.05, 0.0), (0.0, 0.12), (0.03, -0.04)])
def test_slope_of_projected_plane(ge, gn):
    da = plane_projected(ge, gn)
    slope = slope_deg(da)
    # the plane rises g metres per grid metre, i.e. g x k per ground metre
    xx, yy = np.meshgrid(da.x.values, da.y.values)
    k = scale_factor("EPSG:32656", xx, yy)
    expected = np.degrees(np.arctan(np.hypot(ge, gn) * k))
    np.testing.assert_allclose(slope.values, expected, rtol=1e-9)
    assert slope.rio.crs == da.rio.crs and slope.attrs["units"] == "degree"


@pytest.mark.filterwarnings("error")
def test_an_infinite_depth_is_no_data_like_nodata():
    da = plane_projected(0.05, 0.0)
    with_inf, with_nan = da.copy(), da.copy()
    with_inf[5, 7], with_nan[5, 7] = np.inf, np.nan
    slope = slope_deg(with_inf)
    np.testing.assert_array_equal(slope.values, slope_deg(with_nan).values)
    # central differences: the cells beside it have no slope
    assert np.isnan(slope.values[5, 6]) and np.isfinite(slope.values[0, 0])


def test_slope_on_web_mercator_uses_ground_distance():
    # Web Mercator stretches distances by 1 / cos(latitude): 1.08 at 22 degrees N, so
    # a plane of 0.1 per map metre is 0.108 per ground metre
    x0, y0 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(
        153.8, 22.0
    )
    x = x0 + np.arange(12) * 1000.0
    y = y0 + np.arange(10)[::-1] * 1000.0
    xx, yy = np.meshgrid(x - x[0], y)
    da = xr.DataArray(5500.0 + 0.1 * xx, coords={"y": y, "x": x}, dims=("y", "x"))
    slope = slope_deg(da.rio.write_crs("EPSG:3857"))
    _, lat = pyproj.Transformer.from_crs(3857, 4326, always_xy=True).transform(
        x0 + 0 * yy, yy
    )
    expected = np.degrees(np.arctan(0.1 / np.cos(np.radians(lat))))
    np.testing.assert_allclose(slope.values, expected, rtol=1e-9)
    assert slope.values.min() > np.degrees(np.arctan(0.1)) + 0.4


def metres_per_degree_of_parallel(lat):
    """Ground length of 0.001 degree of longitude along each parallel, x 1000 (Geod).

    Over 0.001 degree the geodesic and the parallel differ by less than 1e-12.
    """
    _, _, step = GEOD.inv(np.zeros(lat.size), lat, np.full(lat.size, 0.001), lat)
    return np.asarray(step) * 1000.0


def lonlat_surface(per_degree_east, per_metre_north, step=0.01):
    """Depth = a x longitude + b x meridian distance, on a lon/lat grid.

    Its ground gradient is exact and known at every node: a divided by the length of
    a degree of the node's parallel eastwards, b northwards (the meridian is a
    geodesic, so pyproj.Geod gives its length exactly). Returns the surface and its
    slope in degrees.
    """
    lon = np.arange(153.0, 153.5, step)
    lat = np.arange(22.5, 21.9, -step)
    _, _, north_m = GEOD.inv(
        np.zeros(lat.size), np.full(lat.size, lat[-1]), np.zeros(lat.size), lat
    )
    depth = (
        5000.0
        + per_degree_east * (lon - lon[0])[None, :]
        + per_metre_north * np.asarray(north_m)[:, None]
    )
    east = per_degree_east / metres_per_degree_of_parallel(lat)
    slope = np.degrees(np.arctan(np.hypot(east, per_metre_north)))
    da = xr.DataArray(depth, coords={"y": lat, "x": lon}, dims=("y", "x"))
    return da.rio.write_crs("EPSG:4326"), np.broadcast_to(slope[:, None], depth.shape)


@pytest.mark.parametrize(
    ("per_degree", "per_metre"), [(10_000.0, 0.0), (0.0, 0.05), (-2_000.0, 0.07)]
)
def test_slope_of_geographic_surface_uses_ground_distance(per_degree, per_metre):
    surface, expected = lonlat_surface(per_degree, per_metre)
    slope = slope_deg(surface)
    np.testing.assert_allclose(slope.values, expected, rtol=1e-9)
    # a degree of longitude is 0.4 % shorter at 22.5 N than at 21.9 N: the same
    # change of depth per degree is 0.4 % steeper
    if per_metre == 0.0:
        assert slope.values[0, 0] / slope.values[-1, 0] > 1.004


def test_degrees_are_never_taken_for_metres():
    # 10 km per degree east is about 5.5 degrees of slope; read as metres, ~90
    surface, _ = lonlat_surface(10_000.0, 0.0)
    assert float(slope_deg(surface).max()) < 6.0
    assert float(slope_deg(surface.rio.write_crs("EPSG:32656")).min()) > 89.0


def test_flat_seafloor_has_zero_slope():
    assert float(slope_deg(plane_projected(0.0, 0.0)).max()) == 0.0


def test_slope_needs_a_crs():
    with pytest.raises(MissingCRSError, match="no CRS"):
        slope_deg(xr.DataArray(np.zeros((3, 3)), dims=("y", "x")))


@pytest.fixture(scope="module")
def grid():
    return make_grid((153.1, 22.0, 153.4, 22.4), 2000.0)


def test_slope_rule_excludes_whole_cells_on_steep_ground(grid):
    # a roof: flat west of 153.25 E, about 10 degrees east of it
    surface, _ = lonlat_surface(18_500.0, 0.0, step=0.005)
    roof = surface.where(surface.x > 153.25, 5000.0).rio.write_crs("EPSG:4326")
    steep = slope_deg(roof).values[:, roof.x.values > 153.26]
    assert steep.min() > 9.9 and steep.max() < 10.4
    excluded = slope_rule(grid, roof, max_slope_deg=7.0)
    east = grid.lon.values > 153.26  # a cell away from the ridge, both sides
    west = grid.lon.values < 153.24
    assert excluded.values[east].min() == 1.0 and excluded.values[west].max() == 0.0
    assert set(np.unique(excluded.values)) <= {0.0, 1.0}
    assert float(slope_rule(grid, roof, max_slope_deg=10.5).max()) == 0.0


def test_depth_rule_keeps_the_operating_window(grid):
    # water depth grows 1 m per 100 m southwards, 5,500 m at 21.91 N
    surface, _ = lonlat_surface(0.0, -0.01)
    surface = surface + 500.0
    outside = depth_rule(grid, surface, (5050.0, 5400.0))
    at_cells = surface.interp(x=xr.DataArray(grid.lon), y=xr.DataArray(grid.lat))
    inside = (at_cells >= 5050.0) & (at_cells <= 5400.0)
    np.testing.assert_array_equal(outside.values, (~inside).values.astype(float))
    assert 0 < float(outside.mean()) < 1
