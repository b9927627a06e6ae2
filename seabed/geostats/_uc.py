"""Compiled per-panel kernels of uniform conditioning (private).

:meth:`~seabed.geostats.change_of_support.DiscreteGaussianModel.uniform_conditioning`
solves, per panel, the panel's Gaussian value and integrates the SMU grades
above each cut-off. Vectorised over panels, both build ``(terms, m)`` or
``(nodes, m)`` temporaries and dominate a run's time and memory; here each
panel is done on its own, in memory O(1) per panel and without the GIL (the
pipeline runs tiles on threads).

SciPy's ``ndtr`` is called through its C entry point in
``scipy.special.cython_special``, registered as a named symbol, so that the
compiled code matches SciPy's values exactly and can be cached on disk (a
ctypes pointer would make numba refuse the cache). The inverse, at every
quadrature node, is compiled here (:func:`normal_quantile`, Wichura's
algorithm AS 241): inlined, it costs a third less than a call into SciPy's
``ndtri`` and agrees with it to 2e-15 relative. The table lookup at the nodes
is NumPy's ``interp`` written out for a uniform grid (same values, bit for
bit); it was two thirds of the quadrature's time through a function per node.
"""

from __future__ import annotations

import math
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
# the trailing int is Cython's skip-dispatch flag of a cpdef function
_ndtr: Any = types.ExternalFunction(
    "seabed_uc_ndtr", types.float64(types.float64, types.intc)
)

# Wichura (1988), Algorithm AS 241 (PPND16), Applied Statistics 37(3) 477-484:
# x = q a(r) / b(r) with r = 0.180625 - q^2 for |q| = |p - 1/2| <= 0.425, else
# c(r - 1.6) / d(r - 1.6) for r = sqrt(-log(min(p, 1 - p))) <= 5, and
# e(r - 5) / f(r - 5) beyond; coefficients from the constant term up.
_CENTRAL = (
    (
        3.3871328727963666080e0,
        1.3314166789178437745e2,
        1.9715909503065514427e3,
        1.3731693765509461125e4,
        4.5921953931549871457e4,
        6.7265770927008700853e4,
        3.3430575583588128105e4,
        2.5090809287301226727e3,
    ),
    (
        1.0,
        4.2313330701600911252e1,
        6.8718700749205790830e2,
        5.3941960214247511077e3,
        2.1213794301586595867e4,
        3.9307895800092710610e4,
        2.8729085735721942674e4,
        5.2264952788528545610e3,
    ),
)
_NEAR_TAIL = (
    (
        1.42343711074968357734e0,
        4.63033784615654529590e0,
        5.76949722146069140550e0,
        3.64784832476320460504e0,
        1.27045825245236838258e0,
        2.41780725177450611770e-1,
        2.27238449892691845833e-2,
        7.74545014278341407640e-4,
    ),
    (
        1.0,
        2.05319162663775882187e0,
        1.67638483018380384940e0,
        6.89767334985100004550e-1,
        1.48103976427480074590e-1,
        1.51986665636164571966e-2,
        5.47593808499534494600e-4,
        1.05075007164441684324e-9,
    ),
)
_FAR_TAIL = (
    (
        6.65790464350110377720e0,
        5.46378491116411436990e0,
        1.78482653991729133580e0,
        2.96560571828504891230e-1,
        2.65321895265761230930e-2,
        1.24266094738807843860e-3,
        2.71155556874348757815e-5,
        2.01033439929228813265e-7,
    ),
    (
        1.0,
        5.99832206555887937690e-1,
        1.36929880922735805310e-1,
        1.48753612908506148525e-2,
        7.86869131145613259100e-4,
        1.84631831751005468180e-5,
        1.42151175831644588870e-7,
        2.04426310338993978564e-15,
    ),
)

#: Below this bracket width (Gaussian units) the panel's root is found.
_ROOT_TOLERANCE = 1e-13
#: Halvings of [-6, 6] before Newton: 12 / 2^8 < 0.05, a fraction of the
#: shortest swing of 40 Hermite terms (their zeros are >= 0.3 apart).
_MIN_HALVINGS = 8
#: Halvings of bisection alone (the former vectorised solver's count).
_MAX_HALVINGS = 48
#: Panels whose first halvings are done side by side (a vector's width).
_LANES = 8


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
    The first halvings, the same for every panel, are done for ``_LANES``
    panels at a time, which the compiler vectorises (the same arithmetic, so
    the same brackets).
    """
    n_terms, m = coefficients.shape[0], grade.shape[0]
    # phi_n s^n H_n = phi_n s^n / sqrt(n!) He_n
    inverse_root_factorial = np.ones(n_terms)
    for n in range(1, n_terms):
        inverse_root_factorial[n] = inverse_root_factorial[n - 1] / np.sqrt(n)
    scaled = np.empty((n_terms, _LANES))  # the panels side by side
    target = np.empty(_LANES)
    low = np.empty(_LANES)
    high = np.empty(_LANES)
    one = np.empty(n_terms)
    work = np.empty((4, _LANES))
    out = np.empty(m)
    for start in range(0, m, _LANES):
        width = min(_LANES, m - start)
        for lane in range(_LANES):
            i = start + min(lane, width - 1)  # a short last group repeats a panel
            power = 1.0
            for n in range(n_terms):
                scaled[n, lane] = coefficients[n] * inverse_root_factorial[n] * power
                power *= s[i]
            target[lane] = grade[i]
            low[lane], high[lane] = -6.0, 6.0
        for _ in range(_MIN_HALVINGS):
            _halve(scaled, target, low, high, work)
        for lane in range(width):
            one[:] = scaled[:, lane]
            out[start + lane] = _root_in_bracket(
                one, target[lane], low[lane], high[lane]
            )
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _halve(
    scaled: NDArray[np.float64],
    target: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    work: NDArray[np.float64],
) -> None:
    """One bisection step for each lane (column) of ``scaled``, in place: the
    expansion at the middle as :func:`_expansion` sums it, lanes innermost
    (``work``: 4 rows of scratch, one column per lane)."""
    middle, value, previous, current = work[0], work[1], work[2], work[3]
    lanes = target.shape[0]
    for lane in range(lanes):
        middle[lane] = (low[lane] + high[lane]) / 2.0
        value[lane] = scaled[0, lane]
        previous[lane] = 0.0
        current[lane] = 1.0
    for n in range(1, scaled.shape[0]):
        for lane in range(lanes):
            following = middle[lane] * current[lane] - (n - 1) * previous[lane]
            value[lane] += scaled[n, lane] * following
            previous[lane] = current[lane]
            current[lane] = following
    for lane in range(lanes):
        if value[lane] < target[lane]:
            low[lane] = middle[lane]
        else:
            high[lane] = middle[lane]


@njit(cache=True, nogil=True, error_model="numpy")
def _root_in_bracket(
    scaled: NDArray[np.float64], target: float, low: float, high: float
) -> float:
    """The root after the first ``_MIN_HALVINGS`` halvings: more halvings until
    neither end of the bracket is an end of [-6, 6] (at most ``_MAX_HALVINGS``
    in all, then the middle), then Newton's method in the bracket."""
    halvings = _MIN_HALVINGS
    while halvings < _MAX_HALVINGS and not (low > -6.0 and high < 6.0):
        middle = (low + high) / 2.0
        if _expansion(scaled, middle)[0] < target:
            low = middle
        else:
            high = middle
        halvings += 1
    if halvings == _MAX_HALVINGS:
        return (low + high) / 2.0
    return _newton_in_bracket(scaled, target, low, high)


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
        if abs(following - y) < _ROOT_TOLERANCE:
            # converged: halving the bracket from here (Newton keeps one end
            # where it was) would take 30 steps to the same root
            return min(max(following, low), high)
        # halve instead where Newton leaves the bracket or converges slowly
        if not low < following < high or abs(following - y) > last_step / 2.0:
            following = (low + high) / 2.0
        last_step = abs(following - y)
        y = following
        if last_step < _ROOT_TOLERANCE:
            return y
    return y


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _ratio(
    coefficients: tuple[tuple[float, ...], tuple[float, ...]], x: float
) -> float:
    """``a(x) / b(x)`` for the polynomials of ``coefficients = (a, b)``."""
    numerator, denominator = coefficients
    top = numerator[-1]
    bottom = denominator[-1]
    for n in range(len(numerator) - 2, -1, -1):
        top = top * x + numerator[n]
        bottom = bottom * x + denominator[n]
    return top / bottom


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def normal_quantile(p: float) -> float:
    """``G^-1(p)``, the standard normal quantile (SciPy's ``ndtri``, AS 241).

    Relative error below 1e-15 on (0, 1); -inf at 0, +inf at 1 and NaN outside
    [0, 1], as ``ndtri``.
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _ratio(_CENTRAL, 0.180625 - q * q)
    if not 0.0 < p < 1.0:
        if p == 0.0:
            return -np.inf
        return np.inf if p == 1.0 else np.nan
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    x = _ratio(_NEAR_TAIL, r - 1.6) if r <= 5.0 else _ratio(_FAR_TAIL, r - 5.0)
    return -x if q < 0.0 else x


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _quadrature(
    mean: float,
    sd: float,
    scores: NDArray[np.float64],
    weights: NDArray[np.float64],
    grid: NDArray[np.float64],
    table: NDArray[np.float64],
    slopes: NDArray[np.float64],
) -> float:
    """``sum weights_j phi_v(mean + sd scores_j)``, ``phi_v`` read from ``table``.

    ``np.interp(x, grid, table)`` for a uniform ``grid`` and a finite ``table``,
    written out: the interval found by arithmetic instead of a search, then the
    same interval and the same arithmetic as NumPy's (with its ``slopes``), so
    the same value to the last bit. (Called per node as a function of its own,
    even inlined by numba, the same lookup ran three times slower.)
    """
    last = grid.shape[0] - 1
    inverse_step = last / (grid[last] - grid[0])
    total = 0.0
    for n in range(scores.shape[0]):
        x = mean + sd * scores[n]
        position = (x - grid[0]) * inverse_step
        if 0.0 < position < last:
            j = int(position)  # the rounding of ``position`` may miss by one
            while j > 0 and x < grid[j]:
                j -= 1
            while j < last and x >= grid[j + 1]:
                j += 1
            value = table[j] if j == last else slopes[j] * (x - grid[j]) + table[j]
        elif position <= 0.0:
            value = table[0]
        elif position >= last:
            value = table[last]
        else:  # NaN
            value = np.nan
        total += weights[n] * value
    return total


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
    n_cutoffs, m = cutoff_gaussian.shape[0], center.shape[0]
    slopes = (table[1:] - table[:-1]) / (grid[1:] - grid[:-1])  # as np.interp's
    tonnage = np.empty((n_cutoffs, m))
    metal = np.empty((n_cutoffs, m))
    n_nodes = node_shares.shape[0]
    scores = np.empty(n_nodes)
    for i in range(m):
        mean = center[i]
        sd = spread[i]
        if sd < 1e-12:  # as np.maximum: a NaN stays NaN
            sd = 1e-12
        # cut-offs with the same p_low (all SMUs above, say) share one sum
        previous_p_low, previous_total = np.nan, np.nan
        for k in range(n_cutoffs):
            p_low = _ndtr((cutoff_gaussian[k] - mean) / sd, 0)
            if p_low == 1.0:  # none above: Q = 0 whatever the sum
                total = 0.0
            elif p_low == previous_p_low:
                total = previous_total
            elif p_low == 0.0:
                total = _quadrature(mean, sd, node_scores, weights, grid, table, slopes)
            else:
                for j in range(n_nodes):
                    scores[j] = normal_quantile(p_low + (1.0 - p_low) * node_shares[j])
                total = _quadrature(mean, sd, scores, weights, grid, table, slopes)
            previous_p_low, previous_total = p_low, total
            tonnage[k, i] = 1.0 - p_low
            metal[k, i] = (1.0 - p_low) * total / 2.0
    return tonnage, metal
