"""The normal-score transform: grades to standard normal scores and back, with tails.

Gaussian methods (conditional simulation, the discrete Gaussian model of change of
support) work on normal scores; this transform carries the data's own histogram,
declustered by weights, and extends it beyond the data's extremes with tails.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import InputError
from seabed.geostats._checks import Interval, check_vector, validate_params

__all__ = ["NormalScoreTransform"]


class NormalScoreTransform(BaseEstimator):
    """Map values to standard normal scores and back, with tails (GSLIB style).

    The empirical distribution of the data (plotting positions
    ``(cumulative weight - w_i / 2) / total weight``, i.e. ``(i - 0.5) / n`` for
    equal weights) is matched to the standard normal one. Between data values the
    map is linear; below the smallest value the cumulative probability falls
    linearly to 0 at ``min_value``; above the largest it follows a hyperbolic
    (power-law) tail ``1 - F(z) = (1 - F(z_max)) (z_max / z) ** upper_tail_power``,
    so that realisations may exceed the largest datum, as the truth may.

    Parameters
    ----------
    min_value : float, default 0.0
        The smallest possible value (grades cannot be negative).
    upper_tail_power : float, default 2.5
        Exponent of the hyperbolic upper tail (> 1; larger is a lighter tail).

    Attributes
    ----------
    values_ : ndarray
        Distinct data values, ascending.
    cdf_ : ndarray
        Their cumulative probabilities (plotting positions).
    scores_ : ndarray
        Their normal scores, ``ndtri(cdf_)``.

    Examples
    --------
    >>> nst = NormalScoreTransform().fit([10.0, 20.0, 30.0, 40.0])
    >>> nst.transform([25.0]).round(4).tolist()      # half way between 20 and 30
    [0.0]
    >>> nst.inverse_transform(nst.transform([12.0, 33.0])).round(9).tolist()
    [12.0, 33.0]
    >>> bool(nst.inverse_transform([4.0])[0] > 40.0)  # the upper tail goes beyond
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "min_value": [Interval(numbers.Real, None)],
        # > 1: a finite mean
        "upper_tail_power": [Interval(numbers.Real, 1.0, open_low=True)],
    }

    def __init__(self, *, min_value: float = 0.0, upper_tail_power: float = 2.5):
        self.min_value = min_value
        self.upper_tail_power = upper_tail_power

    def fit(
        self, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> NormalScoreTransform:
        """Learn the data's distribution.

        Parameters
        ----------
        y : array-like of shape (n,)
            Data values, all >= ``min_value``.
        sample_weight : array-like of shape (n,), optional
            Declustering weights (>= 0); equal by default.

        Returns
        -------
        self
        """
        validate_params(self)
        values = check_vector(y, "y")
        if len(values) < 2:
            raise InputError(
                f"a normal-score transform needs at least 2 values, got {len(values)}",
                column="y",
            )
        weights = (
            np.ones_like(values)
            if sample_weight is None
            else check_vector(sample_weight, "sample_weight")
        )
        if len(weights) != len(values) or (weights < 0).any() or weights.sum() <= 0:
            raise InputError(
                "sample_weight must hold one weight >= 0 per value, not all zero",
                column="sample_weight",
            )
        if values.min() < self.min_value:
            raise InputError(
                f"a value ({values.min():g}) is below min_value ({self.min_value:g})",
                column="y",
                hint="check the data, or lower min_value",
            )
        distinct, inverse = np.unique(values, return_inverse=True)
        if len(distinct) < 2:
            raise InputError("all values are equal: nothing to simulate", column="y")
        # tied values share one point of the distribution, with their total weight
        weight = np.bincount(inverse, weights=weights) / weights.sum()
        self.values_ = distinct
        self.cdf_ = np.cumsum(weight) - weight / 2.0
        self.scores_ = ndtri(self.cdf_)
        return self

    def transform(self, y: ArrayLike) -> NDArray[np.float64]:
        """Normal scores of values (any shape)."""
        check_is_fitted(self)
        z = np.asarray(y, dtype=float)
        # linear in the scores between data values: the exact inverse of the below
        scores = np.interp(z, self.values_, self.scores_)
        outside = (z < self.values_[0]) | (z > self.values_[-1])
        scores[outside] = ndtri(self._tail_cdf(z[outside]))
        return scores

    def inverse_transform(self, scores: ArrayLike) -> NDArray[np.float64]:
        """Values of normal scores (any shape): the back-transform."""
        check_is_fitted(self)
        s = np.asarray(scores, dtype=float)
        z_lo, z_hi = self.values_[0], self.values_[-1]
        p_lo, p_hi = self.cdf_[0], self.cdf_[-1]
        out = np.interp(s, self.scores_, self.values_)
        p = ndtr(s)
        low = s < self.scores_[0]
        out[low] = self.min_value + (z_lo - self.min_value) * p[low] / p_lo
        high = s > self.scores_[-1]
        # the survival function of the tail, inverted; ndtr(-s) keeps its precision
        tail = ndtr(-s[high]) / (1.0 - p_hi)
        out[high] = z_hi * tail ** (-1.0 / self.upper_tail_power)
        return out

    def _tail_cdf(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Cumulative probability of values beyond the data's range."""
        z_lo, z_hi = self.values_[0], self.values_[-1]
        p_lo, p_hi = self.cdf_[0], self.cdf_[-1]
        p = np.empty_like(z)
        low = z < z_lo
        span = z_lo - self.min_value
        p[low] = p_lo * np.clip((z[low] - self.min_value) / span, 0.0, 1.0)
        high = ~low
        p[high] = 1.0 - (1.0 - p_hi) * (z_hi / z[high]) ** self.upper_tail_power
        return p
