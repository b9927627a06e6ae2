"""What every section of the report shares: the run, its CRS, cores and zones.

A :class:`ReportContext` is made once per report (:func:`report_context`) and handed
to each section renderer, so that the maps drawn for the report and for the
quick-looks are drawn once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyproj

from seabed.report import maps
from seabed.report.html import _chart_html

if TYPE_CHECKING:
    import geopandas as gpd
    import xarray as xr
    from matplotlib.colors import Normalize

    from seabed.result import RunResult

__all__ = [
    "ReportContext",
    "report_context",
    "zone_outlines",
]

#: The kinds of zone outlines drawn on the report's maps (report zones are not).
DRAWN_KINDS = ("area", "include", "exclude")


@dataclass
class ReportContext:
    """A run and what its report derives from it once.

    Attributes
    ----------
    result : RunResult
        The run.
    crs : pyproj.CRS
        The grid's CRS.
    cores : pandas.DataFrame
        Every composite (cores too short for the window are drawn as crosses).
    zones : geopandas.GeoDataFrame or None
        The include and exclude zones drawn on maps; None without any.
    pngs : dict
        PNG of each quick-look map once drawn (None: the run lacks its data).
    """

    result: RunResult
    crs: pyproj.CRS
    cores: pd.DataFrame
    zones: gpd.GeoDataFrame | None
    pngs: dict[str, bytes | None] = field(default_factory=dict)

    # ----------------------------------------------------------------- maps
    def map_size(self) -> tuple[float, float]:
        """Figure size (inches) of a map of the grid."""
        ds = self.result.dataset
        aspect = ds.sizes["y"] / ds.sizes["x"]
        return 6.4, min(max(4.6 * aspect + 1.6, 3.6), 8.0)

    def window_text(self) -> str:
        """``0-10 mbsf``."""
        window = self.result.config.composite
        return f"{window.top_m:g}-{window.bottom_m:g} mbsf"

    def support_text(self) -> str:
        """``500 m blocks``, or point estimates."""
        config = self.result.config
        if config.estimate.support == "block":
            return f"{config.grid.resolution_m:g} m blocks"
        return "point estimates at cell centres"

    def decimation_text(self) -> str:
        """What the captions of maps say when the grid was decimated to draw them."""
        ds = self.result.dataset
        stride = maps.map_stride(ds)
        if stride == 1:
            return ""
        shown = maps.decimate(ds)
        return (
            f" Drawn from 1 cell in every {stride} × {stride} block ("
            f"{shown.sizes['x']:,} × {shown.sizes['y']:,} of the grid's "
            f"{ds.sizes['x']:,} × {ds.sizes['y']:,} cells), to bound memory; "
            "the tables count every cell."
        )

    def grid_map(
        self,
        grid: xr.DataArray,
        *,
        title: str,
        label: str,
        cmap: str = "viridis",
        norm: Normalize | None = None,
    ) -> Callable[[Any], Any]:
        """What draws ``grid`` on an Axes, with the run's cores and zones."""
        return lambda ax: maps.plot_map(
            grid,
            ax,
            title=title,
            label=label,
            cmap=cmap,
            norm=norm,
            cores=self.cores,
            zones=self.zones,
            crs=self.crs,
        )

    def map_html(self, draw: Callable[[Any], Any], caption: str, *, alt: str) -> str:
        """A map of the grid drawn by ``draw(ax)``, as an HTML figure."""
        return _chart_html(
            self.map_size(), draw, caption + self.decimation_text(), alt=alt
        )


def report_context(result: RunResult) -> ReportContext:
    """The context the report's sections of a run share (see :class:`ReportContext`).

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.

    Returns
    -------
    ReportContext
    """
    outlines = result.zone_outlines
    drawn = None
    if outlines is not None and "kind" in outlines:
        chosen = outlines[outlines["kind"].isin(DRAWN_KINDS)]
        drawn = chosen if len(chosen) else None
    crs = pyproj.CRS.from_user_input(result.dataset.rio.crs)
    return ReportContext(result, crs, result.composites, drawn)


def zone_outlines(
    include: Iterable[gpd.GeoDataFrame],
    exclude: Iterable[gpd.GeoDataFrame | tuple[str, gpd.GeoDataFrame]],
    *,
    report: gpd.GeoDataFrame | None = None,
    area: Iterable[gpd.GeoDataFrame | gpd.GeoSeries] = (),
) -> gpd.GeoDataFrame:
    """The zones of a run as one table, for drawing on maps.

    The run keeps this table (``RunResult.zone_outlines``), from the zones it read,
    so the report never reads the zone files again.

    Parameters
    ----------
    include : iterable of GeoDataFrame
        Zones to stay inside, as :func:`seabed.io.load_zones` returns them.
    exclude : iterable of GeoDataFrame or (reason, GeoDataFrame)
        Zones to leave out; a reason given beside a frame overrides its column.
    report : GeoDataFrame, optional
        Report zones (a ``name`` column), as
        :func:`seabed.zones.load_report_zones` returns them.
    area : iterable of GeoDataFrame or GeoSeries, optional
        The area of interest's parts (``[grid] bounds`` as a geodesic box,
        ``[grid] area``'s polygons): the statement counts only what lies inside
        all of them.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kind`` (``"area"``, ``"include"``, ``"exclude"`` or
        ``"report"``), ``reason`` (a report zone's name; ``"area of interest"``)
        and ``geometry``, in EPSG:4326.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> box = gpd.GeoDataFrame({"reason": ["eez"]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                        crs=4326)
    >>> zone_outlines([box], [("cable", box)])[["kind", "reason"]].values.tolist()
    [['include', 'eez'], ['exclude', 'cable']]
    """
    import geopandas as gpd

    frames = [
        gpd.GeoDataFrame(
            geometry=part.to_crs(4326).geometry.to_numpy(), crs=4326
        ).assign(kind="area", reason="area of interest")
        for part in area
    ]
    frames += [frame.to_crs(4326).assign(kind="include") for frame in include]
    for item in exclude:
        if isinstance(item, tuple):
            reason, frame = item
            frame = frame.assign(reason=reason)
        else:
            frame = item
        frames.append(frame.to_crs(4326).assign(kind="exclude"))
    if report is not None:
        frames.append(
            report.to_crs(4326).assign(kind="report", reason=report["name"].astype(str))
        )
    columns = ["kind", "reason", "geometry"]
    if not frames:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame(
        pd.concat([frame[columns] for frame in frames], ignore_index=True), crs=4326
    )
