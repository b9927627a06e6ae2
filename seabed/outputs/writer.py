"""The run's files: COGs, CSV and JSON tables, report, written into the staging folder."""

from __future__ import annotations

import json
import re
import string
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dask.array
import numpy as np
import pandas as pd
import pyproj
import rioxarray
import xarray as xr

from seabed import chunks
from seabed.grid import grid_dataset
from seabed.outputs.cogs import PROVENANCE_TAG, SYNTHETIC_TAG, CogBuilder
from seabed.outputs.dataset import DATASET_FILES
from seabed.outputs.files import write_csv, write_json
from seabed.outputs.folder import _publish
from seabed.outputs.report_files import write_report
from seabed.outputs.stac import stac_item, write_stac_item
from seabed.report import plot_grade_tonnage
from seabed.resource import (
    SimulatedResource,
)
from seabed.result import SYNTHETIC_NOTICE, RunResult
from seabed.variables import VARIABLES, map_layers


# --------------------------------------------------------------------------- files
def _cog_layers() -> dict[str, str]:
    """GeoTIFF file name (without ``.tif``) -> the dataset variable it holds, for
    every map layer written as one file (a layer split along a dimension, such as
    ``probability_above``, writes one file per value and is not listed)."""
    return {
        layer.filename(): layer.name for layer in map_layers() if layer.split() is None
    }


#: The GeoTIFF maps written as one file each, by file name (without ``.tif``): the
#: dataset variable of each, from the registry (:func:`seabed.variables.map_layers`).
COG_LAYERS = _cog_layers()


#: The STAC Item describing the run's GeoTIFFs and dataset.
STAC_ITEM = "item.json"


#: Tables written as CSV, by file name: the RunResult attribute holding each.
CSV_TABLES = {
    "resource.csv": "statement",
    "resource_slices.csv": "slices",
    "resource_classes.csv": "classes",
    "resource_zones.csv": "zones",
    "resource_elements.csv": "elements",
    "grade_tonnage.csv": "grade_tonnage",
    "resource_recoverable.csv": "recoverable",
}


def write_outputs(result: RunResult, staging: Path, out_dir: Path) -> list[Path]:
    """Write the tables, the report and the figures beside the maps in ``staging``,
    then move everything into ``out_dir``: all files appear together or none do.
    Without ``[output] report``, report.html and the map quick-looks are left out.

    When the run's cores are synthetic, every CSV gets a last column ``synthetic``
    (True on every row), the PNGs a visible line and a ``Disclaimer`` text chunk,
    and ``resource.json`` ``"synthetic": true`` and the notice in its notes."""
    tags: dict[str, Any] = {PROVENANCE_TAG: result.provenance}
    if result.synthetic_cores:
        tags[SYNTHETIC_TAG] = SYNTHETIC_NOTICE

    def csv(table: pd.DataFrame, path: Path) -> None:
        write_csv(_marked(table, result.synthetic_cores), path)

    if result.simulation is not None:
        csv(result.simulation.summary, staging / "resource_simulation.csv")
        if len(result.simulation.slices):
            csv(result.simulation.slices, staging / "resource_simulation_slices.csv")
        if len(result.simulation.zones):
            csv(result.simulation.zones, staging / "resource_simulation_zones.csv")
    write_json(resource_document(result), staging / "resource.json")
    for filename, attribute in CSV_TABLES.items():
        table = getattr(result, attribute)
        if len(table):  # no zones or no elements: no file
            csv(table, staging / filename)
    if len(result.grade_tonnage):
        from matplotlib.figure import Figure

        # a figure outside pyplot: nothing is left open in a notebook's session
        figure = Figure(figsize=(6.4, 4.2), layout="constrained")
        plot_grade_tonnage(
            result.grade_tonnage,
            cutoffs_ppm=result.config.resource.cutoffs_ppm,
            ax=figure.add_subplot(),
        )
        if result.synthetic_cores:
            figure.suptitle("SYNTHETIC DATA - not measurements", color="#b00020")
        figure.savefig(staging / "grade_tonnage.png", dpi=120, metadata=_png(tags))
    if result.config.output.report:
        write_report(result, staging / "report.html", quicklooks=True)
    write_stac_item(stac_item(staging, result.provenance), staging / STAC_ITEM)
    return _publish(staging, out_dir, run_id=str(result.provenance.get("run_id", "")))


#: Files a run may write besides the maps, their quick-looks and ``CSV_TABLES``.
_OTHER_FILES = {
    *DATASET_FILES.values(),
    STAC_ITEM,
    "resource.json",
    "report.html",
    "grade_tonnage.png",
    "resource_simulation.csv",
    "resource_simulation_slices.csv",
    "resource_simulation_zones.csv",
}


def _map_patterns() -> list[re.Pattern[str]]:
    """The GeoTIFF names of every map layer, a field (``{cutoff_ppm:g}``) matching
    any text."""
    patterns = []
    for layer in map_layers():
        parts = string.Formatter().parse(layer.geotiff or "")
        text = "".join(
            re.escape(literal) + ("" if field is None else ".+")
            for literal, field, _, _ in parts
        )
        patterns.append(re.compile(text + r"\.tif"))
    return patterns


_MAP_PATTERNS = _map_patterns()
_QUICKLOOKS = {f"{v.quicklook}.png" for v in VARIABLES.values() if v.quicklook}


def output_name(name: str) -> bool:
    """Whether a run may write a file of this name into its output folder.

    Examples
    --------
    >>> output_name("resource.csv"), output_name("probability_above_500ppm.tif")
    (True, True)
    >>> output_name("result.nc"), output_name("result.zarr"), output_name("item.json")
    (True, True, True)
    >>> output_name("cores.csv"), output_name("bathymetry.tif")
    (False, False)
    """
    return (
        name in CSV_TABLES
        or name in _OTHER_FILES
        or name in _QUICKLOOKS
        or any(pattern.fullmatch(name) for pattern in _MAP_PATTERNS)
    )


#: One block of a map, ready for its file: values (north up, as stored), nodata,
#: band description and units.
_Band = tuple[np.ndarray, float, str, str]


class _MapWriter:
    """The run's GeoTIFF maps, written block of rows by block of rows."""

    def __init__(self, folder: Path, frame: xr.Dataset, tags: dict[str, Any]):
        self.folder, self.frame, self.tags = folder, frame, tags
        self.builders: dict[str, CogBuilder] = {}

    def write(
        self, cells: xr.Dataset, simulated: SimulatedResource | None, *, row: int
    ) -> None:
        self.write_bands(self.bands(cells, simulated), row=row)

    def bands(
        self, cells: xr.Dataset, simulated: SimulatedResource | None
    ) -> dict[str, _Band]:
        """Every map of one block, converted as the files store them (touches no
        file: done in the thread that computed the block)."""
        crs = self.frame.rio.crs
        bands = {}
        for filename, (da, description, units) in _map_layers(cells, simulated).items():
            # a shallow copy: rioxarray's write_crs copies the values, and the
            # lon/lat of every cell, unless in place (12 MB per map of 2^19 cells)
            located = da.copy(deep=False).rio.write_crs(crs, inplace=True)
            values, nodata = CogBuilder.band_of(located)
            bands[filename] = (values, nodata, description, units)
        return bands

    def write_bands(self, bands: dict[str, _Band], *, row: int) -> None:
        for filename, (values, nodata, description, units) in bands.items():
            if filename not in self.builders:
                self.builders[filename] = CogBuilder(
                    self.folder / f"{filename}.tif",
                    shape=(self.frame.sizes["y"], self.frame.sizes["x"]),
                    crs=self.frame.rio.crs,
                    transform=self.frame.rio.transform(),
                    tags=self.tags,
                    description=description,
                    units=units,
                )
            self.builders[filename].write_band(values, nodata, row=row)

    def close(self, *, threads: int = 1) -> list[Path]:
        """Make every COG, ``threads`` at a time (GDAL works outside the GIL, and
        each file is the same however many are made at once); their paths in the
        maps' order."""
        builders = list(self.builders.values())
        try:
            with ThreadPoolExecutor(max(1, threads)) as pool:
                return list(pool.map(lambda builder: builder.close(), builders))
        finally:
            for builder in self.builders.values():
                builder.discard()


def _map_layers(
    cells: xr.Dataset, simulated: SimulatedResource | None
) -> dict[str, tuple[xr.DataArray, str, str]]:
    """The maps of one block by file name (without ``.tif``): values, band
    description and units of each, as :func:`seabed.variables.map_layers` lists
    them. A layer is a variable of the cells, or a map of the simulation."""
    fields: dict[str, Any] = {}
    if simulated is not None:
        fields["n_realizations"] = simulated.n_realizations
    layers = {}
    for layer in map_layers():
        if layer.name in cells.data_vars:
            values = cells[layer.name]
        elif isinstance(getattr(simulated, layer.name, None), xr.DataArray):
            values = getattr(simulated, layer.name)
        else:  # e.g. no standard deviation for IDW, no simulation
            continue
        units = layer.units or ""
        dim = layer.split()
        if dim is None:
            layers[layer.filename(**fields)] = (
                values,
                layer.describe(**fields),
                units,
            )
            continue
        for value in values[dim].values:
            at = fields | {dim: value}
            layers[layer.filename(**at)] = (
                values.sel({dim: value}, drop=True),
                layer.describe(**at),
                units,
            )
    return layers


def dataset_block(cells: xr.Dataset, simulated: SimulatedResource | None) -> xr.Dataset:
    """Every layer of one block of rows, for the result dataset: the cells'
    variables and the simulation's maps (with their registry attributes)."""
    if simulated is None:
        return cells
    maps = {
        name: getattr(simulated, name).assign_attrs(VARIABLES[name].attrs())
        for name in ("probability_above", "etype_rey_ppm")
        if isinstance(getattr(simulated, name, None), xr.DataArray)
    }
    return cells.assign(maps)


def _opened(files: list[Path], frame: xr.Dataset) -> xr.Dataset:
    """The written maps as one lazily read dataset on the grid (bounded memory)."""
    variables: dict[str, Any] = {}
    layers = _cog_layers()
    for path in files:
        band = rioxarray.open_rasterio(
            path,
            chunks={"band": 1, "y": chunks.READ_CHUNK, "x": chunks.READ_CHUNK},
            masked=True,
        )
        assert isinstance(band, xr.DataArray)  # one file, one band
        values = band.squeeze("band", drop=True).data
        name = layers.get(path.stem)
        if name is None:  # one file of a layer split along a dimension
            attrs = {
                "units": str(band.attrs.get("units", "")),
                "long_name": str(band.attrs.get("long_name", path.stem)),
            }
            variables[path.stem] = (("y", "x"), values, attrs)
        else:
            variables[name] = values
    if "excluded_total_fraction" in variables:
        excluded = variables["excluded_total_fraction"]
        variables["available_fraction"] = 1.0 - excluded
    lon, lat = _lazy_lon_lat(frame)
    return grid_dataset(
        variables,
        x=frame["x"].to_numpy(),
        y=frame["y"].to_numpy(),
        crs=frame.rio.crs,
        transform=frame.rio.transform(),
        lon=lon,
        lat=lat,
        attrs=frame.attrs,
    )


def _lazy_lon_lat(frame: xr.Dataset) -> tuple[dask.array.Array, dask.array.Array]:
    """2-D ``lon`` and ``lat`` of the cell centres, computed when read."""
    crs = frame.rio.crs
    y = dask.array.from_array(frame["y"].to_numpy(), chunks=chunks.READ_CHUNK)
    x = dask.array.from_array(frame["x"].to_numpy(), chunks=chunks.READ_CHUNK)
    yy, xx = dask.array.meshgrid(y, x, indexing="ij")

    def degrees(xs: np.ndarray, ys: np.ndarray, index: int) -> np.ndarray:
        to_lon_lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        return np.asarray(to_lon_lat.transform(xs, ys)[index])

    lon, lat = (
        dask.array.map_blocks(degrees, xx, yy, index, dtype=float) for index in (0, 1)
    )
    return lon, lat


def _png(tags: dict[str, Any]) -> dict[str, str]:
    """PNG text chunks carrying the provenance (and the synthetic-data notice)."""
    chunks_ = {"Software": "seabed", "Comment": json.dumps(tags, default=str)}
    if SYNTHETIC_TAG in tags:
        chunks_["Disclaimer"] = str(tags[SYNTHETIC_TAG])
    return chunks_


def _marked(table: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """A table with a last column ``synthetic`` (True) when the data are."""
    return table.assign(synthetic=True) if synthetic else table


def resource_document(result: RunResult) -> dict[str, Any]:
    """The content of ``resource.json``."""
    composites = result.composites
    slices = result.slices
    return {
        "synthetic": result.synthetic_cores,
        "statement": result.statement.to_dict(orient="records"),
        "excluded": result.excluded.to_dict(orient="records"),
        "slices": _records(slices[slices["interval"] == "slice"]),
        "cumulative": _records(slices[slices["interval"] == "cumulative"]),
        "classes": _records(result.classes),
        "zones": _records(result.zones),
        "elements": _records(result.elements),
        "assumptions": result.assumptions,
        "variogram": None if result.variogram is None else result.variogram.to_dict(),
        "cores": {
            "n_total": len(composites),
            # after every drop: incomplete cores, and cores without a covariate
            "n_used": len(result.used_cores),
            "not_reaching_window_bottom": composites.index[
                ~composites["reaches_bottom"]
            ].tolist(),
        },
        "files": {"grade_tonnage": "grade_tonnage.csv"},
        "validation": result.validation,
        "kna": result.kna,
        "notes": result.notes,
        # the notes that put a figure in doubt, apart: a reviewer's checklist
        "doubts": result.doubts,
        "provenance": result.provenance,
        "simulation": None
        if result.simulation is None
        else result.simulation.to_dict(),
        "recoverable": _records(result.recoverable),
    }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.drop(columns="interval", errors="ignore").to_dict(orient="records")
