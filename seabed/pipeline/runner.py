"""The whole run, from input files to the resource statement and the files written.

:func:`run` drives the stages of the data flow (``docs/concepts.md``)::

    inputs -> composites (window, slices) -> grid -> variogram + kriging -> tiles
           -> zones and rules -> density -> tonnage -> classes -> statements -> files

Every input is read and checked before anything is computed or written
(:func:`seabed.pipeline.plan.plan_run`, which ``seabed validate`` runs too: inputs,
composites, the grid, the inputs' coverage of it, sizes), and so is the output
folder (no link in it is followed, no file seabed did not write is in the way:
:func:`seabed.outputs.folder.claim_output_folder`); the output files are written into
a staging folder that is moved into place only when the whole run has succeeded,
with a manifest, so a failed run never leaves half its files behind. The warnings
raised during a run are recorded (the ``SeabedWarning`` s go into the notes) and
issued again once it has succeeded.

The stages themselves live in their packages; this module only runs them in order,
in blocks of grid rows (:mod:`seabed.pipeline.blocks`), and hands the result to
:mod:`seabed.outputs`.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import shutil
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import xarray as xr
from threadpoolctl import threadpool_limits

from seabed import chunks
from seabed.config import Config, load_config
from seabed.estimation.models import (
    fit_change_of_support,
    fit_grades,
    fit_simulation,
    project,
)
from seabed.exceptions import ConfigError, SeabedWarning
from seabed.grid import grid_rows
from seabed.outputs import PROVENANCE_TAG, SYNTHETIC_TAG
from seabed.outputs.checkpoints import TileFolder
from seabed.outputs.cogs import _provenance_json
from seabed.outputs.dataset import (
    DATASET_FILES,
    DatasetWriter,
    EncodedBlock,
    provenance_attrs,
)
from seabed.outputs.folder import TILES_FOLDER, _digest_ahead, _staging
from seabed.outputs.writer import (
    _MapWriter,
    _opened,
    dataset_block,
    write_outputs,
)
from seabed.pipeline.blocks import (
    _account_block,
    _block_notes,
    _BlockAccount,
    _BlockContext,
    _combined,
    _combined_simulation,
    _density_record,
    _negative_grade_doubts,
    _slope_raster,
    _whole,
    _with_simulation_maps,
)
from seabed.pipeline.evidence import gather_evidence
from seabed.pipeline.inputs import rey_top_cut
from seabed.pipeline.kna import kna_for_run
from seabed.pipeline.plan import errors_name, plan_run
from seabed.pipeline.provenance import provenance
from seabed.pipeline.records import (
    assumptions,
    class_doubts,
    coverage_doubts,
    recoverable_doubts,
    recoverable_notes,
    recoverable_record,
)
from seabed.pipeline.validation import lattice_step, validation_summary
from seabed.resource.uncertainty import few_realizations_doubt
from seabed.result import SYNTHETIC_NOTICE, RunResult
from seabed.schedulers import check_scheduler_address, scheduler_from_file
from seabed.zones import include_within_area

__all__ = [
    "run",
]


# --------------------------------------------------------------------------- run
def run(
    config: Config | str | os.PathLike[str] | Mapping[str, Any],
    *,
    out_dir: str | Path | None = None,
    tile_size: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    keep_cells: bool | None = None,
) -> RunResult:
    """Run the whole pipeline and write its files.

    The grid is estimated and accounted for in blocks of whole rows
    (:data:`BLOCK_CELLS` cells each), whose tables are added up at the end and
    whose maps are written as they finish, so the memory of a run is bounded by a
    block, not by the grid.

    Parameters
    ----------
    config : Config, str, path-like or mapping
        A validated configuration (:func:`load_config` or :func:`demo_config`),
        the path of a TOML configuration file, or its tables as a mapping (read
        by :func:`load_config`: relative paths in a mapping are relative to the
        current directory).
    out_dir : path, optional
        Output folder; defaults to the configuration's ``output.dir``.
    tile_size : int, optional
        Cells per tile side; defaults to the configuration's ``dask.tile_size``.
    scheduler : str, optional
        Address of a dask.distributed scheduler; defaults to the configuration's
        (``dask.scheduler``, or the address in ``dask.scheduler_file``), and
        to local threads when neither is given.
    progress : bool
        Show progress bars.
    keep_cells : bool, optional
        Keep every variable of every cell in ``RunResult.dataset`` (True), or only
        the written maps, opened lazily from the output folder (False). Default:
        keep them for grids of at most :data:`IN_MEMORY_CELLS` cells.

    Returns
    -------
    RunResult

    Raises
    ------
    InputError
        For a problem in the configuration or the inputs (a
        :class:`~seabed.exceptions.ConfigError` for the configuration's first
        problem: :func:`validate` lists them all), named in one line.

    Examples
    --------
    >>> import seabed
    >>> seabed.run({"inputs": {"cores": "no-such-cores.csv"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    seabed.exceptions.InputError: /.../no-such-cores.csv: file not found; ...

    A file or a mapping is read with :func:`load_config`, so
    ``seabed.run("survey.toml")`` and ``seabed.run(seabed.load_config("survey.toml"))``
    are the same run.
    """
    if not isinstance(config, Config):
        config = load_config(config)
    # GDAL's block cache held small: by default it takes up to 5 % of the
    # machine's memory, filled by the tiles of the maps read and written; the
    # BLAS and OpenMP pools within the cores [dask] workers gives the run
    with (
        errors_name(config.source),
        rasterio.Env(GDAL_CACHEMAX=chunks.GDAL_CACHE_BYTES),
        threadpool_limits(limits=config.dask.workers),
    ):
        # every warning of the run is recorded (the SeabedWarnings go into the
        # notes), then issued again once it has succeeded, each message once
        with warnings.catch_warnings(record=True) as caught:
            result = _run(
                config,
                out_dir=out_dir,
                tile_size=tile_size,
                scheduler=scheduler,
                progress=progress,
                keep_cells=keep_cells,
                caught=caught,
            )
        _warn_again(caught)
        return result


def _warning_notes(
    caught: list[warnings.WarningMessage], notes: list[str]
) -> list[str]:
    """The messages of the SeabedWarnings raised so far that the notes do not hold,
    each once, one line each."""
    found: list[str] = []
    for message in caught:
        if issubclass(message.category, SeabedWarning):
            text = " ".join(str(message.message).split())
            if text not in notes and text not in found:
                found.append(text)
    return found


def _warn_again(caught: list[warnings.WarningMessage]) -> None:
    """Issue the recorded warnings again (each message once), where the caller's
    filters and display apply (the command line prints ``warning: ...``)."""
    seen: set[tuple[type[Warning], str]] = set()
    for message in caught:
        key = (message.category, str(message.message))
        if key in seen:
            continue
        seen.add(key)
        warnings.warn_explicit(
            message.message, message.category, message.filename, message.lineno
        )


def _run(
    config: Config,
    *,
    out_dir: str | Path | None,
    tile_size: int | None,
    scheduler: str | None,
    progress: bool,
    keep_cells: bool | None,
    caught: list[warnings.WarningMessage],
) -> RunResult:
    out = Path(out_dir) if out_dir is not None else config.output.dir
    tile = tile_size or config.dask.tile_size
    address = _scheduler_address(config, scheduler)
    # every input read and checked, and the run's size, before the long part
    plan = plan_run(
        config,
        out_dir=out,
        tile_size=tile,
        local=address is None,
        keep_cells=keep_cells,
    )
    inputs, used, composites, slices, frame = (
        plan.inputs,
        plan.used,
        plan.composites,
        plan.slices,
        plan.frame,
    )
    notes: list[str] = list(plan.notes)
    n_cells = frame.sizes["y"] * frame.sizes["x"]
    keep, blocks, in_flight = plan.keep_cells, plan.blocks, plan.in_flight
    X = project(used, frame.rio.crs)
    checkpoint = TileFolder(out / TILES_FOLDER) if config.dask.resume else None
    models = fit_grades(config, used, slices, X)
    notes.extend(models.notes)
    simulation = fit_simulation(config, used, X)
    change_of_support = fit_change_of_support(config, used, X, models.variogram)
    evidence = gather_evidence(config, inputs, used, X, models, slices)
    kna = kna_for_run(
        config,
        models.estimator,
        models.variogram,
        X,
        used["rey_ppm"].to_numpy(dtype=float),
        frame,
        evidence.report_notes,
    )
    if evidence.synthetic_cores:
        notes.insert(0, SYNTHETIC_NOTICE)
    record = provenance(
        config=config.to_dict(),
        inputs=inputs.files,
        extra={
            "variogram": None
            if models.variogram is None
            else models.variogram.to_dict(),
            "estimator": repr(models.estimator),
            "tile_size": tile,
            "scheduler": address or "local threads",
            "crs": frame.rio.crs.to_string(),
            "simulation_seed": None if simulation is None else simulation.seed_,
        },
    )
    context = _BlockContext(
        config=config,
        inputs=inputs,
        used=used,
        models=models,
        simulation=simulation,
        change_of_support=change_of_support,
        slope=_slope_raster(config, inputs.bathymetry),
        X=X,
        lattice=(
            (float(frame["x"][0]), float(frame["y"][0])),
            (config.grid.resolution_m, -config.grid.resolution_m),
            lattice_step(n_cells),
        ),
        within_area=include_within_area(frame, inputs.include, inputs.area),
    )
    single = len(blocks) == 1  # then the inner steps show their own progress
    accounts: list[_BlockAccount] = []
    kept: list[xr.Dataset] = []
    with (
        _client(address) as client,
        _staging(out) as staging,
        _ContextPool(in_flight) as pool,
    ):
        map_tags: dict[str, Any] = {PROVENANCE_TAG: record}
        if evidence.synthetic_cores:
            map_tags[SYNTHETIC_TAG] = SYNTHETIC_NOTICE
        maps = _MapWriter(staging, frame, map_tags)
        data = _dataset_writer(
            config,
            staging,
            frame,
            record,
            evidence.synthetic_cores,
            block_rows=blocks[0][1] - blocks[0][0],
        )

        def account(rows: tuple[int, int]) -> _Finished:
            block, cells = _account_block(
                context,
                grid_rows(frame, *rows),
                tile_size=tile,
                client=client,
                progress=progress and single,
                checkpoint=checkpoint,
            )
            # the files' conversion and compression done here, side by side in
            # the workers; the cells themselves are dropped unless kept
            return _Finished(
                account=block,
                bands=maps.bands(cells, block.simulated),
                encoded=None
                if data is None
                else data.encode(dataset_block(cells, block.simulated), row=rows[0]),
                cells=cells if keep else None,
            )

        # blocks run side by side and are taken (written) as they finish, so
        # that no worker waits for an earlier block; their tables and cells are
        # put back in the blocks' order, so that every sum is made in that order
        done = _as_finished(pool, account, blocks, running=in_flight)
        taken: dict[int, _BlockAccount] = {}
        kept_by: dict[int, xr.Dataset] = {}
        for index, finished in _progress_over(
            done, len(blocks), progress and not single
        ):
            start = blocks[index][0]
            maps.write_bands(finished.bands, row=start)
            if data is not None and finished.encoded is not None:
                data.write_encoded(finished.encoded)
            taken[index] = finished.account
            if finished.cells is not None:
                kept_by[index] = finished.cells
            del finished
            _return_freed_memory()
        accounts.extend(taken[index] for index in sorted(taken))
        kept.extend(kept_by.pop(index) for index in sorted(kept_by))
        # result.nc closed first and hashed for the manifest meanwhile (the
        # largest file: 2.8 GB at 10^7 cells), while the maps are finished
        if data is not None:
            _digest_ahead(data.close())
        map_files = maps.close(threads=in_flight)
        for path in map_files:
            _digest_ahead(path)
        tables = _combined(accounts, config)
        density_record = _density_record(config, used, accounts)
        notes.extend(_block_notes(accounts))
        notes.extend(_warning_notes(caught, notes))
        notes.append(f"dry density: {density_record['text']}")
        if config.estimate.support == "point" and config.estimate.method != "idw":
            notes.append(
                "grades are point estimates at cell centres, not block averages"
            )
        if config.estimate.method == "regression":
            notes.append(
                "regression kriging: the standard deviation is that of the kriged "
                "residuals; the uncertainty of the covariates' trend is not in it"
            )
        dataset = _whole(kept, frame) if keep else _opened(map_files, frame)
        kept.clear()  # the blocks now live in the whole grid's dataset only
        validation, validation_notes = validation_summary(
            used=used,
            X=X,
            cross_validation=evidence.cross_validation,
            statement=tables["statement"],
            nearest_shares=np.sum([a.nearest_shares for a in accounts], axis=0),
            top_cut_ppm=rey_top_cut(config.composite.top_cut_ppm),
            variogram=models.variogram,
            variogram_fit=models.variogram_fit,
            dataset=dataset,
            slices=slices,
            slice_cross_validation=evidence.slice_cross_validation,
            slice_statement=tables.get("slices"),
        )
        doubts = [
            *plan.doubts,
            *models.doubts,
            *validation_notes,
            *class_doubts(config, frame, models.variogram),
            *coverage_doubts(tables["statement"], config),
            *recoverable_doubts(tables["recoverable"]),
            *_negative_grade_doubts(accounts),
        ]
        if simulation is not None and (
            doubt := few_realizations_doubt(simulation.n_realizations)
        ):
            doubts.append(doubt)
        # a doubt warned of before the run (the grid's CRS) is a note already
        notes.extend(doubt for doubt in doubts if doubt not in notes)
        notes.extend(recoverable_notes(config, change_of_support, simulation))
        notes.append(
            "not JORC / NI 43-101 compliant: a Competent Person has not signed this "
            "estimate"
        )
        # JSON text, as in the GeoTIFFs: netCDF and Zarr attributes hold no dicts
        dataset.attrs["provenance"] = _provenance_json(record)
        if evidence.synthetic_cores:
            dataset.attrs["synthetic"] = SYNTHETIC_NOTICE
        simulated = _combined_simulation(accounts, None if keep else dataset)
        result = RunResult(
            config=config,
            out_dir=out,
            dataset=dataset,
            composites=composites,
            variogram=models.variogram,
            provenance=record,
            dry_density_t_m3=float(density_record["dry_density_t_m3"]),
            dry_density_text=str(density_record["text"]),
            notes=notes,
            assumptions=assumptions(
                config,
                frame,
                density_record,
                models.variogram,
                inputs.area_record,
                search_pass=dataset.get("search_pass"),
            )
            | {"recoverable": recoverable_record(config, change_of_support)},
            simulation=simulated,
            validation=validation,
            doubts=doubts,
            kna=kna,
            **tables,
            **evidence.fields(),
        )
        result.tiles = {
            key: sum(a.tiles[key] for a in accounts) for key in ("total", "resumed")
        }
        result.files = write_outputs(result, staging, out)
    if not keep:  # the maps now live in the output folder
        result.dataset = _opened([out / p.name for p in map_files], frame)
        result.dataset.attrs["provenance"] = _provenance_json(record)
        if evidence.synthetic_cores:
            result.dataset.attrs["synthetic"] = SYNTHETIC_NOTICE
        if result.simulation is not None:
            result.simulation = _with_simulation_maps(result.simulation, result.dataset)
    if checkpoint is not None:  # done: nothing left to resume
        shutil.rmtree(checkpoint.root, ignore_errors=True)
    return result


def _dataset_writer(
    config: Config,
    staging: Path,
    frame: xr.Dataset,
    record: dict[str, Any],
    synthetic: bool,
    *,
    block_rows: int,
) -> DatasetWriter | None:
    """The writer of the result dataset (``[output] dataset``), or None; its
    storage chunks hold rows of one block each."""
    kind = config.output.dataset
    if kind == "none":
        return None
    attrs = provenance_attrs(record)
    if synthetic:
        attrs["synthetic"] = SYNTHETIC_NOTICE
    return DatasetWriter(
        staging / DATASET_FILES[kind],
        frame,
        kind=kind,
        attrs=attrs,
        block_rows=block_rows,
    )


@dataclass
class _Finished:
    """A block of rows as a worker hands it over: its tables, its maps and its
    dataset chunks ready to store, and its cells when the run keeps them."""

    account: _BlockAccount
    bands: dict[str, Any]
    encoded: EncodedBlock | None
    cells: xr.Dataset | None


class _ContextPool(ThreadPoolExecutor):
    """Threads that run each task in a copy of the submitting thread's context, so
    that the run's record of warnings holds where warnings are per context
    (``PYTHON_CONTEXT_AWARE_WARNINGS``, free-threaded Python)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _as_finished(
    pool: ThreadPoolExecutor,
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    running: int,
) -> Iterator[tuple[int, Any]]:
    """``(index, fn(item))`` of each item as it finishes, with at most ``running``
    items started and not yet taken: the next is started when one is taken, so
    finished blocks never pile up in memory while the writing lags behind
    (``Executor.map`` starts them all at once), and no worker waits for an
    earlier block than its own to be taken (as when they are taken in order).
    Items finishing together are taken in their order."""
    pending: dict[Future[Any], int] = {}
    queue = enumerate(items)

    def start_next() -> None:
        following = next(queue, None)
        if following is not None:
            index, item = following
            pending[pool.submit(fn, item)] = index

    for _ in range(running):
        start_next()
    while pending:
        wait(pending, return_when=FIRST_COMPLETED)
        future = min((f for f in pending if f.done()), key=pending.__getitem__)
        index = pending.pop(future)
        start_next()
        held = [future.result()]
        del future  # the block is then held by its taker only, not by this frame
        yield index, held.pop()


def _progress_over(done: Iterator[Any], total: int, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from done
        return
    from tqdm.auto import tqdm

    yield from tqdm(done, total=total, desc="blocks of rows", unit="block")


def _return_freed_memory() -> None:
    """Hand the heap's freed pages back to the system after a block (glibc keeps
    them per thread otherwise, and the resident memory creeps up block by block)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _scheduler_address(config: Config, scheduler: str | None) -> str | None:
    if scheduler is not None:
        return check_scheduler_address(scheduler)
    if config.dask.scheduler_file is not None:
        return scheduler_from_file(config.dask.scheduler_file)
    return config.dask.scheduler


@contextmanager
def _client(address: str | None) -> Iterator[Any]:
    if address is None:
        yield None
        return
    from distributed import Client

    try:
        client = Client(address, timeout="10s")
    except OSError as error:
        raise ConfigError(
            f"cannot reach the dask scheduler at {address} ({error})",
            column="dask.scheduler",
            hint="check the address, or leave it out to run locally",
        ) from None
    try:
        yield client
    finally:
        client.close()
