"""Tests of seabed.resource: cell tonnage, the statement and the exclusion table."""

import dask.array
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

from seabed.elements import oxide_factor
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.exclusions import zone_coverage
from seabed.grid import make_grid
from seabed.resource import (
    ALL_EXCLUSIONS,
    OUTSIDE_INCLUDE,
    cell_tonnage,
    exclusion_table,
    statement,
    unestimated_area_km2,
)

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
