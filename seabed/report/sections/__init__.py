"""The sections of the report, each rendered from a run on its own.

Every renderer takes the :class:`~seabed.report.ReportContext` of a run
(:func:`seabed.report.report_context`) and returns HTML text; none reads a file or
computes an estimate.
"""

from seabed.report.sections.classes import classification_html
from seabed.report.sections.curves import curves_html, grade_tonnage_table
from seabed.report.sections.inputs import assumptions_html, caveats_html
from seabed.report.sections.maps import (
    QUICKLOOKS,
    map_figure,
    maps_html,
    quicklook_png,
    quicklooks,
)
from seabed.report.sections.provenance import provenance_html
from seabed.report.sections.recoverable import recoverable_html
from seabed.report.sections.statement import (
    breakdown_html,
    depth_tables_html,
    statement_html,
)
from seabed.report.sections.summary import (
    density_value_text,
    inferred_only,
    subtitle_html,
    summary_html,
    title,
)
from seabed.report.sections.uncertainty import uncertainty_html
from seabed.report.sections.validation import (
    cross_validation_stats_html,
    geostats_html,
)

__all__ = [
    "QUICKLOOKS",
    "assumptions_html",
    "breakdown_html",
    "caveats_html",
    "classification_html",
    "cross_validation_stats_html",
    "curves_html",
    "density_value_text",
    "depth_tables_html",
    "geostats_html",
    "grade_tonnage_table",
    "inferred_only",
    "map_figure",
    "maps_html",
    "provenance_html",
    "quicklook_png",
    "quicklooks",
    "recoverable_html",
    "statement_html",
    "subtitle_html",
    "summary_html",
    "title",
    "uncertainty_html",
]
