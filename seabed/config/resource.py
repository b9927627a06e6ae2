"""The ``[rules]``, ``[resource]`` and ``[classification]`` sections.

Which cells the bathymetry rules leave out, how the tonnes are stated (density,
cut-offs, oxide forms, demand, selective mining unit) and the rules of the resource
classes.

Examples
--------
>>> ResourceConfig(cutoffs_ppm=[2000, 400, 400]).cutoffs_ppm
[400.0, 2000.0]
>>> ClassificationConfig(indicated={"min_cores": 8}).indicated.min_cores
8
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from seabed.config._base import MAX_PPM, PositiveFloat, Section
from seabed.density import dry_from_wet, max_water_content
from seabed.elements import OXIDE_CHOICES, element_of

__all__ = [
    "ClassRuleConfig",
    "ClassificationConfig",
    "ResourceConfig",
    "RulesConfig",
]


class RulesConfig(Section):
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


class ResourceConfig(Section):
    """Density, cut-offs, oxide forms and demand table of the resource statement."""

    dry_density_t_m3: Annotated[float, Field(gt=0, le=3)] = 0.55
    wet_density_t_m3: Annotated[float, Field(gt=1, le=3)] | None = None
    water_content: Annotated[float, Field(ge=0, lt=1)] | None = None
    #: salt mass fraction of the pore water (seawater 0.035) when ``water_content``
    #: and the samples' ``water_content`` are mass lost on drying; None: no correction
    pore_water_salinity: Annotated[float, Field(ge=0, le=0.3)] | None = None
    density: Literal["constant", "cores_mean", "cores_kriged"] = "constant"
    #: at most 100 cut-offs: every table of the statement has a row per cut-off
    cutoffs_ppm: list[Annotated[float, Field(ge=0, lt=MAX_PPM)]] = Field(
        default_factory=lambda: [0.0, 400.0, 2000.0, 5000.0], max_length=100
    )
    oxides: dict[str, str] = Field(default_factory=dict)
    annual_demand_t: dict[str, PositiveFloat] | Path | None = None
    #: at least 0.1 ppm: a curve of more steps than that says nothing more
    grade_tonnage_step_ppm: Annotated[float, Field(ge=0.1, le=MAX_PPM)] = 25.0
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
            seen: dict[str, str] = {}  # element -> the key that gave its demand
            for key in value:
                element = element_of(key)
                if element is None:
                    raise ValueError(
                        f"{key!r} is neither a REY element (Dy: tonnes of element) nor "
                        "an oxide (Dy2O3: tonnes of oxide)"
                    )
                if element in seen:
                    raise ValueError(
                        f"{seen[element]!r} and {key!r} both give the demand for "
                        f"{element}: give it once, as the element or its oxide"
                    )
                seen[element] = key
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


class ClassRuleConfig(Section):
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


class ClassificationConfig(Section):
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
