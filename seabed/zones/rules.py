"""Exclusion rules computed from rasters: seafloor slope and water depth.

A collector works only on gentle slopes (nodule practice excludes slopes above about
4-7 degrees) and within a range of water depths. These rules are evaluated on the
bathymetry and brought onto the estimation grid at cell centres: a cell is wholly kept
or wholly excluded (the bathymetry is far coarser than the zone polygons, so a finer
split would be false precision).

Slopes are computed on the bathymetry's own grid with the true ground distance between
nodes: lengths of parallels and meridians on the WGS84 ellipsoid on a geographic grid
(never degrees treated as metres); on a projected grid its metres, corrected by the
projection's scale factor.

Examples
--------
>>> import numpy as np, xarray as xr
>>> depth = xr.DataArray(
...     np.tile(np.arange(4) * 100.0, (3, 1)) + 5000,
...     coords={"y": [2.43e6, 2.42e6, 2.41e6], "x": 5e5 + np.arange(4) * 1000.0},
...     dims=("y", "x"),
... ).rio.write_crs("EPSG:32656")
>>> # 100 m per 1000 m of grid, 1000.4 m of ground on UTM's central meridian
>>> float(slope_deg(depth).max().round(3))
5.708
"""

from __future__ import annotations

import numpy as np
import pyproj
import xarray as xr

from seabed.exceptions import MissingCRSError
from seabed.io import sample_raster

__all__ = ["depth_rule", "sample_on_grid", "slope_deg", "slope_rule"]


def slope_deg(depth: xr.DataArray) -> xr.DataArray:
    """Seafloor slope in degrees, by central differences on the raster's own grid.

    Derivatives are taken against ground distance: on a geographic grid, the length
    of the parallel between columns (``N(phi) cos(phi)`` per radian of longitude on
    the WGS84 ellipsoid, row by row) and the meridian arc between rows; on a
    projected grid, its own coordinates in metres. Central differences are exact for
    a plane in those distances, one-sided differences at the edges too.
    On a projected grid, differences are divided by the projection's point scale
    factor (its square root of the areal scale), so that the slope is the ground's
    and not the map's: a 1.08 factor at 22 degrees in Web Mercator, 0.9996 on UTM's
    central meridian.

    Parameters
    ----------
    depth : xarray.DataArray
        Water depth or elevation in metres (the sign does not matter) with a CRS.

    Returns
    -------
    xarray.DataArray
        Slope in degrees on the same grid.

    Raises
    ------
    MissingCRSError
        If the raster has no CRS (degrees and metres cannot be told apart).
    """
    if depth.rio.crs is None:
        raise MissingCRSError(
            "the bathymetry has no CRS, so its slope cannot be computed",
            column="bathymetry",
            hint="write one, e.g. da.rio.write_crs('EPSG:4326')",
        )
    crs = pyproj.CRS.from_user_input(depth.rio.crs)
    x = depth[depth.rio.x_dim].values.astype(float)
    y = depth[depth.rio.y_dim].values.astype(float)
    z = depth.transpose(depth.rio.y_dim, depth.rio.x_dim).values.astype(float)
    z[np.isinf(z)] = np.nan  # no data, as a nodata value is
    if crs.is_geographic:
        dz_dx = np.gradient(z, x, axis=1) / _parallel_m_per_degree(y)[:, None]
        dz_dy = np.gradient(z, _meridian_m(y), axis=0)
    else:
        # grid metres are ground metres times the projection's scale factor k
        metres = crs.axis_info[0].unit_conversion_factor
        k = _scale_factor(crs, x, y)
        dz_dx = np.gradient(z, x * metres, axis=1) * k
        dz_dy = np.gradient(z, y * metres, axis=0) * k
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    out = xr.DataArray(
        slope,
        coords={
            depth.rio.y_dim: depth[depth.rio.y_dim],
            depth.rio.x_dim: depth[depth.rio.x_dim],
        },
        dims=(depth.rio.y_dim, depth.rio.x_dim),
        attrs={"units": "degree", "long_name": "seafloor slope"},
    )
    return out.rio.write_crs(crs)


def _scale_factor(crs: pyproj.CRS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Point scale factor of a projection at the grid nodes (conformal: exact)."""
    xx, yy = np.meshgrid(x, y)
    to_lonlat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_lonlat.transform(xx, yy)
    factors = pyproj.Proj(crs).get_factors(lon, lat)
    # sqrt of the areal scale: k itself for conformal projections (UTM, Mercator)
    return np.sqrt(np.asarray(factors.areal_scale))


def _parallel_m_per_degree(lat: np.ndarray) -> np.ndarray:
    """Length of one degree of longitude along each parallel (WGS84), in metres."""
    ellipsoid = pyproj.Geod(ellps="WGS84")
    a, e2 = ellipsoid.a, ellipsoid.es
    phi = np.radians(lat)
    prime_vertical = a / np.sqrt(1.0 - e2 * np.sin(phi) ** 2)
    return prime_vertical * np.cos(phi) * np.pi / 180.0


def _meridian_m(lat: np.ndarray) -> np.ndarray:
    """Signed meridian arc (m) from the first latitude to each (WGS84 geodesics)."""
    ellipsoid = pyproj.Geod(ellps="WGS84")
    zeros = np.zeros(lat.size)
    _, _, arc = ellipsoid.inv(zeros, np.full(lat.size, lat[0]), zeros, lat)
    return np.sign(lat - lat[0]) * np.asarray(arc)


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
    grid: xr.Dataset,
    bathymetry: xr.DataArray,
    max_slope_deg: float,
    *,
    slope: xr.DataArray | None = None,
) -> xr.DataArray:
    """1 where the seafloor slope at the cell centre exceeds ``max_slope_deg``.

    ``slope`` is ``slope_deg(bathymetry)`` when the caller has it already (a grid
    handled block by block computes it once).
    """
    if slope is None:
        slope = slope_deg(bathymetry)
    slope = sample_on_grid(slope, grid)
    steep = ~(slope <= max_slope_deg)
    return steep.astype(float).assign_attrs(
        units="1", long_name=f"slope above {max_slope_deg:g} degrees"
    )
