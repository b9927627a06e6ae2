"""Run the code blocks of the documentation, so that they never drift from the code.

Every ```python block of ``docs/*.md`` and ``README.md`` runs. The blocks of one page
share a namespace and run in order, in a temporary working directory. A block
preceded by a line ``<!-- skip-test: reason -->`` is skipped; use it sparingly (a
cluster address, a recipe that takes minutes).

The working directory holds the files the pages name as "yours", so that they exist:

- ``survey.toml``: a small run on the bundled data (2 km cells over the Takaya box);
- ``cores.csv``: the bundled demo cores, with the columns ``Site``, ``Longitude`` and
  ``Latitude`` where seabed says ``core_id``, ``lon`` and ``lat``;
- ``gebco.tif``: a bathymetry grid (the bundled ETOPO1 cut, elevation positive up);
- ``eez.gpkg`` (layer ``eez_approx``) and ``zones.gpkg`` (layer ``mpa``): zones;
- ``out/``: the outputs of a run of ``survey.toml``.

and the namespace starts with the names the pages use for the reader's own data
(from that run; see :func:`stand_ins`):

- ``X``, ``y`` (also ``rey_ppm``): the complete cores' positions, ``(n, 2)`` metres
  in the grid's CRS (EPSG:32656), and their 0-10 mbsf REY grade in ppm;
- ``nodes`` (also ``Xnew``): the grid's cell centres, ``(m, 2)`` metres;
- ``x_edges``, ``y_edges``: the grid's cell edges, metres;
- ``dataset``, ``record``, ``table``: the run's Dataset, provenance and statement.

```sh blocks: the lines that call ``seabed validate`` or ``seabed --version`` run
(cheap, and they are the commands a reader types first); installs, runs and cluster
commands do not (``tests/test_cli.py`` and ``tests/pipeline/test_distributed.py`` cover
them). ```toml blocks must parse.
"""

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import seabed
from seabed.io import datasets

matplotlib.use("Agg")  # blocks that plot must not need a display

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]

FENCE = re.compile(r"^```(?P<language>[\w-]*)\s*$")
SKIP = re.compile(r"^<!--\s*skip-test:\s*(?P<reason>.+?)\s*-->\s*$")
#: Commands of ```sh blocks that the test runs.
RUN_COMMANDS = ("seabed validate", "seabed --version")

#: Configuration of the example run; paths are relative to it, as in a user's.
SURVEY_TOML = """\
[inputs]
cores = "cores.csv"
bathymetry = "gebco.tif"
include = [{ path = "eez.gpkg", layer = "eez_approx" }]
exclude = [{ path = "zones.gpkg", layer = "mpa", reason = "protected area" }]

[columns]
core_id = "Site"
lon = "Longitude"
lat = "Latitude"

[grid]
resolution_m = 2000
bounds = [153.5, 21.8, 154.1167, 22.25]

[rules]
max_slope_deg = 7

[output]
dir = "out"
"""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def code_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, in order."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    skip_reason, i = None, 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence is None:
            skip = SKIP.match(line)
            if skip is not None:
                skip_reason = skip["reason"]
            elif line.strip():
                skip_reason = None  # the marker applies to the very next block only
            i += 1
            continue
        end = next(
            (j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"),
            len(lines),
        )
        code = "\n".join(lines[i + 1 : end]) + "\n"
        blocks.append(Block(page, i + 1, fence["language"], code, skip_reason))
        skip_reason, i = None, end + 1
    return blocks


def _pages_with(language: str) -> list[Path]:
    return [p for p in PAGES if any(b.language == language for b in code_blocks(p))]


def _sh_commands(page: Path) -> list[str]:
    """The ``seabed validate`` / ``seabed --version`` lines of a page's sh blocks."""
    return [
        line.split("#")[0].strip()
        for block in code_blocks(page)
        if block.language == "sh" and not block.skip_reason
        for line in block.code.splitlines()
        if line.strip().startswith(RUN_COMMANDS)
    ]


def _pages_running_python() -> list[Path]:
    """Pages with a python block not marked skip-test (the others have nothing to run)."""
    return [
        p
        for p in PAGES
        if any(b.language == "python" and not b.skip_reason for b in code_blocks(p))
    ]


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# ------------------------------------------------------------------ the example files
def write_example_files(folder: Path) -> None:
    """The input files the pages name, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cores = pd.read_csv(datasets.demo_cores_path(), dtype={"core_id": str})
    cores = cores.rename(
        columns={"core_id": "Site", "lon": "Longitude", "lat": "Latitude"}
    )
    cores.to_csv(folder / "cores.csv", index=False)
    shutil.copyfile(datasets.bathymetry_path(), folder / "gebco.tif")
    shutil.copyfile(datasets.eez_path(), folder / "eez.gpkg")
    mpa = gpd.GeoDataFrame(
        {"name": ["example protected area"]},
        geometry=[shapely.box(153.90, 21.90, 154.00, 22.00)],
        crs="EPSG:4326",
    )
    mpa.to_file(folder / "zones.gpkg", layer="mpa")
    (folder / "survey.toml").write_text(SURVEY_TOML, encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example folder (with ``out/`` from one run) and that run's result."""
    folder = tmp_path_factory.mktemp("docs-example")
    write_example_files(folder)
    result = seabed.run(
        seabed.load_config(folder / "survey.toml"),
        out_dir=folder / "out",
        progress=False,
    )
    return folder, result


def stand_ins(result: seabed.RunResult) -> dict[str, object]:
    """The names the pages use for the reader's own data, from an example run."""
    dataset = result.dataset
    cores = result.composites[result.composites["reaches_bottom"]]
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", dataset.rio.crs, always_xy=True)
    X = np.column_stack(to_grid.transform(cores["lon"], cores["lat"]))
    y = cores["rey_ppm"].to_numpy()
    xx, yy = np.meshgrid(dataset["x"], dataset["y"])
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    half = abs(float(dataset["x"][1] - dataset["x"][0])) / 2
    return {
        "X": X,
        "y": y,
        "rey_ppm": y,
        "nodes": nodes,
        "Xnew": nodes,
        "x_edges": np.append(dataset["x"] - half, dataset["x"][-1] + half),
        "y_edges": np.append(dataset["y"] + half, dataset["y"][-1] - half),
        "dataset": dataset.copy(),
        "record": result.provenance,
        "table": result.statement.copy(),
    }


@pytest.fixture
def workdir(example, tmp_path, monkeypatch):
    """A fresh copy of the example folder, made the working directory."""
    folder, _ = example
    work = tmp_path / "work"
    shutil.copytree(folder, work)
    monkeypatch.chdir(work)
    return work


# ------------------------------------------------------------------------ the tests
@pytest.mark.parametrize("page", _pages_running_python(), ids=_id)
def test_python_blocks_run(page, example, workdir):
    import matplotlib.pyplot as plt

    namespace: dict[str, object] = {"__name__": "__docs__", **stand_ins(example[1])}
    ran = 0
    for block in code_blocks(page):
        if block.language != "python" or block.skip_reason:
            continue
        code = compile(block.code, block.where, "exec")
        try:
            exec(code, namespace)
        except Exception as error:
            error.add_note(f"in the python block at {block.where}")
            raise
        finally:
            plt.close("all")
        ran += 1
    assert ran > 0, f"{page}: no python block ran"


@pytest.mark.parametrize("page", [p for p in PAGES if _sh_commands(p)], ids=_id)
def test_sh_commands_run(page, workdir):
    commands = _sh_commands(page)
    assert commands, f"{page}: no seabed validate / --version line"
    seabed = [sys.executable, "-m", "seabed.cli"]
    for command in commands:
        args = shlex.split(command)[1:]
        done = subprocess.run(
            [*seabed, *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{page.name}: `{command}` failed:\n{done.stderr}"


@pytest.mark.parametrize("page", _pages_with("toml"), ids=_id)
def test_toml_blocks_parse(page):
    for block in code_blocks(page):
        if block.language == "toml" and not block.skip_reason:
            try:
                tomllib.loads(block.code)
            except tomllib.TOMLDecodeError as error:
                pytest.fail(f"{block.where}: not valid TOML: {error}")


def test_code_blocks_are_found():
    """The parser sees the blocks (a broken fence pattern would skip them all)."""
    quickstart = code_blocks(ROOT / "docs" / "quickstart.md")
    languages = [block.language for block in quickstart]
    assert "python" in languages and "sh" in languages and "toml" in languages
    assert all(block.code.strip() for block in quickstart)


def test_skip_marker_applies_to_the_next_block_only(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- skip-test: needs a cluster -->\n```python\nraise SystemExit\n```\n\n"
        "```python\nx = 1\n```\n",
        encoding="utf-8",
    )
    first, second = code_blocks(page)
    assert first.skip_reason == "needs a cluster" and first.line == 2
    assert second.skip_reason is None and second.code == "x = 1\n"


def test_api_page_is_up_to_date():
    """docs/api.md is what docs/make_api.py writes for the code as it is."""
    spec = importlib.util.spec_from_file_location(
        "docs_make_api", ROOT / "docs" / "make_api.py"
    )
    assert spec is not None and spec.loader is not None
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    expected = make_api.render()
    current = make_api.API_PAGE.read_text(encoding="utf-8")
    assert current == expected, (
        "docs/api.md is out of date: run python docs/make_api.py"
    )
