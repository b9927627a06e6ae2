"""Exact fractional coverage of grid cells by zones: what to stay inside, what to leave out.

A cell is rarely wholly inside or outside a protected area or an EEZ; its coverage
fraction is the area of (cell ∩ zone) divided by the cell's area, computed exactly in
the grid's projected plane, never by testing the cell centre. The work is arranged so
that only cells the zone's boundary crosses need a polygon intersection:

1. the zone's boundary is cut into short segments held in an STRtree;
2. the grid is split into blocks of 32 x 32 cells; blocks no segment touches are wholly
   inside or outside, which one point-in-polygon test per block decides;
3. in the remaining blocks the same two steps run cell by cell, and the cells the
   boundary crosses get ``intersection(cell, zone).area``, against the zone already
   clipped to the block so that each intersection stays small. Only the cells
   within a segment's envelope, found by arithmetic on the cell edges, are made
   into polygons and tested against the segments; the others take the
   point-in-polygon test of their centre.

Zones given in another CRS (EPSG:4326 usually) are densified before they are
reprojected, so that long edges, such as a parallel or the arc of a 200-nmi circle,
stay curved in the grid's plane.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> from seabed.grid import make_grid
>>> grid = make_grid((0.0, 0.0, 4000.0, 2000.0), 1000.0,
...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
>>> zone = gpd.GeoSeries([box(500.0, 0.0, 1500.0, 1250.0)], crs="EPSG:32631")
>>> coverage_fraction(zone, grid)
array([[0.125, 0.125, 0.   , 0.   ],
       [0.5  , 0.5  , 0.   , 0.   ]])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pyproj
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import shapely
import xarray as xr
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from seabed.exceptions import ConfigError, InputError, MissingCRSError, SeabedWarning

__all__ = [
    "BOX_STEP_DEG",
    "bounds_area",
    "coverage_fraction",
    "geodesic_area_km2",
    "include_within_area",
    "zone_coverage",
]


#: Zones as accepted by this module: features with a CRS, or one shapely geometry
#: already in the grid's CRS.
Zones: TypeAlias = gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry


#: Spacing (degrees) of the points along the edges of a lon/lat box made by
#: :func:`bounds_area`: its parallels are followed to well under a millimetre.
BOX_STEP_DEG = 0.001


# An area of interest that already contains the include zones to this share of their
# area adds no constraint: the include zones' own outline is kept, not clipped by an
# outline that differs from it only by round-off (a box drawn twice).
_CONTAINED = 1e-7


# Cells per block side in the coarse pass; 32 x 32 blocks keep both passes small.
_BLOCK = 32


_GEOD = pyproj.Geod(ellps="WGS84")


# Metres per degree of latitude (rounded); used only to choose a densifying step.
_M_PER_DEG = 111_320.0


_POLYGON, _MULTI_TYPES = 3, (4, 5, 6, 7)


def coverage_fraction(geometry: Zones, grid: xr.Dataset | xr.DataArray) -> NDArray:
    """The exact fraction of each grid cell covered by a zone.

    Parameters
    ----------
    geometry : GeoDataFrame, GeoSeries or shapely geometry
        The zone. Features are merged (overlaps count once). A GeoDataFrame or
        GeoSeries must carry a CRS and is reprojected to the grid's CRS after
        densifying; a bare shapely geometry is taken to be in the grid's CRS.
        Only polygonal parts have area: points and lines must be buffered before
        (the loaders do it), otherwise they count as zero area.
    grid : xarray.Dataset or xarray.DataArray
        A grid with dimensions ``("y", "x")``, regular cell-centre coordinates and a
        projected CRS (as made by :func:`seabed.grid.make_grid`).

    Returns
    -------
    numpy.ndarray
        Shape ``(ny, nx)``, float64, values in [0, 1], rows in the grid's order.

    Raises
    ------
    MissingCRSError
        If the grid or a GeoDataFrame/GeoSeries has no CRS.

    Examples
    --------
    >>> from shapely import Point
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((0.0, 0.0, 3000.0, 3000.0), 1000.0,
    ...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
    >>> disc = Point(1500.0, 1500.0).buffer(500.0, quad_segs=256)
    >>> fraction = coverage_fraction(disc, grid)
    >>> round(float(fraction[1, 1]), 4)  # the inscribed disc: pi / 4 of the cell
    0.7854
    >>> float(fraction.sum() - fraction[1, 1])
    0.0
    """
    layout = _CellLayout.from_grid(grid)
    return _coverage(_to_grid_polygon(geometry, layout), layout)


def zone_coverage(
    grid: xr.Dataset | xr.DataArray,
    *,
    include: Sequence[Zones] = (),
    exclude: Sequence[tuple[str, Zones]] = (),
    area: Sequence[Zones] = (),
    within_area: bool | None = None,
) -> xr.Dataset:
    """Coverage of every grid cell by include zones and by each exclusion reason.

    Parameters
    ----------
    grid : xarray.Dataset or xarray.DataArray
        The grid (see :func:`coverage_fraction`).
    include : sequence of GeoDataFrame or GeoSeries, optional
        Zones to stay inside (an EEZ, a licence block). Each entry is one constraint:
        the features of an entry are united, and the area kept is inside every entry
        (e.g. the EEZ *and* the licence blocks). With no include zone the whole grid is
        included.
    exclude : sequence of (reason, GeoDataFrame or GeoSeries), optional
        Zones to stay out of, each with the reason reported for it. Entries sharing a
        reason are merged.
    area : sequence of GeoDataFrame or GeoSeries, optional
        The area of interest (``[grid] bounds`` as :func:`bounds_area` makes it,
        ``[grid] area``): the region the statement is about, every entry a
        constraint like an include entry. With none, the whole grid.
    within_area : bool, optional
        Whether the include zones lie within the area of interest
        (:func:`include_within_area`); then their outline is kept as it is, not
        clipped by the area's. Decided on this grid when None: a run that
        accounts for its grid block by block decides once, on the whole grid, so
        that every block does the same.

    Returns
    -------
    xarray.Dataset
        On the grid, all in [0, 1]:

        - ``area_fraction``: inside the area of interest (1 without one);
        - ``outside_area_fraction``: ``1 - area_fraction``;
        - ``included_fraction``: inside the area of interest and every include entry
          (each entry united);
        - ``outside_include_fraction``: inside the area of interest but outside the
          include zones, ``area_fraction - included_fraction``;
        - ``excluded_fraction`` (``reason``, y, x): inside include zones and inside
          that reason's zones; overlapping reasons each count the shared part;
        - ``available_fraction``: inside include zones and outside every exclusion
          zone, from the exact geometric difference. ``included_fraction -
          available_fraction`` is what all exclusions take, overlaps counted once.

        Attributes ``include_zones`` and ``area_of_interest`` are 1 when include
        zones, or an area of interest, were given, else 0.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((0.0, 0.0, 2000.0, 1000.0), 1000.0,
    ...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
    >>> mpa = gpd.GeoSeries([box(0.0, 0.0, 500.0, 1000.0)], crs="EPSG:32631")
    >>> cable = gpd.GeoSeries([box(250.0, 0.0, 1250.0, 1000.0)], crs="EPSG:32631")
    >>> cover = zone_coverage(grid, exclude=[("protected area", mpa), ("cable", cable)])
    >>> cover.excluded_fraction.sel(reason="cable").values
    array([[0.75, 0.25]])
    >>> cover.available_fraction.values
    array([[0.  , 0.75]])
    """
    layout = _CellLayout.from_grid(grid)
    include, area = _as_list(include), _as_list(area)
    region, inside = _region_and_inside(include, area, layout, within_area)
    within = _coverage(region, layout) if area else np.ones(layout.shape)
    included = _coverage(inside, layout) if include else within
    by_reason = _polygons_by_reason(exclude, layout)
    per_reason = [
        _coverage(shapely.intersection(inside, zone), layout)
        for zone in by_reason.values()
    ]
    excluded = np.stack(per_reason) if per_reason else np.zeros((0, *layout.shape))
    available = _coverage(
        shapely.difference(inside, _union(by_reason.values())), layout
    )
    return _coverage_dataset(
        grid,
        layout,
        (within, included, excluded, available),
        list(by_reason),
        (bool(include), bool(area)),
    )


def bounds_area(
    bounds: Sequence[float],
    crs: str | int | pyproj.CRS = "EPSG:4326",
    *,
    step_deg: float = BOX_STEP_DEG,
) -> gpd.GeoSeries:
    """The region that bounds enclose, as a polygon with its CRS.

    In a geographic CRS the bounds ``(lon_min, lat_min, lon_max, lat_max)`` enclose
    the region between two meridians and two parallels: a parallel is not a straight
    line in a projected grid (nor a geodesic), so its edges get a point every
    ``step_deg`` degrees, and the polygon follows the parallels once projected. In a
    projected CRS the bounds ``(x_min, y_min, x_max, y_max)`` enclose a rectangle of
    that CRS (densified only when reprojected, as every zone is).

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(west, south, east, north)`` in ``crs``.
    crs : str, int or pyproj.CRS, default "EPSG:4326"
        The CRS of the bounds.
    step_deg : float
        Largest spacing of the points along a geographic box's edges (degrees).

    Returns
    -------
    geopandas.GeoSeries
        One polygon, with ``crs``.

    Raises
    ------
    ConfigError
        If the bounds are not 4 finite numbers with west < east and south < north.

    Examples
    --------
    >>> box = bounds_area((153.5, 21.8, 154.117, 22.25))
    >>> len(box.get_coordinates()), round(geodesic_area_km2(box), 1)
    (2135, 3174.2)
    >>> rectangle = bounds_area((0.0, 0.0, 2000.0, 1000.0), "EPSG:32631")
    >>> float(rectangle.area.iloc[0])
    2000000.0
    """
    values = np.asarray(bounds, dtype=float).ravel()
    if not (
        values.size == 4
        and np.all(np.isfinite(values))
        and values[0] < values[2]
        and values[1] < values[3]
    ):
        raise ConfigError(
            f"bounds {list(bounds)!r} are not [west, south, east, north] with "
            "west < east and south < north",
            column="grid.bounds",
            hint="give 4 numbers, e.g. [153.5, 21.8, 154.117, 22.25]",
        )
    crs = pyproj.CRS.from_user_input(crs)
    polygon = shapely.box(*values)
    if crs.is_geographic:
        polygon = shapely.segmentize(polygon, step_deg)
    return gpd.GeoSeries([polygon], crs=crs)


def geodesic_area_km2(zones: gpd.GeoDataFrame | gpd.GeoSeries) -> float:
    """The area of zones on the WGS84 ellipsoid (km2), overlaps counted once.

    The outline is densified (to 0.001 degree) before its vertices are joined by
    geodesics, so that edges given as straight lines in any CRS are followed.

    Examples
    --------
    >>> round(geodesic_area_km2(bounds_area((0.0, 0.0, 1.0, 1.0))), 1)
    12308.5
    """
    if zones.crs is None:
        raise MissingCRSError(
            "the zones have no CRS",
            column="geometry",
            hint="set one on the GeoDataFrame (e.g. gdf.set_crs('EPSG:4326'))",
        )
    crs = pyproj.CRS.from_user_input(zones.crs)
    step = BOX_STEP_DEG if crs.is_geographic else _densify_step(crs, 200.0)
    union = shapely.union_all(zones.geometry.segmentize(step).to_numpy())
    lon_lat = gpd.GeoSeries([union], crs=crs).to_crs("EPSG:4326").iloc[0]
    return abs(_GEOD.geometry_area_perimeter(lon_lat)[0]) / 1e6


def _inside(include: Sequence[Zones], layout: _CellLayout) -> BaseGeometry:
    """The area inside every include entry (the grid's extent without any)."""
    if not include:
        return layout.extent
    return shapely.intersection_all(
        np.array([_to_grid_polygon(zones, layout) for zones in include], dtype=object)
    )


def include_within_area(
    grid: xr.Dataset | xr.DataArray,
    include: Sequence[Zones],
    area: Sequence[Zones],
) -> bool:
    """Whether the include zones lie within the area of interest, on a grid.

    True when the part of the include zones outside the area of interest is at
    most 1e-7 of their area (in the grid's extent): clipping them by an outline
    that follows theirs (a box given both as bounds and as a file) would then only
    move vertices by round-off. False without include zones or area of interest.

    Examples
    --------
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((153.5, 21.8, 154.1, 22.2), 5000)
    >>> box = bounds_area((153.5, 21.8, 154.1, 22.2))
    >>> include_within_area(grid, [bounds_area((153.6, 21.9, 154.0, 22.1))], [box])
    True
    >>> include_within_area(grid, [box], [bounds_area((153.6, 21.9, 154.0, 22.1))])
    False
    """
    layout = _CellLayout.from_grid(grid)
    include, area = _as_list(include), _as_list(area)
    if not include or not area:
        return False
    return _contained(_inside(include, layout), _inside(area, layout), layout)


def _contained(inside: BaseGeometry, region: BaseGeometry, layout: _CellLayout) -> bool:
    outside = shapely.area(shapely.difference(inside, region))
    return bool(
        outside <= _CONTAINED * max(float(shapely.area(inside)), layout.cell_area)
    )


def _region_and_inside(
    include: list[Zones],
    area: list[Zones],
    layout: _CellLayout,
    within_area: bool | None = None,
) -> tuple[BaseGeometry, BaseGeometry]:
    """The area of interest, and the part of it inside every include entry.

    Include zones that lie within the area of interest (``within_area``, decided
    here when None) are kept as they are.
    """
    region = _inside(area, layout)
    if not include:
        return region, region
    inside = _inside(include, layout)
    if not area:
        return region, inside
    if within_area is None:
        within_area = _contained(inside, region, layout)
    if within_area:
        return region, inside
    return region, shapely.intersection(inside, region)


def _available_polygon(
    include: Sequence[Zones],
    exclude: Sequence[tuple[str, Zones]],
    area: Sequence[Zones],
    layout: _CellLayout,
    within_area: bool | None = None,
) -> BaseGeometry:
    """Inside the area of interest and every include entry, outside every
    exclusion zone."""
    excluded = _polygons_by_reason(exclude, layout).values()
    _, inside = _region_and_inside(
        _as_list(include), _as_list(area), layout, within_area
    )
    return shapely.difference(inside, _union(excluded))


@dataclass(frozen=True)
class _CellLayout:
    """Cell edges and CRS of a regular grid, in the grid's row and column order."""

    x_edges: NDArray[np.float64]
    y_edges: NDArray[np.float64]
    crs: pyproj.CRS

    @classmethod
    def from_grid(cls, grid: xr.Dataset | xr.DataArray) -> _CellLayout:
        if "x" not in grid.dims or "y" not in grid.dims:
            raise InputError(
                f"the grid has dimensions {tuple(grid.dims)}, not ('y', 'x')",
                column="grid",
                hint="make the grid with seabed.grid.make_grid",
            )
        if grid.rio.crs is None:
            raise MissingCRSError(
                "the grid has no CRS",
                column="grid",
                hint="write one with grid.rio.write_crs(...)",
            )
        transform = grid.rio.transform()
        nx, ny = grid.sizes["x"], grid.sizes["y"]
        return cls(
            x_edges=transform.c + transform.a * np.arange(nx + 1),
            y_edges=transform.f + transform.e * np.arange(ny + 1),
            crs=pyproj.CRS.from_user_input(grid.rio.crs),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.y_edges.size - 1, self.x_edges.size - 1

    @property
    def spacing(self) -> tuple[float, float]:
        return (
            abs(float(self.x_edges[1] - self.x_edges[0])),
            abs(float(self.y_edges[1] - self.y_edges[0])),
        )

    @property
    def cell_area(self) -> float:
        return self.spacing[0] * self.spacing[1]

    @property
    def cell_side(self) -> float:
        return min(self.spacing)

    @property
    def extent(self) -> shapely.Polygon:
        return shapely.box(
            self.x_edges.min(),
            self.y_edges.min(),
            self.x_edges.max(),
            self.y_edges.max(),
        )

    def window(self, bounds: Sequence[float]) -> tuple[slice, slice]:
        """Rows and columns of the cells that overlap a bounding box."""
        x_min, y_min, x_max, y_max = bounds
        return (
            _overlapping(self.y_edges, y_min, y_max),
            _overlapping(self.x_edges, x_min, x_max),
        )

    def boxes(self, rows: NDArray[np.intp], cols: NDArray[np.intp]) -> NDArray:
        """Cell polygons for arrays of row and column indices."""
        y_a, y_b = self.y_edges[rows], self.y_edges[rows + 1]
        return shapely.box(
            self.x_edges[cols],
            np.minimum(y_a, y_b),
            self.x_edges[cols + 1],
            np.maximum(y_a, y_b),
        )

    def centres(
        self, rows: NDArray[np.intp], cols: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x = (self.x_edges[cols] + self.x_edges[cols + 1]) / 2
        y = (self.y_edges[rows] + self.y_edges[rows + 1]) / 2
        return x, y


def _coverage(polygon: BaseGeometry, layout: _CellLayout) -> NDArray[np.float64]:
    """Exact covered fraction of each cell by a polygon in the grid's CRS."""
    fraction = np.zeros(layout.shape)
    polygon = _union(_polygon_parts(np.array([polygon], dtype=object)))
    if polygon.is_empty:
        return fraction
    rows, cols = layout.window(polygon.bounds)
    if rows.start >= rows.stop or cols.start >= cols.stop:
        return fraction
    shapely.prepare(polygon)
    boundary = shapely.STRtree(_boundary_segments(polygon, layout.cell_side))
    fraction[rows, cols] = _window_coverage(polygon, boundary, layout, rows, cols)
    return np.clip(fraction, 0.0, 1.0)


def _window_coverage(
    polygon: BaseGeometry,
    boundary: shapely.STRtree,
    layout: _CellLayout,
    rows: slice,
    cols: slice,
) -> NDArray[np.float64]:
    """Coverage of the cells in a window: blocks first, then the crossed blocks' cells."""
    block_row = np.arange(rows.stop - rows.start) // _BLOCK
    block_col = np.arange(cols.stop - cols.start) // _BLOCK
    block_of_cell = block_row[:, None] * (block_col[-1] + 1) + block_col[None, :]
    block_boxes = _block_boxes(layout, rows, cols)
    block_crossed = _touching(boundary, block_boxes)
    block_inside = np.zeros(block_boxes.size)
    block_inside[~block_crossed] = shapely.contains_xy(
        polygon, *_box_centres(block_boxes[~block_crossed])
    )
    coverage = block_inside[block_of_cell]

    # Cells of the crossed blocks, with the zone clipped to each block.
    cell_rows, cell_cols = np.nonzero(block_crossed[block_of_cell])
    pieces = np.empty(block_boxes.size, dtype=object)
    pieces[block_crossed] = shapely.intersection(polygon, block_boxes[block_crossed])
    coverage[cell_rows, cell_cols] = _cell_coverage(
        polygon,
        boundary,
        layout,
        cell_rows + rows.start,
        cell_cols + cols.start,
        pieces[block_of_cell[cell_rows, cell_cols]],
    )
    return coverage


def _cell_coverage(
    polygon: BaseGeometry,
    boundary: shapely.STRtree,
    layout: _CellLayout,
    rows: NDArray[np.intp],
    cols: NDArray[np.intp],
    pieces: NDArray,
) -> NDArray[np.float64]:
    """Coverage of single cells; only those the boundary crosses are intersected."""
    # only the cells within a segment's envelope can touch it: the others are
    # never made into polygons
    near = np.isin(rows * layout.shape[1] + cols, _cells_near(boundary, layout))
    boxes = layout.boxes(rows[near], cols[near])
    touching = _touching(boundary, boxes)
    crossed = np.zeros(rows.size, dtype=bool)
    crossed[np.flatnonzero(near)[touching]] = True
    coverage = np.empty(rows.size)
    x, y = layout.centres(rows[~crossed], cols[~crossed])
    coverage[~crossed] = shapely.contains_xy(polygon, x, y)
    overlap = shapely.intersection(boxes[touching], pieces[crossed])
    coverage[crossed] = shapely.area(overlap) / layout.cell_area
    return coverage


def _cells_near(boundary: shapely.STRtree, layout: _CellLayout) -> NDArray[np.intp]:
    """Flat indices (row-major) of the cells that meet a segment's envelope."""
    x_min, y_min, x_max, y_max = shapely.bounds(boundary.geometries).T
    first_row, last_row = _cells_meeting(layout.y_edges, y_min, y_max)
    first_col, last_col = _cells_meeting(layout.x_edges, x_min, x_max)
    n_rows = np.maximum(last_row - first_row + 1, 0)
    n_cols = np.maximum(last_col - first_col + 1, 0)
    count = n_rows * n_cols
    segment = np.repeat(np.arange(count.size), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    row = first_row[segment] + offset // n_cols[segment]
    col = first_col[segment] + offset % n_cols[segment]
    return np.unique(row * layout.shape[1] + col)


def _cells_meeting(
    edges: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """First and last index of the cells between consecutive ``edges`` (either
    order) whose closed interval meets each closed interval [low, high]."""
    n_cells = edges.size - 1
    ascending = edges[-1] > edges[0]
    rising = edges if ascending else edges[::-1]
    first = np.clip(np.searchsorted(rising, low, side="left") - 1, 0, n_cells - 1)
    last = np.clip(np.searchsorted(rising, high, side="right") - 1, 0, n_cells - 1)
    last = np.where(rising[last] <= high, last, -1)  # wholly outside: no cell
    first = np.where(rising[first + 1] >= low, first, n_cells)
    if ascending:
        return first, last
    return n_cells - 1 - last, n_cells - 1 - first


def _block_boxes(layout: _CellLayout, rows: slice, cols: slice) -> NDArray:
    """Boxes of the 32 x 32-cell blocks tiling a window, in row-major order."""
    row_starts = np.arange(rows.start, rows.stop, _BLOCK)
    col_starts = np.arange(cols.start, cols.stop, _BLOCK)
    row_ends = np.minimum(row_starts + _BLOCK, rows.stop)
    col_ends = np.minimum(col_starts + _BLOCK, cols.stop)
    y_a, y_b = layout.y_edges[row_starts], layout.y_edges[row_ends]
    x_a, x_b = layout.x_edges[col_starts], layout.x_edges[col_ends]
    return shapely.box(
        x_a[None, :],
        np.minimum(y_a, y_b)[:, None],
        x_b[None, :],
        np.maximum(y_a, y_b)[:, None],
    ).ravel()


def _touching(tree: shapely.STRtree, boxes: NDArray) -> NDArray[np.bool_]:
    """Which boxes touch or cross any geometry in the tree."""
    hits = tree.query(boxes, predicate="intersects")
    touching = np.zeros(boxes.size, dtype=bool)
    touching[hits[0]] = True
    return touching


def _box_centres(boxes: NDArray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    bounds = shapely.bounds(boxes)
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def _boundary_segments(polygon: BaseGeometry, max_length: float) -> NDArray:
    """The polygon's rings cut into two-point segments no longer than ``max_length``.

    Short segments have small envelopes, so the STRtree returns few candidates.
    """
    rings = shapely.segmentize(
        shapely.get_rings(shapely.get_parts(polygon)), max_length
    )
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    start, end = coords[:-1], coords[1:]
    keep = (ring[1:] == ring[:-1]) & np.any(start != end, axis=1)
    return shapely.linestrings(np.stack([start[keep], end[keep]], axis=1))


def _overlapping(edges: NDArray[np.float64], low: float, high: float) -> slice:
    """Indices of the cells between consecutive ``edges`` that overlap [low, high]."""
    cell_low = np.minimum(edges[:-1], edges[1:])
    cell_high = np.maximum(edges[:-1], edges[1:])
    hit = np.flatnonzero((cell_high > low) & (cell_low < high))
    if hit.size == 0:
        return slice(0, 0)
    return slice(int(hit[0]), int(hit[-1]) + 1)


def _to_grid_polygon(zones: Zones, layout: _CellLayout) -> BaseGeometry:
    """The zones' polygonal union in the grid's CRS, clipped to the grid's extent."""
    if isinstance(zones, BaseGeometry):
        geometries = np.array([zones], dtype=object)
        given = geometries
    elif isinstance(zones, gpd.GeoDataFrame | gpd.GeoSeries):
        given = zones.geometry.to_numpy()
        geometries = _reprojected(zones.geometry, layout).to_numpy()
    else:
        raise InputError(
            f"zones of type {type(zones).__name__} are not supported",
            column="zones",
            hint="pass a GeoDataFrame or GeoSeries with a CRS",
        )
    _warn_of_invalid(given)
    polygons = _polygon_parts(_repaired(geometries))
    return shapely.intersection(shapely.union_all(polygons), layout.extent)


def _reprojected(geometry: gpd.GeoSeries, layout: _CellLayout) -> gpd.GeoSeries:
    """Zones in the grid's CRS, densified first so that edges stay curved."""
    if geometry.crs is None:
        raise MissingCRSError(
            "the zones have no CRS",
            column="geometry",
            hint="set one on the GeoDataFrame (e.g. gdf.set_crs('EPSG:4326'))",
        )
    if pyproj.CRS.from_user_input(geometry.crs) == layout.crs:
        return geometry
    return geometry.segmentize(_densify_step(geometry.crs, layout.cell_side)).to_crs(
        layout.crs
    )


def _densify_step(crs: pyproj.CRS, cell_side_m: float) -> float:
    """Half a cell, in the units of ``crs`` (degrees of latitude for geographic)."""
    if crs.is_geographic:
        return cell_side_m / 2 / _M_PER_DEG
    return cell_side_m / 2 / crs.axis_info[0].unit_conversion_factor


def _warn_of_invalid(given: NDArray) -> None:
    """Warn of zones invalid as given (the files' are repaired, with a warning, as
    they are read); zones that only the projection makes invalid (an edge along a
    pole collapsing to a point) are repaired without a word."""
    given = given[~shapely.is_missing(given)]
    invalid = int((~shapely.is_valid(given)).sum())
    if invalid:
        warnings.warn(
            f"{invalid} zone geometries were invalid (e.g. self-intersecting) and "
            "were repaired with shapely.make_valid; check the zones",
            SeabedWarning,
            stacklevel=5,
        )


def _repaired(geometries: NDArray) -> NDArray:
    geometries = geometries[~shapely.is_missing(geometries)]
    invalid = ~shapely.is_valid(geometries)
    if invalid.any():
        geometries[invalid] = shapely.make_valid(geometries[invalid])
    return geometries


def _polygon_parts(geometries: NDArray) -> NDArray:
    """The polygons inside geometries, at any depth of multi-parts and collections."""
    parts = shapely.get_parts(geometries)
    while np.isin(shapely.get_type_id(parts), _MULTI_TYPES).any():
        parts = shapely.get_parts(parts)
    return parts[shapely.get_type_id(parts) == _POLYGON]


def _union(polygons: Iterable[BaseGeometry]) -> BaseGeometry:
    return shapely.union_all(np.array(list(polygons), dtype=object))


def _as_list(zones: Sequence[Zones] | Zones) -> list[Zones]:
    if isinstance(zones, gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry):
        return [zones]
    return list(zones)


def _polygons_by_reason(
    exclude: Sequence[tuple[str, Zones]], layout: _CellLayout
) -> dict[str, BaseGeometry]:
    """Exclusion zones merged per reason, in the order reasons first appear."""
    by_reason: dict[str, list[BaseGeometry]] = {}
    for entry in exclude:
        if not (
            isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)
        ):
            raise InputError(
                f"exclusion entry {entry!r} is not a (reason, zones) pair",
                column="exclude",
                hint="pass e.g. [('protected area', mpa_gdf)]",
            )
        reason, zones = entry
        if not reason.strip():
            raise InputError(
                "an exclusion has an empty reason",
                column="exclude.reason",
                hint="name why the zone is excluded, e.g. 'protected area'",
            )
        by_reason.setdefault(reason, []).append(_to_grid_polygon(zones, layout))
    return {reason: _union(parts) for reason, parts in by_reason.items()}


def _coverage_dataset(
    grid: xr.Dataset | xr.DataArray,
    layout: _CellLayout,
    fractions: tuple[NDArray[np.float64], ...],
    reasons: list[str],
    given: tuple[bool, bool],
) -> xr.Dataset:
    """Wrap the fractions (area of interest, included, excluded per reason,
    available) in a CF-attributed Dataset on the grid's coordinates."""
    within, included, excluded, available = fractions
    has_include, has_area = given
    cell = ("y", "x")
    coords = {
        name: grid.coords[name]
        for name in ("y", "x", "lon", "lat")
        if name in grid.coords
    }
    coverage = xr.Dataset(
        {
            "area_fraction": (cell, within, _attrs("inside the area of interest")),
            "outside_area_fraction": (
                cell,
                1.0 - within,
                _attrs("outside the area of interest"),
            ),
            "included_fraction": (cell, included, _attrs("inside the include zones")),
            "outside_include_fraction": (
                cell,
                # without an area of interest, exactly 1 - included as before
                np.clip(within - included, 0.0, 1.0) if has_area else 1.0 - included,
                _attrs("inside the area of interest, outside the include zones"),
            ),
            "excluded_fraction": (
                ("reason", *cell),
                excluded,
                _attrs("inside the include zones and inside this reason's zones"),
            ),
            "available_fraction": (
                cell,
                available,
                _attrs("inside the include zones and outside every exclusion zone"),
            ),
        },
        coords=coords
        | {"reason": ("reason", reasons, {"long_name": "exclusion reason"})},
        attrs={"include_zones": int(has_include), "area_of_interest": int(has_area)},
    )
    # in place: rioxarray copies the whole dataset otherwise, lon/lat included
    coverage.rio.write_crs(layout.crs, inplace=True)
    return coverage.rio.write_transform(grid.rio.transform(), inplace=True)


def _attrs(where: str) -> dict[str, str]:
    return {"long_name": f"fraction of cell area {where}", "units": "1"}
