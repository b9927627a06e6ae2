"""Resource classes per cell: Measured, Indicated or Inferred, by configurable rules.

The reporting codes (JORC 2012, NI 43-101, CRIRSCO) set no numbers: a Competent
Person decides how much confidence the data support. What practitioners test is
written here as rules a cell must pass to reach a class, each criterion optional:

- ``max_nearest_range``: distance to the nearest core, relative to the variogram's
  practical range (spacing of about 2/3 of the range is the usual Measured rule,
  1 x the range the Indicated one);
- ``min_cores``: cores in the kriging search (the ``n_neighbors`` nearest within
  ``max_distance``), or only those of them within ``cores_within_range`` practical
  ranges of the cell when that is set (the spacing rule: "at least three cores
  within two thirds of the range");
- ``min_sectors``: angular sectors around the cell (quadrants by default) holding at
  least one of those cores, so that a cell is surrounded, not extrapolated;
- ``max_relative_std``: kriging standard deviation over the estimated grade;
- ``min_slope_of_regression``: slope of the regression of the true block grade on
  its kriged estimate, ``cov(Z, Z*) / var(Z*)``. Krige's (1996) measure of
  conditional bias: 1 when the estimate is as likely to be too high as too low
  whatever its value, lower as high estimates overstate and low ones understate.
  Thresholds such as 0.95 for Measured and 0.8 for Indicated are industry
  conventions, not rules of any code (see Clark 2015, J. S. Afr. Inst. Min.
  Metall. 115:45, on its use and abuse).

A cell is Measured if it passes the Measured rule, else Indicated if it passes the
Indicated rule, else Inferred if it has an estimate and passes the Inferred rule,
else unclassified. :data:`DEFAULT_RULES` gives no Measured class (that takes a
Competent Person's confidence in the grade's continuity, which no rule of thumb
grants), Indicated where the slope of regression is at least 0.8, at least three
cores lie within two thirds of the practical range, the cores of the search lie
in at least three of the four quadrants around the cell and the kriging standard
deviation is at most half the estimated grade, Inferred where the nearest core
lies within the practical range, and leaves the rest unclassified
(:func:`default_rules` drops what the estimator cannot evaluate).
Whatever the class, the estimate is not JORC / NI 43-101 compliant unless a
Competent Person signs it.

The rules act on per-cell arrays (:func:`class_diagnostics` computes them from the
grid, the cores and the estimator; :func:`assign_classes` applies the rules), so
that diagnostics from another source (the kriging kernel's own) can be swapped in.
The cores of each cell's search are counted by compiled kernels
(:mod:`seabed.resource._sectors`).

Examples
--------
>>> import numpy as np, xarray as xr
>>> grid = xr.Dataset(
...     {"rey_ppm": (("y", "x"), [[900.0, 900.0, np.nan]])},
...     coords={"y": [0.0], "x": [0.0, 5000.0, 9000.0]},
... )
>>> cores = np.array([[0.0, 100.0], [100.0, -100.0], [-100.0, 0.0]])
>>> rules = {"indicated": ClassRule(max_nearest_range=0.5)}
>>> vg = Variogram("spherical", psill=1.0, range=2000.0)
>>> classify_cells(grid, cores, rules=rules, variogram=vg).values.tolist()
[[2, 3, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from seabed.exceptions import ConfigError
from seabed.geostats import Variogram
from seabed.resource import _sectors

__all__ = [
    "CLASSES",
    "CLASS_CODES",
    "DEFAULT_RULES",
    "SEARCH_LAYERS",
    "ClassRule",
    "assign_classes",
    "class_diagnostics",
    "class_fractions",
    "classify_cells",
    "default_rules",
    "practical_range",
    "search_statistics",
]

#: Resource classes and their codes in ``class.tif``.
CLASS_CODES: Mapping[str, int] = {
    "unclassified": 0,
    "measured": 1,
    "indicated": 2,
    "inferred": 3,
}
#: Classes in the order a cell is tested for them, most confident first.
CLASSES: tuple[str, ...] = ("measured", "indicated", "inferred")

# Share of the sill at which asymptotic models reach their practical range.
_PRACTICAL_SILL_SHARE = 0.95


@dataclass(frozen=True)
class ClassRule:
    """What a cell needs to reach one class; ``None`` criteria are not tested.

    Parameters
    ----------
    max_nearest_range : float, optional
        Largest distance to the nearest core, in practical ranges of the variogram.
    min_cores : int, optional
        Fewest cores in the kriging search (within ``cores_within_range`` when set).
    cores_within_range : float, optional
        Count for ``min_cores`` only the cores of the search within this many
        practical ranges of the cell (2/3: within two thirds of the range).
    min_sectors : int, optional
        Fewest angular sectors around the cell holding a core of the search.
    max_relative_std : float, optional
        Largest kriging standard deviation over the estimated grade.
    min_slope_of_regression : float, optional
        Smallest kriging slope of regression (true block grade on its estimate).

    Examples
    --------
    >>> ClassRule(min_cores=8, min_sectors=3).needs_variogram
    False
    >>> ClassRule(min_slope_of_regression=0.8).as_dict()
    {'min_slope_of_regression': 0.8}
    """

    max_nearest_range: float | None = None
    min_cores: int | None = None
    cores_within_range: float | None = None
    min_sectors: int | None = None
    max_relative_std: float | None = None
    min_slope_of_regression: float | None = None

    @property
    def needs_variogram(self) -> bool:
        """Whether the rule measures distance in variogram ranges."""
        return self.max_nearest_range is not None or self.cores_within_range is not None

    @property
    def needs_search(self) -> bool:
        """Whether the rule looks at the cores around the cell."""
        return any(
            value is not None
            for value in (self.max_nearest_range, self.min_cores, self.min_sectors)
        )

    def as_dict(self) -> dict[str, Any]:
        """The criteria that are set (for provenance and reports)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not None
        }


#: The rules of every class the configuration leaves out (``[classification]``,
#: ``defaults = true``): Indicated where the estimate is nearly conditionally
#: unbiased, with cores at a spacing the variogram resolves, around the cell (in
#: three of the four quadrants: interpolated, not extrapolated), and whose grade
#: is known to better than half its value (kriging standard deviation); Inferred
#: within the reach of the variogram; no Measured.
DEFAULT_RULES: Mapping[str, ClassRule] = {
    "indicated": ClassRule(
        min_slope_of_regression=0.8,
        min_cores=3,
        cores_within_range=2 / 3,
        min_sectors=3,
        max_relative_std=0.5,
    ),
    "inferred": ClassRule(max_nearest_range=1.0),
}


def practical_range(variogram: Variogram) -> float:
    """Distance at which the variogram levels off, in metres (largest structure).

    The spherical and (bounded) linear models reach their sill at their range; the
    exponential, Gaussian and Matern models only approach it, and their practical
    range is where they reach 95 % of it (3 a for the exponential, sqrt(3) a for
    the Gaussian, found numerically for the Matern). Anisotropic structures count
    along their major axis. An unbounded model (power, linear without a sill) never
    levels off: its practical range is infinite. A pure nugget is at its sill at
    any distance: its practical range is 0, so rules measured in ranges find no
    core near enough anywhere.

    Examples
    --------
    >>> practical_range(Variogram("exponential", psill=1.0, range=1000.0))
    2995.73...
    >>> practical_range(Variogram("spherical", psill=1.0, range=900.0))
    900.0
    """
    ranges = [_structure_practical_range(s) for s in variogram.structures]
    return max(ranges, default=0.0)


def _structure_practical_range(structure: Any) -> float:
    if not structure.bounded:
        return math.inf
    if structure.model in ("spherical", "linear"):
        return float(structure.range)
    # smallest reduced distance where the correlation falls to 1 - 0.95
    target = 1.0 - _PRACTICAL_SILL_SHARE
    low, high = 0.0, 1.0
    while structure.correlation(np.array([high]))[0] > target:
        high *= 2.0
    for _ in range(60):  # bisection to double precision
        middle = (low + high) / 2
        if structure.correlation(np.array([middle]))[0] > target:
            low = middle
        else:
            high = middle
    return float(high * structure.range)


def search_statistics(
    nodes: NDArray[np.float64],
    cores: NDArray[np.float64],
    *,
    n_neighbors: int | None = 32,
    max_distance: float | None = None,
    n_sectors: int = 4,
    radii: Sequence[float] = (),
) -> dict[str, NDArray[Any]]:
    """The cores each node's kriging search finds, summarised.

    Parameters
    ----------
    nodes, cores : ndarray of shape (k, 2) and (n, 2)
        Projected coordinates in metres.
    n_neighbors : int or None
        Nearest cores in the search (None: all).
    max_distance : float, optional
        Search radius in metres (inclusive, like the kriging search).
    n_sectors : int
        Equal angular sectors, the first starting at north and turning clockwise.
    radii : sequence of float
        Distances (metres) within which to count the cores of the search too.

    Returns
    -------
    dict
        ``nearest_m`` (distance to the nearest core, inf if none in the radius),
        ``n_cores`` and ``n_sectors`` (sectors holding a core of the search), and
        ``n_cores_within`` of shape (len(radii), k): cores of the search within
        each of ``radii`` (inclusive).

    Examples
    --------
    >>> cores = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, -10.0], [0.0, 50.0]])
    >>> stats = search_statistics(
    ...     np.zeros((1, 2)), cores, max_distance=20.0, radii=[5.0, 10.0]
    ... )
    >>> float(stats["nearest_m"][0]), int(stats["n_cores"][0]), int(stats["n_sectors"][0])
    (10.0, 3, 3)
    >>> stats["n_cores_within"][:, 0].tolist()
    [0, 3]
    """
    if not 1 <= n_sectors <= 8:
        raise ConfigError(
            f"{n_sectors} sectors", column="classification.sectors", hint="give 1 to 8"
        )
    nodes = np.asarray(nodes, dtype=float).reshape(-1, 2)
    cores = np.asarray(cores, dtype=float).reshape(-1, 2)
    k = len(cores) if n_neighbors is None else min(int(n_neighbors), len(cores))
    return _sectors.count_search(
        nodes, cores, k, max_distance=max_distance, n_sectors=n_sectors, radii=radii
    )


def default_rules(
    *, has_variogram: bool = True, slope_meaningful: bool = True
) -> dict[str, ClassRule]:
    """The default rules, less the criteria the estimator cannot evaluate.

    Parameters
    ----------
    has_variogram : bool
        False for inverse-distance weighting: no practical range to measure by,
        so no Indicated rule and every estimated cell Inferred.
    slope_meaningful : bool
        False for simple kriging, whose slope of regression is 1 everywhere:
        Indicated then rests on the cores within two thirds of the range.

    Examples
    --------
    >>> sorted(default_rules())
    ['indicated', 'inferred']
    >>> default_rules(slope_meaningful=False)["indicated"].as_dict()
    {'min_cores': 3, 'cores_within_range': 0.666..., 'min_sectors': 3, 'max_relative_std': 0.5}
    >>> default_rules(has_variogram=False)
    {'inferred': ClassRule(max_nearest_range=None, ...)}
    """
    if not has_variogram:
        return {"inferred": ClassRule()}
    rules = dict(DEFAULT_RULES)
    if not slope_meaningful:
        rules["indicated"] = replace(rules["indicated"], min_slope_of_regression=None)
    return rules


def class_diagnostics(
    ds: xr.Dataset,
    cores: NDArray[np.float64],
    *,
    rules: Mapping[str, ClassRule | None],
    variogram: Variogram | None = None,
    n_neighbors: int | None = 32,
    max_distance: float | None = None,
    n_sectors: int = 4,
    estimator: Any = None,
    from_estimate: bool = False,
    cells: NDArray[np.bool_] | None = None,
) -> xr.Dataset:
    """The per-cell values the rules test, computed only when a rule needs them.

    Parameters are those of :func:`classify_cells`, and:

    cells : ndarray of bool, shape (y, x), optional
        Search only from these cells (elsewhere: no core found, ``nearest_m`` inf
        and counts 0). Default: every cell.

    Returns
    -------
    xarray.Dataset
        On ``(y, x)``, those of: ``nearest_m``, ``n_cores``, ``n_sectors`` (the
        kriging search), ``n_cores_within`` (cores of the search within each
        distance of the ``radius_m`` dimension), ``relative_std`` and
        ``slope_of_regression`` (NaN where not estimated).

    Raises
    ------
    ConfigError
        If a rule needs a variogram, a standard deviation or a kriging estimator
        that is not there.
    """
    active = {name: rule for name, rule in rules.items() if rule is not None}
    out = _own_diagnostics(ds, active, estimator=estimator, from_estimate=from_estimate)
    wanted = _search_keys(active, SEARCH_LAYERS if from_estimate else {})
    searched = _search_diagnostics(
        ds,
        cores,
        wanted,
        radii=_radii(active, variogram),
        n_neighbors=n_neighbors,
        max_distance=max_distance,
        n_sectors=n_sectors,
        cells=cells,
    )
    return out.merge(searched)


def _own_diagnostics(
    ds: xr.Dataset,
    rules: Mapping[str, ClassRule],
    *,
    estimator: Any,
    from_estimate: bool,
) -> xr.Dataset:
    """The diagnostics that need no search: the estimate's search layers (when
    ``from_estimate``), the relative standard deviation and the slope of
    regression, each when a rule reads it."""
    out = xr.Dataset(coords={"y": ds["y"], "x": ds["x"]})
    if from_estimate:
        found = _from_layers(ds)
        out = out.assign({key: (("y", "x"), value) for key, value in found.items()})
    std_rule = _first(rules, "max_relative_std")
    if std_rule is not None:
        out["relative_std"] = (("y", "x"), _relative_std(ds, std_rule))
    slope_rule = _first(rules, "min_slope_of_regression")
    if slope_rule is not None:
        out["slope_of_regression"] = (
            ("y", "x"),
            _slope_of_regression(ds, estimator, slope_rule),
        )
    return out


def _radii(rules: Mapping[str, ClassRule], variogram: Variogram | None) -> list[float]:
    """The distances the rules count cores within (ascending)."""
    reach = _range_for(rules, variogram)
    return sorted(
        {
            rule.cores_within_range * reach
            for rule in rules.values()
            if rule.cores_within_range is not None and reach is not None
        }
    )


def _search_diagnostics(
    ds: xr.Dataset,
    cores: NDArray[np.float64],
    wanted: set[str],
    *,
    radii: Sequence[float],
    n_neighbors: int | None,
    max_distance: float | None,
    n_sectors: int,
    cells: NDArray[np.bool_] | None,
) -> xr.Dataset:
    """The ``wanted`` diagnostics of the search, from ``cells`` (default: all;
    elsewhere no core found: ``nearest_m`` inf, counts 0)."""
    out = xr.Dataset(coords={"y": ds["y"], "x": ds["x"]})
    if not wanted:
        return out
    shape = (ds.sizes["y"], ds.sizes["x"])
    where = np.ones(shape, dtype=bool) if cells is None else np.asarray(cells)
    rows, columns = np.nonzero(where)
    nodes = np.column_stack([ds["x"].values[columns], ds["y"].values[rows]])
    within = "n_cores_within" in wanted and len(radii) > 0
    stats = search_statistics(
        nodes,
        cores,
        n_neighbors=n_neighbors,
        max_distance=max_distance,
        n_sectors=n_sectors,
        radii=radii if within else (),
    )
    for key in ("nearest_m", "n_cores", "n_sectors"):
        if key in wanted:
            fill = np.inf if key == "nearest_m" else 0
            values = np.full(shape, fill, dtype=stats[key].dtype)
            values[rows, columns] = stats[key]
            out[key] = (("y", "x"), values)
    if within:
        counts = np.zeros((len(radii), *shape), dtype=np.int64)
        counts[:, rows, columns] = stats["n_cores_within"]
        out["n_cores_within"] = (("radius_m", "y", "x"), counts)
        out = out.assign_coords(radius_m=list(radii))
    return out


#: The estimate's search layers that stand for the classification's own search
#: (when the two searches are the same): diagnostic name -> layer of the grid.
SEARCH_LAYERS: Mapping[str, str] = {
    "nearest_m": "nearest_sample_m",
    "n_cores": "n_cores",
}


def _from_layers(ds: xr.Dataset) -> dict[str, NDArray[Any]]:
    """The diagnostics the estimate's layers give (no core found where the cell
    was not estimated: ``nearest_m`` inf, ``n_cores`` 0)."""
    missing = [layer for layer in SEARCH_LAYERS.values() if layer not in ds]
    if missing:
        raise ConfigError(
            f"the estimate has no {missing[0]} layer to classify from",
            column="classification",
            hint="classify from the search (from_estimate=False), or krige the grid",
        )
    out: dict[str, NDArray[Any]] = {}
    for key, layer in SEARCH_LAYERS.items():
        values = np.asarray(ds[layer].transpose("y", "x").values, dtype=float)
        found = np.isfinite(values)
        if key == "nearest_m":
            out[key] = np.where(found, values, np.inf)
        else:
            out[key] = np.where(found, values, 0.0).astype(np.int64)
    return out


def _search_keys(rules: Mapping[str, ClassRule], known: Mapping[str, Any]) -> set[str]:
    """The search diagnostics the rules read that are not ``known`` already."""
    keys = set()
    for rule in rules.values():
        if rule.max_nearest_range is not None:
            keys.add("nearest_m")
        if rule.min_cores is not None:
            keys.add("n_cores" if rule.cores_within_range is None else "n_cores_within")
        if rule.min_sectors is not None:
            keys.add("n_sectors")
    return keys - set(known)


def _without_search(rule: ClassRule, known: Mapping[str, Any]) -> ClassRule:
    """The rule less the criteria that need the search's diagnostics."""
    keys = _search_keys({"rule": rule}, known)
    changes: dict[str, Any] = {}
    if "nearest_m" in keys:
        changes["max_nearest_range"] = None
    if keys & {"n_cores", "n_cores_within"}:
        changes |= {"min_cores": None, "cores_within_range": None}
    if "n_sectors" in keys:
        changes["min_sectors"] = None
    return replace(rule, **changes)


def assign_classes(
    diagnostics: xr.Dataset,
    estimated: ArrayLike,
    *,
    rules: Mapping[str, ClassRule | None],
    practical_range_m: float | None = None,
) -> xr.DataArray:
    """Resource class codes from per-cell diagnostics, most confident class first.

    Parameters
    ----------
    diagnostics : xarray.Dataset
        ``(y, x)`` arrays named as :func:`class_diagnostics` names them; a rule
        reads only those it tests. Slopes that are NaN fail.
    estimated : array-like of bool, shape (y, x)
        Cells with an estimate; the others stay unclassified.
    rules : mapping
        Class name to :class:`ClassRule` (Inferred without a rule: every estimated
        cell left).
    practical_range_m : float, optional
        Scales ``max_nearest_range`` and ``cores_within_range``.

    Examples
    --------
    >>> diagnostics = xr.Dataset(
    ...     {"slope_of_regression": (("y", "x"), [[0.95, 0.7, np.nan]])},
    ...     coords={"y": [0.0], "x": [0.0, 1.0, 2.0]},
    ... )
    >>> rules = {"indicated": ClassRule(min_slope_of_regression=0.8)}
    >>> assign_classes(diagnostics, [[True, True, False]], rules=rules).values.tolist()
    [[2, 3, 0]]
    """
    rules = {name: rule for name, rule in rules.items() if name in CLASSES}
    rules.setdefault("inferred", ClassRule())
    unassigned = np.asarray(estimated, dtype=bool).copy()
    codes = np.full(unassigned.shape, CLASS_CODES["unclassified"], dtype=np.uint8)
    for name in CLASSES:
        rule = rules.get(name)
        if rule is None:
            continue
        passed = unassigned & _passes(diagnostics, rule, practical_range_m)
        codes[passed] = CLASS_CODES[name]
        unassigned &= ~passed
    return xr.DataArray(
        codes,
        dims=("y", "x"),
        coords={"y": diagnostics["y"], "x": diagnostics["x"]},
        attrs={
            "long_name": "resource class",
            "flag_values": list(CLASS_CODES.values()),
            "flag_meanings": " ".join(CLASS_CODES),
        },
    )


def classify_cells(
    ds: xr.Dataset,
    cores: NDArray[np.float64],
    *,
    rules: Mapping[str, ClassRule | None],
    variogram: Variogram | None = None,
    n_neighbors: int | None = 32,
    max_distance: float | None = None,
    n_sectors: int = 4,
    estimator: Any = None,
    from_estimate: bool = False,
) -> xr.DataArray:
    """Resource class code of every cell (see :data:`CLASS_CODES`).

    :func:`class_diagnostics`, then :func:`assign_classes`.

    Parameters
    ----------
    ds : xarray.Dataset
        The grid: 1-D cell-centre coordinates ``x`` and ``y`` in metres, the
        estimate ``rey_ppm`` (NaN where not estimated) and, for
        ``max_relative_std``, the kriging standard deviation ``rey_std_ppm``.
    cores : ndarray of shape (n, 2)
        Positions of the cores used in the estimate, in the grid's CRS.
    rules : mapping
        Class name (``"measured"``, ``"indicated"``, ``"inferred"``) to its
        :class:`ClassRule`; a missing or None class is never given, except Inferred,
        which without a rule goes to every estimated cell.
    variogram : Variogram, optional
        The model whose practical range scales ``max_nearest_range`` and
        ``cores_within_range``.
    n_neighbors, max_distance : optional
        The kriging search (``estimate.n_neighbors``, ``estimate.max_distance_m``).
    n_sectors : int
        Angular sectors for ``min_sectors``.
    estimator : fitted kriging estimator, optional
        For ``min_slope_of_regression``: anything with
        ``slope_of_regression(X) -> ndarray`` (X of shape (k, 2) in the grid's CRS,
        NaN where not estimated), such as a fitted :class:`OrdinaryKriging`. Cells
        whose slope is NaN fail the criterion.
    from_estimate : bool
        Take the distance to the nearest core and the cores of the search from the
        estimate's own search layers (``nearest_sample_m`` and ``n_cores`` of
        ``ds``, :data:`SEARCH_LAYERS`) instead of searching again. Only when the
        estimate's search is the one described here: one pass of the
        ``n_neighbors`` nearest within ``max_distance``, one composite per core,
        no limit per core or sector, no anisotropic search.

    The cores are searched for (sectors, cores within a distance) only from the
    estimated cells that pass every other criterion of a rule reading them: the
    other cells fail that rule whatever the search finds.

    Returns
    -------
    xarray.DataArray
        ``(y, x)`` uint8 codes with CF ``flag_values`` and ``flag_meanings``.

    Raises
    ------
    ConfigError
        If a rule needs a variogram, a standard deviation or a kriging estimator
        that is not there.
    """
    active = {name: rule for name, rule in rules.items() if rule is not None}
    reach = _range_for(active, variogram)
    estimated = np.isfinite(ds["rey_ppm"].transpose("y", "x").values)
    known = SEARCH_LAYERS if from_estimate else {}
    diagnostics = _own_diagnostics(
        ds, active, estimator=estimator, from_estimate=from_estimate
    )
    # search only from the estimated cells that pass every other criterion of a
    # rule that reads the search: the others fail it whatever the search finds
    cells = np.zeros(estimated.shape, dtype=bool)
    for rule in active.values():
        if _search_keys({"rule": rule}, known):
            cells |= _passes(diagnostics, _without_search(rule, known), reach)
    searched = _search_diagnostics(
        ds,
        cores,
        _search_keys(active, known),
        radii=_radii(active, variogram),
        n_neighbors=n_neighbors,
        max_distance=max_distance,
        n_sectors=n_sectors,
        cells=cells & estimated,
    )
    return assign_classes(
        diagnostics.merge(searched),
        estimated,
        rules=rules,
        practical_range_m=reach,
    )


def class_fractions(codes: xr.DataArray) -> xr.DataArray:
    """One-hot ``(class, y, x)`` shares of the cells in each class, for statements.

    Examples
    --------
    >>> codes = xr.DataArray([[3, 0]], dims=("y", "x"))
    >>> class_fractions(codes).sel({"class": "inferred"}).values.tolist()
    [[1.0, 0.0]]
    """
    names = [*CLASSES, "unclassified"]
    shares = [(codes == CLASS_CODES[name]).astype(float) for name in names]
    return xr.concat(shares, dim="class").assign_coords({"class": names})


def _first(rules: Mapping[str, ClassRule], key: str) -> str | None:
    """The first class whose rule sets ``key`` (to name it in errors)."""
    return next((n for n, r in rules.items() if getattr(r, key) is not None), None)


def _range_for(
    rules: Mapping[str, ClassRule], variogram: Variogram | None
) -> float | None:
    """The practical range, when a rule measures by it (else None)."""
    name = next((n for n, r in rules.items() if r.needs_variogram), None)
    if name is None:
        return None if variogram is None else practical_range(variogram)
    if variogram is None:
        key = (
            "max_nearest_range"
            if rules[name].max_nearest_range
            else "cores_within_range"
        )
        raise ConfigError(
            f"{key} needs a variogram (kriging), not inverse-distance weighting",
            column=f"classification.{name}.{key}",
            hint="use kriging, or classify with min_cores and min_sectors",
        )
    return practical_range(variogram)


def _passes(
    diagnostics: xr.Dataset, rule: ClassRule, practical_range_m: float | None
) -> NDArray[np.bool_]:
    """Which cells pass every criterion the rule sets."""
    shape = (diagnostics.sizes["y"], diagnostics.sizes["x"])
    ok = np.ones(shape, dtype=bool)

    def values(name: str) -> NDArray[Any]:
        return diagnostics[name].transpose(..., "y", "x").values

    if rule.needs_variogram and practical_range_m is None:
        raise ConfigError(
            "a rule measured in variogram ranges needs the practical range",
            column="classification",
            hint="give practical_range_m",
        )
    reach = math.nan if practical_range_m is None else practical_range_m
    if rule.max_nearest_range is not None:
        ok &= values("nearest_m") <= rule.max_nearest_range * reach
    if rule.min_cores is not None:
        if rule.cores_within_range is None:
            ok &= values("n_cores") >= rule.min_cores
        else:
            radius = rule.cores_within_range * reach
            radii = diagnostics["radius_m"].values
            at = int(np.argmin(np.abs(radii - radius)))
            if not math.isclose(radii[at], radius, rel_tol=1e-12):
                raise ConfigError(
                    f"no count of the cores within {radius:,.0f} m",
                    column="classification",
                    hint="compute the diagnostics with the same rules",
                )
            ok &= values("n_cores_within")[at] >= rule.min_cores
    if rule.min_sectors is not None:
        ok &= values("n_sectors") >= rule.min_sectors
    if rule.max_relative_std is not None:
        ok &= values("relative_std") <= rule.max_relative_std
    if rule.min_slope_of_regression is not None:
        # NaN (not estimated) compares False: the cell fails
        with np.errstate(invalid="ignore"):
            ok &= values("slope_of_regression") >= rule.min_slope_of_regression
    return ok


def _slope_of_regression(
    ds: xr.Dataset, estimator: Any, name: str
) -> NDArray[np.float64]:
    """The slope of regression at the estimated cells (else NaN): the grid's
    ``slope_of_regression`` layer when the estimate carries it (the kriging
    search's diagnostics, from the same solve), else the estimator's."""
    grade = ds["rey_ppm"].transpose("y", "x").values
    if "slope_of_regression" in ds:
        layer = ds["slope_of_regression"].transpose("y", "x").values
        return np.where(np.isfinite(grade), layer, np.nan).astype(float)
    if not callable(getattr(estimator, "slope_of_regression", None)):
        raise ConfigError(
            "min_slope_of_regression needs a fitted kriging estimator, not "
            "inverse-distance weighting",
            column=f"classification.{name}.min_slope_of_regression",
            hint="use kriging, or classify with min_cores and min_sectors",
        )
    rows, columns = np.nonzero(np.isfinite(grade))
    nodes = np.column_stack([ds["x"].values[columns], ds["y"].values[rows]])
    slope = np.full(grade.shape, np.nan)
    # in chunks, like the search statistics, so that memory stays bounded
    for start in range(0, len(nodes), _sectors.NODES_PER_CHUNK):
        chunk = slice(start, start + _sectors.NODES_PER_CHUNK)
        values = estimator.slope_of_regression(nodes[chunk])
        slope[rows[chunk], columns[chunk]] = np.asarray(values, dtype=float)
    return slope


def _relative_std(ds: xr.Dataset, name: str) -> NDArray[np.float64]:
    """Kriging standard deviation over the estimated grade (inf where <= 0)."""
    if "rey_std_ppm" not in ds:
        raise ConfigError(
            "max_relative_std needs the kriging standard deviation, which this "
            "estimate does not have",
            column=f"classification.{name}.max_relative_std",
            hint="use kriging, or classify with min_cores and min_sectors",
        )
    std = ds["rey_std_ppm"].transpose("y", "x").values
    grade = ds["rey_ppm"].transpose("y", "x").values
    with np.errstate(invalid="ignore", divide="ignore"):
        # a zero or negative estimate has no meaningful relative error: fails
        return np.where(grade > 0, std / grade, np.inf)
