"""The Resource statement section and the Breakdown of the statement section."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from seabed.elements import oxide_factor
from seabed.report.html import (
    _by_part_html,
    _Column,
    _Markup,
    _oxide_element,
    _oxide_label,
    _per_cutoff_columns,
    _table_html,
)

if TYPE_CHECKING:
    from seabed.report.context import ReportContext

__all__ = [
    "breakdown_html",
    "depth_tables_html",
    "statement_html",
]


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


def statement_html(context: ReportContext) -> str:
    """The statement per cut-off, then the excluded tonnes."""
    result = context.result
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


def breakdown_html(context: ReportContext) -> str:
    """The statement by element, depth, class and zone (those the run has)."""
    result = context.result
    parts = [_elements_html(context), depth_tables_html(result.slices)]
    for table, part, heading, about in (
        (result.classes, "class", "By resource class", "Each resource class"),
        (result.zones, "zone", "By report zone", "Each report zone"),
    ):
        if len(table) and part in table:
            parts.append(f"<h3>{heading}</h3>")
            parts.append(_by_part_html(table, part, about=about))
    return "\n".join(parts)


def _elements_html(context: ReportContext) -> str:
    """Oxide tonnes per element and cut-off, from the run's element table."""
    table: pd.DataFrame | None = context.result.elements
    if table is None or len(table) == 0:
        table = _elements_from_statement(context.result.statement)
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


def depth_tables_html(slices: pd.DataFrame) -> str:
    """The statement per depth slice and cumulative to each depth, those present."""
    if len(slices) == 0 or "interval" not in slices:
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
