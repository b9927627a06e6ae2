"""The result dataset (result.nc, result.zarr): written block by block equals written
whole, bit for bit; CF-1.10 attributes; the CRS comes back through rioxarray."""

import json

import h5py
import numpy as np
import pytest
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import xarray as xr

from seabed.grid import make_grid
from seabed.outputs.dataset import (
    CONVENTIONS,
    DATASET_FILES,
    DEFLATE_LEVEL,
    DatasetWriter,
    provenance_attrs,
    write_dataset,
)

BOUNDS = (153.5, 21.8, 154.1, 22.2)


@pytest.fixture(scope="module")
def cells():
    """A grid of 9 x 13 cells with what a run's cells hold: floats with NaN, classes
    (uint8), a layer per depth slice with text labels, lon/lat."""
    grid = make_grid(BOUNDS, 5000)
    ny, nx = grid.sizes["y"], grid.sizes["x"]
    rng = np.random.default_rng(7)
    grade = rng.lognormal(6.8, 0.4, (ny, nx))
    grade[0, :3] = np.nan
    grid["rey_ppm"] = (("y", "x"), grade, {"units": "ppm", "long_name": "REY"})
    grid["resource_class"] = (
        ("y", "x"),
        rng.integers(0, 4, (ny, nx)).astype(np.uint8),
        {"long_name": "resource class"},
    )
    grid["slice_rey_ppm"] = (
        ("slice", "y", "x"),
        rng.lognormal(6.8, 0.4, (3, ny, nx)),
        {"units": "ppm", "long_name": "REY per slice"},
    )
    grid = grid.assign_coords(
        slice=["0-1", "1-2", "2-3"],
        slice_top_m=("slice", [0.0, 1.0, 2.0], {"units": "m"}),
    )
    return grid.rio.write_crs(grid.rio.crs)


def write_in_blocks(cells, path, kind, rows=2):
    frame = make_grid(BOUNDS, 5000, frame_only=True)
    writer = DatasetWriter(path, frame, kind=kind, attrs={"run_id": "ab12"})
    try:
        for start in range(0, cells.sizes["y"], rows):
            writer.write(cells.isel(y=slice(start, start + rows)), row=start)
        return writer.close()
    finally:
        writer.discard()


def block_of(cells, start, rows):
    """Rows of the grid as a run's block holds them: with its own transform (the
    grid mapping's ``GeoTransform`` starts at the block's first row)."""
    block = cells.isel(y=slice(start, start + rows))
    return block.rio.write_transform(block.rio.transform(recalc=True))


def open_raw(path, kind):
    """The stored values, fill values not masked (bit-level comparison)."""
    opener = xr.open_dataset if kind == "netcdf" else xr.open_zarr
    return opener(path, decode_coords="all", mask_and_scale=False)


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
def test_written_in_blocks_equals_written_whole(cells, tmp_path, kind):
    name = DATASET_FILES[kind]
    whole = write_dataset(cells.assign_attrs(run_id="ab12"), tmp_path / name, kind=kind)
    blocks = write_in_blocks(cells, tmp_path / f"blocks_{name}", kind)
    with open_raw(whole, kind) as one, open_raw(blocks, kind) as other:
        xr.testing.assert_identical(one, other)
        for variable in one.variables:
            left, right = one[variable].to_numpy(), other[variable].to_numpy()
            assert left.dtype == right.dtype, variable
            if left.dtype.kind in "fiu":
                assert left.tobytes() == right.tobytes(), variable
        assert one["resource_class"].dtype == np.uint8
        assert int(one["resource_class"].attrs["_FillValue"]) == 255
    with xr.open_dataset(blocks, engine=None if kind == "netcdf" else "zarr") as back:
        np.testing.assert_array_equal(back["rey_ppm"], cells["rey_ppm"])
        np.testing.assert_array_equal(back["slice_rey_ppm"], cells["slice_rey_ppm"])
    # nothing but the file is left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [name, f"blocks_{name}"]
    )


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
def test_the_file_follows_cf_and_gives_back_its_crs(cells, tmp_path, kind):
    path = write_in_blocks(cells, tmp_path / DATASET_FILES[kind], kind)
    engine = "h5netcdf" if kind == "netcdf" else "zarr"
    with xr.open_dataset(path, engine=engine, decode_coords="all") as back:
        assert back.attrs["Conventions"] == CONVENTIONS == "CF-1.10"
        assert back.attrs["run_id"] == "ab12"
        assert back.rio.crs.to_epsg() == 32656
        assert back.rio.transform() == cells.rio.transform()
        mapping = back["spatial_ref"].attrs
        assert mapping["grid_mapping_name"] == "transverse_mercator"
        assert "UTM zone 56N" in mapping["crs_wkt"]
        for name in ("x", "y"):
            assert back[name].attrs["standard_name"] == f"projection_{name}_coordinate"
            assert back[name].attrs["units"] == "m"
            assert "_FillValue" not in back[name].encoding or np.isnan(
                back[name].encoding.get("_FillValue", np.nan)
            )
        assert back["lon"].attrs["units"] == "degrees_east"
        assert back["lat"].attrs["standard_name"] == "latitude"
        for name in ("rey_ppm", "slice_rey_ppm", "cell_area_m2"):
            variable = back[name]
            assert variable.attrs["units"] and variable.attrs["long_name"], name
            assert variable.encoding["grid_mapping"] == "spatial_ref", name
            # lon and lat are auxiliary coordinates of every map
            assert {"lon", "lat"} <= set(variable.coords), name
        assert back["cell_area_m2"].attrs["standard_name"] == "cell_area"
        assert np.isnan(back["rey_ppm"][0, 0])  # NaN is the fill value
    with open_raw(path, kind) as raw:
        assert np.isnan(raw["rey_ppm"].attrs["_FillValue"])
        # coordinates are never missing: no fill value
        for name in ("x", "y", "lon", "lat"):
            assert "_FillValue" not in raw[name].attrs, name


def test_a_discarded_writer_leaves_nothing(cells, tmp_path):
    frame = make_grid(BOUNDS, 5000, frame_only=True)
    for kind in ("netcdf", "zarr"):
        writer = DatasetWriter(tmp_path / DATASET_FILES[kind], frame, kind=kind)
        writer.write(cells.isel(y=slice(0, 2)), row=0)
        writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_provenance_goes_into_attributes_one_entry_each():
    record = {
        "run_id": "ab12",
        "created_utc": "2026-12-01T00:00:00+00:00",
        "inputs": {"cores": {"path": "cores.csv", "sha256": "f00d"}},
        "versions": {"seabed": "0.1.0"},
        "seeds": {"simulation": 3},
        "config": {"grid": {"resolution_m": 1000.0}},
    }
    attrs = provenance_attrs(record)
    assert json.loads(attrs["provenance"]) == record
    assert attrs["run_id"] == "ab12"
    assert json.loads(attrs["inputs"])["cores"]["sha256"] == "f00d"
    assert json.loads(attrs["seeds"]) == {"simulation": 3}
    assert attrs["source"] == "seabed 0.1.0"
    assert attrs["history"].startswith("2026-12-01")
    assert all(isinstance(v, str) for v in attrs.values())


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
def test_chunks_hold_the_rows_of_one_block(cells, tmp_path, kind):
    """With the blocks' height given, no storage chunk spans two blocks (each is
    compressed once), and the values are those of the whole dataset."""
    frame = make_grid(BOUNDS, 5000, frame_only=True)
    path = tmp_path / DATASET_FILES[kind]
    writer = DatasetWriter(path, frame, kind=kind, block_rows=3)
    try:
        for start in range(0, cells.sizes["y"], 3):
            writer.write(cells.isel(y=slice(start, start + 3)), row=start)
        writer.close()
    finally:
        writer.discard()
    with xr.open_dataset(
        path, engine="h5netcdf" if kind == "netcdf" else "zarr"
    ) as back:
        encoding = back["rey_ppm"].encoding
        sizes = encoding["chunksizes"] if kind == "netcdf" else encoding["chunks"]
        assert sizes[0] == 3
        assert back["slice_rey_ppm"].encoding.get("chunksizes", (1, 3))[:2] == (1, 3)
        np.testing.assert_array_equal(back["rey_ppm"].values, cells["rey_ppm"].values)
        np.testing.assert_array_equal(
            back["slice_rey_ppm"].values, cells["slice_rey_ppm"].values
        )


@pytest.mark.parametrize("last_first", [False, True])
@pytest.mark.parametrize("rows", [3, 4])
def test_blocks_compressed_apart_give_the_file_written_whole(
    cells, tmp_path, rows, last_first
):
    """Blocks encoded (compressed) away from the writer, in any order, then stored
    as they are, give the values written whole, bit for bit: blocks of 3 rows fill
    whole chunks (the last one cut by the grid's edge), blocks of 4 rows share
    chunks of 3 and go through HDF5. Stored last block first (a run takes blocks
    as they finish), the file is the same, its grid mapping the grid's, not that
    of the block that came first."""
    whole = write_dataset(cells.assign_attrs(run_id="ab12"), tmp_path / "whole.nc")
    frame = make_grid(BOUNDS, 5000, frame_only=True)
    writer = DatasetWriter(
        tmp_path / "result.nc", frame, attrs={"run_id": "ab12"}, block_rows=3
    )
    starts = list(range(0, cells.sizes["y"], rows))
    encoded = [
        writer.encode(block_of(cells, start, rows), row=start)
        for start in reversed(starts)
    ]
    aligned = rows == 3
    assert all(bool(e.chunks) == aligned for e in encoded)
    assert all(bool(e.values) != aligned for e in encoded)
    for block in encoded if last_first else reversed(encoded):
        writer.write_encoded(block)
    path = writer.close()
    with open_raw(whole, "netcdf") as one, open_raw(path, "netcdf") as other:
        xr.testing.assert_identical(one, other)
        for name in ("rey_ppm", "resource_class", "slice_rey_ppm", "lon"):
            assert one[name].to_numpy().tobytes() == other[name].to_numpy().tobytes()
    with h5py.File(path) as file:
        stored = file["rey_ppm"]
        assert stored.chunks == (3, 13)
        assert stored.compression == "gzip" and stored.shuffle
        assert stored.compression_opts == DEFLATE_LEVEL
        # a chunk written directly decompresses through HDF5's own filters
        np.testing.assert_array_equal(stored[6:9], cells["rey_ppm"][6:9])
