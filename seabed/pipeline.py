"""The whole run, from input files to the resource statement and the files written.

:func:`run` drives the stages of the data flow (``docs/concepts.md``)::

    inputs -> composites (window, slices) -> grid -> variogram + kriging -> tiles
           -> zones and rules -> density -> tonnage -> classes -> statements -> files

Every input is read and checked before anything is computed or written, and the output
files are written into a staging folder that is moved into place only when the whole
run has succeeded, so a failed run never leaves half its files behind.

Examples
--------
>>> from seabed import pipeline
>>> config = pipeline.demo_config()
>>> config.grid.resolution_m
500.0
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask.array
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rioxarray
import xarray as xr
from sklearn.base import clone

from seabed import datasets
from seabed.classify import (
    CLASSES,
    ClassRule,
    class_fractions,
    classify_cells,
    practical_range,
)
from seabed.composite import composite_cores, composite_slices, slice_edges
from seabed.config import Config, check_config, load_config, read_toml
from seabed.density import wet_conversion_text
from seabed.elements import DEFAULT_OXIDES, REY, element_column, oxide_factors
from seabed.estimate import estimate_grid
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.exclusions import load_report_zones, report_zone_coverage, zone_coverage
from seabed.export import PROVENANCE_TAG, CogBuilder, write_csv, write_json
from seabed.figures import plot_grade_tonnage
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    SimpleKriging,
    Variogram,
    auto_variogram,
)
from seabed.geostats.simulation import ConditionalSimulation
from seabed.grid import bounds_from_points, grid_rows, make_grid
from seabed.io import load_bathymetry, load_cores, load_raster, load_zones
from seabed.preflight import check_footprint, check_output_folder, estimate_footprint
from seabed.provenance import provenance
from seabed.report import write_report
from seabed.resource import (
    cell_tonnage,
    combine_tables,
    depth_statements,
    element_table,
    exclusion_table,
    grade_tonnage,
    mined_window,
    read_demand_table,
    slice_thickness,
    statement,
    statements_by,
)
from seabed.rules import depth_rule, sample_on_grid, slope_deg, slope_rule
from seabed.uncertainty import (
    SimulatedResource,
    combine_simulations,
    simulate_resource,
)

__all__ = [
    "BLOCK_CELLS",
    "IN_MEMORY_CELLS",
    "RunResult",
    "block_rows",
    "demo_config",
    "load_config",
    "run",
    "validate",
]

#: Fewest cores a depth slice needs to be estimated on its own.
_MIN_SLICE_CORES = 3
#: Folder of the output folder where finished tiles wait until the run succeeds.
TILES_FOLDER = ".seabed-tiles"


@dataclass
class Inputs:
    """Every input of a run, read and checked."""

    samples: pd.DataFrame
    bathymetry: xr.DataArray | None
    sediment_thickness: xr.DataArray | None
    include: list[gpd.GeoDataFrame]
    exclude: list[tuple[str, gpd.GeoDataFrame]]
    report_zones: gpd.GeoDataFrame | None
    annual_demand_t: dict[str, float]
    files: dict[str, Path]


@dataclass
class RunResult:
    """What a run produced (also written to ``out_dir``)."""

    config: Config
    out_dir: Path
    dataset: xr.Dataset
    statement: pd.DataFrame
    excluded: pd.DataFrame
    composites: pd.DataFrame
    variogram: Variogram | None
    provenance: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: per 1 m slice (``interval = "slice"``) and from the top to each target depth
    #: (``"cumulative"``), at every cut-off
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per resource class (measured, indicated, inferred, unclassified)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per report zone, then outside them (empty without ``inputs.report_zones``)
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes of every element and oxide, years of demand (empty without elements)
    elements: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: tonnes and mean grade over a continuous range of cut-offs
    grade_tonnage: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: how the figures were made (window, density, oxides, support, classes ...)
    assumptions: dict[str, Any] = field(default_factory=dict)
    #: tiles estimated (``total``) and read back from an interrupted run (``resumed``)
    tiles: dict[str, int] = field(default_factory=dict)
    #: P10/P50/P90 from conditional simulation (None without ``[simulation]``)
    simulation: SimulatedResource | None = None


# --------------------------------------------------------------------------- config
#: The demo's illustrative zones (``data/make_demo_zones.py`` makes them).
DEMO_ZONES = "minamitorishima_demo_zones.gpkg"


def demo_config(out_dir: str | Path = "seabed-demo") -> Config:
    """The configuration of ``seabed demo``: the Takaya et al. (2018) box.

    Bundled synthetic cores (``data/demo_cores.csv``), real ETOPO1 bathymetry and
    GlobSed sediment thickness, the approximate EEZ and the study box of Takaya et al.
    (2018) as include zones, the topographic highs of the ETOPO1 grid (shallower
    than 5,500 m) grown by 5 km as an illustrative exclusion, a 7 degree slope rule,
    and statements per square of the box (A1 ... D6, illustrative).
    """
    zones = str(datasets.data_dir() / DEMO_ZONES)
    data = {
        "inputs": {
            "cores": str(datasets.demo_cores_path()),
            "bathymetry": str(datasets.bathymetry_path()),
            "sediment_thickness": str(datasets.sediment_thickness_path()),
            "include": [
                {"path": str(datasets.eez_path()), "layer": datasets.EEZ_LAYER},
                {"path": str(datasets.takaya_box_path())},
            ],
            "exclude": [
                {"path": zones, "layer": "topographic_highs", "buffer_m": 5000.0}
            ],
            "report_zones": {"path": zones, "layer": "takaya2018_squares"},
        },
        "grid": {"resolution_m": 500.0, "bounds": list(datasets.TAKAYA_BOX)},
        "rules": {"max_slope_deg": 7.0},
        "output": {"dir": str(out_dir)},
    }
    return Config.model_validate(data).resolve_paths(Path.cwd())


def validate(path: str | Path) -> list[InputError]:
    """Every problem found in a configuration file and its inputs (empty if none)."""
    path = Path(path).resolve()
    try:
        data = read_toml(path)
    except InputError as error:
        return [error]
    problems: list[InputError] = list(check_config(data, path))
    if problems:
        return problems
    config = load_config(path)
    problems.extend(_input_problems(config))
    return problems


def _input_problems(config: Config) -> list[InputError]:
    problems: list[InputError] = []
    for step in (
        lambda: load_cores(config.inputs.cores, columns=config.columns),
        lambda: config.inputs.bathymetry and load_bathymetry(config.inputs.bathymetry),
        lambda: (
            config.inputs.sediment_thickness
            and load_raster(config.inputs.sediment_thickness)
        ),
        *(lambda z=z: _load_zone(z) for z in config.inputs.include),
        *(lambda z=z: _load_zone(z) for z in config.inputs.exclude),
        lambda: _load_report_zones(config),
        lambda: _annual_demand(config),
        lambda: _check_rules_need_bathymetry(config),
    ):
        try:
            step()
        except InputError as error:
            problems.append(error)
    return problems


# --------------------------------------------------------------------------- inputs
def _load_zone(zone: Any) -> gpd.GeoDataFrame:
    return load_zones(
        zone.path, layer=zone.layer, reason=zone.reason, buffer_m=zone.buffer_m
    )


def _load_report_zones(config: Config) -> gpd.GeoDataFrame | None:
    zones = config.inputs.report_zones
    if zones is None:
        return None
    return load_report_zones(
        zones.path, layer=zones.layer, name_column=zones.name_column
    )


def _annual_demand(config: Config) -> dict[str, float]:
    demand = config.resource.annual_demand_t
    if isinstance(demand, Path):
        return read_demand_table(demand)
    return dict(demand or {})


def _check_rules_need_bathymetry(config: Config) -> None:
    rules = config.rules
    if config.inputs.bathymetry is None and (
        rules.max_slope_deg is not None or rules.depth_window_m is not None
    ):
        raise ConfigError(
            "slope and water-depth rules need a bathymetry grid",
            path=config.source,
            column="inputs.bathymetry",
            hint="give inputs.bathymetry or remove the [rules] keys",
        )


def read_inputs(config: Config) -> Inputs:
    """Read and check every input file of a configuration."""
    _check_rules_need_bathymetry(config)
    files: dict[str, Path] = {"cores": config.inputs.cores}
    samples = load_cores(config.inputs.cores, columns=config.columns)
    bathymetry = sediment = None
    if config.inputs.bathymetry is not None:
        bathymetry = load_bathymetry(config.inputs.bathymetry)
        files["bathymetry"] = config.inputs.bathymetry
    if config.inputs.sediment_thickness is not None:
        sediment = load_raster(config.inputs.sediment_thickness)
        files["sediment_thickness"] = config.inputs.sediment_thickness
    include = []
    for i, zone in enumerate(config.inputs.include):
        include.append(_load_zone(zone))
        files[f"include[{i}]"] = zone.path
    exclude = []
    for i, zone in enumerate(config.inputs.exclude):
        # the reason given, else the file's ``reason`` column, else the layer name
        for reason, zones in _load_zone(zone).groupby("reason", sort=False):
            exclude.append((str(reason), zones))
        files[f"exclude[{i}]"] = zone.path
    report_zones = _load_report_zones(config)
    if config.inputs.report_zones is not None:
        files["report_zones"] = config.inputs.report_zones.path
    if isinstance(config.resource.annual_demand_t, Path):
        files["annual_demand_t"] = config.resource.annual_demand_t
    return Inputs(
        samples,
        bathymetry,
        sediment,
        include,
        exclude,
        report_zones,
        _annual_demand(config),
        files,
    )


# --------------------------------------------------------------------------- stages
def select_composites(
    config: Config, samples: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Composite the window; return (used, all composites, notes)."""
    window = config.composite
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)  # reported in notes instead
        composites = composite_cores(
            samples,
            top_m=window.top_m,
            bottom_m=window.bottom_m,
            oxides=config.resource.oxides,
            pore_water_salinity=config.resource.pore_water_salinity,
        )
    notes = []
    short = composites.index[~composites["reaches_bottom"]].tolist()
    if short:
        action = "left out" if window.incomplete_cores == "exclude" else "kept"
        notes.append(
            f"{len(short)} core(s) do not reach {window.bottom_m:g} mbsf and were "
            f"{action}: {', '.join(map(str, short))}"
        )
    used = composites[_used(config, composites)]
    if len(used) < 3:
        raise InputError(
            f"only {len(used)} core(s) have a complete composite over "
            f"{window.top_m:g}-{window.bottom_m:g} mbsf; at least 3 are needed",
            path=config.inputs.cores,
            hint="add cores, shorten the window, or set "
            "composite.incomplete_cores = 'include'",
        )
    return used, composites, notes


def build_grid(config: Config, composites: pd.DataFrame) -> xr.Dataset:
    """The estimation grid's frame: config bounds, or the cores' extent plus a margin.

    Only the 1-D coordinates, CRS and transform: :func:`seabed.grid.grid_rows` makes
    each block of rows.
    """
    bounds = config.grid.bounds
    if bounds is None:
        bounds = bounds_from_points(
            composites["lon"].to_numpy(),
            composites["lat"].to_numpy(),
            config.grid.margin_m,
        )
    return make_grid(
        bounds, config.grid.resolution_m, crs=config.grid.crs, frame_only=True
    )


def grade_columns(composites: pd.DataFrame) -> list[str]:
    """The grades to estimate: REY first (it drives the variogram), TREO, elements."""
    elements = [element_column(el) for el in REY]
    present = [c for c in elements if c in composites]
    return ["rey_ppm", "treo_ppm", *present]


def project(
    composites: pd.DataFrame, crs: pyproj.CRS
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Composite positions as (n, 2) coordinates in the grid's CRS."""
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_grid.transform(composites["lon"].to_numpy(), composites["lat"].to_numpy())
    return np.column_stack([x, y])


def make_estimator(
    config: Config, X: np.ndarray, rey: np.ndarray
) -> tuple[Any, Variogram | None]:
    """The configured estimator (not yet fitted) and its variogram."""
    est = config.estimate
    if est.method == "idw":
        return (
            InverseDistanceWeighting(
                power=est.idw_power,
                n_neighbors=est.n_neighbors,
                max_distance=est.max_distance_m,
                min_neighbors=est.min_neighbors,
                max_per_sector=est.max_per_sector,
            ),
            None,
        )
    if est.variogram == "auto":
        variogram = auto_variogram(X, rey)
    else:
        variogram = Variogram(**est.variogram.model_dump())
    block = (
        (config.grid.resolution_m, config.grid.resolution_m)
        if est.support == "block"
        else None
    )
    common: dict[str, Any] = {
        "variogram": variogram,
        "n_neighbors": est.n_neighbors,
        "max_distance": est.max_distance_m,
        "min_neighbors": est.min_neighbors,
        "max_per_sector": est.max_per_sector,
        "block_size": block,
    }
    if est.method == "simple":
        return SimpleKriging(mean=None, **common), variogram
    return OrdinaryKriging(**common), variogram


def _grade_attrs(columns: list[str]) -> dict[str, dict[str, str]]:
    attrs = {
        "rey_ppm": {"units": "ppm", "long_name": "total REY grade (dry weight)"},
        "treo_ppm": {"units": "ppm", "long_name": "total REY oxide grade (dry weight)"},
        "rey_std_ppm": {
            "units": "ppm",
            "long_name": "kriging standard deviation of the total REY grade",
        },
    }
    for column in columns:
        if column not in attrs:
            element = column.removesuffix("_ppm")
            attrs[column] = {"units": "ppm", "long_name": f"{element} grade"}
    return attrs


def slice_composites(
    config: Config, samples: pd.DataFrame, cores: pd.Index
) -> pd.DataFrame:
    """REY grade of each core (rows, in ``cores`` order) in each slice (columns).

    NaN where a core has no sample in a slice (it stops short, or a gap).
    """
    window = config.composite
    long = composite_slices(
        samples,
        top_m=window.top_m,
        bottom_m=window.bottom_m,
        slice_m=window.slice_m,
        oxides=config.resource.oxides,
    )
    long["slice"] = [
        f"{a:g}-{b:g}" for a, b in zip(long["slice_top_m"], long["slice_bottom_m"])
    ]
    wide = long.pivot(index="core_id", columns="slice", values="rey_ppm")
    labels = list(dict.fromkeys(long["slice"]))
    return wide.loc[cores, labels]


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

    ``slope`` is the bathymetry's slope (:func:`seabed.rules.slope_deg`), when
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


@dataclass
class GradeModels:
    """The fitted estimators of a run: the window's, and those of partial slices.

    Kriging weights depend only on positions and the variogram, so the slices whose
    grade every core has ride along as extra outputs of the window's fit; a slice
    some cores lack (short cores, gaps) gets its own fit, with the same variogram,
    on the cores that have it.
    """

    estimator: Any
    variogram: Variogram | None
    outputs: list[str]
    #: (estimator, outputs) of each group of slices that some cores lack
    partial: list[tuple[Any, list[str]]]
    labels: list[str]
    columns: list[str]
    notes: list[str]


def fit_grades(
    config: Config, used: pd.DataFrame, slices: pd.DataFrame, X: np.ndarray
) -> GradeModels:
    """Fit the variogram once, on the window composites, and every estimator."""
    columns = grade_columns(used)
    if config.resource.density == "cores_kriged":
        columns.append("dry_density_t_m3")
    estimator, variogram = make_estimator(config, X, used["rey_ppm"].to_numpy())
    complete = [label for label in slices if slices[label].notna().all()]
    Y = np.column_stack(
        [used[columns].to_numpy(dtype=float), slices[complete].to_numpy(dtype=float)]
    )
    estimator.fit(X, Y)
    notes = []
    partial = []
    rest = slices.drop(columns=complete)
    for cores, labels in _slices_by_cores(rest).items():
        mask = np.array(cores)
        if mask.sum() < _MIN_SLICE_CORES:
            notes.append(
                f"slice(s) {', '.join(labels)} mbsf: only {mask.sum()} core(s) have "
                "a grade; the window grade stands in for them"
            )
            continue
        own = clone(estimator).fit(X[mask], rest.loc[mask, labels].to_numpy(float))
        partial.append((own, [_slice_variable(label) for label in labels]))
    return GradeModels(
        estimator=estimator,
        variogram=variogram,
        outputs=[*columns, *(_slice_variable(label) for label in complete)],
        partial=partial,
        labels=list(slices),
        columns=columns,
        notes=notes,
    )


def predict_grades(
    models: GradeModels,
    grid: xr.Dataset,
    *,
    tile_size: int,
    client: Any,
    progress: bool,
    checkpoint: Path | None = None,
    workers: int | None = None,
) -> tuple[xr.Dataset, int]:
    """The window's grades and every slice's REY grade on (a block of) the grid.

    Returns
    -------
    dataset, n_gaps
        The grades (``slice_rey_ppm`` is ``(slice, y, x)``; ``attrs`` counts the
        ``tiles`` and the ``tiles_resumed`` of every fit), and the number of slice
        estimates that were missing and took the window's grade.
    """
    common = {
        "tile_size": tile_size,
        "scheduler": client,
        "progress": progress,
        "checkpoint": checkpoint,
        "workers": workers,
    }
    grades = estimate_grid(
        models.estimator,
        grid,
        outputs=models.outputs,
        std_name=None if models.variogram is None else "rey_std_ppm",
        attrs=_grade_attrs(models.columns),
        **common,
    )
    # tiles estimated, and read back from an interrupted run, over every fit
    tiles = {key: grades.attrs[key] for key in ("tiles", "tiles_resumed")}
    for own, outputs in models.partial:
        slice_grades = estimate_grid(own, grid, outputs=outputs, **common)
        for key in tiles:
            tiles[key] += slice_grades.attrs[key]
        grades = grades.merge(slice_grades, combine_attrs="drop")
    grades, n_gaps = _stack_slices(grades, models.labels)
    grades.attrs = tiles
    return grades, n_gaps


def _stack_slices(grades: xr.Dataset, labels: list[str]) -> tuple[xr.Dataset, int]:
    """Gather the slice grades into ``slice_rey_ppm`` (slice, y, x), gaps filled.

    A slice a cell has no estimate for (too few cores with it nearby) takes the
    window's grade, so that the slices still make up the window.
    """
    window = grades["rey_ppm"]
    names = [_slice_variable(label) for label in labels]
    per_slice = [
        grades[name] if name in grades else xr.full_like(window, np.nan)
        for name in names
    ]
    stacked = xr.concat(per_slice, dim="slice").assign_coords(slice=labels)
    gaps = stacked.isnull() & window.notnull()
    grades = grades.drop_vars(names, errors="ignore")
    grades["slice_rey_ppm"] = stacked.where(~gaps, window).assign_attrs(
        units="ppm", long_name="total REY grade of the depth slice"
    )
    return grades, int(gaps.sum())


def _slice_variable(label: str) -> str:
    return f"rey_ppm_slice_{label}"


def _slices_by_cores(slices: pd.DataFrame) -> dict[tuple[bool, ...], list[str]]:
    """Slices grouped by which cores have them, so that each group is fitted once."""
    groups: dict[tuple[bool, ...], list[str]] = {}
    for label in slices:
        groups.setdefault(tuple(slices[label].notna()), []).append(label)
    return groups


def core_densities(config: Config, used: pd.DataFrame) -> pd.Series | None:
    """The cores' dry densities when the density comes from them, checked."""
    if config.resource.density == "constant":
        return None
    column = "dry_density_t_m3"
    values = used[column] if column in used else pd.Series(np.nan, index=used.index)
    missing = values.index[values.isna()].tolist()
    if missing:
        raise InputError(
            f"resource.density = {config.resource.density!r} needs every core's dry "
            f"density; {len(missing)} core(s) have none: "
            + ", ".join(map(str, missing[:10])),
            path=config.inputs.cores,
            column=column,
            hint="add dry_density_t_m3 (or wet_density_t_m3 and water_content) "
            "to the samples, or use a constant density",
        )
    return values


def dry_density(
    config: Config, used: pd.DataFrame, dataset: xr.Dataset
) -> tuple[float | xr.DataArray, dict[str, Any]]:
    """The dry bulk density of the tonnage, and a record of where it came from."""
    resource = config.resource
    salinity = resource.pore_water_salinity
    if resource.density == "constant":
        value = resource.constant_dry_density_t_m3
        record = {"source": "constant", "dry_density_t_m3": value}
        if resource.wet_density_t_m3 is None:
            return value, record | {"text": f"constant {value:g} t/m3"}
        text = (
            f"constant {value:.4g} t/m3 from wet {resource.wet_density_t_m3:g} t/m3 "
            f"and water content {resource.water_content:g}: "
            + wet_conversion_text(salinity)
        )
        return value, record | {"pore_water_salinity": salinity, "text": text}
    cores = core_densities(config, used)
    assert cores is not None  # checked before the estimate
    # samples of the used cores, in the window, whose dry density came from wet
    per_core = used.attrs.get("dry_from_wet_samples", {})
    derived = sum(per_core.get(core, 0) for core in used.index)
    basis = {"samples_dry_from_wet": derived, "pore_water_salinity": salinity}
    how = (
        f" ({derived} sample(s) from wet density and water content: "
        f"{wet_conversion_text(salinity)})"
        if derived
        else ""
    )
    if resource.density == "cores_mean":
        value = float(cores.mean())
        text = f"mean of the {len(cores)} cores' dry densities, {value:.4g} t/m3{how}"
        record = {"source": "cores_mean", "dry_density_t_m3": value, "text": text}
        return value, record | basis
    grid = dataset["dry_density_t_m3"].assign_attrs(
        units="t m-3", long_name="dry bulk density (kriged from the cores)"
    )
    mean = float(grid.where(dataset["rey_ppm"].notnull()).mean())
    text = (
        f"kriged from the {len(cores)} cores' dry densities (same weights as the "
        f"grade), {mean:.4g} t/m3 on average over the estimated cells{how}"
    )
    record = {"source": "cores_kriged", "dry_density_t_m3": mean, "text": text}
    return grid, record | basis


def class_rules(config: Config) -> dict[str, ClassRule]:
    """The configured classification rules (classes without one are left out)."""
    rules = {}
    for name in CLASSES:
        rule = getattr(config.classification, name)
        if rule is not None:
            rules[name] = ClassRule(**rule.model_dump())
    return rules


def classify(
    config: Config, dataset: xr.Dataset, estimator: Any, variogram: Variogram | None
) -> xr.DataArray:
    """Resource class per cell by the configured rules (default: all Inferred)."""
    return classify_cells(
        dataset,
        estimator.X_,
        rules=class_rules(config),
        variogram=variogram,
        n_neighbors=config.estimate.n_neighbors,
        max_distance=config.estimate.max_distance_m,
        n_sectors=config.classification.sectors,
        estimator=estimator,
    )


# --------------------------------------------------------------------------- run
def run(
    config: Config,
    *,
    out_dir: str | Path | None = None,
    tile_size: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    keep_cells: bool | None = None,
) -> RunResult:
    """Run the whole pipeline and write its files.

    The grid is estimated and accounted for in blocks of whole rows
    (:data:`BLOCK_CELLS` cells each), whose tables are added up at the end and
    whose maps are written as they finish, so the memory of a run is bounded by a
    block, not by the grid.

    Parameters
    ----------
    config : Config
        A validated configuration (:func:`load_config` or :func:`demo_config`).
    out_dir : path, optional
        Output folder; defaults to the configuration's ``output.dir``.
    tile_size : int, optional
        Cells per tile side; defaults to the configuration's ``dask.tile_size``.
    scheduler : str, optional
        Address of a dask.distributed scheduler; defaults to the configuration's, and
        to local threads when neither is given.
    progress : bool
        Show progress bars.
    keep_cells : bool, optional
        Keep every variable of every cell in ``RunResult.dataset`` (True), or only
        the written maps, opened lazily from the output folder (False). Default:
        keep them for grids of at most :data:`IN_MEMORY_CELLS` cells.

    Returns
    -------
    RunResult
    """
    with _errors_name(config.source):
        return _run(
            config,
            out_dir=out_dir,
            tile_size=tile_size,
            scheduler=scheduler,
            progress=progress,
            keep_cells=keep_cells,
        )


def _run(
    config: Config,
    *,
    out_dir: str | Path | None,
    tile_size: int | None,
    scheduler: str | None,
    progress: bool,
    keep_cells: bool | None,
) -> RunResult:
    out = Path(out_dir) if out_dir is not None else config.output.dir
    tile = tile_size or config.dask.tile_size
    address = scheduler or config.dask.scheduler
    check_output_folder(out)  # before the long part, not after it
    notes: list[str] = []

    inputs = read_inputs(config)
    used, composites, composite_notes = select_composites(config, inputs.samples)
    notes.extend(composite_notes)
    core_densities(config, used)  # fail before the long part if they are missing
    slices = slice_composites(config, inputs.samples, used.index)
    frame = build_grid(config, used)
    n_cells = frame.sizes["y"] * frame.sizes["x"]
    keep = n_cells <= IN_MEMORY_CELLS if keep_cells is None else keep_cells
    blocks = block_rows(frame)
    in_flight = _blocks_in_flight(config, local=address is None, n_blocks=len(blocks))
    preflight(
        config,
        frame,
        slices,
        tile_size=tile,
        local=address is None,
        out_dir=out,
        held_rows=None if keep else in_flight * (blocks[0][1] - blocks[0][0]),
    )
    X = project(used, frame.rio.crs)
    checkpoint = out / TILES_FOLDER if config.dask.resume else None
    models = fit_grades(config, used, slices, X)
    notes.extend(models.notes)
    simulation = fit_simulation(config, used, X)
    record = provenance(
        config=config.to_dict(),
        inputs=inputs.files,
        extra={
            "variogram": None
            if models.variogram is None
            else models.variogram.to_dict(),
            "estimator": repr(models.estimator),
            "tile_size": tile,
            "scheduler": address or "local threads",
            "crs": frame.rio.crs.to_string(),
            "simulation_seed": None if simulation is None else simulation.seed,
        },
    )
    context = _BlockContext(
        config=config,
        inputs=inputs,
        used=used,
        models=models,
        simulation=simulation,
        slope=_slope_raster(config, inputs.bathymetry),
    )
    single = len(blocks) == 1  # then the inner steps show their own progress
    accounts: list[_BlockAccount] = []
    kept: list[xr.Dataset] = []
    with (
        _client(address) as client,
        _staging(out) as staging,
        ThreadPoolExecutor(in_flight) as pool,
    ):
        maps = _MapWriter(staging, frame, {PROVENANCE_TAG: record})

        def account(rows: tuple[int, int]) -> tuple[_BlockAccount, xr.Dataset]:
            return _account_block(
                context,
                grid_rows(frame, *rows),
                tile_size=tile,
                client=client,
                progress=progress and single,
                checkpoint=checkpoint,
            )

        # blocks run side by side, but are taken (and written) in their order
        done = pool.map(account, blocks)
        for (start, _), (block, cells) in zip(
            blocks,
            _progress_over(done, len(blocks), progress and not single),
            strict=True,
        ):
            maps.write(cells, block.simulated, row=start)
            accounts.append(block)
            if keep:
                kept.append(cells)
            del cells
            _return_freed_memory()
        map_files = maps.close()
        tables = _combined(accounts, config)
        density_record = _density_record(config, used, accounts)
        notes.extend(_block_notes(accounts))
        notes.append(f"dry density: {density_record['text']}")
        if config.estimate.support == "point" and config.estimate.method != "idw":
            notes.append(
                "grades are point estimates at cell centres, not block averages"
            )
        notes.append(
            "not JORC / NI 43-101 compliant: a Competent Person has not signed this "
            "estimate"
        )
        dataset = _whole(kept, frame) if keep else _opened(map_files, frame)
        dataset.attrs["provenance"] = record
        simulated = _combined_simulation(accounts, None if keep else dataset)
        result = RunResult(
            config=config,
            out_dir=out,
            dataset=dataset,
            composites=composites,
            variogram=models.variogram,
            provenance=record,
            notes=notes,
            assumptions=assumptions(config, frame, density_record, models.variogram),
            simulation=simulated,
            **tables,
        )
        result.tiles = {
            key: sum(a.tiles[key] for a in accounts) for key in ("total", "resumed")
        }
        result.files = write_outputs(result, staging, out)
    if not keep:  # the maps now live in the output folder
        result.dataset = _opened([out / p.name for p in map_files], frame)
        result.dataset.attrs["provenance"] = record
        if result.simulation is not None:
            result.simulation = _with_simulation_maps(result.simulation, result.dataset)
    if checkpoint is not None:  # done: nothing left to resume
        shutil.rmtree(checkpoint, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- blocks
#: Cells of one block of grid rows accounted for at a time (memory: about 1.3 KB
#: per cell). It depends on the grid's width only, never on tiles or workers, so the
#: blocks, and the sums over them, are the same for every tile size and cluster.
BLOCK_CELLS = 2**19
#: Grids up to this many cells keep every variable of every cell in
#: ``RunResult.dataset``; larger ones keep only the written maps, opened lazily.
IN_MEMORY_CELLS = 2**22


def block_rows(frame: xr.Dataset) -> list[tuple[int, int]]:
    """The blocks of whole rows the grid is accounted for in, north to south.

    Examples
    --------
    >>> from seabed.grid import make_grid
    >>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
    >>> block_rows(frame)
    [(0, 10)]
    """
    n_rows, n_cols = frame.sizes["y"], frame.sizes["x"]
    height = max(1, BLOCK_CELLS // n_cols)
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
    density: dict[str, Any]
    n_estimated: int
    n_gaps: int
    zones_overlap: bool
    tiles: dict[str, int]


def _account_block(
    context: _BlockContext,
    grid: xr.Dataset,
    *,
    tile_size: int,
    client: Any,
    progress: bool,
    checkpoint: Path | None,
) -> tuple[_BlockAccount, xr.Dataset]:
    """Estimate, account for and tabulate one block of grid rows."""
    config, inputs = context.config, context.inputs
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
    grades.attrs = {}
    dataset = xr.merge([grid, grades], compat="override", join="exact")
    dataset["slice_thickness_m"] = depth_slices(config, grid, inputs.sediment_thickness)
    dataset = mined_window(dataset)

    coverage = zone_coverage(grid, include=inputs.include, exclude=inputs.exclude)
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
        config, dataset, context.models.estimator, context.models.variogram
    )
    cutoffs = config.resource.cutoffs_ppm
    per_slice, cumulative = depth_statements(dataset, cutoffs, dry_density_t_m3=density)
    zones, zone_shares, overlap = pd.DataFrame(), None, False
    if inputs.report_zones is not None:
        zone_shares = report_zone_coverage(
            grid, inputs.report_zones, include=inputs.include, exclude=inputs.exclude
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
            progress=progress,
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
        density=density_record,
        n_estimated=int(dataset["rey_ppm"].notnull().sum()),
        n_gaps=n_gaps,
        zones_overlap=overlap,
        tiles=tiles,
    )
    return account, dataset


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
    }


def _block_notes(accounts: list[_BlockAccount]) -> list[str]:
    notes = []
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
    whole.rio.write_crs(frame.rio.crs, inplace=True)  # in place: no copy
    return whole.rio.write_transform(frame.rio.transform(), inplace=True)


def _progress_over(done: Iterator[Any], total: int, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield from done
        return
    from tqdm.auto import tqdm

    yield from tqdm(done, total=total, desc="blocks of rows", unit="block")


def _return_freed_memory() -> None:
    """Hand the heap's freed pages back to the system after a block (glibc keeps
    them per thread otherwise, and the resident memory creeps up block by block)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _blocks_in_flight(config: Config, *, local: bool, n_blocks: int) -> int:
    """Blocks of rows worked on at once: one per core (the accounting runs in this
    process), or two beside a cluster's workers, which compute the tiles."""
    workers = config.dask.workers or os.cpu_count() or 1
    return max(1, min(n_blocks, workers if local else 2))


def preflight(
    config: Config,
    grid: xr.Dataset,
    slices: pd.DataFrame,
    *,
    tile_size: int,
    local: bool,
    out_dir: Path,
    held_rows: int | None = None,
) -> None:
    """Refuse a run whose grids cannot fit in this machine's memory or disk.

    ``held_rows``: rows of the grid held in memory at once (a block), or None for
    the whole grid.
    """
    n_rows, n_cols = grid.sizes["y"], grid.sizes["x"]
    n_outputs = len(REY) + 2 + slices.shape[1] + 1  # grades, slices, deviation
    n_neighbors = config.estimate.n_neighbors or len(slices)
    footprint = estimate_footprint(
        n_rows,
        n_cols,
        tile_size=tile_size,
        n_neighbors=n_neighbors,
        n_outputs=n_outputs,
        # on a cluster the tiles are computed by the workers, not here
        n_workers=(os.cpu_count() or 1) if local else 0,
        keeps_tiles=config.dask.resume,
        held_rows=held_rows,
    )
    check_footprint(footprint, out_dir)


@contextmanager
def _errors_name(source: Path | None) -> Iterator[None]:
    """Name the configuration file in errors raised without a file.

    A key checked deep in the run (a CRS, a variogram that cannot be fitted) names
    the key but not the file it came from: that is the configuration.
    """
    try:
        yield
    except InputError as error:
        if error.path is not None or source is None:
            raise
        raise type(error)(
            error.message,
            path=source,
            row=error.row,
            column=error.column,
            hint=error.hint,
        ) from error


def fit_simulation(
    config: Config, used: pd.DataFrame, X: np.ndarray
) -> ConditionalSimulation | None:
    """The conditional simulation of the REY grade, fitted (None without one)."""
    if config.simulation is None:
        return None
    est = config.estimate
    block = (config.grid.resolution_m,) * 2 if est.support == "block" else None
    return ConditionalSimulation(
        n_realizations=config.simulation.realizations,
        seed=config.simulation.seed,
        n_neighbors=est.n_neighbors,
        max_distance=est.max_distance_m,
        block_size=block,
        n_jobs=-1,
    ).fit(X, used["rey_ppm"].to_numpy())


def _slope_raster(
    config: Config, bathymetry: xr.DataArray | None
) -> xr.DataArray | None:
    """The bathymetry's slope, computed once for every block of rows."""
    if bathymetry is None or config.rules.max_slope_deg is None:
        return None
    return slope_deg(bathymetry)


def assumptions(
    config: Config,
    dataset: xr.Dataset,
    density: dict[str, Any],
    variogram: Variogram | None,
) -> dict[str, Any]:
    """How the figures were made, for ``resource.json`` and reports."""
    window = config.composite
    forms = dict(DEFAULT_OXIDES) | dict(config.resource.oxides)
    return {
        "window_mbsf": [window.top_m, window.bottom_m],
        "slice_m": window.slice_m,
        "window_capped_by_sediment": config.inputs.sediment_thickness is not None,
        "dry_density_t_m3": density["dry_density_t_m3"],
        "density": density,
        "cutoffs_apply_to": "estimated block grade (rey_ppm) of what is reported: "
        "the window, a slice, or the window's top to a target depth",
        "support": config.estimate.support,
        "oxides": forms,
        "oxide_factors": oxide_factors(config.resource.oxides),
        "crs": dataset.rio.crs.to_string(),
        "resolution_m": config.grid.resolution_m,
        "classification": {
            "rules": {
                name: rule.as_dict() for name, rule in class_rules(config).items()
            },
            "sectors": config.classification.sectors,
            "practical_range_m": None
            if variogram is None
            else practical_range(variogram),
        },
    }


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


@contextmanager
def _client(address: str | None) -> Iterator[Any]:
    if address is None:
        yield None
        return
    from distributed import Client

    try:
        client = Client(address, timeout="10s")
    except OSError as error:
        raise ConfigError(
            f"cannot reach the dask scheduler at {address} ({error})",
            column="dask.scheduler",
            hint="check the address, or leave it out to run locally",
        ) from None
    try:
        yield client
    finally:
        client.close()


# --------------------------------------------------------------------------- files
COG_LAYERS = {
    "rey_ppm": "rey_ppm",
    "rey_std_ppm": "rey_std_ppm",
    "treo_ppm": "treo_ppm",
    "treo_t_per_km2": "treo_t_per_km2",
    "thickness_m": "thickness_m",
    "excluded_fraction": "excluded_fraction",
    "class": "resource_class",
}

#: Tables written as CSV, by file name: the RunResult attribute holding each.
CSV_TABLES = {
    "resource.csv": "statement",
    "resource_slices.csv": "slices",
    "resource_classes.csv": "classes",
    "resource_zones.csv": "zones",
    "resource_elements.csv": "elements",
    "grade_tonnage.csv": "grade_tonnage",
}


def write_outputs(result: RunResult, staging: Path, out_dir: Path) -> list[Path]:
    """Write the tables, the report and the figures beside the maps in ``staging``,
    then move everything into ``out_dir``: all files appear together or none do."""
    tags = {PROVENANCE_TAG: result.provenance}
    if result.simulation is not None:
        write_csv(result.simulation.summary, staging / "resource_simulation.csv")
        if len(result.simulation.slices):
            write_csv(
                result.simulation.slices, staging / "resource_simulation_slices.csv"
            )
        if len(result.simulation.zones):
            write_csv(
                result.simulation.zones, staging / "resource_simulation_zones.csv"
            )
    write_json(resource_document(result), staging / "resource.json")
    for filename, attribute in CSV_TABLES.items():
        table = getattr(result, attribute)
        if len(table):  # no zones or no elements: no file
            write_csv(table, staging / filename)
    if len(result.grade_tonnage):
        from matplotlib.figure import Figure

        # a figure outside pyplot: nothing is left open in a notebook's session
        figure = Figure(figsize=(6.4, 4.2), layout="constrained")
        plot_grade_tonnage(
            result.grade_tonnage,
            cutoffs_ppm=result.config.resource.cutoffs_ppm,
            ax=figure.add_subplot(),
        )
        figure.savefig(staging / "grade_tonnage.png", dpi=120, metadata=_png(tags))
    write_report(result, staging / "report.html", quicklooks=True)
    return _publish(staging, out_dir)


class _MapWriter:
    """The run's GeoTIFF maps, written block of rows by block of rows."""

    def __init__(self, folder: Path, frame: xr.Dataset, tags: dict[str, Any]):
        self.folder, self.frame, self.tags = folder, frame, tags
        self.builders: dict[str, CogBuilder] = {}

    def write(
        self, cells: xr.Dataset, simulated: SimulatedResource | None, *, row: int
    ) -> None:
        for filename, da in _map_layers(cells, simulated).items():
            if filename not in self.builders:
                self.builders[filename] = CogBuilder(
                    self.folder / f"{filename}.tif",
                    shape=(self.frame.sizes["y"], self.frame.sizes["x"]),
                    crs=self.frame.rio.crs,
                    transform=self.frame.rio.transform(),
                    tags=self.tags,
                    description=da.attrs.get("long_name", filename),
                    units=str(da.attrs.get("units", "")),
                )
            self.builders[filename].write(da.rio.write_crs(self.frame.rio.crs), row=row)

    def close(self) -> list[Path]:
        try:
            return [builder.close() for builder in self.builders.values()]
        finally:
            for builder in self.builders.values():
                builder.discard()


def _map_layers(
    cells: xr.Dataset, simulated: SimulatedResource | None
) -> dict[str, xr.DataArray]:
    """The maps of one block, by file name (without ``.tif``)."""
    total_excluded = (1.0 - cells["available_fraction"]).assign_attrs(
        units="1", long_name="fraction of the cell excluded (any reason)"
    )
    variables = dict(cells.data_vars) | {"excluded_fraction": total_excluded}
    layers = {
        filename: variables[variable]
        for filename, variable in COG_LAYERS.items()
        if variable in variables  # e.g. no standard deviation for IDW
    }
    if simulated is not None:
        layers["rey_etype_ppm"] = simulated.etype_rey_ppm
        probability = simulated.probability_above
        for cutoff in probability.cutoff_ppm.values:
            layers[f"probability_above_{cutoff:g}ppm"] = probability.sel(
                cutoff_ppm=cutoff, drop=True
            ).assign_attrs(
                probability.attrs,
                long_name=f"probability that the REY block grade is >= {cutoff:g} ppm",
            )
    return layers


def _opened(files: list[Path], frame: xr.Dataset) -> xr.Dataset:
    """The written maps as one lazily read dataset on the grid (bounded memory)."""
    variables = {}
    for path in files:
        variable = COG_LAYERS.get(path.stem, path.stem)
        band = rioxarray.open_rasterio(
            path, chunks={"band": 1, "y": 1024, "x": 1024}, masked=True
        )
        assert isinstance(band, xr.DataArray)  # one file, one band
        layer = band.squeeze("band", drop=True)
        layer = layer.assign_coords(x=frame["x"].values, y=frame["y"].values)
        variables[variable] = layer.assign_attrs(
            units=layer.attrs.get("units", ""),
            long_name=layer.attrs.get("long_name", variable),
        )
    dataset = xr.Dataset(variables).assign_coords(_lazy_lon_lat(frame))
    if "excluded_fraction" in dataset:
        dataset["available_fraction"] = (
            1.0 - dataset["excluded_fraction"]
        ).assign_attrs(
            units="1", long_name="fraction of the cell available (not excluded)"
        )
    return dataset.rio.write_crs(frame.rio.crs).rio.write_transform(
        frame.rio.transform()
    )


def _lazy_lon_lat(frame: xr.Dataset) -> dict[str, xr.DataArray]:
    """2-D ``lon`` and ``lat`` of the cell centres, computed when read."""
    crs = frame.rio.crs
    y = dask.array.from_array(frame["y"].to_numpy(), chunks=1024)
    x = dask.array.from_array(frame["x"].to_numpy(), chunks=1024)
    yy, xx = dask.array.meshgrid(y, x, indexing="ij")

    def degrees(xs: np.ndarray, ys: np.ndarray, index: int) -> np.ndarray:
        to_lon_lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        return np.asarray(to_lon_lat.transform(xs, ys)[index])

    coords = {}
    for index, name in enumerate(("lon", "lat")):
        values = dask.array.map_blocks(degrees, xx, yy, index, dtype=float)
        coords[name] = xr.DataArray(
            values,
            dims=("y", "x"),
            attrs={"units": f"degrees_{'east' if name == 'lon' else 'north'}"},
        )
    return coords


def _with_simulation_maps(
    simulated: SimulatedResource, maps: xr.Dataset
) -> SimulatedResource:
    """The simulation's maps read lazily from the written files."""
    cutoffs = [float(c) for c in simulated.summary["cutoff_ppm"].unique()]
    probability = xr.concat(
        [maps[f"probability_above_{cutoff:g}ppm"] for cutoff in cutoffs],
        dim=pd.Index(cutoffs, name="cutoff_ppm"),
    ).rename("probability_above")
    simulated.probability_above = probability
    simulated.etype_rey_ppm = maps["rey_etype_ppm"]
    return simulated


def _png(tags: dict[str, Any]) -> dict[str, str]:
    """PNG text chunks carrying the provenance."""
    return {"Software": "seabed", "Comment": json.dumps(tags, default=str)}


def resource_document(result: RunResult) -> dict[str, Any]:
    """The content of ``resource.json``."""
    composites = result.composites
    slices = result.slices
    return {
        "statement": result.statement.to_dict(orient="records"),
        "excluded": result.excluded.to_dict(orient="records"),
        "slices": _records(slices[slices["interval"] == "slice"]),
        "cumulative": _records(slices[slices["interval"] == "cumulative"]),
        "classes": _records(result.classes),
        "zones": _records(result.zones),
        "elements": _records(result.elements),
        "assumptions": result.assumptions,
        "variogram": None if result.variogram is None else result.variogram.to_dict(),
        "cores": {
            "n_total": len(composites),
            "n_used": int(_used(result.config, composites).sum()),
            "not_reaching_window_bottom": composites.index[
                ~composites["reaches_bottom"]
            ].tolist(),
        },
        "files": {"grade_tonnage": "grade_tonnage.csv"},
        "notes": result.notes,
        "provenance": result.provenance,
        "simulation": None
        if result.simulation is None
        else result.simulation.to_dict(),
    }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.drop(columns="interval", errors="ignore").to_dict(orient="records")


def _used(config: Config, composites: pd.DataFrame) -> pd.Series:
    """Which composites the estimate used (as :func:`select_composites` chose)."""
    usable = composites["rey_ppm"].notna()
    if config.composite.incomplete_cores == "exclude":
        usable &= composites["reaches_bottom"]
    return usable


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A hidden folder in ``out_dir`` that the files are written into, then moved
    out of; a run killed midway leaves it behind, and the next run removes it."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_staging(out_dir)
        staging = Path(
            tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=out_dir)
        )
    except OSError as error:
        raise InputError(
            f"cannot write the output folder ({error.strerror})",
            path=out_dir,
            hint="choose another folder with --out or output.dir",
        ) from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_STAGING_PREFIX = ".seabed-staging-"


def _remove_abandoned_staging(out_dir: Path) -> None:
    """Remove the staging folders of runs that were killed (their process is gone)."""
    for folder in out_dir.glob(f"{_STAGING_PREFIX}*"):
        pid = folder.name.removeprefix(_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not _is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _publish(staging: Path, out_dir: Path) -> list[Path]:
    published = []
    for path in sorted(staging.iterdir()):
        target = out_dir / path.name
        path.replace(target)  # atomic within one file system
        published.append(target)
    return published
