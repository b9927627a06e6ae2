"""Tonnage per cell: ore, REY and oxide tonnes from grades, thickness and dry density.

The domain rule, per grid cell::

    ore_t  = cell_area_m2 x available_fraction x thickness_m x dry_density_t_m3
    rey_t  = ore_t x rey_ppm x 1e-6
    treo_t = ore_t x treo_ppm x 1e-6

Density is the **dry** bulk density (pelagic clay: about 0.45-0.6 t/m3); grades are
ppm by dry weight, so multiplying them by a wet density would overstate the tonnes by
the water's share. Cut-offs act on the estimated block grade ``rey_ppm``; cells
without an estimate (NaN) never count, and their area is reported so that nothing
disappears silently.

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
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.elements import (
    DEFAULT_OXIDES,
    REY,
    element_column,
    oxide_factors,
)
from seabed.exceptions import ConfigError, InputError, SeabedWarning

__all__ = [
    "cell_tonnage",
    "depth_weighted_grade",
    "mined_window",
    "slice_thickness",
]


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
    base = xr.full_like(like, np.inf, dtype=float)
    if sediment_m is not None:
        _check_aligned(like, sediment_m, "sediment_thickness")
        base = sediment_m.fillna(np.inf)
    # slice by slice into one array: a block's ten slices at once made three
    # temporaries of all of them (min(bottom, base) - top, clipped at 0)
    floor = base.to_numpy()
    values = np.empty((edges.size - 1, *floor.shape))
    for k, (top, bottom) in enumerate(pairwise(edges)):
        np.maximum(np.where(bottom < floor, bottom, floor) - top, 0.0, out=values[k])
    labels = [f"{a:g}-{b:g}" for a, b in pairwise(edges)]
    thickness = xr.DataArray(
        values, dims=("slice", *base.dims), coords=base.coords
    ).assign_coords(
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
    grade, thickness = xr.align(slice_grade, slice_thickness_m, join="inner")
    thickness = thickness.transpose("slice", ...)
    grade = grade.transpose(*thickness.dims)
    *_, (weighted, total) = _running_weighted_sums(
        grade.to_numpy(), thickness.to_numpy()
    )
    like = thickness.isel(slice=0, drop=True)
    like.name, like.attrs = None, {}
    weighted_grade, total_m = like.copy(data=weighted), like.copy(data=total)
    return xr.where(total_m > 0, weighted_grade / total_m.where(total_m > 0), fallback)


def _running_weighted_sums(
    grade: NDArray[np.float64], thickness: NDArray[np.float64]
) -> Iterator[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """``sum_k w_k g_k`` and ``sum_k w_k`` over the slices (axis 0) down to each
    slice in turn, ``w`` the thickness where positive, else 0: the slices added
    one by one in their order, without temporaries of all of them at once. The
    arrays yielded are updated in place by the next slice.

    A slice with mud but no grade makes the cell's sum NaN: skipping it would
    make an unestimated cell a 0 ppm one, counted in the tonnes.
    """
    weighted = np.zeros(thickness.shape[1:])
    total = np.zeros(thickness.shape[1:])
    for k in range(thickness.shape[0]):
        weight = np.where(thickness[k] > 0, thickness[k], 0.0)
        weighted += np.where(weight > 0, grade[k] * weight, 0.0)
        total += weight
        yield weighted, total


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


def _with_depths(table: pd.DataFrame, top_m: float, bottom_m: float) -> pd.DataFrame:
    table.insert(0, "bottom_m", bottom_m)
    table.insert(0, "top_m", top_m)
    return table


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


def _with_attrs(
    da: xr.DataArray, long_name: str, units: str, **extra: object
) -> xr.DataArray:
    return da.assign_attrs(long_name=long_name, units=units, **extra)
