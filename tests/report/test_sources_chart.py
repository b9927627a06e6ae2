"""The tornado chart of the sources of uncertainty, in the report."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seabed.report import charts
from seabed.report.sections import uncertainty
from seabed.resource import SimulatedResource

matplotlib.use("Agg")


def sources_table() -> pd.DataFrame:
    """Summaries per source at two cut-offs, as simulate_resource gives them."""
    rows = []
    spreads = {"spatial": 0.05, "variogram": 0.07, "density": 0.15, "combined": 0.17}
    for cutoff, total in ((0.0, 10e6), (1000.0, 4e6)):
        for source, spread in spreads.items():
            for statistic, sign in (("p10", -1), ("p50", 0), ("p90", 1), ("mean", 0)):
                rows.append(
                    {
                        "source": source,
                        "cutoff_ppm": cutoff,
                        "statistic": statistic,
                        "rey_t": total * (1 + sign * spread),
                        "treo_t": 1.2 * total * (1 + sign * spread),
                    }
                )
    return pd.DataFrame(rows)


def simulated(sources: pd.DataFrame) -> SimulatedResource:
    return SimulatedResource(
        pd.DataFrame(),
        pd.DataFrame(),
        xr.DataArray(),
        xr.DataArray(),
        10,
        3,
        sources=sources,
    )


def test_tornado_bars_span_p10_to_p90_widest_on_top() -> None:
    widths = simulated(sources_table()).source_widths().query("cutoff_ppm == 0")
    ax = charts.plot_uncertainty_sources(widths)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels == ["spatial", "variogram", "density", "combined"]
    bars = sorted(ax.patches, key=lambda bar: bar.get_y())
    assert [round(bar.get_x(), 6) for bar in bars] == [9.5, 9.3, 8.5, 8.3]
    assert [round(bar.get_width(), 6) for bar in bars] == [1.0, 1.4, 3.0, 3.4]
    assert widths.set_index("source").at["density", "relative_width"] == (
        pytest.approx(0.3)
    )


def test_report_shows_the_chart_only_with_sources() -> None:
    html = uncertainty._sources_html(simulated(sources_table()))
    assert html.count("<img") == 1
    assert 'alt="tornado chart of the sources of uncertainty"' in html
    assert uncertainty._sources_html(simulated(pd.DataFrame())) == ""
    record = simulated(sources_table()).to_dict()["uncertainty"]["sources"]
    assert [row["source"] for row in record[::2]] == [
        "spatial",
        "variogram",
        "density",
        "combined",
    ]
    assert np.isclose(record[6]["width"], 3.4e6)
