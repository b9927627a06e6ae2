"""The resource statement as plain text, for the terminal (the CLI prints it).

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"cutoff_ppm": [0.0], "area_km2": [3175.2], "ore_t": [1.746e10],
...     "mean_rey_ppm": [964.0], "rey_t": [1.683e7], "treo_t": [2.02e7],
...     "treo_t_per_km2": [6362.0]})
>>> print(format_table(table))
 cut-off  area   ore     mean REY  REY    TREO   TREO
 ppm      km2    Mt      ppm       Mt     Mt     t/km2
 0        3,175  17,460  964       16.83  20.20  6,362
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from seabed.elements import DEFAULT_OXIDES
from seabed.result import SYNTHETIC_NOTICE
from seabed.variables import variable

if TYPE_CHECKING:
    from seabed.config import Config
    from seabed.result import RunResult


__all__ = [
    "format_recoverable",
    "format_statement",
    "format_table",
]


# column -> (header line 1, header line 2, formatter)
_COLUMNS = tuple(
    variable(name)
    for name in (
        "cutoff_ppm",
        "area_km2",
        "ore_t",
        "mean_rey_ppm",
        "rey_t",
        "treo_t",
        "treo_t_per_km2",
    )
)


def format_table(table: pd.DataFrame) -> str:
    """The statement's main columns as an aligned text table."""
    columns = [c for c in _COLUMNS if c.name in table]
    cells = [
        [c.label or c.name for c in columns],
        [c.table_units or "" for c in columns],
    ]
    for _, row in table.iterrows():
        cells.append([c.format(row[c.name]) for c in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        " " + "  ".join(text.ljust(w) for text, w in zip(line, widths)).rstrip()
        for line in cells
    )


def format_statement(result: RunResult) -> str:
    """The printed statement of a run: title, assumptions, table, exclusions, notes."""
    config = result.config
    window = config.composite
    lines = []
    if result.synthetic_cores:
        lines += [f"*** {SYNTHETIC_NOTICE} ***", ""]
    lines += [
        "seabed resource statement (not JORC / NI 43-101 compliant)"
        + (" - SYNTHETIC DATA" if result.synthetic_cores else ""),
        f"window {window.top_m:g}-{window.bottom_m:g} mbsf, dry density "
        f"{result.dry_density_text}, cut-offs on the estimated "
        f"block grade (total REY), TREO as {', '.join(_oxide_forms(config))}",
        "",
        format_table(result.statement),
    ]
    area = result.assumptions.get("area_of_interest") or {}
    if area.get("area_km2") is not None:
        lines += [
            "",
            f"area of interest: {area['definition']}, {area['area_km2']:,.1f} km2 "
            "(geodesic); the tables cover it only",
        ]
    if len(result.excluded):
        lines += ["", "excluded (tonnes at cut-off 0):"]
        for _, row in result.excluded.iterrows():
            lines.append(
                f"  {row['reason']}: {row['area_km2']:,.0f} km2, "
                f"{row['treo_t'] / 1e6:,.2f} Mt TREO"
            )
    if result.simulation is not None:
        lines += ["", result.simulation.format()]
    if len(result.recoverable):
        lines += ["", format_recoverable(result)]
    if result.notes:
        lines += ["", "notes:"] + [f"  - {note}" for note in result.notes]
    return "\n".join(lines)


def format_recoverable(result: RunResult) -> str:
    """The kriged statement beside the recoverable one, per cut-off, as text.

    The kriged figures apply the cut-off to the kriged grade of each cell; the
    recoverable ones apply it to the grade of each selective mining unit (SMU),
    by uniform conditioning (expected figures) and by simulation (mean and
    P10 / P50 / P90).
    """
    record = result.assumptions.get("recoverable") or {}
    smu = record.get("smu_m") or [result.config.grid.resolution_m] * 2
    cell = result.config.grid.resolution_m
    recoverable = result.recoverable
    methods = [m for m in ("uc", "simulation") if (recoverable.method == m).any()]
    names = {"uc": "UC", "simulation": "sim. mean"}
    kriged = result.statement.set_index("cutoff_ppm")
    by_key = recoverable.set_index(["method", "statistic", "cutoff_ppm"])
    header = ["cut-off", "area km2", "mean REY ppm", "TREO Mt"]
    if "simulation" in methods:
        header.append("TREO Mt sim. P10 / P50 / P90")
    sources = ["kriged", *(names[m] for m in methods)]
    units = ["ppm", *([" / ".join(sources)] * 3)]
    if "simulation" in methods:
        units.append("")
    lines = [header, units]
    for cutoff, row in kriged.iterrows():

        def means(column: str, row: pd.Series = row, cutoff: float = cutoff) -> list:
            return [row[column]] + [
                by_key.at[(m, "mean", cutoff), column] for m in methods
            ]

        line = [
            f"{cutoff:,g}",
            _joined(means("area_km2"), 1.0, ",.0f"),
            _joined(means("mean_rey_ppm"), 1.0, ",.0f"),
            _joined(means("treo_t"), 1e6, ",.2f"),
        ]
        if "simulation" in methods:
            percentiles = [
                by_key.at[("simulation", p, cutoff), "treo_t"]
                for p in ("p10", "p50", "p90")
            ]
            line.append(_joined(percentiles, 1e6, ",.2f"))
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    title = (
        f"kriged (cut-off on each {cell:g} x {cell:g} m cell's kriged grade) beside "
        f"recoverable (cut-off on each {smu[0]:g} x {smu[1]:g} m SMU's grade: "
        + ", ".join(
            {
                "uc": "UC = uniform conditioning, expected",
                "simulation": "sim. = conditional simulation",
            }[m]
            for m in methods
        )
        + ")"
    )
    body = [
        " " + "  ".join(t.ljust(w) for t, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    return "\n".join([title, *body])


def _joined(values: list[float], scale: float, fmt: str) -> str:
    """Figures side by side, ``a / b / c`` ("-" for a missing one)."""
    return " / ".join(
        "-" if value != value else format(value / scale, fmt) for value in values
    )


def _oxide_forms(config: Config) -> list[str]:
    chosen = dict(DEFAULT_OXIDES) | dict(config.resource.oxides)
    return [chosen[el] for el in ("Ce", "Pr", "Tb")] + ["others as M2O3"]
