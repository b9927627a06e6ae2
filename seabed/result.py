"""The typed result of a run: everything that the tables, maps and report render."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from seabed.config import Config
from seabed.geostats import Variogram
from seabed.resource.uncertainty import SimulatedResource

__all__ = ["RunResult"]


@dataclass
class RunResult:
    """What a run produced (also written to ``out_dir``)."""

    config: Config
    out_dir: Path
    dataset: xr.Dataset
    statement: pd.DataFrame
    excluded: pd.DataFrame
    composites: pd.DataFrame
    variogram: Variogram | None
    provenance: dict[str, Any]
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
