"""The estimation grid: square cells in a projected CRS, each with its geodesic area.

A grid is an :class:`xarray.Dataset` with dimensions ``("y", "x")``, ``y`` descending
(north-up), coordinates at cell centres in metres, a CRS and transform written with
rioxarray (pixel-is-area), 2-D ``lon``/``lat`` coordinates of the centres and one
variable, ``cell_area_m2``: the area of each cell on the WGS84 ellipsoid.

The area of a cell is not its planar area ``dx * dy``: a projection stretches the
ground by its areal scale factor ``m`` (in UTM, 0.9992 on the central meridian and up
to about 1.0016 at a zone's edge).
The true area is the integral of ``1 / m`` over the cell, computed here with a 2 x 2
Gauss-Legendre rule from PROJ's exact scale factors; it agrees with the geodesic area of
the cell's densified outline to about 1e-11 (see ``tests/test_grid.py``).

Examples
--------
>>> grid = make_grid((153.5, 21.8, 154.117, 22.25), 1000.0)
>>> grid.rio.crs.to_epsg(), dict(grid.sizes)
(32656, {'y': 51, 'x': 65})
>>> round(float(grid.cell_area_m2.sum()) / 1e6)  # km2
3317
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pyproj
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from rasterio.transform import Affine

from seabed import chunks
from seabed.exceptions import ConfigError, InputError
from seabed.variables import cf_attrs

__all__ = [
    "MAX_CELLS",
    "bounds_from_points",
    "circular_mean_lon",
    "grid_dataset",
    "grid_rows",
    "linear_scale_range",
    "make_grid",
    "on_grid",
    "resolve_crs",
    "utm_crs",
    "wrap_lon",
]

#: Largest grid :func:`make_grid` accepts (cells); larger ones would not fit in memory.
MAX_CELLS = 10**9

_Gridded = TypeVar("_Gridded", xr.DataArray, xr.Dataset)

_WGS84 = pyproj.CRS.from_epsg(4326)
_GEOD = pyproj.Geod(ellps="WGS84")

# Nodes of the 2-point Gauss-Legendre rule on a cell of unit width centred on 0.
# The rule is exact for cubics, so its error is of order (cell size / R)^4.
_GAUSS_NODES = np.array([-0.5, 0.5]) / math.sqrt(3.0)
# Cells up to this side (m) take the 1-point (midpoint) rule instead: its relative
# error, about side^2 / (24 R^2) for the curvature of a transverse Mercator's scale,
# is below 7e-11 there, and it costs a quarter of the 2 x 2 rule (a 10^8-cell grid
# of 25 m cells would spend minutes in PROJ's factors otherwise).
_MIDPOINT_MAX_SIDE_M = 250.0
# PROJ's areal scale is interpolated between knots this far apart (m), and
# computed point by point wherever the interpolation misses PROJ by more than
# _SCALE_CHECK at the centre of a knot cell (see _inverse_areal_scale).
_SCALE_KNOT_M = 2000.0
_SCALE_CHECK = 1e-9


def utm_crs(lon: float, lat: float) -> pyproj.CRS:
    """The WGS84 UTM zone CRS (north or south) that contains a point.

    Zones follow the plain 6-degree rule (the Norway and Svalbard exceptions are not
    applied: they do not concern the deep sea).

    Parameters
    ----------
    lon, lat : float
        Longitude and latitude of the point in degrees (WGS84).

    Returns
    -------
    pyproj.CRS
        EPSG:326zz north of the equator, EPSG:327zz south of it.

    Raises
    ------
    ConfigError
        If the point is not a valid longitude/latitude, or lies beyond UTM's limits
        (84 N, 80 S).

    Examples
    --------
    >>> utm_crs(153.98, 24.29).to_epsg()
    32656
    >>> utm_crs(-70.0, -33.4).to_epsg()
    32719
    """
    if not (np.isfinite(lon) and np.isfinite(lat) and -540 <= lon <= 540):
        raise ConfigError(
            f"({lon}, {lat}) is not a longitude/latitude in degrees",
            column="grid.crs",
            hint="give (lon, lat) in WGS84 degrees, lon in [-180, 180]",
        )
    lon = wrap_lon(lon)
    if not -80.0 <= lat <= 84.0:
        polar = "EPSG:32661" if lat > 0 else "EPSG:32761"
        raise ConfigError(
            f"latitude {lat:.4g} is outside the UTM system (80 S to 84 N)",
            column="grid.crs",
            hint=f"set grid.crs to the Universal Polar Stereographic '{polar}' "
            "(true to within 0.6 % poleward of 80 degrees)",
        )
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def resolve_crs(crs: str | pyproj.CRS, lon: ArrayLike, lat: ArrayLike) -> pyproj.CRS:
    """The projected CRS of a grid, from ``"auto"`` or an explicit CRS.

    Parameters
    ----------
    crs : str or pyproj.CRS
        ``"auto"`` for the UTM zone of the points' mean position (the circular
        mean of the longitudes, right across 180 degrees), or anything
        :meth:`pyproj.CRS.from_user_input` accepts (``"EPSG:32656"``, WKT, ...).
    lon, lat : array_like
        Longitudes and latitudes (WGS84 degrees) of the data, used by ``"auto"``.

    Returns
    -------
    pyproj.CRS
        A projected CRS whose axes are in metres.

    Raises
    ------
    ConfigError
        If the CRS is unknown, geographic, or not in metres.

    Examples
    --------
    >>> resolve_crs("auto", [153.5, 154.1], [21.8, 22.3]).to_epsg()
    32656
    >>> resolve_crs("auto", [179.5, -179.5], [-16.0, -16.0]).to_epsg()  # across 180
    32701
    >>> resolve_crs("EPSG:3857", 0.0, 0.0).name
    'WGS 84 / Pseudo-Mercator'
    """
    if isinstance(crs, str) and crs.strip().lower() == "auto":
        return utm_crs(*_mean_lon_lat(lon, lat))
    try:
        resolved = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise ConfigError(
            f"unknown CRS {crs!r}",
            column="grid.crs",
            hint="use 'auto' or a code such as 'EPSG:32656'",
        ) from err
    if not resolved.is_projected or not _is_metric(resolved):
        raise ConfigError(
            f"CRS {resolved.name!r} is not a projected CRS in metres",
            column="grid.crs",
            hint="use 'auto' (UTM zone of the data) or a projected EPSG code in metres",
        )
    return resolved


def make_grid(
    bounds: Sequence[float],
    resolution_m: float,
    *,
    crs: str | pyproj.CRS = "auto",
    bounds_crs: str | pyproj.CRS = "EPSG:4326",
    frame_only: bool = False,
) -> xr.Dataset:
    """A north-up grid of square cells covering a region, with geodesic cell areas.

    The bounds are transformed to the grid's CRS with densified edges, and the grid's
    edges are snapped outwards to multiples of ``resolution_m``, so that the same
    region and resolution always give the same cells.

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(west, south, east, north)`` in ``bounds_crs``: (lon_min, lat_min, lon_max,
        lat_max) for the default EPSG:4326.
    resolution_m : float
        Cell side in metres (> 0).
    crs : str or pyproj.CRS, default "auto"
        The grid's projected CRS; ``"auto"`` picks the UTM zone of the bounds' centre.
    bounds_crs : str or pyproj.CRS, default "EPSG:4326"
        The CRS the bounds are given in.
    frame_only : bool, default False
        Return only the 1-D coordinates, CRS and transform, without the 2-D
        ``lon``, ``lat`` and ``cell_area_m2``: the frame of a grid too large to hold,
        whose rows :func:`grid_rows` fills in block by block.

    Returns
    -------
    xarray.Dataset
        Dimensions ``("y", "x")`` with y descending; coordinates ``x``, ``y`` (cell
        centres, m), ``lon``, ``lat`` (2-D, degrees) and ``spatial_ref``; variable
        ``cell_area_m2``.

    Raises
    ------
    ConfigError
        If the resolution is not positive, the bounds are inverted or not finite, the
        CRS is unsuitable, or the grid would have more than :data:`MAX_CELLS` cells.

    Examples
    --------
    >>> grid = make_grid((0.0, 0.0, 2000.0, 1000.0), 1000.0,
    ...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
    >>> grid.x.values.tolist(), grid.y.values.tolist()
    ([500.0, 1500.0], [500.0])
    >>> grid.cell_area_m2.attrs["units"]
    'm2'
    """
    resolution_m = _check_resolution(resolution_m)
    west, south, east, north = _check_bounds(bounds)
    source = _parse_crs(bounds_crs, key="grid.bounds_crs")
    to_lon_lat = pyproj.Transformer.from_crs(source, _WGS84, always_xy=True)
    target = resolve_crs(
        crs, *to_lon_lat.transform((west + east) / 2, (south + north) / 2)
    )
    to_grid = pyproj.Transformer.from_crs(source, target, always_xy=True)
    projected = to_grid.transform_bounds(west, south, east, north, densify_pts=21)
    if not np.all(np.isfinite(projected)):
        raise ConfigError(
            f"bounds {list(bounds)!r} cannot be transformed to {target.name}",
            column="grid.bounds",
            hint="check that the bounds are in bounds_crs (lon/lat by default)",
        )
    x_edges, y_edges = _snapped_edges(projected, resolution_m)
    frame = _grid_frame(x_edges, y_edges, target)
    return frame if frame_only else grid_rows(frame, 0, frame.sizes["y"])


def grid_rows(frame: xr.Dataset, start: int, stop: int) -> xr.Dataset:
    """Rows ``start:stop`` of a grid, with their ``lon``, ``lat`` and cell areas.

    Every cell's values are computed from that cell alone, so a grid assembled from
    blocks of rows equals the grid made whole, bit for bit.

    Parameters
    ----------
    frame : xarray.Dataset
        A grid from :func:`make_grid` (``frame_only=True`` or not).
    start, stop : int
        Row range (0 is the northernmost row).

    Returns
    -------
    xarray.Dataset
        The grid of those rows, as :func:`make_grid` describes it.

    Examples
    --------
    >>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
    >>> whole = make_grid((153.5, 21.8, 154.1, 22.2), 5000)
    >>> rows = grid_rows(frame, 2, 5)
    >>> rows.sizes["y"], bool((rows.cell_area_m2 == whole.cell_area_m2[2:5]).all())
    (3, True)
    """
    x = frame["x"].to_numpy()
    y = frame["y"].to_numpy()[start:stop]
    crs = frame.rio.crs
    resolution = float(frame.attrs["resolution_m"])
    lon, lat = _centres_lon_lat(x, y, crs)
    whole = frame.rio.transform()
    north = whole.f - start * resolution  # edges are whole multiples: exact
    area = _cell_area_m2(x, y, resolution, crs)
    return grid_dataset(
        {"cell_area_m2": (("y", "x"), area, _CELL_AREA_ATTRS)},
        x=x,
        y=y,
        crs=crs,
        transform=Affine(resolution, 0.0, whole.c, 0.0, -resolution, north),
        lon=lon,
        lat=lat,
        attrs=dict(frame.attrs),
    )


def grid_dataset(
    data_vars: Mapping[str, Any],
    *,
    x: ArrayLike,
    y: ArrayLike,
    crs: Any,
    transform: Affine | None = None,
    lon: ArrayLike | None = None,
    lat: ArrayLike | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """A dataset on a grid, with its CRS and the CF attributes of its coordinates.

    Every grid of a run is built here (or put back on its grid by :func:`on_grid`),
    so that ``x``/``y`` always say they are projection coordinates in metres,
    ``lon``/``lat`` that they are WGS84 degrees, and the CRS is written the way
    rioxarray and CF readers find it (a ``spatial_ref`` grid mapping).

    Parameters
    ----------
    data_vars : mapping
        Variable name -> 2-D ``(y, x)`` array (numpy or dask), which gets the CF
        attributes of :mod:`seabed.variables`; or a DataArray or a
        ``(dims, values, attrs)`` tuple, taken as it is.
    x, y : array_like
        Cell-centre coordinates in the CRS's metres, ``y`` descending.
    crs : pyproj.CRS or str
        The grid's CRS.
    transform : affine.Affine, optional
        The grid's transform; computed from ``x`` and ``y`` by rioxarray when omitted.
    lon, lat : array_like, optional
        2-D ``(y, x)`` longitudes and latitudes of the cell centres (numpy or dask).
    attrs : mapping, optional
        The dataset's attributes (``resolution_m`` ...).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    KeyError
        If a variable given as a plain array is not in :mod:`seabed.variables`.

    Examples
    --------
    >>> import numpy as np
    >>> ds = grid_dataset({"rey_ppm": np.ones((1, 2))}, x=[500.0, 1500.0], y=[500.0],
    ...                   crs="EPSG:32656")
    >>> ds.x.attrs["standard_name"], ds.rio.crs.to_epsg(), ds.rey_ppm.attrs["units"]
    ('projection_x_coordinate', 32656, 'ppm')
    """
    coords: dict[str, Any] = {
        "x": ("x", np.asarray(x, dtype=float), _X_ATTRS),
        "y": ("y", np.asarray(y, dtype=float), _Y_ATTRS),
    }
    if lon is not None:
        coords["lon"] = (("y", "x"), lon, _LON_ATTRS)
    if lat is not None:
        coords["lat"] = (("y", "x"), lat, _LAT_ATTRS)
    variables = {
        name: value
        if isinstance(value, xr.DataArray | tuple)
        else (("y", "x"), value, cf_attrs(name))
        for name, value in data_vars.items()
    }
    grid = xr.Dataset(variables, coords=coords, attrs=dict(attrs or {}))
    grid.rio.write_crs(crs, inplace=True)  # in place: no copy of the block
    if transform is not None:
        grid.rio.write_transform(transform, inplace=True)
    return grid


def on_grid(obj: _Gridded, grid: xr.Dataset | xr.DataArray) -> _Gridded:
    """An array or dataset computed on a grid, put back on the grid's coordinates.

    Arithmetic, merges and assignments keep an array's values but may drop the
    attributes of its ``x``/``y`` coordinates or its CRS: this takes the grid's
    ``x``, ``y`` (and ``lon``/``lat`` when the grid has them) with their CF
    attributes, and writes the grid's CRS and transform.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Values on the grid's cells (dimensions ``y`` and ``x`` of the grid's sizes).
    grid : xarray.Dataset or xarray.DataArray
        The grid (:func:`make_grid`, :func:`grid_rows`, a block of a run).

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        ``obj`` with the grid's coordinates, CRS and transform.

    Examples
    --------
    >>> grid = make_grid((153.5, 21.8, 154.1, 22.2), 5000)
    >>> doubled = grid.cell_area_m2.drop_vars(["x", "y", "spatial_ref"]) * 2
    >>> placed = on_grid(doubled, grid)
    >>> placed.x.attrs["units"], placed.rio.crs.to_epsg()
    ('m', 32656)
    """
    coords = {
        name: grid[name].variable
        for name in ("x", "y", "lon", "lat")
        if name in grid.coords and set(grid[name].dims) <= set(obj.dims)
    }
    placed = obj.assign_coords(coords)
    placed.rio.write_crs(grid.rio.crs, inplace=True)
    return placed.rio.write_transform(grid.rio.transform(), inplace=True)


def bounds_from_points(
    lon: ArrayLike, lat: ArrayLike, margin_m: float
) -> tuple[float, float, float, float]:
    """The extent of points, grown by a geodesic margin.

    Each point is surrounded by a geodesic circle of radius ``margin_m`` (sampled every
    5 degrees of azimuth) and the bounds enclose all of them. Points across the
    antimeridian give bounds that run past 180 degrees (``east`` > 180), which
    :func:`make_grid` takes as they are.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in WGS84 degrees.
    margin_m : float
        Margin in metres (>= 0).

    Returns
    -------
    tuple of float
        ``(lon_min, lat_min, lon_max, lat_max)``.

    Raises
    ------
    InputError
        If there are no points, or a coordinate is missing or out of range.
    ConfigError
        If the margin is negative or not finite.

    Examples
    --------
    >>> west, south, east, north = bounds_from_points([154.0], [0.0], 111_320.0)
    >>> round(west, 3), round(south, 3), round(east, 3), round(north, 3)
    (153.0, -1.007, 155.0, 1.007)
    >>> west, _, east, _ = bounds_from_points([179.5, -179.5], [0.0, 0.0], 0.0)
    >>> west, east
    (179.5, 180.5)
    """
    lon_arr, lat_arr = _check_lon_lat(lon, lat)
    if not (np.isfinite(margin_m) and margin_m >= 0):
        raise ConfigError(
            f"margin {margin_m!r} m is not a non-negative number",
            column="margin_m",
            hint="give the margin around the data in metres, e.g. 10000",
        )
    azimuths = np.arange(0.0, 360.0, 5.0)
    lon_grid, azimuth_grid = np.meshgrid(lon_arr, azimuths)
    lat_grid, _ = np.meshgrid(lat_arr, azimuths)
    lon_out, lat_out, _ = _GEOD.fwd(
        lon_grid, lat_grid, azimuth_grid, np.full(lon_grid.shape, float(margin_m))
    )
    # continuous longitudes around the points' circular mean: across 180 degrees
    # the bounds run past 180 (e.g. 178 to 182), never round the globe
    centre = circular_mean_lon(lon_arr)
    lon_all = wrap_lon(np.concatenate([lon_arr, lon_out.ravel()]), centre)
    lat_all = np.concatenate([lat_arr, lat_out.ravel()])
    west, east = float(lon_all.min()), float(lon_all.max())
    if west < -180.0:  # written east of 180 rather than west of -180
        west, east = west + 360.0, east + 360.0
    return (west, float(lat_all.min()), east, float(lat_all.max()))


def _grid_frame(
    x_edges: NDArray[np.float64], y_edges: NDArray[np.float64], crs: pyproj.CRS
) -> xr.Dataset:
    """The grid's 1-D coordinates, CRS and transform (y_edges descending)."""
    resolution = float(x_edges[1] - x_edges[0])
    x = (x_edges[:-1] + x_edges[1:]) / 2
    y = (y_edges[:-1] + y_edges[1:]) / 2
    return grid_dataset(
        {},
        x=x,
        y=y,
        crs=crs,
        transform=Affine(resolution, 0.0, x_edges[0], 0.0, -resolution, y_edges[0]),
        attrs={"resolution_m": resolution, "Conventions": "CF-1.8"},
    )


def _cell_area_m2(
    x: NDArray[np.float64], y: NDArray[np.float64], resolution: float, crs: pyproj.CRS
) -> NDArray[np.float64]:
    """Ellipsoidal area of square cells: the integral of 1/(areal scale) over each.

    Rows are processed in blocks so that the nodes' arrays stay small.
    """
    nodes = _GAUSS_NODES if resolution > _MIDPOINT_MAX_SIDE_M else np.zeros(1)
    offsets = nodes * resolution
    k = nodes.size
    x_nodes = (x[:, None] + offsets).ravel()  # k nodes per column, in column order
    # interpolated where the knots are fewer than the nodes (cells of 1 km or less);
    # a rule of the resolution alone, so every block of rows follows the same one
    smooth = resolution <= _SCALE_KNOT_M / 2
    proj = _ProjScale(crs)  # PROJ's objects made once for every row chunk
    inverse_scale = _inverse_areal_scale if smooth else _ProjScale.on_lattice
    area = np.empty((y.size, x.size))
    rows_per_block = max(1, chunks.AREA_FACTOR_CELLS // x.size)
    for start in range(0, y.size, rows_per_block):
        rows = slice(start, start + rows_per_block)
        y_nodes = (y[rows, None] + offsets).ravel()
        inverse = inverse_scale(proj, x_nodes, y_nodes)
        # Average 1/m over the k x k nodes of each cell.
        area[rows] = inverse.reshape(-1, k, x.size, k).mean(axis=(1, 3)) * resolution**2
    return area


def _inverse_areal_scale(
    proj: _ProjScale, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.float64]:
    """1 / PROJ's areal scale at the points ``(x[j], y[i])``, shape (y, x).

    PROJ derives its factors numerically, about 0.7 microseconds a point, where a
    run has up to 10^8 cells; the scale varies over the Earth's radius, so it is
    evaluated at knots every :data:`_SCALE_KNOT_M` metres of the CRS (anchored at its
    origin, so that every block of rows uses the same knots: a cell's value
    depends on nothing else) and interpolated by cubics between them (error of
    order (2 km / R)^4, far below PROJ's own 1e-11). Every cell of the knots is
    checked at its centre against PROJ; where the two differ by more than
    :data:`_SCALE_CHECK` (a projection's edge, an interrupted projection), its
    points are computed by PROJ one by one.
    """
    ux, uy = x / _SCALE_KNOT_M, y / _SCALE_KNOT_M
    cell_x, cell_y = np.floor(ux), np.floor(uy)
    knot_x = np.arange(cell_x.min() - 1, cell_x.max() + 3)
    knot_y = np.arange(cell_y.min() - 1, cell_y.max() + 3)
    knots = proj.on_lattice(knot_x * _SCALE_KNOT_M, knot_y * _SCALE_KNOT_M)
    # a point's knots are those of its cell's corners and one more each side
    col = (cell_x - knot_x[0] - 1).astype(np.intp)
    row = (cell_y - knot_y[0] - 1).astype(np.intp)
    values = _cubic(
        _cubic(knots, col, _cubic_weights(ux - cell_x), axis=1),
        row,
        _cubic_weights(uy - cell_y),
        axis=0,
    )
    # the check: each knot cell's centre, interpolated and from PROJ
    cells_x, cells_y = np.unique(col), np.unique(row)
    half = _cubic_weights(np.full(1, 0.5))
    centres = _cubic(
        _cubic(knots, cells_x, np.repeat(half, cells_x.size, axis=0), axis=1),
        cells_y,
        np.repeat(half, cells_y.size, axis=0),
        axis=0,
    )
    exact = proj.on_lattice(
        (knot_x[cells_x] + 1.5) * _SCALE_KNOT_M,
        (knot_y[cells_y] + 1.5) * _SCALE_KNOT_M,
    )
    failed = ~(np.abs(centres / exact - 1.0) <= _SCALE_CHECK)  # NaN fails too
    if failed.any():
        bad = np.zeros((knot_y.size, knot_x.size), dtype=bool)
        bad[np.ix_(cells_y, cells_x)] = failed
        redo = bad[row[:, None], col[None, :]]
        yy, xx = np.broadcast_arrays(y[:, None], x[None, :])
        values[redo] = proj.at(xx[redo], yy[redo])
    return values


def _cubic_weights(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Lagrange weights of the knots -1, 0, 1, 2 at ``t`` in [0, 1), shape (n, 4)."""
    return np.stack(
        [
            -t * (t - 1.0) * (t - 2.0) / 6.0,
            (t + 1.0) * (t - 1.0) * (t - 2.0) / 2.0,
            -(t + 1.0) * t * (t - 2.0) / 2.0,
            (t + 1.0) * t * (t - 1.0) / 6.0,
        ],
        axis=-1,
    )


def _cubic(
    values: NDArray[np.float64],
    first: NDArray[np.intp],
    weights: NDArray[np.float64],
    axis: int,
) -> NDArray[np.float64]:
    """Values interpolated along ``axis`` from the four knots from ``first`` on
    (the second and third are the ends of the interval) with ``weights`` (n, 4)."""

    def term(b: int) -> NDArray[np.float64]:
        w = weights[:, b] if axis == 1 else weights[:, b, None]
        return w * np.take(values, first + b, axis=axis)

    return term(0) + term(1) + term(2) + term(3)


def linear_scale_range(
    grid: xr.Dataset | xr.DataArray, crs: Any = None
) -> tuple[float, float]:
    """The smallest and largest linear scale factor of a grid's CRS over the grid.

    A length measured in the CRS is the length on the ground times the scale
    factor there: the variogram's ranges, the search distances and the cells'
    sides are measured in the CRS. PROJ's Tissot indicatrix at 9 x 9 cell centres
    spread over the grid (its corners included) gives the extremes, in any
    direction.

    Parameters
    ----------
    grid : xarray.Dataset or xarray.DataArray
        A grid with ``x``/``y`` coordinates and a CRS.
    crs : optional
        Another projected CRS to measure at the same places (default: the grid's).

    Examples
    --------
    >>> grid = make_grid((153.5, 21.8, 154.117, 22.25), 1000.0)  # UTM 56N
    >>> low, high = linear_scale_range(grid)
    >>> round(low, 4), round(high, 4)
    (0.9996, 0.9998)
    >>> low, high = linear_scale_range(
    ...     make_grid((153.5, 21.8, 154.117, 22.25), 1000.0, crs="EPSG:3857"))
    >>> round(low, 3), round(high, 3)  # Web Mercator stretches by 1 / cos(lat)
    (1.077, 1.08)
    """
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    xx, yy = np.meshgrid(_spread(x), _spread(y))
    to_lon_lat = pyproj.Transformer.from_crs(grid.rio.crs, _WGS84, always_xy=True)
    lon, lat = to_lon_lat.transform(xx.ravel(), yy.ravel())
    factors = pyproj.Proj(grid.rio.crs if crs is None else crs).get_factors(lon, lat)
    low = np.asarray(factors.tissot_semiminor, dtype=float)
    high = np.asarray(factors.tissot_semimajor, dtype=float)
    return float(np.nanmin(low)), float(np.nanmax(high))


def _spread(values: NDArray[np.float64], count: int = 9) -> NDArray[np.float64]:
    """Up to ``count`` of ``values``, evenly spread, the first and last included."""
    return values[np.unique(np.linspace(0, len(values) - 1, count).round().astype(int))]


class _ProjScale:
    """1 / PROJ's areal scale at points of a CRS, with PROJ's objects made once."""

    def __init__(self, crs: pyproj.CRS):
        self._to_lon_lat = pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True)
        self._projection = pyproj.Proj(crs)

    def at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        """At the points ``(x, y)``."""
        lon, lat = self._to_lon_lat.transform(x, y)
        scale = self._projection.get_factors(lon, lat).areal_scale
        return 1.0 / np.asarray(scale, dtype=float)

    def on_lattice(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """On the lattice ``(x[j], y[i])``, shape (y, x)."""
        xx, yy = np.meshgrid(x, y)
        return self.at(xx, yy)


def _centres_lon_lat(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: pyproj.CRS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    to_lon_lat = pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True)
    xx, yy = np.meshgrid(x, y)
    lon, lat = to_lon_lat.transform(xx, yy)
    return np.asarray(lon), np.asarray(lat)


def _snapped_edges(
    bounds: Sequence[float], resolution: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cell edges covering projected bounds, snapped outwards to the resolution.

    A relative slack of 1e-9 cell keeps round-off in the transformed bounds from
    adding a sliver row or column.
    """
    x_min, y_min, x_max, y_max = bounds
    slack = 1e-9
    col_first = math.floor(x_min / resolution + slack)
    col_last = max(math.ceil(x_max / resolution - slack), col_first + 1)
    row_first = math.floor(y_min / resolution + slack)
    row_last = max(math.ceil(y_max / resolution - slack), row_first + 1)
    n_cells = (col_last - col_first) * (row_last - row_first)
    if n_cells > MAX_CELLS:
        raise ConfigError(
            f"the grid would have {n_cells:,} cells (more than {MAX_CELLS:,})",
            column="grid.resolution_m",
            hint="use coarser cells or smaller bounds",
        )
    x_edges = np.arange(col_first, col_last + 1) * resolution
    y_edges = np.arange(row_last, row_first - 1, -1) * resolution
    return x_edges.astype(np.float64), y_edges.astype(np.float64)


def _check_resolution(resolution_m: float) -> float:
    try:
        value = float(resolution_m)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"resolution {resolution_m!r} is not a positive number of metres",
            column="grid.resolution_m",
            hint="give the cell side in metres, e.g. 1000",
        )
    return value


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    values = np.asarray(bounds, dtype=float).ravel()
    if values.size != 4 or not np.all(np.isfinite(values)):
        raise ConfigError(
            f"bounds {list(bounds)!r} are not 4 finite numbers",
            column="grid.bounds",
            hint="give [west, south, east, north], e.g. [153.5, 21.8, 154.117, 22.25]",
        )
    west, south, east, north = (float(v) for v in values)
    if not (west < east and south < north):
        raise ConfigError(
            f"bounds {[west, south, east, north]} are inverted or empty",
            column="grid.bounds",
            hint="the order is [west, south, east, north] with west < east, "
            "south < north",
        )
    return west, south, east, north


def _check_lon_lat(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lon_arr = np.asarray(lon, dtype=float).ravel()
    lat_arr = np.asarray(lat, dtype=float).ravel()
    if lon_arr.size == 0 or lon_arr.shape != lat_arr.shape:
        raise InputError(
            f"got {lon_arr.size} longitudes and {lat_arr.size} latitudes",
            column="lon",
            hint="give one (lon, lat) pair per point, at least one point",
        )
    bad = ~(np.isfinite(lon_arr) & np.isfinite(lat_arr))
    bad |= (np.abs(lon_arr) > 180) | (np.abs(lat_arr) > 90)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"({lon_arr[first]}, {lat_arr[first]}) is not a longitude/latitude",
            row=first + 1,
            column="lon",
            hint="coordinates are WGS84 degrees, lon in [-180, 180], lat in [-90, 90]",
        )
    return lon_arr, lat_arr


def _mean_lon_lat(lon: ArrayLike, lat: ArrayLike) -> tuple[float, float]:
    # a centre past 180 (a box across it) is the same meridian modulo 360
    lon = np.where(np.abs(lon) <= 540, wrap_lon(np.asarray(lon, dtype=float)), lon)
    lon_arr, lat_arr = _check_lon_lat(lon, lat)
    return circular_mean_lon(lon_arr), float(lat_arr.mean())


def circular_mean_lon(lon: ArrayLike) -> float:
    """The mean of longitudes taken on the circle, in [-180, 180).

    The arithmetic mean of 179 and -179 is 0, on the far side of the Earth; the
    circular mean (of the unit vectors) is 180.

    Examples
    --------
    >>> circular_mean_lon([179.0, -179.0]), circular_mean_lon([10.0, 20.0])
    (-180.0, 15.0)
    """
    radians = np.radians(np.asarray(lon, dtype=float).ravel())
    mean = math.degrees(math.atan2(np.sin(radians).mean(), np.cos(radians).mean()))
    return wrap_lon(mean)


def wrap_lon(lon: Any, centre: float = 0.0) -> Any:
    """Longitudes shifted by whole turns into ``[centre - 180, centre + 180)``.

    With ``centre`` the middle of a survey across 180 degrees, the survey's
    longitudes become continuous (178, 182 rather than 178, -178).

    Examples
    --------
    >>> wrap_lon([181.0, -179.0, 10.0]).tolist()
    [-179.0, -179.0, 10.0]
    >>> wrap_lon([179.0, -179.0], centre=180.0).tolist()
    [179.0, 181.0]
    """
    lon = np.asarray(lon, dtype=float)
    wrapped = (lon - centre + 180.0) % 360.0 + centre - 180.0
    return float(wrapped) if wrapped.ndim == 0 else wrapped


def _parse_crs(crs: str | pyproj.CRS, *, key: str) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as err:
        raise ConfigError(
            f"unknown CRS {crs!r}", column=key, hint="use a code such as 'EPSG:4326'"
        ) from err


def _is_metric(crs: pyproj.CRS) -> bool:
    axes = crs.axis_info[:2]
    return len(axes) == 2 and all(axis.unit_name in ("metre", "meter") for axis in axes)


_X_ATTRS = {
    "standard_name": "projection_x_coordinate",
    "long_name": "easting of cell centre",
    "units": "m",
    "axis": "X",
}
_Y_ATTRS = {
    "standard_name": "projection_y_coordinate",
    "long_name": "northing of cell centre",
    "units": "m",
    "axis": "Y",
}
_LON_ATTRS = {
    "standard_name": "longitude",
    "long_name": "longitude of cell centre (WGS84)",
    "units": "degrees_east",
}
_LAT_ATTRS = {
    "standard_name": "latitude",
    "long_name": "latitude of cell centre (WGS84)",
    "units": "degrees_north",
}
_CELL_AREA_ATTRS = cf_attrs("cell_area_m2") | {"AREA_OR_POINT": "Area"}
