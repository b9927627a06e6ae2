"""Figures of a resource estimate: maps, cross-validation, grade-tonnage, profiles.

Every ``plot_*`` function takes plain data (an :class:`xarray.DataArray` on the
estimation grid, a :class:`pandas.DataFrame`, a GeoDataFrame of zones), draws on the
matplotlib ``ax`` it is given, or on a new figure when ``ax`` is omitted, and returns
the Axes. Maps are drawn in the grid's projected CRS, so shapes and areas look as they
are on the ground, with a latitude/longitude graticule labelled on the frame, a scale
bar measured on the WGS84 ellipsoid, a colour bar with units and a title.

The ``add_*`` functions put one map element on any Axes whose data coordinates are in
a known CRS: core locations, zone outlines, the graticule, the scale bar.

Grids of any size can be mapped in bounded memory: a map is drawn from at most
:data:`MAX_MAP_CELLS` cells a side, taking one cell in every ``n x n`` block
(:func:`map_stride`, :func:`decimate`) before any value is loaded, so a lazily
loaded (dask-backed) grid of 10^8 cells reads only what is drawn into memory. Such a
map says so in its corner.

matplotlib is imported inside the functions, so importing seabed does not pull it in.
Reports build their figures with :class:`matplotlib.figure.Figure` directly (no
pyplot, no global state), which renders with the Agg backend.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from seabed.grid import make_grid
>>> grid = make_grid((153.5, 21.8, 153.9, 22.1), 2000.0)
>>> grade = (800.0 + 0.0 * grid.cell_area_m2).assign_attrs(
...     units="ppm", long_name="total REY grade")
>>> ax = plot_map(grade, title="REY grade")
>>> ax.get_title(), [label.get_text() for label in ax.get_xticklabels()][:2]
('REY grade', ['153°30′E', '153°35′E'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyproj
import shapely
import xarray as xr

from seabed.chunks import MAX_MAP_CELLS

__all__ = [
    "CLASS_COLORS",
    "add_cores",
    "add_graticule",
    "add_scale_bar",
    "add_zones",
    "decimate",
    "map_stride",
    "plot_class_map",
    "plot_exclusion_map",
    "plot_location_map",
    "plot_map",
]


if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize


#: Colour of each resource class (codes as in ``class.tif``), lightest for the least sure.
CLASS_COLORS = {
    "unclassified": "#e6e6e6",
    "measured": "#2c7bb6",
    "indicated": "#abd9e9",
    "inferred": "#fdae61",
}


# A grid or a dataset of grids on the same cells.
Gridded = TypeVar("Gridded", xr.DataArray, xr.Dataset)


_WGS84 = pyproj.CRS.from_epsg(4326)


_GEOD = pyproj.Geod(ellps="WGS84")


# Graticule spacings (degrees) to choose from, and how many lines to aim for.
_GRATICULE_STEPS = (
    1 / 60,
    2 / 60,
    5 / 60,
    0.1,
    0.25,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    30.0,
)


_GRATICULE_MAX_LINES = 7


# Zone outlines are densified to this step (degrees) before reprojection, so that
# parallels and circle arcs stay curved in the projected plane.
_DENSIFY_DEG = 0.02


# Qualitative colours for zone outlines, one per zone reason.
_ZONE_COLORS = ("#0072b2", "#d55e00", "#cc79a7", "#009e73", "#e69f00", "#56b4e9")


# --------------------------------------------------------------------------- maps
def plot_map(
    grid: xr.DataArray,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    cmap: str | Colormap = "viridis",
    norm: Normalize | None = None,
    label: str | None = None,
    cores: pd.DataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> Axes:
    """Map a grid with a colour bar, graticule, scale bar, cores and zone outlines.

    Parameters
    ----------
    grid : xarray.DataArray
        2-D values with dimensions ``("y", "x")``: cell-centre coordinates of a
        regular grid in a projected CRS (as made by :func:`seabed.grid.make_grid`).
        NaN cells are left blank.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Title; defaults to the grid's ``long_name``.
    cmap : str or Colormap
        Colour map.
    norm : matplotlib Normalize, optional
        Colour scaling; linear over the finite values when omitted.
    label : str, optional
        Colour-bar label; defaults to ``long_name (units)``.
    cores : pandas.DataFrame, optional
        Core locations to mark (see :func:`add_cores`).
    zones : geopandas.GeoDataFrame, optional
        Zones to outline (see :func:`add_zones`).
    crs : pyproj.CRS or str, optional
        CRS of the grid; defaults to ``grid.rio.crs``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(6.4, 5.0))
    crs = _crs_of(grid, crs)
    image = _show_grid(ax, grid, cmap=cmap, norm=norm)
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.85, pad=0.02)
    colorbar.set_label(label if label is not None else _describe(grid))
    _decorate(ax, grid, crs, cores=cores, zones=zones)
    ax.set_title(title if title is not None else grid.attrs.get("long_name", ""))
    return ax


def plot_class_map(
    resource_class: xr.DataArray,
    ax: Axes | None = None,
    *,
    title: str = "Resource class",
    cores: pd.DataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> Axes:
    """Map resource classes (codes 0-3 of ``class.tif``) with a legend of the classes.

    Parameters
    ----------
    resource_class : xarray.DataArray
        Integer codes per cell; their names come from the ``flag_meanings``
        attribute (CF), by default ``unclassified measured indicated inferred``.
    ax, title, cores, zones, crs
        As in :func:`plot_map`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    ax = _axes(ax, figsize=(6.4, 5.0))
    crs = _crs_of(resource_class, crs)
    names = str(
        resource_class.attrs.get("flag_meanings", " ".join(CLASS_COLORS))
    ).split()
    colors = [CLASS_COLORS.get(name, "#999999") for name in names]
    codes = np.arange(len(names) + 1) - 0.5
    _show_grid(
        ax,
        resource_class,
        cmap=ListedColormap(colors),
        norm=BoundaryNorm(codes, len(names)),
    )
    counts = _cell_counts(resource_class, len(names))
    classes = [
        Patch(facecolor=color, edgecolor="0.4", label=f"{name} ({count:,} cells)")
        for name, color, count in zip(names, colors, counts)
        if count > 0
    ]
    _decorate(ax, resource_class, crs, cores=cores, zones=zones, handles=classes)
    ax.set_title(title)
    return ax


def plot_exclusion_map(
    available_fraction: xr.DataArray,
    ax: Axes | None = None,
    *,
    title: str = "Excluded share of each cell",
    cores: pd.DataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    crs: Any = None,
) -> Axes:
    """Map the share of each cell that cannot count (1 - available fraction).

    Parameters
    ----------
    available_fraction : xarray.DataArray
        Fraction of each cell inside the include zones and outside every exclusion
        (0-1), as the pipeline computes it.
    ax, title, cores, zones, crs
        As in :func:`plot_map`; the zones are the include and exclude zones.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import Normalize

    excluded = (1.0 - available_fraction).assign_attrs(
        long_name="excluded share of the cell", units="1"
    )
    excluded = excluded.rio.write_crs(_crs_of(available_fraction, crs))
    return plot_map(
        excluded,
        ax,
        title=title,
        cmap="Reds",
        norm=Normalize(0.0, 1.0),
        label="excluded share of the cell (0-1)",
        cores=cores,
        zones=zones,
        crs=crs,
    )


def plot_location_map(
    bounds: Sequence[float],
    crs: Any,
    ax: Axes | None = None,
    *,
    zones: gpd.GeoDataFrame | None = None,
    cores: pd.DataFrame | None = None,
    water_depth: xr.DataArray | None = None,
    title: str = "Location",
) -> Axes:
    """Overview: the grid's footprint among the zones, over the water depth.

    Parameters
    ----------
    bounds : sequence of float
        The grid's footprint ``(x_min, y_min, x_max, y_max)`` in ``crs``.
    crs : pyproj.CRS or str
        The projected CRS of the grid; the map is drawn in it.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    zones : geopandas.GeoDataFrame, optional
        Zones to outline (see :func:`add_zones`); the map extends to show the
        include zones (all zones when there is no ``kind`` column) whole.
    cores : pandas.DataFrame, optional
        Core locations (see :func:`add_cores`).
    water_depth : xarray.DataArray, optional
        Water depth in metres (positive down) with a CRS, drawn as the background.
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.patches import Rectangle

    ax = _axes(ax, figsize=(6.4, 5.0))
    crs = pyproj.CRS.from_user_input(crs)
    x0, y0, x1, y1 = (float(v) for v in bounds)
    view = shapely.box(x0, y0, x1, y1)
    if zones is not None and len(zones):
        framing = zones[zones["kind"] == "include"] if "kind" in zones else zones
        if len(framing):
            view = view.union(shapely.box(*_projected(framing, crs).total_bounds))
    vx0, vy0, vx1, vy1 = view.bounds
    pad = 0.05 * max(vx1 - vx0, vy1 - vy0)
    limits = (vx0 - pad, vx1 + pad), (vy0 - pad, vy1 + pad)

    if water_depth is not None:
        # decimated before reprojection, which would otherwise load the whole input
        depth = (
            decimate(water_depth)
            .rio.reproject(crs)
            .rio.clip_box(limits[0][0], limits[1][0], limits[0][1], limits[1][1])
        )
        from matplotlib import colormaps
        from matplotlib.colors import ListedColormap

        # light greys only, so that zone outlines and the grid stay legible
        greys = ListedColormap(colormaps["Greys"](np.linspace(0.05, 0.6, 256)))
        image = _show_grid(ax, depth, cmap=greys, interpolation="bilinear")
        colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.85, pad=0.02)
        colorbar.set_label("water depth (m)")
    ax.add_patch(
        Rectangle(
            (x0, y0),
            x1 - x0,
            y1 - y0,
            fill=False,
            edgecolor="black",
            linewidth=1.5,
            label="estimation grid",
            zorder=4,
        )
    )
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal")
    if zones is not None:
        add_zones(ax, zones, crs)
    if cores is not None:
        add_cores(ax, cores, crs, size=6.0)
    add_graticule(ax, crs)
    add_scale_bar(ax, crs)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.08), fontsize=8, ncol=2)
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- map parts
def add_cores(
    ax: Axes,
    cores: pd.DataFrame,
    crs: Any,
    *,
    size: float = 14.0,
) -> None:
    """Mark core locations; cores that do not reach the window's bottom are crosses.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in ``crs`` coordinates.
    cores : pandas.DataFrame
        Columns ``lon`` and ``lat`` (WGS84 degrees) and optionally ``reaches_bottom``
        (bool), as in the composites table of a run.
    crs : pyproj.CRS or str
        CRS of the Axes' data coordinates.
    size : float
        Marker area in points squared.
    """
    x, y = _to_crs(cores["lon"].to_numpy(), cores["lat"].to_numpy(), crs)
    reaches = (
        cores["reaches_bottom"].to_numpy(dtype=bool)
        if "reaches_bottom" in cores
        else np.ones(len(cores), dtype=bool)
    )
    ax.scatter(
        x[reaches],
        y[reaches],
        s=size,
        facecolor="white",
        edgecolor="black",
        linewidth=0.7,
        label=f"cores ({int(reaches.sum())})",
        zorder=6,
    )
    if not reaches.all():
        ax.scatter(
            x[~reaches],
            y[~reaches],
            s=size * 1.5,
            marker="x",
            color="#c00000",
            linewidth=1.0,
            label=f"short cores, not used ({int((~reaches).sum())})",
            zorder=6,
        )


def add_zones(ax: Axes, zones: gpd.GeoDataFrame, crs: Any) -> None:
    """Outline zones, one colour per reason; exclusions solid, include zones dashed,
    the area of interest (``kind`` ``"area"``) black, dash-dotted.

    Only outlines that cross the current view are drawn and listed in the legend.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in ``crs`` coordinates; their limits are kept.
    zones : geopandas.GeoDataFrame
        Polygons with a CRS, a ``reason`` column and optionally a ``kind`` column
        (``"include"`` or ``"exclude"``; exclusions when absent).
    crs : pyproj.CRS or str
        CRS of the Axes' data coordinates.
    """
    from matplotlib.collections import LineCollection

    limits = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(limits[0][0], limits[1][0], limits[0][1], limits[1][1])
    projected = _projected(zones, crs)
    kinds = (
        projected["kind"]
        if "kind" in projected
        else pd.Series("exclude", index=projected.index)
    )
    reasons = (
        projected["reason"].astype(str)
        if "reason" in projected
        else pd.Series("zone", index=projected.index)
    )
    groups = pd.DataFrame({"kind": kinds, "reason": reasons}).drop_duplicates()
    # the area of interest is black: the zones keep their colours with or without it
    numbers = (groups["kind"] != "area").cumsum() - 1
    for number, (kind, reason) in zip(numbers, groups.itertuples(index=False)):
        chosen = projected.geometry[(kinds == kind) & (reasons == reason)]
        outlines = shapely.get_parts(chosen.boundary.to_numpy())
        outlines = outlines[shapely.intersects(outlines, view)]
        if len(outlines) == 0:
            continue  # not in view: no line, no legend entry
        segments = [shapely.get_coordinates(line) for line in outlines]
        area = kind == "area"  # the statement's own limit: drawn apart from zones
        ax.add_collection(
            LineCollection(
                segments,
                colors="black" if area else _ZONE_COLORS[number % len(_ZONE_COLORS)],
                linewidths=1.2 if area else 1.4,
                linestyles="-." if area else "--" if kind == "include" else "-",
                label=reason if area else f"{kind}: {reason}",
                zorder=5,
            )
        )
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])


def add_graticule(ax: Axes, crs: Any, *, step_deg: float | None = None) -> float:
    """Draw meridians and parallels and label them on the bottom and left frame.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in ``crs`` coordinates, with their final limits set.
    crs : pyproj.CRS or str
        CRS of the Axes' data coordinates.
    step_deg : float, optional
        Spacing of the lines in degrees; by default the finest round value (1′, 2′,
        5′, 0.1°, 0.25°, 0.5°, 1°...) giving at most seven lines across the view.

    Returns
    -------
    float
        The spacing used, in degrees.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame_x = np.concatenate([np.linspace(x0, x1, 64), np.full(64, x1)])
    frame_x = np.concatenate([frame_x, np.linspace(x1, x0, 64), np.full(64, x0)])
    frame_y = np.concatenate([np.full(64, y0), np.linspace(y0, y1, 64)])
    frame_y = np.concatenate([frame_y, np.full(64, y1), np.linspace(y1, y0, 64)])
    lon, lat = _to_crs(frame_x, frame_y, _WGS84, source=crs)
    lon = np.rad2deg(np.unwrap(np.deg2rad(lon)))  # continuous across 180°
    step = step_deg or _nice_step(max(np.ptp(lon), np.ptp(lat)))
    style: dict[str, Any] = {
        "color": "0.3",
        "linewidth": 0.5,
        "linestyle": ":",
        "zorder": 3,
    }

    xticks, xlabels = [], []
    for meridian in _multiples(lon.min(), lon.max(), step):
        along = np.linspace(lat.min(), lat.max(), 128)
        x, y = _to_crs(np.full_like(along, meridian), along, crs)
        ax.plot(x, y, **style)
        if y.min() <= y0 <= y.max():
            xticks.append(float(np.interp(y0, y, x)))
            xlabels.append(_format_degrees(meridian, "EW", step))
    yticks, ylabels = [], []
    for parallel in _multiples(lat.min(), lat.max(), step):
        along = np.linspace(lon.min(), lon.max(), 128)
        x, y = _to_crs(along, np.full_like(along, parallel), crs)
        ax.plot(x, y, **style)
        if x.min() <= x0 <= x.max():
            yticks.append(float(np.interp(x0, x, y)))
            ylabels.append(_format_degrees(parallel, "NS", step))
    ax.set_xticks(xticks, xlabels, fontsize=8)
    ax.set_yticks(yticks, ylabels, fontsize=8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return step


def add_scale_bar(ax: Axes, crs: Any, *, loc: str = "lower left") -> float:
    """Add a scale bar whose length is measured on the WGS84 ellipsoid.

    The projected length of the bar is set from the geodesic distance across the
    middle of the view, so the bar is right in any projected CRS (UTM, Mercator...).

    Parameters
    ----------
    ax : matplotlib Axes
        Axes in ``crs`` coordinates, with their final limits set.
    crs : pyproj.CRS or str
        CRS of the Axes' data coordinates.
    loc : str
        Where to put the bar (matplotlib legend locations).

    Returns
    -------
    float
        The length the bar stands for, in metres.
    """
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    ym = 0.5 * (y0 + y1)
    lon, lat = _to_crs(np.array([x0, x1]), np.array([ym, ym]), _WGS84, source=crs)
    ground_m = float(_GEOD.inv(lon[0], lat[0], lon[1], lat[1])[2])
    length_m = _nice_length(ground_m / 5.0)
    text = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    bar = AnchoredSizeBar(
        ax.transData,
        length_m * abs(x1 - x0) / ground_m,
        text,
        loc,
        pad=0.4,
        borderpad=0.6,
        sep=3,
        frameon=True,
        size_vertical=0.008 * abs(y1 - y0),
        fontproperties={"size": 8},
    )
    bar.patch.set_alpha(0.8)
    bar.zorder = 7
    ax.add_artist(bar)
    return length_m


# --------------------------------------------------------------------------- helpers
def _axes(ax: Axes | None, *, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _decorate(
    ax: Axes,
    grid: xr.DataArray,
    crs: pyproj.CRS,
    *,
    cores: pd.DataFrame | None,
    zones: gpd.GeoDataFrame | None,
    handles: Sequence[Any] = (),
) -> None:
    """The furniture every grid map shares: frame, zones, cores, graticule, scale.

    The legend goes under the map: ``handles`` first, then zones and cores.
    """
    x0, x1, y0, y1 = _extent(grid)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_facecolor("#f4f4f4")  # cells without a value
    if zones is not None:
        add_zones(ax, zones, crs)
    if cores is not None:
        add_cores(ax, cores, crs)
    add_graticule(ax, crs)
    add_scale_bar(ax, crs)
    _decimation_note(ax, grid)
    handles = [*handles, *ax.get_legend_handles_labels()[0]]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, -0.08),
            fontsize=8,
            ncol=2,
            frameon=False,
        )


def _crs_of(grid: xr.DataArray, crs: Any) -> pyproj.CRS:
    if crs is not None:
        return pyproj.CRS.from_user_input(crs)
    found = grid.rio.crs
    if found is None:
        from seabed.exceptions import MissingCRSError

        raise MissingCRSError(
            f"the grid {grid.name or ''} has no CRS",
            hint="write one with grid.rio.write_crs(...) or pass crs=",
        )
    return pyproj.CRS.from_user_input(found)


def map_stride(grid: xr.DataArray | xr.Dataset) -> int:
    """The whole stride a map of ``grid`` is drawn with: 1 up to :data:`MAX_MAP_CELLS`.

    Parameters
    ----------
    grid : xarray.DataArray or xarray.Dataset
        A grid with dimensions ``y`` and ``x`` (only its sizes are read).

    Returns
    -------
    int
        The smallest ``n`` such that one cell in every ``n x n`` block leaves at
        most :data:`MAX_MAP_CELLS` cells along each side.

    Examples
    --------
    >>> map_stride(xr.DataArray(np.empty((40, 1500)), dims=("y", "x")))
    1
    >>> map_stride(xr.DataArray(np.empty((4000, 10)), dims=("y", "x")))
    3
    """
    longest = max(grid.sizes["y"], grid.sizes["x"])
    return max(1, math.ceil(longest / MAX_MAP_CELLS))


def decimate(grid: Gridded) -> Gridded:
    """The cells a map of ``grid`` is drawn from: the centre cell of each block.

    Selection only: a lazily loaded (dask-backed) grid stays lazy, and loading the
    result reads at most :data:`MAX_MAP_CELLS` cells a side into memory. The kept
    cells are evenly spaced, so the result is a regular grid (with the CRS and
    attributes of ``grid``) whose cells stand for the blocks of :func:`map_stride`.

    Parameters
    ----------
    grid : xarray.DataArray or xarray.Dataset
        A grid (or grids) with dimensions ``y`` and ``x``.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        ``grid`` itself when it is small enough.

    Examples
    --------
    >>> grid = xr.DataArray(np.arange(16.0).reshape(4, 4), dims=("y", "x"))
    >>> decimate(grid).shape
    (4, 4)
    >>> big = xr.DataArray(np.zeros((3100, 20)), dims=("y", "x"))
    >>> decimate(big).sizes["y"], decimate(big).sizes["x"]
    (1033, 7)
    """
    stride = map_stride(grid)
    if stride == 1:
        return grid
    centres = slice(stride // 2, None, stride)
    return grid.isel(y=centres, x=centres)


def _show_grid(
    ax: Axes, grid: xr.DataArray, *, interpolation: str = "nearest", **style: Any
) -> Any:
    """Draw a (y, x) grid north-up over its cell edges (pixel-is-area).

    The one place where map values are loaded: from the decimated grid only.
    """
    shown = decimate(_north_up(grid))
    return ax.imshow(
        np.asarray(shown.to_numpy(), dtype=float),
        extent=_extent(shown),
        origin="upper",
        interpolation=interpolation,
        **style,
    )


def _cell_counts(codes: xr.DataArray, n_codes: int) -> list[int]:
    """Cells holding each code 0 ... n_codes - 1, in one pass over a chunked grid."""
    # one Dataset computes every count from the same chunks (dask reads them once)
    tallies = xr.Dataset(
        {f"code_{code}": (codes == code).sum() for code in range(n_codes)}
    ).compute()
    return [int(tallies[f"code_{code}"]) for code in range(n_codes)]


def _decimation_note(ax: Axes, grid: xr.DataArray) -> None:
    """Say on the map that it shows one cell per block, when it does."""
    stride = map_stride(grid)
    if stride > 1:
        ax.text(
            0.99,
            0.01,
            f"1 cell in every {stride} × {stride} drawn",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="0.25",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            zorder=7,
        )


def _north_up(grid: xr.DataArray) -> xr.DataArray:
    # a grid of one row or column keeps its y and x
    extra = [dim for dim in grid.dims if dim not in ("y", "x") and grid.sizes[dim] == 1]
    grid = grid.squeeze(extra, drop=True).transpose("y", "x")
    if grid.sizes["y"] > 1 and grid["y"][0] < grid["y"][-1]:
        grid = grid.isel(y=slice(None, None, -1))
    return grid


def _extent(grid: xr.DataArray) -> tuple[float, float, float, float]:
    """``(left, right, bottom, top)`` of the cells' edges, for ``imshow``."""
    left, bottom, right, top = grid.rio.bounds()
    return float(left), float(right), float(bottom), float(top)


def _describe(grid: xr.DataArray) -> str:
    name = grid.attrs.get("long_name", grid.name or "")
    units = grid.attrs.get("units")
    return f"{name} ({_pretty_units(units)})" if units else str(name)


def _pretty_units(units: str) -> str:
    return {"t km-2": "t/km²", "m2": "m²", "km2": "km²", "1": "0-1"}.get(units, units)


def _to_crs(
    x: np.ndarray, y: np.ndarray, crs: Any, *, source: Any = _WGS84
) -> tuple[np.ndarray, np.ndarray]:
    transformer = pyproj.Transformer.from_crs(source, crs, always_xy=True)
    tx, ty = transformer.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(tx), np.asarray(ty)


def _projected(zones: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Zones in ``crs``, densified first so long edges stay curved."""
    if zones.crs is not None and zones.crs.is_geographic:
        zones = zones.set_geometry(zones.geometry.segmentize(_DENSIFY_DEG))
    return zones.to_crs(crs)


def _nice_step(span_deg: float) -> float:
    """The finest round spacing that gives at most a handful of lines."""
    for step in _GRATICULE_STEPS:
        if span_deg / step <= _GRATICULE_MAX_LINES:
            return step
    return _GRATICULE_STEPS[-1]


def _multiples(low: float, high: float, step: float) -> np.ndarray:
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return np.arange(first, last + 1) * step


def _format_degrees(value: float, hemispheres: str, step: float) -> str:
    """``153.5°E``; whole minutes (``21°48′N``) when the step is in minutes."""
    if hemispheres == "EW":
        value = (value + 180.0) % 360.0 - 180.0
        if math.isclose(value, -180.0):
            value = 180.0
    hemisphere = hemispheres[0] if value >= 0 else hemispheres[1]
    magnitude = abs(value)
    minutes = step * 60
    if not math.isclose(minutes % 6, 0.0, abs_tol=1e-6):  # not a tenth of a degree
        whole = int(magnitude + 1e-9)
        return f"{whole}°{round((magnitude - whole) * 60):02d}′{hemisphere}"
    decimals = 0 if math.isclose(step % 1, 0.0, abs_tol=1e-9) else 1
    return f"{magnitude:.{decimals}f}°{hemisphere}"


def _nice_length(length_m: float) -> float:
    """The largest 1, 2 or 5 x 10^k metres not above ``length_m``."""
    exponent = math.floor(math.log10(length_m))
    for mantissa in (5, 2, 1):
        if mantissa * 10**exponent <= length_m:
            return float(mantissa * 10**exponent)
    return float(10**exponent)
