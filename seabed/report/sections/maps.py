"""The Maps section, and the quick-look maps (the same PNGs)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from seabed.report import maps
from seabed.report.html import (
    _figure,
    _figure_html,
    _image_html,
    _png,
    _synthetic_mark,
)
from seabed.variables import VARIABLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from seabed.report.context import ReportContext

__all__ = [
    "QUICKLOOKS",
    "map_figure",
    "maps_html",
    "quicklook_png",
    "quicklooks",
]

# The dataset layer each quick-look map is drawn from, from the registry of output
# variables (seabed.variables), in its order.
_MAP_LAYERS = {v.quicklook: v.name for v in VARIABLES.values() if v.quicklook}

#: Quick-look maps of a run, in the order of the report (``<name>.png`` files).
QUICKLOOKS = tuple(_MAP_LAYERS)


_CAPTIONS = {
    "rey_ppm": "Kriged total REY grade of each cell over the depth window. "
    "Circles: cores used; crosses: cores too short for the window.",
    "rey_std_ppm": "Kriging standard deviation: low near cores, rising "
    "with distance from them. It measures data spacing, not the grade's "
    "local variability.",
    "treo_t_per_km2": "TREO tonnes per km² of cell, counting only the "
    "available part of each cell (inside include zones, outside exclusions).",
    "class": "Resource class of each cell under the classification rules.",
    "exclusions": "Share of each cell that is outside the include zones or "
    "inside an exclusion zone or rule; zone outlines drawn (include zones "
    "dashed).",
}


def map_figure(context: ReportContext, name: str) -> Figure | None:
    """The figure of one quick-look map, or None if the run lacks its data.

    Parameters
    ----------
    context : ReportContext
        The run (:func:`seabed.report.report_context`).
    name : str
        One of :data:`QUICKLOOKS`.
    """
    ds = context.result.dataset
    if _MAP_LAYERS[name] not in ds:
        return None  # e.g. no standard deviation with inverse distance
    layer = ds[_MAP_LAYERS[name]]
    figure = _figure(context.map_size())
    ax = figure.add_subplot()
    if name == "class":
        maps.plot_class_map(layer, ax, cores=context.cores, zones=context.zones)
    elif name == "exclusions":
        maps.plot_exclusion_map(
            layer,
            ax,
            title="Excluded share of each cell, with the zones",
            cores=context.cores,
            zones=context.zones,
        )
    else:
        context.grid_map(layer, **_map_styles(context)[name])(ax)
    return figure


def quicklook_png(context: ReportContext, name: str) -> bytes | None:
    """The PNG of one quick-look map (drawn once), None if the run lacks it."""
    if name not in context.pngs:
        figure = map_figure(context, name)
        context.pngs[name] = (
            None
            if figure is None
            else _png(figure, _synthetic_mark(figure, context.result.synthetic_cores))
        )
    return context.pngs[name]


def quicklooks(context: ReportContext) -> dict[str, bytes]:
    """The PNG of each quick-look map the run has, by name, in report order."""
    pngs = {name: quicklook_png(context, name) for name in QUICKLOOKS}
    return {name: png for name, png in pngs.items() if png is not None}


def maps_html(context: ReportContext) -> str:
    """The quick-look maps and the location map, with captions."""
    items = []
    for name in QUICKLOOKS:
        png = quicklook_png(context, name)
        if png is not None:
            caption = _CAPTIONS[name] + context.decimation_text()
            if context.result.synthetic_cores:
                caption += " Synthetic data, not measurements."
            items.append(_image_html(png, caption, alt=name))
    location = _location_figure(context)
    if location is not None:
        items.append(
            _figure_html(
                location,
                "Where the grid lies among the zones, over the water depth "
                "of the bathymetry input.",
                alt="location",
            )
        )
    notes = "".join(
        f'<p class="muted">{html.escape(note)}</p>'
        for note in context.result.report_notes
    )
    return f'{notes}<div class="figures">{"".join(items)}</div>'


def _map_styles(context: ReportContext) -> dict[str, dict[str, Any]]:
    """Title, colour-bar label and colour map of each quick-look of values."""
    window = context.window_text()
    return {
        "rey_ppm": {
            "title": f"Estimated REY grade, {window} ({context.support_text()})",
            "label": "total REY (ppm, dry weight)",
        },
        "rey_std_ppm": {
            "title": "Kriging standard deviation of the REY grade",
            "label": "standard deviation (ppm)",
            "cmap": "cividis",
        },
        "treo_t_per_km2": {
            "title": f"TREO per km², {window}",
            "label": "TREO (t/km², available area only)",
            "cmap": "YlGnBu",
        },
    }


def _location_figure(context: ReportContext) -> Figure | None:
    depth = context.result.water_depth
    if context.zones is None and depth is None:
        return None
    figure = _figure(context.map_size())
    maps.plot_location_map(
        context.result.dataset.rio.bounds(),
        context.crs,
        figure.add_subplot(),
        zones=context.zones,
        water_depth=depth,
    )
    return figure
