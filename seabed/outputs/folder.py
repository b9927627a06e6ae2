"""The output folder: a staging folder published only when the whole run has succeeded."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from seabed.exceptions import InputError

#: Folder of the output folder where finished tiles wait until the run succeeds.
TILES_FOLDER = ".seabed-tiles"


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A hidden folder in ``out_dir`` that the files are written into, then moved
    out of; a run killed midway leaves it behind, and the next run removes it."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_staging(out_dir)
        staging = Path(
            tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=out_dir)
        )
    except OSError as error:
        raise InputError(
            f"cannot write the output folder ({error.strerror})",
            path=out_dir,
            hint="choose another folder with --out or output.dir",
        ) from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_STAGING_PREFIX = ".seabed-staging-"


def _remove_abandoned_staging(out_dir: Path) -> None:
    """Remove the staging folders of runs that were killed (their process is gone)."""
    for folder in out_dir.glob(f"{_STAGING_PREFIX}*"):
        pid = folder.name.removeprefix(_STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not _is_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _publish(staging: Path, out_dir: Path) -> list[Path]:
    published = []
    for path in sorted(staging.iterdir()):
        target = out_dir / path.name
        path.replace(target)  # atomic within one file system
        published.append(target)
    return published
