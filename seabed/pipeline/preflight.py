"""Pre-flight checks: refuse a run that cannot finish before it starts.

A run that dies at 90 % for want of memory, disk or a writable folder is a lost day.
These checks run once the grid is known and before anything is estimated:

- :func:`check_output_folder`: the output folder can be created and written to;
- :func:`estimate_footprint`: the peak memory and the disk a run will need, from the
  grid's size, the tile size and the kriging neighbourhood;
- :func:`check_footprint`: compare it with what the machine has, and refuse with the
  numbers and what to change;
- :func:`check_settings`: the settings whose cost grows without the grid's size
  (the grade-tonnage curve's steps, the realisations of a simulation, a minimum
  of neighbours above the number of cores).

The maps of the report are drawn from at most ``seabed.chunks.MAX_MAP_CELLS``
cells a side whatever the grid, so the report's figures need no check; its tables
grow with the curve's steps, the cut-offs (at most 100, a configuration limit) and
the report zones, which are checked.

The memory model is deliberately simple and errs on the high side: each tile in
flight holds its nodes' coordinates, candidate neighbours and results; the finished
grids (every estimated and derived layer) are held whole for the statements.

Examples
--------
>>> footprint = estimate_footprint(2000, 3000, tile_size=256, n_neighbors=32,
...                                n_outputs=20, n_workers=2)
>>> footprint.n_cells, footprint.tile_memory_bytes < footprint.grid_memory_bytes
(6000000, True)
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil

from seabed.config import Config
from seabed.exceptions import ConfigError, InputError

__all__ = [
    "MAX_CURVE_STEPS",
    "MAX_REPORT_ROWS",
    "MAX_SIMULATED_VALUES",
    "Footprint",
    "check_footprint",
    "check_output_folder",
    "check_settings",
    "estimate_footprint",
]

#: Most cut-offs of a grade-tonnage curve: its table, CSV and chart grow with
#: them, and 100,000 steps already resolve a 5,000 ppm range to 0.05 ppm.
MAX_CURVE_STEPS = 100_000
#: Most rows of the statement by report zone (zones x cut-offs): the report
#: shows them all.
MAX_REPORT_ROWS = 20_000
#: Most simulated cell values of a conditional simulation (realisations x cells):
#: each is a kriging solve, and 10^9 of them take hours on a workstation.
MAX_SIMULATED_VALUES = 10**9

_FLOAT_BYTES = 8
#: Grids held whole besides the grades (cell area, thickness, tonnage per element
#: and oxide, coverage, classes, copies made on the way to the files and figures),
#: in float64 layers. Measured: peak RSS grew by 1,270 bytes per cell (28 grades)
#: from 222,000 to 888,000 cells on the Takaya box, i.e. about 159 layers in all.
DERIVED_LAYERS = 140
#: Layers of the result dataset (``result.nc``) besides the estimated grades and
#: their deviation: tonnes of ore, REY, TREO and each oxide, thickness, coverage and
#: exclusion fractions, cell area, lon/lat, class (a run with 15 elements and 10
#: slices holds 66 layers in all, 29 of them grades and the deviation).
DATASET_LAYERS = 40
#: Layers written as GeoTIFF (float32), with overviews adding about a third.
WRITTEN_LAYERS = 7
_OVERVIEW_FACTOR = 4 / 3
#: Kriging keeps a cache of factored systems per call (seabed.geostats.kriging).
_KRIGING_CACHE_BYTES = 64 * 2**20
#: Headroom kept free: the interpreter, libraries and the operating system.
SAFETY_FRACTION = 0.8


@dataclass(frozen=True)
class Footprint:
    """What a run needs: cells, memory at the peak, disk for the outputs (bytes)."""

    n_cells: int
    tile_memory_bytes: int
    grid_memory_bytes: int
    disk_bytes: int

    @property
    def peak_memory_bytes(self) -> int:
        """Tiles in flight plus the finished grids."""
        return self.tile_memory_bytes + self.grid_memory_bytes


def estimate_footprint(
    n_rows: int,
    n_cols: int,
    *,
    tile_size: int,
    n_neighbors: int,
    n_outputs: int,
    n_workers: int = 1,
    keeps_tiles: bool = False,
    held_rows: int | None = None,
    writes_dataset: bool = False,
) -> Footprint:
    """Estimate the peak memory and the disk of a run over an ``n_rows x n_cols`` grid.

    Parameters
    ----------
    n_rows, n_cols : int
        Cells of the grid along y and x.
    tile_size : int
        Cells per tile side.
    n_neighbors : int
        Samples in each node's kriging neighbourhood.
    n_outputs : int
        Grades estimated at once (window grades, elements, slices, the deviation).
    n_workers : int
        Tiles computed at the same time in this process (threads); 0 when a
        cluster's workers compute them.
    keeps_tiles : bool
        Finished tiles are kept on disk until the run succeeds (resumable runs).
    held_rows : int, optional
        Rows of the grid whose every layer is held in memory at once (a block of
        rows of a large run); None: the whole grid.
    writes_dataset : bool
        The result dataset (``result.nc`` or ``result.zarr``) is written: its
        float64 layers are counted uncompressed (compression usually halves them).

    Returns
    -------
    Footprint

    Examples
    --------
    >>> small = estimate_footprint(100, 100, tile_size=64, n_neighbors=32, n_outputs=4)
    >>> big = estimate_footprint(10_000, 10_000, tile_size=64, n_neighbors=32,
    ...                          n_outputs=4)
    >>> small.tile_memory_bytes == big.tile_memory_bytes  # bounded by the tile
    True
    >>> round(big.disk_bytes / 1e9, 1)  # GB of GeoTIFF at most
    3.7
    """
    n_cells = n_rows * n_cols
    nodes = min(tile_size, n_rows) * min(tile_size, n_cols)
    # per node: 2 coordinates, candidate neighbour indices, outputs twice (the
    # estimator's result and the stacked tile), variance, counters
    per_node = _FLOAT_BYTES * (2 + n_neighbors + 2 * (n_outputs + 1) + 3)
    tile = n_workers * (nodes * per_node + _KRIGING_CACHE_BYTES)
    # the assembled result, then every layer of the dataset, of the rows held
    held = n_cells if held_rows is None else min(held_rows, n_rows) * n_cols
    grid = held * _FLOAT_BYTES * (n_outputs + 1 + DERIVED_LAYERS)
    disk = int(n_cells * 4 * WRITTEN_LAYERS * _OVERVIEW_FACTOR)
    if keeps_tiles:
        disk += n_cells * _FLOAT_BYTES * (n_outputs + 1)
    if writes_dataset:
        disk += n_cells * _FLOAT_BYTES * (n_outputs + 1 + DATASET_LAYERS)
    return Footprint(n_cells, tile, grid, disk)


def check_footprint(
    footprint: Footprint,
    out_dir: str | os.PathLike[str],
    *,
    available_memory_bytes: int | None = None,
    free_disk_bytes: int | None = None,
    grid_fix: tuple[str, str] | None = None,
    tile_fix: tuple[str, str] | None = None,
) -> None:
    """Refuse a run that does not fit in memory or on disk.

    Parameters
    ----------
    footprint : Footprint
        What the run needs (:func:`estimate_footprint`).
    out_dir : path
        The output folder (its disk is checked; it may not exist yet).
    available_memory_bytes, free_disk_bytes : int, optional
        The budget; by default what the machine has now (``psutil``) and the free
        space on the output folder's disk.
    grid_fix, tile_fix : (str, str), optional
        The setting to name, and what to do, when the grids (``grid_fix``) or the
        tiles in flight (``tile_fix``) make the run too large; by default
        ``grid.resolution_m`` and the tile size.

    Raises
    ------
    ConfigError
        When memory is short (the grid or the tiles are too big for it).
    InputError
        When disk is short. Both name what is needed, what is available, and what
        to change.

    Examples
    --------
    >>> need = estimate_footprint(4000, 4000, tile_size=256, n_neighbors=32,
    ...                           n_outputs=20)
    >>> check_footprint(need, ".", available_memory_bytes=2**30)
    Traceback (most recent call last):
    ...
    seabed.exceptions.ConfigError: key 'grid.resolution_m': the run needs about ... GB of memory ...
    """
    if available_memory_bytes is None:
        available_memory_bytes = psutil.virtual_memory().available
    if free_disk_bytes is None:
        free_disk_bytes = shutil.disk_usage(_existing_ancestor(Path(out_dir))).free
    memory_budget = SAFETY_FRACTION * available_memory_bytes
    if footprint.peak_memory_bytes > memory_budget:
        shrink = (footprint.peak_memory_bytes / memory_budget) ** 0.5
        if footprint.tile_memory_bytes > footprint.grid_memory_bytes:
            key, fix = tile_fix or (
                "dask.tile_size",
                "use a smaller tile size (--tile-size or dask.tile_size)",
            )
        else:
            key, fix = grid_fix or (
                "grid.resolution_m",
                f"coarsen grid.resolution_m by a factor of {shrink:.2g} or more, "
                "or split the area into several runs",
            )
        raise ConfigError(
            f"the run needs about {_size(footprint.peak_memory_bytes)} of memory "
            f"({footprint.n_cells:,} cells: {_size(footprint.grid_memory_bytes)} of "
            f"grids, {_size(footprint.tile_memory_bytes)} of tiles in flight) but "
            f"only {_size(available_memory_bytes)} is available",
            column=key,
            hint=fix,
        )
    if footprint.disk_bytes > free_disk_bytes:
        raise InputError(
            f"the outputs need up to {_size(footprint.disk_bytes)} of disk "
            f"({footprint.n_cells:,} cells) but only {_size(free_disk_bytes)} is free",
            path=out_dir,
            hint="free some space, write elsewhere (--out), coarsen "
            'grid.resolution_m, or leave out the result dataset (output.dataset = "none")',
        )


def check_settings(
    config: Config,
    *,
    n_cores: int,
    n_cells: int,
    highest_ppm: float,
    n_report_zones: int = 0,
) -> None:
    """Refuse settings that make a run endless or too large for its data.

    Parameters
    ----------
    config : Config
        The run's configuration.
    n_cores : int
        Cores that enter the estimate.
    n_cells : int
        Cells of the grid.
    highest_ppm : float
        The highest composite grade (total REY): the grade-tonnage curve runs
        from 0 to about there.
    n_report_zones : int
        Zones the statement is broken down by (``inputs.report_zones``): the
        report and the zones table have a row per zone and cut-off.

    Raises
    ------
    ConfigError
        Naming the setting to change and the figures.

    Examples
    --------
    >>> from seabed.config import Config
    >>> config = Config.model_validate({
    ...     "inputs": {"cores": "cores.csv"},
    ...     "resource": {"grade_tonnage_step_ppm": 0.1}})
    >>> check_settings(config, n_cores=50, n_cells=10_000, highest_ppm=20_000.0)
    Traceback (most recent call last):
    ...
    seabed.exceptions.ConfigError: key 'resource.grade_tonnage_step_ppm': the grade-tonnage curve would have 200,001 steps ...
    """
    est = config.estimate
    if est.min_neighbors > n_cores:
        raise ConfigError(
            f"estimate.min_neighbors is {est.min_neighbors} but only {n_cores} "
            "cores enter the estimate: no cell could be estimated",
            column="estimate.min_neighbors",
            hint=f"set it to {n_cores} or fewer",
        )
    step = config.resource.grade_tonnage_step_ppm
    steps = math.floor(highest_ppm / step) + 1
    if steps > MAX_CURVE_STEPS:
        raise ConfigError(
            f"the grade-tonnage curve would have {steps:,} steps (0 to "
            f"{highest_ppm:,.0f} ppm every {step:g} ppm; at most "
            f"{MAX_CURVE_STEPS:,})",
            column="resource.grade_tonnage_step_ppm",
            hint=f"use a step of {math.ceil(highest_ppm / MAX_CURVE_STEPS * 10) / 10:g}"
            " ppm or more",
        )
    rows = n_report_zones * len(config.resource.cutoffs_ppm)
    if rows > MAX_REPORT_ROWS:
        raise ConfigError(
            f"{n_report_zones:,} report zones x {len(config.resource.cutoffs_ppm)} "
            f"cut-offs make {rows:,} rows of statement (at most {MAX_REPORT_ROWS:,}) "
            "for the report and zones.csv",
            column="inputs.report_zones",
            hint="merge the zones into fewer (dissolve by a coarser name column) or "
            "give fewer cut-offs (resource.cutoffs_ppm)",
        )
    if config.simulation is not None:
        values = config.simulation.realizations * n_cells
        if values > MAX_SIMULATED_VALUES:
            most = max(1, MAX_SIMULATED_VALUES // n_cells)
            raise ConfigError(
                f"{config.simulation.realizations:,} realisations of {n_cells:,} "
                f"cells are {values:,} simulated values (at most "
                f"{MAX_SIMULATED_VALUES:,}): the run would not finish",
                column="simulation.realizations",
                hint=f"use {most:,} realisations or fewer, or coarser cells "
                "(grid.resolution_m)",
            )


def check_output_folder(out_dir: str | os.PathLike[str]) -> None:
    """Refuse an output folder that cannot be created or written to.

    Nothing is created: the folder, or the nearest folder above it that exists, must
    be a writable folder, and nothing on the way may be a file.

    Raises
    ------
    InputError
        Naming the folder and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> here = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_folder(here / "new" / "out")  # fine: it will be created
    >>> (here / "notes.txt").write_text("x")
    1
    >>> check_output_folder(here / "notes.txt" / "out")
    Traceback (most recent call last):
    ...
    seabed.exceptions.InputError: .../notes.txt/out: the output folder cannot be created: .../notes.txt is a file; ...
    """
    target = Path(out_dir)
    hint = "choose another folder with --out or output.dir"
    if target.exists() and not target.is_dir():
        raise InputError("the output folder is a file", path=target, hint=hint)
    if target.is_symlink() and not target.exists():
        raise InputError(
            "the output folder is a broken symbolic link", path=target, hint=hint
        )
    existing = _existing_ancestor(target)
    if not existing.is_dir():
        raise InputError(
            f"the output folder cannot be created: {existing} is a file",
            path=target,
            hint=hint,
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"the output folder cannot be written to ({existing} is read-only)",
            path=target,
            hint=hint,
        )


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _size(n_bytes: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} TB"
