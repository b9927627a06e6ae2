"""The run's result dataset: every layer of every cell in one CF-1.10 file.

``result.nc`` (NetCDF-4, through h5netcdf) or ``result.zarr`` (a Zarr folder) holds
every variable of the run's cells (grades, slices, standard deviations, classes,
coverage, tonnage, the simulation's maps) with the CRS as a CF ``grid_mapping``
variable, ``lon``/``lat`` as auxiliary coordinates and the provenance as global
attributes. :class:`DatasetWriter` writes it a block of rows at a time, so a grid of
10^8 cells never sits in memory: the file's variables are made once, from the first
block and the grid's size, and each block fills its rows. What it writes equals what
:func:`write_dataset` writes from the whole dataset in one go, bit for bit.

Compressing the chunks is most of the cost of writing ``result.nc``, and HDF5 does
it under the GIL. :meth:`DatasetWriter.encode` does it instead, in the thread that
computed the block (libdeflate, or zlib where it is missing: both release the
GIL; :mod:`seabed.outputs._deflate`): it returns the block's chunks shuffled and
DEFLATE-compressed as HDF5's filters would, and
:meth:`DatasetWriter.write_encoded` only stores them (HDF5's direct chunk write),
so the blocks of a run are compressed side by side while one thread writes.

Examples
--------
>>> import tempfile, pathlib
>>> import xarray as xr
>>> from seabed.grid import grid_rows, make_grid
>>> frame = make_grid((153.5, 21.8, 154.1, 22.2), 5000, frame_only=True)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "result.nc"
>>> writer = DatasetWriter(path, frame, attrs={"title": "cell areas"})
>>> for start in range(0, frame.sizes["y"], 4):
...     rows = grid_rows(frame, start, start + 4)
...     writer.write(rows[["cell_area_m2"]], row=start)
>>> writer.close() == path
True
>>> with xr.open_dataset(path, decode_coords="all") as back:
...     back.attrs["Conventions"], back.rio.crs.to_epsg(), back.cell_area_m2.units
('CF-1.10', 32656, 'm2')
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import dask.array
import h5netcdf
import h5py
import numpy as np
import xarray as xr

from seabed import chunks
from seabed.exceptions import InputError
from seabed.outputs._deflate import compress as deflate
from seabed.outputs._deflate import compressor_name as deflate_library
from seabed.outputs.cogs import CLASS_NODATA
from seabed.outputs.files import _jsonable, atomic_path

__all__ = [
    "CONVENTIONS",
    "DATASET_FILES",
    "DatasetWriter",
    "EncodedBlock",
    "chunk_rows",
    "deflate_library",
    "provenance_attrs",
    "write_dataset",
]

#: The CF version the result dataset follows (its ``Conventions`` attribute).
CONVENTIONS = "CF-1.10"

#: The file of each ``[output] dataset`` format.
DATASET_FILES = {"netcdf": "result.nc", "zarr": "result.zarr"}

#: Zarr format 2: read by GDAL and every Zarr library, with consolidated metadata
#: and the slices' text labels in its specification (format 3 has neither yet).
ZARR_FORMAT = 2

DatasetFormat = Literal["netcdf", "zarr"]

#: DEFLATE level of the chunks of ``result.nc`` (after HDF5's byte shuffle). The
#: grades barely compress at any level: on the 10^6-cell scale case level 1 gives
#: 278 MB against 274 MB at level 4, for 13 % less CPU (6.0 against 6.9 s).
DEFLATE_LEVEL = 1

#: Provenance entries written as global attributes of their own (JSON text for the
#: tables), beside the whole record in ``provenance``.
_PROVENANCE_KEYS = ("run_id", "created_utc", "inputs", "config", "versions", "seeds")


def provenance_attrs(record: Mapping[str, Any]) -> dict[str, str]:
    """Global attributes of the provenance: the whole record as JSON text in
    ``provenance``, and the run's id, date, input hashes, configuration, versions
    and seeds each under its own name (netCDF and Zarr attributes hold no tables,
    so tables are JSON text).

    Examples
    --------
    >>> attrs = provenance_attrs({"run_id": "ab12", "seeds": {"simulation": 1}})
    >>> attrs["run_id"], attrs["seeds"], attrs["title"]
    ('ab12', '{"simulation": 1}', 'seabed rare-earth resource estimate')
    """
    plain = _jsonable(record)
    attrs = {
        "title": "seabed rare-earth resource estimate",
        "source": f"seabed {plain.get('versions', {}).get('seabed', '')}".strip(),
        "provenance": json.dumps(plain, sort_keys=True),
    }
    if "created_utc" in plain:
        attrs["history"] = f"{plain['created_utc']} seabed run"
    for key in _PROVENANCE_KEYS:
        if key in plain:
            value = plain[key]
            attrs[key] = value if isinstance(value, str) else json.dumps(value)
    return attrs


def write_dataset(
    dataset: xr.Dataset, path: str | os.PathLike[str], *, kind: DatasetFormat = "netcdf"
) -> Path:
    """Write a whole result dataset in one go, atomically.

    The file is what :class:`DatasetWriter` writes block by block: the same
    variables, attributes, encoding and values.

    Parameters
    ----------
    dataset : xarray.Dataset
        A grid of cells (dimensions ``y`` and ``x``) with a CRS.
    path : str or os.PathLike
        ``result.nc`` or ``result.zarr`` (replaced if it exists).
    kind : {"netcdf", "zarr"}

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from seabed.grid import make_grid
    >>> grid = make_grid((153.5, 21.8, 154.1, 22.2), 5000)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "area.nc"
    >>> write_dataset(grid[["cell_area_m2"]], path).name
    'area.nc'
    """
    path = Path(path)
    ready = _cf_ready(dataset)
    if kind == "netcdf":
        with atomic_path(path) as temporary:
            ready.to_netcdf(
                temporary, engine="h5netcdf", encoding=_netcdf_encoding(ready)
            )
        return path
    with _atomic_folder(path) as temporary:
        ready.to_zarr(
            temporary,
            mode="w-",
            encoding=_zarr_encoding(ready),
            zarr_format=ZARR_FORMAT,
        )
    return path


@dataclass
class EncodedBlock:
    """A block of rows made ready for the file by :meth:`DatasetWriter.encode`."""

    #: the block's first row in the grid
    row: int
    #: the block's first row, whole (every variable, attribute and coordinate):
    #: what the file's variables are made from; for Zarr, the whole block
    head: xr.Dataset
    #: per variable: (offset, bytes) of each chunk, shuffled and compressed
    chunks: dict[str, list[tuple[tuple[int, ...], bytes]]] = field(default_factory=dict)
    #: per variable: (dimensions, values) to write through HDF5 (chunks that the
    #: block shares with another, or variables stored without compression)
    values: dict[str, tuple[tuple[Hashable, ...], np.ndarray]] = field(
        default_factory=dict
    )


class DatasetWriter:
    """A result dataset written block of rows by block of rows.

    The first block fixes the variables (with the grid's full number of rows);
    every block must hold the same variables. The file is written beside the
    target under a hidden name and renamed over it by :meth:`close`.

    Parameters
    ----------
    path : str or os.PathLike
        ``result.nc`` or ``result.zarr``.
    frame : xarray.Dataset
        The grid (``x``, ``y`` and the CRS): :func:`seabed.grid.make_grid` with
        ``frame_only=True``.
    kind : {"netcdf", "zarr"}
    attrs : mapping, optional
        Global attributes added to the frame's (the provenance:
        :func:`provenance_attrs`).
    block_rows : int, optional
        Rows of the blocks that will be written (all but the last): the storage
        chunks then hold rows of one block only (:func:`chunk_rows`), so that
        each chunk is compressed once, not once per block that shares it.
        Default: COG-sized chunks, as :func:`write_dataset` writes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        frame: xr.Dataset,
        *,
        kind: DatasetFormat = "netcdf",
        attrs: Mapping[str, Any] | None = None,
        block_rows: int | None = None,
    ) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise InputError(
                "the output folder does not exist",
                path=self.path.parent,
                hint="create it first or choose another output folder",
            )
        self.frame, self.kind = frame, kind
        self.attrs = dict(attrs or {})
        self._rows = chunks.COG_TILE if block_rows is None else chunk_rows(block_rows)
        token = secrets.token_hex(6)
        self._scratch = self.path.with_name(f".{self.path.name}.{token}.partial")
        self._gridded: list[Hashable] = []

    def write(self, block: xr.Dataset, *, row: int) -> None:
        """Write a block of whole rows, ``row`` being its first row in the grid."""
        self.write_encoded(self.encode(block, row=row))

    def encode(self, block: xr.Dataset, *, row: int) -> EncodedBlock:
        """A block of whole rows made ready for :meth:`write_encoded`: its chunks
        compressed for ``result.nc`` (those wholly within the block), its values
        encoded (the others). Touches no file, so threads may encode blocks side
        by side; the result no longer refers to ``block``'s arrays."""
        ready = _cf_ready(block.assign_attrs(self.attrs))
        if self.kind == "zarr":  # Blosc compresses outside the GIL already
            return EncodedBlock(row=row, head=ready)
        encoded = EncodedBlock(row=row, head=_head(ready))
        n_rows = self.frame.sizes["y"]
        encoding = _netcdf_encoding(ready, self._rows)
        for name in (n for n in ready.variables if _along_rows(ready, n)):
            variable = ready[name].variable.copy(deep=False)
            variable.encoding = {
                k: v for k, v in encoding.get(name, {}).items() if k == "_FillValue"
            }
            stored = xr.conventions.encode_cf_variable(variable, name=name)
            values = np.asarray(stored.values)
            shape = _chunk_shape(
                stored.dims,
                tuple(
                    n_rows if d == "y" else s for d, s in zip(stored.dims, values.shape)
                ),
                self._rows,
            )
            compressed = "zlib" in encoding.get(name, {}) and values.dtype.kind in "fiu"
            if compressed and _fills_whole_chunks(
                row,
                values.shape[stored.dims.index("y")],
                shape[stored.dims.index("y")],
                n_rows,
            ):
                fill = stored.attrs.get("_FillValue")
                encoded.chunks[str(name)] = list(
                    _compressed_chunks(values, stored.dims, shape, row=row, fill=fill)
                )
            else:
                encoded.values[str(name)] = (stored.dims, values)
        return encoded

    def write_encoded(self, encoded: EncodedBlock) -> None:
        """Store a block made ready by :meth:`encode` (in the thread that owns the
        writer: the file is written by one thread at a time)."""
        if self.kind == "zarr":
            block = encoded.head
            if not self._gridded:
                self._create(block)
            part = block[[n for n in self._gridded if n in block.data_vars]]
            part = part.drop_vars([n for n in part.coords if "y" not in part[n].dims])
            rows = slice(encoded.row, encoded.row + block.sizes["y"])
            part.to_zarr(self._scratch, region={"y": rows})
            return
        if not self._gridded:
            self._create(encoded.head)
        with h5py.File(self._scratch, "r+") as file:
            for name, pieces in encoded.chunks.items():
                stored = file[name].id
                for offset, data in pieces:
                    stored.write_direct_chunk(offset, data)
            for name, (dims, values) in encoded.values.items():
                rows = slice(encoded.row, encoded.row + values.shape[dims.index("y")])
                file[name][tuple(rows if d == "y" else slice(None) for d in dims)] = (
                    values
                )

    def close(self) -> Path:
        """Rename the finished file over the target; return its path."""
        if not self._gridded:
            raise InputError(
                "no block was written", path=self.path, hint="write() rows first"
            )
        if self.kind == "zarr":
            _replace_folder(self._scratch, self.path)
        else:
            self._scratch.replace(self.path)
        return self.path

    def discard(self) -> None:
        """Remove what was written so far (after :meth:`close`, or on failure)."""
        if self._scratch.is_dir():
            shutil.rmtree(self._scratch, ignore_errors=True)
        else:
            self._scratch.unlink(missing_ok=True)

    # ------------------------------------------------------------------ creation
    def _create(self, block: xr.Dataset) -> None:
        """Make the file's variables: those along ``y`` empty with the grid's rows,
        the others (``x``, ``y``, slices, the grid mapping) written whole."""
        template = _template(block, self.frame)
        self._gridded = [n for n in template.variables if _along_rows(template, n)]
        if self.kind == "zarr":
            template.to_zarr(
                self._scratch,
                mode="w-",
                compute=False,
                zarr_format=ZARR_FORMAT,
                encoding=_zarr_encoding(template, self._rows),
            )
            return
        encoding = _netcdf_encoding(template, self._rows)
        fixed = template.drop_vars(self._gridded)
        fixed.to_netcdf(
            self._scratch,
            engine="h5netcdf",
            encoding={n: e for n, e in encoding.items() if n in fixed.variables},
        )
        self._create_gridded(template, encoding)

    def _create_gridded(
        self, template: xr.Dataset, encoding: Mapping[Hashable, Mapping[str, Any]]
    ) -> None:
        """The variables along ``y``, empty, as xarray's netCDF writer makes them."""
        for name in self._gridded:
            template[name].encoding = dict(encoding.get(name, {}))
        variables, _ = xr.conventions.cf_encoder(
            *xr.conventions.encode_dataset_coordinates(template[self._gridded])
        )
        with h5netcdf.File(self._scratch, "r+") as file:
            for name in self._gridded:
                encoded = variables[name]
                attrs = dict(encoded.attrs)
                fill = attrs.pop("_FillValue", None)
                settings = encoding.get(name, {})
                created = file.create_variable(
                    str(name),
                    dimensions=encoded.dims,
                    dtype=encoded.dtype,
                    fillvalue=fill,
                    chunks=settings.get("chunksizes"),
                    compression="gzip" if settings.get("zlib") else None,
                    compression_opts=settings.get("complevel"),
                    shuffle=bool(settings.get("shuffle")),
                )
                created.attrs.update(attrs)


# --------------------------------------------------------------------------- helpers
def _along_rows(dataset: xr.Dataset, name: Hashable) -> bool:
    """Whether a variable is written block by block (along ``y``, not ``y`` itself)."""
    return name != "y" and "y" in dataset[name].dims


def _cf_ready(dataset: xr.Dataset) -> xr.Dataset:
    """The dataset with the CF attributes the file needs: the conventions' version,
    ``grid_mapping`` on every gridded variable, ``lon``/``lat`` as auxiliary
    coordinates, and plain attribute values."""
    ready = dataset.copy(deep=False)
    ready.attrs = {
        k: _attribute(v) for k, v in dataset.attrs.items() if v is not None
    } | {"Conventions": CONVENTIONS}
    mapping = dataset.rio.grid_mapping if "spatial_ref" in dataset.coords else None
    for name, variable in ready.variables.items():
        variable.attrs = {k: _attribute(v) for k, v in variable.attrs.items()}
        if "flag_values" in variable.attrs:  # CF: of the variable's type
            flags = np.asarray(variable.attrs["flag_values"])
            variable.attrs["flag_values"] = flags.astype(variable.dtype)
        gridded = {"y", "x"} <= set(variable.dims) and name not in ("lon", "lat")
        if mapping is not None and gridded:
            variable.encoding.pop("grid_mapping", None)
            variable.attrs["grid_mapping"] = mapping
    return ready


def _attribute(value: Any) -> Any:
    """An attribute value netCDF and Zarr can store (booleans as 0/1, tables as
    JSON text)."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, Mapping):
        return json.dumps(_jsonable(value), sort_keys=True)
    return value


def _template(block: xr.Dataset, frame: xr.Dataset) -> xr.Dataset:
    """The whole grid's dataset with the block's variables: those along ``y`` as
    lazy (never computed) arrays of the grid's rows, the others as in the block."""
    n_rows = frame.sizes["y"]
    variables: dict[Hashable, Any] = {}
    coords: dict[Hashable, Any] = {"y": frame["y"].variable}
    for name, variable in block.variables.items():
        if name == "y":
            continue
        if name in frame.variables and "y" not in variable.dims:
            # the grid's own (``x``, the grid mapping): a block's GeoTransform
            # starts at its first row, and blocks come in any order
            variable = frame[name].variable
        elif "y" in variable.dims:
            shape = tuple(
                n_rows if d == "y" else s
                for d, s in zip(variable.dims, variable.shape, strict=True)
            )
            data = dask.array.empty(shape, dtype=variable.dtype, chunks=shape)
            variable = xr.Variable(variable.dims, data, variable.attrs)
        if name in block.coords:
            coords[name] = variable
        else:
            variables[name] = variable
    return xr.Dataset(variables, coords=coords, attrs=block.attrs)


def _head(block: xr.Dataset) -> xr.Dataset:
    """The block's first row, copied: enough to make the file's variables, without
    keeping the block's arrays alive."""
    return block.isel(y=slice(0, 1)).copy(deep=True)


def _fills_whole_chunks(row: int, height: int, chunk: int, n_rows: int) -> bool:
    """Whether rows ``row`` to ``row + height`` cover whole storage chunks of
    ``chunk`` rows (the grid's last chunk may be cut by its last row)."""
    end = row + height
    return row % chunk == 0 and (end % chunk == 0 or end == n_rows)


def _compressed_chunks(
    values: np.ndarray,
    dims: tuple[Hashable, ...],
    shape: tuple[int, ...],
    *,
    row: int,
    fill: Any,
) -> Iterator[tuple[tuple[int, ...], bytes]]:
    """Each storage chunk of a block's values (rows from ``row``) as HDF5's
    filters store it: at its offset in the file, padded to the whole chunk with
    the fill value as HDF5 pads the grid's edges, its bytes shuffled (the shuffle
    filter), then DEFLATE-compressed."""
    at_y = dims.index("y")
    starts = [
        range(0, size, step) for size, step in zip(values.shape, shape, strict=True)
    ]
    for local in itertools.product(*starts):
        piece = values[
            tuple(slice(o, o + n) for o, n in zip(local, shape, strict=True))
        ]
        if piece.shape != shape:
            padded = np.full(shape, 0 if fill is None else fill, dtype=values.dtype)
            padded[tuple(slice(0, n) for n in piece.shape)] = piece
            piece = padded
        flat = np.ascontiguousarray(piece).reshape(-1).view(np.uint8)
        shuffled = np.ascontiguousarray(flat.reshape(-1, values.itemsize).T)
        offset = tuple(o + row if axis == at_y else o for axis, o in enumerate(local))
        yield offset, deflate(shuffled.data, DEFLATE_LEVEL)


def chunk_rows(block_rows: int) -> int:
    """Rows of the storage chunks for blocks of ``block_rows`` rows: the largest
    divisor of it up to a COG tile, so that no chunk spans two blocks (a quarter
    of a tile at least: a block of a prime number of rows takes COG tiles).

    Examples
    --------
    >>> chunk_rows(165), chunk_rows(522), chunk_rows(52), chunk_rows(1009)
    (165, 174, 52, 256)
    """
    tile = chunks.COG_TILE
    if block_rows <= tile:
        return block_rows
    found = max(d for d in range(1, tile + 1) if block_rows % d == 0)
    return found if found >= tile // 4 else tile


def _chunk_sizes(variable: xr.Variable, rows: int | None = None) -> tuple[int, ...]:
    """Storage chunks: COG-sized tiles of the grid (``rows`` rows high when given),
    one per value of other dimensions (a slice, a cut-off)."""
    return _chunk_shape(variable.dims, variable.shape, rows)


def _chunk_shape(
    dims: tuple[Hashable, ...], shape: tuple[int, ...], rows: int | None
) -> tuple[int, ...]:
    height = chunks.COG_TILE if rows is None else rows
    return tuple(
        min(height if dim == "y" else chunks.COG_TILE, size) if dim in ("y", "x") else 1
        for dim, size in zip(dims, shape, strict=True)
    )


def _fill_value(dtype: np.dtype[Any]) -> Any:
    """NaN for floats, the class nodata for bytes, none for other integers."""
    if dtype.kind == "f":
        return np.nan
    if dtype == np.uint8:
        return CLASS_NODATA
    return None


def _netcdf_encoding(
    dataset: xr.Dataset, rows: int | None = None
) -> dict[Hashable, dict[str, Any]]:
    """Compressed tiled storage of each gridded variable, and fill values: NaN
    (floats) or 255 (classes) for data, none for coordinates (never missing)."""
    encoding = _fill_values(dataset)
    for name, variable in dataset.variables.items():
        if {"y", "x"} <= set(variable.dims):
            encoding[name] |= {
                "zlib": True,
                "complevel": DEFLATE_LEVEL,
                "shuffle": True,
                "chunksizes": _chunk_sizes(variable, rows),
            }
    return encoding


def _zarr_encoding(
    dataset: xr.Dataset, rows: int | None = None
) -> dict[Hashable, dict[str, Any]]:
    """Tiled chunks of each gridded variable, and fill values as for netCDF."""
    encoding = _fill_values(dataset)
    for name, variable in dataset.variables.items():
        if {"y", "x"} <= set(variable.dims):
            encoding[name]["chunks"] = _chunk_sizes(variable, rows)
    return encoding


def _fill_values(dataset: xr.Dataset) -> dict[Hashable, dict[str, Any]]:
    return {
        name: {"_FillValue": None if name in dataset.coords else _fill_value(v.dtype)}
        for name, v in dataset.variables.items()
        if v.dtype.kind in "fiu"
    }


@contextmanager
def _atomic_folder(path: Path) -> Iterator[Path]:
    """A hidden folder to write a Zarr store into, renamed over ``path`` on
    success and removed on failure."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    _replace_folder(temporary, path)


def _replace_folder(source: Path, target: Path) -> None:
    """Rename a folder over another: the old one is moved aside, then removed."""
    aside = target.with_name(f".{target.name}.{secrets.token_hex(6)}.old")
    if target.exists():
        target.replace(aside)
    source.replace(target)
    shutil.rmtree(aside, ignore_errors=True)
