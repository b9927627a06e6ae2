"""Cross-validation of the spatial estimators, with R gstat ``krige.cv``'s summaries.

:func:`leave_one_out` predicts every sample from the others. For the kriging
estimators (and inverse distance weighting) it needs no refitting: each sample is
predicted at its own location with itself left out of its neighbourhood, which is
exactly what refitting without it would give, at the cost of one prediction.
:func:`cross_validate_kriging` does k-fold (or grouped k-fold, e.g. by core or by
spatial block) cross-validation through scikit-learn's splitters.

Both return one row per sample: ``observed``, ``prediction``, ``std``,
``residual = observed - prediction`` and ``zscore = residual / std`` (gstat's
conventions); :func:`summarize` condenses them into ``mean_error``, ``rmse``,
``mean_zscore``, ``sd_zscore`` (which should be near 0, small, near 0 and near 1
for a good model and neighbourhood), ``mean_squared_zscore``,
``cor_observed_predicted`` and ``n``.

Examples
--------
>>> from seabed.geostats import Variogram
>>> from seabed.geostats.kriging import OrdinaryKriging
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(0, 1000, size=(60, 2))
>>> y = np.sin(X[:, 0] / 200) + 0.1 * rng.standard_normal(60)
>>> ok = OrdinaryKriging(Variogram("spherical", psill=0.5, range=600.0, nugget=0.01))
>>> table = leave_one_out(ok, X, y)
>>> list(table.columns)
['x', 'y', 'observed', 'prediction', 'std', 'residual', 'zscore', 'n_neighbors']
>>> stats = summarize(table)
>>> stats["n"], stats["rmse"] < 0.2
(60, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold, LeaveOneOut

from seabed.geostats._checks import check_samples

__all__ = ["CrossValidation", "cross_validate_kriging", "leave_one_out", "summarize"]


@dataclass(frozen=True)
class CrossValidation:
    """Per-sample results and their summary.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per sample (see :func:`leave_one_out`), plus the ``fold``.
    summary : dict
        See :func:`summarize`.
    """

    table: pd.DataFrame
    summary: dict[str, float]


def _check_1d(
    X: ArrayLike, y: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    X, y = check_samples(None, X, y, columns=(2, None), multi_output=False)
    return X, y


def _table(
    coords: NDArray[np.float64],
    observed: NDArray[np.float64],
    prediction: NDArray[np.float64],
    std: NDArray[np.float64],
    count: NDArray[np.int64] | None,
) -> pd.DataFrame:
    residual = observed - prediction
    with np.errstate(divide="ignore", invalid="ignore"):
        zscore = residual / std
    table = pd.DataFrame(
        {
            "x": coords[:, 0],
            "y": coords[:, 1],
            "observed": observed,
            "prediction": prediction,
            "std": std,
            "residual": residual,
            "zscore": zscore,
        }
    )
    if count is not None:
        table["n_neighbors"] = count
    return table


def leave_one_out(
    estimator: Any, X: ArrayLike, y: ArrayLike, *, samples: ArrayLike | None = None
) -> pd.DataFrame:
    """Predict each sample from all the others.

    Parameters
    ----------
    estimator : estimator
        A seabed estimator (fast path: no refitting) or any scikit-learn regressor
        (refitted once per sample; ``std`` is NaN unless its ``predict`` takes
        ``return_std``). It is cloned, never modified.
    X : array-like of shape (n, 2) or (n, 2 + q)
        Coordinates in metres (then covariates, if the estimator uses them).
    y : array-like of shape (n,)
    samples : array-like of int, optional
        Predict only these samples (row indices; of the distinct locations with
        ``duplicates="average"``), each still from all the others: a cheaper
        check on many samples.

    Returns
    -------
    pandas.DataFrame
        Columns ``x, y, observed, prediction, std, residual, zscore`` and, for
        seabed's estimators, ``n_neighbors``. With ``duplicates="average"`` the
        rows are the distinct locations. Samples with too few neighbours get NaN.
    """
    X, y = _check_1d(X, y)
    fitted = clone(estimator).fit(X, y)
    if hasattr(fitted, "_leave_one_out"):
        rows = None if samples is None else np.asarray(samples, dtype=np.int64)
        result = fitted._leave_one_out(rows)
        chosen = slice(None) if rows is None else rows
        return _table(
            fitted.X_[chosen],
            fitted.y_[chosen, 0],
            result["mean"][:, 0],
            np.sqrt(np.maximum(result["var"], 0.0)),
            result["count"],
        )
    splits = LeaveOneOut().split(X)
    if samples is not None:
        chosen_rows = set(np.asarray(samples, dtype=int).tolist())
        splits = (s for s in splits if int(s[1][0]) in chosen_rows)
    table = _refit_folds(estimator, X, y, splits, np.arange(len(y)))
    if samples is not None:
        table = table.iloc[np.sort(np.asarray(samples, dtype=int))].reset_index(
            drop=True
        )
    return table.drop(columns="fold")


def _predict_with_std(
    estimator: Any, X: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    try:
        mean, std = estimator.predict(X, return_std=True)
    except TypeError:  # a regressor without return_std
        mean = estimator.predict(X)
        std = np.full(len(X), np.nan)
    return np.asarray(mean, dtype=float), np.asarray(std, dtype=float)


def _refit_folds(
    estimator: Any,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    splits: Any,
    fold_of: NDArray[np.int64] | None = None,
) -> pd.DataFrame:
    prediction = np.full(len(y), np.nan)
    std = np.full(len(y), np.nan)
    fold = np.full(len(y), -1, dtype=np.int64)
    for number, (train, test) in enumerate(splits):
        fitted = clone(estimator).fit(X[train], y[train])
        prediction[test], std[test] = _predict_with_std(fitted, X[test])
        fold[test] = number
    table = _table(X[:, :2], y, prediction, std, None)
    table["fold"] = fold
    return table


def cross_validate_kriging(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike | None = None,
    n_splits: int = 5,
    *,
    cv: Any = None,
    random_state: int | None = 0,
) -> CrossValidation:
    """k-fold cross-validation with gstat ``krige.cv``'s summary statistics.

    Parameters
    ----------
    estimator : estimator
        Refitted on each training fold (cloned).
    X : array-like of shape (n, 2) or (n, 2 + q)
    y : array-like of shape (n,)
    groups : array-like of shape (n,), optional
        Group labels (core, spatial block...): samples of a group are always in
        the same fold (:class:`sklearn.model_selection.GroupKFold`).
    n_splits : int
        Number of folds.
    cv : scikit-learn splitter, optional
        Any splitter (e.g. a spatial block splitter); overrides ``n_splits``.
    random_state : int or None
        Seed of the shuffled :class:`~sklearn.model_selection.KFold` used
        without groups.

    Returns
    -------
    CrossValidation
        ``table`` (one row per sample with its ``fold``) and ``summary``.

    Examples
    --------
    >>> from seabed.geostats import Variogram
    >>> from seabed.geostats.kriging import OrdinaryKriging
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(0, 1000, size=(50, 2))
    >>> y = np.cos(X[:, 1] / 250)
    >>> ok = OrdinaryKriging(Variogram("gaussian", psill=0.5, range=400.0, nugget=1e-3))
    >>> cv = cross_validate_kriging(ok, X, y, groups=np.arange(50) % 10)
    >>> sorted(set(cv.table["fold"])), cv.summary["n"]
    ([0, 1, 2, 3, 4], 50)
    """
    X, y = _check_1d(X, y)
    if cv is None:
        if groups is not None:
            cv = GroupKFold(n_splits=n_splits)
        else:
            cv = KFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    splits = cv.split(X, y, groups)
    table = _refit_folds(estimator, X, y, splits)
    return CrossValidation(table=table, summary=summarize(table))


def summarize(table: pd.DataFrame) -> dict[str, float]:
    """gstat ``krige.cv``-style statistics of a cross-validation table.

    Rows without a prediction (too few neighbours) are left out; ``n`` counts
    the rest. ``sd_zscore`` uses n - 1, like R's ``sd``.

    Examples
    --------
    >>> t = pd.DataFrame({"observed": [1.0, 2.0, 3.0], "prediction": [1.5, 2.0, 2.0],
    ...                   "residual": [-0.5, 0.0, 1.0], "zscore": [-1.0, 0.0, 2.0]})
    >>> s = summarize(t)
    >>> s["mean_error"], s["mean_zscore"], s["sd_zscore"], s["n"]
    (0.16666666666666666, 0.3333333333333333, 1.5275252316519468, 3)
    """
    ok = table["prediction"].notna().to_numpy()
    res = table["residual"].to_numpy()[ok]
    z = table["zscore"].to_numpy()[ok]
    obs = table["observed"].to_numpy()[ok]
    pred = table["prediction"].to_numpy()[ok]
    n = int(ok.sum())
    cor = float(np.corrcoef(obs, pred)[0, 1]) if n > 1 else float("nan")
    return {
        "mean_error": float(res.mean()) if n else float("nan"),
        "rmse": float(np.sqrt(np.mean(res**2))) if n else float("nan"),
        "mean_zscore": float(z.mean()) if n else float("nan"),
        "sd_zscore": float(z.std(ddof=1)) if n > 1 else float("nan"),
        "mean_squared_zscore": float(np.mean(z**2)) if n else float("nan"),
        "cor_observed_predicted": cor,
        "n": n,
    }
