"""The head of the report: title, subtitle, badge and the Summary section."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import pyproj

from seabed.report.html import _lat_text, _lon_text, _ppm

if TYPE_CHECKING:
    from seabed.report.context import ReportContext
    from seabed.result import RunResult

__all__ = [
    "density_value_text",
    "inferred_only",
    "subtitle_html",
    "summary_html",
    "title",
]


def title(result: RunResult) -> str:
    """``REY-mud resource estimate: <cores file name>``, after ``SYNTHETIC DATA -``
    when the cores are synthetic."""
    name = Path(str(result.config.inputs.cores)).stem
    prefix = "SYNTHETIC DATA - " if result.synthetic_cores else ""
    return f"{prefix}REY-mud resource estimate: {name}"


def subtitle_html(context: ReportContext) -> str:
    """Where the grid lies, how many cores, when."""
    result = context.result
    record = result.provenance
    # from the grid's corners: 2-D lon/lat coordinates may not be kept
    to_lon_lat = pyproj.Transformer.from_crs(context.crs, 4326, always_xy=True)
    left, bottom, right, top = result.dataset.rio.bounds()
    west, south, east, north = to_lon_lat.transform_bounds(
        left, bottom, right, top, densify_pts=21
    )
    where = (
        f"{_lat_text(south)}-{_lat_text(north)}, {_lon_text(west)}-{_lon_text(east)}"
    )
    return (
        f"<p>{html.escape(where)} · {len(result.used_cores)} cores · "
        f"{html.escape(str(record.get('created_utc', '')))}</p>"
    )


def inferred_only(result: RunResult) -> bool:
    """True unless the statement by class has Measured or Indicated tonnes."""
    classes = result.classes
    if len(classes) == 0 or "class" not in classes:
        return True  # nothing says otherwise: the cautious reading
    sure = classes[classes["class"].isin(["measured", "indicated"])]
    return not (sure["ore_t"] > 0).any()


def density_value_text(result: RunResult) -> str:
    """The dry density the run used, as a number: ``0.52``."""
    return f"{result.dry_density_t_m3:.4g}"


def summary_html(context: ReportContext) -> str:
    """Key figures at the lowest cut-off, and what they rest on."""
    result = context.result
    table = result.statement
    first = table.sort_values("cutoff_ppm").iloc[0]
    ds = result.dataset
    cards = [
        (f"{first['area_km2']:,.0f} km²", "area estimated"),
        (f"{first['ore_t'] / 1e9:,.2f} Gt", "dry ore, window"),
        (_ppm(first["mean_rey_ppm"]), "mean REY grade"),
        (f"{first['treo_t'] / 1e6:,.2f} Mt", "TREO"),
        (f"{first['rey_t'] / 1e6:,.2f} Mt", "REY (elements)"),
        (
            f"{len(result.used_cores)} / {len(result.composites)}",
            "cores used / given",
        ),
    ]
    if result.simulation is not None:
        spread = result.simulation.summary.set_index(["cutoff_ppm", "statistic"])
        low, high = (
            spread.loc[(first["cutoff_ppm"], p), "treo_t"] / 1e6 for p in ("p10", "p90")
        )
        cards.insert(4, (f"{low:,.2f}-{high:,.2f} Mt", "TREO, P10-P90"))
    cutoff = f"{first['cutoff_ppm']:,.0f} ppm"
    cards_html = "".join(
        f'<div class="card"><div class="value">{html.escape(value)}</div>'
        f'<div class="label">{html.escape(label)}</div></div>'
        for value, label in cards
    )
    config = result.config
    window = config.composite
    return (
        f'<div class="cards">{cards_html}</div>'
        f'<p class="muted">At cut-off {cutoff} on the estimated block grade, '
        f"{window.top_m:g}-{window.bottom_m:g} m below seafloor, dry bulk density "
        f"{density_value_text(result)} t/m³, on a "
        f"{ds.sizes['x']} × {ds.sizes['y']} grid of "
        f"{config.grid.resolution_m:g} m cells. "
        + (
            "All of it is an Inferred resource at best; "
            if inferred_only(result)
            else "Classes follow the configured rules; "
        )
        + "see the caveats.</p>"
    )
