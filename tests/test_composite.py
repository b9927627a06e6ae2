"""Tests of seabed.composite: length-weighted windows, slices, TREO, flags."""

import warnings

import numpy as np
import pandas as pd
import pytest

from seabed.composite import (
    REFERENCE_COMPOSITION,
    composite_cores,
    composite_slices,
    reference_oxide_factor,
)
from seabed.elements import HREE, REY, element_column, oxide_factors
from seabed.exceptions import ConfigError, InputError, SeabedWarning


def samples(core_ids, tops, bottoms, grades, **extra):
    table = pd.DataFrame(
        {
            "core_id": core_ids,
            "lon": 153.8,
            "lat": 22.0,
            "top_m": np.asarray(tops, float),
            "bottom_m": np.asarray(bottoms, float),
            "rey_ppm": np.asarray(grades, float),
        }
    )
    return table.assign(**extra)


def with_elements(table):
    """Split rey_ppm into the 15 elements by the reference composition."""
    for element in REY:
        table[element_column(element)] = (
            table["rey_ppm"] * REFERENCE_COMPOSITION[element]
        )
    return table


def composite_quietly(table, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)
        return composite_cores(table, **kwargs)


def test_length_weighted_by_hand():
    # 0-2 m at 100 ppm and 2-10 m at 1000 ppm: (2 x 100 + 8 x 1000) / 10 = 820
    table = samples(["A", "A"], [0, 2], [2, 10], [100, 1000])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete core raises no warning
        result = composite_cores(table)
    assert result.loc["A", "rey_ppm"] == pytest.approx(820.0)
    assert result.loc["A", "sampled_m"] == pytest.approx(10.0)
    assert bool(result.loc["A", "reaches_bottom"])
    assert result.index.name == "core_id"


def test_samples_are_clipped_to_the_window():
    # 9-11 m counts 1 m in 0-10 m; 11-12 m counts nothing
    table = samples(["A"] * 3, [0, 9, 11], [9, 11, 12], [100, 1000, 5000])
    result = composite_cores(table)
    assert result.loc["A", "rey_ppm"] == pytest.approx((9 * 100 + 1 * 1000) / 10)
    deeper = composite_cores(table, top_m=10.0, bottom_m=12.0)
    assert deeper.loc["A", "rey_ppm"] == pytest.approx((1000 + 5000) / 2)


def test_gaps_carry_no_weight():
    table = samples(["A", "A"], [0, 2], [1, 3], [100, 300])
    result = composite_cores(table, bottom_m=3.0)
    assert result.loc["A", "rey_ppm"] == pytest.approx(200.0)
    assert result.loc["A", "sampled_m"] == pytest.approx(2.0)
    assert bool(result.loc["A", "reaches_bottom"])


def test_short_cores_are_flagged_with_one_warning():
    table = samples(
        ["A", "A", "B", "C", "C"], [0, 2, 0, 0, 5], [2, 10, 7, 5, 9.5],
        [100, 1000, 600, 300, 900],
    )  # fmt: skip
    with pytest.warns(SeabedWarning) as record:
        result = composite_cores(table)
    assert len(record) == 1
    message = str(record[0].message)
    assert "2 core(s) do not reach 10 mbsf" in message
    assert message.endswith(": B, C")
    assert result["reaches_bottom"].tolist() == [True, False, False]
    assert result.loc["B", "rey_ppm"] == pytest.approx(600.0)  # kept, not dropped
    assert result.loc["C", "sampled_m"] == pytest.approx(9.5)


def test_a_core_with_no_sample_in_the_window():
    table = samples(["A", "A", "B"], [0, 4, 0], [4, 12, 12], [100, 900, 500])
    result = composite_cores(table, top_m=5.0, bottom_m=10.0)
    assert result.loc["A", "rey_ppm"] == pytest.approx(900.0)
    shallow = samples(["A", "B"], [0, 0], [3, 12], [100, 500])
    with pytest.warns(SeabedWarning, match=": A$"):
        result = composite_cores(shallow, top_m=5.0, bottom_m=10.0)
    assert np.isnan(result.loc["A", "rey_ppm"]) and np.isnan(
        result.loc["A", "treo_ppm"]
    )
    assert result.loc["A", "sampled_m"] == 0.0


def test_treo_from_elements_uses_the_oxide_factors():
    table = pd.DataFrame(
        {"core_id": "A", "lon": 0.0, "lat": 0.0, "top_m": [0.0, 5.0],
         "bottom_m": [5.0, 10.0]}
    )  # fmt: skip
    grades = {el: [10.0 * (i + 1), 30.0 * (i + 1)] for i, el in enumerate(REY)}
    for element, values in grades.items():
        table[element_column(element)] = values
    result = composite_cores(table)
    factors = oxide_factors()
    # each element averages to 20 x (i + 1) over the two equal halves
    expected_rey = sum(20.0 * (i + 1) for i in range(15))
    expected_treo = sum(20.0 * (i + 1) * factors[el] for i, el in enumerate(REY))
    assert result.loc["A", "rey_ppm"] == pytest.approx(expected_rey)
    assert result.loc["A", "treo_ppm"] == pytest.approx(expected_treo)
    assert result.loc["A", "Ce_ppm"] == pytest.approx(60.0)
    assert result.attrs["treo_basis"] == "elements"
    ce2o3 = composite_cores(table, oxides={"Ce": "Ce2O3"})
    change = 60.0 * (oxide_factors({"Ce": "Ce2O3"})["Ce"] - factors["Ce"])
    assert ce2o3.loc["A", "treo_ppm"] == pytest.approx(expected_treo + change)
    assert ce2o3.attrs["oxides"]["Ce"] == "Ce2O3"


def test_treo_from_total_rey_uses_the_reference_composition():
    table = samples(["A", "A"], [0, 2], [2, 10], [100, 1000])
    result = composite_cores(table)
    factor = reference_oxide_factor()
    assert result.loc["A", "treo_ppm"] == pytest.approx(820.0 * factor)
    assert "REFERENCE_COMPOSITION" in result.attrs["treo_basis"]
    # total-only and element-wise TREO agree when the elements follow the reference
    by_elements = composite_cores(with_elements(table.copy()))
    assert by_elements.loc["A", "treo_ppm"] == pytest.approx(820.0 * factor)


def test_reference_composition_is_minamitorishima_like():
    assert sum(REFERENCE_COMPOSITION.values()) == pytest.approx(1.0)
    assert list(REFERENCE_COMPOSITION) == list(REY)
    y_hree = REFERENCE_COMPOSITION["Y"] + sum(REFERENCE_COMPOSITION[e] for e in HREE)
    assert y_hree == pytest.approx(0.44, abs=0.02)  # Takaya et al. 2018: ~44 %
    # negative Ce anomaly against PAAS (La 38.2, Ce 79.6, Pr 8.83 ppm)
    la, ce, pr = (REFERENCE_COMPOSITION[e] / p for e, p in
                  (("La", 38.2), ("Ce", 79.6), ("Pr", 8.83)))  # fmt: skip
    assert ce / np.sqrt(la * pr) < 0.3
    factors = oxide_factors()
    assert reference_oxide_factor() == pytest.approx(
        sum(REFERENCE_COMPOSITION[e] * factors[e] for e in REY)
    )


def test_densities_and_water_depth():
    table = samples(
        ["A", "A", "B", "B"], [0, 2, 0, 5], [2, 10, 5, 10], [1, 1, 1, 1],
        dry_density_t_m3=[0.5, 0.6, np.nan, 0.55],
        wet_density_t_m3=[1.3, 1.3, 1.3, 1.3],
        water_content=[0.6, 0.6, 0.6, 0.6],
        water_depth_m=[5700.0, 5700.0, 5600.0, 5600.0],
    )  # fmt: skip
    result = composite_cores(table)
    assert result.loc["A", "dry_density_t_m3"] == pytest.approx(0.58)
    # B's first sample falls back to wet x (1 - w) = 0.52
    assert result.loc["B", "dry_density_t_m3"] == pytest.approx((0.52 + 0.55) / 2)
    assert result["water_depth_m"].tolist() == [5700.0, 5600.0]
    wet_only = composite_cores(table.drop(columns="dry_density_t_m3"))
    assert wet_only["dry_density_t_m3"].tolist() == pytest.approx([0.52, 0.52])
    assert "dry_density_t_m3" not in composite_cores(table.iloc[:, :6])


def test_slices_by_hand():
    table = samples(["A", "A"], [0.0, 1.5], [1.5, 2.5], [200, 800])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the complete flag says it; no warning
        slices = composite_slices(table, bottom_m=3.0)
    assert slices.columns[:6].tolist() == [
        "core_id", "slice_top_m", "slice_bottom_m", "rey_ppm", "treo_ppm", "sampled_m",
    ]  # fmt: skip
    assert slices["slice_top_m"].tolist() == [0.0, 1.0, 2.0]
    assert slices["rey_ppm"].tolist() == pytest.approx([200.0, 500.0, 800.0])
    assert slices["sampled_m"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert slices["complete"].tolist() == [True, True, False]


def test_last_slice_stops_at_the_window_bottom():
    table = samples(["A"], [0.0], [12.0], [100])
    slices = composite_slices(table, slice_m=3.0)
    assert slices["slice_top_m"].tolist() == [0.0, 3.0, 6.0, 9.0]
    assert slices["slice_bottom_m"].tolist() == [3.0, 6.0, 9.0, 10.0]
    assert slices["complete"].all()
    assert len(composite_slices(table, slice_m=1.0)) == 10


def test_slices_add_up_to_the_window():
    # two contiguous cores cut at random depths, 0-12 m and 0-10.5 m
    rng = np.random.default_rng(3)
    parts = []
    for core, length in (("A", 12.0), ("B", 10.5)):
        edges = np.r_[0.0, np.sort(rng.uniform(0, length, 25)).round(2), length]
        parts.append(samples(core, edges[:-1], edges[1:], rng.lognormal(6.5, 0.6, 26)))
    table = with_elements(pd.concat(parts, ignore_index=True))
    table = table[table["bottom_m"] > table["top_m"]]
    window = composite_cores(table)
    slices = composite_slices(table)
    assert slices["complete"].all()
    for core, group in slices.groupby("core_id"):
        for column in ("rey_ppm", "treo_ppm", "La_ppm"):
            mean = np.average(group[column], weights=group["sampled_m"])
            assert mean == pytest.approx(window.loc[core, column], rel=1e-12)
    assert slices.groupby("core_id")["sampled_m"].sum().tolist() == pytest.approx(
        [10.0, 10.0]
    )


def test_matches_a_plain_loop_on_random_cores():
    rng = np.random.default_rng(7)
    rows = []
    for core in range(50):
        depth = 0.0
        while depth < rng.uniform(6, 13):
            length = rng.uniform(0.1, 1.5)
            gap = rng.uniform(0, 0.6) * (rng.random() < 0.2)
            rows.append((f"C{core:02d}", depth + gap, depth + gap + length,
                         rng.lognormal(6.5, 0.7)))  # fmt: skip
            depth += gap + length
    table = samples(*map(list, zip(*rows)))
    result = composite_quietly(table, top_m=1.0, bottom_m=9.0)
    for core, group in table.groupby("core_id"):
        inside = (
            group["bottom_m"].clip(upper=9.0) - group["top_m"].clip(lower=1.0)
        ).clip(lower=0)
        expected = (inside * group["rey_ppm"]).sum() / inside.sum()
        assert result.loc[core, "rey_ppm"] == pytest.approx(expected, rel=1e-12)
        assert result.loc[core, "reaches_bottom"] == (group["bottom_m"].max() >= 9.0)


def test_bad_windows_and_tables():
    table = samples(["A"], [0], [10], [100])
    with pytest.raises(ConfigError, match="key 'bottom_m'"):
        composite_cores(table, top_m=5.0, bottom_m=5.0)
    with pytest.raises(ConfigError, match="key 'top_m'"):
        composite_cores(table, top_m=-1.0)
    with pytest.raises(ConfigError, match="key 'slice_m'"):
        composite_slices(table, slice_m=0.0)
    with pytest.raises(InputError, match="lacks column"):
        composite_cores(table.drop(columns=["rey_ppm"]))


def test_samples_longer_than_the_window_are_warned_of():
    # centimetres written as metres: 0-100, 100-200 ... for a 0-10 mbsf window
    top = np.arange(0.0, 1000.0, 100.0)
    samples = pd.DataFrame(
        {
            "core_id": "A",
            "lon": 153.0,
            "lat": 22.0,
            "top_m": top,
            "bottom_m": top + 100.0,
            "rey_ppm": 1000.0,
        }
    )
    with pytest.warns(SeabedWarning, match=r"100 m long \(median\).*centimetres"):
        composite_cores(samples, bottom_m=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeabedWarning)
        composite_cores(samples, bottom_m=1000.0)
