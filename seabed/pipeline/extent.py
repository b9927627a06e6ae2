"""Where the inputs lie against the grid: the share of it each one covers, and how
far the cores are from it.

A raster that misses the grid, an include zone that misses it, or cores hundreds of
kilometres away do not fail anywhere later: they give every cell NaN, 0 km2 or an
extrapolation, and a statement that looks like a result. These checks run once the
grid is known, before anything is estimated, and either refuse (nothing of the grid
is covered, the cores are out of the search's reach) or warn, naming the file and
the share covered:

- :func:`raster_share`: the share of the grid's cells where a raster has a value;
- :func:`zone_share`: the share of the grid's area inside a layer of zones;
- :func:`check_extent`: every input of a run, checked against the grid.

Examples
--------
>>> import numpy as np, rioxarray, xarray as xr
>>> from seabed.grid import make_grid
>>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
>>> west_half = xr.DataArray(np.ones((2, 2)), dims=("y", "x"),
...                          coords={"y": [22.5, 21.5], "x": [153.0, 153.8]})
>>> round(raster_share(west_half.rio.write_crs("EPSG:4326"), frame), 1)
0.5
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import xarray as xr

from seabed.config import Config
from seabed.estimation.models import project
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.io import sample_raster

__all__ = [
    "FULL_COVERAGE",
    "check_extent",
    "raster_share",
    "zone_share",
]

#: A raster covering less than this share of the grid is warned about.
FULL_COVERAGE = 0.99
#: Most cells a share is measured on (a regular lattice of the grid's cells).
_MAX_NODES = 40_000
#: Longest segment (degrees) of a zone's outline before it is projected.
_SEGMENT_DEG = 0.1


def raster_share(raster: xr.DataArray, frame: xr.Dataset) -> float:
    """The share of a grid's cells where a raster has a value (0 to 1).

    Measured at the centres of a regular lattice of at most 40,000 of the grid's
    cells, sampled as the run samples them (:func:`seabed.io.sample_raster`).

    Parameters
    ----------
    raster : xarray.DataArray
        A 2-D grid with a CRS (:func:`seabed.io.load_raster`).
    frame : xarray.Dataset
        The estimation grid (:func:`seabed.grid.make_grid`, ``frame_only`` or not).
    """
    lon, lat = _lattice_lon_lat(frame)
    values = sample_raster(raster, lon, lat)
    return float(np.mean(np.isfinite(values)))


def zone_share(zones: gpd.GeoDataFrame | gpd.GeoSeries, frame: xr.Dataset) -> float:
    """The share of a grid's area inside a layer of zones (0 to 1).

    The zones' outlines are densified (a point every 0.1 degree) and projected to
    the grid's CRS; parts the projection cannot place (the far side of the Earth)
    count as outside.

    Examples
    --------
    >>> from seabed.grid import make_grid
    >>> from seabed.zones import bounds_area
    >>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
    >>> zone_share(bounds_area((153.0, 21.0, 155.0, 23.0)), frame)
    1.0
    >>> zone_share(bounds_area((10.0, 21.0, 11.0, 23.0)), frame)
    0.0
    """
    box = _frame_box(frame)
    lon_lat = zones.to_crs("EPSG:4326").geometry
    dense = shapely.segmentize(lon_lat.to_numpy(), _SEGMENT_DEG)
    projected = gpd.GeoSeries(dense, crs="EPSG:4326").to_crs(frame.rio.crs)
    placed = [
        shapely.make_valid(g)
        for g in projected
        if g is not None and np.all(np.isfinite(shapely.get_coordinates(g)))
    ]
    inside = shapely.intersection(shapely.union_all(placed), box)
    return float(inside.area / box.area)


def check_extent(
    config: Config,
    frame: xr.Dataset,
    used: pd.DataFrame,
    rasters: dict[str, xr.DataArray],
    include: list[gpd.GeoDataFrame],
) -> None:
    """Refuse, or warn about, inputs that miss the grid.

    Parameters
    ----------
    config : Config
        The run's configuration (the keys named in the messages).
    frame : xarray.Dataset
        The estimation grid.
    used : pandas.DataFrame
        The composites that enter the estimate (``lon``, ``lat``).
    rasters : dict
        Configuration key (``inputs.bathymetry`` ...) -> raster.
    include : list of geopandas.GeoDataFrame
        The include zones.

    Raises
    ------
    InputError
        A raster or an include zone that covers none of the grid; cores all
        beyond the search radius from it.

    Warns
    -----
    SeabedWarning
        A raster covering less than :data:`FULL_COVERAGE` of the grid; cores all
        outside the grid, within the search radius.
    """
    for key, raster in rasters.items():
        _check_raster(key, raster, frame)
    for i, zones in enumerate(include):
        if zone_share(zones, frame) == 0.0:
            raise InputError(
                "the include zones do not overlap the grid (0 % of it is inside "
                "them), so the statement would be 0 km2",
                path=zones.attrs.get("source"),
                column=f"inputs.include[{i}]",
                hint="check the file and its CRS, or the grid's bounds (grid.bounds)",
            )
    _check_cores_reach(config, frame, used)


def _check_raster(key: str, raster: xr.DataArray, frame: xr.Dataset) -> None:
    share = raster_share(raster, frame)
    source = raster.attrs.get("source")
    if share == 0.0 and not np.isfinite(raster.to_numpy()).any():
        raise InputError(
            "the grid holds no values (every cell is nodata or NaN)",
            path=source,
            column=key,
            hint="check the file and its nodata value",
        )
    if share == 0.0:
        raise InputError(
            "the raster has no value over the estimation grid (it covers 0 % of it)",
            path=source,
            column=key,
            hint="give a grid that covers the survey area (check its extent and "
            "CRS, e.g. with gdalinfo)",
        )
    if share < FULL_COVERAGE:
        warnings.warn(
            f"{source}: {key} covers {_percent(share)} of the estimation grid; "
            f"{_what_missing_means(key)}",
            SeabedWarning,
            stacklevel=3,
        )


def _what_missing_means(key: str) -> str:
    if key == "inputs.bathymetry":
        return "cells without a depth fail the slope and depth rules (excluded)"
    if key == "inputs.sediment_thickness":
        return "cells without a thickness keep the whole window (unknown: not cut)"
    return "cells without a value have none"


def _check_cores_reach(config: Config, frame: xr.Dataset, used: pd.DataFrame) -> None:
    """Cores all outside the grid: refused beyond the search radius, else warned."""
    X = project(used, frame.rio.crs)
    west, south, east, north = _frame_box(frame).bounds
    dx = np.maximum(np.maximum(west - X[:, 0], X[:, 0] - east), 0.0)
    dy = np.maximum(np.maximum(south - X[:, 1], X[:, 1] - north), 0.0)
    distance = np.hypot(dx, dy)
    if not np.all(distance > 0):
        return
    near, far = float(distance.min()) / 1e3, float(distance.max()) / 1e3
    where = (
        f"all {len(used)} cores lie outside the grid, {near:,.0f} to {far:,.0f} km "
        "from it"
    )
    radius = config.estimate.max_distance_m
    if radius is not None and near * 1e3 > radius:
        raise ConfigError(
            f"{where}, beyond the search radius ({radius / 1e3:,.0f} km): no cell "
            "could be estimated",
            column="grid.bounds" if config.grid.bounds is not None else "grid.area",
            hint=_coordinates_hint(config, far),
        )
    warnings.warn(
        f"{where}: every cell is an extrapolation; check grid.bounds and the cores' "
        "coordinates",
        SeabedWarning,
        stacklevel=3,
    )


def _coordinates_hint(config: Config, far_km: float) -> str:
    """What to check when every core misses the grid: projected positions in the
    wrong CRS are the usual cause (10,000 km: a UTM zone's north for its south)."""
    if config.inputs.cores_crs is None:
        return "check the bounds and the cores' coordinates (lon, lat in degrees)"
    hint = (
        f"check the bounds and inputs.cores_crs ({config.inputs.cores_crs}), the CRS "
        "of the cores' x and y"
    )
    if 9_000 <= far_km <= 11_000:
        hint += (
            ": 10,000 km is the false northing of a southern UTM zone (EPSG:327zz "
            "for south of the equator, 326zz for north)"
        )
    return hint


def _frame_box(frame: xr.Dataset) -> shapely.Polygon:
    """The grid's outer edges, as a rectangle in its CRS."""
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    half = float(frame.attrs["resolution_m"]) / 2
    return shapely.box(x.min() - half, y.min() - half, x.max() + half, y.max() + half)


def _lattice_lon_lat(frame: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    step = max(1, math.ceil(math.sqrt(x.size * y.size / _MAX_NODES)))
    xx, yy = np.meshgrid(x[step // 2 :: step], y[step // 2 :: step])
    to_lon_lat = pyproj.Transformer.from_crs(frame.rio.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lon_lat.transform(xx.ravel(), yy.ravel())
    return np.asarray(lon), np.asarray(lat)


def _percent(share: float) -> str:
    """A share as a percentage that never rounds to 0 % or 100 % when it is not."""
    percent = 100 * share
    if 0 < percent < 1:
        return f"{percent:.2g} %"
    if 99 < percent < 100:
        return f"{math.floor(percent * 10) / 10:g} %"
    return f"{percent:.0f} %"
