"""The report: a renderer of a run's result (HTML, PDF, quick-looks, the printed statement)."""

from seabed.report.charts import (
    plot_cross_validation,
    plot_cross_validation_map,
    plot_grade_profile,
    plot_grade_tonnage,
    plot_tonnage_distribution,
)
from seabed.report.document import (
    QUICKLOOKS,
    render_report,
    write_quicklooks,
    write_report,
    zone_outlines,
)
from seabed.report.maps import (
    CLASS_COLORS,
    MAX_MAP_CELLS,
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
from seabed.report.pdf import write_pdf
from seabed.report.tables import format_statement, format_table

__all__ = [
    "CLASS_COLORS",
    "MAX_MAP_CELLS",
    "QUICKLOOKS",
    "add_cores",
    "add_graticule",
    "add_scale_bar",
    "add_zones",
    "decimate",
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
    "render_report",
    "write_pdf",
    "write_quicklooks",
    "write_report",
    "zone_outlines",
]
