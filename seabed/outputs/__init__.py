"""A run's files: COGs, tables, the output folder."""

from seabed.outputs.checkpoints import TileFolder
from seabed.outputs.cogs import (
    CLASS_NODATA,
    PROVENANCE_TAG,
    SYNTHETIC_TAG,
    CogBuilder,
    write_cog,
)
from seabed.outputs.files import atomic_path, write_csv, write_json
from seabed.outputs.report_files import (
    write_kna,
    write_pdf,
    write_quicklooks,
    write_report,
)
from seabed.outputs.writer import resource_document, write_outputs

__all__ = [
    "CLASS_NODATA",
    "PROVENANCE_TAG",
    "SYNTHETIC_TAG",
    "CogBuilder",
    "TileFolder",
    "atomic_path",
    "resource_document",
    "write_cog",
    "write_csv",
    "write_json",
    "write_kna",
    "write_outputs",
    "write_pdf",
    "write_quicklooks",
    "write_report",
]
