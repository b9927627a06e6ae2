"""Sums of per-cell quantities above each cut-off, for every statement, in one pass.

Every statement table holds sums over the cells whose block grade is at least a
cut-off, per part of the grid (a resource class, a zone's share). One pass over the
cells puts each cell's quantities into the bin of the highest cut-off its grade
reaches, in its part; the sum above a cut-off is then the sum of the bins from that
cut-off upward. So a block costs one pass whatever the number of cut-offs, parts and
quantities, and holds only the bins (a few numbers per cut-off), not per-cell arrays.

Each bin is accumulated as an unevaluated pair ``hi + lo`` (Knuth's two-sum: ``lo``
gathers the rounding error of every addition to ``hi``), and bins are added up with
:func:`math.fsum`. Every total is therefore the sum of its cells' values rounded
about once, whatever their order: it does not depend on how the grid is cut into
blocks of rows, tiles or threads, and differs from numpy's pairwise sum (which
rounds at each level of its tree) only in the last digit or two.

The kernel releases the GIL, so blocks of rows accounted for side by side run on
separate cores.

Examples
--------
>>> import numpy as np
>>> grade = np.array([300.0, 900.0, np.nan, 450.0])
>>> tonnes = np.array([[1.0, 2.0, 5.0, 3.0]])
>>> area = np.array([10.0, 10.0, 10.0, 0.0])
>>> sums = cutoff_sums(grade, tonnes, area, [0.0, 400.0])
>>> sums.values[0, :, 0].tolist(), sums.area[0].tolist(), sums.n_cells[0].tolist()
([6.0, 5.0], [20.0, 10.0], [2, 1])
>>> float(sums.unestimated_area[0])
10.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["CutoffSums", "cutoff_sums"]

_NONE_FLOAT = np.zeros(0)
_NONE_INT = np.zeros(0, dtype=np.int64)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _add(hi: NDArray[np.float64], lo: NDArray[np.float64], at: int, x: float) -> None:
    """``hi[at] + lo[at] += x``, the rounding error of ``hi`` kept in ``lo``."""
    total = hi[at] + x
    virtual = total - hi[at]
    lo[at] += (hi[at] - (total - virtual)) + (x - virtual)
    hi[at] = total


@njit(cache=True, nogil=True, error_model="numpy")
def _binned_sums(
    grade: NDArray[np.float64],
    values: NDArray[np.float64],
    area: NDArray[np.float64],
    share: NDArray[np.float64],
    part: NDArray[np.int64],
    cutoffs: NDArray[np.float64],
    hi: NDArray[np.float64],
    lo: NDArray[np.float64],
    counts: NDArray[np.int64],
) -> None:
    """Add every cell into its (part, highest cut-off reached) bin.

    ``hi`` and ``lo`` are flat views of ``(parts, cutoffs + 2, quantities + 1)``:
    bin 0 holds the cells without an estimate (NaN grade: their area only), bin 1
    the estimated cells below every cut-off, bin ``k + 2`` those whose grade reaches
    ``cutoffs[k]`` (ascending) but not ``cutoffs[k + 1]``; the last quantity is the
    area, and ``counts`` the cells of each bin with an area above 0. A cell of part
    -1 adds nothing; ``share`` (empty: 1) multiplies its values and area.
    """
    n_values = values.shape[0]
    n_bins = cutoffs.shape[0] + 2
    width = n_values + 1
    for i in range(grade.shape[0]):
        p = part[i] if part.shape[0] else 0
        if p < 0:
            continue
        s = share[i] if share.shape[0] else 1.0
        a = area[i] * s
        g = grade[i]
        b = 0
        if np.isfinite(g):
            b = 1
            for k in range(cutoffs.shape[0]):
                if g >= cutoffs[k]:
                    b = k + 2
                else:
                    break
            row = (p * n_bins + b) * width
            for j in range(n_values):
                _add(hi, lo, row + j, values[j, i] * s)
        row = (p * n_bins + b) * width
        _add(hi, lo, row + n_values, a)
        if a > 0:
            counts[p * n_bins + b] += 1


@dataclass(frozen=True)
class CutoffSums:
    """Totals above each cut-off (in the order given), per part.

    Attributes
    ----------
    values : ndarray of shape (parts, cutoffs, quantities)
        Sum of each quantity over the estimated cells at or above the cut-off.
    area : ndarray of shape (parts, cutoffs)
        Sum of the area over the same cells.
    n_cells : ndarray of shape (parts, cutoffs)
        Those cells with an area above 0.
    estimated : ndarray of shape (parts, quantities)
        Sum of each quantity over every estimated cell, whatever its grade.
    unestimated_area, estimated_area, total_area : ndarray of shape (parts,)
        Sum of the area over the cells without an estimate (NaN grade), over the
        estimated ones, and over all.
    """

    values: NDArray[np.float64]
    area: NDArray[np.float64]
    n_cells: NDArray[np.int64]
    estimated: NDArray[np.float64]
    unestimated_area: NDArray[np.float64]
    estimated_area: NDArray[np.float64]
    total_area: NDArray[np.float64]


def cutoff_sums(
    grade: NDArray[np.float64],
    values: NDArray[np.float64],
    area: NDArray[np.float64],
    cutoffs: Sequence[float],
    *,
    share: NDArray[np.float64] | None = None,
    part: NDArray[np.int64] | None = None,
    n_parts: int = 1,
) -> CutoffSums:
    """Sums of ``values`` and ``area`` over the cells at or above each cut-off.

    Parameters
    ----------
    grade : ndarray of shape (n,)
        The grade the cut-offs act on (NaN: not estimated).
    values : ndarray of shape (q, n)
        The quantities to add up, one row each.
    area : ndarray of shape (n,)
        The cells' area (added up like a quantity, and for the unestimated cells).
    cutoffs : sequence of float
        Cut-offs, in any order (the results follow it).
    share : ndarray of shape (n,), optional
        Share of each cell in the part: multiplies its values and area.
    part : ndarray of shape (n,) of int, optional
        The part of each cell (0 .. ``n_parts - 1``; -1: none).
    n_parts : int
        Number of parts.

    Returns
    -------
    CutoffSums
    """
    grade = np.ascontiguousarray(grade, dtype=np.float64).ravel()
    n = grade.size
    values = np.ascontiguousarray(values, dtype=np.float64).reshape(-1, n)
    area = np.ascontiguousarray(area, dtype=np.float64).ravel()
    given = np.asarray(cutoffs, dtype=np.float64)
    ascending = np.unique(given)
    width = values.shape[0] + 1
    n_bins = ascending.size + 2
    shape = (n_parts, n_bins, width)
    hi, lo = np.zeros(math.prod(shape)), np.zeros(math.prod(shape))
    counts = np.zeros(n_parts * n_bins, dtype=np.int64)
    _binned_sums(
        grade,
        values,
        area,
        _NONE_FLOAT
        if share is None
        else np.ascontiguousarray(share, np.float64).ravel(),
        _NONE_INT if part is None else np.ascontiguousarray(part, np.int64).ravel(),
        ascending,
        hi,
        lo,
        counts,
    )
    hi, lo = hi.reshape(shape), lo.reshape(shape)
    per_bin = counts.reshape(n_parts, n_bins)

    def over(first: int, last: int | None = None) -> NDArray[np.float64]:
        """(parts, quantities + 1): the bins from ``first`` up to ``last``, added."""
        out = np.empty((n_parts, width))
        for p in range(n_parts):
            for j in range(width):
                out[p, j] = _exact_sum(hi[p, first:last, j], lo[p, first:last, j])
        return out

    # the sum above the k-th cut-off: its bin and every bin above, added exactly
    above = np.empty((n_parts, ascending.size, width))
    for k in range(ascending.size):
        above[:, k] = over(k + 2)
    order = np.searchsorted(ascending, given)
    n_above = np.cumsum(per_bin[:, :1:-1], axis=1)[:, ::-1]
    estimated = over(1)
    return CutoffSums(
        values=above[:, order, :-1],
        area=above[:, order, -1],
        n_cells=n_above[:, order],
        estimated=estimated[:, :-1],
        unestimated_area=over(0, 1)[:, -1],
        estimated_area=estimated[:, -1],
        total_area=over(0)[:, -1],
    )


def _exact_sum(hi: NDArray[np.float64], lo: NDArray[np.float64]) -> float:
    """The sum of pairs, rounded once (infinities and NaN as in a plain sum)."""
    total = float(np.sum(hi))
    if not math.isfinite(total):
        return total
    return math.fsum([*hi.tolist(), *lo.tolist()])
