"""A run's result dataset (result.nc written block by block) and its STAC Item, read
back with xarray, rioxarray, rasterio and pystac."""

import json
from pathlib import Path

import numpy as np
import pystac
import pytest
import rasterio
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)
import xarray as xr
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import RasterExtension

import seabed
from seabed import chunks, pipeline
from seabed.config import Config
from seabed.io.synthetic import SyntheticField, make_survey
from seabed.outputs.writer import COG_LAYERS
from seabed.variables import cf_attrs, variable

BOX = (153.55, 21.85, 153.95, 22.2)

#: The attributes CF-1.10 asks of a gridded variable in a projected CRS (units
#: where the quantity has one; codes have flag_values and flag_meanings instead).
CF_COORDINATES = {
    "x": {"standard_name": "projection_x_coordinate", "units": "m", "axis": "X"},
    "y": {"standard_name": "projection_y_coordinate", "units": "m", "axis": "Y"},
    "lon": {"standard_name": "longitude", "units": "degrees_east"},
    "lat": {"standard_name": "latitude", "units": "degrees_north"},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small synthetic survey on a 4 km grid, in blocks of two rows, cells kept
    for comparison with the file."""
    folder = tmp_path_factory.mktemp("result-files")
    survey = make_survey(n_cores=50, bounds=BOX, seed=5, field=SyntheticField(seed=5))
    survey.samples.to_csv(folder / "cores.csv", index=False)
    config = Config.model_validate(
        {
            "inputs": {"cores": str(folder / "cores.csv")},
            "grid": {"bounds": list(BOX), "resolution_m": 4000.0},
            "output": {"dir": str(folder / "out")},
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunks, "BLOCK_CELLS", 24)  # two rows of 11-12 cells
        result = seabed.run(config, progress=False, keep_cells=True)
        assert len(pipeline.block_rows(result.dataset)) > 3
    return result


def test_result_nc_holds_every_layer_of_the_run_as_computed(run):
    path = run.out_dir / "result.nc"
    assert path in run.files
    with xr.open_dataset(path, decode_coords="all") as back:
        assert set(run.dataset.data_vars) <= set(back.data_vars)
        for name, values in run.dataset.data_vars.items():
            np.testing.assert_array_equal(back[name], values, err_msg=str(name))
        np.testing.assert_array_equal(back["lon"], run.dataset["lon"])
        np.testing.assert_array_equal(back["slice"], run.dataset["slice"])


def test_result_nc_opens_with_its_crs_and_every_unit(run):
    with xr.open_dataset(run.out_dir / "result.nc", decode_coords="all") as back:
        assert back.rio.crs == run.dataset.rio.crs
        assert back.rio.crs.to_epsg() == 32656
        assert back.rio.transform() == run.dataset.rio.transform()
        for name, variable in back.data_vars.items():
            if "flag_values" in variable.attrs:  # codes: classes
                assert variable.attrs["flag_meanings"].split()[0] == "unclassified"
                continue
            assert variable.attrs["units"] == cf_attrs(str(name))["units"], name
            assert variable.attrs["long_name"], name


def test_result_nc_passes_a_check_of_the_cf_attributes(run):
    """What CF-1.10 requires of the file, checked one attribute at a time."""
    with xr.open_dataset(
        run.out_dir / "result.nc", decode_coords=False, mask_and_scale=False
    ) as raw:
        assert raw.attrs["Conventions"] == "CF-1.10"
        for key in ("title", "source", "history", "run_id", "provenance"):
            assert raw.attrs[key], key
        assert json.loads(raw.attrs["provenance"])["run_id"] == raw.attrs["run_id"]
        assert json.loads(raw.attrs["inputs"])["cores"]["sha256"]
        versions = json.loads(raw.attrs["versions"])
        assert versions["seabed"] == seabed.__version__
        assert versions["DEFLATE"] in ("libdeflate", "zlib")  # what compressed it
        for name, expected in CF_COORDINATES.items():
            assert expected.items() <= raw[name].attrs.items(), name
            assert "_FillValue" not in raw[name].attrs, name
        mapping = raw["spatial_ref"].attrs
        assert mapping["grid_mapping_name"] == "transverse_mercator"
        assert mapping["crs_wkt"].startswith("PROJCS")
        for name, variable in raw.data_vars.items():
            if {"y", "x"} <= set(variable.dims) and name not in ("lon", "lat"):
                assert variable.attrs["grid_mapping"] == "spatial_ref", name
                assert {"lon", "lat"} <= set(variable.attrs["coordinates"].split())
                fill = variable.attrs["_FillValue"]
                assert np.asarray(fill).dtype == variable.dtype, name
        flags = raw["resource_class"].attrs["flag_values"]
        assert np.asarray(flags).dtype == np.uint8
        assert "standard_name" not in raw["rey_ppm"].attrs  # CF has none for it
        assert raw["cell_area_m2"].attrs["standard_name"] == "cell_area"


def test_every_geotiff_band_carries_its_unit(run):
    """The band unit itself (what GDAL tools and QGIS show), not only a tag."""
    tiffs = sorted(run.out_dir.glob("*.tif"))
    assert len(tiffs) >= 5
    for path in tiffs:
        expected = variable(COG_LAYERS[path.stem]).units or ""
        with rasterio.open(path) as src:
            assert (src.units[0] or "") == expected, path.name
    with rasterio.open(run.out_dir / "rey_ppm.tif") as src:
        assert src.units == ("ppm",)
    with rasterio.open(run.out_dir / "treo_t_per_km2.tif") as src:
        assert src.units == (cf_attrs("treo_t_per_km2")["units"],)


def test_the_stac_item_describes_every_geotiff_and_the_dataset(run):
    path = run.out_dir / "item.json"
    assert path in run.files
    item = pystac.Item.from_file(str(path))
    tiffs = {p.name for p in run.out_dir.glob("*.tif")}
    hrefs = {asset.href.removeprefix("./") for asset in item.assets.values()}
    assert tiffs | {"result.nc", "resource.json", "report.html"} <= hrefs
    for asset in item.assets.values():  # links relative, to files that exist
        assert asset.href.startswith("./")
        assert (run.out_dir / asset.href).exists()
    assert item.id == f"seabed-{run.provenance['run_id']}"
    assert item.properties["seabed:run_id"] == run.provenance["run_id"]
    recorded = item.properties["seabed:provenance"]
    assert (
        recorded["inputs"]["cores"]["sha256"]
        == (run.provenance["inputs"]["cores"]["sha256"])
    )
    assert ProjectionExtension.has_extension(item)
    assert RasterExtension.has_extension(item)
    # the footprint in lon/lat covers the box the grid was made for
    west, south, east, north = item.bbox
    assert west <= BOX[0] + 0.05 and east >= BOX[2] - 0.05
    assert south <= BOX[1] + 0.05 and north >= BOX[3] - 0.05
    assert item.geometry["type"] == "Polygon"


def test_the_stac_assets_match_their_files(run):
    item = pystac.Item.from_file(str(run.out_dir / "item.json"))
    for key, asset in item.assets.items():
        if not asset.href.endswith(".tif"):
            continue
        projection = ProjectionExtension.ext(asset)
        band = RasterExtension.ext(asset).bands[0]
        with rasterio.open(run.out_dir / asset.href) as src:
            assert projection.code == f"EPSG:{src.crs.to_epsg()}", key
            assert "UTM zone 56N" in projection.wkt2
            assert projection.shape == [src.height, src.width]
            assert projection.transform == list(src.transform)[:6]
            assert projection.bbox == list(src.bounds)
            assert band.data_type == src.dtypes[0]
            assert band.unit == (src.units[0] or None)
            if src.dtypes[0] == "uint8":
                assert band.nodata == 255
    raw = json.loads((run.out_dir / "item.json").read_text())
    assert raw["assets"]["rey_ppm"]["raster:bands"][0]["nodata"] == "nan"
    assert raw["assets"]["rey_ppm"]["raster:bands"][0]["unit"] == "ppm"
    result = item.assets["result"]
    assert result.media_type == "application/x-netcdf" and "data" in result.roles
    assert ProjectionExtension.ext(result).shape == [
        run.dataset.sizes["y"],
        run.dataset.sizes["x"],
    ]


def test_no_partial_file_is_left(run):
    hidden = [p.name for p in Path(run.out_dir).iterdir() if p.name.startswith(".")]
    assert hidden == [".seabed-manifest.json"]
