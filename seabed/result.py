"""The typed result of a run: everything that the tables, maps and report render."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from seabed.config import Config
from seabed.geostats import ExperimentalVariogram, Variogram
from seabed.resource.uncertainty import SimulatedResource

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["SYNTHETIC_NOTICE", "RunResult"]

#: What every output of a run on synthetic cores says (statement, notes, CSVs,
#: GeoTIFF tags, report, PNGs): the data are made up, and so is any agreement with
#: the literature the generator was calibrated to.
SYNTHETIC_NOTICE = (
    "SYNTHETIC DATA: the cores are synthetic data (drawn by seabed's generator from "
    "a made-up field), not measurements, and these figures describe no real deposit; "
    "the generator is calibrated to the mean grade Takaya et al. (2018) reported "
    "over their box, so any agreement with that paper is built in by the "
    "calibration and validates nothing"
)


@dataclass
class RunResult:
    """What a run produced (also written to ``out_dir``).

    It holds everything the report renders: the report reads no input file and
    computes no estimate of its own.
    """

    config: Config
    out_dir: Path
    dataset: xr.Dataset
    statement: pd.DataFrame
    excluded: pd.DataFrame
    composites: pd.DataFrame
    variogram: Variogram | None
    provenance: dict[str, Any]
    #: the dry bulk density the tonnage used (t/m3): the constant (given, or from
    #: the wet density and water content), the cores' mean, or the mean of the
    #: kriged density over the estimated cells
    dry_density_t_m3: float
    #: how that density was set, in words (``constant 0.52 t/m3 from wet ...``)
    dry_density_text: str
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: per 1 m slice (``interval = "slice"``) and from the top to each target depth
    #: (``"cumulative"``), at every cut-off
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per resource class (measured, indicated, inferred, unclassified)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per report zone, then outside them (empty without ``inputs.report_zones``)
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes of every element and oxide, years of demand (empty without elements)
    elements: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes and mean grade over a continuous range of cut-offs
    grade_tonnage: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: how the figures were made (window, density, oxides, support, classes ...)
    assumptions: dict[str, Any] = field(default_factory=dict)
    #: tiles estimated (``total``) and read back from an interrupted run (``resumed``)
    tiles: dict[str, int] = field(default_factory=dict)
    #: P10/P50/P90 from conditional simulation (None without ``[simulation]``)
    simulation: SimulatedResource | None = None
    #: tonnage above cut-off at the selective mining unit's support
    #: (``seabed.resource.recoverable``): rows ``cutoff_ppm``, ``area_km2``,
    #: ``ore_t``, ``mean_rey_ppm``, ``rey_t``, ``treo_t``, ``statistic`` (mean,
    #: p10, p50, p90) and ``method`` (simulation, uc)
    recoverable: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the reviewer's checks (``seabed.pipeline.validation``): ``declustering``,
    #: ``top_cut``, ``cross_validation`` and ``global_bias``, JSON-ready
    validation: dict[str, Any] = field(default_factory=dict)
    #: the doubtful automatic choices and failed checks, in plain words (also in
    #: ``notes``): the report's banner lists them
    doubts: list[str] = field(default_factory=list)
    #: the composites that entered the estimate: index the core id, columns ``lon``,
    #: ``lat`` (WGS84 degrees), ``x``, ``y`` (metres in the grid's CRS), ``rey_ppm``
    used_cores: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the run's zones as loaded (include zones buffered): columns ``kind``
    #: (``include``, ``exclude`` or ``report``), ``reason`` (a report zone's name)
    #: and ``geometry``, in EPSG:4326; None without zones
    zone_outlines: gpd.GeoDataFrame | None = None
    #: leave-one-out cross-validation of the REY composites with the run's own
    #: estimator, at point support (``seabed.geostats.leave_one_out``); None when
    #: there are too few cores or it failed (then ``report_notes`` says why)
    cross_validation: pd.DataFrame | None = None
    #: the experimental variogram of the used composites (None without a variogram)
    experimental_variogram: ExperimentalVariogram | None = None
    #: the same along the azimuths 0, 45, 90 and 135 degrees (22.5 either side)
    directional_variogram: ExperimentalVariogram | None = None
    #: the bathymetry input's water depth, decimated to draw maps (None without one)
    water_depth: xr.DataArray | None = None
    #: the cores are marked synthetic (their ``synthetic`` column, read into
    #: ``attrs["synthetic"]`` by :func:`seabed.io.load_cores`), whatever the file's
    #: name: every output then carries :data:`SYNTHETIC_NOTICE`
    synthetic_cores: bool = False
    #: the bathymetry is seabed's bundled, coarse (0.1 degree) grid
    bundled_bathymetry: bool = False
    #: what the run could not prepare for the report (shown beside the maps)
    report_notes: list[str] = field(default_factory=list)
    #: kriging neighbourhood analysis of the run's search
    #: (``seabed.pipeline.kna.neighbourhood_record``: ``table``, ``recommended``
    #: ...), JSON-ready; None with inverse distance or ``kna.in_run = false``
    kna: dict[str, Any] | None = None
