"""Core tables: sample intervals read from CSV, Parquet or a vector point layer, checked.

:func:`load_cores` turns a user's file into the canonical cores table
(``docs/inputs.md``), and anything wrong with the file into an
:class:`~seabed.exceptions.InputError` that names the file, the row and column, the
problem and the fix.

Examples
--------
>>> from seabed.io.datasets import demo_cores_path
>>> cores = load_cores(demo_cores_path())
>>> bool((cores["bottom_m"] > cores["top_m"]).all())
True
"""

from __future__ import annotations

import lzma
import os
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj

from seabed.elements import REY, element_column
from seabed.exceptions import ConfigError, InputError, MissingCRSError, SeabedWarning
from seabed.grid import wrap_lon
from seabed.io.files import check_input_file, first_line

__all__ = [
    "CANONICAL_COLUMNS",
    "ELEMENT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "POSITION_TOLERANCE_DEG",
    "SYNTHETIC_COLUMN",
    "load_cores",
    "validate_cores",
]


PathLike = str | os.PathLike[str]


#: The 15 element grade columns, ``Y_ppm`` first (the order of :data:`seabed.REY`).
ELEMENT_COLUMNS: tuple[str, ...] = tuple(element_column(el) for el in REY)


#: Optional per-sample columns: densities in t/m3, wet-basis water content as a
#: fraction (0-1), water depth in metres (positive down).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "dry_density_t_m3",
    "wet_density_t_m3",
    "water_content",
    "water_depth_m",
)


#: The column that marks a table as synthetic (made by seabed's generator, not
#: measured): true on every row of what :func:`seabed.io.synthetic.make_survey` and
#: ``seabed synthetic`` write. It travels with the data, so a copied or renamed file
#: is still known for what it is: :func:`load_cores` keeps the column and sets
#: ``attrs["synthetic"]``.
SYNTHETIC_COLUMN = "synthetic"

_TRUE_TEXT = frozenset({"true", "1", "1.0", "yes", "y", "t"})

# How spreadsheets, R and databases write a missing value (the spellings pandas
# reads as missing). A core's identifier is kept as written: "NA" can name a core.
_MISSING_TEXT = frozenset(
    {"NA", "N/A", "n/a", "#N/A", "#NA", "<NA>", "NaN", "-NaN", "nan", "-nan"}
    | {"NULL", "null", "None"}
)


#: Every column name a cores file may be mapped to with ``columns=`` / ``[columns]``.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "core_id",
    "lon",
    "lat",
    "x",
    "y",
    "top_m",
    "bottom_m",
    "rey_ppm",
    *ELEMENT_COLUMNS,
    *OPTIONAL_COLUMNS,
)


_CSV_SUFFIXES = {".csv": ",", ".txt": ",", ".tsv": "\t"}


_PARQUET_SUFFIXES = {".parquet", ".pq"}


_VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml"}


_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zip", ".zst"}


#: Positions of one core may differ by float noise only (1e-6 degree is about
#: 0.1 m); two cores closer than this in longitude and latitude share a position.
#: Longitudes are compared modulo 360 degrees: 180 and -180 are one meridian.
POSITION_TOLERANCE_DEG = 1e-6


# Depths are compared to the micrometre so that 0.1 + 0.2 still abuts 0.3.
_DEPTH_TOLERANCE_M = 1e-6


_REY_SUM_TOLERANCE = 0.01


_DEPTH_FIX = "depths are metres below seafloor (mbsf), positive down"


# Deeper than any sediment column a core could sample (mbsf).
_MAX_DEPTH_MBSF = 2_000.0


# A grade is at most the whole sample.
_MAX_PPM = 1_000_000.0


# Every REY total below this looks like wt% (or another unit) in a ppm column: REY-mud
# holds hundreds to thousands of ppm, and 10 ppm is far below any crustal value.
_WT_PERCENT_LIKE_PPM = 10.0
# Above this a bulk grade is beyond any sediment sampled: the richest REY mud holds
# about 8,000 ppm, its phosphate grains up to 22,000 ppm (Takaya et al. 2018; Iijima
# et al. 2016; docs/data.md).
_BEYOND_ANY_MUD_PPM = 30_000.0


_DENSITY_FIX = "give t/m3 (= g/cm3)"


# column (or "grade" / "interval") -> (is_valid(table, column), problem, fix)
_RANGE_RULES: dict[str, tuple[Any, str, str]] = {
    "lon": (lambda t, c: (t[c] >= -180) & (t[c] <= 360),
            "longitude outside [-180, 360]",
            "give WGS84 degrees from -180 to 180 (or 0 to 360), or map projected "
            "columns to x and y with a crs"),
    "lat": (lambda t, c: t[c].abs() <= 90, "latitude outside [-90, 90]",
            "give WGS84 degrees and check that lon and lat are not swapped"),
    "top_m": (lambda t, c: t[c] >= 0, "depth is negative", _DEPTH_FIX),
    "bottom_m": (lambda t, c: t[c] >= 0, "depth is negative", _DEPTH_FIX),
    "depth_limit": (lambda t, c: t[c] <= _MAX_DEPTH_MBSF,
                    "depth below 2,000 mbsf, deeper than any sediment core",
                    _DEPTH_FIX + ", in metres (not cm)"),
    "interval": (lambda t, c: t["bottom_m"] > t["top_m"], "bottom_m is not below top_m",
                 "each interval needs bottom_m > top_m (mbsf, positive down)"),
    "grade": (lambda t, c: t[c] >= 0, "grade is negative",
              "grades are ppm by dry weight, >= 0"),
    "grade_limit": (lambda t, c: t[c] <= _MAX_PPM, "grade above 1,000,000 ppm (100 %)",
                    "grades are ppm by dry weight"),
    "dry_density_t_m3": (lambda t, c: t[c] > 0, "density is not positive", _DENSITY_FIX),
    "wet_density_t_m3": (lambda t, c: t[c] > 0, "density is not positive", _DENSITY_FIX),
    "water_content": (lambda t, c: (t[c] >= 0) & (t[c] < 1),
                      "water content outside [0, 1)",
                      "give the wet-basis fraction, e.g. 0.65 for 65 %"),
    "water_depth_m": (lambda t, c: t[c] >= 0, "water depth is negative",
                      "water depth is positive down in metres; negate elevations"),
}  # fmt: skip


_MAPPING_HINT = (
    "map your file's names to seabed's with [columns] in the config "
    '(e.g. lon = "Longitude") or the columns= argument of load_cores'
)


def load_cores(
    path: PathLike,
    *,
    columns: Mapping[str, str] | None = None,
    crs: Any = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Read and check a table of core sample intervals.

    Parameters
    ----------
    path : str or path-like
        CSV (``.csv``, ``.tsv``, ``.txt``, optionally compressed), Parquet
        (``.parquet``) or a point layer of any vector format geopandas reads
        (``.gpkg``, ``.shp``, ``.geojson``, ...). For vector files the positions come
        from the point geometry, reprojected to WGS84. A table already in memory
        goes to :func:`validate_cores` instead.
    columns : mapping, optional
        Canonical name -> name in the file, for every column whose name differs from
        seabed's (see :data:`CANONICAL_COLUMNS`).
    crs : str, int or pyproj.CRS, optional
        CRS of ``x``/``y`` columns, for files that give projected coordinates instead
        of ``lon``/``lat``. Ignored when the file has ``lon`` and ``lat``. In a
        configuration: ``[inputs] cores_crs``.
    layer : str, optional
        The layer of a multi-layer vector file (``[inputs] cores_layer``); default:
        the only layer, or the first one with a warning that names the others.

    Returns
    -------
    pandas.DataFrame
        One row per sample interval with the canonical columns only: ``core_id``
        (str), ``lon``, ``lat`` (WGS84 degrees; longitudes given from 0 to 360
        come back from -180 to 180, e.g. 200 as -160), ``top_m``, ``bottom_m`` (mbsf),
        ``rey_ppm`` (always; the sum of the elements when they are given), the 15
        element columns when given, and the optional columns present. Sorted by
        ``core_id`` (as text) then ``top_m``, with a fresh index. ``attrs["source"]``
        holds the path. A file with a :data:`SYNTHETIC_COLUMN` column keeps it (as
        bool, last), and ``attrs["synthetic"]`` is True when any row is marked
        true (synthetic data, see :mod:`seabed.io.synthetic`), else False.

    Raises
    ------
    InputError
        For a missing or unreadable file, missing columns, bad values, overlapping
        intervals, moving cores ...: the message names the file, the 1-based data
        row and the column (as spelt in the file), and what to do.
    MissingCRSError
        For a vector file without a CRS.

    Examples
    --------
    >>> from seabed.io.datasets import demo_cores_path
    >>> cores = load_cores(demo_cores_path())
    >>> list(cores.columns[:6])
    ['core_id', 'lon', 'lat', 'top_m', 'bottom_m', 'rey_ppm']
    >>> bool((cores["bottom_m"] > cores["top_m"]).all())
    True
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(
            "load_cores reads a file, given by its path; got "
            + ("None" if path is None else type(path).__name__),
            hint="check a table already in memory with seabed.io.validate_cores(table)",
        )
    path = Path(path)
    check_input_file(path)
    kind = _table_kind(path)
    if kind == "vector":
        _refuse_position_mapping(columns, path)
        table = _read_point_layer(path, layer)
    elif kind == "parquet":
        table = _read_parquet(path)
    else:
        table = _read_csv(path, sep=_CSV_SUFFIXES[kind])
    return validate_cores(table, columns=columns, crs=crs, path=path)


def validate_cores(
    table: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    crs: Any = None,
    path: PathLike | None = None,
) -> pd.DataFrame:
    """Check a cores table already in memory and return it in canonical form.

    This is what :func:`load_cores` does after reading the file; use it for tables
    built in Python. Rows are reported 1-based in the order given.

    Parameters
    ----------
    table : pandas.DataFrame or geopandas.GeoDataFrame
        Sample intervals, one per row. The positions of a GeoDataFrame come from
        its point geometry, reprojected to WGS84, as for a vector file.
    columns, crs :
        As in :func:`load_cores`.
    path : str or path-like, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        As :func:`load_cores` returns.

    Examples
    --------
    >>> raw = pd.DataFrame({"core_id": ["A", "A"], "lon": [153.8, 153.8],
    ...                     "lat": [22.0, 22.0], "top_m": [2.0, 0.0],
    ...                     "bottom_m": [10.0, 2.0], "rey_ppm": [1000.0, 100.0]})
    >>> validate_cores(raw)[["top_m", "rey_ppm"]].to_numpy().tolist()
    [[0.0, 100.0], [2.0, 1000.0]]

    Points carry their position:

    >>> import geopandas as gpd
    >>> points = gpd.GeoDataFrame(raw.drop(columns=["lon", "lat"]),
    ...                           geometry=gpd.points_from_xy(raw.lon, raw.lat),
    ...                           crs="EPSG:4326")
    >>> validate_cores(points)[["lon", "lat"]].iloc[0].tolist()
    [153.8, 22.0]
    """
    if isinstance(table, gpd.GeoDataFrame) and table.active_geometry_name:
        _refuse_position_mapping(columns, path)
        table = _point_table(
            table,
            path,
            crs_hint="set it with GeoDataFrame.set_crs, e.g. "
            "frame.set_crs('EPSG:4326') for longitudes and latitudes",
        )
    check = _CoresCheck(table, columns=columns, path=path)
    return check.run(crs)


class _CoresCheck:
    """One validation pass over a raw cores table (keeps the names for messages)."""

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        columns: Mapping[str, str] | None,
        path: PathLike | None,
    ) -> None:
        self.path = None if path is None else os.fspath(path)
        table = pd.DataFrame(table).reset_index(drop=True)
        table.columns = [str(c).strip() for c in table.columns]
        _refuse_duplicate_columns(list(table.columns), path)
        self.file_names = {name: name for name in CANONICAL_COLUMNS}
        self.table = self._rename(table, dict(columns or {}))

    # -- messages

    def fail(
        self,
        message: str,
        *,
        index: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> InputError:
        """An error naming the file, the row and the column as the file spells it.

        ``index`` is the 0-based position among the file's data rows; the message
        gives the 1-based row number users see in a spreadsheet below the header.
        """
        name = None if column is None else self.file_names.get(column, column)
        return InputError(
            message,
            path=self.path,
            row=None if index is None else index + 1,
            column=name,
            hint=hint,
        )

    # -- steps

    def _rename(self, table: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
        unknown = sorted(set(columns) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ConfigError(
                f"unknown canonical column(s) {', '.join(unknown)}",
                column="columns",
                hint="the keys are seabed's names: " + ", ".join(CANONICAL_COLUMNS),
            )
        for canonical, in_file in columns.items():
            if in_file not in table.columns:
                raise InputError(
                    f"column {in_file!r} (given for {canonical!r} in [columns]) is "
                    "not in the file",
                    path=self.path,
                    hint="the file's columns are " + ", ".join(map(str, table.columns)),
                )
        # a mapped column replaces any column already carrying the canonical name
        shadowed = [c for c in columns if c in table.columns and columns[c] != c]
        table = table.drop(columns=shadowed)
        self.file_names.update(columns)
        return table.rename(columns={v: k for k, v in columns.items()})

    def run(self, crs: Any) -> pd.DataFrame:
        if self.table.empty:
            raise self.fail(
                "the table has no data rows",
                hint="give one row per sample interval below a header line",
            )
        position = self._position_columns(crs)
        grades = self._grade_columns()
        optional = [c for c in OPTIONAL_COLUMNS if c in self.table.columns]
        required = ["core_id", *position, "top_m", "bottom_m", *grades]
        self._read_missing_spellings()
        self._check_missing_values(required)
        table = self.table[required + optional].copy()
        for column in [*position, "top_m", "bottom_m", *grades, *optional]:
            table[column] = self._numeric(table[column], column)
        table["core_id"] = table["core_id"].astype(str).str.strip()
        if position == ["x", "y"]:
            table = self._to_lon_lat(table, crs)
        self._check_ranges(table, grades, optional)
        # 0-360 longitudes (Pacific surveys) to -180-180: the same places
        given = table[["lon", "lat"]].copy()  # for messages: as the user wrote them
        table["lon"] = table["lon"].where(
            table["lon"] <= 180.0, wrap_lon(table["lon"].to_numpy())
        )
        table = self._total_rey(table, grades)
        self._warn_of_units(table)
        table = table.sort_values(["core_id", "top_m", "bottom_m"], kind="stable")
        table = self._check_positions(table, given)
        self._check_overlaps(table)
        ordered = ["core_id", "lon", "lat", "top_m", "bottom_m", "rey_ppm"]
        ordered += [c for c in ELEMENT_COLUMNS if c in table.columns] + optional
        result = table[ordered].reset_index(drop=True)
        if SYNTHETIC_COLUMN in self.table.columns:
            marks = self.table.loc[table.index, SYNTHETIC_COLUMN].to_numpy()
            result[SYNTHETIC_COLUMN] = [_is_true(mark) for mark in marks]
        result.attrs["synthetic"] = bool(
            SYNTHETIC_COLUMN in result.columns and result[SYNTHETIC_COLUMN].any()
        )
        if self.path is not None:
            result.attrs["source"] = self.path
        return result

    def _position_columns(self, crs: Any) -> list[str]:
        present = set(self.table.columns)
        if {"lon", "lat"} <= present:
            return ["lon", "lat"]
        if {"x", "y"} <= present:
            if crs is None:
                raise self.fail(
                    "the table gives x/y coordinates but no CRS",
                    column="x",
                    hint="set inputs.cores_crs in the configuration (crs= in "
                    "Python), e.g. 'EPSG:32656', or give lon/lat in WGS84",
                )
            return ["x", "y"]
        missing = [c for c in ("lon", "lat") if c not in present]
        raise self.fail(
            f"missing required column(s) {', '.join(missing)}",
            hint="give lon/lat in WGS84 degrees (or x/y with a crs); "
            + _MAPPING_HINT
            + "; the file's columns are "
            + ", ".join(self.table.columns),
        )

    def _grade_columns(self) -> list[str]:
        present = set(self.table.columns)
        missing = [c for c in ("core_id", "top_m", "bottom_m") if c not in present]
        elements = [c for c in ELEMENT_COLUMNS if c in present]
        if 0 < len(elements) < len(ELEMENT_COLUMNS):
            absent = [c for c in ELEMENT_COLUMNS if c not in present]
            raise self.fail(
                f"element column(s) {', '.join(absent)} missing",
                hint="give all 15 REY elements (Y_ppm, La_ppm ... Lu_ppm) or only the "
                "total rey_ppm; " + _MAPPING_HINT,
            )
        if "rey_ppm" not in present and not elements:
            missing.append("rey_ppm (or the 15 element columns Y_ppm ... Lu_ppm)")
        if missing:
            raise self.fail(
                f"missing required column(s) {', '.join(missing)}",
                hint=_MAPPING_HINT
                + "; the file's columns are "
                + ", ".join(self.table.columns),
            )
        return (["rey_ppm"] if "rey_ppm" in present else []) + elements

    def _read_missing_spellings(self) -> None:
        for column in self.table.columns:
            values = self.table[column]
            if column != "core_id" and pd.api.types.is_string_dtype(values):
                text = values.where(values.isna(), values.astype(str).str.strip())
                self.table[column] = values.where(~text.isin(_MISSING_TEXT))

    def _check_missing_values(self, required: list[str]) -> None:
        for column in required:
            empty = self.table[column].isna()
            if empty.any():
                raise self.fail(
                    "value is missing",
                    index=int(np.flatnonzero(empty)[0]),
                    column=column,
                    hint="every sample needs this column; fill it in or drop the row",
                )

    def _numeric(self, values: pd.Series, column: str) -> pd.Series:
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        ):
            numbers = values.astype(float)
        else:
            numbers = self._parsed(values, column)
        infinite = np.isinf(numbers.to_numpy())
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise self.fail(
                f"{values.iloc[row]!r} is not a finite number",
                index=row,
                column=column,
                hint="give a measured value, or leave the cell empty where a "
                "column allows it",
            )
        return numbers

    def _parsed(self, values: pd.Series, column: str) -> pd.Series:
        text = values.astype(str).str.strip()
        numbers = pd.to_numeric(text.where(values.notna()), errors="coerce")
        bad = numbers.isna() & values.notna()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise self.fail(
                f"{values.iloc[row]!r} is not a number",
                index=row,
                column=column,
                hint="use plain decimal numbers with a '.' decimal point, no units",
            )
        return numbers.astype(float)

    def _warn_of_units(self, table: pd.DataFrame) -> None:
        grades = table["rey_ppm"]
        high = (grades > _BEYOND_ANY_MUD_PPM).to_numpy()
        if high.any():
            first = int(np.flatnonzero(high)[0])
            warnings.warn(
                f"{self.path or 'cores'}: row {first + 1}: REY {grades.iloc[first]:,.0f} "
                f"ppm, and {int(high.sum())} sample(s) in all above "
                f"{_BEYOND_ANY_MUD_PPM:,.0f} ppm, beyond any deep-sea mud (the richest "
                "holds about 8,000 ppm, its phosphate grains 22,000): check the values "
                "and their unit (ppm of the dry bulk sample); cap them with "
                "composite.top_cut_ppm if they are real",
                SeabedWarning,
                stacklevel=4,
            )
        if len(grades) and (grades < _WT_PERCENT_LIKE_PPM).all():
            warnings.warn(
                f"{self.path or 'cores'}: every REY grade is below "
                f"{_WT_PERCENT_LIKE_PPM:g} ppm (the highest is {grades.max():g}): "
                "they look like wt% or another unit; give ppm by dry weight "
                "(1 wt% = 10,000 ppm)",
                SeabedWarning,
                stacklevel=4,
            )

    def _to_lon_lat(self, table: pd.DataFrame, crs: Any) -> pd.DataFrame:
        try:
            source = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as err:
            raise ConfigError(
                f"{crs!r} is not a CRS pyproj knows ({err})",
                column="crs",
                hint="give an EPSG code such as 'EPSG:32656'",
            ) from None
        to_wgs84 = pyproj.Transformer.from_crs(source, "EPSG:4326", always_xy=True)
        lon, lat = to_wgs84.transform(table["x"].to_numpy(), table["y"].to_numpy())
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
        if bad.any():
            raise self.fail(
                f"x/y cannot be converted from {source.name} to lon/lat",
                index=int(table.index[np.flatnonzero(bad)[0]]),
                column="x",
                hint="check the coordinates and the crs",
            )
        table = table.drop(columns=["x", "y"])
        table.insert(1, "lon", lon)
        table.insert(2, "lat", lat)
        return table

    def _check_ranges(
        self, table: pd.DataFrame, grades: list[str], optional: list[str]
    ) -> None:
        checks = [(c, *_RANGE_RULES[c]) for c in ("lon", "lat", "top_m", "bottom_m")]
        checks += [
            (c, *_RANGE_RULES[r]) for c in grades for r in ("grade", "grade_limit")
        ]
        checks += [(c, *_RANGE_RULES["depth_limit"]) for c in ("top_m", "bottom_m")]
        checks += [(c, *_RANGE_RULES[c]) for c in optional]
        checks.append(("bottom_m", *_RANGE_RULES["interval"]))
        for column, is_valid, problem, fix in checks:
            # NaN passes: only optional columns may hold it at this point
            bad = ~is_valid(table, column) & table[column].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                value = table[column].iloc[row]
                raise self.fail(
                    f"{problem} ({value:g})", index=row, column=column, hint=fix
                )

    def _total_rey(self, table: pd.DataFrame, grades: list[str]) -> pd.DataFrame:
        elements = [c for c in grades if c != "rey_ppm"]
        if not elements:
            return table
        total = table[elements].sum(axis=1)
        if "rey_ppm" in grades:
            off = (table["rey_ppm"] - total).abs() > _REY_SUM_TOLERANCE * total
            if off.any():
                row = int(np.flatnonzero(off.to_numpy())[0])
                raise self.fail(
                    f"rey_ppm {table['rey_ppm'].iloc[row]:g} differs by more than 1 % "
                    f"from the sum of the 15 elements ({total.iloc[row]:g})",
                    index=row,
                    column="rey_ppm",
                    hint="fix the total or the elements, or drop the rey_ppm column",
                )
        table["rey_ppm"] = total
        return table

    def _check_positions(
        self, table: pd.DataFrame, given: pd.DataFrame
    ) -> pd.DataFrame:
        """Refuse a core whose rows give different positions (named as ``given``);
        a longitude given as 180 in one row and -180 in another is one position,
        and its rows take the first row's."""
        firsts = table.groupby("core_id", sort=False)[["lon", "lat"]].transform("first")
        given = given.loc[table.index]
        given_firsts = given.groupby(table["core_id"], sort=False).transform("first")
        for column in ("lon", "lat"):
            first = firsts[column]
            offset = (table[column] - first).to_numpy()
            if column == "lon":  # modulo whole turns
                offset = wrap_lon(offset)
            moved = np.abs(offset) > POSITION_TOLERANCE_DEG
            if moved.any():
                row = int(table.index[np.flatnonzero(moved)[0]])
                core = table.at[row, "core_id"]
                raise self.fail(
                    f"core {core!r} changes position ({column} {given.at[row, column]:g}"
                    f" here, {given_firsts.at[row, column]:g} in its first row)",
                    index=row,
                    column=column,
                    hint="give every row of a core the same position, or give "
                    "different sites different core_id values",
                )
        turned = (table["lon"] - firsts["lon"]).abs() > POSITION_TOLERANCE_DEG
        table.loc[turned, "lon"] = firsts.loc[turned, "lon"]
        return table

    def _check_overlaps(self, table: pd.DataFrame) -> None:
        same_core = table["core_id"].eq(table["core_id"].shift())
        previous_bottom = table["bottom_m"].shift()
        overlap = same_core & (table["top_m"] < previous_bottom - _DEPTH_TOLERANCE_M)
        if overlap.any():
            position = int(np.flatnonzero(overlap.to_numpy())[0])
            row = int(table.index[position])
            other = int(table.index[position - 1])
            raise self.fail(
                f"interval {table.at[row, 'top_m']:g}-{table.at[row, 'bottom_m']:g} m of"
                f" core {table.at[row, 'core_id']!r} overlaps "
                f"{table.at[other, 'top_m']:g}-{table.at[other, 'bottom_m']:g} m "
                f"(row {other + 1})",
                index=row,
                column="top_m",
                hint="intervals of one core must not overlap; remove duplicates or "
                "fix the depths",
            )


def _is_true(mark: Any) -> bool:
    """A :data:`SYNTHETIC_COLUMN` value read as a flag (True, "true", 1, "yes")."""
    if isinstance(mark, bool | np.bool_):
        return bool(mark)
    return str(mark).strip().lower() in _TRUE_TEXT


def _refuse_duplicate_columns(names: list[str], path: PathLike | None) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                f"column {name!r} appears twice (columns {seen[name]} and {position})",
                path=path,
                hint="rename or drop one of them: seabed will not guess which to use",
            )
        seen[name] = position


def _table_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    if suffix in _CSV_SUFFIXES:
        return suffix
    if suffix in _PARQUET_SUFFIXES:
        return "parquet"
    if suffix in _VECTOR_SUFFIXES:
        return "vector"
    accepted = sorted({*_CSV_SUFFIXES, *_PARQUET_SUFFIXES, *_VECTOR_SUFFIXES})
    raise InputError(
        f"unknown file type {suffix or '(no extension)'!r}",
        path=path,
        hint="save the cores as one of " + ", ".join(accepted),
    )


def _read_csv(path: Path, *, sep: str) -> pd.DataFrame:
    try:
        # read everything as text: numbers are parsed and checked one column at a
        # time, and identifiers such as "007" keep their leading zeros
        # only an empty cell is missing here: "NA" may name a core, and the other
        # columns read the usual spellings of a missing value later
        table = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=[""],
        )
        # pandas renames a repeated header ("rey_ppm.1"): read the names as written
        header = pd.read_csv(path, sep=sep, dtype=str, header=None, nrows=1)
    except pd.errors.EmptyDataError:
        raise InputError(
            "the file is empty", path=path, hint="give a header line and data rows"
        ) from None
    except ImportError as err:  # .zst needs the optional zstandard package
        raise InputError(
            f"cannot be decompressed ({first_line(err)})",
            path=path,
            hint="install the package it names, or decompress the file and give the "
            "CSV",
        ) from None
    except (EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as err:
        # a truncated or corrupt archive (gzip's and bz2's errors are OSErrors)
        raise InputError(
            f"cannot be decompressed ({first_line(err)})",
            path=path,
            hint="the archive is truncated or corrupt; compress the CSV again",
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as err:
        raise InputError(
            f"cannot be read as a table ({first_line(err)})",
            path=path,
            hint=f"save it as UTF-8 text separated by {sep!r}",
        ) from None
    names = [str(name).strip() for name in header.iloc[0]]
    _refuse_duplicate_columns(names, path)
    if len(names) == 1:
        _refuse_other_delimiter(names[0], sep, path)
    if not isinstance(table.index, pd.RangeIndex):
        # rows longer than the header: pandas would take their first values as an
        # index and shift every column one place to the right
        raise InputError(
            f"the data rows have more values than the header's {len(names)} "
            "column names",
            path=path,
            row=1,
            hint="remove the extra values (often a trailing delimiter) or name every "
            "column in the header",
        )
    return table


#: Delimiters that spreadsheets write when the decimal separator is a comma.
_OTHER_DELIMITERS = {
    ";": "semicolons",
    "\t": "tabs",
    "|": "vertical bars",
    ",": "commas",
}


def _refuse_other_delimiter(header: str, sep: str, path: Path) -> None:
    for delimiter, name in _OTHER_DELIMITERS.items():
        if delimiter != sep and delimiter in header:
            raise InputError(
                f"the header has one column, {header[:60]!r}: the file seems "
                f"separated by {name}, not {sep!r}",
                path=path,
                hint="save it with ',' between values and '.' as the decimal point "
                "as .csv, or with tabs as .tsv",
            )


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several unrelated error types
        raise InputError(
            f"cannot be read as Parquet ({first_line(err)})",
            path=path,
            hint="write it again with pandas.DataFrame.to_parquet",
        ) from None
    return table


def _read_vector(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Read one layer of a vector file (the first if none is named)."""
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as err:  # pyogrio.errors.DataSourceError and friends
        raise InputError(
            f"cannot be read as a vector file ({first_line(err)})",
            path=path,
            hint="give a GeoPackage, shapefile, GeoJSON or another format GDAL reads",
        ) from None
    if not layers:
        raise InputError("the file has no layers", path=path, hint="add the features")
    if layer is None:
        layer = layers[0]
        if len(layers) > 1:
            warnings.warn(
                f"{path}: reading layer {layer!r}; the file also has "
                f"{', '.join(layers[1:])} (choose one with the layer key of this "
                "input, e.g. inputs.cores_layer)",
                SeabedWarning,
                stacklevel=3,
            )
    elif layer not in layers:
        raise InputError(
            f"layer {layer!r} not found",
            path=path,
            hint="the file's layers are " + ", ".join(layers),
        )
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as err:
        raise InputError(
            f"layer {layer!r} cannot be read ({first_line(err)})", path=path
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame):  # a table without geometries
        raise InputError(
            f"layer {layer!r} has no geometry column",
            path=path,
            hint="give a vector file whose features have geometries (GeoPackage, "
            "shapefile, GeoJSON ...)",
        )
    return frame, layer


def _read_point_layer(path: Path, layer: str | None = None) -> pd.DataFrame:
    frame, _ = _read_vector(path, layer)
    return _point_table(
        frame,
        path,
        crs_hint="set it, e.g. with ogr2ogr -a_srs EPSG:4326 fixed.gpkg FILE",
    )


def _point_table(
    frame: gpd.GeoDataFrame, path: PathLike | None, *, crs_hint: str
) -> pd.DataFrame:
    """The attributes of a layer of points, with ``lon``/``lat`` (WGS84) from their
    geometry in place of any position columns."""
    if frame.crs is None:
        raise MissingCRSError(
            "the layer has no coordinate reference system", path=path, hint=crs_hint
        )
    geometry = frame.geometry
    not_point = ~geometry.geom_type.isin(["Point"]) | geometry.is_empty
    if not_point.any():
        row = int(np.flatnonzero(not_point.to_numpy())[0])
        shape = geometry.iloc[row]
        found = "empty" if shape is None or shape.is_empty else shape.geom_type
        raise InputError(
            f"geometry is {found}, not a point",
            path=path,
            row=row + 1,
            column="geometry",
            hint="give each sample interval as a point at its core's position",
        )
    lonlat = geometry.to_crs("EPSG:4326")
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table = table.drop(columns=[c for c in ("lon", "lat", "x", "y") if c in table])
    table["lon"] = lonlat.x.to_numpy()
    table["lat"] = lonlat.y.to_numpy()
    return table


def _refuse_position_mapping(
    columns: Mapping[str, str] | None, path: PathLike | None
) -> None:
    mapped = sorted({"lon", "lat", "x", "y"} & set(columns or {}))
    if mapped:
        where = "" if path is None else f"{os.fspath(path)}: "
        raise ConfigError(
            f"{where}positions come from the point geometry, so "
            f"{', '.join(mapped)} cannot be mapped",
            column="columns",
            hint="remove these keys from [columns]",
        )
