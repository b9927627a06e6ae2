"""Finished tiles kept on disk, so that a killed run started again resumes.

:class:`TileFolder` is the store that :func:`seabed.estimation.estimate_grid` is given
as its ``checkpoint``: estimation decides what a tile is and when it is done; this
module alone writes it. A tile is saved as ``tile_<row>_<col>.npy``, renamed into
place only once written whole, so a killed run never leaves half a tile; one that
cannot be read back is computed again.

Examples
--------
>>> import tempfile, numpy as np
>>> store = TileFolder(tempfile.mkdtemp()).subfolder("estimate-1")
>>> store.save(0, 16, np.ones((1, 2, 2)))
>>> store.load(0, 16, (1, 2, 2)).sum(), store.load(16, 0, (1, 2, 2)), store.count()
(np.float64(4.0), None, 1)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["TileFolder"]


@dataclass(frozen=True)
class TileFolder:
    """A folder of finished tiles (small and picklable: dask ships it to workers).

    On a cluster the folder must be on a file system that the workers share.
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    def subfolder(self, key: str) -> TileFolder:
        """The store of one estimate, named by what its tiles depend on."""
        return TileFolder(self.root / key)

    def load(
        self, row: int, col: int, shape: tuple[int, ...]
    ) -> NDArray[np.float64] | None:
        """The saved tile at (row, col), or None if absent, unreadable or not ``shape``."""
        path = self._path(row, col)
        if not path.exists():
            return None
        try:
            saved = np.load(path)
        except (OSError, ValueError):
            return None  # unreadable: computed again
        return saved if saved.shape == shape else None

    def save(self, row: int, col: int, values: NDArray[np.float64]) -> None:
        """Save a finished tile, renamed into place only once written whole."""
        path = self._path(row, col)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        with open(partial, "wb") as file:
            np.save(file, values)
        os.replace(partial, path)

    def count(self) -> int:
        """Tiles saved so far."""
        return len(list(self.root.glob("tile_*.npy"))) if self.root.is_dir() else 0

    def _path(self, row: int, col: int) -> Path:
        return self.root / f"tile_{row}_{col}.npy"
