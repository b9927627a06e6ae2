"""Raster inputs (bathymetry, covariates, sediment thickness): read, checked, sampled.

:func:`load_raster` and :func:`load_bathymetry` read GeoTIFF / NetCDF grids in any CRS
as :class:`xarray.DataArray` (bathymetry as water depth, positive down);
:func:`sample_raster` gives bilinear values of a grid at WGS84 points.

Examples
--------
>>> from seabed.io.datasets import bathymetry_path
>>> depth = load_bathymetry(bathymetry_path())
>>> depth.attrs["positive"], depth.attrs["converted_from"]
('down', 'elevation (positive up)')
>>> round(float(sample_raster(depth, 153.8, 22.0)))
5763
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
import rioxarray
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from rasterio.errors import NotGeoreferencedWarning
from scipy.interpolate import RegularGridInterpolator

from seabed.exceptions import InputError, MissingCRSError
from seabed.grid import wrap_lon
from seabed.io.cores import PathLike
from seabed.io.files import check_input_file, first_line

__all__ = [
    "MAX_RASTER_BYTES",
    "load_bathymetry",
    "load_raster",
    "sample_raster",
]

#: Largest grid read (bytes): the file decompressed, and its band as float64 in
#: memory. 4 GB is a 500 M-cell band, e.g. a 30 arc-second grid of 90 x 60 degrees.
MAX_RASTER_BYTES = 4 * 10**9


def load_raster(
    path: PathLike, *, name: str | None = None, band: int = 1
) -> xr.DataArray:
    """Read one band (the first by default) of a georeferenced grid, nodata masked
    to NaN.

    Parameters
    ----------
    path : str or path-like
        Any grid GDAL reads with a CRS: GeoTIFF, NetCDF (CF ``grid_mapping``) ...
    name : str, optional
        The variable to read from a NetCDF file holding several; also the name of
        the returned array (default: the file's stem).
    band : int
        The band to read, counted from 1 (as GDAL does).

    Returns
    -------
    xarray.DataArray
        2-D ``(y, x)``, lazily read, with the file's CRS (``.rio.crs``), its
        attributes and ``attrs["source"]`` = the path. Coordinates are cell centres.

    Raises
    ------
    InputError
        Missing or unreadable file, a NetCDF with several variables and no name,
        or a grid larger than :data:`MAX_RASTER_BYTES` (checked from the header,
        before anything is read), or no such band.
    MissingCRSError
        The grid has no CRS.

    Examples
    --------
    >>> from seabed.io.datasets import seafloor_age_path
    >>> age = load_raster(seafloor_age_path())
    >>> age.dims, age.rio.crs.to_epsg()
    (('y', 'x'), 4326)
    """
    path = Path(path)
    check_input_file(path)
    try:
        with warnings.catch_warnings():
            # GDAL falls back to pixel coordinates when it finds no georeferencing;
            # a file of several variables is a container without any of its own
            warnings.simplefilter(
                "ignore" if _has_subdatasets(path) else "error",
                NotGeoreferencedWarning,
            )
            opened = rioxarray.open_rasterio(path, masked=True, variable=name)
    except NotGeoreferencedWarning:
        raise InputError(
            "the grid has no georeferencing (cell positions)",
            path=path,
            hint="write it with a geotransform, or for NetCDF give the x/y (or "
            "lon/lat) coordinate variables CF units and standard_name attributes",
        ) from None
    except Exception as err:  # rasterio.errors.RasterioIOError and others
        raise InputError(
            f"cannot be read as a grid ({first_line(err)})",
            path=path,
            hint="give a GeoTIFF or a NetCDF file that GDAL can read",
        ) from None
    grid = _single_variable(opened, path, name)
    _check_size(grid, path)
    n_bands = grid.sizes.get("band", 1)
    if band > n_bands:
        raise InputError(
            f"the grid has {n_bands} band(s), not a band {band}",
            path=path,
            hint=f"give a band from 1 to {n_bands}",
        )
    if "band" in grid.dims:
        grid = grid.isel(band=band - 1, drop=True)
    extra = [d for d in grid.dims if d not in (grid.rio.x_dim, grid.rio.y_dim)]
    grid = grid.squeeze([d for d in extra if grid.sizes[d] == 1], drop=True)
    if grid.ndim != 2:
        raise InputError(
            f"expected a 2-D grid, found dimensions {grid.dims}",
            path=path,
            hint="give one band or one 2-D variable",
        )
    if grid.rio.crs is None:
        raise MissingCRSError(
            "the grid has no coordinate reference system",
            path=path,
            hint="set it, e.g. gdal_edit.py -a_srs EPSG:4326 FILE",
        )
    _check_frame(grid, path)
    grid.name = name or path.name.split(".")[0]
    grid.attrs["source"] = os.fspath(path)
    return grid


def _check_frame(grid: xr.DataArray, path: Path) -> None:
    """Refuse a grid whose cells cannot be placed on the Earth or interpolated."""
    transform = grid.rio.transform()
    if transform.b != 0 or transform.d != 0:
        # rioxarray gives a rotated grid pixel numbers as coordinates
        raise InputError(
            "the grid is rotated (its geotransform has rotation terms)",
            path=path,
            hint="warp it to a north-up grid first, e.g. gdalwarp FILE north_up.tif",
        )
    try:
        pyproj.Transformer.from_crs("EPSG:4326", grid.rio.crs, always_xy=True)
    except pyproj.exceptions.ProjError:
        raise InputError(
            f"the grid's CRS ({pyproj.CRS.from_user_input(grid.rio.crs).name!r}) "
            "cannot be related to longitude and latitude",
            path=path,
            hint="give it a geographic or projected CRS, e.g. gdal_edit.py -a_srs "
            "EPSG:4326 FILE",
        ) from None
    n_y, n_x = grid.sizes[grid.rio.y_dim], grid.sizes[grid.rio.x_dim]
    if min(n_y, n_x) < 2:
        raise InputError(
            f"the grid has {n_x} x {n_y} cells; values are interpolated between cell "
            "centres, which needs at least 2 cells each way",
            path=path,
            hint="give a grid with at least 2 x 2 cells over the survey",
        )


def _has_subdatasets(path: Path) -> bool:
    """True for a file of several variables (NetCDF, HDF), which GDAL opens as a
    container of subdatasets."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as source:
                return bool(source.subdatasets)
    except Exception:  # not readable: open_rasterio says why
        return False


def _check_size(grid: xr.DataArray, path: Path) -> None:
    """Refuse a grid too large to read, from its header, before reading it.

    Two sizes are bounded by :data:`MAX_RASTER_BYTES`: the file decompressed
    (every band, in its own data type), which GDAL goes through to read one band
    of a pixel-interleaved file, and the first band held in memory as float64.
    A small file may hold a huge grid (a compressed constant decompresses to
    anything), so the header's sizes are checked, not the file's.
    """
    cells = math.prod(int(n) for d, n in grid.sizes.items() if d != "band")
    bands = int(grid.sizes.get("band", 1))
    dtype = np.dtype(grid.encoding.get("dtype", grid.dtype))
    decompressed = cells * bands * dtype.itemsize
    in_memory = cells * np.dtype(np.float64).itemsize
    if max(decompressed, in_memory) > MAX_RASTER_BYTES:
        shape = " x ".join(f"{n:,}" for d, n in grid.sizes.items() if d != "band")
        shape += f" cells x {bands} band(s)" if bands > 1 else " cells"
        raise InputError(
            f"the grid is too large to read ({shape} of {dtype}: "
            f"{decompressed / 1e9:.3g} GB decompressed, {in_memory / 1e9:.3g} GB in "
            f"memory; the limit is {MAX_RASTER_BYTES / 1e9:g} GB)",
            path=path,
            hint="clip it to the survey area first, e.g. gdal_translate -projwin "
            "WEST NORTH EAST SOUTH FILE clipped.tif",
        )


def _single_variable(opened: Any, path: Path, name: str | None) -> xr.DataArray:
    if isinstance(opened, xr.DataArray):
        return opened
    datasets = opened if isinstance(opened, list) else [opened]
    variables = {str(v): ds[v] for ds in datasets for v in ds.data_vars}
    if name is not None and name in variables:
        return variables[name]
    if name is None and len(variables) == 1:
        return next(iter(variables.values()))
    names = ", ".join(variables)
    first = next(iter(variables), "VARIABLE")
    raise InputError(
        f"the file holds several variables ({names})"
        if name is None
        else f"no variable {name!r} (it holds {names})",
        path=path,
        hint="give a file of one grid, e.g. gdal_translate "
        f"NETCDF:{path.name}:{first} {first}.tif (or name= in load_raster)",
    )


def load_bathymetry(path: PathLike) -> xr.DataArray:
    """Read a bathymetry grid as water depth in metres, positive down.

    Elevation grids (positive up, like ETOPO1 or GEBCO) are negated once, here. A grid
    is taken as elevation when its ``positive`` attribute is ``"up"``, or, without
    that attribute, when most of its values are negative.

    Parameters
    ----------
    path : str or path-like
        Any grid :func:`load_raster` reads.

    Returns
    -------
    xarray.DataArray
        ``water_depth_m`` with CF attributes ``units="m"``, ``long_name="water
        depth"``, ``positive="down"``, and ``converted_from="elevation (positive
        up)"`` when the values were negated.

    Examples
    --------
    >>> from seabed.io.datasets import bathymetry_path
    >>> depth = load_bathymetry(bathymetry_path())
    >>> depth.attrs["units"], float(depth.min()) > 0
    ('m', True)
    """
    grid = load_raster(path)
    values = grid.values
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise InputError(
            "the grid holds no values (all nodata)", path=path, hint="check the file"
        )
    positive = str(grid.attrs.get("positive", "")).lower()
    is_elevation = positive == "up" or (
        positive != "down" and np.mean(finite < 0) > 0.5
    )
    depth = -grid if is_elevation else grid.copy()
    depth.name = "water_depth_m"
    depth.attrs = {
        "units": "m",
        "long_name": "water depth",
        "standard_name": "sea_floor_depth_below_sea_surface",
        "positive": "down",
        "source": os.fspath(path),
    }
    if "AREA_OR_POINT" in grid.attrs:
        depth.attrs["AREA_OR_POINT"] = grid.attrs["AREA_OR_POINT"]
    if is_elevation:
        depth.attrs["converted_from"] = "elevation (positive up)"
    depth = depth.rio.write_nodata(np.nan, encoded=True)
    return depth.rio.write_crs(grid.rio.crs)


def sample_raster(grid: xr.DataArray, lon: ArrayLike, lat: ArrayLike) -> NDArray:
    """Bilinear values of a grid at WGS84 points.

    The points are reprojected into the grid's CRS and interpolated between cell
    centres. Points outside the outermost centres, or next to a NaN cell, get NaN.
    Longitudes are taken modulo 360 for a grid in geographic coordinates, so a grid
    in 0-360 degrees (or running past 180) is sampled at the right place.

    Parameters
    ----------
    grid : xarray.DataArray
        2-D grid with a CRS (as :func:`load_raster` returns).
    lon, lat : array_like
        WGS84 degrees; broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Values of the broadcast shape of ``lon`` and ``lat``.

    Examples
    --------
    >>> import rioxarray  # registers .rio
    >>> grid = xr.DataArray([[0.0, 1.0], [2.0, 3.0]], dims=("y", "x"),
    ...                     coords={"y": [1.0, 0.0], "x": [0.0, 1.0]})
    >>> grid = grid.rio.write_crs("EPSG:4326")
    >>> sample_raster(grid, [0.5, 0.25], [0.5, 1.0]).tolist()
    [1.5, 0.25]
    >>> east = grid.assign_coords(x=[359.0, 360.0])  # the same cells, in 0-360
    >>> sample_raster(east, [-0.5], [0.5]).tolist()
    [1.5]
    """
    if grid.rio.crs is None:
        raise MissingCRSError(
            "the grid has no CRS",
            column=str(grid.name),
            hint="write one with grid.rio.write_crs(...)",
        )
    lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", grid.rio.crs, always_xy=True)
    x, y = to_grid.transform(lon.ravel(), lat.ravel())
    xs = grid[grid.rio.x_dim].to_numpy()
    ys = grid[grid.rio.y_dim].to_numpy()
    if grid.rio.crs.is_geographic and xs.size:
        # longitudes by whole turns into the grid's own range: a grid in 0-360
        # degrees, or one that runs past 180, is sampled where it is
        x = wrap_lon(x, (float(xs.min()) + float(xs.max())) / 2)
    values = grid.transpose(grid.rio.y_dim, grid.rio.x_dim).to_numpy()
    # RegularGridInterpolator wants ascending axes; north-up rasters descend in y
    if xs[0] > xs[-1]:
        xs, values = xs[::-1], values[:, ::-1]
    if ys[0] > ys[-1]:
        ys, values = ys[::-1], values[::-1, :]
    interpolate = RegularGridInterpolator(
        (ys, xs), values, method="linear", bounds_error=False, fill_value=np.nan
    )
    return interpolate(np.column_stack([y, x])).reshape(lon.shape)
