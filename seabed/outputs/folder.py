"""The output folder's contract (``docs/outputs.md``).

- a run never writes outside its folder: no symbolic link is followed for anything
  it creates (a link in the place of the tiles folder, a staging folder, the
  manifest or an output file is refused);
- it never overwrites a file it did not write: a file in the way that the last
  run's manifest does not list, unchanged, is refused before anything is computed;
- it publishes its files together from a staging folder, with a manifest
  (:data:`MANIFEST`) listing each file written, its SHA-256 and the run's id, and
  removes the files of the earlier run (listed in its manifest, unchanged since)
  that it does not write again;
- a failed run leaves nothing behind but the finished tiles that ``--resume``
  needs, inside the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seabed.exceptions import InputError
from seabed.outputs.files import write_json

#: Folder of the output folder where finished tiles wait until the run succeeds.
TILES_FOLDER = ".seabed-tiles"
#: The list of the files the last successful run wrote into the folder.
MANIFEST = ".seabed-manifest.json"
_STAGING_PREFIX = ".seabed-staging-"
_MANIFEST_FORMAT = 1
_HINT = "choose another output folder (--out or output.dir)"


# --------------------------------------------------------------------------- claim
def claim_output_folder(out_dir: Path, writes: Callable[[str], bool]) -> None:
    """Refuse an output folder where a run would follow a link or overwrite a file
    it did not write; called before anything is computed.

    ``writes(name)`` tells whether a run may write a file of that name. Such a
    file already in the folder must be one that the last run wrote (listed in
    its manifest, unchanged since); the tiles folder, staging folders and the
    manifest must be no symbolic links.

    Raises
    ------
    InputError
        Naming the file in the way.
    """
    if not out_dir.is_dir():
        return  # created by the run: nothing in the way
    manifest = read_manifest(out_dir)
    for entry in sorted(os.scandir(out_dir), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name == TILES_FOLDER:
            _refuse_links(path)
        elif entry.name.startswith(_STAGING_PREFIX):
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                raise _not_ours(path)
        elif (
            entry.name != MANIFEST and writes(entry.name) and not _owned(path, manifest)
        ):
            raise _in_the_way(path)


def _refuse_links(folder: Path) -> None:
    """Refuse a tiles folder that is, or holds, a symbolic link or is a file."""
    if folder.is_symlink() or not folder.is_dir():
        raise _not_ours(folder)
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root, name)
            if path.is_symlink():
                raise _not_ours(path)


def _not_ours(path: Path) -> InputError:
    what = "a symbolic link" if path.is_symlink() else "not what seabed wrote there"
    return InputError(
        f"{what}: seabed writes nothing through links or over what it did not write",
        path=path,
        hint=f"remove it, or {_HINT}",
    )


def _in_the_way(path: Path) -> InputError:
    if path.is_symlink():
        return _not_ours(path)
    return InputError(
        "a file that seabed did not write (or that was changed since) has the name "
        "of an output file; seabed does not overwrite it",
        path=path,
        hint=f"move it away, or {_HINT}",
    )


# --------------------------------------------------------------------------- manifest
def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The folder's manifest (``files``: name -> ``sha256``, ``size``,
    ``mtime_ns``), or an empty one when there is none.

    Raises
    ------
    InputError
        When the manifest is a link, or cannot be read.
    """
    path = out_dir / MANIFEST
    if not os.path.lexists(path):
        return {"files": {}}
    if path.is_symlink() or not path.is_file():
        raise _not_ours(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        files = document["files"]
        previous = document.get("previous", {})
        if not isinstance(files, dict) or not isinstance(previous, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            "the manifest of an earlier run cannot be read",
            path=path,
            hint=f"remove it (seabed will then not overwrite that run's files), or "
            f"{_HINT}",
        ) from None
    return document


def _owned(path: Path, manifest: Mapping[str, Any]) -> bool:
    """Whether ``path`` is a regular file (or a folder of them, a Zarr store) the
    manifest lists, unchanged since."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return True  # nothing there
    if stat.S_ISDIR(info.st_mode):
        found = _folder_stat(path)
        if found is None:
            return False
        size, mtime_ns = found
    elif stat.S_ISREG(info.st_mode):
        size, mtime_ns = info.st_size, info.st_mtime_ns
    else:
        return False
    listed = [
        record.get(path.name)
        for record in (manifest["files"], manifest.get("previous", {}))
    ]
    return any(
        isinstance(entry, dict)
        and entry.get("size") == size
        and entry.get("mtime_ns") == mtime_ns
        for entry in listed
    )


def _folder_files(folder: Path) -> list[Path] | None:
    """The files of a folder and its subfolders, sorted; None if it holds
    anything but folders and regular files (a link)."""
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        for name in [*dirs, *names]:
            if Path(root, name).is_symlink():
                return None
        files.extend(Path(root, name) for name in names)
    return sorted(files)


def _folder_stat(folder: Path) -> tuple[int, int] | None:
    """A folder's total size and its files' latest modification time (moving
    the folder into place changes its own), or None when it holds a link."""
    files = _folder_files(folder)
    if files is None:
        return None
    stats = [p.stat() for p in files]
    return sum(s.st_size for s in stats), max((s.st_mtime_ns for s in stats), default=0)


def _entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    if path.is_dir():  # a Zarr store: the digest of its files' names and digests
        found = _folder_stat(path)
        assert found is not None  # written by this run: no link in it
        for file in _folder_files(path) or []:
            name = file.relative_to(path).as_posix()
            digest.update(f"{name}\0{_entry(file)['sha256']}\n".encode())
        size, mtime_ns = found
        return {"sha256": digest.hexdigest(), "size": size, "mtime_ns": mtime_ns}
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    info = path.stat()
    return {
        "sha256": digest.hexdigest(),
        "size": info.st_size,
        "mtime_ns": info.st_mtime_ns,
    }


#: Manifest entries being computed ahead, by staged file (:func:`_digest_ahead`).
_AHEAD: dict[Path, Future[dict[str, Any]]] = {}


def _digest_ahead(path: Path) -> None:
    """Start hashing a finished staged file in a thread of its own, so that its
    SHA-256 is ready when the run publishes: ``result.nc`` (280 MB per 10^6 cells)
    is then read while the maps' overviews and the report are made, not after
    them. SHA-256 and the reads let go of the GIL. :func:`_publish` takes the
    entry only if the file's size and modification time are still the ones hashed.
    """
    if not path.is_file():  # a Zarr store: hashed when published
        return
    pool = ThreadPoolExecutor(1, thread_name_prefix="seabed-digest")
    _AHEAD[path.absolute()] = pool.submit(_entry, path)
    pool.shutdown(wait=False)  # the thread ends with its one task


def _entry_of(path: Path) -> dict[str, Any]:
    """The manifest entry of a staged file: hashed ahead when it was, else now."""
    ahead = _AHEAD.pop(path.absolute(), None)
    if ahead is not None:
        with contextlib.suppress(OSError):
            entry = ahead.result()
            info = path.stat()
            if (entry["size"], entry["mtime_ns"]) == (info.st_size, info.st_mtime_ns):
                return entry
    return _entry(path)


def _write_manifest(
    out_dir: Path,
    files: Mapping[str, Any],
    *,
    run_id: str,
    previous: Mapping[str, Any] | None = None,
) -> None:
    document: dict[str, Any] = {
        "format": _MANIFEST_FORMAT,
        "run_id": run_id,
        "files": dict(files),
    }
    if previous:
        document["previous"] = dict(previous)
    write_json(document, out_dir / MANIFEST)


# --------------------------------------------------------------------------- staging
@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A hidden folder in ``out_dir`` that the files are written into, then moved
    out of; a run killed midway leaves it behind, and the next run removes it. A
    run that fails removes it, and the output folder too if it created it and
    nothing (no finished tile) is left in it."""
    created = _missing_folders(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_staging(out_dir)
        staging = Path(
            tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{os.getpid()}-", dir=out_dir)
        )
    except OSError as error:
        _remove_empty(created)
        raise InputError(
            f"cannot write the output folder ({error.strerror})",
            path=out_dir,
            hint=_HINT,
        ) from None
    try:
        yield staging
    except BaseException:
        _forget_ahead(staging)
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise
    _forget_ahead(staging)
    shutil.rmtree(staging, ignore_errors=True)


def _forget_ahead(staging: Path) -> None:
    """Drop the digests started for a staging folder's files (a failed run's:
    a published file's is taken by :func:`_publish`)."""
    for path in [p for p in _AHEAD if p.parent == staging.absolute()]:
        _AHEAD.pop(path).cancel()


def _missing_folders(out_dir: Path) -> list[Path]:
    """The folders that creating ``out_dir`` creates, deepest first."""
    missing = []
    path = out_dir.absolute()
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed run created, if empty (never their content)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _remove_abandoned_staging(out_dir: Path) -> None:
    """Remove the staging folders of runs that were killed (their process is gone)."""
    for folder in out_dir.glob(f"{_STAGING_PREFIX}*"):
        if folder.is_symlink() or not folder.is_dir():
            continue  # not seabed's (refused before the run)
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


# --------------------------------------------------------------------------- publish
def _publish(staging: Path, out_dir: Path, *, run_id: str) -> list[Path]:
    """Move the staged files into ``out_dir``, record them in the manifest and
    remove the earlier run's files that this run did not write again.

    Every target is checked first (the folder may have changed during the run):
    one in the way stops the run before anything is moved. The manifest is
    written before the files are moved, listing the earlier run's files too, so
    that a run killed while publishing leaves nothing the next run would not own.
    """
    old = read_manifest(out_dir)
    staged = sorted(staging.iterdir())
    for path in staged:
        target = out_dir / path.name
        if not _owned(target, old):
            raise _in_the_way(target)
    files = {path.name: _entry_of(path) for path in staged}
    # the earlier run's files, and those of a run killed while publishing
    earlier = {**old.get("previous", {}), **old["files"]}
    stale = [
        name
        for name in earlier
        if name not in files and Path(name).name == name and _owned(out_dir / name, old)
    ]
    replaced = {
        name: earlier[name] for name in earlier if name in files or name in stale
    }
    _write_manifest(out_dir, files, run_id=run_id, previous=replaced)
    published = []
    for path in staged:
        target = out_dir / path.name
        if path.is_dir() and target.is_dir():  # a Zarr store replacing the last
            _remove(target)
        path.replace(target)  # atomic within one file system
        published.append(target)
    for name in stale:
        _remove(out_dir / name)
    _write_manifest(out_dir, files, run_id=run_id)
    return published


def _remove(path: Path) -> None:
    """Remove an earlier run's file, or its folder (a Zarr store)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
