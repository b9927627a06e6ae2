"""The run configuration: a TOML file, validated, with paths resolved.

Every key except ``inputs.cores`` has a default (see ``docs/config.md``). Paths are
relative to the configuration file. Unknown keys are errors, so that a typo never
passes silently. Problems raise :class:`~seabed.exceptions.ConfigError` naming the file,
the key and the fix; :func:`check_config` lists all of them at once.

Examples
--------
>>> cfg = Config.model_validate({"inputs": {"cores": "cores.csv"}})
>>> cfg.grid.resolution_m, cfg.composite.bottom_m, cfg.resource.cutoffs_ppm
(1000.0, 10.0, [0.0, 400.0, 2000.0, 5000.0])
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from seabed.config_errors import validation_problems
from seabed.density import dry_from_wet, max_water_content
from seabed.elements import OXIDE_CHOICES, REY
from seabed.exceptions import ConfigError
from seabed.schedulers import check_scheduler_address

__all__ = [
    "ClassRuleConfig",
    "ClassificationConfig",
    "CompositeConfig",
    "Config",
    "CovariateConfig",
    "DaskConfig",
    "EstimateConfig",
    "GridConfig",
    "InputsConfig",
    "KnaConfig",
    "OutputConfig",
    "PassConfig",
    "ReportZonesConfig",
    "ResourceConfig",
    "RulesConfig",
    "SimulationConfig",
    "VariogramConfig",
    "ZoneConfig",
    "check_config",
    "load_config",
]

#: Estimation methods that take covariates (``inputs.covariates``).
COVARIATE_METHODS = ("regression", "external_drift")

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]


class _Section(BaseModel):
    # inf and nan are never a setting: refused for every number of every section
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Plausible ranges: a value outside them is a typo or a wrong unit, and some would
# exhaust memory or overflow long before the run could say so.
#: The widest useful grid cell (100 km) and search or margin (half the Earth's
#: circumference, about 20,000 km).
_MAX_CELL_M, _MAX_DISTANCE_M = 100_000.0, 20_000_000.0
#: Deeper than any sediment column the cores could sample (mbsf).
_MAX_DEPTH_MBSF = 2_000.0
#: A grade can be at most the whole sample (1,000,000 ppm = 100 %).
_MAX_PPM = 1_000_000.0


class ZoneConfig(_Section):
    """A vector layer of zones: a path, an optional layer, a reason and a buffer."""

    path: Path
    layer: str | None = None
    reason: str | None = None
    buffer_m: Annotated[float, Field(ge=0, le=_MAX_DISTANCE_M / 10)] = 0.0


class ReportZonesConfig(_Section):
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


class CovariateConfig(_Section):
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


class InputsConfig(_Section):
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
        return [_as_zone(v) for v in value]


class AreaConfig(_Section):
    """A polygon layer: the area of interest (``[grid] area``)."""

    path: Path
    layer: str | None = None


class GridConfig(_Section):
    """The estimation grid and the area of interest."""

    resolution_m: Annotated[float, Field(gt=0, le=_MAX_CELL_M)] = 1000.0
    crs: str = "auto"
    #: the area of interest's bounds, in ``bounds_crs``: a geodesic box between
    #: meridians and parallels for lon/lat, a rectangle for a projected CRS
    bounds: tuple[float, float, float, float] | None = None
    bounds_crs: str | int = "EPSG:4326"
    #: a polygon layer: the area of interest (with ``bounds``: inside both)
    area: AreaConfig | None = None
    margin_m: Annotated[float, Field(ge=0, le=_MAX_DISTANCE_M / 10)] = 5000.0

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
            raise ValueError(
                f"grid.bounds: longitudes {west:g} to {east:g} must start within "
                "-180 to 180 degrees and span at most 360 (across 180 degrees, run "
                "past it: [178, -17, 182, -15])"
            )
        return self

    @field_validator("area", mode="before")
    @classmethod
    def _area(cls, value: Any) -> Any:
        return _as_zone(value)


class CompositeConfig(_Section):
    """The depth window below the seafloor, in metres (mbsf)."""

    top_m: Annotated[float, Field(ge=0, lt=_MAX_DEPTH_MBSF)] = 0.0
    bottom_m: Annotated[float, Field(gt=0, le=_MAX_DEPTH_MBSF)] = 10.0
    #: at least 1 cm: a thinner slice is below any sampling interval
    slice_m: Annotated[float, Field(ge=0.01, le=_MAX_DEPTH_MBSF)] = 1.0
    incomplete_cores: Literal["exclude", "include"] = "exclude"
    #: cap on the composites' grades (ppm): a number caps total REY (the composite
    #: scaled whole); a table caps elements by symbol (``{ Nd = 600, rey = 8000 }``)
    top_cut_ppm: (
        Annotated[float, Field(gt=0, lt=_MAX_PPM)]
        | dict[str, Annotated[float, Field(gt=0, lt=_MAX_PPM)]]
        | None
    ) = None

    @field_validator("top_cut_ppm")
    @classmethod
    def _known_elements(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if not value:
                raise ValueError("give at least one element, e.g. { Nd = 600 }")
            unknown = [k for k in value if k != "rey" and k not in REY]
            if unknown:
                raise ValueError(
                    f"{', '.join(unknown)}: not a REY element; use symbols (Nd, Dy) "
                    "or rey for the total"
                )
        return value

    #: composites above this total REY grade (ppm) inform only the cells within
    #: ``high_value_radius_m`` of them (a distance-limited high-value restriction)
    high_value_ppm: Annotated[float, Field(gt=0, lt=_MAX_PPM)] | None = None
    high_value_radius_m: Annotated[float, Field(gt=0, le=_MAX_DISTANCE_M)] | None = None

    @model_validator(mode="after")
    def _window(self) -> CompositeConfig:
        if self.bottom_m <= self.top_m:
            raise ValueError("bottom_m must be greater than top_m")
        if (self.high_value_ppm is None) != (self.high_value_radius_m is None):
            raise ValueError(
                "high_value_ppm and high_value_radius_m go together: give both "
                "(e.g. high_value_ppm = 6000, high_value_radius_m = 5000) or neither"
            )
        return self


class VariogramConfig(_Section):
    """A variogram typed in with gstat ``vgm()`` conventions.

    ``model`` is any of :data:`seabed.geostats.variogram.MODELS` or ``"Nug"`` (a
    pure nugget of ``psill``, no range); ``range = 0`` makes ``"Lin"`` unbounded;
    ``"Pow"`` takes its exponent, in (0, 2), as the range.
    """

    model: str = "spherical"
    psill: PositiveFloat
    range: NonNegativeFloat | None = None
    nugget: NonNegativeFloat = 0.0
    anis: tuple[float, float] | None = None
    kappa: PositiveFloat = 0.5

    @model_validator(mode="after")
    def _range_given(self) -> VariogramConfig:
        if self.range is None and self.model.strip().lower() not in ("nug", "nugget"):
            raise ValueError(f"the {self.model} model needs a range")
        return self


class PassConfig(_Section):
    """One search pass (``[[estimate.pass]]``); a key left out takes the value
    of ``[estimate]``."""

    n_neighbors: Annotated[int, Field(ge=1, le=10_000)] | None = None
    min_neighbors: Annotated[int, Field(ge=1, le=10_000)] | None = None
    max_distance_m: Annotated[float, Field(gt=0, le=_MAX_DISTANCE_M)] | None = None
    max_per_core: Annotated[int, Field(ge=1)] | None = None
    max_per_sector: Annotated[int, Field(ge=1)] | None = None
    #: a search ellipse instead of a circle: "variogram" follows the variogram's
    #: anisotropy, or [azimuth_deg, minor/major ratio]; max_distance_m is then
    #: its major semi-axis
    anisotropy: (
        Literal["variogram"] | tuple[float, Annotated[float, Field(gt=0, le=1)]] | None
    ) = None

    def search(self) -> dict[str, Any]:
        """The keys given, named as the estimators' ``passes`` name them.

        Examples
        --------
        >>> PassConfig(max_distance_m=5000).search()
        {'max_distance': 5000.0}
        """
        given = {k: v for k, v in self.model_dump().items() if v is not None}
        if "max_distance_m" in given:
            given["max_distance"] = given.pop("max_distance_m")
        return given


class EstimateConfig(_Section):
    """How grades are estimated."""

    model_config = ConfigDict(populate_by_name=True)

    #: ``regression``: a linear trend in the covariates, its residuals kriged;
    #: ``external_drift``: kriging with the covariates as external drift
    method: Literal["ordinary", "simple", "idw", "regression", "external_drift"] = (
        "ordinary"
    )
    variogram: Literal["auto"] | VariogramConfig = "auto"
    n_neighbors: Annotated[int, Field(ge=1, le=10_000)] | None = 32
    min_neighbors: Annotated[int, Field(ge=1, le=10_000)] = 3
    max_distance_m: Annotated[float, Field(gt=0, le=_MAX_DISTANCE_M)] | None = 50000.0
    max_per_sector: Annotated[int, Field(ge=1)] | None = None
    max_per_core: Annotated[int, Field(ge=1)] | None = None
    #: search passes, tried in order (``[[estimate.pass]]``); none: one pass of
    #: the keys above
    passes: list[PassConfig] | None = Field(default=None, alias="pass", min_length=1)
    support: Literal["block", "point"] = "block"
    idw_power: PositiveFloat = 2.0


class RulesConfig(_Section):
    """Exclusion rules computed from the bathymetry."""

    max_slope_deg: Annotated[float, Field(gt=0, lt=90)] | None = None
    #: water depth in metres: 0 to 11,000 (the Challenger Deep is about 10,935 m)
    depth_window_m: (
        tuple[
            Annotated[float, Field(ge=0, le=11_000)],
            Annotated[float, Field(ge=0, le=11_000)],
        ]
        | None
    ) = None

    @field_validator("depth_window_m")
    @classmethod
    def _window(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] >= value[1]:
            raise ValueError("depth_window_m must be [shallowest, deepest] in metres")
        return value


#: Oxide formulas a demand table may be keyed by (tonnes of oxide, not element).
_OXIDE_FORMULAS = {oxide for forms in OXIDE_CHOICES.values() for oxide in forms}


class ResourceConfig(_Section):
    """Density, cut-offs, oxide forms and demand table of the resource statement."""

    dry_density_t_m3: Annotated[float, Field(gt=0, le=3)] = 0.55
    wet_density_t_m3: Annotated[float, Field(gt=1, le=3)] | None = None
    water_content: Annotated[float, Field(ge=0, lt=1)] | None = None
    #: salt mass fraction of the pore water (seawater 0.035) when ``water_content``
    #: and the samples' ``water_content`` are mass lost on drying; None: no correction
    pore_water_salinity: Annotated[float, Field(ge=0, le=0.3)] | None = None
    density: Literal["constant", "cores_mean", "cores_kriged"] = "constant"
    #: at most 100 cut-offs: every table of the statement has a row per cut-off
    cutoffs_ppm: list[Annotated[float, Field(ge=0, lt=_MAX_PPM)]] = Field(
        default_factory=lambda: [0.0, 400.0, 2000.0, 5000.0], max_length=100
    )
    oxides: dict[str, str] = Field(default_factory=dict)
    annual_demand_t: dict[str, PositiveFloat] | Path | None = None
    #: at least 0.1 ppm: a curve of more steps than that says nothing more
    grade_tonnage_step_ppm: Annotated[float, Field(ge=0.1, le=_MAX_PPM)] = 25.0
    #: selective mining unit, metres (one side, or [east, north]); it must divide
    #: the cell (``seabed.resource.smu_layout``). None: the cell itself
    smu_m: PositiveFloat | tuple[PositiveFloat, PositiveFloat] | None = None

    @field_validator("cutoffs_ppm")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("give at least one cut-off, e.g. [0]")
        return sorted(set(value))

    @field_validator("oxides")
    @classmethod
    def _known_oxides(cls, value: dict[str, str]) -> dict[str, str]:
        for element, oxide in value.items():
            if element not in OXIDE_CHOICES:
                raise ValueError(f"{element!r} is not a REY element")
            if oxide not in OXIDE_CHOICES[element]:
                choices = ", ".join(OXIDE_CHOICES[element])
                raise ValueError(f"{element} may be reported as {choices}, not {oxide}")
        return value

    @field_validator("annual_demand_t")
    @classmethod
    def _known_demand_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                if key not in REY and key not in _OXIDE_FORMULAS:
                    raise ValueError(
                        f"{key!r} is neither a REY element (Dy: tonnes of element) nor "
                        "an oxide (Dy2O3: tonnes of oxide)"
                    )
        return value

    @model_validator(mode="after")
    def _one_density(self) -> ResourceConfig:
        wet = (self.wet_density_t_m3, self.water_content)
        if (wet[0] is None) != (wet[1] is None):
            raise ValueError(
                "wet_density_t_m3 and water_content go together (dry = wet x (1 - w))"
            )
        given_dry = "dry_density_t_m3" in self.model_fields_set
        if wet[0] is not None and given_dry:
            raise ValueError(
                "give dry_density_t_m3, or wet_density_t_m3 with water_content, not both"
            )
        if self.density != "constant" and (given_dry or wet[0] is not None):
            raise ValueError(
                f"density = {self.density!r} takes the density from the cores: remove "
                "dry_density_t_m3, wet_density_t_m3 and water_content"
            )
        self._check_salinity()
        return self

    def _check_salinity(self) -> None:
        salinity = self.pore_water_salinity
        if salinity is None:
            return
        if self.density == "constant" and self.water_content is None:
            raise ValueError(
                "pore_water_salinity corrects a water content, and this constant "
                "density has none: remove it, or give wet_density_t_m3 and "
                "water_content, or take the density from the cores"
            )
        limit = max_water_content(salinity)
        if self.water_content is not None and self.water_content >= limit:
            raise ValueError(
                f"water_content {self.water_content:g} with pore_water_salinity "
                f"{salinity:g} leaves no solids (it must be below 1 - salinity = "
                f"{limit:g})"
            )

    @property
    def constant_dry_density_t_m3(self) -> float:
        """The constant dry density: given, or from wet density and water content."""
        if self.wet_density_t_m3 is not None and self.water_content is not None:
            return dry_from_wet(
                self.wet_density_t_m3,
                self.water_content,
                pore_water_salinity=self.pore_water_salinity,
            )
        return self.dry_density_t_m3


class ClassRuleConfig(_Section):
    """What a cell needs to reach one resource class; unset criteria are not tested.

    Distances are relative to the variogram's practical range; cores and sectors are
    counted in the kriging search (``estimate.n_neighbors`` within
    ``estimate.max_distance_m``), cores only within ``cores_within_range`` practical
    ranges of the cell when that is set; the relative standard deviation is the
    kriging standard deviation divided by the estimated grade; the slope of
    regression is that of the true block grade on its kriged estimate (1: no
    conditional bias).
    """

    max_nearest_range: Annotated[float, Field(gt=0, le=100)] | None = None
    min_cores: Annotated[int, Field(ge=1, le=10_000)] | None = None
    cores_within_range: Annotated[float, Field(gt=0, le=100)] | None = None
    min_sectors: Annotated[int, Field(ge=1, le=8)] | None = None
    max_relative_std: PositiveFloat | None = None
    min_slope_of_regression: Annotated[float, Field(gt=0, le=1)] | None = None

    @model_validator(mode="after")
    def _within_counts_cores(self) -> ClassRuleConfig:
        if self.cores_within_range is not None and self.min_cores is None:
            raise ValueError(
                "cores_within_range says where min_cores counts cores: give "
                "min_cores too, or leave cores_within_range out"
            )
        return self

    @property
    def is_empty(self) -> bool:
        """True when no criterion is set (every estimated cell passes)."""
        return all(value is None for value in self.model_dump().values())


#: Class criteria that only kriging can evaluate.
KRIGING_CRITERIA = (
    "max_nearest_range",
    "cores_within_range",
    "max_relative_std",
    "min_slope_of_regression",
)


class ClassificationConfig(_Section):
    """Rules for Measured / Indicated / Inferred.

    A class given a table follows exactly that table. A class left out follows
    the default rule (``seabed.resource.DEFAULT_RULES``: no Measured; Indicated
    where the slope of regression is at least 0.8, at least 3 cores lie within
    2/3 of the practical range, the search finds cores in at least 3 of the
    4 quadrants and the kriging standard deviation is at most half the grade;
    Inferred where the nearest core is within the practical range),
    unless ``defaults = false``: then it is never given, and
    Inferred is every estimated cell not in a class above.
    """

    measured: ClassRuleConfig | None = None
    indicated: ClassRuleConfig | None = None
    inferred: ClassRuleConfig | None = None
    sectors: Annotated[int, Field(ge=1, le=8)] = 4
    defaults: StrictBool = True

    @model_validator(mode="after")
    def _rules_say_something(self) -> ClassificationConfig:
        for name in ("measured", "indicated"):
            rule = getattr(self, name)
            if rule is not None and rule.is_empty:
                raise ValueError(
                    f"{name} has no criterion: give at least one of max_nearest_range, "
                    "min_cores, min_sectors, max_relative_std, min_slope_of_regression "
                    "(or leave it out)"
                )
        if self.defaults and self.indicated is None and self.sectors < 3:
            raise ValueError(
                f"the default indicated rule asks for cores in 3 sectors, more than "
                f"sectors ({self.sectors}): give sectors of 3 or more, or your own "
                "[classification.indicated] table"
            )
        for name in ("measured", "indicated", "inferred"):
            rule = getattr(self, name)
            if rule is not None and (rule.min_sectors or 0) > self.sectors:
                raise ValueError(
                    f"{name}.min_sectors ({rule.min_sectors}) exceeds sectors "
                    f"({self.sectors})"
                )
        return self


class KnaConfig(_Section):
    """Kriging neighbourhood analysis (``seabed kna``; in ``run`` when ``in_run``).

    ``radii_m`` empty: the run's ``estimate.max_distance_m``; ``block_sizes_m``
    empty: the run's support (the cell, or points); a block size of 0 is point
    kriging.
    """

    in_run: StrictBool = True
    cells: Annotated[int, Field(ge=1, le=10_000)] = 64
    n_neighbors: Annotated[
        list[Annotated[int, Field(ge=1, le=10_000)]], Field(min_length=1, max_length=50)
    ] = Field(default_factory=lambda: [4, 8, 12, 16, 24, 32, 48])
    radii_m: Annotated[
        list[Annotated[float, Field(gt=0, le=_MAX_DISTANCE_M)]], Field(max_length=20)
    ] = Field(default_factory=list)
    block_sizes_m: Annotated[
        list[Annotated[float, Field(ge=0, le=_MAX_CELL_M)]], Field(max_length=10)
    ] = Field(default_factory=list)
    tolerance: Annotated[float, Field(gt=0, lt=1)] = 0.01
    seed: int = 0


class SimulationConfig(_Section):
    """Conditional simulation of the grade, for P10/P50/P90 of the statement."""

    realizations: Annotated[int, Field(ge=1, le=100_000)] = 100
    seed: int = 1
    #: the uncertainty of the cores' histogram, on by default (docs/uncertainty.md):
    #: each realisation's normal-score transform from a bootstrap resample of the
    #: cores; without it P10-P90 is too narrow (docs/validation.md)
    histogram_uncertainty: bool = True
    #: other sources of uncertainty besides the spatial one, off by default: the
    #: normal-score variogram refitted on a bootstrap resample of the cores for
    #: each group of realizations_per_variogram realisations
    variogram_uncertainty: bool = False
    realizations_per_variogram: Annotated[int, Field(ge=1)] = 10
    #: relative standard deviation of the grades' measurement error
    grade_relative_sd: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    #: the dry density anywhere in [low, high] t/m3, or the uncertainty of the mean
    #: of the cores' dry densities (bootstrap), as a factor of the tonnes
    density_range_t_m3: tuple[PositiveFloat, PositiveFloat] | None = None
    density_from_cores: bool = False
    #: relative standard deviation of the window's thickness
    thickness_relative_sd: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0

    @model_validator(mode="after")
    def _one_density_source(self) -> SimulationConfig:
        if self.density_range_t_m3 is not None:
            low, high = self.density_range_t_m3
            if low > high:
                raise ValueError(
                    f"density_range_t_m3 = [{low:g}, {high:g}]: give [low, high]"
                )
            if self.density_from_cores:
                raise ValueError(
                    "give density_range_t_m3 or density_from_cores = true, not both"
                )
        return self


class DaskConfig(_Section):
    """Where and in what pieces the grid is computed."""

    scheduler: str | None = None
    #: a JSON file written by ``dask scheduler --scheduler-file`` (dask-jobqueue,
    #: dask-mpi and HPC launchers hand over a cluster this way)
    scheduler_file: Path | None = None
    #: threads computing tiles when no scheduler is given (None: every core)
    workers: Annotated[int, Field(ge=1, le=1024)] | None = None
    tile_size: Annotated[int, Field(ge=8, le=8192)] = 256
    #: keep finished tiles in the output folder, so that a killed run, started
    #: again, computes only the missing ones (removed when the run succeeds)
    resume: bool = True

    @field_validator("scheduler")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                check_scheduler_address(value)
            except ConfigError as error:
                raise ValueError(f"{error.message}; {error.hint}") from None
        return value

    @model_validator(mode="after")
    def _one_scheduler(self) -> DaskConfig:
        if self.scheduler is not None and self.scheduler_file is not None:
            raise ValueError("give dask.scheduler or dask.scheduler_file, not both")
        return self


class OutputConfig(_Section):
    """Where results are written."""

    dir: Path = Path("out")
    #: write report.html and the map quick-looks (PNGs); batch runs that only
    #: need the maps, the tables and resource.json can leave them out
    report: bool = True
    #: the whole result as one CF-1.10 dataset: ``result.nc``, ``result.zarr``, or
    #: none (the GeoTIFFs and tables are written in every case)
    dataset: Literal["netcdf", "zarr", "none"] = "netcdf"


class Config(_Section):
    """A whole run configuration (see ``docs/config.md``)."""

    inputs: InputsConfig
    columns: dict[str, str] = Field(default_factory=dict)
    grid: GridConfig = Field(default_factory=GridConfig)
    composite: CompositeConfig = Field(default_factory=CompositeConfig)
    estimate: EstimateConfig = Field(default_factory=EstimateConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    resource: ResourceConfig = Field(default_factory=ResourceConfig)
    classification: ClassificationConfig = Field(default_factory=ClassificationConfig)
    kna: KnaConfig = Field(default_factory=KnaConfig)
    simulation: SimulationConfig | None = None
    dask: DaskConfig = Field(default_factory=DaskConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    #: the file this configuration came from (None when built in Python)
    source: Path | None = None

    @model_validator(mode="after")
    def _kna_searches_find_enough(self) -> Config:
        given = "n_neighbors" in self.kna.model_fields_set
        if given and min(self.kna.n_neighbors) < self.estimate.min_neighbors:
            raise ValueError(
                f"kna.n_neighbors holds {min(self.kna.n_neighbors)}, fewer than "
                f"estimate.min_neighbors ({self.estimate.min_neighbors}): such a "
                "search estimates nothing; give numbers of neighbours of at least "
                "min_neighbors"
            )
        return self

    @model_validator(mode="after")
    def _covariates_for_their_methods(self) -> Config:
        method = self.estimate.method
        if method in COVARIATE_METHODS and not self.inputs.covariates:
            raise ValueError(
                f'estimate.method = "{method}" needs covariates: give inputs.'
                'covariates, e.g. { sediment_m = "sediment.tif" }'
            )
        if method not in COVARIATE_METHODS and self.inputs.covariates:
            raise ValueError(
                'inputs.covariates are used by estimate.method = "regression" or '
                f'"external_drift" only, not "{method}": choose one, or leave the '
                "covariates out"
            )
        if method in COVARIATE_METHODS and self.simulation is not None:
            raise ValueError(
                f'[simulation] draws ordinary-kriging realisations; with method = "'
                f'{method}" it would ignore the covariates: leave [simulation] out'
            )
        return self

    @model_validator(mode="after")
    def _classification_needs_kriging(self) -> Config:
        if self.estimate.method == "simple":
            self._check_simple_kriging_slope()
        if self.estimate.method != "idw":
            return self
        for name in ("measured", "indicated", "inferred"):
            rule = getattr(self.classification, name)
            needs_kriging = [
                key
                for key in KRIGING_CRITERIA
                if rule is not None and getattr(rule, key) is not None
            ]
            if needs_kriging:
                raise ValueError(
                    f"classification.{name}.{needs_kriging[0]} needs kriging (the "
                    "variogram range, the kriging standard deviation or the slope of "
                    "regression), which inverse-distance weighting does not have: use "
                    "kriging, or min_cores and min_sectors only"
                )
        return self

    def _check_simple_kriging_slope(self) -> None:
        for name in ("measured", "indicated", "inferred"):
            rule = getattr(self.classification, name)
            if rule is not None and rule.min_slope_of_regression is not None:
                # simple kriging trusts its known mean: cov(Z, Z*) = var(Z*)
                raise ValueError(
                    f"classification.{name}.min_slope_of_regression says nothing "
                    "with simple kriging, whose slope of regression is 1 everywhere: "
                    "use ordinary kriging, or other criteria"
                )

    def resolve_paths(self, base: Path) -> Config:
        """Make every input path absolute, relative to ``base``."""

        def absolute(p: Path | None) -> Path | None:
            if p is None:
                return None
            try:
                return (base / p).resolve()
            except (OSError, RuntimeError):  # a symbolic-link loop: the loader says so
                return Path(os.path.abspath(base / p))

        def zones(items: list[ZoneConfig]) -> list[ZoneConfig]:
            return [z.model_copy(update={"path": absolute(z.path)}) for z in items]

        report_zones = self.inputs.report_zones
        if report_zones is not None:
            report_zones = report_zones.model_copy(
                update={"path": absolute(report_zones.path)}
            )
        demand = self.resource.annual_demand_t
        resource = self.resource.model_copy(
            update={
                "annual_demand_t": absolute(demand)
                if isinstance(demand, Path)
                else demand
            }
        )
        dask = self.dask.model_copy(
            update={"scheduler_file": absolute(self.dask.scheduler_file)}
        )
        inputs = self.inputs.model_copy(
            update={
                "cores": absolute(self.inputs.cores),
                "bathymetry": absolute(self.inputs.bathymetry),
                "sediment_thickness": absolute(self.inputs.sediment_thickness),
                "covariates": [
                    c.model_copy(update={"path": absolute(c.path)})
                    for c in self.inputs.covariates
                ],
                "include": zones(self.inputs.include),
                "exclude": zones(self.inputs.exclude),
                "report_zones": report_zones,
            }
        )
        # the output folder as given: a link in its place is seen (and refused
        # when broken), never followed to a folder created elsewhere
        out_dir = Path(os.path.abspath(base / self.output.dir))
        output = self.output.model_copy(update={"dir": out_dir})
        area = self.grid.area
        grid = self.grid.model_copy(
            update={
                "area": None
                if area is None
                else area.model_copy(update={"path": absolute(area.path)})
            }
        )
        return self.model_copy(
            update={
                "inputs": inputs,
                "grid": grid,
                "resource": resource,
                "output": output,
                "dask": dask,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (paths as strings), for provenance."""
        return self.model_dump(mode="json", exclude={"source"}, by_alias=True)


def check_config(data: dict[str, Any], path: Path | None = None) -> list[ConfigError]:
    """Every problem in a configuration mapping, as a list of errors (empty if fine)."""
    try:
        Config.model_validate(data)
    except ValidationError as error:
        return validation_problems(error, path, Config)
    return []


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            "configuration file not found",
            path=path,
            hint="give the path of a .toml file",
        )
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML ({error})", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a text (UTF-8) file", path=path) from None


def load_config(path: str | Path) -> Config:
    """Read, validate and resolve a configuration file.

    Parameters
    ----------
    path : str or path-like
        The TOML file.

    Returns
    -------
    Config
        The validated configuration with absolute input paths.

    Raises
    ------
    ConfigError
        For the first problem found (``seabed validate`` lists them all).
    """
    path = Path(path).resolve()
    data = read_toml(path)
    problems = check_config(data, path)
    if problems:
        raise problems[0]
    config = Config.model_validate(data).model_copy(update={"source": path})
    return config.resolve_paths(path.parent)
