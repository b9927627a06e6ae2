"""Resource classes per cell: Measured, Indicated or Inferred, by configurable rules.

The reporting codes (JORC 2012, NI 43-101, CRIRSCO) set no numbers: a Competent
Person decides how much confidence the data support. What practitioners test is
written here as rules a cell must pass to reach a class, each criterion optional:

- ``max_nearest_range``: distance to the nearest core, relative to the variogram's
  practical range (spacing of about 2/3 of the range is the usual Measured rule,
  1 x the range the Indicated one);
- ``min_cores``: cores in the kriging search (the ``n_neighbors`` nearest within
  ``max_distance``);
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
Indicated rule, else Inferred if it has an estimate and passes the Inferred rule (no
criterion by default), else unclassified. Without Measured and Indicated rules,
everything estimated is Inferred: the conservative default, and what REY-mud cores
tens of kilometres apart support. Whatever the class, the estimate is not JORC /
NI 43-101 compliant unless a Competent Person signs it.

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
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from seabed.exceptions import ConfigError
from seabed.geostats import Variogram

__all__ = [
    "CLASSES",
    "CLASS_CODES",
    "ClassRule",
    "class_fractions",
    "classify_cells",
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

# Nodes per KD-tree query, so that neighbour arrays stay small (32 x 65536 x 8 B).
_CHUNK = 65_536
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
        Fewest cores in the kriging search.
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
    min_sectors: int | None = None
    max_relative_std: float | None = None
    min_slope_of_regression: float | None = None

    @property
    def needs_variogram(self) -> bool:
        """Whether the rule measures distance in variogram ranges."""
        return self.max_nearest_range is not None

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


def practical_range(variogram: Variogram) -> float:
    """Distance at which the variogram levels off, in metres (largest structure).

    The spherical and (bounded) linear models reach their sill at their range; the
    exponential, Gaussian and Matern models only approach it, and their practical
    range is where they reach 95 % of it (3 a for the exponential, sqrt(3) a for
    the Gaussian, found numerically for the Matern). Anisotropic structures count
    along their major axis. An unbounded model (power, linear without a sill) never
    levels off: its practical range is infinite.

    Examples
    --------
    >>> practical_range(Variogram("exponential", psill=1.0, range=1000.0))
    2995.73...
    >>> practical_range(Variogram("spherical", psill=1.0, range=900.0))
    900.0
    """
    ranges = [_structure_practical_range(s) for s in variogram.structures]
    if not ranges:
        raise ConfigError(
            "a pure-nugget variogram has no range to measure distances by",
            column="classification.max_nearest_range",
            hint="fit a variogram with a structure, or drop max_nearest_range",
        )
    return max(ranges)


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

    Returns
    -------
    dict
        ``nearest_m`` (distance to the nearest core, inf if none in the radius),
        ``n_cores`` and ``n_sectors`` (sectors holding a core of the search).

    Examples
    --------
    >>> cores = np.array([[0.0, 10.0], [10.0, 0.0], [0.0, -10.0], [0.0, 50.0]])
    >>> stats = search_statistics(np.zeros((1, 2)), cores, max_distance=20.0)
    >>> float(stats["nearest_m"][0]), int(stats["n_cores"][0]), int(stats["n_sectors"][0])
    (10.0, 3, 3)
    """
    if not 1 <= n_sectors <= 8:
        raise ConfigError(
            f"{n_sectors} sectors", column="classification.sectors", hint="give 1 to 8"
        )
    nodes = np.asarray(nodes, dtype=float).reshape(-1, 2)
    cores = np.asarray(cores, dtype=float).reshape(-1, 2)
    k = len(cores) if n_neighbors is None else min(int(n_neighbors), len(cores))
    bound = np.inf if max_distance is None else np.nextafter(max_distance, np.inf)
    tree = cKDTree(cores)
    nearest = np.full(len(nodes), np.inf)
    n_cores = np.zeros(len(nodes), dtype=np.int64)
    n_found_sectors = np.zeros(len(nodes), dtype=np.int64)
    popcount = np.array([bin(mask).count("1") for mask in range(256)])
    for start in range(0, len(nodes), _CHUNK):
        chunk = slice(start, start + _CHUNK)
        distance, index = tree.query(
            nodes[chunk], k=max(k, 1), distance_upper_bound=bound
        )
        distance = distance.reshape(len(distance), -1)
        index = index.reshape(len(index), -1)
        found = np.isfinite(distance)
        nearest[chunk] = distance[:, 0]
        n_cores[chunk] = found.sum(axis=1)
        offset = cores[np.where(found, index, 0)] - nodes[chunk, None, :]
        # azimuth clockwise from north, in [0, 2 pi)
        azimuth = np.mod(np.arctan2(offset[..., 0], offset[..., 1]), 2 * math.pi)
        sector = np.minimum((azimuth / (2 * math.pi) * n_sectors).astype(int), 7)
        bits = np.where(found, np.left_shift(1, sector), 0)
        n_found_sectors[chunk] = popcount[np.bitwise_or.reduce(bits, axis=1)]
    return {"nearest_m": nearest, "n_cores": n_cores, "n_sectors": n_found_sectors}


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
) -> xr.DataArray:
    """Resource class code of every cell (see :data:`CLASS_CODES`).

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
        The model whose practical range scales ``max_nearest_range``.
    n_neighbors, max_distance : optional
        The kriging search (``estimate.n_neighbors``, ``estimate.max_distance_m``).
    n_sectors : int
        Angular sectors for ``min_sectors``.
    estimator : fitted kriging estimator, optional
        For ``min_slope_of_regression``: anything with
        ``slope_of_regression(X) -> ndarray`` (X of shape (k, 2) in the grid's CRS,
        NaN where not estimated), such as a fitted :class:`OrdinaryKriging`. Cells
        whose slope is NaN fail the criterion.

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
    rules = {name: rule for name, rule in rules.items() if name in CLASSES}
    rules.setdefault("inferred", ClassRule())
    estimated = np.isfinite(ds["rey_ppm"].transpose("y", "x").values)
    checks = _Criteria(
        ds, cores, rules, variogram, n_neighbors, max_distance, n_sectors, estimator
    )
    codes = np.full(estimated.shape, CLASS_CODES["unclassified"], dtype=np.uint8)
    unassigned = estimated.copy()
    for name in CLASSES:
        rule = rules.get(name)
        if rule is None:
            continue
        passed = unassigned & checks.passes(rule, name)
        codes[passed] = CLASS_CODES[name]
        unassigned &= ~passed
    return xr.DataArray(
        codes,
        dims=("y", "x"),
        coords={"y": ds["y"], "x": ds["x"]},
        attrs={
            "long_name": "resource class",
            "flag_values": list(CLASS_CODES.values()),
            "flag_meanings": " ".join(CLASS_CODES),
        },
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


class _Criteria:
    """Evaluates rules on the cells, computing each statistic once, when needed."""

    def __init__(
        self,
        ds: xr.Dataset,
        cores: NDArray[np.float64],
        rules: Mapping[str, ClassRule | None],
        variogram: Variogram | None,
        n_neighbors: int | None,
        max_distance: float | None,
        n_sectors: int,
        estimator: Any,
    ) -> None:
        self.ds = ds
        self.variogram = variogram
        self.shape = (ds.sizes["y"], ds.sizes["x"])
        self._stats: dict[str, NDArray[Any]] | None = None
        self._slope: NDArray[np.float64] | None = None
        self.cores = cores
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.n_sectors = n_sectors
        self.estimator = estimator

    def passes(self, rule: ClassRule, name: str) -> NDArray[np.bool_]:
        ok = np.ones(self.shape, dtype=bool)
        if rule.max_nearest_range is not None:
            limit = rule.max_nearest_range * self._range(name)
            ok &= self.stat("nearest_m") <= limit
        if rule.min_cores is not None:
            ok &= self.stat("n_cores") >= rule.min_cores
        if rule.min_sectors is not None:
            ok &= self.stat("n_sectors") >= rule.min_sectors
        if rule.max_relative_std is not None:
            ok &= self._relative_std(name) <= rule.max_relative_std
        if rule.min_slope_of_regression is not None:
            # NaN (not estimated) compares False: the cell fails
            ok &= self.slope_of_regression(name) >= rule.min_slope_of_regression
        return ok

    def stat(self, key: str) -> NDArray[Any]:
        if self._stats is None:
            xx, yy = np.meshgrid(self.ds["x"].values, self.ds["y"].values)
            nodes = np.column_stack([xx.ravel(), yy.ravel()])
            self._stats = search_statistics(
                nodes,
                self.cores,
                n_neighbors=self.n_neighbors,
                max_distance=self.max_distance,
                n_sectors=self.n_sectors,
            )
        return self._stats[key].reshape(self.shape)

    def slope_of_regression(self, name: str) -> NDArray[np.float64]:
        """The estimator's slope of regression at the estimated cells (else NaN)."""
        if self._slope is None:
            if not callable(getattr(self.estimator, "slope_of_regression", None)):
                raise ConfigError(
                    "min_slope_of_regression needs a fitted kriging estimator, not "
                    "inverse-distance weighting",
                    column=f"classification.{name}.min_slope_of_regression",
                    hint="use kriging, or classify with min_cores and min_sectors",
                )
            grade = self.ds["rey_ppm"].transpose("y", "x").values
            rows, columns = np.nonzero(np.isfinite(grade))
            nodes = np.column_stack(
                [self.ds["x"].values[columns], self.ds["y"].values[rows]]
            )
            slope = np.full(self.shape, np.nan)
            # in chunks, like the search statistics, so that memory stays bounded
            for start in range(0, len(nodes), _CHUNK):
                chunk = slice(start, start + _CHUNK)
                values = self.estimator.slope_of_regression(nodes[chunk])
                slope[rows[chunk], columns[chunk]] = np.asarray(values, dtype=float)
            self._slope = slope
        return self._slope

    def _range(self, name: str) -> float:
        if self.variogram is None:
            raise ConfigError(
                "max_nearest_range needs a variogram (kriging), not inverse-distance "
                "weighting",
                column=f"classification.{name}.max_nearest_range",
                hint="use kriging, or classify with min_cores and min_sectors",
            )
        reach = practical_range(self.variogram)
        if not math.isfinite(reach):
            raise ConfigError(
                "max_nearest_range needs a variogram that levels off; the power and "
                "linear (range 0) models have no range",
                column=f"classification.{name}.max_nearest_range",
                hint="use a bounded variogram model, or classify with min_cores and "
                "min_sectors",
            )
        return reach

    def _relative_std(self, name: str) -> NDArray[np.float64]:
        if "rey_std_ppm" not in self.ds:
            raise ConfigError(
                "max_relative_std needs the kriging standard deviation, which this "
                "estimate does not have",
                column=f"classification.{name}.max_relative_std",
                hint="use kriging, or classify with min_cores and min_sectors",
            )
        std = self.ds["rey_std_ppm"].transpose("y", "x").values
        grade = self.ds["rey_ppm"].transpose("y", "x").values
        with np.errstate(invalid="ignore", divide="ignore"):
            # a zero or negative estimate has no meaningful relative error: fails
            return np.where(grade > 0, std / grade, np.inf)
