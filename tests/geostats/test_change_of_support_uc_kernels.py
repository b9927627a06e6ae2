"""The compiled uniform-conditioning kernels against the vectorised code they
replaced, kept here as the reference (same numbers to 1e-9)."""

import numpy as np
import pytest
from scipy.special import ndtr, ndtri

from seabed.geostats import Variogram, _uc
from seabed.geostats.change_of_support import (
    _GL_NODES,
    _GL_WEIGHTS,
    _Y,
    DiscreteGaussianModel,
    hermite_polynomials,
)


def reference_panel_gaussian(model, grade, s):
    """The former vectorised bisection (48 halvings of [-6, 6])."""
    coefficients = model.anamorphosis_.coefficients_
    powers = s[None, :] ** np.arange(len(coefficients))[:, None]
    scaled = coefficients[:, None] * powers
    low, high = np.full_like(grade, -6.0), np.full_like(grade, 6.0)
    for _ in range(48):
        middle = (low + high) / 2.0
        value = np.sum(scaled * hermite_polynomials(middle, len(coefficients)), 0)
        below = value < grade
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return (low + high) / 2.0


def reference_above(model, center, spread, cutoffs):
    """The former vectorised quadrature, with np.interp into the table."""
    table = model.table_
    increasing = table + 1e-9 * np.arange(len(table)) * max(1.0, table[-1])
    spread = np.maximum(spread, 1e-12)
    tonnage = np.empty((len(cutoffs), len(center)))
    metal = np.empty_like(tonnage)
    for i, cutoff in enumerate(cutoffs):
        if cutoff <= table[0]:
            y_c = np.full_like(center, -np.inf)
        else:
            y_c = np.full_like(center, float(np.interp(cutoff, increasing, _Y)))
            if cutoff > table[-1]:
                y_c[:] = np.inf
        p_low = ndtr((y_c - center) / spread)
        tonnage[i] = 1.0 - p_low
        p = p_low[None, :] + (1.0 - p_low[None, :]) * (_GL_NODES[:, None] + 1) / 2
        y = center[None, :] + spread[None, :] * ndtri(p)
        values = np.interp(y, _Y, table)
        metal[i] = (1.0 - p_low) * (_GL_WEIGHTS @ values) / 2.0
    return tonnage, metal


def reference_uniform_conditioning(model, grade, std, panel_size, cutoffs):
    grade = np.asarray(grade, dtype=float).ravel()
    std = np.asarray(std, dtype=float).ravel()
    ana = model.anamorphosis_
    relative = model._relative(panel_size) - np.nan_to_num(std) ** 2 / (
        model.variogram.sill
    )
    panel_variance = np.clip(relative, 0.0, None) * ana.variance_
    s = np.minimum(ana.gaussian_coefficient(panel_variance), model.r_)
    y_star = reference_panel_gaussian(model, grade, s)
    rho = s / model.r_ if model.r_ > 0 else np.zeros_like(s)
    return reference_above(model, rho * y_star, np.sqrt(1.0 - rho**2), cutoffs)


@pytest.fixture(scope="module", params=[0.4, 1.2])
def model(request):
    """A lognormal anamorphosis, mildly and strongly skewed, with a nugget."""
    rng = np.random.default_rng(11)
    values = rng.lognormal(6.8, request.param, 600)
    vg = Variogram("spherical", psill=values.var(), range=5000.0, nugget=0.2)
    return DiscreteGaussianModel(vg, smu_size=250.0).fit(values)


@pytest.fixture(scope="module")
def panels(model):
    """Random panels and the edge cases: std 0, NaN std, a std above the panel
    variance, grades NaN, below the table's first and above its last value."""
    rng = np.random.default_rng(5)
    table = model.table_
    sd = np.sqrt(model.variogram.sill)
    grade = np.exp(rng.uniform(np.log(table[0] + 1.0), np.log(table[-1]), 3000))
    std = rng.uniform(0.0, 1.2 * sd, grade.size)
    edge_grade = [table[0] - 1.0, 0.0, table[-1] * 2, np.nan, 900.0, 900.0, 900.0]
    edge_std = [0.3 * sd, 0.3 * sd, 0.3 * sd, 0.3 * sd, 0.0, np.nan, 10.0 * sd]
    return np.concatenate([grade, edge_grade]), np.concatenate([std, edge_std])


def cutoffs_of(model):
    table = model.table_
    inner = list(np.quantile(table, [0.2, 0.5, 0.8, 0.99]))
    return [table[0] - 5.0, table[0], *inner, table[-1], table[-1] + 1.0]


def test_panel_gaussian_finds_the_bisection_root(model, panels):
    grade, _ = panels
    s = np.random.default_rng(2).uniform(0.0, model.r_, grade.size)
    s[:3] = [0.0, model.r_, 1e-9]
    expected = reference_panel_gaussian(model, grade, s)
    got = model._panel_gaussian(grade, s)
    # the same root, to the rounding of the sum where the expansion is flat (the
    # lower tail, or s -> 0: there y* moves the conditional mean rho y* little)
    np.testing.assert_allclose(s * got, s * expected, rtol=0, atol=1e-10)
    assert np.isfinite(got).all()


def test_uniform_conditioning_matches_the_vectorised_code(model, panels):
    grade, std = panels
    cutoffs = cutoffs_of(model)
    tonnage, metal = model.uniform_conditioning(grade, std, 1000.0, cutoffs)
    want_t, want_q = reference_uniform_conditioning(model, grade, std, 1000.0, cutoffs)
    np.testing.assert_allclose(tonnage, want_t, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(metal, want_q, rtol=1e-9, atol=1e-300)
    assert tonnage[0] == pytest.approx(1.0) and (tonnage[-1] == 0).all()


def test_above_matches_the_vectorised_code_on_odd_spreads(model):
    """Spreads 0 and NaN, centres far outside [-6, 6] and on the grid's nodes."""
    center = np.array([0.0, -8.0, 8.0, 0.5, _Y[1234], _Y[-1], -6.0, np.nan, 1.0])
    spread = np.array([0.0, 0.5, 0.5, 1.0, 1e-13, 0.3, 1.0, 0.5, np.nan])
    cutoffs = cutoffs_of(model)
    tonnage, metal = model._above(center, spread, cutoffs)
    want_t, want_q = reference_above(model, center, spread, cutoffs)
    np.testing.assert_allclose(tonnage, want_t, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(metal, want_q, rtol=1e-12, atol=1e-300)


def test_normal_quantile_matches_scipy_ndtri():
    """The compiled quantile (AS 241) at the quadrature's probabilities, the far
    tails and the edges: SciPy's ndtri to 2e-15 relative, its infinities and NaN."""
    shares = (_GL_NODES + 1) / 2
    p_low = np.concatenate([ndtr(np.linspace(-9.0, 9.0, 301)), [1e-300, 1 - 1e-15]])
    p = (p_low[:, None] + (1 - p_low[:, None]) * shares).ravel()
    p = np.concatenate([p, [5e-324, 1e-300, 0.075, 0.925, 0.5, 1 - 2**-53]])
    got = np.array([_uc.normal_quantile(value) for value in p])
    np.testing.assert_allclose(got, ndtri(p), rtol=2e-15, atol=0)
    edges = [0.0, 1.0, np.nan, -0.5, 1.5]
    got = [_uc.normal_quantile(value) for value in edges]
    np.testing.assert_array_equal(got, ndtri(edges))


def test_repeated_cutoffs_share_one_sum(model):
    """Cut-offs whose probability below is the same (all SMUs above, or the same
    cut-off twice) take one quadrature: the same values as alone, in any order."""
    center = np.array([-0.3, 0.0, 0.8, 2.0])
    spread = np.array([0.4, 0.6, 0.2, 0.5])
    low, high = model.table_[0], float(np.quantile(model.table_, 0.6))
    tonnage, metal = model._above(center, spread, [high, low, low - 1.0, high, low])
    for k, cutoff in enumerate([high, low, low - 1.0, high, low]):
        alone_t, alone_q = model._above(center, spread, [cutoff])
        np.testing.assert_array_equal(tonnage[k], alone_t[0])
        np.testing.assert_array_equal(metal[k], alone_q[0])
    assert (tonnage[1] == 1).all() and (metal[1] == metal[2]).all()


def test_panel_gaussian_does_not_depend_on_its_neighbours(model, panels):
    """Panels are bisected side by side in groups: each panel's root is the same
    alone, in any group and in a short last group, to the last bit."""
    grade, _ = panels
    s = np.random.default_rng(4).uniform(0.0, model.r_, grade.size)
    s[-20:-10] = 0.0
    whole = model._panel_gaussian(grade, s)
    for start, stop in [(0, 1), (5, 12), (grade.size - 13, grade.size)]:
        part = model._panel_gaussian(grade[start:stop], s[start:stop])
        np.testing.assert_array_equal(part, whole[start:stop])
    shuffled = np.random.default_rng(5).permutation(grade.size)
    np.testing.assert_array_equal(
        model._panel_gaussian(grade[shuffled], s[shuffled]), whole[shuffled]
    )
