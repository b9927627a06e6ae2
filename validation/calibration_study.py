"""Calibration study of seabed's conditional simulation on synthetic truths.

For each truth (a :class:`seabed.io.synthetic.SyntheticField` of its own seed):

1. cores are placed as the demo's generator places them (a jittered survey grid
   plus clusters of re-coring), at the demo's core density, over a square of
   ``--box-km`` km centred on the Takaya et al. (2018) box; each core's grade is
   its exact 0-10 mbsf window grade (the composite a perfect compositing gives);
2. the simulation is fitted as a run fits it (``seabed.estimation.models.
   fit_simulation``): automatic normal-score variogram, the cores' cell-declustering
   weights, 32 neighbours, block support of the grid's cells;
3. ``seabed.resource.simulate_resource`` gives the P10 / P50 / P90 of the REY
   tonnes at each cut-off and the probability maps;
4. the truth's statement comes from the exact cell means of the field (4 x 4
   points per cell) with the same cell areas, thickness and density.

Two generators: ``spectral`` (the log-normal spectral field, no seamounts) and
``trend`` (the same plus a drift of the log grade and three seamount-like lows).
A flat abyssal bathymetry replaces ETOPO1, so that the lows are only the synthetic
ones and every truth differs.

Outputs (``--out``, default ``docs/validation``): ``calibration_truths.csv`` (one
row per truth and cut-off), ``calibration_reliability.csv`` (probability maps
against the truth, binned), ``calibration.json`` (coverage with binomial 95 %
intervals, rank histograms) and PNGs.

Run from the repository root (about 10 s per truth on one core)::

    nice -n 19 python validation/calibration_study.py --generator spectral
    nice -n 19 python validation/calibration_study.py --generator trend
    python validation/calibration_study.py --summarize
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import xarray as xr
from scipy.stats import beta

from seabed.estimation.models import declustering_weights
from seabed.geostats.declustering import cell_declustering
from seabed.geostats.simulation import ConditionalSimulation
from seabed.io.datasets import TAKAYA_BOX, bathymetry_path
from seabed.io.rasters import load_bathymetry
from seabed.io.synthetic import DEMO_BOUNDS, SyntheticField, _core_positions
from seabed.resource import cell_tonnage, simulate_resource, statement

GENERATORS = {
    "spectral": {},
    "trend": {"trend_per_100km": 0.4, "n_seamounts": 3, "seamount_radius_m": 6000.0},
}
#: cut-offs on the 0-10 mbsf REY grade: 0, about the median, about the 85th pct
CUTOFFS_PPM = (0.0, 1000.0, 1500.0)
DEMO_CORES = 120  # over DEMO_BOUNDS (seabed synthetic --n-cores 120)
THICKNESS_M, DENSITY_T_M3 = 10.0, 0.55
PROBABILITY_BINS = np.linspace(0.0, 1.0, 11)
#: the methods whose runs are summarised (see ``variant``), newest first
#: file names of the methods: the spatial bootstrap of the cores' histogram (a run's
#: default), the independent bootstrap ("histogram", the previous study), and the
#: fixed histogram of the code before it, by declustering
VARIANTS = ("spatial", "histogram", "spacing", "min")


def demo_core_density() -> float:
    """Cores per km2 of the demo (120 cores over DEMO_BOUNDS)."""
    lon_min, lat_min, lon_max, lat_max = DEMO_BOUNDS
    geod = pyproj.Geod(ellps="WGS84")
    lons = [lon_min, lon_max, lon_max, lon_min]
    lats = [lat_min, lat_min, lat_max, lat_max]
    area_m2, _ = geod.polygon_area_perimeter(lons, lats)
    return DEMO_CORES / (abs(area_m2) / 1e6)


class Study:
    """The fixed geometry of every truth: local projection, grid, core count."""

    def __init__(self, box_km: float, cell_km: float, realizations: int) -> None:
        lon_min, lat_min, lon_max, lat_max = TAKAYA_BOX
        self.crs = (
            f"+proj=aeqd +lat_0={(lat_min + lat_max) / 2} "
            f"+lon_0={(lon_min + lon_max) / 2} +datum=WGS84 +units=m"
        )
        half = box_km * 500.0
        self.edges = np.arange(-half, half + 1.0, cell_km * 1000.0)
        self.cell_m = cell_km * 1000.0
        self.realizations = realizations
        self.n_cores = round(demo_core_density() * box_km**2)
        to_lonlat = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self.to_local = pyproj.Transformer.from_crs(
            "EPSG:4326", self.crs, always_xy=True
        )
        lon, lat = to_lonlat.transform([-half, half], [-half, half])
        self.bounds = (lon[0], lat[0], lon[1], lat[1])
        etopo = load_bathymetry(bathymetry_path())
        self.flat_bathymetry = etopo.copy(data=np.full(etopo.shape, 5500.0))
        centres = (self.edges[:-1] + self.edges[1:]) / 2
        n = len(centres)
        self.grid = xr.Dataset(
            {
                "cell_area_m2": (("y", "x"), np.full((n, n), self.cell_m**2)),
                "available_fraction": (("y", "x"), np.ones((n, n))),
            },
            coords={"x": centres, "y": centres[::-1]},
        )

    def truth(self, generator: str, seed: int) -> tuple[SyntheticField, xr.DataArray]:
        field = SyntheticField(
            seed=seed, bathymetry=self.flat_bathymetry, **GENERATORS[generator]
        )
        cells = field.cell_mean(self.edges, self.edges[::-1], self.crs, n_sub=4)
        return field, cells

    def cores(self, field: SyntheticField, seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([seed, 2018])
        lon, lat = _core_positions(rng, self.n_cores, self.bounds)
        x, y = self.to_local.transform(lon, lat)
        return np.column_stack([x, y]), field.window_grade(lon, lat)

    def tonnes(self, rey_ppm: xr.DataArray, cutoffs: list[float]) -> pd.DataFrame:
        cells = self.grid.assign(rey_ppm=rey_ppm, treo_ppm=1.2 * rey_ppm)
        tonnes = cell_tonnage(
            cells, thickness_m=THICKNESS_M, dry_density_t_m3=DENSITY_T_M3
        )
        return statement(tonnes, cutoffs).set_index("cutoff_ppm")


def weights(X: np.ndarray, y: np.ndarray, declustering: str) -> np.ndarray:
    """The normal-score transform's weights: as a run fits them (``spacing``), or
    with the cell size of the lowest declustered mean (``min``, before the fix)."""
    if declustering == "min":
        return cell_declustering(X, y).weights_
    return declustering_weights(X)


def one_truth(
    study: Study,
    generator: str,
    seed: int,
    declustering: str = "spacing",
    histogram_uncertainty: bool | str = "spatial",
) -> tuple[list, np.ndarray]:
    """Rows of the truth table and the reliability counts of one truth."""
    field, true_cells = study.truth(generator, seed)
    X, y = study.cores(field, seed)
    sim = ConditionalSimulation(
        n_realizations=study.realizations,
        random_state=seed,
        n_neighbors=32,
        block_size=(study.cell_m, study.cell_m),
        histogram_uncertainty=histogram_uncertainty,
        n_jobs=1,
    ).fit(X, y, sample_weight=weights(X, y, declustering))
    # any finite kriged grade marks the cells to simulate; TREO/REY = 1.2
    placeholder = xr.full_like(true_cells, 900.0).reset_coords(drop=True)
    grid = study.grid.assign(rey_ppm=placeholder, treo_ppm=1.2 * placeholder)
    cutoffs = list(CUTOFFS_PPM)
    simulated = simulate_resource(
        sim,
        grid,
        cutoffs,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY_T_M3,
        by_source=False,  # the statement only, not each source's share
    )
    truth = study.tonnes(true_cells.reset_coords(drop=True), cutoffs)
    structure = next(iter(sim.variogram_.structures), None)
    rows = []
    for cutoff in cutoffs:
        per_real = simulated.realizations.query("cutoff_ppm == @cutoff")
        summary = simulated.summary.query("cutoff_ppm == @cutoff").set_index(
            "statistic"
        )
        true_rey = float(truth.at[cutoff, "rey_t"])
        rows.append(
            {
                "generator": generator,
                "declustering": declustering,
                "histogram_uncertainty": histogram_uncertainty,
                "seed": seed,
                "cutoff_ppm": cutoff,
                "n_cores": len(X),
                "true_rey_t": true_rey,
                "p10_rey_t": summary.at["p10", "rey_t"],
                "p50_rey_t": summary.at["p50", "rey_t"],
                "p90_rey_t": summary.at["p90", "rey_t"],
                "mean_rey_t": summary.at["mean", "rey_t"],
                # rank of the truth among the realisations (0 ... R)
                "rank": int((per_real.rey_t.to_numpy() < true_rey).sum()),
                "true_area_km2": float(truth.at[cutoff, "area_km2"]),
                "p10_area_km2": summary.at["p10", "area_km2"],
                "p90_area_km2": summary.at["p90", "area_km2"],
                "nugget_share": sim.variogram_.nugget,
                # a pure nugget has no structure: "nugget", range 0
                "model": structure.model if structure else "nugget",
                "range_m": structure.range if structure else 0.0,
            }
        )
    # reliability: cells binned by predicted probability, count truly above
    counts = np.zeros((len(cutoffs), len(PROBABILITY_BINS) - 1, 2))
    truth_values = true_cells.values
    for i, cutoff in enumerate(cutoffs):
        p = simulated.probability_above.sel(cutoff_ppm=cutoff).values.ravel()
        above = (truth_values >= cutoff).ravel()
        which = np.clip(np.digitize(p, PROBABILITY_BINS) - 1, 0, 9)
        counts[i, :, 0] = np.bincount(which, minlength=10)
        counts[i, :, 1] = np.bincount(which, weights=above, minlength=10)
    return rows, counts


def run(args: argparse.Namespace) -> None:
    study = Study(args.box_km, args.cell_km, args.realizations)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list = []
    counts = np.zeros((len(CUTOFFS_PPM), 10, 2))
    start = time.time()
    resampling = {"none": False}.get(
        args.histogram_uncertainty, args.histogram_uncertainty
    )
    for seed in range(args.first_seed, args.first_seed + args.n_truths):
        found, reliability = one_truth(
            study, args.generator, seed, args.declustering, resampling
        )
        rows.extend(found)
        counts += reliability
        done = seed - args.first_seed + 1
        if done % 10 == 0 or done == args.n_truths:
            # saved as it goes: a run cut short still gives its truths so far
            name = f"{args.generator}_{variant(args)}_{args.first_seed}"
            pd.DataFrame(rows).to_csv(out / f"truths_{name}.csv", index=False)
            np.save(out / f"reliability_{name}.npy", counts)
            meta = {
                "generator": args.generator,
                "declustering": args.declustering,
                "histogram_uncertainty": args.histogram_uncertainty,
                "box_km": args.box_km,
                "cell_km": args.cell_km,
                "n_cores": study.n_cores,
                "realizations": args.realizations,
                "cpu_seconds": round(time.process_time()),
            }
            (out / f"meta_{name}.json").write_text(json.dumps(meta, indent=1))
            print(f"{done} truths, {time.time() - start:.0f} s", flush=True)


def variant(args: argparse.Namespace) -> str:
    """The name of a run's method in its files: ``spatial`` (what a run does now:
    the transform of a spatial bootstrap of the cores per realisation, weights of
    the nominal spacing), ``histogram`` (an independent bootstrap, the previous
    study); ``spacing`` and ``min`` are the runs of the code before them (fixed
    histogram, and the variogram divided by its fitted sill)."""
    names = {"spatial": "spatial", "independent": "histogram"}
    return names.get(args.histogram_uncertainty, args.declustering)


def binomial_interval(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval of a proportion k / n."""
    low = beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    high = beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return float(low), float(high)


def summarize(out: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables, result = [], {"cutoffs_ppm": list(CUTOFFS_PPM), "runs": {}}
    runs = [(g, d) for d in VARIANTS for g in GENERATORS]
    for generator, declustering in runs:
        # the runs of this generator and weighting (one per first seed), pooled
        paths = sorted(out.glob(f"truths_{generator}_{declustering}_*.csv"))
        if not paths:
            continue
        table = pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)
        tables.append(table)
        metas = [
            json.loads(
                (out / f"meta_{p.stem.removeprefix('truths_')}.json").read_text()
            )
            for p in paths
        ]
        counts = sum(
            np.load(out / f"reliability_{p.stem.removeprefix('truths_')}.npy")
            for p in paths
        )
        meta = metas[0] | {
            "n_truths": int(table.seed.nunique()),
            # None: a run that died before its CPU time was read
            "cpu_seconds": sum(m["cpu_seconds"] or 0 for m in metas),
            "runs_without_cpu_seconds": sum(m["cpu_seconds"] is None for m in metas),
        }
        entry = {**meta, "cutoffs": []}
        for i, (cutoff, group) in enumerate(table.groupby("cutoff_ppm")):
            inside = (group.p10_rey_t <= group.true_rey_t) & (
                group.true_rey_t <= group.p90_rey_t
            )
            k, n = int(inside.sum()), len(group)
            ranks = np.histogram(
                group["rank"], bins=np.linspace(0, meta["realizations"] + 1, 11)
            )[0]
            low, high = binomial_interval(k, n)
            entry["cutoffs"].append(
                {
                    "cutoff_ppm": cutoff,
                    "n_truths": n,
                    "inside_p10_p90": k,
                    "coverage": k / n,
                    "coverage_ci95": [low, high],
                    "below_p10": int((group.true_rey_t < group.p10_rey_t).sum()),
                    "above_p90": int((group.true_rey_t > group.p90_rey_t).sum()),
                    "mean_bias": float(
                        group.mean_rey_t.sum() / group.true_rey_t.sum() - 1
                    ),
                    "rank_histogram": ranks.tolist(),
                    "reliability": [
                        {
                            "bin": [PROBABILITY_BINS[b], PROBABILITY_BINS[b + 1]],
                            "cells": int(counts[i, b, 0]),
                            "fraction_above": float(counts[i, b, 1] / counts[i, b, 0])
                            if counts[i, b, 0]
                            else None,
                        }
                        for b in range(10)
                    ],
                }
            )
        result["runs"][f"{generator}/{declustering}"] = entry
    (out / "calibration.json").write_text(json.dumps(result, indent=1))
    if tables:
        pd.concat(tables).to_csv(out / "calibration_truths.csv", index=False)
    _plots(result, plt, out)
    return result


def markdown_table(result: dict) -> str:
    """The coverage table of docs/validation.md."""
    lines = [
        "| generator | method | truths | cut-off ppm | inside P10-P90 | coverage "
        "| 95 % interval | below P10 | above P90 | mean bias |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in result["runs"].items():
        generator, declustering = name.split("/")
        for c in run["cutoffs"]:
            low, high = c["coverage_ci95"]
            lines.append(
                f"| {generator} | {declustering} | {c['n_truths']} "
                f"| {c['cutoff_ppm']:,.0f} | {c['inside_p10_p90']} "
                f"| {c['coverage']:.0%} | {low:.0%}-{high:.0%} | {c['below_p10']} "
                f"| {c['above_p90']} | {c['mean_bias']:+.1%} |"
            )
    return "\n".join(lines)


def _plots(result: dict, plt, out: Path) -> None:
    # the method of today and the first 150 truths of before (the fixed histogram)
    generators = [
        name for name in result["runs"] if name.split("/")[1] in ("spatial", "min")
    ]
    fig, axes = plt.subplots(
        len(generators), 3, figsize=(10, 3 * len(generators)), squeeze=False
    )
    for row, generator in enumerate(generators):
        for col, entry in enumerate(result["runs"][generator]["cutoffs"]):
            ax = axes[row, col]
            ranks = entry["rank_histogram"]
            ax.bar(np.arange(len(ranks)), ranks, color="#4878a8")
            ax.axhline(entry["n_truths"] / len(ranks), color="k", lw=0.8, ls="--")
            ax.set_title(
                f"{generator}, cut-off {entry['cutoff_ppm']:g} ppm\n"
                f"P10-P90 coverage {entry['coverage']:.0%} of "
                f"{entry['n_truths']}",
                fontsize=9,
            )
            ax.set_xlabel("rank of the truth (deciles of the realisations)")
            ax.set_xticks([])
    fig.tight_layout()
    fig.savefig(out / "calibration_rank_histograms.png", dpi=110)
    plt.close(fig)
    fig, axes = plt.subplots(
        1, len(generators), figsize=(4.5 * len(generators), 4), squeeze=False
    )
    for col, generator in enumerate(generators):
        ax = axes[0, col]
        ax.plot([0, 1], [0, 1], color="k", lw=0.8, ls="--")
        for entry in result["runs"][generator]["cutoffs"][1:]:
            bins = [b for b in entry["reliability"] if b["cells"] >= 20]
            centres = [(b["bin"][0] + b["bin"][1]) / 2 for b in bins]
            ax.plot(
                centres,
                [b["fraction_above"] for b in bins],
                marker="o",
                label=f"{entry['cutoff_ppm']:g} ppm",
            )
        ax.set_xlabel("predicted probability above the cut-off")
        ax.set_ylabel("fraction of cells truly above")
        ax.set_title(f"{generator}: accuracy of the probability maps", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "calibration_probability_accuracy.png", dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=list(GENERATORS), default="spectral")
    parser.add_argument("--n-truths", type=int, default=150)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--box-km", type=float, default=60.0)
    parser.add_argument("--cell-km", type=float, default=2.0)
    parser.add_argument("--realizations", type=int, default=50)
    parser.add_argument(
        "--declustering",
        choices=["spacing", "min"],
        default="spacing",
        help="weights of the normal scores: as a run (spacing) or as before the fix",
    )
    parser.add_argument(
        "--histogram-uncertainty",
        choices=["spatial", "independent", "none"],
        default="spatial",
        help="how each realisation resamples the cores' histogram (a run's default:"
        " spatial); none runs the older method (with --declustering)",
    )
    parser.add_argument("--out", default="docs/validation")
    parser.add_argument(
        "--summarize", action="store_true", help="only summarise and plot"
    )
    args = parser.parse_args()
    if args.summarize:
        print(markdown_table(summarize(Path(args.out))))
    else:
        run(args)


if __name__ == "__main__":
    main()
