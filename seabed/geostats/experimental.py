"""Experimental (sample) variograms, computed as R gstat's ``variogram()`` does.

The semivariance of a lag bin is Matheron's estimator, half the mean squared
difference of the pairs whose separation falls in the bin; ``dist`` is the mean
separation of those pairs. Defaults and bin edges follow gstat exactly, so that a
variogram computed here can be checked number for number against R:

- ``cutoff`` defaults to 0.33333 times the diagonal of the data's bounding box
  (gstat's constant, a hair under one third), ``width`` to ``cutoff / 15``;
- bin ``k`` holds the lags in ``(k * width, (k + 1) * width]``; the first bin also
  holds coincident samples (lag 0), and a pair at exactly ``cutoff`` is kept;
- a direction is an azimuth in degrees clockwise from north (gstat ``alpha``) and
  keeps the pairs within ``tolerance`` degrees of it, either way along the axis
  (gstat ``tol.hor``); a tolerance of 90 or more keeps every pair;
- bins without pairs are left out.

Examples
--------
>>> X = np.array([[0.0, 0.0], [0.0, 100.0], [0.0, 200.0], [100.0, 0.0]])
>>> y = np.array([1.0, 2.0, 4.0, 1.5])
>>> ev = experimental_variogram(X, y, cutoff=200.0, width=100.0)
>>> ev.np.tolist(), ev.gamma.tolist()
([3, 2], [0.875, 2.3125])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy import float64, int64
from numpy.typing import ArrayLike, NDArray

from seabed.exceptions import InputError

__all__ = ["ExperimentalVariogram", "default_cutoff", "experimental_variogram"]

#: gstat's fraction of the bounding-box diagonal used as the default cutoff.
CUTOFF_FRACTION = 0.33333
#: gstat's default number of lag bins within the cutoff.
N_LAGS = 15
#: Upper bound on the pair distances held in memory at once (elements).
_BLOCK_ELEMENTS = 2_000_000
#: The value of pi in gstat's direction test (its utils.h). Using it, rather than
#: math.pi, keeps pairs lying exactly on a tolerance edge (say, at 45 degrees for
#: direction 30 with tolerance 15) on the same side of the edge as in gstat.
_GSTAT_PI = 3.14159265359


@dataclass(frozen=True)
class ExperimentalVariogram:
    """Sample semivariances per lag bin (and per direction), like gstat's output.

    Rows are the non-empty bins, direction after direction, in increasing lag.

    Attributes
    ----------
    np : ndarray of int
        Number of sample pairs in each bin (gstat's ``np``).
    dist : ndarray of float
        Mean separation of those pairs, in the units of the coordinates.
    gamma : ndarray of float
        Semivariance: half the mean squared difference of the pairs.
    dir_hor : ndarray of float
        Direction of each row in degrees clockwise from north (0 when
        omnidirectional, as in gstat).
    cutoff : float
        Largest separation used.
    width : float
        Width of the lag bins.
    directions : tuple of float, or None
        Directions asked for; ``None`` for an omnidirectional variogram.
    tolerance : float
        Angular tolerance in degrees on either side of each direction.
    """

    # gstat's column names; the field ``np`` shadows numpy in this class body only,
    # hence the numpy scalar types imported by name
    np: NDArray[int64]
    dist: NDArray[float64]
    gamma: NDArray[float64]
    dir_hor: NDArray[float64]
    cutoff: float
    width: float
    directions: tuple[float, ...] | None = None
    tolerance: float = 90.0

    def __len__(self) -> int:
        return len(self.gamma)

    @property
    def boundaries(self) -> NDArray[float64]:
        """Bin edges ``0, width, 2 width, ..., cutoff`` (gstat's attribute)."""
        edges = np.arange(0.0, self.cutoff, self.width)
        if edges[-1] != self.cutoff:
            edges = np.append(edges, self.cutoff)
        return edges

    def to_frame(self) -> pd.DataFrame:
        """The bins as a table with columns ``np``, ``dist``, ``gamma``, ``dir_hor``.

        Examples
        --------
        >>> X = np.array([[0.0, 0.0], [0.0, 100.0], [0.0, 200.0]])
        >>> ev = experimental_variogram(X, [1.0, 2.0, 4.0], cutoff=200.0, width=100.0)
        >>> ev.to_frame()
           np   dist  gamma  dir_hor
        0   2  100.0   1.25      0.0
        1   1  200.0   4.50      0.0
        """
        return pd.DataFrame(
            {
                "np": self.np,
                "dist": self.dist,
                "gamma": self.gamma,
                "dir_hor": self.dir_hor,
            }
        )


def default_cutoff(X: ArrayLike) -> float:
    """gstat's default cutoff: 0.33333 times the diagonal of the bounding box.

    Examples
    --------
    >>> round(default_cutoff([[0.0, 0.0], [300.0, 400.0]]), 6)
    166.665
    """
    X = np.asarray(X, dtype=float)
    extent = X.max(axis=0) - X.min(axis=0)
    diagonal = math.sqrt(float(extent[0] * extent[0] + extent[1] * extent[1]))
    return 1.0 if diagonal == 0.0 else diagonal * CUTOFF_FRACTION


def experimental_variogram(
    X: ArrayLike,
    y: ArrayLike,
    *,
    cutoff: float | None = None,
    width: float | None = None,
    direction: float | Sequence[float] | None = None,
    tolerance: float = 22.5,
    bins: int | None = None,
) -> ExperimentalVariogram:
    """Experimental variogram of ``y`` at locations ``X``, as R gstat computes it.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Projected coordinates (easting, northing), in metres.
    y : array-like of shape (n,)
        Values at those locations.
    cutoff : float, optional
        Largest separation to use. Default: gstat's, 0.33333 times the diagonal of
        the bounding box of ``X``.
    width : float, optional
        Lag bin width. Default: ``cutoff / bins``.
    direction : float or sequence of float, optional
        Azimuth(s) in degrees clockwise from north (gstat ``alpha``). ``None``
        (default) gives an omnidirectional variogram.
    tolerance : float
        Angular tolerance in degrees on either side of each direction (gstat
        ``tol.hor``); ignored when ``direction`` is ``None``. Note that gstat's own
        default is ``90 / len(alpha)``, which equals this default for four
        directions; 90 or more keeps every pair.
    bins : int, optional
        Number of lag bins within the cutoff when ``width`` is not given
        (default 15, as gstat); give either ``width`` or ``bins``.

    Returns
    -------
    ExperimentalVariogram

    Raises
    ------
    InputError
        For coordinates or values that are not finite, mismatched lengths, fewer
        than two samples, settings out of range, or no pair within the cutoff.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.0, 100.0], [100.0, 0.0], [100.0, 100.0]])
    >>> y = np.array([0.0, 1.0, 0.0, 1.0])
    >>> ev = experimental_variogram(X, y, cutoff=100.0, direction=[0.0, 90.0])
    >>> ev.dir_hor.tolist(), ev.gamma.tolist()
    ([0.0, 90.0], [0.5, 0.0])
    """
    X, y = _check_samples(X, y)
    cutoff = default_cutoff(X) if cutoff is None else _positive(cutoff, "cutoff")
    width = _bin_width(cutoff, width, bins)
    tolerance = _positive(tolerance, "tolerance")
    azimuths: tuple[float, ...] | None = None
    if direction is not None:
        try:
            azimuths = tuple(float(a) for a in np.atleast_1d(direction))
        except (TypeError, ValueError):
            azimuths = ()
        if not azimuths or not all(math.isfinite(a) for a in azimuths):
            raise InputError(
                "directions must be finite numbers",
                column="direction",
                hint="give azimuths in degrees clockwise from north",
            )

    directions = list(azimuths) if azimuths is not None else [None]
    counts, dist_sums, sq_sums = _accumulate(X, y, cutoff, width, directions, tolerance)
    if counts.sum() == 0:
        raise InputError(
            f"no pair of samples is within the cutoff of {cutoff:g} m"
            + ("" if azimuths is None else " in the directions asked for"),
            column="cutoff",
            hint="increase the cutoff or the angular tolerance",
        )
    # one row per (direction, bin), direction after direction, empty bins left out
    labels = [0.0 if a is None else a for a in directions]
    dir_hor = np.repeat(np.asarray(labels, dtype=float), counts.shape[1])
    n_pairs = counts.ravel()
    keep = n_pairs > 0
    return ExperimentalVariogram(
        np=n_pairs[keep],
        dist=dist_sums.ravel()[keep] / n_pairs[keep],
        gamma=sq_sums.ravel()[keep] / (2.0 * n_pairs[keep]),
        dir_hor=dir_hor[keep],
        cutoff=float(cutoff),
        width=float(width),
        directions=azimuths,
        tolerance=float(tolerance) if azimuths is not None else 90.0,
    )


def _accumulate(
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    cutoff: float,
    width: float,
    directions: Sequence[float | None],
    tolerance: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Pair counts, summed distances and summed squared differences per bin.

    Each result has one row per direction and one column per bin. Pairs (i, j)
    with j < i are visited in blocks of rows so that memory stays bounded for
    large n; the arithmetic follows gstat's, so bin membership is the same.
    """
    n_bins = math.floor(cutoff / width) + 1
    shape = (len(directions), n_bins)
    counts = np.zeros(shape, dtype=np.int64)
    dist_sums = np.zeros(shape)
    sq_sums = np.zeros(shape)
    cos_tolerance = math.cos(tolerance * _GSTAT_PI / 180.0)

    n = len(y)
    block = max(1, _BLOCK_ELEMENTS // max(n, 1))
    for start in range(1, n, block):
        rows = np.arange(start, min(n, start + block))
        dx = X[rows, 0, None] - X[None, : rows[-1], 0]
        dy = X[rows, 1, None] - X[None, : rows[-1], 1]
        dist = np.sqrt(dx * dx + dy * dy)
        below_diagonal = np.arange(rows[-1])[None, :] < rows[:, None]
        i, j = np.nonzero(below_diagonal & (dist <= cutoff))
        dx, dy, dist = dx[i, j], dy[i, j], dist[i, j]
        diff = y[rows[i]] - y[j]
        index = _bin_index(dist, width)
        for k, azimuth in enumerate(directions):
            if azimuth is None or tolerance >= 90.0:
                sel = slice(None)
            else:
                alpha = azimuth * _GSTAT_PI / 180.0
                with np.errstate(invalid="ignore", divide="ignore"):
                    cos_angle = (dx * math.sin(alpha) + dy * math.cos(alpha)) / dist
                # coincident samples have no direction: gstat keeps them
                sel = (dist == 0.0) | (np.abs(cos_angle) >= cos_tolerance)
            counts[k] += np.bincount(index[sel], minlength=n_bins)
            dist_sums[k] += np.bincount(index[sel], dist[sel], minlength=n_bins)
            sq_sums[k] += np.bincount(index[sel], diff[sel] ** 2, minlength=n_bins)
    return counts, dist_sums, sq_sums


def _bin_index(dist: NDArray[np.float64], width: float) -> NDArray[np.intp]:
    """Bin of each lag: ``(k w, (k+1) w]`` is bin k, and lag 0 goes to bin 0."""
    frac = dist / width
    index = np.floor(frac)
    on_edge = (dist > 0.0) & (frac == index)
    return (index - on_edge).astype(np.intp)


def _check_samples(
    X: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise InputError(
            f"coordinates must have shape (n, 2), got {X.shape}",
            column="X",
            hint="give one (easting, northing) row per sample",
        )
    if y.ndim != 1 or len(y) != len(X):
        raise InputError(
            f"values must have shape ({len(X)},) to match the coordinates, "
            f"got {y.shape}",
            column="y",
        )
    for name, values in (("X", X), ("y", y)):
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.nonzero(bad.reshape(len(values), -1).any(axis=1))[0][0])
            raise InputError(
                "missing or infinite value",
                row=row + 1,
                column=name,
                hint="drop the samples without coordinates or values first",
            )
    if len(y) < 2:
        raise InputError(
            f"a variogram needs at least 2 samples, got {len(y)}", column="y"
        )
    return X, y


def _positive(value: float, name: str) -> float:
    value = float(value)
    if not (value > 0.0 and math.isfinite(value)):
        raise InputError(f"{name} must be a positive number, got {value}", column=name)
    return value


def _bin_width(cutoff: float, width: float | None, bins: int | None) -> float:
    if width is not None and bins is not None:
        raise InputError(
            "give either width or bins, not both", column="width", hint="drop one"
        )
    if width is not None:
        width = _positive(width, "width")
        if cutoff / width > 1e6:
            raise InputError(
                f"width {width:g} gives more than a million bins within the "
                f"cutoff {cutoff:g}",
                column="width",
                hint="choose a larger width or a smaller cutoff",
            )
        return width
    n_bins = N_LAGS if bins is None else bins
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise InputError(
            f"bins must be a positive integer, got {bins!r}", column="bins"
        )
    return cutoff / n_bins
