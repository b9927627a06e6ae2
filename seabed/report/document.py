"""The report of a run: the HTML text of ``report.html`` and the quick-look PNGs.

- :func:`render_report`: one self-contained HTML page, figures embedded as PNG
  data, CSS inline, no script and no external address, so that it can be mailed,
  archived and printed as it is;
- :func:`render_quicklooks`: one PNG per map, for slides and file browsers;
- :func:`render_report_and_quicklooks`: both from one drawing of the maps.

The report is a renderer: it shows what a run produced and skips what it did not
(P10 / P50 / P90 from conditional simulation, a statement per depth slice, class or
zone, a grade-tonnage table, cross-validation), and it reads no file, computes no
estimate and writes nothing. Writing the files is :mod:`seabed.outputs`'s
(``write_report``, ``write_quicklooks``, ``write_pdf``).

Reports are made in bounded memory, whatever the grid's size: every table comes from
the :class:`~seabed.result.RunResult`, the dataset is read only for the map layers
(and ``available_fraction``), its coordinates and CRS, and every map is drawn from at
most ``maps.MAX_MAP_CELLS`` cells a side (:func:`seabed.report.maps.decimate`),
which its caption says.
"""

from __future__ import annotations

import html
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

from seabed.report import sections
from seabed.report.context import ReportContext, report_context
from seabed.report.html import _section, _template
from seabed.result import SYNTHETIC_NOTICE

if TYPE_CHECKING:
    from seabed.result import RunResult

__all__ = [
    "render_quicklooks",
    "render_report",
    "render_report_and_quicklooks",
]


#: The report's sections, in order: anchor, heading, renderer.
SECTIONS: tuple[tuple[str, str, Callable[[ReportContext], str]], ...] = (
    ("summary", "Summary", sections.summary_html),
    ("statement", "Resource statement", sections.statement_html),
    ("uncertainty", "Uncertainty: P10 / P50 / P90", sections.uncertainty_html),
    ("maps", "Maps", sections.maps_html),
    ("classification", "Classification", sections.classification_html),
    (
        "recoverable",
        "Recoverable tonnage at the selective mining unit",
        sections.recoverable_html,
    ),
    ("geostatistics", "Variogram and cross-validation", sections.geostats_html),
    ("grade-tonnage", "Grade-tonnage and depth", sections.curves_html),
    ("breakdown", "Breakdown of the statement", sections.breakdown_html),
    ("assumptions", "Assumptions", sections.assumptions_html),
    ("caveats", "Caveats and notes", sections.caveats_html),
    ("provenance", "Provenance", sections.provenance_html),
)

#: Sections left out (and out of the table of contents) when they render ''.
_OPTIONAL = {"uncertainty", "recoverable"}


def render_report(result: RunResult) -> str:
    """The HTML text of the report of a run (``seabed.outputs.write_report``
    writes it to a file).

    Parameters
    ----------
    result : RunResult
        What :func:`seabed.pipeline.run` returned.

    Returns
    -------
    str
        One self-contained HTML page.
    """
    return render_page(report_context(result))


def render_quicklooks(result: RunResult) -> dict[str, bytes]:
    """The PNG of each quick-look map of a run, by name (``rey_ppm`` ...).

    A map the run has no data for (no kriging standard deviation with inverse
    distance weighting) is left out; the order is that of
    :data:`~seabed.report.QUICKLOOKS`.
    """
    return sections.quicklooks(report_context(result))


def render_report_and_quicklooks(result: RunResult) -> tuple[str, dict[str, bytes]]:
    """The report's HTML text and its quick-look PNGs, the maps drawn once."""
    context = report_context(result)
    text = render_page(context)
    return text, sections.quicklooks(context)


def _synthetic_banner(result: RunResult) -> str:
    """A banner above everything when the cores are synthetic."""
    if not result.synthetic_cores:
        return ""
    return (
        '<div class="caveat synthetic" role="alert"><strong>'
        f"{html.escape(SYNTHETIC_NOTICE)}.</strong></div>\n"
    )


def _doubts_banner(result: RunResult) -> str:
    """The run's doubtful choices and failed checks, above the sections."""
    if not result.doubts:
        return ""
    items = "".join(f"<li>{html.escape(doubt)}</li>" for doubt in result.doubts)
    return (
        '<div class="caveat doubts" role="alert"><strong>Read before using these '
        f"figures:</strong><ul>{items}</ul></div>\n"
    )


def render_page(context: ReportContext) -> str:
    """The whole page: head, table of contents, every section with content."""
    result = context.result
    parts = []
    for anchor, heading, render in SECTIONS:
        body = render(context)
        if body or anchor not in _OPTIONAL:
            parts.append(_section(anchor, heading, body))
    toc = "".join(
        f'<li><a href="#{anchor}">{html.escape(title)}</a></li>'
        for anchor, title, _ in parts
    )
    body = f'<nav class="toc"><ol>{toc}</ol></nav>\n' + "\n".join(
        text for _, _, text in parts
    )
    page = string.Template(_template("report.html"))
    record = result.provenance
    version = str(record.get("versions", {}).get("seabed", ""))
    return page.substitute(
        title=html.escape(sections.title(result)),
        version=html.escape(version),
        css=_template("report.css"),
        subtitle=sections.subtitle_html(context),
        badge=("SYNTHETIC DATA · " if result.synthetic_cores else "")
        + ("Inferred resource · " if sections.inferred_only(result) else "")
        + "not JORC / NI 43-101 compliant",
        body=_synthetic_banner(result) + _doubts_banner(result) + body,
        footer=html.escape(
            f"Written by seabed {version} on {record.get('created_utc', '')}. Every "
            "number here comes from the files listed under Provenance; rerun the "
            "configuration to reproduce it."
        ),
    )
