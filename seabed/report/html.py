"""HTML building blocks of the report: tables, figures, number formats."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

from seabed.elements import REY
from seabed.result import SYNTHETIC_NOTICE

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# --------------------------------------------------------------------------- html
def _template(name: str) -> str:
    return (
        resources.files("seabed.report").joinpath("templates", name).read_text("utf-8")
    )


def _section(anchor: str, title: str, body: str) -> tuple[str, str, str]:
    text = f'<section id="{anchor}"><h2>{html.escape(title)}</h2>\n{body}\n</section>'
    return anchor, title, text


class _Markup(str):
    """Text that is already HTML (not escaped again)."""


def _escape(text: str) -> str:
    return text if isinstance(text, _Markup) else html.escape(text)


def _key_value_html(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{_escape(value)}</td></tr>"
        for key, value in rows
    )
    return f'<table class="kv"><tbody>{body}</tbody></table>'


@dataclass(frozen=True)
class _Column:
    """One column of a report table: heading, unit, and the text of each line.

    ``cell`` gets the rows of the table that make one line: a single row, or all
    the rows of one part (element, slice, zone) when the table is grouped.
    """

    label: str
    unit: str
    cell: Callable[[pd.DataFrame], str]
    is_text: bool = False
    css: str = ""  # more classes of the cells (mono, hash)


def _table_html(
    table: pd.DataFrame,
    columns: Iterable[str | _Column],
    *,
    caption: str | None = None,
    lines_by: str | None = None,
    css: str = "",
) -> str:
    """An HTML table: the one builder of every table of the report.

    Parameters
    ----------
    table : pandas.DataFrame
        The values.
    columns : iterable of str or _Column
        A column name of ``table`` (left out when absent) is formatted by the unit
        in its name and read from the first row of each line; a :class:`_Column`
        writes its cells itself.
    caption : str, optional
        Said above the table.
    lines_by : str, optional
        One line per row of ``table`` when omitted; else one line per value of
        this column (in order of appearance), holding its rows, the lowest
        cut-off first.
    css : str
        Class of the table (``wide``).
    """
    specs = [
        column if isinstance(column, _Column) else _unit_column(column, table[column])
        for column in columns
        if isinstance(column, _Column) or column in table
    ]
    if lines_by is None:
        lines = [table.iloc[[i]] for i in range(len(table))]
    else:
        if "cutoff_ppm" in table:
            table = table.sort_values("cutoff_ppm", kind="stable")
        groups = table.groupby(lines_by, sort=False, dropna=False)
        lines = [rows for _, rows in groups]
    head = "".join(_head_cell(spec) for spec in specs)
    body = "".join(
        "<tr>" + "".join(_body_cell(spec, rows) for spec in specs) + "</tr>"
        for rows in lines
    )
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table_class = f' class="{css}"' if css else ""
    return (
        f"<table{table_class}>{caption_html}<thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _head_cell(column: _Column) -> str:
    kind = ' class="text"' if column.is_text else ""
    unit = (
        f'<span class="unit">{html.escape(column.unit)}</span>' if column.unit else ""
    )
    return f"<th{kind}>{html.escape(column.label)}{unit}</th>"


def _body_cell(column: _Column, rows: pd.DataFrame) -> str:
    kind = " ".join(filter(None, ["text" if column.is_text else "num", column.css]))
    return f'<td class="{kind}">{_escape(column.cell(rows))}</td>'


def _unit_column(name: str, values: pd.Series) -> _Column:
    """A column of a table, formatted by the unit in its name (first row of a line)."""
    label, unit, formatter = _column_format(name, values)
    return _Column(
        label,
        unit,
        lambda rows: formatter(rows[name].iloc[0]),
        is_text=not _is_numeric(values),
    )


def _text_column(name: str, label: str, unit: str = "", *, css: str = "") -> _Column:
    """A column of labels (zone, depth, path), written as they are."""
    return _Column(
        label, unit, lambda rows: str(rows[name].iloc[0]), is_text=True, css=css
    )


def _per_cutoff_columns(table: pd.DataFrame, name: str) -> list[_Column]:
    """One column per cut-off of ``table`` holding ``name`` above that cut-off.

    A table of simulated statements (with a ``statistic`` column) shows its P10 /
    P50 / P90 in each cell.
    """
    label, unit, formatter = _column_format(name, table[name])
    simulated = "statistic" in table

    def cell(rows: pd.DataFrame, cutoff: float) -> str:
        at = rows[rows["cutoff_ppm"] == cutoff]
        if len(at) == 0:
            return "-"
        if not simulated:
            return formatter(at[name].iloc[0])
        by_statistic = at.set_index("statistic")[name]
        return " / ".join(
            formatter(by_statistic.get(p, math.nan)) for p in ("p10", "p50", "p90")
        )

    return [
        _Column(f"{label} ≥ {cutoff:,.0f} ppm", unit, partial(cell, cutoff=cutoff))
        for cutoff in dict.fromkeys(table["cutoff_ppm"])
    ]


def _by_part_html(table: pd.DataFrame, part: str, *, unit: str = "", about: str) -> str:
    """One line per part (slice, class, zone): its totals at the lowest cut-off,
    then its TREO above every cut-off; P10 / P50 / P90 of the TREO when simulated."""
    simulated = "statistic" in table
    totals = [] if simulated else ["area_km2", "ore_t", "mean_rey_ppm"]
    caption = (
        f"{about}: TREO above each cut-off, P10 / P50 / P90 over the realisations."
        if simulated
        else f"{about}: area, ore and mean grade at the lowest cut-off; TREO above "
        "each cut-off."
    )
    return _table_html(
        table,
        [
            _text_column(part, part, unit),
            *totals,
            *_per_cutoff_columns(table, "treo_t"),
        ],
        lines_by=part,
        caption=caption,
    )


# column -> (heading, unit shown, scale the values are divided by, decimals)
_HTML_COLUMNS: dict[str, tuple[str, str, float, int]] = {
    "cutoff_ppm": ("cut-off", "ppm REY", 1.0, 0),
    "area_km2": ("area", "km²", 1.0, 1),
    "n_cells": ("cells", "", 1.0, 0),
    "ore_t": ("ore", "Mt", 1e6, 1),
    "mean_rey_ppm": ("mean REY", "ppm", 1.0, 0),
    "mean_treo_ppm": ("mean TREO", "ppm", 1.0, 0),
    "rey_t": ("REY", "Mt", 1e6, 3),
    "treo_t": ("TREO", "Mt", 1e6, 3),
    "treo_t_per_km2": ("TREO", "t/km²", 1.0, 0),
    "unestimated_area_km2": ("not estimated", "km²", 1.0, 1),
    "hree_y_share": ("HREE + Y", "% of REY", 0.01, 1),
    "top_m": ("top", "mbsf", 1.0, 1),
    "bottom_m": ("bottom", "mbsf", 1.0, 1),
    "oxide_t": ("oxide", "t", 1.0, 0),
    "oxide_factor": ("factor", "", 1.0, 4),
    "share_of_rey": ("share of REY", "%", 0.01, 1),
    "years_of_demand": ("demand", "years", 1.0, 1),
}


# unit suffix of a column name -> (unit shown, decimals)
_SUFFIX_UNITS = {
    "_km2": ("km²", 1),
    "_ppm": ("ppm", 0),
    "_t_m3": ("t/m³", 2),
    "_mbsf": ("mbsf", 1),
    "_m2": ("m²", 0),
    "_m": ("m", 1),
    "_t": ("t", 0),
}


def _column_format(
    column: str, values: pd.Series
) -> tuple[str, str, Callable[[Any], str]]:
    if column in _HTML_COLUMNS:
        label, unit, scale, decimals = _HTML_COLUMNS[column]
    else:
        label, unit, scale, decimals = column.replace("_", " "), "", 1.0, 2
        for suffix, (shown, places) in _SUFFIX_UNITS.items():
            if column.endswith(suffix):
                label = column.removesuffix(suffix).replace("_", " ")
                unit, decimals = shown, places
                break
        if not _is_numeric(values):
            return label, unit, lambda v: "" if _missing(v) else str(v)

    def formatter(value: Any) -> str:
        if _missing(value):
            return "-"
        if isinstance(value, str):
            return value
        return f"{float(value) / scale:,.{decimals}f}"

    return label, unit, formatter


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
        values
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _png(figure: Figure, metadata: dict[str, str] | None = None) -> bytes:
    """The PNG of a figure, in memory (as ``Figure.savefig`` would draw it), with
    ``metadata`` as PNG text chunks."""
    buffer = io.BytesIO()
    figure.canvas.print_figure(
        buffer, format="png", dpi=_DPI, facecolor="white", metadata=metadata
    )
    return buffer.getvalue()


def _synthetic_mark(figure: Figure, synthetic: bool) -> dict[str, str] | None:
    """When the data are synthetic: a line on the figure, and the PNG text chunks
    that say so (None otherwise)."""
    if not synthetic:
        return None
    figure.suptitle("SYNTHETIC DATA - not measurements", color="#b00020", fontsize=9)
    return {"Disclaimer": SYNTHETIC_NOTICE}


def _figure_html(figure: Figure, caption: str, *, alt: str) -> str:
    return _image_html(_png(figure), caption, alt=alt)


def _chart_html(
    size: tuple[float, float], draw: Callable[[Any], Any], caption: str, *, alt: str
) -> str:
    """A figure of one Axes drawn by ``draw(ax)``, as an HTML figure."""
    figure = _figure(size)
    draw(figure.add_subplot())
    return _figure_html(figure, caption, alt=alt)


def _image_html(png: bytes, caption: str, *, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


# --------------------------------------------------------------------------- text
def _toml(config: Mapping[str, Any]) -> str:
    """A configuration as TOML; None (a key left to its default) is left out.

    >>> print(_toml({"grid": {"resolution_m": 500.0, "bounds": None},
    ...              "inputs": {"include": [{"path": "eez.gpkg", "layer": None}]}}))
    [grid]
    resolution_m = 500.0
    <BLANKLINE>
    [inputs]
    include = [
      { path = "eez.gpkg" },
    ]
    """
    sections = []
    for name, values in config.items():
        if not isinstance(values, Mapping):
            continue  # every configuration key lives in a section
        lines = [f"[{_toml_key(name)}]"]
        for key, value in values.items():
            if value is None:
                continue
            if isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
                items = "".join(f"  {_toml_value(v)},\n" for v in value)
                lines.append(f"{_toml_key(key)} = [\n{items}]")
            else:
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return json.dumps(value)
    if isinstance(value, Mapping):
        pairs = [
            f"{_toml_key(str(k))} = {_toml_value(v)}"
            for k, v in value.items()
            if v is not None
        ]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # TOML basic strings escape as JSON does


def _ppm(value: float | None, decimals: int = 0) -> str:
    return "-" if _missing(value) else f"{value:,.{decimals}f} ppm"


def _number(value: Any, decimals: int) -> str:
    return "-" if _missing(value) else f"{float(value):,.{decimals}f}"


def _percent(share: Any) -> str:
    return "-" if _missing(share) else f"{100.0 * float(share):.1f}"


def _lat_text(value: float) -> str:
    return f"{abs(value):.2f}°{'N' if value >= 0 else 'S'}"


def _lon_text(value: float) -> str:
    return f"{abs(value):.2f}°{'E' if value >= 0 else 'W'}"


def _round_up(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at least ``value`` (> 0)."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _oxide_element(column: str) -> str | None:
    """The element of an oxide tonnage column (``Nd2O3_t`` -> ``Nd``), else None."""
    formula = column.removesuffix("_t")
    for element in REY:
        if formula.startswith(element) and formula[len(element) : len(element) + 1] in {
            "O",
            "2",
            "4",
            "6",
        }:
            return element
    return None


def _oxide_label(formula: str) -> str:
    """``Nd2O3`` -> ``Nd<sub>2</sub>O<sub>3</sub>`` (HTML)."""
    marked = (f"<sub>{c}</sub>" if c.isdigit() else c for c in html.escape(formula))
    return "".join(marked).replace("</sub><sub>", "")


# Resolution of the figures, embedded in the report and in the quick-look files
# (the same PNG serves both).
_DPI = 140
