"""The machinery the kriging estimators share: samples, neighbourhood, chunked calls.

:class:`_KrigingBase` stores the samples (merging or refusing duplicates),
checks the parameters against its subclass's table, and predicts chunk by chunk
through the compiled kernels (:mod:`seabed.geostats._kernels`) over the exact
neighbour search (:mod:`seabed.geostats._search`). The estimators themselves
(:mod:`seabed.geostats.kriging`) only define their drift; inverse distance
weighting (:mod:`seabed.geostats.idw`) shares the samples and the chunks.
"""

from __future__ import annotations

import queue
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import (
    ConfigError,
    DuplicateSamplesError,
    InputError,
    SeabedWarning,
    SingularSystemError,
)
from seabed.geostats._checks import (
    check_points,
    check_samples,
)
from seabed.geostats._kernels import (
    STATUS_DRIFT_SINGULAR,
    STATUS_OK,
    KrigingModel,
    KrigingOutputs,
    block_covariance,
    krige_groups,
    padded,
    point_covariance,
    structure_table,
)
from seabed.geostats._parameters import (
    COORDINATES_ONLY,
    KRIGING_CONSTRAINTS,
    PARAMETER_HINTS,
    SearchPass,
    block_pair,
    check_neighbourhood,
    group_codes,
    search_passes,
)
from seabed.geostats._scoring import _ScoreMixin
from seabed.geostats._search import (
    CHUNKS_IN_FLIGHT,
    SearchPlan,
    ellipse_space,
    group_nodes,
    nearest_neighbors,
    neighbourhood,
    plan_search,
    resolve_n_jobs,
    run_chunks,
    run_pieces,
    with_plan,
)
from seabed.geostats.gridding import GridMixin, fit_inputs
from seabed.geostats.support import block_discretization
from seabed.geostats.variogram import Variogram

# memory allowed per thread for cached factorisations
_CACHE_BYTES = 64 * 2**20
_MAX_SLOTS = 128
# Nodes per chunk of one call: the per-node work (node copies, search plan,
# statuses, results not asked for) is allocated one chunk at a time, so a call's
# memory beyond its outputs stays that of a chunk (about 25 MiB; two on several
# threads, see run_chunks) for any number of nodes. Results do not depend on it:
# nodes are independent.
_CHUNK_NODES = 2**18

#: The search diagnostics the kernels compute when asked: (trailing shape,
#: dtype, value where a node is not estimated).
_DIAGNOSTIC_OUTPUTS: dict[str, tuple[tuple[int, ...], Any, Any]] = {
    "nearest": ((), np.float64, np.nan),
    "mean_distance": ((), np.float64, np.nan),
    "n_cores": ((), np.int64, 0),
    "negative_weights": ((), np.float64, np.nan),
}
_NOT_WANTED_FLOAT = np.zeros(0)
_NOT_WANTED_INT = np.zeros(0, dtype=np.int64)

#: The diagnostics :meth:`_KrigingBase.predict` returns with
#: ``return_diagnostics=True``, and what each means.
DIAGNOSTICS: dict[str, str] = {
    "n_samples": "samples used (after every limit)",
    "nearest_distance": "distance to the nearest sample used",
    "mean_distance": "mean distance to the samples used",
    "n_cores": "distinct cores (groups) among the samples used",
    "search_pass": "the pass that estimated the node (1, 2, ...; 0: none)",
    "kriging_variance": "kriging variance (point, or block with block_size)",
    "slope_of_regression": "slope of the regression of the true value on the estimate",
    "kriging_efficiency": "(C00 - kriging variance) / C00, C00 the point or block variance",
    "negative_weights": "sum of the negative kriging weights (0 or less)",
}


def merge_duplicates(
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


def resolve_variogram(
    variogram: Variogram | str,
    X: NDArray[np.float64],
    residuals: NDArray[np.float64],
    *,
    bounded: bool = False,
) -> Variogram:
    """The given variogram, or for ``"auto"`` one fitted to the (first column of
    the) residuals; ``bounded`` keeps to models with a sill."""
    if isinstance(variogram, Variogram):
        return variogram
    from seabed.geostats.model_selection import BOUNDED_CANDIDATES, auto_variogram

    if bounded:
        return auto_variogram(X[:, :2], residuals[:, 0], models=BOUNDED_CANDIDATES)
    return auto_variogram(X[:, :2], residuals[:, 0])


@dataclass(frozen=True)
class _Search:
    """One search pass over a set of nodes, but for its plan.

    ``samples`` and ``plan_nodes`` are the samples and the nodes in the
    space where the search is a circle (the search ellipse's, or the plane);
    ``options`` the rest of :func:`plan_search`'s arguments; ``hood`` the
    kernels' record of the search, its plan empty until :func:`with_plan`.
    """

    samples: NDArray[np.float64]
    plan_nodes: NDArray[np.float64]
    options: dict[str, Any]
    hood: Any

    def plan(self, grouping: tuple[NDArray[np.int64], NDArray[np.int64]]) -> SearchPlan:
        """The candidates of the groups of ``grouping``."""
        return plan_search(
            self.samples, self.plan_nodes, grouping=grouping, **self.options
        )


# a plan of no groups, until a piece's plan replaces it
_NO_PLAN = SearchPlan(
    *(
        np.zeros(1 if name == "group_ptr" else 0, dtype=np.int64)
        for name in SearchPlan.__dataclass_fields__
    )
)


class _SampleStore:
    """The samples of a fitted estimator: duplicates merged.

    Sets ``X_`` (coordinates), ``y_`` (values, (n, m)), ``n_samples_``,
    ``n_outputs_``; returns the (merged) full X, covariates and all.
    """

    X_: NDArray[np.float64]
    y_: NDArray[np.float64]
    n_samples_: int
    n_outputs_: int
    _y_ndim: int

    def _store_samples(
        self,
        X: NDArray[np.float64],
        y: NDArray[np.float64],
        duplicates: str,
        groups: ArrayLike | None = None,
    ) -> NDArray[np.float64]:
        self._y_ndim = y.ndim
        codes = group_codes(groups, len(X))
        # merged samples keep the group of the first at their location
        _, first = np.unique(X[:, :2], axis=0, return_index=True)
        self._groups = group_codes(codes[np.sort(first)], len(first))
        X, y2 = merge_duplicates(X, y.reshape(len(y), -1), duplicates)
        self.X_ = np.ascontiguousarray(X[:, :2])
        self.y_ = np.ascontiguousarray(y2)
        self.n_samples_ = len(self.X_)
        self.n_outputs_ = self.y_.shape[1]
        return X

    def _neighbourhood(
        self,
        nodes: NDArray[np.float64],
        search: SearchPass,
        exclude: NDArray[np.int64] | None,
    ) -> tuple[Any, Any, int]:
        """The search plan, the neighbours of each node (the pass's ``k`` nearest
        within its ``max_distance``, ``exclude`` left out, high values beyond
        their radius left out, then its limits per core and per sector) and the
        threads they were searched on (the estimator's ``n_jobs``)."""
        n_jobs = resolve_n_jobs(getattr(self, "n_jobs", None))
        setup = self._search_setup(nodes, search, exclude)
        plan = setup.plan(group_nodes(setup.plan_nodes))
        return plan, with_plan(setup.hood, plan), n_jobs

    def _search_setup(
        self,
        nodes: NDArray[np.float64],
        search: SearchPass,
        exclude: NDArray[np.int64] | None,
    ) -> _Search:
        """Everything a search needs but its plan (see :class:`_Search`)."""
        owner: Any = self
        k = search.k(self.n_samples_)
        restricted = getattr(self, "_restricted", None)
        radius = getattr(owner, "high_value_radius", None)
        ellipse = self._search_ellipse(search)
        samples, plan_nodes = self.X_, nodes
        if ellipse is not None:  # the plan's space, where the ellipse is a circle
            samples = ellipse_space(self.X_, *ellipse)
            plan_nodes = ellipse_space(nodes, *ellipse)
        hood = neighbourhood(
            _NO_PLAN,
            nodes,
            self.X_,
            k=k,
            max_distance=search.max_distance,
            max_per_sector=search.max_per_sector,
            min_count=search.min_neighbors,
            exclude=exclude,
            groups=self._groups,
            max_per_group=search.max_per_core,
            restricted=restricted,
            restricted_distance=np.inf if radius is None else float(radius),
            ellipse=ellipse,
        )
        options = {
            "n_neighbors": k,
            "max_distance": search.max_distance,
            "leave_one_out": exclude is not None and bool((exclude >= 0).any()),
            "n_restricted": 0 if restricted is None else int(restricted.sum()),
        }
        return _Search(samples, plan_nodes, options, hood)

    def _search_ellipse(self, search: SearchPass) -> tuple[float, float] | None:
        """``(azimuth, ratio)`` of the pass's search ellipse, or None (a circle).

        ``"variogram"`` takes the anisotropy of the variogram's first
        anisotropic structure (a circle if it has none).
        """
        if search.anisotropy is None:
            return None
        if isinstance(search.anisotropy, str):
            variogram = getattr(self, "variogram_", None)
            structures = [] if variogram is None else variogram.structures
            found = [s.anis for s in structures if s.anis is not None]
            if not found:
                return None
            azimuth, ratio = found[0]
        else:
            azimuth, ratio = search.anisotropy
        if ratio == 1.0:
            return None
        return float(azimuth), float(ratio)


class _KrigingBase(GridMixin, _SampleStore, _ScoreMixin, RegressorMixin, BaseEstimator):
    """Shared machinery of the kriging estimators; subclasses define the drift.

    Subclasses declare their parameters' ``_parameter_constraints`` and override
    the hooks below to define their drift.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = KRIGING_CONSTRAINTS
    _parameter_hints: ClassVar[dict[str, str]] = PARAMETER_HINTS

    # -------------------------------------------------------------- subclass API
    def _columns(self) -> tuple[int, int | None]:
        """Bounds on the columns of X: exactly the coordinates by default."""
        return (2, 2)

    def _fit_drift(self, X: NDArray[np.float64]) -> None:
        """Learn whatever the drift basis needs (scaling) from the samples."""

    def _drift_basis(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Drift columns at the rows of ``X`` (shape (len(X), p))."""
        return np.ones((len(X), 1))

    def _known_mean(self) -> NDArray[np.float64]:
        """Simple kriging's mean per output (unused when there is a drift)."""
        return np.zeros(self.n_outputs_)

    # ------------------------------------------------------------------- fitting
    def _hint(self) -> str | None:
        """Advice when X has the wrong columns."""
        return COORDINATES_ONLY if self._columns()[1] == 2 else None

    def fit(self, X: Any, y: Any, groups: Any = None) -> _KrigingBase:
        """Store the samples, check them, and prepare the drift.

        Parameters
        ----------
        X : array-like of shape (n, 2) or (n, 2 + q), or GeoDataFrame
            Projected coordinates in metres (then covariates, for external drift).
            Degrees are not checked for in arrays (small metric coordinates look
            alike). A GeoDataFrame or GeoSeries of points (with a CRS) is used in
            its CRS if projected, else in the UTM zone of its mean position; the
            CRS is learnt as ``crs_`` (see
            :func:`seabed.geostats.gridding.fit_inputs`). It gives the
            coordinates only: for covariates, pass an array.
        y : array-like of shape (n,) or (n, m), or str
            Values; several outputs share the kriging weights. With a
            GeoDataFrame, a column name (or a list of names) of it.
        groups : array-like of shape (n,), or str, optional
            The core (or site) of each sample, for ``max_per_core``; None: each
            sample is its own core. With a GeoDataFrame, a column name of it.

        Returns
        -------
        self
        """
        X, y, groups, self.crs_ = fit_inputs(X, y, groups)
        check_neighbourhood(self)
        self.passes_ = search_passes(self)
        if (self.high_value is None) != (self.high_value_radius is None):
            raise ConfigError(
                "high_value and high_value_radius go together",
                column="high_value_radius"
                if self.high_value_radius is None
                else "high_value",
                hint="give both, e.g. high_value=5000, high_value_radius=2000",
            )
        self._block = block_pair(self.block_size)
        Xa, ya = check_samples(self, X, y, columns=self._columns(), hint=self._hint())
        Xa = self._store_samples(Xa, ya, self.duplicates, groups)
        self._restricted = (
            None if self.high_value is None else self.y_[:, 0] > self.high_value
        )
        self.n_restricted_ = (
            0 if self._restricted is None else int(self._restricted.sum())
        )
        self._sample_covariates = Xa[:, 2:]
        self._fit_drift(Xa)
        self._sample_drift = np.ascontiguousarray(self._drift_basis(Xa))
        n_drift = self._sample_drift.shape[1]
        for search in self.passes_:
            if search.n_neighbors is not None and search.n_neighbors < n_drift:
                raise ConfigError(
                    f"{search.n_neighbors} neighbours cannot estimate a drift of "
                    f"{n_drift} coefficients",
                    column="n_neighbors",
                    hint=f"use n_neighbors >= {n_drift}, and preferably many more",
                )
        if self.n_samples_ < max(1, n_drift):
            raise InputError(
                f"{self.n_samples_} sample location(s) cannot fit a drift "
                f"of {n_drift} coefficients",
                column="X",
            )
        simple = n_drift == 0  # no unbiasedness constraint: a covariance is needed
        self.variogram_ = resolve_variogram(
            self.variogram, Xa, self._detrended(self.y_), bounded=simple
        )
        if simple:
            self.variogram_.require_bounded("simple kriging")
        return self

    def _detrended(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Residuals from the drift fitted by ordinary least squares."""
        if self._sample_drift.shape[1] <= 1:  # a constant: variograms ignore it
            return y
        coef, *_ = np.linalg.lstsq(self._sample_drift, y, rcond=None)
        return y - self._sample_drift @ coef

    # ---------------------------------------------------------------- prediction
    def predict(
        self,
        X: ArrayLike,
        return_std: bool = False,
        return_count: bool = False,
        return_diagnostics: bool = False,
    ) -> Any:
        """Kriging mean (and standard deviation, neighbour count, diagnostics) at ``X``.

        Parameters
        ----------
        X : array-like of shape (k, 2) or (k, 2 + q)
            Prediction points (block centres with ``block_size``), same columns as
            in :meth:`fit`.
        return_std : bool
            Also return the kriging standard deviation ``sqrt(max(variance, 0))``.
        return_count : bool
            Also return how many samples each prediction used.
        return_diagnostics : bool
            Also return the search diagnostics of each prediction, from the same
            search and the same kriging system (:data:`DIAGNOSTICS`).

        Returns
        -------
        mean : ndarray of shape (k,) or (k, m)
            NaN where no search pass found enough samples.
        std : ndarray of shape (k,), if ``return_std``
        count : ndarray of shape (k,) of int, if ``return_count``
        diagnostics : dict of str to ndarray of shape (k,), if ``return_diagnostics``
            The arrays of :data:`DIAGNOSTICS`, by name.

        Raises
        ------
        SingularSystemError
            When a node's kriging system cannot be solved.
        """
        wanted = ["mean"] + ["var"] * return_std + ["count"] * return_count
        if return_diagnostics:
            extra = ["var", "count", "slope", "search_pass", *_DIAGNOSTIC_OUTPUTS]
            wanted = list(dict.fromkeys([*wanted, *extra]))
        result = self._krige(X, outputs=wanted)
        diagnostics = self._diagnostics(result) if return_diagnostics else None
        mean = result["mean"]
        if self._y_ndim == 1:
            mean = mean[:, 0]
        out: list[Any] = [mean]
        if return_std:  # in place: no second array of the size of the grid
            std = np.maximum(result["var"], 0.0, out=result["var"])
            out.append(np.sqrt(std, out=std))
        if return_count:
            out.append(result["count"])
        if diagnostics is not None:
            out.append(diagnostics)
        return out[0] if len(out) == 1 else tuple(out)

    def _diagnostics(self, result: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        """The named diagnostics of a :meth:`_krige` result (before the variance
        becomes a standard deviation)."""
        c00 = self._model(1, False, False).c00
        variance = result["var"].copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            efficiency = (c00 - variance) / c00
        return {
            "n_samples": result["count"].copy(),
            "nearest_distance": result["nearest"],
            "mean_distance": result["mean_distance"],
            "n_cores": result["n_cores"],
            "search_pass": result["search_pass"],
            "kriging_variance": variance,
            "slope_of_regression": result["slope"],
            "kriging_efficiency": efficiency,
            "negative_weights": result["negative_weights"],
        }

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
        check_is_fitted(self)
        # the true value's variance (C00) needs a sill
        self.variogram_.require_bounded("the slope of regression")
        return self._krige(X, outputs=["slope"])["slope"]

    def _leave_one_out(
        self, samples: NDArray[np.int64] | None = None
    ) -> dict[str, NDArray[Any]]:
        """Predict each sample (of ``samples``, indices; all by default) from the
        others (its own neighbourhood less itself)."""
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
        if samples is None:
            samples = np.arange(self.n_samples_, dtype=np.int64)
        X = np.column_stack([self.X_, self._sample_covariates])[samples]
        return self._krige(
            X,
            exclude=np.asarray(samples, dtype=np.int64),
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
            Xa = check_points(self, X, columns=self._columns(), hint=self._hint())
        else:  # leave-one-out on the samples themselves
            Xa = np.asarray(X, dtype=float)
        k = self._n_search()
        want_weights = "weights" in outputs or "neighbors" in outputs
        width = k if want_weights else 0
        specs: dict[str, tuple[tuple[int, ...], Any, Any]] = {
            "mean": ((self.n_outputs_,), np.float64, np.nan),
            "var": ((), np.float64, np.nan),
            "count": ((), np.int64, 0),
            "status": ((), np.int64, STATUS_OK),
            "slope": ((), np.float64, np.nan),
            "neighbors": ((width,), np.int64, -1),
            "weights": ((width,), np.float64, 0.0),
            "search_pass": ((), np.int64, 0),
        }
        # the search diagnostics cost work only when asked for
        specs |= {
            name: spec for name, spec in _DIAGNOSTIC_OUTPUTS.items() if name in outputs
        }
        n_jobs = resolve_n_jobs(self.n_jobs)
        in_flight = 1 if n_jobs <= 1 else CHUNKS_IN_FLIGHT
        results = _Outputs(len(Xa), specs, outputs, in_flight)
        model = self._model(k, want_weights, "slope" in outputs)

        def krige_chunk(lo: int, hi: int, pool: Executor | None) -> _Failures:
            part_exclude = None if exclude is None else exclude[lo:hi]
            with results.chunk(lo, hi) as part:
                self._krige_passes(Xa[lo:hi], part_exclude, model, part, results, pool)
                return _Failures.of_chunk(lo, Xa[lo:hi], part)

        failures = _Failures.merged(
            run_chunks(list(results.chunks()), n_jobs, krige_chunk)
        )
        if failures.first is not None:
            self._raise_singular(*failures.first, failures.n_failed, exclude)
        return results.full

    def _extent(self) -> float:
        """Diagonal of the samples' bounding box: no two samples are further apart."""
        return float(np.hypot(*np.ptp(self.X_[:, :2], axis=0)))

    def _n_search(self) -> int:
        """Samples a node's search looks for at most, over the passes."""
        return max(search.k(self.n_samples_) for search in self.passes_)

    def _krige_passes(
        self,
        Xa: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        model: KrigingModel,
        out: dict[str, NDArray[Any]],
        results: _Outputs,
        pool: Executor | None = None,
    ) -> None:
        """Krige the rows of ``Xa`` pass by pass into ``out``: each pass takes the
        nodes that no earlier pass found enough samples for; ``search_pass``
        records the pass that estimated each node (0: none). A node whose
        system is singular is not tried again. The pieces of each pass run on
        ``pool`` (see :func:`~seabed.geostats._search.run_chunks`)."""
        # the first pass: every row, straight into the outputs (masks, no indices)
        self._krige_chunk(Xa, exclude, self.passes_[0], model, out, pool)
        estimated = np.isfinite(out["var"])
        out["search_pass"][estimated] = 1
        if len(self.passes_) == 1:
            return
        rows = np.flatnonzero(~estimated & (out["status"] == STATUS_OK))
        for number, search in enumerate(self.passes_[1:], 2):
            if len(rows) == 0:
                return
            part = results.fresh(len(rows))
            part_exclude = None if exclude is None else exclude[rows]
            self._krige_chunk(Xa[rows], part_exclude, search, model, part, pool)
            for name, values in part.items():
                out[name][rows] = values
            estimated = np.isfinite(out["var"][rows])
            out["search_pass"][rows[estimated]] = number
            rows = rows[~estimated & (out["status"][rows] == STATUS_OK)]

    def _model(self, k: int, want_weights: bool, want_slope: bool) -> KrigingModel:
        """The kernel's model: all but the drift at the nodes (``node_f``), the
        same for every node of a call."""
        p, n_out = self._sample_drift.shape[1], self.n_outputs_
        table = structure_table(self.variogram_, extent=self._extent())
        nugget = self.variogram_.nugget
        if self._block is None:
            disc = np.zeros((0, 3))
            c00 = point_covariance(table, nugget, 0.0, 0.0)
        else:
            disc = block_discretization(self._block, self.block_discretization)
            c00 = block_covariance(table, disc)
        row = padded(k)  # the kernels' rows are whole lanes
        slot_bytes = 8 * (k * row + row * (p + n_out) + k + p * padded(p) + p * n_out)
        n_slots = int(np.clip(_CACHE_BYTES // slot_bytes, 1, _MAX_SLOTS))
        return KrigingModel(
            node_f=np.zeros((0, p)),
            sample_f=self._sample_drift,
            sample_y=self.y_,
            table=table,
            nugget=float(nugget),
            disc=disc,
            c00=float(c00),
            sk_mean=np.ascontiguousarray(self._known_mean(), dtype=float),
            n_slots=n_slots,
            want_weights=want_weights,
            want_slope=want_slope,
        )

    def _krige_chunk(
        self,
        Xa: NDArray[np.float64],
        exclude: NDArray[np.int64] | None,
        search: SearchPass,
        model: KrigingModel,
        out: dict[str, NDArray[Any]],
        pool: Executor | None = None,
    ) -> None:
        """Krige the rows of ``Xa`` with one search pass into ``out``, views of
        the call's outputs (diagnostics left out of ``out`` are not computed);
        its pieces on ``pool``'s threads when given."""
        nodes = np.ascontiguousarray(Xa[:, :2])
        n_jobs = resolve_n_jobs(self.n_jobs)
        setup = self._search_setup(nodes, search, exclude)
        chunk_model = model._replace(node_f=np.ascontiguousarray(self._drift_basis(Xa)))
        outputs = KrigingOutputs(
            out["mean"],
            out["var"],
            out["count"],
            out["status"],
            out["neighbors"],
            out["weights"],
            out["slope"],
            out.get("nearest", _NOT_WANTED_FLOAT),
            out.get("mean_distance", _NOT_WANTED_FLOAT),
            out.get("n_cores", _NOT_WANTED_INT),
            out.get("negative_weights", _NOT_WANTED_FLOAT),
        )

        def krige_piece(piece: tuple[NDArray[np.int64], NDArray[np.int64]]) -> None:
            # each thread gathers its piece's candidates and kriges its nodes
            plan = setup.plan(piece)
            hood = with_plan(setup.hood, plan)
            krige_groups(0, plan.n_groups, hood, chunk_model, outputs)

        run_pieces(group_nodes(setup.plan_nodes), n_jobs, krige_piece, pool)

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
            self.passes_[0].max_distance,
            self.passes_[0].max_per_sector,
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


class _Outputs:
    """Per-node results of one call, filled chunk by chunk.

    ``specs`` maps each result to (trailing shape, dtype, initial value). The
    ``wanted`` results span all nodes (``full``); the others are scratch the
    size of one chunk, reset before each chunk, so that results nobody asked
    for never take memory in proportion to the nodes. ``in_flight`` chunks
    may be in progress at once (on threads), each with scratch of its own.
    """

    def __init__(
        self,
        n_nodes: int,
        specs: dict[str, tuple[tuple[int, ...], Any, Any]],
        wanted: list[str],
        in_flight: int = 1,
    ) -> None:
        self.n_nodes = n_nodes
        self._specs = specs
        # set to their initial values chunk by chunk (by the chunk's thread)
        self.full = {
            name: np.empty((n_nodes, *specs[name][0]), specs[name][1])
            for name in wanted
        }
        size = min(n_nodes, _CHUNK_NODES)
        self._free_scratch: queue.SimpleQueue[dict[str, NDArray[Any]]] = (
            queue.SimpleQueue()
        )
        for _ in range(min(in_flight, -(-n_nodes // _CHUNK_NODES))):
            self._free_scratch.put(
                {
                    name: np.empty((size, *tail), dtype)
                    for name, (tail, dtype, _) in specs.items()
                    if name not in self.full
                }
            )

    def fresh(self, n_nodes: int) -> dict[str, NDArray[Any]]:
        """Every result, for ``n_nodes`` nodes, at its initial value."""
        return {
            name: np.full((n_nodes, *tail), initial, dtype)
            for name, (tail, dtype, initial) in self._specs.items()
        }

    def chunks(self) -> Iterator[tuple[int, int]]:
        """``(lo, hi)`` bounds of the chunks of nodes, in order."""
        for lo in range(0, self.n_nodes, _CHUNK_NODES):
            yield lo, min(lo + _CHUNK_NODES, self.n_nodes)

    @contextmanager
    def chunk(self, lo: int, hi: int) -> Iterator[dict[str, NDArray[Any]]]:
        """Every result's rows ``lo:hi`` at their initial values: views of the
        full ones, and scratch that no other chunk uses until this one ends."""
        scratch = self._free_scratch.get()
        try:
            part = {name: values[lo:hi] for name, values in self.full.items()}
            part |= {name: values[: hi - lo] for name, values in scratch.items()}
            for name, values in part.items():
                values.fill(self._specs[name][2])
            yield part
        finally:
            self._free_scratch.put(scratch)


class _Failures:
    """Nodes whose kriging system failed, over the chunks of one call."""

    def __init__(self) -> None:
        self.first: tuple[int, tuple[float, float], int, int] | None = None
        self.n_failed = 0

    @classmethod
    def of_chunk(
        cls, lo: int, nodes: NDArray[np.float64], part: dict[str, NDArray[Any]]
    ) -> _Failures:
        """The failures among the chunk of ``nodes`` starting at node ``lo``."""
        failures = cls()
        failed = np.flatnonzero(part["status"] != STATUS_OK)
        if len(failed):
            i = int(failed[0])
            x0, y0 = (float(v) for v in nodes[i, :2])
            failures.first = (
                lo + i,
                (x0, y0),
                int(part["status"][i]),
                int(part["count"][i]),
            )
        failures.n_failed = len(failed)
        return failures

    @classmethod
    def merged(cls, chunks: list[_Failures]) -> _Failures:
        """The failures of a call from those of its chunks, in order."""
        failures = cls()
        failures.first = next((c.first for c in chunks if c.first is not None), None)
        failures.n_failed = sum(c.n_failed for c in chunks)
        return failures
