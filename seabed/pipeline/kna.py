"""Kriging neighbourhood analysis of a run's configuration (``seabed kna``).

The analysis itself is :mod:`seabed.geostats.kna`; here it gets the run's
estimator, composites and grid: a seeded sample of ``kna.cells`` grid cells, the
numbers of neighbours of ``kna.n_neighbors``, the radii of ``kna.radii_m`` (the
run's ``estimate.max_distance_m`` when empty) and the block sizes of
``kna.block_sizes_m`` (the run's support when empty). :func:`neighbourhood_record`
is what ``resource.json`` and the report show; :func:`run_kna` runs it alone and
writes ``kna.html`` and ``kna.json``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seabed.config import Config
from seabed.estimation.models import make_estimator, project
from seabed.exceptions import ConfigError, SeabedError
from seabed.geostats.kna import (
    RULE,
    kna_table,
    neighbourhood_analysis,
    recommend_neighbourhood,
)
from seabed.outputs.report_files import write_kna
from seabed.pipeline.inputs import build_grid, read_inputs, select_composites

__all__ = [
    "kna_cells",
    "kna_for_run",
    "neighbourhood_record",
    "run_kna",
]


def kna_cells(frame: xr.Dataset, n: int, seed: int) -> np.ndarray:
    """Centres of ``n`` grid cells drawn without replacement (seeded), in the
    grid's row-major order.

    Examples
    --------
    >>> frame = xr.Dataset(coords={"x": [0.0, 1.0, 2.0], "y": [5.0, 4.0]})
    >>> kna_cells(frame, 2, seed=0).shape
    (2, 2)
    """
    nx, ny = frame.sizes["x"], frame.sizes["y"]
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(nx * ny, size=min(n, nx * ny), replace=False))
    rows, columns = np.divmod(chosen, nx)
    return np.column_stack([frame["x"].values[columns], frame["y"].values[rows]])


def neighbourhood_record(
    config: Config,
    estimator: Any,
    X: np.ndarray,
    y: np.ndarray,
    frame: xr.Dataset,
) -> dict[str, Any]:
    """The analysis of the run's search, JSON-ready.

    Returns
    -------
    dict
        ``table`` (rows of :func:`seabed.geostats.kna.kna_table`, a radius without
        limit as None), ``recommended`` (per block size), ``current`` (the run's
        ``n_neighbors`` and radius), ``cells``, ``seed``, ``tolerance`` and
        ``rule`` in words.
    """
    kna = config.kna
    cells = kna_cells(frame, kna.cells, kna.seed)
    radii: list[float | None] = list(kna.radii_m) or [config.estimate.max_distance_m]
    if kna.block_sizes_m:
        blocks = [None if b == 0 else (b, b) for b in kna.block_sizes_m]
    else:
        side = config.grid.resolution_m
        blocks = [(side, side) if config.estimate.support == "block" else None]
    # the default numbers below min_neighbors would estimate nothing (a list the
    # user gives is checked by the configuration)
    counts = [n for n in kna.n_neighbors if n >= config.estimate.min_neighbors]
    analysis = neighbourhood_analysis(
        estimator,
        X,
        y,
        cells,
        n_neighbors=counts or [config.estimate.min_neighbors],
        radii=radii,
        block_sizes=blocks,
    )
    table = kna_table(analysis)
    picks = recommend_neighbourhood(table, tolerance=kna.tolerance)
    return {
        "cells": len(cells),
        "seed": kna.seed,
        "tolerance": kna.tolerance,
        "rule": "recommended: " + RULE.format(tolerance=kna.tolerance),
        "current": {
            "n_neighbors": config.estimate.n_neighbors,
            "radius_m": config.estimate.max_distance_m,
        },
        "variogram": analysis.attrs["variogram"],
        "table": [_finite(row) for row in table.to_dict("records")],
        "recommended": [_finite(pick) for pick in picks],
    }


def kna_for_run(
    config: Config,
    estimator: Any,
    variogram: Any,
    X: np.ndarray,
    y: np.ndarray,
    frame: xr.Dataset,
    notes: list[str],
) -> dict[str, Any] | None:
    """The analysis a run records (None with inverse distance, with
    ``kna.in_run = false``, or when it fails: then ``notes`` says why)."""
    if not config.kna.in_run or variogram is None:
        return None
    try:
        return neighbourhood_record(config, estimator, X, y, frame)
    except SeabedError as error:
        notes.append(f"the kriging neighbourhood analysis was skipped: {error}")
        return None


def run_kna(config: Config, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Read a configuration's inputs, analyse its search, write the page and table.

    Parameters
    ----------
    config : Config
        A validated configuration (kriging, not inverse distance).
    out_dir : path, optional
        Folder of ``kna.html`` and ``kna.json``; default the configuration's
        ``output.dir``.

    Returns
    -------
    dict
        :func:`neighbourhood_record`, with ``files`` (the paths written).
    """
    out = Path(out_dir) if out_dir is not None else config.output.dir
    inputs = read_inputs(config)
    used, _, _ = select_composites(config, inputs.samples)
    frame = build_grid(config, used, inputs.area)
    X = project(used, frame.rio.crs)
    y = used["rey_ppm"].to_numpy(dtype=float)
    estimator, variogram = make_estimator(config, X, y)
    if variogram is None:
        raise ConfigError(
            "the neighbourhood analysis needs kriging, not inverse-distance weighting",
            path=config.source,
            column="estimate.method",
            hint="set estimate.method to ordinary or simple",
        )
    record = neighbourhood_record(config, estimator, X, y, frame)
    record["synthetic"] = bool(inputs.samples.attrs.get("synthetic", False))
    record["files"] = [str(p) for p in write_kna(record, out)]
    return record


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """A row with inf and NaN as None (JSON has neither)."""
    return {
        key: None
        if isinstance(value, float) and not math.isfinite(value)
        else (value.item() if isinstance(value, np.generic) else value)
        for key, value in row.items()
    }
