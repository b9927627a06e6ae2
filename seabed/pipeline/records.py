"""What a run records about how its figures were made, for ``resource.json`` and
the report: the assumptions (window, density, oxides, support, CRS), the search, the
classification's rules, the recoverable methods, and the doubts about the figures
(the grid's CRS, the area covered, the classes, the recoverable methods' agreement)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyproj
import xarray as xr

from seabed.config import Config
from seabed.elements import DEFAULT_OXIDES, oxide_factors
from seabed.estimation.models import class_rules, smu_size
from seabed.exceptions import ConfigError
from seabed.geostats import Variogram
from seabed.geostats.change_of_support import DiscreteGaussianModel
from seabed.geostats.simulation import ConditionalSimulation
from seabed.grid import linear_scale_range, utm_crs
from seabed.resource import (
    classification_doubts,
    describe_rules,
    practical_range,
    smu_layout,
)

__all__ = [
    "assumptions",
    "class_doubts",
    "classification_record",
    "coverage_doubts",
    "crs_doubts",
    "recoverable_doubts",
    "recoverable_notes",
    "recoverable_record",
    "search_record",
]


def assumptions(
    config: Config,
    dataset: xr.Dataset,
    density: dict[str, Any],
    variogram: Variogram | None,
    area: dict[str, Any] | None = None,
    search_pass: xr.DataArray | None = None,
) -> dict[str, Any]:
    """How the figures were made, for ``resource.json`` and reports.

    ``area`` is the area of interest's record (``Inputs.area_record``);
    ``search_pass`` the map of the pass that estimated each cell, to count them.
    """
    window = config.composite
    forms = dict(DEFAULT_OXIDES) | dict(config.resource.oxides)
    return {
        "area_of_interest": area
        or {
            "definition": "the whole grid (no grid.bounds or grid.area given)",
            "area_km2": None,
            "cells_outside": "none",
        },
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
        "search": search_record(config, search_pass),
        "classification": classification_record(config, variogram),
    }


def search_record(
    config: Config, search_pass: xr.DataArray | None = None
) -> dict[str, Any]:
    """The kriging search for ``resource.json``: its passes (every key filled),
    the cells each estimated (from the ``search_pass`` map, when given), and the
    high-value restriction.

    Examples
    --------
    >>> from seabed.config import Config
    >>> cfg = Config.model_validate({"inputs": {"cores": "c.csv"},
    ...     "composite": {"high_value_ppm": 6000, "high_value_radius_m": 5000}})
    >>> record = search_record(cfg)
    >>> record["passes"][0]["max_distance_m"], record["high_value_restriction"]["text"]
    (50000.0, 'composites above 6000 ppm REY inform only cells within 5000 m of them')
    """
    est, window = config.estimate, config.composite
    own = {
        "n_neighbors": est.n_neighbors,
        "min_neighbors": est.min_neighbors,
        "max_distance_m": est.max_distance_m,
        "max_per_core": est.max_per_core,
        "max_per_sector": est.max_per_sector,
        "anisotropy": None,
    }
    tables = est.passes or []
    passes = [
        own | {k: v for k, v in table.model_dump().items() if v is not None}
        for table in tables
    ] or [own]
    if search_pass is not None:
        counts = np.asarray(search_pass.values).ravel()
        for number, search in enumerate(passes, 1):
            search["cells"] = int((counts == number).sum())
    restriction = None
    if window.high_value_ppm is not None:
        restriction = {
            "high_value_ppm": window.high_value_ppm,
            "high_value_radius_m": window.high_value_radius_m,
            "text": f"composites above {window.high_value_ppm:g} ppm REY inform "
            f"only cells within {window.high_value_radius_m:g} m of them",
        }
    return {
        "passes": passes,
        "limits_choose_among": "the n_neighbors nearest within max_distance_m "
        "(as gstat's omax); min_neighbors counts them after max_per_core",
        "high_value_restriction": restriction,
    }


def classification_record(
    config: Config, variogram: Variogram | None
) -> dict[str, Any]:
    """The classification's rules, as keys and in words, for resource.json and
    the report."""
    rules = class_rules(config)
    reach = None if variogram is None else practical_range(variogram)
    return {
        "rules": {name: rule.as_dict() for name, rule in rules.items()},
        "defaults": config.classification.defaults,
        "sectors": config.classification.sectors,
        "practical_range_m": reach,
        "rules_text": describe_rules(
            rules, practical_range_m=reach, n_sectors=config.classification.sectors
        ),
    }


def class_doubts(
    config: Config, frame: xr.Dataset, variogram: Variogram | None
) -> list[str]:
    """The classification's doubt, if any: a practical range wider than the grid
    (its longer side), which range-based spacing rules cannot work within."""
    reach = classification_record(config, variogram)["practical_range_m"]
    cell = config.grid.resolution_m
    extent = max(
        float(np.ptp(frame["x"].values)) + cell,
        float(np.ptp(frame["y"].values)) + cell,
    )
    return classification_doubts(
        class_rules(config), practical_range_m=reach, extent_m=extent
    )


def recoverable_record(
    config: Config, model: DiscreteGaussianModel | None
) -> dict[str, Any]:
    """How the recoverable figures were made, for ``resource.json``."""
    smu = smu_size(config)
    record: dict[str, Any] = {
        "smu_m": list(smu),
        "smu_source": "resource.smu_m" if config.resource.smu_m else "the grid's cell",
        "smus_per_cell": list(smu_layout(config.grid.resolution_m, smu)),
        "cutoffs_apply_to": "the grade of each SMU (recoverable), not the kriged "
        "cell grade (the statement)",
        "methods": {},
    }
    if model is not None:
        record["methods"]["uc"] = {
            "method": "uniform conditioning of the discrete Gaussian model: panels "
            "are the kriged cells, Var(Z*_V) = Cbar(V,V) - kriging variance",
            "support_coefficient_r": model.r_,
            "smu_variance_ppm2": model.smu_variance_,
            "point_variance_ppm2": model.anamorphosis_.variance_,
            "hermite_terms": model.n_terms,
            "anamorphosis_weights": "cell declustering",
        }
    if config.simulation is not None:
        record["methods"]["simulation"] = {
            "method": "conditional realisations simulated at the SMU centres with "
            "the SMU's block support, cut-off applied per SMU",
            "realizations": config.simulation.realizations,
            "seed": config.simulation.seed,
        }
    return record


def recoverable_notes(
    config: Config,
    model: DiscreteGaussianModel | None,
    simulation: ConditionalSimulation | None,
) -> list[str]:
    """What the reader of the recoverable figures must know, in words."""
    notes = []
    if model is None and simulation is None:
        notes.append(
            "no recoverable tonnage: it needs a variogram with a sill (uniform "
            "conditioning) or a [simulation] section"
        )
    if model is not None and config.estimate.support == "point":
        notes.append(
            "uniform conditioning takes the point kriging variance for the cell's: "
            "its recoverable figures are approximate (use estimate.support = block)"
        )
    if model is not None and simulation is None:
        notes.append(
            "recoverable tonnage by uniform conditioning is an expectation: it has "
            "no P10/P50/P90 (add a [simulation] section for them)"
        )
    return notes


#: Tonnes below this share of the total at cut-off 0 are too few for two methods'
#: disagreement to matter (the highest cut-offs' crumbs)
_NEGLIGIBLE_SHARE = 0.001


def recoverable_doubts(recoverable: pd.DataFrame) -> list[str]:
    """The doubt when the two recoverable methods disagree: uniform conditioning's
    expected TREO outside the simulation's P10-P90 at some cut-off.

    ``recoverable`` is the run's ``recoverable`` table.

    Examples
    --------
    >>> rows = [(0.0, "simulation", s, t) for s, t in
    ...         [("mean", 17.0), ("p10", 16.0), ("p90", 18.0)]]
    >>> rows += [(2000.0, "simulation", s, t) for s, t in
    ...          [("mean", 1.0), ("p10", 0.7), ("p90", 1.9)]]
    >>> rows += [(0.0, "uc", "mean", 17.1), (2000.0, "uc", "mean", 0.6)]
    >>> table = pd.DataFrame(rows, columns=["cutoff_ppm", "method", "statistic",
    ...                                     "treo_t"])
    >>> table["treo_t"] *= 1e6
    >>> print(recoverable_doubts(table)[0].split(" (")[0])
    the two recoverable methods disagree at 2,000 ppm: uniform conditioning expects 0.6 Mt TREO, outside the simulation's P10-P90
    """
    if recoverable.empty or not {"uc", "simulation"} <= set(recoverable["method"]):
        return []
    keys = ["method", "statistic", "cutoff_ppm"]
    treo = recoverable.set_index(keys)["treo_t"].sort_index()
    floor = _NEGLIGIBLE_SHARE * float(treo.loc["simulation", "mean"].max())
    outside = []
    for cutoff, expected in treo.loc["uc", "mean"].items():
        low = float(treo.loc["simulation", "p10", cutoff])
        high = float(treo.loc["simulation", "p90", cutoff])
        if max(expected, high) >= floor and not low <= expected <= high:
            outside.append(
                f"{cutoff:,.0f} ppm: uniform conditioning expects "
                f"{expected / 1e6:,.3g} Mt TREO, outside the simulation's P10-P90 "
                f"({low / 1e6:,.3g}-{high / 1e6:,.3g} Mt)"
            )
    if not outside:
        return []
    return [
        "the two recoverable methods disagree at "
        + "; at ".join(outside)
        + ". Uniform conditioning rests on the discrete Gaussian model and the "
        "kriging variance, the simulation on the normal-score variogram and its "
        "realisations: the recoverable tonnage there is less certain than either "
        "says; check the variogram and the kriging deviation's calibration before "
        "quoting it"
    ]


#: A grid's CRS that stretches or shrinks lengths by more than this share somewhere
#: over the grid is in doubt (a UTM zone: 0.04 % on its meridian, 0.1 % at its edge)
LENGTH_SCALE_TOLERANCE = 0.01


def crs_doubts(config: Config, frame: xr.Dataset) -> list[str]:
    """The doubt when the grid's CRS distorts lengths over the grid by more than
    :data:`LENGTH_SCALE_TOLERANCE`: the variogram's ranges, the search and the
    cells are measured in it, the areas are not (they are geodesic)."""
    low, high = linear_scale_range(frame)
    if max(high - 1.0, 1.0 - low) <= LENGTH_SCALE_TOLERANCE:
        return []
    crs = pyproj.CRS.from_user_input(frame.rio.crs)
    x, y = float(frame["x"].mean()), float(frame["y"].mean())
    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        x, y
    )
    try:
        local = utm_crs(lon, lat)
        name = "the survey's own UTM zone"
    except ConfigError:  # beyond UTM: the Universal Polar Stereographic
        local = pyproj.CRS.from_epsg(32661 if lat > 0 else 32761)
        name = "the Universal Polar Stereographic"
    scales = linear_scale_range(frame, local)
    if (
        local != crs
        and max(abs(scale - 1.0) for scale in scales) <= LENGTH_SCALE_TOLERANCE
    ):
        fix = f'use {name}: grid.crs = "EPSG:{local.to_epsg()}"'
    else:
        fix = (
            "the grid is too wide for one UTM zone: use a projection centred on it "
            "(e.g. a transverse Mercator with its central meridian through the grid, "
            "or a polar stereographic centred on it near a pole)"
        )
    return [
        f"the grid's CRS ({crs.name}) stretches lengths over the grid by "
        f"{low - 1.0:+.1%} to {high - 1.0:+.1%}: the variogram's ranges, the search "
        f"distances and the {config.grid.resolution_m:g} m cells are measured in it, "
        "not on the ground (the areas and tonnes are geodesic and unaffected); " + fix
    ]


def coverage_doubts(statement: pd.DataFrame, config: Config) -> list[str]:
    """The doubts when the tables cover little or nothing of the area of interest:
    every cell left out by the zones and rules, or cells without a grade estimate
    (too few cores within the search's reach), which add nothing to the tables.

    ``statement`` is the run's statement (:func:`seabed.resource.statement`).

    Examples
    --------
    >>> from seabed.config import Config
    >>> cfg = Config.model_validate({"inputs": {"cores": "c.csv"}})
    >>> table = pd.DataFrame({"cutoff_ppm": [0.0, 400.0], "area_km2": [90.0, 80.0],
    ...                       "unestimated_area_km2": [10.0, 10.0]})
    >>> print(coverage_doubts(table, cfg)[0].split(" (fewer")[0])
    10.0 km2 of the available area (10.0%) has no grade estimate
    """
    if statement.empty:
        return []
    missing = float(statement["unestimated_area_km2"].iloc[0])
    at_zero = statement[statement["cutoff_ppm"] == 0.0]
    estimated = float(at_zero["area_km2"].iloc[0]) if len(at_zero) else None
    search = config.estimate
    reach = (
        f"fewer than estimate.min_neighbors = {search.min_neighbors} cores within "
        f"estimate.max_distance_m = {search.max_distance_m:g} m"
        if search.max_distance_m is not None
        else f"fewer than estimate.min_neighbors = {search.min_neighbors} cores"
    )
    if estimated == 0.0 and missing == 0.0:
        return [
            "nothing is stated: the zones and rules leave out every cell of the area "
            "of interest (see the exclusions); check the rules' limits and that the "
            "bathymetry is in metres, negative below sea level"
        ]
    if missing <= 0.0:
        return []
    if estimated == 0.0:
        return [
            f"no cell has a grade estimate ({reach} of every cell), so the tables "
            f"state nothing of the {missing:,.1f} km2 available; widen the search"
        ]
    share = "" if estimated is None else f" ({missing / (missing + estimated):.1%})"
    return [
        f"{missing:,.1f} km2 of the available area{share} has no grade estimate "
        f"({reach}): it adds nothing to the tables, which understate the area"
    ]
