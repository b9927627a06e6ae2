"""Zone files (include, exclude, report zones): read, checked, buffered geodesically."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import shapely.affinity
from numpy.typing import NDArray

from seabed.exceptions import ConfigError, InputError, MissingCRSError, SeabedWarning
from seabed.grid import wrap_lon
from seabed.io.cores import PathLike, _read_vector
from seabed.io.files import check_input_file

__all__ = [
    "load_zones",
]


def load_zones(
    path: PathLike,
    *,
    layer: str | None = None,
    reason: str | None = None,
    buffer_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Read zones (polygons, lines or points) to include or exclude.

    Parameters
    ----------
    path : str or path-like
        Any vector file geopandas reads (GeoPackage, shapefile, GeoJSON ...).
    layer : str, optional
        Layer to read; the first layer when omitted (with a warning if there are
        several).
    reason : str, optional
        Why these zones matter ("protected area", "cable buffer" ...). Default: the
        file's ``reason`` column if it has one, else the layer name.
    buffer_m : float, optional
        Distance in metres to grow every geometry by (>= 0). Each geometry is buffered
        in an azimuthal equidistant projection centred on it, where distances from the
        centre are true on the WGS84 ellipsoid, then brought back to EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``reason`` and ``geometry``, in EPSG:4326, invalid geometries
        repaired with :func:`shapely.make_valid` (with a warning giving the area
        before and after the repair, when it changes the area). A buffered zone that reaches across 180
        degrees is cut there into parts on either side.

    Raises
    ------
    InputError
        Missing or unreadable file, unknown layer (the message lists the layers),
        empty layer, negative buffer.
    MissingCRSError
        The layer has no CRS.

    Examples
    --------
    >>> from seabed.io.datasets import eez_path
    >>> eez = load_zones(eez_path(), layer="eez_approx", reason="EEZ")
    >>> list(eez.columns), eez.crs.to_epsg()
    (['reason', 'geometry'], 4326)
    """
    path = Path(path)
    check_input_file(path)
    if not np.isfinite(buffer_m) or buffer_m < 0:
        raise ConfigError(
            f"buffer_m is {buffer_m}", column="buffer_m", hint="give a distance >= 0"
        )
    frame, layer = _read_vector(path, layer)
    if frame.crs is None:
        raise MissingCRSError(
            f"layer {layer!r} has no coordinate reference system",
            path=path,
            hint="set it, e.g. with ogr2ogr -a_srs EPSG:4326 fixed.gpkg FILE",
        )
    # by shapely: GeoSeries.notna would print a warning for an empty geometry
    shapes = frame.geometry.to_numpy()
    frame = frame[~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)]
    if frame.empty:
        raise InputError(
            f"layer {layer!r} has no geometries", path=path, hint="add the zones"
        )
    geometry = _repaired(frame.geometry, path).to_crs("EPSG:4326")
    if buffer_m > 0:
        geometry = geometry.apply(lambda g: _geodesic_buffer(g, buffer_m))
    if reason is not None:
        reasons = pd.Series(reason, index=frame.index)
    elif "reason" in frame.columns:
        reasons = frame["reason"].fillna(layer).astype(str)
    else:
        reasons = pd.Series(layer, index=frame.index)
    zones = gpd.GeoDataFrame(
        {"reason": reasons.to_numpy()}, geometry=geometry.to_numpy(), crs="EPSG:4326"
    )
    zones.attrs["source"] = os.fspath(path)
    return zones


#: Relative change of area beyond which a repaired geometry is warned about.
REPAIR_TOLERANCE = 1e-6


def _repaired(geometry: gpd.GeoSeries, path: Path) -> gpd.GeoSeries:
    """Invalid geometries (a self-intersecting ring ...) repaired with
    :func:`shapely.make_valid`, with a warning giving the area before and after
    when the repair changes it (by more than :data:`REPAIR_TOLERANCE`)."""
    invalid = ~geometry.is_valid
    if not invalid.any():
        return geometry
    repaired = geometry.make_valid()
    before = _geodesic_km2(geometry[invalid])
    after = _geodesic_km2(repaired[invalid])
    if abs(after - before) <= REPAIR_TOLERANCE * max(before, after):
        return repaired  # a ring touching itself: the same area, said the same way
    reason = shapely.is_valid_reason(geometry[invalid].iloc[0])
    warnings.warn(
        f"{os.fspath(path)}: {int(invalid.sum())} invalid geometr"
        f"{'y' if invalid.sum() == 1 else 'ies'} ({reason}) repaired with "
        f"make_valid; their area went from {before:,.6g} to {after:,.6g} km2 "
        f"({after - before:+,.6g} km2); check the zones",
        SeabedWarning,
        stacklevel=3,
    )
    return repaired


def _geodesic_km2(geometry: gpd.GeoSeries) -> float:
    """Geodesic area (km2) as the rings say it, even of an invalid polygon (a
    self-intersecting ring counts each lobe with its own sign, as drawn)."""
    lon_lat = geometry.to_crs("EPSG:4326")
    geod = pyproj.Geod(ellps="WGS84")
    return sum(abs(geod.geometry_area_perimeter(g)[0]) for g in lon_lat) / 1e6


def _geodesic_buffer(geometry: shapely.Geometry, distance_m: float) -> Any:
    """Buffer in metres, each part in an azimuthal equidistant projection centred
    on it, back in longitudes within [-180, 180] (a part grown across 180 degrees
    is cut there, never drawn round the globe)."""
    parts = [_buffer_part(part, distance_m) for part in shapely.get_parts(geometry)]
    return shapely.union_all(parts)


def _buffer_part(part: shapely.Geometry, distance_m: float) -> shapely.Geometry:
    centre = part.centroid
    local = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m"
    )
    forward = pyproj.Transformer.from_crs("EPSG:4326", local, always_xy=True)
    back = pyproj.Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    projected = shapely.transform(part, lambda xy: _transform(forward, xy))
    # 32 segments per quarter circle keep the ring within ~0.05 % of the distance
    grown = shapely.buffer(projected, distance_m, quad_segs=32)
    # continuous longitudes around the part's centre, then cut at +-180 degrees
    lon_lat = shapely.transform(grown, lambda xy: _unwrapped(back, xy, centre.x))
    return shapely.union_all(
        [
            shapely.affinity.translate(
                lon_lat.intersection(shapely.box(west, -90.0, west + 360.0, 90.0)),
                xoff=-180.0 - west,
            )
            for west in (-540.0, -180.0, 180.0)
        ]
    )


def _unwrapped(back: pyproj.Transformer, xy: NDArray, centre_lon: float) -> NDArray:
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([wrap_lon(np.asarray(lon), centre_lon), lat])


def _transform(transformer: pyproj.Transformer, xy: NDArray) -> NDArray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])
