"""Evaluate a fitted estimator over a grid, tile by tile, with dask.

The grid is cut into square tiles of ``tile_size`` cells; each tile asks the fitted
estimator for predictions at its cell centres. The estimators of
:mod:`seabed.geostats` give every node the same answer whatever the other nodes of its
call, so the result is identical for any tile size and any number of workers (tested).

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
import os
from collections.abc import Mapping, Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
import xarray as xr
from numpy.typing import NDArray

__all__ = ["estimate_grid", "predict_tile", "tile_stack"]


def predict_tile(
    y: NDArray[np.float64],
    x: NDArray[np.float64],
    *,
    estimator: Any,
    n_outputs: int,
    with_std: bool,
) -> NDArray[np.float64]:
    """Predictions at the centres of one tile, stacked as (n_outputs [+ 1], ny, nx).

    The last band is the standard deviation when ``with_std`` is true.
    """
    xx, yy = np.meshgrid(x, y)
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    if with_std:
        mean, std = estimator.predict(nodes, return_std=True)
    else:
        mean, std = estimator.predict(nodes), None
    mean = np.asarray(mean, dtype=float).reshape(nodes.shape[0], n_outputs)
    bands = [mean[:, i] for i in range(n_outputs)]
    if std is not None:
        bands.append(np.asarray(std, dtype=float))
    return np.stack(bands).reshape(len(bands), y.size, x.size)


def _tiled(coordinate: NDArray[np.float64], tile_size: int) -> da.Array:
    return da.from_array(np.asarray(coordinate, dtype=float), chunks=tile_size)


def tile_stack(
    estimator: Any,
    grid: xr.Dataset,
    *,
    n_outputs: int,
    with_std: bool,
    tile_size: int,
) -> da.Array:
    """The lazy (band, y, x) predictions over a grid, one dask task per tile.

    The fitted estimator (its samples, search tree and factored systems) enters the
    graph once, as a single task that every tile depends on, so that a cluster ships
    it once to each worker rather than once with every tile.

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
    return da.blockwise(
        _predict_with,
        "kij",
        _tiled(grid["y"].values, tile_size),
        "i",
        _tiled(grid["x"].values, tile_size),
        "j",
        shared,
        None,
        new_axes={"k": n_outputs + with_std},
        dtype=float,
        concatenate=True,
        n_outputs=n_outputs,
        with_std=with_std,
    )


def _predict_with(
    y: NDArray[np.float64],
    x: NDArray[np.float64],
    estimator: Any,
    *,
    n_outputs: int,
    with_std: bool,
) -> NDArray[np.float64]:
    return predict_tile(
        y, x, estimator=estimator, n_outputs=n_outputs, with_std=with_std
    )


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

    Returns
    -------
    xarray.Dataset
        One (y, x) variable per output (and the standard deviation), on the grid.
    """
    stack = tile_stack(
        estimator,
        grid,
        n_outputs=len(outputs),
        with_std=std_name is not None,
        tile_size=tile_size,
    )
    values = _compute(stack, scheduler=scheduler, progress=progress)
    names = [*outputs, *([std_name] if std_name else [])]
    attrs = attrs or {}
    result = xr.Dataset(
        {
            name: (("y", "x"), values[i], dict(attrs.get(name, {})))
            for i, name in enumerate(names)
        },
        coords={"y": grid["y"], "x": grid["x"]},
    )
    return result


def _compute(stack: da.Array, *, scheduler: Any, progress: bool) -> NDArray[np.float64]:
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
        with dask.config.set(scheduler="threads", num_workers=os.cpu_count() or 1):
            return np.asarray(stack.compute())
