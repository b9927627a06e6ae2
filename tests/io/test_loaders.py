"""Tests of seabed.io: cores, grids and zones, and the errors bad files produce."""

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
import xarray as xr
from pyproj import Geod
from rasterio.transform import from_origin

from seabed.composite import REFERENCE_COMPOSITION
from seabed.elements import REY, element_column
from seabed.exceptions import ConfigError, InputError, MissingCRSError, SeabedWarning
from seabed.io import (
    ELEMENT_COLUMNS,
    load_bathymetry,
    load_cores,
    load_raster,
    load_zones,
    sample_raster,
    validate_cores,
)
from seabed.io.datasets import MINAMITORISHIMA, bathymetry_path, eez_path

GEOD = Geod(ellps="WGS84")


def cores_table(**changes):
    """Two cores, two contiguous samples each (0-2 m and 2-10 m)."""
    table = pd.DataFrame(
        {
            "core_id": ["B", "B", "A", "A"],
            "lon": [153.9, 153.9, 153.8, 153.8],
            "lat": [22.1, 22.1, 22.0, 22.0],
            "top_m": [2.0, 0.0, 0.0, 2.0],
            "bottom_m": [10.0, 2.0, 2.0, 10.0],
            "rey_ppm": [1500.0, 200.0, 100.0, 1000.0],
        }
    )
    for column, value in changes.items():
        table[column] = value
    return table


def write_csv(tmp_path, table, name="cores.csv"):
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


def write_without_crs(frame, path):
    """A shapefile without .prj: the file has no CRS (pyogrio warns; we mean it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(path)


def error_of(path, **kwargs):
    with pytest.raises(InputError) as info:
        load_cores(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message  # the CLI prints it on one line
    return message


# ------------------------------------------------------------------- load_cores


def test_csv_gives_the_canonical_table(tmp_path):
    cores = load_cores(write_csv(tmp_path, cores_table()))
    assert list(cores.columns) == [
        "core_id", "lon", "lat", "top_m", "bottom_m", "rey_ppm",
    ]  # fmt: skip
    assert cores["core_id"].tolist() == ["A", "A", "B", "B"]
    assert cores["top_m"].tolist() == [0.0, 2.0, 0.0, 2.0]
    assert cores["rey_ppm"].tolist() == [100.0, 1000.0, 200.0, 1500.0]
    assert cores.index.tolist() == [0, 1, 2, 3]
    assert cores.attrs["source"].endswith("cores.csv")


def test_core_ids_stay_text(tmp_path):
    path = write_csv(tmp_path, cores_table(core_id=["007", "007", "12", "12"]))
    cores = load_cores(path)
    assert cores["core_id"].tolist() == ["007", "007", "12", "12"]


def test_a_core_may_be_named_na_or_null(tmp_path):
    # only the other columns read "NA", "null" and the like as missing
    path = write_csv(tmp_path, cores_table(core_id=["NA", "NA", "null", "null"]))
    assert load_cores(path)["core_id"].tolist() == ["NA", "NA", "null", "null"]


@pytest.mark.parametrize("spelling", ["NA", "n/a", "#N/A", "NULL", " nan "])
def test_missing_values_as_spreadsheets_write_them(tmp_path, spelling):
    table = cores_table(dry_density_t_m3=[0.5, 0.5, 0.6, 0.55]).astype(str)
    table.loc[1, "dry_density_t_m3"] = spelling
    cores = load_cores(write_csv(tmp_path, table))
    assert cores["dry_density_t_m3"].isna().sum() == 1
    table.loc[2, "rey_ppm"] = spelling
    message = error_of(write_csv(tmp_path, table))
    assert "row 3, column 'rey_ppm': value is missing" in message


def test_elements_are_summed_into_rey(tmp_path):
    table = cores_table().drop(columns="rey_ppm")
    for i, element in enumerate(REY):
        table[element_column(element)] = float(i + 1)
    cores = load_cores(write_csv(tmp_path, table))
    assert list(cores.columns[6:]) == list(ELEMENT_COLUMNS)
    assert (cores["rey_ppm"] == sum(range(1, 16))).all()


def test_total_and_elements_must_agree(tmp_path):
    table = cores_table()
    for element in REY:
        table[element_column(element)] = (
            table["rey_ppm"] * REFERENCE_COMPOSITION[element]
        )
    table.loc[1, "rey_ppm"] = 250.0  # elements sum to 200
    message = error_of(write_csv(tmp_path, table))
    assert message == (
        f"{tmp_path / 'cores.csv'}: row 2, column 'rey_ppm': rey_ppm 250 differs by "
        "more than 1 % from the sum of the 15 elements (200); fix the total or the "
        "elements, or drop the rey_ppm column"
    )
    table.loc[1, "rey_ppm"] = 201.0  # within 1 %: accepted, replaced by the sum
    assert load_cores(write_csv(tmp_path, table))["rey_ppm"][2] == pytest.approx(200)


def test_some_elements_missing_names_them(tmp_path):
    table = cores_table()
    for element in REY:
        if element not in ("Tb", "Lu"):
            table[element_column(element)] = 1.0
    message = error_of(write_csv(tmp_path, table))
    assert "element column(s) Tb_ppm, Lu_ppm missing" in message


def test_missing_columns_are_listed_with_the_mapping_hint(tmp_path):
    table = cores_table().drop(columns=["top_m", "rey_ppm"])
    message = error_of(write_csv(tmp_path, table))
    assert "missing required column(s) top_m, rey_ppm" in message
    assert "[columns]" in message
    assert "the file's columns are core_id, lon, lat, bottom_m" in message


def test_columns_map_the_files_names(tmp_path):
    table = cores_table().rename(
        columns={"core_id": "Site", "lon": "Longitude", "lat": "Latitude"}
    )
    mapping = {"core_id": "Site", "lon": "Longitude", "lat": "Latitude"}
    cores = load_cores(write_csv(tmp_path, table), columns=mapping)
    assert cores["lon"].tolist() == [153.8, 153.8, 153.9, 153.9]
    # errors name the column as the file spells it
    table.loc[0, "Latitude"] = 95.0
    message = error_of(write_csv(tmp_path, table), columns=mapping)
    assert "row 1, column 'Latitude': latitude outside [-90, 90] (95)" in message


def test_mapping_to_an_absent_column(tmp_path):
    message = error_of(write_csv(tmp_path, cores_table()), columns={"lon": "LON"})
    assert "column 'LON' (given for 'lon' in [columns]) is not in the file" in message


def test_mapping_an_unknown_canonical_name(tmp_path):
    with pytest.raises(ConfigError, match="unknown canonical column"):
        load_cores(write_csv(tmp_path, cores_table()), columns={"grade": "rey"})


@pytest.mark.parametrize(
    ("column", "row", "value", "expected"),
    [
        ("lon", 1, 360.5, "column 'lon': longitude outside [-180, 360] (360.5)"),
        ("lon", 2, -180.5, "column 'lon': longitude outside [-180, 360] (-180.5)"),
        ("lat", 2, -91.0, "column 'lat': latitude outside [-90, 90] (-91)"),
        ("top_m", 2, -1.0, "column 'top_m': depth is negative (-1)"),
        ("bottom_m", 1, 1.0, "column 'bottom_m': bottom_m is not below top_m (1)"),
        ("rey_ppm", 4, -5.0, "column 'rey_ppm': grade is negative (-5)"),
        ("top_m", 3, "abc", "column 'top_m': 'abc' is not a number"),
        ("rey_ppm", 1, "12 ppm", "column 'rey_ppm': '12 ppm' is not a number"),
        ("core_id", 3, None, "column 'core_id': value is missing"),
        ("lat", 4, None, "column 'lat': value is missing"),
    ],
)
def test_bad_values_name_row_and_column(tmp_path, column, row, value, expected):
    table = cores_table()
    table[column] = table[column].astype(object)
    table.loc[row - 1, column] = value
    message = error_of(write_csv(tmp_path, table))
    assert message.startswith(f"{tmp_path / 'cores.csv'}: row {row}, {expected}")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("water_depth_m", -5700.0, "water depth is negative (-5700); water depth is "
         "positive down in metres; negate elevations"),
        ("water_content", 65.0, "water content outside [0, 1) (65)"),
        ("dry_density_t_m3", 0.0, "density is not positive (0)"),
        ("wet_density_t_m3", -1.3, "density is not positive (-1.3)"),
    ],
)  # fmt: skip
def test_bad_optional_values(tmp_path, column, value, expected):
    table = cores_table(**{column: 0.5})
    table.loc[2, column] = value
    message = error_of(write_csv(tmp_path, table))
    assert f"row 3, column '{column}': {expected}" in message


def test_optional_columns_may_be_empty(tmp_path):
    table = cores_table(dry_density_t_m3=[0.5, np.nan, 0.6, 0.55])
    cores = load_cores(write_csv(tmp_path, table))
    assert cores["dry_density_t_m3"].isna().sum() == 1


def test_overlapping_intervals_name_both_rows(tmp_path):
    table = cores_table()
    table.loc[3, "top_m"] = 1.5  # core A: 0-2 and 1.5-10
    message = error_of(write_csv(tmp_path, table))
    assert (
        "row 4, column 'top_m': interval 1.5-10 m of core 'A' overlaps 0-2 m (row 3)"
        in message
    )


def test_abutting_intervals_with_float_noise_do_not_overlap(tmp_path):
    table = cores_table()
    table.loc[3, "top_m"] = 0.1 + 0.2 + 1.7  # 2.0000000000000004 vs 2.0
    table.loc[2, "bottom_m"] = 2.0000001
    assert len(load_cores(write_csv(tmp_path, table))) == 4


def test_a_core_that_moves(tmp_path):
    table = cores_table()
    table.loc[3, "lon"] = 153.81
    message = error_of(write_csv(tmp_path, table))
    assert "row 4, column 'lon': core 'A' changes position (lon 153.81 here" in message


def test_longitudes_from_0_to_360_are_the_same_places(tmp_path):
    # a Pacific survey written in 0-360 degrees: B at 200 E, A just east of 180
    table = cores_table(lon=[200.0, 200.0, 180.05, 180.05])
    cores = load_cores(write_csv(tmp_path, table))
    assert cores["lon"].tolist() == pytest.approx([-179.95, -179.95, -160.0, -160.0])
    west = cores_table(lon=[-160.0, -160.0, -179.95, -179.95])
    same = load_cores(write_csv(tmp_path, west, "west.csv"))
    pd.testing.assert_frame_equal(
        cores.drop(columns="lon"), same.drop(columns="lon"), check_like=True
    )
    # 360 is 0; 180 and -180 stay as given
    edges = validate_cores(cores_table(lon=[360.0, 360.0, -180.0, -180.0]))
    assert edges["lon"].tolist() == [-180.0, -180.0, 0.0, 0.0]
    message = error_of(write_csv(tmp_path, cores_table(lon=[400.0] * 4)))
    assert (
        "row 1, column 'lon': longitude outside [-180, 360] (400); give WGS84 degrees "
        "from -180 to 180 (or 0 to 360)" in message
    )


def test_a_core_at_180_and_at_minus_180_stays_in_one_place(tmp_path):
    table = cores_table()
    table.loc[2, "lon"] = 180.0  # core A, 0-2 m: its first row
    table.loc[3, "lon"] = -180.0  # core A, 2-10 m: the same meridian
    cores = load_cores(write_csv(tmp_path, table))
    assert cores.loc[cores["core_id"] == "A", "lon"].tolist() == [180.0, 180.0]
    table.loc[3, "lon"] = -179.9  # 0.1 degree east of 180: another place
    message = error_of(write_csv(tmp_path, table))
    assert (
        "row 4, column 'lon': core 'A' changes position (lon -179.9 here, 180 in its "
        "first row)" in message
    )
    # named as written: 253.8 (a typo of 153.8) is not shown as -106.2
    table.loc[2, "lon"], table.loc[3, "lon"] = 253.8, 153.8
    message = error_of(write_csv(tmp_path, table))
    assert "core 'A' changes position (lon 153.8 here, 253.8 in its first" in message


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "nope.csv")
    assert message.startswith(
        f"{tmp_path / 'nope.csv'}: file not found; check the path"
    )


def test_unknown_extension(tmp_path):
    path = tmp_path / "cores.xlsx"
    path.write_bytes(b"PK")
    assert "unknown file type '.xlsx'; save the cores as one of" in error_of(path)


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "the file is empty" in error_of(empty)
    header = tmp_path / "header.csv"
    header.write_text("core_id,lon,lat,top_m,bottom_m,rey_ppm\n")
    assert "the table has no data rows" in error_of(header)


def test_unreadable_parquet(tmp_path):
    path = tmp_path / "cores.parquet"
    path.write_text("this is not parquet")
    assert "cannot be read as Parquet" in error_of(path)


def test_parquet_and_compressed_csv(tmp_path):
    table = cores_table()
    table.to_parquet(tmp_path / "cores.parquet")
    table.to_csv(tmp_path / "cores.csv.gz", index=False)
    expected = load_cores(write_csv(tmp_path, table))
    pd.testing.assert_frame_equal(load_cores(tmp_path / "cores.parquet"), expected)
    pd.testing.assert_frame_equal(load_cores(tmp_path / "cores.csv.gz"), expected)


def test_projected_xy_with_a_crs(tmp_path):
    table = cores_table()
    to_utm = pyproj.Transformer.from_crs(4326, 32656, always_xy=True)
    table["x"], table["y"] = to_utm.transform(table["lon"], table["lat"])
    projected = table.drop(columns=["lon", "lat"])
    cores = load_cores(write_csv(tmp_path, projected), crs="EPSG:32656")
    assert cores["lon"].to_numpy() == pytest.approx([153.8, 153.8, 153.9, 153.9])
    assert cores["lat"].to_numpy() == pytest.approx([22.0, 22.0, 22.1, 22.1])
    message = error_of(write_csv(tmp_path, projected))
    assert "the table gives x/y coordinates but no CRS; set inputs.cores_crs" in message
    with pytest.raises(ConfigError, match="not a CRS pyproj knows"):
        load_cores(write_csv(tmp_path, projected), crs="EPSG:99999999")


def utm_points(table):
    """The cores table as points in UTM 56N, without lon/lat columns."""
    return gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:32656")


def test_geopackage_points_in_any_crs(tmp_path):
    utm_points(cores_table()).to_file(tmp_path / "cores.gpkg")
    cores = load_cores(tmp_path / "cores.gpkg")
    assert cores["lon"].to_numpy() == pytest.approx([153.8, 153.8, 153.9, 153.9])
    assert cores["lat"].to_numpy() == pytest.approx([22.0, 22.0, 22.1, 22.1])


def test_vector_cores_need_points_and_a_crs(tmp_path):
    table = cores_table().drop(columns=["lon", "lat"])
    lines = [shapely.LineString([(0, 0), (1, 1)])] + [shapely.Point(0, 0)] * 3
    gpd.GeoDataFrame(table, geometry=lines, crs=4326).to_file(tmp_path / "l.gpkg")
    message = error_of(tmp_path / "l.gpkg")
    assert "row 1, column 'geometry': geometry is LineString, not a point" in message
    no_crs = gpd.GeoDataFrame(table, geometry=[shapely.Point(0, 0)] * 4)
    write_without_crs(no_crs, tmp_path / "nocrs.shp")
    with pytest.raises(MissingCRSError, match="has no coordinate reference system"):
        load_cores(tmp_path / "nocrs.shp")


def test_validate_cores_accepts_a_dataframe():
    cores = validate_cores(cores_table())
    assert cores["core_id"].tolist() == ["A", "A", "B", "B"]
    with pytest.raises(InputError, match=r"^row 1, column 'top_m': depth is negative"):
        validate_cores(cores_table(top_m=[-1.0, 0.0, 0.0, 2.0]))


def test_validate_cores_takes_positions_from_point_geometry():
    points = utm_points(cores_table())
    cores = validate_cores(points)
    assert cores["lon"].to_numpy() == pytest.approx([153.8, 153.8, 153.9, 153.9])
    assert cores["lat"].to_numpy() == pytest.approx([22.0, 22.0, 22.1, 22.1])
    # the geometry wins over stale position columns, as in a vector file
    stale = points.assign(lon=0.0, lat=0.0)
    assert validate_cores(stale)["lon"].to_numpy() == pytest.approx(cores["lon"])
    with pytest.raises(ConfigError, match="positions come from the point geometry"):
        validate_cores(points, columns={"lon": "top_m"})
    with pytest.raises(MissingCRSError, match=r"set_crs\('EPSG:4326'\)"):
        validate_cores(points.set_crs(None, allow_override=True))
    lines = points.copy()
    lines.loc[1, "geometry"] = shapely.LineString([(0, 0), (1, 1)])
    with pytest.raises(InputError, match=r"^row 2, column 'geometry': geometry is "):
        validate_cores(lines)


@pytest.mark.parametrize(
    ("given", "named"),
    [
        (cores_table(), "DataFrame"),
        (cores_table().to_numpy(), "ndarray"),
        (None, "None"),
    ],
)
def test_load_cores_refuses_a_table_in_memory(given, named):
    with pytest.raises(InputError) as info:
        load_cores(given)
    assert str(info.value) == (
        f"load_cores reads a file, given by its path; got {named}; check a table "
        "already in memory with seabed.io.validate_cores(table)"
    )


# ------------------------------------------------------------------- grids


def write_geotiff(path, values, *, crs="EPSG:4326", transform=None):
    values = np.asarray(values, dtype="float32")
    transform = transform or from_origin(150.0, 25.0, 0.5, 0.5)
    with rasterio.open(
        path, "w", driver="GTiff", height=values.shape[0], width=values.shape[1],
        count=1, dtype="float32", crs=crs, transform=transform, nodata=-9999.0,
    ) as dst:  # fmt: skip
        dst.write(values, 1)
    return path


def test_load_raster_reads_band_one_with_crs_and_nodata(tmp_path):
    path = write_geotiff(tmp_path / "g.tif", [[1.0, -9999.0], [3.0, 4.0]])
    grid = load_raster(path)
    assert grid.dims == ("y", "x")
    assert grid.rio.crs.to_epsg() == 4326
    assert np.isnan(grid.values[0, 1]) and grid.values[1, 1] == 4.0
    assert grid.x.values.tolist() == [150.25, 150.75]  # cell centres
    assert grid.name == "g"


def test_load_raster_without_crs(tmp_path):
    path = write_geotiff(tmp_path / "nocrs.tif", [[1.0]], crs=None)
    with pytest.raises(MissingCRSError) as info:
        load_raster(path)
    assert "gdal_edit.py -a_srs" in str(info.value)


def test_load_raster_unreadable_and_missing(tmp_path):
    path = tmp_path / "bad.tif"
    path.write_text("not a grid")
    with pytest.raises(InputError, match="cannot be read as a grid"):
        load_raster(path)
    with pytest.raises(InputError, match="file not found"):
        load_raster(tmp_path / "none.tif")


def test_load_raster_netcdf(tmp_path):
    grid = xr.DataArray(
        np.arange(6.0).reshape(2, 3),
        dims=("y", "x"),
        coords={"y": [1000.0, 0.0], "x": [0.0, 1000.0, 2000.0]},
        name="thickness",
    ).rio.write_crs("EPSG:32656")
    grid.x.attrs.update(standard_name="projection_x_coordinate", units="m")
    grid.y.attrs.update(standard_name="projection_y_coordinate", units="m")
    grid.to_dataset().to_netcdf(tmp_path / "t.nc")
    loaded = load_raster(tmp_path / "t.nc")
    assert loaded.rio.crs.to_epsg() == 32656
    assert loaded.sel(x=2000.0, y=0.0).item() == 5.0


def test_load_raster_refuses_a_grid_without_georeferencing(tmp_path):
    grid = xr.DataArray(np.ones((2, 2)), dims=("y", "x"), name="z")
    grid.rio.write_crs("EPSG:4326").to_dataset().to_netcdf(tmp_path / "bare.nc")
    with pytest.raises(InputError, match="has no georeferencing"):
        load_raster(tmp_path / "bare.nc")


def test_bathymetry_is_water_depth_positive_down():
    depth = load_bathymetry(bathymetry_path())
    assert depth.attrs["units"] == "m"
    assert depth.attrs["long_name"] == "water depth"
    assert depth.attrs["positive"] == "down"
    assert depth.attrs["converted_from"] == "elevation (positive up)"
    # data/README.md spot checks: island node -311 m, REY area -5763 m elevation
    assert depth.sel(x=154.0, y=24.3, method="nearest").item() == 311.0
    assert depth.sel(x=153.8, y=22.0, method="nearest").item() == 5763.0
    assert depth.rio.crs.to_epsg() == 4326


def test_bathymetry_already_positive_down_is_kept(tmp_path):
    path = write_geotiff(tmp_path / "depth.tif", [[5500.0, 5600.0], [5700.0, 5800.0]])
    depth = load_bathymetry(path)
    assert depth.values.tolist() == [[5500.0, 5600.0], [5700.0, 5800.0]]
    assert "converted_from" not in depth.attrs


def test_sample_raster_is_bilinear_in_the_grids_crs():
    # a plane z = 2x + 3y (metres, UTM 56N) is reproduced exactly by bilinear
    x = np.arange(400_000.0, 420_000.0, 1000.0)
    y = np.arange(2_450_000.0, 2_430_000.0, -1000.0)
    plane = 2 * x[None, :] + 3 * y[:, None]
    grid = xr.DataArray(plane, dims=("y", "x"), coords={"y": y, "x": x})
    grid = grid.rio.write_crs("EPSG:32656")
    to_lonlat = pyproj.Transformer.from_crs(32656, 4326, always_xy=True)
    px, py = np.array([401_234.5, 415_000.0]), np.array([2_440_321.0, 2_448_888.0])
    lon, lat = to_lonlat.transform(px, py)
    assert sample_raster(grid, lon, lat) == pytest.approx(2 * px + 3 * py, rel=1e-9)
    outside = sample_raster(grid, *to_lonlat.transform(390_000.0, 2_440_000.0))
    assert np.isnan(outside)


def test_sample_raster_matches_the_bundled_grid_nodes():
    depth = load_bathymetry(bathymetry_path())
    values = sample_raster(depth, [153.8, 153.85], [22.0, 22.0])
    left, right = depth.sel(y=22.0, x=[153.8, 153.9], method="nearest").values
    assert values == pytest.approx([left, (left + right) / 2])


# ------------------------------------------------------------------- zones


def geodesic_area_km2(geometry):
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


def test_bundled_eez():
    eez = load_zones(eez_path(), layer="eez_approx", reason="EEZ")
    assert list(eez.columns) == ["reason", "geometry"]
    assert eez.crs.to_epsg() == 4326
    assert eez["reason"].tolist() == ["EEZ"]
    assert geodesic_area_km2(eez.geometry[0]) == pytest.approx(430_871, rel=1e-3)


def test_point_buffer_is_a_geodesic_circle():
    island = load_zones(eez_path(), layer="island", buffer_m=10_000)
    ring = np.asarray(island.geometry[0].exterior.coords)
    lon0, lat0 = MINAMITORISHIMA
    point = gpd.read_file(eez_path(), layer="island").geometry[0]
    _, _, distance = GEOD.inv(
        np.full(len(ring), point.x), np.full(len(ring), point.y), ring[:, 0], ring[:, 1]
    )
    assert distance == pytest.approx(10_000, abs=1.0)
    assert geodesic_area_km2(island.geometry[0]) == pytest.approx(
        np.pi * 10**2, rel=1e-3
    )
    assert abs(point.x - lon0) < 0.01 and abs(point.y - lat0) < 0.01


def test_polygon_buffer_grows_the_eez_by_the_distance():
    # the EEZ is a 370.4 km geodesic circle: buffered by 10 km it is one of 380.4 km
    eez = gpd.read_file(eez_path(), layer="eez_approx")
    centre_lon, centre_lat = eez["center_lon"][0], eez["center_lat"][0]
    grown = load_zones(eez_path(), layer="eez_approx", buffer_m=10_000).geometry[0]
    lon, lat, _ = GEOD.fwd(
        np.full(720, centre_lon), np.full(720, centre_lat),
        np.arange(720) / 2, np.full(720, 380_400.0),
    )  # fmt: skip
    circle = shapely.Polygon(np.column_stack([lon, lat]))
    assert geodesic_area_km2(grown) == pytest.approx(
        geodesic_area_km2(circle), rel=2e-4
    )


def test_zone_layers_reasons_and_repairs(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert not bowtie.is_valid
    zones = gpd.GeoDataFrame(
        {"reason": ["cable", None]},
        geometry=[bowtie, shapely.box(2, 2, 3, 3)],
        crs="EPSG:4326",
    )
    path = tmp_path / "zones.gpkg"
    zones.to_file(path, layer="cables")
    zones.to_file(path, layer="mpa")
    with pytest.warns(SeabedWarning) as caught:
        first = load_zones(path)
    messages = [str(w.message) for w in caught]
    assert any("reading layer 'cables'; the file also" in m for m in messages)
    # the bow-tie's lobes cancel as drawn: the repair changes its area, and says so
    assert any(
        "1 invalid geometry (Self-intersection" in m and "from 0 to 6,154.39 km2" in m
        for m in messages
    )
    assert first.geometry.is_valid.all()
    assert first["reason"].tolist() == ["cable", "cables"]  # column, else layer name
    with pytest.warns(SeabedWarning, match="repaired with make_valid"):
        named = load_zones(path, layer="mpa", reason="protected area")
    assert named["reason"].tolist() == ["protected area"] * 2
    with pytest.raises(InputError) as info:
        load_zones(path, layer="seamounts")
    assert "layer 'seamounts' not found; the file's layers are cables, mpa" in str(
        info.value
    )


def test_projected_zones_come_back_in_wgs84(tmp_path):
    box = gpd.GeoDataFrame(
        geometry=[shapely.box(400_000, 2_430_000, 410_000, 2_440_000)],
        crs="EPSG:32656",
    )
    box.to_file(tmp_path / "utm.gpkg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zones = load_zones(tmp_path / "utm.gpkg")
    assert zones.crs.to_epsg() == 4326
    assert geodesic_area_km2(zones.geometry[0]) == pytest.approx(100.0, rel=2e-3)
    assert zones["reason"].tolist() == ["utm"]


def test_zone_errors(tmp_path):
    no_crs = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)])
    write_without_crs(no_crs, tmp_path / "nocrs.shp")
    with pytest.raises(MissingCRSError, match="ogr2ogr -a_srs"):
        load_zones(tmp_path / "nocrs.shp")
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    empty.to_file(tmp_path / "empty.gpkg", layer="mpa")
    with pytest.raises(InputError, match="layer 'mpa' has no geometries"):
        load_zones(tmp_path / "empty.gpkg")
    with pytest.raises(ConfigError, match="buffer_m"):
        load_zones(eez_path(), layer="island", buffer_m=-5)
    with pytest.raises(InputError, match="file not found"):
        load_zones(tmp_path / "none.gpkg")
    (tmp_path / "junk.gpkg").write_text("junk")
    with pytest.raises(InputError, match="cannot be read as a vector file"):
        load_zones(tmp_path / "junk.gpkg")


# ------------------------------------------------------- hostile and careless files
def test_a_fifo_is_refused_without_waiting_for_it(tmp_path):
    import os

    path = tmp_path / "cores.csv"
    os.mkfifo(path)
    assert error_of(path).endswith(
        "cores.csv: is a named pipe (FIFO), not a regular file; save the data to a "
        "file and give its path"
    )


def test_a_symbolic_link_loop_is_named(tmp_path):
    loop = tmp_path / "cores.csv"
    loop.symlink_to(tmp_path / "other.csv")
    (tmp_path / "other.csv").symlink_to(loop)
    assert "cores.csv: the path has a symbolic-link loop" in error_of(loop)


def test_a_repeated_column_is_refused_not_guessed(tmp_path):
    path = tmp_path / "cores.csv"
    table = cores_table()
    text = table.to_csv(index=False).splitlines()
    lines = [text[0] + ",rey_ppm"] + [row + ",1" for row in text[1:]]
    path.write_text("\n".join(lines) + "\n")
    message = error_of(path)
    assert "column 'rey_ppm' appears twice (columns 6 and 7)" in message
    frame = table.copy()
    frame.columns = [*frame.columns[:-1], "top_m"]
    with pytest.raises(InputError, match="column 'top_m' appears twice"):
        validate_cores(frame)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("rey_ppm", "inf", "column 'rey_ppm': 'inf' is not a finite number"),
        ("bottom_m", "inf", "column 'bottom_m': 'inf' is not a finite number"),
        ("rey_ppm", "1e308", "grade above 1,000,000 ppm (100 %)"),
        ("bottom_m", "2500", "depth below 2,000 mbsf"),
    ],
)
def test_impossible_numbers_are_refused(tmp_path, column, value, words):
    table = cores_table().astype({column: object})
    table.loc[1, column] = value
    message = error_of(write_csv(tmp_path, table))
    assert "row 2" in message and words in message


def test_a_semicolon_file_is_told_about_its_delimiter(tmp_path):
    path = tmp_path / "cores.csv"
    cores_table().to_csv(path, index=False, sep=";")
    message = error_of(path)
    assert "the file seems separated by semicolons, not ','" in message


def test_grades_that_look_like_wt_percent_are_warned_of(tmp_path):
    table = cores_table(rey_ppm=[0.15, 0.02, 0.01, 0.1])
    with pytest.warns(SeabedWarning, match="look like wt% or another unit"):
        load_cores(write_csv(tmp_path, table))


def test_grades_beyond_any_mud_are_warned_of_by_row(tmp_path):
    table = cores_table(rey_ppm=[1500.0, 200.0, 1_000_000.0, 40_000.0])
    with pytest.warns(SeabedWarning) as caught:
        load_cores(write_csv(tmp_path, table))
    (message,) = [str(w.message) for w in caught if "beyond any" in str(w.message)]
    assert "row 3: REY 1,000,000 ppm, and 2 sample(s) in all above 30,000" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeabedWarning)
        load_cores(write_csv(tmp_path, cores_table(rey_ppm=[7900.0, 1.0, 20.0, 5.0])))
