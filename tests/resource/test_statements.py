"""Tests of seabed.resource: cell tonnage, the statement and the exclusion table."""

import math

import dask.array
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

from seabed.elements import HREE, REY, oxide_factor
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.grid import make_grid
from seabed.report import plot_grade_tonnage
from seabed.resource import (
    ALL_EXCLUSIONS,
    OUTSIDE_INCLUDE,
    cell_tonnage,
    depth_statements,
    element_table,
    exclusion_table,
    grade_tonnage,
    mined_window,
    read_demand_table,
    slice_thickness,
    statement,
    statements_by,
    unestimated_area_km2,
)
from seabed.zones import zone_coverage

CELL = ("y", "x")


def cells(rey, treo=None, area=1e6, available=1.0, **elements):
    """A one-row Dataset of cells with given grades (ppm)."""
    rey = np.atleast_2d(np.asarray(rey, dtype=float))
    shape = rey.shape
    data = {
        "rey_ppm": (CELL, rey),
        "treo_ppm": (CELL, rey * 1.2 if treo is None else np.reshape(treo, shape)),
        "cell_area_m2": (CELL, np.broadcast_to(area, shape).astype(float)),
        "available_fraction": (CELL, np.broadcast_to(available, shape).astype(float)),
    }
    data |= {f"{el}_ppm": (CELL, np.reshape(v, shape)) for el, v in elements.items()}
    return xr.Dataset(data, coords={"y": np.arange(shape[0]), "x": np.arange(shape[1])})


@pytest.fixture(scope="module")
def survey():
    """A 1 km grid over Takaya et al.'s box with a synthetic grade field and zones."""
    grid = make_grid((153.5, 21.8, 154.117, 22.25), 1000.0)
    rng = np.random.default_rng(7)
    rey = rng.lognormal(np.log(900.0), 0.6, size=grid.cell_area_m2.shape)
    rey[:3, :] = np.nan  # a strip without estimate
    grid["rey_ppm"] = (CELL, rey)
    grid["treo_ppm"] = (CELL, rey * 1.19)
    in_wgs84 = lambda g: gpd.GeoSeries([g], crs=4326)  # noqa: E731
    licence = shapely.box(153.45, 21.85, 154.0, 22.3)
    coverage = zone_coverage(
        grid,
        include=[in_wgs84(licence)],
        exclude=[
            ("protected area", in_wgs84(shapely.box(153.6, 21.9, 153.8, 22.0))),
            ("seamount", in_wgs84(shapely.Point(153.75, 21.95).buffer(0.1))),
        ],
    )
    tonnes = cell_tonnage(
        xr.merge([grid, coverage], compat="override"),
        thickness_m=10.0,
        dry_density_t_m3=0.55,
    )
    return grid, coverage, tonnes


def test_hand_computed_cell():
    """1 km2 x 10 m x 0.55 t/m3 x 964 ppm = 5,302 t REY."""
    out = cell_tonnage(
        cells([964.0], treo=[1150.0]), thickness_m=10.0, dry_density_t_m3=0.55
    )
    assert float(out.ore_t[0, 0]) == pytest.approx(5.5e6)
    assert float(out.rey_t[0, 0]) == pytest.approx(5302.0)
    assert float(out.treo_t[0, 0]) == pytest.approx(6325.0)
    assert float(out.treo_t_per_km2[0, 0]) == pytest.approx(6325.0)
    assert out.rey_t.attrs["units"] == "t" and out.treo_t_per_km2.attrs["units"]


def test_available_fraction_thickness_and_density_grids():
    ds = cells([[1000.0, 1000.0]], area=[[2e6, 2e6]], available=[[0.25, 1.0]])
    thickness = xr.DataArray([[10.0, 4.0]], coords=ds.coords, dims=CELL)
    density = xr.DataArray([[0.5, 0.6]], coords=ds.coords, dims=CELL)
    out = cell_tonnage(ds, thickness_m=thickness, dry_density_t_m3=density)
    np.testing.assert_allclose(out.ore_t, [[2.5e6, 4.8e6]])
    np.testing.assert_allclose(out.rey_t, [[2500.0, 4800.0]])
    # Per km2 of the whole cell, so exclusions show on the map.
    np.testing.assert_allclose(out.treo_t_per_km2, [[1500.0, 2880.0]])


def test_element_oxide_tonnes():
    ds = cells([1000.0], Nd=[100.0], Ce=[200.0], Y=[300.0])
    out = cell_tonnage(
        ds, thickness_m=10.0, dry_density_t_m3=0.5, oxides={"Ce": "Ce2O3"}
    )
    assert float(out.Nd2O3_t[0, 0]) == pytest.approx(500.0 * oxide_factor("Nd"))
    assert float(out.Ce2O3_t[0, 0]) == pytest.approx(
        1000.0 * oxide_factor("Ce", "Ce2O3")
    )
    assert out.Y2O3_t.attrs["element"] == "Y" and "CeO2_t" not in out
    table = statement(out, [0.0])
    assert list(table.columns[-4:]) == [
        "Y2O3_t",
        "Ce2O3_t",
        "Nd2O3_t",
        "unestimated_area_km2",
    ]


def test_unestimated_cells_have_no_tonnes():
    out = cell_tonnage(cells([[np.nan, 500.0]]), thickness_m=10.0, dry_density_t_m3=0.5)
    assert np.isnan(out.ore_t[0, 0]) and np.isnan(out.treo_t_per_km2[0, 0])
    assert float(out.rey_t[0, 1]) == pytest.approx(2500.0)


@pytest.mark.parametrize(
    ("keyword", "value", "match"),
    [
        ("dry_density_t_m3", 0.0, "dry_density_t_m3"),
        ("dry_density_t_m3", -0.5, "range"),
        ("dry_density_t_m3", 3.5, "range"),
        ("dry_density_t_m3", "heavy", "not a finite"),
        ("thickness_m", -1.0, "thickness_m"),
        ("thickness_m", float("nan"), "thickness_m"),
    ],
)
def test_bad_thickness_or_density_is_a_config_error(keyword, value, match):
    arguments = {"thickness_m": 10.0, "dry_density_t_m3": 0.55} | {keyword: value}
    with pytest.raises(ConfigError, match=match):
        cell_tonnage(cells([900.0]), **arguments)


def test_wet_looking_density_warns():
    with pytest.warns(SeabedWarning, match="wet bulk density"):
        cell_tonnage(cells([900.0]), thickness_m=10.0, dry_density_t_m3=1.3)


def test_grids_must_match_and_cover_estimated_cells():
    ds = cells([[900.0, np.nan]])
    shifted = xr.DataArray([[10.0, 10.0]], coords={"y": [0], "x": [5, 6]}, dims=CELL)
    with pytest.raises(InputError, match="same grid"):
        cell_tonnage(ds, thickness_m=shifted, dry_density_t_m3=0.5)
    gaps = xr.DataArray([[np.nan, 10.0]], coords=ds.coords, dims=CELL)
    with pytest.raises(InputError, match="no value in cells"):
        cell_tonnage(ds, thickness_m=gaps, dry_density_t_m3=0.5)
    # A gap where there is no grade anyway is fine.
    fine = xr.DataArray([[10.0, np.nan]], coords=ds.coords, dims=CELL)
    cell_tonnage(ds, thickness_m=fine, dry_density_t_m3=0.5)
    with pytest.raises(InputError, match="available_fraction"):
        cell_tonnage(
            ds.drop_vars("available_fraction"), thickness_m=1.0, dry_density_t_m3=0.5
        )


def test_statement_by_hand():
    ds = cells(
        [[300.0, 900.0, 2500.0, np.nan]],
        area=[[1e6, 1e6, 2e6, 1e6]],
        available=[[1.0, 0.5, 1.0, 0.5]],
    )
    out = cell_tonnage(ds, thickness_m=10.0, dry_density_t_m3=0.5)
    table = statement(out, [0, 400, 2000, 5000])
    # ore: 5e6, 2.5e6, 1e7 t; REY: 1500, 2250, 25000 t
    np.testing.assert_allclose(table.ore_t, [17.5e6, 12.5e6, 10e6, 0.0])
    np.testing.assert_allclose(table.rey_t, [28_750.0, 27_250.0, 25_000.0, 0.0])
    np.testing.assert_allclose(table.area_km2, [3.5, 2.5, 2.0, 0.0])
    np.testing.assert_allclose(
        table.mean_rey_ppm[:3], [28_750 / 17.5, 27_250 / 12.5, 2500]
    )
    np.testing.assert_allclose(table.mean_treo_ppm[:3], 1.2 * table.mean_rey_ppm[:3])
    assert np.isnan(table.mean_rey_ppm[3]) and np.isnan(table.treo_t_per_km2[3])
    np.testing.assert_allclose(
        table.treo_t_per_km2[:3], table.treo_t[:3] / table.area_km2[:3]
    )
    assert table.n_cells.tolist() == [3, 2, 1, 0]
    assert table.unestimated_area_km2.tolist() == [0.5] * 4
    assert unestimated_area_km2(out) == 0.5


def test_statement_is_monotone_and_never_counts_nan(survey):
    _, _, tonnes = survey
    table = statement(tonnes, [0, 400, 800, 1200, 2000, 5000])
    for column in ("area_km2", "ore_t", "rey_t", "treo_t", "n_cells"):
        assert np.all(np.diff(table[column]) <= 0), column
    assert np.all(np.diff(table.mean_rey_ppm.dropna()) >= 0)
    estimated = np.isfinite(tonnes.rey_ppm.values) & (
        tonnes.available_fraction.values > 0
    )
    assert table.n_cells[0] == estimated.sum()
    # Cut-offs in any order give the same rows.
    shuffled = statement(tonnes, [2000, 0])
    pd.testing.assert_series_equal(
        shuffled.rey_t, table.rey_t[[4, 0]].reset_index(drop=True)
    )


def test_areas_add_up_to_the_grid(survey):
    """Statement area + unestimated area + all exclusions = grid area (1e-9)."""
    grid, coverage, tonnes = survey
    table = statement(tonnes, [0])
    excluded = exclusion_table(grid, coverage, thickness_m=10.0, dry_density_t_m3=0.55)
    all_excluded = excluded.set_index("reason").loc[ALL_EXCLUSIONS, "area_km2"]
    grid_km2 = float(grid.cell_area_m2.sum()) / 1e6
    total = table.area_km2[0] + table.unestimated_area_km2[0] + all_excluded
    assert total == pytest.approx(grid_km2, rel=1e-9)
    assert table.unestimated_area_km2[0] > 10  # the NaN strip is really there


def test_exclusion_table_rows_and_tonnes(survey):
    grid, coverage, tonnes = survey
    table = exclusion_table(grid, coverage, thickness_m=10.0, dry_density_t_m3=0.55)
    assert table.reason.tolist() == [
        OUTSIDE_INCLUDE,
        "protected area",
        "seamount",
        ALL_EXCLUSIONS,
    ]
    rows = table.set_index("reason")
    # Tonnes at the estimated grade: fraction x area x 10 m x 0.55 t/m3 x ppm x 1e-6.
    share = coverage.excluded_fraction.sel(reason="seamount").values
    rey = grid.rey_ppm.values
    expected = np.nansum(share * grid.cell_area_m2.values * 5.5 * rey * 1e-6)
    assert rows.loc["seamount", "rey_t"] == pytest.approx(expected, rel=1e-12)
    # The overlap of the two reasons is counted in each row but once in the last.
    inside = (
        rows.loc[ALL_EXCLUSIONS, "area_km2"] - rows.loc[OUTSIDE_INCLUDE, "area_km2"]
    )
    both = rows.loc["protected area", "area_km2"] + rows.loc["seamount", "area_km2"]
    assert inside < both - 1.0
    # Everything not available is accounted: available tonnes + excluded = all tonnes.
    full = cell_tonnage(
        grid.assign(available_fraction=grid.cell_area_m2 * 0 + 1.0),
        thickness_m=10.0,
        dry_density_t_m3=0.55,
    )
    kept = statement(tonnes, [0]).treo_t[0]
    assert kept + rows.loc[ALL_EXCLUSIONS, "treo_t"] == pytest.approx(
        float(full.treo_t.sum()), rel=1e-9
    )


def test_exclusion_table_without_include_has_no_outside_row():
    grid = make_grid((153.5, 21.8, 153.6, 21.9), 1000.0)
    grid["rey_ppm"] = grid.cell_area_m2 * 0 + 1000.0
    grid["treo_ppm"] = grid.cell_area_m2 * 0 + 1200.0
    cover = zone_coverage(grid)
    table = exclusion_table(grid, cover, thickness_m=10.0, dry_density_t_m3=0.5)
    assert table.reason.tolist() == [ALL_EXCLUSIONS]
    assert table.area_km2[0] == 0.0


def test_totals_do_not_depend_on_chunking(survey):
    _, _, tonnes = survey
    reference = statement(tonnes, [0, 1000])
    chunked = tonnes.copy()
    for name in ("rey_ppm", "ore_t", "rey_t", "treo_t", "available_fraction"):
        chunked[name] = (
            CELL,
            dask.array.from_array(tonnes[name].values, chunks=(7, 13)),
        )
    pd.testing.assert_frame_equal(
        statement(chunked, [0, 1000]), reference, check_exact=True
    )


def test_bad_cutoffs_and_missing_variables():
    out = cell_tonnage(cells([900.0]), thickness_m=10.0, dry_density_t_m3=0.5)
    for bad in ([], [-1.0], [float("nan")]):
        with pytest.raises(ConfigError, match="cutoffs_ppm"):
            statement(out, bad)
    with pytest.raises(InputError, match="ore_t"):
        statement(cells([900.0]), [0])


# ----------------------------------------------------------------- statements by part
def test_fraction_weights_area_and_tonnes():
    ds = cells([[1000.0, 3000.0]], area=[[2e6, 1e6]], available=[[0.5, 1.0]])
    out = cell_tonnage(ds, thickness_m=10.0, dry_density_t_m3=0.5)
    share = xr.DataArray([[0.25, 1.0]], coords=ds.coords, dims=CELL)
    table = statement(out, [0, 2000], fraction=share)
    # area: 2 km2 x 0.5 x 0.25 + 1 km2; ore: 0.25 km2 x 5 t/m2 + 1 km2 x 5 t/m2
    np.testing.assert_allclose(table.area_km2, [1.25, 1.0])
    np.testing.assert_allclose(table.ore_t, [6.25e6, 5e6])
    np.testing.assert_allclose(table.rey_t, [1250.0 + 15000.0, 15000.0])
    assert table.n_cells.tolist() == [2, 1]
    with pytest.raises(InputError, match="outside"):
        statement(out, [0], fraction=share * 2)


def test_parts_add_up_to_the_whole(survey):
    _, _, tonnes = survey
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(np.ones(3), size=tonnes.rey_ppm.shape)  # sum to 1 per cell
    fractions = xr.DataArray(
        np.moveaxis(shares, -1, 0),
        dims=("zone", *CELL),
        coords={"zone": ["a", "b", "c"]} | {d: tonnes[d] for d in CELL},
    )
    cutoffs = [0, 800, 2000]
    parts = statements_by(tonnes, cutoffs, fractions)
    whole = statement(tonnes, cutoffs)
    assert parts.zone.tolist() == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    summed = parts.groupby("cutoff_ppm")[["area_km2", "ore_t", "rey_t", "treo_t"]].sum()
    for column in summed:
        np.testing.assert_allclose(summed[column], whole[column], rtol=1e-12)


def test_hree_y_share_by_hand():
    grades = dict.fromkeys(REY, 10.0) | {"Y": 250.0, "La": 200.0}
    ds = cells([sum(grades.values())], **{el: [v] for el, v in grades.items()})
    table = statement(cell_tonnage(ds, thickness_m=1.0, dry_density_t_m3=1.0), [0])
    heavy = grades["Y"] + sum(grades[el] for el in HREE)  # Y + Gd..Lu, elements
    assert table.hree_y_share[0] == pytest.approx(heavy / sum(grades.values()))


# ----------------------------------------------------------------------- depth slices
def slice_cells(slice_grades, sediment=None, edges=(0.0, 1.0, 2.0, 3.0)):
    """One row of 1 km2 cells with grades per slice (list per cell)."""
    grades = np.asarray(slice_grades, dtype=float).T[:, None, :]  # (slice, 1, n)
    window = grades.mean(axis=0)
    ds = cells(window, treo=window * 1.2)
    sediment_m = (
        None
        if sediment is None
        else xr.DataArray([sediment], coords=ds.coords, dims=CELL)
    )
    ds["slice_thickness_m"] = slice_thickness(edges, ds.rey_ppm, sediment_m)
    ds["slice_rey_ppm"] = (("slice", *CELL), grades)
    return ds


def test_slice_thickness_is_cut_at_the_sediment_base():
    like = cells([[0.0, 0.0, 0.0]]).rey_ppm
    sediment = xr.DataArray([[40.0, 2.5, np.nan]], coords=like.coords, dims=CELL)
    h = slice_thickness([0.0, 1.0, 2.0, 3.0, 4.0], like, sediment)
    assert h.slice.values.tolist() == ["0-1", "1-2", "2-3", "3-4"]
    np.testing.assert_array_equal(h.values[:, 0, 1], [1.0, 1.0, 0.5, 0.0])
    np.testing.assert_array_equal(h.sum("slice").values, [[4.0, 2.5, 4.0]])
    assert h.slice_top_m.values.tolist() == [0.0, 1.0, 2.0, 3.0]
    # a window starting below the seafloor: 0.5 m of sediment leaves nothing of 1-2
    h = slice_thickness([1.0, 2.0], like, xr.full_like(sediment, 0.5))
    assert float(h.sum()) == 0.0
    with pytest.raises(ConfigError, match="increasing"):
        slice_thickness([0.0, 2.0, 1.0], like)


def test_mined_window_is_the_thickness_weighted_slice_grade():
    ds = slice_cells([[200.0, 800.0, 1400.0], [300.0, 600.0, 900.0]], sediment=[1.5, 9])
    ds["Nd_ppm"] = ds.rey_ppm * 0.1
    out = mined_window(ds)
    # cell 0: 1 m at 200 + 0.5 m at 800 ; cell 1: the whole 0-3 m window
    np.testing.assert_allclose(out.rey_ppm, [[400.0, 600.0]])
    np.testing.assert_allclose(out.thickness_m, [[1.5, 3.0]])
    np.testing.assert_allclose(out.treo_ppm, [[480.0, 720.0]])  # ratio kept
    np.testing.assert_allclose(out.Nd_ppm, [[40.0, 60.0]])  # make-up kept


def test_unestimated_cells_stay_unestimated_through_the_slices():
    """A cell without a grade in its slices has no window grade, not 0 ppm."""
    ds = slice_cells([[200.0, 800.0, 1400.0], [np.nan, np.nan, np.nan]])
    ds["rey_ppm"] = ds.rey_ppm.where(np.isfinite(ds.rey_ppm))
    out = mined_window(ds)
    assert float(out.rey_ppm[0, 0]) == pytest.approx(800.0)
    assert np.isnan(out.rey_ppm[0, 1]) and np.isnan(out.treo_ppm[0, 1])
    tonnes = cell_tonnage(out, thickness_m=out.thickness_m, dry_density_t_m3=0.5)
    table = statement(tonnes, [0])
    assert table.area_km2[0] == 1.0 and table.unestimated_area_km2[0] == 1.0
    assert table.mean_rey_ppm[0] == pytest.approx(800.0)
    per_slice, cumulative = depth_statements(tonnes, [0], dry_density_t_m3=0.5)
    assert per_slice.area_km2.tolist() == [1.0] * 3
    assert cumulative.unestimated_area_km2.tolist() == [1.0] * 3
    assert cumulative.mean_rey_ppm.tolist() == pytest.approx([200.0, 500.0, 800.0])


def test_depth_statements_by_hand():
    ds = slice_cells([[200.0, 800.0, 1400.0], [300.0, 600.0, 900.0]], sediment=[2.5, 9])
    ds = cell_tonnage(mined_window(ds), thickness_m=ds.slice_thickness_m.sum("slice"),
                      dry_density_t_m3=0.5)  # fmt: skip
    per_slice, cumulative = depth_statements(ds, [0, 700], dry_density_t_m3=0.5)
    ore_per_m = 1e6 * 0.5  # t per metre of a 1 km2 cell
    rows = per_slice.set_index(["top_m", "cutoff_ppm"])
    # slice 2-3: half a metre in cell 0 (1400 ppm), a metre in cell 1 (900 ppm)
    assert rows.loc[(2.0, 0.0), "ore_t"] == pytest.approx(1.5 * ore_per_m)
    assert rows.loc[(2.0, 0.0), "rey_t"] == pytest.approx(
        ore_per_m * (700 + 900) * 1e-6
    )
    assert rows.loc[(1.0, 700.0), "rey_t"] == pytest.approx(ore_per_m * 800 * 1e-6)
    # the cut-off acts on the grade from the top to the target depth: 0-2 m grades
    # are 500 and 450 ppm (nothing above 700), 0-3 m grades 680 and 600 ppm
    down = cumulative.set_index(["bottom_m", "cutoff_ppm"])
    assert down.loc[(2.0, 700.0), "ore_t"] == 0.0
    assert down.loc[(2.0, 0.0), "mean_rey_ppm"] == pytest.approx(475.0)
    assert down.loc[(3.0, 0.0), "ore_t"] == pytest.approx(5.5 * ore_per_m)
    # slices add up to the window at cut-off 0; the last cumulative row is the window
    whole = statement(ds, [0, 700])
    at_zero = per_slice[per_slice.cutoff_ppm == 0]
    # (every slice reports the cells' whole area, as the window does)
    assert at_zero.area_km2.tolist() == [whole.area_km2[0]] * 3
    for column in ("ore_t", "rey_t", "treo_t"):
        assert at_zero[column].sum() == pytest.approx(whole[column][0], rel=1e-12)
    last = cumulative[cumulative.bottom_m == 3.0].reset_index(drop=True)
    for column in ("area_km2", "ore_t", "rey_t", "treo_t", "n_cells"):
        np.testing.assert_allclose(last[column], whole[column], rtol=1e-12)


# -------------------------------------------------------------------------- elements
def test_element_table_and_years_of_demand():
    ds = cells([1000.0], Y=[300.0], Ce=[100.0], Dy=[40.0])
    out = cell_tonnage(ds, thickness_m=10.0, dry_density_t_m3=0.5)  # 5 Mt of ore
    demand = {"Dy": 50.0, "Y2O3": 1000.0, "Ce2O3": 100.0}
    table = element_table(out, [0, 2000], annual_demand_t=demand)
    rows = table[table.cutoff_ppm == 0].set_index("element")
    assert rows.index.tolist() == ["Y", "Ce", "Dy"]
    assert rows.loc["Dy", "element_t"] == pytest.approx(200.0)
    assert rows.loc["Dy", "oxide_t"] == pytest.approx(200.0 * oxide_factor("Dy"))
    assert rows.loc["Dy", "years_of_demand"] == pytest.approx(4.0)
    # oxide demand compares oxide tonnes: 1500 t Y -> Y2O3 over 1000 t/yr
    y2o3 = 1500.0 * oxide_factor("Y")
    assert rows.loc["Y", "years_of_demand"] == pytest.approx(y2o3 / 1000.0)
    # demand in another oxide form than reported goes through the element
    ce = 500.0 / (100.0 / oxide_factor("Ce", "Ce2O3"))
    assert rows.loc["Ce", "oxide"] == "CeO2"
    assert rows.loc["Ce", "years_of_demand"] == pytest.approx(ce)
    assert rows.loc["Y", "share_of_rey"] == pytest.approx(0.3)
    assert table[table.cutoff_ppm == 2000].element_t.sum() == 0.0
    assert element_table(cell_tonnage(cells([900.0]), thickness_m=1.0,
                                      dry_density_t_m3=0.5), [0]).empty  # fmt: skip


def test_element_table_sums_every_element_exactly_over_several_passes():
    """All 15 elements: 31 layers, summed a few per pass; each total is still the
    exact sum of its cells above the cut-off, whatever the batch it fell in."""
    rng = np.random.default_rng(4)
    rey = rng.lognormal(6.8, 0.5, (40, 50))
    grades = {el: rey * rng.uniform(0.01, 0.2, rey.shape) for el in REY}
    out = cell_tonnage(
        cells(rey, area=rng.uniform(0.9e6, 1.1e6, rey.shape), **grades),
        thickness_m=10.0,
        dry_density_t_m3=0.5,
    )
    table = element_table(out, [0.0, 1000.0]).set_index(["cutoff_ppm", "element"])
    for cutoff in (0.0, 1000.0):
        above = out.rey_ppm.values >= cutoff
        for element in REY:
            name = next(
                v for v in out.data_vars if out[v].attrs.get("element") == element
            )
            oxide = math.fsum(out[name].values[above])
            metal = math.fsum((out.ore_t * out[f"{element}_ppm"] * 1e-6).values[above])
            assert table.at[(cutoff, element), "oxide_t"] == oxide
            assert table.at[(cutoff, element), "element_t"] == metal


def test_demand_table_file(tmp_path):
    good = tmp_path / "demand.csv"
    good.write_text("element,annual_demand_t\nDy,1000\nTb4O7, 300\n")
    assert read_demand_table(good) == {"Dy": 1000.0, "Tb4O7": 300.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("element,annual_demand_t\nDy,1000\nXx,5\n")
    with pytest.raises(InputError, match=r"bad\.csv.*row 3.*element"):
        read_demand_table(bad)
    bad.write_text("element,annual_demand_t\nDy,-5\n")
    with pytest.raises(InputError, match="annual_demand_t"):
        read_demand_table(bad)
    bad.write_text("element,tonnes\nDy,5\n")
    with pytest.raises(InputError, match="lacks column"):
        read_demand_table(bad)
    bad.write_text("element,annual_demand_t\nDy,5\nTb,3\nDy2O3,7\n")
    with pytest.raises(InputError, match=r"row 4.*second demand for Dy.*row 2"):
        read_demand_table(bad)


# ---------------------------------------------------------------------- grade-tonnage
def test_grade_tonnage_matches_the_statement(survey):
    _, _, tonnes = survey
    curve = grade_tonnage(tonnes, step_ppm=50.0)
    assert curve.cutoff_ppm[0] == 0 and np.all(np.diff(curve.cutoff_ppm) == 50.0)
    assert curve.cutoff_ppm.iloc[-1] <= float(tonnes.rey_ppm.max())
    check = statement(tonnes, curve.cutoff_ppm.iloc[::7].tolist())
    picked = curve.iloc[::7].reset_index(drop=True)
    for column in ("area_km2", "ore_t", "rey_t", "treo_t", "mean_rey_ppm"):
        np.testing.assert_allclose(picked[column], check[column], rtol=1e-10)
    assert np.all(np.diff(curve.ore_t) <= 0)
    assert np.all(np.diff(curve.mean_rey_ppm.dropna()) >= -1e-9)


def test_grade_tonnage_figure():
    out = cell_tonnage(cells([[300.0, 900.0]]), thickness_m=10.0, dry_density_t_m3=0.5)
    ax = plot_grade_tonnage(grade_tonnage(out, step_ppm=100.0))
    assert len(ax.figure.axes) == 2
    assert "cut-off" in ax.get_xlabel()
    with pytest.raises(ConfigError, match="step"):
        grade_tonnage(out, step_ppm=0.0)


# ----------------------------------------------------------------- sums per block
def test_totals_are_the_exactly_rounded_sums_of_the_cells(survey):
    _, _, tonnes = survey
    cutoffs = [0, 900, 2500]
    table = statement(tonnes, cutoffs)
    grade = tonnes.rey_ppm.values.ravel()
    for row, cutoff in zip(table.itertuples(), cutoffs, strict=True):
        selected = np.isfinite(grade) & (grade >= cutoff)
        for name in ("ore_t", "rey_t", "treo_t"):
            # math.fsum: the exact sum, rounded once
            assert getattr(row, name) == math.fsum(
                tonnes[name].values.ravel()[selected]
            )
        area = (tonnes.cell_area_m2 * tonnes.available_fraction).values.ravel()
        assert row.area_km2 == math.fsum(area[selected]) * 1e-6


def test_totals_do_not_depend_on_the_order_of_the_cells(survey):
    _, _, tonnes = survey
    cutoffs = [0, 900, 2500]
    # the same cells in another order: rows reversed, columns rolled
    shuffled = tonnes.isel(y=slice(None, None, -1)).roll(x=17, roll_coords=True)
    for name in ("statement", "elements"):
        compute = {
            "statement": lambda ds: statement(ds, cutoffs),
            "elements": lambda ds: element_table(ds, cutoffs),
        }[name]
        pd.testing.assert_frame_equal(
            compute(shuffled), compute(tonnes), check_exact=True
        )


def test_statements_by_whole_cells_equal_one_statement_per_part(survey):
    _, _, tonnes = survey
    codes = np.random.default_rng(4).integers(0, 3, size=tonnes.rey_ppm.shape)
    whole = xr.DataArray(
        np.stack([(codes == k).astype(float) for k in range(3)]),
        dims=("part", *CELL),
        coords={"part": ["a", "b", "c"]} | {d: tonnes[d] for d in CELL},
    )
    cutoffs = [0, 900]
    fast = statements_by(tonnes, cutoffs, whole)  # one pass: every cell in one part
    one_by_one = pd.concat(
        [
            statement(tonnes, cutoffs, fraction=whole.sel(part=label)).assign(
                part=label
            )
            for label in ("a", "b", "c")
        ],
        ignore_index=True,
    )[fast.columns]
    pd.testing.assert_frame_equal(fast, one_by_one, check_exact=True)
    # and the parts add up to the whole, to the last digit here
    summed = fast.groupby("cutoff_ppm")[["ore_t", "rey_t"]].sum()
    np.testing.assert_allclose(
        summed.to_numpy(), statement(tonnes, cutoffs)[["ore_t", "rey_t"]], rtol=1e-15
    )
