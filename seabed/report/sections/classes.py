"""The Classification section: the class rules in words, the area and tonnes of
each class, and the kriging neighbourhood analysis of the run's search."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from seabed.report.html import _table_html
from seabed.report.kna import kna_html

if TYPE_CHECKING:
    from seabed.report.context import ReportContext

__all__ = ["classification_html"]


def classification_html(context: ReportContext) -> str:
    """The rules in words, the classes at the lowest cut-off, and the analysis."""
    result = context.result
    record = result.assumptions.get("classification", {})
    rules = record.get("rules_text", [])
    source = (
        "the default rules, for each class the configuration leaves out"
        if record.get("defaults", True)
        else "only the configured rules ([classification] defaults = false)"
    )
    parts = [
        "<p>Each cell takes the most confident class whose rule it passes "
        f"({html.escape(source)}). Distances are measured in the variogram's "
        "practical range; cores are counted in the kriging search. The classes "
        "follow rules, not a Competent Person's judgement.</p>",
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in rules) + "</ul>",
    ]
    classes = result.classes
    if len(classes) and "class" in classes:
        lowest = classes[classes["cutoff_ppm"] == classes["cutoff_ppm"].min()]
        parts.append(
            _table_html(
                lowest,
                ["class", "area_km2", "n_cells", "ore_t", "mean_rey_ppm", "treo_t"],
                caption="Each class at the lowest cut-off; the class map is under "
                "Maps, every cut-off under Breakdown of the statement.",
            )
        )
    parts.append("<h3>Kriging neighbourhood analysis</h3>")
    if result.kna is None:
        parts.append(
            '<p class="muted">Not made in this run (inverse distance, or '
            "[kna] in_run = false); seabed kna CONFIG.toml makes it.</p>"
        )
    else:
        parts.append(kna_html(result.kna))
    return "\n".join(parts)
