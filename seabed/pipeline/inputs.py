"""A run's inputs: read and checked before anything is computed, and validated for ``seabed validate``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import xarray as xr
from scipy.spatial import cKDTree

from seabed.composite import (
    apply_top_cut,
    composite_cores,
    used_composites,
)
from seabed.config import (
    Config,
    CovariateConfig,
)
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.grid import bounds_from_points, make_grid, wrap_lon
from seabed.io import (
    POSITION_TOLERANCE_DEG,
    load_bathymetry,
    load_cores,
    load_raster,
    load_zones,
    sample_raster,
)
from seabed.resource import (
    read_demand_table,
    smu_layout,
)
from seabed.schedulers import scheduler_from_file
from seabed.zones import (
    bounds_area,
    geodesic_area_km2,
    load_report_zones,
)

__all__ = [
    "Inputs",
    "input_problems",
    "read_inputs",
]


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
    #: the area of interest, every entry a constraint (``[grid] bounds``, ``area``)
    area: list[gpd.GeoSeries | gpd.GeoDataFrame] = field(default_factory=list)
    #: what the area of interest is and its geodesic area (None without one)
    area_record: dict[str, Any] | None = None
    #: the covariate grids, by name (``inputs.covariates``)
    covariates: dict[str, xr.DataArray] = field(default_factory=dict)

    def rasters(self) -> dict[str, xr.DataArray]:
        """Every raster input, by its configuration key."""
        found = {
            "inputs.bathymetry": self.bathymetry,
            "inputs.sediment_thickness": self.sediment_thickness,
        }
        found.update({f"inputs.covariates.{k}": v for k, v in self.covariates.items()})
        return {key: raster for key, raster in found.items() if raster is not None}


def input_problems(config: Config) -> list[InputError]:
    """The problems of every input file of a configuration, each file read alone
    (empty if none): ``seabed validate`` lists them all at once."""
    problems: list[InputError] = []
    for step in (
        lambda: _load_cores(config),
        lambda: config.inputs.bathymetry and load_bathymetry(config.inputs.bathymetry),
        lambda: (
            config.inputs.sediment_thickness
            and load_raster(config.inputs.sediment_thickness)
        ),
        *(
            lambda i=i, z=z: _load_zone(z, f"inputs.include[{i}]")
            for i, z in enumerate(config.inputs.include)
        ),
        *(
            lambda i=i, z=z: _load_zone(z, f"inputs.exclude[{i}]")
            for i, z in enumerate(config.inputs.exclude)
        ),
        lambda: _area_of_interest(config),
        lambda: _load_report_zones(config),
        lambda: _annual_demand(config),
        lambda: _check_rules_need_bathymetry(config),
        lambda: (
            config.dask.scheduler_file
            and scheduler_from_file(config.dask.scheduler_file)
        ),
        lambda: smu_layout(config.grid.resolution_m, config.resource.smu_m),
        *(lambda c=c: _load_covariate(c) for c in config.inputs.covariates),
    ):
        try:
            step()
        except InputError as error:
            problems.append(error)
    return problems


# --------------------------------------------------------------------------- inputs
def _load_cores(config: Config) -> pd.DataFrame:
    return load_cores(
        config.inputs.cores,
        columns=config.columns,
        crs=config.inputs.cores_crs,
        layer=config.inputs.cores_layer,
    )


def _load_zone(zone: Any, key: str) -> gpd.GeoDataFrame:
    """Zones to include or exclude: they must enclose an area (points and lines
    only do once buffered)."""
    zones = load_zones(
        zone.path, layer=zone.layer, reason=zone.reason, buffer_m=zone.buffer_m
    )
    if not (shapely.area(zones.geometry.to_numpy()) > 0).any():
        kinds = ", ".join(sorted(set(zones.geom_type)))
        raise InputError(
            f"the zones enclose no area (they are {kinds}), so they would include "
            "or exclude nothing",
            path=zone.path,
            column=key,
            hint=f"give polygons, or a buffer around them ({key}.buffer_m, metres)",
        )
    return zones


def _area_of_interest(
    config: Config,
) -> tuple[list[gpd.GeoSeries | gpd.GeoDataFrame], dict[str, Any] | None]:
    """The area of interest of ``[grid] bounds`` and ``[grid] area``, and its record
    (definition in words, geodesic area) for the statement's assumptions."""
    grid = config.grid
    parts: list[gpd.GeoSeries | gpd.GeoDataFrame] = []
    words = []
    if grid.bounds is not None:
        crs = pyproj.CRS.from_user_input(grid.bounds_crs)
        parts.append(bounds_area(grid.bounds, crs))
        west, south, east, north = grid.bounds
        if crs.is_geographic:
            words.append(
                f"the box between meridians {west:.10g} and {east:.10g} and "
                f"parallels {south:.10g} and {north:.10g} ({crs.name}; grid.bounds)"
            )
        else:
            words.append(
                f"the rectangle x {west:.10g}-{east:.10g}, y {south:.10g}-"
                f"{north:.10g} of {crs.name} (grid.bounds, grid.bounds_crs)"
            )
    if grid.area is not None:
        parts.append(load_zones(grid.area.path, layer=grid.area.layer))
        layer = f" (layer {grid.area.layer})" if grid.area.layer else ""
        words.append(f"the polygons of {grid.area.path.name}{layer} (grid.area)")
    if not parts:
        return [], None
    if len(parts) == 1:
        area_km2 = geodesic_area_km2(parts[0])
    else:
        both = (
            parts[0]
            .to_crs("EPSG:4326")
            .union_all()
            .intersection(parts[1].to_crs("EPSG:4326").union_all())
        )
        area_km2 = geodesic_area_km2(gpd.GeoSeries([both], crs="EPSG:4326"))
    record = {
        "definition": " and ".join(words),
        "area_km2": area_km2,
        "cells_outside": "left out of the statement and of the exclusion table",
    }
    return parts, record


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
    samples = _load_cores(config)
    bathymetry = sediment = None
    if config.inputs.bathymetry is not None:
        bathymetry = load_bathymetry(config.inputs.bathymetry)
        files["bathymetry"] = config.inputs.bathymetry
    if config.inputs.sediment_thickness is not None:
        sediment = load_raster(config.inputs.sediment_thickness)
        files["sediment_thickness"] = config.inputs.sediment_thickness
    include = []
    for i, zone in enumerate(config.inputs.include):
        include.append(_load_zone(zone, f"inputs.include[{i}]"))
        files[f"include[{i}]"] = zone.path
    exclude = []
    for i, zone in enumerate(config.inputs.exclude):
        # the reason given, else the file's ``reason`` column, else the layer name
        zones_of = _load_zone(zone, f"inputs.exclude[{i}]")
        for reason, zones in zones_of.groupby("reason", sort=False):
            exclude.append((str(reason), zones))
        files[f"exclude[{i}]"] = zone.path
    report_zones = _load_report_zones(config)
    if config.inputs.report_zones is not None:
        files["report_zones"] = config.inputs.report_zones.path
    if isinstance(config.resource.annual_demand_t, Path):
        files["annual_demand_t"] = config.resource.annual_demand_t
    area, area_record = _area_of_interest(config)
    if config.grid.area is not None:
        files["area"] = config.grid.area.path
    covariates = {}
    for covariate in config.inputs.covariates:
        covariates[covariate.name] = _load_covariate(covariate)
        files[f"covariates.{covariate.name}"] = covariate.path
    return Inputs(
        samples,
        bathymetry,
        sediment,
        include,
        exclude,
        report_zones,
        _annual_demand(config),
        files,
        area=area,
        area_record=area_record,
        covariates=covariates,
    )


def _load_covariate(covariate: CovariateConfig) -> xr.DataArray:
    """A covariate raster, read whole (it is sampled at every block of rows)."""
    raster = load_raster(covariate.path, band=covariate.band)
    return raster.load().rename(covariate.name)


def covariates_at_cores(
    inputs: Inputs, used: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """The composites with each covariate's value at the core (a column named
    ``covariate_<name>``), those without one dropped, and notes saying which.

    Raises
    ------
    InputError
        When fewer than three cores have every covariate.
    """
    notes: list[str] = []
    if not inputs.covariates:
        return used, notes
    values = {
        f"covariate_{name}": sample_raster(raster, used["lon"], used["lat"])
        for name, raster in inputs.covariates.items()
    }
    table = used.assign(**values)
    missing = table[list(values)].isna().any(axis=1)
    for name, raster in inputs.covariates.items():
        # a trend in a covariate that never varies at the cores is not fitted but
        # made up (least squares), and as an external drift it is singular
        seen = table.loc[~missing, f"covariate_{name}"]
        if len(seen) and seen.min() == seen.max():
            raise InputError(
                f"the covariate has the same value ({seen.iloc[0]:g}) at every core",
                path=raster.attrs.get("source"),
                column=f"inputs.covariates.{name}",
                hint="give a covariate that varies over the cores, or leave it out",
            )
    if missing.any():
        names = ", ".join(map(str, table.index[missing]))
        message = (
            f"{int(missing.sum())} core(s) have no covariate value (outside the "
            f"covariate rasters or on their nodata) and are left out: {names}"
        )
        warnings.warn(message, SeabedWarning, stacklevel=2)
        notes.append(message)
    kept = table[~missing]
    if len(kept) < 3:
        raise InputError(
            f"only {len(kept)} core(s) have a value of every covariate",
            column="inputs.covariates",
            hint="check that the covariate rasters cover the cores",
        )
    return kept, notes


# --------------------------------------------------------------------------- stages
def select_composites(
    config: Config, samples: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Composite the window; return (used, all composites, notes)."""
    window = config.composite
    with warnings.catch_warnings():
        # the short cores are reported in the notes below, with what was done
        warnings.filterwarnings(
            "ignore", message=r".* core\(s\) do not reach", category=SeabedWarning
        )
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
    used = composites[used_composites(composites, config.composite.incomplete_cores)]
    _warn_unsampled(used, window.bottom_m - window.top_m)
    if window.top_cut_ppm is not None:
        used, capped = apply_top_cut(
            used, window.top_cut_ppm, oxides=config.resource.oxides
        )
        notes.extend(capped)
    if len(used) < 3:
        raise InputError(
            f"only {len(used)} core(s) have a complete composite over "
            f"{window.top_m:g}-{window.bottom_m:g} mbsf; at least 3 are needed",
            path=config.inputs.cores,
            hint="add cores, shorten the window, or set "
            "composite.incomplete_cores = 'include'",
        )
    _refuse_shared_positions(used, config.inputs.cores)
    _refuse_one_grade(used, config)
    return used, composites, notes


def _refuse_shared_positions(used: pd.DataFrame, path: Path) -> None:
    """Two cores at one position make every kriging system singular. "One
    position" is within the tolerance that holds one core's rows together, with
    longitudes compared modulo 360 degrees (180 and -180 are one meridian)."""
    lon_lat = used[["lon", "lat"]].to_numpy(dtype=float)
    pairs = _close_pairs(lon_lat, POSITION_TOLERANCE_DEG)
    if pairs:
        i, j = pairs[0]
        raise InputError(
            f"cores {used.index[i]!r} and {used.index[j]!r} are at the same "
            f"position (lon {lon_lat[i, 0]:g}, lat {lon_lat[i, 1]:g}); "
            f"{len(pairs)} pair(s) of cores share a position",
            path=path,
            hint="give one core_id to the samples of one site, or drop the repeats",
        )


def _close_pairs(lon_lat: np.ndarray, tolerance_deg: float) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, of positions within ``tolerance_deg`` of each
    other in latitude and in longitude modulo 360, in order."""
    points = np.column_stack([wrap_lon(lon_lat[:, 0]), lon_lat[:, 1]])
    # the points just east of -180 again just east of 180: pairs across the seam
    seam = np.flatnonzero(points[:, 0] < -180.0 + tolerance_deg)
    owner = np.concatenate([np.arange(len(points)), seam])
    points = np.vstack([points, points[seam] + [360.0, 0.0]])
    pairs = cKDTree(points).query_pairs(tolerance_deg, p=np.inf, output_type="ndarray")
    ends = np.sort(owner[pairs], axis=1)
    ends = ends[ends[:, 0] != ends[:, 1]]
    return sorted({(int(i), int(j)) for i, j in ends})


def _refuse_one_grade(used: pd.DataFrame, config: Config) -> None:
    """Grades that do not vary leave nothing to estimate: the variogram, the
    normal scores and the change of support have no variance to work with."""
    grades = used["rey_ppm"].to_numpy(dtype=float)
    if grades.min() < grades.max():
        return
    same = f"every core's composite has the same REY grade ({grades[0]:g} ppm)"
    if config.composite.top_cut_ppm is not None:
        raise ConfigError(
            same + " after the top-cut",
            path=config.source,
            column="composite.top_cut_ppm",
            hint="cap the grades above most of them",
        )
    raise InputError(
        same,
        path=config.inputs.cores,
        hint="check the grades: an estimate needs grades that vary",
    )


#: A core whose samples cover less than this share of the window is warned about.
MIN_SAMPLED_SHARE = 0.5


def _warn_unsampled(used: pd.DataFrame, window_m: float) -> None:
    """Warn when cores' samples leave most of the window unsampled: their grade,
    a mean over the samples, stands for the whole window."""
    share = used["sampled_m"] / window_m
    sparse = share[share < MIN_SAMPLED_SHARE].sort_values()
    if sparse.empty:
        return
    examples = ", ".join(f"{core} {1 - s:.0%}" for core, s in sparse.head(5).items())
    warnings.warn(
        f"{len(sparse)} of {len(used)} cores leave more than "
        f"{1 - MIN_SAMPLED_SHARE:.0%} of the window unsampled ({examples}"
        f"{' ...' if len(sparse) > 5 else ''}); the grade of their samples stands "
        "for the whole window",
        SeabedWarning,
        stacklevel=3,
    )


def capped_slices(slices: pd.DataFrame, used: pd.DataFrame) -> pd.DataFrame:
    """Slice grades scaled by their core's top-cut (capped over uncut window grade).

    The slices of a core lose the share its window composite lost, so that the
    statement summed over slices equals the capped window's; without a top-cut
    (no ``rey_uncut_ppm``) they are returned as they are.
    """
    if "rey_uncut_ppm" not in used:
        return slices
    uncut = used["rey_uncut_ppm"].where(used["rey_uncut_ppm"] > 0)
    ratio = (used["rey_ppm"] / uncut).fillna(1.0)
    return slices.mul(ratio.reindex(slices.index), axis=0)


def rey_top_cut(top_cut_ppm: float | dict[str, float] | None) -> float | None:
    """The cap on total REY of a ``composite.top_cut_ppm`` setting (None if none)."""
    if isinstance(top_cut_ppm, dict):
        return top_cut_ppm.get("rey")
    return top_cut_ppm


def build_grid(
    config: Config,
    composites: pd.DataFrame,
    area: list[gpd.GeoSeries | gpd.GeoDataFrame] | None = None,
) -> xr.Dataset:
    """The estimation grid's frame: over the config bounds, else over the area of
    interest (``area``, as :class:`Inputs` holds it), else over the cores' extent
    plus a margin.

    Bounds in a projected CRS with ``grid.crs = "auto"`` make the grid in that CRS.
    Only the 1-D coordinates, CRS and transform: :func:`seabed.grid.grid_rows` makes
    each block of rows.
    """
    grid = config.grid
    crs: str | pyproj.CRS = grid.crs
    bounds_crs = pyproj.CRS.from_user_input(grid.bounds_crs)
    bounds = grid.bounds
    if bounds is not None and bounds_crs.is_projected and crs == "auto":
        crs = bounds_crs
    if bounds is None and area:
        bounds_crs = pyproj.CRS.from_epsg(4326)
        bounds = tuple(area[-1].to_crs(bounds_crs).total_bounds)
    if bounds is None:
        bounds = bounds_from_points(
            composites["lon"].to_numpy(),
            composites["lat"].to_numpy(),
            grid.margin_m,
        )
    return make_grid(
        bounds,
        grid.resolution_m,
        crs=crs,
        bounds_crs=bounds_crs,
        frame_only=True,
    )
