"""The estimators' parameters: what each may be, the search passes they describe,
and the advice their errors give.

Shared by every estimator of :mod:`seabed.geostats`: the neighbourhood (``n_neighbors``,
``max_distance``, ``min_neighbors``, ``max_per_sector``), the search beyond it
(``passes``, ``max_per_core``, the restriction of high values) and the kriging
parameters (``variogram``, ``block_size``). ``fit`` checks them with
:func:`check_neighbourhood` and resolves the passes with :func:`search_passes`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from seabed.exceptions import ConfigError, InputError
from seabed.geostats._checks import (
    InstanceOf,
    Interval,
    Options,
    Sizes,
    check_value,
    validate_params,
)
from seabed.geostats.variogram import Variogram

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
#: What the keys of a search pass may be (the estimator's own values fill
#: those a pass leaves out).
PASS_CONSTRAINTS: dict[str, list[Any]] = {
    "n_neighbors": NEIGHBOURHOOD_CONSTRAINTS["n_neighbors"],
    "min_neighbors": NEIGHBOURHOOD_CONSTRAINTS["min_neighbors"],
    "max_distance": NEIGHBOURHOOD_CONSTRAINTS["max_distance"],
    "max_per_core": [Interval(numbers.Integral, 1), None],
    "max_per_sector": NEIGHBOURHOOD_CONSTRAINTS["max_per_sector"],
    "anisotropy": [
        Options(("variogram",)),
        InstanceOf((list, tuple), "(azimuth, ratio) of a search ellipse"),
        None,
    ],
}
#: The kriging estimators' search beyond one neighbourhood: passes, the limit
#: per core and the restriction of high values.
SEARCH_CONSTRAINTS: dict[str, list[Any]] = {
    "max_per_core": PASS_CONSTRAINTS["max_per_core"],
    "passes": [
        InstanceOf((list, tuple), "a list of dicts (one per search pass)"),
        None,
    ],
    "high_value": [Interval(numbers.Real, None), None],
    "high_value_radius": [Interval(numbers.Real, 0.0, open_low=True), None],
}
#: The kriging estimators' shared parameters: the model and the support.
KRIGING_CONSTRAINTS: dict[str, list[Any]] = {
    "variogram": [
        InstanceOf((Variogram,), "a seabed.geostats.Variogram"),
        Options(("auto",)),
    ],
    **NEIGHBOURHOOD_CONSTRAINTS,
    **SEARCH_CONSTRAINTS,
    "block_size": [Sizes(), None],
    "block_discretization": [Options(("gauss",)), Interval(numbers.Integral, 1)],
}
#: Advice added to the errors about some parameters.
PARAMETER_HINTS = {
    "variogram": "e.g. Variogram('spherical', psill=0.6, range=900.0, nugget=0.05)",
    "block_size": "give (width_east, height_north), e.g. block_size=(1000, 1000)",
    "n_jobs": "None or -1 uses all cores",
    "passes": "e.g. passes=[{'max_distance': 5000}, {'max_distance': 20000}]",
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


class SearchPass(NamedTuple):
    """One search pass: the neighbourhood a node is tried with.

    Examples
    --------
    >>> SearchPass(16, 3, 5000.0, None, None).k(100), SearchPass(None, 1, None, None, None).k(7)
    (16, 7)
    """

    n_neighbors: int | None
    min_neighbors: int
    max_distance: float | None
    max_per_core: int | None
    max_per_sector: int | None
    #: None: a circle; "variogram": the variogram's anisotropy; or (azimuth, ratio)
    anisotropy: Any = None

    def k(self, n_samples: int) -> int:
        """Samples the pass looks for among ``n_samples`` (before any limit)."""
        if self.n_neighbors is None:
            return n_samples
        return min(self.n_neighbors, n_samples)


def search_passes(estimator: Any) -> list[SearchPass]:
    """The estimator's search passes, checked: its ``passes`` (each key left out
    takes the estimator's own value), or one pass of its own values.

    Examples
    --------
    >>> from seabed.geostats import OrdinaryKriging
    >>> ok = OrdinaryKriging(n_neighbors=8, passes=[{}, {"max_distance": 2000.0}])
    >>> [(p.n_neighbors, p.max_distance) for p in search_passes(ok)]
    [(8, None), (8, 2000.0)]
    """
    own = {name: getattr(estimator, name, None) for name in PASS_CONSTRAINTS}
    own["min_neighbors"] = estimator.min_neighbors
    given = getattr(estimator, "passes", None)
    tables = [{}] if given is None else list(given)
    if not tables:
        raise ConfigError(
            "needs at least one search pass",
            column="passes",
            hint=PARAMETER_HINTS["passes"],
        )
    passes = []
    for number, table in enumerate(tables, 1):
        where = f"passes[{number - 1}]"
        if not isinstance(table, Mapping):
            raise ConfigError(
                f"must be a dict of search parameters, got {table!r}",
                column=where,
                hint=PARAMETER_HINTS["passes"],
            )
        unknown = sorted(set(table) - set(PASS_CONSTRAINTS))
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(map(repr, unknown))}",
                column=where,
                hint="a pass takes " + ", ".join(PASS_CONSTRAINTS),
            )
        for name, value in table.items():
            check_value(f"{where}.{name}", value, PASS_CONSTRAINTS[name])
        check_ellipse(table.get("anisotropy"), f"{where}.anisotropy")
        search = SearchPass(**(own | dict(table)))
        if search.n_neighbors is not None and search.min_neighbors > search.n_neighbors:
            raise ConfigError(
                f"min_neighbors ({search.min_neighbors}) exceeds n_neighbors "
                f"({search.n_neighbors})",
                column=f"{where}.min_neighbors",
            )
        passes.append(search)
    return passes


def check_ellipse(anisotropy: Any, where: str) -> None:
    """Raise ConfigError unless ``anisotropy`` is None, "variogram" or a finite
    ``(azimuth, ratio)`` with ``0 < ratio <= 1``."""
    if anisotropy is None or isinstance(anisotropy, str):
        return
    values = list(anisotropy)
    ok = len(values) == 2 and all(isinstance(v, numbers.Real) for v in values)
    if ok and math.isfinite(values[0]) and 0.0 < values[1] <= 1.0:
        return
    raise ConfigError(
        f"must be (azimuth in degrees, minor/major ratio in (0, 1]), got {anisotropy!r}",
        column=where,
        hint='e.g. (30, 0.5), or "variogram" to follow the variogram\'s anisotropy',
    )


def group_codes(groups: ArrayLike | None, n: int) -> NDArray[np.int64]:
    """Integer codes ``0 .. g - 1`` of the samples' groups (cores or sites), in
    order of first appearance; None: each sample its own group."""
    if groups is None:
        return np.arange(n, dtype=np.int64)
    values = np.asarray(groups).ravel()
    if len(values) != n:
        raise InputError(
            f"groups has {len(values)} value(s) for {n} sample(s)",
            column="groups",
            hint="give one core (or site) id per row of X",
        )
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()].astype(np.int64)


def block_pair(block_size: Any) -> tuple[float, float] | None:
    """``(width, height)`` of a block size already checked by :class:`Sizes`."""
    if block_size is None:
        return None
    values = np.atleast_1d(np.asarray(block_size, dtype=float))
    return float(values[0]), float(values[-1])
