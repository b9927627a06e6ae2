"""Recoverable tonnage at the SMU support against a known truth, and its accounting."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import seabed
from seabed.exceptions import ConfigError
from seabed.geostats import OrdinaryKriging, Structure, Variogram, auto_variogram
from seabed.geostats.change_of_support import DiscreteGaussianModel
from seabed.geostats.model_selection import BOUNDED_CANDIDATES
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.spectral import spectral_frequencies
from seabed.io import datasets
from seabed.resource import (
    RECOVERABLE_COLUMNS,
    combine_recoverable,
    simulate_recoverable,
    smu_layout,
    summarize_recoverable,
    uc_recoverable,
)

SIDE_M = 20_000.0  # the survey square
RANGE_M = 2000.0  # of the log-grade's exponential covariance (practical: 6 km)
CELL_M = 1000.0  # the estimation grid
SMU_M = 250.0  # the truth's cell, and the SMU
THICKNESS_M, DENSITY = 10.0, 0.5
CUTOFFS = [1000.0, 1300.0]  # above the median grade, exp(6.8) = 898 ppm


class LognormalTruth:
    """exp(6.8 + 0.5 g), g a unit Gaussian field with an exponential covariance
    (range ``RANGE_M``), by 3,000 random cosines."""

    def __init__(self, seed: int):
        rng = np.random.default_rng(seed)
        n = 3000
        self.w = spectral_frequencies(Structure("exponential", 1.0, RANGE_M), rng, n)
        self.phase = rng.uniform(0, 2 * np.pi, n)
        self.scale = np.sqrt(2.0 / n)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        g = np.cos(X @ self.w.T + self.phase) @ np.full(len(self.phase), self.scale)
        return np.exp(6.8 + 0.5 * g)

    def cells(self, size: float) -> np.ndarray:
        """Mean grade of every cell of a side ``size`` (2 x 2 points each)."""
        centres = np.arange(size / 2, SIDE_M, size)
        xx, yy = np.meshgrid(centres, centres)
        offsets = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]]) * size / 4
        points = np.column_stack([xx.ravel(), yy.ravel()])
        return np.mean([self(points + o) for o in offsets], axis=0)


def survey_cores(seed: int) -> np.ndarray:
    """The 120 cores of truth ``seed``: a jittered 11 x 11 survey, less one core."""
    rng = np.random.default_rng([seed, 1])
    nodes = (np.arange(11) + 0.5) / 11 * SIDE_M
    X = np.column_stack([a.ravel() for a in np.meshgrid(nodes, nodes)])[:120]
    jitter = 0.045 * SIDE_M  # 900 m in the 20 km square
    return X + rng.uniform(-jitter, jitter, X.shape)


def truth_recoverable(grades: np.ndarray) -> pd.DataFrame:
    tonnes = SMU_M**2 * THICKNESS_M * DENSITY
    return pd.DataFrame(
        {
            "cutoff_ppm": CUTOFFS,
            "ore_t": [tonnes * np.sum(grades >= c) for c in CUTOFFS],
            "rey_t": [tonnes * np.sum(grades[grades >= c]) * 1e-6 for c in CUTOFFS],
        }
    ).set_index("cutoff_ppm")


def grid(rey: np.ndarray, std: np.ndarray | None = None) -> xr.Dataset:
    centres = np.arange(CELL_M / 2, SIDE_M, CELL_M)
    shape = (len(centres), len(centres))
    ds = xr.Dataset(
        {
            "rey_ppm": (("y", "x"), rey.reshape(shape)),
            "treo_ppm": (("y", "x"), 1.2 * rey.reshape(shape)),
            "cell_area_m2": (("y", "x"), np.full(shape, CELL_M**2)),
            "available_fraction": (("y", "x"), np.ones(shape)),
        },
        coords={"x": centres, "y": centres},
    )
    if std is not None:
        ds["rey_std_ppm"] = (("y", "x"), std.reshape(shape))
    return ds


@pytest.fixture(scope="module", params=[5])
def truth_case(request):
    """120 cores of a lognormal truth, the recoverable tonnage of its 250 m cells,
    and the recoverable tonnage estimated from the cores both ways.

    The simulation carries the spatial uncertainty and that of the cores'
    histogram (a spatial bootstrap per realisation, the default), with the
    normal-score variogram's sill fixed at 1. Simulated mean against the truth
    above 1,000 / 1,300 ppm (ore, REY tonnes), 20 realisations, seed 5: +5.1 % /
    +5.5 %, +8.0 % / +7.3 %; P10 is above the truth for the ore above 1,000 ppm
    (+0.8 %) and everything above 1,300 ppm (+0.7 % to +2.2 %): seed 5's cores hold
    45 % above 1,300 ppm, its ground 42 %. Over 64 other truths (seeds 37-100,
    ``validation/recoverable_truths.py``, docs/validation.md) P10-P90 holds the
    truth 75 % of the time (20 realisations of a calibrated simulation: 72.7 %)
    and the mean is within 10 % 58-83 % of the time; both hold for all four
    figures of one truth on 30 of the 64."""
    seed = request.param
    truth = LognormalTruth(seed)
    X = survey_cores(seed)
    y = truth(X)
    centres = np.arange(CELL_M / 2, SIDE_M, CELL_M)
    xx, yy = np.meshgrid(centres, centres)
    cells = np.column_stack([xx.ravel(), yy.ravel()])
    # a model with a sill: the SMU's variance and the simulation need one
    variogram = auto_variogram(X, y, models=BOUNDED_CANDIDATES)
    kriging = OrdinaryKriging(variogram, n_neighbors=24, block_size=(CELL_M, CELL_M))
    kriged, std = kriging.fit(X, y).predict(cells, return_std=True)
    ds = grid(kriged, std)
    simulation = ConditionalSimulation(
        n_realizations=20, random_state=seed, n_features=200, n_neighbors=16
    ).fit(X, y)
    realizations = simulate_recoverable(
        simulation,
        ds,
        CUTOFFS,
        cell_m=CELL_M,
        smu_m=SMU_M,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY,
    )
    model = DiscreteGaussianModel(variogram, SMU_M).fit(y)
    uc = uc_recoverable(
        model,
        ds,
        CUTOFFS,
        cell_m=CELL_M,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY,
    )
    return {
        "truth": truth_recoverable(truth.cells(SMU_M)),
        "simulation": summarize_recoverable(realizations, "simulation"),
        "realizations": realizations,
        "uc": uc.set_index("cutoff_ppm"),
        "kriged": ds,
    }


@pytest.mark.xfail(
    reason="issue 15, open: seed 5's cores are richer than its ground and P10 is "
    "0.7-2.2 % above the truth at three of the four figures; over 64 other truths "
    "both criteria hold for all four figures on 30, and on a third to a half of "
    "the truths of two variants of the design: 120 cores know the share above "
    "1,300 ppm to 13-15 % (see truth_case, docs/validation.md)",
    strict=False,
)
def test_simulated_recoverable_tonnage_recovers_the_truth(truth_case):
    truth = truth_case["truth"]
    rows = truth_case["simulation"].set_index(["statistic", "cutoff_ppm"])
    for cutoff in CUTOFFS:
        for quantity in ("ore_t", "rey_t"):
            true = truth.at[cutoff, quantity]
            mean = rows.at[("mean", cutoff), quantity]
            assert mean == pytest.approx(true, rel=0.10), (cutoff, quantity)
            assert rows.at[("p10", cutoff), quantity] <= true
            assert true <= rows.at[("p90", cutoff), quantity]


def test_uc_recoverable_tonnage_is_near_the_truth(truth_case):
    """UC's expected tonnage, from the kriged cells alone: within 20 % (over seeds
    5-7 its error ran from -18 % to +14 %; docs/recoverable.md)."""
    truth, uc = truth_case["truth"], truth_case["uc"]
    for cutoff in CUTOFFS:
        for quantity in ("ore_t", "rey_t"):
            true = truth.at[cutoff, quantity]
            assert uc.at[cutoff, quantity] == pytest.approx(true, rel=0.20)
    assert set(uc[["statistic", "method"]].itertuples(index=False)) == {("mean", "uc")}


@pytest.mark.xfail(
    reason="seed 5's cores over-represent the rich grades (7 % more above 1,300 ppm "
    "than the ground): its kriged cells overstate the rich tonnage instead",
    strict=False,
)
def test_kriged_cells_understate_the_rich_tonnage(truth_case):
    """The reason for the SMU: a cut-off on kriged 1 km cells selects less ore
    than there is above the highest cut-off."""
    ds, truth = truth_case["kriged"], truth_case["truth"]
    kriged = ds["rey_ppm"].values
    cell_t = CELL_M**2 * THICKNESS_M * DENSITY
    top = CUTOFFS[-1]
    assert cell_t * np.sum(kriged >= top) < 0.9 * truth.at[top, "ore_t"]


def test_recoverable_rows_have_the_documented_columns(truth_case):
    rows = truth_case["simulation"]
    assert list(rows.columns) == list(RECOVERABLE_COLUMNS)
    assert rows.statistic.tolist() == ["mean", "p10", "p50", "p90"] * len(CUTOFFS)
    ordered = rows.set_index(["cutoff_ppm", "statistic"])["treo_t"].unstack()
    assert (ordered.p10 <= ordered.p50).all() and (ordered.p50 <= ordered.p90).all()


def test_blocks_of_rows_add_up_to_the_whole(truth_case):
    """Two halves of the grid, each simulated on its own, give the whole's table:
    a realisation is the same whatever the block it is drawn in."""
    ds = truth_case["kriged"]
    simulation = ConditionalSimulation(
        Variogram("exponential", psill=1.0, range=3000.0),
        n_realizations=3,
        random_state=2,
        n_features=50,
        n_neighbors=8,
    ).fit(np.array([[1e3, 2e3], [2e4, 2.5e4], [1.5e4, 5e3]]), [800.0, 1200.0, 950.0])
    part = ds.isel(x=slice(0, 6), y=slice(0, 6))
    options = {
        "cell_m": CELL_M,
        "smu_m": 500.0,
        "thickness_m": THICKNESS_M,
        "dry_density_t_m3": DENSITY,
    }
    whole = simulate_recoverable(simulation, part, CUTOFFS, **options)
    halves = [
        simulate_recoverable(simulation, part.isel(y=rows), CUTOFFS, **options)
        for rows in (slice(0, 2), slice(2, 6))
    ]
    batched = simulate_recoverable(simulation, part, CUTOFFS, batch_size=1, **options)
    pd.testing.assert_frame_equal(combine_recoverable(halves), whole, rtol=1e-12)
    pd.testing.assert_frame_equal(batched, whole, rtol=1e-12)


def test_smu_layout_refuses_an_smu_that_does_not_divide_the_cell():
    assert smu_layout(1000.0, [250.0, 500.0]) == (4, 2)
    with pytest.raises(ConfigError, match=r"resource\.smu_m"):
        smu_layout(1000.0, 300.0)
    with pytest.raises(ConfigError, match=r"resource\.smu_m"):
        smu_layout(1000.0, 2000.0)


def test_validate_names_the_smu_key(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        f'[inputs]\ncores = "{datasets.demo_cores_path()}"\n'
        "[grid]\nresolution_m = 1000\n[resource]\nsmu_m = 300\n"
    )
    problems = seabed.validate(config)
    assert [p.column for p in problems] == ["resource.smu_m"]
