"""Tests of seabed.report: the HTML report, the quick-looks and the printed statement."""

import ast
import base64
import copy
import dataclasses
import io
import math
import tomllib
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import dask
import dask.array as da
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from dask.callbacks import Callback
from matplotlib.axes import Axes
from PIL import Image

import seabed
from seabed import estimation, outputs, report
from seabed.config import Config
from seabed.exceptions import SeabedError
from seabed.geostats import OrdinaryKriging
from seabed.io.synthetic import SyntheticField, make_survey
from seabed.report import charts, html, maps, sections

BOX = (153.55, 21.85, 153.95, 22.2)  # about 41 x 39 km inside the Takaya box
PROTECTED = (153.6, 21.9, 153.7, 22.0)  # an exclusion zone inside it


def survey_config(tmp_path, **sections) -> Config:
    survey = make_survey(n_cores=60, bounds=BOX, seed=7, field=SyntheticField(seed=7))
    cores = tmp_path / "cores.csv"
    # without the generator's mark, the cores stand for a user's measured ones
    survey.samples.drop(columns="synthetic").to_csv(cores, index=False)
    protected = tmp_path / "protected.geojson"
    gpd.GeoDataFrame(
        {"reason": ["protected area"]}, geometry=[shapely.box(*PROTECTED)], crs=4326
    ).to_file(protected)
    data = {
        "inputs": {"cores": str(cores), "exclude": [{"path": str(protected)}]},
        "grid": {"bounds": list(BOX), "resolution_m": 1000.0},
        "output": {"dir": str(tmp_path / "out")},
    } | sections
    return Config.model_validate(data)


# Conditional realisations of the report's run: few, to keep the tests fast.
REALIZATIONS = 20


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """A run with a conditional simulation (P10 / P50 / P90)."""
    tmp_path = tmp_path_factory.mktemp("report")
    config = survey_config(
        tmp_path, simulation={"realizations": REALIZATIONS, "seed": 3}
    )
    return seabed.run(config, progress=False)


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    """The report and quick-looks of the run, and the report parsed."""
    folder = tmp_path_factory.mktemp("written")
    files = outputs.write_report(result, folder / "report.html", quicklooks=True)
    page = Page()
    page.feed(files[0].read_text(encoding="utf-8"))
    return files, page


class Page(HTMLParser):
    """What a test needs of the report: tags, links, images, tables, text."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []  # every src and href
        self.ids: list[str] = []
        self.images: list[bytes] = []
        self.alts: list[str] = []  # alt text of each image
        self.captions: list[str] = []  # of figures
        self.tables: list[dict] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._unit: list[str] | None = None  # inside <span class="unit">
        self._cell_unit = ""
        self._heading: list[str] | None = None
        self._caption: list[str] | None = None
        self._pre: list[str] | None = None
        self.pre: list[str] = []
        self._figcaption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href"):
            if key in attrs:
                self.links.append(attrs[key])
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "img":
            head, data = attrs["src"].split(",", 1)
            assert head == "data:image/png;base64"
            self.images.append(base64.b64decode(data))
            self.alts.append(attrs.get("alt", ""))
        elif tag == "table":
            self.tables.append({"caption": "", "rows": [], "units": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
            self._cell_unit = ""
        elif tag == "span" and attrs.get("class") == "unit":
            self._unit = []
        elif tag in ("h2", "h3"):
            self._heading = []
        elif tag == "caption":
            self._caption = []
        elif tag == "pre":
            self._pre = []
        elif tag == "figcaption":
            self._figcaption = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            if tag == "th" and len(self.tables[-1]["rows"]) == 1:
                self.tables[-1]["units"].append(self._cell_unit)
            self._cell = None
        elif tag == "span" and self._unit is not None:
            self._cell_unit = "".join(self._unit)
            self._unit = None
        elif tag in ("h2", "h3"):
            self.headings.append("".join(self._heading))
            self._heading = None
        elif tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption)
            self._caption = None
        elif tag == "pre":
            self.pre.append("".join(self._pre))
            self._pre = None
        elif tag == "figcaption":
            self.captions.append("".join(self._figcaption))
            self._figcaption = None

    def handle_data(self, data):
        if self._unit is not None:
            self._unit.append(data)
            return
        for part in (
            self._cell,
            self._heading,
            self._caption,
            self._pre,
            self._figcaption,
        ):
            if part is not None:
                part.append(data)

    def table(self, caption_start: str) -> dict:
        """The table whose caption starts so: ``rows`` (header first), ``units``."""
        [found] = [t for t in self.tables if t["caption"].startswith(caption_start)]
        return found

    def key_values(self, first_key: str) -> dict[str, str]:
        """A two-column table of the report, found by its first key."""
        [found] = [t for t in self.tables if t["rows"] and t["rows"][0][0] == first_key]
        return {row[0]: row[1] for row in found["rows"]}


def number(text: str) -> float:
    return math.nan if text == "-" else float(text.replace(",", ""))


def nonwhite_share(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return float(np.mean(pixels < 250))


# --------------------------------------------------------------------------- the file
def test_report_is_one_self_contained_file(written):
    _, page = written
    assert "script" not in page.tags
    assert "link" in page.tags  # only the empty inline icon
    for link in page.links:
        assert link.startswith(("data:", "#")), link
    # every table-of-contents entry points at a section of the page
    anchors = [link[1:] for link in page.links if link.startswith("#")]
    assert anchors and set(anchors) <= set(page.ids)


def test_report_embeds_every_figure_as_a_drawn_png(written):
    _, page = written
    # 5 maps, location, variogram, directional variograms, cross-validation scatter
    # and map, log-probability, 3 swaths, Q-Q, grade-tonnage, depth profile; TREO
    # over the realisations, the tornado chart (the histogram's uncertainty is a
    # source beside space by default), e-type map, 3 probability maps; the
    # neighbourhood analysis (slope and efficiency)
    assert len(page.images) == 24
    assert "tornado chart of the sources of uncertainty" in page.alts
    for alt in ("log-probability plot", "swath plot depth", "Q-Q plot"):
        assert alt in page.alts
    for png in page.images:
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.width >= 500 and image.height >= 400
        assert nonwhite_share(png) > 0.02  # line charts are mostly white


def test_quicklooks_are_the_report_maps(written):
    files, page = written
    names = [path.name for path in files[1:]]
    assert names == [f"{name}.png" for name in report.QUICKLOOKS]
    for path in files[1:]:
        png = path.read_bytes()
        assert png in page.images  # one rendering serves both
        assert nonwhite_share(png) > 0.3


def test_write_quicklooks_alone(result, tmp_path):
    files = outputs.write_quicklooks(result, tmp_path)
    assert [path.name for path in files] == [f"{n}.png" for n in report.QUICKLOOKS]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


# --------------------------------------------------------------------------- content
def test_statement_table_shows_the_run_statement(result, written):
    _, page = written
    table = page.table("Per cut-off")
    header, *body = table["rows"]
    assert header[:4] == ["cut-off", "area", "cells", "ore"]
    assert table["units"][:4] == ["ppm REY", "km²", "", "Mt"]
    assert len(body) == len(result.statement)
    for cells, (_, expected) in zip(body, result.statement.iterrows()):
        assert number(cells[0]) == expected["cutoff_ppm"]
        assert number(cells[1]) == pytest.approx(expected["area_km2"], abs=0.05)
        assert number(cells[3]) == pytest.approx(expected["ore_t"] / 1e6, abs=0.05)
        if not math.isnan(expected["mean_rey_ppm"]):
            assert number(cells[4]) == pytest.approx(expected["mean_rey_ppm"], abs=0.5)


def test_exclusions_listed_with_their_reason(result, written):
    _, page = written
    rows = page.table("Tonnes the excluded area")["rows"]
    reasons = [row[0] for row in rows[1:]]
    assert reasons == list(result.excluded["reason"])
    assert "protected area" in reasons
    protected = result.excluded.set_index("reason").loc["protected area"]
    row = next(r for r in rows if r[0] == "protected area")
    assert number(row[1]) == pytest.approx(protected["area_km2"], abs=0.05)
    assert protected["area_km2"] > 50  # the 10 x 11 km box is in the grid


def test_depth_class_and_element_sections(result, written):
    _, page = written
    for heading in (
        "By element",
        "By depth slice",
        "Cumulative from the seafloor to each depth",
        "By resource class",
    ):
        assert heading in page.headings
    assert "By report zone" not in page.headings  # no report zones given
    slices = page.table("Each depth slice")["rows"]
    assert [row[0] for row in slices[1:]] == [f"{i}-{i + 1}" for i in range(10)]
    per_slice = result.slices[
        (result.slices["interval"] == "slice") & (result.slices["cutoff_ppm"] == 0)
    ]
    # slices add up to the window at cut-off 0
    treo = [number(row[4]) for row in slices[1:]]
    assert sum(treo) == pytest.approx(per_slice["treo_t"].sum() / 1e6, abs=0.01)
    elements = page.table("Oxide tonnes of each element")["rows"]
    assert [row[0] for row in elements[1:4]] == ["Y2O3", "La2O3", "CeO2"]


def test_cross_validation_statistics_match_a_brute_force_leave_one_out(result, written):
    _, page = written
    composites = result.composites
    used = composites[composites["reaches_bottom"] & composites["rey_ppm"].notna()]
    X = estimation.project(used, result.dataset.rio.crs)
    y = used["rey_ppm"].to_numpy()
    estimate = result.config.estimate
    errors = []
    for i in range(len(y)):  # refit without each core: obviously leave-one-out
        others = np.arange(len(y)) != i
        model = OrdinaryKriging(
            variogram=result.variogram,
            n_neighbors=estimate.n_neighbors,
            max_distance=estimate.max_distance_m,
            min_neighbors=estimate.min_neighbors,
        ).fit(X[others], y[others])
        errors.append(y[i] - model.predict(X[i : i + 1])[0])
    # the run's own used cores and leave-one-out table, which the report draws
    assert list(result.used_cores.index) == list(used.index)
    np.testing.assert_allclose(result.used_cores[["x", "y"]].to_numpy(), X)
    np.testing.assert_allclose(
        result.cross_validation["residual"], errors, rtol=1e-6, atol=1e-6
    )
    stats = page.key_values("Cores predicted")
    assert stats["Cores predicted"] == str(len(y))
    rmse = float(np.sqrt(np.mean(np.square(errors))))
    assert number(stats["Root mean squared error"].split()[0]) == pytest.approx(
        rmse, abs=0.05
    )
    bias = float(np.mean(errors))
    assert number(stats["Mean error (bias)"].split()[0]) == pytest.approx(
        bias, abs=0.05
    )


def test_provenance_config_runs_again(result, written):
    _, page = written
    [config_text] = page.pre
    parsed = tomllib.loads(unescape(config_text))
    assert parsed == without_none(result.config.to_dict())
    reloaded = Config.model_validate(parsed)
    assert reloaded.to_dict() == result.config.to_dict()


def without_none(value):
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


def test_assumptions_and_caveats(result, written):
    files, page = written
    rows = page.key_values("Depth window")
    assert rows["Dry bulk density"] == "constant 0.55 t/m³"
    assert rows["Cut-offs"].startswith("0, 400, 2,000, 5,000 ppm")
    assert rows["Oxide forms (factor)"].startswith("Y2O3 1.2699, La2O3 1.1728")
    assert rows["Exclude zones"] == "protected.geojson"
    assert "EPSG:32656" in rows["Grid"]
    text = files[0].read_text(encoding="utf-8")
    assert "not JORC / NI 43-101 compliant" in text
    assert "The cores are synthetic" not in text  # the user's own cores


def test_bundled_demo_cores_are_called_synthetic(result):
    assert not result.synthetic_cores and not result.bundled_bathymetry
    demo = dataclasses.replace(result, synthetic_cores=True, bundled_bathymetry=True)
    caveats = sections.caveats_html(report.report_context(demo))
    assert "The cores are synthetic" in caveats
    assert "grids are coarse, about 10 km per cell" in caveats


# --------------------------------------------------------------------------- uncertainty
def test_uncertainty_table_shows_the_simulation_beside_the_kriged_statement(
    result, written
):
    _, page = written
    assert "uncertainty" in page.ids
    table = page.table(f"Statement over {REALIZATIONS} conditional realisations")
    header, *body = table["rows"]
    assert header == ["cut-off", "statistic", "area", "ore", "mean REY", "REY", "TREO"]
    assert table["units"] == ["ppm REY", "", "km²", "Mt", "ppm", "Mt", "Mt"]
    cutoffs = list(result.statement["cutoff_ppm"])
    assert [number(row[0]) for row in body] == [c for c in cutoffs for _ in range(5)]
    assert [row[1] for row in body] == ["P10", "P50", "P90", "mean", "kriged"] * len(
        cutoffs
    )
    simulated = result.simulation.summary.set_index(["cutoff_ppm", "statistic"])
    kriged = result.statement.set_index("cutoff_ppm")
    for cells in body:
        cutoff, statistic = number(cells[0]), cells[1]
        expected = (
            kriged.loc[cutoff]
            if statistic == "kriged"
            else simulated.loc[(cutoff, statistic.lower())]
        )
        assert number(cells[2]) == pytest.approx(expected["area_km2"], abs=0.05)
        assert number(cells[3]) == pytest.approx(expected["ore_t"] / 1e6, abs=0.05)
        if not math.isnan(expected["mean_rey_ppm"]):
            assert number(cells[4]) == pytest.approx(expected["mean_rey_ppm"], abs=0.5)
        assert number(cells[5]) == pytest.approx(expected["rey_t"] / 1e6, abs=5e-4)
        assert number(cells[6]) == pytest.approx(expected["treo_t"] / 1e6, abs=5e-4)
    # the realisations spread: at 400 ppm, P10 < P50 < P90 of the TREO
    at_400 = simulated.loc[400.0, "treo_t"]
    assert at_400["p10"] < at_400["p50"] < at_400["p90"]


def test_uncertainty_is_explained_and_summarised(result, written):
    files, _ = written
    text = files[0].read_text(encoding="utf-8")
    assert "<b>P10</b> is the low figure: 90 % of the realisations give more" in text
    first = result.simulation.summary.query("cutoff_ppm == 0").set_index("statistic")
    low, high = first.loc["p10", "treo_t"] / 1e6, first.loc["p90", "treo_t"] / 1e6
    assert f"{low:,.2f}-{high:,.2f} Mt</div>" in text  # the summary card
    assert "TREO, P10-P90" in text
    # the printed statement keeps its P10 / P50 / P90
    printed = report.format_statement(result)
    assert f"P10 / P50 / P90 over {REALIZATIONS} conditional realisations" in printed


def test_uncertainty_maps_and_spread_draw_the_simulation(result, monkeypatch):
    drawn, spread = {}, {}
    plot_map, plot_spread = maps.plot_map, charts.plot_tonnage_distribution

    def map_spy(grid, ax=None, **style):
        drawn[style["title"]] = grid
        return plot_map(grid, ax, **style)

    def spread_spy(tonnes_t, ax=None, **style):
        spread[style["title"]] = (np.asarray(tonnes_t), style["kriged_t"])
        return plot_spread(tonnes_t, ax, **style)

    monkeypatch.setattr(maps, "plot_map", map_spy)
    monkeypatch.setattr(charts, "plot_tonnage_distribution", spread_spy)
    page = Page()
    page.feed(sections.uncertainty_html(report.report_context(result)))
    assert page.alts == [
        "distribution of TREO over the realisations",
        # the histogram's uncertainty is on by default: a source beside space
        "tornado chart of the sources of uncertainty",
        "e-type REY grade",
        "probability above 400 ppm",  # none at 0 ppm: it is 1 everywhere
        "probability above 2000 ppm",
        "probability above 5000 ppm",
    ]
    simulated = result.simulation
    np.testing.assert_array_equal(
        drawn["E-type REY grade (mean of the realisations)"],
        simulated.etype_rey_ppm,
    )
    np.testing.assert_array_equal(
        drawn["Probability that REY ≥ 2,000 ppm"],
        simulated.probability_above.sel(cutoff_ppm=2000.0),
    )
    realizations = simulated.realizations
    summary = simulated.summary.set_index(["cutoff_ppm", "statistic"])
    for cutoff, kriged in result.statement.set_index("cutoff_ppm")["treo_t"].items():
        values, kriged_t = spread[f"cut-off {cutoff:,.0f} ppm"]
        expected = realizations.loc[realizations["cutoff_ppm"] == cutoff, "treo_t"]
        np.testing.assert_array_equal(values, expected)
        assert len(values) == REALIZATIONS
        assert kriged_t == kriged
        # the figure's P10 line is the table's P10
        assert np.percentile(values, 10) == pytest.approx(
            summary.loc[(cutoff, "p10"), "treo_t"]
        )


def simulated_parts(kriged: pd.DataFrame) -> pd.DataFrame:
    """Simulated statements made up from kriged ones: P10, P50, P90, mean TREO at
    0.9, 1, 1.1 and 1 times the kriged TREO."""
    keys = [c for c in ("interval", "top_m", "bottom_m", "zone") if c in kriged]
    quantities = ["area_km2", "ore_t", "mean_rey_ppm", "rey_t", "treo_t"]
    tables = [
        kriged.assign(statistic=statistic, treo_t=kriged["treo_t"] * factor)
        for statistic, factor in (("p10", 0.9), ("p50", 1.0), ("p90", 1.1), ("mean", 1))
    ]
    return pd.concat(tables, ignore_index=True)[
        [*keys, "cutoff_ppm", "statistic", *quantities]
    ]


def test_simulated_slices_and_zones_are_shown_when_present(result, monkeypatch):
    monkeypatch.setattr(html, "_png", lambda figure: b"")  # tables only: faster
    simulated = copy.copy(result.simulation)  # works before and after they exist
    simulated.slices = simulated_parts(result.slices)
    zones = result.statement.assign(zone="A1")
    simulated.zones = simulated_parts(zones)
    page = Page()
    with_parts = dataclasses.replace(result, simulation=simulated)
    page.feed(sections.uncertainty_html(report.report_context(with_parts)))
    assert page.headings == [
        "By depth slice: P10 / P50 / P90",
        "Cumulative from the seafloor to each depth: P10 / P50 / P90",
        "By report zone: P10 / P50 / P90",
    ]
    header, *body = page.table("Over the realisations: each depth slice")["rows"]
    assert header == ["depth"] + [
        f"TREO ≥ {c:,.0f} ppm" for c in result.statement["cutoff_ppm"]
    ]
    assert [row[0] for row in body] == [f"{i}-{i + 1}" for i in range(10)]
    kriged = result.slices.query(
        "interval == 'slice' and top_m == 3 and cutoff_ppm == 400"
    )
    treo = float(kriged["treo_t"].iloc[0]) / 1e6
    assert body[3][2] == f"{0.9 * treo:,.3f} / {treo:,.3f} / {1.1 * treo:,.3f}"
    [zone] = page.table("Each report zone")["rows"][1:]
    treo = result.statement["treo_t"].iloc[0] / 1e6
    assert zone[:2] == ["A1", f"{0.9 * treo:,.3f} / {treo:,.3f} / {1.1 * treo:,.3f}"]

    simulated.slices = simulated.zones = pd.DataFrame()  # not applicable: no table
    page = Page()
    page.feed(sections.uncertainty_html(report.report_context(with_parts)))
    assert page.headings == []


def test_run_without_simulation_has_no_uncertainty_section(result):
    bare = report.report_context(dataclasses.replace(result, simulation=None))
    assert sections.uncertainty_html(bare) == ""  # so no section, nor a toc entry
    assert "the run made no conditional simulation" in sections.caveats_html(bare)
    assert 'href="#uncertainty"' not in report.render_report(bare.result)


# --------------------------------------------------------------------------- memory
def lazy_map_layers(result, n_cells: int, chunk: int) -> xr.Dataset:
    """The map layers a large run keeps: dask-backed, ``n_cells`` a side over the
    run's footprint, no other variable, no lon/lat coordinates."""
    left, bottom, right, top = result.dataset.rio.bounds()
    centres = (np.arange(n_cells) + 0.5) / n_cells
    random = da.random.RandomState(0)

    def layer(low, high):
        return (("y", "x"), random.uniform(low, high, (n_cells,) * 2, chunks=chunk))

    ds = xr.Dataset(
        {
            "rey_ppm": layer(500.0, 1500.0),
            "rey_std_ppm": layer(50.0, 200.0),
            "treo_t_per_km2": layer(3000.0, 9000.0),
            "available_fraction": layer(0.0, 1.0),
            "resource_class": (
                ("y", "x"),
                random.randint(0, 4, (n_cells,) * 2, chunks=chunk).astype(np.uint8),
                {"flag_meanings": "unclassified measured indicated inferred"},
            ),
        },
        coords={
            "x": left + (right - left) * centres,
            "y": top - (top - bottom) * centres,
        },
    )
    return ds.rio.write_crs(result.dataset.rio.crs)


def test_report_of_a_large_lazy_run_loads_only_decimated_maps(result, monkeypatch):
    chunk = 1000
    large = dataclasses.replace(
        result, dataset=lazy_map_layers(result, 4000, chunk), simulation=None
    )
    shown = []
    imshow = Axes.imshow

    def imshow_spy(ax, values, *args, **kwargs):
        shown.append(np.shape(values))
        return imshow(ax, values, *args, **kwargs)

    monkeypatch.setattr(Axes, "imshow", imshow_spy)
    task_bytes = []
    with (
        dask.config.set(scheduler="synchronous"),
        Callback(posttask=lambda key, out, *_: task_bytes.append(out.nbytes)),
    ):
        text = report.render_report(large)
    # 1 cell in every 3 x 3 block of the 4,000 x 4,000: 1,333 a side, per map
    assert shown == [(1333, 1333)] * 5
    # no task held more than one decimated map (a whole layer is 128 MB)
    assert max(task_bytes) <= maps.MAX_MAP_CELLS**2 * 8
    page = Page()
    page.feed(text)
    note = (
        "Drawn from 1 cell in every 3 × 3 block (1,333 × 1,333 of the grid's "
        "4,000 × 4,000 cells)"
    )
    assert sum(note in caption for caption in page.captions) == 5
    assert "4000 × 4000 grid" in text
    # the tables are the run's own, not recomputed from the cells
    assert page.table("Per cut-off")["rows"][1][1] == (
        f"{result.statement['area_km2'].iloc[0]:,.1f}"
    )


# --------------------------------------------------------------------------- robustness
def test_sections_a_run_lacks_are_skipped(result):
    empty = pd.DataFrame()  # not applicable to the run (or not asked for)
    bare = dataclasses.replace(
        result,
        slices=empty,
        classes=empty,
        zones=empty,
        elements=empty,
        grade_tonnage=empty,
        simulation=None,
    )
    page = Page()
    page.feed(report.render_report(bare))
    assert "By depth slice" not in page.headings
    assert "By resource class" not in page.headings
    assert "uncertainty" not in page.ids
    # no depth profile, no simulation (the validation figures are the run's; KNA kept)
    assert len(page.images) == 17
    # elements from the statement's oxide columns, the curve is the statement
    assert "By element" in page.headings
    curve = page.table("Points of the grade-tonnage curve")["rows"]
    first = result.statement.iloc[0]
    assert number(curve[1][2]) == pytest.approx(first["ore_t"] / 1e6, abs=0.05)


def with_zone_files_gone(result, folder):
    """The run, its exclusion zone files moved away (to a missing ``gone.geojson``)."""
    exclude = [
        zone.model_copy(update={"path": folder / "gone.geojson"})
        for zone in result.config.inputs.exclude
    ]
    inputs = result.config.inputs.model_copy(update={"exclude": exclude})
    return dataclasses.replace(
        result, config=result.config.model_copy(update={"inputs": inputs})
    )


def test_inferred_badge_follows_the_statement_by_class(result):
    classes = result.classes.assign(ore_t=0.0)
    classes.loc[classes["class"] == "inferred", "ore_t"] = 1e9
    only_inferred = dataclasses.replace(result, classes=classes)
    assert sections.inferred_only(only_inferred)
    classes.loc[classes["class"] == "indicated", "ore_t"] = 1e6
    indicated = dataclasses.replace(result, classes=classes)
    assert not sections.inferred_only(indicated)
    # no table to say otherwise: the cautious reading
    bare = dataclasses.replace(result, classes=pd.DataFrame())
    assert sections.inferred_only(bare)


def test_report_reads_no_input_file(result, tmp_path, monkeypatch):
    gone = with_zone_files_gone(result, tmp_path)  # the zone files moved away

    def no_reading(*args, **kwargs):
        raise AssertionError("the report read an input file")

    monkeypatch.setattr(gpd, "read_file", no_reading)
    monkeypatch.setattr(pd, "read_csv", no_reading)
    context = report.report_context(gone)
    assert context.zones is not None  # drawn from the run's own outlines
    assert list(context.zones["reason"]) == ["area of interest", "protected area"]
    text = report.render_report(gone)
    assert "zone outlines not drawn" not in text
    assert "gone.geojson" in text  # the configuration, as listed in Assumptions


def test_report_problems_of_the_run_are_shown_beside_the_maps(result):
    note = "cross-validation was skipped: too few cores"
    noted = dataclasses.replace(result, report_notes=[note])
    text = sections.maps_html(report.report_context(noted))
    assert f'<p class="muted">{note}</p>' in text


def test_inverse_distance_run_has_no_variogram_nor_deviation(tmp_path):
    config = survey_config(tmp_path, estimate={"method": "idw"})
    result = seabed.run(config, progress=False)
    files = outputs.write_report(result, tmp_path / "report.html", quicklooks=True)
    assert "rey_std_ppm.png" not in [path.name for path in files]
    page = Page()
    page.feed(files[0].read_text(encoding="utf-8"))
    rows = page.key_values("Depth window")
    assert rows["Estimator"].startswith("inverse distance weighting (power 2)")
    assert "Model fitted" not in "".join(page.headings)


# --------------------------------------------------------------------------- text
def test_report_prints_the_density_the_run_used(tmp_path):
    # 1.3 t/m3 wet with 60 % water: 0.52 t/m3 dry, not the default 0.55
    config = survey_config(
        tmp_path,
        resource={"wet_density_t_m3": 1.3, "water_content": 0.6},
        estimate={"method": "idw"},  # the density is what matters here: fast
    )
    result = seabed.run(config, progress=False)
    assert result.dry_density_t_m3 == pytest.approx(0.52)
    assert result.dry_density_text.startswith("constant 0.52 t/m3 from wet 1.3")
    context = report.report_context(result)
    summary = sections.summary_html(context)
    assert "dry bulk density 0.52 t/m³" in summary
    assert "0.55" not in summary
    page = Page()
    page.feed(sections.assumptions_html(context))
    density = page.key_values("Depth window")["Dry bulk density"]
    assert density.startswith("constant 0.52 t/m³ from wet 1.3 t/m³")
    assert "dry density constant 0.52 t/m3" in report.format_statement(result)


def test_report_reads_only_the_typed_fields_of_the_run():
    # no getattr(result, "...", default): a field the run lacks is a type error
    package = Path(report.__file__).parent
    calls = [
        f"{path.name}:{node.lineno}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "hasattr", "delattr"}
    ]
    assert calls == []


def test_printed_statement_names_density_and_compliance(result):
    text = report.format_statement(result)
    assert text.splitlines()[0] == (
        "seabed resource statement (not JORC / NI 43-101 compliant)"
    )
    assert "dry density constant 0.55 t/m3" in text
    assert "protected area" in text


def test_toml_quotes_keys_and_keeps_values():
    config = {
        "columns": {"La_ppm": "La (ppm)", "core id": "Hole"},
        "grid": {"bounds": [153.5, 21.8], "flag": True, "none": None},
    }
    text = html._toml(config)
    assert tomllib.loads(text) == without_none(config)
    assert '"core id" = "Hole"' in text


def test_numbers_in_tables_are_formatted_by_unit():
    table = pd.DataFrame(
        {
            "zone": ["A1"],
            "area_km2": [1234.56],
            "ore_t": [2.5e9],
            "Nd2O3_t": [1234.4],
            "hree_y_share": [0.4456],
            "dry_density_t_m3": [0.5512],
        }
    )
    page = Page()
    page.feed(html._table_html(table, list(table.columns)))
    header, row = page.tables[0]["rows"]
    assert header == ["zone", "area", "ore", "Nd2O3", "HREE + Y", "dry density"]
    assert page.tables[0]["units"] == ["", "km²", "Mt", "t", "% of REY", "t/m³"]
    assert row == ["A1", "1,234.6", "2,500.0", "1,234", "44.6", "0.55"]


def test_zone_outlines_of_the_run_are_drawn_as_they_are(result):
    # the run keeps the zones it read: the report draws them without reading files
    outlines = result.zone_outlines
    assert outlines[["kind", "reason"]].values.tolist() == [
        ["area", "area of interest"],
        ["exclude", "protected area"],
    ]
    protected = gpd.read_file(result.config.inputs.exclude[0].path)
    built = report.zone_outlines([], [("protected area", protected)])
    assert built.geometry.equals(outlines.geometry[1:].reset_index(drop=True))
    # the area of interest: the geodesic box of grid.bounds
    assert outlines.geometry[0].bounds == pytest.approx(
        tuple(result.config.grid.bounds)
    )
    # report zones are kept by the run, but only include and exclude zones are drawn
    squares = gpd.GeoDataFrame({"name": ["A1"]}, geometry=[shapely.box(*BOX)], crs=4326)
    with_report = report.zone_outlines(
        [], [("protected area", protected)], report=squares
    )
    assert with_report[["kind", "reason"]].values.tolist() == [
        ["exclude", "protected area"],
        ["report", "A1"],
    ]
    context = report.report_context(
        dataclasses.replace(result, zone_outlines=with_report)
    )
    assert list(context.zones["kind"]) == ["exclude"]  # no area given here
    # no zones: no outlines, and no location map without a bathymetry either
    bare = report.report_context(dataclasses.replace(result, zone_outlines=None))
    assert bare.zones is None
    assert 'alt="location"' not in sections.maps_html(bare)


def test_pdf_needs_a_chromium_and_says_so(tmp_path, monkeypatch):
    page = tmp_path / "report.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(SeabedError, match="cannot run Chromium"):
        outputs.write_pdf(page, tmp_path / "a.pdf", chromium=str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on the PATH
    with pytest.raises(SeabedError, match="apt-get install chromium"):
        outputs.write_pdf(page, tmp_path / "a.pdf")
    assert not list(tmp_path.glob("*.pdf"))
