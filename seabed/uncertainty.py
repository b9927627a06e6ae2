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
from seabed.resource import cell_tonnage

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

# ppm to a mass fraction, and m2 to km2
_PPM = 1e-6


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

    def percentile_table(
        self, quantities: Sequence[str] = ("area_km2", "rey_t", "treo_t")
    ) -> pd.DataFrame:
        """The summary as one row per cut-off (and part), for printing.

        Columns ``<quantity>_p10``, ``_p50``, ``_p90`` for each quantity.

        Examples
        --------
        >>> summary = pd.DataFrame({"cutoff_ppm": [0.0] * 4,
        ...                         "statistic": ["p10", "p50", "p90", "mean"],
        ...                         "treo_t": [1.0, 2.0, 4.0, 2.5]})
        >>> result = SimulatedResource(pd.DataFrame(), summary, xr.DataArray(),
        ...                            xr.DataArray(), 10, 0)
        >>> result.percentile_table(["treo_t"]).to_dict(orient="records")
        [{'cutoff_ppm': 0.0, 'treo_t_p10': 1.0, 'treo_t_p50': 2.0, 'treo_t_p90': 4.0}]
        """
        # the group columns come before "statistic"
        keys = list(self.summary.columns[: list(self.summary).index("statistic")])
        rows = []
        for key, group in self.summary.groupby(keys, sort=False):  # summary's order
            by_statistic = group.set_index("statistic")
            row = dict(zip(keys, key, strict=True))
            for quantity in quantities:
                for statistic in ("p10", "p50", "p90"):
                    row[f"{quantity}_{statistic}"] = by_statistic.at[
                        statistic, quantity
                    ]
            rows.append(row)
        return pd.DataFrame(rows)

    def format(self) -> str:
        """P10 / P50 / P90 of area, REY and TREO per cut-off, as aligned text.

        Examples
        --------
        >>> summary = pd.DataFrame({
        ...     "cutoff_ppm": [400.0] * 4, "statistic": ["p10", "p50", "p90", "mean"],
        ...     "area_km2": [2443.0, 2503.0, 2542.0, 2495.0],
        ...     "rey_t": [13.0e6, 13.8e6, 14.7e6, 13.9e6],
        ...     "treo_t": [15.6e6, 16.5e6, 17.6e6, 16.6e6]})
        >>> print(SimulatedResource(pd.DataFrame(), summary, xr.DataArray(),
        ...                         xr.DataArray(), 100, 1).format())
        P10 / P50 / P90 over 100 conditional realisations (seed 1; P10 is the low figure)
         cut-off ppm  area km2               REY Mt                 TREO Mt
         400          2,443 / 2,503 / 2,542  13.00 / 13.80 / 14.70  15.60 / 16.50 / 17.60
        """
        table = self.percentile_table()
        keys = list(table.columns[: list(table).index("area_km2_p10")])

        def triple(row: pd.Series, quantity: str, scale: float, fmt: str) -> str:
            return " / ".join(
                format(row[f"{quantity}_{p}"] / scale, fmt)
                for p in ("p10", "p50", "p90")
            )

        lines = [[*keys[:-1], "cut-off ppm", "area km2", "REY Mt", "TREO Mt"]]
        for _, row in table.iterrows():
            lines.append(
                [
                    *(str(row[k]) for k in keys[:-1]),
                    f"{row['cutoff_ppm']:,g}",
                    triple(row, "area_km2", 1.0, ",.0f"),
                    triple(row, "rey_t", 1e6, ",.2f"),
                    triple(row, "treo_t", 1e6, ",.2f"),
                ]
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        title = (
            f"P10 / P50 / P90 over {self.n_realizations} conditional realisations "
            f"(seed {self.seed}; P10 is the low figure)"
        )
        body = [
            " "
            + "  ".join(t.ljust(w) for t, w in zip(line, widths, strict=True)).rstrip()
            for line in lines
        ]
        return "\n".join([title, *body])

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
    accounting = _Accounting.of(ds, estimated, thickness_m, dry_density_t_m3, fractions)
    cutoffs = [float(c) for c in cutoffs_ppm]

    grade_sum = np.zeros(len(nodes))
    above = np.zeros((len(cutoffs), len(nodes)))
    rows: list[dict[str, Any]] = []
    bar = _progress(simulation.n_realizations, progress)
    for realizations, grades in simulation.iter_batches(nodes, batch_size=batch_size):
        grade_sum += grades.sum(axis=1)
        for i, cutoff in enumerate(cutoffs):
            above[i] += (grades >= cutoff).sum(axis=1)
        for column, r in enumerate(realizations):
            rows.extend(
                {"realization": r, **row}
                for row in accounting.rows(grades[:, column], cutoffs)
            )
        if bar is not None:
            bar.update(len(realizations))
    if bar is not None:
        bar.close()

    n = simulation.n_realizations
    keys = [] if accounting.part is None else [accounting.part]
    per_realization = pd.DataFrame(
        rows, columns=["realization", *keys, "cutoff_ppm", *QUANTITIES]
    )
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


@dataclass(frozen=True)
class _Accounting:
    """What the statement of a realisation needs besides its grades, per cell.

    The tonnes of ore of a cell do not depend on its grade (only on its area,
    available fraction, thickness and density), so they are computed once, by
    :func:`seabed.resource.cell_tonnage`; each realisation then only selects cells
    and sums, with the arithmetic of :func:`seabed.resource.statement`.
    """

    ore_t: NDArray[np.float64]  # (cells,) estimated cells, C order
    available_m2: NDArray[np.float64]  # (cells,)
    oxide_ratio: NDArray[np.float64]  # (cells,) treo_ppm / rey_ppm
    shares: NDArray[np.float64]  # (parts, cells)
    part: str | None  # name of the parts' dimension; None: the whole grid
    labels: list[Any]

    @classmethod
    def of(
        cls,
        ds: xr.Dataset,
        estimated: NDArray[np.bool_],
        thickness_m: float | xr.DataArray,
        dry_density_t_m3: float | xr.DataArray,
        fractions: xr.DataArray | None,
    ) -> _Accounting:
        tonnes = cell_tonnage(
            ds[["rey_ppm", "treo_ppm", "cell_area_m2", "available_fraction"]],
            thickness_m=thickness_m,
            dry_density_t_m3=dry_density_t_m3,
        )

        def cells(da: xr.DataArray) -> NDArray[np.float64]:
            return np.asarray(da.transpose("y", "x").values, dtype=float)[estimated]

        if fractions is None:
            part, labels, shares = None, [None], np.ones((1, int(estimated.sum())))
        else:
            part = str(fractions.dims[0])
            labels = list(fractions[part].values)
            ordered = fractions.transpose(part, "y", "x").values.astype(float)
            shares = ordered[:, estimated]
        return cls(
            ore_t=cells(tonnes["ore_t"]),
            available_m2=cells(ds["cell_area_m2"] * ds["available_fraction"]),
            oxide_ratio=cells(ds["treo_ppm"] / ds["rey_ppm"]),
            shares=shares,
            part=part,
            labels=labels,
        )

    def rows(
        self, rey_ppm: NDArray[np.float64], cutoffs: list[float]
    ) -> list[dict[str, Any]]:
        """Statement rows of one realisation: per part, per cut-off."""
        rey_t = self.ore_t * rey_ppm * _PPM
        treo_t = self.ore_t * (rey_ppm * self.oxide_ratio) * _PPM
        out = []
        for label, share in zip(self.labels, self.shares, strict=True):
            for cutoff in cutoffs:
                selected = rey_ppm >= cutoff
                ore = _total(self.ore_t * share, selected)
                rey = _total(rey_t * share, selected)
                row = {} if self.part is None else {self.part: label}
                row |= {
                    "cutoff_ppm": cutoff,
                    "area_km2": _total(self.available_m2 * share, selected) * _PPM,
                    "ore_t": ore,
                    "mean_rey_ppm": rey / ore / _PPM if ore > 0 else float("nan"),
                    "rey_t": rey,
                    "treo_t": _total(treo_t * share, selected),
                }
                out.append(row)
        return out


def _total(values: NDArray[np.float64], selected: NDArray[np.bool_]) -> float:
    return float(np.sum(np.where(selected, values, 0.0), dtype=np.float64))


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
