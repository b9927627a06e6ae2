"""Tests of seabed.outputs (COGs and files): valid COGs with metadata, JSON/CSV, atomic writes."""

import json
import os

import numpy as np
import pandas as pd
import pytest
import rasterio
import xarray as xr
from rio_cogeo.cogeo import cog_validate

from seabed._version import __version__
from seabed.exceptions import InputError, MissingCRSError
from seabed.outputs import (
    CLASS_NODATA,
    PROVENANCE_TAG,
    atomic_path,
    cogs,
    files,
    write_cog,
    write_csv,
    write_json,
)


def raster(values, *, crs="EPSG:32656", ascending_y=False, **attrs):
    """A DataArray on a 1 km UTM grid with the given values (north row first)."""
    values = np.asarray(values)
    ny, nx = values.shape
    y = 2_450_500.0 - 1000.0 * np.arange(ny)
    x = 550_500.0 + 1000.0 * np.arange(nx)
    da = xr.DataArray(
        values, coords={"y": y, "x": x}, dims=("y", "x"), name="rey_ppm", attrs=attrs
    )
    if ascending_y:
        da = da.isel(y=slice(None, None, -1))
    return da.rio.write_crs(crs) if crs else da


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def grade():
    rng = np.random.default_rng(3)
    values = rng.lognormal(np.log(900.0), 0.5, size=(600, 520))
    values[:5, :7] = np.nan
    return raster(values, units="ppm", long_name="total REY grade")


def test_float_cog_is_valid_with_metadata(tmp_path, grade):
    provenance = {"seed": 1, "inputs": {"cores.csv": "sha256:abc"}, "nan": float("nan")}
    path = write_cog(
        grade, tmp_path / "rey_ppm.tif", tags={PROVENANCE_TAG: provenance, "RUN": 7}
    )
    assert path == tmp_path / "rey_ppm.tif" and listing(tmp_path) == ["rey_ppm.tif"]
    is_valid, errors, _ = cog_validate(str(path))
    assert is_valid, errors
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32656
        assert src.dtypes == ("float32",) and np.isnan(src.nodata)
        assert src.descriptions == ("total REY grade",) and src.units == ("ppm",)
        assert src.tags(1) == {"units": "ppm", "long_name": "total REY grade"}
        assert src.compression.name == "deflate" and src.block_shapes == [(256, 256)]
        assert src.overviews(1) == [2, 4]
        assert src.transform.c == 550_000.0 and src.transform.f == 2_451_000.0
        tags = src.tags()
        data = src.read(1)
    assert tags["AREA_OR_POINT"] == "Area" and tags["RUN"] == "7"
    recorded = json.loads(tags[PROVENANCE_TAG])
    assert recorded == {
        "seed": 1,
        "inputs": {"cores.csv": "sha256:abc"},
        "nan": None,
        "seabed_version": __version__,
    }
    np.testing.assert_array_equal(data, grade.values.astype(np.float32))


def test_blocks_converted_apart_and_threads_give_the_same_cog(tmp_path, grade):
    """Bands converted before the builder exists (as a run's workers do), written
    out of order, and the COG made on two threads: the same file, byte for byte,
    as write_cog's."""
    one = write_cog(grade, tmp_path / "one.tif")
    builder = cogs.CogBuilder(
        tmp_path / "two.tif",
        shape=grade.shape,
        crs=grade.rio.crs,
        transform=grade.rio.transform(),
        description="total REY grade",
        units="ppm",
    )
    bands = {
        row: cogs.CogBuilder.band_of(grade.isel(y=slice(row, row + 250)))
        for row in (0, 250, 500)
    }
    assert bands[0][0].dtype == np.float32 and np.isnan(bands[0][1])
    for row in (500, 0, 250):
        builder.write_band(*bands[row], row=row)
    two = builder.close(threads=2)
    assert one.read_bytes() == two.read_bytes()


def test_class_cog_is_uint8_with_255_nodata(tmp_path):
    classes = raster(
        np.array([[0, 1, 2], [3, 2, 1]], dtype=np.int64), long_name="class"
    )
    path = write_cog(classes, tmp_path / "class.tif", units="")
    assert cog_validate(str(path))[0]
    with rasterio.open(path) as src:
        assert src.dtypes == ("uint8",) and src.nodata == CLASS_NODATA
        np.testing.assert_array_equal(src.read(1), classes.values)
    with pytest.raises(InputError, match="does not fit in 0-254"):
        write_cog(classes + 254, tmp_path / "bad.tif")
    assert listing(tmp_path) == ["class.tif"]


def test_south_up_grid_is_written_north_up(tmp_path):
    da = raster(np.array([[1.0, 2.0], [3.0, 4.0]]), ascending_y=True)
    path = write_cog(da, tmp_path / "flip.tif", description="test", units="ppm")
    with rasterio.open(path) as src:
        np.testing.assert_array_equal(src.read(1), [[1.0, 2.0], [3.0, 4.0]])
        assert src.transform.e < 0 and src.descriptions == ("test",)


def test_explicit_nodata_replaces_nan(tmp_path):
    da = raster(np.array([[np.nan, 2.0], [3.0, 4.0]]))
    path = write_cog(da, tmp_path / "n.tif", nodata=-9999.0)
    with rasterio.open(path) as src:
        assert src.nodata == -9999.0 and src.read(1)[0, 0] == -9999.0


def test_provenance_from_attrs_and_bad_provenance(tmp_path):
    da = raster(np.ones((2, 2)), provenance=json.dumps({"config": "a.toml"}))
    with rasterio.open(write_cog(da, tmp_path / "p.tif")) as src:
        assert json.loads(src.tags()[PROVENANCE_TAG])["config"] == "a.toml"
    with pytest.raises(InputError, match=PROVENANCE_TAG):
        write_cog(da, tmp_path / "q.tif", tags={PROVENANCE_TAG: "[1, 2]"})


def test_cog_input_errors(tmp_path):
    with pytest.raises(MissingCRSError, match="no CRS"):
        write_cog(raster(np.ones((2, 2)), crs=None), tmp_path / "a.tif")
    cube = raster(np.ones((2, 2))).expand_dims(reason=["mpa", "cable"])
    with pytest.raises(InputError, match="needs two"):
        write_cog(cube, tmp_path / "b.tif")
    with pytest.raises(InputError, match="folder does not exist"):
        write_cog(raster(np.ones((2, 2))), tmp_path / "missing" / "c.tif")
    assert listing(tmp_path) == []


class FailingDataset:
    """Wraps a dataset open for writing; fails after the pixels have been written."""

    def __init__(self, dataset, seen):
        self.dataset, self.seen = dataset, seen

    def __enter__(self):
        self.dataset.__enter__()
        return self

    def __exit__(self, *exc):
        return self.dataset.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self.dataset, name)

    def update_tags(self, *args, **kwargs):
        self.seen.append(os.fspath(self.dataset.name))
        raise RuntimeError("disk unplugged")


def test_failed_cog_leaves_nothing_behind(tmp_path, grade, monkeypatch):
    target = tmp_path / "rey_ppm.tif"
    target.write_bytes(b"previous version")
    real_open = rasterio.open
    seen = []
    monkeypatch.setattr(
        cogs.rasterio,
        "open",
        lambda *a, **k: FailingDataset(real_open(*a, **k), seen),
    )
    with pytest.raises(RuntimeError, match="disk unplugged"):
        write_cog(grade, target)
    assert seen and ".partial" in seen[0]  # it failed midway, on the temporary file
    assert listing(tmp_path) == ["rey_ppm.tif"]
    assert target.read_bytes() == b"previous version"


def test_atomic_path_cleans_up_and_names_os_errors(tmp_path, monkeypatch):
    target = tmp_path / "table.csv"
    with pytest.raises(ZeroDivisionError), atomic_path(target) as temporary:
        temporary.write_text("half a ta")
        assert temporary.parent == tmp_path and temporary.name.startswith(".table.csv.")
        _ = 1 / 0
    assert listing(tmp_path) == []

    def refuse(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(InputError, match="cannot write the file") as err:
        write_json({"a": 1}, target)
    assert str(target) in str(err.value) and "writable" in str(err.value)
    assert listing(tmp_path) == []


def test_write_json_converts_numpy_pandas_and_nan(tmp_path):
    table = pd.DataFrame({"cutoff_ppm": [0.0, 400.0], "rey_t": [5302.0, np.nan]})
    document = {
        "statement": table,
        "z": np.int64(3),
        "a": {"values": np.array([1.5, np.inf]), "flag": np.bool_(True)},
        "when": pd.Timestamp("2026-01-17T00:00:00"),
        "path": tmp_path / "cores.csv",
    }
    path = write_json(document, tmp_path / "resource.json")
    text = path.read_text()
    assert text.startswith('{\n  "a": {\n    "flag": true,') and text.endswith("}\n")
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text)
    assert list(loaded) == ["a", "path", "statement", "when", "z"]
    assert loaded["statement"] == [
        {"cutoff_ppm": 0.0, "rey_t": 5302.0},
        {"cutoff_ppm": 400.0, "rey_t": None},
    ]
    assert loaded["a"]["values"] == [1.5, None] and loaded["z"] == 3
    assert loaded["when"] == "2026-01-17T00:00:00"
    with pytest.raises(InputError, match="cannot write a object as JSON"):
        write_json({"bad": object()}, tmp_path / "bad.json")
    assert listing(tmp_path) == ["resource.json"]


def test_write_csv_round_trips(tmp_path):
    table = pd.DataFrame(
        {"cutoff_ppm": [0.0, 400.0], "rey_t": [1 / 3, np.nan], "reason": ["a, b", "c"]}
    )
    path = write_csv(table, tmp_path / "resource.csv")
    pd.testing.assert_frame_equal(pd.read_csv(path), table)
    assert path.read_text().splitlines()[0] == "cutoff_ppm,rey_t,reason"
