"""Resource statements: totals per cut-off, per part (zone, class), per depth, and the
tonnes left in excluded zones.

Totals are plain numpy float64 sums over the whole grid in C order, so they do not
depend on how the grid was chunked or tiled when it was estimated.

Examples
--------
>>> import xarray as xr
>>> from seabed.resource.tonnage import cell_tonnage
>>> cells = xr.Dataset({
...     "rey_ppm": (("y", "x"), [[964.0, 480.0]]),
...     "treo_ppm": (("y", "x"), [[1160.0, 575.0]]),
...     "cell_area_m2": (("y", "x"), [[1e6, 2e6]]),
...     "available_fraction": (("y", "x"), [[1.0, 0.5]]),
... })
>>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.55)
>>> table = statement(tonnes, [0, 500])
>>> table.area_km2.tolist(), table.rey_t.round(1).tolist()
([2.0, 1.0], [7942.0, 5302.0])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.elements import (
    HREE,
    OXIDE_CHOICES,
    REY,
    oxide_factor,
)
from seabed.exceptions import ConfigError, InputError
from seabed.resource._sums import CutoffSums, cutoff_sums
from seabed.resource.tonnage import (
    _KM2_PER_M2,
    _PPM,
    _check_aligned,
    _checked_density,
    _checked_fraction,
    _checked_thickness,
    _oxide_variables,
    _require,
    _running_weighted_sums,
    _values,
    _with_depths,
)

__all__ = [
    "ALL_EXCLUSIONS",
    "OUTSIDE_INCLUDE",
    "combine_tables",
    "depth_statements",
    "exclusion_table",
    "statement",
    "statements_by",
    "unestimated_area_km2",
]


#: Reason of the exclusion-table row for area outside every include zone.
OUTSIDE_INCLUDE = "outside include zones"


#: Reason of the exclusion-table row for everything not available, overlaps once.
ALL_EXCLUSIONS = "all exclusions (overlaps counted once)"


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
    >>> from seabed.resource.tonnage import cell_tonnage
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
    names = ["ore_t", "rey_t", "treo_t", *_oxide_variables(ds)]
    sums = cutoff_sums(
        _values(ds.rey_ppm),
        np.stack([_values(ds[name]) for name in names]),
        _values(ds.cell_area_m2 * ds.available_fraction),
        _checked_cutoffs(cutoffs_ppm),
        share=None if isinstance(share, float) else share,
    )
    return _statement_rows(ds, sums, names, _checked_cutoffs(cutoffs_ppm))


def _statement_rows(
    ds: xr.Dataset,
    sums: CutoffSums,
    names: Sequence[str],
    cutoffs: Sequence[float],
    part: int = 0,
) -> pd.DataFrame:
    """The rows of :func:`statement` from the sums of one part."""
    oxides = [name for name in names if name not in ("ore_t", "rey_t", "treo_t")]
    unestimated_km2 = float(sums.unestimated_area[part]) * _KM2_PER_M2
    rows = []
    for k, cutoff in enumerate(cutoffs):
        totals = dict(zip(names, sums.values[part, k].tolist(), strict=True))
        area_km2 = float(sums.area[part, k]) * _KM2_PER_M2
        row = {
            "cutoff_ppm": cutoff,
            "area_km2": area_km2,
            "ore_t": totals["ore_t"],
            "mean_rey_ppm": _ratio(totals["rey_t"], totals["ore_t"]) / _PPM,
            "rey_t": totals["rey_t"],
            "treo_t": totals["treo_t"],
            "mean_treo_ppm": _ratio(totals["treo_t"], totals["ore_t"]) / _PPM,
            "treo_t_per_km2": _ratio(totals["treo_t"], area_km2),
            "n_cells": int(sums.n_cells[part, k]),
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
    >>> from seabed.resource.tonnage import cell_tonnage
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> blocks = xr.DataArray([[[1.0, 0.5]], [[0.0, 0.5]]], dims=("zone", "y", "x"),
    ...                       coords={"zone": ["west", "east"]})
    >>> table = statements_by(tonnes, [0], blocks)
    >>> table[["zone", "area_km2", "rey_t"]].to_numpy().tolist()
    [['west', 1.5, 6250.0], ['east', 0.5, 3750.0]]
    """
    part = str(fractions.dims[0])
    labels = fractions[part].values
    codes = _part_codes(fractions, ds)
    if codes is None:  # shared cells: one pass per part, each cell by its share
        tables = []
        for label in labels:
            table = statement(ds, cutoffs_ppm, fraction=fractions.sel({part: label}))
            table.insert(0, part, label)
            tables.append(table)
        return pd.concat(tables, ignore_index=True)
    _require(
        ds,
        ("rey_ppm", "ore_t", "rey_t", "treo_t", "cell_area_m2", "available_fraction"),
    )
    cutoffs = _checked_cutoffs(cutoffs_ppm)
    names = ["ore_t", "rey_t", "treo_t", *_oxide_variables(ds)]
    sums = cutoff_sums(
        _values(ds.rey_ppm),
        np.stack([_values(ds[name]) for name in names]),
        _values(ds.cell_area_m2 * ds.available_fraction),
        cutoffs,
        part=codes,
        n_parts=len(labels),
    )
    tables = []
    for number, label in enumerate(labels):
        table = _statement_rows(ds, sums, names, cutoffs, part=number)
        table.insert(0, part, label)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _part_codes(fractions: xr.DataArray, ds: xr.Dataset) -> NDArray[np.int64] | None:
    """The part of each cell when every cell lies wholly in one part (shares of 0
    and 1, one 1 per cell, as for classes), else None."""
    _check_aligned(ds.rey_ppm, fractions.isel({fractions.dims[0]: 0}), "fraction")
    shares = np.asarray(fractions.transpose(fractions.dims[0], "y", "x").values)
    if shares.shape[0] == 0 or not np.isin(shares, (0.0, 1.0)).all():
        return None
    if not (shares.sum(axis=0) == 1.0).all():
        return None
    return np.argmax(shares, axis=0).ravel().astype(np.int64)


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
        The output of :func:`seabed.zones.zone_coverage` on the same grid.
    thickness_m, dry_density_t_m3 : float or xarray.DataArray
        As in :func:`cell_tonnage`.

    Returns
    -------
    pandas.DataFrame
        One row per exclusion reason, preceded by ``"outside include zones"`` when
        include zones were given, and closed by ``"all exclusions (overlaps counted
        once)"``: all area of the area of interest not available (outside include
        zones or inside any exclusion). Cells outside the area of interest
        (``coverage.area_fraction``) are in no row: the table accounts for the area
        of interest only. Columns ``reason``, ``area_km2``, ``ore_t``, ``rey_t``,
        ``treo_t``, ``unestimated_area_km2``. A cell inside two reasons' zones counts
        in both rows but once in the last.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from seabed.zones import zone_coverage
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
    # the tonnes of the whole cell, as cell_tonnage makes them with every cell
    # wholly available (the same products, in the same order)
    grade = _values(ds.rey_ppm)
    area = _values(ds.cell_area_m2)
    ore_t = area * 1.0 * _grid_or_scalar(_checked_thickness(thickness_m, ds))
    ore_t = ore_t * _grid_or_scalar(_checked_density(dry_density_t_m3, ds))
    ore_t = np.where(np.isfinite(grade), ore_t, np.nan)
    tonnes = np.stack(
        [ore_t, ore_t * grade * _PPM, ore_t * _values(ds.treo_ppm) * _PPM]
    )
    fractions = {}
    if coverage.attrs.get("include_zones", 0):
        fractions[OUTSIDE_INCLUDE] = coverage.outside_include_fraction
    for reason in coverage.reason.values:
        fractions[str(reason)] = coverage.excluded_fraction.sel(reason=reason)
    # over the area of interest: the grid's cells beyond it are not the
    # deposit's, and no zone of the user's excluded them
    within = coverage.get("area_fraction", 1.0)
    fractions[ALL_EXCLUSIONS] = (within - coverage.available_fraction).clip(0.0, 1.0)
    rows = []
    for reason, fraction in fractions.items():
        sums = cutoff_sums(grade, tonnes, area, [], share=_values(fraction))
        ore, rey, treo = sums.estimated[0].tolist()
        rows.append(
            {
                "reason": reason,
                "area_km2": float(sums.total_area[0]) * _KM2_PER_M2,
                "ore_t": ore,
                "rey_t": rey,
                "treo_t": treo,
                "unestimated_area_km2": float(sums.unestimated_area[0]) * _KM2_PER_M2,
            }
        )
    return pd.DataFrame(rows)


def _grid_or_scalar(value: float | xr.DataArray) -> NDArray[np.float64] | float:
    """A thickness or density as a C-ordered array (a grid) or a float."""
    return _values(value) if isinstance(value, xr.DataArray) else value


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
    >>> from seabed.resource.tonnage import cell_tonnage
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
    >>> from seabed.resource.tonnage import slice_thickness
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
    cutoffs = _checked_cutoffs(cutoffs_ppm)
    thickness = ds.slice_thickness_m.transpose("slice", "y", "x")
    slices = np.ascontiguousarray(
        ds.slice_rey_ppm.transpose("slice", "y", "x").values, dtype=np.float64
    )
    heights = np.ascontiguousarray(thickness.values, dtype=np.float64)
    window = _values(ds.rey_ppm)
    area = _values(ds.cell_area_m2 * ds.available_fraction)
    density = _depth_density(dry_density_t_m3, ds, slices, heights)
    with np.errstate(invalid="ignore", divide="ignore"):
        # TREO of a slice: its grade times the cell's window ratio (0 without one)
        ratio = np.where(window > 0, _values(ds.treo_ppm) / window, np.nan)
    ratio = np.where(np.isnan(ratio), 0.0, ratio)
    top = float(thickness.slice_top_m[0])
    per_slice: list[pd.DataFrame] = []
    cumulative: list[pd.DataFrame] = []
    # running sums from the top: depth_weighted_grade's over the slices down to
    # each depth, without redoing them
    running = _running_weighted_sums(slices, heights)
    for i, (weighted, total) in enumerate(running):
        with np.errstate(invalid="ignore", divide="ignore"):
            down_to_grade = np.where(
                total > 0, weighted / np.where(total > 0, total, np.nan), window
            )
        bottom = float(thickness.slice_bottom_m[i])
        slice_top = float(thickness.slice_top_m[i])
        for grade, height, table, from_m in (
            (slices[i], heights[i], per_slice, slice_top),
            (down_to_grade, total, cumulative, top),
        ):
            sums = cutoff_sums(
                grade, _depth_tonnes(grade, height, area, density, ratio), area, cutoffs
            )
            rows = _statement_rows(ds, sums, ["ore_t", "rey_t", "treo_t"], cutoffs)
            table.append(_with_depths(rows, from_m, bottom))
    return (
        pd.concat(per_slice, ignore_index=True),
        pd.concat(cumulative, ignore_index=True),
    )


def _depth_tonnes(
    grade: NDArray[np.float64],
    height: NDArray[np.float64],
    area: NDArray[np.float64],
    density: NDArray[np.float64] | float,
    ratio: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Ore, REY and TREO tonnes of one depth interval (``(3, n)``), by the products
    of :func:`cell_tonnage` in its order; NaN where the interval has no grade."""
    ore_t = np.where(np.isfinite(grade), area * height * density, np.nan)
    return np.stack([ore_t, ore_t * grade * _PPM, ore_t * (grade * ratio) * _PPM])


def _depth_density(
    value: float | xr.DataArray,
    ds: xr.Dataset,
    slices: NDArray[np.float64],
    heights: NDArray[np.float64],
) -> NDArray[np.float64] | float:
    """The density checked as :func:`cell_tonnage` checks it, and the slices'
    thickness: finite and not negative wherever a slice has a grade."""
    graded = np.isfinite(slices)
    if bool((graded & ~np.isfinite(heights)).any()):
        raise InputError(
            "the grid has no value in cells that have a grade estimate",
            column="slice_thickness_m",
            hint="fill the gaps, or mask those cells' grades",
        )
    if bool((graded & (heights < 0)).any()):
        raise ConfigError(
            f"value {heights[graded & (heights < 0)][0]:g} is out of range",
            column="thickness_m",
            hint="the window thickness is >= 0 m, e.g. 10 for 0-10 mbsf",
        )
    density = _checked_density(value, ds)
    if isinstance(density, float):
        return density
    values = _values(density)
    if bool((graded.any(axis=0) & ~np.isfinite(values)).any()):
        raise InputError(
            "the grid has no value in cells that have a grade estimate",
            column="dry_density_t_m3",
            hint="fill the gaps, or mask those cells' grades",
        )
    return values


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


def _checked_cutoffs(cutoffs_ppm: Sequence[float]) -> list[float]:
    values = np.atleast_1d(np.asarray(cutoffs_ppm, dtype=float))
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ConfigError(
            f"cut-offs {list(np.atleast_1d(cutoffs_ppm))!r} are not non-negative numbers",
            column="resource.cutoffs_ppm",
            hint="give grades in ppm, e.g. [0, 400, 2000, 5000]",
        )
    return [float(v) for v in values]


def _total(values: NDArray[np.float64], mask: NDArray[np.bool_] | None = None) -> float:
    """Sum in a fixed (C) order over the whole grid; masked-out cells add 0."""
    if mask is not None:
        values = np.where(mask, values, 0.0)
    return float(np.sum(values, dtype=np.float64))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")
