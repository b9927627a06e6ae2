"""The cores of each node's kriging search, counted in one compiled pass.

The classification's rules (:mod:`seabed.resource.classes`) read, around each
cell, the cores its kriging search finds: the distance to the nearest, how many
there are, how many angular sectors hold one, and how many lie within given
distances. :func:`count_search` runs the kriging's own search (exact, ties broken
by core index) over the nodes a chunk at a time, so that the neighbour arrays stay
small, and counts each chunk in one pass of a compiled kernel that releases the
GIL.

Sectors are equal angles, the first starting at north and turning clockwise. With
1, 2 or 4 sectors the signs of the offset decide the sector away from the axes,
without an arctangent; the result is the same as the arctangent's.

Examples
--------
>>> import numpy as np
>>> cores = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, -10.0], [0.0, 50.0]])
>>> counts = count_search(
...     np.zeros((1, 2)), cores, 4, max_distance=20.0, n_sectors=4, radii=[10.0]
... )
>>> counts["n_cores"].tolist(), counts["n_sectors"].tolist()
([3], [3])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from seabed.geostats import nearest_neighbors

__all__ = ["NODES_PER_CHUNK", "count_search"]

#: Nodes per search, so that neighbour arrays stay small (32 x 65536 x 16 B).
NODES_PER_CHUNK = 65_536
_TWO_PI = 2 * math.pi


def count_search(
    nodes: NDArray[np.float64],
    cores: NDArray[np.float64],
    k: int,
    *,
    max_distance: float | None,
    n_sectors: int,
    radii: Sequence[float],
) -> dict[str, NDArray[Any]]:
    """The ``k`` nearest cores within ``max_distance`` of each node, counted.

    Returns ``nearest_m`` (inf where no core is in the radius), ``n_cores``,
    ``n_sectors`` (sectors holding a core of the search, of ``n_sectors`` from 1
    to 8) and ``n_cores_within`` of shape (len(radii), nodes): cores of the search
    within each of ``radii`` (inclusive).
    """
    nearest = np.full(len(nodes), np.inf)
    n_cores = np.zeros(len(nodes), dtype=np.int64)
    n_found_sectors = np.zeros(len(nodes), dtype=np.int64)
    n_within = np.zeros((len(radii), len(nodes)), dtype=np.int64)
    radii_m = np.asarray(radii, dtype=float)
    if k == 0:
        return {
            "nearest_m": nearest,
            "n_cores": n_cores,
            "n_sectors": n_found_sectors,
            "n_cores_within": n_within,
        }
    for start in range(0, len(nodes), NODES_PER_CHUNK):
        chunk = slice(start, start + NODES_PER_CHUNK)
        # the kriging's own search: exact, ties broken by core index
        index, distance = nearest_neighbors(
            cores, nodes[chunk], k, max_distance=max_distance
        )
        nearest[chunk] = distance[:, 0]
        _count_search(
            np.ascontiguousarray(nodes[chunk]),
            cores,
            index,
            distance,
            n_sectors,
            radii_m,
            n_cores[chunk],
            n_found_sectors[chunk],
            n_within[:, chunk],
        )
    return {
        "nearest_m": nearest,
        "n_cores": n_cores,
        "n_sectors": n_found_sectors,
        "n_cores_within": n_within,
    }


@njit(cache=True, nogil=True, error_model="numpy")
def _sector(dx: float, dy: float, n_sectors: int) -> int:
    """The sector of an offset, as ``min(floor(mod(atan2(dx, dy), 2 pi) / (2 pi)
    * n_sectors), 7)`` (clockwise from north), without the arctangent where the
    signs decide it (1, 2 or 4 sectors, away from the axes)."""
    if n_sectors in (1, 2, 4) and dx != 0.0 and dy != 0.0:
        ratio = abs(dx) / abs(dy)
        if 1e-6 < ratio < 1e6:
            if n_sectors == 1:
                return 0
            east = dx > 0.0
            if n_sectors == 2:
                return 0 if east else 1
            if east:
                return 0 if dy > 0.0 else 1
            return 2 if dy < 0.0 else 3
    angle = math.atan2(dx, dy)  # in [-pi, pi]: numpy's mod adds 2 pi below 0
    if angle < 0.0:
        angle += _TWO_PI
    elif angle == 0.0:
        angle = 0.0  # no -0.0, as numpy's mod
    return min(int(angle / _TWO_PI * n_sectors), 7)


@njit(cache=True, nogil=True, error_model="numpy")
def _count_search(
    nodes: NDArray[np.float64],
    cores: NDArray[np.float64],
    index: NDArray[np.int64],
    distance: NDArray[np.float64],
    n_sectors: int,
    radii: NDArray[np.float64],
    n_cores: NDArray[np.int64],
    n_found_sectors: NDArray[np.int64],
    n_within: NDArray[np.int64],
) -> None:
    """Per node, from its search (``distance`` inf where none was found): the cores
    found, the sectors holding one, and those within each radius."""
    for i in range(nodes.shape[0]):
        bits = 0
        found = 0
        for j in range(distance.shape[1]):
            d = distance[i, j]
            if not np.isfinite(d):
                continue
            found += 1
            for r in range(radii.shape[0]):
                if d <= radii[r]:
                    n_within[r, i] += 1
            core = index[i, j]
            dx = cores[core, 0] - nodes[i, 0]
            dy = cores[core, 1] - nodes[i, 1]
            bits |= 1 << _sector(dx, dy, n_sectors)
        n_cores[i] = found
        count = 0
        while bits:
            count += bits & 1
            bits >>= 1
        n_found_sectors[i] = count
