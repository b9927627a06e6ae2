"""A corpus of hostile and careless inputs, each refused or warned about cleanly.

Each case builds a small configuration and its files in ``tmp_path`` and runs the
command line in-process. Refusals are run through both ``seabed run`` and ``seabed
validate`` (validation runs the run's own pre-flight, so both must refuse, with the
same words); warnings through ``seabed validate``. For every case: the exit code,
exactly one line on stderr (``error: ...`` or ``warning: ...``), no traceback, the
keywords in that line, and the folder unchanged (nothing partial, nothing stale).

The classes follow issue 18: wrong numbers that used to exit 0, input problems that
used to exit 1 or hang, the output folder, and messages that pointed nowhere. Cases
tested elsewhere, for they need a whole run or a fault injected: the full disk and
Ctrl-C (``tests/test_cli.py``), stale files and failed runs
(``tests/outputs/test_folder.py``), the survey across 180 degrees
(``tests/hostile/test_sphere.py``), and the committed bad-file corpus
(``tests/pipeline/test_bad_inputs.py``).
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from seabed.cli import main

#: A 4 x 3 lattice of cores, 0.1 degree apart, near Minamitorishima.
LONS = 153.6 + 0.1 * np.arange(4)
LATS = 21.9 + 0.1 * np.arange(3)
BOX = (153.45, 21.75, 154.05, 22.25)  # around the cores, beyond the grid's margin


def cores_table(
    grades=(900.0, 1100.0),
    lon_shift=0.0,
    lat_shift=0.0,
    intervals=((0.0, 5.0), (5.0, 10.0)),
):
    """12 cores of two samples each (by default 0-5 m and 5-10 m), graded around
    1,000 ppm (each core 1 % richer than the one before)."""
    rows = []
    for i, (lon, lat) in enumerate((x, y) for x in LONS for y in LATS):
        for (top, bottom), grade in zip(intervals, grades, strict=True):
            rows.append(
                {
                    "core_id": f"C{i:02d}",
                    "lon": lon + lon_shift,
                    "lat": lat + lat_shift,
                    "top_m": top,
                    "bottom_m": bottom,
                    "rey_ppm": grade * (1 + 0.01 * i),
                }
            )
    return pd.DataFrame(rows)


def write_raster(
    path, values, *, west, north, step, crs="EPSG:4326", nodata=None, rotation=0.0
):
    """A float32 grid of cells ``step`` degrees from (west, north); ``rotation``
    shears the geotransform (its rotation terms)."""
    values = np.asarray(values, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=rasterio.Affine(step, rotation, west, rotation, -step, north),
        nodata=nodata,
    ) as dst:
        dst.write(values, 1)
    return path


def bathymetry(
    path, *, west=153.0, north=23.0, step=0.05, shape=(40, 40), value=5500.0
):
    """A flat water-depth grid (positive down) around the survey by default."""
    grid = np.full(shape, value)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=shape[1],
        height=shape[0],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, step, step),
    ) as dst:
        dst.write(grid.astype("float32"), 1)
        dst.update_tags(positive="down")
    return path


def zones(path, geometries, crs="EPSG:4326"):
    gpd.GeoDataFrame(geometry=list(geometries), crs=crs).to_file(path)
    return path


@dataclass
class Case:
    """A hostile input: what to build, how the command line must answer."""

    #: the configuration's text beyond ``[inputs] cores`` (may use the files below)
    config: str = ""
    #: (folder) -> None: writes the files of the case beside the configuration
    build: Callable[[Path], None] | None = None
    #: the cores table to write (default: the good one)
    cores: pd.DataFrame | None = None
    #: "error" (exit 2, refused by run and validate) or "warning" (validate: exit 0)
    outcome: str = "error"
    keywords: list[str] = field(default_factory=list)
    #: the cores file's name (a case may replace it by something hostile)
    cores_name: str = "cores.csv"


def _fifo(folder):
    os.mkfifo(folder / "pipe.csv")


def _loop(folder):
    (folder / "a.csv").symlink_to(folder / "b.csv")
    (folder / "b.csv").symlink_to(folder / "a.csv")


def _semicolons(folder):
    cores_table().to_csv(folder / "semi.csv", sep=";", index=False)


def _xy_cores(folder):
    table = cores_table().rename(columns={"lon": "x", "lat": "y"})
    table["x"] = 400_000.0 + 10_000 * np.arange(len(table)) // 2
    table["y"] = 2_400_000.0 + 5_000 * (np.arange(len(table)) % 6)
    table.to_csv(folder / "xy.csv", index=False)


def _xy_cores_in_utm_56n(folder):
    table = cores_table()
    to_utm = pyproj.Transformer.from_crs(4326, 32656, always_xy=True)
    x, y = to_utm.transform(table.pop("lon").to_numpy(), table.pop("lat").to_numpy())
    table.assign(x=x, y=y).to_csv(folder / "xy.csv", index=False)


def _two_layers(folder):
    table = cores_table()
    frame = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    )
    frame.to_file(folder / "cores.gpkg", layer="cruise_a")
    frame.to_file(folder / "cores.gpkg", layer="cruise_b")


def _huge_tiff(folder):
    with rasterio.open(
        folder / "huge.tif",
        "w",
        driver="GTiff",
        width=60_000,
        height=40_000,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(150.0, 25.0, 0.0001, 0.0001),
        compress="deflate",
        tiled=True,
        SPARSE_OK=True,
    ):
        pass  # nothing written: the header alone promises 9.6 GB


def _many_bands(folder):
    with rasterio.open(
        folder / "bands.tif",
        "w",
        driver="GTiff",
        width=20_000,
        height=20_000,
        count=8,
        dtype="float64",
        crs="EPSG:4326",
        transform=from_origin(150.0, 25.0, 0.001, 0.001),
        compress="deflate",
        tiled=True,
        SPARSE_OK=True,
    ):
        pass


def _far_raster(folder):
    bathymetry(folder / "far.tif", west=10.0, north=50.0)


def _east_raster(folder):
    """The bathymetry in 0-360 longitudes, over a survey west of 180 (shifted)."""
    bathymetry(folder / "east.tif", west=153.0, north=23.0)


def _half_raster(folder):
    bathymetry(folder / "half.tif", west=153.8, north=23.0, shape=(40, 30))


def _nan_sediment(folder):
    write_raster(
        folder / "sed.tif",
        np.full((30, 30), np.nan),
        west=153.0,
        north=23.0,
        step=0.05,
    )


def _half_sediment(folder):
    write_raster(
        folder / "sed.tif", np.full((40, 16), 40.0), west=153.0, north=23.0, step=0.05
    )


def _points_zone(folder):
    zones(
        folder / "points.gpkg", [shapely.Point(153.7, 22.0), shapely.Point(153.8, 22.1)]
    )


def _lines_zone(folder):
    zones(folder / "cable.gpkg", [shapely.LineString([(153.5, 22.0), (154.0, 22.05)])])


def _far_zone(folder):
    zones(folder / "far.gpkg", [shapely.box(10.0, 40.0, 11.0, 41.0)])


def _bowtie_zone(folder):
    ring = [(153.6, 21.9), (153.9, 22.2), (153.9, 21.9), (153.6, 22.2)]
    zones(folder / "bowtie.gpkg", [shapely.Polygon(ring)])


def _empty_zone(folder):
    gpd.GeoDataFrame(geometry=[], crs="EPSG:4326").to_file(folder / "empty.gpkg")


def _two_variable_netcdf(folder):
    import rioxarray  # noqa: F401  (registers .rio)
    import xarray as xr

    coords = {"y": np.linspace(23.0, 21.0, 10), "x": np.linspace(153.0, 155.0, 10)}
    ds = xr.Dataset(
        {
            "depth": (("y", "x"), np.full((10, 10), 5000.0)),
            "error": (("y", "x"), np.full((10, 10), 50.0)),
        },
        coords=coords,
    )
    ds.rio.write_crs("EPSG:4326", inplace=True).to_netcdf(folder / "two.nc")


def _point_report_zone(folder):
    """A licence block and a sampling station, as report zones."""
    gpd.GeoDataFrame(
        {"name": ["block A", "station 7"]},
        geometry=[shapely.box(153.6, 22.0, 153.8, 22.1), shapely.Point(153.7, 22.05)],
        crs="EPSG:4326",
    ).to_file(folder / "blocks.gpkg")


def _many_report_zones(folder):
    """201 named squares of 0.01 degree over the survey."""
    squares = [
        shapely.box(153.6 + 0.01 * i, 22.0, 153.61 + 0.01 * i, 22.01)
        for i in range(201)
    ]
    frame = gpd.GeoDataFrame(
        {"name": [f"Z{i}" for i in range(201)]}, geometry=squares, crs="EPSG:4326"
    )
    frame.to_file(folder / "blocks.gpkg")


def _resource_csv_beside(folder):
    cores_table().to_csv(folder / "resource.csv", index=False)


def _tiles_link(folder):
    out = folder / "out"
    out.mkdir()
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    (out / ".seabed-tiles").symlink_to(elsewhere)


def _foreign_file(folder):
    out = folder / "out"
    out.mkdir()
    (out / "resource.json").write_text('{"mine": true}')


def _folder_is_file(folder):
    (folder / "out").write_text("not a folder")


def _cores_folder(folder):
    (folder / "cores_dir.csv").mkdir()


def _binary(folder):
    (folder / "junk.csv").write_bytes(bytes(range(256)) * 8)


def _empty_cores(folder):
    (folder / "empty.csv").write_text("")


def _scheduler_file(folder):
    (folder / "scheduler.json").write_text('{"addr": 1}')


def _corrupt_gzip(folder):
    (folder / "cores.csv.gz").write_bytes(b"\x1f\x8b\x08" + b"garbage" * 10)


def _long_rows(folder):
    lines = cores_table().to_csv(index=False).splitlines()
    rows = [lines[0]] + [line + ",99" for line in lines[1:]]
    (folder / "long.csv").write_text("\n".join(rows) + "\n")


def _comma_tsv(folder):
    cores_table().to_csv(folder / "cores.tsv", index=False)


def _rotated_raster(folder):
    write_raster(
        folder / "rotated.tif",
        np.full((40, 40), 5500.0),
        west=153.0,
        north=23.0,
        step=0.05,
        rotation=0.01,
    )


def _one_cell_sediment(folder):
    write_raster(folder / "sed.tif", [[40.0]], west=153.0, north=23.0, step=2.0)


def _local_crs_raster(folder):
    local = rasterio.crs.CRS.from_wkt(
        'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],'
        'AXIS["Northing",NORTH]]'
    )
    write_raster(
        folder / "local.tif",
        np.full((40, 40), 5500.0),
        west=153.0,
        north=23.0,
        step=0.05,
        crs=local,
    )


def _flat_covariate(folder):
    write_raster(
        folder / "age.tif", np.full((40, 40), 50.0), west=153.0, north=23.0, step=0.05
    )


def _csv_zone(folder):
    (folder / "zones.csv").write_text("name,area\nA,1\n")


def _empty_polygon_zone(folder):
    zones(folder / "hollow.gpkg", [shapely.Polygon()])


def _demand_folder(folder):
    (folder / "demand.csv").mkdir()


def _demand_twice(folder):
    (folder / "demand.csv").write_text("element,annual_demand_t\nDy,5\nDy2O3,7\n")


def one_position():
    table = cores_table()
    table["lon"], table["lat"] = 153.7, 22.0
    return table


def near_twins():
    """Cores C00 and C01 0.02 m apart, on either side of a step of 1e-6 degree."""
    table = cores_table()
    for core, lon in (("C00", 153.6000004), ("C01", 153.6000006)):
        table.loc[table["core_id"] == core, ["lon", "lat"]] = lon, 21.9
    return table


def bad_cores(row, column, value):
    """The good cores with one value changed (``row`` 0-based: file row + 1)."""
    table = cores_table()
    table.loc[row, column] = value
    return table


def with_column(name, values):
    table = cores_table()
    table[name] = values
    return table


def duplicated_rey():
    table = cores_table()
    table.insert(len(table.columns), "rey_ppm_dup", table["rey_ppm"] * 2)
    return table.rename(columns={"rey_ppm_dup": "rey_ppm"})


BOUNDS = "[grid]\nbounds = [153.45, 21.75, 154.05, 22.25]\nresolution_m = 5000\n"

CASES: dict[str, Case] = {
    # ---------------------------------------------------- 1. wrong numbers, exit 0
    "duplicated rey_ppm column": Case(
        cores=duplicated_rey(), keywords=["rey_ppm", "twice"]
    ),
    "inf grade": Case(
        cores=bad_cores(3, "rey_ppm", np.inf), keywords=["row 4", "rey_ppm"]
    ),
    "grade of 1e308": Case(
        cores=bad_cores(5, "rey_ppm", 1e308), keywords=["row 6", "rey_ppm"]
    ),
    "bottom_m = inf": Case(
        config="[composite]\nbottom_m = inf\n",
        keywords=["composite.bottom_m", "finite"],
    ),
    "include zone of points": Case(
        config='include = "points.gpkg"\n',
        build=_points_zone,
        keywords=["points.gpkg", "no area", "Point", "buffer_m"],
    ),
    "exclude zone of lines without a buffer": Case(
        config='exclude = "cable.gpkg"\n',
        build=_lines_zone,
        keywords=["cable.gpkg", "no area", "LineString"],
    ),
    "include zone that misses the grid": Case(
        config='include = "far.gpkg"\n',
        build=_far_zone,
        keywords=["far.gpkg", "do not overlap the grid", "0 %"],
    ),
    "sediment grid of all NaN": Case(
        config='sediment_thickness = "sed.tif"\n',
        build=_nan_sediment,
        keywords=["sed.tif", "no values"],
    ),
    "all cores 600 km outside the bounds": Case(
        cores=cores_table(lon_shift=6.0),
        config=BOUNDS,
        keywords=["grid.bounds", "outside the grid", "km from it", "search radius"],
    ),
    "x/y cores declared in the southern UTM zone of their northern one": Case(
        config='cores_crs = "EPSG:32756"\n' + BOUNDS,
        cores_name="xy.csv",
        build=_xy_cores_in_utm_56n,
        keywords=["inputs.cores_crs (EPSG:32756)", "false northing", "326zz"],
    ),
    "grid in a UTM zone half the world away": Case(
        config=BOUNDS + 'crs = "EPSG:32601"\n',
        outcome="warning",
        keywords=["UTM zone 1N", "+12.", "measured in it", 'grid.crs = "EPSG:32656"'],
    ),
    "all cores just outside the bounds": Case(
        cores=cores_table(lon_shift=0.65),
        config=BOUNDS.replace("resolution_m = 5000", "resolution_m = 5000")
        + "[estimate]\nmax_distance_m = 200000\n"
        + "variogram = { psill = 20000.0, range = 30000.0 }\n",
        outcome="warning",
        keywords=["outside the grid", "extrapolation"],
    ),
    "depths in centimetres written as metres": Case(
        cores=cores_table(
            intervals=tuple((100.0 * k, 100.0 * (k + 1)) for k in range(10)),
            grades=(1000.0,) * 10,
        ),
        outcome="warning",
        keywords=["100 m long (median)", "centimetres", "0-10 mbsf"],
    ),
    "grades in wt% in ppm columns": Case(
        cores=cores_table(grades=(0.09, 0.11)), outcome="warning", keywords=["wt%"]
    ),
    "self-intersecting zone": Case(
        config='include = "bowtie.gpkg"\n',
        build=_bowtie_zone,
        outcome="warning",
        keywords=["bowtie.gpkg", "Self-intersection", "make_valid", "km2"],
    ),
    "90 % of the window unsampled": Case(
        cores=cores_table(intervals=((0.0, 0.5), (9.5, 10.0))),
        outcome="warning",
        keywords=["unsampled", "window"],
    ),
    "bathymetry covering half the grid": Case(
        config='bathymetry = "half.tif"\n[rules]\ndepth_window_m = [4000, 6000]\n',
        build=_half_raster,
        outcome="warning",
        keywords=[
            "half.tif",
            "inputs.bathymetry",
            "covers",
            "% of the estimation grid",
        ],
    ),
    "sediment covering part of the grid": Case(
        config='sediment_thickness = "sed.tif"\n',
        build=_half_sediment,
        outcome="warning",
        keywords=["sed.tif", "inputs.sediment_thickness", "covers"],
    ),
    # ------------------------------------------ 2. exit 1 or a hang for bad inputs
    "a symlink loop as the cores file": Case(
        cores_name="a.csv", build=_loop, keywords=["a.csv", "symbolic-link loop"]
    ),
    "a FIFO as the cores file": Case(
        cores_name="pipe.csv", build=_fifo, keywords=["pipe.csv", "FIFO"]
    ),
    "a folder as the cores file": Case(
        cores_name="cores_dir.csv", build=_cores_folder, keywords=["cores_dir.csv"]
    ),
    "http:// scheduler address": Case(
        config='[dask]\nscheduler = "http://127.0.0.1:8787"\n',
        keywords=["dask.scheduler", "http://"],
    ),
    "scheduler file without an address": Case(
        config='[dask]\nscheduler_file = "scheduler.json"\n',
        build=_scheduler_file,
        keywords=["scheduler.json", "address"],
    ),
    "GeoTIFF that decompresses to 9.6 GB": Case(
        config='bathymetry = "huge.tif"\n',
        build=_huge_tiff,
        keywords=["huge.tif", "too large", "GB", "clip"],
    ),
    "eight bands of float64": Case(
        config='sediment_thickness = "bands.tif"\n',
        build=_many_bands,
        keywords=["bands.tif", "8 band(s)", "decompressed"],
    ),
    "bathymetry that does not overlap the grid": Case(
        config='bathymetry = "far.tif"\n',
        build=_far_raster,
        keywords=["far.tif", "inputs.bathymetry", "covers 0 %"],
    ),
    "covariate that does not overlap the grid": Case(
        config="[inputs.covariates]\nage = 'far.tif'\n[estimate]\nmethod = "
        "'regression'\nvariogram = { psill = 20000.0, range = 30000.0 }\n",
        build=_far_raster,
        keywords=["far.tif", "inputs.covariates.age", "covers 0 %"],
    ),
    "NetCDF with two variables": Case(
        config='sediment_thickness = "two.nc"\n',
        build=_two_variable_netcdf,
        keywords=["two.nc", "several variables", "depth", "error"],
    ),
    "realizations = 1e9": Case(
        config="[simulation]\nrealizations = 1000000000\n",
        keywords=["simulation.realizations", "100000"],
    ),
    "realisations too many for the grid": Case(
        config="[grid]\nresolution_m = 100\n[simulation]\nrealizations = 100000\n",
        keywords=["simulation.realizations", "realisations", "would not finish"],
    ),
    "slices of 1 cm over a 2,000 m window": Case(
        cores=cores_table(intervals=((0.0, 1000.0), (1000.0, 2000.0))),
        config="[composite]\nbottom_m = 2000\nslice_m = 0.01\n",
        keywords=["composite.slice_m", "200,000 slices", "of memory"],
    ),
    "slice_m below 1 cm": Case(
        config="[composite]\nslice_m = 1e-9\n", keywords=["composite.slice_m"]
    ),
    "grade-tonnage step too small for the grades": Case(
        cores=cores_table(grades=(20_000.0, 22_000.0)),
        config="[resource]\ngrade_tonnage_step_ppm = 0.1\n",
        keywords=["resource.grade_tonnage_step_ppm", "steps"],
    ),
    "resolution_m = 1e308": Case(
        config="[grid]\nresolution_m = 1e308\n",
        keywords=["grid.resolution_m", "metres"],
    ),
    "resolution too fine for the disk": Case(
        config="[grid]\nresolution_m = 10\nmargin_m = 100000\n",
        keywords=["of disk", "100 GB is free", "grid.resolution_m"],
    ),
    "more cells than any grid": Case(
        config="[grid]\nresolution_m = 1\nmargin_m = 100000\n",
        keywords=["grid.resolution_m", "cells"],
    ),
    "buffer_m = 1e308": Case(
        config='exclude = [{ path = "cable.gpkg", buffer_m = 1e308 }]\n',
        build=_lines_zone,
        keywords=["buffer_m", "metres"],
    ),
    "cutoffs_ppm = [inf]": Case(
        config="[resource]\ncutoffs_ppm = [inf]\n",
        keywords=["resource.cutoffs_ppm", "finite"],
    ),
    "min_neighbors above the number of cores": Case(
        config="[estimate]\nmin_neighbors = 50\nn_neighbors = 64\n",
        keywords=["estimate.min_neighbors", "12 cores"],
    ),
    "101 cut-offs": Case(
        config=f"[resource]\ncutoffs_ppm = {list(range(0, 1010, 10))}\n",
        keywords=["resource.cutoffs_ppm", "at most 100"],
    ),
    "report zones x cut-offs too many rows": Case(
        config='report_zones = "blocks.gpkg"\n[resource]\n'
        f"cutoffs_ppm = {list(range(0, 1000, 10))}\n",
        build=_many_report_zones,
        keywords=["inputs.report_zones", "20,100 rows"],
    ),
    "margin_m = 1e308": Case(
        config="[grid]\nmargin_m = 1e308\n", keywords=["grid.margin_m"]
    ),
    "max_distance_m = 1e308": Case(
        config="[estimate]\nmax_distance_m = 1e308\n",
        keywords=["estimate.max_distance_m"],
    ),
    "top_cut_ppm = inf": Case(
        config="[composite]\ntop_cut_ppm = inf\n", keywords=["composite.top_cut_ppm"]
    ),
    "depth window to 1e308 m": Case(
        config='bathymetry = "half.tif"\n[rules]\ndepth_window_m = [0, 1e308]\n',
        build=_half_raster,
        keywords=["rules.depth_window_m", "metres"],
    ),
    "tile_size = 1e9": Case(
        config="[dask]\ntile_size = 1000000000\n", keywords=["dask.tile_size"]
    ),
    "negative annual demand": Case(
        config="[resource]\nannual_demand_t = { Nd = -5 }\n",
        keywords=["resource.annual_demand_t"],
    ),
    "nan dry density": Case(
        config="[resource]\ndry_density_t_m3 = nan\n",
        keywords=["resource.dry_density_t_m3"],
    ),
    "latitude of 95 in the bounds": Case(
        config="[grid]\nbounds = [153.5, 21.8, 154.0, 95.0]\n", keywords=["grid.bounds"]
    ),
    "binary junk as cores": Case(
        cores_name="junk.csv", build=_binary, keywords=["junk.csv"]
    ),
    "empty cores file": Case(
        cores_name="empty.csv", build=_empty_cores, keywords=["empty.csv", "empty"]
    ),
    "NaN longitude": Case(cores=bad_cores(2, "lon", np.nan), keywords=["row 3", "lon"]),
    "depth in cm (bottom 1000)": Case(
        cores=bad_cores(1, "bottom_m", 5000.0), keywords=["row 2", "bottom_m"]
    ),
    # ---------------------------------------------------------- 3. output folder
    'output.dir = "." beside resource.csv': Case(
        cores_name="resource.csv",
        build=_resource_csv_beside,
        config='[output]\ndir = "."\n',
        keywords=["resource.csv"],
    ),
    "a .seabed-tiles symlink planted": Case(
        build=_tiles_link, keywords=[".seabed-tiles", "symbolic link"]
    ),
    "a file seabed did not write in the way": Case(
        build=_foreign_file, keywords=["resource.json", "did not write"]
    ),
    "the output folder is a file": Case(
        build=_folder_is_file, keywords=["out", "output folder is a file"]
    ),
    # ------------------------------------------------------------ 4. messages
    "x/y cores without a CRS": Case(
        cores_name="xy.csv", build=_xy_cores, keywords=["xy.csv", "inputs.cores_crs"]
    ),
    "two-layer cores GeoPackage": Case(
        cores_name="cores.gpkg",
        build=_two_layers,
        outcome="warning",
        keywords=["cores.gpkg", "inputs.cores_layer"],
    ),
    "max_distance instead of max_distance_m": Case(
        config="[estimate]\nmax_distance = 30000\n",
        keywords=["estimate.max_distance", "did you mean 'max_distance_m'"],
    ),
    "semicolon-delimited CSV": Case(
        cores_name="semi.csv", build=_semicolons, keywords=["semi.csv", "semicolons"]
    ),
    "zones layer with no geometries": Case(
        config='exclude = "empty.gpkg"\n',
        build=_empty_zone,
        keywords=["empty.gpkg", "no geometries"],
    ),
    "variogram with a negative sill": Case(
        config="[estimate]\nvariogram = { psill = -1.0, range = 30000.0 }\n",
        keywords=["estimate.variogram.psill"],
    ),
    "unknown section": Case(config="[gird]\nresolution_m = 500\n", keywords=["gird"]),
    # ------------------------------------------------ 5. found by fuzzing (issue 23)
    "truncated gzip cores": Case(
        cores_name="cores.csv.gz",
        build=_corrupt_gzip,
        keywords=["cores.csv.gz", "decompressed", "corrupt"],
    ),
    "rows longer than the header": Case(
        cores_name="long.csv",
        build=_long_rows,
        keywords=["long.csv", "more values than the header"],
    ),
    "a .tsv separated by commas": Case(
        cores_name="cores.tsv", build=_comma_tsv, keywords=["cores.tsv", "commas"]
    ),
    "every core at one position": Case(
        cores=one_position(), keywords=["cores.csv", "same position", "core_id"]
    ),
    "two cores 0.02 m apart": Case(
        cores=near_twins(), keywords=["same position", "'C00' and 'C01'"]
    ),
    "every composite of one grade": Case(
        cores=cores_table().assign(rey_ppm=1000.0),
        keywords=["cores.csv", "same REY grade", "1000 ppm"],
    ),
    "a covariate constant over the cores": Case(
        config="[inputs.covariates]\nage = 'age.tif'\n[estimate]\nmethod = "
        "'external_drift'\nvariogram = { psill = 20000.0, range = 30000.0 }\n",
        build=_flat_covariate,
        keywords=["age.tif", "inputs.covariates.age", "same value"],
    ),
    "rotated bathymetry": Case(
        config='bathymetry = "rotated.tif"\n',
        build=_rotated_raster,
        keywords=["rotated.tif", "rotated", "gdalwarp"],
    ),
    "sediment grid of one cell": Case(
        config='sediment_thickness = "sed.tif"\n',
        build=_one_cell_sediment,
        keywords=["sed.tif", "1 x 1 cells", "2 x 2"],
    ),
    "bathymetry in a local engineering CRS": Case(
        config='bathymetry = "local.tif"\n',
        build=_local_crs_raster,
        keywords=["local.tif", "site grid", "longitude and latitude"],
    ),
    "a CSV table as a zone file": Case(
        config='exclude = "zones.csv"\n',
        build=_csv_zone,
        keywords=["zones.csv", "no geometry column"],
    ),
    "zones of empty polygons only": Case(
        config='include = "hollow.gpkg"\n',
        build=_empty_polygon_zone,
        keywords=["hollow.gpkg", "no geometries"],
    ),
    "include = 5": Case(config="include = 5\n", keywords=["inputs.include", "list"]),
    "variogram = 'spherical'": Case(
        config="[estimate]\nvariogram = 'spherical'\n",
        keywords=["estimate.variogram", "'auto' or a table"],
    ),
    "unknown variogram model": Case(
        config="[estimate]\nvariogram = { model = 'Foo', psill = 1.0, range = 1.0 }\n",
        keywords=["estimate.variogram", "unknown variogram model 'Foo'"],
    ),
    "min_neighbors above n_neighbors": Case(
        config="[estimate]\nn_neighbors = 4\nmin_neighbors = 8\n"
        "variogram = { psill = 20000.0, range = 30000.0 }\n",
        keywords=["estimate.min_neighbors (8) exceeds estimate.n_neighbors (4)"],
    ),
    "annual demand table that is a folder": Case(
        config='[resource]\nannual_demand_t = "demand.csv"\n',
        build=_demand_folder,
        keywords=["demand.csv", "is a folder"],
    ),
    "a pure nugget under class rules measured in ranges": Case(
        config="[estimate]\nvariogram = { model = 'Nug', psill = 100.0 }\n",
        keywords=["cores_within_range", "pure-nugget variogram has no range"],
    ),
    "a report zone that is a point": Case(
        config='report_zones = "blocks.gpkg"\n',
        build=_point_report_zone,
        keywords=["blocks.gpkg", "row 2", "'station 7' encloses no area", "Point"],
    ),
    "one element's demand twice in the demand table": Case(
        config='[resource]\nannual_demand_t = "demand.csv"\n',
        build=_demand_twice,
        keywords=["demand.csv", "row 3", "second demand for Dy"],
    ),
    "one element's demand twice in the configuration": Case(
        config="[resource]\nannual_demand_t = { Dy = 5, Dy2O3 = 7 }\n",
        keywords=["resource.annual_demand_t", "both give the demand for Dy"],
    ),
    "resolution_m = true (read as 1 m by pydantic)": Case(
        config="[grid]\nresolution_m = true\n",
        keywords=["grid.resolution_m", "true or false given where a number"],
    ),
    "an automatic variogram from 12 cores": Case(
        config="[estimate]\nn_neighbors = 8\n",
        keywords=["estimate.variogram", "12 cores", "lag bins", "give a model"],
    ),
    "smu_m = 0 (one problem, not one per branch)": Case(
        config="[resource]\nsmu_m = 0\n", keywords=["resource.smu_m", "greater than 0"]
    ),
}


# cases whose configuration already holds an [estimate] table or the output folder
def config_text(case: Case) -> str:
    text = f'[inputs]\ncores = "{case.cores_name}"\n' + case.config
    if "[estimate]" not in text:
        # 12 cores: a variogram typed in, not fitted
        text += "[estimate]\nvariogram = { psill = 20000.0, range = 30000.0 }\n"
    if "[output]" not in text:
        text += '[output]\ndir = "out"\n'
    return text


@pytest.fixture(autouse=True)
def same_machine(monkeypatch):
    """The same budget on every machine: 8 GB of memory, 100 GB of disk free."""
    import seabed.pipeline.preflight as preflight

    memory = namedtuple("memory", "available total")
    disk = namedtuple("disk", "total used free")
    monkeypatch.setattr(
        preflight.psutil, "virtual_memory", lambda: memory(8 * 10**9, 16 * 10**9)
    )
    monkeypatch.setattr(
        preflight.shutil, "disk_usage", lambda path: disk(10**12, 0, 100 * 10**9)
    )


def build(case: Case, folder: Path) -> Path:
    if case.cores is not None or case.cores_name == "cores.csv":
        table = cores_table() if case.cores is None else case.cores
        table.to_csv(folder / case.cores_name, index=False)
    if case.build is not None:
        case.build(folder)
    config = folder / "run.toml"
    config.write_text(config_text(case))
    return config


def tree(folder: Path) -> dict[Path, int]:
    return {
        p.relative_to(folder): p.lstat().st_size
        for p in folder.rglob("*")
        if p.exists()
    }


def one_line(err: str, prefix: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    assert "Traceback" not in err
    return lines[0]


def test_the_corpus_has_at_least_60_cases():
    errors = sum(case.outcome == "error" for case in CASES.values())
    # each refusal runs through run and validate
    assert 2 * errors + (len(CASES) - errors) >= 60


REFUSED = [name for name, case in CASES.items() if case.outcome == "error"]
WARNED = [name for name, case in CASES.items() if case.outcome == "warning"]


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("name", REFUSED)
def test_refused_in_one_line_naming_the_fix(name, command, tmp_path, capsys):
    case = CASES[name]
    config = build(case, tmp_path)
    before = tree(tmp_path)
    args = [command, str(config)] + (["--no-progress"] if command == "run" else [])
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    line = one_line(err, "error: ")
    for keyword in case.keywords:
        assert keyword in line, f"{keyword!r} not in {line!r}"
    assert "np.float64" not in line
    assert tree(tmp_path) == before


@pytest.mark.parametrize("name", WARNED)
def test_warned_in_one_line_by_validate(name, tmp_path, capsys):
    case = CASES[name]
    config = build(case, tmp_path)
    before = tree(tmp_path)
    code = main(["validate", str(config)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    line = one_line(captured.err, "warning: ")
    for keyword in case.keywords:
        assert keyword in line, f"{keyword!r} not in {line!r}"
    assert "valid" in captured.out
    assert tree(tmp_path) == before


def test_the_good_case_validates_silently(tmp_path, capsys):
    """The control: the same folder with nothing hostile validates, without a word."""
    config = build(Case(), tmp_path)
    assert main(["validate", str(config)]) == 0
    assert capsys.readouterr().err == ""


def test_a_bathymetry_in_0_360_degrees_covers_a_survey_west_of_180(tmp_path, capsys):
    """The depth rule used to exclude every cell of such a grid without a word."""
    cores = cores_table(lon_shift=-180.0)  # the survey at -26 degrees
    cores.to_csv(tmp_path / "cores.csv", index=False)
    bathymetry(tmp_path / "east.tif", west=333.0, north=23.0)  # 333-335 = -27 to -25
    config = tmp_path / "run.toml"
    config.write_text(
        config_text(
            Case(
                config='bathymetry = "east.tif"\n[rules]\ndepth_window_m = [4000, 6000]\n'
            )
        )
    )
    assert main(["validate", str(config)]) == 0
    assert capsys.readouterr().err == ""


def test_a_configuration_with_a_byte_order_mark_validates(tmp_path, capsys):
    """Notepad starts UTF-8 files with a BOM, which tomllib refused."""
    config = build(Case(), tmp_path)
    config.write_bytes(config.read_text().encode("utf-8-sig"))
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err


def test_a_folder_as_the_configuration_is_named_so(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    line = one_line(capsys.readouterr().err, "error: ")
    assert "is a folder" in line


@pytest.mark.parametrize(
    "bounds",
    [
        ["154", "22", "153", "23"],
        ["nan", "22", "154", "23"],
        ["153", "22", "inf", "23"],
        ["153", "22", "154", "95"],
    ],
)
def test_synthetic_refuses_bounds_that_are_no_box(bounds, tmp_path, capsys):
    """Reversed bounds used to write cores without a word; NaN and inf exited 1."""
    out = tmp_path / "s.csv"
    assert main(["synthetic", "--out", str(out), "--bounds", *bounds]) == 2
    line = one_line(capsys.readouterr().err, "error: ")
    assert f"error: bounds {' '.join(bounds)} are not a box in WGS84 degrees" in line
    assert not out.exists()


def test_n_neighbors_above_the_number_of_cores_is_accepted(tmp_path, capsys):
    """A neighbourhood larger than the data takes them all: not a memory problem."""
    config = build(Case(config="[estimate]\nn_neighbors = 10000\n"), tmp_path)
    text = config.read_text().replace(
        "[estimate]\nn_neighbors = 10000\n",
        "[estimate]\nn_neighbors = 10000\n"
        "variogram = { psill = 20000.0, range = 30000.0 }\n",
    )
    config.write_text(text)
    assert main(["validate", str(config)]) == 0, capsys.readouterr().err
