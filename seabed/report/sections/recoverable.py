"""The Recoverable section: the kriged statement beside the tonnage at the SMU."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from seabed.report.html import _table_html, _text_column

if TYPE_CHECKING:
    from seabed.report.context import ReportContext

__all__ = [
    "recoverable_html",
]

# How each recoverable row is named in the table, by (method, statistic).
_FIGURE_LABELS = {
    ("uc", "mean"): "recoverable, uniform conditioning (expected)",
    ("simulation", "mean"): "recoverable, simulation mean",
    ("simulation", "p10"): "recoverable, simulation P10",
    ("simulation", "p50"): "recoverable, simulation P50",
    ("simulation", "p90"): "recoverable, simulation P90",
}


def recoverable_html(context: ReportContext) -> str:
    """Per cut-off, the kriged row then the recoverable rows ('' if none)."""
    result = context.result
    if len(result.recoverable) == 0:
        return ""
    record = result.assumptions.get("recoverable") or {}
    cell = result.config.grid.resolution_m
    smu = record.get("smu_m") or [cell, cell]
    table = side_by_side(result.statement, result.recoverable, cell, smu)
    text = (
        "<p>The resource statement applies each cut-off to the <em>kriged</em> "
        f"grade of each {cell:g} x {cell:g} m cell. Kriging is smoother than the "
        "truth, so above a high cut-off it selects too little ore. The "
        "<em>recoverable</em> rows apply the cut-off to the grade of each "
        f"selective mining unit (SMU) of {smu[0]:g} x {smu[1]:g} m instead: by "
        "uniform conditioning of the discrete Gaussian model (the expected "
        "figures, from each cell's kriged grade and kriging variance) and, with a "
        "simulation, over the conditional realisations (mean and P10 / P50 / P90; "
        "P10 is the low figure). See docs/recoverable.md for the method and its "
        "assumptions.</p>"
    )
    return text + _table_html(
        table,
        [
            "cutoff_ppm",
            _text_column("figure", "figure"),
            _text_column("support", "support"),
            "area_km2",
            "ore_t",
            "mean_rey_ppm",
            "rey_t",
            "treo_t",
        ],
        caption=html.escape(
            "Kriged (cut-off on the cell's kriged grade) beside recoverable "
            "(cut-off on the SMU's grade), per cut-off."
        ),
    )


def side_by_side(
    statement: pd.DataFrame,
    recoverable: pd.DataFrame,
    cell_m: float,
    smu_m: list[float],
) -> pd.DataFrame:
    """The kriged row of each cut-off followed by its recoverable rows.

    >>> statement = pd.DataFrame({"cutoff_ppm": [0.0], "treo_t": [10.0]})
    >>> rows = pd.DataFrame({"cutoff_ppm": [0.0], "treo_t": [10.5],
    ...                      "statistic": ["mean"], "method": ["uc"]})
    >>> side_by_side(statement, rows, 500.0, [250.0, 250.0])[
    ...     ["figure", "support", "treo_t"]].values.tolist()
    [['kriged', 'cell 500 x 500 m', 10.0], \
['recoverable, uniform conditioning (expected)', 'SMU 250 x 250 m', 10.5]]
    """
    kriged = statement.assign(
        figure="kriged", support=f"cell {cell_m:g} x {cell_m:g} m"
    )
    labels = [
        _FIGURE_LABELS.get((m, s), f"recoverable, {m} {s}")
        for m, s in zip(recoverable["method"], recoverable["statistic"], strict=True)
    ]
    smu = recoverable.assign(
        figure=labels, support=f"SMU {smu_m[0]:g} x {smu_m[1]:g} m"
    )
    lines = []
    for cutoff in kriged["cutoff_ppm"]:
        lines += [
            kriged[kriged["cutoff_ppm"] == cutoff],
            smu[smu["cutoff_ppm"] == cutoff],
        ]
    columns = [c for c in recoverable.columns if c not in ("statistic", "method")]
    return pd.concat(lines, ignore_index=True)[[*columns, "figure", "support"]]
