"""The machinery the kriging estimators share: samples, neighbourhood, chunked calls.

:class:`_KrigingBase` stores the samples (merging or refusing duplicates),
checks the parameters against its subclass's table, and predicts chunk by chunk
through the compiled kernels (:mod:`seabed.geostats._kernels`) over the exact
neighbour search (:mod:`seabed.geostats._search`). The estimators themselves
(:mod:`seabed.geostats.kriging`) only define their drift; inverse distance
weighting (:mod:`seabed.geostats.idw`) shares the samples and the chunks.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree
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
    InstanceOf,
    Interval,
    Options,
    Sizes,
    check_points,
    check_samples,
    validate_params,
)
from seabed.geostats._kernels import (
    STATUS_DRIFT_SINGULAR,
    STATUS_OK,
    KrigingModel,
    KrigingOutputs,
    block_covariance,
    krige_groups,
    point_covariance,
    structure_table,
)
from seabed.geostats._search import (
    nearest_neighbors,
    neighbourhood,
    plan_search,
    resolve_n_jobs,
    run_groups,
)
from seabed.geostats.gridding import GridMixin
from seabed.geostats.support import block_discretization
from seabed.geostats.variogram import Variogram

# memory allowed per thread for cached factorisations
_CACHE_BYTES = 64 * 2**20
_MAX_SLOTS = 128
# Nodes per chunk of one call: the per-node work (node copies, search plan,
# statuses, results not asked for) is allocated one chunk at a time, so a call's
# memory beyond its outputs stays that of a chunk (about 25 MiB) for any number
# of nodes. Results do not depend on it: nodes are independent.
_CHUNK_NODES = 2**18

#: What the neighbourhood parameters may be, shared by every estimator's table.
NEIGHBOURHOOD_CONSTRAINTS: dict[str, list[Any]] = {
    "n_neighbors": [Interval(numbers.Integral, 1), None],
    "max_distance": [Interval(numbers.Real, 0.0, open_low=True), None],
    "min_neighbors": [Interval(numbers.Integral, 0)],
    "max_per_sector": [Interval(numbers.Integral, 1), None],
    "duplicates": [Options(("raise", "average"))],
    "n_jobs": [
        Interval(numbers.Integral, 1),
        Interval(numbers.Integral, None, -1),
        None,
    ],
}
#: The kriging estimators' shared parameters: the model and the support.
KRIGING_CONSTRAINTS: dict[str, list[Any]] = {
    "variogram": [
        InstanceOf((Variogram,), "a seabed.geostats.Variogram"),
        Options(("auto",)),
    ],
    **NEIGHBOURHOOD_CONSTRAINTS,
    "block_size": [Sizes(), None],
    "block_discretization": [Options(("gauss",)), Interval(numbers.Integral, 1)],
}
#: Advice added to the errors about some parameters.
PARAMETER_HINTS = {
    "variogram": "e.g. Variogram('spherical', psill=0.6, range=900.0, nugget=0.05)",
    "block_size": "give (width_east, height_north), e.g. block_size=(1000, 1000)",
    "n_jobs": "None or -1 uses all cores",
}
#: Advice when the kriging estimators get covariates they cannot use.
COORDINATES_ONLY = (
    "pass only the coordinates; covariates need "
    "UniversalKriging(drift='external') or RegressionKriging"
)


def check_neighbourhood(estimator: Any) -> None:
    """The parameters' table, then what ties them: ``min_neighbors <= n_neighbors``."""
    validate_params(estimator)
    n, n_min = estimator.n_neighbors, estimator.min_neighbors
    if n is not None and n_min > n:
        raise ConfigError(
            f"min_neighbors ({n_min}) exceeds n_neighbors ({n})",
            column="min_neighbors",
        )


def block_pair(block_size: Any) -> tuple[float, float] | None:
    """``(width, height)`` of a block size already checked by :class:`Sizes`."""
    if block_size is None:
        return None
    values = np.atleast_1d(np.asarray(block_size, dtype=float))
    return float(values[0]), float(values[-1])


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
    from seabed.geostats.fitting import BOUNDED_CANDIDATES, auto_variogram

    if bounded:
        return auto_variogram(X[:, :2], residuals[:, 0], models=BOUNDED_CANDIDATES)
    return auto_variogram(X[:, :2], residuals[:, 0])


class _SampleStore:
    """The samples of a fitted estimator: duplicates merged, with their tree.

    Sets ``X_`` (coordinates), ``y_`` (values, (n, m)), ``n_samples_``,
    ``n_outputs_`` and the tree; returns the (merged) full X, covariates and all.
    """

    X_: NDArray[np.float64]
    y_: NDArray[np.float64]
    n_samples_: int
    n_outputs_: int
    _y_ndim: int
    _tree: cKDTree

    def _store_samples(
        self, X: NDArray[np.float64], y: NDArray[np.float64], duplicates: str
    ) -> NDArray[np.float64]:
        self._y_ndim = y.ndim
        X, y2 = merge_duplicates(X, y.reshape(len(y), -1), duplicates)
        self.X_ = np.ascontiguousarray(X[:, :2])
        self.y_ = np.ascontiguousarray(y2)
        self.n_samples_ = len(self.X_)
        self.n_outputs_ = self.y_.shape[1]
        self._tree = cKDTree(self.X_)
        return X

    def _neighbourhood(
        self,
        nodes: NDArray[np.float64],
        k: int,
        exclude: NDArray[np.int64] | None,
    ) -> tuple[Any, Any, int]:
        """The search plan, the neighbours of each node (``k`` nearest within
        ``max_distance``, at most ``max_per_sector`` per sector, ``exclude`` left
        out) and the threads they were searched on (the estimator's ``n_jobs``).
        Estimators that use it have those parameters."""
        owner: Any = self
        n_jobs = resolve_n_jobs(owner.n_jobs)
        plan = plan_search(
            self._tree,
            nodes,
            n_neighbors=k,
            max_distance=owner.max_distance,
            leave_one_out=exclude is not None and bool((exclude >= 0).any()),
            workers=n_jobs,
        )
        hood = neighbourhood(
            plan,
            nodes,
            self.X_,
            k=k,
            max_distance=owner.max_distance,
            max_per_sector=owner.max_per_sector,
            min_count=owner.min_neighbors,
            exclude=exclude,
        )
        return plan, hood, n_jobs


class _KrigingBase(GridMixin, _SampleStore, RegressorMixin, BaseEstimator):
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

    def fit(self, X: ArrayLike, y: ArrayLike) -> _KrigingBase:
        """Store the samples, check them, and prepare the drift.

        Parameters
        ----------
        X : array-like of shape (n, 2) or (n, 2 + q)
            Projected coordinates in metres (then covariates, for external drift).
            Degrees are not checked for here (small metric coordinates look
            alike): project lon/lat first, e.g. a GeoDataFrame with
            :func:`seabed.geostats.gridding.coordinates`; :meth:`grid` refuses a
            geographic CRS.
        y : array-like of shape (n,) or (n, m)
            Values; several outputs share the kriging weights.

        Returns
        -------
        self
        """
        check_neighbourhood(self)
        self._block = block_pair(self.block_size)
        Xa, ya = check_samples(self, X, y, columns=self._columns(), hint=self._hint())
        Xa = self._store_samples(Xa, ya, self.duplicates)
        self._sample_covariates = Xa[:, 2:]
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
        model = self._model(k, want_weights, "slope" in outputs)
        failures = _Failures()
        for lo, hi in results.chunks():
            part = results.chunk(lo, hi)
            part_exclude = None if exclude is None else exclude[lo:hi]
            self._krige_chunk(Xa[lo:hi], part_exclude, k, model, part)
            failures.record(lo, Xa[lo:hi], part)
        if failures.first is not None:
            self._raise_singular(*failures.first, failures.n_failed, exclude)
        return results.full

    def _extent(self) -> float:
        """Diagonal of the samples' bounding box: no two samples are further apart."""
        return float(np.hypot(*np.ptp(self.X_[:, :2], axis=0)))

    def _n_search(self) -> int:
        """Samples each node's search looks for (``n_neighbors`` or all)."""
        n = self.n_samples_
        return n if self.n_neighbors is None else min(self.n_neighbors, n)

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
        slot_bytes = 8 * (k * k + k * (p + n_out + 1) + p * p + p * n_out)
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
        k: int,
        model: KrigingModel,
        out: dict[str, NDArray[Any]],
    ) -> None:
        """Krige the rows of ``Xa`` (``k`` neighbours each, before any sector
        limit) into ``out``, views of the call's outputs."""
        nodes = np.ascontiguousarray(Xa[:, :2])
        plan, hood, n_jobs = self._neighbourhood(nodes, k, exclude)
        chunk_model = model._replace(node_f=np.ascontiguousarray(self._drift_basis(Xa)))
        outputs = KrigingOutputs(
            out["mean"],
            out["var"],
            out["count"],
            out["status"],
            out["neighbors"],
            out["weights"],
            out["slope"],
        )
        kernel = functools.partial(
            krige_groups, hood=hood, model=chunk_model, out=outputs
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
