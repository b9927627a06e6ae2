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
from numpy.typing import NDArray
from scipy import linalg

from seabed.exceptions import InputError, SeabedWarning
from seabed.geostats.experimental import ExperimentalVariogram
from seabed.geostats.variogram import (
    MAX_POWER,
    Structure,
    Variogram,
    unit_semivariance,
)

__all__ = ["FIT_METHODS", "FitInfo", "fit_variogram"]

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
        :func:`~seabed.geostats.model_selection.auto_variogram` only: every candidate tried, with its weighted SSE
        (``wss``), leave-one-out mean squared error (``loo_mse``) and mean squared
        z-score (``loo_mean_squared_zscore``), and whether it was ``chosen``.
    choice : str
        :func:`~seabed.geostats.model_selection.auto_variogram` only: why the winner won, in words.
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
