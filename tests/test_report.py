"""Tests of seabed.report: the HTML report, the quick-looks and the printed statement."""

import base64
import copy
import dataclasses
import io
import math
import tomllib
from html import unescape
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from seabed import datasets, pipeline, report
from seabed.config import Config
from seabed.exceptions import SeabedError
from seabed.geostats import OrdinaryKriging
from seabed.synthetic import SyntheticField, make_survey

BOX = (153.55, 21.85, 153.95, 22.2)  # about 41 x 39 km inside the Takaya box
PROTECTED = (153.6, 21.9, 153.7, 22.0)  # an exclusion zone inside it


def survey_config(tmp_path, **sections) -> Config:
    survey = make_survey(n_cores=60, bounds=BOX, seed=7, field=SyntheticField(seed=7))
    cores = tmp_path / "cores.csv"
    survey.samples.to_csv(cores, index=False)
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


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    return pipeline.run(survey_config(tmp_path), progress=False)


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    """The report and quick-looks of the run, and the report parsed."""
    folder = tmp_path_factory.mktemp("written")
    files = report.write_report(result, folder / "report.html", quicklooks=True)
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
        self.tables: list[dict] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._unit: list[str] | None = None  # inside <span class="unit">
        self._cell_unit = ""
        self._heading: list[str] | None = None
        self._caption: list[str] | None = None
        self._pre: list[str] | None = None
        self.pre: list[str] = []

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

    def handle_data(self, data):
        if self._unit is not None:
            self._unit.append(data)
            return
        for part in (self._cell, self._heading, self._caption, self._pre):
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
    # 5 maps, location, variogram, cross-validation scatter and map, grade-tonnage,
    # depth profile
    assert len(page.images) == 11
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
    files = report.write_quicklooks(result, tmp_path)
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
    slices = page.table("Each slice at the lowest cut-off")["rows"]
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
    X = pipeline.project(used, result.dataset.rio.crs)
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
    _, page = written
    rows = page.key_values("Depth window")
    assert rows["Dry bulk density"] == "constant 0.55 t/m³"
    assert rows["Cut-offs"].startswith("0, 400, 2,000, 5,000 ppm")
    assert rows["Oxide forms (factor)"].startswith("Y2O3 1.2699, La2O3 1.1728")
    assert rows["Exclude zones"] == "protected.geojson"
    assert "EPSG:32656" in rows["Grid"]
    text = report.render_report(result)
    assert "not JORC / NI 43-101 compliant" in text
    assert "The cores are synthetic" not in text  # the user's own cores


def test_bundled_demo_cores_are_called_synthetic(result):
    inputs = result.config.inputs.model_copy(
        update={"cores": datasets.demo_cores_path()}
    )
    demo = dataclasses.replace(
        result, config=result.config.model_copy(update={"inputs": inputs})
    )
    caveats = report._Report.of(demo).caveats_html()
    assert "The cores are synthetic" in caveats


# --------------------------------------------------------------------------- robustness
def test_sections_a_run_lacks_are_skipped(result):
    bare = copy.copy(result)
    for attribute in ("slices", "classes", "zones", "elements", "grade_tonnage"):
        delattr(bare, attribute)  # a run from before these tables existed
    page = Page()
    page.feed(report.render_report(bare))
    assert "By depth slice" not in page.headings
    assert "By resource class" not in page.headings
    assert len(page.images) == 10  # no depth profile
    # elements from the statement's oxide columns, the curve from the cells
    assert "By element" in page.headings
    curve = page.table("Points of the grade-tonnage curve")["rows"]
    first = result.statement.iloc[0]
    assert number(curve[1][2]) == pytest.approx(first["ore_t"] / 1e6, abs=0.05)


def test_missing_zone_file_is_noted_not_fatal(result, tmp_path):
    exclude = [
        zone.model_copy(update={"path": tmp_path / "gone.geojson"})
        for zone in result.config.inputs.exclude
    ]
    inputs = result.config.inputs.model_copy(update={"exclude": exclude})
    moved = dataclasses.replace(
        result, config=result.config.model_copy(update={"inputs": inputs})
    )
    built = report._Report.of(moved)
    assert built.zones is None
    assert "zone outlines not drawn" in built.problems[0]
    assert "gone.geojson" in built.problems[0]


def test_inverse_distance_run_has_no_variogram_nor_deviation(tmp_path):
    config = survey_config(tmp_path, estimate={"method": "idw"})
    result = pipeline.run(config, progress=False)
    files = report.write_report(result, tmp_path / "report.html", quicklooks=True)
    assert "rey_std_ppm.png" not in [path.name for path in files]
    page = Page()
    page.feed(files[0].read_text(encoding="utf-8"))
    rows = page.key_values("Depth window")
    assert rows["Estimator"].startswith("inverse distance weighting (power 2)")
    assert "Model fitted" not in "".join(page.headings)


# --------------------------------------------------------------------------- text
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
    text = report._toml(config)
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
    page.feed(report._table_html(table, list(table.columns)))
    header, row = page.tables[0]["rows"]
    assert header == ["zone", "area", "ore", "Nd2O3", "HREE + Y", "dry density"]
    assert page.tables[0]["units"] == ["", "km²", "Mt", "t", "% of REY", "t/m³"]
    assert row == ["A1", "1,234.6", "2,500.0", "1,234", "44.6", "0.55"]


def test_zone_outlines_carried_by_the_run_are_used_as_they_are(result, tmp_path):
    protected = gpd.read_file(result.config.inputs.exclude[0].path)
    outlines = report.zone_outlines([], [("protected area", protected)])
    assert outlines[["kind", "reason"]].values.tolist() == [
        ["exclude", "protected area"]
    ]
    exclude = [
        zone.model_copy(update={"path": tmp_path / "gone.geojson"})
        for zone in result.config.inputs.exclude
    ]
    inputs = result.config.inputs.model_copy(update={"exclude": exclude})
    carried = dataclasses.replace(
        result, config=result.config.model_copy(update={"inputs": inputs})
    )
    carried.zone_outlines = outlines  # what a run keeps: files are not read again
    built = report._Report.of(carried)
    assert built.problems == []
    assert built.zones is outlines


def test_pdf_needs_a_chromium_and_says_so(tmp_path, monkeypatch):
    page = tmp_path / "report.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(SeabedError, match="cannot run Chromium"):
        report.write_pdf(page, tmp_path / "a.pdf", chromium=str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on the PATH
    with pytest.raises(SeabedError, match="apt-get install chromium"):
        report.write_pdf(page, tmp_path / "a.pdf")
    assert not list(tmp_path.glob("*.pdf"))
