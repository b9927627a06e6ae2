"""Resumable runs: finished tiles are kept, a killed run restarts where it stopped."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import rasterio
import xarray as xr

from seabed.cli import main
from seabed.estimation import checkpoint_key, estimate_grid
from seabed.geostats import OrdinaryKriging, Variogram
from seabed.io import datasets
from seabed.outputs import TileFolder
from seabed.outputs.folder import TILES_FOLDER


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 30_000, size=(120, 2))
    y = np.sin(X[:, 0] / 6000) + rng.normal(0, 0.1, 120)
    variogram = Variogram("exponential", psill=0.4, range=6000.0, nugget=0.01)
    return OrdinaryKriging(variogram, n_neighbors=16).fit(X, y)


@pytest.fixture(scope="module")
def grid():
    x = np.arange(40) * 750.0 + 375.0
    y = (np.arange(30) * 1000.0 + 500.0)[::-1]
    return xr.Dataset(coords={"y": y, "x": x})


def estimate(fitted, grid, checkpoint=None):
    return estimate_grid(
        fitted,
        grid,
        outputs=["a"],
        std_name="a_std",
        tile_size=16,
        progress=False,
        checkpoint=None if checkpoint is None else TileFolder(checkpoint),
    )


def test_tiles_are_kept_and_read_back(fitted, grid, tmp_path):
    plain = estimate(fitted, grid)
    first = estimate(fitted, grid, tmp_path)
    folder = tmp_path / checkpoint_key(
        fitted, grid, n_outputs=1, with_std=True, tile_size=16
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"tile_{row}_{col}.npy" for row in (0, 16) for col in (0, 16, 32)
    )
    assert first.attrs == {"tiles": 6, "tiles_resumed": 0}
    # a tile found in the folder is read, not computed: plant a marked one
    marked = np.load(folder / "tile_16_32.npy")
    marked[0] = -1.0
    np.save(folder / "tile_16_32.npy", marked)
    (folder / "tile_0_0.npy").unlink()
    second = estimate(fitted, grid, tmp_path)
    assert second.attrs == {"tiles": 6, "tiles_resumed": 5}
    assert (second["a"].values[16:, 32:] == -1.0).all()
    np.testing.assert_array_equal(
        second["a"].values[:16, :32], plain["a"].values[:16, :32]
    )
    np.testing.assert_array_equal(first["a"].values, plain["a"].values)
    np.testing.assert_array_equal(first["a_std"].values, plain["a_std"].values)


def test_other_inputs_never_reuse_the_tiles(fitted, grid, tmp_path):
    estimate(fitted, grid, tmp_path)
    shifted = grid.assign_coords(x=grid["x"] + 1.0)
    assert estimate(fitted, shifted, tmp_path).attrs["tiles_resumed"] == 0
    assert len(list(tmp_path.iterdir())) == 2


def test_a_broken_tile_is_computed_again(fitted, grid, tmp_path):
    plain = estimate(fitted, grid)
    estimate(fitted, grid, tmp_path)
    (tile,) = tmp_path.glob("*/tile_0_16.npy")
    tile.write_bytes(b"not a tile")
    again = estimate(fitted, grid, tmp_path)
    np.testing.assert_array_equal(again["a"].values, plain["a"].values)


CONFIG = """
[inputs]
cores = "{cores}"
[grid]
resolution_m = 500.0
bounds = [153.5, 21.8, 154.1, 22.3]
[dask]
tile_size = 8
"""

# The run to be killed: every tile made slow, so that the kill lands midway.
SLOW_RUN = """
import sys, time
import seabed.estimation.tiles as estimate
fast = estimate.predict_tile
def slow(*args, **kwargs):
    time.sleep(0.03)
    return fast(*args, **kwargs)
estimate.predict_tile = slow
from seabed.cli import main
sys.exit(main(sys.argv[1:]))
"""


def read_outputs(folder):
    document = json.loads((folder / "resource.json").read_text())
    document.pop("provenance")
    rasters = {}
    for path in sorted(folder.glob("*.tif")):
        with rasterio.open(path) as src:
            rasters[path.name] = src.read(1)
    names = sorted(p.name for p in folder.iterdir())
    return document, rasters, names


def test_a_killed_run_resumes_and_matches_an_uninterrupted_one(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text(CONFIG.format(cores=datasets.demo_cores_path()))
    reference = tmp_path / "reference"
    assert main(["run", str(config), "--out", str(reference), "--no-progress"]) == 0
    capsys.readouterr()

    out = tmp_path / "out"
    tiles = out / TILES_FOLDER
    command = [sys.executable, "-c", SLOW_RUN, "run", str(config), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(tiles.glob("*/tile_*.npy"))) < 20:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no tiles appeared"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    kept = len(list(tiles.glob("*/tile_*.npy")))
    assert not (out / "resource.json").exists()  # no output before the end

    assert main(["run", str(config), "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"resumed an interrupted run: {kept} of " in printed
    total = int(printed.split(f"{kept} of ")[1].split()[0])
    assert kept < total
    assert not tiles.exists()  # removed once the run succeeded

    document, rasters, names = read_outputs(out)
    expected_document, expected_rasters, expected_names = read_outputs(reference)
    assert names == expected_names
    assert document == expected_document
    assert rasters.keys() == expected_rasters.keys()
    for name, values in expected_rasters.items():
        np.testing.assert_array_equal(rasters[name], values, err_msg=name)
