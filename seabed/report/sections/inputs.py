"""The Assumptions section and the Caveats and notes section."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seabed.config import Config, EstimateConfig, ZoneConfig
from seabed.elements import DEFAULT_OXIDES, REY, oxide_factors
from seabed.report.html import _key_value_html, _Markup, _oxide_label

if TYPE_CHECKING:
    from seabed.report.context import ReportContext

__all__ = [
    "assumptions_html",
    "caveats_html",
]


def assumptions_html(context: ReportContext) -> str:
    """How the figures were made: window, density, oxides, estimator, grid, zones."""
    result = context.result
    config = result.config
    window = config.composite
    factors = oxide_factors(config.resource.oxides)
    oxides = dict(DEFAULT_OXIDES) | dict(config.resource.oxides)
    ds = result.dataset
    cutoffs = ", ".join(f"{c:,.0f}" for c in config.resource.cutoffs_ppm)
    thickness = f"{window.top_m:g}-{window.bottom_m:g} m below the local seafloor"
    if config.inputs.sediment_thickness is not None:
        thickness += ", capped where the sediment-thickness grid is thinner"
    rows = [
        ("Depth window", thickness),
        (
            "Compositing",
            "length-weighted mean over the window per core; cores that do "
            f"not reach {window.bottom_m:g} mbsf are "
            + (
                "left out" if window.incomplete_cores == "exclude" else "kept (flagged)"
            ),
        ),
        ("Dry bulk density", result.dry_density_text.replace("t/m3", "t/m³")),
        (
            "Grade",
            "total REY = Y + La, Ce, Pr, Nd, Sm, Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, "
            "Lu (no Pm, no Sc), ppm by dry weight",
        ),
        (
            "Oxide forms (factor)",
            _Markup(
                ", ".join(f"{_oxide_label(oxides[el])} {factors[el]:.4f}" for el in REY)
            ),
        ),
        ("Cut-offs", f"{cutoffs} ppm REY, on the estimated block grade"),
        ("Estimator", _estimator_text(config.estimate)),
        ("High-value restriction", _restriction_text(result.assumptions)),
        ("Support", context.support_text()),
        (
            "Grid",
            f"{config.grid.resolution_m:g} m cells, {ds.sizes['x']} × "
            f"{ds.sizes['y']}, CRS {context.crs.to_string()} ({context.crs.name})",
        ),
        ("Area of interest", _area_text(result.assumptions)),
        ("Areas", "geodesic, on the WGS84 ellipsoid, per cell"),
        ("Include zones", _zone_list(config.inputs.include) or "none"),
        ("Exclude zones", _zone_list(config.inputs.exclude) or "none"),
        ("Raster rules", _rules_text(config) or "none"),
    ]
    return _key_value_html(rows)


def _restriction_text(assumptions: dict[str, Any]) -> str:
    """The high-value restriction in words, or "none"."""
    restriction = assumptions.get("search", {}).get("high_value_restriction")
    return "none" if restriction is None else str(restriction["text"])


def _area_text(assumptions: dict[str, Any]) -> str:
    """What the area of interest is, and its geodesic area."""
    area = assumptions.get("area_of_interest") or {}
    definition = str(area.get("definition", "the whole grid"))
    if area.get("area_km2") is None:
        return definition
    return (
        f"{definition}: {area['area_km2']:,.1f} km² (geodesic), applied with exact "
        "fractional cover of the cells; the cells' parts outside it are in no table"
    )


def caveats_html(context: ReportContext) -> str:
    """What the estimate is not, what its inputs are, and the run's notes."""
    result = context.result
    caveats = [
        "This estimate is not JORC / NI 43-101 compliant: no Competent Person "
        "has reviewed or signed it, and its classes follow configured rules, "
        "not a Competent Person's judgement.",
        "Kriged block grades are smoother than the true ones, so the "
        "grade-tonnage curve is flatter than the true one: above cut-offs "
        "higher than the mean grade the tonnage is understated, below the "
        "mean it is overstated.",
    ]
    if result.simulation is None:
        caveats.append(
            "The statement has no P10 / P50 / P90: the run made no conditional "
            "simulation (add a [simulation] section to the configuration).",
        )
    if result.synthetic_cores:
        caveats.insert(
            1,
            "The cores are synthetic (seabed's seeded generator over the real "
            "bathymetry; their file's synthetic column says so), not "
            "measurements: the numbers illustrate the method and say nothing "
            "about the real deposit. The generator is calibrated to the mean "
            "grade Takaya et al. (2018) reported over their box, so the "
            "statement's agreement with that paper is built in by the "
            "calibration and validates nothing.",
        )
    if result.bundled_bathymetry:
        caveats.append(
            "The bathymetry (ETOPO1, 0.1°) and sediment thickness (GlobSed, "
            "5′) grids are coarse, about 10 km per cell: they cannot show "
            "seamount flanks or slopes at the scale of a collector.",
        )
    notes = [n for n in result.notes if "JORC" not in n]
    items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats)
    parts = [f'<div class="caveat"><ul>{items}</ul></div>']
    if notes:
        parts.append("<h3>Notes from the run</h3><ul>")
        parts.extend(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append("</ul>")
    return "".join(parts)


def _zone_list(zones: Iterable[ZoneConfig]) -> str:
    names = []
    for zone in zones:
        name = Path(str(zone.path)).name + (
            f" (layer {zone.layer})" if zone.layer else ""
        )
        if zone.reason:
            name = f"{zone.reason}: {name}"
        if zone.buffer_m:
            name += f", buffered {zone.buffer_m:g} m"
        names.append(name)
    return "; ".join(names)


def _estimator_text(estimate: EstimateConfig) -> str:
    """``ordinary kriging, 32 nearest cores within 50 km (at least 3)``."""
    if estimate.method == "idw":
        method = f"inverse distance weighting (power {estimate.idw_power:g})"
    else:
        method = f"{estimate.method} kriging"
    if not estimate.passes:
        return f"{method}, {_search_text(estimate.model_dump())}"
    passes = [
        f"pass {number}: "
        + _search_text(
            estimate.model_dump()
            | {k: v for k, v in p.model_dump().items() if v is not None}
        )
        for number, p in enumerate(estimate.passes, 1)
    ]
    return f"{method} in {len(passes)} search passes ({'; '.join(passes)})"


def _search_text(search: dict[str, Any]) -> str:
    """``32 nearest cores within 50 km (at least 3)``, and the limits set."""
    n = search["n_neighbors"]
    text = "all cores" if n is None else f"{n} nearest cores"
    if search["max_distance_m"] is not None:
        ellipse = (
            " (search ellipse: major semi-axis)" if search.get("anisotropy") else ""
        )
        text += f" within {search['max_distance_m'] / 1000:g} km{ellipse}"
    text += f" (at least {search['min_neighbors']})"
    for key, words in (
        ("max_per_core", "per core"),
        ("max_per_sector", "per quadrant"),
    ):
        if search.get(key) is not None:
            text += f", at most {search[key]} {words}"
    return text


def _rules_text(config: Config) -> str:
    rules = config.rules
    parts = []
    if rules.max_slope_deg is not None:
        parts.append(f"slope at most {rules.max_slope_deg:g}°")
    if rules.depth_window_m is not None:
        shallow, deep = rules.depth_window_m
        parts.append(f"water depth {shallow:g}-{deep:g} m")
    return "; ".join(parts)
