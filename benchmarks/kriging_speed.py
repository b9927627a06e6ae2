"""Kriging speed, memory and agreement: seabed against PyKrige, GSTools and R gstat.

One run kriges the same seeded case with every tool: 2,000 samples uniformly random
in a 100 km square, a 1000 x 1000 grid of nodes (100 m apart), 32 nearest neighbours,
an exponential model with nugget (the same model in every tool's own parameters; see
``kriging_case.py``), mean and variance. Each tool runs in a fresh process of its own
(``kriging_tools.py``; ``gstat_speed.R`` for R) so that its peak resident memory
(``ru_maxrss`` from ``os.wait4``) is its own. Predictions are timed best of
``--repeats``, after a warm-up call. seabed kriges the whole grid, once on one thread
and once on all cores; the peers, too slow for the whole grid, krige a band of grid
rows through the middle of it (the "common nodes"), and their predictions and
variances are compared with seabed's there. GSTools has no neighbourhood search: it
kriges with all samples, on a smaller band, and is compared with a dense global
solve as well. seabed is also checked against a dense per-node solve (numpy, one
33 x 33 system per node) on a few thousand nodes, and its peak memory is measured
on 10^6, 4 x 10^6 and 10^7 nodes, in one ``predict`` call and in tiles.

Usage::

    python benchmarks/kriging_speed.py --out benchmarks/results/kriging.json
    python benchmarks/kriging_speed.py --quick --out /tmp/kriging.json   # a smoke run

The OpenBLAS variables ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are removed
from the workers' environment only (they slow a current numpy); the thread pools each
worker saw are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kriging_case import KrigingCase, make_case, save_case
from kriging_reference import ordinary_kriging_dense

__all__ = ["ProcessRun", "compare", "machine_facts", "main", "run_process"]

HERE = Path(__file__).resolve().parent
PEERS = ("pykrige", "gstools", "gstat")
UNSET_FOR_WORKERS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TIMEOUT_S = 1800.0
MEMORY_SIDES = "1000,2000,3163"  # 10^6, 4 x 10^6 and 10^7 nodes


@dataclass(frozen=True)
class ProcessRun:
    """How a worker process ended: exit status, peak memory, wall time, errors."""

    returncode: int
    peak_rss_mib: float
    wall_s: float
    stderr_tail: str


def run_process(
    command: list[str], log: Path, timeout_s: float = TIMEOUT_S
) -> ProcessRun:
    """Run ``command`` and read its own peak RSS from ``os.wait4`` (Linux: KiB).

    Examples
    --------
    >>> import tempfile
    >>> run = run_process(["true"], Path(tempfile.mkdtemp()) / "log")
    >>> run.returncode, run.peak_rss_mib > 0
    (0, True)
    """
    env = {k: v for k, v in os.environ.items() if k not in UNSET_FOR_WORKERS}
    start = time.perf_counter()
    with open(log, "w") as errors:
        process = subprocess.Popen(
            command, stdout=errors, stderr=subprocess.STDOUT, env=env
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout_s:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                errors.write(f"\ntimed out after {timeout_s:.0f} s\n")
                break
            time.sleep(0.05)
    # os.wait4 reaped the child: tell Popen, so that it does not wait again
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = log.read_text(errors="replace").strip().splitlines()
    return ProcessRun(
        returncode=process.returncode,
        peak_rss_mib=usage.ru_maxrss / 1024.0,
        wall_s=time.perf_counter() - start,
        stderr_tail="\n".join(lines[-5:]),
    )


def machine_facts() -> dict[str, Any]:
    """Cores, CPU model, memory, load and software of this machine."""
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as lines:
        for line in lines:
            if line.startswith("model name"):
                cpu_model = line.partition(":")[2].strip()
                break
    with open("/proc/meminfo") as lines:
        total_kib = int(next(lines).split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gib": round(total_kib / 2**20, 1),
        "load_average_at_start": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "openblas_variables_in_parent": {
            k: os.environ.get(k) for k in UNSET_FOR_WORKERS
        },
        "openblas_variables_in_workers": "unset",
    }


def compare(
    mean: NDArray[np.float64],
    var: NDArray[np.float64],
    ref_mean: NDArray[np.float64],
    ref_var: NDArray[np.float64],
) -> dict[str, float]:
    """Largest absolute differences of means (ppm) and variances (ppm^2).

    Examples
    --------
    >>> compare(np.array([1.0, 2.0]), np.array([3.0, 4.0]),
    ...         np.array([1.0, 2.5]), np.array([3.0, 3.0]))
    {'nodes': 2, 'max_abs_diff_mean_ppm': 0.5, 'max_abs_diff_var_ppm2': 1.0}
    """
    return {
        "nodes": len(mean),
        "max_abs_diff_mean_ppm": float(np.max(np.abs(mean - ref_mean))),
        "max_abs_diff_var_ppm2": float(np.max(np.abs(var - ref_var))),
    }


# ------------------------------------------------------------------- running
def _python_worker(tool: str, out: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        str(HERE / "kriging_tools.py"),
        tool,
        "--out",
        str(out),
        *options,
    ]


def _band(n_rows: int, wanted: int) -> slice:
    """``wanted`` grid rows through the middle of the grid."""
    wanted = min(wanted, n_rows)
    start = (n_rows - wanted) // 2
    return slice(start, start + wanted)


def _load_worker(out: Path, run: ProcessRun) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((out / "result.json").read_text())
    result["peak_rss_mib"] = run.peak_rss_mib
    result["process_wall_s"] = run.wall_s
    if (out / "predictions.npz").exists():
        with np.load(out / "predictions.npz") as arrays:
            result["arrays"] = dict(arrays)
    elif (out / "mean.bin").exists():  # R writes raw float64
        result["arrays"] = {
            name: np.fromfile(out / f"{name}.bin", dtype="<f8")
            for name in ("mean", "var")
        }
    return result


def run_tool(
    tool: str, case_dir: Path, work: Path, rows: slice, repeats: int, *extra: str
) -> tuple[dict[str, Any] | None, str | None]:
    """Run one tool in its own process: (its results, None) or (None, why skipped)."""
    out = work / tool
    span = f"{rows.start}:{rows.stop}"
    if tool == "gstat":
        rscript = shutil.which("Rscript")
        if rscript is None:
            return None, (
                "Rscript not found: install R and gstat (Debian: apt-get install "
                "r-base-core r-cran-gstat r-cran-sp) to include R gstat"
            )
        command = [
            rscript,
            str(HERE / "gstat_speed.R"),
            str(case_dir),
            str(out),
            str(rows.start),
            str(rows.stop),
            str(repeats),
        ]
    else:
        command = _python_worker(
            tool,
            out,
            "--case",
            str(case_dir),
            "--rows",
            span,
            "--repeats",
            str(repeats),
            *extra,
        )
    print(f"[{tool}] grid rows {span} ...", flush=True)
    run = run_process(command, work / f"{tool}.log")
    if run.returncode != 0:
        return None, f"{tool} failed (exit {run.returncode}): {run.stderr_tail}"
    return _load_worker(out, run), None


def memory_probe(work: Path, sides: list[int], tile_nodes: int) -> list[dict[str, Any]]:
    """seabed's peak RSS on side x side grids: one predict call, then in row tiles."""
    probes = []
    for side in sides:
        for tile_rows in (0, max(1, tile_nodes // side)):
            out = work / f"memory-{side}-{tile_rows}"
            options = ["--side", str(side), "--tile-rows", str(tile_rows)]
            print(
                f"[seabed-memory] {side} x {side} nodes, tile rows {tile_rows} ...",
                flush=True,
            )
            run = run_process(
                _python_worker("seabed-memory", out, *options), out.with_suffix(".log")
            )
            if run.returncode != 0:
                probes.append({"side": side, "error": run.stderr_tail})
                continue
            result = _load_worker(out, run)
            result.pop("thread_pools", None)
            result["nodes_per_s"] = result["n_nodes"] / result["seconds"]
            result["peak_above_start_mib"] = (
                result["peak_rss_mib"] - result["rss_before_predict_mib"]
            )
            # what predict itself holds beyond its outputs (mean and std); the
            # nodes of a single call were made before the start was read
            result["working_mib"] = (
                result["peak_above_start_mib"] - result["output_mib"]
            )
            probes.append(result)
    return probes


# ------------------------------------------------------------------ analysis
def _timing(
    result: dict[str, Any], run: dict[str, Any], n_nodes: int
) -> dict[str, Any]:
    best = min(run["times_s"])
    return {
        "tool": result["tool"],
        "threads": run.get("threads"),
        "nodes": n_nodes,
        "times_s": run["times_s"],
        "best_s": best,
        "nodes_per_s": n_nodes / best,
        "setup_s": result.get("setup_s"),
        "peak_rss_mib": result["peak_rss_mib"],
        "rss_before_predict_mib": result.get("rss_before_predict_mib"),
        "options": result.get("options"),
        "versions": result.get("versions"),
        "thread_pools": result.get("thread_pools"),
    }


def dense_check(case: KrigingCase, seabed: dict[str, Any]) -> dict[str, Any]:
    """seabed against a dense numpy solve of each node's 33 x 33 system."""
    arrays = seabed["arrays"]
    nodes = arrays["check_nodes"]
    mean, var = ordinary_kriging_dense(
        case.samples_xy_m,
        case.rey_ppm,
        nodes,
        psill=case.psill_ppm2,
        range_m=case.range_m,
        nugget=case.nugget_ppm2,
        n_neighbors=32,
    )
    result = compare(arrays["check_mean"], arrays["check_var"], mean, var)
    sill = case.psill_ppm2 + case.nugget_ppm2
    result["max_rel_diff_mean"] = float(
        np.max(np.abs(arrays["check_mean"] - mean) / np.abs(mean))
    )
    result["max_abs_diff_var_over_sill"] = result["max_abs_diff_var_ppm2"] / sill
    return result


def analyse(
    case: KrigingCase,
    seabed: dict[str, Any],
    peers: dict[str, tuple[dict[str, Any], slice]],
) -> list[dict[str, Any]]:
    """One row per tool and thread count: speed, memory, agreement with seabed."""
    rows = [_timing(seabed, run, case.n_nodes) for run in seabed["runs"]]
    speed = {row["threads"]: row["nodes_per_s"] for row in rows}
    one_thread, all_cores = speed[1], max(speed.values())
    width = len(case.grid_x_m)
    for result, band in peers.values():
        common = slice(band.start * width, band.stop * width)
        row = _timing(result, result["runs"][0], band.stop * width - band.start * width)
        row["grid_rows"] = [band.start, band.stop]
        row["seabed_speedup_1_thread"] = one_thread / row["nodes_per_s"]
        row["seabed_speedup_all_cores"] = all_cores / row["nodes_per_s"]
        seabed_arrays, arrays = seabed["arrays"], result["arrays"]
        row["vs_seabed"] = compare(
            arrays["mean"],
            arrays["var"],
            seabed_arrays["mean"][common],
            seabed_arrays["var"][common],
        )
        if (
            result["tool"] == "gstools"
        ):  # global kriging: also against a dense global solve
            ref_mean, ref_var = ordinary_kriging_dense(
                case.samples_xy_m,
                case.rey_ppm,
                case.nodes(band),
                psill=case.psill_ppm2,
                range_m=case.range_m,
                nugget=case.nugget_ppm2,
            )
            row["vs_dense_global"] = compare(
                arrays["mean"], arrays["var"], ref_mean, ref_var
            )
        rows.append(row)
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The results as a markdown table."""
    lines = [
        "| tool | threads | nodes timed | best s | nodes/s | seabed x faster (1 thread / all) "
        "| peak RSS MiB | max abs diff mean ppm | max abs diff var ppm2 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        faster = "-"
        if "seabed_speedup_1_thread" in row:
            faster = f"{row['seabed_speedup_1_thread']:.1f} / {row['seabed_speedup_all_cores']:.1f}"
        diff = row.get("vs_seabed")
        agreement = "- | -"
        if diff is not None:
            agreement = f"{diff['max_abs_diff_mean_ppm']:.2g} | {diff['max_abs_diff_var_ppm2']:.2g}"
        lines.append(
            f"| {row['tool']} | {row['threads']} | {row['nodes']:,} | {row['best_s']:.2f} "
            f"| {row['nodes_per_s']:,.0f} | {faster} | {row['peak_rss_mib']:.0f} "
            f"| {agreement} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------- main
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="results JSON to write")
    parser.add_argument("--tools", default="seabed,pykrige,gstools,gstat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", type=int, default=1000, help="grid nodes per side")
    parser.add_argument(
        "--peer-rows", type=int, default=100, help="PyKrige and gstat rows"
    )
    parser.add_argument("--gstools-rows", type=int, default=1)
    parser.add_argument("--check-nodes", type=int, default=3000)
    parser.add_argument("--memory-sides", default=MEMORY_SIDES, help="'' to skip")
    parser.add_argument("--tile-nodes", type=int, default=250_000)
    parser.add_argument("--keep", type=Path, help="keep the workers' files here")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a 200 x 200 grid and small bands: a smoke run",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results JSON; print a markdown table."""
    args = _parser().parse_args(argv)
    if args.quick:
        args.side, args.peer_rows, args.check_nodes = 200, 20, 500
        args.tile_nodes = 10_000
        if args.memory_sides == MEMORY_SIDES:
            args.memory_sides = "200,400"
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - {"seabed", *PEERS}
    if unknown:
        print(
            f"unknown --tools {sorted(unknown)}: choose from seabed, {', '.join(PEERS)}",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    facts = machine_facts()
    case = make_case(n_side=args.side)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kriging-bench-"))
    case_dir = work / "case"
    save_case(case, case_dir)

    seabed, why = run_tool(
        "seabed",
        case_dir,
        work,
        slice(0, args.side),
        args.repeats,
        "--check-nodes",
        str(args.check_nodes),
    )
    if seabed is None:
        print(why, file=sys.stderr)
        return 1
    peers: dict[str, tuple[dict[str, Any], slice]] = {}
    skipped = {}
    for tool in (t for t in PEERS if t in tools):
        band = _band(
            args.side, args.gstools_rows if tool == "gstools" else args.peer_rows
        )
        result, why = run_tool(tool, case_dir, work, band, args.repeats)
        if result is None:
            print(f"[{tool}] skipped: {why}", file=sys.stderr)
            skipped[tool] = why
        else:
            peers[tool] = (result, band)

    rows = analyse(case, seabed, peers)
    sides = [int(s) for s in args.memory_sides.split(",") if s.strip()]
    results = {
        "benchmark": "kriging_speed",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/kriging_speed.py " + " ".join(sys.argv[1:]),
        "machine": facts,
        "case": case.describe() | {"n_neighbors": 32, "variance": True},
        "tools": rows,
        "seabed_thread_independence_max_abs_diff": seabed[
            "max_abs_diff_between_thread_counts"
        ],
        "seabed_vs_dense_per_node_solve": dense_check(case, seabed),
        "seabed_memory": memory_probe(work, sides, args.tile_nodes),
        "skipped": skipped,
    }
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    results["total_wall_s"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(markdown_table(rows))
    print(f"results: {args.out} ({results['total_wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
