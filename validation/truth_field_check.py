"""Does the recoverable test's truth vary between its cores as its model says?

For each seed, the test's truth (``tests/resource/test_recoverable.py``: a unit
Gaussian field of exponential covariance, range 2 km, by 3,000 random cosines) is
read at its 120 cores and on a 250 m grid of its 20 km square. The mean of the
square's Gaussian values is estimated from the cores by ordinary kriging with the
true model (the square discretised at 500 m), and the error's standard deviation
over the seeds is compared with the ordinary-kriging standard deviation the model
predicts. Equal: the truths behave as their model says, and a calibrated
simulation should hold them as often as its percentiles promise.

Run from the repository root (about 1 s per seed)::

    python validation/truth_field_check.py --seeds 45-244
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "resource"))

import test_recoverable as case

LOG_SD = 0.5  # of the test's log grade: the Gaussian value is (log grade - 6.8) / 0.5


def covariance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.exp(-cdist(a, b) / case.RANGE_M)


def grid(step: float) -> np.ndarray:
    centres = np.arange(step / 2, case.SIDE_M, step)
    xx, yy = np.meshgrid(centres, centres)
    return np.column_stack([xx.ravel(), yy.ravel()])


def check(seeds: list[int]) -> tuple[float, float]:
    """(standard deviation of the kriging error, the model's) over ``seeds``."""
    fine, coarse = grid(250.0), grid(500.0)
    errors, variances = [], []
    for seed in seeds:
        truth = case.LognormalTruth(seed)
        X = case.survey_cores(seed)
        at_cores = (np.log(truth(X)) - 6.8) / LOG_SD
        square_mean = ((np.log(truth(fine)) - 6.8) / LOG_SD).mean()
        n = len(X)
        system = np.ones((n + 1, n + 1))
        system[:n, :n], system[n, n] = covariance(X, X), 0.0
        rhs = np.append(covariance(X, coarse).mean(axis=1), 1.0)
        solution = np.linalg.solve(system, rhs)
        errors.append(solution[:n] @ at_cores - square_mean)
        variances.append(covariance(coarse, coarse).mean() - solution @ rhs)
    return float(np.std(errors)), float(np.sqrt(np.mean(variances)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="45-244")
    first, _, last = parser.parse_args().seeds.partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    measured, model = check(seeds)
    print(
        f"{len(seeds)} truths: kriging error of the square's mean, standard "
        f"deviation {measured:.4f} (the model: {model:.4f}; ratio {measured / model:.2f})"
    )


if __name__ == "__main__":
    main()
