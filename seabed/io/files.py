"""Checks every input file passes before it is opened.

An input must be a regular file (or a folder format such as ``.gdb``), reachable
without a symbolic-link loop. A FIFO, a device or a socket would block or never end a
read, so they are refused at once, in one line that names the path.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> check_input_file(folder / "cores.csv")
Traceback (most recent call last):
...
seabed.exceptions.InputError: ...cores.csv: file not found; check the path (relative paths in a configuration file are relative to its folder, in a mapping to the current folder)
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from seabed.exceptions import InputError

__all__ = ["FOLDER_FORMATS", "check_input_file", "first_line"]

#: Formats stored as a folder rather than a file.
FOLDER_FORMATS = {".gdb", ".zarr"}


def check_input_file(path: Path) -> None:
    """Refuse, in one line, a path that is not a readable regular input file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InputError(
                "the path has a symbolic-link loop",
                path=path,
                hint="point it at the file itself",
            ) from None
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            raise InputError(
                "file not found",
                path=path,
                hint="check the path (relative paths in a configuration file are "
                "relative to its folder, in a mapping to the current folder)",
            ) from None
        raise InputError(
            f"cannot be opened ({error.strerror})", path=path, hint="check permissions"
        ) from None
    if stat.S_ISDIR(mode):
        if path.suffix.lower() in FOLDER_FORMATS:
            return
        raise InputError("is a folder, not a file", path=path, hint="name the file")
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "a device"
        )
        raise InputError(
            f"is {kind}, not a regular file",
            path=path,
            hint="save the data to a file and give its path",
        )
    if not os.access(path, os.R_OK):
        raise InputError("cannot be read (permission denied)", path=path)


def first_line(error: BaseException) -> str:
    """The first line of an error's message (libraries' messages run long)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
