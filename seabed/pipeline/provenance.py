"""Provenance: what produced a result, so that anyone can check it and run it again.

Every file seabed writes carries this record (in GeoTIFF tags, in ``resource.json``):
the SHA-256 of each input file, the configuration, the versions of seabed and of the
libraries that shape the numbers, the seeds, the command line and the time.

Examples
--------
>>> record = provenance(config={"grid": {"resolution_m": 500}}, inputs={})
>>> sorted(record)[:4]
['command', 'config', 'created_utc', 'inputs']
>>> "numpy" in record["versions"]
True
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from seabed.outputs.dataset import deflate_library

__all__ = ["file_sha256", "library_versions", "provenance"]

_LIBRARIES = (
    "seabed",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "dask",
    "distributed",
    "numba",
    "scikit-learn",
    "rasterio",
    "rioxarray",
    "geopandas",
    "shapely",
    "pyproj",
)


def file_sha256(path: str | Path, *, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python, the libraries that shape the numbers, GDAL and PROJ,
    and the DEFLATE library that compressed ``result.nc``."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import pyproj
        import rasterio

        versions["GDAL"] = rasterio.__gdal_version__
        versions["PROJ"] = pyproj.proj_version_str
    except ImportError:  # pragma: no cover - both are hard dependencies
        pass
    # which library compressed result.nc: the same values, other bytes
    versions["DEFLATE"] = deflate_library()
    return versions


def provenance(
    *,
    config: Mapping[str, Any],
    inputs: Mapping[str, str | Path],
    seeds: Mapping[str, int] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the provenance record of a run.

    Parameters
    ----------
    config : mapping
        The configuration as a JSON-ready mapping.
    inputs : mapping
        Role -> path of each input file (hashed here).
    seeds : mapping, optional
        Name -> seed of every random stream used.
    extra : mapping, optional
        Anything else worth recording (fitted variogram, options).

    Returns
    -------
    dict
        JSON-ready record.
    """
    record = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "inputs": {
            role: {"path": str(path), "sha256": file_sha256(path)}
            for role, path in sorted(inputs.items())
        },
        "config": dict(config),
        "seeds": dict(seeds or {}),
        "versions": library_versions(),
        "platform": platform.platform(),
        **dict(extra or {}),
    }
    # the run's id: a digest of the record, also in the output folder's manifest
    text = json.dumps(record, sort_keys=True, default=str)
    record["run_id"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return record
