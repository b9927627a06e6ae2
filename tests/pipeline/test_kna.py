"""``seabed kna`` end to end on a small synthetic survey, and its errors."""

import json

import numpy as np
import pandas as pd
import pytest

from seabed.cli import main
from seabed.config import load_config
from seabed.estimation.models import make_estimator, project
from seabed.geostats.kna import kna_table, neighbourhood_analysis
from seabed.io.synthetic import make_survey
from seabed.pipeline.inputs import build_grid, read_inputs, select_composites
from seabed.pipeline.kna import kna_cells

BOUNDS = (153.6, 21.9, 153.9, 22.15)


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kna")
    cores = make_survey(n_cores=40, bounds=BOUNDS, seed=5).samples
    cores.to_csv(folder / "cores.csv", index=False)
    return folder


def write_config(folder, extra="", estimate=""):
    path = folder / "kna.toml"
    path.write_text(
        '[inputs]\ncores = "cores.csv"\n'
        f"[grid]\nresolution_m = 4000\nbounds = {list(BOUNDS)}\n"
        '[estimate]\nvariogram = { model = "exponential", psill = 60000, '
        "range = 6000, nugget = 5000 }\n" + estimate + '[output]\ndir = "out"\n'
        "[kna]\ncells = 8\nn_neighbors = [3, 8, 16]\nradii_m = [8000, 40000]\n" + extra
    )
    return path


def test_kna_writes_its_page_and_table(survey, capsys):
    config = write_config(survey)
    out = survey / "kna_out"
    assert main(["kna", str(config), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "recommended for 4000 x 4000 m blocks:" in printed
    record = json.loads((out / "kna.json").read_text())
    page = (out / "kna.html").read_text()
    assert page.count("<img") == 1 and "Kriging neighbourhood analysis" in page
    assert "SYNTHETIC DATA" in page
    (pick,) = record["recommended"]
    assert f"{pick['n_neighbors']} neighbours" in page
    # the same numbers as the analysis run by hand on the same cells
    cfg = load_config(config)
    inputs = read_inputs(cfg)
    used, _, _ = select_composites(cfg, inputs.samples)
    frame = build_grid(cfg, used, inputs.area)
    X = project(used, frame.rio.crs)
    y = used["rey_ppm"].to_numpy(dtype=float)
    estimator, _ = make_estimator(cfg, X, y)
    by_hand = kna_table(
        neighbourhood_analysis(
            estimator,
            X,
            y,
            kna_cells(frame, 8, 0),
            n_neighbors=[3, 8, 16],
            radii=[8000.0, 40000.0],
            block_sizes=[(4000.0, 4000.0)],
        )
    )
    table = pd.DataFrame(record["table"])
    np.testing.assert_allclose(table.slope_mean, by_hand.slope_mean, rtol=1e-12)
    np.testing.assert_allclose(table.efficiency_p10, by_hand.efficiency_p10, rtol=1e-12)
    assert len(table) == 6 and record["cells"] == 8
    # the rule: the widest search sets the plateau
    widest = table[(table.n_neighbors == 16) & (table.radius_m == 40000.0)].iloc[0]
    assert pick["plateau_slope"] == pytest.approx(widest.slope_mean, rel=1e-12)
    assert abs(pick["mean_slope"] - widest.slope_mean) <= 0.01


@pytest.mark.parametrize(
    ("extra", "estimate", "words"),
    [
        ("tolerance = 2\n", "", "kna.tolerance"),
        ("block_sizes_m = [-5]\n", "", "kna.block_sizes_m"),
        ("", "min_neighbors = 4\n", "fewer than estimate.min_neighbors"),
    ],
)
def test_bad_kna_keys_are_one_line_errors(survey, capsys, extra, estimate, words):
    config = write_config(survey, extra, estimate)
    assert main(["kna", str(config), "--out", str(survey / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert not (survey / "bad").exists()


def test_kna_needs_kriging(survey, capsys):
    config = survey / "idw.toml"
    config.write_text(
        '[inputs]\ncores = "cores.csv"\n[grid]\nresolution_m = 4000\n'
        '[estimate]\nmethod = "idw"\n'
    )
    assert main(["kna", str(config), "--out", str(survey / "idw")]) == 2
    err = capsys.readouterr().err.strip()
    assert "needs kriging" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("[classification.indicated]\nmin_slope_of_regression = 1.5\n", "min_slope"),
        ("[classification.inferred]\nmax_nearest_range = 0\n", "max_nearest_range"),
        ("[classification.indicated]\ncores_within_range = 0.5\n", "min_cores too"),
        ("[classification]\nsectors = 2\n", "sectors"),
    ],
)
def test_bad_class_thresholds_exit_2_in_one_line(survey, capsys, section, key):
    config = survey / "classes.toml"
    config.write_text('[inputs]\ncores = "cores.csv"\n' + section)
    assert main(["validate", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "classification" in err and key in err
