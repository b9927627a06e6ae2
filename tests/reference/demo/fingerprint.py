"""Fingerprints of a run's output folder, to show that a refactoring changed nothing.

Every table (CSV, and resource.json without its provenance) and every map (the pixels,
grid, CRS, nodata, band descriptions and tags of each GeoTIFF, provenance aside) is
reduced to a SHA-256 digest. Two folders whose fingerprints match hold the same
numbers bit for bit.

Run ``python tests/reference/demo/fingerprint.py OUT_DIR > demo_fingerprint.json``
on the output of ``seabed demo`` to record a new reference; the test
``tests/test_cli.py`` compares the demo run of the test suite with it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

#: Keys that change with every run (times, paths, versions, the run's id), left
#: out of digests; the last four are the STAC Item's (item.json).
VOLATILE = {
    "provenance",
    "SEABED_PROVENANCE",
    "files",
    "datetime",
    "seabed:provenance",
    "seabed:run_id",
    "id",
}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _without_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def map_fingerprint(path: Path) -> str:
    """Digest of a GeoTIFF's pixels, grid, CRS, nodata, descriptions and tags."""
    parts: list[bytes] = []
    with rasterio.open(path) as src:
        header = {
            "crs": src.crs.to_wkt() if src.crs else None,
            "transform": list(src.transform)[:6],
            "shape": [src.count, src.height, src.width],
            "dtypes": list(src.dtypes),
            "nodata": None if src.nodata is None else repr(src.nodata),
            "descriptions": list(src.descriptions),
            "tags": _without_volatile(src.tags()),
            "band_tags": [src.tags(b) for b in range(1, src.count + 1)],
        }
        parts.append(json.dumps(header, sort_keys=True).encode())
        parts.append(np.ascontiguousarray(src.read()).tobytes())
    return _digest(b"".join(parts))


def table_fingerprint(path: Path) -> str:
    """Digest of a CSV file's bytes, or of resource.json without provenance."""
    if path.suffix == ".json":
        document = _without_volatile(json.loads(path.read_text()))
        return _digest(json.dumps(document, sort_keys=True).encode())
    return _digest(path.read_bytes())


def fingerprint(folder: Path) -> dict[str, str]:
    """Digests of every table and map in a run's output folder, by file name
    (hidden files, such as the manifest ``.seabed-manifest.json``, are no tables)."""
    prints: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix == ".tif":
            prints[path.name] = map_fingerprint(path)
        elif path.suffix in {".csv", ".json"}:
            prints[path.name] = table_fingerprint(path)
    return prints


if __name__ == "__main__":
    print(json.dumps(fingerprint(Path(sys.argv[1])), indent=1, sort_keys=True))
