"""The Variogram and cross-validation section."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from seabed.geostats import plot_variogram
from seabed.geostats.validation import summarize
from seabed.report import charts
from seabed.report.html import _chart_html, _figure, _figure_html, _key_value_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from seabed.report.context import ReportContext

__all__ = [
    "cross_validation_stats_html",
    "geostats_html",
]


def geostats_html(context: ReportContext) -> str:
    """The variogram model, its figure, and the run's leave-one-out cross-validation."""
    result = context.result
    items = []
    variogram = _variogram_figure(context)
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
    table = result.cross_validation
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
                context.map_size(),
                lambda ax: charts.plot_cross_validation_map(
                    table,
                    context.crs,
                    ax,
                    bounds=result.dataset.rio.bounds(),
                    zones=context.zones,
                ),
                "Leave-one-out error at each core: red where the model "
                "under-predicts, blue where it over-predicts.",
                alt="cross-validation error map",
            )
        )
        items.append(f"<div>{cross_validation_stats_html(table)}</div>")
    if not items:
        return '<p class="muted">No variogram: the run used inverse distance.</p>'
    return _variogram_text(context) + f'<div class="figures">{"".join(items)}</div>'


def _variogram_figure(context: ReportContext) -> Figure | None:
    result = context.result
    if result.variogram is None or result.experimental_variogram is None:
        return None
    figure = _figure((6.4, 4.6))
    plot_variogram(
        result.experimental_variogram,
        result.variogram,
        figure.add_subplot(),
        value_units="ppm",
        title="Variogram of the REY composites",
    )
    return figure


def _variogram_text(context: ReportContext) -> str:
    result = context.result
    variogram = result.variogram
    if variogram is None:
        return ""
    source = (
        "fitted automatically (weighted least squares, gstat fit.method 7)"
        if result.config.estimate.variogram == "auto"
        else "given in the configuration"
    )
    parts = [f"nugget {variogram.nugget:,.4g} ppm²"] + [
        f"{s.model} structure: partial sill {s.psill:,.4g} ppm², range "
        f"{s.range / 1000:,.3g} km"
        for s in variogram.structures
    ]
    return f"<p>Model {html.escape(source)}: {html.escape('; '.join(parts))}.</p>"


def cross_validation_stats_html(table: pd.DataFrame) -> str:
    """Bias, RMSE, correlation and z-scores of a leave-one-out table."""
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
