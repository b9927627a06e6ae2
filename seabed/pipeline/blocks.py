"""Blocks of grid rows: each estimated, accounted for and reduced on its own, then combined."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from seabed import chunks
from seabed.composite import slice_edges
from seabed.config import Config
from seabed.estimation.models import (
    GradeModels,
    class_rules,
    dry_density,
    predict_grades,
    search_parameters,
    smu_size,
)
from seabed.exceptions import InputError
from seabed.geostats import (
    Variogram,
)
from seabed.geostats.change_of_support import DiscreteGaussianModel
from seabed.geostats.simulation import ConditionalSimulation
from seabed.grid import on_grid
from seabed.io import sample_raster
from seabed.outputs.checkpoints import TileFolder
from seabed.pipeline.inputs import Inputs
from seabed.pipeline.validation import nearest_neighbour_shares
from seabed.resource import (
    QUANTITIES,
    RECOVERABLE_COLUMNS,
    SEARCH_LAYERS,
    SimulatedResource,
    TonnageUncertainty,
    cell_tonnage,
    class_fractions,
    classify_cells,
    combine_recoverable,
    combine_simulations,
    combine_tables,
    depth_statements,
    element_table,
    exclusion_table,
    grade_tonnage,
    mined_window,
    recoverable_rows,
    simulate_recoverable,
    simulate_resource,
    slice_thickness,
    statement,
    statements_by,
    summarize_recoverable,
    uc_recoverable,
)
from seabed.variables import VARIABLES, cf_attrs
from seabed.zones import (
    depth_rule,
    report_zone_coverage,
    sample_on_grid,
    slope_deg,
    slope_rule,
    zone_coverage,
)

__all__ = [
    "block_rows",
]


def depth_slices(
    config: Config, grid: xr.Dataset, sediment: xr.DataArray | None
) -> xr.DataArray:
    """Thickness of every slice in every cell, cut where the sediment is thinner."""
    window = config.composite
    edges = slice_edges(window.top_m, window.bottom_m, window.slice_m)
    sediment_m = None if sediment is None else sample_on_grid(sediment, grid)
    return slice_thickness(edges.tolist(), grid["cell_area_m2"], sediment_m)


def rule_fractions(
    config: Config,
    grid: xr.Dataset,
    bathymetry: xr.DataArray | None,
    *,
    slope: xr.DataArray | None = None,
) -> list[tuple[str, xr.DataArray]]:
    """Cells excluded by raster rules (1 excluded, 0 kept), with their reasons.

    ``slope`` is the bathymetry's slope (:func:`seabed.zones.slope_deg`), when
    already computed.
    """
    rules = config.rules
    found = []
    if bathymetry is not None and rules.depth_window_m is not None:
        shallow, deep = rules.depth_window_m
        found.append(
            (
                f"water depth outside {shallow:g}-{deep:g} m",
                depth_rule(grid, bathymetry, rules.depth_window_m),
            )
        )
    if bathymetry is not None and rules.max_slope_deg is not None:
        found.append(
            (
                f"slope above {rules.max_slope_deg:g} degrees",
                slope_rule(grid, bathymetry, rules.max_slope_deg, slope=slope),
            )
        )
    return found


def classify(
    config: Config,
    dataset: xr.Dataset,
    estimator: Any,
    variogram: Variogram | None,
    *,
    positions: np.ndarray,
) -> xr.DataArray:
    """Resource class per cell by the configured rules (default: all Inferred);
    ``positions`` are the cores' (metres, the grid's CRS).

    The distance to the nearest core and the cores of the search come from the
    estimate's own search layers when its search is the classification's
    (:func:`search_is_plain`), instead of a second search."""
    return classify_cells(
        dataset,
        positions,
        rules=class_rules(config),
        variogram=variogram,
        n_neighbors=config.estimate.n_neighbors,
        max_distance=config.estimate.max_distance_m,
        n_sectors=config.classification.sectors,
        estimator=estimator,
        from_estimate=search_is_plain(config, positions)
        and all(layer in dataset for layer in SEARCH_LAYERS.values()),
    )


def search_is_plain(config: Config, positions: np.ndarray) -> bool:
    """Whether the kriging search is the classification's: the ``n_neighbors``
    nearest cores within ``max_distance_m``, in one pass, with no limit per core
    or sector, no high-value restriction and no two cores at one place (which
    the estimate merges into one sample).

    Examples
    --------
    >>> import numpy as np
    >>> from seabed.config import Config
    >>> cfg = Config.model_validate({"inputs": {"cores": "c.csv"}})
    >>> cores = np.array([[0.0, 0.0], [1000.0, 0.0]])
    >>> search_is_plain(cfg, cores), search_is_plain(cfg, cores[[0, 0]])
    (True, False)
    """
    search = search_parameters(config)
    limits = ("max_per_sector", "max_per_core", "high_value")
    if any(search[key] is not None for key in limits):
        return False
    if search["passes"] not in (None, [{}]):
        return False
    return len(np.unique(positions, axis=0)) == len(positions)


# --------------------------------------------------------------------------- blocks
# BLOCK_CELLS and IN_MEMORY_CELLS are set, and explained, in seabed.chunks; they are
# importable from here and from seabed.pipeline, where the docs name them.


def block_rows(frame: xr.Dataset) -> list[tuple[int, int]]:
    """The blocks of whole rows the grid is accounted for in, north to south.

    Each block has at most :data:`seabed.chunks.BLOCK_CELLS` cells (read when
    called), and at least one row.

    Examples
    --------
    >>> from seabed.grid import make_grid
    >>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
    >>> block_rows(frame)
    [(0, 10)]
    """
    n_rows, n_cols = frame.sizes["y"], frame.sizes["x"]
    height = max(1, chunks.BLOCK_CELLS // n_cols)
    return [(start, min(start + height, n_rows)) for start in range(0, n_rows, height)]


@dataclass
class _BlockContext:
    """What every block of rows needs, prepared once."""

    config: Config
    inputs: Inputs
    used: pd.DataFrame
    models: GradeModels
    simulation: ConditionalSimulation | None
    slope: xr.DataArray | None
    #: the used cores' positions (metres, the grid's CRS)
    X: np.ndarray
    #: the nearest-neighbour lattice: grid origin (x, y), spacing (dx, dy), step
    lattice: tuple[tuple[float, float], tuple[float, float], int]
    #: the discrete Gaussian model of the SMU grades (uniform conditioning), or None
    change_of_support: DiscreteGaussianModel | None = None
    #: whether the include zones lie within the area of interest, decided once on
    #: the whole grid (:func:`seabed.zones.include_within_area`), so that every
    #: block of rows does the same
    within_area: bool | None = None


@dataclass
class _BlockAccount:
    """The tables of one block of rows: sums, combined over blocks at the end."""

    statement: pd.DataFrame
    excluded: pd.DataFrame
    per_slice: pd.DataFrame
    cumulative: pd.DataFrame
    classes: pd.DataFrame
    zones: pd.DataFrame
    elements: pd.DataFrame
    grade_tonnage: pd.DataFrame
    simulated: SimulatedResource | None
    #: the recoverable statement by uniform conditioning (empty without a model)
    recoverable_uc: pd.DataFrame
    #: the recoverable statement of every realisation (empty without simulation)
    recoverable_realizations: pd.DataFrame
    density: dict[str, Any]
    n_estimated: int
    n_gaps: int
    #: the cells whose negative kriged grades were set to 0 ppm (``predict_grades``)
    negative: dict[str, float]
    #: cells without a value of every covariate: not estimated
    n_no_covariate: int
    zones_overlap: bool
    tiles: dict[str, int]
    #: available area (m2) of the lattice cells nearest to each used core
    nearest_shares: np.ndarray


def _account_block(
    context: _BlockContext,
    grid: xr.Dataset,
    *,
    tile_size: int,
    client: Any,
    progress: bool,
    checkpoint: TileFolder | None,
) -> tuple[_BlockAccount, xr.Dataset]:
    """Estimate, account for and tabulate one block of grid rows."""
    config, inputs = context.config, context.inputs
    grid, n_no_covariate = _with_covariates(grid, inputs.covariates)
    grades, n_gaps = predict_grades(
        context.models,
        grid,
        tile_size=tile_size,
        client=client,
        progress=progress,
        checkpoint=checkpoint,
        workers=config.dask.workers,
    )
    tiles = {"total": grades.attrs["tiles"], "resumed": grades.attrs["tiles_resumed"]}
    negative = {key: grades.attrs[key] for key in _NEGATIVE_KEYS}
    grades.attrs = {}
    dataset = xr.merge([grid, grades], compat="override", join="exact")
    dataset["slice_thickness_m"] = on_grid(
        depth_slices(config, grid, inputs.sediment_thickness), grid
    )
    dataset = mined_window(dataset)

    coverage = zone_coverage(
        grid,
        include=inputs.include,
        exclude=inputs.exclude,
        area=inputs.area,
        within_area=context.within_area,
    )
    rules = rule_fractions(config, grid, inputs.bathymetry, slope=context.slope)
    coverage = _apply_rules(coverage, rules)
    dataset = xr.merge([dataset, coverage], compat="override", join="exact")
    density, density_record = dry_density(config, context.used, dataset)
    dataset = cell_tonnage(
        dataset,
        thickness_m=dataset["thickness_m"],
        dry_density_t_m3=density,
        oxides=config.resource.oxides,
    )
    dataset["resource_class"] = classify(
        config,
        dataset,
        context.models.estimator,
        context.models.variogram,
        positions=context.X,
    )
    dataset["excluded_total_fraction"] = 1.0 - dataset["available_fraction"]
    dataset = _described(on_grid(dataset, grid))
    cutoffs = config.resource.cutoffs_ppm
    per_slice, cumulative = depth_statements(dataset, cutoffs, dry_density_t_m3=density)
    zones, zone_shares, overlap = pd.DataFrame(), None, False
    if inputs.report_zones is not None:
        zone_shares = report_zone_coverage(
            grid,
            inputs.report_zones,
            include=inputs.include,
            exclude=inputs.exclude,
            area=inputs.area,
            within_area=context.within_area,
        )
        zones = statements_by(dataset, cutoffs, zone_shares)
        overlap = bool(zone_shares.attrs["overlapping"])
    simulated = None
    if context.simulation is not None:
        simulated = simulate_resource(
            context.simulation,
            dataset,
            cutoffs,
            thickness_m=dataset["thickness_m"],
            dry_density_t_m3=density,
            fractions=zone_shares,
            depths=True,
            tonnage=tonnage_uncertainty(config, context.used),
            progress=progress,
        )
    recoverable_uc, recoverable_realizations = _recoverable(
        context, dataset, simulated, density
    )
    account = _BlockAccount(
        statement=statement(dataset, cutoffs),
        excluded=exclusion_table(
            dataset,
            coverage,
            thickness_m=dataset["thickness_m"],
            dry_density_t_m3=density,
        ),
        per_slice=per_slice,
        cumulative=cumulative,
        classes=statements_by(
            dataset, cutoffs, class_fractions(dataset.resource_class)
        ),
        zones=zones,
        elements=element_table(
            dataset, cutoffs, annual_demand_t=inputs.annual_demand_t
        ),
        grade_tonnage=grade_tonnage(
            dataset, step_ppm=config.resource.grade_tonnage_step_ppm
        ),
        simulated=simulated,
        recoverable_uc=recoverable_uc,
        recoverable_realizations=recoverable_realizations,
        density=density_record,
        n_estimated=int(dataset["rey_ppm"].notnull().sum()),
        n_gaps=n_gaps,
        negative=negative,
        n_no_covariate=n_no_covariate,
        zones_overlap=overlap,
        tiles=tiles,
        nearest_shares=nearest_neighbour_shares(
            context.X,
            dataset,
            origin=context.lattice[0],
            spacing=context.lattice[1],
            step=context.lattice[2],
        ),
    )
    return account, dataset


def _recoverable(
    context: _BlockContext,
    dataset: xr.Dataset,
    simulated: SimulatedResource | None,
    density: float | xr.DataArray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The block's recoverable statement by uniform conditioning, and per
    realisation of the simulation, at the SMU's support."""
    config = context.config
    cutoffs = config.resource.cutoffs_ppm
    cell = (config.grid.resolution_m,) * 2
    uc = pd.DataFrame()
    if context.change_of_support is not None and "rey_std_ppm" in dataset:
        uc = uc_recoverable(
            context.change_of_support,
            dataset,
            cutoffs,
            cell_m=cell,
            thickness_m=dataset["thickness_m"],
            dry_density_t_m3=density,
        )
    realizations = pd.DataFrame()
    if context.simulation is not None and simulated is not None:
        cell_support = context.simulation.block_size is not None
        if smu_size(config) == cell and cell_support:  # its cells are the SMUs
            realizations = simulated.realizations[
                ["realization", "cutoff_ppm", *QUANTITIES]
            ]
        else:
            realizations = simulate_recoverable(
                context.simulation,
                dataset,
                cutoffs,
                cell_m=cell,
                smu_m=smu_size(config),
                thickness_m=dataset["thickness_m"],
                dry_density_t_m3=density,
            )
    return uc, realizations


def recoverable_table(accounts: list[_BlockAccount]) -> pd.DataFrame:
    """The whole grid's ``recoverable`` rows: the simulation's mean, P10, P50 and
    P90, then the expected figures of uniform conditioning."""
    parts = []
    realizations = [a.recoverable_realizations for a in accounts]
    if len(realizations[0]):
        whole = combine_recoverable(realizations)
        parts.append(summarize_recoverable(whole, "simulation"))
    uc = [a.recoverable_uc for a in accounts]
    if len(uc[0]):
        parts.append(recoverable_rows(combine_tables(uc, ["cutoff_ppm"])))
    if not parts:
        return pd.DataFrame(columns=list(RECOVERABLE_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def tonnage_uncertainty(
    config: Config, used: pd.DataFrame
) -> TonnageUncertainty | None:
    """The density and thickness uncertainty of ``[simulation]`` (None: none)."""
    sources = config.simulation
    if sources is None:
        return None
    values = None
    if sources.density_from_cores:
        column = "dry_density_t_m3"
        found = used[column].dropna() if column in used else pd.Series(dtype=float)
        if len(found) < 2:
            raise InputError(
                "simulation.density_from_cores needs the dry density of at least 2 "
                f"cores; {len(found)} have one",
                path=config.inputs.cores,
                column=column,
                hint="add dry_density_t_m3 to the samples, or give "
                "simulation.density_range_t_m3 instead",
            )
        values = tuple(found.astype(float))
    if (
        sources.density_range_t_m3 is None
        and values is None
        and not (sources.thickness_relative_sd)
    ):
        return None
    return TonnageUncertainty(
        density_range_t_m3=sources.density_range_t_m3,
        density_values_t_m3=values,
        thickness_relative_sd=sources.thickness_relative_sd,
    )


def _combined(accounts: list[_BlockAccount], config: Config) -> dict[str, Any]:
    """The RunResult tables of the whole grid from those of its blocks."""

    def combine(name: str, by: list[str], **options: Any) -> pd.DataFrame:
        tables = [getattr(account, name) for account in accounts]
        if len(tables[0]) == 0:
            return tables[0]
        return combine_tables(tables, by, **options)

    depth = ["top_m", "bottom_m", "cutoff_ppm"]
    whole = combine("statement", ["cutoff_ppm"])
    return {
        "statement": whole,
        "excluded": combine("excluded", ["reason"]),
        "slices": pd.concat(
            [
                combine("per_slice", depth).assign(interval="slice"),
                combine("cumulative", depth).assign(interval="cumulative"),
            ],
            ignore_index=True,
        ),
        "classes": combine("classes", ["class", "cutoff_ppm"]),
        "zones": combine("zones", ["zone", "cutoff_ppm"]),
        "elements": combine(
            "elements",
            ["cutoff_ppm", "element"],
            rey_t=whole.set_index("cutoff_ppm")["rey_t"],
        ),
        "grade_tonnage": combine("grade_tonnage", ["cutoff_ppm"]),
        "recoverable": recoverable_table(accounts),
    }


def _with_covariates(
    grid: xr.Dataset, covariates: dict[str, xr.DataArray]
) -> tuple[xr.Dataset, int]:
    """The block's grid with each covariate sampled at its cell centres, and the
    number of cells lacking a value of one of them (they are not estimated)."""
    if not covariates:
        return grid, 0
    layers = {}
    for name, raster in covariates.items():
        attrs = {"long_name": f"covariate {name} (sampled at the cell centre)"}
        if raster.attrs.get("units"):
            attrs["units"] = str(raster.attrs["units"])
        values = sample_raster(raster, grid["lon"].values, grid["lat"].values)
        layers[name] = (("y", "x"), values, attrs)
    grid = grid.assign(layers)
    missing = np.zeros((grid.sizes["y"], grid.sizes["x"]), dtype=bool)
    for name in covariates:
        missing |= np.isnan(grid[name].values)
    return grid, int(missing.sum())


_NEGATIVE_KEYS = ("negative_cells", "negative_area_m2", "lowest_rey_ppm")


def _negative_grade_doubts(accounts: list[_BlockAccount]) -> list[str]:
    """The doubt when kriging gave negative grades, which the tables count as 0."""
    cells = sum(int(account.negative["negative_cells"]) for account in accounts)
    if not cells:
        return []
    area_km2 = sum(account.negative["negative_area_m2"] for account in accounts) / 1e6
    lowest = np.nanmin(
        [account.negative["lowest_rey_ppm"] for account in accounts] + [np.inf]
    )
    rey = f" (REY as low as {lowest:,.0f} ppm)" if np.isfinite(lowest) else ""
    return [
        f"{cells:,} cell(s) ({area_km2:,.1f} km2) had negative kriged grades{rey}, "
        "set to 0 ppm in the maps and tables: negative kriging weights, from a "
        "smooth variogram, a large sill against the grades or clustered cores, "
        "extrapolate below zero; those cells count with no metal. Check the "
        "variogram (its nugget), or cap the search (estimate.max_per_sector)"
    ]


def _block_notes(accounts: list[_BlockAccount]) -> list[str]:
    notes = []
    lacking = sum(account.n_no_covariate for account in accounts)
    if lacking:
        notes.append(
            f"{lacking} grid cell(s) have no covariate value (outside the covariate "
            "rasters or on their nodata) and are not estimated"
        )
    gaps = sum(account.n_gaps for account in accounts)
    if gaps:
        notes.append(
            f"{gaps} slice estimate(s) were missing (too few cores with that slice "
            "nearby) and take the window grade instead"
        )
    if any(account.zones_overlap for account in accounts):
        notes.append(
            "report zones overlap: their rows count the shared area in each zone, "
            "so they add up to more than the total"
        )
    return notes


def _density_record(
    config: Config, used: pd.DataFrame, accounts: list[_BlockAccount]
) -> dict[str, Any]:
    """Where the density came from, over the whole grid."""
    record = accounts[0].density
    if record["source"] != "cores_kriged":
        return record  # the same in every block
    # the mean kriged density over every estimated cell: the blocks' means,
    # weighted by their estimated cells, put through the same record
    n = sum(account.n_estimated for account in accounts)
    mean = (
        math.fsum(a.density["dry_density_t_m3"] * a.n_estimated for a in accounts) / n
        if n
        else float("nan")
    )
    one_cell = xr.Dataset(
        {"dry_density_t_m3": (("y", "x"), [[mean]]), "rey_ppm": (("y", "x"), [[1.0]])}
    )
    return dry_density(config, used, one_cell)[1]


def _combined_simulation(
    accounts: list[_BlockAccount], maps: xr.Dataset | None
) -> SimulatedResource | None:
    """The simulation of the whole grid; its maps from ``maps`` (the written files,
    opened lazily) when the blocks' maps were not kept."""
    blocks = [a.simulated for a in accounts if a.simulated is not None]
    if not blocks:
        return None
    if maps is None:
        return combine_simulations(blocks)
    placeholder = xr.DataArray(np.nan)  # replaced by the written maps just below
    combined = combine_simulations(
        blocks, probability_above=placeholder, etype_rey_ppm=placeholder
    )
    return _with_simulation_maps(combined, maps)


def _whole(kept: list[xr.Dataset], frame: xr.Dataset) -> xr.Dataset:
    """The blocks' datasets joined into the whole grid's."""
    if len(kept) == 1:
        whole = kept[0]
    else:
        whole = xr.concat(
            kept, dim="y", data_vars="minimal", coords="minimal", compat="override"
        )
    return on_grid(whole, frame)


def _slope_raster(
    config: Config, bathymetry: xr.DataArray | None
) -> xr.DataArray | None:
    """The bathymetry's slope, computed once for every block of rows."""
    if bathymetry is None or config.rules.max_slope_deg is None:
        return None
    return slope_deg(bathymetry)


def _described(dataset: xr.Dataset) -> xr.Dataset:
    """The dataset's variables and coordinates with the CF attributes of
    :mod:`seabed.variables` (in place). Other attributes are kept (an oxide's
    factor, a class's flags), but not a ``standard_name`` the registry does not
    give (tonnages computed from the cell area would otherwise claim to be one)."""
    for name, values in dataset.variables.items():
        try:
            attrs = cf_attrs(str(name))
        except KeyError:  # not an output variable (x, y, lon, lat: the grid's)
            continue
        kept = {k: v for k, v in values.attrs.items() if k != "standard_name"}
        values.attrs = kept | attrs
    return dataset


def _apply_rules(
    coverage: xr.Dataset, rules: list[tuple[str, xr.DataArray]]
) -> xr.Dataset:
    """Fold whole-cell raster rules into the vector zone coverage."""
    if not rules:
        return coverage
    available = coverage["available_fraction"]
    included = coverage["included_fraction"]
    per_reason = [coverage["excluded_fraction"]]
    for reason, excluded in rules:
        available = available * (1 - excluded)
        per_reason.append(
            (included * excluded).expand_dims(reason=[reason]).astype(float)
        )
    merged = coverage.drop_vars(["excluded_fraction", "reason"], errors="ignore")
    merged["available_fraction"] = available.assign_attrs(
        coverage["available_fraction"].attrs
    )
    merged["excluded_fraction"] = xr.concat(per_reason, dim="reason").assign_attrs(
        coverage["excluded_fraction"].attrs
    )
    return merged


def _with_simulation_maps(
    simulated: SimulatedResource, maps: xr.Dataset
) -> SimulatedResource:
    """The simulation's maps read lazily from the written files."""
    cutoffs = [float(c) for c in simulated.summary["cutoff_ppm"].unique()]
    layer = VARIABLES["probability_above"]
    probability = xr.concat(
        [maps[layer.filename(cutoff_ppm=cutoff)] for cutoff in cutoffs],
        dim=pd.Index(cutoffs, name="cutoff_ppm"),
    ).rename(layer.name)
    simulated.probability_above = probability.assign_attrs(layer.attrs())
    simulated.etype_rey_ppm = maps["etype_rey_ppm"]
    return simulated
