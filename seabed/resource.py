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

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.elements import (
    DEFAULT_OXIDES,
    HREE,
    OXIDE_CHOICES,
    REY,
    element_column,
    oxide_factor,
    oxide_factors,
)
from seabed.exceptions import ConfigError, InputError, SeabedWarning

__all__ = [
    "ALL_EXCLUSIONS",
    "OUTSIDE_INCLUDE",
    "cell_tonnage",
    "combine_tables",
    "depth_statements",
    "depth_weighted_grade",
    "element_table",
    "exclusion_table",
    "grade_tonnage",
    "mined_window",
    "read_demand_table",
    "slice_thickness",
    "statement",
    "statements_by",
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


def statement(
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    fraction: xr.DataArray | None = None,
) -> pd.DataFrame:
    """The resource statement: tonnes and mean grades above each cut-off.

    A cell is selected at a cut-off when its block grade ``rey_ppm`` is at least the
    cut-off; cells without an estimate are never selected.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage`.
    cutoffs_ppm : sequence of float
        Cut-off grades on REY in ppm (>= 0), reported in the order given.
    fraction : xarray.DataArray, optional
        Share of each cell (0-1) that belongs to the part reported on: a zone's
        coverage, or 1 for the cells of one resource class. Areas and tonnes are
        multiplied by it. Default: the whole grid.

    Returns
    -------
    pandas.DataFrame
        One row per cut-off: ``cutoff_ppm``, ``area_km2`` (available area of the
        selected cells), ``ore_t``, ``mean_rey_ppm`` (tonnage-weighted,
        ``rey_t / ore_t x 1e6``), ``rey_t``, ``treo_t``, ``mean_treo_ppm``,
        ``treo_t_per_km2``, ``n_cells`` (selected cells with available area), one
        column per oxide tonnage variable, ``hree_y_share`` (tonnes of Y and Gd-Lu
        over tonnes of REY, when all 15 element grades are present), and
        ``unestimated_area_km2``: the available area that has no grade estimate and
        so is in no row.

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
    >>> half = xr.DataArray([[0.5, 0.5, 0.5]], dims=("y", "x"))
    >>> statement(tonnes, [0], fraction=half).ore_t.tolist()
    [5000000.0]
    """
    _require(
        ds,
        ("rey_ppm", "ore_t", "rey_t", "treo_t", "cell_area_m2", "available_fraction"),
    )
    share = _checked_fraction(fraction, ds)
    grade = _values(ds.rey_ppm)
    estimated = np.isfinite(grade)
    available_m2 = _values(ds.cell_area_m2 * ds.available_fraction) * share
    oxides = _oxide_variables(ds)
    unestimated_km2 = _total(available_m2, ~estimated) * _KM2_PER_M2
    shared = {
        name: _values(ds[name]) * share
        for name in ("ore_t", "rey_t", "treo_t", *oxides)
    }  # once, not once per cut-off
    rows = []
    for cutoff in _checked_cutoffs(cutoffs_ppm):
        selected = estimated & (grade >= cutoff)
        totals = {name: _total(values, selected) for name, values in shared.items()}
        area_km2 = _total(available_m2, selected) * _KM2_PER_M2
        row = {
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
        }
        if len(oxides) == len(REY):
            row["hree_y_share"] = _hree_y_share(ds, oxides, totals)
        row["unestimated_area_km2"] = unestimated_km2
        rows.append(row)
    return pd.DataFrame(rows)


def statements_by(
    ds: xr.Dataset, cutoffs_ppm: Sequence[float], fractions: xr.DataArray
) -> pd.DataFrame:
    """One statement per part of the grid (zones, classes), stacked in one table.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage`.
    cutoffs_ppm : sequence of float
        Cut-off grades on REY in ppm.
    fractions : xarray.DataArray
        Dimensions ``(part, y, x)`` for any name ``part``: the share of each cell in
        each part. When the shares of every cell add up to 1, the parts' rows add
        up to the statement of the whole grid at every cut-off.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`statement`, preceded by a column named after the
        ``part`` dimension holding its labels; parts in order, cut-offs within.

    Examples
    --------
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[500.0, 1500.0]]),
    ...     "treo_ppm": (("y", "x"), [[600.0, 1800.0]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6, 1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0, 1.0]]),
    ... })
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> blocks = xr.DataArray([[[1.0, 0.5]], [[0.0, 0.5]]], dims=("zone", "y", "x"),
    ...                       coords={"zone": ["west", "east"]})
    >>> table = statements_by(tonnes, [0], blocks)
    >>> table[["zone", "area_km2", "rey_t"]].to_numpy().tolist()
    [['west', 1.5, 6250.0], ['east', 0.5, 3750.0]]
    """
    part = str(fractions.dims[0])
    tables = []
    for label in fractions[part].values:
        table = statement(ds, cutoffs_ppm, fraction=fractions.sel({part: label}))
        table.insert(0, part, label)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


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


# --------------------------------------------------------------------------- blocks
#: Columns that are ratios of sums: recomputed, never added, when blocks combine.
_RATIO_COLUMNS = (
    "mean_rey_ppm",
    "mean_treo_ppm",
    "treo_t_per_km2",
    "hree_y_share",
    "share_of_rey",
)
#: Numeric columns that describe a row rather than count what it holds.
_LABEL_COLUMNS = ("oxide_factor", "annual_demand_t")
#: Element of each oxide tonnage column, e.g. ``"Nd2O3_t"`` -> ``"Nd"``.
_OXIDE_ELEMENT = {
    f"{oxide}_t": element
    for element, oxides in OXIDE_CHOICES.items()
    for oxide in oxides
}


def combine_tables(
    tables: Sequence[pd.DataFrame],
    by: Sequence[str],
    *,
    rey_t: pd.Series | None = None,
) -> pd.DataFrame:
    """Tables of disjoint blocks of a grid, added up into the table of their union.

    Every table of this module (statements, statements per part or depth, element
    and exclusion tables, grade-tonnage curves) holds sums over cells, and ratios of
    those sums. Blocks of rows of a grid too large to hold at once are accounted
    for one by one; this adds their sums (exactly rounded, :func:`math.fsum`) and
    recomputes the ratios from them, so that the result is the table of the whole
    grid up to rounding.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        The same table of each block. A row missing from a block (a cut-off above
        its richest cell in a grade-tonnage curve) counts as zero there.
    by : sequence of str
        Columns that identify a row (``["cutoff_ppm"]``, ``["zone",
        "cutoff_ppm"]``, ``["reason"]`` ...).
    rey_t : pandas.Series, optional
        REY tonnes of the whole grid per cut-off, for the element table's
        ``share_of_rey``.

    Returns
    -------
    pandas.DataFrame
        Rows in order of first appearance (so grade-tonnage cut-offs, each block's
        a prefix of the same ascending series, stay ascending), the columns of the
        first table.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[300.0], [900.0]]),
    ...     "treo_ppm": (("y", "x"), [[360.0], [1080.0]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6], [1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0], [1.0]]),
    ... })
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> blocks = [statement(tonnes.isel(y=[i]), [0, 400]) for i in (0, 1)]
    >>> whole = combine_tables(blocks, ["cutoff_ppm"])
    >>> whole.mean_rey_ppm.tolist(), whole.n_cells.tolist()
    ([600.0, 900.0], [2, 1])
    """
    keys = list(by)
    first = tables[0]
    if len(tables) == 1:
        return first.copy()
    columns = list(first.columns)
    stacked = pd.concat(tables, ignore_index=True)
    additive = [
        column
        for column in columns
        if column not in keys
        and column not in _RATIO_COLUMNS
        and column not in _LABEL_COLUMNS
        and pd.api.types.is_numeric_dtype(first[column])
    ]
    labels = [c for c in columns if c not in keys and c not in additive]
    groups = stacked.groupby(keys, sort=False, dropna=False)
    combined = groups[labels].first() if labels else groups.size().to_frame()[[]]
    for column in additive:
        total = groups[column].agg(lambda values: math.fsum(values))
        integer = pd.api.types.is_integer_dtype(first[column])
        combined[column] = total.astype(int) if integer else total
    combined = combined.reset_index()
    return _with_ratios(combined, rey_t)[columns]


def _with_ratios(table: pd.DataFrame, rey_t: pd.Series | None) -> pd.DataFrame:
    """Recompute the ratio columns of a table from its summed columns."""

    def ratio(numerator: str, denominator: str, scale: float = 1.0) -> pd.Series:
        den = table[denominator].to_numpy(dtype=float)
        num = table[numerator].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.Series(np.where(den > 0, num / den * scale, np.nan), table.index)

    if "mean_rey_ppm" in table:
        table["mean_rey_ppm"] = ratio("rey_t", "ore_t", 1 / _PPM)
    if "mean_treo_ppm" in table:
        table["mean_treo_ppm"] = ratio("treo_t", "ore_t", 1 / _PPM)
    if "treo_t_per_km2" in table:
        table["treo_t_per_km2"] = ratio("treo_t", "area_km2")
    if "hree_y_share" in table:
        oxides = [c for c in table.columns if c in _OXIDE_ELEMENT]
        element_t = {
            c: table[c] / oxide_factor(_OXIDE_ELEMENT[c], c.removesuffix("_t"))
            for c in oxides
        }
        heavy = sum(
            (v for c, v in element_t.items() if _OXIDE_ELEMENT[c] in ("Y", *HREE)),
            start=pd.Series(0.0, table.index),
        )
        total = sum(element_t.values(), start=pd.Series(0.0, table.index))
        with np.errstate(invalid="ignore", divide="ignore"):
            table["hree_y_share"] = np.where(total > 0, heavy / total, np.nan)
    if "share_of_rey" in table and rey_t is not None:
        total_rey = table["cutoff_ppm"].map(rey_t).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            table["share_of_rey"] = np.where(
                total_rey > 0, table["element_t"] / total_rey, np.nan
            )
    return table


# --------------------------------------------------------------------------- depth
def slice_thickness(
    edges_m: Sequence[float],
    like: xr.DataArray,
    sediment_m: xr.DataArray | None = None,
) -> xr.DataArray:
    """Thickness of every depth slice in every cell, cut at the base of the sediment.

    Parameters
    ----------
    edges_m : sequence of float
        Slice edges in metres below seafloor, increasing: ``[0, 1, ..., 10]`` for
        1 m slices of the 0-10 mbsf window.
    like : xarray.DataArray
        A ``(y, x)`` variable of the grid (only its coordinates are used).
    sediment_m : xarray.DataArray, optional
        Sediment thickness on the same grid (m). Below it there is no mud: a slice
        there has zero thickness, a slice across it is cut short. NaN (unknown)
        leaves the window whole.

    Returns
    -------
    xarray.DataArray
        ``(slice, y, x)`` thicknesses in metres, labelled ``"0-1"`` ... with
        coordinates ``slice_top_m`` and ``slice_bottom_m``.

    Examples
    --------
    >>> import xarray as xr
    >>> like = xr.DataArray([[0.0, 0.0]], dims=("y", "x"))
    >>> sediment = xr.DataArray([[25.0, 1.5]], dims=("y", "x"))
    >>> h = slice_thickness([0, 1, 2, 3], like, sediment)
    >>> h.sel(slice="1-2").values.tolist(), h.sum("slice").values.tolist()
    ([[1.0, 0.5]], [[3.0, 1.5]])
    """
    edges = np.asarray(edges_m, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ConfigError(
            f"slice edges {edges.tolist()} are not increasing",
            column="composite.slice_m",
            hint="give a window bottom_m > top_m and a slice_m > 0",
        )
    top = xr.DataArray(edges[:-1], dims="slice")
    bottom = xr.DataArray(edges[1:], dims="slice")
    base = xr.full_like(like, np.inf, dtype=float)
    if sediment_m is not None:
        _check_aligned(like, sediment_m, "sediment_thickness")
        base = sediment_m.fillna(np.inf)
    thickness = (xr.where(bottom < base, bottom, base) - top).clip(min=0.0)
    labels = [f"{a:g}-{b:g}" for a, b in pairwise(edges)]
    thickness = thickness.assign_coords(
        slice=labels,
        slice_top_m=("slice", edges[:-1]),
        slice_bottom_m=("slice", edges[1:]),
    )
    return thickness.transpose("slice", ...).assign_attrs(
        units="m", long_name="thickness of the depth slice within the sediment"
    )


def depth_weighted_grade(
    slice_grade: xr.DataArray,
    slice_thickness_m: xr.DataArray,
    *,
    fallback: xr.DataArray,
) -> xr.DataArray:
    """Thickness-weighted mean of slice grades: the grade of the slices together.

    Slices of zero thickness carry no weight (their grade may be NaN); a slice
    with thickness but no grade (NaN) leaves the cell without one (NaN); where all
    slices are empty (no sediment) the ``fallback`` grade is returned, so that the
    cell keeps a grade for the cut-off but holds no tonnes.

    Examples
    --------
    >>> import xarray as xr
    >>> grade = xr.DataArray([[[200.0]], [[800.0]], [[float("nan")]]],
    ...                      dims=("slice", "y", "x"))
    >>> thickness = xr.DataArray([[[1.0]], [[0.5]], [[0.0]]], dims=("slice", "y", "x"))
    >>> fallback = xr.DataArray([[0.0]], dims=("y", "x"))
    >>> float(depth_weighted_grade(grade, thickness, fallback=fallback)[0, 0])
    400.0
    """
    weight = slice_thickness_m.where(slice_thickness_m > 0, 0.0)
    # skipna=False: a slice with mud but no grade leaves the cell without one (a
    # skipped NaN would make an unestimated cell a 0 ppm one, counted in the tonnes)
    weighted = xr.where(weight > 0, slice_grade * weight, 0.0).sum(
        "slice", skipna=False
    )
    total = weight.sum("slice")
    return xr.where(total > 0, weighted / total.where(total > 0), fallback)


def mined_window(ds: xr.Dataset) -> xr.Dataset:
    """Grades and thickness of the window as mined: its slices within the sediment.

    The window's grade is the thickness-weighted mean of its slice grades, so the
    statement of the window is, cell by cell, the sum of the statements of its
    slices. Where the slices and the window were estimated with the same kriging
    weights and the window is whole, this is the kriged window grade itself (kriging
    is linear); where the sediment cuts the window short, it is the grade of the
    part that is there. The other grades (TREO, elements) are scaled by the same
    ratio, which keeps the cell's element make-up.

    Parameters
    ----------
    ds : xarray.Dataset
        ``rey_ppm`` and ``treo_ppm`` (the window, as estimated), optional element
        grades, ``slice_rey_ppm`` and ``slice_thickness_m`` (``(slice, y, x)``).

    Returns
    -------
    xarray.Dataset
        ``ds`` with the grades replaced and ``thickness_m`` (the sum of the slice
        thicknesses) added.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[500.0]]), "treo_ppm": (("y", "x"), [[600.0]]),
    ...     "slice_rey_ppm": (("slice", "y", "x"), [[[200.0]], [[800.0]]]),
    ...     "slice_thickness_m": (("slice", "y", "x"), [[[1.0]], [[0.0]]]),
    ... })
    >>> out = mined_window(ds)
    >>> float(out.rey_ppm[0, 0]), float(out.treo_ppm[0, 0]), float(out.thickness_m[0, 0])
    (200.0, 240.0, 1.0)
    """
    _require(ds, ("rey_ppm", "treo_ppm", "slice_rey_ppm", "slice_thickness_m"))
    rey = depth_weighted_grade(
        ds.slice_rey_ppm, ds.slice_thickness_m, fallback=ds.rey_ppm
    )
    scale = xr.where(ds.rey_ppm > 0, rey / ds.rey_ppm.where(ds.rey_ppm > 0), 1.0)
    others = ["treo_ppm", *(element_column(el) for el in REY)]
    out = ds.assign(rey_ppm=rey.assign_attrs(ds.rey_ppm.attrs))
    for name in others:
        if name in ds:
            out[name] = (ds[name] * scale).assign_attrs(ds[name].attrs)
    thickness = ds.slice_thickness_m.sum("slice")
    out["thickness_m"] = thickness.assign_attrs(
        units="m", long_name="thickness of the depth window within the sediment"
    )
    return out


def depth_statements(
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    dry_density_t_m3: float | xr.DataArray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statements of every depth slice, and cumulative from the top to each slice.

    The cut-off acts on the grade of what is reported: a slice's grade in the
    per-slice rows, the thickness-weighted grade from the top of the window to the
    target depth in the cumulative rows (as in Takaya et al. 2018, table S3). The
    last cumulative row at each cut-off is the statement of the whole window
    (:func:`mined_window`); at cut-off 0 the slices add up to it. TREO of a slice
    uses the cell's window ratio ``treo_ppm / rey_ppm``.

    Parameters
    ----------
    ds : xarray.Dataset
        The grid with ``slice_rey_ppm``, ``slice_thickness_m``, ``rey_ppm``,
        ``treo_ppm``, ``cell_area_m2`` and ``available_fraction``.
    cutoffs_ppm : sequence of float
        Cut-offs on REY in ppm.
    dry_density_t_m3 : float or xarray.DataArray
        Dry bulk density, as in :func:`cell_tonnage`.

    Returns
    -------
    per_slice, cumulative : pandas.DataFrame
        The columns of :func:`statement`, preceded by ``top_m`` and ``bottom_m``
        (the slice, or the window's top and the target depth).

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[500.0]]), "treo_ppm": (("y", "x"), [[600.0]]),
    ...     "slice_rey_ppm": (("slice", "y", "x"), [[[200.0]], [[800.0]]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0]]),
    ... })
    >>> ds["slice_thickness_m"] = slice_thickness([0, 1, 2], ds.rey_ppm)
    >>> per_slice, cumulative = depth_statements(ds, [0, 400], dry_density_t_m3=0.5)
    >>> per_slice[["bottom_m", "cutoff_ppm", "rey_t"]].to_numpy().tolist()
    [[1.0, 0.0, 100.0], [1.0, 400.0, 0.0], [2.0, 0.0, 400.0], [2.0, 400.0, 400.0]]
    >>> cumulative[["bottom_m", "cutoff_ppm", "rey_t"]].to_numpy().tolist()
    [[1.0, 0.0, 100.0], [1.0, 400.0, 0.0], [2.0, 0.0, 500.0], [2.0, 400.0, 500.0]]
    """
    _require(
        ds,
        (
            "rey_ppm",
            "treo_ppm",
            "slice_rey_ppm",
            "slice_thickness_m",
            "cell_area_m2",
            "available_fraction",
        ),
    )
    grade = ds.slice_rey_ppm.reset_coords(drop=True)
    thickness = ds.slice_thickness_m
    top = float(thickness.slice_top_m[0])
    per_slice, cumulative = [], []
    # running sums from the top: the same additions, in the same order, as
    # depth_weighted_grade over the slices down to each depth, without redoing them
    weighted = total = xr.zeros_like(ds.rey_ppm)
    for i in range(thickness.sizes["slice"]):
        bottom = float(thickness.slice_bottom_m[i])
        weight = thickness[i].reset_coords(drop=True)
        weight = weight.where(weight > 0, 0.0)
        weighted = weighted + xr.where(weight > 0, grade[i] * weight, 0.0)
        total = total + weight
        down_to_grade = xr.where(
            total > 0, weighted / total.where(total > 0), ds.rey_ppm
        )
        one = _depth_cells(ds, grade[i], thickness[i], dry_density_t_m3)
        down_to = _depth_cells(ds, down_to_grade, total, dry_density_t_m3)
        slice_top = float(thickness.slice_top_m[i])
        per_slice.append(_with_depths(statement(one, cutoffs_ppm), slice_top, bottom))
        cumulative.append(_with_depths(statement(down_to, cutoffs_ppm), top, bottom))
    return (
        pd.concat(per_slice, ignore_index=True),
        pd.concat(cumulative, ignore_index=True),
    )


# --------------------------------------------------------------------------- elements
def element_table(
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    annual_demand_t: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Tonnes of every REY element and of its oxide above each cut-off.

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage` with element grades (its oxide tonnage
        variables name the oxide form and factor used).
    cutoffs_ppm : sequence of float
        Cut-offs on the block grade ``rey_ppm``.
    annual_demand_t : mapping, optional
        Annual demand in tonnes per year, keyed by element (``"Dy"``: tonnes of
        metal) or by oxide (``"Dy2O3"``: tonnes of that oxide). An oxide in another
        form than the one reported is converted through the element.

    Returns
    -------
    pandas.DataFrame
        One row per cut-off and element (empty without element grades):
        ``cutoff_ppm``, ``element``, ``oxide``, ``oxide_factor``, ``element_t``,
        ``oxide_t``, ``share_of_rey`` (element tonnes over REY tonnes),
        ``annual_demand_t`` (as given), ``demand_basis`` (the key given), and
        ``years_of_demand`` (tonnes over annual demand, on the same basis).

    Examples
    --------
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[1000.0]]), "treo_ppm": (("y", "x"), [[1200.0]]),
    ...     "Dy_ppm": (("y", "x"), [[40.0]]), "cell_area_m2": (("y", "x"), [[1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0]]),
    ... })
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> table = element_table(tonnes, [0], annual_demand_t={"Dy": 50.0})
    >>> row = table.iloc[0]
    >>> row.element, row.oxide, float(row.element_t), float(row.years_of_demand)
    ('Dy', 'Dy2O3', 200.0, 4.0)
    """
    _require(ds, ("rey_ppm", "ore_t", "rey_t"))
    demand = _demand_per_element(annual_demand_t or {}, ds)
    grade = _values(ds.rey_ppm)
    estimated = np.isfinite(grade)
    ore_t = _values(ds.ore_t)
    rows = []
    for cutoff in _checked_cutoffs(cutoffs_ppm):
        selected = estimated & (grade >= cutoff)
        rey_t = _total(_values(ds.rey_t), selected)
        for name in _oxide_variables(ds):
            attrs = ds[name].attrs
            element = attrs["element"]
            element_t = _total(
                ore_t * _values(ds[element_column(element)]) * _PPM, selected
            )
            given = demand.get(element)
            rows.append(
                {
                    "cutoff_ppm": cutoff,
                    "element": element,
                    "oxide": attrs["oxide"],
                    "oxide_factor": attrs["oxide_factor"],
                    "element_t": element_t,
                    "oxide_t": _total(_values(ds[name]), selected),
                    "share_of_rey": _ratio(element_t, rey_t),
                    "annual_demand_t": np.nan if given is None else given.tonnes,
                    "demand_basis": None if given is None else given.key,
                    "years_of_demand": np.nan
                    if given is None
                    else _ratio(element_t, given.element_t),
                }
            )
    return pd.DataFrame(rows)


def read_demand_table(path: str | Path) -> dict[str, float]:
    """Read a table of annual demand: columns ``element`` and ``annual_demand_t``.

    ``element`` holds an element symbol (``Dy``: tonnes of metal per year) or an
    oxide formula (``Dy2O3``: tonnes of oxide per year).

    Raises
    ------
    InputError
        Naming the file, row and column of the first problem.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError("file not found", path=path, hint="check the path") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        raise InputError(
            "cannot be read as a CSV table",
            path=path,
            hint="give columns element,annual_demand_t",
        ) from None
    missing = {"element", "annual_demand_t"} - set(table.columns)
    if missing:
        raise InputError(
            f"lacks column(s) {', '.join(sorted(missing))}",
            path=path,
            hint="give columns element,annual_demand_t (e.g. Dy,1000)",
        )
    demand = {}
    for row, (key, text) in enumerate(
        zip(table["element"], table["annual_demand_t"]), start=2
    ):
        value = pd.to_numeric(text, errors="coerce")
        if not (np.isfinite(value) and value > 0):
            raise InputError(
                f"{text!r} is not a positive number of tonnes",
                path=path,
                row=row,
                column="annual_demand_t",
            )
        if _demand_element(str(key)) is None:
            raise InputError(
                f"{key!r} is neither a REY element nor an oxide",
                path=path,
                row=row,
                column="element",
                hint="use symbols like Dy or oxides like Dy2O3",
            )
        demand[str(key).strip()] = float(value)
    return demand


@dataclass(frozen=True)
class _Demand:
    key: str  # as given: "Dy" or "Dy2O3"
    tonnes: float  # as given, per year
    element_t: float  # the same demand in tonnes of element per year


def _demand_per_element(
    demand: Mapping[str, float], ds: xr.Dataset
) -> dict[str, _Demand]:
    """Annual demand converted to tonnes of element, keyed by element."""
    out = {}
    for key, tonnes in demand.items():
        element = _demand_element(key)
        if element is None:
            raise ConfigError(
                f"{key!r} is neither a REY element nor an oxide",
                column="resource.annual_demand_t",
                hint="use symbols like Dy or oxides like Dy2O3",
            )
        factor = 1.0 if key == element else oxide_factor(element, key)
        out[element] = _Demand(key, float(tonnes), float(tonnes) / factor)
    return out


def _demand_element(key: str) -> str | None:
    """The element a demand key is about, or None if it names none."""
    key = key.strip()
    if key in REY:
        return key
    for element, forms in OXIDE_CHOICES.items():
        if key in forms:
            return element
    return None


# --------------------------------------------------------------------------- curves
def grade_tonnage(
    ds: xr.Dataset, *, step_ppm: float = 25.0, max_ppm: float | None = None
) -> pd.DataFrame:
    """Tonnes and mean grade above every cut-off from 0 to the highest block grade.

    One sort of the cells and cumulative sums from the richest down give all
    cut-offs at once; each row equals :func:`statement` at that cut-off (to
    rounding).

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage`.
    step_ppm : float
        Spacing of the cut-offs.
    max_ppm : float, optional
        Highest cut-off; default: the highest estimated grade.

    Returns
    -------
    pandas.DataFrame
        ``cutoff_ppm``, ``area_km2``, ``ore_t``, ``rey_t``, ``treo_t``,
        ``mean_rey_ppm``, ``mean_treo_ppm``.

    Examples
    --------
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[300.0, 900.0]]),
    ...     "treo_ppm": (("y", "x"), [[360.0, 1080.0]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6, 1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0, 1.0]]),
    ... })
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> curve = grade_tonnage(tonnes, step_ppm=300.0)
    >>> curve[["cutoff_ppm", "ore_t", "mean_rey_ppm"]].to_numpy().tolist()
    [[0.0, 10000000.0, 600.0], [300.0, 10000000.0, 600.0], [600.0, 5000000.0, 900.0], [900.0, 5000000.0, 900.0]]
    """
    _require(ds, ("rey_ppm", "ore_t", "rey_t", "treo_t", "cell_area_m2"))
    if not (np.isfinite(step_ppm) and step_ppm > 0):
        raise ConfigError(
            f"step {step_ppm!r} is not a positive number",
            column="resource.grade_tonnage_step_ppm",
            hint="give a cut-off spacing in ppm, e.g. 25",
        )
    grade = _values(ds.rey_ppm).ravel()
    keep = np.isfinite(grade)
    order = np.argsort(grade[keep], kind="stable")[::-1]  # richest first
    sorted_grade = grade[keep][order]
    area_m2 = _values(ds.cell_area_m2 * ds.available_fraction).ravel()[keep][order]
    sums = {
        "area_km2": np.cumsum(area_m2) * _KM2_PER_M2,
        **{
            name: np.cumsum(_values(ds[name]).ravel()[keep][order])
            for name in ("ore_t", "rey_t", "treo_t")
        },
    }
    top = float(sorted_grade[0]) if sorted_grade.size else 0.0
    highest = top if max_ppm is None else float(max_ppm)
    cutoffs = np.arange(0.0, highest + step_ppm, step_ppm)
    cutoffs = cutoffs[cutoffs <= max(highest, 0.0)]
    # cells at or above a cut-off are the first n of the descending order
    n_selected = np.searchsorted(-sorted_grade, -cutoffs, side="right")
    curve = pd.DataFrame({"cutoff_ppm": cutoffs})
    for name, cumulative in sums.items():
        padded = np.concatenate([[0.0], cumulative])
        curve[name] = padded[n_selected]
    with np.errstate(invalid="ignore", divide="ignore"):
        ore = curve["ore_t"].to_numpy()
        curve["mean_rey_ppm"] = np.where(ore > 0, curve["rey_t"] / ore / _PPM, np.nan)
        curve["mean_treo_ppm"] = np.where(ore > 0, curve["treo_t"] / ore / _PPM, np.nan)
    return curve


def _depth_cells(
    ds: xr.Dataset,
    grade: xr.DataArray,
    thickness: xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
) -> xr.Dataset:
    """Tonnes of one depth interval, with TREO from the cell's window oxide ratio."""
    grade = grade.reset_coords(drop=True)
    thickness = thickness.reset_coords(drop=True)
    ratio = ds.treo_ppm / ds.rey_ppm.where(ds.rey_ppm > 0)
    cells = xr.Dataset(
        {
            "rey_ppm": grade,
            "treo_ppm": grade * ratio.fillna(0.0),
            "cell_area_m2": ds.cell_area_m2,
            "available_fraction": ds.available_fraction,
        }
    )
    return cell_tonnage(
        cells,
        thickness_m=thickness.where(np.isfinite(grade)),
        dry_density_t_m3=dry_density_t_m3,
    )


def _with_depths(table: pd.DataFrame, top_m: float, bottom_m: float) -> pd.DataFrame:
    table.insert(0, "bottom_m", bottom_m)
    table.insert(0, "top_m", top_m)
    return table


def _hree_y_share(
    ds: xr.Dataset, oxides: Sequence[str], totals: Mapping[str, float]
) -> float:
    """Tonnes of Y and the heavy REE over tonnes of all REY (elements, not oxides)."""
    element_t = {
        ds[name].attrs["element"]: totals[name] / ds[name].attrs["oxide_factor"]
        for name in oxides
    }
    heavy = sum(element_t[el] for el in ("Y", *HREE))
    return _ratio(heavy, sum(element_t.values()))


def _checked_fraction(
    fraction: xr.DataArray | None, ds: xr.Dataset
) -> NDArray[np.float64] | float:
    """A cell share as a C-ordered array (1.0 when none is given)."""
    if fraction is None:
        return 1.0
    _check_aligned(ds.rey_ppm, fraction, "fraction")
    values = _values(fraction)
    if not np.all((values >= 0) & (values <= 1)):
        raise InputError(
            "has values outside [0, 1] (or NaN)",
            column="fraction",
            hint="give each cell's share of the part reported on",
        )
    return values


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
