"""Tonnes of every element and oxide, and the years of demand they stand for."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.elements import (
    element_column,
    element_of,
    oxide_factor,
)
from seabed.exceptions import ConfigError, InputError
from seabed.resource._sums import cutoff_sums
from seabed.resource.statements import _checked_cutoffs, _ratio
from seabed.resource.tonnage import _PPM, _oxide_variables, _require, _values

__all__ = [
    "element_table",
    "read_demand_table",
]


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
    >>> from seabed.resource.tonnage import cell_tonnage
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> table = element_table(tonnes, [0], annual_demand_t={"Dy": 50.0})
    >>> row = table.iloc[0]
    >>> row.element, row.oxide, float(row.element_t), float(row.years_of_demand)
    ('Dy', 'Dy2O3', 200.0, 4.0)
    """
    _require(ds, ("rey_ppm", "ore_t", "rey_t"))
    demand = _demand_per_element(annual_demand_t or {}, ds)
    cutoffs = _checked_cutoffs(cutoffs_ppm)
    oxides = _oxide_variables(ds)
    elements = [ds[name].attrs["element"] for name in oxides]
    ore_t = _values(ds.ore_t)
    # rey_t, then each element's tonnes and its oxide's
    layers: list[Callable[[], NDArray[np.float64]]] = [
        lambda: _values(ds.rey_t),
        *(lambda e=e: ore_t * _values(ds[element_column(e)]) * _PPM for e in elements),
        *(lambda name=name: _values(ds[name]) for name in oxides),
    ]
    sums = _sums_in_batches(_values(ds.rey_ppm), layers, cutoffs)
    rows = []
    for k, cutoff in enumerate(cutoffs):
        totals = sums[k].tolist()
        rey_t = totals[0]
        for i, name in enumerate(oxides):
            attrs = ds[name].attrs
            element = attrs["element"]
            element_t = totals[1 + i]
            given = demand.get(element)
            rows.append(
                {
                    "cutoff_ppm": cutoff,
                    "element": element,
                    "oxide": attrs["oxide"],
                    "oxide_factor": attrs["oxide_factor"],
                    "element_t": element_t,
                    "oxide_t": totals[1 + len(oxides) + i],
                    "share_of_rey": _ratio(element_t, rey_t),
                    "annual_demand_t": np.nan if given is None else given.tonnes,
                    "demand_basis": None if given is None else given.key,
                    "years_of_demand": np.nan
                    if given is None
                    else _ratio(element_t, given.element_t),
                }
            )
    return pd.DataFrame(rows)


#: Layers summed in one pass of the cells: 31 at once (15 elements, their oxides
#: and REY) made a stack of 130 MB per block of 2^19 cells.
_LAYERS_PER_PASS = 8


def _sums_in_batches(
    grade: NDArray[np.float64],
    layers: Sequence[Callable[[], NDArray[np.float64]]],
    cutoffs: Sequence[float],
) -> NDArray[np.float64]:
    """``(cut-off, layer)`` totals of the layers over the cells at or above each
    cut-off, a few layers per pass. Each total is an exact sum, so the batches
    do not change it."""
    batches = [
        cutoff_sums(
            grade,
            np.stack([make() for make in layers[start : start + _LAYERS_PER_PASS]]),
            np.zeros(grade.size),
            cutoffs,
        ).values[0]
        for start in range(0, len(layers), _LAYERS_PER_PASS)
    ]
    return np.concatenate(batches, axis=-1)


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
    except IsADirectoryError:
        raise InputError(
            "is a folder, not a file", path=path, hint="give the path of a CSV file"
        ) from None
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
    rows_of: dict[str, int] = {}  # element -> the row that gave its demand
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
        key = str(key).strip()
        element = element_of(key)
        if element is None:
            raise InputError(
                f"{key!r} is neither a REY element nor an oxide",
                path=path,
                row=row,
                column="element",
                hint="use symbols like Dy or oxides like Dy2O3",
            )
        if element in rows_of:  # which of two demands would be the one meant?
            raise InputError(
                f"{key!r} gives a second demand for {element} (the first in row "
                f"{rows_of[element]})",
                path=path,
                row=row,
                column="element",
                hint="give each element's demand once, as the element or its oxide",
            )
        rows_of[element] = row
        demand[key] = float(value)
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
    out: dict[str, _Demand] = {}
    for key, tonnes in demand.items():
        element = element_of(key)
        if element is None:
            raise ConfigError(
                f"{key!r} is neither a REY element nor an oxide",
                column="resource.annual_demand_t",
                hint="use symbols like Dy or oxides like Dy2O3",
            )
        if element in out:
            raise ConfigError(
                f"{out[element].key!r} and {key!r} both give the demand for {element}",
                column="resource.annual_demand_t",
                hint="give each element's demand once, as the element or its oxide",
            )
        factor = 1.0 if key == element else oxide_factor(element, key)
        out[element] = _Demand(key, float(tonnes), float(tonnes) / factor)
    return out
