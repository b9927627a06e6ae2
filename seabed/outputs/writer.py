"""The run's files: COGs, CSV and JSON tables, report, written into the staging folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dask.array
import numpy as np
import pandas as pd
import pyproj
import rioxarray
import xarray as xr

from seabed.composite import (
    used_composites,
)
from seabed.outputs.cogs import PROVENANCE_TAG, CogBuilder
from seabed.outputs.files import write_csv, write_json
from seabed.outputs.folder import _publish
from seabed.outputs.report_files import write_report
from seabed.report import plot_grade_tonnage
from seabed.resource import (
    SimulatedResource,
)
from seabed.result import RunResult

# --------------------------------------------------------------------------- files
COG_LAYERS = {
    "rey_ppm": "rey_ppm",
    "rey_std_ppm": "rey_std_ppm",
    "treo_ppm": "treo_ppm",
    "treo_t_per_km2": "treo_t_per_km2",
    "thickness_m": "thickness_m",
    "excluded_fraction": "excluded_fraction",
    "class": "resource_class",
}


#: Tables written as CSV, by file name: the RunResult attribute holding each.
CSV_TABLES = {
    "resource.csv": "statement",
    "resource_slices.csv": "slices",
    "resource_classes.csv": "classes",
    "resource_zones.csv": "zones",
    "resource_elements.csv": "elements",
    "grade_tonnage.csv": "grade_tonnage",
}


def write_outputs(result: RunResult, staging: Path, out_dir: Path) -> list[Path]:
    """Write the tables, the report and the figures beside the maps in ``staging``,
    then move everything into ``out_dir``: all files appear together or none do."""
    tags = {PROVENANCE_TAG: result.provenance}
    if result.simulation is not None:
        write_csv(result.simulation.summary, staging / "resource_simulation.csv")
        if len(result.simulation.slices):
            write_csv(
                result.simulation.slices, staging / "resource_simulation_slices.csv"
            )
        if len(result.simulation.zones):
            write_csv(
                result.simulation.zones, staging / "resource_simulation_zones.csv"
            )
    write_json(resource_document(result), staging / "resource.json")
    for filename, attribute in CSV_TABLES.items():
        table = getattr(result, attribute)
        if len(table):  # no zones or no elements: no file
            write_csv(table, staging / filename)
    if len(result.grade_tonnage):
        from matplotlib.figure import Figure

        # a figure outside pyplot: nothing is left open in a notebook's session
        figure = Figure(figsize=(6.4, 4.2), layout="constrained")
        plot_grade_tonnage(
            result.grade_tonnage,
            cutoffs_ppm=result.config.resource.cutoffs_ppm,
            ax=figure.add_subplot(),
        )
        figure.savefig(staging / "grade_tonnage.png", dpi=120, metadata=_png(tags))
    write_report(result, staging / "report.html", quicklooks=True)
    return _publish(staging, out_dir)


class _MapWriter:
    """The run's GeoTIFF maps, written block of rows by block of rows."""

    def __init__(self, folder: Path, frame: xr.Dataset, tags: dict[str, Any]):
        self.folder, self.frame, self.tags = folder, frame, tags
        self.builders: dict[str, CogBuilder] = {}

    def write(
        self, cells: xr.Dataset, simulated: SimulatedResource | None, *, row: int
    ) -> None:
        for filename, da in _map_layers(cells, simulated).items():
            if filename not in self.builders:
                self.builders[filename] = CogBuilder(
                    self.folder / f"{filename}.tif",
                    shape=(self.frame.sizes["y"], self.frame.sizes["x"]),
                    crs=self.frame.rio.crs,
                    transform=self.frame.rio.transform(),
                    tags=self.tags,
                    description=da.attrs.get("long_name", filename),
                    units=str(da.attrs.get("units", "")),
                )
            self.builders[filename].write(da.rio.write_crs(self.frame.rio.crs), row=row)

    def close(self) -> list[Path]:
        try:
            return [builder.close() for builder in self.builders.values()]
        finally:
            for builder in self.builders.values():
                builder.discard()


def _map_layers(
    cells: xr.Dataset, simulated: SimulatedResource | None
) -> dict[str, xr.DataArray]:
    """The maps of one block, by file name (without ``.tif``)."""
    total_excluded = (1.0 - cells["available_fraction"]).assign_attrs(
        units="1", long_name="fraction of the cell excluded (any reason)"
    )
    variables = dict(cells.data_vars) | {"excluded_fraction": total_excluded}
    layers = {
        filename: variables[variable]
        for filename, variable in COG_LAYERS.items()
        if variable in variables  # e.g. no standard deviation for IDW
    }
    if simulated is not None:
        layers["rey_etype_ppm"] = simulated.etype_rey_ppm
        probability = simulated.probability_above
        for cutoff in probability.cutoff_ppm.values:
            layers[f"probability_above_{cutoff:g}ppm"] = probability.sel(
                cutoff_ppm=cutoff, drop=True
            ).assign_attrs(
                probability.attrs,
                long_name=f"probability that the REY block grade is >= {cutoff:g} ppm",
            )
    return layers


def _opened(files: list[Path], frame: xr.Dataset) -> xr.Dataset:
    """The written maps as one lazily read dataset on the grid (bounded memory)."""
    variables = {}
    for path in files:
        variable = COG_LAYERS.get(path.stem, path.stem)
        band = rioxarray.open_rasterio(
            path, chunks={"band": 1, "y": 1024, "x": 1024}, masked=True
        )
        assert isinstance(band, xr.DataArray)  # one file, one band
        layer = band.squeeze("band", drop=True)
        layer = layer.assign_coords(x=frame["x"].values, y=frame["y"].values)
        variables[variable] = layer.assign_attrs(
            units=layer.attrs.get("units", ""),
            long_name=layer.attrs.get("long_name", variable),
        )
    dataset = xr.Dataset(variables).assign_coords(_lazy_lon_lat(frame))
    if "excluded_fraction" in dataset:
        dataset["available_fraction"] = (
            1.0 - dataset["excluded_fraction"]
        ).assign_attrs(
            units="1", long_name="fraction of the cell available (not excluded)"
        )
    return dataset.rio.write_crs(frame.rio.crs).rio.write_transform(
        frame.rio.transform()
    )


def _lazy_lon_lat(frame: xr.Dataset) -> dict[str, xr.DataArray]:
    """2-D ``lon`` and ``lat`` of the cell centres, computed when read."""
    crs = frame.rio.crs
    y = dask.array.from_array(frame["y"].to_numpy(), chunks=1024)
    x = dask.array.from_array(frame["x"].to_numpy(), chunks=1024)
    yy, xx = dask.array.meshgrid(y, x, indexing="ij")

    def degrees(xs: np.ndarray, ys: np.ndarray, index: int) -> np.ndarray:
        to_lon_lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        return np.asarray(to_lon_lat.transform(xs, ys)[index])

    coords = {}
    for index, name in enumerate(("lon", "lat")):
        values = dask.array.map_blocks(degrees, xx, yy, index, dtype=float)
        coords[name] = xr.DataArray(
            values,
            dims=("y", "x"),
            attrs={"units": f"degrees_{'east' if name == 'lon' else 'north'}"},
        )
    return coords


def _png(tags: dict[str, Any]) -> dict[str, str]:
    """PNG text chunks carrying the provenance."""
    return {"Software": "seabed", "Comment": json.dumps(tags, default=str)}


def resource_document(result: RunResult) -> dict[str, Any]:
    """The content of ``resource.json``."""
    composites = result.composites
    slices = result.slices
    return {
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
            "n_used": int(
                used_composites(
                    composites, result.config.composite.incomplete_cores
                ).sum()
            ),
            "not_reaching_window_bottom": composites.index[
                ~composites["reaches_bottom"]
            ].tolist(),
        },
        "files": {"grade_tonnage": "grade_tonnage.csv"},
        "notes": result.notes,
        "provenance": result.provenance,
        "simulation": None
        if result.simulation is None
        else result.simulation.to_dict(),
    }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.drop(columns="interval", errors="ignore").to_dict(orient="records")
