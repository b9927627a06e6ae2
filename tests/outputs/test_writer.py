"""Tests of the map writer: its layers come from the registry of seabed.variables."""

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr

from seabed import variables
from seabed.grid import make_grid, on_grid
from seabed.outputs import writer
from seabed.resource import SimulatedResource
from seabed.variables import VARIABLES, Variable, cf_attrs

BOX = (153.5, 21.8, 154.1, 22.2)


@pytest.fixture(scope="module")
def cells():
    """A small grid with some of a run's layers (not all: no kriging deviation)."""
    grid = make_grid(BOX, 10_000)
    shape = (grid.sizes["y"], grid.sizes["x"])
    ramp = np.linspace(0.0, 1.0, shape[0] * shape[1]).reshape(shape)
    layers = {
        "rey_ppm": 800 + 200 * ramp,
        "treo_ppm": 950 + 240 * ramp,
        "thickness_m": np.full(shape, 10.0),
        "available_fraction": 1 - ramp / 2,
        "excluded_total_fraction": ramp / 2,
        "ore_t": 1e6 * ramp,
    }
    dataset = grid.assign(
        {name: (("y", "x"), values, cf_attrs(name)) for name, values in layers.items()}
    )
    dataset["resource_class"] = xr.DataArray(
        (3 * ramp).astype(np.uint8), dims=("y", "x"), attrs=cf_attrs("resource_class")
    )
    return dataset


def simulated(cells):
    etype = cells["rey_ppm"] + 1.0
    probability = xr.concat(
        [(cells["rey_ppm"] > c).astype(float) for c in (850.0, 900.0)],
        dim=pd.Index([850.0, 900.0], name="cutoff_ppm"),
    )
    return SimulatedResource(
        realizations=pd.DataFrame(),
        summary=pd.DataFrame(),
        probability_above=probability,
        etype_rey_ppm=etype,
        n_realizations=7,
        seed=1,
    )


def test_map_layers_follow_the_registry(cells):
    layers = writer._map_layers(cells, None)
    # rey_std_ppm and treo_t_per_km2 are not in these cells: no file for them
    assert list(layers) == [
        "rey_ppm",
        "treo_ppm",
        "thickness_m",
        "excluded_fraction",
        "class",
    ]
    values, description, units = layers["excluded_fraction"]
    assert description == "fraction of the cell excluded (any reason)"
    assert units == "1"
    xr.testing.assert_identical(values, cells["excluded_total_fraction"])
    assert layers["class"][1:] == ("resource class", "")
    assert layers["rey_ppm"][1:] == ("total REY grade (dry weight)", "ppm")


def test_simulation_maps_split_along_the_cutoffs(cells):
    layers = writer._map_layers(cells, simulated(cells))
    assert list(layers)[-3:] == [
        "rey_etype_ppm",
        "probability_above_850ppm",
        "probability_above_900ppm",
    ]
    assert layers["rey_etype_ppm"][1] == "e-type (mean of 7 realisations) REY grade"
    values, description, units = layers["probability_above_900ppm"]
    assert description == "probability that the REY block grade is >= 900 ppm"
    assert units == "1" and values.dims == ("y", "x")


def test_cog_layers_are_the_registry_maps_written_whole():
    assert {
        v.geotiff: v.name for v in variables.map_layers() if v.split() is None
    } == writer.COG_LAYERS


def test_a_new_layer_is_written_and_read_back_from_one_registry_entry(
    cells, tmp_path, monkeypatch
):
    new = Variable("ore_t", "dry ore tonnes", "t", geotiff="ore_tonnes")
    monkeypatch.setattr(variables, "VARIABLES", {**VARIABLES, "ore_t": new})
    maps = writer._MapWriter(tmp_path, cells, {})
    maps.write(cells, None, row=0)
    files = maps.close()
    assert "ore_tonnes.tif" in {path.name for path in files}
    with rasterio.open(tmp_path / "ore_tonnes.tif") as src:
        assert src.descriptions == ("dry ore tonnes",)
        assert src.units == ("t",)
        np.testing.assert_allclose(
            src.read(1), cells["ore_t"].values.astype(np.float32)
        )
    opened = writer._opened(files, cells)
    assert opened["ore_t"].attrs == {"units": "t", "long_name": "dry ore tonnes"}
    assert opened["ore_t"].chunks is not None  # read lazily


def test_opened_maps_carry_the_grid_and_cf_attributes(cells, tmp_path):
    maps = writer._MapWriter(tmp_path, cells, {})
    maps.write(cells, simulated(cells), row=0)
    opened = writer._opened(maps.close(), cells)
    assert opened.rio.crs == cells.rio.crs
    assert opened.rio.transform() == cells.rio.transform()
    for name in ("x", "y", "lon", "lat"):
        assert opened[name].attrs == cells[name].attrs, name
    np.testing.assert_allclose(opened.lon.values, cells.lon.values)
    assert opened["rey_ppm"].attrs == cf_attrs("rey_ppm")
    assert opened["etype_rey_ppm"].attrs == cf_attrs("etype_rey_ppm")
    assert opened["available_fraction"].attrs == cf_attrs("available_fraction")
    np.testing.assert_allclose(
        opened["available_fraction"].values,
        cells["available_fraction"].values,
        rtol=1e-6,
    )
    probability = opened["probability_above_900ppm"]
    assert probability.attrs["long_name"] == (
        "probability that the REY block grade is >= 900 ppm"
    )
    assert probability.attrs["units"] == "1"


def test_on_grid_restores_what_assignments_drop(cells):
    bare = (cells["rey_ppm"] * 2).drop_vars(["x", "y", "lon", "lat", "spatial_ref"])
    bare = bare.assign_coords(x=cells.x.values, y=cells.y.values)
    assert bare.x.attrs == {} and bare.rio.crs is None
    placed = on_grid(bare, cells)
    assert placed.x.attrs["standard_name"] == "projection_x_coordinate"
    assert placed.lat.attrs["units"] == "degrees_north"
    assert placed.rio.crs == cells.rio.crs


def test_a_blocks_maps_are_converted_without_copying_its_cells(tmp_path):
    """Converting a block's maps takes the float32 bands themselves, not a copy
    of each layer with the block's lon/lat (rioxarray's write_crs copies unless
    in place), and leaves the cells as they were."""
    import tracemalloc

    grid = make_grid(BOX, 250)  # 60,000 cells: arrays outweigh Python's objects
    shape = (grid.sizes["y"], grid.sizes["x"])
    ramp = np.linspace(0.0, 1.0, shape[0] * shape[1]).reshape(shape)
    names = ("rey_ppm", "treo_ppm", "thickness_m", "excluded_total_fraction")
    cells = grid.assign(
        {name: (("y", "x"), ramp + i, cf_attrs(name)) for i, name in enumerate(names)}
    )
    before = cells.copy(deep=True)
    maps = writer._MapWriter(tmp_path, cells, {})
    tracemalloc.start()
    try:
        bands = maps.bands(cells, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(bands) == {"rey_ppm", "treo_ppm", "thickness_m", "excluded_fraction"}
    held = sum(values.nbytes for values, *_ in bands.values())
    assert peak < held + 2 * cells["rey_ppm"].nbytes  # one layer at a time
    assert bands["rey_ppm"][0].dtype == np.float32
    np.testing.assert_array_equal(bands["rey_ppm"][0], ramp.astype(np.float32))
    xr.testing.assert_identical(cells, before)


def test_maps_made_side_by_side_are_the_same_files(cells, tmp_path):
    """The COGs are made two at a time at the end of a run: each file is the one
    made alone, byte for byte, and the paths come in the maps' order."""
    made = {}
    for threads in (1, 2):
        folder = tmp_path / f"threads{threads}"
        folder.mkdir()
        maps = writer._MapWriter(folder, cells, {})
        for start in range(0, cells.sizes["y"], 2):
            maps.write(cells.isel(y=slice(start, start + 2)), None, row=start)
        made[threads] = maps.close(threads=threads)
    assert [p.name for p in made[1]] == [p.name for p in made[2]]
    assert len(made[1]) >= 5
    for one, two in zip(made[1], made[2], strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
