"""Kriging estimators with scikit-learn's interface: simple, ordinary, universal
(and external drift), regression kriging, and inverse distance weighting.

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

import functools
import math
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from seabed.exceptions import (
    ConfigError,
    DuplicateSamplesError,
    InputError,
    SeabedWarning,
    SingularSystemError,
)
from seabed.geostats._kernels import (
    STATUS_DRIFT_SINGULAR,
    STATUS_OK,
    block_covariance,
    idw_groups,
    krige_groups,
    point_covariance,
    structure_table,
)
from seabed.geostats._search import (
    nearest_neighbors,
    plan_search,
    resolve_n_jobs,
    run_groups,
)
from seabed.geostats.variogram import Variogram

__all__ = [
    "GAUSS_NODES",
    "GAUSS_WEIGHTS",
    "InverseDistanceWeighting",
    "OrdinaryKriging",
    "RegressionKriging",
    "SimpleKriging",
    "UniversalKriging",
    "block_discretization",
]

#: gstat's 4-point Gauss-Legendre nodes and weights on a unit interval centred on 0
#: (block.c, from Carr & Palmer 1993), with gstat's 10 digits: the default block
#: discretisation of ``krige(..., block=)``.
GAUSS_NODES = (-0.4305681558, -0.1699905218, 0.1699905218, 0.4305681558)
GAUSS_WEIGHTS = (0.1739274226, 0.3260725774, 0.3260725774, 0.1739274226)

_DRIFTS = ("linear", "quadratic", "external")
_DUPLICATES = ("raise", "average")
# memory allowed per thread for cached factorisations
_CACHE_BYTES = 64 * 2**20
_MAX_SLOTS = 128
# Nodes per chunk of one call: the per-node work (node copies, search plan,
# statuses, results not asked for) is allocated one chunk at a time, so a call's
# memory beyond its outputs stays that of a chunk (about 25 MiB) for any number
# of nodes. Results do not depend on it: nodes are independent.
_CHUNK_NODES = 2**18


def block_discretization(
    block_size: tuple[float, float], discretization: int | str = "gauss"
) -> NDArray[np.float64]:
    """Points and weights that discretise a rectangular block, as gstat does.

    Parameters
    ----------
    block_size : (float, float)
        Block width (east) and height (north), metres.
    discretization : "gauss" or int
        ``"gauss"``: gstat's default, a 4 x 4 Gauss-Legendre product rule;
        an integer ``n``: a regular n x n grid of cell centres with equal weights
        (gstat's ``set = list(nblockdiscr = n)``).

    Returns
    -------
    ndarray of shape (q, 3)
        Rows ``(dx, dy, weight)``; the points are the block centre minus
        ``(dx, dy)``, in gstat's order (x outer, y inner). Weights sum to 1.

    Examples
    --------
    >>> block_discretization((40.0, 40.0), 2).tolist()
    [[-10.0, -10.0, 0.25], [-10.0, 10.0, 0.25], [10.0, -10.0, 0.25], [10.0, 10.0, 0.25]]
    >>> round(float(block_discretization((40.0, 40.0))[:, 2].sum()), 9)
    1.0
    """
    bx, by = (float(v) for v in block_size)
    if discretization == "gauss":
        offsets = np.array(GAUSS_NODES)
        weights = np.outer(GAUSS_WEIGHTS, GAUSS_WEIGHTS).ravel()
    else:  # cell centres, in gstat's arithmetic
        n = int(discretization)
        offsets = -0.5 + (1.0 / n) * (0.5 + np.arange(n))
        weights = np.full(n * n, 1.0 / (n * n))
    gx, gy = np.meshgrid(offsets, offsets, indexing="ij")  # x outer, y inner
    return np.column_stack([bx * gx.ravel(), by * gy.ravel(), weights])


# ------------------------------------------------------------ parameter checks
def _check_int(value: Any, name: str, minimum: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(
            f"must be an integer, got {value!r}",
            column=name,
            hint=f"use an integer >= {minimum}" + (" or None" if allow_none else ""),
        )
    if value < minimum:
        raise ConfigError(f"must be >= {minimum}, got {value}", column=name)


def _check_positive(value: Any, name: str, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (math.isfinite(float(value)) and float(value) > 0)
    ):
        raise ConfigError(
            f"must be a positive number of metres, got {value!r}", column=name
        )


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(
            f"must be one of {', '.join(map(repr, choices))}, got {value!r}",
            column=name,
        )


def _block_pair(block_size: Any) -> tuple[float, float] | None:
    if block_size is None:
        return None
    values = np.atleast_1d(np.asarray(block_size, dtype=object))
    if values.ndim != 1 or len(values) not in (1, 2):
        raise ConfigError(
            f"must be one or two sizes in metres, got {block_size!r}",
            column="block_size",
            hint="give (width_east, height_north), e.g. block_size=(1000, 1000)",
        )
    for v in values:
        _check_positive(v, "block_size", allow_none=False)
    bx = float(values[0])
    by = float(values[-1])
    return bx, by


def _check_n_jobs(n_jobs: Any) -> None:
    if n_jobs is None:
        return
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, numbers.Integral)
        or n_jobs == 0
    ):
        raise ConfigError(
            f"must be None, a positive integer or -1, got {n_jobs!r}", column="n_jobs"
        )


# ------------------------------------------------------------------- samples
def _merge_duplicates(
    X: NDArray[np.float64], y: NDArray[np.float64], policy: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Raise on samples sharing a location, or average them (``policy``)."""
    _, first, inverse, counts = np.unique(
        X[:, :2], axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    if counts.max(initial=0) <= 1:
        return X, y
    if policy == "raise":
        group = int(np.flatnonzero(counts > 1)[0])
        i, j = np.flatnonzero(inverse == group)[:2]
        x0, y0 = X[i, :2]
        raise DuplicateSamplesError(
            f"samples {i} and {j} share the location ({x0:.10g}, {y0:.10g}); "
            f"{int((counts > 1).sum())} location(s) hold more than one sample, "
            "which makes the kriging system singular",
            column="X",
            hint="average the samples at each location first, or pass "
            "duplicates='average'",
        )
    # keep locations in order of first appearance: sample order breaks distance ties
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    group_of = rank[inverse]
    n = len(first)
    sizes = np.bincount(group_of, minlength=n).astype(float)
    X_mean = np.column_stack(
        [np.bincount(group_of, weights=col, minlength=n) / sizes for col in X.T]
    )
    y_mean = np.column_stack(
        [np.bincount(group_of, weights=col, minlength=n) / sizes for col in y.T]
    )
    X_mean[:, :2] = X[np.sort(first), :2]  # exact coordinates, not averaged copies
    return X_mean, y_mean


def _resolve_variogram(
    variogram: Any, X: NDArray[np.float64], residuals: NDArray[np.float64]
) -> Variogram:
    """The given variogram, or one fitted to the (first column of the) residuals."""
    if isinstance(variogram, Variogram):
        return variogram
    if isinstance(variogram, str) and variogram == "auto":
        from seabed.geostats.fitting import auto_variogram

        return auto_variogram(X[:, :2], residuals[:, 0])
    raise ConfigError(
        f"must be a seabed.geostats.Variogram or 'auto', got {variogram!r}",
        column="variogram",
        hint="e.g. Variogram('spherical', psill=0.6, range=900.0, nugget=0.05)",
    )


class _KrigingBase(RegressorMixin, BaseEstimator):
    """Shared machinery of the kriging estimators; subclasses define the drift.

    Subclasses override the hooks below to define their drift.
    """

    # -------------------------------------------------------------- subclass API
    def _expected_columns(self) -> int | None:
        """Columns of X: 2 (coordinates), or None for coordinates + covariates."""
        return 2

    def _check_model_params(self) -> None:
        """Check the subclass's own parameters."""

    def _fit_drift(self, X: NDArray[np.float64]) -> None:
        """Learn whatever the drift basis needs (scaling) from the samples."""

    def _drift_basis(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Drift columns at the rows of ``X`` (shape (len(X), p))."""
        return np.ones((len(X), 1))

    def _known_mean(self) -> NDArray[np.float64]:
        """Simple kriging's mean per output (unused when there is a drift)."""
        return np.zeros(self.n_outputs_)

    # ------------------------------------------------------------------- fitting
    def _check_params(self) -> None:
        if not isinstance(self.variogram, Variogram) and not (
            isinstance(self.variogram, str) and self.variogram == "auto"
        ):
            _resolve_variogram(self.variogram, np.zeros((0, 2)), np.zeros((0, 1)))
        _check_int(self.n_neighbors, "n_neighbors", 1, allow_none=True)
        _check_positive(self.max_distance, "max_distance")
        _check_int(self.min_neighbors, "min_neighbors", 0)
        _check_int(self.max_per_sector, "max_per_sector", 1, allow_none=True)
        if self.n_neighbors is not None and self.min_neighbors > self.n_neighbors:
            raise ConfigError(
                f"min_neighbors ({self.min_neighbors}) exceeds n_neighbors "
                f"({self.n_neighbors})",
                column="min_neighbors",
            )
        self._block = _block_pair(self.block_size)
        if self.block_discretization != "gauss":
            _check_int(self.block_discretization, "block_discretization", 1)
        _check_choice(self.duplicates, "duplicates", _DUPLICATES)
        _check_n_jobs(self.n_jobs)
        self._check_model_params()

    def _validate_columns(self, X: NDArray[np.float64]) -> None:
        n_cols = X.shape[1]
        expected = self._expected_columns()
        if expected is not None and n_cols != expected:
            raise InputError(
                f"expected {expected} columns (x, y in projected metres), got {n_cols}",
                column="X",
                hint="pass only the coordinates; covariates need "
                "UniversalKriging(drift='external') or RegressionKriging",
            )
        if expected is None and n_cols < 3:
            raise InputError(
                f"expected x, y and at least one covariate column, got {n_cols} columns",
                column="X",
            )

    def fit(self, X: ArrayLike, y: ArrayLike) -> _KrigingBase:
        """Store the samples, check them, and prepare the drift.

        Parameters
        ----------
        X : array-like of shape (n, 2) or (n, 2 + q)
            Projected coordinates in metres (then covariates, for external drift).
        y : array-like of shape (n,) or (n, m)
            Values; several outputs share the kriging weights.

        Returns
        -------
        self
        """
        self._check_params()
        Xa, ya = _validated_samples(self, X, y)
        self._validate_columns(Xa)
        self._y_ndim = ya.ndim
        Xa, y2 = _merge_duplicates(Xa, ya.reshape(len(ya), -1), self.duplicates)
        self.X_ = np.ascontiguousarray(Xa[:, :2])
        self.y_ = np.ascontiguousarray(y2)
        self._sample_covariates = Xa[:, 2:]
        self.n_samples_ = len(self.X_)
        self.n_outputs_ = self.y_.shape[1]
        self._fit_drift(Xa)
        self._sample_drift = np.ascontiguousarray(self._drift_basis(Xa))
        n_drift = self._sample_drift.shape[1]
        if self.n_neighbors is not None and self.n_neighbors < n_drift:
            raise ConfigError(
                f"{self.n_neighbors} neighbours cannot estimate a drift of {n_drift} "
                "coefficients",
                column="n_neighbors",
                hint=f"use n_neighbors >= {n_drift}, and preferably many more",
            )
        if self.n_samples_ < max(1, n_drift):
            raise InputError(
                f"{self.n_samples_} distinct sample location(s) cannot fit a drift "
                f"of {n_drift} coefficients",
                column="X",
            )
        self.variogram_ = _resolve_variogram(self.variogram, Xa, self._detrended(y2))
        self._tree = cKDTree(self.X_)
        return self

    def _detrended(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Residuals from the drift fitted by ordinary least squares."""
        if self._sample_drift.shape[1] <= 1:  # a constant: variograms ignore it
            return y
        coef, *_ = np.linalg.lstsq(self._sample_drift, y, rcond=None)
        return y - self._sample_drift @ coef

    # ---------------------------------------------------------------- prediction
    def predict(
        self, X: ArrayLike, return_std: bool = False, return_count: bool = False
    ) -> Any:
        """Kriging mean (and standard deviation, and neighbour count) at ``X``.

        Parameters
        ----------
        X : array-like of shape (k, 2) or (k, 2 + q)
            Prediction points (block centres with ``block_size``), same columns as
            in :meth:`fit`.
        return_std : bool
            Also return the kriging standard deviation ``sqrt(max(variance, 0))``.
        return_count : bool
            Also return how many samples each prediction used.

        Returns
        -------
        mean : ndarray of shape (k,) or (k, m)
            NaN where fewer than ``min_neighbors`` samples were found.
        std : ndarray of shape (k,), if ``return_std``
        count : ndarray of shape (k,) of int, if ``return_count``

        Raises
        ------
        SingularSystemError
            When a node's kriging system cannot be solved.
        """
        wanted = ["mean"] + ["var"] * return_std + ["count"] * return_count
        result = self._krige(X, outputs=wanted)
        mean = result["mean"]
        if self._y_ndim == 1:
            mean = mean[:, 0]
        out: list[NDArray[Any]] = [mean]
        if return_std:  # in place: no second array of the size of the grid
            std = np.maximum(result["var"], 0.0, out=result["var"])
            out.append(np.sqrt(std, out=std))
        if return_count:
            out.append(result["count"])
        return out[0] if len(out) == 1 else tuple(out)

    def kriging_weights(
        self, X: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Each prediction's neighbours and their kriging weights.

        Returns
        -------
        indices : ndarray of shape (k, n_neighbors)
            Sample indices (into ``X_``), ascending, padded with -1.
        weights : ndarray of shape (k, n_neighbors)
            Weights of those samples (the mean is ``weights @ y_``), padded with 0.
        """
        result = self._krige(X, outputs=["neighbors", "weights"])
        return result["neighbors"], result["weights"]

    def slope_of_regression(self, X: ArrayLike) -> NDArray[np.float64]:
        """Slope of the regression of the true value on its kriging estimate.

        For each prediction point, ``cov(Z, Z*) / var(Z*)`` under the variogram
        model, where ``Z`` is the true value of the point, or of the block with
        ``block_size``, and ``Z*`` its estimate by :meth:`predict`: the same
        neighbours and the same kriging system. A slope of 1 means the
        estimates are conditionally unbiased (blocks estimated at ``g`` average
        ``g``); below 1, the estimates spread too wide, and a cut-off on them
        misclassifies more blocks. Mining codes use it to classify resources
        (e.g. Measured above 0.9).

        Parameters
        ----------
        X : array-like of shape (k, 2) or (k, 2 + q)
            Prediction points, as in :meth:`predict` (projected metres).

        Returns
        -------
        ndarray of shape (k,)
            The slopes; NaN where the point is not estimated (too few
            neighbours) or its estimate ignores the data (``var(Z*) = 0``:
            simple kriging beyond the range of every sample).

        Notes
        -----
        With weights ``λ``, drift ``F`` (``f0`` at the point) and Lagrange
        multipliers ``μ`` of the system ``C λ + F μ = c0``, ``F' λ = f0``:

        - ``cov(Z, Z*) = λ' c0``, since ``Z* = λ' Y``;
        - ``var(Z*) = λ' C λ = λ' (c0 - F μ) = λ' c0 - μ' f0``.

        For ordinary kriging (``F = 1``, one multiplier ``μ``) the kriging
        variance is ``σ² = C00 - λ' c0 - μ``, hence

            slope = (C00 - σ² - μ) / (C00 - σ² - 2 μ),

        with ``C00`` the point variance (the sill) or the block variance
        ``C(B, B)``. ``μ`` is negative in this sign convention whenever the
        simple kriging weights sum to less than 1 (the usual case), giving the
        familiar ``(C00 - σ² + |μ|) / (C00 - σ² + 2 |μ|) < 1``. Universal and
        external drift kriging use the general form. Simple kriging has no
        multiplier: ``cov(Z, Z*) = var(Z*) = λ' c0`` and the slope is exactly
        1, with a global neighbourhood and with a local one alike, since each
        point's estimate is the simple kriging from its own neighbours. Locally
        the cost shows elsewhere: the weight ``1 - sum(λ)`` left to the known
        mean grows, and the slope of 1 holds only if that mean is right.

        Examples
        --------
        >>> from seabed.geostats import Variogram
        >>> X = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
        >>> vg = Variogram("exponential", psill=1.0, range=200.0, nugget=0.1)
        >>> ok = OrdinaryKriging(vg, block_size=100.0).fit(X, [1.0, 2.0, 3.0, 4.0])
        >>> blocks = np.array([[50.0, 50.0], [150.0, 50.0], [300.0, 50.0]])
        >>> ok.slope_of_regression(blocks).round(4)  # amid the data, then farther
        array([0.9824, 0.8352, 0.4356])
        """
        return self._krige(X, outputs=["slope"])["slope"]

    def _leave_one_out(self) -> dict[str, NDArray[Any]]:
        """Predict each sample from the others (its own neighbourhood less itself)."""
        check_is_fitted(self)
        global_search = self.n_neighbors is None or self.n_neighbors >= self.n_samples_
        if global_search and self.max_distance is None and self.n_samples_ > 1000:
            # every sample has its own system of n - 1 samples: O(n^4) work
            warnings.warn(
                f"leave-one-out with a global neighbourhood factors {self.n_samples_} "
                f"systems of {self.n_samples_ - 1} samples; this is slow: set "
                "n_neighbors or use k-fold cross-validation",
                SeabedWarning,
                stacklevel=3,
            )
        X = np.column_stack([self.X_, self._sample_covariates])
        return self._krige(
            X,
            exclude=np.arange(self.n_samples_, dtype=np.int64),
            outputs=["mean", "var", "count"],
        )

    def _krige(
        self,
        X: ArrayLike,
        exclude: NDArray[np.int64] | None = None,
        *,
        outputs: list[str],
    ) -> dict[str, NDArray[Any]]:
        """The named ``outputs`` at the rows of ``X``, computed chunk by chunk.

        Outputs: ``mean`` (k, m), ``var``, ``count``, ``slope`` (k,),
        ``neighbors`` and ``weights`` (k, n_neighbors). ``exclude[i]`` is a
        sample row ``i`` must leave out (leave-one-out on the samples).
        """
        check_is_fitted(self)
        if exclude is None:
            Xa = _validated(self, X)
            self._validate_columns(Xa)
        else:  # leave-one-out on the samples themselves
            Xa = np.asarray(X, dtype=float)
        k = self._n_search()
        want_weights = "weights" in outputs or "neighbors" in outputs
        width = k if want_weights else 0
        results = _Outputs(
            len(Xa),
            {
                "mean": ((self.n_outputs_,), np.float64, np.nan),
                "var": ((), np.float64, np.nan),
                "count": ((), np.int64, 0),
                "status": ((), np.int64, STATUS_OK),
                "slope": ((), np.float64, np.nan),
                "neighbors": ((width,), np.int64, -1),
                "weights": ((width,), np.float64, 0.0),
            },
            outputs,
        )
        system = self._system(k, want_weights, "slope" in outputs)
        failures = _Failures()
        for lo, hi in results.chunks():
            part = results.chunk(lo, hi)
            part_exclude = None if exclude is None else exclude[lo:hi]
            self._krige_chunk(Xa[lo:hi], part_exclude, k, system, part)
            failures.record(lo, Xa[lo:hi], part)
        if failures.first is not None:
            self._raise_singular(*failures.first, failures.n_failed, exclude)
        return results.full

    def _n_search(self) -> int:
        """Samples each node's search looks for (``n_neighbors`` or all)."""
        n = self.n_samples_
        return n if self.n_neighbors is None else min(self.n_neighbors, n)

    def _system(self, k: int, want_weights: bool, want_slope: bool) -> tuple[Any, ...]:
        """The kernel's arguments that are the same for every node of a call."""
        p, n_out = self._sample_drift.shape[1], self.n_outputs_
        table = structure_table(self.variogram_)
        nugget = self.variogram_.nugget
        if self._block is None:
            disc = np.zeros((0, 3))
            c00 = point_covariance(table, nugget, 0.0, 0.0)
        else:
            disc = block_discretization(self._block, self.block_discretization)
            c00 = block_covariance(table, disc)
        slot_bytes = 8 * (k * k + k * (p + n_out + 1) + p * p + p * n_out)
        n_slots = int(np.clip(_CACHE_BYTES // slot_bytes, 1, _MAX_SLOTS))
        return (
            self.X_[:, 0].copy(),
            self.X_[:, 1].copy(),
            self._sample_drift,
            self.y_,
            table,
            nugget,
            disc,
            c00,
            np.ascontiguousarray(self._known_mean(), dtype=float),
            k,
            np.inf if self.max_distance is None else float(self.max_distance) ** 2,
            0 if self.max_per_sector is None else int(self.max_per_sector),
            int(self.min_neighbors),
            n_slots,
            want_weights,
            want_slope,
        )

    def _krige_chunk(
        self,
        Xa: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        k: int,
        system: tuple[Any, ...],
        out: dict[str, NDArray[Any]],
    ) -> None:
        """Krige the rows of ``Xa`` (``k`` neighbours each, before any sector
        limit) into ``out``, views of the call's outputs."""
        nodes = np.ascontiguousarray(Xa[:, :2])
        if exclude is None:
            exclude = np.full(len(nodes), -1, dtype=np.int64)
        n_jobs = resolve_n_jobs(self.n_jobs)
        plan = plan_search(
            self._tree,
            nodes,
            n_neighbors=k,
            max_distance=self.max_distance,
            leave_one_out=bool((exclude >= 0).any()),
            workers=n_jobs,
        )
        kernel = functools.partial(
            _call_krige,
            plan=plan,
            args=(
                nodes[:, 0].copy(),
                nodes[:, 1].copy(),
                np.ascontiguousarray(self._drift_basis(Xa)),
                exclude,
                *system,
                out["mean"],
                out["var"],
                out["count"],
                out["status"],
                out["neighbors"],
                out["weights"],
                out["slope"],
            ),
        )
        run_groups(plan, n_jobs, kernel)

    def _raise_singular(
        self,
        node: int,
        xy: tuple[float, float],
        status: int,
        count: int,
        n_failed: int,
        exclude: NDArray[np.int64] | None,
    ) -> None:
        """Raise SingularSystemError about the first node whose system failed."""
        x0, y0 = xy
        left_out = -1 if exclude is None else int(exclude[node])
        idx, _ = nearest_neighbors(
            self.X_,
            np.array([[x0, y0]]),
            self._n_search() + 1,
            self.max_distance,
            self.max_per_sector,
        )
        used = [int(i) for i in idx[0] if i >= 0 and i != left_out][:count]
        shown = ", ".join(map(str, used[:8])) + (", ..." if len(used) > 8 else "")
        where = (
            f"at prediction point {node} ({x0:.10g}, {y0:.10g}), "
            f"{n_failed} point(s) in all"
        )
        if status == STATUS_DRIFT_SINGULAR:
            raise SingularSystemError(
                f"the drift cannot be estimated {where}: its {count} neighbouring "
                f"samples ({shown}) are collinear, too few for the drift, or have "
                "constant covariates; use more neighbours, a lower-order drift or "
                "other covariates"
            )
        raise SingularSystemError(
            f"the kriging system is singular {where}: the covariance matrix of its "
            f"{count} neighbouring samples ({shown}) is not positive definite, "
            "most likely a Gaussian (or other very smooth) model without nugget, or "
            "samples almost at the same place; add a small nugget (say 1e-6 of the "
            "sill) or merge close samples"
        )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _call_krige(g_begin: int, g_end: int, *, plan: Any, args: tuple[Any, ...]) -> None:
    krige_groups(
        g_begin,
        g_end,
        plan.order,
        plan.group_ptr,
        plan.cand_lo,
        plan.cand_hi,
        plan.cand_idx,
        *args,
    )


class _Outputs:
    """Per-node results of one call, filled chunk by chunk.

    ``specs`` maps each result to (trailing shape, dtype, initial value). The
    ``wanted`` results span all nodes (``full``); the others are scratch the
    size of one chunk, reset before each chunk, so that results nobody asked
    for never take memory in proportion to the nodes.
    """

    def __init__(
        self,
        n_nodes: int,
        specs: dict[str, tuple[tuple[int, ...], Any, Any]],
        wanted: list[str],
    ) -> None:
        self.n_nodes = n_nodes
        self._specs = specs
        self.full = {
            name: np.full((n_nodes, *specs[name][0]), specs[name][2], specs[name][1])
            for name in wanted
        }
        size = min(n_nodes, _CHUNK_NODES)
        self._scratch = {
            name: np.empty((size, *tail), dtype)
            for name, (tail, dtype, _) in specs.items()
            if name not in self.full
        }

    def chunks(self) -> Iterator[tuple[int, int]]:
        """``(lo, hi)`` bounds of the chunks of nodes, in order."""
        for lo in range(0, self.n_nodes, _CHUNK_NODES):
            yield lo, min(lo + _CHUNK_NODES, self.n_nodes)

    def chunk(self, lo: int, hi: int) -> dict[str, NDArray[Any]]:
        """Every result's rows ``lo:hi``: views of the full ones, fresh scratch."""
        part = {name: values[lo:hi] for name, values in self.full.items()}
        for name, values in self._scratch.items():
            view = values[: hi - lo]
            view.fill(self._specs[name][2])
            part[name] = view
        return part


class _Failures:
    """Nodes whose kriging system failed, over the chunks of one call."""

    def __init__(self) -> None:
        self.first: tuple[int, tuple[float, float], int, int] | None = None
        self.n_failed = 0

    def record(
        self, lo: int, nodes: NDArray[np.float64], part: dict[str, NDArray[Any]]
    ) -> None:
        """Note the failures among the chunk of ``nodes`` starting at node ``lo``."""
        failed = np.flatnonzero(part["status"] != STATUS_OK)
        if len(failed) and self.first is None:
            i = int(failed[0])
            x0, y0 = (float(v) for v in nodes[i, :2])
            self.first = (
                lo + i,
                (x0, y0),
                int(part["status"][i]),
                int(part["count"][i]),
            )
        self.n_failed += len(failed)


def _validated(estimator: BaseEstimator, X: ArrayLike) -> NDArray[np.float64]:
    """scikit-learn's validation of prediction points, errors turned into seabed's."""
    try:
        return validate_data(estimator, X, reset=False, dtype=np.float64)
    except ValueError as err:
        raise _input_error(err, "X") from err


def _validated_samples(
    estimator: BaseEstimator, X: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """scikit-learn's validation of training data, errors turned into seabed's."""
    try:
        return validate_data(
            estimator, X, y, multi_output=True, y_numeric=True, dtype=np.float64
        )
    except ValueError as err:
        raise _input_error(err, "y" if "target" in str(err) else "X") from err


def _input_error(err: ValueError, column: str) -> InputError:
    if isinstance(err, InputError):
        return err
    return InputError(
        str(err),
        column=column,
        hint="pass finite numbers: projected coordinates in metres and values",
    )


# ------------------------------------------------------------------ estimators
class OrdinaryKriging(_KrigingBase):
    """Ordinary kriging: unknown constant mean within each neighbourhood.

    Parameters
    ----------
    variogram : Variogram or "auto"
        The variogram model (gstat ``vgm()`` conventions); ``"auto"`` fits one to
        the first output with :func:`seabed.geostats.fitting.auto_variogram`.
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
    n_neighbors, max_distance, min_neighbors, max_per_sector, block_size, \
block_discretization, duplicates, n_jobs
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

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        mean: float | ArrayLike | None = None,
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
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
    n_neighbors, max_distance, min_neighbors, max_per_sector, block_size, \
block_discretization, duplicates, n_jobs
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

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        drift: str = "linear",
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        min_neighbors: int = 1,
        max_per_sector: int | None = None,
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
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def _check_model_params(self) -> None:
        _check_choice(self.drift, "drift", _DRIFTS)

    def _expected_columns(self) -> int | None:
        return None if self.drift == "external" else 2

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
                    "samples: it cannot act as a drift",
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


class RegressionKriging(RegressorMixin, BaseEstimator):
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
    n_neighbors, max_distance, min_neighbors, max_per_sector, block_size, \
block_discretization, duplicates, n_jobs
        See :class:`OrdinaryKriging` (for the residuals).

    Attributes
    ----------
    regressor_ : estimator
        The fitted regressor.
    kriging_ : OrdinaryKriging
        The fitted kriging of the residuals.
    variogram_ : Variogram

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
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.duplicates = duplicates
        self.n_jobs = n_jobs

    def _features(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return X[:, 2:] if self.features == "covariates" else X

    def fit(self, X: ArrayLike, y: ArrayLike) -> RegressionKriging:
        """Fit the regressor, then krige its residuals.

        Parameters
        ----------
        X : array-like of shape (n, 2 + q)
            Coordinates in metres, then covariates.
        y : array-like of shape (n,) or (n, m)

        Returns
        -------
        self
        """
        _check_choice(self.features, "features", ("covariates", "all"))
        if not hasattr(self.regressor, "fit"):
            raise ConfigError(
                f"must be a scikit-learn regressor, got {self.regressor!r}",
                column="regressor",
            )
        Xa, ya = _validated_samples(self, X, y)
        if Xa.shape[1] < (3 if self.features == "covariates" else 2):
            raise InputError(
                f"expected x, y and covariate columns, got {Xa.shape[1]} columns",
                column="X",
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
            block_size=self.block_size,
            block_discretization=self.block_discretization,
            duplicates=self.duplicates,
            n_jobs=self.n_jobs,
        ).fit(Xa[:, :2], residuals)
        self.variogram_ = self.kriging_.variogram_
        return self

    def predict(
        self, X: ArrayLike, return_std: bool = False, return_count: bool = False
    ) -> Any:
        """Trend plus kriged residual (see :meth:`OrdinaryKriging.predict`)."""
        check_is_fitted(self)
        Xa = _validated(self, X)
        trend = np.asarray(
            self.regressor_.predict(self._features(Xa)), dtype=np.float64
        )
        out = self.kriging_.predict(
            Xa[:, :2], return_std=return_std, return_count=return_count
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
        Xa = _validated(self, X)
        slopes: NDArray[np.float64] = self.kriging_.slope_of_regression(Xa[:, :2])
        return slopes

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class InverseDistanceWeighting(RegressorMixin, BaseEstimator):
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
    n_jobs : int, optional

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [3.0, 0.0]])
    >>> idw = InverseDistanceWeighting(power=2.0).fit(X, np.array([1.0, 4.0]))
    >>> float(idw.predict(np.array([[1.0, 0.0]]))[0])  # weights 1 and 1/4
    1.6
    """

    X_: NDArray[np.float64]
    y_: NDArray[np.float64]
    n_samples_: int
    _y_ndim: int
    _tree: cKDTree

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

    def fit(self, X: ArrayLike, y: ArrayLike) -> InverseDistanceWeighting:
        """Store the samples.

        Parameters
        ----------
        X : array-like of shape (n, 2)
        y : array-like of shape (n,) or (n, m)

        Returns
        -------
        self
        """
        if (
            isinstance(self.power, bool)
            or not isinstance(self.power, numbers.Real)
            or not (math.isfinite(self.power) and self.power >= 0)
        ):
            raise ConfigError(
                f"must be a number >= 0, got {self.power!r}", column="power"
            )
        _check_int(self.n_neighbors, "n_neighbors", 1, allow_none=True)
        _check_positive(self.max_distance, "max_distance")
        _check_int(self.min_neighbors, "min_neighbors", 0)
        _check_int(self.max_per_sector, "max_per_sector", 1, allow_none=True)
        _check_choice(self.duplicates, "duplicates", _DUPLICATES)
        _check_n_jobs(self.n_jobs)
        Xa, ya = _validated_samples(self, X, y)
        if Xa.shape[1] != 2:
            raise InputError(
                f"expected 2 columns (x, y in projected metres), got {Xa.shape[1]}",
                column="X",
            )
        self._y_ndim = ya.ndim
        Xa, y2 = _merge_duplicates(Xa, ya.reshape(len(ya), -1), self.duplicates)
        self.X_ = np.ascontiguousarray(Xa)
        self.y_ = np.ascontiguousarray(y2)
        self.n_samples_ = len(Xa)
        self._tree = cKDTree(self.X_)
        return self

    def predict(
        self, X: ArrayLike, return_std: bool = False, return_count: bool = False
    ) -> Any:
        """Inverse-distance weighted mean at ``X`` (std is NaN: IDW has none)."""
        check_is_fitted(self)
        Xa = _validated(self, X)
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

    def _leave_one_out(self) -> dict[str, NDArray[Any]]:
        check_is_fitted(self)
        result = self._interpolate(
            self.X_, np.arange(self.n_samples_), ["mean", "count"]
        )
        return result | {"var": np.full(self.n_samples_, np.nan)}

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
            self._interpolate_chunk(X[lo:hi], part_exclude, results.chunk(lo, hi))
        return results.full

    def _interpolate_chunk(
        self,
        X: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        out: dict[str, NDArray[Any]],
    ) -> None:
        nodes = np.ascontiguousarray(X[:, :2], dtype=float)
        if exclude is None:
            exclude = np.full(len(nodes), -1, dtype=np.int64)
        n = self.n_samples_
        k = n if self.n_neighbors is None else min(self.n_neighbors, n)
        n_jobs = resolve_n_jobs(self.n_jobs)
        plan = plan_search(
            self._tree,
            nodes,
            n_neighbors=k,
            max_distance=self.max_distance,
            leave_one_out=bool((exclude >= 0).any()),
            workers=n_jobs,
        )
        node_x, node_y = nodes[:, 0].copy(), nodes[:, 1].copy()
        sample_x, sample_y = self.X_[:, 0].copy(), self.X_[:, 1].copy()
        exclude = exclude.astype(np.int64)

        def kernel(g_begin: int, g_end: int) -> None:
            idw_groups(
                g_begin,
                g_end,
                plan.order,
                plan.group_ptr,
                plan.cand_lo,
                plan.cand_hi,
                plan.cand_idx,
                node_x,
                node_y,
                exclude,
                sample_x,
                sample_y,
                self.y_,
                float(self.power),
                k,
                np.inf if self.max_distance is None else float(self.max_distance) ** 2,
                0 if self.max_per_sector is None else int(self.max_per_sector),
                self.min_neighbors,
                out["mean"],
                out["count"],
            )

        run_groups(plan, n_jobs, kernel)
