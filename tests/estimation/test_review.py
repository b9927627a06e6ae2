"""The automatic variogram questioned: pure nugget, a range wider than the data,
a fit that did not converge; and a run on uncorrelated cores that says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import seabed
from seabed.estimation.review import fit_reviewed_variogram, variogram_doubts
from seabed.geostats import FitInfo, Variogram

# cores every 2 km over 30 x 40 km: a 50 km diagonal
SQUARE = np.array(
    [(x, y) for x in range(0, 30_001, 2000) for y in range(0, 40_001, 2000)],
    dtype=float,
)


def test_a_range_wider_than_the_cores_is_said():
    wide = Variogram("exponential", psill=1.0, range=60_000.0, nugget=0.1)
    (doubt,) = variogram_doubts(wide, None, SQUARE)
    assert "practical range (180 km) is wider than the cores' extent (50 km)" in doubt


def test_a_fit_that_did_not_converge_is_said():
    info = FitInfo(
        sse=1.0,
        iterations=200,
        converged=False,
        singular=False,
        method=7,
        refits=0,
        model="spherical",
    )
    fine = Variogram("spherical", psill=1.0, range=10_000.0, nugget=0.1)
    (doubt,) = variogram_doubts(fine, info, SQUARE)
    assert "did not converge after 200 iterations" in doubt


def test_a_sound_variogram_raises_no_doubt():
    fine = Variogram("spherical", psill=1.0, range=10_000.0, nugget=0.1)
    assert variogram_doubts(fine, None, SQUARE) == []


@pytest.mark.parametrize("seed", range(5))
def test_uncorrelated_grades_never_pass_silently(seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 60_000, size=(40, 2))
    y = rng.lognormal(6.9, 0.4, size=40)
    variogram, _, doubts = fit_reviewed_variogram(X, y)
    assert doubts, variogram


def test_a_run_on_uncorrelated_cores_says_the_variogram_is_doubtful(tmp_path):
    rng = np.random.default_rng(7)
    n = 40
    lon = rng.uniform(153.5, 154.1, n)
    lat = rng.uniform(21.8, 22.25, n)
    cores = pd.DataFrame(
        {
            "core_id": [f"C{i:02d}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "top_m": 0.0,
            "bottom_m": 10.0,
            "rey_ppm": rng.lognormal(6.9, 0.5, n).round(1),
        }
    )
    path = tmp_path / "cores.csv"
    cores.to_csv(path, index=False)
    toml = tmp_path / "run.toml"
    toml.write_text(
        f'[inputs]\ncores = "{path.name}"\n'
        "[grid]\nresolution_m = 4000\nbounds = [153.5, 21.8, 154.117, 22.25]\n"
    )
    result = seabed.run(
        seabed.load_config(toml), out_dir=tmp_path / "out", progress=False
    )
    said = [
        n
        for n in result.notes
        if n.startswith("the automatic variogram is doubtful")
        or n.startswith("cross-validation finds no spatial correlation")
    ]
    assert said, result.notes
    assert result.validation["cross_validation"]["skill"] < 0.02
    # said once, in the notes of every output and in the report's banner
    assert result.doubts == said
    from seabed.report import render_report

    page = render_report(result)
    banner = page.split("Read before using these figures:")[1].split("</div>")[0]
    assert all(d.split(":")[0] in banner for d in said)
    printed = (tmp_path / "out" / "resource.json").read_text()
    assert said[0] in printed


def _field(variogram, n=500, seed=0, side=30_000.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, side, size=(n, 2))
    covariance = variogram.covariance_matrix(X)
    y = np.linalg.cholesky(covariance + 1e-9 * np.eye(n)) @ rng.standard_normal(n)
    return X, y


def test_a_real_anisotropy_is_found_along_its_axis():
    from seabed.estimation.review import directional_review

    truth = Variogram(
        "exponential", psill=1.0, range=4000.0, nugget=0.05, anis=(90.0, 0.3)
    )
    X, y = _field(truth)
    isotropic = Variogram("exponential", psill=1.0, range=2500.0, nugget=0.05)
    summary, notes = directional_review(X, y, isotropic)
    assert summary["suggested_anis"][0] in (45.0, 90.0, 135.0)
    assert summary["ratio"] < 0.7
    assert len(notes) == 1 and "anis = [" in notes[0]


def test_an_isotropic_field_gets_no_suggestion():
    from seabed.estimation.review import directional_review

    truth = Variogram("exponential", psill=1.0, range=2000.0, nugget=0.05)
    X, y = _field(truth, seed=4)
    summary, notes = directional_review(X, y, truth)
    assert summary["suggested_anis"] is None and notes == []


def test_two_distant_clusters_are_reviewed_without_stopping_the_run():
    # directional ranges 2,000 times apart: the ratio would round to an anis of 0
    from seabed.estimation.review import directional_review

    side = np.arange(4) * 5500.0
    lattice = np.array([(x, y) for x in side for y in side])
    X = np.vstack([lattice, lattice + np.array([103_000.0, 77_000.0])])
    rng = np.random.default_rng(0)
    y = 1000.0 + 100.0 * rng.standard_normal(32) + np.repeat([0.0, 300.0], 16)
    model = Variogram("spherical", psill=2e4, range=3e4, nugget=5e3)
    summary, notes = directional_review(X, y, model)
    assert summary["ratio"] < 0.005
    # the anisotropic model is tried (and predicts worse here): nothing suggested
    assert summary["cross_validation_gain"] < 0
    assert summary["suggested_anis"] is None and notes == []


def test_an_unbounded_variogram_is_said_to_have_no_range():
    power = Variogram("power", psill=1.0, range=1.2, nugget=0.1)
    (doubt,) = variogram_doubts(power, None, SQUARE)
    assert "has no sill" in doubt and "range-based classification" in doubt


def test_bounded_keeps_the_automatic_fit_to_models_with_a_sill():
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 60_000, size=(60, 2))
    y = X[:, 0] / 50.0 + rng.normal(0, 50.0, 60)  # a trend: unbounded would fit
    variogram, info, _ = fit_reviewed_variogram(X, y, bounded=True)
    assert variogram.bounded
    assert {c["model"] for c in info.candidates} <= {
        "spherical",
        "exponential",
        "nugget",
    }
