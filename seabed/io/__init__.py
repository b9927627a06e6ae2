"""Inputs as users have them: core tables, rasters and zone files, read and checked; bundled and synthetic data."""

from seabed.io.cores import (
    CANONICAL_COLUMNS,
    ELEMENT_COLUMNS,
    OPTIONAL_COLUMNS,
    POSITION_TOLERANCE_DEG,
    load_cores,
    validate_cores,
)
from seabed.io.rasters import (
    MAX_RASTER_BYTES,
    load_bathymetry,
    load_raster,
    sample_raster,
)
from seabed.io.zones import load_zones

__all__ = [
    "CANONICAL_COLUMNS",
    "ELEMENT_COLUMNS",
    "MAX_RASTER_BYTES",
    "OPTIONAL_COLUMNS",
    "POSITION_TOLERANCE_DEG",
    "load_bathymetry",
    "load_cores",
    "load_raster",
    "load_zones",
    "sample_raster",
    "validate_cores",
]
