"""The Uncertainty section: P10 / P50 / P90 of the conditional simulation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from seabed.report import charts
from seabed.report.html import _by_part_html, _figure, _figure_html, _table_html
from seabed.report.sections.statement import depth_tables_html
from seabed.resource.sources import included_sources

if TYPE_CHECKING:
    from seabed.report.context import ReportContext
    from seabed.resource import SimulatedResource

__all__ = [
    "uncertainty_html",
]


# How the statistics of ``SimulatedResource.summary`` are written in tables.
_STATISTIC_LABELS = {
    "p10": "P10",
    "p50": "P50",
    "p90": "P90",
    "mean": "mean",
    "kriged": "kriged",
}


def uncertainty_html(context: ReportContext) -> str:
    """P10 / P50 / P90 beside the kriged figures, spread and maps ('' if none)."""
    simulated = context.result.simulation
    if simulated is None:
        return ""
    n = simulated.n_realizations
    parts = [
        _uncertainty_text(simulated),
        _table_html(
            _beside_kriged(simulated.summary, context.result.statement),
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
        + _distribution_html(context, simulated)
        + _sources_html(simulated)
        + "".join(_simulation_maps_html(context, simulated))
        + "</div>",
        depth_tables_html(simulated.slices),
    ]
    zones = simulated.zones
    if len(zones) and "zone" in zones:
        parts.append("<h3>By report zone: P10 / P50 / P90</h3>")
        parts.append(_by_part_html(zones, "zone", about="Each report zone"))
    return "\n".join(parts)


def _distribution_html(context: ReportContext, simulated: SimulatedResource) -> str:
    table = simulated.realizations
    cutoffs = list(dict.fromkeys(table["cutoff_ppm"]))
    kriged = context.result.statement.set_index("cutoff_ppm")["treo_t"]
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
        f"{simulated.n_realizations} realisations (bars), their P10, P50 and P90 "
        "(dashed) and the kriged statement (red).",
        alt="distribution of TREO over the realisations",
    )


def _sources_html(simulated: SimulatedResource) -> str:
    """The tornado chart of the sources of uncertainty ('' with the spatial only)."""
    widths = simulated.source_widths()
    if len(widths) == 0:
        return ""
    cutoffs = list(dict.fromkeys(widths["cutoff_ppm"]))
    n_sources = widths["source"].nunique()
    figure = _figure((6.4, 0.8 + (0.5 + 0.3 * n_sources) * len(cutoffs)))
    panels = figure.subplots(len(cutoffs), 1, squeeze=False)[:, 0]
    for ax, cutoff in zip(panels, cutoffs):
        charts.plot_uncertainty_sources(
            widths[widths["cutoff_ppm"] == cutoff],
            ax,
            title=f"cut-off {cutoff:,.0f} ppm",
        )
    return _figure_html(
        figure,
        "Sources of uncertainty: the P10-P90 range of the REY tonnes with the "
        "spatial uncertainty alone, with each other source switched on alone on "
        "top of it, and with all of them (combined, red), widest first. The wider "
        "a source's bar than the spatial one, the more that source adds.",
        alt="tornado chart of the sources of uncertainty",
    )


def _simulation_maps_html(
    context: ReportContext, simulated: SimulatedResource
) -> list[str]:
    from matplotlib.colors import Normalize

    items = [
        context.map_html(
            context.grid_map(
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
            context.map_html(
                context.grid_map(
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
        f"and gave its own statement. {_sources_sentence(simulated.method)}</p>"
        "<p><b>P10</b> is the low figure: 90 % of the realisations give more. "
        "<b>P50</b> is the middle one and <b>P90</b> the high one, exceeded by only "
        "10 %. Each quantity is ranked on its own, so the figures of one row need "
        "not come from one realisation. Where the kriged figure lies off the P50, "
        "or outside P10-P90, that is the smoothing of kriging at work: at cut-offs "
        "above the mean grade the kriged tonnes are too low.</p>"
    )


def _sources_sentence(method: dict[str, Any]) -> str:
    """Which uncertainties the realisations carry (``SimulatedResource.method``),
    in plain words.

    >>> _sources_sentence({"histogram_uncertainty": True})[:60]
    'They carry the uncertainty of the grade between the cores an'
    """
    words = {
        "histogram": "that of the cores' grade distribution (each realisation "
        + (
            "follows its own resample of the cores' histogram, drawn as if the "
            "cores were independent)"
            if method.get("histogram_uncertainty") == "independent"
            else "follows its own spatial bootstrap of the cores' histogram: "
            "nearby cores, being correlated, move together)"
        ),
        "variogram": "that of the variogram",
        "grade_error": "the grades' measurement error",
        "density": "that of the dry density",
        "thickness": "that of the window's thickness",
    }
    extra = [words[name] for name in included_sources(method)[1:]]
    if not extra:
        return (
            "They carry only the uncertainty of the grade between the cores: "
            "the cores' grade distribution and the variogram are taken as known, "
            "so P10-P90 is too narrow (docs/validation.md)."
        )
    return (
        "They carry the uncertainty of the grade between the cores and "
        + ", ".join(extra)
        + "."
    )
