"""The run's STAC Item (``item.json``): every GeoTIFF and the result dataset of the
output folder as assets, so that the outputs drop into STAC catalogues and tools.

Each GeoTIFF asset carries the projection extension (the CRS code and WKT2, the
grid's shape, transform and bounds) and the raster extension (per band: nodata,
data type, unit), read back from the file itself; the item's geometry and bbox
are the grid's footprint in WGS84 longitude/latitude, and its properties hold the
provenance (run id, inputs with their SHA-256, configuration, versions, seeds).
Asset links are relative (``./rey_ppm.tif``), so the folder can be moved or
uploaded whole.

Examples
--------
>>> import tempfile, pathlib
>>> from seabed.grid import make_grid
>>> from seabed.outputs.cogs import write_cog
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = write_cog(make_grid((153.5, 21.8, 154.1, 22.2), 5000).cell_area_m2,
...               folder / "cell_area_m2.tif")
>>> item = stac_item(folder, {"run_id": "ab12", "created_utc": "2026-12-01T00:00:00+00:00"})
>>> item.id, item.assets["cell_area_m2"].href, [round(v, 1) for v in item.bbox]
('seabed-ab12', './cell_area_m2.tif', [153.5, 21.8, 154.1, 22.2])
>>> item.assets["cell_area_m2"].extra_fields["raster:bands"][0]["unit"]
'm2'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pystac
import rasterio
import shapely
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import DataType, RasterBand, RasterExtension

from seabed.outputs.dataset import DATASET_FILES
from seabed.outputs.files import _jsonable, write_json

__all__ = [
    "stac_item",
    "write_stac_item",
]

#: Media types of the assets that are not GeoTIFFs.
_MEDIA_TYPES = {
    DATASET_FILES["netcdf"]: "application/x-netcdf",
    DATASET_FILES["zarr"]: "application/vnd+zarr",
    "resource.json": pystac.MediaType.JSON,
    "report.html": pystac.MediaType.HTML,
}

#: Points per edge of the footprint: a projected grid's edges are curves in
#: longitude and latitude.
_EDGE_POINTS = 32


def stac_item(folder: Path, provenance: Mapping[str, Any]) -> pystac.Item:
    """A STAC Item describing the run's GeoTIFFs and dataset in ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        The folder holding the files (the run's staging folder, or its outputs).
    provenance : mapping
        The run's provenance (``RunResult.provenance``): ``run_id`` and
        ``created_utc`` name and date the item; all of it goes into the
        properties as ``seabed:provenance``.

    Returns
    -------
    pystac.Item
        With relative asset links; the footprint is that of the first GeoTIFF (all
        of a run's maps share the grid).
    """
    tiffs = sorted(folder.glob("*.tif"))
    created = dt.datetime.fromisoformat(
        str(provenance.get("created_utc") or dt.datetime.now(dt.UTC).isoformat())
    )
    geometry, bbox = _footprint(tiffs[0]) if tiffs else (None, None)
    item = pystac.Item(
        id=f"seabed-{provenance.get('run_id', 'run')}",
        geometry=geometry,
        bbox=bbox,
        datetime=created,
        properties={
            "title": "seabed rare-earth resource estimate",
            "seabed:run_id": str(provenance.get("run_id", "")),
            "seabed:provenance": _jsonable(provenance),
        },
    )
    for path in tiffs:
        _add_geotiff(item, path)
    for name, media_type in _MEDIA_TYPES.items():
        if not (folder / name).exists():
            continue
        if name in DATASET_FILES.values():  # on the grid of the maps
            asset = pystac.Asset(f"./{name}", media_type=media_type, roles=["data"])
            item.add_asset("result", asset)
            if tiffs:
                ProjectionExtension.ext(asset, add_if_missing=True).apply(
                    **_projection(tiffs[0])
                )
        else:
            asset = pystac.Asset(f"./{name}", media_type=media_type, roles=["metadata"])
            item.add_asset(Path(name).stem, asset)
    return item


def write_stac_item(item: pystac.Item, path: Path) -> Path:
    """Write the item as JSON (atomically), its links relative.

    NaN nodata is written as the text ``"nan"``, as the raster extension asks.
    """
    document = item.to_dict(include_self_link=False, transform_hrefs=False)
    for asset in document["assets"].values():
        for band in asset.get("raster:bands", []):
            nodata = band.get("nodata")
            if isinstance(nodata, float) and math.isnan(nodata):
                band["nodata"] = "nan"
    return write_json(document, path)


def _add_geotiff(item: pystac.Item, path: Path) -> None:
    with rasterio.open(path) as src:
        description = src.descriptions[0] or path.stem
        asset = pystac.Asset(
            href=f"./{path.name}",
            media_type=pystac.MediaType.COG,
            roles=["data"],
            title=description,
        )
        item.add_asset(path.stem, asset)
        ProjectionExtension.ext(asset, add_if_missing=True).apply(**_projection(path))
        band = RasterBand.create(
            nodata=src.nodata,
            data_type=DataType(src.dtypes[0]),
            unit=src.units[0] or None,
        )
        RasterExtension.ext(asset, add_if_missing=True).apply(bands=[band])


def _projection(path: Path) -> dict[str, Any]:
    """The projection extension's fields of a GeoTIFF: the CRS as a code and as
    WKT2 (for readers that do not know the code), shape, transform, bounds."""
    with rasterio.open(path) as src:
        return {
            "epsg": src.crs.to_epsg(),
            "wkt2": pyproj.CRS.from_user_input(src.crs).to_wkt(),
            "shape": [src.height, src.width],
            "transform": list(src.transform)[:6],
            "bbox": list(src.bounds),
        }


def _footprint(path: Path) -> tuple[dict[str, Any], list[float]]:
    """The grid's outline and bbox in WGS84 longitude/latitude."""
    with rasterio.open(path) as src:
        crs, bounds = src.crs, src.bounds
    outline = shapely.segmentize(
        shapely.box(*bounds), max((bounds.right - bounds.left) / _EDGE_POINTS, 1.0)
    )
    to_lon_lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon_lat = shapely.transform(
        outline, lambda xy: _stacked(to_lon_lat.transform(xy[:, 0], xy[:, 1]))
    )
    return shapely.geometry.mapping(lon_lat), list(lon_lat.bounds)


def _stacked(columns: tuple[Any, Any]) -> np.ndarray:
    return np.column_stack(columns)
