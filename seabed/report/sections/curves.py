"""The Grade-tonnage and depth section."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from seabed.report import charts
from seabed.report.html import _chart_html, _round_up, _table_html

if TYPE_CHECKING:
    from seabed.report.context import ReportContext
    from seabed.result import RunResult

__all__ = [
    "curves_html",
    "grade_tonnage_table",
]


def curves_html(context: ReportContext) -> str:
    """The grade-tonnage curve, the grade by depth, and points of the curve."""
    result = context.result
    curve = grade_tonnage_table(result)
    items = [
        _chart_html(
            (6.4, 4.4),
            lambda ax: charts.plot_grade_tonnage(
                curve, ax, cutoffs_ppm=result.config.resource.cutoffs_ppm
            ),
            "Dry ore tonnes and their mean REY grade above each cut-off on "
            "the kriged block grade; dotted lines: the statement's cut-offs. "
            "Kriged grades are smoother than the true ones (see the caveats).",
            alt="grade-tonnage curve",
        )
    ]
    profile = _slice_profile(result)
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


def grade_tonnage_table(result: RunResult) -> pd.DataFrame:
    """The run's grade-tonnage table, or its statement when it has none.

    Never recomputed from the cells: the dataset may be a lazily loaded copy of
    the map layers only, too large to pass through in a report.
    """
    return result.grade_tonnage if len(result.grade_tonnage) else result.statement


def _slice_profile(result: RunResult) -> pd.DataFrame | None:
    """The per-slice rows of the run's depth statements at the lowest cut-off."""
    slices = result.slices
    if len(slices) == 0 or "interval" not in slices:
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
