"""The whole run, from input files to the resource statement and the files written.

:func:`run` drives the stages of the data flow (``docs/concepts.md``)::

    inputs -> composites -> grid -> variogram + kriging -> tiles -> zones -> tonnage -> files

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

import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import xarray as xr

from seabed import datasets
from seabed.composite import composite_cores
from seabed.config import Config, check_config, load_config, read_toml
from seabed.elements import REY, element_column, oxide_factors
from seabed.estimate import estimate_grid
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.exclusions import zone_coverage
from seabed.export import write_cog, write_csv, write_json
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    SimpleKriging,
    Variogram,
    auto_variogram,
)
from seabed.grid import bounds_from_points, make_grid
from seabed.io import load_bathymetry, load_cores, load_raster, load_zones
from seabed.provenance import provenance
from seabed.resource import cell_tonnage, exclusion_table, statement
from seabed.rules import depth_rule, slope_rule

__all__ = [
    "RunResult",
    "demo_config",
    "load_config",
    "run",
    "validate",
]

#: Resource classes and their codes in ``class.tif``.
CLASS_CODES = {"unclassified": 0, "measured": 1, "indicated": 2, "inferred": 3}


@dataclass
class Inputs:
    """Every input of a run, read and checked."""

    samples: pd.DataFrame
    bathymetry: xr.DataArray | None
    sediment_thickness: xr.DataArray | None
    include: list[gpd.GeoDataFrame]
    exclude: list[tuple[str, gpd.GeoDataFrame]]
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


# --------------------------------------------------------------------------- config
def demo_config(out_dir: str | Path = "seabed-demo") -> Config:
    """The configuration of ``seabed demo``: the Takaya et al. (2018) box.

    Bundled synthetic cores (``data/demo_cores.csv``), real ETOPO1 bathymetry and
    GlobSed sediment thickness, the approximate EEZ as an include zone and the study
    box of Takaya et al. (2018) as the reporting area.
    """
    data = {
        "inputs": {
            "cores": str(datasets.demo_cores_path()),
            "bathymetry": str(datasets.bathymetry_path()),
            "sediment_thickness": str(datasets.sediment_thickness_path()),
            "include": [
                {"path": str(datasets.eez_path()), "layer": "eez_approx"},
                {"path": str(datasets.takaya_box_path())},
            ],
        },
        "grid": {"resolution_m": 500.0, "bounds": list(datasets.TAKAYA_BOX)},
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
        reason = zone.reason or Path(zone.path).stem
        exclude.append((reason, _load_zone(zone)))
        files[f"exclude[{i}]"] = zone.path
    return Inputs(samples, bathymetry, sediment, include, exclude, files)


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
        )
    notes = []
    short = composites.index[~composites["reaches_bottom"]].tolist()
    usable = composites["rey_ppm"].notna()
    if short:
        action = "left out" if window.incomplete_cores == "exclude" else "kept"
        notes.append(
            f"{len(short)} core(s) do not reach {window.bottom_m:g} mbsf and were "
            f"{action}: {', '.join(map(str, short))}"
        )
        if window.incomplete_cores == "exclude":
            usable &= composites["reaches_bottom"]
    used = composites[usable]
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
    """The estimation grid: config bounds, or the cores' extent plus a margin."""
    bounds = config.grid.bounds
    if bounds is None:
        bounds = bounds_from_points(
            composites["lon"].to_numpy(),
            composites["lat"].to_numpy(),
            config.grid.margin_m,
        )
    return make_grid(bounds, config.grid.resolution_m, crs=config.grid.crs)


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


def window_thickness(
    config: Config, grid: xr.Dataset, sediment: xr.DataArray | None
) -> xr.DataArray:
    """Thickness of the mined window per cell, capped where sediment is thinner."""
    window = config.composite
    full = window.bottom_m - window.top_m
    thickness = xr.full_like(grid["cell_area_m2"], full)
    if sediment is not None:
        from seabed.rules import sample_on_grid

        sediment_m = sample_on_grid(sediment, grid)
        thickness = (sediment_m - window.top_m).clip(0.0, full).fillna(full)
    thickness.attrs = {"units": "m", "long_name": "thickness of the depth window"}
    return thickness


def rule_fractions(
    config: Config, grid: xr.Dataset, bathymetry: xr.DataArray | None
) -> list[tuple[str, xr.DataArray]]:
    """Cells excluded by raster rules (1 excluded, 0 kept), with their reasons."""
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
                slope_rule(grid, bathymetry, rules.max_slope_deg),
            )
        )
    return found


def classify(dataset: xr.Dataset) -> xr.DataArray:
    """Resource class per cell: every estimated, available cell is Inferred.

    With cores tens of kilometres apart, no REY-mud estimate supports more than an
    Inferred resource (see ``docs/resource.md``); configurable Measured and Indicated
    rules come with the classification module.
    """
    estimated = dataset["rey_ppm"].notnull() & (dataset["available_fraction"] > 0)
    codes = xr.where(estimated, CLASS_CODES["inferred"], CLASS_CODES["unclassified"])
    codes = codes.astype(np.uint8)
    codes.attrs = {
        "long_name": "resource class",
        "flag_values": list(CLASS_CODES.values()),
        "flag_meanings": " ".join(CLASS_CODES),
    }
    return codes


# --------------------------------------------------------------------------- run
def run(
    config: Config,
    *,
    out_dir: str | Path | None = None,
    tile_size: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> RunResult:
    """Run the whole pipeline and write its files.

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

    Returns
    -------
    RunResult
    """
    out = Path(out_dir) if out_dir is not None else config.output.dir
    tile = tile_size or config.dask.tile_size
    address = scheduler or config.dask.scheduler
    notes: list[str] = []
    if config.simulation is not None:
        notes.append(
            "[simulation] was given but conditional simulation is not available in "
            "this version: the statement has no P10/P50/P90"
        )

    inputs = read_inputs(config)
    used, composites, composite_notes = select_composites(config, inputs.samples)
    notes.extend(composite_notes)
    grid = build_grid(config, used)
    X = project(used, grid.rio.crs)
    columns = grade_columns(used)
    Y = used[columns].to_numpy(dtype=float)
    estimator, variogram = make_estimator(config, X, Y[:, 0])
    estimator.fit(X, Y)

    with _client(address) as client:
        grades = estimate_grid(
            estimator,
            grid,
            outputs=columns,
            std_name=None if variogram is None else "rey_std_ppm",
            attrs=_grade_attrs(columns),
            tile_size=tile,
            scheduler=client,
            progress=progress,
        )
    dataset = xr.merge([grid, grades], compat="override", join="exact")

    coverage = zone_coverage(grid, include=inputs.include, exclude=inputs.exclude)
    coverage = _apply_rules(coverage, rule_fractions(config, grid, inputs.bathymetry))
    dataset = xr.merge([dataset, coverage], compat="override", join="exact")
    thickness = window_thickness(config, grid, inputs.sediment_thickness)
    dataset["thickness_m"] = thickness
    density = config.resource.dry_density_t_m3
    dataset = cell_tonnage(dataset, thickness_m=thickness, dry_density_t_m3=density)
    dataset["resource_class"] = classify(dataset)
    table = statement(dataset, config.resource.cutoffs_ppm)
    excluded = exclusion_table(
        dataset, coverage, thickness_m=thickness, dry_density_t_m3=density
    )
    if config.estimate.support == "point" and config.estimate.method != "idw":
        notes.append("grades are point estimates at cell centres, not block averages")
    notes.append(
        "not JORC / NI 43-101 compliant: a Competent Person has not signed this estimate"
    )

    record = provenance(
        config=config.to_dict(),
        inputs=inputs.files,
        extra={
            "variogram": None if variogram is None else variogram.to_dict(),
            "estimator": repr(estimator),
            "tile_size": tile,
            "scheduler": address or "local threads",
            "crs": grid.rio.crs.to_string(),
        },
    )
    dataset.attrs["provenance"] = record
    result = RunResult(
        config=config,
        out_dir=out,
        dataset=dataset,
        statement=table,
        excluded=excluded,
        composites=composites,
        variogram=variogram,
        provenance=record,
        notes=notes,
    )
    result.files = write_outputs(result, out)
    return result


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
    "excluded_fraction": "excluded_fraction",
    "class": "resource_class",
}


def write_outputs(result: RunResult, out_dir: Path) -> list[Path]:
    """Write every output file; all appear together or none do."""
    dataset = result.dataset
    tags = {"SEABED_PROVENANCE": result.provenance}
    total_excluded = (1.0 - dataset["available_fraction"]).assign_attrs(
        units="1", long_name="fraction of the cell excluded (any reason)"
    )
    layers = dict(dataset.data_vars) | {"excluded_fraction": total_excluded}
    with _staging(out_dir) as staging:
        for filename, variable in COG_LAYERS.items():
            if variable not in layers:
                continue  # e.g. no standard deviation for IDW
            da = layers[variable].rio.write_crs(dataset.rio.crs)
            write_cog(
                da,
                staging / f"{filename}.tif",
                tags=tags,
                description=da.attrs.get("long_name", filename),
                units=da.attrs.get("units"),
            )
        write_json(resource_document(result), staging / "resource.json")
        write_csv(result.statement, staging / "resource.csv")
        return _publish(staging, out_dir)


def resource_document(result: RunResult) -> dict[str, Any]:
    """The content of ``resource.json``."""
    config = result.config
    factors = oxide_factors(config.resource.oxides)
    return {
        "statement": result.statement.to_dict(orient="records"),
        "excluded": result.excluded.to_dict(orient="records"),
        "assumptions": {
            "window_mbsf": [config.composite.top_m, config.composite.bottom_m],
            "dry_density_t_m3": config.resource.dry_density_t_m3,
            "cutoffs_apply_to": "estimated block grade (rey_ppm)",
            "support": config.estimate.support,
            "oxide_factors": factors,
            "crs": result.dataset.rio.crs.to_string(),
            "resolution_m": config.grid.resolution_m,
        },
        "variogram": None if result.variogram is None else result.variogram.to_dict(),
        "cores": {
            "n_total": len(result.composites),
            "n_used": int(result.composites["rey_ppm"].notna().sum()),
            "not_reaching_window_bottom": result.composites.index[
                ~result.composites["reaches_bottom"]
            ].tolist(),
        },
        "notes": result.notes,
        "provenance": result.provenance,
    }


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".seabed-staging-", dir=out_dir))
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


def _publish(staging: Path, out_dir: Path) -> list[Path]:
    published = []
    for path in sorted(staging.iterdir()):
        target = out_dir / path.name
        path.replace(target)  # atomic within one file system
        published.append(target)
    return published
