"""Declustering: weights that undo the over-representation of densely cored areas.

Cores cluster where a survey found something worth coring again, so the plain mean of
the composites is biased towards those places (usually high). Two classical weights
correct the global statistics:

- **cell declustering** (Journel 1983; GSLIB ``declus``): a grid of cells of side
  ``c`` is laid over the samples; each sample weighs ``1 / (n_cell * n_occupied)``,
  ``n_cell`` being the samples in its cell, so that every occupied cell counts the
  same. The weights are averaged over several origins of the grid (so that the result
  does not hang on one arbitrary origin), and the cell size is chosen where the
  declustered mean is lowest (clustering in high grades, the usual case) or highest
  (clustering in low grades);
- **polygonal (nearest-neighbour) weights**: each sample weighs the share of the
  domain closer to it than to any other sample, here measured on the nodes of a grid
  covering the domain (the estimation grid, with each node's area). It needs the
  domain, and is used as a check of the cell-declustered mean.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> sparse = rng.uniform(0, 10_000, size=(40, 2))      # one core per ~2.5 km2
>>> cluster = rng.normal(2_000, 150, size=(40, 2))      # re-cored rich spot
>>> X = np.vstack([sparse, cluster])
>>> y = np.r_[np.full(40, 900.0), np.full(40, 1500.0)]
>>> result = cell_declustering(X, y)
>>> round(float(y.mean())), bool(result.mean_ < 1000.0)
(1200, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from seabed.exceptions import ConfigError, InputError

__all__ = [
    "DeclusteringResult",
    "cell_declustering",
    "cell_weights",
    "polygonal_weights",
    "weighted_quantiles",
    "weighted_statistics",
]

#: Grid origins averaged per cell size (offsets along the diagonal, as GSLIB does).
_OFFSETS = 10


@dataclass
class DeclusteringResult:
    """Cell-declustering weights and how the cell size was chosen.

    Attributes
    ----------
    weights_ : ndarray
        One weight per sample, summing to 1.
    cell_size_ : float
        The chosen cell side (metres); 0 when no cell size changes the mean.
    mean_ : float
        The declustered mean, ``sum(weights_ * y)``.
    naive_mean_ : float
        The plain mean of the samples.
    by_cell_size_ : pandas.DataFrame
        ``cell_size_m`` and ``declustered_mean`` for every size tried (the curve a
        geologist reads to see how stable the choice is).
    objective : str
        ``"min"`` (clustering in high values) or ``"max"``.
    """

    weights_: NDArray[np.float64]
    cell_size_: float
    mean_: float
    naive_mean_: float
    by_cell_size_: pd.DataFrame = field(repr=False)
    objective: str = "min"


def cell_declustering(
    X: ArrayLike,
    y: ArrayLike,
    *,
    cell_sizes: ArrayLike | None = None,
    objective: Literal["min", "max"] = "min",
    n_offsets: int = _OFFSETS,
) -> DeclusteringResult:
    """Cell-declustering weights, with the cell size that minimises (or maximises)
    the declustered mean.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Sample positions in metres (projected).
    y : array-like of shape (n,)
        Sample values.
    cell_sizes : array-like, optional
        Cell sides to try (metres). Default: 25 sizes from a fiftieth to a half of
        the longer side of the samples' extent.
    objective : {"min", "max"}
        Pick the size with the lowest declustered mean (the samples are clustered in
        high values, the usual case) or the highest.
    n_offsets : int
        Grid origins averaged per size.

    Returns
    -------
    DeclusteringResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [5000.0, 5000.0], [9000.0, 1000.0]])
    >>> result = cell_declustering(X, [2.0, 2.0, 1.0, 1.0], cell_sizes=[1000.0])
    >>> result.weights_.round(3).tolist()                # the pair shares one cell
    [0.167, 0.167, 0.333, 0.333]
    >>> round(result.mean_, 4)
    1.3333
    """
    points, values = _checked(X, y)
    if objective not in ("min", "max"):
        raise ConfigError(
            f"objective must be 'min' or 'max', not {objective!r}", column="objective"
        )
    if n_offsets < 1:
        raise ConfigError("n_offsets must be at least 1", column="n_offsets")
    extent = float(np.ptp(points, axis=0).max())
    sizes = (
        np.linspace(extent / 50, extent / 2, 25)
        if cell_sizes is None
        else np.asarray(cell_sizes, dtype=float)
    )
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise ConfigError(
            "cell sizes must be positive and finite (metres)", column="cell_sizes"
        )
    naive = float(values.mean())
    weights = [np.full(values.size, 1.0 / values.size)]
    means = [naive]
    for size in sizes:
        w = _cell_weights(points, float(size), n_offsets)
        weights.append(w)
        means.append(float(w @ values))
    chosen = int(np.argmin(means) if objective == "min" else np.argmax(means))
    table = pd.DataFrame(
        {"cell_size_m": np.r_[0.0, sizes], "declustered_mean": np.array(means)}
    )
    return DeclusteringResult(
        weights_=weights[chosen],
        cell_size_=float(table["cell_size_m"].iloc[chosen]),
        mean_=means[chosen],
        naive_mean_=naive,
        by_cell_size_=table,
        objective=objective,
    )


def cell_weights(
    X: ArrayLike, cell_size: float, *, n_offsets: int = _OFFSETS
) -> NDArray[np.float64]:
    """Cell-declustering weights for one given cell size, whatever the values.

    Each occupied cell gets an equal share, split equally among its samples,
    averaged over ``n_offsets`` grid origins. Unlike :func:`cell_declustering`, the
    size is not chosen from the values, so the weights cannot bias the mean
    towards low (or high) values.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Sample positions in metres (projected).
    cell_size : float
        Cell side, metres.
    n_offsets : int
        Grid origins averaged.

    Returns
    -------
    ndarray of shape (n,)
        Weights summing to 1.

    Examples
    --------
    >>> X = [[0.0, 0.0], [10.0, 0.0], [5000.0, 5000.0], [9000.0, 1000.0]]
    >>> cell_weights(X, 1000.0).round(3).tolist()        # the pair shares one cell
    [0.167, 0.167, 0.333, 0.333]
    """
    points = np.asarray(X, dtype=float)
    if not (np.isfinite(cell_size) and cell_size > 0):
        raise ConfigError(
            "the cell size must be positive and finite (metres)", column="cell_size"
        )
    return _cell_weights(points, float(cell_size), n_offsets)


def _cell_weights(
    points: NDArray[np.float64], size: float, n_offsets: int
) -> NDArray[np.float64]:
    origin = points.min(axis=0)
    total = np.zeros(len(points))
    for k in range(n_offsets):
        shift = size * k / n_offsets  # origins along the diagonal of one cell
        cells = np.floor((points - origin + shift) / size).astype(np.int64)
        _, cell_of, counts = np.unique(
            cells, axis=0, return_inverse=True, return_counts=True
        )
        total += 1.0 / (counts[cell_of.ravel()] * len(counts))
    return total / total.sum()


def polygonal_weights(
    X: ArrayLike,
    nodes: ArrayLike,
    node_weights: ArrayLike | None = None,
    *,
    normalize: bool = True,
) -> NDArray[np.float64]:
    """Nearest-neighbour (polygonal) declustering weights, measured on grid nodes.

    Each node of the domain goes to its nearest sample (ties to the lower index), and
    a sample's weight is the share of the domain's weight its nodes hold: with the
    cells' available areas as ``node_weights``, the share of the available area
    closer to that sample than to any other.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Sample positions.
    nodes : array-like of shape (m, 2)
        Nodes covering the domain (cell centres), in the samples' CRS.
    node_weights : array-like of shape (m,), optional
        Each node's share of the domain (e.g. available area); default: equal.
    normalize : bool
        Divide by the total (weights summing to 1); False gives the node weights
        summed per sample, which add up over parts of a domain.

    Returns
    -------
    ndarray of shape (n,)
        Weights summing to 1 (0 for a sample no node is nearest to).

    Examples
    --------
    >>> import numpy as np
    >>> nodes = np.column_stack([np.arange(10.0) + 0.5, np.zeros(10)])
    >>> polygonal_weights([[1.0, 0.0], [2.0, 0.0], [8.0, 0.0]], nodes).tolist()
    [0.2, 0.3, 0.5]
    """
    points = _positions(X, "X")
    grid = np.asarray(nodes, dtype=float).reshape(-1, 2)
    if len(grid):
        grid = _positions(grid, "nodes")
    share = (
        np.ones(len(grid))
        if node_weights is None
        else np.asarray(node_weights, dtype=float).ravel()
    )
    if (
        share.shape != (len(grid),)
        or not np.all(np.isfinite(share))
        or (share < 0).any()
    ):
        raise InputError(
            "node_weights must hold one finite, non-negative weight per node",
            column="node_weights",
        )
    weights: NDArray[np.float64] = np.zeros(len(points))
    if len(grid):
        _, nearest = cKDTree(points).query(grid, k=1)
        weights = np.bincount(nearest, weights=share, minlength=len(points)).astype(
            float
        )
    if not normalize:
        return np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        raise InputError("the domain has no weight (every node weighs 0)")
    return np.asarray(weights / weights.sum(), dtype=float)


def weighted_statistics(values: ArrayLike, weights: ArrayLike) -> dict[str, float]:
    """Mean, standard deviation, coefficient of variation and quantiles of weighted
    values (quantiles from the weighted empirical distribution, midpoint rule).

    Examples
    --------
    >>> stats = weighted_statistics([1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4])
    >>> stats["mean"], round(stats["p50"], 3)
    (3.0, 3.143)
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    w = w / w.sum()
    mean = float(w @ v)
    std = float(np.sqrt(w @ (v - mean) ** 2))
    levels = (10, 25, 50, 75, 90)
    values_at = weighted_quantiles(v, w, np.array(levels) / 100)
    quantiles = {f"p{q}": float(x) for q, x in zip(levels, values_at)}
    return {
        "n": float(v.size),
        "mean": mean,
        "std": std,
        "cv": std / mean if mean else float("nan"),
        "min": float(v.min()),
        **quantiles,
        "max": float(v.max()),
    }


def weighted_quantiles(
    values: ArrayLike, weights: ArrayLike, q: ArrayLike
) -> NDArray[np.float64]:
    """Quantiles ``q`` (in [0, 1]) of weighted values: the weighted empirical
    distribution, each value at the middle of its weight (midpoint rule).

    Examples
    --------
    >>> weighted_quantiles([1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4], [0.5]).round(3)
    array([3.143])
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    order = np.argsort(v, kind="stable")
    cdf = (np.cumsum(w[order]) - w[order] / 2) / w.sum()
    return np.interp(np.asarray(q, dtype=float), cdf, v[order])


def _positions(X: ArrayLike, name: str) -> NDArray[np.float64]:
    points = np.asarray(X, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise InputError(f"{name} must be (n, 2) coordinates", column=name)
    if not np.all(np.isfinite(points)):
        raise InputError(f"{name} holds coordinates that are not finite", column=name)
    return points


def _checked(
    X: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    points = _positions(X, "X")
    values = np.asarray(y, dtype=float).ravel()
    if values.shape != (len(points),):
        raise InputError(
            f"y has {values.size} values for {len(points)} positions", column="y"
        )
    if not np.all(np.isfinite(values)):
        raise InputError("y holds values that are not finite", column="y")
    return points, values
