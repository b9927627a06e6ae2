"""Coverage of the recoverable tonnage's P10-P90 on the truths of the recoverable test.

The truth of ``tests/resource/test_recoverable.py`` (a log-normal field, 250 m SMUs,
120 cores 1.8 km apart under a 2 km exponential range, 1 km cells) drawn with many
seeds: for each, the simulation is fitted as the test fits it (automatic variogram,
20 realisations, 200 cosines, 16 neighbours) and its recoverable tonnage above
1,000 and 1,300 ppm is compared with the truth's. One row per seed, cut-off and
quantity goes to ``--out`` (CSV); ``--summarize`` prints the coverage of P10-P90 with
Clopper-Pearson 95 % intervals and how often the mean is within 10 % of the truth.

Run from the repository root (about 10 s per seed on one core)::

    python validation/recoverable_truths.py --histogram spatial --seeds 5-36 \\
        --out docs/validation/recoverable_truths_spatial.csv
    python validation/recoverable_truths.py --summarize \\
        docs/validation/recoverable_truths_*.csv

``--range-m`` and ``--side-m`` change the truth's range and the survey square
(the 120 cores keep their jittered 11 x 11 layout); ``--cores-alone`` prints how far
the cores' own shares above the cut-offs are from the ground's, with no model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "resource"))

import test_recoverable as case
from calibration_study import binomial_interval

from seabed.geostats.simulation import ConditionalSimulation
from seabed.resource import simulate_recoverable, summarize_recoverable


def one_truth(
    seed: int, histogram: str | bool, n_realizations: int = 20
) -> pd.DataFrame:
    """The simulated recoverable tonnage of one truth against the truth's."""
    truth = case.LognormalTruth(seed)
    X = case.survey_cores(seed)
    y = truth(X)
    cells = np.arange(case.CELL_M / 2, case.SIDE_M, case.CELL_M)
    ds = case.grid(np.zeros(len(cells) ** 2))
    simulation = ConditionalSimulation(
        n_realizations=n_realizations,
        random_state=seed,
        n_features=200,
        n_neighbors=16,
        histogram_uncertainty=histogram,
    ).fit(X, y)
    realizations = simulate_recoverable(
        simulation,
        ds,
        case.CUTOFFS,
        cell_m=case.CELL_M,
        smu_m=case.SMU_M,
        thickness_m=case.THICKNESS_M,
        dry_density_t_m3=case.DENSITY,
    )
    rows = summarize_recoverable(realizations, "simulation").set_index(
        ["statistic", "cutoff_ppm"]
    )
    true = case.truth_recoverable(truth.cells(case.SMU_M))
    return pd.DataFrame(
        {
            "seed": seed,
            "histogram": str(histogram),
            "realizations": n_realizations,
            "range_m": case.RANGE_M,
            "side_m": case.SIDE_M,
            "cutoff_ppm": cutoff,
            "quantity": quantity,
            "truth": true.at[cutoff, quantity],
            **{
                s: rows.at[(s, cutoff), quantity] for s in ("mean", "p10", "p50", "p90")
            },
        }
        for cutoff in case.CUTOFFS
        for quantity in ("ore_t", "rey_t")
    )


def cores_alone(seeds: list[int]) -> str:
    """What the 120 cores know without any model: the share of the cores at or
    above each cut-off (and their REY per core) against the ground's share (and
    REY per SMU), as a markdown table of the relative error over ``seeds``."""
    errors: dict[tuple[float, str], list[float]] = {}
    for seed in seeds:
        truth = case.LognormalTruth(seed)
        cores = truth(case.survey_cores(seed))
        ground = truth.cells(case.SMU_M)
        for cutoff in case.CUTOFFS:
            pairs = {
                "ore_t": (np.mean(cores >= cutoff), np.mean(ground >= cutoff)),
                "rey_t": (
                    np.sum(cores[cores >= cutoff]) / cores.size,
                    np.sum(ground[ground >= cutoff]) / ground.size,
                ),
            }
            for quantity, (known, true) in pairs.items():
                errors.setdefault((cutoff, quantity), []).append(known / true - 1)
    lines = [
        "| cut-off ppm | quantity | truths | cores within 10 % | sd of the error |",
        "|---|---|---|---|---|",
    ]
    for (cutoff, quantity), values in errors.items():
        error = np.array(values)
        lines.append(
            f"| {cutoff:,.0f} | {quantity} | {error.size} "
            f"| {np.mean(np.abs(error) <= 0.10):.0%} | {error.std(ddof=1):.1%} |"
        )
    return "\n".join(lines)


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Coverage of P10-P90 (with a 95 % interval) and the mean's error, per group."""
    frame = _judged(frame)
    rows = []
    keys = ["range_m", "side_m", "histogram", "cutoff_ppm", "quantity"]
    for key, group in frame.groupby(keys):
        n, k = len(group), int(group.inside.sum())
        low, high = binomial_interval(k, n)
        rows.append(
            {
                "range_m": key[0],
                "side_m": key[1],
                "histogram": key[2],
                "cutoff_ppm": key[3],
                "quantity": key[4],
                "truths": n,
                "coverage": k / n,
                "ci_low": low,
                "ci_high": high,
                "mean_within_10pct": group.within_10.mean(),
                "mean_error": group.error.mean(),
                "sd_error": group.error.std(),
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The summary as a markdown table (percentages for the shares)."""
    lines = [
        "| range m | square m | histogram | cut-off ppm | quantity | truths "
        "| inside P10-P90 | coverage | 95 % interval | mean within 10 % | mean error "
        "| sd of the error |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row.range_m:,.0f} | {row.side_m:,.0f} "
        f"| {row.histogram} | {row.cutoff_ppm:,.0f} | {row.quantity} "
        f"| {row.truths} | {round(row.coverage * row.truths)} "
        f"| {row.coverage:.0%} | {row.ci_low:.0%}-{row.ci_high:.0%} "
        f"| {row.mean_within_10pct:.0%} | {row.mean_error:+.1%} "
        f"| {row.sd_error:.1%} |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join(lines)


def single_truths(frame: pd.DataFrame) -> str:
    """Per setting (range, square, realisations), how many truths meet the
    recoverable test's criteria at all four figures at once: the mean within 10 %
    and P10-P90 around the truth (with a Clopper-Pearson 95 % interval)."""
    frame = _judged(frame)
    frame = frame.assign(passed=frame.inside & frame.within_10)
    lines = [
        "| range m | square m | realisations | truths | all four figures pass "
        "| share | 95 % interval |",
        "|---|---|---|---|---|---|---|",
    ]
    keys = ["range_m", "side_m", "realizations"]
    for (range_m, side_m, count), group in frame.groupby(keys):
        passed = group.groupby("seed").passed.all()
        n, k = len(passed), int(passed.sum())
        low, high = binomial_interval(k, n)
        lines.append(
            f"| {range_m:,.0f} | {side_m:,.0f} | {int(count)} | {n} | {k} | {k / n:.0%} "
            f"| {low:.0%}-{high:.0%} |"
        )
    return "\n".join(lines)


def _judged(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row with its setting, whether P10-P90 holds the truth (``inside``),
    the mean's relative ``error`` and whether it is within 10 % (``within_10``)."""
    frame = _with_setting(frame)
    error = frame["mean"] / frame.truth - 1
    return frame.assign(
        inside=(frame.p10 <= frame.truth) & (frame.truth <= frame.p90),
        error=error,
        within_10=error.abs() <= 0.10,
    )


def _with_setting(frame: pd.DataFrame) -> pd.DataFrame:
    """The truth's setting of every row; files written before the setting was
    recorded hold the test's own."""
    defaults = {"range_m": 2000.0, "side_m": 20_000.0, "realizations": 20}
    for column, value in defaults.items():
        if column not in frame:
            frame = frame.assign(**{column: value})
        frame[column] = frame[column].fillna(value)
    return frame


def expected_coverage(n_realizations: int, n_trials: int = 200_000) -> float:
    """How often P10-P90 of ``n_realizations`` draws holds one more draw of the same
    law: the coverage of a perfectly calibrated simulation with that many
    realisations (percentiles interpolated as numpy's, the statement's way).

    >>> round(expected_coverage(20), 2), round(expected_coverage(50), 2)
    (0.73, 0.77)
    """
    rng = np.random.default_rng(0)
    draws = rng.standard_normal((n_trials, n_realizations))
    truth = rng.standard_normal(n_trials)
    p10, p90 = np.quantile(draws, [0.1, 0.9], axis=1)
    return float(np.mean((p10 <= truth) & (truth <= p90)))


def seeds_of(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--histogram", default="spatial")
    parser.add_argument("--seeds", default="5-36")
    parser.add_argument("--realizations", type=int, default=20)
    parser.add_argument(
        "--range-m",
        type=float,
        default=case.RANGE_M,
        help="range of the truth's log-grade covariance (default: the test's)",
    )
    parser.add_argument(
        "--side-m",
        type=float,
        default=case.SIDE_M,
        help="side of the survey square, 120 cores on a jittered grid in it",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--summarize", nargs="*", type=Path)
    parser.add_argument(
        "--cores-alone",
        action="store_true",
        help="print how far the cores' own shares are from the ground's (no model)",
    )
    args = parser.parse_args()
    if args.summarize:
        frame = pd.concat([pd.read_csv(p) for p in args.summarize])
        print(markdown(summarize(frame)))
        print()
        print(single_truths(frame))
        print(
            "\nP10-P90 of 20 realisations holds a truth drawn from their own law "
            f"{expected_coverage(20):.1%} of the time (a calibrated simulation)"
        )
        return
    histogram = {"true": True, "false": False}.get(args.histogram, args.histogram)
    # the test's truth, cores and grid read these when called
    case.RANGE_M, case.SIDE_M = args.range_m, args.side_m
    if args.cores_alone:
        print(cores_alone(seeds_of(args.seeds)))
        return
    parts = []
    for seed in seeds_of(args.seeds):
        parts.append(one_truth(seed, histogram, args.realizations))
        print(f"seed {seed} done", flush=True)
        if args.out:  # written as it goes: a long run can be stopped and summarised
            pd.concat(parts).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
