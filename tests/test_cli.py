"""The command line end to end on the bundled demo data, and its error contract."""

import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from seabed.cli import main

LAYERS = (
    "rey_ppm",
    "rey_std_ppm",
    "treo_ppm",
    "treo_t_per_km2",
    "excluded_fraction",
    "class",
)


@pytest.fixture(scope="module")
def demo_run(demo_cli_run):
    code, out, _ = demo_cli_run
    return code, out


def test_demo_writes_every_output(demo_run, capsys):
    code, out = demo_run
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {f"{layer}.tif" for layer in LAYERS} <= names
    assert {"resource.json", "resource.csv"} <= names
    assert not [n for n in names if n.startswith(".seabed-staging")]


def test_demo_statement_is_plausible_against_takaya_2018(demo_run):
    _, out = demo_run
    document = json.loads((out / "resource.json").read_text())
    total = document["statement"][0]
    assert total["cutoff_ppm"] == 0
    # the geodesic area of the Takaya box (3,172.4 km2), every cell estimated: the
    # statement's area plus what the illustrative zones and rules take out of it
    excluded = {row["reason"]: row["area_km2"] for row in document["excluded"]}
    inside_box = (
        excluded["all exclusions (overlaps counted once)"]
        - excluded["outside include zones"]
    )
    assert total["unestimated_area_km2"] == 0
    assert total["area_km2"] + inside_box == pytest.approx(3172.45, abs=0.05)
    assert 0 < inside_box < 0.25 * 3172.45
    # synthetic cores calibrated to the published 964 ppm mean over the box
    assert total["mean_rey_ppm"] == pytest.approx(964, rel=0.08)
    # ~6,400 t REO per km2 implied by the paper (16 Mt / 2,500 km2)
    assert total["treo_t_per_km2"] == pytest.approx(6400, rel=0.1)
    assert document["provenance"]["inputs"]["cores"]["sha256"]
    assert "not JORC" in " ".join(document["notes"])


@pytest.mark.parametrize("layer", LAYERS)
def test_geotiffs_are_valid_cogs_with_metadata(demo_run, layer):
    _, out = demo_run
    path = out / f"{layer}.tif"
    valid, errors, _ = cog_validate(str(path))
    assert valid, errors
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32656
        assert src.descriptions[0]
        assert src.nodata is not None
        tags = src.tags()
        assert "SEABED_PROVENANCE" in tags
        assert json.loads(tags["SEABED_PROVENANCE"])["inputs"]["cores"]["sha256"]
        if layer != "class":
            assert src.units[0]
            assert np.isnan(src.nodata)


def test_demo_prints_the_statement(demo_cli_run):
    code, _, printed = demo_cli_run
    assert code == 0
    assert "cut-off" in printed and "TREO" in printed and "not JORC" in printed
    # the whole story: the recoverable tonnage beside the kriged, with its spread
    assert "TREO Mt sim. P10 / P50 / P90" in printed
    assert "kriged / UC / sim. mean" in printed


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("seabed ")


def write_config(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_missing_cores_file_is_a_one_line_error(tmp_path, capsys):
    config = write_config(
        tmp_path, '[inputs]\ncores = "missing.csv"\n[output]\ndir = "out"\n'
    )
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "missing.csv" in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_validate_lists_every_problem(tmp_path, capsys):
    config = write_config(
        tmp_path, "[inputs]\n[grid]\nresolution_m = -1\n[dask]\ntile_size = 1\n"
    )
    assert main(["validate", str(config)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("error: ") and str(config) in line for line in lines)


def test_validate_accepts_a_good_config(tmp_path, capsys):
    from seabed.io import datasets

    config = write_config(
        tmp_path,
        f'[inputs]\ncores = "{datasets.demo_cores_path()}"\n'
        f'bathymetry = "{datasets.bathymetry_path()}"\n'
        f'include = [{{ path = "{datasets.eez_path()}", layer = "eez_approx" }}]\n',
    )
    assert main(["validate", str(config)]) == 0
    assert "valid" in capsys.readouterr().out


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--tile-size", "3"])
    assert caught.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_demo_breakdowns_add_up(demo_run):
    """Per square (A1-D6), per class and per slice, the demo adds up to its total."""
    _, out = demo_run
    total = pd.read_csv(out / "resource.csv").set_index("cutoff_ppm")
    for name, key in (
        ("resource_zones.csv", "zone"),
        ("resource_classes.csv", "class"),
    ):
        parts = pd.read_csv(out / name)
        summed = parts.groupby("cutoff_ppm")[["area_km2", "treo_t"]].sum()
        np.testing.assert_allclose(summed, total[["area_km2", "treo_t"]], rtol=1e-9)
        assert parts[key].nunique() == (25 if key == "zone" else 4)
    slices = pd.read_csv(out / "resource_slices.csv")
    at_zero = slices[(slices.interval == "slice") & (slices.cutoff_ppm == 0)]
    assert at_zero.treo_t.sum() == pytest.approx(total.treo_t[0], rel=1e-12)
    notes = json.loads((out / "resource.json").read_text())["notes"]
    assert not any("overlap" in note for note in notes)


def test_demo_outputs_match_the_recorded_fingerprint(demo_run):
    """Every table and map of the demo, bit for bit, as recorded before the layout
    change (``tests/reference/demo/fingerprint.py`` explains how to record anew when
    a change is meant to alter the numbers)."""
    import importlib.util
    from pathlib import Path

    here = Path(__file__).parent / "reference" / "demo"
    spec = importlib.util.spec_from_file_location("fp", here / "fingerprint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, out = demo_run
    recorded = json.loads((here / "demo_fingerprint.json").read_text())
    assert module.fingerprint(out) == recorded


def test_ctrl_c_exits_130_in_one_line(monkeypatch, capsys):
    import seabed.pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(seabed.pipeline, "run", interrupted)
    assert main(["demo", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: interrupted")


def test_a_singular_kriging_system_is_the_users_to_fix(monkeypatch, capsys):
    import seabed.pipeline
    from seabed.exceptions import SingularSystemError

    def singular(*args, **kwargs):
        raise SingularSystemError("the kriging system is singular; add a small nugget")

    monkeypatch.setattr(seabed.pipeline, "run", singular)
    assert main(["demo", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == "error: the kriging system is singular; add a small nugget\n"


def test_a_full_disk_exits_2_naming_the_file(monkeypatch, capsys):
    import errno

    import seabed.pipeline

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "out/rey_ppm.tif")

    monkeypatch.setattr(seabed.pipeline, "run", full)
    assert main(["demo", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "out/rey_ppm.tif: the disk is full" in err


def test_demo_classes_by_default_with_their_rules_in_the_report(demo_run):
    """The default rules give the demo Indicated and Inferred cells, and the report
    writes the rules out and maps the classes."""
    _, out = demo_run
    with rasterio.open(out / "class.tif") as src:
        codes = src.read(1)
    assert {2, 3} <= set(np.unique(codes).tolist())  # indicated and inferred
    document = json.loads((out / "resource.json").read_text())
    record = document["assumptions"]["classification"]
    assert record["defaults"] and set(record["rules"]) == {"indicated", "inferred"}
    assert record["rules"]["indicated"]["min_slope_of_regression"] == 0.8
    classes = {
        row["class"]: row["area_km2"]
        for row in document["classes"]
        if row["cutoff_ppm"] == 0
    }
    assert classes["indicated"] > 0 and classes["inferred"] > 0
    report = (out / "report.html").read_text()
    assert 'id="classification"' in report
    for line in record["rules_text"]:
        assert line.replace("'", "&#x27;") in report
    assert "Indicated: slope of regression at least 0.8" in record["rules_text"][1]
    # the run's own neighbourhood analysis, in resource.json and the report
    (pick,) = document["kna"]["recommended"]
    assert pick["n_neighbors"] in (4, 8, 12, 16, 24, 32, 48)
    assert f"Recommended for 500 × 500 m blocks: {pick['n_neighbors']} neighbours" in (
        report
    )
