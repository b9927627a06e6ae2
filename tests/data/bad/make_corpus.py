"""Write the malformed inputs of ``tests/pipeline/test_bad_inputs.py`` (run from anywhere).

Every file here is small and committed; this script documents how each one was made
and rewrites them: ``python tests/data/bad/make_corpus.py``.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

HERE = Path(__file__).parent

# six cores 2-4 km apart, two samples each over the 0-10 mbsf window; some pairs
# are close enough for the report's experimental variogram
POSITIONS = [(153.60, 21.90), (153.63, 21.91), (153.62, 21.93),
             (153.65, 21.94), (153.61, 21.96), (153.64, 21.97)]  # fmt: skip
GOOD_ROWS = [
    f"C{i},{lon:.2f},{lat:.2f},{top},{top + 5},{800 + 37 * i + 60 * (top > 0)}"
    for i, (lon, lat) in enumerate(POSITIONS)
    for top in (0, 5)
]
HEADER = "core_id,lon,lat,top_m,bottom_m,rey_ppm"


def cores(name: str, rows: list[str], header: str = HEADER) -> None:
    (HERE / name).write_text("\n".join([header, *rows]) + "\n")


def changed(index: int, **fields: str) -> list[str]:
    """The good rows with some fields of one row (0-based) replaced."""
    names = HEADER.split(",")
    rows = [row.split(",") for row in GOOD_ROWS]
    for name, value in fields.items():
        rows[index][names.index(name)] = value
    return [",".join(row) for row in rows]


def write_cores() -> None:
    cores("cores_ok.csv", GOOD_ROWS)
    cores(
        "cores_missing_column.csv",
        [r.rsplit(",", 1)[0] for r in GOOD_ROWS],
        header="core_id,lon,lat,top_m,bottom_m",
    )
    cores("cores_text_in_number.csv", changed(3, rey_ppm="high"))
    cores("cores_nan_grade.csv", changed(4, rey_ppm="NaN"))
    cores("cores_negative_depth.csv", changed(0, top_m="-1"))
    cores("cores_bottom_above_top.csv", changed(2, bottom_m="0"))
    cores("cores_overlap.csv", changed(1, top_m="4"))
    cores("cores_lon_out_of_range.csv", changed(6, lon="253.6"))
    cores("cores_lat_out_of_range.csv", changed(8, lat="95.0"))
    cores("cores_negative_grade.csv", changed(5, rey_ppm="-3"))
    cores("cores_moving_core.csv", changed(1, lon="153.9"))
    cores("cores_header_only.csv", [])
    (HERE / "cores_empty.csv").write_text("")
    (HERE / "cores_wrong_extension.xlsx").write_text(
        "\n".join([HEADER, *GOOD_ROWS]) + "\n"
    )
    (HERE / "cores_binary.csv").write_bytes(bytes(range(256)) * 4)
    (HERE / "cores_corrupt.parquet").write_bytes(b"PAR1" + b"\x00junk" * 50)


def write_rasters() -> None:
    elevation = np.full((10, 10), -5600.0, dtype="float32")
    profile = {
        "driver": "GTiff",
        "width": 10,
        "height": 10,
        "count": 1,
        "dtype": "float32",
        "transform": from_origin(153.4, 22.4, 0.1, 0.1),
    }
    with rasterio.open(HERE / "bathymetry_no_crs.tif", "w", **profile) as dst:
        dst.write(elevation, 1)
    good = (HERE / "bathymetry_no_crs.tif").read_bytes()
    (HERE / "bathymetry_truncated.tif").write_bytes(good[: len(good) // 3])
    (HERE / "bathymetry_is_text.tif").write_text("this is not a raster\n")


def write_zones() -> None:
    square = box(153.5, 21.8, 154.0, 22.2)
    # FlatGeobuf: a few hundred bytes, and (unlike GeoJSON) it may lack a CRS
    gpd.GeoDataFrame({"name": ["A"]}, geometry=[square], crs=None).to_file(
        HERE / "zones_no_crs.fgb", layer="zones"
    )
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    empty.to_file(HERE / "zones_empty.fgb", layer="zones")
    gpd.GeoDataFrame({"name": ["A"]}, geometry=[square], crs="EPSG:4326").to_file(
        HERE / "zones_ok.fgb", layer="zones"
    )
    (HERE / "zones_not_vector.fgb").write_text("name,wkt\nA,POLYGON EMPTY\n")


if __name__ == "__main__":
    write_cores()
    write_rasters()
    write_zones()
