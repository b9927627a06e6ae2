"""Tiles on a real dask.distributed cluster equal the single-process run, bit for bit.

The cluster is two worker processes on loopback (no dashboard), started once for
the module.
"""

import json
import pickle

import numpy as np
import pytest
import rasterio
import xarray as xr

import seabed
from seabed.estimation import estimate_grid, tile_stack
from seabed.geostats import OrdinaryKriging, Variogram
from seabed.io import datasets

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster.scheduler_address) as connected:
        yield connected


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 40_000, size=(400, 2))
    y = np.column_stack([np.cos(X[:, 1] / 7000), rng.normal(size=400)])
    variogram = Variogram("spherical", psill=0.6, range=12_000.0, nugget=0.05)
    return OrdinaryKriging(variogram, n_neighbors=24).fit(X, y)


@pytest.fixture(scope="module")
def grid():
    x = np.arange(70) * 600.0 + 300.0
    y = (np.arange(50) * 800.0 + 400.0)[::-1]
    return xr.Dataset(coords={"y": y, "x": x})


def test_cluster_equals_local_threads(fitted, grid, client):
    common = {"outputs": ["a", "b"], "std_name": "a_std", "progress": False}
    local = estimate_grid(fitted, grid, tile_size=64, **common)
    remote = estimate_grid(fitted, grid, tile_size=16, scheduler=client, **common)
    for name in ("a", "b", "a_std"):
        np.testing.assert_array_equal(remote[name].values, local[name].values)
    assert np.isfinite(local["a"].values).all()


def test_each_tile_predicts_on_one_thread_on_the_cluster(grid, client):
    class ThreadsAsValues:  # predicts the threads it was given (defined here:
        # cloudpickle ships it to the worker processes by value)
        def __init__(self, n_jobs=None):
            self.n_jobs = n_jobs

        def get_params(self, deep=True):
            return {"n_jobs": self.n_jobs}

        def predict(self, X):
            return np.full(len(X), float(self.n_jobs or 0))

    estimator = ThreadsAsValues()
    out = estimate_grid(
        estimator,
        grid,
        outputs=["threads"],
        tile_size=16,
        scheduler=client,
        progress=False,
    )
    # the workers' own threads run tiles side by side: one each
    np.testing.assert_array_equal(np.unique(out["threads"].values), [1.0])
    assert estimator.n_jobs is None


def test_both_workers_take_tiles(fitted, grid, client):
    stack = tile_stack(fitted, grid, n_outputs=2, with_std=True, tile_size=10)
    with distributed.get_task_stream(client) as stream:
        client.compute(stack).result()
    tiles = [t for t in stream.data if stack.name in str(t["key"])]
    assert len(tiles) == 35
    assert len({t["worker"] for t in tiles}) == 2


def test_the_estimator_enters_the_graph_once(fitted, grid):
    stack = tile_stack(fitted, grid, n_outputs=2, with_std=True, tile_size=10)
    graph = dict(stack.__dask_graph__())
    sizes = sorted(len(pickle.dumps(task)) for task in graph.values())
    estimator_size = len(pickle.dumps(fitted))
    assert stack.numblocks == (1, 5, 7)
    # one task holds the estimator; the 35 tile tasks only refer to its key
    assert sum(size >= estimator_size for size in sizes) == 1
    assert sizes[-2] < estimator_size / 10


def _statement(out):
    document = json.loads((out / "resource.json").read_text())
    document.pop("provenance")
    return document


def test_seabed_run_on_the_cluster_matches_a_local_run(tmp_path, cluster):
    config = seabed.demo_config()
    config = config.model_copy(
        update={
            "grid": config.grid.model_copy(update={"resolution_m": 2000.0}),
            "output": config.output.model_copy(update={"report": False}),
        }
    )
    local = seabed.run(config, out_dir=tmp_path / "local", progress=False)
    remote = seabed.run(
        config,
        out_dir=tmp_path / "remote",
        tile_size=8,
        scheduler=cluster.scheduler_address,
        progress=False,
    )
    assert remote.provenance["scheduler"] == cluster.scheduler_address
    assert _statement(remote.out_dir) == _statement(local.out_dir)
    for layer in ("rey_ppm", "rey_std_ppm", "treo_t_per_km2", "class"):
        with (
            rasterio.open(local.out_dir / f"{layer}.tif") as a,
            rasterio.open(remote.out_dir / f"{layer}.tif") as b,
        ):
            np.testing.assert_array_equal(a.read(1), b.read(1))


def test_a_scheduler_file_hands_over_the_cluster(tmp_path, cluster):
    """The way dask-jobqueue, dask-mpi and HPC launchers pass a cluster on."""
    from seabed.cli import build_parser, main

    scheduler_file = tmp_path / "scheduler.json"
    scheduler_file.write_text(json.dumps({"address": cluster.scheduler_address}))
    config = seabed.demo_config()
    config = config.model_copy(
        update={
            "grid": config.grid.model_copy(update={"resolution_m": 4000.0}),
            "dask": config.dask.model_copy(update={"scheduler_file": scheduler_file}),
            # the hand-over is what is checked: no simulation, no report
            "simulation": None,
            "output": config.output.model_copy(update={"report": False}),
        }
    )
    result = seabed.run(config, out_dir=tmp_path / "from-config", progress=False)
    assert result.provenance["scheduler"] == cluster.scheduler_address
    # the command line: `seabed run` and `seabed demo` share the option and the
    # code that reads it; `run` of a small configuration does the hand-over here
    # (the demo itself is run by tests/test_cli.py)
    toml = tmp_path / "small.toml"
    toml.write_text(
        f"[inputs]\ncores = {json.dumps(str(datasets.demo_cores_path()))}\n"
        f"[grid]\nresolution_m = 4000.0\nbounds = {list(datasets.TAKAYA_BOX)}\n"
        "[output]\nreport = false\n"
    )
    out = str(tmp_path / "cli")
    file_option = ["--scheduler-file", str(scheduler_file)]
    code = main(["run", str(toml), "--out", out, "--no-progress", *file_option])
    assert code == 0
    provenance = json.loads((tmp_path / "cli" / "resource.json").read_text())
    assert provenance["provenance"]["scheduler"] == cluster.scheduler_address
    demo = build_parser().parse_args(["demo", *file_option])
    assert demo.scheduler_file == scheduler_file
