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
>>> sim = ConditionalSimulation(n_realizations=20, random_state=1, n_features=100)
>>> sim = sim.fit(X, y)
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
from seabed.geostats.simulation import ConditionalSimulation, histogram_resampling
from seabed.resource.sources import (
    TonnageUncertainty,
    _alone,
    _scaled,
    _tonnage_record,
    included_sources,
)
from seabed.resource.statements import combine_tables
from seabed.resource.tonnage import cell_tonnage

__all__ = [
    "QUANTITIES",
    "STATISTICS",
    "SimulatedResource",
    "calibrated_coverage",
    "combine_simulations",
    "simulate_resource",
    "summarize_realizations",
]

#: Statement columns summarised over realisations.
QUANTITIES = ("area_km2", "ore_t", "mean_rey_ppm", "rey_t", "treo_t")
#: Statistics of each quantity, in the order reported: percentiles, then the mean.
STATISTICS = {"p10": 10.0, "p50": 50.0, "p90": 90.0, "mean": None}


# ppm to a mass fraction, and m2 to km2
_PPM = 1e-6
#: Realisations below which the statement says that its P10-P90 is narrow
FEW_REALIZATIONS = 100


def calibrated_coverage(n_realizations: int) -> float:
    """How often P10-P90 of ``n_realizations`` holds the truth when the
    simulation is calibrated.

    P10 and P90 read from ``n`` draws (interpolated between order statistics, as
    numpy does) lie closer together than the law's own: the law's probability
    between them is ``0.8 (n - 1) / (n + 1)`` on average (the ``k``-th of ``n``
    draws sits at ``k / (n + 1)`` of the law), 72 % for 20 realisations and 78 %
    for 100 (a Monte Carlo of normal draws gives 72.7 % and 78.5 %:
    ``validation/recoverable_truths.py``; the formula is within 0.01 of it from
    20 realisations up, and too low below 10).

    >>> round(calibrated_coverage(20), 3), round(calibrated_coverage(100), 3)
    (0.724, 0.784)
    """
    n = int(n_realizations)
    return 0.8 * (n - 1) / (n + 1)


def few_realizations_doubt(n_realizations: int) -> str | None:
    """The doubt to state when P10-P90 comes from few realisations, or None.

    >>> few_realizations_doubt(20)[:48]
    'P10 and P90 come from only 20 realisations: a ca'
    >>> few_realizations_doubt(100) is None
    True
    """
    if n_realizations >= FEW_REALIZATIONS:
        return None
    return (
        f"P10 and P90 come from only {n_realizations} realisations: a calibrated "
        f"simulation's P10-P90 from so few holds the truth about "
        f"{100 * calibrated_coverage(n_realizations):.0f} % of the time, not 80 % "
        f"(set [simulation] realizations = {FEW_REALIZATIONS} or more for "
        f"{100 * calibrated_coverage(FEW_REALIZATIONS):.0f} %)"
    )


@dataclass
class SimulatedResource:
    """The resource statement's distribution over conditional realisations.

    Attributes
    ----------
    realizations : pandas.DataFrame
        One statement row of the whole grid per realisation and cut-off:
        ``realization``, ``cutoff_ppm`` and :data:`QUANTITIES`.
    summary : pandas.DataFrame
        Per cut-off four rows, ``statistic`` = p10, p50, p90, mean, with one column
        per quantity.
    probability_above : xarray.DataArray
        ``(cutoff_ppm, y, x)``: share of realisations at or above each cut-off,
        NaN where the grade is not estimated.
    etype_rey_ppm : xarray.DataArray
        ``(y, x)``: mean simulated REY grade (the e-type estimate).
    n_realizations : int
    seed : int
    method : dict
        How the realisations were drawn, for ``resource.json``.
    slices : pandas.DataFrame
        The summary per depth interval: ``interval`` (``"slice"``, or
        ``"cumulative"`` from the window's top), ``top_m``, ``bottom_m``, then as
        ``summary``. Empty unless asked for (``depths=True``).
    zones : pandas.DataFrame
        The summary per part (report zones: column ``zone``). Empty without parts.
    sources : pandas.DataFrame
        The summary of the whole grid per source of uncertainty (column
        ``source``: ``spatial`` alone, each other source switched on added to
        the spatial one, and ``combined``, all of them). Empty when only the
        spatial uncertainty is simulated.
    slice_realizations, zone_realizations, source_realizations : pandas.DataFrame
        The rows ``slices``, ``zones`` and ``sources`` summarise, one per
        realisation.
    """

    realizations: pd.DataFrame
    summary: pd.DataFrame
    probability_above: xr.DataArray
    etype_rey_ppm: xr.DataArray
    n_realizations: int
    seed: int
    method: dict[str, Any] = field(default_factory=dict)
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    slice_realizations: pd.DataFrame = field(default_factory=pd.DataFrame)
    zone_realizations: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    source_realizations: pd.DataFrame = field(default_factory=pd.DataFrame)

    def source_widths(self, quantity: str = "rey_t") -> pd.DataFrame:
        """The P10-P90 width of a quantity per source of uncertainty and cut-off.

        Columns ``source``, ``cutoff_ppm``, ``p10``, ``p50``, ``p90``, ``width``
        (P90 - P10) and ``relative_width`` (width over P50); empty without
        sources. A source's row is the spatial uncertainty plus that source alone.

        Examples
        --------
        >>> sources = pd.DataFrame({
        ...     "source": ["spatial"] * 3 + ["density"] * 3,
        ...     "cutoff_ppm": [0.0] * 6,
        ...     "statistic": ["p10", "p50", "p90"] * 2,
        ...     "rey_t": [9.0, 10.0, 11.0, 8.0, 10.0, 12.0]})
        >>> result = SimulatedResource(pd.DataFrame(), pd.DataFrame(), xr.DataArray(),
        ...                            xr.DataArray(), 10, 0, sources=sources)
        >>> result.source_widths()[["source", "width", "relative_width"]].values.tolist()
        [['spatial', 2.0, 0.2], ['density', 4.0, 0.4]]
        """
        columns = ["source", "cutoff_ppm", "p10", "p50", "p90", "width"]
        if len(self.sources) == 0:
            return pd.DataFrame(columns=[*columns, "relative_width"])
        wide = self.sources.pivot_table(
            index=["source", "cutoff_ppm"],
            columns="statistic",
            values=quantity,
            sort=False,
        ).reset_index()
        wide["width"] = wide["p90"] - wide["p10"]
        wide["relative_width"] = wide["width"] / wide["p50"]
        wide.columns.name = None
        return wide[[*columns, "relative_width"]]

    def percentile_table(
        self,
        quantities: Sequence[str] = ("area_km2", "rey_t", "treo_t"),
        *,
        table: str = "summary",
    ) -> pd.DataFrame:
        """A summary as one row per cut-off (and part or depth), for printing.

        Columns ``<quantity>_p10``, ``_p50``, ``_p90`` for each quantity; ``table``
        names the summary: ``"summary"``, ``"slices"`` or ``"zones"``.

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
        summary = getattr(self, table)
        # the group columns come before "statistic"
        keys = list(summary.columns[: list(summary).index("statistic")])
        rows = []
        for key, group in summary.groupby(keys, sort=False):  # summary's order
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
            "slices": _records(self.slices),
            "zones": _records(self.zones),
            "method": self.method,
            "uncertainty": {
                "included": included_sources(self.method),
                "included_meaning": "the sources of uncertainty P10/P50/P90 carry: "
                "spatial (the grade between the cores), histogram (the cores' "
                "histogram resampled per realisation), variogram, grade_error, "
                "density, thickness (docs/uncertainty.md)",
                "sources": _records(self.source_widths()),
                "treo_sources": _records(self.source_widths("treo_t")),
                "meaning": "P10/P50/P90 of REY (sources) and TREO (treo_sources) "
                "tonnes of the whole grid with the spatial uncertainty alone, with "
                "each other source added to it alone, and with all of them "
                "(combined); width = P90 - P10",
            },
        }


def simulate_resource(
    simulation: ConditionalSimulation,
    ds: xr.Dataset,
    cutoffs_ppm: Sequence[float],
    *,
    thickness_m: float | xr.DataArray,
    dry_density_t_m3: float | xr.DataArray,
    fractions: xr.DataArray | None = None,
    depths: bool = False,
    tonnage: TonnageUncertainty | None = None,
    batch_size: int = 16,
    by_source: bool = True,
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
        :func:`seabed.resource.statements_by`: a statement per part, in ``zones``.
    depths : bool
        Also a statement per depth slice and cumulative from the window's top, in
        ``slices``; ``ds`` then needs ``slice_rey_ppm`` and ``slice_thickness_m``
        (:func:`seabed.resource.mined_window`). A realisation's slice grade is its
        window grade times the kriged ratio of the slice's grade to the window's
        (the simulation is of the window's grade; its slices follow the kriged
        shape of the grade profile).
    tonnage : TonnageUncertainty, optional
        Uncertainty of the dry density and of the window's thickness (factors of
        the tonnes per realisation); none by default.
    batch_size : int
        Realisations drawn together (memory: cells x batch_size floats).
    by_source : bool
        Also draw the statement with each source of uncertainty alone
        (``sources``; see the notes). False skips those passes: the summary, the
        maps and the per-realisation tables do not change.
    progress : bool
        Show a progress bar over the realisations.

    Returns
    -------
    SimulatedResource

    Notes
    -----
    With any source of uncertainty besides the spatial one (the simulation's
    ``variogram_uncertainty`` or ``grade_relative_sd``, or ``tonnage``), the
    statement of the whole grid is also drawn with each source alone on top of
    the spatial uncertainty (``sources``): one more pass over the realisations
    for the spatial one, and one per simulation source when both are on. The
    tonnage sources reuse the spatial pass (they only scale its tonnes).
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
    cells = _Cells(ds, estimated, dry_density_t_m3)
    views = {"total": [_View({}, cells.tonnes(thickness_m), 1.0)]}
    if fractions is not None:
        views["zones"] = _part_views(fractions, estimated, views["total"][0])
    if depths:
        views["slices"] = _depth_views(ds, cells)
    cutoffs = [float(c) for c in cutoffs_ppm]
    factors = (tonnage or TonnageUncertainty()).factors(
        int(simulation.seed_), simulation.n_realizations
    )
    passes = _passes(simulation, factors, by_source)
    n_passes = len(set(map(id, passes.values())))
    bar = _progress(simulation.n_realizations, n_passes, progress)
    drawn: dict[int, _Draw] = {}
    for name, sim in passes.items():
        if id(sim) not in drawn:  # a source alone may be the combined pass itself
            chosen = views if name == "combined" else {"total": views["total"]}
            drawn[id(sim)] = _draw(
                sim,
                nodes,
                chosen,
                cells,
                cutoffs,
                batch_size,
                maps=name == "combined",
                bar=bar,
            )
    if bar is not None:
        bar.close()

    combined = drawn[id(simulation)]
    n = simulation.n_realizations
    tables = {name: _scaled(table, factors) for name, table in combined.tables.items()}
    if len(passes) > 1:
        tables["sources"] = _source_table(passes, drawn, factors)
    return _assembled(
        tables,
        probability_above=_probability_maps(
            kriged, estimated, combined.above / n, cutoffs
        ),
        etype_rey_ppm=_on_grid(kriged, estimated, combined.grade_sum / n).assign_attrs(
            units="ppm", long_name=f"e-type (mean of {n} realisations) REY grade"
        ),
        n_realizations=n,
        seed=int(simulation.seed_),
        method=_method_record(simulation) | _tonnage_record(tonnage),
    )


@dataclass
class _Draw:
    """One pass over the realisations: statement rows per view, running map sums."""

    tables: dict[str, pd.DataFrame]
    grade_sum: NDArray[np.float64]
    above: NDArray[np.float64]


def _draw(
    simulation: ConditionalSimulation,
    nodes: NDArray[np.float64],
    views: dict[str, list[_View]],
    cells: _Cells,
    cutoffs: list[float],
    batch_size: int,
    *,
    maps: bool,
    bar: Any,
) -> _Draw:
    """Every realisation through the views, a batch at a time (memory: one batch)."""
    grade_sum = np.zeros(len(nodes) if maps else 0)
    above = np.zeros((len(cutoffs), len(nodes) if maps else 0))
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in views}
    for realizations, grades in simulation.iter_batches(nodes, batch_size=batch_size):
        if maps:
            grade_sum += grades.sum(axis=1)
            for i, cutoff in enumerate(cutoffs):
                above[i] += (grades >= cutoff).sum(axis=1)
        for column, r in enumerate(realizations):
            for name, group in views.items():
                for view in group:
                    rows[name].extend(
                        {"realization": r, **row}
                        for row in view.rows(grades[:, column], cells, cutoffs)
                    )
        if bar is not None:
            bar.update(len(realizations))
    tables = {
        name: pd.DataFrame(
            found, columns=["realization", *group[0].labels, "cutoff_ppm", *QUANTITIES]
        )
        for (name, found), group in zip(rows.items(), views.values(), strict=True)
    }
    return _Draw(tables, grade_sum, above)


def _passes(
    simulation: ConditionalSimulation,
    factors: dict[str, NDArray],
    by_source: bool = True,
) -> dict[str, ConditionalSimulation]:
    """The simulations to draw: all sources, and each source alone when several.

    ``combined`` is ``simulation`` itself; with any source switched on, also
    ``spatial`` (the simulation without its own sources) and each of its sources
    alone. The tonnage sources need no pass of their own: they scale the spatial
    pass's tonnes.
    """
    own = [
        name
        for name, on in (
            ("histogram", bool(simulation.histogram_uncertainty)),
            ("variogram", bool(simulation.variogram_uncertainty)),
            ("grade_error", simulation.grade_relative_sd > 0),
        )
        if on
    ]
    passes = {"combined": simulation}
    if not by_source or (not own and not factors):
        return passes
    passes["spatial"] = _alone(simulation, None) if own else simulation
    for name in own:
        passes[name] = simulation if len(own) == 1 else _alone(simulation, name)
    return passes


def _source_table(
    passes: dict[str, ConditionalSimulation],
    drawn: dict[int, _Draw],
    factors: dict[str, NDArray],
) -> pd.DataFrame:
    """Rows of the whole grid per source alone (then combined) and realisation."""
    spatial = drawn[id(passes["spatial"])].tables["total"]
    parts = {"spatial": spatial}
    for name in ("histogram", "variogram", "grade_error"):
        if name in passes:
            parts[name] = drawn[id(passes[name])].tables["total"]
    for name, factor in factors.items():
        parts[name] = _scaled(spatial, {name: factor})
    parts["combined"] = _scaled(drawn[id(passes["combined"])].tables["total"], factors)
    table = pd.concat(
        [t.assign(source=name) for name, t in parts.items()], ignore_index=True
    )
    return table[["realization", "source", "cutoff_ppm", *QUANTITIES]]


def combine_simulations(
    blocks: Sequence[SimulatedResource],
    *,
    probability_above: xr.DataArray | None = None,
    etype_rey_ppm: xr.DataArray | None = None,
) -> SimulatedResource:
    """The simulated resource of a grid from that of disjoint blocks of its rows.

    The realisations are the same whatever the blocks (they are drawn cell by cell
    from one seed), so the statements of each realisation add up over blocks
    (:func:`seabed.resource.combine_tables`) and are then summarised.

    Parameters
    ----------
    blocks : sequence of SimulatedResource
        One per block, from :func:`simulate_resource` with the same simulation,
        cut-offs and options.
    probability_above, etype_rey_ppm : xarray.DataArray, optional
        The whole grid's maps; by default the blocks' maps joined along ``y``.

    Returns
    -------
    SimulatedResource
    """
    first = blocks[0]
    tables = {}
    for name, attribute in _TABLES.items():
        parts = [getattr(block, attribute) for block in blocks]
        if len(parts[0]) == 0:
            tables[name] = parts[0]
            continue
        keys = list(parts[0].columns[: list(parts[0]).index("area_km2")])
        tables[name] = combine_tables(parts, keys)
    if probability_above is None:
        probability_above = xr.concat([b.probability_above for b in blocks], dim="y")
    if etype_rey_ppm is None:
        etype_rey_ppm = xr.concat([b.etype_rey_ppm for b in blocks], dim="y")
    return _assembled(
        tables,
        probability_above=probability_above,
        etype_rey_ppm=etype_rey_ppm,
        n_realizations=first.n_realizations,
        seed=first.seed,
        method=first.method,
    )


def summarize_realizations(
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
    >>> summarize_realizations(table, quantities=["ore_t"]).ore_t.tolist()
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


#: Per-realisation tables of a SimulatedResource, by the name of their views.
_TABLES = {
    "total": "realizations",
    "zones": "zone_realizations",
    "slices": "slice_realizations",
    "sources": "source_realizations",
}


def _assembled(
    tables: dict[str, pd.DataFrame], **maps_and_record: Any
) -> SimulatedResource:
    """A SimulatedResource from its per-realisation tables, summarised."""

    def summary(name: str) -> pd.DataFrame:
        table = tables.get(name, pd.DataFrame())
        if len(table) == 0:
            return pd.DataFrame()
        keys = list(table.columns[1 : list(table).index("area_km2")])
        return summarize_realizations(table, by=keys)

    return SimulatedResource(
        realizations=tables["total"],
        summary=summary("total"),
        slices=summary("slices"),
        zones=summary("zones"),
        slice_realizations=tables.get("slices", pd.DataFrame()),
        zone_realizations=tables.get("zones", pd.DataFrame()),
        sources=summary("sources"),
        source_realizations=tables.get("sources", pd.DataFrame()),
        **maps_and_record,
    )


class _Cells:
    """What every statement of a realisation needs besides the grades, per cell.

    The tonnes of ore of a cell do not depend on its grade (only on its area,
    available fraction, thickness and density), so they are computed once per
    thickness, by :func:`seabed.resource.cell_tonnage`; each realisation then only
    selects cells and sums, with the arithmetic of :func:`seabed.resource.statement`.
    """

    def __init__(
        self,
        ds: xr.Dataset,
        estimated: NDArray[np.bool_],
        density: float | xr.DataArray,
    ) -> None:
        self.ds, self.estimated, self.density = ds, estimated, density
        #: available area and TREO/REY ratio of the estimated cells, in C order
        self.available_m2 = self.of(ds["cell_area_m2"] * ds["available_fraction"])
        self.oxide_ratio = self.of(ds["treo_ppm"] / ds["rey_ppm"])

    def of(self, da: xr.DataArray) -> NDArray[np.float64]:
        """A grid variable's values at the estimated cells, in C order."""
        return np.asarray(da.transpose("y", "x").values, dtype=float)[self.estimated]

    def tonnes(self, thickness_m: float | xr.DataArray) -> NDArray[np.float64]:
        """Dry ore tonnes of the estimated cells for a thickness."""
        ds = self.ds
        tonnes = cell_tonnage(
            ds[["rey_ppm", "treo_ppm", "cell_area_m2", "available_fraction"]],
            thickness_m=thickness_m,
            dry_density_t_m3=self.density,
        )
        return np.nan_to_num(self.of(tonnes["ore_t"]))


@dataclass(frozen=True)
class _View:
    """One statement per realisation: a part of the grid, or a depth interval.

    ``grade_ratio`` turns the realisation's window grade into the grade reported
    (1 for the window; the kriged slice-to-window ratio for a depth interval).
    """

    label: dict[str, Any]
    ore_t: NDArray[np.float64]  # (cells,)
    grade_ratio: NDArray[np.float64] | float
    share: NDArray[np.float64] | float = 1.0

    @property
    def labels(self) -> list[str]:
        return list(self.label)

    def rows(
        self, window_ppm: NDArray[np.float64], cells: _Cells, cutoffs: list[float]
    ) -> list[dict[str, Any]]:
        """Statement rows of one realisation, per cut-off."""
        rey_ppm = window_ppm * self.grade_ratio
        ore_t = self.ore_t * self.share
        rey_t = ore_t * rey_ppm * _PPM
        treo_t = ore_t * (rey_ppm * cells.oxide_ratio) * _PPM
        available_m2 = cells.available_m2 * self.share
        out = []
        for cutoff in cutoffs:
            selected = rey_ppm >= cutoff
            ore = _total(ore_t, selected)
            rey = _total(rey_t, selected)
            out.append(
                {
                    **self.label,
                    "cutoff_ppm": cutoff,
                    "area_km2": _total(available_m2, selected) * _PPM,
                    "ore_t": ore,
                    "mean_rey_ppm": rey / ore / _PPM if ore > 0 else float("nan"),
                    "rey_t": rey,
                    "treo_t": _total(treo_t, selected),
                }
            )
        return out


def _part_views(
    fractions: xr.DataArray, estimated: NDArray[np.bool_], whole: _View
) -> list[_View]:
    part = str(fractions.dims[0])
    ordered = fractions.transpose(part, "y", "x").values.astype(float)
    return [
        _View({part: label}, whole.ore_t, 1.0, share[estimated])
        for label, share in zip(fractions[part].values, ordered, strict=True)
    ]


def _depth_views(ds: xr.Dataset, cells: _Cells) -> list[_View]:
    """A view per slice, then per interval from the window's top to each slice."""
    for name in ("slice_rey_ppm", "slice_thickness_m"):
        if name not in ds:
            raise InputError(
                f"the grid has no {name!r} variable",
                column=name,
                hint="pass the dataset after seabed.resource.mined_window",
            )
    grade = ds["slice_rey_ppm"].transpose("slice", "y", "x")
    thickness = ds["slice_thickness_m"].transpose("slice", "y", "x")
    window = ds["rey_ppm"].where(ds["rey_ppm"] > 0)
    top = float(thickness.slice_top_m[0])
    singles, cumulative = [], []
    for i in range(thickness.sizes["slice"]):
        slice_top = float(thickness.slice_top_m[i])
        bottom = float(thickness.slice_bottom_m[i])
        one = thickness[i].reset_coords(drop=True)
        ratio = (grade[i].reset_coords(drop=True) / window).fillna(0.0)
        singles.append(
            _View(
                {"interval": "slice", "top_m": slice_top, "bottom_m": bottom},
                cells.tonnes(one.where(np.isfinite(grade[i]), 0.0)),
                cells.of(ratio),
            )
        )
        upto = slice(0, i + 1)
        weight = thickness[upto].where(thickness[upto] > 0, 0.0)
        depth_m = weight.sum("slice").reset_coords(drop=True)
        mean = xr.where(weight > 0, grade[upto] * weight, 0.0).sum("slice") / (
            depth_m.where(depth_m > 0)
        )
        cumulative.append(
            _View(
                {"interval": "cumulative", "top_m": top, "bottom_m": bottom},
                cells.tonnes(depth_m),
                cells.of((mean.reset_coords(drop=True) / window).fillna(0.0)),
            )
        )
    return singles + cumulative


def _total(values: NDArray[np.float64], selected: NDArray[np.bool_]) -> float:
    return float(np.sum(np.where(selected, values, 0.0), dtype=np.float64))


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.to_dict(orient="records") if len(table) else []


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
        "histogram_uncertainty": histogram_resampling(simulation.histogram_uncertainty)
        or False,
        "variogram_uncertainty": bool(simulation.variogram_uncertainty),
        "realizations_per_variogram": simulation.realizations_per_variogram
        if simulation.variogram_uncertainty
        else None,
        "bootstrap_variograms": [v.to_dict() for v in simulation.variograms_],
        "grade_relative_sd": simulation.grade_relative_sd,
    }


def _progress(n_realizations: int, n_passes: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    # each source of uncertainty alone is drawn again (the tornado chart): say so,
    # or 20 realisations would count to 40
    desc = "realisations"
    if n_passes > 1:
        desc += (
            f" ({n_passes} passes of {n_realizations}: all sources, then each alone)"
        )
    return tqdm(total=n_realizations * n_passes, desc=desc, unit="real")
