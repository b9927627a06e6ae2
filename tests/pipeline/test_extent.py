"""The share of the grid each input covers, measured against known geometry."""

import numpy as np
import pytest
import rioxarray  # noqa: F401  (registers .rio)
import xarray as xr

from seabed.grid import make_grid
from seabed.pipeline.extent import raster_share, zone_share
from seabed.zones import bounds_area

FRAME = make_grid((153.5, 21.8, 154.1, 22.2), 1000.0, frame_only=True)


def raster(west, east, lon_offset=0.0):
    """Ones over [west, east] x [21, 23] degrees, 0.01 degree cells."""
    x = np.arange(west + 0.005, east, 0.01) + lon_offset
    y = np.arange(22.995, 21.0, -0.01)
    grid = xr.DataArray(
        np.ones((y.size, x.size)), dims=("y", "x"), coords={"y": y, "x": x}
    )
    return grid.rio.write_crs("EPSG:4326")


def centres_west_of(lon):
    """The true share of the grid's cell centres west of a meridian."""
    import pyproj

    xx, yy = np.meshgrid(FRAME["x"].to_numpy(), FRAME["y"].to_numpy())
    to_lon_lat = pyproj.Transformer.from_crs(FRAME.rio.crs, "EPSG:4326", always_xy=True)
    lon_c, _ = to_lon_lat.transform(xx, yy)
    return float(np.mean(lon_c < lon))


def test_a_raster_over_the_west_of_the_grid_covers_that_share():
    # the last centre of the raster is at 153.795: bilinear values stop there
    share = raster_share(raster(152.0, 153.8), FRAME)
    assert share == pytest.approx(centres_west_of(153.795), abs=0.002)
    assert 0.4 < share < 0.6


def test_a_raster_in_0_360_degrees_covers_the_same_share():
    west = raster(152.0, 153.8)
    assert raster_share(west.assign_coords(x=west.x + 360.0), FRAME) == raster_share(
        west, FRAME
    )


def test_a_raster_elsewhere_covers_nothing_and_one_around_covers_all():
    assert raster_share(raster(10.0, 12.0), FRAME) == 0.0
    assert raster_share(raster(153.0, 155.0), FRAME) == 1.0


def test_zone_share_is_the_area_inside():
    import pyproj

    assert zone_share(bounds_area((153.0, 21.0, 155.0, 23.0)), FRAME) == 1.0
    assert zone_share(bounds_area((-10.0, 21.0, -9.0, 23.0)), FRAME) == 0.0
    # south of 22 N: the parallel is nearly straight across 60 km of grid
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", FRAME.rio.crs, always_xy=True)
    _, y22 = to_grid.transform(153.8, 22.0)
    y = FRAME["y"].to_numpy()
    south, north = y.min() - 500.0, y.max() + 500.0
    share = zone_share(bounds_area((153.0, 21.0, 155.0, 22.0)), FRAME)
    assert share == pytest.approx((y22 - south) / (north - south), abs=0.002)
