"""Exclusion rules computed from rasters: seafloor slope and water depth.

A collector works only on gentle slopes (nodule practice excludes slopes above about
4-7 degrees) and within a range of water depths. These rules are evaluated on the
bathymetry and brought onto the estimation grid at cell centres: a cell is wholly kept
or wholly excluded (the bathymetry is far coarser than the zone polygons, so a finer
split would be false precision).

Slopes are computed on the bathymetry's own grid with the true ground distance between
nodes: geodesic metres on a geographic grid (never degrees treated as metres), the
grid's metres on a projected one.

Examples
--------
>>> import numpy as np, xarray as xr
>>> depth = xr.DataArray(
...     np.tile(np.arange(4) * 100.0, (3, 1)) + 5000,
...     coords={"y": [20.0, 10.0, 0.0], "x": [0.0, 1000.0, 2000.0, 3000.0]},
...     dims=("y", "x"),
... ).rio.write_crs("EPSG:32656")
>>> float(slope_deg(depth).max().round(3))  # 100 m per 1000 m
5.711
"""

from __future__ import annotations

import numpy as np
import pyproj
import xarray as xr

from seabed.io import sample_raster

__all__ = ["depth_rule", "sample_on_grid", "slope_deg", "slope_rule"]


def _spacing_m(da: xr.DataArray) -> tuple[np.ndarray, float]:
    """Ground distance (m) between neighbouring nodes along x (per row) and y."""
    x = da[da.rio.x_dim].values.astype(float)
    y = da[da.rio.y_dim].values.astype(float)
    crs = da.rio.crs
    if crs is None or not crs.is_geographic:
        return np.full(y.size, np.mean(np.abs(np.diff(x)))), float(np.abs(np.diff(y)).mean())
    geod = pyproj.Geod(ellps="WGS84")
    dlon = np.mean(np.abs(np.diff(x)))
    dlat = np.mean(np.abs(np.diff(y)))
    # east-west spacing shrinks with latitude; north-south is nearly constant
    _, _, dx = geod.inv(np.zeros(y.size), y, np.full(y.size, dlon), y)
    _, _, dy = geod.inv(0.0, y.mean() - dlat / 2, 0.0, y.mean() + dlat / 2)
    return np.asarray(dx), float(dy)


def slope_deg(depth: xr.DataArray) -> xr.DataArray:
    """Seafloor slope in degrees, by central differences on the raster's own grid.

    Parameters
    ----------
    depth : xarray.DataArray
        Water depth or elevation (the sign does not matter) with a CRS.

    Returns
    -------
    xarray.DataArray
        Slope in degrees on the same grid.
    """
    dx_m, dy_m = _spacing_m(depth)
    z = depth.values.astype(float)
    dz_dy = np.gradient(z, axis=0) / dy_m
    dz_dx = np.gradient(z, axis=1) / dx_m[:, None]
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    out = depth.copy(data=slope)
    out.attrs = {"units": "degree", "long_name": "seafloor slope"}
    return out


def sample_on_grid(raster: xr.DataArray, grid: xr.Dataset) -> xr.DataArray:
    """Bilinear sample of a raster (any CRS) at the grid's cell centres."""
    values = sample_raster(
        raster, grid["lon"].values.ravel(), grid["lat"].values.ravel()
    )
    return xr.DataArray(
        np.asarray(values, dtype=float).reshape(grid["lon"].shape),
        coords={"y": grid["y"], "x": grid["x"]},
        dims=("y", "x"),
        attrs=dict(raster.attrs),
    )


def depth_rule(
    grid: xr.Dataset, bathymetry: xr.DataArray, window_m: tuple[float, float]
) -> xr.DataArray:
    """1 where the water depth at the cell centre is outside ``window_m``, else 0.

    ``bathymetry`` is water depth, positive down (as ``load_bathymetry`` returns it).
    Cells where the depth is unknown are excluded.
    """
    depth = sample_on_grid(bathymetry, grid)
    shallow, deep = window_m
    outside = ~((depth >= shallow) & (depth <= deep))
    return outside.astype(float).assign_attrs(
        units="1", long_name=f"water depth outside {shallow:g}-{deep:g} m"
    )


def slope_rule(
    grid: xr.Dataset, bathymetry: xr.DataArray, max_slope_deg: float
) -> xr.DataArray:
    """1 where the seafloor slope at the cell centre exceeds ``max_slope_deg``."""
    slope = sample_on_grid(slope_deg(bathymetry), grid)
    steep = ~(slope <= max_slope_deg)
    return steep.astype(float).assign_attrs(
        units="1", long_name=f"slope above {max_slope_deg:g} degrees"
    )
