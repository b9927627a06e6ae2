"""A run from a configuration: inputs, blocks of rows, pre-flight checks, provenance, the runner."""

from seabed.chunks import BLOCK_CELLS, IN_MEMORY_CELLS
from seabed.pipeline.blocks import block_rows
from seabed.pipeline.demo import demo_config
from seabed.pipeline.plan import Plan, plan_run, validate
from seabed.pipeline.preflight import (
    Footprint,
    check_footprint,
    check_output_folder,
    estimate_footprint,
)
from seabed.pipeline.provenance import file_sha256, library_versions, provenance
from seabed.pipeline.runner import run

__all__ = [
    "BLOCK_CELLS",
    "IN_MEMORY_CELLS",
    "Footprint",
    "Plan",
    "block_rows",
    "check_footprint",
    "check_output_folder",
    "demo_config",
    "estimate_footprint",
    "file_sha256",
    "library_versions",
    "plan_run",
    "provenance",
    "run",
    "validate",
]
