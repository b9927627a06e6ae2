"""scikit-learn's ``score`` for seabed's estimators (private).

An estimator whose search reaches no sample at a point predicts NaN there, which
scikit-learn's R² would refuse with a message about NaN input; this mixin says
how many points have no estimate and which parameters to loosen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import r2_score

from seabed.exceptions import InputError

__all__ = ["_ScoreMixin"]


class _ScoreMixin:
    """scikit-learn's ``score`` (R²), refusing points left without an estimate."""

    min_neighbors: int
    max_distance: float | None
    predict: Any

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Coefficient of determination (R²) of the predictions at ``X``.

        As scikit-learn's ``RegressorMixin.score``; a point that no search
        reaches (its prediction is NaN) is an error that says so.

        Parameters
        ----------
        X : array-like of shape (k, c)
            Points, with the columns given to ``fit``.
        y : array-like of shape (k,) or (k, m)
            The true values at ``X``.
        sample_weight : array-like of shape (k,), optional

        Returns
        -------
        float

        Raises
        ------
        InputError
            When some points have no estimate: loosen the search, or score the
            estimated points only.
        """
        prediction = np.asarray(self.predict(X))
        missing = np.isnan(prediction)
        if missing.ndim > 1:
            missing = missing.any(axis=1)
        if missing.any():
            passes = " (or its passes)" if getattr(self, "passes", None) else ""
            raise InputError(
                f"{int(missing.sum())} of {len(missing)} point(s) have no estimate: "
                f"the search{passes} found fewer than min_neighbors="
                f"{self.min_neighbors} samples within max_distance="
                f"{self.max_distance} of them",
                column="X",
                hint="lower min_neighbors or raise max_distance (None: no limit), "
                "or score only the points whose predict() is not NaN",
            )
        return float(r2_score(y, prediction, sample_weight=sample_weight))
