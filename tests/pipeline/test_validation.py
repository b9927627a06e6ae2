"""The reviewer's checks a run writes: declustering, top-cut, cross-validation, bias."""

from __future__ import annotations

import json

import numpy as np
import pytest

import seabed
from seabed.io import datasets, load_cores


def _coarse(**composite):
    config = seabed.demo_config()
    return config.model_copy(
        update={
            "grid": config.grid.model_copy(update={"resolution_m": 4000.0}),
            "composite": config.composite.model_copy(update=composite),
            # the report is rendered in memory where a test needs it
            "output": config.output.model_copy(update={"report": False}),
        }
    )


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    return seabed.run(_coarse(), out_dir=out, progress=False)


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    out = tmp_path_factory.mktemp("capped")
    return seabed.run(_coarse(top_cut_ppm=1500.0), out_dir=out, progress=False)


def test_validation_is_written_with_every_check(plain):
    document = json.loads((plain.out_dir / "resource.json").read_text())
    validation = document["validation"]
    assert set(validation) == {
        "declustering",
        "top_cut",
        "cross_validation",
        "cross_validation_by_core",
        "global_bias",
        "variogram",
        "swaths",
        "qq",
    }
    assert validation == plain.validation
    declustering = validation["declustering"]
    assert sum(declustering["weights"]) == pytest.approx(1.0)
    assert len(declustering["weights"]) == len(plain.used_cores)
    stats = declustering["statistics"]["raw"]
    assert stats["mean"] == pytest.approx(plain.used_cores["rey_ppm"].mean())
    cv = validation["cross_validation"]
    assert cv["n"] == len(plain.used_cores)
    assert cv["mean_squared_zscore_range"] == [0.7, 1.4]


def test_global_bias_compares_the_kriged_mean_with_the_nearest_neighbour_mean(plain):
    bias = plain.validation["global_bias"]
    kriged = plain.statement.loc[plain.statement["cutoff_ppm"] == 0, "mean_rey_ppm"]
    assert bias["kriged_mean_rey_ppm"] == pytest.approx(float(kriged.iloc[0]))
    assert bias["checked_against"] == "nearest_neighbour"
    nn = plain.validation["declustering"]["nearest_neighbour_mean_rey_ppm"]
    assert bias["vs_nearest_neighbour"] == pytest.approx(
        bias["kriged_mean_rey_ppm"] / nn - 1
    )
    # kriging and the polygons of the same cores agree over the same area
    assert abs(bias["vs_nearest_neighbour"]) < 0.05


def test_a_miscalibrated_deviation_is_said_in_plain_words(plain):
    z2 = plain.validation["cross_validation"]["mean_squared_zscore"]
    sentences = [n for n in plain.notes if "mean squared z-score" in n]
    if 0.7 <= z2 <= 1.4:
        assert sentences == []
    else:
        assert len(sentences) == 1 and f"{z2:.2f}" in sentences[0]
        assert plain.validation["cross_validation"]["calibrated"] is False


def test_the_top_cut_caps_the_composites_and_lowers_the_tonnes(plain, capped):
    assert capped.used_cores["rey_ppm"].max() <= 1500.0
    raw = load_cores(datasets.demo_cores_path())
    assert raw["rey_ppm"].max() > 1500.0
    assert any("total REY capped at 1,500 ppm" in n for n in capped.notes)
    review = capped.validation["top_cut"]
    assert review["applied_top_cut_ppm"] == 1500.0
    assert review["effect"]["metal_removed"] > 0
    top = capped.statement["rey_t"].iloc[0]
    assert top < plain.statement["rey_t"].iloc[0]
    # the review looks at the grades before the cap
    assert plain.validation["top_cut"]["cv"] == pytest.approx(review["cv"])
    np.testing.assert_array_equal(
        plain.validation["declustering"]["weights"],
        capped.validation["declustering"]["weights"],
    )


def test_element_top_cuts_cap_the_element_and_sum_again(tmp_path, plain):
    result = seabed.run(
        _coarse(top_cut_ppm={"Nd": 100.0}), out_dir=tmp_path, progress=False
    )
    assert any(n.startswith("Nd capped at 100 ppm in") for n in result.notes)
    assert result.statement["rey_t"].iloc[0] < plain.statement["rey_t"].iloc[0]


def test_a_top_cut_of_elements_needs_element_columns():
    import pandas as pd

    from seabed.composite import apply_top_cut

    with pytest.raises(seabed.ConfigError, match="top-cut for Nd"):
        apply_top_cut(pd.DataFrame({"rey_ppm": [1.0], "treo_ppm": [1.2]}), {"Nd": 1.0})


def test_the_report_shows_the_checks(plain):
    from seabed.report import render_report

    page = render_report(plain)
    assert "Declustering, global bias and high grades" in page
    assert "Nearest-neighbour mean over the available area" in page
    assert "Mean squared z-score" in page


def test_the_automatic_variogram_records_its_candidates_and_choice(plain):
    fit = plain.validation["variogram"]["fit"]
    # the default classes test the slope of regression: bounded models only,
    # spherical and exponential with 3 nugget options, and a pure nugget
    assert len(fit["candidates"]) == 7
    assert {c["model"] for c in fit["candidates"]} == {
        "spherical",
        "exponential",
        "nugget",
    }
    chosen = [c for c in fit["candidates"] if c["chosen"]]
    assert len(chosen) == 1
    assert chosen[0]["variogram"] == plain.variogram.to_dict()
    assert fit["choice"].startswith("lowest leave-one-out mean squared error")
    for candidate in fit["candidates"]:
        assert {"wss", "loo_mse", "loo_mean_squared_zscore"} <= set(candidate)


def test_swaths_compare_kriging_with_the_composites(plain):
    swaths = plain.validation["swaths"]
    cores = plain.used_cores
    for along, axis in (("east", "x"), ("north", "y")):
        rows = swaths[along]
        assert len(rows) == 10
        # the bands span the available area; cores beyond it fall in none
        inside = cores[axis].between(rows[0]["from_m"], rows[-1]["to_m"])
        assert sum(r["n_cores"] for r in rows) == inside.sum() > 0.5 * len(cores)
        kriged = [r["kriged_rey_ppm"] for r in rows if r["kriged_rey_ppm"]]
        nearest = [r["nearest_neighbour_rey_ppm"] for r in rows if r["kriged_rey_ppm"]]
        # kriging and the polygons of the same cores follow the same trend
        assert np.corrcoef(kriged, nearest)[0, 1] > 0.8
    depth = swaths["depth"]
    assert [r["slice"] for r in depth] == [f"{t}-{t + 1}" for t in range(10)]
    statement = plain.slices
    whole = statement[
        (statement["cutoff_ppm"] == 0) & (statement["interval"] == "slice")
    ]
    assert [r["kriged_rey_ppm"] for r in depth] == pytest.approx(
        whole["mean_rey_ppm"].tolist()
    )


def test_qq_table_spreads_kriging_less_than_the_composites(plain):
    qq = plain.validation["qq"]
    kriged = np.array(qq["kriged_rey_ppm"])
    composites = np.array(qq["declustered_rey_ppm"])
    assert len(kriged) == len(composites) == 49
    assert np.all(np.diff(kriged) >= 0) and np.all(np.diff(composites) >= 0)
    # kriging smooths: its 2-98 % spread is narrower
    assert kriged[-1] - kriged[0] < composites[-1] - composites[0]


def test_grouped_by_core_cross_validation_pools_the_slices(plain):
    grouped = plain.validation["cross_validation_by_core"]
    assert grouped["n_slices"] == 10
    assert grouped["n_cores"] == len(plain.used_cores)
    assert grouped["n"] == 10 * len(plain.used_cores)
    assert np.isfinite(grouped["mean_squared_zscore"])


def test_the_z2_note_says_why_the_deviation_is_off(plain):
    diagnosis = plain.validation["cross_validation"]["zscore_diagnosis"]
    z2 = plain.validation["cross_validation"]["mean_squared_zscore"]
    assert 0 < diagnosis["largest_share"] <= 1
    assert diagnosis["mean_squared_zscore_without_largest"] < z2
    if z2 > 1.4:
        (note,) = [n for n in plain.notes if "mean squared z-score" in n]
        assert "; why: " in note


def test_the_report_draws_the_validation_figures(plain):
    from seabed.report import render_report

    page = render_report(plain)
    for alt in (
        "log-probability plot",
        "swath plot east",
        "swath plot north",
        "swath plot depth",
        "Q-Q plot",
    ):
        assert f'alt="{alt}"' in page
    assert "Cross-validation grouped by core" in page
    assert "Variogram candidates" in page
    assert "by leave-one-out cross-validation" in page
