"""Recoverable resource: tonnage above cut-off at the support of the selective mining unit.

A kriged cell grade is smoother than the true grades of the selective mining
units (SMUs) that will be mined inside it, so a cut-off applied to kriged cells
misstates what can be selected: usually too much low-grade ore at low cut-offs
and too little ore at high ones. The *recoverable* resource applies the cut-off
to each SMU instead (``[resource] smu_m``; the cell by default). Two ways:

- ``method = "simulation"``: each conditional realisation
  (:class:`~seabed.geostats.simulation.ConditionalSimulation`) is simulated at
  the SMUs' centres with the SMU's block support, the cut-off is applied per SMU,
  and every realisation gives a statement; ``mean``, ``p10``, ``p50``, ``p90``
  summarise them (:func:`~seabed.resource.uncertainty.summarize_realizations`).
  Realisations are streamed in batches and reduced per cell, so memory does not
  grow with their number.
- ``method = "uc"``: uniform conditioning of the discrete Gaussian model
  (:class:`~seabed.geostats.change_of_support.DiscreteGaussianModel`) gives, for
  each cell (the panel) from its kriged grade and kriging variance, the share of
  its SMUs above each cut-off and their mean grade: the expected recoverable
  resource (``statistic = "mean"`` only), with no simulation.

Both use the same accounting as the kriged statement: a cell's ore tonnes from
its geodesic area, available fraction, thickness and dry density
(:func:`seabed.resource.cell_tonnage`), of which the recovered share is taken;
TREO follows the REY grade with the cell's kriged oxide ratio.

Examples
--------
>>> smu_layout(1000.0, 250.0)
(4, 4)
>>> smu_offsets((1000.0, 1000.0), (2, 1)).tolist()
[[-250.0, 0.0], [250.0, 0.0]]
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from seabed.exceptions import ConfigError
from seabed.geostats.change_of_support import DiscreteGaussianModel
from seabed.geostats.simulation import ConditionalSimulation
from seabed.resource.statements import combine_tables, statement
from seabed.resource.tonnage import _require, cell_tonnage
from seabed.resource.uncertainty import QUANTITIES, _Cells, summarize_realizations

__all__ = [
    "RECOVERABLE_COLUMNS",
    "combine_recoverable",
    "recoverable_rows",
    "simulate_recoverable",
    "smu_layout",
    "smu_offsets",
    "summarize_recoverable",
    "uc_recoverable",
]

#: Columns of the ``recoverable`` table of ``resource.json``, in order.
RECOVERABLE_COLUMNS = ("cutoff_ppm", *QUANTITIES, "statistic", "method")

_PPM = 1e-6
_GRID_VARIABLES = ("rey_ppm", "treo_ppm", "cell_area_m2", "available_fraction")


def smu_layout(cell_m: ArrayLike, smu_m: ArrayLike | None) -> tuple[int, int]:
    """How many SMUs fit along each side of a cell (east, north).

    The SMU must divide the cell: a cell holds a whole number of SMUs along
    each axis. ``smu_m`` None is the cell itself.

    Examples
    --------
    >>> smu_layout(500.0, None), smu_layout(500.0, [250.0, 500.0])
    ((1, 1), (2, 1))
    """
    cell = np.broadcast_to(np.asarray(cell_m, dtype=float), (2,))
    smu = cell if smu_m is None else np.broadcast_to(np.asarray(smu_m, float), (2,))
    counts = cell / smu
    whole = np.round(counts)
    if (smu <= 0).any() or (whole < 1).any() or not np.allclose(counts, whole, 1e-9):
        raise ConfigError(
            f"the SMU ({smu[0]:g} x {smu[1]:g} m) does not divide the grid's cell "
            f"({cell[0]:g} x {cell[1]:g} m) into a whole number of SMUs",
            column="resource.smu_m",
            hint="give an SMU no larger than the cell that divides it (e.g. half "
            "or a quarter of grid.resolution_m), or change grid.resolution_m",
        )
    return int(whole[0]), int(whole[1])


def smu_offsets(cell_m: ArrayLike, counts: tuple[int, int]) -> NDArray:
    """Offsets of a cell's SMU centres from the cell centre, shape (kx * ky, 2)."""
    nx, ny = counts
    fx = (np.arange(nx) + 0.5) / nx - 0.5
    fy = (np.arange(ny) + 0.5) / ny - 0.5
    cell = np.broadcast_to(np.asarray(cell_m, dtype=float), (2,))
    gx, gy = np.meshgrid(cell[0] * fx, cell[1] * fy, indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def uc_recoverable(
    model: DiscreteGaussianModel,
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    cell_m: float | Sequence[float],
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
) -> pd.DataFrame:
    """The expected recoverable resource by uniform conditioning, per cut-off.

    Each estimated cell is a panel: its kriged ``rey_ppm`` and kriging standard
    deviation ``rey_std_ppm`` give the share ``T`` of its SMUs at or above each
    cut-off and their metal ``Q`` (:meth:`DiscreteGaussianModel.\
uniform_conditioning`). The cell then counts with ``T`` of its available area
    and ore tonnes, at the grade ``Q / T``.

    Parameters
    ----------
    model : DiscreteGaussianModel
        Fitted on the composites, with the SMU's size.
    ds : xarray.Dataset
        The grid after zone coverage: ``rey_ppm``, ``rey_std_ppm``, ``treo_ppm``,
        ``cell_area_m2``, ``available_fraction``.
    cutoffs_ppm : sequence of float
    cell_m : float or (float, float)
        The cell (panel) size, metres.
    thickness_m, dry_density_t_m3 : float or xarray.DataArray
        As for :func:`seabed.resource.cell_tonnage`.

    Returns
    -------
    pandas.DataFrame
        A statement table (:func:`seabed.resource.statement` columns) per cut-off,
        with ``statistic = "mean"`` and ``method = "uc"``.

    Examples
    --------
    >>> from seabed.geostats import Variogram
    >>> rng = np.random.default_rng(0)
    >>> model = DiscreteGaussianModel(
    ...     Variogram("spherical", psill=40_000.0, range=5000.0), smu_size=250.0
    ... ).fit(rng.lognormal(6.8, 0.2, 300))
    >>> grid = xr.Dataset(
    ...     {name: (("y", "x"), np.full((2, 2), value)) for name, value in
    ...      [("rey_ppm", 900.0), ("rey_std_ppm", 80.0), ("treo_ppm", 1080.0),
    ...       ("cell_area_m2", 1e6), ("available_fraction", 1.0)]},
    ...     coords={"x": [500.0, 1500.0], "y": [1500.0, 500.0]})
    >>> table = uc_recoverable(model, grid, [0, 1000], cell_m=1000.0,
    ...                        thickness_m=10.0, dry_density_t_m3=0.5)
    >>> table.area_km2.round(2).tolist()[0], bool(table.area_km2[1] < 4)
    (4.0, True)
    """
    _require(ds, (*_GRID_VARIABLES, "rey_std_ppm"))
    grade = ds["rey_ppm"].transpose("y", "x")
    estimated = np.isfinite(grade.values)
    std = ds["rey_std_ppm"].transpose("y", "x").values[estimated]
    cutoffs = [float(c) for c in cutoffs_ppm]
    tonnage, metal = model.uniform_conditioning(
        grade.values[estimated], std, cell_m, cutoffs
    )
    ratio = (ds["treo_ppm"] / ds["rey_ppm"]).transpose("y", "x")
    rows = []
    for i, cutoff in enumerate(cutoffs):
        share = _on_cells(grade, estimated, tonnage[i])
        with np.errstate(invalid="ignore", divide="ignore"):
            recovered = np.where(tonnage[i] > 0, metal[i] / tonnage[i], 0.0)
        rey = _on_cells(grade, estimated, recovered)
        cells = ds[["cell_area_m2", "available_fraction"]].assign(
            rey_ppm=rey, treo_ppm=rey * ratio
        )
        tonnes = cell_tonnage(
            cells, thickness_m=thickness_m, dry_density_t_m3=dry_density_t_m3
        )
        row = statement(tonnes, [0.0], fraction=share.fillna(0.0))
        rows.append(row.assign(cutoff_ppm=cutoff))
    return pd.concat(rows, ignore_index=True).assign(statistic="mean", method="uc")


def simulate_recoverable(
    simulation: ConditionalSimulation,
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    cell_m: float | Sequence[float],
    smu_m: float | Sequence[float] | None,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
    batch_size: int = 8,
) -> pd.DataFrame:
    """The recoverable statement of every realisation, cut-off applied per SMU.

    Each realisation is simulated at the centres of the SMUs of every estimated
    cell, with the SMU's block support; a cell keeps the share of its SMUs at or
    above the cut-off, with their mean grade. Realisations come in batches of
    ``batch_size`` and are reduced to their statement rows at once, so that memory
    holds one batch of SMU grades, whatever the number of realisations.

    Parameters
    ----------
    simulation : ConditionalSimulation
        Fitted on the composites in the grid's CRS (its ``block_size`` is replaced
        by the SMU's).
    ds : xarray.Dataset
        The grid after zone coverage (``rey_ppm``, ``treo_ppm``, ``cell_area_m2``,
        ``available_fraction``); cells without a kriged grade are left out.
    cutoffs_ppm : sequence of float
    cell_m : float or (float, float)
        The cell size, metres.
    smu_m : float or (float, float) or None
        The SMU size (None: the cell).
    thickness_m, dry_density_t_m3 : float or xarray.DataArray
        As for :func:`seabed.resource.cell_tonnage`.
    batch_size : int
        Realisations simulated together.

    Returns
    -------
    pandas.DataFrame
        ``realization``, ``cutoff_ppm`` and the statement quantities: one row per
        realisation and cut-off. Tables of disjoint blocks of rows add up with
        :func:`combine_recoverable`; :func:`summarize_recoverable` gives P10 /
        P50 / P90 and the mean.
    """
    _require(ds, _GRID_VARIABLES)
    cell = np.broadcast_to(np.asarray(cell_m, dtype=float), (2,))
    counts = smu_layout(cell, smu_m)
    smu = cell / np.asarray(counts, dtype=float)
    grade = ds["rey_ppm"].transpose("y", "x")
    estimated = np.isfinite(grade.values)
    xx, yy = np.meshgrid(ds["x"].values, ds["y"].values)
    centres = np.column_stack([xx[estimated], yy[estimated]])
    offsets = smu_offsets(cell, counts)
    nodes = (centres[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    per_smu = copy.copy(simulation).set_params(block_size=(smu[0], smu[1]))
    cells = _Cells(ds, estimated, dry_density_t_m3)
    ore_t = cells.tonnes(thickness_m)
    cutoffs = [float(c) for c in cutoffs_ppm]
    rows = []
    for realizations, grades in per_smu.iter_batches(nodes, batch_size=batch_size):
        by_cell = grades.reshape(len(centres), len(offsets), len(realizations))
        for cutoff in cutoffs:
            selected = by_cell >= cutoff
            share = selected.mean(axis=1)  # (cells, realisations)
            metal = np.where(selected, by_cell, 0.0).mean(axis=1)
            totals = {
                "area_km2": _sums(cells.available_m2, share) * _PPM,
                "ore_t": _sums(ore_t, share),
                "rey_t": _sums(ore_t, metal) * _PPM,
                "treo_t": _sums(ore_t * cells.oxide_ratio, metal) * _PPM,
            }
            for column, r in enumerate(realizations):
                row = {name: float(value[column]) for name, value in totals.items()}
                rows.append({"realization": r, "cutoff_ppm": cutoff, **row})
    table = pd.DataFrame(rows, columns=["realization", "cutoff_ppm", *QUANTITIES])
    # rows in the same order whatever the batches: realisation, then cut-off
    order = np.lexsort((np.arange(len(table)), table["realization"].to_numpy()))
    return _with_mean_grade(table.iloc[order].reset_index(drop=True))


def combine_recoverable(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per-realisation recoverable tables of disjoint blocks of rows, added up.

    Examples
    --------
    >>> one = pd.DataFrame({"realization": [0], "cutoff_ppm": [0.0],
    ...     "area_km2": [1.0], "ore_t": [10.0], "mean_rey_ppm": [1e3],
    ...     "rey_t": [0.01], "treo_t": [0.012]})
    >>> combine_recoverable([one, one]).ore_t.tolist()
    [20.0]
    """
    return combine_tables(list(tables), ["realization", "cutoff_ppm"])


def summarize_recoverable(realizations: pd.DataFrame, method: str) -> pd.DataFrame:
    """Mean, P10, P50 and P90 of a per-realisation table, as ``recoverable`` rows.

    Examples
    --------
    >>> table = pd.DataFrame({"realization": range(11), "cutoff_ppm": 0.0,
    ...     "area_km2": 1.0, "ore_t": np.arange(11.0), "mean_rey_ppm": 1e3,
    ...     "rey_t": 0.0, "treo_t": 0.0})
    >>> rows = summarize_recoverable(table, "simulation")
    >>> rows[["statistic", "ore_t"]].values.tolist()
    [['mean', 5.0], ['p10', 1.0], ['p50', 5.0], ['p90', 9.0]]
    """
    summary = summarize_realizations(realizations, by=["cutoff_ppm"])
    order = {"mean": 0, "p10": 1, "p50": 2, "p90": 3}
    summary = summary.assign(method=method, _order=summary["statistic"].map(order))
    summary = summary.sort_values(["cutoff_ppm", "_order"], kind="stable")
    return summary[list(RECOVERABLE_COLUMNS)].reset_index(drop=True)


def recoverable_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A statement table with ``statistic`` and ``method`` as ``recoverable`` rows."""
    return table[list(RECOVERABLE_COLUMNS)].reset_index(drop=True)


def _with_mean_grade(table: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        table["mean_rey_ppm"] = np.where(
            table["ore_t"] > 0, table["rey_t"] / table["ore_t"] / _PPM, np.nan
        )
    return table


def _sums(per_cell: NDArray[np.float64], shares: NDArray[np.float64]) -> NDArray:
    """Per realisation, the sum over cells of a cell quantity times its share."""
    return np.asarray(np.sum(per_cell[:, None] * shares, axis=0, dtype=np.float64))


def _on_cells(
    template: xr.DataArray, estimated: NDArray[np.bool_], values: NDArray
) -> xr.DataArray:
    grid = np.full(estimated.shape, np.nan)
    grid[estimated] = values
    return template.copy(data=grid)
