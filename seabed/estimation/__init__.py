"""Estimation: estimators built from the configuration, and the grid estimated tile by tile."""

from seabed.estimation.models import (
    GradeModels,
    core_densities,
    dry_density,
    fit_grades,
    fit_simulation,
    grade_columns,
    make_estimator,
    predict_grades,
    project,
    slice_composites,
)
from seabed.estimation.tiles import (
    TileStore,
    checkpoint_key,
    estimate_grid,
    predict_tile,
    tile_stack,
)

__all__ = [
    "GradeModels",
    "TileStore",
    "checkpoint_key",
    "core_densities",
    "dry_density",
    "estimate_grid",
    "fit_grades",
    "fit_simulation",
    "grade_columns",
    "make_estimator",
    "predict_grades",
    "predict_tile",
    "project",
    "slice_composites",
    "tile_stack",
]
