"""What ``seabed run`` does before it computes anything, and ``seabed validate`` too.

:func:`plan_run` reads and checks every input, composites the window, builds the
grid's frame, checks where the inputs lie against it (:mod:`seabed.pipeline.extent`)
and whether the run fits this machine and its settings' limits
(:mod:`seabed.pipeline.preflight`). The runner starts from its :class:`Plan`; the
validation runs the very same steps and stops there, so that a configuration that
validates does not fail for a reason validation could have seen.

Nothing here writes a file.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from seabed import chunks
from seabed.composite import slice_edges
from seabed.config import Config, load_config
from seabed.config import check_config as check_config_mapping
from seabed.config.loading import read_config
from seabed.elements import REY
from seabed.estimation.models import (
    check_fittable_variograms,
    class_rules,
    core_densities,
    project,
    slice_composites,
)
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.geostats import Variogram
from seabed.outputs.folder import claim_output_folder
from seabed.outputs.writer import output_name
from seabed.pipeline.blocks import block_rows
from seabed.pipeline.extent import check_extent
from seabed.pipeline.inputs import (
    Inputs,
    build_grid,
    capped_slices,
    covariates_at_cores,
    input_problems,
    read_inputs,
    select_composites,
)
from seabed.pipeline.preflight import (
    check_footprint,
    check_output_folder,
    check_settings,
    estimate_footprint,
)
from seabed.pipeline.records import crs_doubts
from seabed.resource import smu_layout

__all__ = [
    "Plan",
    "plan_run",
    "validate",
]


@dataclass
class Plan:
    """A run's inputs, composites and grid, checked, before anything is computed."""

    inputs: Inputs
    used: pd.DataFrame
    composites: pd.DataFrame
    notes: list[str]
    slices: pd.DataFrame
    frame: xr.Dataset
    #: blocks of grid rows, and how many are worked on at once
    blocks: list[tuple[int, int]]
    in_flight: int
    #: every cell's variables kept in memory (small grids)
    keep_cells: bool
    #: doubts found before the run, warned of already (the grid's CRS)
    doubts: list[str]


def plan_run(
    config: Config,
    *,
    out_dir: Path,
    tile_size: int,
    local: bool,
    keep_cells: bool | None = None,
) -> Plan:
    """Read and check a run's inputs, build its grid, and check that it can finish.

    Parameters
    ----------
    config : Config
        The run's configuration.
    out_dir : path
        The output folder (checked, never created).
    tile_size : int
        Cells per tile side.
    local : bool
        The tiles are computed in this process (no dask cluster).
    keep_cells : bool, optional
        As :func:`seabed.pipeline.run` takes it.

    Raises
    ------
    InputError
        The first problem found, naming the file or key and the fix.
    """
    check_output_folder(out_dir)
    claim_output_folder(out_dir, writes=output_name)
    smu_layout(config.grid.resolution_m, config.resource.smu_m)  # before reading
    _check_ranged_rules(config)
    inputs = read_inputs(config)
    used, composites, notes = select_composites(config, inputs.samples)
    core_densities(config, used)  # fail before the long part if they are missing
    frame = build_grid(config, used, inputs.area)
    doubts = crs_doubts(config, frame)
    for doubt in doubts:  # validate says it too
        warnings.warn(doubt, SeabedWarning, stacklevel=2)
    check_extent(config, frame, used, inputs.rasters(), inputs.include)
    # after the extent check, which names a covariate raster that misses the grid
    used, covariate_notes = covariates_at_cores(inputs, used)
    notes.extend(covariate_notes)
    n_cells = frame.sizes["y"] * frame.sizes["x"]
    keep = n_cells <= chunks.IN_MEMORY_CELLS if keep_cells is None else keep_cells
    blocks = block_rows(frame)
    in_flight = blocks_in_flight(config, local=local, n_blocks=len(blocks))
    check_settings(
        config,
        n_cores=len(used),
        n_cells=n_cells,
        highest_ppm=float(np.nanmax(used["rey_ppm"].to_numpy(dtype=float))),
        n_report_zones=0 if inputs.report_zones is None else len(inputs.report_zones),
    )
    window = config.composite
    preflight(
        config,
        frame,
        # sizes first: slicing a window into too many slices takes long already
        n_slices=len(slice_edges(window.top_m, window.bottom_m, window.slice_m)) - 1,
        n_cores=len(used),
        tile_size=tile_size,
        local=local,
        out_dir=out_dir,
        held_rows=None if keep else in_flight * (blocks[0][1] - blocks[0][0]),
    )
    slices = capped_slices(slice_composites(config, inputs.samples, used.index), used)
    # last: the settings' own limits say more than a fit the cores cannot give
    check_fittable_variograms(config, used, project(used, frame.rio.crs))
    return Plan(
        inputs, used, composites, notes, slices, frame, blocks, in_flight, keep, doubts
    )


def _check_ranged_rules(config: Config) -> None:
    """Refuse class rules measured in variogram ranges under a pure-nugget model
    given in the configuration, which has no range (as the run would)."""
    given = config.estimate.variogram
    if given == "auto" or Variogram(**given.model_dump()).structures:
        return
    for name, rule in class_rules(config).items():
        if rule.needs_variogram:
            key = (
                "max_nearest_range"
                if rule.max_nearest_range is not None
                else "cores_within_range"
            )
            raise ConfigError(
                "a pure-nugget variogram has no range to measure distances by",
                path=config.source,
                column=f"classification.{name}.{key}",
                hint="give a variogram with a structure, or class rules in absolute "
                "terms (min_cores, min_sectors, min_slope_of_regression)",
            )


def blocks_in_flight(config: Config, *, local: bool, n_blocks: int) -> int:
    """Blocks of rows worked on at once: one per core (the accounting runs in this
    process), or two beside a cluster's workers, which compute the tiles."""
    workers = config.dask.workers or os.cpu_count() or 1
    return max(1, min(n_blocks, workers if local else 2))


def preflight(
    config: Config,
    grid: xr.Dataset,
    *,
    n_slices: int,
    n_cores: int,
    tile_size: int,
    local: bool,
    out_dir: Path,
    held_rows: int | None = None,
) -> None:
    """Refuse a run whose grids cannot fit in this machine's memory or disk.

    ``held_rows``: rows of the grid held in memory at once (a block), or None for
    the whole grid. The refusal names the setting that makes the run large: the
    slices (``composite.slice_m``) when they outnumber the grades, the
    neighbourhood (``estimate.n_neighbors``) when the tiles are large for it.
    """
    n_rows, n_cols = grid.sizes["y"], grid.sizes["x"]
    n_outputs = len(REY) + 2 + n_slices + 1  # grades, slices, deviation
    # a neighbourhood never holds more cores than there are
    n_neighbors = min(config.estimate.n_neighbors or n_cores, n_cores)
    footprint = estimate_footprint(
        n_rows,
        n_cols,
        tile_size=tile_size,
        n_neighbors=n_neighbors,
        n_outputs=n_outputs,
        # on a cluster the tiles are computed by the workers, not here
        n_workers=(os.cpu_count() or 1) if local else 0,
        keeps_tiles=config.dask.resume,
        held_rows=held_rows,
        writes_dataset=config.output.dataset != "none",
    )
    grid_fix = tile_fix = None
    if n_neighbors > 256:
        tile_fix = (
            "estimate.n_neighbors",
            f"{n_neighbors:,} neighbours per cell: use fewer (estimate.n_neighbors) "
            "or a smaller tile size (--tile-size or dask.tile_size)",
        )
    if n_slices > max(len(REY) + 3, n_neighbors):  # the slices make every layer
        window = config.composite
        grid_fix = tile_fix = (
            "composite.slice_m",
            f"the {window.top_m:g}-{window.bottom_m:g} mbsf window is cut into "
            f"{n_slices:,} slices of {window.slice_m:g} m, each a layer of every "
            "grid and tile: use thicker slices (composite.slice_m)",
        )
    check_footprint(footprint, out_dir, grid_fix=grid_fix, tile_fix=tile_fix)


def validate(
    config: Config | str | os.PathLike[str] | Mapping[str, Any],
) -> list[InputError]:
    """Every problem found in a configuration and its inputs (empty if none).

    The configuration's keys are all checked, then every input file; when those
    pass, the run's own pre-flight (:func:`plan_run`: composites, grid, coverage,
    memory, disk and settings) runs on them and its first problem is added.

    Parameters
    ----------
    config : Config, str, path-like or mapping
        A configuration (:func:`~seabed.config.load_config`), the path of its TOML
        file, or its tables as a mapping, whose relative paths are relative to
        the current directory.

    Returns
    -------
    list of InputError
        One error per problem, each one line; empty when the run can start.

    Examples
    --------
    >>> for problem in validate({"inputs": {"cores": "no-such-cores.csv"}}):
    ...     print(problem)  # doctest: +ELLIPSIS
    /.../no-such-cores.csv: file not found; ...
    """
    if not isinstance(config, Config):
        try:
            data, path = read_config(config)
        except InputError as error:
            return [error]
        problems: list[InputError] = list(check_config_mapping(data, path))
        if problems:
            return problems
        config = load_config(config)
    problems = input_problems(config)
    if problems:
        return problems
    try:
        with errors_name(config.source):
            plan_run(
                config,
                out_dir=config.output.dir,
                tile_size=config.dask.tile_size,
                local=config.dask.scheduler is None
                and config.dask.scheduler_file is None,
            )
    except InputError as error:
        problems.append(error)
    return problems


@contextmanager
def errors_name(source: Path | None) -> Iterator[None]:
    """Name the configuration file in errors raised without a file.

    A key checked deep in the run (a CRS, a variogram that cannot be fitted) names
    the key but not the file it came from: that is the configuration.
    """
    try:
        yield
    except InputError as error:
        if error.path is not None or source is None:
            raise
        raise type(error)(
            error.message,
            path=source,
            row=error.row,
            column=error.column,
            hint=error.hint,
        ) from error
