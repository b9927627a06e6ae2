"""Kriging estimators with scikit-learn's interface: simple, ordinary, universal
(and external drift) and regression kriging.

Each estimator takes projected coordinates in metres, ``X[:, 0]`` easting and
``X[:, 1]`` northing (plus covariate columns for external drift), and values ``y``
of shape (n,) or (n, m); ``m`` outputs share one set of kriging weights. The
neighbourhood (``n_neighbors`` nearest samples, within ``max_distance``) and the
support (points, or blocks with gstat's discretisation) follow R gstat, whose
numbers the tests reproduce.

Predictions come from compiled kernels that are exact (equal to a dense solve of
each node's kriging system) and independent of how nodes are batched, so a grid
predicted tile by tile is bit-identical to the grid predicted at once; see
``docs/kriging.md`` for the algorithm.

Examples
--------
>>> from seabed.geostats import Variogram
>>> X = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
>>> y = np.array([1.0, 2.0, 3.0, 4.0])
>>> ok = OrdinaryKriging(Variogram("exponential", psill=1.0, range=200.0)).fit(X, y)
>>> mean, std = ok.predict(np.array([[50.0, 50.0], [0.0, 0.0]]), return_std=True)
>>> mean.round(6).tolist(), std.round(6).tolist()
([2.5, 1.0], [0.521685, 0.0])
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import ConfigError, InputError
from seabed.geostats._base import _KrigingBase
from seabed.geostats._checks import (
    HasMethods,
    InstanceOf,
    Interval,
    Options,
    check_points,
    check_samples,
)
from seabed.geostats._parameters import (
    KRIGING_CONSTRAINTS,
    PARAMETER_HINTS,
    check_neighbourhood,
)
from seabed.geostats._scoring import _ScoreMixin
from seabed.geostats.gridding import GridMixin, fit_inputs
from seabed.geostats.variogram import Variogram

__all__ = [
    "OrdinaryKriging",
    "RegressionKriging",
    "SimpleKriging",
    "UniversalKriging",
]


class OrdinaryKriging(_KrigingBase):
    """Ordinary kriging: unknown constant mean within each neighbourhood.

    Parameters
    ----------
    variogram : Variogram or "auto"
        The variogram model (gstat ``vgm()`` conventions); ``"auto"`` fits one to
        the first output with :func:`seabed.geostats.model_selection.auto_variogram`.
    n_neighbors : int or None, default 32
        Nearest samples used per prediction (gstat ``nmax``), by Euclidean distance
        in the (x, y) plane whatever the anisotropy, ties broken by sample index;
        None uses every sample (global kriging).
    max_distance : float, optional
        Only samples within this distance in metres (gstat ``maxdist``, inclusive).
    min_neighbors : int, default 1
        Predictions whose search finds fewer samples are NaN (gstat ``nmin``;
        counted before ``max_per_sector``, as gstat does).
    max_per_sector : int, optional
        Of the neighbours found, keep only the nearest this many in each quadrant
        around the node (gstat ``omax``): at most ``4 * max_per_sector`` samples,
        chosen from the ``n_neighbors`` nearest, so that samples clustered on one
        side do not crowd out the others. Quadrants are azimuth ranges
        ``[0, 90)``, ``[90, 180)``, ... degrees clockwise from north: a sample
        due north is north-east, due east south-east (gstat's convention).
        None: no limit.
    max_per_core : int, optional
        Of the neighbours found, keep only the nearest this many from any one
        core (the ``groups`` given to :meth:`fit`: cores, or re-cored sites),
        before the sector limit; ``min_neighbors`` counts what is left. None: no
        limit.
    passes : list of dict, optional
        Search passes, tried in order: a prediction is made by the first pass
        whose search finds enough samples (``search_pass`` in the diagnostics of
        :meth:`predict`). Each dict may set ``n_neighbors``, ``min_neighbors``,
        ``max_distance``, ``max_per_core`` and ``max_per_sector``; a key left out
        takes the estimator's own value. None: one pass of the estimator's own
        values. See ``docs/search.md``.
    high_value, high_value_radius : float, optional
        Samples whose first output exceeds ``high_value`` inform only
        predictions within ``high_value_radius`` metres (a distance-limited
        restriction of high values; give both or neither).
    block_size : float or (float, float), optional
        Block kriging of rectangles this wide (east) and high (north), centred on
        the prediction points (gstat ``block``); None: point kriging.
    block_discretization : "gauss" or int, default "gauss"
        gstat's default 4 x 4 Gauss-Legendre rule, or an n x n regular grid (gstat
        ``set = list(nblockdiscr = n)``).
    duplicates : {"raise", "average"}, default "raise"
        Samples sharing a location raise
        :class:`~seabed.exceptions.DuplicateSamplesError`, or are replaced by
        their average.
    n_jobs : int, optional
        Threads per :meth:`predict` call: None or -1, all cores; -2, all but one;
        a positive integer, that many. Results do not depend on it.

    Attributes
    ----------
    variogram_ : Variogram
        The model used (fitted when ``variogram="auto"``).
    X_ : ndarray of shape (n, 2)
        Sample coordinates (duplicates merged).
    y_ : ndarray of shape (n, m)
        Sample values.
    n_samples_, n_outputs_, n_features_in_ : int
    passes_ : list of SearchPass
        The search passes, resolved (every key filled).
    n_restricted_ : int
        Samples under the high-value restriction.
    crs_ : pyproj.CRS or None
        The CRS of ``X_`` when fitted on a GeoDataFrame (its own, or the UTM
        zone of lon/lat points); :meth:`grid` uses it by default. None when
        fitted on arrays.

    Examples
    --------
    >>> from seabed.geostats import Variogram
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(0, 1000, size=(50, 2))
    >>> y = np.sin(X[:, 0] / 300.0)
    >>> vg = Variogram("spherical", psill=0.5, range=600.0, nugget=0.01)
    >>> ok = OrdinaryKriging(vg, n_neighbors=16).fit(X, y)
    >>> bool(np.allclose(ok.predict(X[:3]), y[:3]))  # exact at the samples
    True
    """

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
        max_per_core: int | None = None,
        passes: list[dict[str, Any]] | None = None,
        high_value: float | None = None,
        high_value_radius: float | None = None,
        block_size: float | tuple[float, float] | None = None,
        block_discretization: int | str = "gauss",
        duplicates: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.variogram = variogram
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.min_neighbors = min_neighbors
        self.max_per_sector = max_per_sector
        self.max_per_core = max_per_core
        self.passes = passes
        self.high_value = high_value
        self.high_value_radius = high_value_radius
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs


class SimpleKriging(_KrigingBase):
    """Simple kriging: the mean is known (gstat ``beta``).

    Parameters
    ----------
    variogram : Variogram or "auto"
        See :class:`OrdinaryKriging`.
    mean : float or array-like of shape (m,), optional
        The known mean (one per output); None uses the sample mean (held fixed in
        leave-one-out cross-validation).
    n_neighbors, max_distance, min_neighbors, max_per_sector, max_per_core, \
passes, high_value, high_value_radius, block_size, block_discretization, \
duplicates, n_jobs
        See :class:`OrdinaryKriging`.

    Attributes
    ----------
    mean_ : ndarray of shape (m,)
        The mean used.

    Examples
    --------
    >>> from seabed.geostats import Variogram
    >>> X = np.array([[0.0, 0.0], [100.0, 0.0]])
    >>> sk = SimpleKriging(Variogram("exponential", psill=1.0, range=10.0), mean=5.0)
    >>> float(sk.fit(X, np.array([7.0, 9.0])).predict(np.array([[50.0, 500.0]]))[0])
    5.0
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **KRIGING_CONSTRAINTS,
        "mean": [
            Interval(numbers.Real, None),
            InstanceOf((list, tuple, np.ndarray), "an array of one mean per output"),
            None,
        ],
    }

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        mean: float | ArrayLike | None = None,
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
        max_per_core: int | None = None,
        passes: list[dict[str, Any]] | None = None,
        high_value: float | None = None,
        high_value_radius: float | None = None,
        block_size: float | tuple[float, float] | None = None,
        block_discretization: int | str = "gauss",
        duplicates: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.variogram = variogram
        self.mean = mean
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.min_neighbors = min_neighbors
        self.max_per_sector = max_per_sector
        self.max_per_core = max_per_core
        self.passes = passes
        self.high_value = high_value
        self.high_value_radius = high_value_radius
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def _fit_drift(self, X: NDArray[np.float64]) -> None:
        if self.mean is None:
            self.mean_ = self.y_.mean(axis=0)
            return
        mean = np.atleast_1d(np.asarray(self.mean, dtype=float)).ravel()
        if len(mean) == 1:
            mean = np.repeat(mean, self.n_outputs_)
        if len(mean) != self.n_outputs_ or not np.isfinite(mean).all():
            raise ConfigError(
                f"needs one finite mean per output ({self.n_outputs_}), got {self.mean!r}",
                column="mean",
            )
        self.mean_ = mean

    def _drift_basis(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.zeros((len(X), 0))

    def _known_mean(self) -> NDArray[np.float64]:
        return self.mean_


class UniversalKriging(_KrigingBase):
    """Universal kriging: a drift in the coordinates, or external covariates (KED).

    Parameters
    ----------
    variogram : Variogram or "auto"
        The variogram of the residuals from the drift; ``"auto"`` fits one to the
        residuals of an ordinary least-squares drift fit.
    drift : {"linear", "quadratic", "external"}, default "linear"
        ``"linear"``: 1, x, y; ``"quadratic"``: also x^2, xy, y^2; ``"external"``:
        1 and the covariates in ``X[:, 2:]`` (kriging with external drift, gstat
        ``z ~ covariate``). For blocks the drift is taken at the block centre, as
        gstat does.
    n_neighbors, max_distance, min_neighbors, max_per_sector, max_per_core, \
passes, high_value, high_value_radius, block_size, block_discretization, \
duplicates, n_jobs
        See :class:`OrdinaryKriging`. Predictions with fewer neighbours than
        drift coefficients are NaN.

    Examples
    --------
    >>> from seabed.geostats import Variogram
    >>> rng = np.random.default_rng(2)
    >>> X = rng.uniform(0, 1000, size=(40, 2))
    >>> y = 3.0 + 0.01 * X[:, 0] - 0.02 * X[:, 1]  # a pure linear trend
    >>> uk = UniversalKriging(Variogram("exponential", psill=1.0, range=100.0),
    ...                       drift="linear", n_neighbors=None).fit(X, y)
    >>> round(float(uk.predict(np.array([[2000.0, 500.0]]))[0]), 6)  # extrapolates it
    13.0
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **KRIGING_CONSTRAINTS,
        "drift": [Options(("linear", "quadratic", "external"))],
    }

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        drift: str = "linear",
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
        max_per_core: int | None = None,
        passes: list[dict[str, Any]] | None = None,
        high_value: float | None = None,
        high_value_radius: float | None = None,
        block_size: float | tuple[float, float] | None = None,
        block_discretization: int | str = "gauss",
        duplicates: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.variogram = variogram
        self.drift = drift
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.min_neighbors = min_neighbors
        self.max_per_sector = max_per_sector
        self.max_per_core = max_per_core
        self.passes = passes
        self.high_value = high_value
        self.high_value_radius = high_value_radius
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def _columns(self) -> tuple[int, int | None]:
        return (3, None) if self.drift == "external" else (2, 2)

    def _fit_drift(self, X: NDArray[np.float64]) -> None:
        # Centre and scale the drift columns: the predictor is unchanged (the
        # drift's span is), and the drift system stays well conditioned.
        if self.drift == "external":
            cov = X[:, 2:]
            self._drift_centre = cov.mean(axis=0)
            scale = cov.std(axis=0)
            constant = np.flatnonzero(~(scale > 0))
            if len(constant):
                raise InputError(
                    f"covariate column {2 + int(constant[0])} is constant over the "
                    f"{len(X)} sample(s): it cannot act as a drift",
                    column="X",
                )
            self._drift_scale = scale
        else:
            self._drift_centre = X[:, :2].mean(axis=0)
            span = float(np.ptp(X[:, :2], axis=0).max())
            self._drift_scale = np.array([span if span > 0 else 1.0] * 2)

    def _drift_basis(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.drift == "external":
            z = (X[:, 2:] - self._drift_centre) / self._drift_scale
            return np.column_stack([np.ones(len(X)), z])
        u = (X[:, 0] - self._drift_centre[0]) / self._drift_scale[0]
        v = (X[:, 1] - self._drift_centre[1]) / self._drift_scale[1]
        columns = [np.ones(len(X)), u, v]
        if self.drift == "quadratic":
            columns += [u * u, u * v, v * v]
        return np.column_stack(columns)


class RegressionKriging(GridMixin, _ScoreMixin, RegressorMixin, BaseEstimator):
    """Regression kriging: a regressor for the trend, ordinary kriging of residuals.

    The regressor is fitted to the covariates ``X[:, 2:]`` (``features="covariates"``)
    or to all columns (``features="all"``); its residuals at the samples are then
    kriged. The standard deviation is that of the residual kriging (the
    regressor's own error is not included).

    Parameters
    ----------
    regressor : scikit-learn regressor
        Any regressor (cloned at fit).
    variogram : Variogram or "auto", default "auto"
        Variogram of the residuals.
    features : {"covariates", "all"}, default "covariates"
        Columns the regressor sees.
    n_neighbors, max_distance, min_neighbors, max_per_sector, max_per_core, \
passes, high_value, high_value_radius, block_size, block_discretization, \
duplicates, n_jobs
        See :class:`OrdinaryKriging` (for the residuals).

    Attributes
    ----------
    regressor_ : estimator
        The fitted regressor.
    kriging_ : OrdinaryKriging
        The fitted kriging of the residuals.
    variogram_ : Variogram
    crs_ : pyproj.CRS or None
        See :class:`OrdinaryKriging`.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from seabed.geostats import Variogram
    >>> rng = np.random.default_rng(3)
    >>> X = np.column_stack([rng.uniform(0, 1000, (30, 2)), rng.normal(size=30)])
    >>> y = 2.0 * X[:, 2] + 1.0
    >>> rk = RegressionKriging(LinearRegression(),
    ...                        variogram=Variogram("exponential", psill=1.0, range=100.0))
    >>> round(float(rk.fit(X, y).predict(np.array([[500.0, 500.0, 3.0]]))[0]), 6)
    7.0
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "regressor": [
            HasMethods(("fit", "predict"), "a scikit-learn regressor (fit, predict)")
        ],
        **KRIGING_CONSTRAINTS,
        "features": [Options(("covariates", "all"))],
    }
    _parameter_hints: ClassVar[dict[str, str]] = PARAMETER_HINTS

    def __init__(
        self,
        regressor: Any,
        variogram: Variogram | str = "auto",
        *,
        features: str = "covariates",
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
        max_per_core: int | None = None,
        passes: list[dict[str, Any]] | None = None,
        high_value: float | None = None,
        high_value_radius: float | None = None,
        block_size: float | tuple[float, float] | None = None,
        block_discretization: int | str = "gauss",
        duplicates: str = "raise",
        n_jobs: int | None = None,
    ) -> None:
        self.regressor = regressor
        self.variogram = variogram
        self.features = features
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.min_neighbors = min_neighbors
        self.max_per_sector = max_per_sector
        self.max_per_core = max_per_core
        self.passes = passes
        self.high_value = high_value
        self.high_value_radius = high_value_radius
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def _columns(self) -> tuple[int, int | None]:
        return (3, None) if self.features == "covariates" else (2, None)

    def _features(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return X[:, 2:] if self.features == "covariates" else X

    def fit(self, X: Any, y: Any, groups: Any = None) -> RegressionKriging:
        """Fit the regressor, then krige its residuals.

        Parameters
        ----------
        X : array-like of shape (n, 2 + q), or GeoDataFrame
            Coordinates in metres, then covariates. A GeoDataFrame of points
            gives the coordinates only (for ``features="all"``), as in
            :meth:`OrdinaryKriging.fit`.
        y : array-like of shape (n,) or (n, m), or str
            Values, or (with a GeoDataFrame) column name(s).
        groups : array-like of shape (n,), or str, optional
            The core (or site) of each sample, for ``max_per_core``.

        Returns
        -------
        self
        """
        X, y, groups, self.crs_ = fit_inputs(X, y, groups)
        check_neighbourhood(self)
        Xa, ya = check_samples(
            self,
            X,
            y,
            columns=self._columns(),
            hint="give covariates in X[:, 2:], or features='all' to regress on "
            "the coordinates",
        )
        self.regressor_ = clone(self.regressor).fit(self._features(Xa), ya)
        trend = np.asarray(
            self.regressor_.predict(self._features(Xa)), dtype=np.float64
        )
        residuals = ya - trend.reshape(ya.shape)
        self.kriging_ = OrdinaryKriging(
            self.variogram,
            n_neighbors=self.n_neighbors,
            max_distance=self.max_distance,
            min_neighbors=self.min_neighbors,
            max_per_sector=self.max_per_sector,
            max_per_core=self.max_per_core,
            passes=self.passes,
            high_value=self.high_value,
            high_value_radius=self.high_value_radius,
            block_size=self.block_size,
            block_discretization=self.block_discretization,
            duplicates=self.duplicates,
            n_jobs=self.n_jobs,
        ).fit(Xa[:, :2], residuals, groups)
        self.variogram_ = self.kriging_.variogram_
        return self

    def predict(
        self,
        X: ArrayLike,
        return_std: bool = False,
        return_count: bool = False,
        return_diagnostics: bool = False,
    ) -> Any:
        """Trend plus kriged residual (see :meth:`OrdinaryKriging.predict`)."""
        check_is_fitted(self)
        Xa = check_points(self, X)
        trend = np.asarray(
            self.regressor_.predict(self._features(Xa)), dtype=np.float64
        )
        out = self.kriging_.predict(
            Xa[:, :2],
            return_std=return_std,
            return_count=return_count,
            return_diagnostics=return_diagnostics,
        )
        if isinstance(out, tuple):
            return (out[0] + trend.reshape(out[0].shape), *out[1:])
        return out + trend.reshape(out.shape)

    def slope_of_regression(self, X: ArrayLike) -> NDArray[np.float64]:
        """Slope of regression of the residual kriging at ``X``.

        The trend is taken as known, so this is the residual's
        :meth:`OrdinaryKriging.slope_of_regression` (the regressor's own error
        is not included, as in the standard deviation).
        """
        check_is_fitted(self)
        Xa = check_points(self, X)
        slopes: NDArray[np.float64] = self.kriging_.slope_of_regression(Xa[:, :2])
        return slopes

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
