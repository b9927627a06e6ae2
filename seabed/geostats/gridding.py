"""Estimate a fitted estimator on a regular grid, as an xarray Dataset (``.grid()``).

Every estimator of :mod:`seabed.geostats` has a :meth:`GridMixin.grid` method, in the
manner of Verde's gridders: give the grid as ``bounds``, ``spacing`` and ``crs``
(projected, in metres), or as a ``template`` Dataset or DataArray with 1-D ``x`` and
``y`` coordinates. The result holds the estimate (and its standard deviation where
the estimator gives one), the CRS as a CF grid mapping written with rioxarray,
CF attributes on ``x`` and ``y``, 2-D ``lon``/``lat`` auxiliary coordinates and NaN
as nodata, so that ``ds["estimate"].rio.to_raster("map.tif")`` writes a GeoTIFF.

A template whose data are dask arrays (or a ``chunks=`` argument) makes the grid
lazy: it is computed tile by tile over the ``y``/``x`` chunks with
:func:`dask.array.map_blocks`, and its values are identical to the unchunked grid's
(the estimators give each node the same answer whatever the other nodes of a call).

The estimators take coordinates in projected metres. Their ``fit`` also takes a
GeoDataFrame (or GeoSeries) of points as ``X``, with ``y`` (and ``groups``) as
column names or arrays (:func:`fit_inputs`): a projected one is used in its own CRS,
a geographic one (lon/lat) is projected to the WGS84 UTM zone of its mean position,
and the estimator learns that CRS as ``crs_`` (None when fitted on arrays), which
:meth:`GridMixin.grid` then uses by default. A grid in any other CRS is refused
(refit on samples in that CRS instead), and so is a geographic CRS (degrees), by
:meth:`GridMixin.grid` and by :func:`coordinates`; ``fit`` on arrays cannot tell
degrees from small metric coordinates and does not check.

Examples
--------
>>> from seabed.geostats import OrdinaryKriging, Variogram
>>> X = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
>>> ok = OrdinaryKriging(Variogram("exponential", psill=1.0, range=200.0))
>>> ds = ok.fit(X, [1.0, 2.0, 3.0, 4.0]).grid(
...     bounds=(0, 0, 100, 100), spacing=50, crs="EPSG:32656", units="ppm")
>>> ds["estimate"].shape, ds.rio.crs.to_epsg(), float(ds.y[0])
((2, 2), 32656, 75.0)

Fitted on lon/lat points, the estimator grids in their UTM zone by default:

>>> import geopandas as gpd
>>> cores = gpd.GeoDataFrame(
...     {"rey_ppm": [700.0, 900.0, 800.0]},
...     geometry=gpd.points_from_xy([153.90, 154.00, 153.95], [24.20, 24.25, 24.30]),
...     crs="EPSG:4326")
>>> ok = OrdinaryKriging(Variogram("exponential", psill=1e4, range=20_000.0))
>>> ok.fit(cores, "rey_ppm").crs_.to_epsg()
32656
>>> (xmin, ymin), (xmax, ymax) = ok.X_.min(axis=0), ok.X_.max(axis=0)
>>> ok.grid(bounds=(xmin, ymin, xmax, ymax), spacing=2000).rio.crs.to_epsg()
32656
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import dask.array as da
import numpy as np
import pyproj
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import InputError

__all__ = ["GridMixin", "coordinates", "fit_inputs", "grid_coordinates", "local_utm"]

_PROJECT_HINT = (
    "project the coordinates to a metric CRS first (e.g. with seabed.grid or pyproj) "
    "and grid in that CRS, e.g. a UTM zone such as EPSG:32656"
)


def _projected_crs(crs: Any, what: str) -> pyproj.CRS:
    """``crs`` parsed, refused when geographic (degrees are not metres)."""
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as error:
        raise InputError(
            f"{what}: {crs!r} is not a CRS ({error})", column="crs"
        ) from None
    if not parsed.is_projected:
        raise InputError(
            f"{what}: the CRS {parsed.name!r} is not projected (degrees, not metres); "
            + _PROJECT_HINT,
            column="crs",
        )
    if not _in_metres(parsed):
        raise InputError(
            f"{what}: the CRS {parsed.name!r} is not in metres; " + _PROJECT_HINT,
            column="crs",
        )
    return parsed


def _in_metres(crs: pyproj.CRS) -> bool:
    axes = crs.axis_info[:2]
    return len(axes) == 2 and all(axis.unit_name in ("metre", "meter") for axis in axes)


def _point_geometry(gdf: Any) -> Any:
    """The point geometry of a GeoDataFrame or GeoSeries, refused without a CRS,
    with a missing or empty geometry, or with other geometries than points."""
    if gdf.crs is None:
        raise InputError(
            "the points have no CRS; set it first, e.g. gdf.set_crs('EPSG:4326')",
            column="geometry",
        )
    geometry = gdf.geometry if hasattr(gdf, "geometry") else gdf
    missing = np.flatnonzero((geometry.isna() | geometry.is_empty).to_numpy())
    if len(missing):
        raise InputError(
            f"{len(missing)} sample(s) have no location (missing or empty geometry); "
            "drop them first, e.g. gdf[~gdf.geometry.is_empty & gdf.geometry.notna()]",
            row=int(missing[0]) + 1,
            column="geometry",
        )
    kinds = set(geometry.geom_type.dropna())
    if kinds - {"Point"}:
        raise InputError(
            f"the samples must be points, not {sorted(kinds - {'Point'})}; "
            "take their centroids first in a projected CRS",
            column="geometry",
        )
    return geometry


def _xy(geometry: Any) -> NDArray[np.float64]:
    return np.column_stack([geometry.x.to_numpy(float), geometry.y.to_numpy(float)])


def local_utm(lon: ArrayLike, lat: ArrayLike) -> pyproj.CRS:
    """The WGS84 UTM zone of the mean position of points given in degrees.

    The mean longitude is taken on the circle (right across 180 degrees) and zones
    follow the plain 6-degree rule, as the ``"auto"`` CRS of :mod:`seabed.grid`.

    Examples
    --------
    >>> local_utm([153.9, 154.1], [24.2, 24.3]).to_epsg()
    32656
    >>> local_utm([179.5, -179.5], [-16.0, -16.0]).to_epsg()  # across 180
    32701
    """
    radians = np.radians(np.asarray(lon, dtype=float))
    mean_lon = math.degrees(math.atan2(np.sin(radians).mean(), np.cos(radians).mean()))
    mean_lat = float(np.asarray(lat, dtype=float).mean())
    if not -80.0 <= mean_lat <= 84.0:
        raise InputError(
            f"the samples' mean latitude {mean_lat:.1f} is outside the UTM system "
            "(80 S to 84 N); project them to a polar CRS first, e.g. "
            "gdf.to_crs('EPSG:3413')",
            column="geometry",
        )
    zone = int((mean_lon + 180.0) // 6.0) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if mean_lat >= 0 else 32700) + zone)


def _is_geo(data: Any) -> bool:
    """Whether ``data`` is a GeoDataFrame or GeoSeries (without importing
    geopandas: if it is not imported, nothing is one)."""
    gpd = sys.modules.get("geopandas")
    return gpd is not None and isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries))


def _column(gdf: Any, key: Any, what: str) -> Any:
    """A column (or list of columns) of ``gdf`` named by ``key``, else ``key``."""
    names = [key] if isinstance(key, str) else key
    if not (isinstance(names, list | tuple) and names) or not all(
        isinstance(n, str) for n in names
    ):
        return key
    if not hasattr(gdf, "columns"):
        raise InputError(
            f"{what}={key!r} names a column, but the samples are a GeoSeries; "
            "pass a GeoDataFrame or the values themselves",
            column=what,
        )
    missing = [n for n in names if n not in gdf.columns]
    if missing:
        raise InputError(
            f"no column {missing[0]!r} in the GeoDataFrame; its columns are "
            f"{[str(c) for c in gdf.columns if c != gdf.geometry.name]}",
            column=what,
        )
    return gdf[key].to_numpy()


def fit_inputs(
    X: Any, y: Any, groups: Any = None, *, groups_name: str = "groups"
) -> tuple[Any, Any, Any, pyproj.CRS | None]:
    """``X``, ``y`` and ``groups`` of ``fit`` as arrays, and the CRS of the samples.

    Arrays pass through unchanged, with no CRS. A GeoDataFrame or GeoSeries of
    points becomes its ``(n, 2)`` coordinates: in its own CRS if projected (in
    metres), else (lon/lat) in the WGS84 UTM zone of its mean position
    (:func:`local_utm`). ``y`` and ``groups`` may then name its columns (``y`` a
    list of names for several outputs); ``groups_name`` is the name of ``fit``'s
    argument that ``groups`` stands for (``sample_weight``...), for the errors.

    Returns
    -------
    X, y, groups : arrays (or as given)
    crs : pyproj.CRS or None
        The CRS of ``X``; None for arrays.

    Raises
    ------
    InputError
        Points without a CRS, other geometries than points, a projected CRS not
        in metres, or a column name that is not a column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"rey": [800.0]}, crs="EPSG:4326",
    ...                        geometry=gpd.points_from_xy([153.0], [21.0]))
    >>> X, y, _, crs = fit_inputs(pts, "rey")
    >>> X.round(1), y, crs.to_epsg()
    (array([[ 500000. , 2322147.6]]), array([800.]), 32656)
    """
    if not _is_geo(X):
        return X, y, groups, None
    geometry = _point_geometry(X)
    if len(geometry) == 0:
        raise InputError("the GeoDataFrame has no samples", column="geometry")
    crs = pyproj.CRS.from_user_input(geometry.crs)
    if crs.is_projected:
        crs = _projected_crs(crs, "the samples")
        xy = _xy(geometry)
    else:
        crs = local_utm(*_xy(geometry.to_crs("EPSG:4326")).T)
        xy = _xy(geometry.to_crs(crs))
    return xy, _column(X, y, "y"), _column(X, groups, groups_name), crs


def coordinates(gdf: Any, crs: Any) -> NDArray[np.float64]:
    """The ``(n, 2)`` projected coordinates of a GeoDataFrame of points, for ``fit``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or GeoSeries
        Point samples, with a CRS (geographic or projected).
    crs : str or pyproj.CRS
        The projected (metric) CRS to express them in: the grid's CRS.

    Returns
    -------
    ndarray of shape (n, 2)
        Easting and northing in metres, the ``X`` of ``fit(X, y)``.

    Raises
    ------
    InputError
        When ``crs`` is geographic, the points have no CRS, or a geometry is not
        a point.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([153.0], [21.0]),
    ...                        crs="EPSG:4326")
    >>> coordinates(pts, "EPSG:32656").round(1)
    array([[ 500000. , 2322147.6]])
    """
    target = _projected_crs(crs, "coordinates")
    return _xy(_point_geometry(gdf).to_crs(target))


def grid_coordinates(
    bounds: Sequence[float], spacing: float | Sequence[float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cell centres ``(x, y)`` of a grid: half a spacing inside ``bounds``, y
    descending (north up).

    ``bounds`` is ``(xmin, ymin, xmax, ymax)``; ``spacing`` one size or
    ``(dx, dy)``. A span that is not a whole number of cells is rounded up.

    Examples
    --------
    >>> x, y = grid_coordinates((0, 0, 30, 20), 10)
    >>> x.tolist(), y.tolist()
    ([5.0, 15.0, 25.0], [15.0, 5.0])
    """
    if len(bounds) != 4:
        raise InputError(
            f"bounds must be (xmin, ymin, xmax, ymax), got {bounds!r}", column="bounds"
        )
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    steps = np.atleast_1d(np.asarray(spacing, dtype=float))
    dx, dy = float(steps[0]), float(steps[-1])
    if not (np.isfinite([dx, dy]).all() and dx > 0 and dy > 0):
        raise InputError(f"spacing must be positive, got {spacing!r}", column="spacing")
    if not (xmax > xmin and ymax > ymin):
        raise InputError(
            f"bounds {bounds!r} are empty: give (xmin, ymin, xmax, ymax) with "
            "xmin < xmax and ymin < ymax",
            column="bounds",
        )
    nx = max(1, int(np.ceil((xmax - xmin) / dx - 1e-9)))
    ny = max(1, int(np.ceil((ymax - ymin) / dy - 1e-9)))
    x = xmin + dx * (np.arange(nx, dtype=np.float64) + 0.5)
    y = ymax - dy * (np.arange(ny, dtype=np.float64) + 0.5)
    return x, y


def _template_chunks(
    template: xr.Dataset | xr.DataArray | None,
    chunks: Any,
    shape: tuple[int, int],
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The (y, x) chunks of the grid, or None for an eager grid."""
    if chunks is not None:
        if isinstance(chunks, Mapping):
            spec: Any = (chunks.get("y", -1), chunks.get("x", -1))
        else:
            spec = chunks
        normalised = da.core.normalize_chunks(spec, shape, dtype=float)
        return normalised[0], normalised[1]
    if template is None:
        return None
    arrays = (
        [template]
        if isinstance(template, xr.DataArray)
        else template.data_vars.values()
    )
    for array in arrays:
        if isinstance(array.data, da.Array) and {"y", "x"} <= set(array.dims):
            found = dict(zip(array.dims, array.chunks or (), strict=True))
            return tuple(found["y"]), tuple(found["x"])
    return None


def _lon_lat(
    crs: pyproj.CRS, ycol: NDArray[np.float64], xrow: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(2, ny, nx)`` longitudes and latitudes of the cell centres."""
    to_lon_lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    yy, xx = np.broadcast_arrays(ycol, xrow)
    lon, lat = to_lon_lat.transform(xx, yy)
    return np.stack([np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)])


def _cf_coordinates(
    ds: xr.Dataset,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    crs: pyproj.CRS,
    split: tuple[tuple[int, ...], tuple[int, ...]] | None,
) -> xr.Dataset:
    """CF attributes on x and y, 2-D lon/lat (lazy on a lazy grid), and the grid
    mapping."""
    ds["x"].attrs.update(
        standard_name="projection_x_coordinate",
        long_name="easting",
        units="m",
        axis="X",
    )
    ds["y"].attrs.update(
        standard_name="projection_y_coordinate",
        long_name="northing",
        units="m",
        axis="Y",
    )
    lon_lat: Any
    if split is None:
        lon_lat = _lon_lat(crs, y[:, None], x[None, :])
    else:
        lon_lat = da.map_blocks(
            _lon_lat,
            crs,
            da.from_array(y[:, None], chunks=(split[0], 1)),
            da.from_array(x[None, :], chunks=(1, split[1])),
            new_axis=0,
            chunks=((2,), *split),
            dtype=np.float64,
            meta=np.empty((0, 0, 0)),
        )
    ds = ds.assign_coords(lon=(("y", "x"), lon_lat[0]), lat=(("y", "x"), lon_lat[1]))
    ds["lon"].attrs.update(
        standard_name="longitude", long_name="longitude", units="degrees_east"
    )
    ds["lat"].attrs.update(
        standard_name="latitude", long_name="latitude", units="degrees_north"
    )
    ds = ds.rio.write_crs(crs)
    for name in ds.data_vars:
        if name != "spatial_ref":
            ds[name].attrs["coordinates"] = "lon lat"
    return ds


def _check_same_crs(grid_crs: pyproj.CRS, fitted_crs: pyproj.CRS) -> None:
    """Refuse a grid in another CRS than the samples': the variogram's ranges and
    the neighbourhoods were measured in theirs."""
    if not grid_crs.equals(fitted_crs, ignore_axis_order=True):
        epsg = fitted_crs.to_epsg()
        target = f"EPSG:{epsg}" if epsg else "the samples' CRS (crs_)"
        raise InputError(
            f"grid: the CRS {grid_crs.name!r} is not the one the samples were "
            f"fitted in ({fitted_crs.name!r}); grid in {target}, or refit on the "
            "samples projected to the grid's CRS, e.g. fit(gdf.to_crs(crs), ...)",
            column="crs",
        )


class GridMixin:
    """The ``grid`` method of the estimators (needs ``predict`` and ``n_outputs_``)."""

    #: Whether ``predict(X, return_std=True)`` gives a standard deviation worth a
    #: layer (``<name>_std``); inverse distance weighting has none.
    _grid_std: ClassVar[bool] = True

    def grid(
        self,
        bounds: Sequence[float] | None = None,
        spacing: float | Sequence[float] | None = None,
        crs: Any = None,
        *,
        template: xr.Dataset | xr.DataArray | None = None,
        name: str = "estimate",
        names: Sequence[str] | None = None,
        units: str | None = None,
        long_name: str | None = None,
        covariates: Sequence[str] | None = None,
        chunks: Any = None,
    ) -> xr.Dataset:
        """Estimate on a regular grid and return it as an xarray Dataset.

        Give the grid either as ``bounds``, ``spacing`` and ``crs``, or as a
        ``template``. Cell centres are the prediction points: the values equal
        ``predict`` at those points.

        Parameters
        ----------
        bounds : (xmin, ymin, xmax, ymax), optional
            Projected metres; cell centres lie half a spacing inside, y descending.
        spacing : float or (dx, dy), optional
            Cell size in metres.
        crs : str or pyproj.CRS, optional
            The projected CRS of the coordinates, in metres (e.g. "EPSG:32656").
            Geographic CRSs (degrees, e.g. EPSG:4326) are refused. When not
            given: the template's rioxarray CRS, else ``crs_``, the CRS of the
            samples of a fit on a GeoDataFrame. A CRS other than ``crs_`` is
            refused (refit on the samples in that CRS). Without any CRS the grid
            has no grid mapping and no lon/lat.
        template : xarray.Dataset or DataArray, optional
            A grid with 1-D ``x`` and ``y`` coordinates (projected metres). If its
            data are dask arrays chunked over y/x, the result is lazy and
            computed tile by tile over those chunks.
        name : str, default "estimate"
            Name of the estimate; its standard deviation is ``<name>_std``.
        names : sequence of str, optional
            One name per output of a multi-output fit (default
            ``<name>_0``, ``<name>_1``, ...).
        units : str, optional
            Units of the values (set on the estimate and its standard deviation,
            with a ``long_name``).
        long_name : str, optional
            Description of the estimate (default: its name).
        covariates : sequence of str, optional
            Variables of ``template`` that are the columns ``X[:, 2:]`` of ``fit``
            (for external drift or regression kriging), in order.
        chunks : int, tuple or {"y": int, "x": int}, optional
            Compute lazily with dask, tile by tile, in chunks of this many cells.

        Returns
        -------
        xarray.Dataset
            The estimate(s) (and ``<name>_std`` where the estimator gives a
            standard deviation) on ``(y, x)``, with ``lon``/``lat`` auxiliary
            coordinates, CF attributes, the CRS (``spatial_ref``) and NaN nodata.

        Raises
        ------
        InputError
            A geographic CRS, a CRS other than ``crs_``, no grid, or a template
            without ``x``/``y``.
        """
        check_is_fitted(self)
        x, y, grid_crs, layers = self._grid_frame(
            bounds, spacing, crs, template, covariates
        )
        fitted: Any = getattr(self, "kriging_", self)  # regression kriging's residuals
        n_out = int(fitted.n_outputs_)
        single = n_out == 1 and fitted._y_ndim == 1
        if names is None:
            names = [name] if single else [f"{name}_{i}" for i in range(n_out)]
        if len(names) != n_out:
            raise InputError(
                f"names has {len(names)} entries for {n_out} outputs", column="names"
            )
        has_std = self._grid_std
        n_layers = n_out + int(has_std)
        split = _template_chunks(template, chunks, (len(y), len(x)))

        def block(*arrays: NDArray[np.float64]) -> NDArray[np.float64]:
            return self._grid_block(arrays, n_out, has_std)

        values: Any
        if split is None:
            values = block(y[:, None], x[None, :], *(np.asarray(a) for a in layers))
        else:
            # 1-D coordinates broadcast per block: no full-grid copy of them
            ycol = da.from_array(y[:, None], chunks=(split[0], 1))
            xrow = da.from_array(x[None, :], chunks=(1, split[1]))
            tiles = [da.asarray(a).rechunk(split) for a in layers]
            values = da.map_blocks(
                block,
                ycol,
                xrow,
                *tiles,
                new_axis=0,
                chunks=((n_layers,), *split),
                dtype=np.float64,
                meta=np.empty((0, 0, 0)),
            )
        data_vars: dict[str, Any] = {}
        for i, out_name in enumerate(names):
            data_vars[out_name] = (("y", "x"), values[i])
        if has_std:
            data_vars[f"{name}_std"] = (("y", "x"), values[n_out])
        ds = xr.Dataset(data_vars, coords={"y": y, "x": x})
        for var_name in ds.data_vars:
            is_std = has_std and var_name == f"{name}_std"
            base = long_name or str(name if is_std else var_name)
            attrs: dict[str, str] = {}
            if units is not None or long_name is not None:
                attrs["long_name"] = f"standard deviation of {base}" if is_std else base
            if units is not None:
                attrs["units"] = units
            ds[var_name].attrs.update(attrs)
            ds[var_name].encoding["_FillValue"] = np.nan
        if grid_crs is not None:
            ds = _cf_coordinates(ds, x, y, grid_crs, split)
        else:
            ds["x"].attrs.update(
                standard_name="projection_x_coordinate", units="m", axis="X"
            )
            ds["y"].attrs.update(
                standard_name="projection_y_coordinate", units="m", axis="Y"
            )
        for var_name in list(ds.data_vars):
            ds[var_name] = ds[var_name].rio.write_nodata(np.nan, encoded=True)
        return ds

    def _grid_block(
        self, arrays: Sequence[NDArray[np.float64]], n_out: int, has_std: bool
    ) -> NDArray[np.float64]:
        """Predictions at one block of cell centres: ``(layers, ny, nx)``."""
        yy, xx, *layers = np.broadcast_arrays(*arrays)
        shape = yy.shape
        points = np.column_stack(
            [xx.ravel(), yy.ravel(), *(layer.ravel() for layer in layers)]
        )
        predict: Any = getattr(self, "predict")  # noqa: B009 (a mixin)
        if has_std:
            mean, std = predict(points, return_std=True)
        else:
            mean, std = predict(points), None
        mean2 = np.asarray(mean, dtype=float).reshape(len(points), -1)
        out = np.empty((n_out + int(has_std), *shape))
        for i in range(n_out):
            out[i] = mean2[:, i].reshape(shape)
        if std is not None:
            out[n_out] = np.asarray(std, dtype=float).reshape(shape)
        return out

    def _grid_frame(
        self,
        bounds: Sequence[float] | None,
        spacing: float | Sequence[float] | None,
        crs: Any,
        template: xr.Dataset | xr.DataArray | None,
        covariates: Sequence[str] | None,
    ) -> tuple[
        NDArray[np.float64],
        NDArray[np.float64],
        pyproj.CRS | None,
        list[Any],
    ]:
        """Cell centres, CRS and covariate layers of the grid asked for."""
        layers: list[Any] = []  # numpy, or dask for a lazy template
        if template is not None:
            if bounds is not None or spacing is not None:
                raise InputError(
                    "give either a template or bounds and spacing, not both",
                    column="template",
                )
            if "x" not in template.coords or "y" not in template.coords:
                raise InputError(
                    "the template needs 1-D 'x' and 'y' coordinates (projected metres)",
                    column="template",
                )
            x = np.asarray(template["x"].values, dtype=float)
            y = np.asarray(template["y"].values, dtype=float)
            if x.ndim != 1 or y.ndim != 1:
                raise InputError(
                    "the template's 'x' and 'y' must be 1-D", column="template"
                )
            if crs is None:
                crs = template.rio.crs
            for var in covariates or ():
                if not isinstance(template, xr.Dataset) or var not in template:
                    raise InputError(
                        f"covariate {var!r} is not a variable of the template",
                        column="covariates",
                    )
                layer = template[var].transpose("y", "x")
                layers.append(layer.data.astype(np.float64))  # dask stays lazy
        else:
            if bounds is None or spacing is None:
                raise InputError(
                    "give the grid as bounds=(xmin, ymin, xmax, ymax), spacing= and "
                    "crs=, or as template=",
                    column="bounds",
                )
            if covariates:
                raise InputError(
                    "covariates are variables of a template; give template=",
                    column="covariates",
                )
            x, y = grid_coordinates(bounds, spacing)
        fitted_crs: pyproj.CRS | None = getattr(self, "crs_", None)
        if crs is None:
            crs = fitted_crs
        grid_crs = None if crs is None else _projected_crs(crs, "grid")
        if fitted_crs is not None and grid_crs is not None:
            _check_same_crs(grid_crs, fitted_crs)
        return x, y, grid_crs, layers
