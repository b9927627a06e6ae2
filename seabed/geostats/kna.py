"""Kriging neighbourhood analysis: how the search changes the quality of the estimate.

For a sample of cells, each search (number of neighbours, radius) and each block
size is kriged and two measures of the estimate are kept per cell:

- the **slope of regression** of the true block grade on its estimate,
  ``cov(Z, Z*) / var(Z*)`` (1: no conditional bias; see
  :meth:`OrdinaryKriging.slope_of_regression`);
- the **kriging efficiency** ``KE = (BV - KV) / BV``, with ``BV`` the variance of
  the true grades of blocks of that size (the point variance, the sill, for point
  kriging; ``C(B, B)`` without the nugget, as gstat's block kriging, for blocks) and
  ``KV`` the kriging variance (Krige 1997). 1 is a perfect estimate, 0 no better
  than the mean, negative worse.

Both rise with the number of neighbours and level off: past the plateau more
samples cost time and smooth the estimate without making it better. The
recommended neighbourhood (:func:`recommend_neighbourhood`) is the smallest one on
the plateau: among the searches that estimate the most sample cells, the smallest
``n_neighbors`` (then the smallest radius) whose mean slope of regression is within
``tolerance`` (0.01) of the best mean slope of any search tested.

Examples
--------
>>> import numpy as np
>>> from seabed.geostats import OrdinaryKriging, Variogram
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(0, 10_000, size=(80, 2))
>>> y = rng.normal(1000, 100, size=80)
>>> vg = Variogram("spherical", psill=1.0, range=4000.0, nugget=0.1)
>>> cells = rng.uniform(2000, 8000, size=(20, 2))
>>> kna = neighbourhood_analysis(
...     OrdinaryKriging(vg), X, y, cells, n_neighbors=[4, 8, 16, 32]
... )
>>> kna["slope_of_regression"].dims
('block', 'radius', 'n_neighbors', 'cell')
>>> recommend_neighbourhood(kna)[0]["n_neighbors"] in (4, 8, 16, 32)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone

from seabed.exceptions import ConfigError
from seabed.geostats.kriging import OrdinaryKriging
from seabed.geostats.support import block_discretization
from seabed.geostats.variogram import Variogram

__all__ = [
    "PLATEAU_TOLERANCE",
    "RULE",
    "block_variance",
    "kna_table",
    "neighbourhood_analysis",
    "recommend_neighbourhood",
]

#: A search is on the plateau when its mean slope of regression and its mean
#: kriging efficiency are within this of those of the widest search.
PLATEAU_TOLERANCE = 0.01
#: The recommendation rule, in words.
RULE = (
    "the smallest n_neighbors (then the smallest radius) whose mean slope of "
    "regression and mean kriging efficiency are both within {tolerance:g} of those "
    "of the widest search (the most neighbours, then the largest radius), among "
    "the searches that estimate the most sample cells"
)


def block_variance(
    variogram: Variogram,
    block_size: float | tuple[float, float] | None,
    discretization: int | str = "gauss",
) -> float:
    """Variance of the true grades of blocks of a size (of points, without one).

    The point variance is the total sill (nugget included); a block's is the mean
    covariance within it, ``C(B, B)``, with the nugget left out as gstat's block
    kriging leaves it out of its covariances, so that the kriging efficiency
    ``(BV - KV) / BV`` compares like with like.

    Examples
    --------
    >>> vg = Variogram("spherical", psill=1.0, range=1000.0, nugget=0.2)
    >>> block_variance(vg, None)
    1.2
    >>> round(block_variance(vg, 100.0), 4)
    0.9227
    """
    if block_size is None:
        return float(variogram.covariance(0.0, 0.0))
    size = np.broadcast_to(np.asarray(block_size, dtype=float), (2,))
    disc = block_discretization((float(size[0]), float(size[1])), discretization)
    dx = disc[:, 0, None] - disc[None, :, 0]
    dy = disc[:, 1, None] - disc[None, :, 1]
    structured = variogram.covariance(dx, dy) - np.where(
        (dx == 0) & (dy == 0), variogram.nugget, 0.0
    )
    weights = disc[:, 2, None] * disc[None, :, 2]
    return float((weights * structured).sum())


def neighbourhood_analysis(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    cells: ArrayLike,
    *,
    n_neighbors: Sequence[int] = (4, 8, 12, 16, 24, 32),
    radii: Sequence[float | None] | None = None,
    block_sizes: Sequence[float | tuple[float, float] | None] | None = None,
) -> xr.Dataset:
    """Slope of regression and kriging efficiency of each search, cell by cell.

    Parameters
    ----------
    estimator : kriging estimator or Variogram
        A seabed kriging estimator (fitted or not; it is cloned, and a
        ``variogram="auto"`` is fitted once) or a :class:`Variogram`, which stands
        for :class:`OrdinaryKriging` with it.
    X : array-like of shape (n, 2)
        Sample coordinates (projected metres).
    y : array-like of shape (n,)
        Sample values.
    cells : array-like of shape (k, 2)
        Centres of the cells (or blocks) to analyse.
    n_neighbors : sequence of int
        Numbers of nearest samples to try (gstat ``nmax``).
    radii : sequence of float or None, optional
        Search radii in metres (None: no limit). Default: the estimator's
        ``max_distance``.
    block_sizes : sequence, optional
        Block sizes (a side in metres, an (east, north) pair, or None for point
        kriging). Default: the estimator's ``block_size``.

    Returns
    -------
    xarray.Dataset
        ``slope_of_regression``, ``kriging_efficiency``, ``kriging_variance`` and
        ``n_samples`` (samples used) on ``(block, radius, n_neighbors, cell)``,
        NaN (0 samples) where a search estimates nothing; ``block_variance`` on
        ``block``. Coordinates: ``block_x_m`` and ``block_y_m`` (0 for points),
        ``radius_m`` (inf: no limit), ``n_neighbors``, ``x`` and ``y`` of the
        cells.

    Raises
    ------
    ConfigError
        If the estimator has no slope of regression (inverse distance), or a
        number of neighbours is below 1.
    """
    base = _kriging(estimator)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    cells = np.asarray(cells, dtype=float).reshape(-1, 2)
    counts = sorted({int(n) for n in n_neighbors})
    if not counts or counts[0] < 1:
        raise ConfigError(
            f"n_neighbors {list(n_neighbors)} must all be at least 1",
            column="kna.n_neighbors",
            hint="give whole numbers such as [4, 8, 16, 32]",
        )
    least = int(base.get_params().get("min_neighbors", 1))
    if counts[0] < least:
        raise ConfigError(
            f"n_neighbors {counts[0]} is below the estimator's min_neighbors "
            f"({least}): that search would estimate nothing",
            column="kna.n_neighbors",
            hint=f"give numbers of neighbours of at least {least}",
        )
    if base.get_params()["variogram"] == "auto":
        base.set_params(variogram=clone(base).fit(X, y).variogram_)
    radius_list = list(radii) if radii is not None else [base.max_distance]
    block_list = list(block_sizes) if block_sizes is not None else [base.block_size]
    shape = (len(block_list), len(radius_list), len(counts), len(cells))
    out = {
        name: np.full(shape, np.nan)
        for name in ("slope_of_regression", "kriging_efficiency", "kriging_variance")
    }
    n_samples = np.zeros(shape, dtype=np.int64)
    variances = []
    for b, block in enumerate(block_list):
        bv = block_variance(base.variogram, block, base.block_discretization)
        variances.append(bv)
        for r, radius in enumerate(radius_list):
            for i, n in enumerate(counts):
                model = clone(base).set_params(
                    n_neighbors=n, max_distance=radius, block_size=block
                )
                model.fit(X, y)
                _, std, count = model.predict(cells, return_std=True, return_count=True)
                kv = np.where(count > 0, std**2, np.nan)
                out["kriging_variance"][b, r, i] = kv
                # a pure nugget's block has no variance to explain: undefined
                out["kriging_efficiency"][b, r, i] = (
                    (bv - kv) / bv if bv > 0 else np.nan
                )
                out["slope_of_regression"][b, r, i] = model.slope_of_regression(cells)
                n_samples[b, r, i] = count
    sides = np.array([_sides(block) for block in block_list]).reshape(-1, 2)
    dims = ("block", "radius", "n_neighbors", "cell")
    ds = xr.Dataset(
        {name: (dims, values) for name, values in out.items()}
        | {"n_samples": (dims, n_samples), "block_variance": ("block", variances)},
        coords={
            "block_x_m": ("block", sides[:, 0]),
            "block_y_m": ("block", sides[:, 1]),
            "radius_m": (
                "radius",
                [math.inf if r is None else float(r) for r in radius_list],
            ),
            "n_neighbors": counts,
            "x": ("cell", cells[:, 0]),
            "y": ("cell", cells[:, 1]),
        },
    )
    ds["slope_of_regression"].attrs["long_name"] = "slope of regression"
    ds["kriging_efficiency"].attrs["long_name"] = "kriging efficiency"
    ds.attrs["variogram"] = repr(base.variogram)
    return ds


def kna_table(kna: xr.Dataset) -> pd.DataFrame:
    """One row per block size, radius and number of neighbours: the spread over
    the cells of the slope of regression and the kriging efficiency.

    Columns: ``block_x_m``, ``block_y_m``, ``radius_m``, ``n_neighbors``,
    ``n_cells`` (analysed), ``n_estimated``, ``mean_samples``, then ``mean``,
    ``p10``, ``p50`` and ``min`` of ``slope`` and of ``efficiency``, over the cells
    estimated.
    """
    rows = []
    for b in range(kna.sizes["block"]):
        for r in range(kna.sizes["radius"]):
            for i, n in enumerate(kna["n_neighbors"].values):
                at = {"block": b, "radius": r, "n_neighbors": i}
                slope = kna["slope_of_regression"][at].values
                efficiency = kna["kriging_efficiency"][at].values
                done = np.isfinite(slope)
                row = {
                    "block_x_m": float(kna["block_x_m"][b]),
                    "block_y_m": float(kna["block_y_m"][b]),
                    "radius_m": float(kna["radius_m"][r]),
                    "n_neighbors": int(n),
                    "n_cells": int(slope.size),
                    "n_estimated": int(done.sum()),
                    "mean_samples": float(kna["n_samples"][at].values[done].mean())
                    if done.any()
                    else 0.0,
                }
                row |= _spread("slope", slope[done]) | _spread(
                    "efficiency", efficiency[done]
                )
                rows.append(row)
    return pd.DataFrame(rows)


def recommend_neighbourhood(
    kna: xr.Dataset | pd.DataFrame, tolerance: float = PLATEAU_TOLERANCE
) -> list[dict[str, Any]]:
    """The smallest search on the plateau, per block size.

    Among the searches that estimate the most sample cells, the plateau is the
    mean slope of regression and the mean kriging efficiency of the widest search
    (the most neighbours, then the largest radius); the recommendation is the
    smallest ``n_neighbors`` (then the smallest radius) whose mean slope and mean
    efficiency are both within ``tolerance`` of the plateau's. A slope may pass 1
    with few neighbours (ordinary kriging's weights can then over-correct), so
    the test is the distance to the plateau, not a maximum.

    Parameters
    ----------
    kna : xarray.Dataset or pandas.DataFrame
        :func:`neighbourhood_analysis`'s result, or its :func:`kna_table`.
    tolerance : float
        How far from the plateau a search may be.

    Returns
    -------
    list of dict
        Per block size: ``block_x_m``, ``block_y_m``, ``n_neighbors``,
        ``radius_m``, ``mean_slope``, ``mean_efficiency``, ``plateau_slope``,
        ``plateau_efficiency`` and ``rule`` (the rule in words).

    Examples
    --------
    >>> table = pd.DataFrame({"block_x_m": 0.0, "block_y_m": 0.0,
    ...     "radius_m": np.inf, "n_neighbors": [4, 8, 16, 32], "n_estimated": 9,
    ...     "slope_mean": [0.7, 0.85, 0.895, 0.9],
    ...     "efficiency_mean": [0.3, 0.45, 0.5, 0.505]})
    >>> recommend_neighbourhood(table)[0]["n_neighbors"]
    16
    """
    table = kna_table(kna) if isinstance(kna, xr.Dataset) else kna
    picks = []
    for (bx, by), rows in table.groupby(["block_x_m", "block_y_m"], sort=False):
        rows = rows[rows["n_estimated"] == rows["n_estimated"].max()]
        # a pure nugget has no efficiency (its block variance is nil)
        rows = rows[
            np.isfinite(rows["slope_mean"]) & np.isfinite(rows["efficiency_mean"])
        ]
        if rows.empty:
            continue
        widest = rows.sort_values(["n_neighbors", "radius_m"]).iloc[-1]
        plateau = float(widest["slope_mean"]), float(widest["efficiency_mean"])
        on_plateau = rows[
            (np.abs(rows["slope_mean"] - plateau[0]) <= tolerance)
            & (np.abs(rows["efficiency_mean"] - plateau[1]) <= tolerance)
        ]
        best = on_plateau.sort_values(["n_neighbors", "radius_m"]).iloc[0]
        picks.append(
            {
                "block_x_m": float(bx),
                "block_y_m": float(by),
                "n_neighbors": int(best["n_neighbors"]),
                "radius_m": float(best["radius_m"]),
                "mean_slope": float(best["slope_mean"]),
                "mean_efficiency": float(best["efficiency_mean"]),
                "plateau_slope": plateau[0],
                "plateau_efficiency": plateau[1],
                "rule": RULE.format(tolerance=tolerance),
            }
        )
    return picks


def _kriging(estimator: Any) -> Any:
    """A clone of the estimator to analyse (OrdinaryKriging for a Variogram)."""
    if isinstance(estimator, Variogram):
        return OrdinaryKriging(estimator)
    if not callable(getattr(estimator, "slope_of_regression", None)) or not hasattr(
        estimator, "block_size"
    ):
        raise ConfigError(
            f"{type(estimator).__name__} has no slope of regression to analyse",
            column="estimate.method",
            hint="neighbourhood analysis needs kriging (ordinary, simple)",
        )
    return clone(estimator)


def _sides(block: float | tuple[float, float] | None) -> tuple[float, float]:
    if block is None:
        return (0.0, 0.0)
    size = np.broadcast_to(np.asarray(block, dtype=float), (2,))
    return (float(size[0]), float(size[1]))


def _spread(name: str, values: NDArray[np.float64]) -> dict[str, float]:
    if values.size == 0:
        return {f"{name}_{k}": math.nan for k in ("mean", "p10", "p50", "min")}
    return {
        f"{name}_mean": float(values.mean()),
        f"{name}_p10": float(np.percentile(values, 10)),
        f"{name}_p50": float(np.percentile(values, 50)),
        f"{name}_min": float(values.min()),
    }
