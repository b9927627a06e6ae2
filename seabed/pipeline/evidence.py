"""What the report shows beyond the statement tables, prepared once by the run.

The report is a renderer: it reads no input file and estimates nothing. Whatever it
draws that is not a table of the statement is prepared here, from the run's own
inputs and estimator, and kept in the :class:`~seabed.result.RunResult`: the used
cores, the zone outlines, the leave-one-out cross-validation, the experimental
variogram, the water depth of the location map and whether the inputs are seabed's
bundled (synthetic, coarse) data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import clone

from seabed.config import Config
from seabed.estimation.models import GradeModels
from seabed.estimation.review import AZIMUTHS
from seabed.exceptions import InputError, SeabedError
from seabed.geostats import ExperimentalVariogram, experimental_variogram
from seabed.geostats.validation import leave_one_out
from seabed.io import datasets
from seabed.pipeline.inputs import Inputs
from seabed.report import decimate, zone_outlines

__all__ = [
    "Evidence",
    "gather_evidence",
]

#: Fewest used cores to cross-validate (one left out, three to predict it from).
MIN_CROSS_VALIDATION_CORES = 4


@dataclass
class Evidence:
    """The report's material of a run: the :class:`RunResult` fields of that name."""

    used_cores: pd.DataFrame
    zone_outlines: gpd.GeoDataFrame | None
    cross_validation: pd.DataFrame | None
    experimental_variogram: ExperimentalVariogram | None
    directional_variogram: ExperimentalVariogram | None
    water_depth: xr.DataArray | None
    synthetic_cores: bool
    bundled_bathymetry: bool
    report_notes: list[str] = field(default_factory=list)
    #: leave-one-core-out of the depth-slice composites (for ``validation``; the
    #: report reads its statistics there), None with fewer than two slices
    slice_cross_validation: pd.DataFrame | None = None

    def fields(self) -> dict[str, Any]:
        """The fields, by name, to build a :class:`RunResult` with."""
        return {
            "used_cores": self.used_cores,
            "zone_outlines": self.zone_outlines,
            "cross_validation": self.cross_validation,
            "experimental_variogram": self.experimental_variogram,
            "directional_variogram": self.directional_variogram,
            "water_depth": self.water_depth,
            "synthetic_cores": self.synthetic_cores,
            "bundled_bathymetry": self.bundled_bathymetry,
            "report_notes": self.report_notes,
        }


def gather_evidence(
    config: Config,
    inputs: Inputs,
    used: pd.DataFrame,
    X: np.ndarray,
    models: GradeModels,
    slices: pd.DataFrame | None = None,
) -> Evidence:
    """The report's material of a run.

    Parameters
    ----------
    config : Config
        The run's configuration.
    inputs : Inputs
        The run's inputs, as read (zones, bathymetry).
    used : pandas.DataFrame
        The composites that entered the estimate.
    X : numpy.ndarray
        Their positions in the grid's CRS (metres).
    models : GradeModels
        The run's fitted estimators.
    slices : pandas.DataFrame, optional
        REY of each used core (rows, in ``used`` order) in each depth slice.
    """
    notes: list[str] = []
    y = used["rey_ppm"].to_numpy(dtype=float)
    outlines = zone_outlines(
        inputs.include, inputs.exclude, report=inputs.report_zones, area=inputs.area
    )
    return Evidence(
        used_cores=used[["lon", "lat"]].assign(x=X[:, 0], y=X[:, 1], rey_ppm=y),
        zone_outlines=outlines if len(outlines) else None,
        # the estimator's own features: positions, then covariates
        cross_validation=_cross_validation(
            models, X if models.features is None else models.features, y, notes
        ),
        experimental_variogram=_experimental(models, X, y),
        directional_variogram=_experimental(models, X, y, direction=AZIMUTHS),
        water_depth=None if inputs.bathymetry is None else decimate(inputs.bathymetry),
        # the data's own mark, not the file's name or place
        synthetic_cores=bool(inputs.samples.attrs.get("synthetic", False)),
        bundled_bathymetry=_is_bundled(
            config.inputs.bathymetry, datasets.bathymetry_path
        ),
        report_notes=notes,
        slice_cross_validation=_slice_cross_validation(models, X, slices, notes),
    )


def _slice_cross_validation(
    models: GradeModels,
    X: np.ndarray,
    slices: pd.DataFrame | None,
    notes: list[str],
) -> pd.DataFrame | None:
    """Each core left out with all its slice composites: per slice, leave-one-out
    over the cores that have it, pooled (columns ``slice`` and ``core``)."""
    if slices is None or slices.shape[1] < 2:
        return None
    tables = []
    for label in slices:
        values = slices[label].to_numpy(dtype=float)
        has = np.isfinite(values)
        if has.sum() < MIN_CROSS_VALIDATION_CORES:
            continue
        table = _cross_validation(models, X[has], values[has], notes)
        if table is None:
            return None
        tables.append(table.assign(slice=label, core=slices.index[has]))
    return pd.concat(tables, ignore_index=True) if tables else None


def _cross_validation(
    models: GradeModels, X: np.ndarray, y: np.ndarray, notes: list[str]
) -> pd.DataFrame | None:
    """Leave-one-out with the run's estimator, comparing point values."""
    if len(y) < MIN_CROSS_VALIDATION_CORES:
        return None
    estimator = models.estimator
    if models.variogram is not None:  # kriging: predict points, not blocks
        estimator = clone(estimator).set_params(block_size=None)
    try:
        return leave_one_out(estimator, X, y)
    except SeabedError as error:
        notes.append(f"cross-validation was skipped: {error}")
        return None


def _experimental(
    models: GradeModels,
    X: np.ndarray,
    y: np.ndarray,
    direction: tuple[float, ...] | None = None,
) -> ExperimentalVariogram | None:
    """The experimental variogram the model is drawn over (None without a model)."""
    if models.variogram is None or len(y) < 3:
        return None
    try:
        return experimental_variogram(X, y, direction=direction)
    except InputError:  # too few pairs within gstat's cutoff: nothing to draw
        return None


def _is_bundled(path: Path | None, bundled: Any) -> bool:
    """Whether ``path`` is the bundled file that ``bundled()`` locates."""
    if path is None:
        return False
    try:
        return Path(path).resolve() == Path(bundled()).resolve()
    except SeabedError:  # the bundled data are not there
        return False
