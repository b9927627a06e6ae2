"""High values: how much metal they carry, and what a top-cut does to the mean.

A few very high composites can carry much of a deposit's metal; kriged with the
same weight as the others, they spread over cells they do not represent. A resource
geologist looks at the log-probability plot (breaks in the upper tail), the
coefficient of variation, and the metal held by each decile of the samples
(Parrish 1997: a top decile holding more than 40 % of the metal, or a top percentile
more than 10 %, calls for capping), then chooses a top-cut and reports what it
removes.

Every function takes optional declustering weights, so that re-cored sites do not
dominate the statistics (:mod:`seabed.geostats.declustering`).

Examples
--------
>>> import numpy as np
>>> values = np.r_[np.full(95, 1000.0), np.full(5, 30_000.0)]
>>> deciles = decile_analysis(values)
>>> top = deciles.set_index("class")["metal_share"]
>>> round(float(top["90-100"]), 3), round(float(top["99-100"]), 3)
(0.633, 0.122)
>>> top_cut_effect(values, [5_000.0])[["top_cut", "n_capped", "mean"]].to_dict("records")
[{'top_cut': 5000.0, 'n_capped': 5, 'mean': 1200.0}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

from seabed.exceptions import ConfigError, InputError

__all__ = [
    "PARRISH_TOP_DECILE",
    "PARRISH_TOP_PERCENTILE",
    "cap",
    "decile_analysis",
    "log_probability",
    "top_cut_effect",
    "top_cut_review",
]

#: Parrish (1997): capping is warranted when the top decile holds more metal than
#: this share ...
PARRISH_TOP_DECILE = 0.40
#: ... or the top percentile more than this share.
PARRISH_TOP_PERCENTILE = 0.10


def cap(values: ArrayLike, top_cut: float) -> NDArray[np.float64]:
    """Values above ``top_cut`` set to it (NaN stays NaN).

    Examples
    --------
    >>> cap([100.0, 9000.0, float("nan")], 5000.0).tolist()
    [100.0, 5000.0, nan]
    """
    if not np.isfinite(top_cut) or top_cut <= 0:
        raise ConfigError(
            f"a top-cut must be a positive, finite grade, not {top_cut!r}",
            column="top_cut_ppm",
        )
    v = np.asarray(values, dtype=float)
    return np.where(v > top_cut, top_cut, v)


def decile_analysis(
    values: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """Metal held by each decile of the samples, and by each percentile of the top one.

    Returns
    -------
    pandas.DataFrame
        One row per class (``"0-10"`` ... ``"80-90"``, then ``"90-91"`` ...
        ``"99-100"``): ``lower``/``upper`` cumulative share of the samples (weighted),
        ``n``, ``mean`` and ``max`` of the values in it and ``metal_share``, its
        share of the total metal (value x weight). The last decile row, ``"90-100"``,
        sums the top percentiles.
    """
    v, w = _values_and_weights(values, weights)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    # each sample's class from the weight below it (its cumulative share at its middle)
    middle = np.cumsum(w) - w / 2
    metal = v * w
    total = metal.sum()
    rows = []
    bounds = [(k / 10, (k + 1) / 10) for k in range(10)]
    bounds += [(0.9 + k / 100, 0.9 + (k + 1) / 100) for k in range(10)]
    for lower, upper in bounds:
        inside = (middle >= lower) & (middle < upper) if upper < 1 else middle >= lower
        rows.append(
            {
                "class": f"{lower * 100:.0f}-{upper * 100:.0f}",
                "lower": lower,
                "upper": upper,
                "n": int(inside.sum()),
                "mean": float(v[inside].mean()) if inside.any() else float("nan"),
                "max": float(v[inside].max()) if inside.any() else float("nan"),
                "metal_share": float(metal[inside].sum() / total) if total else 0.0,
            }
        )
    return pd.DataFrame(rows)


def top_cut_effect(
    values: ArrayLike, top_cuts: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """What each top-cut does: values capped, mean and CV after, metal removed.

    Returns
    -------
    pandas.DataFrame
        ``top_cut``, ``percentile`` (weighted share of samples at or below it),
        ``n_capped``, ``mean``, ``cv`` and ``metal_removed`` (share of the metal
        taken off; the tonnes of a kriged statement fall by about as much when the
        capped samples weigh as much in the estimate as in the mean).
    """
    v, w = _values_and_weights(values, weights)
    uncapped = float(w @ v)
    rows = []
    for top_cut in np.atleast_1d(np.asarray(top_cuts, dtype=float)):
        capped = cap(v, float(top_cut))
        mean = float(w @ capped)
        std = float(np.sqrt(w @ (capped - mean) ** 2))
        rows.append(
            {
                "top_cut": float(top_cut),
                "percentile": float(w[v <= top_cut].sum()),
                "n_capped": int((v > top_cut).sum()),
                "mean": mean,
                "cv": std / mean if mean else float("nan"),
                "metal_removed": 1.0 - mean / uncapped if uncapped else 0.0,
            }
        )
    return pd.DataFrame(rows)


def log_probability(
    values: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """The points of a log-probability plot: each value, its cumulative probability
    (weighted plotting position) and normal score, ascending."""
    v, w = _values_and_weights(values, weights)
    order = np.argsort(v, kind="stable")
    probability = np.cumsum(w[order]) - w[order] / 2
    return pd.DataFrame(
        {
            "value": v[order],
            "cumulative_probability": probability,
            "normal_score": ndtri(probability),
        }
    )


def top_cut_review(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    top_cut: float | None = None,
) -> dict[str, object]:
    """The review a geologist writes down: CV, Parrish's decile test, the effect of a
    chosen top-cut (or of the 99th percentile when none is chosen), in plain words.

    Examples
    --------
    >>> import numpy as np
    >>> review = top_cut_review(np.r_[np.full(95, 1000.0), np.full(5, 30_000.0)])
    >>> review["capping_warranted"], review["words"].split(";")[0]
    (True, 'the top decile holds 63 % of the metal (Parrish: above 40 % calls for capping)')
    """
    v, w = _values_and_weights(values, weights)
    deciles = decile_analysis(v, w)
    top_decile = float(deciles.loc[deciles["class"] == "90-100", "metal_share"].iloc[0])
    top_percentile = float(deciles["metal_share"].iloc[-1])
    mean = float(w @ v)
    cv = float(np.sqrt(w @ (v - mean) ** 2)) / mean if mean else float("nan")
    warranted = (
        top_decile > PARRISH_TOP_DECILE or top_percentile > PARRISH_TOP_PERCENTILE
    )
    words = [
        f"the top decile holds {_percent(top_decile)} of the metal (Parrish: above "
        f"{_percent(PARRISH_TOP_DECILE)} calls for capping)",
        f"the top percentile holds {_percent(top_percentile)} (above "
        f"{_percent(PARRISH_TOP_PERCENTILE)} calls for capping)",
        f"coefficient of variation {cv:.2f}",
    ]
    examined = top_cut
    if examined is None:
        order = np.argsort(v, kind="stable")
        examined = float(np.interp(0.99, np.cumsum(w[order]) - w[order] / 2, v[order]))
    effect = top_cut_effect(v, [examined], w).iloc[0].to_dict()
    label = "the chosen top-cut" if top_cut is not None else "a top-cut at the P99"
    words.append(
        f"{label} of {examined:,.0f} caps {effect['n_capped']:.0f} sample(s) and "
        f"removes {_percent(effect['metal_removed'], 1)} of the metal"
    )
    return {
        "cv": cv,
        "top_decile_metal_share": top_decile,
        "top_percentile_metal_share": top_percentile,
        "capping_warranted": bool(warranted),
        "top_cut_examined": examined,
        "effect": effect,
        "words": "; ".join(words),
    }


def _percent(share: float, digits: int = 0) -> str:
    return f"{share * 100:.{digits}f} %"


def _values_and_weights(
    values: ArrayLike, weights: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise InputError("no values to analyse", column="values")
    if not np.all(np.isfinite(v)) or (v < 0).any():
        raise InputError(
            "values must be finite grades, >= 0 (drop the missing ones first)",
            column="values",
        )
    if weights is None:
        w = np.full(v.size, 1.0 / v.size)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != v.shape or not np.all(np.isfinite(w)) or (w < 0).any():
            raise InputError(
                "weights must hold one finite, non-negative weight per value",
                column="weights",
            )
        if w.sum() <= 0:
            raise InputError("the weights sum to 0", column="weights")
        w = w / w.sum()
    return v, w
