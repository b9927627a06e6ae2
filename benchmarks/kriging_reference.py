"""Ordinary kriging by a dense solve: the reference every tool is checked against.

Plain numpy and scipy, written for clarity rather than speed: each node's
``(k + 1) x (k + 1)`` ordinary kriging system (covariances of its ``k`` nearest
samples bordered by the unbiasedness row) is built and solved on its own, in
covariance form, with the exponential-plus-nugget model of the benchmark.

Examples
--------
>>> xy = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
>>> z = np.array([1.0, 2.0, 3.0, 4.0])
>>> mean, var = ordinary_kriging_dense(xy, z, np.array([[50.0, 50.0]]),
...                                    psill=1.0, range_m=200.0, nugget=0.0)
>>> round(float(mean[0]), 6), round(float(var[0]), 6)
(2.5, 0.272156)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

__all__ = ["exponential_covariance", "ordinary_kriging_dense"]


def exponential_covariance(
    h_m: NDArray[np.float64], psill: float, range_m: float, nugget: float
) -> NDArray[np.float64]:
    """gstat's exponential covariance: ``psill exp(-h / a)``, plus the nugget at 0.

    Examples
    --------
    >>> exponential_covariance(np.array([0.0, 10.0]), 2.0, 10.0, 0.5).round(4).tolist()
    [2.5, 0.7358]
    """
    return psill * np.exp(-h_m / range_m) + np.where(h_m == 0.0, nugget, 0.0)


def ordinary_kriging_dense(
    samples_xy: NDArray[np.float64],
    values: NDArray[np.float64],
    nodes: NDArray[np.float64],
    *,
    psill: float,
    range_m: float,
    nugget: float,
    n_neighbors: int | None = None,
    batch: int = 2000,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ordinary kriging mean and variance, one dense system per node.

    Parameters
    ----------
    samples_xy, values : ndarray
        Sample coordinates (n, 2) in metres and values (n,).
    nodes : ndarray of shape (m, 2)
        Prediction points.
    psill, range_m, nugget : float
        Exponential model in gstat's terms.
    n_neighbors : int, optional
        The k nearest samples per node; None: all samples (global kriging, one
        system shared by every node).
    batch : int
        Nodes solved per batched ``numpy.linalg.solve`` call (bounds memory).

    Returns
    -------
    mean, variance : ndarray of shape (m,)
    """
    if n_neighbors is None:
        return _global(samples_xy, values, nodes, psill, range_m, nugget)
    tree = cKDTree(samples_xy)
    mean = np.empty(len(nodes))
    var = np.empty(len(nodes))
    for start in range(0, len(nodes), batch):
        part = slice(start, start + batch)
        _, idx = tree.query(nodes[part], k=n_neighbors)
        mean[part], var[part] = _local(
            samples_xy, values, nodes[part], idx, psill, range_m, nugget
        )
    return mean, var


def _bordered(cov: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ordinary kriging matrices: covariances bordered by ones and a zero corner."""
    *lead, k, _ = cov.shape
    system = np.ones((*lead, k + 1, k + 1))
    system[..., :k, :k] = cov
    system[..., k, k] = 0.0
    return system


def _local(
    samples_xy: NDArray[np.float64],
    values: NDArray[np.float64],
    nodes: NDArray[np.float64],
    idx: NDArray[np.int64],
    psill: float,
    range_m: float,
    nugget: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    near = samples_xy[idx]  # (m, k, 2)
    pair = np.linalg.norm(near[:, :, None, :] - near[:, None, :, :], axis=-1)
    to_node = np.linalg.norm(near - nodes[:, None, :], axis=-1)
    lhs = _bordered(exponential_covariance(pair, psill, range_m, nugget))
    rhs = np.ones((len(nodes), idx.shape[1] + 1))
    rhs[:, :-1] = exponential_covariance(to_node, psill, range_m, nugget)
    solution = np.linalg.solve(lhs, rhs[..., None])[..., 0]
    weights, lagrange = solution[:, :-1], solution[:, -1]
    mean = np.einsum("mk,mk->m", weights, values[idx])
    var = psill + nugget - np.einsum("mk,mk->m", weights, rhs[:, :-1]) - lagrange
    return mean, var


def _global(
    samples_xy: NDArray[np.float64],
    values: NDArray[np.float64],
    nodes: NDArray[np.float64],
    psill: float,
    range_m: float,
    nugget: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from scipy.linalg import lu_factor, lu_solve
    from scipy.spatial.distance import cdist

    lhs = _bordered(
        exponential_covariance(cdist(samples_xy, samples_xy), psill, range_m, nugget)
    )
    factor = lu_factor(lhs)
    rhs = np.ones((len(samples_xy) + 1, len(nodes)))
    rhs[:-1] = exponential_covariance(cdist(samples_xy, nodes), psill, range_m, nugget)
    solution = lu_solve(factor, rhs)
    mean = values @ solution[:-1]
    # the last row of rhs is 1: the sum takes the Lagrange multiplier off as well
    var = psill + nugget - np.einsum("km,km->m", solution, rhs)
    return mean, var
