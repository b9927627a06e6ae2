"""The whole pipeline from Python: truth recovery, tile invariance, atomic outputs, and
the resource accounting (slices, zones, rules, classes, density, elements) checked
against independent computations."""

import importlib.util
import json
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
import xarray as xr
from threadpoolctl import threadpool_info

import seabed
from seabed import chunks, estimation, outputs, pipeline
from seabed.composite import reference_oxide_factor
from seabed.config import Config
from seabed.elements import DEFAULT_OXIDES, HREE, REY, oxide_factor
from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.geostats import OrdinaryKriging
from seabed.io import datasets
from seabed.io.synthetic import SyntheticField, make_survey
from seabed.pipeline import demo, runner

GEOD = pyproj.Geod(ellps="WGS84")

BOX = (153.55, 21.85, 153.95, 22.2)  # about 41 x 39 km inside the Takaya box


def survey_config(
    tmp_path: Path, seed: int, inputs: dict | None = None, **sections
) -> tuple[Config, SyntheticField]:
    field = SyntheticField(seed=seed)
    survey = make_survey(n_cores=80, bounds=BOX, seed=seed, field=field)
    cores = tmp_path / f"cores_{seed}.csv"
    survey.samples.to_csv(cores, index=False)
    data = {
        "inputs": {"cores": str(cores)} | (inputs or {}),
        "grid": {"bounds": list(BOX), "resolution_m": 1000.0},
        # these runs check numbers, not the report (tests/report renders it)
        "output": {"dir": str(tmp_path / "out"), "report": False},
    } | sections
    return Config.model_validate(data), field


def true_tonnage(result, field: SyntheticField) -> tuple[float, float]:
    """REY and TREO tonnes of the true field over the same cells and fractions."""
    ds = result.dataset
    x = ds["x"].values
    y = ds["y"].values
    res = result.config.grid.resolution_m
    x_edges = np.append(x - res / 2, x[-1] + res / 2)
    y_edges = np.append(y + res / 2, y[-1] - res / 2)
    true_ppm = field.cell_mean(x_edges, y_edges, ds.rio.crs, 0.0, 10.0, n_sub=4).values
    weight = (
        ds["cell_area_m2"] * ds["available_fraction"] * ds["thickness_m"]
    ).values * result.config.resource.dry_density_t_m3
    rey_t = float(np.sum(weight * true_ppm) * 1e-6)
    return rey_t, rey_t * reference_oxide_factor()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_truth_recovery_of_total_tonnage(tmp_path, seed):
    """Cut-off-0 tonnage is within 8% of the truth the cores were drawn from, and so
    is the tonnage of each 1 m slice.

    Tolerance: with 80 cores about 5 km apart and a field of ~30 km range, the error of
    the area total is the interpolation error of a log-normal field (log sd 0.5)
    summed over ~1,600 cells. Over seeds 100-119 it was +0.6% on average, sd 2.8%,
    never beyond 4.9% (docs/validation.md), so 8% fails only for a real bias (a unit,
    density or area error would be 10% or far more).
    """
    config, field = survey_config(tmp_path, seed)
    result = seabed.run(config, progress=False)
    row = result.statement.iloc[0]
    assert row["cutoff_ppm"] == 0
    true_rey_t, true_treo_t = true_tonnage(result, field)
    assert row["rey_t"] == pytest.approx(true_rey_t, rel=0.08)
    assert row["treo_t"] == pytest.approx(true_treo_t, rel=0.08)
    # the statement's area is the geodesic area of the estimated cells' parts
    # inside the area of interest (the bounds' box)
    ds = result.dataset
    assert row["area_km2"] == pytest.approx(
        float((ds["cell_area_m2"] * ds["area_fraction"]).sum()) / 1e6, rel=1e-9
    )
    check_slices_against_truth(result, field)


def check_slices_against_truth(result, field: SyntheticField) -> None:
    """Each 1 m slice's tonnage is within 8 % of the synthetic truth.

    Over seeds 11-13 the slices were 0.3-3.8 % below the truth (the whole window
    1.7-2.2 % below, as before slicing): 8 % fails only for a real error, such as a
    slice put at the wrong depth (the profile varies by a factor of 7 with depth).
    """
    ds = result.dataset
    res = result.config.grid.resolution_m
    x, y = ds.x.values, ds.y.values
    x_edges = np.append(x - res / 2, x[-1] + res / 2)
    y_edges = np.append(y + res / 2, y[-1] - res / 2)
    weight = (ds.cell_area_m2 * ds.available_fraction).values * 0.55
    rows = result.slices[
        (result.slices.cutoff_ppm == 0) & (result.slices.interval == "slice")
    ]
    assert len(rows) == 10
    for _, row in rows.iterrows():
        truth = field.cell_mean(
            x_edges, y_edges, ds.rio.crs, row.top_m, row.bottom_m, n_sub=2
        ).values
        true_t = float(np.sum(weight * truth)) * 1e-6  # 1 m thick
        assert row.rey_t == pytest.approx(true_t, rel=0.08), row.top_m


def test_tile_size_does_not_change_results(tmp_path):
    config, _ = survey_config(tmp_path, 21)
    results = [
        seabed.run(
            config, out_dir=tmp_path / f"t{tile}", tile_size=tile, progress=False
        )
        for tile in (8, 16, 4096)
    ]
    reference = results[0].dataset
    for other in results[1:]:
        for name in ("rey_ppm", "rey_std_ppm", "treo_ppm", "treo_t"):
            np.testing.assert_array_equal(
                reference[name].values, other.dataset[name].values
            )
        pd.testing.assert_frame_equal(results[0].statement, other.statement)
    for name in ("rey_ppm.tif", "class.tif"):
        arrays = []
        for tile in (8, 16, 4096):
            with rasterio.open(tmp_path / f"t{tile}" / name) as src:
                arrays.append(src.read(1))
        np.testing.assert_array_equal(arrays[0], arrays[1])
        np.testing.assert_array_equal(arrays[0], arrays[2])


def test_one_worker_keeps_the_run_on_one_core(tmp_path, monkeypatch):
    config, _ = survey_config(tmp_path, 3, dask={"workers": 1})
    seen = {}
    fit_grades = runner.fit_grades

    def recording(*args, **kwargs):
        models = fit_grades(*args, **kwargs)
        seen["blas"] = {pool["num_threads"] for pool in threadpool_info()}
        seen["n_jobs"] = models.estimator.n_jobs
        return models

    monkeypatch.setattr(runner, "fit_grades", recording)
    seabed.run(config, progress=False)
    assert seen == {"blas": {1}, "n_jobs": 1}


def test_incomplete_cores_are_flagged_and_left_out(tmp_path):
    config, _ = survey_config(tmp_path, 31)
    result = seabed.run(config, progress=False)
    short = result.composites.index[~result.composites["reaches_bottom"]]
    assert len(short) > 0
    assert any("do not reach 10 mbsf" in note for note in result.notes)
    assert (
        result.composites.loc[short, "rey_ppm"].notna().any()
    )  # partial composite kept
    document = outputs.resource_document(result)
    assert sorted(document["cores"]["not_reaching_window_bottom"]) == sorted(short)
    assert document["cores"]["n_total"] == 80


def test_failed_run_writes_nothing(tmp_path):
    config, _ = survey_config(tmp_path, 41)
    broken = config.model_copy(
        update={
            "inputs": config.inputs.model_copy(update={"cores": tmp_path / "nope.csv"})
        }
    )
    with pytest.raises(InputError, match=r"nope\.csv"):
        seabed.run(broken, progress=False)
    assert not (tmp_path / "out").exists()


def test_idw_runs_without_standard_deviation(tmp_path):
    config, _ = survey_config(tmp_path, 51, estimate={"method": "idw"})
    result = seabed.run(config, progress=False)
    assert "rey_std_ppm" not in result.dataset
    assert not (result.out_dir / "rey_std_ppm.tif").exists()
    assert result.statement.iloc[0]["rey_t"] > 0


def test_depth_rule_excludes_shallow_cells(tmp_path):
    from seabed.io import datasets

    config, _ = survey_config(
        tmp_path,
        61,
        inputs={"bathymetry": str(datasets.bathymetry_path())},
        rules={"depth_window_m": [5700.0, 6500.0]},
    )
    result = seabed.run(config, progress=False)
    reasons = set(result.excluded["reason"])
    assert "water depth outside 5700-6500 m" in reasons
    row = result.excluded.set_index("reason").loc["water depth outside 5700-6500 m"]
    assert 0 < row["area_km2"] < result.statement.iloc[0]["area_km2"] + row["area_km2"]


def test_a_search_that_reaches_no_core_says_so(tmp_path):
    config, _ = survey_config(
        tmp_path,
        62,
        estimate={
            "max_distance_m": 1.0,
            "variogram": {"model": "exponential", "psill": 2e4, "range": 2e4},
        },
        output={"dir": str(tmp_path / "out"), "report": True},
    )
    result = seabed.run(config, progress=False)
    assert result.statement["area_km2"].max() == 0.0
    (doubt,) = [d for d in result.doubts if d.startswith("no cell has a grade")]
    assert "estimate.max_distance_m = 1 m" in doubt
    assert (
        "no cell has a grade estimate" in (tmp_path / "out" / "report.html").read_text()
    )


def test_rules_that_leave_nothing_say_so(tmp_path):
    from seabed.io import datasets

    config, _ = survey_config(
        tmp_path,
        63,
        inputs={"bathymetry": str(datasets.bathymetry_path())},
        rules={"depth_window_m": [100.0, 200.0]},
    )
    result = seabed.run(config, progress=False)
    assert any(d.startswith("nothing is stated") for d in result.doubts)


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({}, "estimate.variogram"),
        (
            {"estimate": {"method": "idw"}, "simulation": {"realizations": 2}},
            "simulation",
        ),
    ],
)
def test_too_few_cores_for_a_variogram_name_the_setting(tmp_path, sections, key):
    survey = make_survey(n_cores=9, bounds=BOX, seed=5)
    survey.samples.to_csv(tmp_path / "cores.csv", index=False)
    config = Config.model_validate(
        {
            "inputs": {"cores": str(tmp_path / "cores.csv")},
            "grid": {"bounds": list(BOX), "resolution_m": 2000.0},
            "output": {"dir": str(tmp_path / "out"), "report": False},
            **sections,
        }
    )
    with pytest.raises(ConfigError, match="cannot be fitted from the") as caught:
        seabed.run(config, progress=False)
    assert caught.value.column == key
    assert not (tmp_path / "out").exists()
    # and validation says so first: a configuration that validates does not fail
    # for a reason validation could see
    toml = tmp_path / "run.toml"
    toml.write_text(
        f'[inputs]\ncores = "cores.csv"\n[grid]\nbounds = {list(BOX)}\n'
        "resolution_m = 2000.0\n"
        + "".join(
            f"[{name}]\n" + "".join(f"{k} = {v!r}\n" for k, v in table.items())
            for name, table in sections.items()
        )
    )
    (problem,) = seabed.pipeline.validate(toml)
    assert problem.column == key and problem.message == caught.value.message


def test_an_automatic_pure_nugget_classifies_nothing_by_range_and_says_so(tmp_path):
    # whole cores' grade profiles dealt out at random positions: no correlation
    samples = make_survey(n_cores=80, bounds=BOX, seed=3).samples
    ids = samples["core_id"].unique()
    dealt = dict(zip(ids, np.random.default_rng(0).permutation(ids), strict=True))
    position = samples.groupby("core_id")[["lon", "lat"]].first()
    moved = samples.copy()
    moved[["lon", "lat"]] = position.loc[moved["core_id"].map(dealt)].to_numpy()
    moved.to_csv(tmp_path / "cores.csv", index=False)
    config = Config.model_validate(
        {
            "inputs": {"cores": str(tmp_path / "cores.csv")},
            "grid": {"bounds": list(BOX), "resolution_m": 2000.0},
            "output": {"dir": str(tmp_path / "out"), "report": False},
        }
    )
    result = seabed.run(config, progress=False)
    assert not result.variogram.structures
    classes = result.classes[result.classes.cutoff_ppm == 0].set_index("class")
    assert classes.loc["unclassified", "area_km2"] == pytest.approx(
        result.statement.iloc[0]["area_km2"]
    )
    assert result.assumptions["classification"]["practical_range_m"] == 0.0
    (doubt,) = [d for d in result.doubts if "practical range is 0" in d]
    assert "the indicated and inferred classes" in doubt


def test_negative_kriged_grades_count_as_zero_and_are_said(tmp_path):
    # grades over five orders of magnitude, simple kriging on a huge sill: negative
    # weights push a dozen cells below 0 ppm, which dropped out of every statement
    rng = np.random.default_rng(3)
    cores = pd.DataFrame(
        {
            "core_id": [f"C{i:02d}" for i in range(40)],
            "lon": 153.5 + rng.uniform(0, 0.6, 40),
            "lat": 21.8 + rng.uniform(0, 0.5, 40),
            "top_m": 0.0,
            "bottom_m": 10.0,
            "rey_ppm": np.exp(rng.uniform(0.0, np.log(1e5), 40)),
        }
    )
    cores.to_csv(tmp_path / "cores.csv", index=False)
    bounds = [153.45, 21.75, 154.15, 22.35]
    config = Config.model_validate(
        {
            "inputs": {"cores": str(tmp_path / "cores.csv")},
            "grid": {"bounds": bounds, "resolution_m": 5000.0},
            "estimate": {
                "method": "simple",
                "variogram": {"model": "Exp", "psill": 1e8, "range": 20000.0},
            },
            "output": {"dir": str(tmp_path / "out"), "report": False},
        }
    )
    with pytest.warns(SeabedWarning, match="beyond any deep-sea mud"):
        result = seabed.run(config, progress=False)
    (doubt,) = [d for d in result.doubts if "negative kriged grades" in d]
    assert "set to 0 ppm in the maps and tables" in doubt
    assert float(result.dataset["rey_ppm"].min()) == 0.0
    # every cell of the area of interest is stated at cut-off 0
    row = result.statement.iloc[0]
    assert row["cutoff_ppm"] == 0 and row["unestimated_area_km2"] == 0
    assert row["area_km2"] == pytest.approx(
        result.assumptions["area_of_interest"]["area_km2"], rel=1e-6
    )


def test_a_grid_crs_that_stretches_lengths_is_a_doubt_of_the_run(tmp_path):
    config, _ = survey_config(
        tmp_path,
        64,
        grid={"bounds": list(BOX), "resolution_m": 4000.0, "crs": "EPSG:32601"},
    )
    with pytest.warns(SeabedWarning, match="UTM zone 1N"):
        result = seabed.run(config, progress=False)
    (doubt,) = [d for d in result.doubts if "stretches lengths" in d]
    assert doubt.endswith('use the survey\'s own UTM zone: grid.crs = "EPSG:32656"')
    assert result.notes.count(doubt) == 1  # warned before the run, noted once
    document = json.loads((result.out_dir / "resource.json").read_text())
    assert doubt in document["doubts"]


def test_a_grid_of_one_cell_runs_and_reports(tmp_path):
    lon, lat = 153.75, 22.0
    config, _ = survey_config(
        tmp_path,
        64,
        grid={"bounds": [lon, lat, lon + 0.001, lat + 0.001], "resolution_m": 5000.0},
        output={"dir": str(tmp_path / "out"), "report": True},
    )
    with pytest.warns(SeabedWarning, match="outside the grid"):
        result = seabed.run(config, progress=False)
    assert result.dataset.sizes["x"] * result.dataset.sizes["y"] == 1
    assert (tmp_path / "out" / "report.html").stat().st_size > 0


# ------------------------------------------------------------------ resource accounting
def write_sediment(path: Path, thin_west_of: float, thin_m: float) -> Path:
    """A lon/lat sediment-thickness raster: ``thin_m`` west of a meridian, 300 m east."""
    lon = np.arange(153.4, 154.1, 0.01)
    lat = np.arange(22.35, 21.7, -0.01)
    values = np.where(lon[None, :] < thin_west_of, thin_m, 300.0) + 0 * lat[:, None]
    da = xr.DataArray(values, coords={"y": lat, "x": lon}, dims=("y", "x"))
    da.rio.write_crs("EPSG:4326").rio.to_raster(path)
    return path


@pytest.fixture(scope="module")
def accounting(tmp_path_factory):
    """One run with every accounting feature: capped window, zones, rules, classes."""
    tmp = tmp_path_factory.mktemp("accounting")
    sediment = write_sediment(tmp / "sediment.tif", thin_west_of=153.65, thin_m=6.5)
    licence = shapely.segmentize(
        shapely.Polygon([(153.58, 21.87), (153.93, 21.9), (153.9, 22.18), (153.6, 22.16)]),
        0.005,
    )  # fmt: skip
    gpd.GeoDataFrame({"name": ["licence"]}, geometry=[licence], crs=4326).to_file(
        tmp / "licence.gpkg"
    )
    gpd.GeoDataFrame(
        {"reason": ["seamount buffer", "protected area"]},
        geometry=[shapely.Point(153.8, 22.0), shapely.box(153.7, 22.05, 153.8, 22.15)],
        crs=4326,
    ).to_file(tmp / "zones.gpkg")
    squares = [  # 2 x 2 blocks over BOX, edges densified along the graticule
        shapely.segmentize(shapely.box(x0, y0, x0 + 0.2, y0 + 0.175), 0.01)
        for y0 in (22.025, 21.85)
        for x0 in (153.55, 153.75)
    ]
    gpd.GeoDataFrame(
        {"block": ["NW", "NE", "SW", "SE"]}, geometry=squares, crs=4326
    ).to_file(tmp / "blocks.gpkg")
    (tmp / "demand.csv").write_text("element,annual_demand_t\nDy,1000\nTb4O7,250\n")
    config, field = survey_config(
        tmp,
        71,
        inputs={
            "sediment_thickness": str(sediment),
            "bathymetry": str(datasets.bathymetry_path()),
            "include": [str(tmp / "licence.gpkg")],
            "exclude": [{"path": str(tmp / "zones.gpkg"), "buffer_m": 3000.0}],
            "report_zones": {
                "path": str(tmp / "blocks.gpkg"),
                "name_column": "block",
            },
        },
        rules={"depth_window_m": [5000.0, 5750.0]},
        resource={
            "density": "cores_kriged",
            "annual_demand_t": str(tmp / "demand.csv"),
            "cutoffs_ppm": [0, 600, 1200],
        },
        classification={
            # practical range ~64 km, cores ~5 km apart: within 1.3 km of a core and
            # surrounded; within 3.2 km with 8 cores in the search; the rest
            "measured": {"max_nearest_range": 0.02, "min_sectors": 4},
            "indicated": {"max_nearest_range": 0.05, "min_cores": 8},
        },
    )
    return seabed.run(config, progress=False), field


def grid_values(result, name):
    return result.dataset[name].transpose(..., "y", "x").values


def test_statement_file_matches_an_independent_computation(accounting):
    """Every column of resource.csv, recomputed from the grids with plain numpy."""
    result, _ = accounting
    table = pd.read_csv(result.out_dir / "resource.csv")
    area = grid_values(result, "cell_area_m2") * grid_values(
        result, "available_fraction"
    )
    thickness = grid_values(result, "thickness_m")
    density = grid_values(result, "dry_density_t_m3")
    grade = grid_values(result, "rey_ppm")
    ore = area * thickness * density
    for i, cutoff in enumerate([0.0, 600.0, 1200.0]):
        row = table.iloc[i]
        selected = np.isfinite(grade) & (grade >= cutoff)
        ore_t = ore[selected].sum()
        rey_t = (ore * grade)[selected].sum() * 1e-6
        treo_t = (ore * grid_values(result, "treo_ppm"))[selected].sum() * 1e-6
        assert row.cutoff_ppm == cutoff
        assert row.area_km2 == pytest.approx(area[selected].sum() / 1e6, rel=1e-12)
        assert row.ore_t == pytest.approx(ore_t, rel=1e-12)
        assert row.rey_t == pytest.approx(rey_t, rel=1e-12)
        assert row.treo_t == pytest.approx(treo_t, rel=1e-12)
        assert row.mean_rey_ppm == pytest.approx(rey_t / ore_t * 1e6, rel=1e-12)
        assert row.mean_treo_ppm == pytest.approx(treo_t / ore_t * 1e6, rel=1e-12)
        assert row.treo_t_per_km2 == pytest.approx(treo_t / row.area_km2, rel=1e-12)
        assert row.n_cells == np.count_nonzero(selected & (area > 0))
        element_t = {}
        for element in REY:
            grades = grid_values(result, f"{element}_ppm")
            element_t[element] = (ore * grades)[selected].sum() * 1e-6
            oxide = DEFAULT_OXIDES[element]
            assert row[f"{oxide}_t"] == pytest.approx(
                element_t[element] * oxide_factor(element), rel=1e-12
            )
        heavy = element_t["Y"] + sum(element_t[el] for el in HREE)
        assert row.hree_y_share == pytest.approx(heavy / rey_t, rel=1e-9)
        # the elements make up the REY, their oxides the TREO
        assert sum(element_t.values()) == pytest.approx(rey_t, rel=1e-9)
    assert table.unestimated_area_km2[0] == pytest.approx(
        area[~np.isfinite(grade)].sum() / 1e6, abs=1e-9
    )


def test_areas_add_up_and_match_the_geodesic_outline(accounting):
    """Included + excluded area = the area of interest's (the bounds' geodesic box,
    1e-6), the licence's is geodesic."""
    result, _ = accounting
    document = json.loads((result.out_dir / "resource.json").read_text())
    total = document["statement"][0]
    excluded = {row["reason"]: row for row in document["excluded"]}
    ds = result.dataset
    grid_km2 = float((ds.cell_area_m2 * ds.area_fraction).sum()) / 1e6
    box = shapely.segmentize(shapely.box(*BOX), 0.001)
    assert grid_km2 == pytest.approx(
        abs(GEOD.geometry_area_perimeter(box)[0]) / 1e6, rel=1e-6
    )
    assert document["assumptions"]["area_of_interest"]["area_km2"] == pytest.approx(
        grid_km2, rel=1e-6
    )
    everything = (
        total["area_km2"]
        + total["unestimated_area_km2"]
        + excluded["all exclusions (overlaps counted once)"]["area_km2"]
    )
    assert everything == pytest.approx(grid_km2, rel=1e-6)
    assert set(excluded) >= {
        "outside include zones",
        "seamount buffer",
        "protected area",
        "water depth outside 5000-5750 m",
    }
    # the licence lies inside the grid: its geodesic area is what is not outside it
    licence = gpd.read_file(result.config.inputs.include[0].path).geometry[0]
    geodesic_km2 = abs(GEOD.geometry_area_perimeter(licence)[0]) / 1e6
    inside = grid_km2 - excluded["outside include zones"]["area_km2"]
    assert inside == pytest.approx(geodesic_km2, rel=1e-6)
    for reason in ("seamount buffer", "protected area"):
        assert excluded[reason]["area_km2"] > 10 and excluded[reason]["treo_t"] > 0


def test_capped_window_and_slices_add_up(accounting):
    result, _ = accounting
    ds = result.dataset
    thickness = ds.thickness_m.values
    west = ds.lon.values < 153.63  # a cell away from the sediment's edge
    east = ds.lon.values > 153.67
    np.testing.assert_allclose(thickness[west], 6.5)
    np.testing.assert_allclose(thickness[east], 10.0)
    slices = result.slices
    per_slice = slices[slices.interval == "slice"]
    cumulative = slices[slices.interval == "cumulative"]
    assert per_slice.top_m.unique().tolist() == list(np.arange(10.0))
    # slice 6-7 is half there in the west, 7-8 not at all
    weight = (ds.cell_area_m2 * ds.available_fraction * ds.dry_density_t_m3).where(
        ds.rey_ppm.notnull()
    )
    h = ds.slice_thickness_m
    for top in (6.0, 7.0):
        row = per_slice[(per_slice.top_m == top) & (per_slice.cutoff_ppm == 0)]
        expected = float((weight * h.sel(slice=f"{top:g}-{top + 1:g}")).sum())
        assert row.ore_t.item() == pytest.approx(expected, rel=1e-12)
    assert h.sel(slice="7-8").values[west].max() == 0.0
    np.testing.assert_allclose(h.sel(slice="6-7").values[west], 0.5)
    # slices add up to the statement at cut-off 0; the window's cumulative row is it
    at_zero = per_slice[per_slice.cutoff_ppm == 0]
    for column in ("ore_t", "rey_t", "treo_t"):
        assert at_zero[column].sum() == pytest.approx(
            result.statement[column][0], rel=1e-12
        )
    window = cumulative[cumulative.bottom_m == 10.0].reset_index(drop=True)
    for column in ("area_km2", "ore_t", "rey_t", "treo_t", "n_cells", "mean_rey_ppm"):
        np.testing.assert_allclose(window[column], result.statement[column], rtol=1e-12)
    # the grade of the top metre is the low-grade cover
    top = per_slice[(per_slice.top_m == 0) & (per_slice.cutoff_ppm == 0)]
    assert top.mean_rey_ppm.item() < 0.5 * result.statement.mean_rey_ppm[0]


def test_classes_and_zones_add_up_to_the_totals(accounting):
    result, _ = accounting
    columns = ["area_km2", "ore_t", "rey_t", "treo_t"]
    for parts in (result.classes, result.zones):
        summed = parts.groupby("cutoff_ppm", sort=False)[columns].sum()
        for column in columns:
            np.testing.assert_allclose(
                summed[column].to_numpy(), result.statement[column], rtol=1e-9
            )
    classes = result.classes[result.classes.cutoff_ppm == 0].set_index("class")
    assert classes.loc["measured", "area_km2"] > 0
    assert classes.loc["indicated", "area_km2"] > 0
    assert classes.loc["inferred", "area_km2"] > 0
    codes = result.dataset.resource_class.values
    assert set(np.unique(codes)) <= {0, 1, 2, 3}
    zones = result.zones[result.zones.cutoff_ppm == 0].set_index("zone")
    assert zones.index.tolist() == ["NW", "NE", "SW", "SE", "outside report zones"]
    with rasterio.open(result.out_dir / "class.tif") as src:
        np.testing.assert_array_equal(src.read(1), codes)


def test_report_zone_areas_are_geodesic(tmp_path):
    """Without exclusions, a block's statement area is its geodesic area."""
    blocks = [
        shapely.segmentize(shapely.box(153.6, 21.9, 153.75, 22.0), 0.005),
        shapely.segmentize(shapely.box(153.75, 21.9, 153.9, 22.1), 0.005),
    ]
    path = tmp_path / "blocks.geojson"
    gpd.GeoDataFrame({"name": ["B1", "B2"]}, geometry=blocks, crs=4326).to_file(path)
    config, _ = survey_config(tmp_path, 72, inputs={"report_zones": str(path)})
    result = seabed.run(config, progress=False)
    rows = result.zones[result.zones.cutoff_ppm == 0].set_index("zone")
    for name, block in zip(["B1", "B2"], blocks):
        km2 = abs(GEOD.geometry_area_perimeter(block)[0]) / 1e6
        assert rows.loc[name, "area_km2"] == pytest.approx(km2, rel=1e-6)
    # each block's tonnes, at every cut-off, from its share of every cell found by
    # intersecting the cells with the block projected into the grid's plane
    ds = result.dataset
    res = config.grid.resolution_m
    xx, yy = np.meshgrid(ds.x.values, ds.y.values)
    cells = shapely.box(xx - res / 2, yy - res / 2, xx + res / 2, yy + res / 2)
    to_grid = pyproj.Transformer.from_crs(4326, ds.rio.crs, always_xy=True)
    ore = (ds.cell_area_m2 * ds.thickness_m).values * 0.55
    grade = ds.rey_ppm.values
    by_zone = result.zones.set_index(["zone", "cutoff_ppm"])
    for name, block in zip(["B1", "B2"], blocks):
        outline = shapely.transform(
            shapely.segmentize(block, 0.001), lambda xy: np.column_stack(
                to_grid.transform(xy[:, 0], xy[:, 1])
            )
        )  # fmt: skip
        share = shapely.area(shapely.intersection(cells, outline)) / res**2
        assert share.max() == pytest.approx(1.0) and 0 < share.mean() < 1
        for cutoff in config.resource.cutoffs_ppm:
            selected = np.isfinite(grade) & (grade >= cutoff)
            rey_t = (share * ore * grade)[selected].sum() * 1e-6
            assert by_zone.loc[(name, cutoff), "rey_t"] == pytest.approx(
                rey_t, rel=1e-6
            )


def test_density_and_elements_are_stated(accounting):
    result, _ = accounting
    density = result.assumptions["density"]
    assert density["source"] == "cores_kriged"
    assert any("kriged from the" in note for note in result.notes)
    # kriged with the grade's weights: between the cores' extremes
    values = result.dataset.dry_density_t_m3.values
    cores = result.composites.dry_density_t_m3
    assert cores.min() - 1e-9 <= np.nanmin(values) <= np.nanmax(values) <= cores.max()
    elements = pd.read_csv(result.out_dir / "resource_elements.csv")
    dy = elements[(elements.element == "Dy") & (elements.cutoff_ppm == 0)].iloc[0]
    assert dy.years_of_demand == pytest.approx(dy.element_t / 1000.0)
    tb = elements[(elements.element == "Tb") & (elements.cutoff_ppm == 0)].iloc[0]
    assert tb.demand_basis == "Tb4O7"
    assert tb.years_of_demand == pytest.approx(tb.oxide_t / 250.0)
    at_zero = elements[elements.cutoff_ppm == 0]
    assert at_zero.element_t.sum() == pytest.approx(result.statement.rey_t[0], rel=1e-9)
    assert at_zero.oxide_t.sum() == pytest.approx(result.statement.treo_t[0], rel=1e-9)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ({"wet_density_t_m3": 1.3, "water_content": 0.6}, 0.52),
        (  # salt-corrected (Blum 1997): 0.4917 t/m3
            {
                "wet_density_t_m3": 1.3,
                "water_content": 0.6,
                "pore_water_salinity": 0.035,
            },
            1.3 * (1 - 0.6 / (1 - 0.035)),
        ),
        ({"density": "cores_mean"}, None),
    ],
)
def test_constant_and_mean_densities(tmp_path, resource, expected):
    config, _ = survey_config(tmp_path, 73, resource=resource)
    result = seabed.run(config, progress=False)
    used = result.composites[result.composites.reaches_bottom]
    value = expected or float(used.dry_density_t_m3.mean())
    assert result.assumptions["dry_density_t_m3"] == pytest.approx(value)
    row = result.statement.iloc[0]
    ds = result.dataset
    ore = float((ds.cell_area_m2 * ds.available_fraction * ds.thickness_m).sum())
    assert row.ore_t == pytest.approx(ore * value, rel=1e-12)
    salinity = resource.get("pore_water_salinity")
    assert result.assumptions["density"].get("pore_water_salinity") == salinity
    text = result.assumptions["density"]["text"]
    if "water_content" in resource:
        assert ("salt-corrected" in text) == (salinity is not None), text


def test_grade_tonnage_outputs(accounting):
    result, _ = accounting
    curve = pd.read_csv(result.out_dir / "grade_tonnage.csv")
    step = result.config.resource.grade_tonnage_step_ppm
    assert np.all(np.diff(curve.cutoff_ppm) == step)
    for cutoff in (0.0, 600.0, 1200.0):
        row = curve[curve.cutoff_ppm == cutoff].iloc[0]
        expected = result.statement[result.statement.cutoff_ppm == cutoff].iloc[0]
        for column in ("area_km2", "ore_t", "rey_t", "treo_t", "mean_rey_ppm"):
            assert row[column] == pytest.approx(expected[column], rel=1e-10)
    with open(result.out_dir / "grade_tonnage.png", "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_resource_json_carries_every_breakdown(accounting):
    result, _ = accounting
    document = json.loads((result.out_dir / "resource.json").read_text())
    for key in ("statement", "excluded", "slices", "cumulative", "classes", "zones"):
        assert document[key], key
    assert len(document["slices"]) == len(document["cumulative"]) == 10 * 3
    assert document["elements"][0]["element"] == "Y"
    rules = document["assumptions"]["classification"]["rules"]
    assert rules["measured"] == {"max_nearest_range": 0.02, "min_sectors": 4}
    assert document["assumptions"]["classification"]["practical_range_m"] > 0
    assert document["cores"]["n_used"] == len(
        result.composites[result.composites.reaches_bottom]
    )
    assert document["doubts"] == result.doubts
    assert all(doubt in document["notes"] for doubt in document["doubts"])
    slices_csv = pd.read_csv(result.out_dir / "resource_slices.csv")
    assert set(slices_csv.interval) == {"slice", "cumulative"}


def test_demo_zones_are_what_their_script_makes():
    """The shipped illustrative zones regenerate from the bundled bathymetry."""
    script = datasets.data_dir() / "make_demo_zones.py"
    spec = importlib.util.spec_from_file_location("make_demo_zones", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = datasets.data_dir() / demo.DEMO_ZONES
    for layer, made in (
        ("topographic_highs", module.topographic_highs(module.BATHYMETRY, 5500.0)),
        ("takaya2018_squares", module.squares(datasets.TAKAYA_BOX)),
    ):
        read = gpd.read_file(shipped, layer=layer)
        assert len(read) == len(made)
        assert all(read.geometry.geom_equals_exact(made.geometry, tolerance=1e-12))
        assert read.note.str.contains("illustrative").all()
    squares = gpd.read_file(shipped, layer="takaya2018_squares")
    box = gpd.read_file(datasets.takaya_box_path()).geometry[0]
    assert squares.union_all().symmetric_difference(box).area < 1e-9
    # the demo uses both, and one topographic high reaches into the box
    config = seabed.demo_config()
    assert config.inputs.exclude[0].layer == "topographic_highs"
    assert config.inputs.report_zones.layer == "takaya2018_squares"
    highs = gpd.read_file(shipped, layer="topographic_highs")
    assert highs.intersects(box).sum() == 1


def test_slices_share_the_window_fit_or_get_their_own(tmp_path):
    """Each slice equals kriging its own composites with the window's variogram."""
    config, _ = survey_config(tmp_path, 74, composite={"incomplete_cores": "include"})
    result = seabed.run(config, progress=False)
    samples = pd.read_csv(config.inputs.cores)
    composites = result.composites
    slices = estimation.slice_composites(config, samples, composites.index)
    short = composites.index[~composites.reaches_bottom]
    assert len(short) > 0 and slices.loc[short, "9-10"].isna().any()
    ds = result.dataset
    X = estimation.project(composites, ds.rio.crs)
    xx, yy = np.meshgrid(ds.x.values[::7], ds.y.values[::7])
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    for label in ("0-1", "9-10"):  # every core has 0-1; the short ones lack 9-10
        has = slices[label].notna().to_numpy()
        kriging = OrdinaryKriging(
            result.variogram,
            n_neighbors=32,
            max_distance=50_000.0,
            min_neighbors=3,
            block_size=(1000.0, 1000.0),
        ).fit(X[has], slices[label].to_numpy()[has])
        got = ds.slice_rey_ppm.sel(slice=label).values[::7, ::7].ravel()
        np.testing.assert_allclose(got, kriging.predict(nodes), rtol=1e-9)


def test_simulation_block_in_outputs(tmp_path):
    simulation = {
        "realizations": 6,
        "seed": 5,
        "variogram_uncertainty": True,
        "realizations_per_variogram": 3,
        "density_range_t_m3": [0.5, 0.6],
        "thickness_relative_sd": 0.05,
    }
    config, _ = survey_config(tmp_path, 71, simulation=simulation)
    result = seabed.run(config, progress=False)
    document = json.loads((result.out_dir / "resource.json").read_text())
    summary = result.simulation.summary
    for cutoff in config.resource.cutoffs_ppm:
        rows = summary[summary["cutoff_ppm"] == cutoff].set_index("statistic")
        assert (
            rows.loc["p10", "rey_t"]
            <= rows.loc["p50", "rey_t"]
            <= rows.loc["p90", "rey_t"]
        )
    assert document["simulation"] is not None
    assert document["provenance"]["simulation_seed"] == 5
    assert (result.out_dir / "resource_simulation.csv").is_file()
    assert (result.out_dir / "rey_etype_ppm.tif").is_file()
    # the cell is the SMU: the simulation's statement is the recoverable one
    recoverable = result.recoverable.set_index(["method", "statistic", "cutoff_ppm"])
    simulated = summary.set_index(["statistic", "cutoff_ppm"])
    for statistic in ("mean", "p10", "p50", "p90"):
        np.testing.assert_allclose(
            recoverable.loc["simulation"].loc[statistic, "treo_t"],
            simulated.loc[statistic, "treo_t"],
        )
    assert set(result.recoverable.method) == {"simulation", "uc"}
    assert len(document["recoverable"]) == len(result.recoverable)
    assert document["assumptions"]["recoverable"]["smus_per_cell"] == [1, 1]
    written = pd.read_csv(result.out_dir / "resource_recoverable.csv")
    assert written[list(result.recoverable.columns)].shape == result.recoverable.shape
    sources = document["simulation"]["uncertainty"]["sources"]
    assert {row["source"] for row in sources} == {
        "spatial",
        "histogram",  # on by default
        "variogram",
        "density",
        "thickness",
        "combined",
    }
    assert len(document["simulation"]["method"]["bootstrap_variograms"]) == 2
    assert document["simulation"]["method"]["density_range_t_m3"] == [0.5, 0.6]
    fewer_workers = Config.model_validate(config.to_dict() | {"dask": {"workers": 1}})
    again = seabed.run(
        fewer_workers, out_dir=tmp_path / "again", tile_size=16, progress=False
    )
    pd.testing.assert_frame_equal(summary, again.simulation.summary)
    pd.testing.assert_frame_equal(result.recoverable, again.recoverable)
    pd.testing.assert_frame_equal(result.simulation.sources, again.simulation.sources)


# ------------------------------------------- every figure of resource.json, recomputed
def cells_of(result):
    """Per-cell areas, thickness, density and grades of a run, as plain arrays."""
    ds = result.dataset
    return {
        "area": grid_values(result, "cell_area_m2"),
        "available": grid_values(result, "available_fraction"),
        "density": grid_values(result, "dry_density_t_m3")
        if "dry_density_t_m3" in ds
        else result.assumptions["dry_density_t_m3"],
        "grade": grid_values(result, "rey_ppm"),
        "treo": grid_values(result, "treo_ppm"),
    }


def expected_row(area_m2, ore_t, grade, treo_ratio, cutoff):
    """A statement row by hand: cells with a grade at or above the cut-off."""
    selected = np.isfinite(grade) & (grade >= cutoff)
    ore = ore_t[selected].sum()
    rey = (ore_t * grade)[selected].sum() * 1e-6
    treo = (ore_t * grade * treo_ratio)[selected].sum() * 1e-6
    return {
        "area_km2": area_m2[selected].sum() / 1e6,
        "ore_t": ore,
        "rey_t": rey,
        "treo_t": treo,
        "mean_rey_ppm": rey / ore * 1e6 if ore > 0 else np.nan,
        "n_cells": np.count_nonzero(selected & (area_m2 > 0)),
    }


def assert_row(row, expected):
    for column, value in expected.items():
        if np.isnan(value):
            assert np.isnan(row[column]), column
        else:
            assert row[column] == pytest.approx(value, rel=1e-12, abs=1e-9), column


def test_json_statement_is_the_checked_csv(accounting):
    result, _ = accounting
    document = json.loads((result.out_dir / "resource.json").read_text())
    table = pd.read_csv(result.out_dir / "resource.csv")
    # the cores are synthetic: every CSV says so in a last column
    assert table.columns[-1] == "synthetic" and table.pop("synthetic").all()
    assert [row["cutoff_ppm"] for row in document["statement"]] == [0, 600, 1200]
    for row, (_, csv_row) in zip(document["statement"], table.iterrows()):
        assert set(row) == set(table.columns)
        for column, value in row.items():
            assert value == pytest.approx(csv_row[column], rel=1e-12), column


def test_slice_and_cumulative_rows_match_an_independent_computation(accounting):
    """Every per-slice and top-to-depth row, at every cut-off, from the grids."""
    result, _ = accounting
    c = cells_of(result)
    area_m2 = c["area"] * c["available"]
    grades = grid_values(result, "slice_rey_ppm")  # (slice, y, x)
    thickness = grid_values(result, "slice_thickness_m")
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(c["grade"] > 0, c["treo"] / c["grade"], 0.0)
    document = json.loads((result.out_dir / "resource.json").read_text())
    per_slice = pd.DataFrame(document["slices"]).set_index(["top_m", "cutoff_ppm"])
    cumulative = pd.DataFrame(document["cumulative"])
    cumulative = cumulative.set_index(["bottom_m", "cutoff_ppm"])
    for i in range(grades.shape[0]):
        h = thickness[: i + 1]
        total_h = h.sum(axis=0)
        weighted = np.where(h > 0, grades[: i + 1] * h, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            down_to = np.where(total_h > 0, weighted / total_h, c["grade"])
        for cutoff in (0.0, 600.0, 1200.0):
            one = expected_row(
                area_m2, area_m2 * thickness[i] * c["density"], grades[i], ratio, cutoff
            )
            assert_row(per_slice.loc[(float(i), cutoff)], one)
            top = expected_row(
                area_m2, area_m2 * total_h * c["density"], down_to, ratio, cutoff
            )
            assert_row(cumulative.loc[(float(i + 1), cutoff)], top)


def test_excluded_rows_match_an_independent_computation(accounting):
    """Each reason's area and tonnes at the cell's grade, and the depth rule's cells
    found again by interpolating the bathymetry file with xarray."""
    result, _ = accounting
    ds = result.dataset
    c = cells_of(result)
    h = grid_values(result, "thickness_m")
    estimated = np.isfinite(c["grade"])
    document = json.loads((result.out_dir / "resource.json").read_text())
    rows = {row["reason"]: row for row in document["excluded"]}
    shares = {
        "outside include zones": grid_values(result, "outside_include_fraction"),
        "all exclusions (overlaps counted once)": grid_values(result, "area_fraction")
        - c["available"],
    }
    for reason in ds.reason.values:
        shares[str(reason)] = ds.excluded_fraction.sel(reason=reason).values
    assert set(rows) == set(shares)
    for reason, share in shares.items():
        area_m2 = c["area"] * share
        ore = np.where(estimated, area_m2 * h * c["density"], 0.0)
        expected = {
            "area_km2": area_m2.sum() / 1e6,
            "ore_t": ore.sum(),
            "rey_t": np.nansum(ore * c["grade"]) * 1e-6,
            "treo_t": np.nansum(ore * c["treo"]) * 1e-6,
            "unestimated_area_km2": area_m2[~estimated].sum() / 1e6,
        }
        assert_row(rows[reason], expected)
    # the water-depth rule: whole cells whose centre is outside 5000-5750 m
    elevation = xr.open_dataarray(datasets.bathymetry_path(), engine="rasterio")
    depth = -elevation.squeeze(drop=True).interp(
        x=xr.DataArray(ds.lon.values, dims=("y", "x")),
        y=xr.DataArray(ds.lat.values, dims=("y", "x")),
    )
    outside = ~((depth.values >= 5000.0) & (depth.values <= 5750.0))
    assert 0 < outside.sum() < outside.size
    included = grid_values(result, "included_fraction")
    rule_km2 = (c["area"] * included * outside).sum() / 1e6
    assert rows["water depth outside 5000-5750 m"]["area_km2"] == pytest.approx(
        rule_km2, rel=1e-12
    )


def test_classes_follow_the_rules_and_their_rows_add_up(accounting):
    """class.tif by brute force (distances, sectors and counts of the 32 nearest
    cores within 50 km), and every class row from the cells of that class."""
    result, _ = accounting
    ds = result.dataset
    variogram = result.variogram
    practical = result.assumptions["classification"]["practical_range_m"]
    (structure,) = variogram.structures  # the auto fit has one structure
    share = 1.0 if structure.model == "spherical" else 0.95  # of the sill reached
    gamma = float(variogram.semivariance(practical)) - variogram.nugget
    assert gamma == pytest.approx(share * structure.psill, rel=1e-9)
    used = result.composites[result.composites.reaches_bottom]
    to_grid = pyproj.Transformer.from_crs(4326, ds.rio.crs, always_xy=True)
    cores = np.column_stack(to_grid.transform(used.lon.values, used.lat.values))
    xx, yy = np.meshgrid(ds.x.values, ds.y.values)
    dx = cores[:, 0][None, None, :] - xx[..., None]
    dy = cores[:, 1][None, None, :] - yy[..., None]
    distance = np.hypot(dx, dy)
    rank = np.argsort(distance, axis=-1, kind="stable").argsort(axis=-1, kind="stable")
    found = (rank < 32) & (distance <= 50_000.0)
    quadrant = (np.degrees(np.arctan2(dx, dy)) % 360.0 // 90.0).astype(int)
    sectors = sum(((quadrant == q) & found).any(axis=-1) for q in range(4))
    nearest = np.where(found, distance, np.inf).min(axis=-1)
    estimated = np.isfinite(grid_values(result, "rey_ppm"))
    measured = estimated & (nearest <= 0.02 * practical) & (sectors >= 4)
    indicated = (
        estimated & ~measured & (nearest <= 0.05 * practical) & (found.sum(-1) >= 8)
    )
    expected = np.select([measured, indicated, estimated], [1, 2, 3], 0)
    codes = ds.resource_class.values
    np.testing.assert_array_equal(codes, expected)
    c = cells_of(result)
    area_m2 = c["area"] * c["available"]
    ore = area_m2 * grid_values(result, "thickness_m") * c["density"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = c["treo"] / c["grade"]
    rows = result.classes.set_index(["class", "cutoff_ppm"])
    for name, code in {"measured": 1, "indicated": 2, "inferred": 3}.items():
        inside = codes == code
        for cutoff in (0.0, 600.0, 1200.0):
            row = expected_row(
                area_m2 * inside, ore * inside, c["grade"], ratio, cutoff
            )
            assert_row(rows.loc[(name, cutoff)], row)


def test_element_rows_match_an_independent_computation(accounting):
    result, _ = accounting
    c = cells_of(result)
    ore = c["area"] * c["available"] * grid_values(result, "thickness_m") * c["density"]
    rows = result.elements.set_index(["element", "cutoff_ppm"])
    for cutoff in (0.0, 600.0, 1200.0):
        selected = np.isfinite(c["grade"]) & (c["grade"] >= cutoff)
        rey_t = (ore * c["grade"])[selected].sum() * 1e-6
        for element in REY:
            row = rows.loc[(element, cutoff)]
            element_t = (ore * grid_values(result, f"{element}_ppm"))[
                selected
            ].sum() * 1e-6
            assert row.element_t == pytest.approx(element_t, rel=1e-12)
            assert row.oxide_t == pytest.approx(
                element_t * oxide_factor(element), rel=1e-12
            )
            assert row.share_of_rey == pytest.approx(element_t / rey_t, rel=1e-12)


def test_kriged_density_is_stated_as_its_mean(accounting):
    result, _ = accounting
    density = grid_values(result, "dry_density_t_m3")
    estimated = np.isfinite(grid_values(result, "rey_ppm"))
    mean = density[estimated].mean()
    assert result.assumptions["dry_density_t_m3"] == pytest.approx(mean, rel=1e-12)
    assert f"{mean:.4g} t/m3 on average" in result.assumptions["density"]["text"]
    # the cores' densities were given as dry: nothing was derived from wet
    assert result.assumptions["density"]["samples_dry_from_wet"] == 0


SALINITY = 0.035


@pytest.fixture(scope="module")
def salted_run(tmp_path_factory):
    """Cores giving wet density and the mass lost on drying instead of dry density,
    a pore-water salinity, and classes by the kriging slope of regression."""
    tmp = tmp_path_factory.mktemp("salted")
    config, _ = survey_config(
        tmp,
        73,
        resource={"density": "cores_mean", "pore_water_salinity": SALINITY},
        classification={
            "measured": {"min_slope_of_regression": 0.95},
            "indicated": {"min_slope_of_regression": 0.8},
        },
    )
    samples = pd.read_csv(config.inputs.cores)
    dry = samples.pop("dry_density_t_m3").to_numpy()
    wet = 1.25 + 0.1 * (dry - dry.min()) / np.ptp(dry)
    # what a balance shows: the pore water lost on drying, its salt left behind
    samples["wet_density_t_m3"] = wet
    samples["water_content"] = (1.0 - dry / wet) * (1.0 - SALINITY)
    samples.to_csv(config.inputs.cores, index=False)
    samples["true_dry_density_t_m3"] = dry
    return seabed.run(config, progress=False), samples


def test_salt_corrected_densities_from_the_cores(salted_run):
    """With the pore-water salinity the run finds the dry densities the wet
    densities and water contents were made from."""
    result, samples = salted_run
    # the cores' 0-10 mbsf length-weighted means of the true dry densities
    used = result.composites.index[result.composites.reaches_bottom]
    length = (samples.bottom_m.clip(upper=10.0) - samples.top_m).clip(lower=0.0)
    weighted = (length * samples.true_dry_density_t_m3).groupby(samples.core_id).sum()
    per_core = weighted / length.groupby(samples.core_id).sum()
    expected = float(per_core.loc[used].mean())
    density = result.assumptions["density"]
    assert density["dry_density_t_m3"] == pytest.approx(expected, rel=1e-12)
    in_window = samples.core_id.isin(used) & (length > 0)
    assert density["samples_dry_from_wet"] == in_window.sum()
    assert density["pore_water_salinity"] == SALINITY
    assert "salt-corrected for pore-water salinity 0.035" in density["text"]
    document = json.loads((result.out_dir / "resource.json").read_text())
    assert document["assumptions"]["density"] == json.loads(json.dumps(density))
    ds = result.dataset
    ore = float((ds.cell_area_m2 * ds.available_fraction * ds.thickness_m).sum())
    assert result.statement.ore_t[0] == pytest.approx(ore * expected, rel=1e-12)


def test_classes_by_slope_of_regression(salted_run):
    """class.tif equals the thresholds applied to the slope of regression of a
    kriging fitted anew on the cores; the slope falls away from the cores."""
    result, _ = salted_run
    ds = result.dataset
    used = result.composites[result.composites.reaches_bottom]
    X = estimation.project(used, ds.rio.crs)
    kriging = OrdinaryKriging(
        result.variogram,
        n_neighbors=32,
        max_distance=50_000.0,
        min_neighbors=3,
        block_size=(1000.0, 1000.0),
    ).fit(X, used.rey_ppm.to_numpy())
    xx, yy = np.meshgrid(ds.x.values, ds.y.values)
    slope = kriging.slope_of_regression(np.column_stack([xx.ravel(), yy.ravel()]))
    slope = slope.reshape(xx.shape)
    assert np.all((slope > 0) & (slope <= 1 + 1e-12))
    expected = np.select([slope >= 0.95, slope >= 0.8], [1, 2], 3)
    codes = ds.resource_class.values
    np.testing.assert_array_equal(codes, expected)
    assert set(np.unique(codes)) == {1, 2, 3}
    nearest = np.hypot(xx[..., None] - X[:, 0], yy[..., None] - X[:, 1]).min(axis=-1)
    assert nearest[codes == 1].mean() < nearest[codes == 3].mean()
    rules = result.assumptions["classification"]["rules"]
    assert rules["measured"] == {"min_slope_of_regression": 0.95}
    classes = result.classes[result.classes.cutoff_ppm == 0].set_index("class")
    area_m2 = (ds.cell_area_m2 * ds.available_fraction).values
    for name, code in {"measured": 1, "indicated": 2, "inferred": 3}.items():
        assert classes.loc[name, "area_km2"] == pytest.approx(
            area_m2[codes == code].sum() / 1e6, rel=1e-12
        )


def test_unestimated_cells_stay_out_of_the_statement(tmp_path):
    """With a 4 km search most cells have no estimate: they hold no tonnes, are
    reported as unestimated area and are unclassified (not 0 ppm cells)."""
    config, _ = survey_config(tmp_path, 81, estimate={"max_distance_m": 4000.0})
    result = seabed.run(config, progress=False)
    ds = result.dataset
    grade = grid_values(result, "rey_ppm")
    missing = ~np.isfinite(grade)
    assert 0.3 < missing.mean() < 0.9
    assert (ds.slice_rey_ppm.isnull().values == missing).all()
    area_m2 = grid_values(result, "cell_area_m2") * grid_values(
        result, "available_fraction"
    )
    row = result.statement.iloc[0]
    assert row.area_km2 == pytest.approx(area_m2[~missing].sum() / 1e6, rel=1e-12)
    assert row.unestimated_area_km2 == pytest.approx(
        area_m2[missing].sum() / 1e6, rel=1e-12
    )
    ore = area_m2 * grid_values(result, "thickness_m") * 0.55
    mean = (ore * grade)[~missing].sum() / ore[~missing].sum()
    assert row.mean_rey_ppm == pytest.approx(mean, rel=1e-12)
    assert (ds.resource_class.values[missing] == 0).all()
    # estimated cells are classed by the default rules: Indicated or Inferred
    assert np.isin(ds.resource_class.values[~missing], [2, 3]).all()
    cumulative = result.slices[result.slices.interval == "cumulative"]
    assert (cumulative.unestimated_area_km2 == row.unestimated_area_km2).all()


@pytest.fixture(scope="module")
def runs_in_blocks(tmp_path_factory):
    """The demo (coarser, with a small simulation) in one block, in blocks of
    rows kept in memory, and in blocks with only the written maps kept."""
    base = seabed.demo_config().model_copy(deep=True)
    base = Config.model_validate(
        base.to_dict()
        | {
            "grid": {"resolution_m": 2000.0, "bounds": list(datasets.TAKAYA_BOX)},
            "simulation": {"realizations": 6, "seed": 5},
            # SMUs of 1 km in the 2 km cells: the SMU simulation, block by block
            "resource": base.to_dict()["resource"] | {"smu_m": 1000.0},
        }
    )
    # only the lazy run renders the report (from maps read back in blocks)
    maps_only = base.model_copy(
        update={"output": base.output.model_copy(update={"report": False})}
    )
    folder = tmp_path_factory.mktemp("blocks")
    one = seabed.run(maps_only, out_dir=folder / "one", progress=False)
    with pytest.MonkeyPatch.context() as patch:
        # read where it is used: seabed.chunks (seabed.pipeline only re-exports it)
        patch.setattr(chunks, "BLOCK_CELLS", 3 * one.dataset.sizes["x"] + 1)
        assert len(pipeline.block_rows(one.dataset)) > 3
        # the first block finishing last: the blocks are taken out of their order
        account = runner._account_block
        held_back = _first_block_last(account, float(one.dataset["y"][0]))
        patch.setattr(runner, "_account_block", held_back)
        kept = seabed.run(maps_only, out_dir=folder / "kept", progress=False)
        patch.setattr(runner, "_account_block", account)
        top_y = float(one.dataset["y"][0])
        assert held_back.finished[0] != top_y and top_y in held_back.finished
        lazy = seabed.run(
            base, out_dir=folder / "lazy", progress=False, keep_cells=False
        )
    return one, kept, lazy


def _first_block_last(account, top_y):
    """``_account_block`` with the first block of rows (its top row at
    ``top_y``) held back until another block has finished: the run's workers
    then take the blocks out of their order, as they finish."""
    other_done = threading.Event()

    def held_back(context, grid, **options):
        if float(grid["y"][0]) == top_y:
            other_done.wait(timeout=60)
        found = account(context, grid, **options)
        held_back.finished.append(float(grid["y"][0]))  # type: ignore[attr-defined]
        other_done.set()
        return found

    held_back.finished = []  # type: ignore[attr-defined]
    return held_back


def test_blocks_of_rows_give_the_same_run(runs_in_blocks):
    one, kept, lazy = runs_in_blocks
    assert len(pipeline.block_rows(one.dataset)) == 1
    n_rows = one.dataset.sizes["y"]
    for result in (kept, lazy):
        for name in ("statement", "slices", "classes"):
            pd.testing.assert_frame_equal(
                getattr(result, name), getattr(one, name), rtol=1e-12
            )
        # "outside include zones" is a sliver (2 kt) of 1 minus coverages: its
        # rounding differs by block, 1e-8 t
        pd.testing.assert_frame_equal(result.excluded, one.excluded, atol=1e-6)
        # the area just outside every report zone is a difference of coverages
        # (1 - their sum): slivers of 1e-3 km2 whose ratios carry that rounding
        pd.testing.assert_frame_equal(result.zones, one.zones, rtol=1e-5, atol=1e-3)
        for name in ("elements", "grade_tonnage"):
            pd.testing.assert_frame_equal(
                getattr(result, name), getattr(one, name), rtol=1e-12
            )
        for name, rtol in (("summary", 1e-12), ("slices", 1e-12), ("zones", 1e-5)):
            pd.testing.assert_frame_equal(
                getattr(result.simulation, name),
                getattr(one.simulation, name),
                rtol=rtol,
                atol=1e-3,
            )
        pd.testing.assert_frame_equal(result.recoverable, one.recoverable, rtol=1e-12)
        assert result.notes == one.notes
        assert result.assumptions == one.assumptions
    assert n_rows > 9  # so that 3-row blocks make several
    # the blocks taken out of their order (kept) and in it, or as they came
    # (lazy): the same tables to the last digit and the same maps, bit for bit
    for name in ("statement", "excluded", "slices", "classes", "zones", "elements"):
        pd.testing.assert_frame_equal(
            getattr(kept, name), getattr(lazy, name), check_exact=True
        )
    for name in ("grade_tonnage", "recoverable"):
        pd.testing.assert_frame_equal(
            getattr(kept, name), getattr(lazy, name), check_exact=True
        )
    pd.testing.assert_frame_equal(
        kept.simulation.summary, lazy.simulation.summary, check_exact=True
    )
    for path in sorted(kept.out_dir.glob("*.csv")):
        assert path.read_bytes() == (lazy.out_dir / path.name).read_bytes(), path
    for path in sorted(kept.out_dir.glob("*.tif")):
        with rasterio.open(path) as a, rasterio.open(lazy.out_dir / path.name) as b:
            assert a.read().tobytes() == b.read().tobytes(), path.name
    with (
        xr.open_dataset(kept.out_dir / "result.nc") as a,
        xr.open_dataset(lazy.out_dir / "result.nc") as b,
    ):
        xr.testing.assert_equal(a, b)
        for name in a.variables:
            assert a[name].attrs.keys() == b[name].attrs.keys(), name
            for key, value in a[name].attrs.items():
                np.testing.assert_array_equal(value, b[name].attrs[key])
    # every map is the same, bit for bit
    for path in sorted(one.out_dir.glob("*.tif")):
        with rasterio.open(path) as a, rasterio.open(kept.out_dir / path.name) as b:
            np.testing.assert_array_equal(a.read(1), b.read(1))
    for name in ("rey_ppm", "resource_class", "treo_t_per_km2"):
        np.testing.assert_array_equal(
            kept.dataset[name].values, one.dataset[name].values
        )
    # without the cells, the result's dataset is the written maps, read lazily
    assert lazy.dataset["rey_ppm"].chunks is not None
    np.testing.assert_allclose(
        lazy.dataset["rey_ppm"].values,
        one.dataset["rey_ppm"].values.astype(np.float32),
    )
    assert "ore_t" not in lazy.dataset
    assert lazy.simulation.etype_rey_ppm.shape == one.simulation.etype_rey_ppm.shape
    assert (lazy.out_dir / "report.html").stat().st_size > 10_000
    # [output] report = false: no report, no quick-looks, the rest as usual
    assert not list(one.out_dir.glob("*.html"))
    assert {p.name for p in lazy.out_dir.glob("*.png")} - {
        p.name for p in one.out_dir.glob("*.png")
    } >= {"rey_ppm.png", "class.png"}
    assert (one.out_dir / "resource.json").exists()


def test_recoverable_figures_are_stated_beside_the_kriged(runs_in_blocks):
    one = runs_in_blocks[0]
    rows = one.recoverable
    assert set(zip(rows.method, rows.statistic, strict=True)) == {
        ("simulation", "mean"),
        ("simulation", "p10"),
        ("simulation", "p50"),
        ("simulation", "p90"),
        ("uc", "mean"),
    }
    record = one.assumptions["recoverable"]
    assert record["smu_m"] == [1000.0, 1000.0]
    assert record["smus_per_cell"] == [2, 2]
    assert 0 < record["methods"]["uc"]["support_coefficient_r"] < 1
    # no selection at cut-off 0: UC keeps the kriged metal, on the same area
    kriged = one.statement.set_index("cutoff_ppm")
    uc = rows[rows.method == "uc"].set_index("cutoff_ppm")
    assert uc.at[0.0, "area_km2"] == pytest.approx(kriged.at[0.0, "area_km2"])
    assert uc.at[0.0, "rey_t"] == pytest.approx(kriged.at[0.0, "rey_t"], rel=1e-3)
    printed = seabed.report.format_statement(one)
    assert "kriged (cut-off on each 2000 x 2000 m cell's kriged grade)" in printed
    assert "1000 x 1000 m SMU's grade" in printed
    page = (runs_in_blocks[2].out_dir / "report.html").read_text()
    assert 'id="recoverable"' in page and "SMU 1000 x 1000 m" in page
