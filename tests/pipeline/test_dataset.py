"""RunResult.dataset: CF attributes from the registry, and a round trip through
netCDF and Zarr with its CRS, attributes and provenance."""

import json

import numpy as np
import pytest
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import xarray as xr

import seabed
from seabed import chunks, pipeline
from seabed.grid import make_grid
from seabed.variables import cf_attrs

COORDINATE_ATTRS = {
    "x": ("projection_x_coordinate", "m"),
    "y": ("projection_y_coordinate", "m"),
    "lon": ("longitude", "degrees_east"),
    "lat": ("latitude", "degrees_north"),
}

#: Zarr format 3 has no specification yet for fixed-width strings (the slice labels),
#: and consolidated metadata is an extension: zarr warns, and writes and reads both.
ZARR_WARNINGS = [
    "ignore::zarr.errors.UnstableSpecificationWarning",
    "ignore:Consolidated metadata:UserWarning",
]


@pytest.fixture(scope="module", params=["kept", "blocks", "lazy"])
def result(request, tmp_path_factory):
    """The demo with every cell kept, the same in blocks of rows joined at the end,
    and with only its maps (opened lazily)."""
    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "blocks":  # about four blocks
            patch.setattr(chunks, "BLOCK_CELLS", 3_500)
        config = seabed.demo_config(out)
        # the dataset is what is checked here (tests/report renders the report)
        # the dataset is the estimate's: the demo's simulation is left out
        config = config.model_copy(
            update={
                "output": config.output.model_copy(update={"report": False}),
                "simulation": None,
            }
        )
        run = seabed.run(
            config,
            progress=False,
            keep_cells=request.param != "lazy",
        )
        if request.param == "blocks":
            assert len(pipeline.block_rows(run.dataset)) > 2
    return run


def test_coordinates_keep_their_cf_attributes(result):
    dataset = result.dataset
    for name, (standard_name, units) in COORDINATE_ATTRS.items():
        attrs = dataset[name].attrs
        assert attrs["standard_name"] == standard_name, name
        assert attrs["units"] == units, name
        assert attrs["long_name"], name
    assert dataset.x.attrs["axis"] == "X" and dataset.y.attrs["axis"] == "Y"
    assert dataset.rio.crs.to_epsg() == 32656


def test_variables_carry_the_registry_attributes(result):
    dataset = result.dataset
    for name in ("rey_ppm", "rey_std_ppm", "treo_t_per_km2", "available_fraction"):
        assert cf_attrs(name).items() <= dataset[name].attrs.items(), name
    if "ore_t" in dataset:  # the cells are kept
        # a tonnage is not a cell area, though computed from one
        assert "standard_name" not in dataset["ore_t"].attrs
        assert dataset["La2O3_t"].attrs["oxide"] == "La2O3"
        assert dataset["cell_area_m2"].attrs["standard_name"] == "cell_area"
        np.testing.assert_array_equal(
            dataset["excluded_total_fraction"], 1.0 - dataset["available_fraction"]
        )


def test_attributes_are_plain_values(result):
    """netCDF and Zarr store strings, numbers and lists of numbers, not dicts,
    None or booleans."""
    dataset = result.dataset
    owners = {"dataset": dataset.attrs} | {
        str(name): v.attrs for name, v in dataset.variables.items()
    }
    for owner, attrs in owners.items():
        for key, value in attrs.items():
            assert isinstance(value, str | int | float | list), (owner, key, value)
            assert not isinstance(value, bool), (owner, key)


def test_provenance_is_json_text(result):
    recorded = json.loads(result.dataset.attrs["provenance"])
    assert recorded["seabed_version"] == seabed.__version__
    assert recorded["created_utc"] == result.provenance["created_utc"]


def _units(dataset):
    return {
        str(name): v.attrs.get("units")
        for name, v in dataset.variables.items()
        if name != "spatial_ref"
    }


def test_dataset_round_trips_through_netcdf(result, tmp_path):
    path = tmp_path / "run.nc"
    result.dataset.to_netcdf(path)
    with xr.open_dataset(path, decode_coords="all") as back:
        assert back.rio.crs == result.dataset.rio.crs
        assert back.rio.transform() == result.dataset.rio.transform()
        assert _units(back) == _units(result.dataset)
        for name in COORDINATE_ATTRS:
            assert back[name].attrs == result.dataset[name].attrs
        assert back.attrs["provenance"] == result.dataset.attrs["provenance"]
        np.testing.assert_array_equal(back["rey_ppm"], result.dataset["rey_ppm"])


@pytest.mark.filterwarnings(*ZARR_WARNINGS)
def test_dataset_round_trips_through_zarr(result, tmp_path):
    pytest.importorskip("zarr", reason="zarr is in the test extras")
    path = tmp_path / "run.zarr"
    result.dataset.to_zarr(path)
    with xr.open_zarr(path, decode_coords="all") as back:
        assert back.rio.crs == result.dataset.rio.crs
        assert _units(back) == _units(result.dataset)
        for name in COORDINATE_ATTRS:
            assert back[name].attrs == result.dataset[name].attrs
        assert json.loads(back.attrs["provenance"]) == json.loads(
            result.dataset.attrs["provenance"]
        )
        np.testing.assert_array_equal(back["rey_ppm"], result.dataset["rey_ppm"])


def test_blocks_of_rows_follow_the_chunk_size_set_in_one_place(monkeypatch):
    frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
    assert pipeline.block_rows(frame) == [(0, frame.sizes["y"])]
    assert pipeline.BLOCK_CELLS == chunks.BLOCK_CELLS  # still importable here
    monkeypatch.setattr(chunks, "BLOCK_CELLS", 3 * frame.sizes["x"])
    blocks = pipeline.block_rows(frame)
    assert blocks[:2] == [(0, 3), (3, 6)] and blocks[-1][1] == frame.sizes["y"]


def test_slice_coordinates_say_what_they_are(result):
    dataset = result.dataset
    if dataset["rey_ppm"].chunks is not None:  # lazy: the written maps only
        assert "slice" not in dataset.dims
        return
    assert dataset["slice_top_m"].attrs == cf_attrs("slice_top_m")
    assert dataset["slice_bottom_m"].attrs["units"] == "m"
    assert dataset["slice"].attrs["long_name"].startswith("depth slice")
