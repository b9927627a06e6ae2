"""The whole run configuration, :class:`Config`, with ``[dask]`` and ``[output]``.

:class:`Config` gathers the sections, checks the keys that depend on one another
across sections (covariates and the method, classification criteria and kriging,
the neighbourhood analysis and the search) and makes the input paths absolute.

Examples
--------
>>> cfg = Config.model_validate({"inputs": {"cores": "cores.csv"}})
>>> cfg.dask.tile_size, cfg.output.dataset
(256, 'netcdf')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from seabed.config._base import Section
from seabed.config.estimate import (
    COVARIATE_METHODS,
    CompositeConfig,
    EstimateConfig,
    KnaConfig,
    SimulationConfig,
)
from seabed.config.inputs import GridConfig, InputsConfig, ZoneConfig
from seabed.config.resource import (
    KRIGING_CRITERIA,
    ClassificationConfig,
    ResourceConfig,
    RulesConfig,
)
from seabed.exceptions import ConfigError
from seabed.schedulers import check_scheduler_address

__all__ = ["Config", "DaskConfig", "OutputConfig"]


class DaskConfig(Section):
    """Where and in what pieces the grid is computed."""

    scheduler: str | None = None
    #: a JSON file written by ``dask scheduler --scheduler-file`` (dask-jobqueue,
    #: dask-mpi and HPC launchers hand over a cluster this way)
    scheduler_file: Path | None = None
    #: the cores a run uses when no scheduler is given: tiles and blocks at once,
    #: and the threads of fits and of each tile's kriging (None: every core)
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


class OutputConfig(Section):
    """Where results are written."""

    dir: Path = Path("out")
    #: write report.html and the map quick-looks (PNGs); batch runs that only
    #: need the maps, the tables and resource.json can leave them out
    report: bool = True
    #: the whole result as one CF-1.10 dataset: ``result.nc``, ``result.zarr``, or
    #: none (the GeoTIFFs and tables are written in every case)
    dataset: Literal["netcdf", "zarr", "none"] = "netcdf"


class Config(Section):
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
