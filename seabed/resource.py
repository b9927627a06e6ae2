"""Tonnage per cell, the resource statement and the tonnes left in excluded zones.

The domain rule, per grid cell::

    ore_t  = cell_area_m2 x available_fraction x thickness_m x dry_density_t_m3
    rey_t  = ore_t x rey_ppm x 1e-6
    treo_t = ore_t x treo_ppm x 1e-6

Density is the **dry** bulk density (pelagic clay: about 0.45-0.6 t/m3); grades are
ppm by dry weight, so multiplying them by a wet density would overstate the tonnes by
the water's share. Cut-offs act on the estimated block grade ``rey_ppm``; cells
without an estimate (NaN) never count, and their area is reported so that nothing
disappears silently.

Totals are plain numpy float64 sums over the whole grid in C order, so they do not
depend on how the grid was chunked or tiled when it was estimated.

Examples
--------
>>> import numpy as np
>>> import xarray as xr
>>> cells = xr.Dataset({
...     "rey_ppm": (("y", "x"), [[964.0, np.nan]]),
...     "treo_ppm": (("y", "x"), [[1160.0, np.nan]]),
...     "cell_area_m2": (("y", "x"), [[1e6, 1e6]]),
...     "available_fraction": (("y", "x"), [[1.0, 1.0]]),
... })
>>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.55)
>>> round(float(tonnes.rey_t[0, 0]))  # 1 km2 x 10 m x 0.55 t/m3 x 964 ppm
5302
>>> table = statement(tonnes, [0, 2000])
>>> table.rey_t.round(1).tolist(), table.unestimated_area_km2.tolist()
([5302.0, 0.0], [1.0, 1.0])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.elements import DEFAULT_OXIDES, REY, element_column, oxide_factors
from seabed.exceptions import ConfigError, InputError, SeabedWarning

__all__ = [
    "ALL_EXCLUSIONS",
    "OUTSIDE_INCLUDE",
    "cell_tonnage",
    "exclusion_table",
    "statement",
    "unestimated_area_km2",
]

#: Reason of the exclusion-table row for area outside every include zone.
OUTSIDE_INCLUDE = "outside include zones"
#: Reason of the exclusion-table row for everything not available, overlaps once.
ALL_EXCLUSIONS = "all exclusions (overlaps counted once)"

# Above this a "dry" density is more likely a wet one (pelagic clay is ~1.3 wet).
_LIKELY_WET_T_M3 = 1.2
# No dry bulk density can exceed the grain density of the solids (~2.5-2.9 t/m3).
_MAX_DRY_T_M3 = 3.0

_PPM = 1e-6
_KM2_PER_M2 = 1e-6


def cell_tonnage(
    ds: xr.Dataset,
    *,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
    oxides: Mapping[str, str] | None = None,
) -> xr.Dataset:
    """Dry ore, REY and TREO tonnes of every cell, and TREO tonnes per km2.

    Parameters
    ----------
    ds : xarray.Dataset
        On the grid: ``rey_ppm`` and ``treo_ppm`` (estimated block grades, NaN where
        not estimated), ``cell_area_m2``, ``available_fraction``, and optionally
        element grades ``Y_ppm`` ... ``Lu_ppm``.
    thickness_m : float or xarray.DataArray
        Thickness of the mined window in metres (>= 0), for instance 10 for
        0-10 mbsf, or a grid of it where the sediment is thinner.
    dry_density_t_m3 : float or xarray.DataArray
        Dry bulk density in t/m3, never the wet density.
    oxides : mapping, optional
        Oxide form overrides for element tonnes, e.g. ``{"Ce": "Ce2O3"}``.

    Returns
    -------
    xarray.Dataset
        ``ds`` plus ``ore_t`` (dry tonnes of mud in the available part of the cell),
        ``rey_t``, ``treo_t``, ``treo_t_per_km2`` (per km2 of cell area) and, per
        element present, its oxide tonnes named after the oxide (``Nd2O3_t``). All
        are NaN where ``rey_ppm`` is NaN.

    Raises
    ------
    InputError
        If a variable is missing, or a thickness or density grid does not match the
        grid or lacks values where grades exist.
    ConfigError
        If the thickness or density is out of range.

    Examples
    --------
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[2000.0]]), "treo_ppm": (("y", "x"), [[2400.0]]),
    ...     "Nd_ppm": (("y", "x"), [[200.0]]),
    ...     "cell_area_m2": (("y", "x"), [[4e6]]),
    ...     "available_fraction": (("y", "x"), [[0.5]]),
    ... })
    >>> out = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> float(out.ore_t[0, 0]), float(out.rey_t[0, 0]), float(out.treo_t_per_km2[0, 0])
    (10000000.0, 20000.0, 6000.0)
    >>> round(float(out.Nd2O3_t[0, 0]), 1)
    2332.8
    """
    _require(ds, ("rey_ppm", "treo_ppm", "cell_area_m2", "available_fraction"))
    estimated = np.isfinite(ds.rey_ppm)
    thickness = _checked_thickness(thickness_m, ds)
    density = _checked_density(dry_density_t_m3, ds)
    ore_t = (ds.cell_area_m2 * ds.available_fraction * thickness * density).where(
        estimated
    )
    treo_t = ore_t * ds.treo_ppm * _PPM
    out = ds.assign(
        ore_t=_with_attrs(
            ore_t, "dry ore tonnes in the available part of the cell", "t"
        ),
        rey_t=_with_attrs(ore_t * ds.rey_ppm * _PPM, "REY tonnes (elements)", "t"),
        treo_t=_with_attrs(treo_t, "total rare-earth oxide tonnes (TREO)", "t"),
        treo_t_per_km2=_with_attrs(
            treo_t / (ds.cell_area_m2 * _KM2_PER_M2),
            "TREO tonnes per km2 of cell area",
            "t km-2",
        ),
    )
    return out.assign(_oxide_tonnes(ds, ore_t, oxides))


def statement(ds: xr.Dataset, cutoffs_ppm: Sequence[float]) -> pd.DataFrame:
    """The resource statement: tonnes and mean grades above each cut-off.

    A cell is selected at a cut-off when its block grade ``rey_ppm`` is at least the
    cut-off; cells without an estimate are never selected.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage`.
    cutoffs_ppm : sequence of float
        Cut-off grades on REY in ppm (>= 0), reported in the order given.

    Returns
    -------
    pandas.DataFrame
        One row per cut-off: ``cutoff_ppm``, ``area_km2`` (available area of the
        selected cells), ``ore_t``, ``mean_rey_ppm`` (tonnage-weighted,
        ``rey_t / ore_t x 1e6``), ``rey_t``, ``treo_t``, ``mean_treo_ppm``,
        ``treo_t_per_km2``, ``n_cells`` (selected cells with available area), one
        column per oxide tonnage variable, and ``unestimated_area_km2``: the
        available area that has no grade estimate and so is in no row.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[300.0, 900.0, np.nan]]),
    ...     "treo_ppm": (("y", "x"), [[360.0, 1080.0, np.nan]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6, 1e6, 1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0, 1.0, 1.0]]),
    ... })
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> table = statement(tonnes, [0, 400])
    >>> table.ore_t.tolist(), table.mean_rey_ppm.tolist(), table.n_cells.tolist()
    ([10000000.0, 5000000.0], [600.0, 900.0], [2, 1])
    >>> table.unestimated_area_km2.tolist()
    [1.0, 1.0]
    """
    _require(
        ds,
        ("rey_ppm", "ore_t", "rey_t", "treo_t", "cell_area_m2", "available_fraction"),
    )
    grade = _values(ds.rey_ppm)
    estimated = np.isfinite(grade)
    available_m2 = _values(ds.cell_area_m2 * ds.available_fraction)
    oxides = _oxide_variables(ds)
    unestimated_km2 = unestimated_area_km2(ds)
    rows = []
    for cutoff in _checked_cutoffs(cutoffs_ppm):
        selected = estimated & (grade >= cutoff)
        totals = {
            name: _total(_values(ds[name]), selected)
            for name in ("ore_t", "rey_t", "treo_t", *oxides)
        }
        area_km2 = _total(available_m2, selected) * _KM2_PER_M2
        rows.append(
            {
                "cutoff_ppm": cutoff,
                "area_km2": area_km2,
                "ore_t": totals["ore_t"],
                "mean_rey_ppm": _ratio(totals["rey_t"], totals["ore_t"]) / _PPM,
                "rey_t": totals["rey_t"],
                "treo_t": totals["treo_t"],
                "mean_treo_ppm": _ratio(totals["treo_t"], totals["ore_t"]) / _PPM,
                "treo_t_per_km2": _ratio(totals["treo_t"], area_km2),
                "n_cells": int(np.count_nonzero(selected & (available_m2 > 0))),
                **{name: totals[name] for name in oxides},
                "unestimated_area_km2": unestimated_km2,
            }
        )
    return pd.DataFrame(rows)


def unestimated_area_km2(ds: xr.Dataset) -> float:
    """Available area (km2) of the cells whose grade ``rey_ppm`` is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[np.nan, 500.0]]),
    ...     "cell_area_m2": (("y", "x"), [[2e6, 2e6]]),
    ...     "available_fraction": (("y", "x"), [[0.25, 1.0]]),
    ... })
    >>> unestimated_area_km2(cells)
    0.5
    """
    _require(ds, ("rey_ppm", "cell_area_m2", "available_fraction"))
    missing = ~np.isfinite(_values(ds.rey_ppm))
    available_m2 = _values(ds.cell_area_m2 * ds.available_fraction)
    return _total(available_m2, missing) * _KM2_PER_M2


def exclusion_table(
    ds: xr.Dataset,
    coverage: xr.Dataset,
    *,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
) -> pd.DataFrame:
    """Area and tonnes that each exclusion takes out of the resource (cut-off 0).

    The tonnes are those the excluded part of each cell would hold at the cell's
    estimated grade; cells without an estimate add area but no tonnes.

    Parameters
    ----------
    ds : xarray.Dataset
        On the grid: ``rey_ppm``, ``treo_ppm`` and ``cell_area_m2``.
    coverage : xarray.Dataset
        The output of :func:`seabed.exclusions.zone_coverage` on the same grid.
    thickness_m, dry_density_t_m3 : float or xarray.DataArray
        As in :func:`cell_tonnage`.

    Returns
    -------
    pandas.DataFrame
        One row per exclusion reason, preceded by ``"outside include zones"`` when
        include zones were given, and closed by ``"all exclusions (overlaps counted
        once)"``: all area not available (outside include zones or inside any
        exclusion). Columns ``reason``, ``area_km2``, ``ore_t``, ``rey_t``,
        ``treo_t``, ``unestimated_area_km2``. A cell inside two reasons' zones counts
        in both rows but once in the last.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from seabed.exclusions import zone_coverage
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((0.0, 0.0, 2000.0, 1000.0), 1000.0,
    ...                  crs="EPSG:32631", bounds_crs="EPSG:32631")
    >>> mpa = gpd.GeoSeries([box(0.0, 0.0, 500.0, 1000.0)], crs="EPSG:32631")
    >>> cover = zone_coverage(grid, exclude=[("protected area", mpa)])
    >>> grid["rey_ppm"] = (("y", "x"), [[1000.0, 1000.0]])
    >>> grid["treo_ppm"] = (("y", "x"), [[1200.0, 1200.0]])
    >>> table = exclusion_table(grid, cover, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> table.reason.tolist()
    ['protected area', 'all exclusions (overlaps counted once)']
    >>> table.area_km2.round(4).tolist(), table.rey_t.round(1).tolist()
    ([0.4973, 0.4973], [2486.6, 2486.6])
    """
    _require(ds, ("rey_ppm", "treo_ppm", "cell_area_m2"))
    _require(coverage, ("excluded_fraction", "available_fraction"), what="coverage")
    _check_aligned(ds.rey_ppm, coverage.available_fraction, "coverage")
    full_cell = ds.assign(available_fraction=xr.ones_like(ds.cell_area_m2))
    tonnes = cell_tonnage(
        full_cell, thickness_m=thickness_m, dry_density_t_m3=dry_density_t_m3
    )
    fractions = {}
    if coverage.attrs.get("include_zones", 0):
        fractions[OUTSIDE_INCLUDE] = coverage.outside_include_fraction
    for reason in coverage.reason.values:
        fractions[str(reason)] = coverage.excluded_fraction.sel(reason=reason)
    fractions[ALL_EXCLUSIONS] = 1.0 - coverage.available_fraction
    return pd.DataFrame(
        [_excluded_row(reason, f, tonnes) for reason, f in fractions.items()]
    )


def _excluded_row(
    reason: str, fraction: xr.DataArray, tonnes: xr.Dataset
) -> dict[str, float | str]:
    """Area and tonnes inside one exclusion's share of every cell."""
    share = _values(fraction)
    estimated = np.isfinite(_values(tonnes.rey_ppm))
    area_m2 = _values(tonnes.cell_area_m2) * share
    return {
        "reason": reason,
        "area_km2": _total(area_m2) * _KM2_PER_M2,
        "ore_t": _total(_values(tonnes.ore_t) * share, estimated),
        "rey_t": _total(_values(tonnes.rey_t) * share, estimated),
        "treo_t": _total(_values(tonnes.treo_t) * share, estimated),
        "unestimated_area_km2": _total(area_m2, ~estimated) * _KM2_PER_M2,
    }


def _oxide_tonnes(
    ds: xr.Dataset, ore_t: xr.DataArray, oxides: Mapping[str, str] | None
) -> dict[str, xr.DataArray]:
    """Oxide tonnes of each element whose grade is in ``ds``, named like ``Nd2O3_t``."""
    factors = oxide_factors(oxides)
    forms = dict(DEFAULT_OXIDES) | dict(oxides or {})
    tonnes = {}
    for element in REY:
        column = element_column(element)
        if column in ds:
            oxide = forms[element]
            tonnes[f"{oxide}_t"] = _with_attrs(
                ore_t * ds[column] * _PPM * factors[element],
                f"{oxide} tonnes",
                "t",
                element=element,
                oxide=oxide,
                oxide_factor=factors[element],
            )
    return tonnes


def _oxide_variables(ds: xr.Dataset) -> list[str]:
    """Names of per-element oxide tonnage variables, in the order of REY."""
    found = {
        ds[name].attrs.get("element"): str(name)
        for name in ds.data_vars
        if str(name).endswith("_t") and "oxide" in ds[name].attrs
    }
    return [found[element] for element in REY if element in found]


def _checked_density(
    value: float | xr.DataArray, ds: xr.Dataset
) -> float | xr.DataArray:
    density = _checked_quantity(
        value,
        ds,
        "dry_density_t_m3",
        allow_zero=False,
        high=_MAX_DRY_T_M3,
        hint=f"a dry bulk density is > 0 and <= {_MAX_DRY_T_M3} t/m3",
    )
    highest = float(np.nanmax(np.asarray(density, dtype=float), initial=0.0))
    if highest > _LIKELY_WET_T_M3:
        warnings.warn(
            f"dry_density_t_m3 reaches {highest:.2f} t/m3, which looks like a wet bulk "
            "density; tonnages need the dry one (pelagic clay: about 0.45-0.6 t/m3; "
            "dry = wet x (1 - water content))",
            SeabedWarning,
            stacklevel=3,
        )
    return density


def _checked_thickness(
    value: float | xr.DataArray, ds: xr.Dataset
) -> float | xr.DataArray:
    return _checked_quantity(
        value,
        ds,
        "thickness_m",
        allow_zero=True,
        high=None,
        hint="the window thickness is >= 0 m, e.g. 10 for 0-10 mbsf",
    )


def _checked_quantity(
    value: float | xr.DataArray,
    ds: xr.Dataset,
    name: str,
    *,
    allow_zero: bool,
    high: float | None,
    hint: str,
) -> float | xr.DataArray:
    """A scalar, or a grid on ``ds``'s grid with a value wherever a grade is."""
    if isinstance(value, xr.DataArray):
        _check_aligned(ds.rey_ppm, value, name)
        graded = np.isfinite(ds.rey_ppm)
        if bool((graded & ~np.isfinite(value)).any()):
            raise InputError(
                "the grid has no value in cells that have a grade estimate",
                column=name,
                hint="fill the gaps, or mask those cells' grades",
            )
        values = np.asarray(value.where(graded).values, dtype=float).ravel()
        values = values[np.isfinite(values)]
    else:
        values = np.array([_as_float(value, name, hint)])
    bad = (values < 0) if allow_zero else (values <= 0)
    if high is not None:
        bad |= values > high
    if bad.any():
        raise ConfigError(
            f"value {values[bad][0]:g} is out of range", column=name, hint=hint
        )
    return value if isinstance(value, xr.DataArray) else float(values[0])


def _as_float(value: object, name: str, hint: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number):
        raise ConfigError(f"{value!r} is not a finite number", column=name, hint=hint)
    return number


def _check_aligned(reference: xr.DataArray, other: xr.DataArray, name: str) -> None:
    try:
        xr.align(reference, other, join="exact")
    except ValueError as err:
        raise InputError(
            "is not on the same grid (coordinates differ)",
            column=name,
            hint="build it on the estimation grid or reindex it first",
        ) from err


def _checked_cutoffs(cutoffs_ppm: Sequence[float]) -> list[float]:
    values = np.atleast_1d(np.asarray(cutoffs_ppm, dtype=float))
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ConfigError(
            f"cut-offs {list(np.atleast_1d(cutoffs_ppm))!r} are not non-negative numbers",
            column="resource.cutoffs_ppm",
            hint="give grades in ppm, e.g. [0, 400, 2000, 5000]",
        )
    return [float(v) for v in values]


def _require(ds: xr.Dataset, names: Sequence[str], *, what: str = "dataset") -> None:
    missing = [name for name in names if name not in ds]
    if missing:
        raise InputError(
            f"the {what} lacks variable(s) {missing}",
            column=missing[0],
            hint="compute them first (see docs/resource.md)",
        )


def _values(da: xr.DataArray) -> NDArray[np.float64]:
    """A grid variable as a C-ordered float64 array (dask chunks computed)."""
    return np.ascontiguousarray(da.transpose("y", "x").values, dtype=np.float64)


def _total(values: NDArray[np.float64], mask: NDArray[np.bool_] | None = None) -> float:
    """Sum in a fixed (C) order over the whole grid; masked-out cells add 0."""
    if mask is not None:
        values = np.where(mask, values, 0.0)
    return float(np.sum(values, dtype=np.float64))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def _with_attrs(
    da: xr.DataArray, long_name: str, units: str, **extra: object
) -> xr.DataArray:
    return da.assign_attrs(long_name=long_name, units=units, **extra)
