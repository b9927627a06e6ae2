"""The automatic variogram, fitted and then questioned.

``variogram = "auto"`` fits candidate models to the experimental variogram of the
composites (:func:`seabed.geostats.auto_variogram`). A fit can succeed numerically
and still be absurd: a range several times wider than the cores' extent (the data
cannot show it), a fit that did not converge, or a nugget that is nearly all the
sill (no spatial correlation at the core spacing). Each is said here in one plain
sentence, for the statement's notes, resource.json and the report; the fitter's own
Python warnings are folded into them instead of being printed with a source line.
"""

from __future__ import annotations

import warnings

import numpy as np

from seabed.exceptions import SeabedWarning
from seabed.geostats import FitInfo, Variogram, auto_variogram
from seabed.resource.classes import practical_range

__all__ = [
    "NUGGET_SHARE_LIMIT",
    "fit_reviewed_variogram",
    "variogram_doubts",
]

#: A nugget at least this share of the total sill leaves almost no spatial
#: correlation: the variogram is said to be (nearly) pure nugget.
NUGGET_SHARE_LIMIT = 0.9


def fit_reviewed_variogram(
    X: np.ndarray, y: np.ndarray
) -> tuple[Variogram, FitInfo, list[str]]:
    """Fit the automatic variogram and say what is doubtful about it.

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
        variogram, info = auto_variogram(X, y, return_info=True)
    raised = [str(w.message) for w in caught if issubclass(w.category, SeabedWarning)]
    return variogram, info, variogram_doubts(variogram, info, X, raised)


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
    if not variogram.structures or share >= NUGGET_SHARE_LIMIT:
        doubts.append(
            f"the variogram is {'pure' if share >= 0.999 else 'nearly pure'} nugget "
            f"(nugget {share:.0%} of the sill): the grades show no spatial "
            "correlation at the core spacing, so kriging gives about the mean "
            "everywhere and range-based classification means nothing"
        )
    extent, spacing = _extent(X), _spacing(X)
    if variogram.structures and extent > 0:
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
    from scipy.spatial import cKDTree

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
