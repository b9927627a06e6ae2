"""Slope and water-depth rules, on synthetic planes of known slope."""

import numpy as np
import pyproj
import pytest
import xarray as xr

from seabed.rules import slope_deg


def plane_projected(gradient_east, gradient_north, spacing=500.0):
    x = np.arange(20) * spacing + 400000.0
    y = (np.arange(16) * spacing + 2400000.0)[::-1]
    xx, yy = np.meshgrid(x - x[0], y - y[-1])
    depth = 5500.0 + gradient_east * xx + gradient_north * yy
    return xr.DataArray(depth, coords={"y": y, "x": x}, dims=("y", "x")).rio.write_crs(
        "EPSG:32656"
    )


@pytest.mark.parametrize(("ge", "gn"), [(0.05, 0.0), (0.0, 0.12), (0.03, -0.04)])
def test_slope_of_projected_plane(ge, gn):
    slope = slope_deg(plane_projected(ge, gn))
    expected = np.degrees(np.arctan(np.hypot(ge, gn)))
    np.testing.assert_allclose(slope.values, expected, rtol=1e-12)


def test_slope_of_geographic_plane_uses_ground_distance():
    # depth rises 100 m per geodesic km eastwards: 5.71 degrees at every latitude,
    # although a degree of longitude is shorter in metres further north
    lon = np.arange(153.0, 154.0, 0.01)
    lat = np.arange(22.5, 21.5, -0.01)
    geod = pyproj.Geod(ellps="WGS84")
    rows = []
    for phi in lat:
        _, _, east_m = geod.inv(
            np.full(lon.size, lon[0]),
            np.full(lon.size, phi),
            lon,
            np.full(lon.size, phi),
        )
        rows.append(5000.0 - 0.1 * east_m)
    da = xr.DataArray(np.array(rows), coords={"y": lat, "x": lon}, dims=("y", "x"))
    slope = slope_deg(da.rio.write_crs("EPSG:4326"))
    interior = slope.values[1:-1, 1:-1]
    np.testing.assert_allclose(interior, np.degrees(np.arctan(0.1)), rtol=2e-3)
    # treating degrees as metres would give nonsense (about 90 degrees)
    assert interior.max() < 6.0


def test_flat_seafloor_has_zero_slope():
    assert float(slope_deg(plane_projected(0.0, 0.0)).max()) == 0.0
