"""Fit variogram models to experimental variograms, as R gstat's ``fit.variogram()``.

The fit is weighted least squares over the bins of an experimental variogram. Like
gstat, it runs Gauss-Newton iterations on all free parameters (partial sills and
ranges together), caps each step (its squared length at most 0.2 times the squared
length of the parameter vector), stops when the weighted sum of squared errors
improves by less than 1e-5 of itself (200 iterations at most), and, when a sill
comes out negative, fixes it at zero, puts the ranges back to their initial values
and fits again. Following gstat step by step, it stops at the same iterate: on the
meuse data the fitted parameters agree with gstat's to about 1e-15.

Weights (gstat's ``fit.method``), for bin j with N_j pairs at mean distance h_j:

- 1: ``N_j``;
- 2: ``N_j / gamma(h_j)^2`` (Cressie), with gamma the *initial* model, as in gstat;
- 6: none (ordinary least squares);
- 7: ``N_j / h_j^2`` (the default).

Models are evaluated along north, where gstat evaluates them, so an anisotropic
model's range is fitted as seen along north.

Examples
--------
>>> h = np.array([100.0, 200.0, 300.0, 400.0, 500.0, 600.0])
>>> truth = Variogram("exponential", psill=1.0, range=150.0, nugget=0.2)
>>> ev = ExperimentalVariogram(np=np.full(6, 50), dist=h, gamma=truth.semivariance(h),
...                            dir_hor=np.zeros(6), cutoff=600.0, width=100.0)
>>> fitted = fit_variogram(ev, Variogram("exponential", psill=0.5, range=300.0,
...                                      nugget=0.1))
>>> round(fitted.nugget, 6), round(fitted.structures[0].range, 4)
(0.2, 150.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from sklearn.base import clone

from seabed.exceptions import InputError, SeabedError, SeabedWarning
from seabed.geostats.experimental import ExperimentalVariogram, experimental_variogram
from seabed.geostats.validation import leave_one_out
from seabed.geostats.variogram import (
    MAX_POWER,
    Structure,
    Variogram,
    unit_semivariance,
)

__all__ = [
    "BOUNDED_CANDIDATES",
    "CANDIDATE_MODELS",
    "FIT_METHODS",
    "FitInfo",
    "auto_variogram",
    "fit_variogram",
]

#: gstat's ``fit.method`` codes accepted, and their weights.
FIT_METHODS: dict[int, str] = {
    1: "N_j",
    2: "N_j / gamma(h_j)^2 (Cressie)",
    6: "unweighted (ordinary least squares)",
    7: "N_j / h_j^2",
}

# gstat's constants (defaults.h, fit.c, vario.h)
_MAX_ITERATIONS = 200
_FIT_LIMIT = 1e-5  # relative improvement of the SSE below which the fit stops
_MAX_STEP = 0.2  # largest squared step, relative to the parameters' squared norm
_NEARLY_ZERO = 1e-30
_ZERO = 10.0 * np.finfo(float).eps
_DA_DELTA = 1e-3  # relative step of the numerical range derivative (Matern)

#: Fewest samples and non-empty bins :func:`auto_variogram` works with.
MIN_SAMPLES = 10
MIN_BINS = 3

#: The models :func:`auto_variogram` tries by default (``"linear"`` is gstat's
#: unbounded ``Lin`` with range 0), each with every nugget option, plus a pure nugget.
CANDIDATE_MODELS: tuple[str, ...] = ("spherical", "exponential", "linear", "power")
#: The candidates with a sill, for estimators that need a covariance.
BOUNDED_CANDIDATES: tuple[str, ...] = ("spherical", "exponential")
#: Leave-one-out mean squared errors within this share of the lowest are taken as
#: equal: below it the difference is noise between candidates fitted to the same
#: few hundred cores.
MSE_TOLERANCE = 0.02
#: A mean squared z-score in this range says the kriging variance is calibrated.
CALIBRATED_Z2 = (0.7, 1.4)
#: Most samples the cross-validation predicts (a fixed random subset beyond).
MAX_CROSS_VALIDATED = 1000


@dataclass(frozen=True)
class FitInfo:
    """How a variogram fit went.

    Attributes
    ----------
    sse : float
        Weighted sum of squared errors at the solution (gstat's ``SSErr``).
    iterations : int
        Gauss-Newton iterations of the last fit.
    converged : bool
        Whether the last fit met the stopping rule before the iteration limit.
    singular : bool
        Whether the normal equations became singular (gstat's ``singular``); the
        parameters are then those reached before it happened.
    method : int
        The ``fit.method`` code used.
    refits : int
        How many times negative sills were fixed at zero and the fit run again.
    model : str
        The fitted variogram's first structure (or ``"nugget"``), for reports.
    candidates : tuple of dict
        :func:`auto_variogram` only: every candidate tried, with its weighted SSE
        (``wss``), leave-one-out mean squared error (``loo_mse``) and mean squared
        z-score (``loo_mean_squared_zscore``), and whether it was ``chosen``.
    choice : str
        :func:`auto_variogram` only: why the winner won, in words.
    """

    sse: float
    iterations: int
    converged: bool
    singular: bool
    method: int
    refits: int = 0
    model: str = ""
    candidates: tuple[dict[str, Any], ...] = ()
    choice: str = ""


@dataclass
class _Parameters:
    """A variogram as gstat's fit sees it: one row per component, nugget first."""

    structures: list[Structure | None]  # None is the nugget
    sills: NDArray[np.float64]
    ranges: NDArray[np.float64]  # nan for the nugget
    fit_sill: NDArray[np.bool_]
    fit_range: NDArray[np.bool_]

    def copy(self) -> _Parameters:
        return _Parameters(
            list(self.structures),
            self.sills.copy(),
            self.ranges.copy(),
            self.fit_sill.copy(),
            self.fit_range.copy(),
        )


@overload
def fit_variogram(
    ev: ExperimentalVariogram,
    model: Variogram,
    *,
    fit_sills: bool | Sequence[bool] = ...,
    fit_ranges: bool | Sequence[bool] = ...,
    method: int = ...,
    return_info: Literal[False] = ...,
) -> Variogram: ...


@overload
def fit_variogram(
    ev: ExperimentalVariogram,
    model: Variogram,
    *,
    fit_sills: bool | Sequence[bool] = ...,
    fit_ranges: bool | Sequence[bool] = ...,
    method: int = ...,
    return_info: Literal[True],
) -> tuple[Variogram, FitInfo]: ...


def fit_variogram(
    ev: ExperimentalVariogram,
    model: Variogram,
    *,
    fit_sills: bool | Sequence[bool] = True,
    fit_ranges: bool | Sequence[bool] = True,
    method: int = 7,
    return_info: bool = False,
) -> Variogram | tuple[Variogram, FitInfo]:
    """Fit a variogram model to an experimental variogram, like gstat ``fit.variogram``.

    Parameters
    ----------
    ev : ExperimentalVariogram
        The experimental variogram (all its rows are fitted together, as in gstat).
    model : Variogram
        Initial model. Its nugget is a component to fit only when it is > 0 (a zero
        nugget stays zero, like a gstat ``vgm()`` without nugget); a partial sill
        of 0 to be fitted starts at 1, as in gstat.
    fit_sills, fit_ranges : bool or sequence of bool
        Which sills and ranges to fit: one flag for all, or one per component in
        gstat's row order (the nugget first when there is one, then the
        structures); the nugget's range flag is ignored.
    method : {7, 1, 2, 6}
        gstat's ``fit.method``: the weights of the bins (see the module notes).
    return_info : bool
        Also return a :class:`FitInfo` (SSE, iterations, convergence).

    Returns
    -------
    Variogram, or (Variogram, FitInfo) with ``return_info=True``.

    Raises
    ------
    InputError
        For an unknown method, flags of the wrong length, fewer bins than free
        parameters, a zero-distance bin with method 7, or a fit whose range runs
        to zero or below.

    Warns
    -----
    SeabedWarning
        When the fit is singular or does not converge in 200 iterations.

    Examples
    --------
    >>> h = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    >>> ev = ExperimentalVariogram(np=np.full(5, 30), dist=h,
    ...     gamma=np.array([0.3, 0.5, 0.62, 0.65, 0.64]), dir_hor=np.zeros(5),
    ...     cutoff=500.0, width=100.0)
    >>> vg, info = fit_variogram(ev, Variogram("spherical", 0.5, 300.0, nugget=0.1),
    ...                          return_info=True)
    >>> round(vg.sill, 3), info.converged
    (0.645, True)
    """
    if not isinstance(ev, ExperimentalVariogram):
        raise InputError(
            f"expected an ExperimentalVariogram, got {type(ev).__name__}",
            column="ev",
            hint="compute one with experimental_variogram(X, y)",
        )
    if not isinstance(model, Variogram):
        raise InputError(
            f"expected a Variogram as initial model, got {type(model).__name__}",
            column="model",
        )
    if method not in FIT_METHODS:
        raise InputError(
            f"unknown fit method {method!r}",
            column="method",
            hint="use 7 (N/h^2, default), 1 (N), 2 (Cressie) or 6 (unweighted)",
        )
    if method == 7 and np.any(ev.dist == 0):
        raise InputError(
            "fit method 7 weighs bins by 1/h^2 and cannot use a bin at distance 0",
            column="method",
            hint="use another fit method or drop the zero-distance bin",
        )
    params = _parameters(model, fit_sills, fit_ranges)
    n_free = int(params.fit_sill.sum() + params.fit_range.sum())
    if len(ev) < n_free:
        raise InputError(
            f"{len(ev)} bins cannot determine {n_free} parameters",
            column="ev",
            hint="use a larger cutoff or narrower bins, or fix some parameters",
        )

    h = np.asarray(ev.dist, dtype=float)
    gamma = np.asarray(ev.gamma, dtype=float)
    n_pairs = np.asarray(ev.np, dtype=float)
    initial_ranges = params.ranges.copy()
    refits = 0
    while True:
        fit = _gauss_newton(params, h, gamma, n_pairs, method)
        negative = fit.sills < 0
        if not negative.any():
            break
        # gstat: fix negative sills at zero, restore the initial ranges, fit again.
        # Unlike gstat, sills the caller fixed stay fixed, and a structure whose
        # sill is now zero gets its range fixed too (gstat's refit would be
        # singular there, as such a range has no effect on the model).
        params = fit.copy()
        params.fit_sill &= ~negative
        params.sills[negative] = 0.0
        params.ranges = initial_ranges.copy()
        params.fit_range &= params.sills > 0
        refits += 1

    variogram = _to_variogram(fit)
    info = FitInfo(
        sse=fit.sse,
        iterations=fit.iterations,
        converged=fit.converged,
        singular=fit.singular,
        method=method,
        refits=refits,
        model=variogram.structures[0].model if variogram.structures else "nugget",
    )
    if info.singular:
        warnings.warn(
            "singular model in variogram fit: the parameters are those reached "
            "before it; try other initial values or fix some parameters",
            SeabedWarning,
            stacklevel=2,
        )
    elif not info.converged:
        warnings.warn(
            f"variogram fit did not converge in {_MAX_ITERATIONS} iterations; "
            "try other initial values",
            SeabedWarning,
            stacklevel=2,
        )
    return (variogram, info) if return_info else variogram


@dataclass
class _Fit(_Parameters):
    sse: float = math.nan
    iterations: int = 0
    converged: bool = False
    singular: bool = False


def _gauss_newton(
    start: _Parameters,
    h: NDArray[np.float64],
    gamma: NDArray[np.float64],
    n_pairs: NDArray[np.float64],
    method: int,
) -> _Fit:
    """gstat's ``wls_fit``: bounded Gauss-Newton on the free sills and ranges."""
    p = _Fit(**vars(start.copy()))
    p.sills[(p.sills == 0) & p.fit_sill] = 1.0  # gstat: "avoid lots of trouble"
    free = [(k, "sill") for k in range(len(p.sills)) if p.fit_sill[k]]
    free += [(k, "range") for k in range(len(p.sills)) if p.fit_range[k]]
    # gstat's column order: per component its sill, then its range
    free.sort(key=lambda item: (item[0], item[1] == "range"))
    if not free:
        p.sse = _sse(p, h, gamma, _weights(p, h, n_pairs, method))
        p.converged = True
        return p
    fits_ranges = any(kind == "range" for _, kind in free)

    weights: NDArray[np.float64] | None = None
    old_sse = float(np.finfo(float).max)
    while True:
        model_gamma, jacobian = _model_and_jacobian(p, h, free)
        if weights is None:  # gstat sets the weights once, from the initial model
            weights = _weights(p, h, n_pairs, method)
            if not np.all(np.isfinite(weights)):  # a model value of zero (method 2)
                p.singular = True
                weights = None
                break
        step = _weighted_least_squares(jacobian, gamma - model_gamma, weights)
        if step is None:
            p.singular = True
            break
        start_vector = np.array([_get(p, k, kind) for k, kind in free])
        bounded = False
        if fits_ranges:
            # gstat compares *squared* norms here (its v_norm2 is an inner
            # product), so a step is capped when |step|^2 > 0.2 |start|^2
            ratio = float(step @ step) / float(start_vector @ start_vector)
            if ratio > _MAX_STEP:
                step *= _MAX_STEP / ratio
                bounded = True
        for (k, kind), value in zip(free, start_vector + step):
            _set(p, k, kind, value)
        if np.any(p.ranges[p.fit_range] <= 0):
            raise InputError(
                "variogram fit failed: a range went to zero or below",
                column="variogram.range",
                hint="give initial values closer to the experimental variogram",
            )
        if any(
            s is not None and s.model == "power" and a >= MAX_POWER
            for s, a in zip(p.structures, p.ranges)
        ):
            raise InputError(
                "variogram fit failed: the power model's exponent went to 2 or "
                "beyond (the experimental variogram curves upwards: a drift?)",
                column="variogram.range",
                hint="fix the exponent (fit_ranges) or model the drift",
            )

        p.sse = _sse(p, h, gamma, weights)
        improvement = old_sse - p.sse
        if p.sse > _ZERO:
            improvement /= p.sse  # the first is infinite: old_sse starts at max
        p.iterations += 1
        old_sse = p.sse
        if 0.0 <= improvement < _FIT_LIMIT and not bounded:
            p.converged = True
            break
        if p.iterations == _MAX_ITERATIONS:
            break
    if p.singular:
        p.sse = _sse(p, h, gamma, weights)
    return p


def _weights(
    p: _Parameters, h: NDArray[np.float64], n_pairs: NDArray[np.float64], method: int
) -> NDArray[np.float64]:
    """Bin weights; non-finite where gstat would divide by (nearly) zero."""
    if method == 6:
        return np.ones_like(h)
    if method == 1:
        return n_pairs.copy()
    scale = h if method == 7 else _model_and_jacobian(p, h, [])[0]
    with np.errstate(divide="ignore"):
        return np.where(np.abs(scale) > _NEARLY_ZERO, n_pairs / scale**2, np.inf)


def _weighted_least_squares(
    X: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """Solve the weighted normal equations by Cholesky; None when singular."""
    if X.shape[0] < X.shape[1]:
        return None
    root_w = np.sqrt(w)
    Xw = X * root_w[:, None]
    yw = y * root_w
    try:
        factor = linalg.cho_factor(Xw.T @ Xw, lower=False, check_finite=True)
    except (linalg.LinAlgError, ValueError):
        return None
    return linalg.cho_solve(factor, Xw.T @ yw)


def _sse(
    p: _Parameters,
    h: NDArray[np.float64],
    gamma: NDArray[np.float64],
    weights: NDArray[np.float64] | None,
) -> float:
    residual = gamma - _model_and_jacobian(p, h, [])[0]
    w = np.ones_like(h) if weights is None else weights
    return float(np.sum(w * residual * residual))


def _model_and_jacobian(
    p: _Parameters, h: NDArray[np.float64], free: list[tuple[int, str]]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Model semivariance at ``h`` and its derivatives with respect to ``free``."""
    units = [_unit_semivariance(s, h, a) for s, a in zip(p.structures, p.ranges)]
    model = np.sum([sill * u for sill, u in zip(p.sills, units)], axis=0)
    columns = []
    for k, kind in free:
        if kind == "sill":
            columns.append(units[k])
        else:
            structure = p.structures[k]
            assert structure is not None  # the nugget has no range to fit
            columns.append(p.sills[k] * _range_derivative(structure, h, p.ranges[k]))
    jacobian = np.column_stack(columns) if columns else np.empty((len(h), 0))
    return model, jacobian


def _unit_semivariance(
    structure: Structure | None, h: NDArray[np.float64], range_: float
) -> NDArray[np.float64]:
    """Semivariance of a unit-sill component at lags ``h`` along north."""
    if structure is None:
        return np.where(h > 0, 1.0, 0.0)
    lag = h * _north_stretch(structure)
    return unit_semivariance(structure.model, lag, range_, structure.kappa)


def _range_derivative(
    structure: Structure, h: NDArray[np.float64], range_: float
) -> NDArray[np.float64]:
    """Derivative of the unit semivariance with respect to the range."""
    lag = h * _north_stretch(structure)
    if structure.model == "power":  # d/da h^a
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(lag > 0, lag**range_ * np.log(lag), 0.0)
    r = lag / range_
    if structure.model == "linear":  # only the bounded form has a range to fit
        return np.where(r < 1.0, -r / range_, 0.0)
    if structure.model == "spherical":
        return np.where(r <= 1.0, 1.5 * (r / range_) * (r * r - 1.0), 0.0)
    if structure.model == "exponential":
        return -(r / range_) * np.exp(-r)
    if structure.model == "gaussian":
        # d/da (1 - exp(-(h/a)^2)); gstat's da_fn_gaussian omits the factor 2h/a,
        # so its Gaussian fits stop short of the least-squares solution
        return -2.0 * (r * r / range_) * np.exp(-r * r)
    # Matern: central difference, as gstat's da_general
    upper = _unit_semivariance(structure, h, range_ * (1.0 + _DA_DELTA))
    lower = _unit_semivariance(structure, h, range_ * (1.0 - _DA_DELTA))
    return (upper - lower) / (2.0 * range_ * _DA_DELTA)


def _north_stretch(structure: Structure) -> float:
    """Anisotropic length of a unit lag along north, in metres along the major axis."""
    if structure.anis is None:
        return 1.0
    return float(structure.distance(0.0, 1.0))


def _get(p: _Parameters, k: int, kind: str) -> float:
    return float(p.sills[k] if kind == "sill" else p.ranges[k])


def _set(p: _Parameters, k: int, kind: str, value: float) -> None:
    if kind == "sill":
        p.sills[k] = value
    else:
        p.ranges[k] = value


def _flags(flags: bool | Sequence[bool], n: int, name: str) -> NDArray[np.bool_]:
    values = np.atleast_1d(np.asarray(flags, dtype=bool))
    if values.size == 1:
        return np.full(n, bool(values[0]))
    if values.size != n:
        raise InputError(
            f"{values.size} flags given for {n} variogram components",
            column=name,
            hint="give one flag, or one per component: the nugget first "
            "(when the model has one), then each structure",
        )
    return values


def _parameters(
    model: Variogram,
    fit_sills: bool | Sequence[bool],
    fit_ranges: bool | Sequence[bool],
) -> _Parameters:
    structures: list[Structure | None] = list(model.structures)
    if model.nugget > 0:
        structures.insert(0, None)
    n = len(structures)
    sills = np.array([model.nugget if s is None else s.psill for s in structures])
    ranges = np.array([math.nan if s is None else s.range for s in structures])
    # a nugget has no range, and an unbounded linear model's range is 0 by definition
    has_range = np.array([s is not None and s.range > 0 for s in structures])
    fit_range = _flags(fit_ranges, n, "fit_ranges") & has_range
    return _Parameters(
        structures, sills, ranges, _flags(fit_sills, n, "fit_sills"), fit_range
    )


def _to_variogram(p: _Parameters) -> Variogram:
    nugget = 0.0
    structures = []
    for structure, sill, range_ in zip(p.structures, p.sills, p.ranges):
        if structure is None:
            nugget = float(sill)
        else:
            structures.append(
                Structure(
                    structure.model, sill, range_, structure.anis, structure.kappa
                )
            )
    if not structures and nugget == 0:
        raise InputError(
            "the fitted variogram has no sill left (all sills came out zero)",
            column="variogram",
            hint="check the experimental variogram; the data may show no spatial "
            "variation",
        )
    return Variogram(structures=structures, nugget=nugget)


@overload
def auto_variogram(
    X: ArrayLike,
    y: ArrayLike,
    *,
    models: Sequence[str] = ...,
    cutoff: float | None = ...,
    width: float | None = ...,
    method: int = ...,
    estimator: Any = ...,
    return_info: Literal[False] = ...,
) -> Variogram: ...


@overload
def auto_variogram(
    X: ArrayLike,
    y: ArrayLike,
    *,
    models: Sequence[str] = ...,
    cutoff: float | None = ...,
    width: float | None = ...,
    method: int = ...,
    estimator: Any = ...,
    return_info: Literal[True],
) -> tuple[Variogram, FitInfo]: ...


def auto_variogram(
    X: ArrayLike,
    y: ArrayLike,
    *,
    models: Sequence[str] = CANDIDATE_MODELS,
    cutoff: float | None = None,
    width: float | None = None,
    method: int = 7,
    estimator: Any = None,
    return_info: bool = False,
) -> Variogram | tuple[Variogram, FitInfo]:
    """Fit candidate models and keep the one that predicts left-out samples best.

    Each model of ``models`` is fitted (weighted least squares, gstat's
    :func:`fit_variogram`) with three nugget options: a fitted nugget, no nugget,
    and the nugget fixed at the first lag's semivariance; a pure nugget is a
    candidate too. The weighted sum of squares only says how well a curve follows
    the binned semivariances, which hardly constrain the nugget and the shape near
    the origin; kriging depends on exactly those. So each candidate is judged by
    leave-one-out cross-validation with ``estimator``'s neighbourhood:

    1. candidates whose mean squared error is within :data:`MSE_TOLERANCE` (2 %)
       of the lowest are equally good predictors;
    2. among them, those whose mean squared z-score lies in
       :data:`CALIBRATED_Z2` (a kriging variance that matches the errors) win,
       the one with the fewest fitted parameters first, then the lowest error;
    3. if none of them is calibrated, the mean squared z-score nearest 1 wins.

    The experimental variogram uses gstat's defaults (unless ``cutoff`` or
    ``width`` are given). Initial values come from it: nugget = semivariance of
    the first bin, partial sill = largest semivariance minus that, range = one
    third of the cutoff (linear and power: the slope from the first bin to the
    largest semivariance). With more than :data:`MAX_CROSS_VALIDATED` samples a
    fixed random subset of them is predicted (from all the others), so the cost
    stays bounded.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Projected coordinates in metres.
    y : array-like of shape (n,)
        Values.
    models : sequence of str
        Candidate models (names as :class:`~seabed.geostats.variogram.Variogram`;
        ``"linear"`` is tried unbounded, i.e. with range 0).
    cutoff, width : float, optional
        Experimental variogram settings; gstat's defaults when omitted.
    method : int
        gstat ``fit.method`` (7 by default).
    estimator : kriging estimator, optional
        Its neighbourhood (``n_neighbors``, ``max_distance``...) is used for the
        cross-validation, its variogram replaced by each candidate; ordinary
        kriging with 32 neighbours by default. Simple kriging keeps to
        bounded models.
    return_info : bool
        Also return the winner's :class:`FitInfo`, with every candidate's
        figures (``candidates``) and the reason of the choice (``choice``).

    Returns
    -------
    Variogram, or (Variogram, FitInfo) with ``return_info=True``.

    Raises
    ------
    InputError
        With fewer than 10 samples, fewer than 3 non-empty lag bins, values that
        do not vary, or when no candidate can be fitted.

    Examples
    --------
    A field simulated with a spherical variogram (range 600 m):

    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 3000, size=(200, 2))
    >>> truth = Variogram("spherical", psill=1.0, range=600.0, nugget=0.1)
    >>> y = np.linalg.cholesky(truth.covariance_matrix(X)) @ rng.standard_normal(200)
    >>> vg, info = auto_variogram(X, y, return_info=True)
    >>> info.model in ("spherical", "exponential"), len(info.candidates)
    (True, 13)
    >>> info.choice.split(":")[0]
    'lowest leave-one-out mean squared error'
    """
    # kriging resolves "auto" through this module: import it only when called
    from seabed.geostats.kriging import OrdinaryKriging

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or len(y) < MIN_SAMPLES:
        raise InputError(
            f"too few samples to fit a variogram: {y.size} (at least {MIN_SAMPLES})",
            column="y",
            hint="give a variogram model explicitly instead of 'auto'",
        )
    ev = experimental_variogram(X, y, cutoff=cutoff, width=width)
    if len(ev) < MIN_BINS:
        raise InputError(
            f"only {len(ev)} lag bins hold sample pairs (at least {MIN_BINS} needed)",
            column="cutoff",
            hint="use a larger cutoff or narrower bins, or give a variogram model",
        )
    if float(ev.gamma.max()) <= 0:
        raise InputError(
            "the values do not vary between sample pairs: no variogram to fit",
            column="y",
        )
    if estimator is None:
        estimator = OrdinaryKriging(n_neighbors=32)
    fitted, failures = _fit_candidates(ev, models, method)
    if not fitted:
        raise InputError(
            "no candidate variogram model could be fitted ("
            + "; ".join(failures)
            + ")",
            column="variogram",
            hint="give a variogram model explicitly",
        )
    targets = _cross_validated(len(y))
    records = [_scored(candidate, estimator, X, y, targets) for candidate in fitted]
    winner, choice = _choose(records)
    records[winner]["chosen"] = True
    best, info, _ = fitted[winner]
    info = FitInfo(**{**vars(info), "candidates": tuple(records), "choice": choice})
    if info.singular or not info.converged:
        warnings.warn(
            f"the chosen variogram fit ({info.model}) is "
            + ("singular" if info.singular else "not converged"),
            SeabedWarning,
            stacklevel=2,
        )
    return (best, info) if return_info else best


def _starting_models(
    ev: ExperimentalVariogram, models: Sequence[str]
) -> list[tuple[str, Variogram, list[bool] | bool]]:
    """(nugget option, initial model, fit_sills) of every candidate."""
    top = float(ev.gamma.max())
    first = float(ev.gamma[0])
    rise = top - first if top > first else 0.5 * top
    out: list[tuple[str, Variogram, list[bool] | bool]] = []
    for name in models:
        shape = Variogram(name, psill=1.0, range=1.0).structures[0].model
        if shape == "linear":
            psill, range_ = rise / ev.cutoff, 0.0  # gstat's unbounded Lin
        elif shape == "power":
            psill, range_ = rise / ev.cutoff, 1.0
        else:
            psill, range_ = rise, ev.cutoff / 3.0
        structure = Variogram(name, psill=psill, range=range_)
        out.append(("zero", structure, True))
        if first > 0:
            with_nugget = Variogram(name, psill=psill, range=range_, nugget=first)
            out.append(("fitted", with_nugget, True))
            out.append(("first lag", with_nugget, [False, True]))
    out.append(("pure nugget", Variogram("Nug", psill=top), True))
    return out


def _fit_candidates(
    ev: ExperimentalVariogram, models: Sequence[str], method: int
) -> tuple[list[tuple[Variogram, FitInfo, str]], list[str]]:
    fitted: list[tuple[Variogram, FitInfo, str]] = []
    failures = []
    for option, initial, fit_sills in _starting_models(ev, models):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SeabedWarning)
                vg, info = fit_variogram(
                    ev, initial, fit_sills=fit_sills, method=method, return_info=True
                )
        except InputError as error:
            failures.append(f"{option} / {initial.structures or 'nugget'}: {error}")
            continue
        if vg.structures and all(s.psill == 0 for s in vg.structures):
            continue  # the structure's sill went to zero: the pure nugget's turn
        key = _rounded(vg)
        if any(_rounded(other) == key for other, _, _ in fitted):
            continue  # a fitted nugget that came out zero: the same candidate
        fitted.append((vg, info, option))
    return fitted, failures


def _rounded(variogram: Variogram) -> str:
    """The model's parameters to 9 significant digits, to spot twin candidates."""
    parts = [f"{variogram.nugget:.9g}"]
    parts += [f"{s.model} {s.psill:.9g} {s.range:.9g}" for s in variogram.structures]
    return ";".join(parts)


def _cross_validated(n: int) -> NDArray[np.int64] | None:
    """The samples the cross-validation predicts: all, or a fixed subset."""
    if n <= MAX_CROSS_VALIDATED:
        return None
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(n, size=MAX_CROSS_VALIDATED, replace=False))


def _scored(
    candidate: tuple[Variogram, FitInfo, str],
    estimator: Any,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    targets: NDArray[np.int64] | None,
) -> dict[str, Any]:
    """The candidate's record: its model, fit and leave-one-out figures."""
    vg, info, option = candidate
    record: dict[str, Any] = {
        "model": info.model,
        "nugget_option": option,
        "variogram": vg.to_dict(),
        "n_parameters": _n_parameters(vg, option),
        "wss": info.sse,
        "converged": info.converged,
        "singular": info.singular,
        "loo_mse": math.nan,
        "loo_mean_squared_zscore": math.nan,
        "chosen": False,
    }
    try:
        cross = clone(estimator).set_params(variogram=vg)
        table = leave_one_out(cross, X, y, samples=targets)
    except SeabedError as error:
        record["failure"] = str(error)
        return record
    ok = table["prediction"].notna().to_numpy()
    if ok.any():
        record["loo_mse"] = float(np.mean(table["residual"].to_numpy()[ok] ** 2))
        z = table["zscore"].to_numpy()[ok]
        record["loo_mean_squared_zscore"] = float(np.mean(z[np.isfinite(z)] ** 2))
    return record


def _n_parameters(variogram: Variogram, option: str) -> int:
    """Parameters fitted to the data: the nugget (unless zero), each sill and
    each range (the unbounded linear model has none)."""
    count = 0 if option == "zero" else 1
    for s in variogram.structures:
        count += 1 + (s.range > 0)
    return count


def _choose(records: list[dict[str, Any]]) -> tuple[int, str]:
    """The winner's index and the reason, by the rule of :func:`auto_variogram`."""
    usable = [
        i
        for i, r in enumerate(records)
        if not r["singular"] and np.isfinite(r["loo_mse"])
    ]
    if not usable:  # nothing could be cross-validated: fall back on the fit
        i = min(
            range(len(records)),
            key=lambda k: (records[k]["singular"], records[k]["wss"]),
        )
        return (
            i,
            "smallest weighted sum of squares (no candidate could be cross-validated)",
        )
    lowest = min(records[i]["loo_mse"] for i in usable)
    equal = [i for i in usable if records[i]["loo_mse"] <= lowest * (1 + MSE_TOLERANCE)]
    low, high = CALIBRATED_Z2
    calibrated = [
        i for i in equal if low <= records[i]["loo_mean_squared_zscore"] <= high
    ]
    if calibrated:
        i = min(
            calibrated,
            key=lambda k: (records[k]["n_parameters"], records[k]["loo_mse"]),
        )
        why = (
            f"its mean squared z-score ({records[i]['loo_mean_squared_zscore']:.2f}) "
            f"is within {low:g} to {high:g}, and it has the fewest fitted parameters "
            f"({records[i]['n_parameters']}) of the {len(calibrated)} such"
        )
    else:
        i = min(
            equal,
            key=lambda k: abs(
                math.log(max(records[k]["loo_mean_squared_zscore"], 1e-12))
            ),
        )
        why = (
            f"none of them has a mean squared z-score within {low:g} to {high:g}; "
            f"its {records[i]['loo_mean_squared_zscore']:.2f} is the nearest 1"
        )
    r = records[i]
    name = (
        "pure nugget"
        if r["nugget_option"] == "pure nugget"
        else f"{r['model']} with {r['nugget_option']} nugget"
    )
    return i, (
        f"lowest leave-one-out mean squared error: {name}, error "
        f"{r['loo_mse']:.4g} against the lowest "
        f"{lowest:.4g} ({len(equal)} candidate(s) within {MSE_TOLERANCE:.0%} of it); "
        + why
    )
