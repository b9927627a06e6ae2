"""Make ``minamitorishima_demo_zones.gpkg``: the demo's illustrative zones.

Run from the repository root (it reads and writes ``data/``)::

    python data/make_demo_zones.py

Two layers, both **illustrative** (chosen to exercise seabed, not agreed with anyone):

``topographic_highs``
    Where the bundled ETOPO1 grid (0.1 degree, pixel-is-area) is shallower than
    ``HIGH_DEPTH_M``: knolls and seamounts rising above the ~5,700 m abyssal plain
    of the REY-mud area. One polygon per connected group of cells, the cells' own
    outlines (no smoothing: at 10 km per cell a smoother outline would be invented).
    ``seabed demo`` excludes them grown by a geodesic buffer (``buffer_m``).
``takaya2018_squares``
    The Takaya et al. (2018) box cut into 4 rows (A north to D south) x 6 columns
    (1 west to 6 east) of equal spans in latitude and longitude, named ``A1`` ...
    ``D6``, like the 24 squares of the paper's Table 1 (whose exact layout is not
    published in what we could read). Edges are densified so that they follow the
    parallels and meridians.

The output is deterministic: the same input grid gives the same features.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.features
import shapely

DATA = Path(__file__).resolve().parent
BATHYMETRY = DATA / "minamitorishima_etopo1_0p1deg.tif"
OUTPUT = DATA / "minamitorishima_demo_zones.gpkg"

#: Water depth (m) above which the seafloor counts as a topographic high.
HIGH_DEPTH_M = 5500.0
#: The Takaya et al. (2018) box, (lon_min, lat_min, lon_max, lat_max).
TAKAYA_BOX = (153.5, 21.8, 154 + 7 / 60, 22.25)
ROWS, COLUMNS = "ABCD", 6
#: Straight segments per square edge (the box file uses 60 per whole edge).
SEGMENTS_PER_EDGE = 10

NOTE = "illustrative zone made by data/make_demo_zones.py; not an agreed boundary"


def topographic_highs(path: Path, depth_m: float) -> gpd.GeoDataFrame:
    """Connected groups of cells whose water depth is less than ``depth_m``."""
    with rasterio.open(path) as src:
        elevation = src.read(1)  # positive up: water depth is -elevation
        transform, crs = src.transform, src.crs
    high = np.isfinite(elevation) & (-elevation < depth_m)
    shapes = rasterio.features.shapes(
        high.astype(np.uint8), mask=high, transform=transform, connectivity=8
    )
    polygons = [shapely.geometry.shape(geometry) for geometry, _ in shapes]
    n = len(polygons)
    return gpd.GeoDataFrame(
        {
            "reason": ["topographic high (illustrative)"] * n,
            "max_water_depth_m": [depth_m] * n,
            "source": ["ETOPO1 bedrock, 0.1 degree (bundled)"] * n,
            "note": [NOTE] * n,
        },
        geometry=polygons,
        crs=crs,
    )


def squares(box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The box cut into named squares, rows A (north) ... and columns 1 (west) ..."""
    lon_min, lat_min, lon_max, lat_max = box
    lon_edges = np.linspace(lon_min, lon_max, COLUMNS + 1)
    lat_edges = np.linspace(lat_max, lat_min, len(ROWS) + 1)  # north first
    names, polygons = [], []
    for row, letter in enumerate(ROWS):
        for column in range(COLUMNS):
            cell = shapely.box(
                lon_edges[column],
                lat_edges[row + 1],
                lon_edges[column + 1],
                lat_edges[row],
            )
            step = (lon_edges[1] - lon_edges[0]) / SEGMENTS_PER_EDGE
            polygons.append(shapely.segmentize(cell, step))
            names.append(f"{letter}{column + 1}")
    return gpd.GeoDataFrame(
        {"name": names, "note": [NOTE] * len(names)}, geometry=polygons, crs="EPSG:4326"
    )


def main() -> int:
    highs = topographic_highs(BATHYMETRY, HIGH_DEPTH_M)
    grid = squares(TAKAYA_BOX)
    partial = OUTPUT.with_suffix(".partial.gpkg")
    partial.unlink(missing_ok=True)
    highs.to_file(partial, layer="topographic_highs", driver="GPKG")
    grid.to_file(partial, layer="takaya2018_squares", driver="GPKG")
    partial.replace(OUTPUT)
    print(f"wrote {OUTPUT}: {len(highs)} topographic highs, {len(grid)} squares")
    return 0


if __name__ == "__main__":
    sys.exit(main())
