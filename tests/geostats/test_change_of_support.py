"""The discrete Gaussian model and uniform conditioning against closed forms."""

import math

import numpy as np
import pytest
from scipy.special import ndtri
from scipy.stats import norm

from seabed.exceptions import InputError
from seabed.geostats import Variogram
from seabed.geostats.change_of_support import (
    DiscreteGaussianModel,
    HermiteAnamorphosis,
    hermite_polynomials,
    mean_block_covariance,
)


def quantiles(n: int) -> np.ndarray:
    """Standard normal values at the plotting positions of n data: an exact sample."""
    return ndtri((np.arange(n) + 0.5) / n)


def test_hermite_polynomials_are_orthonormal():
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / math.sqrt(2 * math.pi)
    H = hermite_polynomials(nodes, 12)
    np.testing.assert_allclose((H * weights) @ H.T, np.eye(12), atol=1e-10)


def test_mean_block_covariance_matches_a_fine_discretisation():
    vg = Variogram("exponential", psill=2.0, range=300.0, nugget=0.5)
    side = 400.0
    fine = (np.arange(60) + 0.5) / 60 * side
    xx, yy = np.meshgrid(fine, fine)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    dx = points[:, 0, None] - points[None, :, 0]
    dy = points[:, 1, None] - points[None, :, 1]
    structured = vg.covariance(dx, dy) - np.where((dx == 0) & (dy == 0), 0.5, 0.0)
    # gstat's 4 x 4 Gauss points against 3,600 points: within 1 %
    assert mean_block_covariance(vg, side) == pytest.approx(structured.mean(), rel=1e-2)
    # a vanishing block keeps the structures' sill, not the nugget
    assert mean_block_covariance(vg, 1e-3) == pytest.approx(2.0, rel=1e-5)


def test_anamorphosis_of_a_gaussian_is_linear():
    values = 1000.0 + 100.0 * quantiles(20_000)
    # light tails beyond the data, so that the expansion has only the Gaussian
    ana = HermiteAnamorphosis(n_terms=12, upper_tail_power=30.0, min_value=400.0)
    ana = ana.fit(values)
    assert ana.mean_ == pytest.approx(1000.0, rel=1e-4)
    assert ana.coefficients_[1] == pytest.approx(100.0, rel=2e-3)
    assert np.abs(ana.coefficients_[2:]).max() < 1.0  # under 1 % of phi_1


@pytest.mark.parametrize("sigma", [0.3, 0.6])
def test_dgm_reproduces_the_lognormal_block_distribution(sigma):
    """A lognormal point distribution has a lognormal DGM block distribution:
    log Z_v ~ N(mu + sigma^2 (1 - r^2) / 2, (sigma r)^2) (Rivoirard 1994)."""
    mu = 6.8
    values = np.exp(mu + sigma * quantiles(20_000))
    vg = Variogram("spherical", psill=1.0, range=2000.0)
    model = DiscreteGaussianModel(vg, smu_size=800.0, upper_tail_power=8.0).fit(values)
    r = model.r_
    assert 0.5 < r < 0.95
    m = mu + sigma**2 * (1 - r**2) / 2
    s = sigma * r
    cutoffs = [0.0, 700.0, 900.0, 1300.0, 2000.0]
    table = model.global_tonnage(cutoffs)
    for cutoff, tonnage, metal in zip(cutoffs, table.tonnage, table.metal, strict=True):
        log_c = math.log(cutoff) if cutoff > 0 else -np.inf
        expected_t = norm.sf((log_c - m) / s)
        expected_q = math.exp(m + s**2 / 2) * norm.sf((log_c - m - s**2) / s)
        assert tonnage == pytest.approx(expected_t, abs=2e-3)
        assert metal == pytest.approx(expected_q, rel=5e-3, abs=0.5)


def test_uniform_conditioning_matches_the_bivariate_normal_result():
    """Gaussian grades: Z_v = m + sigma r Y_v and Z*_V = m + sigma s Y*_V with
    corr(Y_v, Y*_V) = s / r, so Z_v given Z*_V is normal, mean Z*_V and variance
    sigma^2 (r^2 - s^2)."""
    m, sigma = 1000.0, 150.0
    values = m + sigma * quantiles(20_000)
    vg = Variogram("exponential", psill=sigma**2, range=1500.0)
    model = DiscreteGaussianModel(
        vg, smu_size=500.0, n_terms=20, upper_tail_power=30.0, min_value=300.0
    ).fit(values)
    r = model.r_
    assert r == pytest.approx(math.sqrt(mean_block_covariance(vg, 500.0)) / sigma, 1e-3)
    panel = 2000.0
    panel_grade = np.array([850.0, 1000.0, 1180.0])
    panel_std = np.array([40.0, 60.0, 90.0])
    s2 = (mean_block_covariance(vg, panel) - panel_std**2) / sigma**2
    spread = sigma * np.sqrt(r**2 - s2)  # sd of Z_v given the panel's estimate
    cutoffs = [900.0, 1100.0]
    tonnage, metal = model.uniform_conditioning(panel_grade, panel_std, panel, cutoffs)
    for i, cutoff in enumerate(cutoffs):
        k = (cutoff - panel_grade) / spread
        np.testing.assert_allclose(tonnage[i], norm.sf(k), atol=3e-3)
        expected = panel_grade * norm.sf(k) + spread * norm.pdf(k)
        np.testing.assert_allclose(metal[i], expected, rtol=5e-3)


def test_uniform_conditioning_keeps_the_panel_metal_at_cutoff_zero():
    rng = np.random.default_rng(3)
    values = rng.lognormal(6.8, 0.5, 400)
    vg = Variogram("spherical", psill=values.var(), range=6000.0, nugget=0.1)
    model = DiscreteGaussianModel(vg, smu_size=250.0).fit(values)
    grade = np.array([600.0, 900.0, 1500.0])
    tonnage, metal = model.uniform_conditioning(grade, [200.0] * 3, 1000.0, [0.0])
    np.testing.assert_allclose(tonnage[0], 1.0)
    np.testing.assert_allclose(metal[0], grade, rtol=2e-3)


def test_far_panels_fall_back_on_the_global_distribution():
    rng = np.random.default_rng(4)
    values = rng.lognormal(6.8, 0.5, 400)
    vg = Variogram("spherical", psill=values.var(), range=6000.0)
    model = DiscreteGaussianModel(vg, smu_size=250.0).fit(values)
    # a kriging deviation as large as the panel's own variance: no information
    tonnage, metal = model.uniform_conditioning(
        [500.0, 2000.0], [1e6, 1e6], 1000.0, [900.0]
    )
    expected = model.global_tonnage([900.0])
    np.testing.assert_allclose(tonnage[0], expected.tonnage[0], rtol=1e-6)
    np.testing.assert_allclose(metal[0], expected.metal[0], rtol=1e-6)


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="smu_size"):
        DiscreteGaussianModel(Variogram("spherical", 1.0, 100.0), smu_size=-1).fit(
            [1.0, 2.0, 3.0]
        )
    with pytest.raises(InputError, match="all values are equal"):
        HermiteAnamorphosis().fit([5.0, 5.0, 5.0])
