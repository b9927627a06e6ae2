"""Exact neighbour search for kriging, independent of how nodes are batched.

Prediction nodes are cut into small spatial *groups*. Each group gathers, once, the
*candidate* samples that could be among the nearest neighbours of any of its nodes;
the compiled kernels (:mod:`seabed.geostats._kernels`) then pick each node's own
``k`` nearest among those candidates, breaking distance ties by sample index.

Why the candidates are enough. Let a group have centre ``c`` and radius ``R`` (no
node farther than ``R`` from ``c``), and let ``d_k(c)`` be the distance from ``c``
to its k-th nearest sample. For a node ``x`` of the group, the k samples nearest
to ``c`` are all within ``d_k(c) + R`` of ``x`` (triangle inequality), so ``x``'s
own k-th neighbour distance is ``d_k(x) <= d_k(c) + R``. Any sample ``s`` that
``x`` may choose, ties included, has ``|s - x| <= d_k(x)``, hence
``|s - c| <= |s - x| + |x - c| <= d_k(c) + 2R``. Gathering every sample within
``d_k(c) + 2R`` of ``c`` (a hair more, against rounding) therefore gathers all
of them. With a search radius ``r`` the bound is ``min(d_k(c) + R, r) + R``; when
a node must leave one sample out (leave-one-out) ``d_{k+1}(c)`` replaces
``d_k(c)``. A limit per quadrant (gstat's ``omax``) chooses among a node's ``k``
nearest, so the same candidates serve it. The grouping only decides how many
candidates are examined, never which neighbours a node gets, so any batching of
the nodes gives the same sets.

Examples
--------
>>> samples = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
>>> idx, dist = nearest_neighbors(samples, np.array([[5.0, 5.0], [1.0, 0.0]]), 2)
>>> idx.tolist()  # the centre is equidistant from all four: lowest indices win
[[0, 1], [0, 1]]
>>> dist[1].tolist()
[1.0, 9.0]
>>> corner = np.array([[-1.0, -1.0]])  # every sample lies to its north-east
>>> nearest_neighbors(samples, corner, 4, max_per_sector=2)[0].tolist()
[[0, 1, -1, -1]]
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from seabed.geostats._kernels import (
    Neighbourhood,
    bounding_box,
    cell_keys,
    gather_candidates,
    group_circles,
    neighbor_groups,
    sample_cells,
    sort_by_key,
)

__all__ = [
    "CHUNKS_IN_FLIGHT",
    "GROUP_SIZE",
    "SearchPlan",
    "ellipse_space",
    "ellipse_terms",
    "group_nodes",
    "nearest_neighbors",
    "neighbourhood",
    "pieces",
    "plan_search",
    "resolve_n_jobs",
    "run_chunks",
    "run_groups",
    "run_pieces",
    "with_plan",
]

#: Nodes per group: larger groups gather candidates less often but examine more
#: candidates per node (the radius grows by twice the group radius).
GROUP_SIZE = 128

# relative slack on the candidate radius, far above rounding in the distances
_RADIUS_SLACK = 1e-9

#: Chunks of a call in progress at once on several threads: one is grouped or
#: booked while the threads krige the other.
CHUNKS_IN_FLIGHT = 2

_Result = TypeVar("_Result")


@dataclass(frozen=True)
class SearchPlan:
    """Nodes cut into groups, with each group's candidate samples.

    Attributes
    ----------
    order : ndarray of int64
        Node indices in processing order.
    group_ptr : ndarray of int64
        Group ``g`` holds nodes ``order[group_ptr[g]:group_ptr[g + 1]]``.
    cand_lo, cand_hi : ndarray of int64
        Group ``g``'s candidates are ``cand_idx[cand_lo[g]:cand_hi[g]]``.
    cand_idx : ndarray of int64
        Sample indices, ascending within each group.
    """

    order: NDArray[np.int64]
    group_ptr: NDArray[np.int64]
    cand_lo: NDArray[np.int64]
    cand_hi: NDArray[np.int64]
    cand_idx: NDArray[np.int64]

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.group_ptr) - 1


def group_nodes(
    nodes: NDArray[np.float64], group_size: int = GROUP_SIZE
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Cut nodes into square cells of about ``group_size`` nodes each.

    Returns ``order`` (node indices, cell by cell in Z order, in their original
    order within a cell) and ``group_ptr`` (cell boundaries in ``order``).

    Examples
    --------
    >>> xx, yy = np.meshgrid(np.arange(4.0), np.arange(4.0))
    >>> order, ptr = group_nodes(np.column_stack([xx.ravel(), yy.ravel()]), 4)
    >>> ptr.tolist(), order[:8].tolist()
    ([0, 4, 8, 12, 16], [0, 1, 4, 5, 2, 3, 6, 7])
    """
    m = len(nodes)
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    x_min, y_min, x_max, y_max = bounding_box(nodes)
    lower = np.array([x_min, y_min])
    span = np.array([x_max, y_max]) - lower
    n_cells = max(1, math.ceil(m / group_size))
    if span[0] > 0 and span[1] > 0:
        cell = math.sqrt(span[0] * span[1] / n_cells)
    else:  # all nodes on a line (or one point)
        cell = max(span[0], span[1]) / n_cells
    if not cell > 0:
        return np.arange(m, dtype=np.int64), np.array([0, m], dtype=np.int64)
    # cells per axis; the nodes on the upper edge join the last cell. Cells go
    # in Z (Morton) order: consecutive groups are neighbours, so the kernels'
    # cache of factorisations serves sets that straddle group borders
    nx, ny = (max(1, math.ceil(s / cell)) for s in span)
    key = cell_keys(
        nodes[:, 0], nodes[:, 1], float(lower[0]), float(lower[1]), cell, nx, ny
    )
    # the largest key spreads the bits of the larger cell count: about its
    # square for a square, far more for a long thin strip of cells
    n_keys = 4 ** max(nx - 1, ny - 1, 1).bit_length()
    if n_keys <= 4 * m:  # a counting sort, ten times faster
        order, group_ptr = sort_by_key(key, n_keys)
    else:
        order = np.argsort(key, kind="stable").astype(np.int64)
        starts = np.flatnonzero(np.diff(key[order])) + 1
        group_ptr = np.concatenate([[0], starts, [m]]).astype(np.int64)
    # clustered nodes can crowd one cell: cut crowded cells, to bound the
    # kernels' per-group memory
    limit = 4 * group_size
    sizes = np.diff(group_ptr)
    if sizes.max() > limit:
        cuts = [np.arange(lo, hi, limit) for lo, hi in itertools.pairwise(group_ptr)]
        group_ptr = np.concatenate([*cuts, [m]]).astype(np.int64)
    return order, group_ptr


def plan_search(
    samples: NDArray[np.float64],
    nodes: NDArray[np.float64],
    *,
    n_neighbors: int | None,
    max_distance: float | None,
    leave_one_out: bool = False,
    n_restricted: int = 0,
    group_size: int = GROUP_SIZE,
    grouping: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> SearchPlan:
    """Group the nodes and gather each group's candidate samples.

    Parameters
    ----------
    samples : ndarray of shape (n, 2)
        Sample coordinates.
    nodes : ndarray of shape (m, 2)
        Prediction nodes.
    n_neighbors : int or None
        Neighbours per node (None: all samples).
    max_distance : float or None
        Search radius (None: unlimited).
    leave_one_out : bool
        Nodes will each leave one sample out: gather for ``n_neighbors + 1``.
    n_restricted : int
        Samples that some nodes may not use (a high-value restriction): gather
        for that many more, so that ``n_neighbors`` usable ones are among them.
    group_size : int
        Nodes per group, roughly.
    grouping : (order, group_ptr), optional
        Groups already made (by :func:`group_nodes`, or a piece of them from
        :func:`pieces`): only their candidates are gathered.
    """
    n = len(samples)
    order, group_ptr = group_nodes(nodes, group_size) if grouping is None else grouping
    n_groups = len(group_ptr) - 1
    extra = int(leave_one_out) + n_restricted
    k = None if n_neighbors is None else min(n_neighbors + extra, n)
    if (k is None or k >= n) and max_distance is None:  # every sample, every node
        return SearchPlan(
            order,
            group_ptr,
            np.zeros(n_groups, dtype=np.int64),
            np.full(n_groups, n, dtype=np.int64),
            np.arange(n, dtype=np.int64),
        )
    centres, radii = group_circles(nodes[:, 0], nodes[:, 1], order, group_ptr)
    # compiled, on a grid of cells: a tree's queries made a Python list per group
    points = np.ascontiguousarray(samples, dtype=np.float64)
    cand_lo, cand_hi, cand_idx = gather_candidates(
        points,
        sample_cells(points),
        centres,
        radii,
        0 if k is None or k >= n else k,
        np.inf if max_distance is None else float(max_distance),
        _RADIUS_SLACK,
    )
    return SearchPlan(order, group_ptr, cand_lo, cand_hi, cand_idx)


def neighbourhood(
    plan: SearchPlan,
    nodes: NDArray[np.float64],
    samples: NDArray[np.float64],
    *,
    k: int,
    max_distance: float | None,
    max_per_sector: int | None,
    min_count: int = 0,
    exclude: NDArray[np.int64] | None = None,
    groups: NDArray[np.int64] | None = None,
    max_per_group: int | None = None,
    restricted: NDArray[np.bool_] | None = None,
    restricted_distance: float = np.inf,
    ellipse: tuple[float, float] | None = None,
) -> Neighbourhood:
    """The kernels' record of a search: the plan, the nodes, the samples, the limits.

    ``exclude[i]`` is a sample node ``i`` must leave out (None: none);
    ``groups`` the group (core) code of each sample (None: each its own), of
    which at most ``max_per_group`` are used; samples flagged ``restricted``
    inform only nodes within ``restricted_distance``; ``ellipse`` is
    ``(azimuth, ratio)`` of a search ellipse (None: a circle), whose major
    semi-axis is ``max_distance``. See
    :class:`~seabed.geostats._kernels.Neighbourhood`.
    """
    if exclude is None:
        exclude = np.full(len(nodes), -1, dtype=np.int64)
    if groups is None:
        groups = np.arange(len(samples), dtype=np.int64)
    if restricted is None or not restricted.any():
        restricted = np.zeros(0, dtype=np.bool_)
    # finite: a restricted sample out of reach gets an infinite distance, which
    # must fail every radius
    max_d2 = sys.float_info.max if max_distance is None else float(max_distance) ** 2
    return Neighbourhood(
        plan.order,
        plan.group_ptr,
        plan.cand_lo,
        plan.cand_hi,
        plan.cand_idx,
        np.ascontiguousarray(nodes[:, 0]),
        np.ascontiguousarray(nodes[:, 1]),
        np.ascontiguousarray(exclude, dtype=np.int64),
        np.ascontiguousarray(samples[:, 0]),
        np.ascontiguousarray(samples[:, 1]),
        int(k),
        max_d2,
        0 if max_per_sector is None else int(max_per_sector),
        int(min_count),
        np.ascontiguousarray(groups, dtype=np.int64),
        int(groups.max(initial=-1)) + 1,
        0 if max_per_group is None else int(max_per_group),
        np.ascontiguousarray(restricted, dtype=np.bool_),
        float(restricted_distance) ** 2,
        np.zeros(0) if ellipse is None else ellipse_terms(*ellipse),
    )


def with_plan(hood: Neighbourhood, plan: SearchPlan) -> Neighbourhood:
    """The kernels' record of a search with ``plan`` (groups and candidates)."""
    return hood._replace(
        order=plan.order,
        group_ptr=plan.group_ptr,
        cand_lo=plan.cand_lo,
        cand_hi=plan.cand_hi,
        cand_idx=plan.cand_idx,
    )


def ellipse_terms(azimuth: float, ratio: float) -> NDArray[np.float64]:
    """``(sin, cos, 1 / ratio)`` of a search ellipse, as the kernels read it.

    Examples
    --------
    >>> ellipse_terms(90.0, 0.5).round(12).tolist()
    [1.0, 0.0, 2.0]
    """
    theta = math.radians(azimuth)
    return np.array([math.sin(theta), math.cos(theta), 1.0 / ratio])


def ellipse_space(
    points: NDArray[np.float64], azimuth: float, ratio: float
) -> NDArray[np.float64]:
    """Coordinates in which a search ellipse is a circle of its major semi-axis:
    along its major axis, and across it divided by ``ratio``.

    Examples
    --------
    >>> ellipse_space(np.array([[0.0, 10.0], [5.0, 0.0]]), 0.0, 0.5).tolist()
    [[10.0, 0.0], [0.0, 10.0]]
    """
    sin_t, cos_t, inv_ratio = ellipse_terms(azimuth, ratio)
    along = points[:, 0] * sin_t + points[:, 1] * cos_t
    across = (points[:, 0] * cos_t - points[:, 1] * sin_t) * inv_ratio
    return np.column_stack([along, across])


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Threads to use: None or -1 -> all cores, -2 -> all but one..., else ``n_jobs``.

    As scikit-learn counts them, except that None means all cores (results never
    depend on the number of threads, so there is nothing to gain by one).
    """
    if n_jobs is None:
        n_jobs = -1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, n_jobs)


def _balanced_bounds(group_ptr: NDArray[np.int64], n_chunks: int) -> NDArray[np.int64]:
    """Bounds of at most ``n_chunks`` runs of consecutive groups, of about equal
    node counts."""
    n_groups = len(group_ptr) - 1
    targets = np.linspace(0, group_ptr[-1], min(n_groups, n_chunks) + 1)
    bounds = np.unique(np.searchsorted(group_ptr, targets))
    bounds[0], bounds[-1] = 0, n_groups
    return np.unique(bounds)


def _run_threads(
    n_jobs: int, calls: list[Callable[[], None]], pool: Executor | None = None
) -> None:
    """Run ``calls`` on ``n_jobs`` threads (in order when one), re-raising errors:
    on ``pool`` when given (its threads), else on a pool of their own."""
    if n_jobs <= 1 or len(calls) < 2:
        for call in calls:
            call()
        return
    if pool is not None:
        for future in [pool.submit(call) for call in calls]:
            future.result()
        return
    with ThreadPoolExecutor(max_workers=n_jobs) as own:
        _run_threads(n_jobs, calls, own)


def run_groups(
    plan: SearchPlan, n_jobs: int, kernel: Callable[[int, int], None]
) -> None:
    """Call ``kernel(g_begin, g_end)`` over the plan's groups, on ``n_jobs`` threads.

    The kernels release the GIL and write each node's result at its own index,
    so the split changes nothing in the results.
    """
    if n_jobs <= 1 or plan.n_groups < 2:
        kernel(0, plan.n_groups)
        return
    # several chunks per thread, of about equal node counts, to balance the load
    bounds = _balanced_bounds(plan.group_ptr, 4 * n_jobs)
    _run_threads(
        n_jobs,
        [
            functools.partial(kernel, int(lo), int(hi))
            for lo, hi in itertools.pairwise(bounds)
        ],
    )


def pieces(
    order: NDArray[np.int64], group_ptr: NDArray[np.int64], n_pieces: int
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Cut a grouping (of :func:`group_nodes`) into at most ``n_pieces`` runs of
    consecutive groups of about equal node counts, each an ``(order,
    group_ptr)`` grouping of its own for :func:`plan_search` (node indices
    unchanged).

    Examples
    --------
    >>> order, ptr = np.arange(6), np.array([0, 2, 3, 6])
    >>> [(o.tolist(), p.tolist()) for o, p in pieces(order, ptr, 2)]
    [([0, 1, 2], [0, 2, 3]), ([3, 4, 5], [0, 3])]
    """
    bounds = _balanced_bounds(group_ptr, n_pieces)
    return [
        (order[group_ptr[lo] : group_ptr[hi]], group_ptr[lo : hi + 1] - group_ptr[lo])
        for lo, hi in itertools.pairwise(bounds)
    ]


def run_pieces(
    grouping: tuple[NDArray[np.int64], NDArray[np.int64]],
    n_jobs: int,
    work: Callable[[tuple[NDArray[np.int64], NDArray[np.int64]]], None],
    pool: Executor | None = None,
) -> None:
    """Call ``work(piece)`` over the :func:`pieces` of a grouping, on ``n_jobs``
    threads, four pieces per thread (one piece on one thread); on ``pool``'s
    threads when given (see :func:`run_chunks`).

    Each piece gathers its own candidates and kriges its own nodes, so the
    threads share all the work of a call but its grouping; the pieces change
    nothing in the results (the grouping never does).
    """
    n_pieces = 1 if n_jobs <= 1 else 4 * n_jobs
    _run_threads(
        n_jobs,
        [functools.partial(work, piece) for piece in pieces(*grouping, n_pieces)],
        pool,
    )


def run_chunks(
    chunks: Sequence[tuple[int, int]],
    n_jobs: int,
    work: Callable[[int, int, Executor | None], _Result],
) -> list[_Result]:
    """``work(lo, hi, pool)`` for each chunk ``(lo, hi)`` of a call's nodes, in
    order of the chunks.

    On one thread (or one chunk) the chunks go one after the other, ``pool``
    None when one thread, else a pool of ``n_jobs`` threads. On several,
    :data:`CHUNKS_IN_FLIGHT` chunks are in progress at once, all sending their
    pieces (:func:`run_pieces`) to one shared ``pool`` of ``n_jobs`` threads:
    the part of a chunk that runs on one thread (its grouping, its outputs'
    bookkeeping) overlaps the kriging of the other, instead of leaving the
    pool's threads waiting.

    Examples
    --------
    >>> run_chunks([(0, 2), (2, 5)], 2, lambda lo, hi, pool: hi - lo)
    [2, 3]
    """
    if n_jobs <= 1:
        return [work(lo, hi, None) for lo, hi in chunks]
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        if len(chunks) < 2:
            return [work(lo, hi, pool) for lo, hi in chunks]
        with ThreadPoolExecutor(max_workers=CHUNKS_IN_FLIGHT) as chunk_threads:
            futures = [chunk_threads.submit(work, lo, hi, pool) for lo, hi in chunks]
            return [future.result() for future in futures]


def nearest_neighbors(
    samples: ArrayLike,
    nodes: ArrayLike,
    n_neighbors: int | None,
    max_distance: float | None = None,
    max_per_sector: int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each node's nearest samples, nearest first, ties broken by sample index.

    Parameters
    ----------
    samples : array-like of shape (n, 2)
        Sample coordinates (projected, metres).
    nodes : array-like of shape (m, 2)
        Query points.
    n_neighbors : int or None
        How many neighbours (None: all samples within ``max_distance``).
    max_distance : float, optional
        Only samples within this Euclidean distance (inclusive).
    max_per_sector : int, optional
        Of those, only the nearest this many in each quadrant around the node
        (gstat's ``omax``; the quadrants of the search's sectors).

    Returns
    -------
    indices : ndarray of shape (m, k)
        Sample indices, padded with -1 where fewer were found.
    distances : ndarray of shape (m, k)
        Their distances, padded with inf.

    Examples
    --------
    >>> samples = [[0.0, 0.0], [100.0, 0.0], [0.0, 300.0]]
    >>> index, distance = nearest_neighbors(samples, [[10.0, 0.0]], 2)
    >>> index.tolist(), distance.tolist()
    ([[0, 1]], [[10.0, 90.0]])
    >>> nearest_neighbors(samples, [[10.0, 0.0]], None, max_distance=50.0)[0].tolist()
    [[0, -1, -1]]
    """
    samples = np.ascontiguousarray(samples, dtype=float)
    nodes = np.ascontiguousarray(nodes, dtype=float).reshape(-1, 2)
    n = len(samples)
    k = n if n_neighbors is None else min(n_neighbors, n)
    plan = plan_search(samples, nodes, n_neighbors=k, max_distance=max_distance)
    m = len(nodes)
    out_idx = np.full((m, k), -1, dtype=np.int64)
    out_d2 = np.full((m, k), np.inf)
    out_count = np.zeros(m, dtype=np.int64)
    hood = neighbourhood(
        plan,
        nodes,
        samples,
        k=k,
        max_distance=max_distance,
        max_per_sector=max_per_sector,
    )
    neighbor_groups(0, plan.n_groups, hood, out_idx, out_d2, out_count)
    return out_idx, np.sqrt(out_d2)
