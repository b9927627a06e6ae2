"""Tests of seabed.resource.uncertainty: realisations through the resource accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seabed.exceptions import InputError
from seabed.geostats import OrdinaryKriging, Variogram
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.spectral import spectral_frequencies
from seabed.resource import (
    QUANTITIES,
    calibrated_coverage,
    cell_tonnage,
    combine_simulations,
    simulate_resource,
    statement,
    summarize_realizations,
)

CELL_M = 1000.0
THICKNESS_M, DENSITY_T_M3 = 10.0, 0.55
LOG_MEAN, LOG_SD = 6.8, 0.5
#: the Gaussian field behind the synthetic truths (its normal-score variogram)
TRUTH_VARIOGRAM = Variogram("exponential", psill=1.0, range=4000.0)
#: the same field's grades are log-normal: their own (approximate) variogram
_GRADE_MEAN = np.exp(LOG_MEAN + LOG_SD**2 / 2)
GRADE_VARIOGRAM = Variogram(
    "exponential", psill=_GRADE_MEAN**2 * (np.exp(LOG_SD**2) - 1), range=4000.0
)


def grid(n: int, rey_ppm: np.ndarray | float = 900.0) -> xr.Dataset:
    """An n x n grid of 1 km cells, north up, every cell available."""
    centres = (np.arange(n) + 0.5) * CELL_M
    shape = (n, n)
    rey = np.broadcast_to(np.asarray(rey_ppm, dtype=float), shape).copy()
    return xr.Dataset(
        {
            "rey_ppm": (("y", "x"), rey),
            "treo_ppm": (("y", "x"), 1.2 * rey),
            "cell_area_m2": (("y", "x"), np.full(shape, CELL_M**2)),
            "available_fraction": (("y", "x"), np.ones(shape)),
        },
        coords={"x": centres, "y": centres[::-1]},
    )


def nodes_of(ds: xr.Dataset) -> np.ndarray:
    xx, yy = np.meshgrid(ds.x.values, ds.y.values)
    return np.column_stack([xx.ravel(), yy.ravel()])


def truth_grades(seed: int, X: np.ndarray) -> np.ndarray:
    """Log-normal grades of a Gaussian field with ``TRUTH_VARIOGRAM``."""
    rng = np.random.default_rng([seed, 99])
    n = 2000
    w = spectral_frequencies(TRUTH_VARIOGRAM.structures[0], rng, n)
    a, b = rng.standard_normal((2, n)) / np.sqrt(n)
    phase = X @ w.T
    return np.exp(LOG_MEAN + LOG_SD * (np.cos(phase) @ a + np.sin(phase) @ b))


def survey(seed: int, n_samples: int = 50) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng([seed, 7]).uniform(0, 20 * CELL_M, (n_samples, 2))
    return X, truth_grades(seed, X)


def simulation(seed: int, n_realizations: int = 40) -> ConditionalSimulation:
    return ConditionalSimulation(
        TRUTH_VARIOGRAM,
        n_realizations=n_realizations,
        random_state=seed,
        n_features=200,
    )


# ------------------------------------------------------------------ summaries
def test_summarize_gives_percentiles_and_mean_per_cutoff() -> None:
    table = pd.DataFrame(
        {
            "cutoff_ppm": [0.0] * 11 + [500.0] * 11,
            "ore_t": np.r_[np.arange(11.0), 10 * np.arange(11.0)],
            "mean_rey_ppm": np.r_[np.full(11, 800.0), [np.nan] * 5, np.full(6, 900.0)],
        }
    )
    out = summarize_realizations(table, quantities=["ore_t", "mean_rey_ppm"])
    assert out.columns.tolist() == ["cutoff_ppm", "statistic", "ore_t", "mean_rey_ppm"]
    assert out.statistic.tolist() == ["p10", "p50", "p90", "mean"] * 2
    assert out.ore_t.tolist() == [1.0, 5.0, 9.0, 5.0, 10.0, 50.0, 90.0, 50.0]
    # a realisation with no tonnes above the cut-off has no grade: left out
    assert out.mean_rey_ppm.tolist() == [800.0] * 4 + [900.0] * 4


# ----------------------------------------------------------------- accounting
@pytest.fixture(scope="module")
def small_run():
    X, y = survey(3)
    ds = grid(20)
    ds["rey_ppm"][0, :3] = np.nan  # three unestimated cells
    ds["available_fraction"][:, :10] = 0.5  # half of the west is excluded
    sim = simulation(3, n_realizations=10).fit(X, y)
    cutoffs = [0.0, 800.0, 1500.0]
    result = simulate_resource(
        sim, ds, cutoffs, thickness_m=THICKNESS_M, dry_density_t_m3=DENSITY_T_M3
    )
    return ds, sim, cutoffs, result


def test_every_realisation_goes_through_the_statement(small_run) -> None:
    ds, sim, cutoffs, result = small_run
    table = result.realizations
    assert len(table) == sim.n_realizations * len(cutoffs)
    assert table.columns.tolist() == ["realization", "cutoff_ppm", *QUANTITIES]
    # cut-off 0: the available area of the estimated cells, in every realisation
    at_zero = table[table.cutoff_ppm == 0]
    area_km2 = (400 - 3) - 0.5 * (200 - 3)
    np.testing.assert_allclose(at_zero.area_km2, area_km2)
    np.testing.assert_allclose(
        at_zero.ore_t, area_km2 * 1e6 * THICKNESS_M * DENSITY_T_M3
    )
    # TREO follows REY with the kriged oxide ratio (1.2 here)
    np.testing.assert_allclose(table.treo_t, 1.2 * table.rey_t)
    # realisation 4 by hand, through the same functions as the kriged estimate
    grades = sim.sample(nodes_of(ds), range(4, 5)).reshape(20, 20)
    cells = ds.assign(rey_ppm=ds.rey_ppm.where(np.isnan(ds.rey_ppm), grades))
    cells["treo_ppm"] = 1.2 * cells.rey_ppm
    by_hand = statement(
        cell_tonnage(cells, thickness_m=THICKNESS_M, dry_density_t_m3=DENSITY_T_M3),
        cutoffs,
    )
    fourth = table[table.realization == 4].reset_index(drop=True)
    np.testing.assert_allclose(fourth[list(QUANTITIES)], by_hand[list(QUANTITIES)])


def test_probability_and_etype_maps(small_run) -> None:
    ds, sim, cutoffs, result = small_run
    prob = result.probability_above
    assert prob.dims == ("cutoff_ppm", "y", "x")
    assert prob.cutoff_ppm.values.tolist() == cutoffs
    assert prob.attrs["units"] == "1"
    assert np.isnan(prob[:, 0, :3]).all()  # unestimated cells
    assert (prob.sel(cutoff_ppm=0.0).values[1:] == 1.0).all()
    values = prob.values[:, 1:, :]
    assert np.all(np.diff(values, axis=0) <= 0)  # never more likely at a higher cut-off
    assert set(np.unique(values * 10)) <= set(range(11))  # shares of 10 realisations
    grades = sim.sample(nodes_of(ds)).reshape(20, 20, -1)
    np.testing.assert_allclose(result.etype_rey_ppm.values[1:], grades.mean(-1)[1:])
    np.testing.assert_allclose(
        prob.sel(cutoff_ppm=800.0).values[1:], (grades >= 800.0).mean(-1)[1:]
    )
    assert result.etype_rey_ppm.attrs["units"] == "ppm"


def test_summary_and_record(small_run) -> None:
    _, _, cutoffs, result = small_run
    summary = result.summary
    assert len(summary) == 4 * len(cutoffs)
    ore = summary.set_index(["cutoff_ppm", "statistic"]).ore_t
    for cutoff in cutoffs[1:]:
        assert ore[cutoff, "p10"] <= ore[cutoff, "p50"] <= ore[cutoff, "p90"]
    table = result.percentile_table()
    assert table.columns[:2].tolist() == ["cutoff_ppm", "area_km2_p10"]
    np.testing.assert_array_equal(
        table.treo_t_p50, summary[summary.statistic == "p50"].treo_t
    )
    record = result.to_dict()
    assert record["n_realizations"] == 10 and record["seed"] == 3
    assert len(record["summary"]) == len(summary)
    assert record["method"]["normal_score_variogram"]["structures"][0]["range"] == 4000


def test_parts_add_up_to_the_whole(small_run) -> None:
    ds, sim, cutoffs, result = small_run
    west = xr.zeros_like(ds.cell_area_m2)
    west[:, :7] = 1.0
    parts = xr.concat([west, 1 - west], dim=pd.Index(["west", "east"], name="zone"))
    by_zone = simulate_resource(
        sim,
        ds,
        cutoffs,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY_T_M3,
        fractions=parts,
        batch_size=3,
    )
    pd.testing.assert_frame_equal(by_zone.realizations, result.realizations)
    table = by_zone.zone_realizations
    assert table.columns[:3].tolist() == ["realization", "zone", "cutoff_ppm"]
    summed = table.groupby(["realization", "cutoff_ppm"])[["ore_t", "rey_t"]].sum()
    whole = result.realizations.set_index(["realization", "cutoff_ppm"])
    np.testing.assert_allclose(summed, whole[["ore_t", "rey_t"]], rtol=1e-12)
    assert by_zone.zones.zone.unique().tolist() == ["west", "east"]
    printed = by_zone.percentile_table(table="zones")
    assert printed.zone.tolist() == ["west"] * 3 + ["east"] * 3


def test_same_seed_same_statement(small_run) -> None:
    ds, sim, cutoffs, result = small_run
    again = simulate_resource(
        sim,
        ds,
        cutoffs,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY_T_M3,
        batch_size=4,
    )
    pd.testing.assert_frame_equal(again.realizations, result.realizations)


def test_a_grid_without_grades_is_refused(small_run) -> None:
    ds, sim, cutoffs, _ = small_run
    with pytest.raises(InputError, match="treo_ppm"):
        simulate_resource(
            sim,
            ds.drop_vars("treo_ppm"),
            cutoffs,
            thickness_m=THICKNESS_M,
            dry_density_t_m3=DENSITY_T_M3,
        )


# ------------------------------------------------------- synthetic truths
N_SEEDS = 25
HIGH_CUTOFF_PPM = float(np.exp(LOG_MEAN + 1.28 * LOG_SD))  # the field's 90th pct


@pytest.fixture(scope="module")
def truth_study() -> pd.DataFrame:
    """Per seed: true, kriged and simulated REY tonnes, all and above a high cut-off.

    Each seed is a new truth (a log-normal field on a 20 x 20 km grid), sampled by
    50 cores; the truth's variogram is given to both methods, so that what is
    tested is the method, not the variogram fit.
    """
    rows = []
    cutoffs = [0.0, HIGH_CUTOFF_PPM]
    for seed in range(N_SEEDS):
        X, y = survey(seed)
        ds = grid(20)
        nodes = nodes_of(ds)
        truth = ds.assign(
            rey_ppm=(("y", "x"), truth_grades(seed, nodes).reshape(20, 20))
        )
        kriged = OrdinaryKriging(GRADE_VARIOGRAM, n_neighbors=32).fit(X, y)
        estimate = ds.assign(
            rey_ppm=(("y", "x"), kriged.predict(nodes).reshape(20, 20))
        )
        sim = simulation(seed).fit(X, y)
        simulated = simulate_resource(
            sim,
            ds,
            cutoffs,
            thickness_m=THICKNESS_M,
            dry_density_t_m3=DENSITY_T_M3,
            by_source=False,  # the statement only: no pass per source
        ).summary.set_index(["cutoff_ppm", "statistic"])
        for cutoff in cutoffs:
            row = {"seed": seed, "cutoff_ppm": cutoff}
            for name, cells in (("true", truth), ("kriged", estimate)):
                cells = cells.assign(treo_ppm=1.2 * cells.rey_ppm)
                tonnes = cell_tonnage(
                    cells, thickness_m=THICKNESS_M, dry_density_t_m3=DENSITY_T_M3
                )
                row[name] = float(statement(tonnes, [cutoff]).rey_t[0])
            for statistic in ("p10", "p90", "mean"):
                row[statistic] = simulated.loc[(cutoff, statistic), "rey_t"]
            rows.append(row)
    return pd.DataFrame(rows)


def test_p10_p90_holds_the_true_total_about_80_percent_of_the_time(truth_study):
    total = truth_study[truth_study.cutoff_ppm == 0]
    inside = (total.p10 <= total.true) & (total.true <= total.p90)
    # 25 truths: a binomial(25, 0.8) falls in [15, 24] with probability ~0.98
    assert 15 <= inside.sum() <= 24


def test_high_cutoff_tonnage_is_unbiased_by_simulation_not_by_kriging(truth_study):
    high = truth_study[truth_study.cutoff_ppm == HIGH_CUTOFF_PPM]
    simulated_bias = high["mean"].sum() / high.true.sum() - 1
    kriged_bias = high.kriged.sum() / high.true.sum() - 1
    # kriging smooths the grades: far fewer cells reach a high cut-off
    assert kriged_bias < -0.3
    assert abs(simulated_bias) < 0.15
    # at cut-off 0 both are unbiased
    total = truth_study[truth_study.cutoff_ppm == 0]
    assert abs(total["mean"].sum() / total.true.sum() - 1) < 0.05
    assert abs(total.kriged.sum() / total.true.sum() - 1) < 0.05


def with_slices(ds: xr.Dataset, n_slices: int = 4) -> xr.Dataset:
    """The window split into equal slices whose grades rise with depth."""
    edges = np.linspace(0.0, THICKNESS_M, n_slices + 1)
    scale = xr.DataArray(np.linspace(0.7, 1.3, n_slices), dims="slice")
    out = ds.copy()
    out["slice_rey_ppm"] = ds.rey_ppm * scale
    out["slice_thickness_m"] = xr.full_like(
        out["slice_rey_ppm"], THICKNESS_M / n_slices
    )
    return out.assign_coords(
        slice_top_m=("slice", edges[:-1]), slice_bottom_m=("slice", edges[1:])
    )


def test_depth_intervals_follow_the_kriged_profile(small_run) -> None:
    ds, sim, cutoffs, result = small_run
    layered = with_slices(ds)
    by_depth = simulate_resource(
        sim,
        layered,
        cutoffs,
        thickness_m=THICKNESS_M,
        dry_density_t_m3=DENSITY_T_M3,
        depths=True,
    )
    table = by_depth.slice_realizations
    zero = table[table.cutoff_ppm == 0]
    slices = zero[zero.interval == "slice"]
    # at cut-off 0 the four slices hold a quarter of the window's ore each, and
    # their REY adds up to the window's (their mean ratio to the window is 1)
    total = result.realizations.query("cutoff_ppm == 0").set_index("realization")
    ore = slices.groupby("realization").ore_t.sum()
    rey = slices.groupby("realization").rey_t.sum()
    np.testing.assert_allclose(ore, total.ore_t, rtol=1e-12)
    np.testing.assert_allclose(rey, total.rey_t, rtol=1e-12)
    deepest = slices[slices.bottom_m == THICKNESS_M].set_index("realization")
    np.testing.assert_allclose(deepest.mean_rey_ppm, 1.3 * total.mean_rey_ppm)
    # the last cumulative interval is the window itself, at every cut-off
    last = table[(table.interval == "cumulative") & (table.bottom_m == THICKNESS_M)]
    np.testing.assert_allclose(
        last.set_index(["realization", "cutoff_ppm"])[["ore_t", "treo_t"]],
        result.realizations.set_index(["realization", "cutoff_ppm"])[
            ["ore_t", "treo_t"]
        ],
        rtol=1e-12,
    )
    assert by_depth.slices.columns[:5].tolist() == [
        "interval",
        "top_m",
        "bottom_m",
        "cutoff_ppm",
        "statistic",
    ]


def test_blocks_of_rows_combine_into_the_whole(small_run) -> None:
    ds, sim, cutoffs, _ = small_run
    layered = with_slices(ds)
    west = xr.zeros_like(ds.cell_area_m2)
    west[:, :7] = 1.0
    parts = xr.concat([west, 1 - west], dim=pd.Index(["west", "east"], name="zone"))
    options = {
        "thickness_m": THICKNESS_M,
        "dry_density_t_m3": DENSITY_T_M3,
        "depths": True,
    }
    whole = simulate_resource(sim, layered, cutoffs, fractions=parts, **options)
    blocks = [
        simulate_resource(
            sim,
            layered.isel(y=rows),
            cutoffs,
            fractions=parts.isel(y=rows),
            **options,
        )
        for rows in (slice(0, 7), slice(7, 8), slice(8, 20))
    ]
    combined = combine_simulations(blocks)
    for name in ("summary", "slices", "zones"):
        pd.testing.assert_frame_equal(
            getattr(combined, name), getattr(whole, name), rtol=1e-12
        )
    xr.testing.assert_equal(combined.etype_rey_ppm, whole.etype_rey_ppm)
    xr.testing.assert_equal(combined.probability_above, whole.probability_above)


@pytest.mark.parametrize("n", [20, 50, 100])
def test_calibrated_coverage_of_few_realisations_matches_draws(n) -> None:
    """P10-P90 of n draws holds one more draw of the same law as often as said."""
    rng = np.random.default_rng(n)
    draws = rng.standard_normal((40_000, n))
    truth = rng.standard_normal(40_000)
    p10, p90 = np.quantile(draws, [0.1, 0.9], axis=1)
    inside = np.mean((p10 <= truth) & (truth <= p90))
    # 40,000 trials: the coverage is known to about 0.002
    assert calibrated_coverage(n) == pytest.approx(inside, abs=0.012)
    assert calibrated_coverage(n) < 0.8


def test_few_realisations_are_said() -> None:
    from seabed.resource.uncertainty import few_realizations_doubt

    assert "only 20 realisations" in few_realizations_doubt(20)
    assert "72 %" in few_realizations_doubt(20)
    assert few_realizations_doubt(100) is None
