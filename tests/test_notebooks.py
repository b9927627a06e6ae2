"""The example notebooks run clean, draw their figures, and are committed executed.

They run exactly as ``notebooks/execute.py`` runs them (a fresh kernel, every
cell), but in a temporary working directory, and nothing is written back.
Refresh the committed outputs with ``python notebooks/execute.py``.
"""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_runner():
    spec = importlib.util.spec_from_file_location(
        "notebooks_execute", ROOT / "notebooks" / "execute.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
NOTEBOOKS = runner.notebooks()
#: Fewest figures a notebook shows (the walkthrough has ten, regression kriging four).
MIN_FIGURES = 3


def _errors(notebook) -> list[str]:
    return [
        f"{output.ename}: {output.evalue}"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


def test_the_notebooks_are_found():
    assert [path.name for path in NOTEBOOKS] == [
        "01_walkthrough.ipynb",
        "02_regression_kriging.ipynb",
        "03_validation.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_and_draws_its_figures(path, tmp_path):
    notebook = runner.execute(path, workdir=tmp_path)  # raises if a cell fails
    assert _errors(notebook) == []
    assert runner.image_outputs(notebook) >= MIN_FIGURES
    # outputs go to a temporary folder of the notebook's own, never the working one
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_notebook_carries_its_outputs(path):
    """What a reader sees on GitHub: every cell run, in order, figures embedded."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    counts = [c.execution_count for c in notebook.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} was not run top to bottom in one go: "
        "refresh it with python notebooks/execute.py"
    )
    assert _errors(notebook) == []
    assert runner.image_outputs(notebook) >= MIN_FIGURES
