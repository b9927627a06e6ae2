"""The ``[inputs]`` and ``[grid]`` sections: the files read and the area estimated.

Paths are kept as written; :meth:`seabed.config.Config.resolve_paths` makes them
absolute, relative to the configuration file. A zone, an area or the report's zones
may be given as a bare path, covariates as a table of name to path.

Examples
--------
>>> InputsConfig(cores="cores.csv", exclude="reserve.gpkg").exclude[0].path.name
'reserve.gpkg'
>>> GridConfig(bounds=(178.0, -17.0, 182.0, -15.0)).bounds_crs
'EPSG:4326'
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from seabed.config._base import MAX_CELL_M, MAX_DISTANCE_M, Section

__all__ = [
    "CovariateConfig",
    "GridConfig",
    "InputsConfig",
    "ReportZonesConfig",
    "ZoneConfig",
]


class ZoneConfig(Section):
    """A vector layer of zones: a path, an optional layer, a reason and a buffer."""

    path: Path
    layer: str | None = None
    reason: str | None = None
    buffer_m: Annotated[float, Field(ge=0, le=MAX_DISTANCE_M / 10)] = 0.0


class ReportZonesConfig(Section):
    """A polygon layer to break the statement down by (licence blocks, squares)."""

    path: Path
    layer: str | None = None
    name_column: str = "name"


def _check_crs(value: str | int) -> None:
    import pyproj

    try:
        pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        raise ValueError(
            f"{value!r} is not a CRS pyproj knows; give an EPSG code such as "
            "'EPSG:32656' (UTM zone 56N)"
        ) from None


class CovariateConfig(Section):
    """A covariate raster for regression kriging or external drift: its name (the
    variable on the grid and in the estimator's features), path and band."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    path: Path
    band: Annotated[int, Field(ge=1)] = 1


def _as_covariates(value: Any) -> Any:
    # a table { name = "path" } or { name = { path = "...", band = 2 } } is
    # shorthand for a list of { name, path, band }
    if isinstance(value, dict):
        return [
            {"name": name} | (item if isinstance(item, dict) else {"path": item})
            for name, item in value.items()
        ]
    return value


def _as_zone(value: Any) -> Any:
    # a bare path is shorthand for {path = "..."}
    return {"path": value} if isinstance(value, str | Path) else value


class InputsConfig(Section):
    """Input files (paths relative to the configuration file)."""

    cores: Path
    #: CRS of the cores' ``x``/``y`` columns (ignored for lon/lat and vector files)
    cores_crs: str | int | None = None
    #: layer of a multi-layer vector file of cores (default: the only or first one)
    cores_layer: str | None = None
    bathymetry: Path | None = None
    sediment_thickness: Path | None = None
    #: rasters sampled at the cores and on the grid, for ``estimate.method =
    #: "regression"`` or ``"external_drift"``
    covariates: list[CovariateConfig] = Field(default_factory=list)
    include: list[ZoneConfig] = Field(default_factory=list)
    exclude: list[ZoneConfig] = Field(default_factory=list)
    report_zones: ReportZonesConfig | None = None

    @field_validator("report_zones", mode="before")
    @classmethod
    def _report_zones(cls, value: Any) -> Any:
        return _as_zone(value)

    @field_validator("covariates", mode="before")
    @classmethod
    def _covariates(cls, value: Any) -> Any:
        return _as_covariates(value)

    @field_validator("covariates")
    @classmethod
    def _unique_names(cls, value: list[CovariateConfig]) -> list[CovariateConfig]:
        names = [c.name for c in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"covariate name {repeated[0]!r} is given twice")
        return value

    @field_validator("cores_crs")
    @classmethod
    def _known_crs(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            _check_crs(value)
        return value

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _zones(cls, value: Any) -> Any:
        if isinstance(value, str | Path | dict):
            value = [value]
        if not isinstance(value, list):
            return value  # pydantic names the key and the type expected
        return [_as_zone(v) for v in value]


class AreaConfig(Section):
    """A polygon layer: the area of interest (``[grid] area``)."""

    path: Path
    layer: str | None = None


class GridConfig(Section):
    """The estimation grid and the area of interest."""

    resolution_m: Annotated[float, Field(gt=0, le=MAX_CELL_M)] = 1000.0
    crs: str = "auto"
    #: the area of interest's bounds, in ``bounds_crs``: a geodesic box between
    #: meridians and parallels for lon/lat, a rectangle for a projected CRS
    bounds: tuple[float, float, float, float] | None = None
    bounds_crs: str | int = "EPSG:4326"
    #: a polygon layer: the area of interest (with ``bounds``: inside both)
    area: AreaConfig | None = None
    margin_m: Annotated[float, Field(ge=0, le=MAX_DISTANCE_M / 10)] = 5000.0

    @field_validator("bounds")
    @classmethod
    def _ordered(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and not (value[0] < value[2] and value[1] < value[3]):
            raise ValueError(
                "bounds must be [west, south, east, north] (lon_min, lat_min, "
                "lon_max, lat_max for lon/lat) with min < max; a box across 180 "
                "degrees runs past it: [178, -17, 182, -15]"
            )
        return value

    @field_validator("bounds_crs")
    @classmethod
    def _known_bounds_crs(cls, value: str | int) -> str | int:
        _check_crs(value)
        return value

    @model_validator(mode="after")
    def _bounds_on_the_globe(self) -> GridConfig:
        import pyproj

        if (
            self.bounds is None
            or not pyproj.CRS.from_user_input(self.bounds_crs).is_geographic
        ):
            return self
        west, south, east, north = self.bounds
        if not (south >= -90 and north <= 90):
            raise ValueError(
                f"grid.bounds: latitudes {south:g} and {north:g} must be within "
                "-90 to 90 degrees"
            )
        if not (-180 <= west < 180 and east - west <= 360):
            turns = math.floor((west + 180.0) / 360.0)
            same = ""
            if east - west <= 360 and math.isfinite(turns):
                shift = 360.0 * turns
                same = (
                    f"; the same box is [{west - shift:g}, {south:g}, "
                    f"{east - shift:g}, {north:g}]"
                )
            raise ValueError(
                f"grid.bounds: longitudes {west:g} to {east:g} must start within "
                "-180 to 180 degrees and span at most 360 (a box across 180 degrees "
                f"runs past it, as [178, -17, 182, -15]){same}"
            )
        return self

    @field_validator("area", mode="before")
    @classmethod
    def _area(cls, value: Any) -> Any:
        return _as_zone(value)
