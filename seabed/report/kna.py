"""Kriging neighbourhood analysis rendered: its chart, its section and its own page.

Everything here renders the JSON-ready record of an analysis
(``seabed.pipeline.kna.neighbourhood_record``: ``table``, ``recommended``,
``current``, ``cells``, ``rule``); :mod:`seabed.outputs` writes the page.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from seabed._version import __version__
from seabed.report.html import (
    _Column,
    _figure,
    _figure_html,
    _number,
    _table_html,
    _template,
)
from seabed.result import SYNTHETIC_NOTICE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "kna_html",
    "plot_kna",
    "render_kna_page",
]


def plot_kna(table: pd.DataFrame, ax: Axes, *, measure: str = "slope") -> Axes:
    """Mean (solid) and P10 (dashed) of a measure against the number of neighbours,
    one colour per block size and radius.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of ``seabed.geostats.kna.kna_table``.
    ax : matplotlib Axes
        Where to draw.
    measure : {"slope", "efficiency"}
        Slope of regression or kriging efficiency.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> table = pd.DataFrame({"block_x_m": 0.0, "block_y_m": 0.0, "radius_m": None,
    ...     "n_neighbors": [4, 8], "slope_mean": [0.7, 0.8], "slope_p10": [0.5, 0.6]})
    >>> plot_kna(table, Figure().add_subplot()).get_xlabel()
    'number of neighbours'
    """
    label = {"slope": "slope of regression", "efficiency": "kriging efficiency"}
    for i, ((bx, by, radius), rows) in enumerate(
        table.groupby(["block_x_m", "block_y_m", "radius_m"], sort=False, dropna=False)
    ):
        colour = f"C{i % 10}"
        name = f"{_block_text(bx, by)}, {_radius_text(radius)}"
        ax.plot(
            rows["n_neighbors"],
            rows[f"{measure}_mean"],
            color=colour,
            marker="o",
            label=f"{name}: mean",
        )
        ax.plot(
            rows["n_neighbors"],
            rows[f"{measure}_p10"],
            color=colour,
            linestyle="--",
            label=f"{name}: P10",
        )
    if measure == "slope":
        ax.axhline(0.8, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xlabel("number of neighbours")
    ax.set_ylabel(label[measure])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    return ax


def kna_html(kna: Mapping[str, Any]) -> str:
    """The analysis as a report section's body: what was done, the recommendation,
    the two charts and the table."""
    table = pd.DataFrame(kna["table"])
    table["radius_m"] = table["radius_m"].astype(float)  # None: no limit
    current = kna["current"]
    lines = [
        f"<p>{kna['cells']} grid cells drawn at random (seed {kna['seed']}) kriged "
        "with each search: the slope of regression of the true block grade on its "
        "estimate (1: no conditional bias) and the kriging efficiency (1 - kriging "
        "variance / block variance), averaged over the cells estimated. "
        f"{html.escape(kna['rule'].capitalize())}.</p>"
    ]
    for pick in kna["recommended"]:
        lines.append(
            f"<p><strong>Recommended for {_block_text(pick['block_x_m'], pick['block_y_m'])}: "
            f"{pick['n_neighbors']} neighbours, {_radius_text(pick['radius_m'])}</strong> "
            f"(mean slope {pick['mean_slope']:.3f}, plateau "
            f"{pick['plateau_slope']:.3f}; mean kriging efficiency "
            f"{pick['mean_efficiency']:.3f}). The run used {current['n_neighbors']} "
            f"neighbours, {_radius_text(current['radius_m'])}.</p>"
        )
        if pick["mean_slope"] < 0.8:
            lines.append(
                '<p class="muted">Even this search leaves the mean slope below 0.8: '
                "the cores are too far apart for the slope criterion of the "
                "Indicated class in most cells.</p>"
            )
    figure = _figure((9.6, 4.2))
    for ax, measure in zip(figure.subplots(1, 2), ("slope", "efficiency"), strict=True):
        plot_kna(table, ax, measure=measure)
    caption = (
        "Slope of regression (left; the dotted line is 0.8) and kriging efficiency "
        "(right) against the number of neighbours: mean (solid) and P10 (dashed) "
        "over the cells."
    )
    charts = _figure_html(figure, caption, alt=caption)

    def text(label: str, value: Any) -> _Column:
        return _Column(label, "", lambda rows: value(rows.iloc[0]), is_text=True)

    def number(label: str, column: str, digits: int) -> _Column:
        # a dash for a search that estimates no cell: it has no means
        return _Column(label, "", lambda rows: _number(rows[column].iloc[0], digits))

    columns = [
        text("block", lambda row: _block_text(row.block_x_m, row.block_y_m)),
        text("radius", lambda row: _radius_text(row.radius_m)),
        number("neighbours", "n_neighbors", 0),
        number("cells estimated", "n_estimated", 0),
        number("mean samples used", "mean_samples", 1),
        number("mean slope", "slope_mean", 3),
        number("P10 slope", "slope_p10", 3),
        number("mean efficiency", "efficiency_mean", 3),
        number("P10 efficiency", "efficiency_p10", 3),
    ]
    body = _table_html(
        table, columns, caption="Per search: the spread over the cells it estimates."
    )
    return "".join(lines) + f'<div class="figures">{charts}</div>' + body


def render_kna_page(kna: Mapping[str, Any]) -> str:
    """A self-contained HTML page of a neighbourhood analysis (``kna.html``)."""
    synthetic = bool(kna.get("synthetic"))
    banner = (
        '<div class="caveat synthetic" role="alert"><strong>'
        f"{html.escape(SYNTHETIC_NOTICE)}.</strong></div>\n"
        if synthetic
        else ""
    )
    page = string.Template(_template("report.html"))
    title = "Kriging neighbourhood analysis"
    return page.substitute(
        title=title,
        version=html.escape(__version__),
        css=_template("report.css"),
        subtitle=f"<p>variogram {html.escape(str(kna.get('variogram', '')))}</p>",
        badge=("SYNTHETIC DATA · " if synthetic else "")
        + "not JORC / NI 43-101 compliant",
        body=banner
        + f'<section id="kna"><h2>{title}</h2>\n{kna_html(kna)}\n</section>',
        footer=html.escape(f"Written by seabed {__version__} (seabed kna)."),
    )


def _block_text(bx: float, by: float) -> str:
    if bx == 0 and by == 0:
        return "points"
    return f"{bx:,.0f} × {by:,.0f} m blocks"


def _radius_text(radius: float | None) -> str:
    if radius is None or radius != radius or radius == float("inf"):
        return "no radius limit"
    return f"radius {radius / 1000:,.1f} km"
