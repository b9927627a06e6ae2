"""Choose a variogram model for a survey: fit candidates, keep the best predictor.

:func:`auto_variogram` fits every candidate model (gstat's weighted least squares,
:func:`~seabed.geostats.fitting.fit_variogram`) with each nugget option, then judges
them by leave-one-out cross-validation with the estimator's own neighbourhood: the
fit's sum of squares says how well a curve follows the binned semivariances, the
cross-validation how well the model predicts cores it did not see. Every candidate's
figures and the reason for the choice are recorded in the returned
:class:`~seabed.geostats.fitting.FitInfo`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone

from seabed.exceptions import InputError, SeabedError, SeabedWarning
from seabed.geostats.experimental import ExperimentalVariogram, experimental_variogram
from seabed.geostats.fitting import FitInfo, fit_variogram
from seabed.geostats.validation import leave_one_out
from seabed.geostats.variogram import Variogram

__all__ = [
    "BOUNDED_CANDIDATES",
    "CALIBRATED_Z2",
    "CANDIDATE_MODELS",
    "MSE_TOLERANCE",
    "auto_variogram",
    "fittable_variogram",
]

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
    ev = fittable_variogram(X, y, cutoff=cutoff, width=width)
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


def fittable_variogram(
    X: ArrayLike,
    y: ArrayLike,
    *,
    cutoff: float | None = None,
    width: float | None = None,
) -> ExperimentalVariogram:
    """The experimental variogram :func:`auto_variogram` fits, or why the samples
    cannot give one.

    A run calls it before its long part, so that a survey too small or too
    clustered for an automatic variogram is refused at once (``seabed validate``
    too), not after reading every input.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Sample coordinates.
    y : array-like of shape (n_samples,)
        Sample values.
    cutoff, width : float, optional
        As :func:`~seabed.geostats.experimental_variogram` takes them.

    Returns
    -------
    ExperimentalVariogram

    Raises
    ------
    InputError
        Fewer than :data:`MIN_SAMPLES` samples, fewer than :data:`MIN_BINS` lag
        bins holding pairs, or values that do not vary.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    >>> fittable_variogram(X, [1.0, 2.0, 3.0])
    Traceback (most recent call last):
    ...
    seabed.exceptions.InputError: column 'y': too few samples to fit a variogram: 3 (at least 10); give a variogram model explicitly instead of 'auto'
    """
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
    return ev


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
