"""The automatic variogram, fitted and then questioned.

``variogram = "auto"`` fits candidate models to the experimental variogram of the
composites and keeps the one whose kriging predicts left-out cores best
(:func:`seabed.geostats.auto_variogram`). A fit can succeed numerically
and still be absurd: a range several times wider than the cores' extent (the data
cannot show it), a fit that did not converge, or a nugget that is nearly all the
sill (no spatial correlation at the core spacing). Each is said here in one plain
sentence, for the statement's notes, resource.json and the report; the fitter's own
Python warnings are folded into them instead of being printed with a source line.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from seabed.exceptions import SeabedError, SeabedWarning
from seabed.geostats import (
    FitInfo,
    OrdinaryKriging,
    SimpleKriging,
    Variogram,
    auto_variogram,
    experimental_variogram,
    fit_variogram,
    leave_one_out,
)
from seabed.geostats.model_selection import BOUNDED_CANDIDATES, CANDIDATE_MODELS
from seabed.resource.classes import practical_range

__all__ = [
    "NUGGET_SHARE_LIMIT",
    "fit_record",
    "fit_reviewed_variogram",
    "variogram_doubts",
]

#: A nugget at least this share of the total sill leaves almost no spatial
#: correlation: the variogram is said to be (nearly) pure nugget.
NUGGET_SHARE_LIMIT = 0.9


def fit_reviewed_variogram(
    X: np.ndarray, y: np.ndarray, estimator: Any = None, *, bounded: bool = False
) -> tuple[Variogram, FitInfo, list[str]]:
    """Fit the automatic variogram and say what is doubtful about it.

    Parameters
    ----------
    X, y : numpy.ndarray
        Positions (metres) and grades of the composites.
    estimator : kriging estimator, optional
        Whose neighbourhood cross-validates the candidates (see
        :func:`~seabed.geostats.auto_variogram`); simple kriging keeps to models
        with a sill.
    bounded : bool
        Keep to models with a sill (spherical, exponential) whatever the
        estimator: for a run whose classification measures distances in ranges.

    Returns
    -------
    (Variogram, FitInfo, list of str)
        The model, how the fit went, and one sentence per doubt (empty if none).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> X = rng.uniform(0, 50_000, size=(40, 2))
    >>> y = rng.normal(1000, 200, size=40)       # no spatial correlation at all
    >>> variogram, info, doubts = fit_reviewed_variogram(X, y)
    >>> any("no spatial correlation" in d or "wider than" in d for d in doubts)
    True
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SeabedWarning)
        simple = bounded or isinstance(estimator, SimpleKriging)
        variogram, info = auto_variogram(
            X,
            y,
            models=BOUNDED_CANDIDATES if simple else CANDIDATE_MODELS,
            estimator=estimator,
            return_info=True,
        )
    raised = [str(w.message) for w in caught if issubclass(w.category, SeabedWarning)]
    return variogram, info, variogram_doubts(variogram, info, X, raised)


def fit_record(info: FitInfo) -> dict[str, Any]:
    """The automatic fit's record for resource.json: every candidate's weighted
    sum of squares and leave-one-out figures, and why the chosen one won."""
    return {
        "method": "weighted least squares per candidate (gstat fit.method "
        f"{info.method}), chosen by leave-one-out cross-validation",
        "chosen": info.model,
        "choice": info.choice,
        "converged": info.converged,
        "singular": info.singular,
        "candidates": [dict(c) for c in info.candidates],
    }


def variogram_doubts(
    variogram: Variogram,
    info: FitInfo | None,
    X: np.ndarray,
    raised: list[str] | None = None,
) -> list[str]:
    """One plain sentence per doubtful property of a fitted variogram.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [10_000.0, 0.0], [0.0, 10_000.0]])
    >>> vg = Variogram("spherical", psill=1.0, range=60_000.0, nugget=0.0)
    >>> variogram_doubts(vg, None, X)[0].split(":")[0]
    'the automatic variogram is doubtful'
    """
    doubts: list[str] = []
    total = variogram.nugget + sum(s.psill for s in variogram.structures)
    share = variogram.nugget / total if total > 0 else 1.0
    if not variogram.bounded:
        share = 0.0  # no sill to take a share of
        doubts.append(
            "the variogram has no sill (a linear or power model): the grades differ "
            "more the further apart the cores are, as far as the data reach, so the "
            "data cannot show a range; range-based classification is not available"
        )
    if not variogram.structures or share >= NUGGET_SHARE_LIMIT:
        doubts.append(
            f"the variogram is {'pure' if share >= 0.999 else 'nearly pure'} nugget "
            f"(nugget {share:.0%} of the sill): the grades show no spatial "
            "correlation at the core spacing, so kriging gives about the mean "
            "everywhere and range-based classification means nothing"
        )
    extent, spacing = _extent(X), _spacing(X)
    if variogram.structures and variogram.bounded and extent > 0:
        reach = practical_range(variogram)
        if reach < spacing:
            doubts.append(
                f"the fitted practical range ({reach / 1000:,.3g} km) is shorter than "
                f"the typical distance from a core to its nearest neighbour "
                f"({spacing / 1000:,.3g} km): at the core spacing the grades show no "
                "spatial correlation, so kriging gives about the mean away from the "
                "cores and the kriging deviation rests on a structure the data do "
                "not resolve"
            )
        if reach > extent:
            doubts.append(
                f"the fitted practical range ({reach / 1000:,.0f} km) is wider than "
                f"the cores' extent ({extent / 1000:,.0f} km): the data cannot show "
                "where the variogram levels off; give a variogram in "
                "[estimate] variogram, or treat the range-based choices with care"
            )
    if info is not None and (not info.converged or info.singular):
        how = "became singular" if info.singular else "did not converge"
        doubts.append(
            f"the automatic variogram fit {how} after {info.iterations} iterations: "
            "its parameters are those reached then"
        )
    elif raised:
        doubts.append("the automatic variogram fit warned: " + "; ".join(raised))
    if not doubts:
        return []
    return [f"the automatic variogram is doubtful: {d}" for d in doubts]


def _spacing(X: np.ndarray) -> float:
    """The median distance from a core to its nearest neighbour (metres)."""
    points = np.asarray(X, dtype=float)
    if len(points) < 2:
        return 0.0
    distances, _ = cKDTree(points).query(points, k=2)
    return float(np.median(distances[:, 1]))


def _extent(X: np.ndarray) -> float:
    """The diagonal of the cores' bounding box (metres)."""
    if len(X) < 2:
        return 0.0
    return float(np.hypot(*np.ptp(np.asarray(X, dtype=float), axis=0)))


#: Azimuths of the directional variograms (degrees clockwise from north).
AZIMUTHS = (0.0, 45.0, 90.0, 135.0)
#: A ratio of the shortest to the longest directional range below this suggests
#: geometric anisotropy ...
ANISOTROPY_RATIO = 0.7
#: ... when the anisotropic model also lowers the leave-one-out mean squared error
#: by at least this share.
ANISOTROPY_GAIN = 0.05


def directional_review(
    X: np.ndarray, y: np.ndarray, variogram: Variogram
) -> tuple[dict[str, object] | None, list[str]]:
    """Ranges along four azimuths, and an anisotropy suggested when they differ.

    The model's shape, nugget and sills are kept; only its range is fitted to the
    experimental variogram of each direction (22.5 degrees either side). Where the
    shortest range is below :data:`ANISOTROPY_RATIO` of the longest, the model with
    ``anis = (azimuth of the longest, ratio)`` (gstat's convention) is
    cross-validated against the isotropic one (leave-one-out, ordinary kriging with
    32 neighbours), and suggested in the notes only when it lowers the mean squared
    error by :data:`ANISOTROPY_GAIN` or more.

    Returns
    -------
    (dict or None, list of str)
        ``ranges_m`` by azimuth, ``ratio``, ``suggested_anis`` (or None), and the
        notes; None when fewer than two directions could be fitted.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(0, 40_000, size=(300, 2))
    >>> y = np.sin(X[:, 1] / 3000.0) + 0.1 * rng.standard_normal(300)  # varies N-S
    >>> vg = Variogram("spherical", psill=0.5, range=5000.0, nugget=0.01)
    >>> summary, notes = directional_review(X, y, vg)
    >>> summary["suggested_anis"][0] in (90.0, 45.0, 135.0), len(notes)
    (True, 1)
    """
    if not variogram.structures:
        return None, []
    ranges: dict[float, float] = {}
    for azimuth in AZIMUTHS:
        try:
            ev = experimental_variogram(X, y, direction=azimuth, tolerance=22.5)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SeabedWarning)
                fitted = fit_variogram(ev, variogram, fit_sills=False, fit_ranges=True)
        except SeabedError:
            continue  # too few pairs along this direction
        reach = practical_range(fitted)
        if np.isfinite(reach) and reach > 0:
            ranges[azimuth] = reach
    if len(ranges) < 2:
        return None, []
    longest = max(ranges, key=lambda a: ranges[a])
    ratio = min(ranges.values()) / ranges[longest]
    # anis takes a ratio in (0, 1]: ranges apart by more than 200 times (two
    # distant clusters) would round to 0
    candidate = (longest, max(round(ratio, 2), 0.01))
    stretch = ranges[longest] / practical_range(variogram)
    gain = (
        _anisotropy_gain(X, y, variogram, candidate, stretch)
        if ratio < ANISOTROPY_RATIO
        else None
    )
    # directional ranges from a few hundred cores part by chance as often as not:
    # suggest only what also predicts the left-out cores better
    suggested = candidate if gain is not None and gain >= ANISOTROPY_GAIN else None
    summary: dict[str, object] = {
        "ranges_m": {f"{a:g}": r for a, r in ranges.items()},
        "ratio": ratio,
        "cross_validation_gain": gain,
        "suggested_anis": None if suggested is None else list(suggested),
    }
    notes = []
    if suggested is not None:
        spread = ", ".join(f"{a:g}°: {r / 1000:,.3g} km" for a, r in ranges.items())
        notes.append(
            f"the directional variograms differ (practical ranges {spread}; "
            f"shortest / longest {ratio:.2f}) and the anisotropic model "
            f"anis = [{longest:g}, {suggested[1]:g}] predicts the left-out cores "
            f"better ({gain:.0%} lower mean squared error): consider it in "
            "[estimate] variogram if the geology supports it (the estimate used "
            "the isotropic model)"
        )
    return summary, notes


def _anisotropy_gain(
    X: np.ndarray,
    y: np.ndarray,
    variogram: Variogram,
    anis: tuple[float, float],
    stretch: float,
) -> float | None:
    """1 - MSE(anisotropic) / MSE(isotropic), leave-one-out (None if it fails).

    The anisotropic model's major axis takes the longest directional range (the
    ranges stretched by ``stretch``), its minor axis the shortest.
    """
    try:  # a review never stops the run
        rotated = Variogram(
            nugget=variogram.nugget,
            structures=[
                replace(s, anis=anis, range=s.range * stretch)
                for s in variogram.structures
            ],
        )
    except SeabedError:
        return None
    errors = []
    for model in (variogram, rotated):
        try:
            table = leave_one_out(OrdinaryKriging(model, n_neighbors=32), X, y)
        except SeabedError:
            return None
        errors.append(float(np.nanmean(table["residual"].to_numpy() ** 2)))
    return 1.0 - errors[1] / errors[0] if errors[0] > 0 else None
