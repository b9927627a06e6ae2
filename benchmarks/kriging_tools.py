"""One kriging tool on the benchmark case, run in a fresh process of its own.

``kriging_speed.py`` starts this script once per tool so that each tool's peak
memory is its own (the parent reads it from ``os.wait4``). The worker loads the
case, sets the tool up (fit, constructor), predicts once on a few nodes so that
compilation and caches are warm, then times ``--repeats`` predictions of the same
nodes, with variance. It writes ``result.json`` (timings, versions, thread pools)
and ``predictions.npz`` (mean and variance, nodes in grid order) to ``--out``.

Run by hand (after ``kriging_speed.py --keep DIR`` has written a case)::

    python benchmarks/kriging_tools.py pykrige --case DIR --out DIR/pykrige --rows 450:550

Exit status 3 means the tool is not installed (the message says what to install).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kriging_case import (
    KrigingCase,
    gstools_model,
    load_case,
    make_case,
    pykrige_parameters,
    seabed_variogram,
)

__all__ = ["TOOLS", "main", "memory_status_mib"]

N_NEIGHBORS = 32
WARM_UP_NODES = 64
EXIT_MISSING = 3

Predictions = tuple[NDArray[np.float64], NDArray[np.float64]]


def memory_status_mib() -> dict[str, float]:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), MiB."""
    status = {}
    with open("/proc/self/status") as lines:
        for line in lines:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                status[key] = int(value.split()[0]) / 1024.0  # kB
    return {"rss_mib": status["VmRSS"], "hwm_mib": status["VmHWM"]}


def thread_pools() -> list[dict[str, Any]]:
    """threadpoolctl's view of the BLAS and OpenMP pools loaded in this process."""
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "version", "num_threads", "architecture")
    return [{k: pool[k] for k in keep if k in pool} for pool in threadpool_info()]


def versions(*names: str) -> dict[str, str]:
    """Installed versions of the named distributions."""
    return {name: metadata.version(name) for name in names}


def best_of(
    repeats: int, predict: Callable[[], Predictions]
) -> tuple[list[float], Predictions]:
    """Wall times of ``repeats`` calls of ``predict``, and the last call's result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = predict()
        times.append(time.perf_counter() - start)
    return times, result


# ---------------------------------------------------------------------- tools
def run_seabed(
    case: KrigingCase, rows: slice, args: argparse.Namespace
) -> dict[str, Any]:
    """seabed ``OrdinaryKriging``: one thread, then all cores; and the check nodes."""
    from seabed.geostats.kriging import OrdinaryKriging

    start = time.perf_counter()
    ok = OrdinaryKriging(seabed_variogram(case), n_neighbors=N_NEIGHBORS)
    ok.fit(case.samples_xy_m, case.rey_ppm)
    setup_s = time.perf_counter() - start
    nodes = case.nodes(rows)
    # the first call compiles the numba kernels (or loads them from the cache)
    ok.predict(nodes[:WARM_UP_NODES], return_std=True)

    def predict(n_jobs: int) -> Callable[[], Predictions]:
        def call() -> Predictions:
            mean, std = ok.set_params(n_jobs=n_jobs).predict(nodes, return_std=True)
            return mean, std**2

        return call

    before = memory_status_mib()
    runs, results = [], {}
    for n_jobs in (1, -1):
        times, results[n_jobs] = best_of(args.repeats, predict(n_jobs))
        runs.append({"n_jobs": n_jobs, "threads": _threads(n_jobs), "times_s": times})
    mean, var = results[-1]
    # the engine promises results independent of the number of threads
    one_thread_mean, one_thread_var = results[1]
    thread_diff = max(
        float(np.max(np.abs(mean - one_thread_mean), initial=0.0)),
        float(np.max(np.abs(var - one_thread_var), initial=0.0)),
    )
    arrays = {"mean": mean, "var": var}
    if args.check_nodes:
        check = _check_nodes(case, args.check_nodes)
        check_mean, check_std = ok.predict(check, return_std=True)
        arrays |= {
            "check_nodes": check,
            "check_mean": check_mean,
            "check_var": check_std**2,
        }
    return {
        "setup_s": setup_s,
        "runs": runs,
        "rss_before_predict_mib": before["rss_mib"],
        "max_abs_diff_between_thread_counts": thread_diff,
        "versions": versions("seabed", "numpy", "scipy", "numba"),
        "arrays": arrays,
    }


def run_pykrige(
    case: KrigingCase, rows: slice, args: argparse.Namespace
) -> dict[str, Any]:
    """PyKrige ``OrdinaryKriging.execute("grid", ..., n_closest_points=32, backend="C")``."""
    from pykrige.ok import OrdinaryKriging

    start = time.perf_counter()
    ok = OrdinaryKriging(
        case.samples_xy_m[:, 0],
        case.samples_xy_m[:, 1],
        case.rey_ppm,
        variogram_model="exponential",
        variogram_parameters=pykrige_parameters(case),
    )
    setup_s = time.perf_counter() - start
    grid_y = case.grid_y_m[rows]

    def predict(x: NDArray[np.float64], y: NDArray[np.float64]) -> Predictions:
        mean, var = ok.execute("grid", x, y, n_closest_points=N_NEIGHBORS, backend="C")
        return np.asarray(mean).ravel(), np.asarray(var).ravel()

    predict(case.grid_x_m[:WARM_UP_NODES], grid_y[:1])
    before = memory_status_mib()
    times, (mean, var) = best_of(args.repeats, lambda: predict(case.grid_x_m, grid_y))
    return {
        "setup_s": setup_s,
        "runs": [{"threads": 1, "times_s": times}],
        "rss_before_predict_mib": before["rss_mib"],
        "options": "variogram_model='exponential', range=3a, backend='C'",
        "versions": versions("pykrige", "numpy", "scipy"),
        "arrays": {"mean": mean, "var": var},
    }


def run_gstools(
    case: KrigingCase, rows: slice, args: argparse.Namespace
) -> dict[str, Any]:
    """GSTools ``krige.Ordinary``: global kriging (every sample for every node)."""
    import gstools

    # the optional Rust backend, where installed, was slower here than the Cython one
    gstools.config.USE_GSTOOLS_CORE = False
    start = time.perf_counter()
    krige = gstools.krige.Ordinary(
        gstools_model(case),
        cond_pos=(case.samples_xy_m[:, 0], case.samples_xy_m[:, 1]),
        cond_val=case.rey_ppm,
        exact=True,  # the nugget belongs to the covariance at h = 0, as in gstat
        pseudo_inv=False,
    )
    setup_s = time.perf_counter() - start
    grid_y = case.grid_y_m[rows]

    def predict(x: NDArray[np.float64], y: NDArray[np.float64]) -> Predictions:
        # small chunks keep its node-by-node summation in cache: chunks of 4 nodes
        # ran three times faster here than one chunk of 1,000 (the default)
        mean, var = krige(
            (x, y), mesh_type="structured", return_var=True, store=False, chunk_size=4
        )
        # structured fields are indexed (x, y): transpose to rows of y, x fastest
        return np.asarray(mean).T.ravel(), np.asarray(var).T.ravel()

    predict(case.grid_x_m[:WARM_UP_NODES], grid_y[:1])
    before = memory_status_mib()
    times, (mean, var) = best_of(args.repeats, lambda: predict(case.grid_x_m, grid_y))
    return {
        "setup_s": setup_s,
        "runs": [{"threads": _openmp_threads(), "times_s": times}],
        "rss_before_predict_mib": before["rss_mib"],
        "options": "global (no neighbourhood), exact=True, pseudo_inv=False, "
        "Cython backend, chunk_size=4",
        "versions": versions("gstools", "gstools-cython", "numpy", "scipy"),
        "arrays": {"mean": mean, "var": var},
    }


def run_seabed_memory(
    case: KrigingCase, rows: slice, args: argparse.Namespace
) -> dict[str, Any]:
    """seabed's memory on the whole grid: one ``predict`` call, or tile after tile.

    The node coordinates of a single call exist before the memory is read
    (``input_mib``): they are the caller's, not ``predict``'s.
    """
    from seabed.geostats import _base
    from seabed.geostats.kriging import OrdinaryKriging

    ok = OrdinaryKriging(seabed_variogram(case), n_neighbors=N_NEIGHBORS, n_jobs=-1)
    ok.fit(case.samples_xy_m, case.rey_ppm)
    ok.predict(case.nodes(slice(0, 1))[:WARM_UP_NODES], return_std=True)
    nodes = None if args.tile_rows else case.nodes()
    before = memory_status_mib()
    start = time.perf_counter()
    n_rows = len(case.grid_y_m)
    if nodes is None:
        mean = np.empty(case.n_nodes)
        std = np.empty(case.n_nodes)
        width = len(case.grid_x_m)
        for first in range(0, n_rows, args.tile_rows):
            band = slice(first, min(first + args.tile_rows, n_rows))
            out = slice(band.start * width, band.stop * width)
            mean[out], std[out] = ok.predict(case.nodes(band), return_std=True)
    else:
        mean, std = ok.predict(nodes, return_std=True)
    elapsed = time.perf_counter() - start
    return {
        "n_nodes": case.n_nodes,
        "tile_rows": args.tile_rows,
        "chunk_nodes": getattr(_base, "_CHUNK_NODES", None),
        "seconds": elapsed,
        "rss_before_predict_mib": before["rss_mib"],
        "input_mib": 0.0 if nodes is None else nodes.nbytes / 2**20,
        "output_mib": (mean.nbytes + std.nbytes) / 2**20,
        "arrays": {},
    }


TOOLS: dict[str, Callable[[KrigingCase, slice, argparse.Namespace], dict[str, Any]]] = {
    "seabed": run_seabed,
    "pykrige": run_pykrige,
    "gstools": run_gstools,
    "seabed-memory": run_seabed_memory,
}

_MODULES = {
    "seabed": "seabed",
    "seabed-memory": "seabed",
    "pykrige": "pykrige",
    "gstools": "gstools",
}


# -------------------------------------------------------------------- helpers
def _threads(n_jobs: int) -> int:
    """Threads seabed uses for ``n_jobs``: -1 is every core this process may use."""
    return len(os.sched_getaffinity(0)) if n_jobs == -1 else n_jobs


def _openmp_threads() -> int:
    """Threads of the OpenMP pool; 1 where none is loaded (a build without OpenMP)."""
    pools = [p for p in thread_pools() if p.get("user_api") == "openmp"]
    return int(pools[0]["num_threads"]) if pools else 1


def _check_nodes(case: KrigingCase, n: int) -> NDArray[np.float64]:
    """``n`` grid nodes drawn at random (seeded), for the dense-solve check."""
    rng = np.random.default_rng(case.seed + 1)
    picked = rng.choice(case.n_nodes, size=min(n, case.n_nodes), replace=False)
    row, col = np.divmod(np.sort(picked), len(case.grid_x_m))
    return np.column_stack([case.grid_x_m[col], case.grid_y_m[row]])


def _parse_rows(text: str) -> slice:
    start, _, stop = text.partition(":")
    return slice(int(start) if start else None, int(stop) if stop else None)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("--case", type=Path, help="folder written by save_case")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for the results"
    )
    parser.add_argument(
        "--rows", default=":", help="grid rows START:STOP (default all)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-nodes", type=int, default=0, help="seabed only")
    parser.add_argument(
        "--side", type=int, default=1000, help="seabed-memory grid side"
    )
    parser.add_argument("--tile-rows", type=int, default=0, help="seabed-memory tiles")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one tool and write its results; 3 if the tool is not installed."""
    args = _parser().parse_args(argv)
    module = _MODULES[args.tool]
    try:
        __import__(module)
    except ImportError:
        print(f"{module} is not installed: pip install {module}", file=sys.stderr)
        return EXIT_MISSING
    case = make_case(n_side=args.side) if args.case is None else load_case(args.case)
    result = TOOLS[args.tool](case, _parse_rows(args.rows), args)
    arrays = result.pop("arrays")
    result |= {
        "tool": args.tool,
        "memory": memory_status_mib(),
        "thread_pools": thread_pools(),
        "python": sys.version.split()[0],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    if arrays:
        np.savez(args.out / "predictions.npz", **arrays)
    (args.out / "result.json").write_text(json.dumps(result, indent=1, default=_plain))
    return 0


def _plain(value: Any) -> Any:
    """JSON for numpy scalars."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


if __name__ == "__main__":
    sys.exit(main())
