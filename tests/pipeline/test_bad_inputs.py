"""A corpus of malformed inputs: each is refused cleanly through the command line.

For every case: exit code 2, one ``error: ...`` line on stderr naming the file and the
problem, no traceback, and no file left behind. The input files live in
``tests/data/bad/`` (``make_corpus.py`` there made them); the configurations are
written here, next to a copy of the corpus, so that what a run leaves behind can be
seen.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seabed.cli import main

CORPUS = Path(__file__).parents[1] / "data" / "bad"

GOOD = '[inputs]\ncores = "cores_ok.csv"\n'


def cores_case(name):
    """A configuration whose only problem is its cores file."""
    return f'[inputs]\ncores = "{name}"\n'


# case id -> (configuration text, fragments the error line must contain)
CASES = {
    # cores files
    "missing column": (
        cores_case("cores_missing_column.csv"),
        ["cores_missing_column.csv", "rey_ppm"],
    ),
    "text in a number": (
        cores_case("cores_text_in_number.csv"),
        ["cores_text_in_number.csv", "row 4", "rey_ppm", "high"],
    ),
    "NaN grade": (cores_case("cores_nan_grade.csv"), ["cores_nan_grade.csv", "row 5"]),
    "negative depth": (
        cores_case("cores_negative_depth.csv"),
        ["cores_negative_depth.csv", "row 1", "top_m", "negative"],
    ),
    "bottom not below top": (
        cores_case("cores_bottom_above_top.csv"),
        ["cores_bottom_above_top.csv", "row 3", "bottom_m"],
    ),
    "overlapping intervals": (
        cores_case("cores_overlap.csv"),
        ["cores_overlap.csv", "overlap"],
    ),
    "longitude out of range": (
        cores_case("cores_lon_out_of_range.csv"),
        ["cores_lon_out_of_range.csv", "row 7", "longitude"],
    ),
    "latitude out of range": (
        cores_case("cores_lat_out_of_range.csv"),
        ["cores_lat_out_of_range.csv", "row 9", "latitude"],
    ),
    "negative grade": (
        cores_case("cores_negative_grade.csv"),
        ["cores_negative_grade.csv", "row 6", "negative"],
    ),
    "core that moves": (cores_case("cores_moving_core.csv"), ["cores_moving_core.csv"]),
    "header only": (cores_case("cores_header_only.csv"), ["cores_header_only.csv"]),
    "empty file": (cores_case("cores_empty.csv"), ["cores_empty.csv", "empty"]),
    "wrong extension": (
        cores_case("cores_wrong_extension.xlsx"),
        ["cores_wrong_extension.xlsx", ".xlsx"],
    ),
    "binary junk": (cores_case("cores_binary.csv"), ["cores_binary.csv"]),
    "corrupt parquet": (cores_case("cores_corrupt.parquet"), ["cores_corrupt.parquet"]),
    "cores file missing": (cores_case("nowhere.csv"), ["nowhere.csv", "not found"]),
    "cores path is a folder": (cores_case("."), ["folder"]),
    "column mapped to nothing": (
        GOOD + '[columns]\nrey_ppm = "REY_total"\n',
        ["cores_ok.csv", "REY_total"],
    ),
    # configurations
    "bad TOML": ('[inputs\ncores = "cores_ok.csv"\n', ["run.toml", "TOML"]),
    "unknown key": (
        GOOD + "[grid]\nresolutoin_m = 500\n",
        ["run.toml", "resolutoin_m"],
    ),
    "unknown section": (GOOD + "[gird]\nresolution_m = 500\n", ["run.toml", "gird"]),
    "negative resolution": (
        GOOD + "[grid]\nresolution_m = -500\n",
        ["run.toml", "grid.resolution_m"],
    ),
    "text for a number": (
        GOOD + '[grid]\nresolution_m = "fine"\n',
        ["run.toml", "grid.resolution_m"],
    ),
    "reversed bounds": (
        GOOD + "[grid]\nbounds = [154.0, 22.2, 153.5, 21.8]\n",
        ["run.toml", "grid.bounds"],
    ),
    "unknown CRS": (GOOD + '[grid]\ncrs = "EPSG:999999"\n', ["run.toml", "crs"]),
    "window upside down": (
        GOOD + "[composite]\ntop_m = 10\nbottom_m = 2\n",
        ["run.toml", "bottom_m"],
    ),
    "tile size too small": (
        GOOD + "[dask]\ntile_size = 2\n",
        ["run.toml", "tile_size"],
    ),
    "unknown oxide": (
        GOOD + '[resource]\noxides = { Ce = "Ce2O7" }\n',
        ["run.toml", "oxides"],
    ),
    "no cores key": ('[inputs]\nbathymetry = "x.tif"\n', ["run.toml", "cores"]),
    "slope rule without bathymetry": (
        GOOD + "[rules]\nmax_slope_deg = 7\n",
        ["run.toml", "bathymetry"],
    ),
    "unreachable scheduler": (
        GOOD + '[dask]\nscheduler = "tcp://127.0.0.1:9"\n',
        ["dask.scheduler", "127.0.0.1:9"],
    ),
    # rasters
    "bathymetry missing": (
        GOOD + 'bathymetry = "nowhere.tif"\n',
        ["nowhere.tif", "not found"],
    ),
    "bathymetry without CRS": (
        GOOD + 'bathymetry = "bathymetry_no_crs.tif"\n',
        ["bathymetry_no_crs.tif", "coordinate reference system"],
    ),
    "truncated bathymetry": (
        GOOD + 'bathymetry = "bathymetry_truncated.tif"\n',
        ["bathymetry_truncated.tif"],
    ),
    "text as a raster": (
        GOOD + 'sediment_thickness = "bathymetry_is_text.tif"\n',
        ["bathymetry_is_text.tif"],
    ),
    # zones
    "zones without CRS": (
        GOOD + 'include = "zones_no_crs.fgb"\n',
        ["zones_no_crs.fgb", "coordinate reference system"],
    ),
    "empty zones layer": (
        GOOD + 'exclude = "zones_empty.fgb"\n',
        ["zones_empty.fgb", "no geometries"],
    ),
    "unknown zones layer": (
        GOOD + 'include = [{ path = "zones_ok.fgb", layer = "licences" }]\n',
        ["zones_ok.fgb", "licences"],
    ),
    "zones not a vector file": (
        GOOD + 'exclude = "zones_not_vector.fgb"\n',
        ["zones_not_vector.fgb"],
    ),
    "report zones without their name column": (
        GOOD + 'report_zones = { path = "zones_ok.fgb", name_column = "block" }\n',
        ["zones_ok.fgb", "block"],
    ),
    # output folders
    "output folder is a file": (
        GOOD + '[output]\ndir = "cores_ok.csv"\n',
        ["cores_ok.csv", "output"],
    ),
    "output folder under a file": (
        GOOD + '[output]\ndir = "cores_ok.csv/out"\n',
        ["cores_ok.csv/out", "output"],
    ),
}


@pytest.fixture
def corpus(tmp_path):
    """A private copy of the corpus, so that stray files would show."""
    folder = tmp_path / "bad"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("*.py"))
    return folder


def tree(folder):
    return {p.relative_to(folder): p.stat().st_size for p in folder.rglob("*")}


def write_config(folder, text):
    path = folder / "run.toml"
    # six cores are too few to fit a variogram: give one
    text += "[estimate]\nvariogram = { psill = 20000.0, range = 30000.0 }\n"
    if "[output]" not in text:
        text += '[output]\ndir = "out"\n'
    path.write_text(text)
    return path


def test_the_corpus_has_at_least_30_cases():
    assert len(CASES) >= 30


def test_the_good_inputs_of_the_corpus_run(corpus, capsys):
    """The control: the same folder with the good files runs to the end."""
    config = write_config(corpus, GOOD + 'include = "zones_ok.fgb"\n')
    assert main(["run", str(config), "--no-progress"]) == 0, capsys.readouterr().err
    assert (corpus / "out" / "resource.json").is_file()


@pytest.mark.parametrize("case", list(CASES))
def test_refused_in_one_line_with_nothing_left_behind(case, corpus, capsys):
    text, fragments = CASES[case]
    config = write_config(corpus, text)
    before = tree(corpus)
    code = main(["run", str(config), "--no-progress"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert tree(corpus) == before


@pytest.mark.parametrize("case", ["binary junk", "bad TOML", "output folder is a file"])
def test_refused_by_the_installed_command(case, corpus):
    """The same contract from a real process: exit status and stderr."""
    config = write_config(corpus, CASES[case][0])
    before = tree(corpus)
    command = [sys.executable, "-m", "seabed.cli", "run", str(config), "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert tree(corpus) == before


def test_a_missing_configuration_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nothing.toml"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "nothing.toml" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
