"""Report zones: the polygons a statement is broken down by (licence blocks,
squares), and each cell's share of each."""

from __future__ import annotations

import os
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import shapely
import xarray as xr
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from seabed.exceptions import InputError
from seabed.io import load_zones
from seabed.zones.coverage import (
    Zones,
    _available_polygon,
    _CellLayout,
    _coverage,
    _to_grid_polygon,
)

__all__ = [
    "OUTSIDE_REPORT_ZONES",
    "load_report_zones",
    "report_zone_coverage",
]


#: Label of the part of the grid outside every report zone.
OUTSIDE_REPORT_ZONES = "outside report zones"


# Share of a cell by which report zones must overlap to count as overlapping: zones
# sharing an edge overlap by GEOS rounding only (about 1e-9 of a cell).
_OVERLAP = 1e-6


def load_report_zones(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    name_column: str = "name",
) -> gpd.GeoDataFrame:
    """Read named polygons to break a statement down by (licence blocks, squares).

    Parameters
    ----------
    path : str or path-like
        Any vector file geopandas reads.
    layer : str, optional
        The layer; the first when omitted.
    name_column : str
        Column holding each zone's name; features sharing a name are one zone.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name`` (str) and ``geometry``, in EPSG:4326.

    Raises
    ------
    InputError
        Unreadable file, unknown layer, no CRS, missing name column, empty names,
        or a zone that encloses no area (a point or a line).

    Examples
    --------
    >>> from seabed.io.datasets import data_dir
    >>> squares = load_report_zones(data_dir() / "minamitorishima_demo_zones.gpkg",
    ...                             layer="takaya2018_squares")
    >>> len(squares), squares.name.iloc[0], squares.name.iloc[-1]
    (24, 'A1', 'D6')
    """
    # load_zones checks the file, layer and CRS and repairs the geometries; the
    # attributes it does not keep are read again from the same layer
    zones = load_zones(path, layer=layer)
    frame = gpd.read_file(path, layer=layer)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if name_column not in frame.columns:
        raise InputError(
            f"the layer has no column {name_column!r}",
            path=path,
            column=name_column,
            hint="name_column is one of " + ", ".join(map(str, frame.columns)),
        )
    names = frame[name_column]
    blank = names.isna() | (names.astype(str).str.strip() == "")
    if blank.any():
        raise InputError(
            "a zone has no name",
            path=path,
            row=int(np.flatnonzero(blank.to_numpy())[0]) + 1,
            column=name_column,
            hint="give every feature a name",
        )
    shapes = zones.geometry.to_numpy()
    flat = np.flatnonzero(~(shapely.area(shapes) > 0))
    if flat.size:  # a point or a line: its statement would always be empty
        raise InputError(
            f"zone {str(names.iloc[flat[0]])!r} encloses no area (it is a "
            f"{shapes[flat[0]].geom_type})",
            path=path,
            row=int(flat[0]) + 1,
            column=name_column,
            hint="give the report zones as polygons",
        )
    return gpd.GeoDataFrame(
        {"name": names.astype(str).to_numpy()}, geometry=shapes, crs=zones.crs
    )


def report_zone_coverage(
    grid: xr.Dataset | xr.DataArray,
    zones: gpd.GeoDataFrame,
    *,
    name_column: str = "name",
    include: Sequence[Zones] = (),
    exclude: Sequence[tuple[str, Zones]] = (),
    area: Sequence[Zones] = (),
    within_area: bool | None = None,
) -> xr.DataArray:
    """Exact share of every cell's available area in every named zone.

    A statement per zone weights each cell by this share: the available part of a
    cell that a zone's edge crosses is split exactly, even where the available part
    is itself cut by include or exclusion zones (the two are intersected, never
    multiplied as if independent).

    Parameters
    ----------
    grid : xarray.Dataset or xarray.DataArray
        The grid (see :func:`coverage_fraction`).
    zones : geopandas.GeoDataFrame
        Polygons with a CRS and a name column; features sharing a name are united.
    name_column : str
        The column of names.
    include, exclude, area, within_area : optional
        The include and exclusion zones and the area of interest of
        :func:`zone_coverage`, which define the available area.

    Returns
    -------
    xarray.DataArray
        ``(zone, y, x)`` shares in [0, 1] of the available area of each cell: one
        row per name in order of first appearance, then :data:`OUTSIDE_REPORT_ZONES`.
        Cells with no available area get the shares of their whole area. Attribute
        ``overlapping`` is 1 when zones overlap (their rows then count the shared
        area in each), else 0; without overlaps the shares of a cell add up to 1.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((0.0, 0.0, 2000.0, 1000.0), 1000.0,
    ...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
    >>> blocks = gpd.GeoDataFrame({"name": ["west", "east"]},
    ...     geometry=[box(0, 0, 500, 1000), box(500, 0, 1500, 1000)], crs="EPSG:32631")
    >>> cover = report_zone_coverage(grid, blocks)
    >>> cover.zone.values.tolist()
    ['west', 'east', 'outside report zones']
    >>> cover.values[:, 0, :].tolist()
    [[0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]
    >>> licence = gpd.GeoSeries([box(0, 0, 750, 1000)], crs="EPSG:32631")
    >>> within = report_zone_coverage(grid, blocks, include=[licence])
    >>> within.values[:, 0, 0].round(4).tolist()  # west holds 2/3 of what is kept
    [0.6667, 0.3333, 0.0]
    """
    layout = _CellLayout.from_grid(grid)
    if name_column not in zones.columns:
        raise InputError(
            f"the zones have no column {name_column!r}",
            column=name_column,
            hint="name the column that holds the zone names",
        )
    available = _available_polygon(include, exclude, area, layout, within_area)
    available_cover = _coverage(available, layout)
    has_area = available_cover > 0
    labels = zones[name_column].astype(str)
    names = list(dict.fromkeys(labels))
    polygons = [_to_grid_polygon(zones[labels == name], layout) for name in names]
    union = _to_grid_polygon(zones, layout)
    # fractions of the whole cell inside (zone ∩ available), then shares of the
    # available part; the overlap test runs on the fractions, which slivers of
    # available area cannot blow up
    within = [_coverage(shapely.intersection(p, available), layout) for p in polygons]
    within_union = _coverage(shapely.intersection(union, available), layout)
    overlapping = bool(np.any(np.sum(within, axis=0) > within_union + _OVERLAP))

    def share(inside: NDArray[np.float64], polygon: BaseGeometry) -> NDArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(
                has_area, inside / available_cover, _coverage(polygon, layout)
            )
        return np.clip(ratio, 0.0, 1.0)

    shares = [share(w, p) for w, p in zip(within, polygons)]
    stacked = np.stack([*shares, 1.0 - share(within_union, union)])
    return xr.DataArray(
        stacked,
        dims=("zone", "y", "x"),
        coords={
            "zone": [*names, OUTSIDE_REPORT_ZONES],
            "y": grid.coords["y"],
            "x": grid.coords["x"],
        },
        attrs={
            "long_name": "share of the cell's available area in the report zone",
            "units": "1",
            "overlapping": int(overlapping),
        },
    )
