"""The report: a renderer of a run's result (HTML, quick-look PNGs, the printed
statement, figures).

It imports nothing of the runner, the loaders or the writers, reads no input file,
computes no estimate and writes no file: :mod:`seabed.outputs` writes what it
renders (``write_report``, ``write_quicklooks``, ``write_pdf``).
"""

from seabed.report.charts import (
    plot_cross_validation,
    plot_cross_validation_map,
    plot_grade_profile,
    plot_grade_tonnage,
    plot_tonnage_distribution,
    plot_uncertainty_sources,
)
from seabed.report.context import ReportContext, report_context, zone_outlines
from seabed.report.document import (
    render_quicklooks,
    render_report,
    render_report_and_quicklooks,
)
from seabed.report.maps import (
    CLASS_COLORS,
    add_cores,
    add_graticule,
    add_scale_bar,
    add_zones,
    decimate,
    map_stride,
    plot_class_map,
    plot_exclusion_map,
    plot_location_map,
    plot_map,
)
from seabed.report.sections import QUICKLOOKS
from seabed.report.tables import format_recoverable, format_statement, format_table

__all__ = [
    "CLASS_COLORS",
    "QUICKLOOKS",
    "ReportContext",
    "add_cores",
    "add_graticule",
    "add_scale_bar",
    "add_zones",
    "decimate",
    "format_recoverable",
    "format_statement",
    "format_table",
    "map_stride",
    "plot_class_map",
    "plot_cross_validation",
    "plot_cross_validation_map",
    "plot_exclusion_map",
    "plot_grade_profile",
    "plot_grade_tonnage",
    "plot_location_map",
    "plot_map",
    "plot_tonnage_distribution",
    "plot_uncertainty_sources",
    "render_quicklooks",
    "render_report",
    "render_report_and_quicklooks",
    "report_context",
    "zone_outlines",
]
