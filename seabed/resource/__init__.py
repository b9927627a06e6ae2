"""The resource: tonnage per cell, statements, depth slices, elements, classes, curves and uncertainty."""

from seabed.resource.classes import (
    CLASS_CODES,
    CLASSES,
    ClassRule,
    class_fractions,
    classify_cells,
    practical_range,
    search_statistics,
)
from seabed.resource.curves import grade_tonnage
from seabed.resource.oxides import element_table, read_demand_table
from seabed.resource.statements import (
    ALL_EXCLUSIONS,
    OUTSIDE_INCLUDE,
    combine_tables,
    depth_statements,
    exclusion_table,
    statement,
    statements_by,
    unestimated_area_km2,
)
from seabed.resource.tonnage import (
    cell_tonnage,
    depth_weighted_grade,
    mined_window,
    slice_thickness,
)
from seabed.resource.uncertainty import (
    QUANTITIES,
    SOURCES,
    STATISTICS,
    SimulatedResource,
    TonnageUncertainty,
    combine_simulations,
    simulate_resource,
    summarize_realizations,
)

__all__ = [
    "ALL_EXCLUSIONS",
    "CLASSES",
    "CLASS_CODES",
    "OUTSIDE_INCLUDE",
    "QUANTITIES",
    "SOURCES",
    "STATISTICS",
    "ClassRule",
    "SimulatedResource",
    "TonnageUncertainty",
    "cell_tonnage",
    "class_fractions",
    "classify_cells",
    "combine_simulations",
    "combine_tables",
    "depth_statements",
    "depth_weighted_grade",
    "element_table",
    "exclusion_table",
    "grade_tonnage",
    "mined_window",
    "practical_range",
    "read_demand_table",
    "search_statistics",
    "simulate_resource",
    "slice_thickness",
    "statement",
    "statements_by",
    "summarize_realizations",
    "unestimated_area_km2",
]
