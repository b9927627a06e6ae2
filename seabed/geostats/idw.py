"""Inverse distance weighting (R gstat ``idw``), over the kriging neighbourhoods.

The neighbourhood (``n_neighbors`` nearest samples within ``max_distance``, at
most ``max_per_sector`` per quadrant) is the kriging estimators' one, searched
exactly and independently of batching, so the results do not depend on tiles or
threads either.

Examples
--------
>>> X = np.array([[0.0, 0.0], [2.0, 0.0]])
>>> idw = InverseDistanceWeighting(power=1.0).fit(X, np.array([1.0, 4.0]))
>>> float(idw.predict(np.array([[1.0, 0.0]]))[0])  # equal weights
2.5
"""

from __future__ import annotations

import functools
import numbers
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from seabed.geostats._base import _Outputs, _SampleStore
from seabed.geostats._checks import Interval, check_points, check_samples
from seabed.geostats._kernels import IdwModel, idw_groups
from seabed.geostats._parameters import (
    NEIGHBOURHOOD_CONSTRAINTS,
    PARAMETER_HINTS,
    check_neighbourhood,
    search_passes,
)
from seabed.geostats._scoring import _ScoreMixin
from seabed.geostats._search import (
    run_groups,
)
from seabed.geostats.gridding import GridMixin, fit_inputs

__all__ = ["InverseDistanceWeighting"]


class InverseDistanceWeighting(
    GridMixin, _SampleStore, _ScoreMixin, RegressorMixin, BaseEstimator
):
    """Inverse distance weighting (gstat ``idw``): weights ``1 / d^power``.

    A prediction point on a sample takes the sample's value. Neighbourhood
    parameters are as in :class:`OrdinaryKriging`, but all samples are used by
    default, as in gstat. There is no standard deviation: ``return_std`` gives NaN.

    Parameters
    ----------
    power : float, default 2.0
        Inverse distance power (gstat ``idp``).
    n_neighbors : int or None, default None
    max_distance : float, optional
    min_neighbors : int, default 1
    max_per_sector : int, optional
        At most this many of the neighbours per quadrant (gstat ``omax``).
    duplicates : {"raise", "average"}, default "raise"
        See :class:`~seabed.geostats.kriging.OrdinaryKriging`.
    n_jobs : int, optional
        Threads per :meth:`predict` call: None or -1, all cores; -2, all but one;
        a positive integer, that many. Results do not depend on it.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [3.0, 0.0]])
    >>> idw = InverseDistanceWeighting(power=2.0).fit(X, np.array([1.0, 4.0]))
    >>> float(idw.predict(np.array([[1.0, 0.0]]))[0])  # weights 1 and 1/4
    1.6
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "power": [Interval(numbers.Real, 0.0)],
        **NEIGHBOURHOOD_CONSTRAINTS,
    }
    _parameter_hints: ClassVar[dict[str, str]] = PARAMETER_HINTS
    _grid_std: ClassVar[bool] = False  # no standard deviation to grid

    def __init__(
        self,
        power: float = 2.0,
        *,
        n_neighbors: int | None = None,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
        duplicates: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.power = power
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.min_neighbors = min_neighbors
        self.max_per_sector = max_per_sector
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any) -> InverseDistanceWeighting:
        """Store the samples.

        Parameters
        ----------
        X : array-like of shape (n, 2), or GeoDataFrame
            Projected coordinates in metres, not checked for degrees; or points
            with a CRS, learnt as ``crs_`` (see :meth:`OrdinaryKriging.fit`).
        y : array-like of shape (n,) or (n, m), or str
            Values, or (with a GeoDataFrame) column name(s).

        Returns
        -------
        self
        """
        X, y, _, self.crs_ = fit_inputs(X, y)
        check_neighbourhood(self)
        Xa, ya = check_samples(self, X, y)
        self._store_samples(Xa, ya, self.duplicates)
        return self

    def predict(
        self, X: ArrayLike, return_std: bool = False, return_count: bool = False
    ) -> Any:
        """Inverse-distance weighted mean at ``X`` (std is NaN: IDW has none)."""
        check_is_fitted(self)
        Xa = check_points(self, X)
        result = self._interpolate(Xa, None, ["mean"] + ["count"] * return_count)
        mean = result["mean"]
        if self._y_ndim == 1:
            mean = mean[:, 0]
        out: list[NDArray[Any]] = [mean]
        if return_std:
            out.append(np.full(len(Xa), np.nan))
        if return_count:
            out.append(result["count"])
        return out[0] if len(out) == 1 else tuple(out)

    def _leave_one_out(
        self, samples: NDArray[np.int64] | None = None
    ) -> dict[str, NDArray[Any]]:
        check_is_fitted(self)
        if samples is None:
            samples = np.arange(self.n_samples_)
        result = self._interpolate(self.X_[samples], samples, ["mean", "count"])
        return result | {"var": np.full(len(samples), np.nan)}

    def _interpolate(
        self,
        X: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        outputs: list[str],
    ) -> dict[str, NDArray[Any]]:
        """The named ``outputs`` (``mean``, ``count``) at ``X``, chunk by chunk."""
        results = _Outputs(
            len(X),
            {
                "mean": ((self.y_.shape[1],), np.float64, np.nan),
                "count": ((), np.int64, 0),
            },
            outputs,
        )
        for lo, hi in results.chunks():
            part_exclude = None if exclude is None else exclude[lo:hi]
            with results.chunk(lo, hi) as part:
                self._interpolate_chunk(X[lo:hi], part_exclude, part)
        return results.full

    def _interpolate_chunk(
        self,
        X: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        out: dict[str, NDArray[Any]],
    ) -> None:
        nodes = np.ascontiguousarray(X[:, :2], dtype=float)
        plan, hood, n_jobs = self._neighbourhood(nodes, search_passes(self)[0], exclude)
        model = IdwModel(self.y_, float(self.power), out["mean"], out["count"])
        run_groups(plan, n_jobs, functools.partial(idw_groups, hood=hood, model=model))
