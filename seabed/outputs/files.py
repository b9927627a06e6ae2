"""Files written atomically: JSON and CSV tables, and the rule every writer follows.

Every writer writes to a hidden temporary file in the target's folder and renames it
over the target only once the file is complete (an atomic ``os.replace``), so a crash
or an error never leaves a half-written output, and a previous version of the file
stays intact until the new one is ready.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = write_json({"area_km2": float("nan"), "n_cells": 3}, folder / "r.json")
>>> print(path.read_text(), end="")
{
  "area_km2": null,
  "n_cells": 3
}
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rioxarray  # noqa: F401  (registers the ``.rio`` accessor)

from seabed.exceptions import InputError

__all__ = [
    "atomic_path",
    "write_csv",
    "write_json",
]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write to, renamed over ``path`` only on success.

    The temporary file sits in the same folder (so the rename is atomic) under a
    hidden, unique name with the same extension. If the block raises, the temporary
    file is removed and the target is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace.

    Yields
    ------
    pathlib.Path
        Where to write.

    Raises
    ------
    InputError
        If the target's folder does not exist, or writing fails with an OS error
        (permissions, full disk).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_path(target) as temporary:
    ...     _ = temporary.write_text("done")
    >>> target.read_text()
    'done'
    >>> try:
    ...     with atomic_path(target) as temporary:
    ...         _ = temporary.write_text("half")
    ...         raise RuntimeError("failed midway")
    ... except RuntimeError:
    ...     pass
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['notes.txt'])
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(
            "the output folder does not exist",
            path=target.parent,
            hint="create it first or choose another output folder",
        )
    token = secrets.token_hex(6)
    temporary = target.with_name(f".{target.name}.{token}.partial{target.suffix}")
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):  # permissions, full disk: the user can fix
            raise InputError(
                f"cannot write the file ({error})",
                path=target,
                hint="check that the folder is writable and the disk is not full",
            ) from error
        raise


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write an object as JSON: sorted keys, indent 2, NaN as null, numpy converted.

    numpy scalars and arrays, pandas DataFrames (as lists of records), Series,
    timestamps and paths are converted to plain JSON; NaN and infinities become
    ``null`` (strict JSON has no NaN).

    Parameters
    ----------
    obj : object
        Mappings, sequences, numbers, strings, and the types above, nested freely.
    path : str or os.PathLike
        The file to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.json"
    >>> _ = write_json({"b": np.float32(0.5), "a": np.array([1, np.nan])}, path)
    >>> json.loads(path.read_text())
    {'a': [1.0, None], 'b': 0.5}
    """
    text = json.dumps(_jsonable(obj), sort_keys=True, indent=2, allow_nan=False)
    with atomic_path(path) as temporary:
        temporary.write_text(text + "\n", encoding="utf-8")
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as CSV (no index column, full float precision, empty for NaN).

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : str or os.PathLike
        The file to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "statement.csv"
    >>> _ = write_csv(pd.DataFrame({"cutoff_ppm": [0.0, 400.0], "rey_t": [5302.0, None]}), path)
    >>> print(path.read_text(), end="")
    cutoff_ppm,rey_t
    0.0,5302.0
    400.0,
    """
    with atomic_path(path) as temporary:
        df.to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")
    return Path(path)


def _jsonable(obj: Any) -> Any:
    """A copy of ``obj`` made of plain JSON types (NaN and infinities as None)."""
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, Mapping):
        return {str(key): _jsonable(value) for key, value in obj.items()}
    if isinstance(obj, pd.DataFrame):
        return _jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, pd.Series | np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=str) if isinstance(obj, set | frozenset) else obj
        return [_jsonable(item) for item in items]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise InputError(
        f"cannot write a {type(obj).__name__} as JSON",
        column="json",
        hint="convert it to numbers, strings, lists or mappings",
    )
