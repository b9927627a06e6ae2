"""The report of a run: ``report.html`` and PNG quick-looks.

- :func:`format_statement` and :func:`format_table`: the statement as text (the CLI
  prints it);
- :func:`write_report` (:func:`render_report`): one self-contained HTML file, figures
  embedded as PNG data, CSS inline, no script and no external address, so that it
  can be mailed, archived and printed as it is;
- :func:`write_quicklooks`: one PNG per map, for slides and file browsers;
- :func:`write_pdf`: the report printed to PDF by headless Chromium (optional).

The report shows what a run produced and skips what it did not (P10 / P50 / P90
from conditional simulation, a statement per depth slice, class or zone, a
grade-tonnage table, cross-validation): each optional section is drawn only when
the run carries it. Where the run has no cross-validation, the report computes it
from the composites.

Reports are made in bounded memory, whatever the grid's size: every table comes from
the :class:`~seabed.pipeline.RunResult`, the dataset is read only for the map layers
of ``pipeline.COG_LAYERS`` (and ``available_fraction``), its coordinates and CRS,
and every map is drawn from at most ``maps.MAX_MAP_CELLS`` cells a side
(:func:`seabed.maps.decimate`), which its caption says.

"""

from __future__ import annotations

import html
import json
import math
import string
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyproj

from seabed.elements import DEFAULT_OXIDES, REY, oxide_factor, oxide_factors
from seabed.exceptions import InputError, SeabedError, SeabedWarning
from seabed.outputs import atomic_path
from seabed.report.html import (
    _by_part_html,
    _chart_html,
    _Column,
    _figure,
    _figure_html,
    _image_html,
    _key_value_html,
    _lat_text,
    _lon_text,
    _Markup,
    _oxide_element,
    _oxide_label,
    _per_cutoff_columns,
    _png,
    _ppm,
    _round_up,
    _section,
    _table_html,
    _template,
    _text_column,
    _toml,
)
from seabed.report.tables import _density_text

__all__ = [
    "QUICKLOOKS",
    "render_report",
    "write_quicklooks",
    "write_report",
    "zone_outlines",
]


if TYPE_CHECKING:
    import geopandas as gpd
    import xarray as xr
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    from seabed.resource import SimulatedResource
    from seabed.result import RunResult


# The depth tables of ``RunResult.slices`` (and of the simulation's): interval,
# heading, what a line is.
_DEPTH_TABLES = (
    (
        "slice",
        "By depth slice",
        "Each depth slice, with cut-offs on the slice's own grade",
    ),
    (
        "cumulative",
        "Cumulative from the seafloor to each depth",
        "From the window's top to each target depth, as in Takaya et al. (2018, "
        "table S3), with cut-offs on the grade of that whole interval",
    ),
)


# Statements broken down by a part of the grid: attribute, part column, heading,
# what a line is.
_PART_TABLES = (
    ("classes", "class", "By resource class", "Each resource class"),
    ("zones", "zone", "By report zone", "Each report zone"),
)


# The dataset layer each quick-look map is drawn from.
_MAP_LAYERS = {
    "rey_ppm": "rey_ppm",
    "rey_std_ppm": "rey_std_ppm",
    "treo_t_per_km2": "treo_t_per_km2",
    "class": "resource_class",
    "exclusions": "available_fraction",
}


# How the statistics of ``SimulatedResource.summary`` are written in tables.
_STATISTIC_LABELS = {
    "p10": "P10",
    "p50": "P50",
    "p90": "P90",
    "mean": "mean",
    "kriged": "kriged",
}


def write_report(
    result: RunResult, path: str | Path, *, quicklooks: bool = False
) -> list[Path]:
    """Write the self-contained HTML report of a run, and optionally the quick-looks.

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.
    path : str or path-like
        The file to write (conventionally ``report.html`` in the output folder);
        written to a temporary name first and renamed when complete.
    quicklooks : bool
        Also write the map PNGs of :func:`write_quicklooks` beside the report,
        from the same rendering (faster than calling both).

    Returns
    -------
    list of pathlib.Path
        The files written, the report first.

    Examples
    --------
    >>> from seabed import pipeline
    >>> result = pipeline.run(pipeline.demo_config(), out_dir="demo")  # doctest: +SKIP
    >>> write_report(result, "demo/report.html")  # doctest: +SKIP
    [PosixPath('demo/report.html')]
    """
    report = _Report.of(result)
    text = _render(report)
    path = Path(path)
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    written = [path]
    if quicklooks:
        written += report.write_maps(path.parent)
    return written


def render_report(result: RunResult) -> str:
    """The HTML text of the report of a run (see :func:`write_report`)."""
    return _render(_Report.of(result))


def _render(report: _Report) -> str:
    result = report.result
    uncertainty = report.uncertainty_html()
    sections = [
        _section("summary", "Summary", report.summary_html()),
        _section("statement", "Resource statement", report.statement_html()),
        *(
            [_section("uncertainty", "Uncertainty: P10 / P50 / P90", uncertainty)]
            if uncertainty
            else []
        ),
        _section("maps", "Maps", report.maps_html()),
        _section(
            "geostatistics", "Variogram and cross-validation", report.geostats_html()
        ),
        _section("grade-tonnage", "Grade-tonnage and depth", report.curves_html()),
        _section("breakdown", "Breakdown of the statement", report.breakdown_html()),
        _section("assumptions", "Assumptions", report.assumptions_html()),
        _section("caveats", "Caveats and notes", report.caveats_html()),
        _section("provenance", "Provenance", report.provenance_html()),
    ]
    toc = "".join(
        f'<li><a href="#{anchor}">{html.escape(title)}</a></li>'
        for anchor, title, _ in sections
    )
    body = f'<nav class="toc"><ol>{toc}</ol></nav>\n' + "\n".join(
        text for _, _, text in sections
    )
    page = string.Template(_template("report.html"))
    record = result.provenance
    return page.substitute(
        title=html.escape(report.title),
        version=html.escape(str(record.get("versions", {}).get("seabed", ""))),
        css=_template("report.css"),
        subtitle=report.subtitle_html(),
        badge=("Inferred resource · " if report.inferred_only else "")
        + "not JORC / NI 43-101 compliant",
        body=body,
        footer=html.escape(
            f"Written by seabed {record.get('versions', {}).get('seabed', '')} "
            f"on {record.get('created_utc', '')}. Every number here comes from the "
            "files listed under Provenance; rerun the configuration to reproduce it."
        ),
    )


# =========================================================================== content
@dataclass
class _Report:
    """A run and what the report derives from it, computed once."""

    result: RunResult
    crs: pyproj.CRS
    cores: pd.DataFrame
    zones: gpd.GeoDataFrame | None
    problems: list[str]
    maps: dict[str, bytes | None]  # PNG of each quick-look map, once drawn

    @classmethod
    def of(cls, result: RunResult) -> _Report:
        problems: list[str] = []
        zones = _load_zones(result, problems)
        crs = pyproj.CRS.from_user_input(result.dataset.rio.crs)
        return cls(result, crs, result.composites, zones, problems, {})

    def map_png(self, name: str) -> bytes | None:
        """The PNG of one quick-look map (drawn once), None if the run lacks it."""
        if name not in self.maps:
            figure = self.map_figure(name)
            self.maps[name] = None if figure is None else _png(figure)
        return self.maps[name]

    def write_maps(self, out_dir: Path) -> list[Path]:
        written = []
        for name in QUICKLOOKS:
            png = self.map_png(name)
            if png is None:
                continue
            path = out_dir / f"{name}.png"
            with atomic_path(path) as temporary:
                temporary.write_bytes(png)
            written.append(path)
        return written

    # ----------------------------------------------------------------- header
    @property
    def title(self) -> str:
        name = Path(str(self.result.config.inputs.cores)).stem
        return f"REY-mud resource estimate: {name}"

    def subtitle_html(self) -> str:
        record = self.result.provenance
        # from the grid's corners: 2-D lon/lat coordinates may not be kept
        to_lon_lat = pyproj.Transformer.from_crs(self.crs, 4326, always_xy=True)
        left, bottom, right, top = self.result.dataset.rio.bounds()
        west, south, east, north = to_lon_lat.transform_bounds(
            left, bottom, right, top, densify_pts=21
        )
        where = (
            f"{_lat_text(south)}-{_lat_text(north)}, "
            f"{_lon_text(west)}-{_lon_text(east)}"
        )
        return (
            f"<p>{html.escape(where)} · {self.used_cores_count} cores · "
            f"{html.escape(str(record.get('created_utc', '')))}</p>"
        )

    @property
    def inferred_only(self) -> bool:
        """True unless the statement by class has Measured or Indicated tonnes."""
        classes = _optional_table(self.result, "classes")
        if classes is None or "class" not in classes:
            return True  # nothing says otherwise: the cautious reading
        sure = classes[classes["class"].isin(["measured", "indicated"])]
        return not (sure["ore_t"] > 0).any()

    @property
    def simulation(self) -> SimulatedResource | None:
        """The run's conditional simulation (None without one, or from older runs)."""
        return getattr(self.result, "simulation", None)

    @property
    def used_cores_count(self) -> int:
        return len(_used_cores(self.result))

    # ----------------------------------------------------------------- summary
    def summary_html(self) -> str:
        table = self.result.statement
        first = table.sort_values("cutoff_ppm").iloc[0]
        ds = self.result.dataset
        cards = [
            (f"{first['area_km2']:,.0f} km²", "area estimated"),
            (f"{first['ore_t'] / 1e9:,.2f} Gt", "dry ore, window"),
            (_ppm(first["mean_rey_ppm"]), "mean REY grade"),
            (f"{first['treo_t'] / 1e6:,.2f} Mt", "TREO"),
            (f"{first['rey_t'] / 1e6:,.2f} Mt", "REY (elements)"),
            (
                f"{self.used_cores_count} / {len(self.result.composites)}",
                "cores used / given",
            ),
        ]
        if self.simulation is not None:
            spread = self.simulation.summary.set_index(["cutoff_ppm", "statistic"])
            low, high = (
                spread.loc[(first["cutoff_ppm"], p), "treo_t"] / 1e6
                for p in ("p10", "p90")
            )
            cards.insert(4, (f"{low:,.2f}-{high:,.2f} Mt", "TREO, P10-P90"))
        cutoff = f"{first['cutoff_ppm']:,.0f} ppm"
        cards_html = "".join(
            f'<div class="card"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>'
            for value, label in cards
        )
        config = self.result.config
        window = config.composite
        return (
            f'<div class="cards">{cards_html}</div>'
            f'<p class="muted">At cut-off {cutoff} on the estimated block grade, '
            f"{window.top_m:g}-{window.bottom_m:g} m below seafloor, dry bulk density "
            f"{config.resource.dry_density_t_m3:g} t/m³, on a "
            f"{ds.sizes['x']} × {ds.sizes['y']} grid of "
            f"{config.grid.resolution_m:g} m cells. "
            + (
                "All of it is an Inferred resource at best; "
                if self.inferred_only
                else "Classes follow the configured rules; "
            )
            + "see the caveats.</p>"
        )

    # ----------------------------------------------------------------- statement
    def statement_html(self) -> str:
        result = self.result
        parts = [
            _table_html(
                result.statement,
                [
                    "cutoff_ppm",
                    "area_km2",
                    "n_cells",
                    "ore_t",
                    "mean_rey_ppm",
                    "mean_treo_ppm",
                    "rey_t",
                    "treo_t",
                    "treo_t_per_km2",
                    "hree_y_share",
                ],
                caption="Per cut-off on the estimated block grade (total REY). "
                "Tonnes are dry; grades are tonnage-weighted means.",
            ),
        ]
        if len(result.excluded):
            parts.append("<h3>Excluded</h3>")
            parts.append(
                _table_html(
                    result.excluded,
                    ["reason", "area_km2", "ore_t", "rey_t", "treo_t"],
                    caption="Tonnes the excluded area would hold at its estimated "
                    "grade (cut-off 0); a cell part in two zones counts in each "
                    "zone's row and once in the last row.",
                )
            )
        return "\n".join(parts)

    def breakdown_html(self) -> str:
        """The statement by element, depth, class and zone (those the run has)."""
        parts = [
            self._elements_html(),
            _depth_tables_html(_optional_table(self.result, "slices")),
        ]
        for attribute, part, heading, about in _PART_TABLES:
            table = _optional_table(self.result, attribute)
            if table is not None and part in table:
                parts.append(f"<h3>{heading}</h3>")
                parts.append(_by_part_html(table, part, about=about))
        return "\n".join(parts)

    def _elements_html(self) -> str:
        """Oxide tonnes per element and cut-off, from the run's element table."""
        table = _optional_table(self.result, "elements")
        if table is None:
            table = _elements_from_statement(self.result.statement)
        if table is None:
            return ""
        demand = "years_of_demand" in table and table["years_of_demand"].notna().any()
        oxide = _Column(
            "oxide",
            "",
            lambda rows: _Markup(_oxide_label(str(rows["oxide"].iloc[0]))),
            is_text=True,
        )
        columns: list[str | _Column] = [
            oxide,
            "oxide_factor",
            *_per_cutoff_columns(table, "oxide_t"),
            "share_of_rey",
            *(["years_of_demand"] if demand else []),
        ]
        return "<h3>By element</h3>" + _table_html(
            table,
            columns,
            lines_by="element",
            caption="Oxide tonnes of each element above each cut-off; its share of "
            "the REY tonnes (elements) at the lowest cut-off"
            + ("; and years of the annual demand given." if demand else "."),
        )

    # ----------------------------------------------------------------- uncertainty
    def uncertainty_html(self) -> str:
        """P10 / P50 / P90 beside the kriged figures, spread and maps ('' if none)."""
        simulated = self.simulation
        if simulated is None:
            return ""
        n = simulated.n_realizations
        parts = [
            _uncertainty_text(simulated),
            _table_html(
                _beside_kriged(simulated.summary, self.result.statement),
                [
                    "cutoff_ppm",
                    "statistic",
                    "area_km2",
                    "ore_t",
                    "mean_rey_ppm",
                    "rey_t",
                    "treo_t",
                ],
                caption=f"Statement over {n} conditional realisations: P10, P50, "
                "P90 and mean of each quantity (each ranked on its own), then the "
                "kriged statement (kriged) for comparison.",
            ),
            '<div class="figures">'
            + self._distribution_html(simulated)
            + "".join(self._simulation_maps_html(simulated))
            + "</div>",
            _depth_tables_html(_optional_table(simulated, "slices")),
        ]
        zones = _optional_table(simulated, "zones")
        if zones is not None and "zone" in zones:
            parts.append("<h3>By report zone: P10 / P50 / P90</h3>")
            parts.append(_by_part_html(zones, "zone", about="Each report zone"))
        return "\n".join(parts)

    def _distribution_html(self, simulated: SimulatedResource) -> str:
        from seabed.report import charts

        table = simulated.realizations
        cutoffs = list(dict.fromkeys(table["cutoff_ppm"]))
        kriged = self.result.statement.set_index("cutoff_ppm")["treo_t"]
        figure = _figure((6.4, 1.0 + 1.6 * len(cutoffs)))
        panels = figure.subplots(len(cutoffs), 1, squeeze=False)[:, 0]
        for ax, cutoff in zip(panels, cutoffs):
            charts.plot_tonnage_distribution(
                table.loc[table["cutoff_ppm"] == cutoff, "treo_t"],
                ax,
                kriged_t=kriged.get(cutoff),
                title=f"cut-off {cutoff:,.0f} ppm",
            )
        return _figure_html(
            figure,
            "TREO tonnes above each cut-off in each of the "
            f"{simulated.n_realizations} realisations (bars), their P10, P50 and P90 (dashed) and the kriged "
            "statement (red).",
            alt="distribution of TREO over the realisations",
        )

    def _simulation_maps_html(self, simulated: SimulatedResource) -> list[str]:
        from matplotlib.colors import Normalize

        items = [
            self._map_html(
                self._grid_map(
                    simulated.etype_rey_ppm,
                    title="E-type REY grade (mean of the realisations)",
                    label="total REY (ppm, dry weight)",
                ),
                "E-type estimate: the mean grade of each cell over the realisations. "
                "Close to the kriged map where cores are dense; it differs where "
                "the grade distribution is skewed.",
                alt="e-type REY grade",
            )
        ]
        probability = simulated.probability_above
        for cutoff in probability["cutoff_ppm"].to_numpy():
            if cutoff <= 0:
                continue  # every estimated cell is at least 0 ppm: nothing to map
            items.append(
                self._map_html(
                    self._grid_map(
                        probability.sel(cutoff_ppm=cutoff),
                        title=f"Probability that REY ≥ {cutoff:,.0f} ppm",
                        label="share of realisations (0-1)",
                        cmap="plasma",
                        norm=Normalize(0.0, 1.0),
                    ),
                    f"Share of the realisations in which the cell's block grade is "
                    f"at least {cutoff:,.0f} ppm REY: near 1 or 0 where the cores "
                    "settle it, in between where they do not.",
                    alt=f"probability above {cutoff:g} ppm",
                )
            )
        return items

    # ----------------------------------------------------------------- maps
    def map_figure(self, name: str) -> Figure | None:
        """The figure of one quick-look map, or None if the run lacks its data."""
        from seabed.report import maps

        ds = self.result.dataset
        if _MAP_LAYERS[name] not in ds:
            return None  # e.g. no standard deviation with inverse distance
        layer = ds[_MAP_LAYERS[name]]
        figure = _figure(self._map_size())
        ax = figure.add_subplot()
        if name == "class":
            maps.plot_class_map(layer, ax, cores=self.cores, zones=self.zones)
        elif name == "exclusions":
            maps.plot_exclusion_map(
                layer,
                ax,
                title="Excluded share of each cell, with the zones",
                cores=self.cores,
                zones=self.zones,
            )
        else:
            self._grid_map(layer, **self._map_styles()[name])(ax)
        return figure

    def _map_styles(self) -> dict[str, dict[str, Any]]:
        """Title, colour-bar label and colour map of each quick-look of values."""
        window = self._window_text()
        return {
            "rey_ppm": {
                "title": f"Estimated REY grade, {window} "
                f"(block {self._support_text()})",
                "label": "total REY (ppm, dry weight)",
            },
            "rey_std_ppm": {
                "title": "Kriging standard deviation of the REY grade",
                "label": "standard deviation (ppm)",
                "cmap": "cividis",
            },
            "treo_t_per_km2": {
                "title": f"TREO per km², {window}",
                "label": "TREO (t/km², available area only)",
                "cmap": "YlGnBu",
            },
        }

    def _grid_map(
        self,
        grid: xr.DataArray,
        *,
        title: str,
        label: str,
        cmap: str = "viridis",
        norm: Normalize | None = None,
    ) -> Callable[[Any], Any]:
        """What draws ``grid`` on an Axes, with the run's cores and zones."""
        from seabed.report import maps

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

    def maps_html(self) -> str:
        captions = {
            "rey_ppm": "Kriged total REY grade of each cell over the depth window. "
            "Circles: cores used; crosses: cores too short for the window.",
            "rey_std_ppm": "Kriging standard deviation: low near cores, rising "
            "with distance from them. It measures data spacing, not the grade's "
            "local variability.",
            "treo_t_per_km2": "TREO tonnes per km² of cell, counting only the "
            "available part of each cell (inside include zones, outside exclusions).",
            "class": "Resource class of each cell under the classification rules.",
            "exclusions": "Share of each cell that is outside the include zones or "
            "inside an exclusion zone or rule; zone outlines drawn (include zones "
            "dashed).",
        }
        items = []
        for name in QUICKLOOKS:
            png = self.map_png(name)
            if png is not None:
                caption = captions[name] + self._decimation_text()
                items.append(_image_html(png, caption, alt=name))
        location = self._location_figure()
        if location is not None:
            items.append(
                _figure_html(
                    location,
                    "Where the grid lies among the zones, over the water depth "
                    "of the bathymetry input.",
                    alt="location",
                )
            )
        notes = "".join(
            f'<p class="muted">{html.escape(problem)}</p>' for problem in self.problems
        )
        return f'{notes}<div class="figures">{"".join(items)}</div>'

    def _map_html(self, draw: Callable[[Any], Any], caption: str, *, alt: str) -> str:
        """A map of the grid drawn by ``draw(ax)``, as an HTML figure."""
        return _chart_html(
            self._map_size(), draw, caption + self._decimation_text(), alt=alt
        )

    def _decimation_text(self) -> str:
        """What the captions of maps say when the grid was decimated to draw them."""
        from seabed.report import maps

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

    def _location_figure(self) -> Figure | None:
        from seabed.report import maps

        depth = _load_water_depth(self.result, self.problems)
        if self.zones is None and depth is None:
            return None
        figure = _figure(self._map_size())
        maps.plot_location_map(
            self.result.dataset.rio.bounds(),
            self.crs,
            figure.add_subplot(),
            zones=self.zones,
            water_depth=depth,
        )
        return figure

    def _map_size(self) -> tuple[float, float]:
        ds = self.result.dataset
        aspect = ds.sizes["y"] / ds.sizes["x"]
        return 6.4, min(max(4.6 * aspect + 1.6, 3.6), 8.0)

    def _window_text(self) -> str:
        window = self.result.config.composite
        return f"{window.top_m:g}-{window.bottom_m:g} mbsf"

    def _support_text(self) -> str:
        if self.result.config.estimate.support == "block":
            return f"{self.result.config.grid.resolution_m:g} m blocks"
        return "point estimates at cell centres"

    # ----------------------------------------------------------------- geostats
    def geostats_html(self) -> str:
        from seabed.report import charts

        items = []
        variogram = self._variogram_figure()
        if variogram is not None:
            items.append(
                _figure_html(
                    variogram,
                    "Experimental variogram of the composited REY grades (points; "
                    "the number of pairs above each) and the model used for "
                    "kriging (line).",
                    alt="variogram",
                )
            )
        table = self.cross_validation()
        if table is not None:
            items.append(
                _chart_html(
                    (5.4, 5.0),
                    lambda ax: charts.plot_cross_validation(table, ax),
                    "Each core's composite predicted from the other cores "
                    "(leave-one-out, point kriging), against its observed value.",
                    alt="cross-validation scatter",
                )
            )
            items.append(
                _chart_html(
                    self._map_size(),
                    lambda ax: charts.plot_cross_validation_map(
                        table,
                        self.crs,
                        ax,
                        bounds=self.result.dataset.rio.bounds(),
                        zones=self.zones,
                    ),
                    "Leave-one-out error at each core: red where the model "
                    "under-predicts, blue where it over-predicts.",
                    alt="cross-validation error map",
                )
            )
            items.append(f"<div>{_cross_validation_stats_html(table)}</div>")
        if not items:
            return '<p class="muted">No variogram: the run used inverse distance.</p>'
        return self._variogram_text() + f'<div class="figures">{"".join(items)}</div>'

    def _variogram_figure(self) -> Figure | None:
        from seabed.geostats import experimental_variogram, plot_variogram

        variogram = self.result.variogram
        used = _used_cores(self.result)
        if variogram is None or len(used) < 3:
            return None
        X = _project(used, self.crs)
        try:
            ev = experimental_variogram(X, used["rey_ppm"].to_numpy(dtype=float))
        except InputError:  # too few pairs within gstat's cutoff: nothing to draw
            return None
        figure = _figure((6.4, 4.6))
        plot_variogram(
            ev,
            variogram,
            figure.add_subplot(),
            value_units="ppm",
            title="Variogram of the REY composites",
        )
        return figure

    def _variogram_text(self) -> str:
        variogram = self.result.variogram
        if variogram is None:
            return ""
        source = (
            "fitted automatically (weighted least squares, gstat fit.method 7)"
            if self.result.config.estimate.variogram == "auto"
            else "given in the configuration"
        )
        parts = [f"nugget {variogram.nugget:,.4g} ppm²"] + [
            f"{s.model} structure: partial sill {s.psill:,.4g} ppm², range "
            f"{s.range / 1000:,.3g} km"
            for s in variogram.structures
        ]
        return f"<p>Model {html.escape(source)}: {html.escape('; '.join(parts))}.</p>"

    def cross_validation(self) -> pd.DataFrame | None:
        """Leave-one-out table: the run's own, or computed with point support."""
        carried = getattr(self.result, "cross_validation", None)
        if isinstance(carried, pd.DataFrame):
            return carried
        table = getattr(carried, "table", None)  # a CrossValidation record
        if isinstance(table, pd.DataFrame):
            return table
        try:
            from seabed.geostats.validation import leave_one_out
        except ImportError:
            return None
        from seabed.estimation import make_estimator

        used = _used_cores(self.result)
        if len(used) < 4:
            return None
        X = _project(used, self.crs)
        y = used["rey_ppm"].to_numpy(dtype=float)
        estimator, _ = make_estimator(self.result.config, X, y)
        if self.result.variogram is not None:
            # the run's own model; cross-validation compares point values
            estimator.set_params(variogram=self.result.variogram, block_size=None)
        try:
            return leave_one_out(estimator, X, y)
        except SeabedError as error:
            self.problems.append(f"cross-validation was skipped: {error}")
            return None

    # ----------------------------------------------------------------- curves
    def curves_html(self) -> str:
        from seabed.report import charts

        curve = self.grade_tonnage()
        items = [
            _chart_html(
                (6.4, 4.4),
                lambda ax: charts.plot_grade_tonnage(
                    curve, ax, cutoffs_ppm=self.result.config.resource.cutoffs_ppm
                ),
                "Dry ore tonnes and their mean REY grade above each cut-off on "
                "the kriged block grade; dotted lines: the statement's cut-offs. "
                "Kriged grades are smoother than the true ones (see the caveats).",
                alt="grade-tonnage curve",
            )
        ]
        profile = _slice_profile(self.result)
        if profile is not None:
            items.append(
                _chart_html(
                    (5.0, 4.4),
                    lambda ax: charts.plot_grade_profile(profile, ax),
                    "Mean REY grade of each depth slice over the whole estimated "
                    "area (tonnage-weighted, lowest cut-off).",
                    alt="grade profile by depth",
                )
            )
        items.append(
            "<div>"
            + _table_html(
                _every_round_cutoff(curve),
                ["cutoff_ppm", "area_km2", "ore_t", "mean_rey_ppm", "treo_t"],
                caption="Points of the grade-tonnage curve.",
            )
            + "</div>"
        )
        return f'<div class="figures">{"".join(items)}</div>'

    def grade_tonnage(self) -> pd.DataFrame:
        """The run's grade-tonnage table, or its statement when it carries none.

        Never recomputed from the cells: the dataset may be a lazily loaded copy of
        the map layers only, too large to pass through in a report.
        """
        carried = _optional_table(self.result, "grade_tonnage")
        return self.result.statement if carried is None else carried

    # ----------------------------------------------------------------- text
    def assumptions_html(self) -> str:
        result = self.result
        config = result.config
        window = config.composite
        factors = oxide_factors(config.resource.oxides)
        oxides = dict(DEFAULT_OXIDES) | dict(config.resource.oxides)
        estimate = config.estimate
        ds = result.dataset
        cutoffs = ", ".join(f"{c:,.0f}" for c in config.resource.cutoffs_ppm)
        thickness = f"{window.top_m:g}-{window.bottom_m:g} m below the local seafloor"
        if config.inputs.sediment_thickness is not None:
            thickness += ", capped where the sediment-thickness grid is thinner"
        rows = [
            ("Depth window", thickness),
            (
                "Compositing",
                "length-weighted mean over the window per core; cores that do "
                f"not reach {window.bottom_m:g} mbsf are "
                + (
                    "left out"
                    if window.incomplete_cores == "exclude"
                    else "kept (flagged)"
                ),
            ),
            ("Dry bulk density", _density_text(result).replace("t/m3", "t/m³")),
            (
                "Grade",
                "total REY = Y + La, Ce, Pr, Nd, Sm, Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, "
                "Lu (no Pm, no Sc), ppm by dry weight",
            ),
            (
                "Oxide forms (factor)",
                _Markup(
                    ", ".join(
                        f"{_oxide_label(oxides[el])} {factors[el]:.4f}" for el in REY
                    )
                ),
            ),
            ("Cut-offs", f"{cutoffs} ppm REY, on the estimated block grade"),
            ("Estimator", _estimator_text(estimate)),
            ("Support", self._support_text()),
            (
                "Grid",
                f"{config.grid.resolution_m:g} m cells, {ds.sizes['x']} × "
                f"{ds.sizes['y']}, CRS {self.crs.to_string()} ({self.crs.name})",
            ),
            ("Areas", "geodesic, on the WGS84 ellipsoid, per cell"),
            ("Include zones", _zone_list(config.inputs.include) or "none"),
            ("Exclude zones", _zone_list(config.inputs.exclude) or "none"),
            ("Raster rules", _rules_text(config) or "none"),
        ]
        return _key_value_html(rows)

    def caveats_html(self) -> str:
        caveats = [
            "This estimate is not JORC / NI 43-101 compliant: no Competent Person "
            "has reviewed or signed it, and its classes follow configured rules, "
            "not a Competent Person's judgement.",
            "Kriged block grades are smoother than the true ones, so the "
            "grade-tonnage curve is flatter than the true one: above cut-offs "
            "higher than the mean grade the tonnage is understated, below the "
            "mean it is overstated.",
        ]
        if self.simulation is None:
            caveats.append(
                "The statement has no P10 / P50 / P90: the run made no conditional "
                "simulation (add a [simulation] section to the configuration).",
            )
        if _is_bundled(self.result.config.inputs.cores, "demo_cores_path"):
            caveats.insert(
                1,
                "The cores are synthetic (seabed's seeded generator over the real "
                "bathymetry), not measurements: the numbers illustrate the method "
                "and say nothing about the real deposit.",
            )
        if _is_bundled(self.result.config.inputs.bathymetry, "bathymetry_path"):
            caveats.append(
                "The bathymetry (ETOPO1, 0.1°) and sediment thickness (GlobSed, "
                "5′) grids are coarse, about 10 km per cell: they cannot show "
                "seamount flanks or slopes at the scale of a collector.",
            )
        notes = [n for n in self.result.notes if "JORC" not in n]
        items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats)
        parts = [f'<div class="caveat"><ul>{items}</ul></div>']
        if notes:
            parts.append("<h3>Notes from the run</h3><ul>")
            parts.extend(f"<li>{html.escape(note)}</li>" for note in notes)
            parts.append("</ul>")
        return "".join(parts)

    def provenance_html(self) -> str:
        record = self.result.provenance
        general = [
            ("Created (UTC)", str(record.get("created_utc", ""))),
            ("Command", str(record.get("command", ""))),
            ("Estimator", str(record.get("estimator", ""))),
            ("Seeds", json.dumps(record.get("seeds", {})) or "none"),
            (
                "Scheduler, tile size",
                f"{record.get('scheduler', '')}, {record.get('tile_size', '')} cells",
            ),
            ("Platform", str(record.get("platform", ""))),
        ]
        inputs = pd.DataFrame(
            [
                {
                    "input": role,
                    "path": item.get("path", ""),
                    "sha256": item.get("sha256", ""),
                }
                for role, item in record.get("inputs", {}).items()
            ]
        )
        versions = ", ".join(
            f"{name} {version}" for name, version in record.get("versions", {}).items()
        )
        config = _toml(record.get("config", {}))
        parts = [_key_value_html(general), "<h3>Input files</h3>"]
        if len(inputs):
            parts.append(
                _table_html(
                    inputs,
                    [
                        "input",
                        _text_column("path", "path", css="mono"),
                        _text_column("sha256", "SHA-256", css="mono hash"),
                    ],
                    css="wide",
                )
            )
        parts += [
            f'<h3>Versions</h3><p class="mono">{html.escape(versions)}</p>',
            "<h3>Configuration, as run</h3>",
            '<p class="muted">Every key with the value used, defaults included; '
            "save it as a .toml file to run the estimate again.</p>",
            f'<pre class="config">{html.escape(config)}</pre>',
        ]
        return "".join(parts)


# =========================================================================== helpers
def _used_cores(result: RunResult) -> pd.DataFrame:
    """The composites that entered the estimate (the pipeline's selection rule)."""
    composites = result.composites
    usable = composites["rey_ppm"].notna()
    if result.config.composite.incomplete_cores == "exclude":
        usable &= composites["reaches_bottom"].astype(bool)
    return composites[usable]


def _project(cores: pd.DataFrame, crs: pyproj.CRS) -> np.ndarray:
    from seabed.estimation import project

    return project(cores, crs)


def zone_outlines(
    include: Iterable[gpd.GeoDataFrame],
    exclude: Iterable[gpd.GeoDataFrame | tuple[str, gpd.GeoDataFrame]],
) -> gpd.GeoDataFrame:
    """The include and exclude zones of a run as one table, for drawing on maps.

    A run that keeps this table (``RunResult.zone_outlines``) spares the report
    from reading and buffering the zone files again.

    Parameters
    ----------
    include : iterable of GeoDataFrame
        Zones to stay inside, as :func:`seabed.io.load_zones` returns them.
    exclude : iterable of GeoDataFrame or (reason, GeoDataFrame)
        Zones to leave out; a reason given beside a frame overrides its column.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kind`` (``"include"`` or ``"exclude"``), ``reason`` and
        ``geometry``, in EPSG:4326.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> box = gpd.GeoDataFrame({"reason": ["eez"]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                        crs=4326)
    >>> zone_outlines([box], [("cable", box)])[["kind", "reason"]].values.tolist()
    [['include', 'eez'], ['exclude', 'cable']]
    """
    import geopandas as gpd

    frames = [frame.to_crs(4326).assign(kind="include") for frame in include]
    for item in exclude:
        if isinstance(item, tuple):
            reason, frame = item
            frame = frame.assign(reason=reason)
        else:
            frame = item
        frames.append(frame.to_crs(4326).assign(kind="exclude"))
    columns = ["kind", "reason", "geometry"]
    if not frames:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame(
        pd.concat([frame[columns] for frame in frames], ignore_index=True), crs=4326
    )


def _load_zones(result: RunResult, problems: list[str]) -> gpd.GeoDataFrame | None:
    """The run's include and exclude zones: carried by the run, else read again."""
    import geopandas as gpd

    from seabed.io import load_zones

    carried = getattr(result, "zone_outlines", None)
    if isinstance(carried, gpd.GeoDataFrame):
        return carried if len(carried) else None
    inputs = result.config.inputs
    loaded: dict[str, list[gpd.GeoDataFrame]] = {"include": [], "exclude": []}
    for kind, zones in (("include", inputs.include), ("exclude", inputs.exclude)):
        for zone in zones:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SeabedWarning)
                    loaded[kind].append(
                        load_zones(
                            zone.path,
                            layer=zone.layer,
                            reason=zone.reason,
                            buffer_m=zone.buffer_m,
                        )
                    )
            except SeabedError as error:
                problems.append(f"zone outlines not drawn: {error}")
    outlines = zone_outlines(loaded["include"], loaded["exclude"])
    return outlines if len(outlines) else None


def _load_water_depth(result: RunResult, problems: list[str]) -> Any:
    path = result.config.inputs.bathymetry
    if path is None:
        return None
    from seabed.io import load_bathymetry

    try:
        return load_bathymetry(path)
    except SeabedError as error:
        problems.append(f"bathymetry not drawn: {error}")
        return None


def _is_bundled(path: Any, accessor: str) -> bool:
    if path is None:
        return False
    from seabed.io import datasets

    try:
        bundled = getattr(datasets, accessor)()
    except SeabedError:
        return False
    return Path(path).resolve() == Path(bundled).resolve()


def _slice_profile(result: RunResult) -> pd.DataFrame | None:
    """The per-slice rows of the run's depth statements at the lowest cut-off."""
    slices = _optional_table(result, "slices")
    if slices is None or "interval" not in slices:
        return None
    rows = slices[slices["interval"] == "slice"]
    rows = rows[rows["cutoff_ppm"] == rows["cutoff_ppm"].min()]
    return rows if len(rows) else None


def _every_round_cutoff(curve: pd.DataFrame, rows: int = 10) -> pd.DataFrame:
    """About ``rows`` rows of a grade-tonnage table, at round cut-offs."""
    cutoffs = curve["cutoff_ppm"].to_numpy(dtype=float)
    if len(cutoffs) <= rows:
        return curve
    step = _round_up((cutoffs.max() - cutoffs.min()) / rows)
    on_step = np.isclose(np.mod(cutoffs, step), 0.0) | np.isclose(
        np.mod(cutoffs, step), step
    )
    return curve[on_step]


def _zone_list(zones: Iterable[Any]) -> str:
    names = []
    for zone in zones:
        name = Path(str(zone.path)).name + (
            f" (layer {zone.layer})" if zone.layer else ""
        )
        if getattr(zone, "reason", None):
            name = f"{zone.reason}: {name}"
        if getattr(zone, "buffer_m", 0):
            name += f", buffered {zone.buffer_m:g} m"
        names.append(name)
    return "; ".join(names)


def _estimator_text(estimate: Any) -> str:
    """``ordinary kriging, 32 nearest cores within 50 km (at least 3)``."""
    if estimate.method == "idw":
        method = f"inverse distance weighting (power {estimate.idw_power:g})"
    else:
        method = f"{estimate.method} kriging"
    search = (
        "all cores"
        if estimate.n_neighbors is None
        else f"{estimate.n_neighbors} nearest cores"
    )
    if estimate.max_distance_m is not None:
        search += f" within {estimate.max_distance_m / 1000:g} km"
    return f"{method}, {search} (at least {estimate.min_neighbors})"


def _rules_text(config: Any) -> str:
    rules = config.rules
    parts = []
    if rules.max_slope_deg is not None:
        parts.append(f"slope at most {rules.max_slope_deg:g}°")
    if rules.depth_window_m is not None:
        shallow, deep = rules.depth_window_m
        parts.append(f"water depth {shallow:g}-{deep:g} m")
    return "; ".join(parts)


def _cross_validation_stats_html(table: pd.DataFrame) -> str:
    from seabed.geostats.validation import summarize

    stats = summarize(table)
    rows = [
        ("Cores predicted", f"{stats['n']}"),
        ("Mean error (bias)", f"{stats['mean_error']:,.1f} ppm (ideal 0)"),
        ("Root mean squared error", f"{stats['rmse']:,.1f} ppm"),
        ("Correlation observed / predicted", f"{stats['cor_observed_predicted']:.3f}"),
        ("Mean z-score", f"{stats['mean_zscore']:.3f} (ideal 0)"),
        ("Standard deviation of z-scores", f"{stats['sd_zscore']:.3f} (ideal 1)"),
    ]
    return (
        "<h3>Cross-validation statistics</h3>"
        + _key_value_html(rows)
        + '<p class="muted">A z-score is the error over the kriging standard '
        "deviation: a standard deviation of z-scores above 1 means the kriging "
        "standard deviation understates the real uncertainty.</p>"
    )


def _depth_tables_html(slices: pd.DataFrame | None) -> str:
    """The statement per depth slice and cumulative to each depth, those present."""
    if slices is None or "interval" not in slices:
        return ""
    parts = []
    for interval, heading, about in _DEPTH_TABLES:
        rows = slices[slices["interval"] == interval]
        if len(rows) == 0:
            continue
        depth = (
            rows["top_m"].map("{:g}".format) + "-" + rows["bottom_m"].map("{:g}".format)
        )
        if "statistic" in rows:  # the simulation's: say so in heading and caption
            heading += ": P10 / P50 / P90"
            about = f"Over the realisations: {about[0].lower()}{about[1:]}"
        parts.append(f"<h3>{heading}</h3>")
        parts.append(
            _by_part_html(rows.assign(depth=depth), "depth", unit="mbsf", about=about)
        )
    return "\n".join(parts)


def _beside_kriged(summary: pd.DataFrame, statement: pd.DataFrame) -> pd.DataFrame:
    """The simulated statement's rows per cut-off, each followed by the kriged row.

    >>> summary = pd.DataFrame({"cutoff_ppm": [0.0, 0.0], "statistic": ["p10", "p90"],
    ...                         "treo_t": [9.0, 11.0]})
    >>> statement = pd.DataFrame({"cutoff_ppm": [0.0], "treo_t": [10.2]})
    >>> _beside_kriged(summary, statement).values.tolist()
    [[0.0, 'P10', 9.0], [0.0, 'P90', 11.0], [0.0, 'kriged', 10.2]]
    """
    kriged = statement.assign(statistic="kriged")
    lines = []
    for cutoff, rows in summary.groupby("cutoff_ppm", sort=False):
        lines += [rows, kriged[kriged["cutoff_ppm"] == cutoff]]
    table = pd.concat(lines, ignore_index=True)[list(summary.columns)]
    return table.assign(statistic=table["statistic"].map(_STATISTIC_LABELS))


def _uncertainty_text(simulated: SimulatedResource) -> str:
    """What P10 / P50 / P90 mean, in plain words."""
    return (
        "<p>The kriged statement is one best estimate, and a smooth one: kriging "
        "averages the cores around each cell, so its map varies less than the "
        f"grade does. To show how sure the figures are, the run drew "
        f"{simulated.n_realizations} conditional simulations (seed {simulated.seed}): "
        "grade maps that each honour the cores and the variogram, any one as "
        "likely as another. Each went through the same accounting as the kriged "
        "estimate (cell areas, zones and rules, depth window, dry density, cut-offs) "
        "and gave its own statement.</p>"
        "<p><b>P10</b> is the low figure: 90 % of the realisations give more. "
        "<b>P50</b> is the middle one and <b>P90</b> the high one, exceeded by only "
        "10 %. Each quantity is ranked on its own, so the figures of one row need "
        "not come from one realisation. Where the kriged figure lies off the P50, "
        "or outside P10-P90, that is the smoothing of kriging at work: at cut-offs "
        "above the mean grade the kriged tonnes are too low.</p>"
    )


def _optional_table(source: object, attribute: str) -> pd.DataFrame | None:
    """A table a run (or its simulation) may carry; None if not, or if empty."""
    table = getattr(source, attribute, None)
    return table if isinstance(table, pd.DataFrame) and len(table) else None


def _elements_from_statement(statement: pd.DataFrame) -> pd.DataFrame | None:
    """The element table rebuilt from a statement's oxide tonnage columns."""
    rows = []
    for column in statement.columns:
        element = _oxide_element(column)
        if element is None:
            continue
        oxide = column.removesuffix("_t")
        for _, line in statement.iterrows():
            rows.append(
                {
                    "cutoff_ppm": line["cutoff_ppm"],
                    "element": element,
                    "oxide": oxide,
                    "oxide_factor": oxide_factor(element, oxide),
                    "oxide_t": line[column],
                    "share_of_rey": line[column]
                    / oxide_factor(element, oxide)
                    / line["rey_t"]
                    if line["rey_t"] > 0
                    else math.nan,
                }
            )
    return pd.DataFrame(rows) if rows else None


# =========================================================================== files
#: Quick-look PNGs written by :func:`write_quicklooks`, in the order of the report.
QUICKLOOKS = ("rey_ppm", "rey_std_ppm", "treo_t_per_km2", "class", "exclusions")


def write_quicklooks(result: RunResult, out_dir: str | Path) -> list[Path]:
    """Write one PNG per map of a run (see :data:`QUICKLOOKS`) into a folder.

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.
    out_dir : str or path-like
        An existing folder; files are named ``<map>.png`` (``rey_ppm.png`` ...).

    Returns
    -------
    list of pathlib.Path
        The files written; a map the run has no data for (no kriging standard
        deviation with IDW) is skipped.
    """
    return _Report.of(result).write_maps(Path(out_dir))
