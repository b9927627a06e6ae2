"""Estimators from the configuration: the variogram, the kriging of every grade and slice, the dry density."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import xarray as xr
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from seabed.composite import composite_slices
from seabed.config import COVARIATE_METHODS, Config
from seabed.density import wet_conversion_text
from seabed.elements import REY, element_column
from seabed.estimation.review import fit_record, fit_reviewed_variogram
from seabed.estimation.tiles import TileStore, estimate_grid
from seabed.exceptions import ConfigError, InputError
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    RegressionKriging,
    SimpleKriging,
    UniversalKriging,
    Variogram,
    fittable_variogram,
)
from seabed.geostats.change_of_support import DiscreteGaussianModel
from seabed.geostats.declustering import cell_weights
from seabed.geostats.simulation import ConditionalSimulation
from seabed.resource import CLASSES, ClassRule, default_rules
from seabed.variables import cf_attrs

#: Fewest cores a depth slice needs to be estimated on its own.
_MIN_SLICE_CORES = 3

#: The search diagnostics mapped for the window's kriging: layer name (in
#: :mod:`seabed.variables`) -> name in the estimators' ``predict(...,
#: return_diagnostics=True)``.
DIAGNOSTIC_LAYERS = {
    "n_samples": "n_samples",
    "nearest_sample_m": "nearest_distance",
    "mean_sample_distance_m": "mean_distance",
    "n_cores": "n_cores",
    "search_pass": "search_pass",
    "kriging_variance_ppm2": "kriging_variance",
    "slope_of_regression": "slope_of_regression",
    "kriging_efficiency": "kriging_efficiency",
    "negative_weight_sum": "negative_weights",
}


def search_parameters(config: Config) -> dict[str, Any]:
    """The estimators' search parameters from ``[estimate]`` (with its
    ``[[estimate.pass]]`` tables) and the high-value restriction of
    ``[composite]``.

    Examples
    --------
    >>> from seabed.config import Config
    >>> cfg = Config.model_validate({"inputs": {"cores": "c.csv"},
    ...     "estimate": {"pass": [{}, {"max_distance_m": 90000, "min_neighbors": 1}]}})
    >>> search_parameters(cfg)["passes"]
    [{}, {'min_neighbors': 1, 'max_distance': 90000.0}]
    """
    est, window = config.estimate, config.composite
    return {
        "n_neighbors": est.n_neighbors,
        "max_distance": est.max_distance_m,
        "min_neighbors": est.min_neighbors,
        "max_per_sector": est.max_per_sector,
        "max_per_core": est.max_per_core,
        "passes": None
        if est.passes is None
        else [search.search() for search in est.passes],
        "high_value": window.high_value_ppm,
        "high_value_radius": window.high_value_radius_m,
    }


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
    config: Config,
    X: np.ndarray,
    rey: np.ndarray,
    notes: list[str] | None = None,
    record: dict[str, Any] | None = None,
) -> tuple[Any, Variogram | None]:
    """The configured estimator (not yet fitted) and its variogram.

    The doubts about an automatic variogram (:mod:`seabed.estimation.review`) are
    appended to ``notes`` when it is given, and its fit's record (every candidate,
    the choice and why) is put in ``record``.
    """
    est = config.estimate
    search = search_parameters(config)
    if est.method == "idw":
        beyond = [
            name
            for key, name in [
                ("passes", "estimate.pass"),
                ("max_per_core", "estimate.max_per_core"),
                ("high_value", "composite.high_value_ppm"),
            ]
            if search[key] is not None
        ]
        if beyond:
            raise ConfigError(
                f"{', '.join(beyond)}: inverse distance weighting has one search "
                "pass and no limit per core or high-value restriction",
                column="estimate.method",
                hint='use method = "ordinary" or "simple"',
            )
        return (
            InverseDistanceWeighting(
                power=est.idw_power,
                n_neighbors=est.n_neighbors,
                max_distance=est.max_distance_m,
                min_neighbors=est.min_neighbors,
                max_per_sector=est.max_per_sector,
                n_jobs=config.dask.workers,
            ),
            None,
        )
    block = (
        (config.grid.resolution_m, config.grid.resolution_m)
        if est.support == "block"
        else None
    )
    common: dict[str, Any] = {
        "n_neighbors": est.n_neighbors,
        "max_distance": est.max_distance_m,
        "min_neighbors": est.min_neighbors,
        "max_per_sector": est.max_per_sector,
        # the run's cores: [dask] workers bounds the fits and cross-validation too
        "n_jobs": config.dask.workers,
    }
    kind = SimpleKriging if est.method == "simple" else OrdinaryKriging
    if est.variogram == "auto":
        # the candidates are cross-validated with the run's own neighbourhood, on
        # points: the cores are points
        # a classification by distance in ranges, or by the slope of regression
        # (the true grade's variance), needs a model with a sill
        # and so does the simulation (a covariance)
        needs_range = config.simulation is not None or any(
            rule.needs_variogram or rule.min_slope_of_regression is not None
            for rule in class_rules(config).values()
        )
        # with covariates, the variogram of the residuals from their linear trend
        residual = rey - _linear_trend(X[:, 2:], rey) if X.shape[1] > 2 else rey
        with _fitted_from_cores("estimate.variogram", len(rey), _AUTO_HINT):
            variogram, info, doubts = fit_reviewed_variogram(
                X[:, :2], residual, kind(**common), bounded=needs_range
            )
        if notes is not None:
            notes.extend(doubts)
        if record is not None:
            record.update(fit_record(info))
    else:
        variogram = Variogram(**est.variogram.model_dump())
    # the full search (passes, limit per core, high-value restriction) for the run
    common.update(search, variogram=variogram, block_size=block)
    if est.method == "simple":
        return SimpleKriging(mean=None, **common), variogram
    if est.method == "regression":
        return RegressionKriging(LinearRegression(), **common), variogram
    if est.method == "external_drift":
        return UniversalKriging(drift="external", **common), variogram
    return OrdinaryKriging(**common), variogram


def _linear_trend(covariates: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The least-squares fit of ``y`` on the covariates and a constant."""
    return LinearRegression().fit(covariates, y).predict(covariates)


def covariate_names(config: Config) -> list[str]:
    """The covariates the configured method uses (none for ordinary kriging)."""
    if config.estimate.method not in COVARIATE_METHODS:
        return []
    return [covariate.name for covariate in config.inputs.covariates]


def features(config: Config, used: pd.DataFrame, X: np.ndarray) -> np.ndarray:
    """What the estimator is fitted on: the positions, then the covariates' values
    at the cores (columns ``covariate_<name>``) when the method uses them."""
    names = [f"covariate_{name}" for name in covariate_names(config)]
    return np.column_stack([X, used[names].to_numpy(dtype=float)]) if names else X


def _grade_attrs(columns: list[str]) -> dict[str, dict[str, str]]:
    """CF attributes of the estimated grades (and density), from the registry."""
    return {name: cf_attrs(name) for name in [*columns, "rey_std_ppm"]}


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


def class_rules(config: Config) -> dict[str, ClassRule]:
    """The classification rules of a run: each class's configured table, else its
    default rule (:func:`seabed.resource.default_rules`, for this estimator) unless
    ``classification.defaults`` is false; classes with neither are left out."""
    method = config.estimate.method
    defaults = (
        default_rules(
            has_variogram=method != "idw", slope_meaningful=method != "simple"
        )
        if config.classification.defaults
        else {}
    )
    rules = {}
    for name in CLASSES:
        rule = getattr(config.classification, name)
        if rule is not None:
            rules[name] = ClassRule(**rule.model_dump())
        elif name in defaults:
            rules[name] = defaults[name]
    return rules


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
    #: doubts about the automatic variogram (:mod:`seabed.estimation.review`)
    doubts: list[str] = field(default_factory=list)
    #: the automatic variogram fit's record (empty for a given variogram)
    variogram_fit: dict[str, Any] = field(default_factory=dict)
    #: the covariates the estimators take after the positions (grid variables)
    covariates: list[str] = field(default_factory=list)
    #: what the window's estimator was fitted on: positions, then covariates
    features: np.ndarray | None = None


def fit_grades(
    config: Config, used: pd.DataFrame, slices: pd.DataFrame, X: np.ndarray
) -> GradeModels:
    """Fit the variogram once, on the window composites, and every estimator."""
    columns = grade_columns(used)
    if config.resource.density == "cores_kriged":
        columns.append("dry_density_t_m3")
    notes: list[str] = []
    doubts: list[str] = []
    fit: dict[str, Any] = {}
    X = features(config, used, X)
    estimator, variogram = make_estimator(
        config, X, used["rey_ppm"].to_numpy(), doubts, fit
    )
    complete = [label for label in slices if slices[label].notna().all()]
    Y = np.column_stack(
        [used[columns].to_numpy(dtype=float), slices[complete].to_numpy(dtype=float)]
    )
    core_ids = used.index.to_numpy()
    _fit(estimator, X, Y, core_ids)
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
        own = _fit(
            clone(estimator),
            X[mask],
            rest.loc[mask, labels].to_numpy(float),
            core_ids[mask],
        )
        partial.append((own, [_slice_variable(label) for label in labels]))
    return GradeModels(
        estimator=estimator,
        variogram=variogram,
        outputs=[*columns, *(_slice_variable(label) for label in complete)],
        partial=partial,
        labels=list(slices),
        columns=columns,
        notes=notes,
        doubts=doubts,
        variogram_fit=fit,
        covariates=covariate_names(config),
        features=X,
    )


def _fit(estimator: Any, X: np.ndarray, Y: np.ndarray, cores: np.ndarray) -> Any:
    """Fit an estimator, telling the kriging estimators each sample's core (for
    ``max_per_core`` and the count of cores in the diagnostics)."""
    if isinstance(estimator, InverseDistanceWeighting):
        return estimator.fit(X, Y)
    return estimator.fit(X, Y, groups=cores)


def predict_grades(
    models: GradeModels,
    grid: xr.Dataset,
    *,
    tile_size: int,
    client: Any,
    progress: bool,
    checkpoint: TileStore | None = None,
    workers: int | None = None,
) -> tuple[xr.Dataset, int]:
    """The window's grades and every slice's REY grade on (a block of) the grid.

    Returns
    -------
    dataset, n_gaps
        The grades (``slice_rey_ppm`` is ``(slice, y, x)``; ``attrs`` counts the
        ``tiles`` and the ``tiles_resumed`` of every fit, and the
        ``negative_cells`` whose negative kriged grades were set to 0 ppm, with
        the ``lowest_rey_ppm`` among them), and the number of slice estimates that
        were missing and took the window's grade.
    """
    common = {
        "tile_size": tile_size,
        "scheduler": client,
        "progress": progress,
        "checkpoint": checkpoint,
        "workers": workers,
    }
    kriged = models.variogram is not None
    common["covariates"] = models.covariates
    grades = estimate_grid(
        models.estimator,
        grid,
        outputs=models.outputs,
        std_name="rey_std_ppm" if kriged else None,
        attrs=_grade_attrs(models.columns),
        diagnostics=DIAGNOSTIC_LAYERS if kriged else None,
        **common,
    )
    if kriged:
        grades = _masked_diagnostics(grades)
    # tiles estimated, and read back from an interrupted run, over every fit
    tiles = {key: grades.attrs[key] for key in ("tiles", "tiles_resumed")}
    for own, outputs in models.partial:
        slice_grades = estimate_grid(own, grid, outputs=outputs, **common)
        for key in tiles:
            tiles[key] += slice_grades.attrs[key]
        grades = grades.merge(slice_grades, combine_attrs="drop")
    grades, n_gaps = _stack_slices(grades, models.labels)
    names = [*grade_columns(grades), "slice_rey_ppm"]
    grades.attrs = tiles | _zero_negative_grades(grades, names, grid["cell_area_m2"])
    return grades, n_gaps


def _zero_negative_grades(
    grades: xr.Dataset, names: list[str], cell_area_m2: xr.DataArray
) -> dict[str, Any]:
    """Negative kriged grades (negative weights on a smooth variogram or clustered
    cores) set to 0 ppm in place: a grade is never negative, and a negative one
    would drop its cell out of every statement, cut-off 0 included. Returns what
    was changed: ``negative_cells`` (cells with any grade below 0), their
    ``negative_area_m2`` and ``lowest_rey_ppm`` (the window's lowest REY
    estimate, NaN if none was negative)."""
    negative = np.zeros(grades["rey_ppm"].shape, dtype=bool)
    for name in names:
        values = grades[name].values
        below = values < 0
        if below.any():
            negative |= below if below.ndim == 2 else below.any(axis=0)
    lowest = grades["rey_ppm"].values[negative]
    lowest_rey = float(lowest.min()) if lowest.size and lowest.min() < 0 else np.nan
    if negative.any():
        for name in names:
            np.maximum(grades[name].values, 0.0, out=grades[name].values)
    area = cell_area_m2.transpose(*grades["rey_ppm"].dims).values
    return {
        "negative_cells": int(negative.sum()),
        "negative_area_m2": float(area[negative].sum()),
        "lowest_rey_ppm": lowest_rey,
    }


def _masked_diagnostics(grades: xr.Dataset) -> xr.Dataset:
    """The diagnostics with their registry attributes, NaN where no pass estimated
    the cell (``search_pass`` 0 there)."""
    estimated = grades["search_pass"] > 0
    for name in DIAGNOSTIC_LAYERS:
        values = (
            grades[name] if name == "search_pass" else grades[name].where(estimated)
        )
        grades[name] = values.assign_attrs(cf_attrs(name))
    return grades


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
    # filled in place: ``where`` would make a second copy of every slice
    np.copyto(stacked.values, window.values, where=gaps.values)
    grades = grades.drop_vars(names, errors="ignore")
    grades["slice_rey_ppm"] = stacked.assign_attrs(cf_attrs("slice_rey_ppm"))
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
    grid = dataset["dry_density_t_m3"].assign_attrs(cf_attrs("dry_density_t_m3"))
    mean = float(grid.where(dataset["rey_ppm"].notnull()).mean())
    text = (
        f"kriged from the {len(cores)} cores' dry densities (same weights as the "
        f"grade), {mean:.4g} t/m3 on average over the estimated cells{how}"
    )
    record = {"source": "cores_kriged", "dry_density_t_m3": mean, "text": text}
    return grid, record | basis


def fit_simulation(
    config: Config, used: pd.DataFrame, X: np.ndarray
) -> ConditionalSimulation | None:
    """The conditional simulation of the REY grade, fitted (None without one).

    Its normal-score transform takes the cores' cell-declustering weights
    (:func:`declustering_weights`), so that clustered, re-cored sites do not pull
    the simulated distribution towards their grades.
    """
    if config.simulation is None:
        return None
    y = used["rey_ppm"].to_numpy(dtype=float)
    est = config.estimate
    block = (config.grid.resolution_m,) * 2 if est.support == "block" else None
    sources = config.simulation
    with _fitted_from_cores("simulation", len(y), _SIMULATION_HINT):
        return ConditionalSimulation(
            histogram_uncertainty=sources.histogram_uncertainty,
            variogram_uncertainty=sources.variogram_uncertainty,
            realizations_per_variogram=sources.realizations_per_variogram,
            grade_relative_sd=sources.grade_relative_sd,
            n_realizations=sources.realizations,
            random_state=sources.seed,
            n_neighbors=est.n_neighbors,
            max_distance=est.max_distance_m,
            block_size=block,
            n_jobs=config.dask.workers,
        ).fit(X, y, sample_weight=declustering_weights(X))


_AUTO_HINT = (
    'give a model in [estimate] variogram, e.g. { model = "spherical", '
    "psill = 40000, range = 30000 }"
)
_SIMULATION_HINT = "add cores, or leave out the [simulation] section"


def check_fittable_variograms(
    config: Config, used: pd.DataFrame, X: np.ndarray
) -> None:
    """Refuse cores that cannot give the run's automatic variograms (the
    estimate's ``"auto"``, the simulation's normal scores), before the run reads
    its grids: too few cores, or too few lag bins holding pairs of them."""
    rey = used["rey_ppm"].to_numpy(dtype=float)
    if config.estimate.method != "idw" and config.estimate.variogram == "auto":
        with _fitted_from_cores("estimate.variogram", len(rey), _AUTO_HINT):
            fittable_variogram(X[:, :2], rey)
    if config.simulation is not None:
        with _fitted_from_cores("simulation", len(rey), _SIMULATION_HINT):
            fittable_variogram(X[:, :2], rey)


@contextmanager
def _fitted_from_cores(key: str, n_cores: int, hint: str) -> Iterator[None]:
    """A variogram that the cores cannot give (too few of them, too few pairs at
    each lag) refused under the configuration's ``key``, not the fit's own
    parameter names."""
    try:
        yield
    except InputError as error:
        raise ConfigError(
            f"the variogram cannot be fitted from the {n_cores} cores: {error.message}",
            column=key,
            hint=hint,
        ) from None


def smu_size(config: Config) -> tuple[float, float]:
    """The selective mining unit (east, north), metres: ``resource.smu_m`` or the
    cell."""
    smu = config.resource.smu_m
    if smu is None:
        return (config.grid.resolution_m, config.grid.resolution_m)
    if isinstance(smu, tuple):
        return (float(smu[0]), float(smu[1]))
    return (float(smu), float(smu))


def fit_change_of_support(
    config: Config, used: pd.DataFrame, X: np.ndarray, variogram: Variogram | None
) -> DiscreteGaussianModel | None:
    """The discrete Gaussian model of the SMU's REY grade (None without a variogram
    with a sill: uniform conditioning needs the kriging variance and a covariance).

    Its Hermite anamorphosis takes the cores' cell-declustering weights, as the
    simulation's normal-score transform does.
    """
    if variogram is None or not variogram.bounded:
        return None  # the SMU's variance needs a covariance: a sill
    y = used["rey_ppm"].to_numpy(dtype=float)
    return DiscreteGaussianModel(variogram, smu_size(config)).fit(
        y, sample_weight=declustering_weights(X)
    )


def declustering_weights(X: np.ndarray) -> np.ndarray:
    """Cell-declustering weights for cells of the cores' nominal spacing.

    The spacing is ``sqrt(extent area / number of cores)``: the side of the
    square each core would have on a regular survey. The cell size is not the one
    that minimises the declustered mean (the default of
    :func:`~seabed.geostats.declustering.cell_declustering`): choosing it from the
    grades biases the mean low whenever the re-cored sites are not richer than
    the rest, by 2-3 % on the calibration study's truths (``docs/validation.md``),
    which pushed the truth above the simulated P90 too often. The grades are not
    used at all.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [9000.0, 9000.0], [9000.0, 0.0],
    ...               [0.0, 9000.0]])
    >>> declustering_weights(X).round(3).tolist()  # the close pair shares a cell
    [0.125, 0.125, 0.25, 0.25, 0.25]
    """
    extent = np.ptp(np.asarray(X, dtype=float), axis=0)
    spacing = math.sqrt(max(float(extent[0] * extent[1]), 1.0) / len(X))
    return cell_weights(X, spacing)
