"""Zones and rules: the exact share of every cell inside include and outside exclude zones, and raster rules."""

from seabed.zones.coverage import (
    bounds_area,
    coverage_fraction,
    geodesic_area_km2,
    include_within_area,
    zone_coverage,
)
from seabed.zones.report_zones import (
    OUTSIDE_REPORT_ZONES,
    load_report_zones,
    report_zone_coverage,
)
from seabed.zones.rules import depth_rule, sample_on_grid, slope_deg, slope_rule

__all__ = [
    "OUTSIDE_REPORT_ZONES",
    "bounds_area",
    "coverage_fraction",
    "depth_rule",
    "geodesic_area_km2",
    "include_within_area",
    "load_report_zones",
    "report_zone_coverage",
    "sample_on_grid",
    "slope_deg",
    "slope_rule",
    "zone_coverage",
]
