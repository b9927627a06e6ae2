"""The errors and warnings seabed raises.

Every error a user can cause derives from :class:`InputError`, whose message is one
line naming the file, the row or column or parameter, the problem and the fix. The
command-line interface prints such errors as ``error: <message>`` and exits with
status 2; anything else is a bug and exits with status 1.
"""

from __future__ import annotations

import os

__all__ = [
    "ConfigError",
    "DuplicateSamplesError",
    "InputError",
    "MissingCRSError",
    "SeabedError",
    "SeabedWarning",
    "SingularSystemError",
]


class SeabedError(Exception):
    """Base class of the errors a user can fix (the command line exits 2 on them).

    Programming errors (a wrong type passed by code, a broken invariant) are plain
    Python exceptions, never a :class:`SeabedError`.
    """


class InputError(SeabedError, ValueError):
    """A problem with the user's input that the user can fix.

    Parameters
    ----------
    message : str
        What is wrong, in a few words.
    path : str or os.PathLike, optional
        The file the problem was found in.
    row : int, optional
        The 1-based data row (header excluded) where it was found.
    column : str, optional
        The column, key or parameter concerned.
    hint : str, optional
        What to do about it.

    Examples
    --------
    >>> err = InputError("value is negative", path="cores.csv", row=3,
    ...                  column="top_m", hint="depths are metres below seafloor, >= 0")
    >>> str(err)
    "cores.csv: row 3, column 'top_m': value is negative; depths are metres below seafloor, >= 0"
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"{self._column_word} '{self.column}'")
        text = self.message
        if where:
            text = ", ".join(where) + ": " + text
        if self.path is not None:
            text = f"{self.path}: {text}"
        if self.hint:
            text = f"{text}; {self.hint}"
        return " ".join(text.split())  # always one line

    _column_word = "column"


class ConfigError(InputError):
    """A problem with a configuration file or a parameter value."""

    _column_word = "key"


class MissingCRSError(InputError):
    """A raster or vector file carries no coordinate reference system."""


class DuplicateSamplesError(InputError):
    """Two or more samples share one location, which makes kriging singular."""


class SingularSystemError(SeabedError):
    """A kriging system could not be solved (for example collinear samples).

    The data or the variogram cause it (duplicate or collinear samples, a pure-nugget
    model with a drift), so the user can fix it: the command line exits 2.
    """


class SeabedWarning(UserWarning):
    """Warnings issued by seabed (for example cores that do not reach the window)."""
