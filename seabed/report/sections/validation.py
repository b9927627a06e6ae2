"""The Variogram and validation section: the variogram and how it was chosen,
cross-validation (leave-one-out and grouped by core), the log-probability plot,
swath plots and the Q-Q plot."""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from seabed.geostats import plot_variogram
from seabed.geostats.validation import summarize
from seabed.report import charts
from seabed.report.html import (
    _chart_html,
    _figure,
    _figure_html,
    _key_value_html,
    _ppm,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from seabed.report.context import ReportContext

__all__ = [
    "checks_html",
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
    directional = _variogram_figure(context, directional=True)
    if directional is not None:
        items.append(
            _figure_html(
                directional,
                "Experimental variograms along four azimuths (22.5 degrees either "
                "side) and the model used, drawn along each: where they part, the "
                "grade varies faster in one direction than in another.",
                alt="directional variograms",
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
    items.extend(validation_figures_html(result.validation))
    grouped = grouped_cross_validation_html(result.validation)
    if grouped:
        items.append(f"<div>{grouped}</div>")
    checks = checks_html(result.validation)
    if checks:
        items.append(f"<div>{checks}</div>")
    if not items:
        return '<p class="muted">No variogram: the run used inverse distance.</p>'
    return _variogram_text(context) + f'<div class="figures">{"".join(items)}</div>'


#: The swath plots: key in ``validation["swaths"]``, caption.
_SWATHS = (
    ("east", "east-west: bands of easting"),
    ("north", "north-south: bands of northing"),
    ("depth", "by depth slice"),
)


def validation_figures_html(validation: dict[str, Any]) -> list[str]:
    """The log-probability plot (top-cut marked), the swath plots and the Q-Q
    plot, from the run's ``validation`` section (each only where it was measured)."""
    items = []
    top_cut = validation.get("top_cut") or {}
    points = top_cut.get("log_probability")
    if points:
        cut = top_cut.get("applied_top_cut_ppm")
        items.append(
            _chart_html(
                (5.4, 4.4),
                lambda ax: charts.plot_log_probability(
                    points["value_rey_ppm"], points["normal_score"], ax, top_cut=cut
                ),
                "Log-probability plot of the composites' REY grade before any "
                "top-cut (declustered cumulative probability): a straight line is a "
                "lognormal population; points bending off to the right are the "
                "high grades. "
                + (
                    f"The vertical line is the applied top-cut ({cut:,.0f} ppm)."
                    if cut is not None
                    else "No top-cut was applied."
                ),
                alt="log-probability plot",
            )
        )
    swaths = validation.get("swaths") or {}
    for along, words in _SWATHS:
        rows = swaths.get(along)
        if not rows:
            continue
        items.append(
            _chart_html(
                (6.4, 3.6),
                functools.partial(_draw_swath, rows, along),
                f"Swath plot {words}: the kriged grade and the nearest-neighbour "
                "estimate averaged over the available area of each band, and the "
                "declustered mean of the composites in it (the number of cores at "
                "the bottom). Kriging should follow the composites' trend, smoother.",
                alt=f"swath plot {along}",
            )
        )
    qq = validation.get("qq")
    if qq:
        items.append(
            _chart_html(
                (5.0, 4.8),
                lambda ax: charts.plot_qq(qq, ax),
                "Q-Q plot: quantiles (2 to 98 %) of the kriged cells, weighted by "
                "their available area, against those of the declustered "
                "composites. Kriging smooths: its quantiles spread less than the "
                "composites' (a line flatter than 1:1), around the same centre.",
                alt="Q-Q plot",
            )
        )
    return items


def _draw_swath(rows: list[dict[str, Any]], along: str, ax: Any) -> None:
    charts.plot_swath(rows, ax, along=along)


def grouped_cross_validation_html(validation: dict[str, Any]) -> str:
    """The grouped-by-core cross-validation statistics (slices), or ""."""
    stats = validation.get("cross_validation_by_core")
    if not stats:
        return ""
    rows = [
        (
            "Slice composites predicted",
            f"{stats['n']} ({stats['n_slices']} slices)",
        ),
        # a dash when nothing was predicted (a search that reaches no other core)
        ("Mean error (bias)", _ppm(stats["mean_error"], 1)),
        ("Root mean squared error", _ppm(stats["rmse"], 1)),
    ]
    if stats["mean_squared_zscore"] is not None:  # None without a kriging variance
        rows.append(
            ("Mean squared z-score", f"{stats['mean_squared_zscore']:.3f} (ideal 1)")
        )
    return (
        "<h3>Cross-validation grouped by core</h3>"
        + _key_value_html(rows)
        + '<p class="muted">Each core left out with all its depth-slice composites '
        "at once; each slice kriged from the other cores' composites of that "
        "slice.</p>"
    )


def _variogram_figure(
    context: ReportContext, *, directional: bool = False
) -> Figure | None:
    """The experimental variogram (omnidirectional, or along four azimuths) and the
    model drawn over it."""
    result = context.result
    experimental = (
        result.directional_variogram if directional else result.experimental_variogram
    )
    if result.variogram is None or experimental is None:
        return None
    figure = _figure((6.4, 4.6))
    plot_variogram(
        experimental,
        result.variogram,
        figure.add_subplot(),
        value_units="ppm",
        title=f"{'Directional variograms' if directional else 'Variogram'} of the "
        "REY composites",
    )
    return figure


def _variogram_text(context: ReportContext) -> str:
    result = context.result
    variogram = result.variogram
    if variogram is None:
        return ""
    fit = (result.validation.get("variogram") or {}).get("fit")
    source = (
        f"chosen automatically among {len(fit['candidates'])} candidates fitted by "
        f"weighted least squares, by leave-one-out cross-validation ({fit['choice']})"
        if fit
        else "given in the configuration"
    )
    parts = [
        f"nugget {variogram.nugget:,.4g} ppm²",
        *(_structure_words(s) for s in variogram.structures),
    ]
    return f"<p>Model {html.escape(source)}: {html.escape('; '.join(parts))}.</p>" + (
        _candidates_html(fit["candidates"]) if fit else ""
    )


def _structure_words(s: Any) -> str:
    if s.model == "power":
        return f"power structure: {s.psill:,.4g} ppm² x (h in m)^{s.range:.3g}"
    if s.model == "linear" and s.range == 0:
        return f"linear structure: slope {s.psill * 1000:,.4g} ppm² per km"
    return (
        f"{s.model} structure: partial sill {s.psill:,.4g} ppm², range "
        f"{s.range / 1000:,.3g} km"
    )


def _candidates_html(candidates: list[dict[str, Any]]) -> str:
    """The automatic fit's candidates: model, nugget, WSS and leave-one-out figures."""
    rows = "".join(
        "<tr{}><td>{}</td><td>{}</td><td>{:,.4g}</td><td>{:,.4g}</td><td>{:,.4g}"
        "</td><td>{:.2f}</td></tr>".format(
            ' style="font-weight:bold"' if c["chosen"] else "",
            html.escape(c["model"]),
            html.escape(c["nugget_option"]),
            c["variogram"]["nugget"],
            c["wss"],
            c["loo_mse"] if c["loo_mse"] is not None else float("nan"),
            c["loo_mean_squared_zscore"]
            if c["loo_mean_squared_zscore"] is not None
            else float("nan"),
        )
        for c in candidates
    )
    return (
        '<table class="candidates"><caption>Variogram candidates (the chosen one '
        "in bold)</caption><thead><tr><th>model</th><th>nugget option</th>"
        "<th>nugget (ppm²)</th><th>weighted SSE</th><th>leave-one-out MSE (ppm²)"
        "</th><th>mean z²</th></tr></thead><tbody>" + rows + "</tbody></table>"
    )


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
        (
            "Mean squared z-score",
            f"{stats['mean_squared_zscore']:.3f} (ideal 1; accepted 0.7 to 1.4)",
        ),
    ]
    return (
        "<h3>Cross-validation statistics</h3>"
        + _key_value_html(rows)
        + '<p class="muted">A z-score is the error over the kriging standard '
        "deviation: a standard deviation of z-scores above 1 means the kriging "
        "standard deviation understates the real uncertainty.</p>"
    )


def checks_html(validation: dict[str, Any]) -> str:
    """Declustering, global bias and the top-cut review of a run, as key-value rows."""
    rows: list[tuple[str, str]] = []
    declustering = validation.get("declustering")
    if declustering:
        size = declustering["cell_size_m"]
        rows.append(
            (
                "Mean of the composites",
                f"{declustering['naive_mean_rey_ppm']:,.0f} ppm",
            )
        )
        rows.append(
            (
                "Cell-declustered mean",
                f"{declustering['declustered_mean_rey_ppm']:,.0f} ppm "
                + (
                    f"(cells of {size / 1000:,.3g} km)"
                    if size
                    else "(no cell size "
                    "lowers the mean: the cores are not clustered in high grades)"
                ),
            )
        )
        if declustering.get("nearest_neighbour_mean_rey_ppm") is not None:
            rows.append(
                (
                    "Nearest-neighbour mean over the available area",
                    f"{declustering['nearest_neighbour_mean_rey_ppm']:,.0f} ppm",
                )
            )
    bias = validation.get("global_bias")
    if bias and bias.get("checked_against"):
        difference = bias[f"vs_{bias['checked_against']}"]
        flag = " — beyond 5 %" if abs(difference) > bias["limit"] else ""
        rows.append(
            (
                "Global bias of the kriged mean",
                f"{difference:+.1%} against the "
                f"{bias['checked_against'].replace('_', '-')} mean{flag}",
            )
        )
    directional = (validation.get("variogram") or {}).get("directional")
    if directional:
        ranges = ", ".join(
            f"{azimuth}°: {reach / 1000:,.3g} km"
            for azimuth, reach in directional["ranges_m"].items()
        )
        suggestion = directional["suggested_anis"]
        rows.append(
            (
                "Practical range by azimuth",
                f"{ranges} (shortest / longest {directional['ratio']:.2f}"
                + (
                    f"; anisotropy suggested: anis = [{suggestion[0]:g}, "
                    f"{suggestion[1]:g}])"
                    if suggestion
                    else ")"
                ),
            )
        )
    review = validation.get("top_cut")
    if review:
        rows.append(("High grades", str(review["words"])))
    if not rows:
        return ""
    return (
        "<h3>Declustering, global bias and high grades</h3>"
        + _key_value_html(rows)
        + '<p class="muted">Written in full to resource.json under '
        "<code>validation</code> (see docs/validating.md).</p>"
    )
