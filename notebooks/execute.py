"""Execute the example notebooks and save them with their outputs.

The notebooks are committed *with* their outputs (figures as embedded PNGs) so that
a reader on GitHub sees them without running anything. Refresh them after a change
to seabed or to a notebook, from the repository root::

    python notebooks/execute.py                                  # every notebook
    python notebooks/execute.py notebooks/01_walkthrough.ipynb   # one of them

``tests/test_notebooks.py`` runs the notebooks the same way (through
:func:`execute`), in a temporary folder, so they never rot.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["NOTEBOOKS_DIR", "TIMEOUT_S", "execute", "image_outputs", "notebooks"]

#: The folder holding the notebooks (this script's folder).
NOTEBOOKS_DIR = Path(__file__).resolve().parent

#: Longest a single cell may run, in seconds, before execution fails.
TIMEOUT_S = 600


def notebooks() -> list[Path]:
    """The example notebooks, in reading order (their names start with a number)."""
    return sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


def execute(
    path: str | Path, *, workdir: str | Path | None = None
) -> nbformat.NotebookNode:
    """Run every cell of a notebook in a fresh kernel and return it with outputs.

    Parameters
    ----------
    path : path
        The notebook file; it is read, not modified.
    workdir : path, optional
        Working directory of the kernel; default: the notebook's folder.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook. A cell that raises stops the run with
        ``nbclient.exceptions.CellExecutionError``.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,  # no timestamps: a re-run changes only what changed
        resources={"metadata": {"path": str(workdir or path.parent)}},
    )
    client.execute()
    return notebook


def image_outputs(notebook: nbformat.NotebookNode) -> int:
    """Number of PNG images among a notebook's cell outputs."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Execute notebooks in place; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks to run (default: all)"
    )
    args = parser.parse_args(argv)
    for path in args.paths or notebooks():
        start = time.perf_counter()
        notebook = execute(path)
        nbformat.write(notebook, path)
        print(
            f"{path.name}: {time.perf_counter() - start:.0f} s, "
            f"{image_outputs(notebook)} figures"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
