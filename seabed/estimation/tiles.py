"""Evaluate a fitted estimator over a grid, tile by tile, with dask.

The grid is cut into square tiles of ``tile_size`` cells; each tile asks the fitted
estimator for predictions at its cell centres. The estimators of
:mod:`seabed.geostats` give every node the same answer whatever the other nodes of its
call, so the result is identical for any tile size and any number of workers (tested).

The tiles run on dask's local threads or on a ``distributed.Client``; the fitted
estimator enters the task graph once, not once per tile. Given a ``checkpoint``
store (:class:`seabed.outputs.TileFolder`, any object with the methods of
:class:`TileStore`), finished tiles are saved there as they complete and read back by
a run started again after a kill, so that only the missing tiles are computed; this
module writes no file itself.

Examples
--------
>>> import numpy as np, xarray as xr
>>> from sklearn.neighbors import KNeighborsRegressor
>>> grid = xr.Dataset(coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0]})
>>> knn = KNeighborsRegressor(n_neighbors=1).fit([[0, 0], [30, 20]], [1.0, 2.0])
>>> out = estimate_grid(knn, grid, outputs=["rey_ppm"], progress=False)
>>> out["rey_ppm"].values
array([[1., 2., 2.],
       [1., 1., 2.]])
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import dask
import dask.array as da
import joblib
import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from sklearn.neighbors import BallTree, KDTree

__all__ = ["TileStore", "checkpoint_key", "estimate_grid", "predict_tile", "tile_stack"]


class TileStore(Protocol):
    """Where finished tiles are kept (:class:`seabed.outputs.TileFolder`)."""

    def subfolder(self, key: str) -> TileStore:
        """The store of one estimate, named by ``key``."""
        ...

    def load(
        self, row: int, col: int, shape: tuple[int, ...]
    ) -> NDArray[np.float64] | None:
        """The tile saved at (row, col), or None."""
        ...

    def save(self, row: int, col: int, values: NDArray[np.float64]) -> None:
        """Keep a finished tile."""
        ...

    def count(self) -> int:
        """Tiles kept so far."""
        ...


def predict_tile(
    y: NDArray[np.float64],
    x: NDArray[np.float64],
    *,
    estimator: Any,
    n_outputs: int,
    with_std: bool,
    diagnostics: Sequence[str] = (),
    covariates: Sequence[NDArray[np.float64]] = (),
) -> NDArray[np.float64]:
    """Predictions at the centres of one tile, stacked as (bands, ny, nx).

    The outputs first, then the standard deviation when ``with_std`` is true,
    then the named ``diagnostics`` of the estimator's
    ``predict(..., return_diagnostics=True)``, from the same call. The
    ``covariates`` (each ``(ny, nx)``) follow the coordinates in the estimator's
    features; a cell without a value of one of them is not estimated (NaN, and
    search pass 0).
    """
    xx, yy = np.meshgrid(x, y)
    nodes = np.column_stack(
        [xx.ravel(), yy.ravel(), *(np.ravel(c) for c in covariates)]
    )
    known = np.isfinite(nodes).all(axis=1)
    n_bands = n_outputs + with_std + len(diagnostics)
    bands = np.full((n_bands, nodes.shape[0]), np.nan)
    if "search_pass" in diagnostics:
        bands[n_outputs + with_std + list(diagnostics).index("search_pass")] = 0.0
    if known.any():
        found: dict[str, Any] = {}
        if diagnostics:
            mean, std, found = estimator.predict(
                nodes[known], return_std=True, return_diagnostics=True
            )
        elif with_std:
            mean, std = estimator.predict(nodes[known], return_std=True)
        else:
            mean, std = estimator.predict(nodes[known]), None
        mean = np.asarray(mean, dtype=float).reshape(int(known.sum()), n_outputs)
        bands[:n_outputs, known] = mean.T
        if with_std:
            bands[n_outputs, known] = np.asarray(std, dtype=float)
        for i, name in enumerate(diagnostics, start=n_outputs + with_std):
            bands[i, known] = np.asarray(found[name], dtype=float)
    return bands.reshape(n_bands, y.size, x.size)


def _tiled(coordinate: NDArray[np.float64], tile_size: int) -> da.Array:
    return da.from_array(np.asarray(coordinate, dtype=float), chunks=tile_size)


def tile_stack(
    estimator: Any,
    grid: xr.Dataset,
    *,
    n_outputs: int,
    with_std: bool,
    tile_size: int,
    checkpoint: TileStore | None = None,
    diagnostics: Sequence[str] = (),
    covariates: Sequence[str] = (),
) -> da.Array:
    """The lazy (band, y, x) predictions over a grid, one dask task per tile.

    ``covariates`` name ``(y, x)`` variables of the grid that follow the
    coordinates in the estimator's features (regression kriging, external drift).

    The fitted estimator (its samples, search tree and factored systems) enters the
    graph once, as a single task that every tile depends on, so that a cluster ships
    it once to each worker rather than once with every tile.

    With a ``checkpoint`` store, each tile is saved there as it finishes and a tile
    already there is read instead of computed: a run killed midway and started
    again computes only the missing tiles.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> grid = xr.Dataset(coords={"y": np.arange(20.0), "x": np.arange(30.0)})
    >>> knn = KNeighborsRegressor(n_neighbors=1).fit([[0, 0], [30, 20]], [1.0, 2.0])
    >>> stack = tile_stack(knn, grid, n_outputs=1, with_std=False, tile_size=8)
    >>> stack.shape, stack.numblocks
    ((1, 20, 30), (1, 3, 4))
    """
    shared = dask.delayed(estimator, traverse=False)
    ny, nx = grid.sizes["y"], grid.sizes["x"]
    return da.blockwise(
        _predict_or_resume,
        "kij",
        _tiled(grid["y"].values, tile_size),
        "i",
        da.arange(ny, chunks=tile_size),
        "i",
        _tiled(grid["x"].values, tile_size),
        "j",
        da.arange(nx, chunks=tile_size),
        "j",
        shared,
        None,
        *_covariate_tiles(grid, covariates, tile_size),
        new_axes={"k": n_outputs + with_std + len(diagnostics)},
        dtype=float,
        concatenate=True,
        align_arrays=False,  # aligned by construction; dask would warn needlessly
        n_outputs=n_outputs,
        with_std=with_std,
        checkpoint=checkpoint,
        diagnostics=tuple(diagnostics),
    )


def _covariate_tiles(
    grid: xr.Dataset, names: Sequence[str], tile_size: int
) -> list[Any]:
    """The blockwise arguments of the covariates: each array, then its indices."""
    arguments: list[Any] = []
    for name in names:
        values = np.asarray(grid[name].transpose("y", "x").values, dtype=float)
        arguments += [da.from_array(values, chunks=tile_size), "ij"]
    return arguments


def _predict_or_resume(
    y: NDArray[np.float64],
    rows: NDArray[np.int64],
    x: NDArray[np.float64],
    cols: NDArray[np.int64],
    estimator: Any,
    *covariates: NDArray[np.float64],
    n_outputs: int,
    with_std: bool,
    checkpoint: TileStore | None,
    diagnostics: tuple[str, ...],
) -> NDArray[np.float64]:
    shape = (n_outputs + with_std + len(diagnostics), y.size, x.size)
    row, col = int(rows[0]), int(cols[0])
    if checkpoint is not None:
        saved = checkpoint.load(row, col, shape)
        if saved is not None:
            return saved
    values = predict_tile(
        y,
        x,
        estimator=estimator,
        n_outputs=n_outputs,
        with_std=with_std,
        diagnostics=diagnostics,
        covariates=covariates,
    )
    if checkpoint is not None:
        checkpoint.save(row, col, values)
    return values


def checkpoint_key(
    estimator: Any,
    grid: xr.Dataset,
    *,
    n_outputs: int,
    with_std: bool,
    tile_size: int,
    diagnostics: Sequence[str] = (),
    covariates: Sequence[str] = (),
) -> str:
    """The name of one estimate's tiles, from what they depend on.

    It hashes the fitted estimator, the grid's coordinates (and covariates), the
    outputs (and diagnostics) and the tile size, so that tiles saved by a run
    with other inputs are never reused.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from sklearn.neighbors import KNeighborsRegressor
    >>> grid = xr.Dataset(coords={"y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> knn = KNeighborsRegressor(n_neighbors=1).fit([[0, 0], [30, 20]], [1.0, 2.0])
    >>> a = checkpoint_key(knn, grid, n_outputs=1, with_std=False, tile_size=8)
    >>> b = checkpoint_key(knn, grid, n_outputs=1, with_std=False, tile_size=16)
    >>> len(a), a == b
    (32, False)
    """
    key = joblib.hash(
        (
            type(estimator).__qualname__,
            _fitted_state(estimator),
            np.asarray(grid["y"].values, dtype=float),
            np.asarray(grid["x"].values, dtype=float),
            n_outputs,
            with_std,
            tile_size,
            *([tuple(diagnostics)] if diagnostics else []),
            *(np.asarray(grid[name].values, dtype=float) for name in covariates),
        )
    )
    return str(key)


def _fitted_state(estimator: Any) -> dict[str, Any]:
    """The estimator's attributes, less its search trees.

    A tree is built from the samples (which are hashed) and its buffers are not
    byte-identical from one process to the next, so hashing it would name the same
    fit differently in a restarted run. The threads (``n_jobs``) change no value,
    so a run resumed with other ``workers`` reuses the tiles.
    """
    return {
        name: value
        for name, value in sorted(vars(estimator).items())
        if not isinstance(value, cKDTree | KDTree | BallTree) and name != "n_jobs"
    }


def estimate_grid(
    estimator: Any,
    grid: xr.Dataset,
    *,
    outputs: Sequence[str],
    std_name: str | None = None,
    attrs: Mapping[str, Mapping[str, str]] | None = None,
    tile_size: int = 256,
    scheduler: Any = None,
    progress: bool = True,
    checkpoint: TileStore | None = None,
    workers: int | None = None,
    diagnostics: Mapping[str, str] | None = None,
    covariates: Sequence[str] = (),
) -> xr.Dataset:
    """Predict a fitted estimator at every cell centre of a grid.

    Parameters
    ----------
    estimator : fitted estimator
        Anything with ``predict(X)`` (and ``predict(X, return_std=True)`` when
        ``std_name`` is given), X being (n, 2) coordinates in the grid's CRS.
    grid : xarray.Dataset
        The grid, with 1-D coordinates ``x`` and ``y`` (cell centres).
    outputs : sequence of str
        Names of the estimator's outputs (columns of its ``y``), in order.
    std_name : str, optional
        Name of the standard deviation variable; no standard deviation if omitted.
    attrs : mapping, optional
        Variable name -> CF attributes (``units``, ``long_name``).
    tile_size : int
        Cells per tile side; the results do not depend on it.
    scheduler : optional
        A ``distributed.Client`` to compute on, else dask's local threads.
    progress : bool
        Show a progress bar on stderr.
    checkpoint : TileStore, optional
        Where to keep finished tiles (:class:`seabed.outputs.TileFolder`), in a
        part named by :func:`checkpoint_key`; tiles found there are reused.
    workers : int, optional
        Threads computing tiles without a ``scheduler``; default: every core. An
        estimator with ``n_jobs`` predicts each tile on the threads left when every
        worker has a tile (one on a ``scheduler``), so that the tiles stay within
        ``workers`` cores; the caller's estimator is not changed.
    diagnostics : mapping, optional
        Variable name -> name of a diagnostic of the estimator's
        ``predict(X, return_std=True, return_diagnostics=True)`` (the kriging
        estimators' search diagnostics), computed in the same call.
    covariates : sequence of str, optional
        ``(y, x)`` variables of the grid that follow the coordinates in the
        estimator's features (regression kriging, external drift); cells without
        a value of one of them are not estimated (NaN).

    Returns
    -------
    xarray.Dataset
        One (y, x) variable per output (and the standard deviation, and the
        diagnostics), on the grid.
        ``attrs["tiles"]`` and ``attrs["tiles_resumed"]`` count the tiles, and
        those read back from ``checkpoint`` rather than computed.
    """
    n_outputs, with_std = len(outputs), std_name is not None
    diagnostics = dict(diagnostics or {})
    wanted = tuple(diagnostics.values())
    store = None
    if checkpoint is not None:
        key = checkpoint_key(
            estimator,
            grid,
            n_outputs=n_outputs,
            with_std=with_std,
            tile_size=tile_size,
            diagnostics=wanted,
            covariates=covariates,
        )
        store = checkpoint.subfolder(key)
    n_tiles = math.ceil(grid.sizes["y"] / tile_size) * math.ceil(
        grid.sizes["x"] / tile_size
    )
    stack = tile_stack(
        _with_threads(estimator, _tile_threads(n_tiles, scheduler, workers)),
        grid,
        n_outputs=n_outputs,
        with_std=with_std,
        tile_size=tile_size,
        checkpoint=store,
        diagnostics=wanted,
        covariates=covariates,
    )
    resumed = 0 if store is None else store.count()
    values = _compute(stack, scheduler=scheduler, progress=progress, workers=workers)
    names = [*outputs, *([std_name] if std_name else []), *diagnostics]
    attrs = attrs or {}
    result = xr.Dataset(
        {
            name: (("y", "x"), values[i], dict(attrs.get(name, {})))
            for i, name in enumerate(names)
        },
        coords={"y": grid["y"], "x": grid["x"]},
        attrs={"tiles": math.prod(stack.numblocks), "tiles_resumed": resumed},
    )
    return result


def _tile_threads(
    n_tiles: int, scheduler: Any = None, workers: int | None = None
) -> int:
    """Threads each tile's prediction may use, so that the run stays within its
    cores: the cores left over when every worker has a tile (``workers``, default
    every core), or one on a cluster, whose workers run tiles side by side.

    Examples
    --------
    >>> _tile_threads(100, workers=2), _tile_threads(1, workers=2), _tile_threads(3, workers=8)
    (1, 2, 2)
    """
    if scheduler is not None:
        return 1
    threads = workers or os.cpu_count() or 1
    return max(1, threads // max(1, min(threads, n_tiles)))


def _with_threads(estimator: Any, threads: int) -> Any:
    """The fitted ``estimator`` predicting on at most ``threads`` threads (a
    shallow copy: the fit is shared), or itself when it has no ``n_jobs``."""
    if "n_jobs" not in getattr(estimator, "get_params", dict)():
        return estimator
    own = getattr(estimator, "n_jobs", None)
    if own is not None and 0 < own <= threads:
        return estimator
    limited = copy.copy(estimator)
    limited.n_jobs = threads
    return limited


def _compute(
    stack: da.Array, *, scheduler: Any, progress: bool, workers: int | None = None
) -> NDArray[np.float64]:
    if scheduler is not None:  # a distributed.Client
        future = scheduler.compute(stack)
        if progress:
            from distributed import progress as distributed_progress

            distributed_progress(future)
        return np.asarray(future.result())
    with contextlib.ExitStack() as stack_of_contexts:
        if progress:
            from tqdm.dask import TqdmCallback

            stack_of_contexts.enter_context(
                TqdmCallback(desc="estimating tiles", unit="task")
            )
        threads = workers or os.cpu_count() or 1
        # each tile written into its place as it finishes: no second copy of the
        # block's bands, and no concatenation after the last tile
        out = np.empty(stack.shape, dtype=stack.dtype)
        with dask.config.set(scheduler="threads", num_workers=threads):
            da.store(stack, out, lock=False)
        return out
