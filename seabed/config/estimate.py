"""The ``[composite]``, ``[estimate]``, ``[kna]`` and ``[simulation]`` sections.

How the cores are composited over the depth window, how grades are estimated on the
grid (method, variogram, search passes), how the kriging neighbourhood is analysed,
and how the grade is simulated for P10/P50/P90.

Examples
--------
>>> EstimateConfig().method, EstimateConfig().n_neighbors
('ordinary', 32)
>>> CompositeConfig(top_m=2.0, bottom_m=8.0).slice_m
1.0
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, field_validator, model_validator

from seabed.config._base import (
    MAX_CELL_M,
    MAX_DEPTH_MBSF,
    MAX_DISTANCE_M,
    MAX_PPM,
    NonNegativeFloat,
    PositiveFloat,
    Section,
)
from seabed.elements import REY

__all__ = [
    "CompositeConfig",
    "EstimateConfig",
    "KnaConfig",
    "PassConfig",
    "SimulationConfig",
    "VariogramConfig",
]

#: Estimation methods that take covariates (``inputs.covariates``).
COVARIATE_METHODS = ("regression", "external_drift")


class CompositeConfig(Section):
    """The depth window below the seafloor, in metres (mbsf)."""

    top_m: Annotated[float, Field(ge=0, lt=MAX_DEPTH_MBSF)] = 0.0
    bottom_m: Annotated[float, Field(gt=0, le=MAX_DEPTH_MBSF)] = 10.0
    #: at least 1 cm: a thinner slice is below any sampling interval
    slice_m: Annotated[float, Field(ge=0.01, le=MAX_DEPTH_MBSF)] = 1.0
    incomplete_cores: Literal["exclude", "include"] = "exclude"
    #: cap on the composites' grades (ppm): a number caps total REY (the composite
    #: scaled whole); a table caps elements by symbol (``{ Nd = 600, rey = 8000 }``)
    top_cut_ppm: (
        Annotated[float, Field(gt=0, lt=MAX_PPM)]
        | dict[str, Annotated[float, Field(gt=0, lt=MAX_PPM)]]
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
    high_value_ppm: Annotated[float, Field(gt=0, lt=MAX_PPM)] | None = None
    high_value_radius_m: Annotated[float, Field(gt=0, le=MAX_DISTANCE_M)] | None = None

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


class VariogramConfig(Section):
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
        # the model's own checks (its name, a range of 0, the anisotropy ratio),
        # so that validate refuses what the run would
        from seabed.exceptions import ConfigError
        from seabed.geostats import Variogram

        try:
            Variogram(**self.model_dump())
        except ConfigError as error:
            hint = f"; {error.hint}" if error.hint else ""
            raise ValueError(error.message + hint) from None
        return self


class PassConfig(Section):
    """One search pass (``[[estimate.pass]]``); a key left out takes the value
    of ``[estimate]``."""

    n_neighbors: Annotated[int, Field(ge=1, le=10_000)] | None = None
    min_neighbors: Annotated[int, Field(ge=1, le=10_000)] | None = None
    max_distance_m: Annotated[float, Field(gt=0, le=MAX_DISTANCE_M)] | None = None
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


class EstimateConfig(Section):
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
    max_distance_m: Annotated[float, Field(gt=0, le=MAX_DISTANCE_M)] | None = 50000.0
    max_per_sector: Annotated[int, Field(ge=1)] | None = None
    max_per_core: Annotated[int, Field(ge=1)] | None = None
    #: search passes, tried in order (``[[estimate.pass]]``); none: one pass of
    #: the keys above
    passes: list[PassConfig] | None = Field(default=None, alias="pass", min_length=1)
    support: Literal["block", "point"] = "block"
    idw_power: PositiveFloat = 2.0

    @model_validator(mode="after")
    def _enough_neighbours(self) -> EstimateConfig:
        searches: dict[str, Any] = {"": self}
        if self.passes is not None:
            searches = {f"pass {i + 1}: ": p for i, p in enumerate(self.passes)}
        for where, search in searches.items():
            n_max = search.n_neighbors or self.n_neighbors
            n_min = search.min_neighbors or self.min_neighbors
            if n_max is not None and n_min > n_max:
                raise ValueError(
                    f"{where}estimate.min_neighbors ({n_min}) exceeds "
                    f"estimate.n_neighbors ({n_max}): no cell could be estimated; "
                    "lower the one or raise the other"
                )
        return self


class KnaConfig(Section):
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
        list[Annotated[float, Field(gt=0, le=MAX_DISTANCE_M)]], Field(max_length=20)
    ] = Field(default_factory=list)
    block_sizes_m: Annotated[
        list[Annotated[float, Field(ge=0, le=MAX_CELL_M)]], Field(max_length=10)
    ] = Field(default_factory=list)
    tolerance: Annotated[float, Field(gt=0, lt=1)] = 0.01
    seed: int = 0


class SimulationConfig(Section):
    """Conditional simulation of the grade, for P10/P50/P90 of the statement."""

    realizations: Annotated[int, Field(ge=1, le=100_000)] = 100
    seed: int = 1
    #: the uncertainty of the cores' histogram, on by default (docs/uncertainty.md):
    #: each realisation's normal-score transform from a resample of the cores,
    #: "spatial" (a spatial bootstrap: correlated cores move together; true means
    #: it) or "independent" (drawn with replacement); without it P10-P90 is too
    #: narrow (docs/validation.md)
    histogram_uncertainty: Literal["spatial", "independent"] | StrictBool = "spatial"
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

    @field_validator("histogram_uncertainty", mode="before")
    @classmethod
    def _known_resampling(cls, value: Any) -> Any:
        if isinstance(value, bool) or value in ("spatial", "independent"):
            return value
        raise ValueError(
            f'{value!r} is not a resampling: use "spatial", "independent", true '
            "or false"
        )
