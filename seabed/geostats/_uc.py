"""Compiled per-panel kernels of uniform conditioning (private).

:meth:`~seabed.geostats.change_of_support.DiscreteGaussianModel.uniform_conditioning`
solves, per panel, the panel's Gaussian value and integrates the SMU grades
above each cut-off. Vectorised over panels, both build ``(terms, m)`` or
``(nodes, m)`` temporaries and dominate a run's time and memory; here each
panel is done on its own, in memory O(1) per panel and without the GIL (the
pipeline runs tiles on threads).

SciPy's ``ndtr`` and ``ndtri`` are called through their C entry points in
``scipy.special.cython_special``, registered as named symbols, so that the
compiled code matches SciPy's values exactly and can be cached on disk (a
ctypes pointer would make numba refuse the cache).
"""

from __future__ import annotations

from typing import Any

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address
from numpy.typing import NDArray

llvm.add_symbol(
    "seabed_uc_ndtr",
    get_cython_function_address("scipy.special.cython_special", "__pyx_fuse_1ndtr"),
)
llvm.add_symbol(
    "seabed_uc_ndtri",
    get_cython_function_address("scipy.special.cython_special", "ndtri"),
)
# the trailing int is Cython's skip-dispatch flag of a cpdef function
_ndtr: Any = types.ExternalFunction(
    "seabed_uc_ndtr", types.float64(types.float64, types.intc)
)
_ndtri: Any = types.ExternalFunction(
    "seabed_uc_ndtri", types.float64(types.float64, types.intc)
)

#: Below this bracket width (Gaussian units) the panel's root is found.
_ROOT_TOLERANCE = 1e-13
#: Halvings of [-6, 6] before Newton: 12 / 2^8 < 0.05, a fraction of the
#: shortest swing of 40 Hermite terms (their zeros are >= 0.3 apart).
_MIN_HALVINGS = 8
#: Halvings of bisection alone (the former vectorised solver's count).
_MAX_HALVINGS = 48


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _expansion(weights: NDArray[np.float64], y: float) -> tuple[float, float]:
    """``sum weights_n He_n(y)`` and its derivative (``He_n' = n He_{n-1}``).

    The probabilists' polynomials ``He_n`` (``H_n sqrt(n!)``) have a recurrence
    without divisions, ``He_{n+1} = y He_n - n He_{n-1}``: the division of each
    step of the normalised recurrence was the evaluation's bottleneck.
    """
    value = weights[0]
    slope = 0.0
    previous, current = 0.0, 1.0  # He_{n-1}, He_n for n = 0
    for n in range(1, weights.shape[0]):
        following = y * current - (n - 1) * previous  # He_n
        slope += weights[n] * n * current
        value += weights[n] * following
        previous, current = current, following
    return value, slope


@njit(cache=True, nogil=True, error_model="numpy")
def panel_gaussian(
    coefficients: NDArray[np.float64],
    grade: NDArray[np.float64],
    s: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``y*`` in [-6, 6] with ``sum phi_n s^n H_n(y*) = grade``, per panel.

    The truncated expansion can swing in the far tails, so the root is the one
    bisection from [-6, 6] finds: the first halvings as bisection does them,
    until both ends of the bracket are evaluated and it is narrower than a
    swing (then one root lies in it), and Newton's method inside the bracket
    (a halving whenever Newton would leave it or stall). A grade outside the
    expansion's range (or NaN) is bisected the 48 times to the bracket's end.
    """
    n_terms = coefficients.shape[0]
    # phi_n s^n H_n = phi_n s^n / sqrt(n!) He_n
    inverse_root_factorial = np.ones(n_terms)
    for n in range(1, n_terms):
        inverse_root_factorial[n] = inverse_root_factorial[n - 1] / np.sqrt(n)
    scaled = np.empty(n_terms)
    out = np.empty(grade.shape[0])
    for i in range(grade.shape[0]):
        power = 1.0
        for n in range(n_terms):
            scaled[n] = coefficients[n] * inverse_root_factorial[n] * power
            power *= s[i]
        constant = s[i] == 0.0
        target = grade[i]
        low, high = -6.0, 6.0
        halvings = 0
        while halvings < _MAX_HALVINGS:
            middle = (low + high) / 2.0
            value = scaled[0] if constant else _expansion(scaled, middle)[0]
            if value < target:
                low = middle
            else:
                high = middle
            halvings += 1
            if halvings >= _MIN_HALVINGS and low > -6.0 and high < 6.0:
                break
        if halvings == _MAX_HALVINGS:
            out[i] = (low + high) / 2.0
            continue
        out[i] = _newton_in_bracket(scaled, target, low, high)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _newton_in_bracket(
    scaled: NDArray[np.float64],
    target: float,
    low: float,
    high: float,
) -> float:
    """The root of ``sum scaled_n He_n(y) = target`` in ``(low, high)``, where the
    expansion is below the target at ``low`` and not below it at ``high``."""
    y = (low + high) / 2.0
    last_step = high - low
    for _ in range(200):
        value, slope = _expansion(scaled, y)
        if value < target:
            low = y
        else:
            high = y
        if high - low < _ROOT_TOLERANCE:
            return (low + high) / 2.0
        following = y - (value - target) / slope if slope > 0.0 else np.nan
        # halve instead where Newton leaves the bracket or converges slowly
        if not low < following < high or abs(following - y) > last_step / 2.0:
            following = (low + high) / 2.0
        last_step = abs(following - y)
        y = following
        if last_step < _ROOT_TOLERANCE:
            return y
    return y


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _interp_uniform(
    x: float,
    grid: NDArray[np.float64],
    inverse_step: float,
    table: NDArray[np.float64],
    slopes: NDArray[np.float64],
) -> float:
    """``np.interp(x, grid, table)`` for a uniform ``grid``, the interval found by
    arithmetic instead of a search (the same arithmetic on it as NumPy's, with
    its ``slopes``)."""
    last = grid.shape[0] - 1
    if np.isnan(x):
        return x
    if x > grid[last]:
        return table[last]
    if x < grid[0]:
        return table[0]
    j = min(int((x - grid[0]) * inverse_step), last)
    while j > 0 and x < grid[j]:
        j -= 1
    while j < last and x >= grid[j + 1]:
        j += 1
    if j == last or grid[j] == x:
        return table[j]
    slope = slopes[j]
    result = slope * (x - grid[j]) + table[j]
    if np.isnan(result):
        result = slope * (x - grid[j + 1]) + table[j + 1]
        if np.isnan(result) and table[j] == table[j + 1]:
            result = table[j]
    return result


@njit(cache=True, nogil=True, error_model="numpy")
def above(
    grid: NDArray[np.float64],
    table: NDArray[np.float64],
    center: NDArray[np.float64],
    spread: NDArray[np.float64],
    cutoff_gaussian: NDArray[np.float64],
    node_shares: NDArray[np.float64],
    node_scores: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``T`` and ``Q`` above the Gaussian cut-offs for ``Y_v ~ N(center, spread^2)``.

    ``Q`` is the Gauss-Legendre quadrature, on the probabilities ``p`` above the
    cut-off (``node_shares`` = the nodes mapped to (0, 1)), of the tabulated
    anamorphosis at ``center + spread G^-1(p)``; ``node_scores`` are
    ``G^-1(node_shares)``, the nodes' scores where no SMU is below the cut-off.
    """
    inverse_step = (grid.shape[0] - 1) / (grid[grid.shape[0] - 1] - grid[0])
    n_cutoffs, m = cutoff_gaussian.shape[0], center.shape[0]
    slopes = (table[1:] - table[:-1]) / (grid[1:] - grid[:-1])  # as np.interp's
    tonnage = np.empty((n_cutoffs, m))
    metal = np.empty((n_cutoffs, m))
    for i in range(m):
        mean = center[i]
        sd = spread[i]
        if sd < 1e-12:  # as np.maximum: a NaN stays NaN
            sd = 1e-12
        for k in range(n_cutoffs):
            p_low = _ndtr((cutoff_gaussian[k] - mean) / sd, 0)
            total = 0.0
            if p_low != 1.0:  # else none above: Q = 0 whatever the sum
                for j in range(node_shares.shape[0]):
                    if p_low == 0.0:
                        score = node_scores[j]
                    else:
                        score = _ndtri(p_low + (1.0 - p_low) * node_shares[j], 0)
                    value = _interp_uniform(
                        mean + sd * score, grid, inverse_step, table, slopes
                    )
                    total += weights[j] * value
            tonnage[k, i] = 1.0 - p_low
            metal[k, i] = (1.0 - p_low) * total / 2.0
    return tonnage, metal
