"""Synthetic cores are marked in the data (a ``synthetic`` column), not by their file's
name: a copied and renamed synthetic file still makes every output say so."""

import json
import shutil

import pandas as pd
import pytest
import rasterio
from PIL import Image

import seabed
from seabed.cli import main
from seabed.config import Config
from seabed.io import load_cores
from seabed.io.synthetic import make_survey
from seabed.outputs import SYNTHETIC_TAG
from seabed.report.tables import format_statement
from seabed.result import SYNTHETIC_NOTICE

BOX = (153.6, 21.9, 153.9, 22.15)


def test_generator_and_cli_mark_their_cores(tmp_path):
    survey = make_survey(n_cores=12, bounds=BOX, seed=5)
    assert survey.samples["synthetic"].all()
    assert survey.samples.attrs["synthetic"] is True
    assert main(["synthetic", "--out", str(tmp_path / "a.csv"), "--n-cores", "12"]) == 0
    header = (tmp_path / "a.csv").read_text().splitlines()[0]
    assert header.split(",")[-1] == "synthetic"
    # copied and renamed, even to a name that says nothing of it
    copy = tmp_path / "elsewhere" / "cruise_KR13_measured.csv"
    copy.parent.mkdir()
    shutil.copy(tmp_path / "a.csv", copy)
    cores = load_cores(copy)
    assert cores.attrs["synthetic"] is True
    assert cores["synthetic"].all()


@pytest.mark.parametrize(
    ("marks", "expected"),
    [(["true", "True"], True), (["1", "0"], True), (["false", "no"], False)],
)
def test_loader_reads_the_mark_as_written_by_hand(tmp_path, marks, expected):
    table = make_survey(n_cores=2, bounds=BOX, seed=6).samples
    first = table["core_id"] == table["core_id"].iloc[0]
    table["synthetic"] = [marks[0] if f else marks[1] for f in first]
    table.to_csv(tmp_path / "c.csv", index=False)
    assert load_cores(tmp_path / "c.csv").attrs["synthetic"] is expected


def test_unmarked_cores_are_not_synthetic(tmp_path):
    table = make_survey(n_cores=3, bounds=BOX, seed=7).samples.drop(columns="synthetic")
    table.to_csv(tmp_path / "c.csv", index=False)
    cores = load_cores(tmp_path / "c.csv")
    assert cores.attrs["synthetic"] is False
    assert "synthetic" not in cores.columns


def run_on(tmp_path, table, name):
    """A run on cores: a table written under ``name``, or a file's path."""
    cores = table
    if isinstance(table, pd.DataFrame):
        cores = tmp_path / name
        table.to_csv(cores, index=False)
    config = Config.model_validate(
        {
            "inputs": {"cores": str(cores)},
            "grid": {"bounds": list(BOX), "resolution_m": 2000.0},
            "output": {"dir": str(tmp_path / "out")},
        }
    )
    return seabed.run(config, progress=False)


def test_a_renamed_synthetic_file_is_disclosed_in_every_output(tmp_path):
    """The run reads a copy of a synthetic file under a name that says nothing of
    it, in another folder."""
    survey = make_survey(n_cores=40, bounds=BOX, seed=8)
    survey.samples.to_csv(tmp_path / "synthetic.csv", index=False)
    renamed = tmp_path / "copy" / "survey_2024_final.csv"
    renamed.parent.mkdir()
    shutil.copy(tmp_path / "synthetic.csv", renamed)
    result = run_on(tmp_path, renamed, None)
    out = result.out_dir
    assert result.synthetic_cores
    assert result.dataset.attrs["synthetic"] == SYNTHETIC_NOTICE

    # the printed statement: first line and title
    text = format_statement(result)
    assert text.splitlines()[0] == f"*** {SYNTHETIC_NOTICE} ***"
    assert "validates nothing" in text
    # resource.json: flag and notes
    document = json.loads((out / "resource.json").read_text())
    assert document["synthetic"] is True
    assert document["notes"][0] == SYNTHETIC_NOTICE
    assert "Takaya et al. (2018)" in document["notes"][0]
    # every CSV: a last column synthetic, true on every row
    csvs = sorted(out.glob("*.csv"))
    assert {p.name for p in csvs} >= {"resource.csv", "grade_tonnage.csv"}
    for path in csvs:
        table = pd.read_csv(path)
        assert table.columns[-1] == "synthetic", path.name
        assert table["synthetic"].all(), path.name
    # the report: title, badge and banner
    html = (out / "report.html").read_text()
    assert "<title>SYNTHETIC DATA - REY-mud resource estimate" in html
    assert 'class="caveat synthetic"' in html
    assert "SYNTHETIC DATA ·" in html
    # every GeoTIFF: a tag
    tifs = sorted(out.glob("*.tif"))
    assert len(tifs) >= 5
    for path in tifs:
        with rasterio.open(path) as dataset:
            assert dataset.tags()[SYNTHETIC_TAG] == SYNTHETIC_NOTICE, path.name
    # every PNG: a text chunk (and a visible line, drawn in the image)
    pngs = sorted(out.glob("*.png"))
    assert {p.name for p in pngs} >= {"grade_tonnage.png", "rey_ppm.png"}
    for path in pngs:
        with Image.open(path) as image:
            assert image.text.get("Disclaimer") == SYNTHETIC_NOTICE, path.name
    # and the report's map captions
    assert html.count("Synthetic data, not measurements.") >= 3


def test_measured_cores_carry_no_notice(tmp_path):
    table = make_survey(n_cores=40, bounds=BOX, seed=8).samples
    result = run_on(tmp_path, table.drop(columns="synthetic"), "cores.csv")
    out = result.out_dir
    assert not result.synthetic_cores
    assert "synthetic" not in result.dataset.attrs
    assert "SYNTHETIC" not in format_statement(result)
    assert json.loads((out / "resource.json").read_text())["synthetic"] is False
    assert "synthetic" not in pd.read_csv(out / "resource.csv").columns
    assert "SYNTHETIC DATA" not in (out / "report.html").read_text()
    with rasterio.open(out / "rey_ppm.tif") as dataset:
        assert SYNTHETIC_TAG not in dataset.tags()
    with Image.open(out / "rey_ppm.png") as image:
        assert "Disclaimer" not in image.text
