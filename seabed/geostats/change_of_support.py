"""Change of support: the grades of selective mining units from point data.

A cut-off is applied to what is mined, a selective mining unit (SMU) of a few
hundred metres, whose true grades are less variable than the cores' (point)
grades but more variable than kriged panels. The *discrete Gaussian model*
(DGM; Matheron 1976, Rivoirard 1994, Chiles & Delfiner 2012 s. 6.4) gives the
distribution of SMU grades without simulation, and *uniform conditioning* (UC;
Rivoirard 1994, Emery 2005) conditions it on each panel's kriged grade.

The equations, with ``Y`` a standard normal variable, ``g`` and ``G`` its
density and distribution function, and ``H_n = He_n / sqrt(n!)`` the normalised
(probabilists') Hermite polynomials, orthonormal under ``g``:

- **Gaussian anamorphosis** of points: ``Z = phi(Y) = sum_n phi_n H_n(Y)``, with
  ``phi_n = E[Z H_n(Y)]`` integrated from the empirical (declustered) anamorphosis
  of :class:`~seabed.geostats.simulation.NormalScoreTransform`. ``phi_0`` is the
  mean and ``sum_{n>=1} phi_n^2`` the variance.
- **Block anamorphosis** of the SMU ``v``: ``Z_v = sum_n phi_n r^n H_n(Y_v)``
  (Cartier's relation), with the support coefficient ``r`` solving
  ``sum_{n>=1} phi_n^2 r^(2n) = Var(Z_v)``. The block variance comes from the
  variogram: ``Var(Z_v) = Var(Z) Cbar(v, v) / C(0)``, ``Cbar(v, v)`` the mean
  covariance between two points of ``v`` (:func:`mean_block_covariance`; the
  nugget averages out of a block).
- **Global recoverable resource** at cut-off ``z_c``: with ``y_c`` such that
  ``phi_v(y_c) = z_c``, tonnage ``T = 1 - G(y_c)`` and metal
  ``Q = E[Z_v 1{Y_v >= y_c}]``.
- **Uniform conditioning** on a panel ``V`` (here a grid cell) with kriged grade
  ``Z*_V``: the kriged grades have their own anamorphosis
  ``Z*_V = sum_n phi_n s^n H_n(Y*_V)``, ``s`` solving
  ``sum phi_n^2 s^(2n) = Var(Z*_V)``, and ``(Y_v, Y*_V)`` are bivariate standard
  normal with correlation ``rho``. If the kriging is conditionally unbiased,
  ``Cov(Z_v, Z*_V) = Var(Z*_V)``, so ``sum phi_n^2 (r s rho)^n = sum phi_n^2
  s^(2n)`` and ``rho = s / r``. Given ``Y*_V = y*``, ``Y_v ~ N(rho y*, 1 -
  rho^2)``, so the share of the panel's SMUs above ``z_c`` is
  ``T = 1 - G((y_c - rho y*) / sqrt(1 - rho^2))`` and their metal
  ``Q = E[Z_v 1{Y_v >= y_c} | y*]``.
  ``Var(Z*_V)`` is taken per panel from its kriging variance,
  ``Var(Z*_V) = Cbar(V, V) - sigma_K^2(V)`` (in the same relative scale as
  ``Var(Z_v)``), so panels far from the cores (``s -> 0``) fall back on the
  global SMU distribution and panels with many cores (``s -> r``) keep their
  kriged grade with the SMU's spread around it.

A truncated Hermite expansion need not be monotone: the block anamorphosis is
tabulated on ``[-6, 6]``, made non-decreasing outwards from the median (so that
the swings of the far tails do not spread inwards) and at least ``min_value``,
and read from the table.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> y = np.exp(rng.normal(6.5, 0.5, 2000))
>>> model = DiscreteGaussianModel(
...     Variogram("spherical", psill=1.0, range=2000.0), smu_size=500.0
... ).fit(y)
>>> 0 < model.r_ < 1
True
>>> table = model.global_tonnage([0.0, 900.0])
>>> round(float(table.tonnage[0]), 6)                 # every SMU is above 0
1.0
>>> bool(table.mean_grade[0] == model.anamorphosis_.mean_)
False
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import InputError
from seabed.geostats import _uc
from seabed.geostats._checks import InstanceOf, Interval, Sizes, validate_params
from seabed.geostats.normal_scores import NormalScoreTransform
from seabed.geostats.support import block_discretization
from seabed.geostats.variogram import Variogram

__all__ = [
    "DiscreteGaussianModel",
    "HermiteAnamorphosis",
    "hermite_polynomials",
    "mean_block_covariance",
]

#: Gaussian values on which anamorphoses are integrated and tabulated.
_Y = np.linspace(-6.0, 6.0, 4801)
#: Squared Gaussian coefficients (r^2, s^2) on which variances are inverted.
_U = np.linspace(0.0, 1.0, 4001)
#: Gauss-Legendre nodes on (0, 1) for the conditional expectations of UC.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
#: The nodes mapped to (0, 1), and their normal scores.
_GL_SHARES = (_GL_NODES + 1) / 2
_GL_SCORES = ndtri(_GL_SHARES)


def hermite_polynomials(y: ArrayLike, n_terms: int) -> NDArray[np.float64]:
    """Normalised Hermite polynomials ``H_0 ... H_{n_terms - 1}`` at ``y``.

    ``H_n = He_n / sqrt(n!)`` with ``He_n`` the probabilists' polynomials, by the
    recurrence ``H_{n+1} = (y H_n - sqrt(n) H_{n-1}) / sqrt(n + 1)``; they are
    orthonormal for the standard normal density.

    Parameters
    ----------
    y : array-like
        Gaussian values (any shape).
    n_terms : int
        Number of polynomials (>= 1).

    Returns
    -------
    ndarray of shape (n_terms, *y.shape)

    Examples
    --------
    >>> hermite_polynomials([0.0, 1.0], 3).round(6).tolist()
    [[1.0, 1.0], [0.0, 1.0], [-0.707107, 0.0]]
    """
    values = np.asarray(y, dtype=float)
    out = np.empty((n_terms, *values.shape))
    out[0] = 1.0
    if n_terms > 1:
        out[1] = values
    for n in range(1, n_terms - 1):
        out[n + 1] = (values * out[n] - math.sqrt(n) * out[n - 1]) / math.sqrt(n + 1)
    return out


def mean_block_covariance(
    variogram: Variogram, block_size: float | tuple[float, float]
) -> float:
    """Mean covariance ``Cbar(v, v)`` between two points of a rectangular block.

    The block is discretised into 20 x 20 points (a regular grid of cell centres,
    :func:`~seabed.geostats.support.block_discretization`: gstat's 4 x 4 Gauss
    points are 1-2 % off for an exponential model whose range is near the block
    size); the nugget, a covariance at zero distance only, averages out of a
    block and is left out.
    ``C(0) - Cbar(v, v)`` is the mean variogram within the block,
    ``gamma_bar(v, v)``.

    Parameters
    ----------
    variogram : Variogram
    block_size : float or (float, float)
        Block width (east) and height (north), metres.

    Returns
    -------
    float

    Examples
    --------
    >>> vg = Variogram("spherical", psill=1.0, range=1000.0, nugget=0.2)
    >>> round(mean_block_covariance(vg, 1e-6), 6)     # a point: the structure's sill
    1.0
    >>> round(mean_block_covariance(vg, 500.0), 3)
    0.624
    """
    size = np.broadcast_to(np.asarray(block_size, dtype=float), (2,))
    points = block_discretization((float(size[0]), float(size[1])), 20)
    dx = points[:, 0, None] - points[None, :, 0]
    dy = points[:, 1, None] - points[None, :, 1]
    weights = points[:, 2, None] * points[None, :, 2]
    covariance = variogram.covariance(dx, dy) - np.where(
        (dx == 0) & (dy == 0), variogram.nugget, 0.0
    )
    return float(np.sum(weights * covariance))


class HermiteAnamorphosis(BaseEstimator):
    """Gaussian anamorphosis of grades expanded in Hermite polynomials.

    Parameters
    ----------
    n_terms : int, default 40
        Hermite polynomials kept (``phi_0 ... phi_{n_terms - 1}``).
    upper_tail_power : float, default 2.5
        Upper tail of the empirical anamorphosis
        (:class:`~seabed.geostats.simulation.NormalScoreTransform`).
    min_value : float, default 0.0
        The smallest possible grade.

    Attributes
    ----------
    coefficients_ : ndarray of shape (n_terms,)
        ``phi_n``.
    mean_ : float
        ``phi_0``, the (declustered) mean.
    variance_ : float
        ``sum_{n>=1} phi_n^2``, the variance the expansion keeps.
    transform_ : NormalScoreTransform
        The empirical anamorphosis the coefficients were integrated from.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> y = rng.normal(1000.0, 100.0, 5000).clip(0)
    >>> ana = HermiteAnamorphosis(n_terms=10).fit(y)
    >>> round(ana.mean_), round(float(ana.coefficients_[1]) / 100, 1)  # 1000 + 100 Y
    (999, 1.0)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_terms": [Interval(numbers.Integral, 2)],
        "upper_tail_power": NormalScoreTransform._parameter_constraints[
            "upper_tail_power"
        ],
        "min_value": NormalScoreTransform._parameter_constraints["min_value"],
    }

    def __init__(
        self,
        *,
        n_terms: int = 40,
        upper_tail_power: float = 2.5,
        min_value: float = 0.0,
    ) -> None:
        self.n_terms = n_terms
        self.upper_tail_power = upper_tail_power
        self.min_value = min_value

    def fit(
        self, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> HermiteAnamorphosis:
        """Integrate the Hermite coefficients of the data's anamorphosis.

        Parameters
        ----------
        y : array-like of shape (n,)
            Grades.
        sample_weight : array-like of shape (n,), optional
            Declustering weights.

        Returns
        -------
        self
        """
        validate_params(self)
        self.transform_ = NormalScoreTransform(
            min_value=self.min_value, upper_tail_power=self.upper_tail_power
        ).fit(y, sample_weight)
        values = self.transform_.inverse_transform(_Y)
        density = np.exp(-0.5 * _Y**2) / math.sqrt(2.0 * math.pi)
        weights = _trapezoid_weights(_Y) * density
        polynomials = hermite_polynomials(_Y, self.n_terms)
        self.coefficients_ = polynomials @ (weights * values)
        self.mean_ = float(self.coefficients_[0])
        self.variance_ = float(np.sum(self.coefficients_[1:] ** 2))
        return self

    def gaussian_coefficient(self, variance: ArrayLike) -> NDArray[np.float64]:
        """The coefficient ``c`` in (0, 1) with ``sum_{n>=1} phi_n^2 c^(2n)`` equal
        to ``variance`` (a variance between 0 and :attr:`variance_`)."""
        check_is_fitted(self)
        target = np.clip(np.asarray(variance, dtype=float), 0.0, self.variance_)
        powers = _U[:, None] ** np.arange(1, self.n_terms)
        explained = powers @ self.coefficients_[1:] ** 2  # increasing in u
        return np.sqrt(np.interp(target, explained, _U))

    def table(self, coefficient: float) -> NDArray[np.float64]:
        """The anamorphosis of support coefficient ``coefficient`` on the Gaussian
        values ``-6 ... 6``, non-decreasing outwards from the median and at least
        ``min_value``."""
        check_is_fitted(self)
        scaled = self.coefficients_ * coefficient ** np.arange(self.n_terms)
        values = scaled @ hermite_polynomials(_Y, self.n_terms)
        # made monotone outwards from the median: a truncated expansion swings
        # most in the far tails, and a swing there must not spread inwards
        middle = len(_Y) // 2
        upper = np.maximum.accumulate(values[middle:])
        lower = np.minimum.accumulate(values[middle::-1])[::-1]
        return np.maximum(np.concatenate([lower[:-1], upper]), self.min_value)


class DiscreteGaussianModel(BaseEstimator):
    """Recoverable resource of selective mining units by the discrete Gaussian model.

    Parameters
    ----------
    variogram : Variogram
        Variogram of the grades (point support): it sets the SMU's and the
        panels' variance relative to the points'.
    smu_size : float or (float, float)
        Width and height of the SMU, metres.
    n_terms : int, default 40
        Hermite polynomials of the anamorphosis.
    upper_tail_power, min_value : float
        As for :class:`HermiteAnamorphosis`.

    Attributes
    ----------
    anamorphosis_ : HermiteAnamorphosis
    smu_variance_ : float
        ``Var(Z_v)`` in grade units squared.
    r_ : float
        The SMU's support coefficient.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.exp(rng.normal(6.5, 0.5, 500))
    >>> vg = Variogram("spherical", psill=1.0, range=3000.0)
    >>> dgm = DiscreteGaussianModel(vg, smu_size=250.0).fit(y)
    >>> T, Q = dgm.uniform_conditioning([700.0], [50.0], 1000.0, [600.0])
    >>> bool(0 < T[0, 0] < 1), bool(Q[0, 0] / T[0, 0] >= 600.0)
    (True, True)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "variogram": [InstanceOf((Variogram,), "a Variogram")],
        "smu_size": [Sizes()],
        "n_terms": HermiteAnamorphosis._parameter_constraints["n_terms"],
        "upper_tail_power": HermiteAnamorphosis._parameter_constraints[
            "upper_tail_power"
        ],
        "min_value": HermiteAnamorphosis._parameter_constraints["min_value"],
    }

    def __init__(
        self,
        variogram: Variogram,
        smu_size: float | tuple[float, float],
        *,
        n_terms: int = 40,
        upper_tail_power: float = 2.5,
        min_value: float = 0.0,
    ) -> None:
        self.variogram = variogram
        self.smu_size = smu_size
        self.n_terms = n_terms
        self.upper_tail_power = upper_tail_power
        self.min_value = min_value

    def fit(
        self, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DiscreteGaussianModel:
        """Fit the anamorphosis of the grades and the SMU's support coefficient.

        Parameters
        ----------
        y : array-like of shape (n,)
            Point (composite) grades.
        sample_weight : array-like of shape (n,), optional
            Declustering weights.

        Returns
        -------
        self
        """
        validate_params(self)
        if self.variogram.sill <= 0:
            raise InputError(
                "the variogram's sill must be positive", column="variogram"
            )
        self.anamorphosis_ = HermiteAnamorphosis(
            n_terms=self.n_terms,
            upper_tail_power=self.upper_tail_power,
            min_value=self.min_value,
        ).fit(y, sample_weight)
        self.smu_variance_ = (
            self._relative(self.smu_size) * self.anamorphosis_.variance_
        )
        self.r_ = float(self.anamorphosis_.gaussian_coefficient(self.smu_variance_))
        self.table_ = self.anamorphosis_.table(self.r_)
        return self

    def _relative(self, size: Any) -> float:
        """A block's variance as a share of the points' (``Cbar(v, v) / C(0)``)."""
        return mean_block_covariance(self.variogram, size) / self.variogram.sill

    def global_tonnage(self, cutoffs: Sequence[float]) -> pd.DataFrame:
        """Share of SMUs above each cut-off, their metal and mean grade (the DGM).

        Returns
        -------
        pandas.DataFrame
            ``cutoff``, ``tonnage`` (share of SMUs), ``metal`` (``Q``, grade units:
            the mean over all SMUs of the grade of those selected), ``mean_grade``
            (``Q / T``).
        """
        check_is_fitted(self)
        zero = np.zeros(1)
        tonnage, metal = self._above(zero, np.ones(1), cutoffs)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(tonnage[:, 0] > 0, metal[:, 0] / tonnage[:, 0], np.nan)
        return pd.DataFrame(
            {
                "cutoff": [float(c) for c in cutoffs],
                "tonnage": tonnage[:, 0],
                "metal": metal[:, 0],
                "mean_grade": mean,
            }
        )

    def uniform_conditioning(
        self,
        panel_grade: ArrayLike,
        panel_std: ArrayLike,
        panel_size: float | Sequence[float],
        cutoffs: Sequence[float],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Share of each panel's SMUs above each cut-off, and their metal (UC).

        Parameters
        ----------
        panel_grade : array-like of shape (m,)
            Kriged panel grades.
        panel_std : array-like of shape (m,)
            Their kriging standard deviations (same units as the variogram).
        panel_size : float or (float, float)
            Panel width and height, metres.
        cutoffs : sequence of float

        Returns
        -------
        tonnage : ndarray of shape (len(cutoffs), m)
            ``T``: the share of the panel's SMUs at or above each cut-off.
        metal : ndarray of shape (len(cutoffs), m)
            ``Q``: the mean over the panel's SMUs of their grade if selected, else
            0 (the recovered grade is ``Q / T``).
        """
        check_is_fitted(self)
        grade = np.asarray(panel_grade, dtype=float).ravel()
        std = np.asarray(panel_std, dtype=float).ravel()
        ana = self.anamorphosis_
        # Var(Z*_V) = Cbar(V, V) - sigma_K^2, relative to the variogram's sill
        relative = self._relative(panel_size) - np.nan_to_num(std) ** 2 / (
            self.variogram.sill
        )
        panel_variance = np.clip(relative, 0.0, None) * ana.variance_
        s = np.minimum(ana.gaussian_coefficient(panel_variance), self.r_)
        y_star = self._panel_gaussian(grade, s)
        rho = s / self.r_ if self.r_ > 0 else np.zeros_like(s)
        return self._above(rho * y_star, np.sqrt(1.0 - rho**2), cutoffs)

    def _panel_gaussian(
        self, grade: NDArray[np.float64], s: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """``y*`` with ``sum phi_n s^n H_n(y*) = grade`` in [-6, 6] (the panel
        anamorphosis is increasing; the ends for grades outside its range)."""
        return _uc.panel_gaussian(
            self.anamorphosis_.coefficients_,
            np.ascontiguousarray(grade, dtype=float),
            np.ascontiguousarray(s, dtype=float),
        )

    def _above(
        self,
        center: NDArray[np.float64],
        spread: NDArray[np.float64],
        cutoffs: Sequence[float],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``T`` and ``Q`` above each cut-off for ``Y_v ~ N(center, spread^2)``."""
        table = self.table_
        # a strictly increasing copy of the table, to invert it
        increasing = table + 1e-9 * np.arange(len(table)) * max(1.0, table[-1])
        cutoff_gaussian = np.empty(len(cutoffs))
        for i, cutoff in enumerate(cutoffs):
            if cutoff <= table[0]:
                cutoff_gaussian[i] = -np.inf
            elif cutoff > table[-1]:
                cutoff_gaussian[i] = np.inf
            else:
                cutoff_gaussian[i] = float(np.interp(cutoff, increasing, _Y))
        # Q = integral over p in (p_low, 1) of phi_v(center + spread G^-1(p)) dp
        return _uc.above(
            _Y,
            table,
            np.ascontiguousarray(center, dtype=float),
            np.ascontiguousarray(spread, dtype=float),
            cutoff_gaussian,
            _GL_SHARES,
            _GL_SCORES,
            _GL_WEIGHTS,
        )


def _trapezoid_weights(x: NDArray[np.float64]) -> NDArray[np.float64]:
    step = np.diff(x)
    weights = np.zeros_like(x)
    weights[:-1] += step / 2.0
    weights[1:] += step / 2.0
    return weights
