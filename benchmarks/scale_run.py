"""Whole seabed runs on grids of 10^6 to 10^8 cells: time, peak memory, workers.

Every run is the real pipeline (``seabed run`` on a config file, in a fresh process
of its own whose peak RSS the parent reads from ``os.wait4``) over the same square
of about 250 km south-west of Minamitorishima, with finer and finer cells:

- 2,000 synthetic cores (``seabed.synthetic.make_survey``: 15 elements, 0.5 m
  samples, every core 10.5-14 m long and without gaps), so 28 grades are kriged per
  cell with one system (REY, TREO, 15 elements, 10 slices and the deviation), 32
  neighbours, block kriging;
- the bundled GlobSed sediment thickness (the window capped where it is thinner),
  the approximate EEZ as an include zone, the ETOPO1 bathymetry with a 7 degree slope
  rule and a 5,000-6,500 m water-depth window;
- no resume folder (tiles are not kept on disk: at 10^8 cells they would take 22 GB);
- the result dataset as ``--dataset`` says: ``netcdf`` (``result.nc``, the run's
  default: every layer of every cell, about 280 MB per 10^6 cells, its chunks
  shuffled and DEFLATE-compressed (level 1, by libdeflate where the system has
  it) in the workers, about 4 CPU-seconds per 10^6 cells (7 with zlib), and
  stored by the main thread as they are), ``zarr`` (the same
  layers, Blosc-LZ4 compressed outside the GIL) or ``none``.

Usage::

    python benchmarks/scale_run.py --out benchmarks/results/scale.json
    python benchmarks/scale_run.py --sides 1000,3162 --workers 1,2 --out /tmp/s.json
    python benchmarks/scale_run.py --sides 3162 --dataset zarr --out /tmp/s.json

``--sides`` are the grid's cells per side (1000 = 10^6 cells, 3162 = 10^7,
10000 = 10^8); every side runs with 2 workers (tile threads), and the largest side
also with each of ``--workers``, for the speed-up. Results: time per 10^6 cells, peak
RSS, the statement at cut-off 0 (which must not change with the workers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kriging_speed import machine_facts, run_process

#: The square (lon_min, lat_min, lon_max, lat_max): about 250 x 250 km.
BOUNDS = (152.7, 20.3, 155.1, 22.55)
SIDE_M = 250_000.0
N_CORES = 2000
SEED = 20260
TIMEOUT_S = 4 * 3600


def write_case(folder: Path) -> Path:
    """The cores file of every run."""
    from seabed.io.synthetic import make_survey

    # every core reaches the window's bottom, without gaps: one kriging system
    # per cell serves all 28 grades (cores that lack a slice add a fit per group)
    survey = make_survey(
        n_cores=N_CORES,
        bounds=BOUNDS,
        seed=SEED,
        max_depth_m=(10.5, 14.0),
        gap_fraction=0.0,
    )
    cores = folder / "cores.csv"
    survey.samples.to_csv(cores, index=False)
    return cores


def write_config(
    folder: Path, cores: Path, side: int, workers: int, dataset: str = "netcdf"
) -> Path:
    """A run config for a grid of ``side`` x ``side`` cells over the square."""
    from seabed.io import datasets

    resolution = SIDE_M / side
    text = f"""
[inputs]
cores = "{cores}"
bathymetry = "{datasets.bathymetry_path()}"
sediment_thickness = "{datasets.sediment_thickness_path()}"
include = [{{ path = "{datasets.eez_path()}", layer = "{datasets.EEZ_LAYER}" }}]

[grid]
resolution_m = {resolution!r}
bounds = {list(BOUNDS)}

[rules]
max_slope_deg = 7.0
depth_window_m = [5000, 6500]

[dask]
workers = {workers}
resume = false

[output]
dir = "{folder / "out"}"
dataset = "{dataset}"
"""
    path = folder / "config.toml"
    path.write_text(text)
    return path


def run_case(
    work: Path, cores: Path, side: int, workers: int, dataset: str = "netcdf"
) -> dict[str, Any]:
    """One whole run in a fresh process: wall time, peak RSS, statement."""
    folder = work / f"side{side}_w{workers}"
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, cores, side, workers, dataset)
    print(f"[scale] {side} x {side} cells, {workers} worker(s) ...", file=sys.stderr)
    command = [sys.executable, "-m", "seabed.cli", "run", str(config), "--no-progress"]
    run = run_process(command, folder / "log.txt", timeout_s=TIMEOUT_S)
    result: dict[str, Any] = {
        "side": side,
        "workers": workers,
        "dataset": dataset,
        "returncode": run.returncode,
        "wall_s": run.wall_s,
        "peak_rss_mib": run.peak_rss_mib,
    }
    document = folder / "out" / "resource.json"
    if run.returncode != 0 or not document.exists():
        result["error"] = run.stderr_tail
        return result
    statement = json.loads(document.read_text())["statement"][0]
    import rasterio

    with rasterio.open(folder / "out" / "rey_ppm.tif") as src:
        n_cells = src.width * src.height
    result |= {
        "n_cells": n_cells,
        "s_per_million_cells": run.wall_s / (n_cells / 1e6),
        "statement_cutoff_0": {
            key: statement[key] for key in ("area_km2", "ore_t", "rey_t", "treo_t")
        },
        "output_mib": sum(
            p.stat().st_size for p in (folder / "out").rglob("*") if p.is_file()
        )
        / 2**20,
    }
    for path in (folder / "out").glob("*.tif"):
        path.unlink()  # keep the disk free for the next case
    for name in ("result.nc", "result.zarr"):
        path = folder / "out" / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="1000,3162,10000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--keep", type=Path, help="work folder to keep")
    parser.add_argument(
        "--dataset",
        choices=["netcdf", "zarr", "none"],
        default="netcdf",
        help="the run's [output] dataset (default: netcdf, as a run's)",
    )
    args = parser.parse_args(argv)
    sides = [int(s) for s in args.sides.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    started = time.perf_counter()
    facts = machine_facts()
    work = args.keep or Path(tempfile.mkdtemp(prefix="seabed-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    cores = write_case(work)
    runs = []
    for side in sides:
        counts = workers if side == max(sides) else [max(workers)]
        for count in sorted(counts, reverse=True):
            runs.append(run_case(work, cores, side, count, args.dataset))
            print(json.dumps(runs[-1]), file=sys.stderr)
    largest = [r for r in runs if r["side"] == max(sides) and "error" not in r]
    speedup = None
    if len(largest) >= 2:
        by_workers = {r["workers"]: r["wall_s"] for r in largest}
        speedup = by_workers[min(by_workers)] / by_workers[max(by_workers)]
    results = {
        "benchmark": "scale_run",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/scale_run.py " + " ".join(sys.argv[1:]),
        "machine": facts,
        "case": {
            "bounds": BOUNDS,
            "side_m": SIDE_M,
            "n_cores": N_CORES,
            "seed": SEED,
            "grades_per_cell": 28,
            "dataset": args.dataset,
        },
        "runs": runs,
        "speedup_largest": speedup,
        "load_average_end": os.getloadavg(),
        "total_wall_s": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print("| cells | workers | wall s | s per 10^6 cells | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for r in runs:
        if "error" in r:
            print(f"| {r['side']}^2 | {r['workers']} | failed: {r['error']} | | |")
            continue
        print(
            f"| {r['n_cells']:,} | {r['workers']} | {r['wall_s']:.0f} | "
            f"{r['s_per_million_cells']:.2f} | {r['peak_rss_mib']:.0f} |"
        )
    if speedup is not None:
        print(f"speed-up from {min(workers)} to {max(workers)} workers: {speedup:.2f}")
    return 0 if all("error" not in r for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
