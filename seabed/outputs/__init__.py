"""A run's files: COGs, the result dataset, the STAC Item, tables, the output folder."""

from seabed.outputs.checkpoints import TileFolder
from seabed.outputs.cogs import (
    CLASS_NODATA,
    PROVENANCE_TAG,
    SYNTHETIC_TAG,
    CogBuilder,
    write_cog,
)
from seabed.outputs.dataset import DatasetWriter, write_dataset
from seabed.outputs.files import atomic_path, write_csv, write_json
from seabed.outputs.report_files import (
    write_kna,
    write_pdf,
    write_quicklooks,
    write_report,
)
from seabed.outputs.stac import stac_item, write_stac_item
from seabed.outputs.writer import resource_document, write_outputs

__all__ = [
    "CLASS_NODATA",
    "PROVENANCE_TAG",
    "SYNTHETIC_TAG",
    "CogBuilder",
    "DatasetWriter",
    "TileFolder",
    "atomic_path",
    "resource_document",
    "stac_item",
    "write_cog",
    "write_csv",
    "write_dataset",
    "write_json",
    "write_kna",
    "write_outputs",
    "write_pdf",
    "write_quicklooks",
    "write_report",
    "write_stac_item",
]
