"""Uncertainty of the resource: P10 / P50 / P90 from conditional simulation.

Each realisation of a :class:`~seabed.geostats.simulation.ConditionalSimulation`
is a grade map as likely as any other given the cores. Passing every realisation
through the same accounting as the kriged estimate (cell areas, available
fractions of zones and rules, depth window, dry density, cut-offs:
:func:`seabed.resource.cell_tonnage` and :func:`seabed.resource.statement`) gives
one statement per realisation; their distribution is the uncertainty of the
statement.

- ``P10``, ``P50``, ``P90`` are the 10th, 50th and 90th percentiles over the
  realisations (P10 is the *low* figure: 90 % of realisations exceed it; the
  petroleum convention names them the other way round). Each column is ranked on
  its own, so the P90 ore tonnes and the P90 grade may come from different
  realisations.
- The probability map at a cut-off is the share of realisations whose cell grade
  is at least the cut-off; the e-type map is the mean grade over realisations.
- Realisations are drawn in batches and folded into running sums: only one batch
  of grade maps is ever in memory.

TREO grades follow the simulated REY grade with each cell's kriged oxide ratio
(``treo_ppm / rey_ppm``), which varies little (the element proportions of the
mud are nearly constant).

Examples
--------
>>> import xarray as xr
>>> from seabed.geostats.simulation import ConditionalSimulation
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(0, 10_000, size=(40, 2))
>>> y = np.exp(rng.normal(6.8, 0.4, size=40))
>>> sim = ConditionalSimulation(n_realizations=20, seed=1, n_features=100).fit(X, y)
>>> x, yc = np.arange(500.0, 10_000, 1000), np.arange(9500.0, 0, -1000)
>>> grid = xr.Dataset(
...     {name: (("y", "x"), np.full((10, 10), value)) for name, value in
...      [("rey_ppm", 900.0), ("treo_ppm", 1080.0), ("cell_area_m2", 1e6),
...       ("available_fraction", 1.0)]},
...     coords={"x": x, "y": yc})
>>> result = simulate_resource(sim, grid, [0, 2000], thickness_m=10.0,
...                            dry_density_t_m3=0.55)
>>> result.summary.columns[:4].tolist()
['cutoff_ppm', 'statistic', 'area_km2', 'ore_t']
>>> result.summary.query("cutoff_ppm == 0").area_km2.tolist()  # all 100 cells
[100.0, 100.0, 100.0, 100.0]
>>> result.probability_above.sizes["cutoff_ppm"], result.n_realizations
(2, 20)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from seabed.exceptions import InputError
from seabed.geostats.simulation import ConditionalSimulation
from seabed.resource import cell_tonnage, statement, statements_by

__all__ = [
    "QUANTITIES",
    "STATISTICS",
    "SimulatedResource",
    "simulate_resource",
    "summarize",
]

#: Statement columns summarised over realisations.
QUANTITIES = ("area_km2", "ore_t", "mean_rey_ppm", "rey_t", "treo_t")
#: Statistics of each quantity, in the order reported: percentiles, then the mean.
STATISTICS = {"p10": 10.0, "p50": 50.0, "p90": 90.0, "mean": None}


@dataclass
class SimulatedResource:
    """The resource statement's distribution over conditional realisations.

    Attributes
    ----------
    realizations : pandas.DataFrame
        One statement row per realisation and cut-off (and part, with parts):
        ``realization``, ``cutoff_ppm`` and :data:`QUANTITIES`.
    summary : pandas.DataFrame
        Per cut-off (and part) four rows, ``statistic`` = p10, p50, p90, mean,
        with one column per quantity.
    probability_above : xarray.DataArray
        ``(cutoff_ppm, y, x)``: share of realisations at or above each cut-off,
        NaN where the grade is not estimated.
    etype_rey_ppm : xarray.DataArray
        ``(y, x)``: mean simulated REY grade (the e-type estimate).
    n_realizations : int
    seed : int
    """

    realizations: pd.DataFrame
    summary: pd.DataFrame
    probability_above: xr.DataArray
    etype_rey_ppm: xr.DataArray
    n_realizations: int
    seed: int
    method: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``simulation`` block of ``resource.json``."""
        return {
            "n_realizations": self.n_realizations,
            "seed": self.seed,
            "percentiles": "P10/P50/P90 are the 10th/50th/90th percentiles over "
            "the realisations (P10 is the low figure)",
            "summary": self.summary.to_dict(orient="records"),
            "method": self.method,
        }


def simulate_resource(
    simulation: ConditionalSimulation,
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
    fractions: xr.DataArray | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> SimulatedResource:
    """Run every realisation through the resource accounting and summarise.

    Parameters
    ----------
    simulation : ConditionalSimulation
        Fitted on the composites, in the grid's CRS.
    ds : xarray.Dataset
        The grid: ``x``, ``y`` cell-centre coordinates (metres), ``cell_area_m2``,
        ``available_fraction``, and the kriged ``rey_ppm`` and ``treo_ppm``
        (cells where ``rey_ppm`` is NaN stay unestimated in every realisation).
    cutoffs_ppm : sequence of float
        Cut-offs on the REY block grade.
    thickness_m, dry_density_t_m3 : float or xarray.DataArray
        As for :func:`seabed.resource.cell_tonnage`.
    fractions : xarray.DataArray, optional
        ``(part, y, x)`` shares of parts (zones, classes) as for
        :func:`seabed.resource.statements_by`: one statement per part.
    batch_size : int
        Realisations drawn together (memory: cells x batch_size floats).
    progress : bool
        Show a progress bar over the realisations.

    Returns
    -------
    SimulatedResource
    """
    for name in ("rey_ppm", "treo_ppm", "cell_area_m2", "available_fraction"):
        if name not in ds:
            raise InputError(
                f"the grid has no {name!r} variable",
                column=name,
                hint="pass the dataset of the kriged estimate, after zone coverage",
            )
    kriged = ds["rey_ppm"].transpose("y", "x")
    estimated = np.isfinite(kriged.values)
    xx, yy = np.meshgrid(ds["x"].values, ds["y"].values)
    nodes = np.column_stack([xx[estimated], yy[estimated]])
    oxide_ratio = (ds["treo_ppm"] / ds["rey_ppm"]).transpose("y", "x")
    base = ds[["cell_area_m2", "available_fraction"]]
    cutoffs = [float(c) for c in cutoffs_ppm]

    grade_sum = np.zeros(len(nodes))
    above = np.zeros((len(cutoffs), len(nodes)))
    tables = []
    batches = simulation.iter_batches(nodes, batch_size=batch_size)
    bar = _progress(simulation.n_realizations, progress)
    for realizations, grades in batches:
        grade_sum += grades.sum(axis=1)
        for i, cutoff in enumerate(cutoffs):
            above[i] += (grades >= cutoff).sum(axis=1)
        for column, r in enumerate(realizations):
            grid = np.full(estimated.shape, np.nan)
            grid[estimated] = grades[:, column]
            tables.append(
                _statement(
                    base,
                    kriged.copy(data=grid),
                    oxide_ratio,
                    cutoffs,
                    thickness_m=thickness_m,
                    dry_density_t_m3=dry_density_t_m3,
                    fractions=fractions,
                ).assign(realization=r)
            )
        if bar is not None:
            bar.update(len(realizations))
    if bar is not None:
        bar.close()

    n = simulation.n_realizations
    per_realization = pd.concat(tables, ignore_index=True)
    keys = [] if fractions is None else [str(fractions.dims[0])]
    columns = ["realization", *keys, "cutoff_ppm", *QUANTITIES]
    per_realization = per_realization[columns]
    return SimulatedResource(
        realizations=per_realization,
        summary=summarize(per_realization, by=[*keys, "cutoff_ppm"]),
        probability_above=_probability_maps(kriged, estimated, above / n, cutoffs),
        etype_rey_ppm=_on_grid(kriged, estimated, grade_sum / n).assign_attrs(
            units="ppm", long_name=f"e-type (mean of {n} realisations) REY grade"
        ),
        n_realizations=n,
        seed=int(simulation.seed),
        method=_method_record(simulation),
    )


def summarize(
    realizations: pd.DataFrame,
    by: Sequence[str] = ("cutoff_ppm",),
    quantities: Sequence[str] = QUANTITIES,
) -> pd.DataFrame:
    """P10, P50, P90 and mean of each quantity over realisations, per group.

    Parameters
    ----------
    realizations : pandas.DataFrame
        One row per realisation and group.
    by : sequence of str
        Group columns (kept in order of first appearance).
    quantities : sequence of str
        Columns to summarise; NaN (a grade with no tonnes) is left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``, ``statistic``, then ``quantities``.

    Examples
    --------
    >>> table = pd.DataFrame({"cutoff_ppm": [0.0] * 11, "ore_t": np.arange(11.0)})
    >>> summarize(table, quantities=["ore_t"]).ore_t.tolist()
    [1.0, 5.0, 9.0, 5.0]
    """
    rows = []
    for key, group in realizations.groupby(list(by), sort=False):
        labels = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        for statistic, percentile in STATISTICS.items():
            values = {}
            for quantity in quantities:
                column = group[quantity].to_numpy(dtype=float)
                column = column[np.isfinite(column)]
                if len(column) == 0:
                    values[quantity] = float("nan")
                elif percentile is None:
                    values[quantity] = float(column.mean())
                else:
                    values[quantity] = float(np.percentile(column, percentile))
            rows.append({**labels, "statistic": statistic, **values})
    return pd.DataFrame(rows, columns=[*by, "statistic", *quantities])


def _statement(
    base: xr.Dataset,
    rey_ppm: xr.DataArray,
    oxide_ratio: xr.DataArray,
    cutoffs: list[float],
    *,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
    fractions: xr.DataArray | None,
) -> pd.DataFrame:
    """One realisation's statement, by the same accounting as the estimate."""
    cells = base.assign(rey_ppm=rey_ppm, treo_ppm=rey_ppm * oxide_ratio)
    tonnes = cell_tonnage(
        cells, thickness_m=thickness_m, dry_density_t_m3=dry_density_t_m3
    )
    if fractions is None:
        return statement(tonnes, cutoffs)
    return statements_by(tonnes, cutoffs, fractions)


def _on_grid(
    template: xr.DataArray, estimated: NDArray[np.bool_], values: NDArray[np.float64]
) -> xr.DataArray:
    grid = np.full(estimated.shape, np.nan)
    grid[estimated] = values
    out = template.copy(data=grid)
    out.attrs = {}
    return out


def _probability_maps(
    template: xr.DataArray,
    estimated: NDArray[np.bool_],
    shares: NDArray[np.float64],
    cutoffs: list[float],
) -> xr.DataArray:
    maps = [_on_grid(template, estimated, share) for share in shares]
    stacked = xr.concat(maps, dim=pd.Index(cutoffs, name="cutoff_ppm"))
    return stacked.rename("probability_above").assign_attrs(
        units="1",
        long_name="probability that the REY block grade is at least the cut-off",
    )


def _method_record(simulation: ConditionalSimulation) -> dict[str, Any]:
    return {
        "method": "conditioning by simple kriging of spectral (random Fourier "
        "feature) Gaussian fields, normal-score transform with tails",
        "normal_score_variogram": simulation.variogram_.to_dict(),
        "n_features": simulation.n_features,
        "n_neighbors": simulation.n_neighbors,
        "block_size": None
        if simulation.block_size is None
        else list(np.broadcast_to(np.asarray(simulation.block_size, float), (2,))),
        "block_discretization": simulation.block_discretization,
        "upper_tail_power": simulation.upper_tail_power,
    }


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="realisations", unit="real")
