"""Property-based tests (hypothesis) of the cores loader and the compositing."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seabed.composite import composite_cores, composite_slices
from seabed.exceptions import InputError, SeabedWarning
from seabed.io import load_cores, validate_cores

# generated grades are often tiny: the loader's warning about units is not the subject
pytestmark = pytest.mark.filterwarnings("ignore:.*look like wt%:UserWarning")

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

grades = st.floats(0.0, 20_000.0, allow_nan=False)
thicknesses = st.floats(0.05, 4.0, allow_nan=False)


@st.composite
def cores_tables(draw, max_cores=4):
    """Valid cores tables: contiguous intervals from the seafloor, in any row order."""
    rows = []
    n_cores = draw(st.integers(1, max_cores))
    for i in range(n_cores):
        lon = draw(st.floats(-180.0, 180.0, allow_nan=False))
        lat = draw(st.floats(-90.0, 90.0, allow_nan=False))
        top = 0.0
        for thickness in draw(st.lists(thicknesses, min_size=1, max_size=6)):
            bottom = round(top + thickness, 3)
            rows.append((f"K{i}", lon, lat, top, bottom, draw(grades)))
            top = bottom
    table = pd.DataFrame(
        rows, columns=["core_id", "lon", "lat", "top_m", "bottom_m", "rey_ppm"]
    )
    order = draw(st.permutations(range(len(table))))
    return table.iloc[list(order)].reset_index(drop=True)


def composite(table, **window):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)  # short cores: flagged
        return composite_cores(validate_cores(table), **window)


@SETTINGS
@given(table=cores_tables())
def test_a_valid_table_is_kept_whole_and_sorted(table):
    cores = validate_cores(table)
    assert len(cores) == len(table)
    assert cores["rey_ppm"].sum() == pytest.approx(table["rey_ppm"].sum())
    for _, core in cores.groupby("core_id"):
        assert core["top_m"].is_monotonic_increasing
        assert (core["bottom_m"] > core["top_m"]).all()


@SETTINGS
@given(table=cores_tables())
def test_csv_round_trip_equals_the_table_in_memory(tmp_path, table):
    path = tmp_path / "cores.csv"
    table.to_csv(path, index=False)
    loaded = load_cores(path)
    expected = validate_cores(table)
    pd.testing.assert_frame_equal(
        loaded.reset_index(drop=True), expected.reset_index(drop=True)
    )


corruptions = st.sampled_from(
    [
        ("top_m", -0.5),
        ("lon", 181.5),
        ("lat", -90.5),
        ("rey_ppm", -1.0),
        ("rey_ppm", "12 ppm"),
        ("bottom_m", "n/a"),
    ]
)


@SETTINGS
@given(table=cores_tables(), corruption=corruptions, data=st.data())
def test_one_bad_value_is_an_input_error_naming_its_row(table, corruption, data):
    column, value = corruption
    row = data.draw(st.integers(0, len(table) - 1))
    bad = table.astype(object)
    bad.loc[row, column] = value
    with pytest.raises(InputError) as caught:
        validate_cores(bad)
    assert caught.value.row == row + 1
    assert caught.value.column == column


@SETTINGS
@given(junk=st.binary(max_size=400))
def test_arbitrary_bytes_are_refused_as_input_errors(tmp_path, junk):
    path = tmp_path / "cores.csv"
    path.write_bytes(junk)
    with pytest.raises(InputError) as caught:
        load_cores(path)
    assert "cores.csv" in str(caught.value)
    assert "\n" not in str(caught.value)


@SETTINGS
@given(table=cores_tables(), bottom=st.floats(0.5, 12.0))
def test_the_composite_lies_within_the_samples_it_averages(table, bottom):
    result = composite(table, bottom_m=bottom)
    for core_id, core in table.groupby("core_id"):
        inside = core[core["top_m"] < bottom]
        grade = result.loc[core_id, "rey_ppm"]
        low, high = inside["rey_ppm"].min(), inside["rey_ppm"].max()
        assert low - 1e-9 * max(1.0, high) <= grade <= high * (1 + 1e-9) + 1e-9
        covered = min(core["bottom_m"].max(), bottom)
        assert result.loc[core_id, "sampled_m"] == pytest.approx(covered)
        assert result.loc[core_id, "reaches_bottom"] == (
            core["bottom_m"].max() >= bottom - 1e-6
        )


@SETTINGS
@given(table=cores_tables(), grade=grades, cut=st.floats(0.1, 0.9))
def test_splitting_a_sample_in_two_changes_nothing(table, grade, cut):
    table = table.assign(rey_ppm=grade)
    first = table.iloc[0]
    middle = round(first.top_m + cut * (first.bottom_m - first.top_m), 6)
    if not first.top_m < middle < first.bottom_m:
        return
    upper = first.copy()
    upper["bottom_m"] = middle
    lower = first.copy()
    lower["top_m"] = middle
    split = pd.concat([table.iloc[1:], upper.to_frame().T, lower.to_frame().T])
    split = split.astype(table.dtypes.to_dict())
    before = composite(table, bottom_m=10.0)["rey_ppm"]
    after = composite(split, bottom_m=10.0)["rey_ppm"]
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(before.dropna().to_numpy(), grade, rtol=1e-12)


@SETTINGS
@given(table=cores_tables())
def test_slices_average_back_to_the_window(table):
    cores = validate_cores(table)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)
        window = composite_cores(cores, bottom_m=5.0)
        slices = composite_slices(cores, bottom_m=5.0, slice_m=1.0)
    for core_id, rows in slices.groupby("core_id"):
        rows = rows.dropna(subset=["rey_ppm"])
        if rows.empty:
            continue
        covered = (
            np.minimum(
                rows["slice_bottom_m"],
                cores.loc[cores["core_id"] == core_id, "bottom_m"].max(),
            )
            - rows["slice_top_m"]
        )
        mean = np.average(rows["rey_ppm"], weights=covered)
        assert mean == pytest.approx(window.loc[core_id, "rey_ppm"], rel=1e-9, abs=1e-9)
