"""Compiled kernels of the kriging engine (numba, nopython, cached, GIL released).

Everything a prediction node computes happens here, one node at a time, with loops
whose length depends only on that node's own neighbour set. That is what makes the
results independent of how nodes are batched: a node's neighbour set, the order of
its arithmetic and the factorisation it uses are the same whatever other nodes are
predicted in the same call (see ``docs/kriging.md``).

Conventions
-----------
- A variogram is passed as a *structure table* (one row per nested structure, columns
  ``CODE .. OFFSET`` below) plus the nugget; see :func:`structure_table`. An
  unbounded structure (power, linear without a sill) enters as the covariance
  ``psill * (OFFSET - gamma_unit(h))``, a constant minus its semivariance: with a
  constant large enough for the samples' extent that matrix is positive definite,
  and the ordinary and universal kriging weights, means and variances are exactly
  those of the variogram form (the constant cancels through the unbiasedness
  constraint). Simple kriging has no such constraint and is refused upstream.
- A neighbour *set* is a list of sample indices in ascending order. Its factorisation
  (a "slot") holds the upper Cholesky factor ``U`` of the sample covariance matrix
  (``U'U = C``), ``A = (U^-T F)'`` for the drift ``F``, the upper Cholesky factor
  ``Rq`` of ``Q = F'C^-1F``, the drift coefficients ``beta`` and the residuals
  in the factor's basis, ``alpha = U^-T (y - F beta)``. A node's one triangular
  solve ``a = U^-T c0`` gives its variance, and then one dot product its mean,
  ``f0.beta + a.alpha`` (``= f0.beta + c0' C^-1 (y - F beta)``).
- ``p == 0`` drift columns means simple kriging with known means ``sk_mean``.

The kernels share one module on purpose: numba's on-disk cache (``cache=True``) is
invalidated by changes to the file of the function compiled, not to the files of the
functions it calls, so kernels split over modules could run stale code after an edit.
For the same reason, after editing :mod:`seabed.geostats._lanes` (whose functions are
compiled into these), remove ``seabed/geostats/__pycache__``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

from seabed.geostats import _lanes
from seabed.geostats.variogram import MODEL_CODES, Variogram

__all__ = [
    "SINGULAR_RTOL",
    "STATUS_DRIFT_SINGULAR",
    "STATUS_OK",
    "STATUS_SINGULAR",
    "IdwModel",
    "KrigingModel",
    "KrigingOutputs",
    "Neighbourhood",
    "block_covariance",
    "bounding_box",
    "cell_keys",
    "exp_negative",
    "gather_candidates",
    "group_circles",
    "idw_groups",
    "krige_groups",
    "matern_correlation",
    "neighbor_groups",
    "point_covariance",
    "quadrant",
    "sample_cells",
    "sort_by_key",
    "structure_table",
]

# columns of the structure table (KAPPA is also the power model's exponent; OFFSET
# is 0 for bounded structures, the covariance constant of unbounded ones)
CODE, PSILL, INV_RANGE, ANISOTROPIC, SIN, COS, INV_RATIO, KAPPA, MATERN_NORM, OFFSET = (
    range(10)
)
_N_COLUMNS = 10

_SPHERICAL = MODEL_CODES["spherical"]
_EXPONENTIAL = MODEL_CODES["exponential"]
_GAUSSIAN = MODEL_CODES["gaussian"]
_MATERN = MODEL_CODES["matern"]
_LINEAR = MODEL_CODES["linear"]
_POWER = MODEL_CODES["power"]

#: An unbounded structure's covariance constant is this many times its unit
#: semivariance across the samples' extent: enough for a positive definite matrix
#: (the sample-to-sample semivariances never exceed it), small enough to lose no
#: digits to cancellation.
UNBOUNDED_OFFSET_FACTOR = 2.0

#: A Cholesky pivot below this fraction of its diagonal entry counts as singular:
#: the system would amplify rounding errors by more than 1e12.
SINGULAR_RTOL = 1e-12

STATUS_OK = 0
#: The sample covariance matrix of the neighbours is not positive definite.
STATUS_SINGULAR = 1
#: The drift matrix ``F'C^-1F`` is singular (collinear samples or covariates).
STATUS_DRIFT_SINGULAR = 2

#: Swaps tried on the previous node's neighbours before a selection anew.
_MAX_SWAPS = 4

#: Groups with at most this many candidates cache their covariances.
_CANDIDATE_CACHE_MAX = 256

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


def structure_table(variogram: Variogram, extent: float = 0.0) -> NDArray[np.float64]:
    """The variogram's structures as a float table the kernels read.

    Parameters
    ----------
    variogram : Variogram
    extent : float
        Largest distance between the samples (metres): sets the covariance constant
        of unbounded structures (:data:`UNBOUNDED_OFFSET_FACTOR` times the unit
        semivariance there, at least 1).

    Examples
    --------
    >>> vg = Variogram("exponential", psill=2.0, range=100.0, nugget=0.5, anis=(90, 0.5))
    >>> table = structure_table(vg)
    >>> table.shape, table[0, PSILL].item(), table[0, INV_RANGE].item()
    ((1, 10), 2.0, 0.01)
    >>> power = structure_table(Variogram("power", psill=1.0, range=1.5), extent=100.0)
    >>> power[0, KAPPA].item(), power[0, OFFSET].item()
    (1.5, 2000.0)
    """
    table = np.zeros((len(variogram.structures), _N_COLUMNS))
    for row, s in zip(table, variogram.structures):
        row[CODE] = MODEL_CODES[s.model]
        row[PSILL] = s.psill
        row[INV_RANGE] = 1.0 / s.range if s.bounded else 1.0
        row[COS] = 1.0
        row[INV_RATIO] = 1.0
        if s.anis is not None:
            theta = math.radians(s.anis[0])
            row[ANISOTROPIC] = 1.0
            row[SIN] = math.sin(theta)
            row[COS] = math.cos(theta)
            row[INV_RATIO] = 1.0 / s.anis[1]
        row[KAPPA] = s.kappa
        row[MATERN_NORM] = 2.0 ** (1.0 - s.kappa) / math.gamma(s.kappa)
        if not s.bounded:
            row[KAPPA] = s.range if s.model == "power" else 1.0
            # the longest reduced distance: the extent across the minor axis
            reach = extent * row[INV_RATIO]
            row[OFFSET] = max(
                UNBOUNDED_OFFSET_FACTOR * float(s.unit_semivariance(reach)), 1.0
            )
    return table


# ---------------------------------------------------------------- covariances
# exp(x) for x <= 0 in plain arithmetic: unlike the C library's exp, a loop of
# these compiles to vector instructions, and a lane gives the same bits as a
# scalar call (no FMA, no reassociation), so results stay batch-independent.
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (Cody and Waite)
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer
_EXP_MIN = -708.0  # keeps 2**k a normal number; exp(-708) = 3e-308


@intrinsic
def _float_from_bits(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits``."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def _without_meminfo(context, builder, ty, value):
    """``value`` (of numba type ``ty``) with every array's meminfo null."""
    if isinstance(ty, types.Array):
        array = context.make_array(ty)(context, builder, value=value)
        array.meminfo = cgutils.get_null_value(array.meminfo.type)
        return array._getvalue()
    if isinstance(ty, types.BaseTuple):
        members: tuple[types.Type, ...] = tuple(ty)  # type: ignore[arg-type]
        for i, member in enumerate(members):
            item = _without_meminfo(
                context, builder, member, builder.extract_value(value, i)
            )
            value = builder.insert_value(value, item, i)
    return value


def _borrowed_views(typingctx, value):
    """The arrays of ``value`` (an array, or a tuple of arrays and scalars,
    nested) as borrowed views: the same data, without reference counting.

    Every array a compiled function passes on, or takes out of a tuple, costs
    two atomic operations on its reference count, and with two threads the
    counts of the arrays they share move between the cores: 17 % of the
    kriging kernel. A borrowed view skips them (the runtime ignores a null
    meminfo). Only for arrays that some other reference keeps alive for as
    long as the views are used.
    """

    def codegen(context, builder, signature, args):
        return _without_meminfo(context, builder, signature.args[0], args[0])

    return value(value), codegen


# typed Any: mypy sees the typing function's arguments, not the compiled call's
_borrowed: Any = intrinsic(_borrowed_views)


@njit(cache=True, nogil=True, error_model="numpy")
def _keep_alive(owned):
    """Nothing: its call is the last use of ``owned``, whose arrays the
    :func:`_borrowed` views read until then."""
    return None  # a statement after the docstring: numba's debug info needs one


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def exp_negative(x):
    """``exp(x)`` for ``x <= 0``, within 1 ulp of the C library (``x < -708``:
    3e-308 instead of smaller).

    ``x = k ln2 + r`` with ``|r| <= ln2 / 2``; ``exp(r)`` by its Taylor series
    to degree 13 (truncation below 1e-17), times ``2**k`` built from its bits.

    Examples
    --------
    >>> abs(exp_negative(-1.0) - math.exp(-1.0)) <= math.ulp(math.exp(-1.0))
    True
    """
    x = max(x, _EXP_MIN)
    kf = (x * _INV_LN2 + _ROUND) - _ROUND
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # numba passes the typing context itself; mypy sees the intrinsic's codegen
    scale: float = _float_from_bits((np.int64(kf) + 1023) << 52)  # type: ignore[call-arg]
    return p * scale


@njit(cache=True, nogil=True, error_model="numpy")
def _bessel_k_scaled(nu, x):
    """``exp(x) K_nu(x)`` for x > 0, by the trapezoidal rule on its integral.

    ``K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt``; with ``exp(-x)`` taken out
    the integrand is ``exp(-2 x sinh(t/2)^2) cosh(nu t)``, analytic in the strip
    ``|Im t| < pi/2``. The trapezoidal rule converges geometrically there, with error
    about ``exp(-2 pi d / h)`` for a strip half-width ``d``; a step of 0.15 (or
    0.7/sqrt(x) when x is large, where the integrand narrows to ~1/sqrt(x)) gives
    about 1e-15 relative accuracy. All terms are positive, so the sum stops once
    a term no longer changes it.
    """
    h = 0.15
    if x > 21.0:
        h = 0.7 / math.sqrt(x)
    total = 0.5  # the t = 0 term, halved
    t = h
    while True:
        s = math.sinh(0.5 * t)
        term = math.exp(-2.0 * x * s * s) * math.cosh(nu * t)
        total += term
        # past the peak (x sinh t > nu) the terms only decrease
        if term < 1e-17 * total and x * math.sinh(t) > nu:
            break
        t += h
    return total * h


@njit(cache=True, nogil=True, error_model="numpy")
def matern_correlation(r, kappa, norm):
    """gstat's Matern correlation ``norm * r^kappa * K_kappa(r)``, 1 at r = 0.

    ``norm`` is ``2^(1-kappa) / Gamma(kappa)``. Half-integer smoothness has closed
    forms; any other uses :func:`_bessel_k_scaled`.
    """
    if r <= 0.0:
        return 1.0
    if kappa == 0.5:
        return math.exp(-r)
    if kappa == 1.5:
        return (1.0 + r) * math.exp(-r)
    if kappa == 2.5:
        return (1.0 + r + r * r / 3.0) * math.exp(-r)
    if r > 745.0:  # exp(-r) underflows: no correlation left
        return 0.0
    # r^kappa exp(-r) first, in logs, so neither factor overflows on its own
    return norm * math.exp(kappa * math.log(r) - r) * _bessel_k_scaled(kappa, r)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _correlation(table, s, dx, dy):
    """Correlation of structure ``s`` at separation (dx, dy)."""
    if table[s, ANISOTROPIC] != 0.0:
        sin_t = table[s, SIN]
        cos_t = table[s, COS]
        along = dx * sin_t + dy * cos_t
        across = (dx * cos_t - dy * sin_t) * table[s, INV_RATIO]
        r = math.sqrt(along * along + across * across) * table[s, INV_RANGE]
    else:
        r = math.sqrt(dx * dx + dy * dy) * table[s, INV_RANGE]
    code = table[s, CODE]
    if code == _EXPONENTIAL:
        return exp_negative(-r)
    if code == _SPHERICAL:
        if r >= 1.0:
            return 0.0
        return 1.0 - (1.5 * r - 0.5 * r * r * r)
    if code == _GAUSSIAN:
        return exp_negative(-(r * r))
    if code == _LINEAR:
        if table[s, OFFSET] > 0.0:  # no sill: a constant minus the semivariance
            return table[s, OFFSET] - r
        return 0.0 if r >= 1.0 else 1.0 - r
    if code == _POWER:
        return table[s, OFFSET] - (r ** table[s, KAPPA] if r > 0.0 else 0.0)
    return matern_correlation(r, table[s, KAPPA], table[s, MATERN_NORM])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _structured_covariance(table, dx, dy):
    """Covariance of the structures alone (no nugget): block support."""
    c = 0.0
    for s in range(table.shape[0]):
        c += table[s, PSILL] * _correlation(table, s, dx, dy)
    return c


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def point_covariance(table, nugget, dx, dy):
    """Point-to-point covariance: the nugget counts only at zero separation."""
    c = nugget if (dx == 0.0 and dy == 0.0) else 0.0
    for s in range(table.shape[0]):
        c += table[s, PSILL] * _correlation(table, s, dx, dy)
    return c


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _sample_to_node_covariance(table, nugget, disc, sx, sy, x0, y0):
    """Covariance between a sample and a node: a point, or a block discretised by
    ``disc`` rows ``(dx, dy, weight)`` (points at ``(x0 - dx, y0 - dy)``, as gstat).

    Like gstat, block covariances leave the nugget out (its "zero effect" rule).
    """
    if disc.shape[0] == 0:
        return point_covariance(table, nugget, sx - x0, sy - y0)
    c = 0.0
    for q in range(disc.shape[0]):
        c += disc[q, 2] * _structured_covariance(
            table, (x0 - disc[q, 0]) - sx, (y0 - disc[q, 1]) - sy
        )
    return c


@njit(cache=True, nogil=True, error_model="numpy")
def block_covariance(table, disc):
    """Mean covariance within a block discretised by ``disc`` (nugget left out)."""
    c = 0.0
    for i in range(disc.shape[0]):
        for j in range(disc.shape[0]):
            dx = (-disc[i, 0]) - (-disc[j, 0])
            dy = (-disc[i, 1]) - (-disc[j, 1])
            c += (disc[i, 2] * disc[j, 2]) * _structured_covariance(table, dx, dy)
    return c


# ------------------------------------------------------------ linear algebra
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def padded(n):
    """Row length for ``n`` columns worked on in whole lanes: a multiple of 8."""
    return -(-max(n, 1) // _lanes.WIDTH) * _lanes.WIDTH


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cholesky_upper(M, n, rtol, diag):
    """In-place Cholesky ``M = U'U`` on the upper triangle of ``M[:n, :n]``.

    Row by row, each row in whole lanes (:mod:`._lanes`): the rows of ``M``
    are :func:`padded`, zero beyond column ``n``, and every entry is finite.
    Row ``i`` gathers the updates of the rows above it in registers, two
    lanes at a time, then is scaled: each entry of the upper triangle receives
    the operations of the scalar right-looking algorithm, in its order
    (``M[i, c] - U[0, i] U[0, c] - U[1, i] U[1, c] - ...``), without a store
    per update. The lanes also sweep the start of each row below the diagonal,
    which the factor never reads (it fills with harmless finite values). The
    diagonal receives ``1 / U[j, j]``: the solves below multiply instead of
    divide; ``diag`` the diagonal of ``M``. Returns False when a pivot falls
    below ``rtol`` times its diagonal entry.
    """
    width = _lanes.WIDTH
    stride = M.shape[1]
    end = padded(n)
    for i in range(n):
        diag[i] = M[i, i]
        row_i = i * stride
        first = (i // width) * width
        c = first
        while c < end:
            if c + width < end:  # two independent chains of updates
                low = _lanes.load(M, row_i + c)
                high = _lanes.load(M, row_i + c + width)
                for j in range(i):
                    uji = _lanes.splat(M[j, i])
                    above = j * stride + c
                    low = _lanes.sub(low, _lanes.mul(uji, _lanes.load(M, above)))
                    high = _lanes.sub(
                        high, _lanes.mul(uji, _lanes.load(M, above + width))
                    )
                _lanes.store(M, row_i + c, low)
                _lanes.store(M, row_i + c + width, high)
                c += 2 * width
            else:
                low = _lanes.load(M, row_i + c)
                for j in range(i):
                    uji = _lanes.splat(M[j, i])
                    low = _lanes.sub(
                        low, _lanes.mul(uji, _lanes.load(M, j * stride + c))
                    )
                _lanes.store(M, row_i + c, low)
                c += width
        d = M[i, i]
        if not d > rtol * diag[i]:
            return False
        inv = 1.0 / math.sqrt(d)
        scale = _lanes.splat(inv)
        for c in range(row_i + first, row_i + end, width):
            _lanes.store(M, c, _lanes.mul(_lanes.load(M, c), scale))
        M[i, i] = inv
    return True


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _solve_rows_transposed(U, n, X, row):
    """Solve ``U' x = b`` in place for ``b = X[row, :n]`` (forward
    substitution, axpy form), ``X``'s rows :func:`padded` and zero beyond ``n``.

    The updates below the diagonal start one by one up to a lane boundary,
    then go in whole lanes: the operations of the scalar form, in its order.
    """
    width = _lanes.WIDTH
    u_stride = U.shape[1]
    base = row * X.shape[1]
    end = padded(n)
    for j in range(n):
        bj = X[row, j] * U[j, j]
        X[row, j] = bj
        aligned = min(padded(j + 1), n) if j + 1 < n else n
        for i in range(j + 1, aligned):
            X[row, i] -= U[j, i] * bj
        if aligned < n:
            x = _lanes.splat(bj)
            for c in range(aligned, end, width):
                b = _lanes.load(X, base + c)
                u = _lanes.load(U, j * u_stride + c)
                _lanes.store(X, base + c, _lanes.sub(b, _lanes.mul(u, x)))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _solve_upper_transposed(U, n, b):
    """Solve ``U' x = b`` in place (forward substitution, axpy form)."""
    for j in range(n):
        bj = b[j] * U[j, j]
        b[j] = bj
        target = b[j + 1 : n]
        row = U[j, j + 1 : n]
        for c in range(n - j - 1):
            target[c] -= row[c] * bj


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _solve_upper(U, n, b):
    """Solve ``U x = b`` in place (back substitution)."""
    for j in range(n - 1, -1, -1):
        s = b[j]
        for i in range(j + 1, n):
            s -= U[j, i] * b[i]
        b[j] = s * U[j, j]


# ---------------------------------------------------------- neighbour search
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _squared_distances(cx, cy, x0, y0, nc, d2):
    for c in range(nc):
        dx = cx[c] - x0
        dy = cy[c] - y0
        d2[c] = dx * dx + dy * dy


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _search_distances(cx, cy, x0, y0, nc, d2, ellipse):
    """Squared search distances: Euclidean, or in the search ellipse's metric.

    ``ellipse`` is ``(sin, cos, 1 / ratio)`` of the major axis's azimuth
    (clockwise from north) and the minor/major ratio, or empty for a circle:
    the offset's component along the major axis and its component across,
    stretched by ``1 / ratio``, as the variogram's anisotropy does.
    """
    if ellipse.shape[0] == 0:
        _squared_distances(cx, cy, x0, y0, nc, d2)
        return
    sin_t = ellipse[0]
    cos_t = ellipse[1]
    inv_ratio = ellipse[2]
    for c in range(nc):
        dx = cx[c] - x0
        dy = cy[c] - y0
        along = dx * sin_t + dy * cos_t
        across = (dx * cos_t - dy * sin_t) * inv_ratio
        d2[c] = along * along + across * across


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _select_nearest(d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member):
    """The ``k`` nearest valid candidates, ties broken by sample index.

    Candidates are in ascending sample index, so comparing (distance, position)
    is comparing (distance, index). Writes the choice into ``member`` (one flag per
    candidate) and returns how many were chosen.
    """
    n = 0
    for c in range(nc):
        dc = d2[c]
        if dc > max_d2 or cand[c] == exclude:
            continue
        if n < k:
            i = n
            n += 1
        elif dc < buf_d2[k - 1]:
            i = k - 1
        else:
            continue
        # insert after every equal distance: earlier (smaller index) stays first
        while i > 0 and buf_d2[i - 1] > dc:
            buf_d2[i] = buf_d2[i - 1]
            buf_pos[i] = buf_pos[i - 1]
            i -= 1
        buf_d2[i] = dc
        buf_pos[i] = c
    for c in range(nc):
        member[c] = False
    for i in range(n):
        member[buf_pos[i]] = True
    return n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _select_members(d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member):
    """The choice of :func:`_select_nearest` (flags in ``member``), found faster.

    Keeping the ``k`` smallest (distance, position) keys among the valid
    candidates is dropping the others, the largest ones; a group has only a
    few more candidates than ``k``, so this tracks the few to drop in a short
    sorted buffer instead of the ``k`` to keep. Returns how many were chosen.
    """
    n_valid = 0
    for c in range(nc):
        valid = d2[c] <= max_d2 and cand[c] != exclude
        member[c] = valid
        n_valid += valid
    drop = n_valid - k
    if drop <= 0:
        return n_valid
    if drop >= k:
        return _select_nearest(
            d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member
        )
    # the `drop` largest keys so far, largest first; candidates come in
    # ascending position, so on equal distances the newcomer ranks larger
    n = 0
    for c in range(nc):
        if not member[c]:
            continue
        dc = d2[c]
        if n < drop:
            i = n
            n += 1
        elif dc >= buf_d2[drop - 1]:
            i = drop - 1
        else:
            continue
        while i > 0 and buf_d2[i - 1] <= dc:
            buf_d2[i] = buf_d2[i - 1]
            buf_pos[i] = buf_pos[i - 1]
            i -= 1
        buf_d2[i] = dc
        buf_pos[i] = c
    for i in range(drop):
        member[buf_pos[i]] = False
    return k


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _same_selection(d2, cand, nc, exclude, k, max_d2, member, n_member):
    """Whether ``member`` (the previous node's choice) is also this node's choice.

    True when every member is valid and the best valid candidate left out ranks
    after the worst member (or, with fewer than ``k`` members, none is left out).
    One pass: members' worst and outsiders' best (distance, position) keys.
    """
    worst_d2 = -1.0
    worst_pos = -1
    best_d2 = np.inf
    best_pos = nc
    for c in range(nc):
        dc = d2[c]
        valid = dc <= max_d2 and cand[c] != exclude
        if member[c]:
            if not valid:
                return False
            if dc >= worst_d2:
                worst_d2 = dc
                worst_pos = c
        elif valid and dc < best_d2:
            best_d2 = dc
            best_pos = c
    if best_pos == nc:  # no valid candidate left out
        return True
    if n_member < k:
        return False
    return best_d2 > worst_d2 or (best_d2 == worst_d2 and best_pos > worst_pos)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _swap_to_nearest(d2, nc, max_d2, member, inside, max_swaps):
    """Turn ``member`` (``k`` valid candidates, flags also in ``inside`` as 1.0
    and 0.0) into the ``k`` nearest valid ones by swaps, and say whether
    ``max_swaps`` sufficed (else ``member`` is some other valid choice).

    Candidates within ``max_d2`` are valid, none is left out. While the
    nearest outsider ranks before the farthest member, in (distance,
    position) order, they change places: each swap brings in a key smaller
    than the one it drops, so the swaps end at the ``k`` smallest keys, the
    choice of :func:`_select_members`. A node next to the previous one on a
    grid needs one or two.
    """
    for _ in range(max_swaps + 1):
        worst_d2 = -1.0
        worst_pos = -1
        best_d2 = np.inf
        best_pos = nc
        for c in range(nc):
            dc = d2[c]
            if member[c]:
                if dc >= worst_d2:  # the last of equal distances ranks last
                    worst_d2 = dc
                    worst_pos = c
            elif dc <= max_d2 and dc < best_d2:  # the first ranks first
                best_d2 = dc
                best_pos = c
        if best_pos == nc or best_d2 > worst_d2:
            return True
        if best_d2 == worst_d2 and best_pos > worst_pos:
            return True
        if _ == max_swaps:
            return False
        member[worst_pos] = False
        inside[worst_pos] = 0.0
        member[best_pos] = True
        inside[best_pos] = 1.0
    return False


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _keeps_selection(d2, cand, nc, exclude, k, max_d2, member, n_member):
    """:func:`_same_selection`, with a branch-free pass for the usual case.

    The pass finds the members' largest distance and the valid outsiders'
    smallest without branching on the data; only when they are equal (a tie,
    to be broken by position) or nothing is left out does it defer to
    :func:`_same_selection`. Same answer, always.
    """
    worst = -1.0
    best = np.inf
    members_valid = True
    for c in range(nc):
        dc = d2[c]
        valid = (dc <= max_d2) & (cand[c] != exclude)
        inside = member[c]
        worst = max(worst, dc if inside else -1.0)
        best = min(best, np.inf if (inside | (not valid)) else dc)
        members_valid &= valid | (not inside)
    if not members_valid:
        return False
    if best < worst:
        return False
    if best > worst and best < np.inf:
        return n_member >= k
    return _same_selection(d2, cand, nc, exclude, k, max_d2, member, n_member)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _gather_selection(cand, nc, member, out_idx, out_pos):
    """Selected sample indices, ascending (the canonical form of a set), and
    their positions among the candidates."""
    n = 0
    for c in range(nc):
        if member[c]:
            out_idx[n] = cand[c]
            out_pos[n] = c
            n += 1
    return n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def quadrant(dx, dy):
    """gstat's quadrant of a sample at offset ``(dx, dy)`` from the node.

    0 south-west, 1 south-east, 2 north-west, 3 north-east, as gstat's
    ``which_octant`` (select.c) in 2-D: each quadrant is the half-open range of
    azimuths ``[a, a + 90)`` degrees clockwise from north, so a sample due north
    is north-east, due east south-east, due south south-west, due west
    north-west, and a sample on the node itself south-east.

    Examples
    --------
    >>> [quadrant(dx, dy) for dx, dy in [(0, 1), (1, 0), (0, -1), (-1, 0), (0, 0)]]
    [3, 1, 0, 2, 1]
    """
    east = dx > 0.0 if dy < 0.0 else dx >= 0.0
    north = dy >= 0.0 if dx < 0.0 else dy > 0.0
    return int(east) + 2 * int(north)


# not inlined: in the kernels' hot loop its code, even unused, cost 2 %
@njit(cache=True, nogil=True, error_model="numpy")
def _limit_per_sector(
    cx, cy, x0, y0, d2, nc, member, per_sector, chosen, sec_d2, sec_pos, fill
):
    """Keep the ``per_sector`` nearest members of each quadrant (gstat ``omax``).

    Like gstat (select.c), the limit applies to the neighbourhood already
    chosen (``member``: the ``k`` nearest within the radius), so a node gets at
    most ``4 * per_sector`` samples, all from its ``k`` nearest. Ties go to the
    lower sample index (candidates come in ascending index). Writes the choice
    into ``chosen`` and returns how many were kept.
    """
    for q in range(4):
        fill[q] = 0
    for c in range(nc):
        chosen[c] = False
        if not member[c]:
            continue
        q = quadrant(cx[c] - x0, cy[c] - y0)
        base = q * per_sector
        f = fill[q]
        dc = d2[c]
        if f < per_sector:
            i = f
            fill[q] = f + 1
        elif dc < sec_d2[base + per_sector - 1]:
            i = per_sector - 1
        else:
            continue
        while i > 0 and sec_d2[base + i - 1] > dc:
            sec_d2[base + i] = sec_d2[base + i - 1]
            sec_pos[base + i] = sec_pos[base + i - 1]
            i -= 1
        sec_d2[base + i] = dc
        sec_pos[base + i] = c
    n = 0
    for q in range(4):
        for i in range(fill[q]):
            chosen[sec_pos[q * per_sector + i]] = True
        n += fill[q]
    return n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _restrict_high_values(d2, cand, nc, restricted, restricted_d2):
    """Put restricted samples (high values) beyond their radius out of reach.

    Their squared distance becomes infinite, which every selection treats as
    beyond the search radius (:func:`neighbourhood` keeps that finite).
    """
    for c in range(nc):
        if restricted[cand[c]] and d2[c] > restricted_d2:
            d2[c] = np.inf


# not inlined, like _limit_per_sector: off the common path
@njit(cache=True, nogil=True, error_model="numpy")
def _limit_per_group(
    d2, cand, nc, member, per_group, sample_group, group_count, kept, ord_d2, ord_pos
):
    """Keep the ``per_group`` nearest members of each group (core or site).

    Like the sector limit, it chooses among the neighbourhood already found
    (``member``); members are taken in (distance, sample index) order, so the
    choice depends on the node alone. Writes ``kept`` and returns its count.
    """
    n = 0
    for c in range(nc):
        kept[c] = False
        if not member[c]:
            continue
        dc = d2[c]
        i = n
        n += 1
        while i > 0 and ord_d2[i - 1] > dc:
            ord_d2[i] = ord_d2[i - 1]
            ord_pos[i] = ord_pos[i - 1]
            i -= 1
        ord_d2[i] = dc
        ord_pos[i] = c
    n_kept = 0
    for i in range(n):
        c = ord_pos[i]
        g = sample_group[cand[c]]
        if group_count[g] < per_group:
            group_count[g] += 1
            kept[c] = True
            n_kept += 1
    for i in range(n):  # reset only what was touched
        group_count[sample_group[cand[ord_pos[i]]]] = 0
    return n_kept


@njit(cache=True, nogil=True, error_model="numpy")
def _search_diagnostics(
    node, n, idx, pos, cx, cy, x0, y0, sample_group, seen, out_nearest,
    out_mean_distance, out_cores,
):  # fmt: skip
    """Distance to the nearest sample, mean distance and distinct groups (cores)
    of one node's neighbour set, in the set's (ascending index) order."""
    nearest = np.inf
    total = 0.0
    n_groups = 0
    for i in range(n):
        c = pos[i]
        dx = cx[c] - x0
        dy = cy[c] - y0
        d = math.sqrt(dx * dx + dy * dy)
        nearest = min(nearest, d)
        total += d
        g = sample_group[idx[i]]
        if not seen[g]:
            seen[g] = True
            n_groups += 1
    for i in range(n):
        seen[sample_group[idx[i]]] = False
    out_nearest[node] = nearest
    out_mean_distance[node] = total / n
    out_cores[node] = n_groups


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _candidate_covariances(cx, cy, nc, table, nugget, out):
    """Point covariances among a group's candidates (upper triangle); ``out``'s
    rows and the coordinates are :func:`padded`."""
    if (
        table.shape[0] == 1
        and table[0, CODE] == _EXPONENTIAL
        and table[0, ANISOTROPIC] == 0.0
    ):
        # point_covariance's operations, in its order, in lanes: from the
        # lane block of the diagonal to the row's padding (its rows are padded;
        # the entries below the diagonal and beyond nc are never read)
        psill = _lanes.splat(table[0, PSILL])
        inv_range = _lanes.splat(table[0, INV_RANGE])
        nuggets = _lanes.splat(nugget)
        minus = _lanes.splat(-1.0)
        stride = out.shape[1]
        for a in range(nc):
            xa = _lanes.splat(cx[a])
            ya = _lanes.splat(cy[a])
            for b in range((a // _lanes.WIDTH) * _lanes.WIDTH, nc, _lanes.WIDTH):
                dx = _lanes.sub(xa, _lanes.load(cx, b))
                dy = _lanes.sub(ya, _lanes.load(cy, b))
                d = _lanes.sqrt(_lanes.add(_lanes.mul(dx, dx), _lanes.mul(dy, dy)))
                r = _lanes.mul(_lanes.mul(d, inv_range), minus)
                c = _lanes.add(
                    _lanes.nugget_where_zero(dx, dy, nuggets),
                    _lanes.mul(psill, _lanes.exp_negative(r)),
                )
                _lanes.store(out, a * stride + b, c)
        return
    for a in range(nc):
        for b in range(a, nc):
            out[a, b] = point_covariance(table, nugget, cx[a] - cx[b], cy[a] - cy[b])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _set_hash(idx, n):
    h = _FNV_OFFSET
    for i in range(n):
        h = (h ^ np.uint64(idx[i])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _load_candidates(cand_idx, lo, hi, sx, sy, cx, cy):
    nc = hi - lo
    for c in range(nc):
        s = cand_idx[lo + c]
        cx[c] = sx[s]
        cy[c] = sy[s]
    return nc


@njit(cache=True, nogil=True, error_model="numpy")
def _max_candidates(cand_lo, cand_hi, g_begin, g_end):
    m = 1
    for g in range(g_begin, g_end):
        m = max(m, cand_hi[g] - cand_lo[g])
    return m


# ---------------------------------------------------------------- grouping
_MORTON_MASKS = (
    (np.uint64(16), np.uint64(0x0000FFFF0000FFFF)),
    (np.uint64(8), np.uint64(0x00FF00FF00FF00FF)),
    (np.uint64(4), np.uint64(0x0F0F0F0F0F0F0F0F)),
    (np.uint64(2), np.uint64(0x3333333333333333)),
    (np.uint64(1), np.uint64(0x5555555555555555)),
)
_LOW_32_BITS = np.uint64(0xFFFFFFFF)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _spread_bits(v):
    """Put the low 32 bits of ``v`` on the even bit positions."""
    v = v & _LOW_32_BITS
    for shift, mask in _MORTON_MASKS:
        v = (v | (v << shift)) & mask
    return v


@njit(cache=True, nogil=True, error_model="numpy")
def cell_keys(x, y, x_min, y_min, cell, nx, ny):
    """Morton (Z-order) key of each point's square cell of side ``cell``.

    Cells are counted from ``(x_min, y_min)``; points on the upper edge join
    the last of the ``nx`` x ``ny`` cells.

    Examples
    --------
    >>> x, y = np.array([0.5, 1.5, 0.5, 1.5, 2.0]), np.array([0.5, 0.5, 1.5, 1.5, 2.0])
    >>> cell_keys(x, y, 0.0, 0.0, 1.0, 2, 2).tolist()
    [0, 1, 2, 3, 3]
    """
    keys = np.empty(x.shape[0], dtype=np.uint64)
    for i in range(x.shape[0]):
        ix = min(math.floor((x[i] - x_min) / cell), nx - 1)
        iy = min(math.floor((y[i] - y_min) / cell), ny - 1)
        keys[i] = _spread_bits(np.uint64(ix)) | (
            _spread_bits(np.uint64(iy)) << np.uint64(1)
        )
    return keys


@njit(cache=True, nogil=True, error_model="numpy")
def bounding_box(points):
    """``(x_min, y_min, x_max, y_max)`` of points (m >= 1, 2), in one pass.

    Examples
    --------
    >>> bounding_box(np.array([[1.0, 5.0], [-2.0, 3.0]]))
    (-2.0, 3.0, 1.0, 5.0)
    """
    x_lo = x_hi = points[0, 0]
    y_lo = y_hi = points[0, 1]
    for i in range(1, points.shape[0]):
        x_lo = min(x_lo, points[i, 0])
        x_hi = max(x_hi, points[i, 0])
        y_lo = min(y_lo, points[i, 1])
        y_hi = max(y_hi, points[i, 1])
    return x_lo, y_lo, x_hi, y_hi


@njit(cache=True, nogil=True, error_model="numpy")
def sort_by_key(keys, n_keys):
    """Point indices in order of ``keys`` (below ``n_keys``), in their order on
    equal keys (a counting sort: ``numpy.argsort(keys, kind="stable")``), and
    the bounds of the runs of equal keys in that order.

    Examples
    --------
    >>> order, bounds = sort_by_key(np.array([2, 0, 2, 1, 0], dtype=np.uint64), 3)
    >>> order.tolist(), bounds.tolist()
    ([1, 4, 3, 0, 2], [0, 2, 3, 5])
    """
    first = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(keys.shape[0]):
        first[np.int64(keys[i]) + 1] += 1
    n_runs = 0
    for key in range(n_keys):
        n_runs += first[key + 1] > 0
        first[key + 1] += first[key]
    bounds = np.empty(n_runs + 1, dtype=np.int64)
    run = 0
    for key in range(n_keys):
        if first[key + 1] > first[key]:
            bounds[run] = first[key]
            run += 1
    bounds[n_runs] = keys.shape[0]
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        slot = np.int64(keys[i])
        order[first[slot]] = i
        first[slot] += 1
    return order, bounds


@njit(cache=True, nogil=True, error_model="numpy")
def sample_cells(points):
    """Samples bucketed in square cells, about two per cell, for
    :func:`gather_candidates`.

    Returns ``(origin, cell, nx, ny, first, members)``: cell ``(i, j)`` (column
    ``i`` from ``origin[0]``, row ``j`` from ``origin[1]``, side ``cell``) holds
    the samples ``members[first[c]:first[c + 1]]``, ``c = j * nx + i``, in
    ascending index.
    """
    n = points.shape[0]
    x_lo, y_lo, x_hi, y_hi = bounding_box(points)
    width = x_hi - x_lo
    height = y_hi - y_lo
    if width > 0.0 and height > 0.0:
        # at most 4 n cells along the longer side: a box thinner than that (samples
        # nearly on a line) would need more, and capping their number left the
        # samples beyond the last cell out of every search
        cell = max(math.sqrt(2.0 * width * height / n), max(width, height) / (4.0 * n))
    else:  # on a line, or one point
        cell = max(width, height) / max(n / 2.0, 1.0)
    if not cell > 0.0:
        cell = 1.0
    nx = int(width / cell) + 1
    ny = int(height / cell) + 1
    first = np.zeros(nx * ny + 1, dtype=np.int64)
    where = np.empty(n, dtype=np.int64)
    for s in range(n):
        i = min(int((points[s, 0] - x_lo) / cell), nx - 1)
        j = min(int((points[s, 1] - y_lo) / cell), ny - 1)
        where[s] = j * nx + i
        first[where[s] + 1] += 1
    for c in range(nx * ny):
        first[c + 1] += first[c]
    fill = first[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for s in range(n):  # in ascending index within each cell
        members[fill[where[s]]] = s
        fill[where[s]] += 1
    return np.array([x_lo, y_lo]), cell, nx, ny, first, members


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cell_range(lo, hi, origin, cell, n_cells):
    """Cells ``a .. b - 1`` along one axis that overlap ``[lo, hi]``."""
    a = max(0, math.floor((lo - origin) / cell))
    b = min(n_cells, math.floor((hi - origin) / cell) + 1)
    return min(a, n_cells), max(b, 0)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _kth_smallest(values, n, k):
    """The ``k``-th smallest (from 0) of ``values[:n]``, which it reorders
    (Hoare's selection, middle pivot)."""
    lo = 0
    hi = n - 1
    while lo < hi:
        pivot = values[(lo + hi) // 2]
        i = lo
        j = hi
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return values[k]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _kth_distance(points, cells, x0, y0, k, d2):
    """Distance from ``(x0, y0)`` to its ``k``-th nearest sample (``k`` at most
    the number of samples; ``d2`` a buffer of their number).

    The squared distances of the samples in a square of cells around the
    point's cell go to ``d2``; their ``k``-th smallest is the answer once
    within the circle the square covers, else the square grows to cover it
    (the ``k``-th smallest of a subset never falls below the true one).
    """
    origin, cell, nx, ny, first, members = cells
    ci = min(max(math.floor((x0 - origin[0]) / cell), 0), nx - 1)
    cj = min(max(math.floor((y0 - origin[1]) / cell), 0), ny - 1)
    # a square of about twice the cells that hold k samples on average
    per_cell = members.shape[0] / (nx * ny)
    ring = int(math.sqrt(k / per_cell)) // 2 + 1
    done = -1  # the rings searched so far: 0 .. done
    found = 0
    while True:
        for j in range(max(cj - ring, 0), min(cj + ring, ny - 1) + 1):
            for i in range(max(ci - ring, 0), min(ci + ring, nx - 1) + 1):
                if max(abs(i - ci), abs(j - cj)) <= done:
                    continue
                c = j * nx + i
                for q in range(first[c], first[c + 1]):
                    s = members[q]
                    dx = points[s, 0] - x0
                    dy = points[s, 1] - y0
                    d2[found] = dx * dx + dy * dy
                    found += 1
        done = ring
        # every sample within `inner` of the point lies in the square searched
        inner = np.inf
        if ci - ring > 0:
            inner = min(inner, x0 - (origin[0] + (ci - ring) * cell))
        if ci + ring < nx - 1:
            inner = min(inner, origin[0] + (ci + ring + 1) * cell - x0)
        if cj - ring > 0:
            inner = min(inner, y0 - (origin[1] + (cj - ring) * cell))
        if cj + ring < ny - 1:
            inner = min(inner, origin[1] + (cj + ring + 1) * cell - y0)
        if found >= k:
            kth = _kth_smallest(d2, found, k - 1)
            if inner == np.inf or kth <= inner * inner:
                return math.sqrt(kth)
            ring = max(ring + 1, int(math.sqrt(kth) / cell) + 1)
        else:
            ring = 2 * ring + 1


@njit(cache=True, nogil=True, error_model="numpy")
def gather_candidates(points, cells, centres, radii, k, max_distance, slack):
    """Each group's candidates: the samples within ``min(d_k + R, max_distance)
    + R`` of its centre (``d_k`` the centre's ``k``-th neighbour distance, ``R``
    its radius; ``k`` 0: no such bound), a relative ``slack`` more, in
    ascending index (see :func:`~seabed.geostats._search.plan_search`).

    ``cells`` are the samples' :func:`sample_cells`. Returns ``cand_lo``,
    ``cand_hi`` and ``cand_idx`` of a search plan.
    """
    origin, cell, nx, ny, first, members = cells
    n_groups = centres.shape[0]
    cand_lo = np.empty(n_groups, dtype=np.int64)
    cand_hi = np.empty(n_groups, dtype=np.int64)
    cand_idx = np.empty(max(16, 64 * n_groups), dtype=np.int64)
    d2 = np.empty(points.shape[0])
    n = 0
    for g in range(n_groups):
        x0 = centres[g, 0]
        y0 = centres[g, 1]
        reach = max_distance
        if k > 0:
            reach = min(_kth_distance(points, cells, x0, y0, k, d2) + radii[g], reach)
        radius = reach + radii[g]
        radius += slack * (radius + max(abs(x0), abs(y0)) + 1.0)
        r2 = radius * radius
        i_lo, i_hi = _cell_range(x0 - radius, x0 + radius, origin[0], cell, nx)
        j_lo, j_hi = _cell_range(y0 - radius, y0 + radius, origin[1], cell, ny)
        cand_lo[g] = n
        for j in range(j_lo, j_hi):
            for i in range(i_lo, i_hi):
                c = j * nx + i
                for q in range(first[c], first[c + 1]):
                    s = members[q]
                    dx = points[s, 0] - x0
                    dy = points[s, 1] - y0
                    if dx * dx + dy * dy <= r2:
                        if n == cand_idx.shape[0]:
                            grown = np.empty(2 * n, dtype=np.int64)
                            grown[:n] = cand_idx
                            cand_idx = grown
                        # in ascending index: an insertion, the lists are short
                        t = n
                        while t > cand_lo[g] and cand_idx[t - 1] > s:
                            cand_idx[t] = cand_idx[t - 1]
                            t -= 1
                        cand_idx[t] = s
                        n += 1
        cand_hi[g] = n
    return cand_lo, cand_hi, cand_idx[:n].copy()


@njit(cache=True, nogil=True, error_model="numpy")
def group_circles(x, y, order, group_ptr):
    """Centre (of the bounding box) and radius of each group of points.

    Group ``g`` holds points ``order[group_ptr[g]:group_ptr[g + 1]]``.

    Examples
    --------
    >>> x, y = np.array([0.0, 2.0, 5.0]), np.array([0.0, 0.0, 1.0])
    >>> centres, radii = group_circles(x, y, np.arange(3), np.array([0, 2, 3]))
    >>> centres.tolist(), radii.tolist()
    ([[1.0, 0.0], [5.0, 1.0]], [1.0, 0.0])
    """
    n_groups = group_ptr.shape[0] - 1
    centres = np.empty((n_groups, 2))
    radii = np.empty(n_groups)
    for g in range(n_groups):
        x_lo = y_lo = np.inf
        x_hi = y_hi = -np.inf
        for j in range(group_ptr[g], group_ptr[g + 1]):
            i = order[j]
            x_lo = min(x_lo, x[i])
            x_hi = max(x_hi, x[i])
            y_lo = min(y_lo, y[i])
            y_hi = max(y_hi, y[i])
        cx = 0.5 * (x_lo + x_hi)
        cy = 0.5 * (y_lo + y_hi)
        radius = 0.0
        for j in range(group_ptr[g], group_ptr[g + 1]):
            i = order[j]
            radius = max(radius, math.hypot(x[i] - cx, y[i] - cy))
        centres[g, 0] = cx
        centres[g, 1] = cy
        radii[g] = radius
    return centres, radii


# ----------------------------------------------------------- factorisation
@njit(cache=True, nogil=True, error_model="numpy")
def _factor_set(
    idx,
    pos,
    n,
    cand_cov,
    sx,
    sy,
    sample_f,
    sample_y,
    table,
    nugget,
    sk_mean,
    U,
    A,
    Rq,
    alpha,
    beta,
    work,
):
    """Factor the kriging system of one neighbour set into a slot.

    ``idx`` holds the set's sample indices and ``pos`` their positions among
    the group's candidates; when ``cand_cov`` (covariances among the candidates,
    upper triangle) is not empty, it supplies the covariances: the same numbers,
    computed from the same coordinate differences, just once per group.
    Returns a status code (``STATUS_OK`` on success).
    """
    p = sample_f.shape[1]
    m = sample_y.shape[1]
    end = padded(n)
    # whole padded rows: zero below the diagonal and beyond column n, as the
    # lanes of _cholesky_upper and _solve_rows_transposed need
    zeros = _lanes.splat(0.0)
    for i in range(n):
        for c in range(0, end, _lanes.WIDTH):
            _lanes.store(U, i * U.shape[1] + c, zeros)
    if cand_cov.shape[0] > 0:
        for i in range(n):
            pi = pos[i]
            for j in range(i, n):
                U[i, j] = cand_cov[pi, pos[j]]
    else:
        for i in range(n):
            si = idx[i]
            for j in range(i, n):
                sj = idx[j]
                U[i, j] = point_covariance(
                    table, nugget, sx[si] - sx[sj], sy[si] - sy[sj]
                )
    if not _cholesky_upper(U, n, SINGULAR_RTOL, work):
        return STATUS_SINGULAR
    for col in range(p):  # A = (U^-T F)'
        for i in range(n):
            A[col, i] = sample_f[idx[i], col]
        for i in range(n, end):
            A[col, i] = 0.0
        _solve_rows_transposed(U, n, A, col)
    for o in range(m):  # alpha <- U^-T (y - mean)
        for i in range(n):
            alpha[o, i] = sample_y[idx[i], o] - (sk_mean[o] if p == 0 else 0.0)
        for i in range(n, end):
            alpha[o, i] = 0.0
        _solve_rows_transposed(U, n, alpha, o)
    if p > 0:
        for a in range(p):  # Q = F'C^-1F = A A'
            for b in range(a):
                Rq[a, b] = 0.0
            for b in range(p, Rq.shape[1]):
                Rq[a, b] = 0.0
            for b in range(a, p):
                q = 0.0
                for i in range(n):
                    q += A[a, i] * A[b, i]
                Rq[a, b] = q
        if not _cholesky_upper(Rq, p, SINGULAR_RTOL, work):
            return STATUS_DRIFT_SINGULAR
        for o in range(m):
            for a in range(p):  # beta = Q^-1 A (U^-T y)
                q = 0.0
                for i in range(n):
                    q += A[a, i] * alpha[o, i]
                beta[a, o] = q
            _solve_upper_transposed(Rq, p, beta[:, o])
            _solve_upper(Rq, p, beta[:, o])
            for i in range(n):  # U^-T (y - F beta)
                r = alpha[o, i]
                for a in range(p):
                    r -= A[a, i] * beta[a, o]
                alpha[o, i] = r
    return STATUS_OK


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _is_point_exponential(table, disc):
    """Point support and one isotropic exponential structure (and a nugget)."""
    return (
        disc.shape[0] == 0
        and table.shape[0] == 1
        and table[0, CODE] == _EXPONENTIAL
        and table[0, ANISOTROPIC] == 0.0
    )


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _point_exponential_covariances(
    batch, n, xy, node_x, node_y, table, nugget, B, lanes_xy
):
    """Rows ``B[:n]`` of sample-to-node covariances, one node per lane, for the
    common model of :func:`_is_point_exponential` (samples at ``xy[:, :n]``).

    The operations of :func:`point_covariance`, in its order (so the same
    bits), on the eight nodes of ``batch`` at once.
    """
    for t in range(_lanes.WIDTH):
        lanes_xy[0, t] = node_x[batch[t]]
        lanes_xy[1, t] = node_y[batch[t]]
    x0 = _lanes.load(lanes_xy, 0)
    y0 = _lanes.load(lanes_xy, _lanes.WIDTH)
    psill = _lanes.splat(table[0, PSILL])
    inv_range = _lanes.splat(table[0, INV_RANGE])
    nuggets = _lanes.splat(nugget)
    minus = _lanes.splat(-1.0)
    for i in range(n):
        dx = _lanes.sub(_lanes.splat(xy[0, i]), x0)
        dy = _lanes.sub(_lanes.splat(xy[1, i]), y0)
        d = _lanes.sqrt(_lanes.add(_lanes.mul(dx, dx), _lanes.mul(dy, dy)))
        correlation = _lanes.exp_negative(_lanes.mul(_lanes.mul(d, inv_range), minus))
        c = _lanes.add(
            _lanes.nugget_where_zero(dx, dy, nuggets), _lanes.mul(psill, correlation)
        )
        _lanes.store(B, i * _lanes.WIDTH, c)


#: Nodes solved together: one per lane.
_BATCH = _lanes.WIDTH


@njit(cache=True, nogil=True, error_model="numpy")
def _slopes(r, batch, n, p, B, V, F0, Rq, h, out_slope):
    """Slopes of regression ``cov(Z, Z*) / var(Z*)`` of the batch's nodes.

    With the weights ``lambda`` and Lagrange multipliers ``mu`` of the system
    ``C lambda + F mu = c0, F' lambda = f0``: ``cov(Z, Z*) = lambda' c0`` and
    ``var(Z*) = lambda' C lambda = lambda' c0 - mu' f0``. In the factors the
    batch already holds (``a = U^-T c0`` in ``B``, ``z = Rq^-T (f0 - A a)`` in
    ``V``) and ``h = Rq^-T f0``: ``mu = -Q^-1 (f0 - A a)``, so
    ``-mu' f0 = z.h`` and ``lambda' c0 = a.a + z.h - z.z``. Simple kriging
    (``p == 0``) has ``cov = var = a.a``: a slope of exactly 1. NaN where
    ``var(Z*)`` is 0 (the estimate ignores the data).
    """
    for t in range(r):
        aa = 0.0
        for i in range(n):
            aa += B[i, t] * B[i, t]
        zh = 0.0
        zz = 0.0
        if p > 0:
            for col in range(p):
                h[col] = F0[col, t]
            _solve_upper_transposed(Rq, p, h)
            for col in range(p):
                zh += V[col, t] * h[col]
                zz += V[col, t] * V[col, t]
        cov = aa + (zh - zz)
        var_estimate = cov + zh
        out_slope[batch[t]] = cov / var_estimate if var_estimate > 0.0 else np.nan


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _forward_rows(U, n, B):
    """``B <- U^-T B`` for rows of eight lanes, four rows at a time in registers.

    Row ``i`` receives ``B[i] - U[0, i] b_0 - U[1, i] b_1 - ...``, then the
    factor ``U[i, i]``: the operations of the forward substitution in axpy
    form, in its order, without a store and a reload per update.
    """
    width = _lanes.WIDTH
    i = 0
    while i + 3 < n:  # four rows: four chains of updates side by side
        r0 = _lanes.load(B, i * width)
        r1 = _lanes.load(B, (i + 1) * width)
        r2 = _lanes.load(B, (i + 2) * width)
        r3 = _lanes.load(B, (i + 3) * width)
        for j in range(i):
            bj = _lanes.load(B, j * width)
            r0 = _lanes.sub(r0, _lanes.mul(_lanes.splat(U[j, i]), bj))
            r1 = _lanes.sub(r1, _lanes.mul(_lanes.splat(U[j, i + 1]), bj))
            r2 = _lanes.sub(r2, _lanes.mul(_lanes.splat(U[j, i + 2]), bj))
            r3 = _lanes.sub(r3, _lanes.mul(_lanes.splat(U[j, i + 3]), bj))
        r0 = _lanes.mul(r0, _lanes.splat(U[i, i]))
        r1 = _lanes.sub(r1, _lanes.mul(_lanes.splat(U[i, i + 1]), r0))
        r2 = _lanes.sub(r2, _lanes.mul(_lanes.splat(U[i, i + 2]), r0))
        r3 = _lanes.sub(r3, _lanes.mul(_lanes.splat(U[i, i + 3]), r0))
        r1 = _lanes.mul(r1, _lanes.splat(U[i + 1, i + 1]))
        r2 = _lanes.sub(r2, _lanes.mul(_lanes.splat(U[i + 1, i + 2]), r1))
        r3 = _lanes.sub(r3, _lanes.mul(_lanes.splat(U[i + 1, i + 3]), r1))
        r2 = _lanes.mul(r2, _lanes.splat(U[i + 2, i + 2]))
        r3 = _lanes.sub(r3, _lanes.mul(_lanes.splat(U[i + 2, i + 3]), r2))
        r3 = _lanes.mul(r3, _lanes.splat(U[i + 3, i + 3]))
        _lanes.store(B, i * width, r0)
        _lanes.store(B, (i + 1) * width, r1)
        _lanes.store(B, (i + 2) * width, r2)
        _lanes.store(B, (i + 3) * width, r3)
        i += 4
    while i + 1 < n:
        low = _lanes.load(B, i * width)
        high = _lanes.load(B, (i + 1) * width)
        for j in range(i):
            bj = _lanes.load(B, j * width)
            low = _lanes.sub(low, _lanes.mul(_lanes.splat(U[j, i]), bj))
            high = _lanes.sub(high, _lanes.mul(_lanes.splat(U[j, i + 1]), bj))
        low = _lanes.mul(low, _lanes.splat(U[i, i]))
        _lanes.store(B, i * width, low)
        high = _lanes.sub(high, _lanes.mul(_lanes.splat(U[i, i + 1]), low))
        _lanes.store(
            B, (i + 1) * width, _lanes.mul(high, _lanes.splat(U[i + 1, i + 1]))
        )
        i += 2
    if i < n:
        last = _lanes.load(B, i * width)
        for j in range(i):
            bj = _lanes.load(B, j * width)
            last = _lanes.sub(last, _lanes.mul(_lanes.splat(U[j, i]), bj))
        _lanes.store(B, i * width, _lanes.mul(last, _lanes.splat(U[i, i])))


@njit(cache=True, nogil=True, error_model="numpy")
def _solve_batch(
    r, batch, n, xy, node_data, model, U, A, Rq, alpha, beta, scratch, outputs
):
    """Means and variances of ``r <= 8`` nodes (``batch``) that share one
    neighbour set, one node per lane (:mod:`seabed.geostats._lanes`).

    ``xy`` holds the coordinates of the set's samples (x in row 0, y in row 1).
    Row ``i`` of ``B`` holds the eight nodes' values for sample ``i``; every
    operation acts on whole rows, so each node receives exactly the
    operations, in exactly the order, it would receive alone. Lanes beyond
    ``r`` repeat the last node and are not written out.
    """
    node_x, node_y, node_f = node_data
    B, V, F0, w, lanes_xy, drift_work = scratch
    out_mean, out_var, out_w, out_slope, out_negative = outputs
    table = model.table
    nugget = model.nugget
    disc = model.disc
    sk_mean = model.sk_mean
    p = A.shape[0]
    m = alpha.shape[0]
    width = _lanes.WIDTH
    for t in range(r, width):
        batch[t] = batch[r - 1]
    if _is_point_exponential(table, disc):
        _point_exponential_covariances(
            batch, n, xy, node_x, node_y, table, nugget, B, lanes_xy
        )
    else:
        for t in range(r):  # sample-to-node covariances
            node = batch[t]
            x0 = node_x[node]
            y0 = node_y[node]
            for i in range(n):
                B[i, t] = _sample_to_node_covariance(
                    table, nugget, disc, xy[0, i], xy[1, i], x0, y0
                )
        for i in range(n):
            for t in range(r, width):
                B[i, t] = B[i, r - 1]
    for t in range(width):
        for col in range(p):
            F0[col, t] = node_f[batch[t], col]
    _forward_rows(U, n, B)
    for o in range(m):  # mean = drift + (U^-T c0) . U^-T (y - F beta)
        acc = _lanes.splat(sk_mean[o] if p == 0 else 0.0)
        for col in range(p):
            acc = _lanes.add(
                acc,
                _lanes.mul(_lanes.load(F0, col * width), _lanes.splat(beta[col, o])),
            )
        for i in range(n):
            acc = _lanes.add(
                acc, _lanes.mul(_lanes.load(B, i * width), _lanes.splat(alpha[o, i]))
            )
        for t in range(r):
            out_mean[batch[t], o] = _lanes.get(acc, t)
    var = _lanes.splat(model.c00)
    for i in range(n):
        bi = _lanes.load(B, i * width)
        var = _lanes.sub(var, _lanes.mul(bi, bi))
    if p > 0:  # the price of estimating the drift: |Rq^-T (f0 - F'C^-1 c0)|^2
        for col in range(p):
            v = _lanes.load(F0, col * width)
            for i in range(n):
                v = _lanes.sub(
                    v, _lanes.mul(_lanes.splat(A[col, i]), _lanes.load(B, i * width))
                )
            _lanes.store(V, col * width, v)
        for j in range(p):
            vj = _lanes.mul(_lanes.load(V, j * width), _lanes.splat(Rq[j, j]))
            _lanes.store(V, j * width, vj)
            for i in range(j + 1, p):
                vi = _lanes.load(V, i * width)
                _lanes.store(
                    V, i * width, _lanes.sub(vi, _lanes.mul(_lanes.splat(Rq[j, i]), vj))
                )
        for col in range(p):
            vc = _lanes.load(V, col * width)
            var = _lanes.add(var, _lanes.mul(vc, vc))
    for t in range(r):
        out_var[batch[t]] = _lanes.get(var, t)
    if model.want_slope:
        _slopes(r, batch, n, p, B, V, F0, Rq, drift_work, out_slope)
    want_negative = out_negative.shape[0] > 0
    want_weights = model.want_weights
    if want_weights or want_negative:  # lambda = C^-1 (c0 + F Q^-1 (f0 - F'C^-1 c0))
        z = np.empty(max(p, 1))
        for t in range(r):
            for col in range(p):
                z[col] = V[col, t]
            _solve_upper(Rq, p, z)
            for i in range(n):
                wi = B[i, t]
                for col in range(p):
                    wi += A[col, i] * z[col]
                w[i] = wi
            _solve_upper(U, n, w)
            if want_weights:
                for i in range(n):
                    out_w[batch[t], i] = w[i]
            if want_negative:
                negative = 0.0
                for i in range(n):
                    negative += min(w[i], 0.0)
                out_negative[batch[t]] = negative


@njit(cache=True, nogil=True, error_model="numpy")
def _find_set(idx, n, h, table_idx, table_n, table_hash, n_entries):
    """Row of (idx[:n], hash h) in a table of sets, or -1."""
    for s in range(n_entries):
        if table_n[s] == n and table_hash[s] == h:
            equal = True
            for i in range(n):
                if table_idx[s, i] != idx[i]:
                    equal = False
                    break
            if equal:
                return s
    return -1


@njit(cache=True, nogil=True, error_model="numpy")
def _bucket_count(n_slots):
    """Buckets of the slots' hash table: a power of two, at least twice the slots."""
    n = 1
    while n < 2 * n_slots:
        n *= 2
    return n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _bucket(h, n_buckets):
    return np.int64(h >> np.uint64(40)) & (n_buckets - 1)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _find_slot(idx, n, h, slot_idx, slot_n, slot_hash, bucket_first, slot_next):
    """Slot holding the set ``idx[:n]`` (hash ``h``), or -1: the slots of a
    bucket are chained through ``slot_next``."""
    slot = bucket_first[_bucket(h, bucket_first.shape[0])]
    while slot >= 0:
        if slot_hash[slot] == h and slot_n[slot] == n:
            equal = True
            for i in range(n):
                if slot_idx[slot, i] != idx[i]:
                    equal = False
                    break
            if equal:
                return slot
        slot = slot_next[slot]
    return -1


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _link_slot(slot, h, bucket_first, slot_next):
    b = _bucket(h, bucket_first.shape[0])
    slot_next[slot] = bucket_first[b]
    bucket_first[b] = slot


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _unlink_slot(slot, h, bucket_first, slot_next):
    b = _bucket(h, bucket_first.shape[0])
    if bucket_first[b] == slot:
        bucket_first[b] = slot_next[slot]
        return
    s = bucket_first[b]
    while slot_next[s] != slot:
        s = slot_next[s]
    slot_next[s] = slot_next[slot]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _nodes_by_set(node_set, size, n_sets, set_first, set_nodes):
    """A group's nodes sorted by set (a counting sort, keeping their order):
    set ``s`` has ``set_nodes[set_first[s]:set_first[s + 1]]``."""
    for s in range(n_sets + 1):
        set_first[s] = 0
    for j in range(size):
        if node_set[j] >= 0:
            set_first[node_set[j] + 1] += 1
    for s in range(n_sets):
        set_first[s + 1] += set_first[s]
    for j in range(size):
        s = node_set[j]
        if s >= 0:
            set_nodes[set_first[s]] = j
            set_first[s] += 1
    for s in range(n_sets, 0, -1):
        set_first[s] = set_first[s - 1]
    set_first[0] = 0


# ------------------------------------------------------------------ records
class Neighbourhood(NamedTuple):
    """Where the nodes of one call find their samples: what every driver reads.

    The search plan (:class:`~seabed.geostats._search.SearchPlan`'s arrays), the
    nodes, the samples and the neighbourhood's parameters. Node ``i`` takes its
    ``k`` nearest samples within ``sqrt(max_d2)``, less sample
    ``node_exclude[i]`` (-1: none), then at most ``per_sector`` per quadrant (0:
    no limit); it is estimated only if the search finds ``min_count`` or more.
    Before the sector limit, at most ``per_group`` (0: no limit) of those
    nearest come from any one group ``sample_group`` (codes below
    ``n_groups``: cores or sites), and ``min_count`` counts what is left.
    Samples flagged ``restricted`` (empty: none) inform only nodes within
    ``sqrt(restricted_d2)`` (a high-value restriction). Distances are those of
    a search ellipse when ``ellipse`` holds ``(sin, cos, 1 / ratio)`` of its
    major axis's azimuth and its minor/major ratio (``max_d2`` is then the
    squared major semi-axis), else Euclidean.
    """

    order: NDArray[np.int64]
    group_ptr: NDArray[np.int64]
    cand_lo: NDArray[np.int64]
    cand_hi: NDArray[np.int64]
    cand_idx: NDArray[np.int64]
    node_x: NDArray[np.float64]
    node_y: NDArray[np.float64]
    node_exclude: NDArray[np.int64]
    sx: NDArray[np.float64]
    sy: NDArray[np.float64]
    k: int
    max_d2: float
    per_sector: int
    min_count: int
    sample_group: NDArray[np.int64]
    n_groups: int
    per_group: int
    restricted: NDArray[np.bool_]
    restricted_d2: float
    ellipse: NDArray[np.float64]


class KrigingModel(NamedTuple):
    """What :func:`krige_groups` needs beyond the neighbourhood.

    Drift columns at the nodes (``node_f``) and samples (``sample_f``; none for
    simple kriging, with means ``sk_mean``), the sample values (n, m), the
    variogram (structure table and nugget), the block discretisation (``disc``,
    empty for points) and the point or block variance ``c00``, the number of
    cached factorisations (``n_slots``), and whether weights and slopes are
    wanted.
    """

    node_f: NDArray[np.float64]
    sample_f: NDArray[np.float64]
    sample_y: NDArray[np.float64]
    table: NDArray[np.float64]
    nugget: float
    disc: NDArray[np.float64]
    c00: float
    sk_mean: NDArray[np.float64]
    n_slots: int
    want_weights: bool
    want_slope: bool


class KrigingOutputs(NamedTuple):
    """Per-node results of :func:`krige_groups`, written at each node's index:
    means (k, m), variances, samples used, statuses, and (k, n_neighbors)
    neighbours, weights, then slopes of regression; then the search diagnostics
    (distance to the nearest and mean distance to the samples used, distinct
    groups among them, sum of the negative weights), empty when not wanted."""

    mean: NDArray[np.float64]
    var: NDArray[np.float64]
    n_used: NDArray[np.int64]
    status: NDArray[np.int64]
    neighbors: NDArray[np.int64]
    weights: NDArray[np.float64]
    slope: NDArray[np.float64]
    nearest: NDArray[np.float64]
    mean_distance: NDArray[np.float64]
    n_cores: NDArray[np.int64]
    negative_weights: NDArray[np.float64]


class IdwModel(NamedTuple):
    """What :func:`idw_groups` needs beyond the neighbourhood, and its results."""

    sample_y: NDArray[np.float64]
    power: float
    mean: NDArray[np.float64]
    n_used: NDArray[np.int64]


# --------------------------------------------------------- the neighbour loop
@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _neighbour_buffers(hood, g_begin, g_end):
    """Working arrays of the neighbour loop over groups ``g_begin .. g_end - 1``.

    Returns ``kk`` (neighbours per node at most), ``ps`` (per quadrant, 0: no
    limit) and the buffers that :func:`_neighbour_loop` uses.
    """
    kk = max(1, min(hood.k, hood.sx.shape[0]))
    mc = _max_candidates(hood.cand_lo, hood.cand_hi, g_begin, g_end)
    ps = min(hood.per_sector, kk)
    buffers = (
        np.empty(padded(mc)),  # candidates' x (padded: lanes, see _neighbour_loop)
        np.empty(padded(mc)),  # candidates' y
        np.empty(padded(mc)),  # their squared distances to the node
        np.zeros(mc, dtype=np.bool_),  # the node's k nearest
        np.empty(kk),
        np.empty(kk, dtype=np.int64),
        np.zeros(mc, dtype=np.bool_),  # of those, the ones kept per quadrant
        np.empty(4 * ps),
        np.empty(4 * ps, dtype=np.int64),
        np.zeros(4, dtype=np.int64),
        np.zeros(mc, dtype=np.bool_),  # of the k nearest, the ones kept per group
        np.empty(kk),
        np.empty(kk, dtype=np.int64),
        np.zeros(max(hood.n_groups, 1), dtype=np.int64),  # members per group
        np.zeros(padded(mc)),  # the k nearest again, as 1.0 (0.0 for the others)
    )
    return kk, ps, buffers


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _idw_node(node, nc, cand, d2, selection, sample_y, power, out_mean):
    """Inverse-distance weighted mean at a node of its ``selection``."""
    m = sample_y.shape[1]
    half_power = 0.5 * power  # squared distances
    on_sample = -1
    for c in range(nc):
        if selection[c] and d2[c] == 0.0:
            on_sample = cand[c]
            break
    for o in range(m):
        if on_sample >= 0:
            out_mean[node, o] = sample_y[on_sample, o]
            continue
        total = 0.0
        weight = 0.0
        for c in range(nc):
            if selection[c]:
                wc = d2[c] ** -half_power
                total += wc * sample_y[cand[c], o]
                weight += wc
        out_mean[node, o] = total / weight


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _neighbour_loop(hood, g, buffers, ps, min_used, sets, idw, out):
    """The loop over the nodes of group ``g`` that :func:`krige_groups` and
    :func:`idw_groups` share: each node's neighbours, then what each does.

    The group's candidates are loaded into ``buffers`` (of
    :func:`_neighbour_buffers`). Each node takes its ``k`` nearest among them
    (the previous node's choice, the flags ``member``, is kept when it is also
    this one's, which is most of the time on a grid), then at most ``ps`` per
    quadrant (flags ``chosen``). A node whose search finds fewer than
    ``min_count`` samples, or keeps fewer than ``min_used``, gets NaN. Then:

    - kriging (``sets``, the group's distinct neighbour sets and each node's
      set, not None; ``idw`` None): the node's set is found or added, for
      :func:`krige_groups` to factor and solve;
    - inverse distance weighting (``idw``, an :class:`IdwModel`; ``sets`` None):
      the node's weighted mean.

    ``out`` is a :class:`KrigingOutputs` or the :class:`IdwModel`: means and
    counts go there (and, kriging, variances and neighbours). The loop is
    inlined into each driver, where the other use's branches (they test
    arguments that are None) are pruned at compile time: sharing it costs
    nothing (a call per group instead cost 4 %, the arrays' reference counts).
    Returns the number of candidates and of distinct sets.
    """
    order = hood.order
    node_x = hood.node_x
    node_y = hood.node_y
    node_exclude = hood.node_exclude
    k = hood.k
    max_d2 = hood.max_d2
    min_count = hood.min_count
    out_mean = out.mean
    out_count = out.n_used
    m = out_mean.shape[1]
    cx, cy, d2, member, buf_d2, buf_pos, chosen, sec_d2, sec_pos, fill = buffers[:10]
    kept, ord_d2, ord_pos, group_count, inside = buffers[10:]
    no_d2 = _lanes.splat(-1.0)
    far = _lanes.splat(np.inf)
    reach = _lanes.splat(max_d2)
    pg = hood.per_group
    ellipse = hood.ellipse
    restricted = hood.restricted
    restricted_d2 = hood.restricted_d2
    sample_group = hood.sample_group
    lo = hood.cand_lo[g]
    hi = hood.cand_hi[g]
    nc = _load_candidates(hood.cand_idx, lo, hi, hood.sx, hood.sy, cx, cy)
    cand = hood.cand_idx[lo:hi]
    start = hood.group_ptr[g]
    size = hood.group_ptr[g + 1] - start
    # arrays taken out of records once: node by node, each costs a reference count
    if sets is not None:
        set_idx, set_pos, set_n, set_hash, node_set = sets
        out_var = out.var
        out_nbr = out.neighbors
    if idw is not None:
        sample_y = idw.sample_y
        power = idw.power
    n_sets = 0
    n_member = -1  # no previous choice in this group yet
    current = -1
    # circles and no restriction: distances and the check of the previous
    # choice in one pass of whole lanes (a node leaving a sample out: below)
    in_lanes = ellipse.shape[0] == 0 and restricted.shape[0] == 0
    if in_lanes:
        for c in range(nc, padded(nc)):  # padding that no check selects
            cx[c] = np.nan
            cy[c] = np.nan
    for jj in range(size):
        node = order[start + jj]
        exclude = node_exclude[node]
        if in_lanes and exclude < 0:
            # _keeps_selection's pass in lanes, with the distances (written
            # out: an inlined call here costs reference counts per node)
            x0 = _lanes.splat(node_x[node])
            y0 = _lanes.splat(node_y[node])
            worst = _lanes.splat(-1.0)
            best = _lanes.splat(np.inf)
            for c in range(0, nc, _lanes.WIDTH):
                dx = _lanes.sub(_lanes.load(cx, c), x0)
                dy = _lanes.sub(_lanes.load(cy, c), y0)
                dd = _lanes.add(_lanes.mul(dx, dx), _lanes.mul(dy, dy))
                _lanes.store(d2, c, dd)
                flag = _lanes.load(inside, c)
                worst = _lanes.maximum(worst, _lanes.where_positive(flag, dd, no_d2))
                outside = _lanes.where_le(dd, reach, dd, far)
                best = _lanes.minimum(best, _lanes.where_positive(flag, far, outside))
            worst_d2 = -1.0
            best_d2 = np.inf
            for t in range(_lanes.WIDTH):
                worst_d2 = max(worst_d2, _lanes.get(worst, t))
                best_d2 = min(best_d2, _lanes.get(best, t))
            if n_member < 0 or not worst_d2 <= max_d2:
                same = False
            elif best_d2 < worst_d2:  # most often one sample in, one out
                same = n_member == k and _swap_to_nearest(
                    d2, nc, max_d2, member, inside, _MAX_SWAPS
                )
                current = -1
            elif best_d2 > worst_d2 and best_d2 < np.inf:
                same = n_member >= k
            else:  # a tie, or nothing left out
                same = _same_selection(
                    d2, cand, nc, exclude, k, max_d2, member, n_member
                )
        else:
            if ellipse.shape[0] == 0:
                x0 = node_x[node]
                y0 = node_y[node]
                for c in range(nc):
                    dx = cx[c] - x0
                    dy = cy[c] - y0
                    d2[c] = dx * dx + dy * dy
            else:
                _search_distances(cx, cy, node_x[node], node_y[node], nc, d2, ellipse)
            if restricted.shape[0] > 0:
                _restrict_high_values(d2, cand, nc, restricted, restricted_d2)
            same = n_member >= 0 and _keeps_selection(
                d2, cand, nc, exclude, k, max_d2, member, n_member
            )
        if not same:
            n_member = _select_members(
                d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member
            )
            current = -1
            if in_lanes:
                for c in range(nc):
                    inside[c] = 1.0 if member[c] else 0.0
                for c in range(nc, padded(nc)):
                    inside[c] = 0.0
        n = n_member
        n_found = n_member
        if pg > 0:  # at most pg per core, then the count that min_count sees
            n = _limit_per_group(
                d2, cand, nc, member, pg, sample_group, group_count, kept,
                ord_d2, ord_pos,
            )  # fmt: skip
            n_found = n
            current = -1
        if ps > 0:  # quadrants move with the node: look its set up anew
            if pg > 0:
                n = _limit_per_sector(
                    cx, cy, node_x[node], node_y[node], d2, nc, kept, ps,
                    chosen, sec_d2, sec_pos, fill,
                )  # fmt: skip
            else:
                n = _limit_per_sector(
                    cx, cy, node_x[node], node_y[node], d2, nc, member, ps,
                    chosen, sec_d2, sec_pos, fill,
                )  # fmt: skip
            current = -1
        out_count[node] = n
        if n_found < min_count or n < min_used:
            for o in range(m):
                out_mean[node, o] = np.nan
            if sets is not None:
                node_set[jj] = -1
                out_var[node] = np.nan
            continue
        if idw is not None:
            if ps > 0:
                _idw_node(node, nc, cand, d2, chosen, sample_y, power, out_mean)
            elif pg > 0:
                _idw_node(node, nc, cand, d2, kept, sample_y, power, out_mean)
            else:
                _idw_node(node, nc, cand, d2, member, sample_y, power, out_mean)
        if sets is not None:
            if current < 0:  # one call per flag array: a shared alias cost 1 %
                if ps > 0:
                    _gather_selection(
                        cand, nc, chosen, set_idx[n_sets], set_pos[n_sets]
                    )
                elif pg > 0:
                    _gather_selection(cand, nc, kept, set_idx[n_sets], set_pos[n_sets])
                else:
                    _gather_selection(
                        cand, nc, member, set_idx[n_sets], set_pos[n_sets]
                    )
                h = _set_hash(set_idx[n_sets], n)
                current = _find_set(
                    set_idx[n_sets], n, h, set_idx, set_n, set_hash, n_sets
                )
                if current < 0:
                    current = n_sets
                    set_n[current] = n
                    set_hash[current] = h
                    n_sets += 1
            node_set[jj] = current
            for i in range(n if out_nbr.shape[1] > 0 else 0):
                out_nbr[node, i] = set_idx[current, i]
    return nc, n_sets


# ------------------------------------------------------------------ drivers
@njit(cache=True, nogil=True, error_model="numpy")
def krige_groups(g_begin, g_end, hood, model, out):
    """Krige the nodes of groups ``g_begin .. g_end - 1`` of a search plan.

    For each group: gather its candidates once; pick each node's neighbours
    among them (:func:`_neighbour_loop`, which :func:`idw_groups` shares), which
    sorts the nodes into the group's distinct neighbour sets; then for each set
    find or build its factorisation (in a cache of slots kept across groups,
    found by hash). A set's nodes wait in its slot, with those of earlier
    groups that chose the same set, until they fill the eight lanes of a
    batch (:func:`_solve_batch`), or the slot is reused, or the groups end:
    batches are fuller than a group's nodes alone would make them, and a
    node's arithmetic does not depend on its batch. Outputs (:class:`KrigingOutputs`)
    are written at each node's own index. A node gets NaN when its search finds
    fewer than ``hood.min_count`` samples (before the quadrant limit, as gstat
    counts ``nmin``) or it keeps fewer than the drift has coefficients.
    """
    # borrowed views (see _borrowed): the caller holds the records' arrays,
    # and `owned` those made here, to the end
    hood = _borrowed(hood)
    model = _borrowed(model)
    out = _borrowed(out)
    order = hood.order
    group_ptr = hood.group_ptr
    sx = hood.sx
    sy = hood.sy
    node_x = hood.node_x
    node_y = hood.node_y
    node_f = model.node_f
    sample_f = model.sample_f
    sample_y = model.sample_y
    table = model.table
    nugget = model.nugget
    sk_mean = model.sk_mean
    n_slots = model.n_slots
    out_mean = out.mean
    out_var = out.var
    out_status = out.status
    out_w = out.weights
    out_slope = out.slope
    out_negative = out.negative_weights
    want_diagnostics = out.nearest.shape[0] > 0
    seen_owned = np.zeros(max(hood.n_groups, 1), dtype=np.bool_)
    seen = _borrowed(seen_owned)

    p = sample_f.shape[1]
    m = sample_y.shape[1]
    kk, ps, buffers_owned = _neighbour_buffers(hood, g_begin, g_end)
    buffers = _borrowed(buffers_owned)
    cx, cy = buffers[0], buffers[1]
    mc = _max_candidates(hood.cand_lo, hood.cand_hi, g_begin, g_end)
    mg = 1
    for g in range(g_begin, g_end):
        mg = max(mg, group_ptr[g + 1] - group_ptr[g])

    # factorisations of recent sets, kept across groups, each with the nodes
    # waiting for it (solved eight at a time, one per lane), found by hash
    slots_owned = (
        np.empty((n_slots, kk), dtype=np.int64),
        np.full(n_slots, -1, dtype=np.int64),
        np.zeros(n_slots, dtype=np.uint64),
        np.zeros(n_slots, dtype=np.int64),
        np.empty((n_slots, kk, padded(kk))),
        np.empty((n_slots, p, padded(kk))),
        np.empty((n_slots, p, padded(p))),
        np.empty((n_slots, m, padded(kk))),
        np.empty((n_slots, p, m)),
        np.empty((n_slots, 2, kk)),
        np.empty((n_slots, _BATCH), dtype=np.int64),
        np.zeros(n_slots, dtype=np.int64),
        np.full(_bucket_count(n_slots), -1, dtype=np.int64),
        np.full(n_slots, -1, dtype=np.int64),
    )
    slot_idx, slot_n, slot_hash, slot_status, slot_U, slot_A, slot_Rq = _borrowed(
        slots_owned[:7]
    )
    slot_alpha, slot_beta, slot_xy, slot_batch, slot_waiting = _borrowed(
        slots_owned[7:12]
    )
    bucket_first, slot_next = _borrowed(slots_owned[12:])
    next_slot = 0

    # covariances among a group's candidates, built at its first factorisation,
    # when that is cheaper than building each set's matrix on its own
    mcc = mc if (mc <= _CANDIDATE_CACHE_MAX and mc * mc <= 8 * kk * kk) else 0
    cand_cov_owned = np.empty((mcc, padded(mcc)))
    cand_cov = _borrowed(cand_cov_owned)

    # the group's distinct sets and each node's set
    sets_owned = (
        np.empty((mg, kk), dtype=np.int64),
        np.empty((mg, kk), dtype=np.int64),
        np.empty(mg, dtype=np.int64),
        np.zeros(mg, dtype=np.uint64),
        np.empty(mg, dtype=np.int64),
        np.empty(mg + 1, dtype=np.int64),
        np.empty(mg, dtype=np.int64),
    )
    set_idx, set_pos, set_n, set_hash, node_set, set_first, set_nodes = _borrowed(
        sets_owned
    )

    min_used = max(p, 1)
    work_owned = np.empty(max(kk, p, 1))
    work = _borrowed(work_owned)
    scratch_owned = (
        np.empty((kk, _BATCH)),
        np.empty((max(p, 1), _BATCH)),
        np.empty((max(p, 1), _BATCH)),
        np.empty(kk),
        np.empty((2, _BATCH)),
        np.empty(max(p, 1)),
    )
    scratch = _borrowed(scratch_owned)
    node_data = (node_x, node_y, node_f)
    outputs = (out_mean, out_var, out_w, out_slope, out_negative)

    sets = (set_idx, set_pos, set_n, set_hash, node_set)
    for g in range(g_begin, g_end):
        size = group_ptr[g + 1] - group_ptr[g]
        start = group_ptr[g]
        # pass 1: each node's neighbours, as one of the group's distinct sets
        nc, n_sets = _neighbour_loop(hood, g, buffers, ps, min_used, sets, None, out)
        _nodes_by_set(node_set, size, n_sets, set_first, set_nodes)

        # pass 2: find or build each set's factorisation; its nodes join the
        # nodes of earlier groups that wait for it, solved as lanes fill up
        cov_ready = False
        for s in range(n_sets):
            n = set_n[s]
            idx = set_idx[s]
            pos = set_pos[s]
            slot = _find_slot(
                idx, n, set_hash[s], slot_idx, slot_n, slot_hash, bucket_first,
                slot_next,
            )  # fmt: skip
            if slot < 0:
                slot = next_slot
                next_slot = (next_slot + 1) % n_slots
                if slot_waiting[slot] > 0:  # its last nodes, before it goes
                    _solve_batch(
                        slot_waiting[slot], slot_batch[slot], slot_n[slot],
                        slot_xy[slot], node_data, model, slot_U[slot],
                        slot_A[slot], slot_Rq[slot], slot_alpha[slot],
                        slot_beta[slot], scratch, outputs,
                    )  # fmt: skip
                    slot_waiting[slot] = 0
                if slot_n[slot] >= 0:
                    _unlink_slot(slot, slot_hash[slot], bucket_first, slot_next)
                _link_slot(slot, set_hash[s], bucket_first, slot_next)
                for i in range(n):
                    slot_idx[slot, i] = idx[i]
                    slot_xy[slot, 0, i] = cx[pos[i]]
                    slot_xy[slot, 1, i] = cy[pos[i]]
                slot_n[slot] = n
                slot_hash[slot] = set_hash[s]
                if mcc > 0 and not cov_ready:
                    _candidate_covariances(cx, cy, nc, table, nugget, cand_cov)
                    cov_ready = True
                slot_status[slot] = _factor_set(
                    idx,
                    pos,
                    n,
                    cand_cov,
                    sx,
                    sy,
                    sample_f,
                    sample_y,
                    table,
                    nugget,
                    sk_mean,
                    slot_U[slot],
                    slot_A[slot],
                    slot_Rq[slot],
                    slot_alpha[slot],
                    slot_beta[slot],
                    work,
                )
            status = slot_status[slot]
            for j in range(set_first[s], set_first[s + 1]):
                node = order[start + set_nodes[j]]
                if status != STATUS_OK:
                    out_status[node] = status
                    for o in range(m):
                        out_mean[node, o] = np.nan
                    out_var[node] = np.nan
                    continue
                if want_diagnostics:
                    _search_diagnostics(
                        node, n, idx, pos, cx, cy, node_x[node], node_y[node],
                        hood.sample_group, seen, out.nearest,
                        out.mean_distance, out.n_cores,
                    )  # fmt: skip
                r = slot_waiting[slot]
                slot_batch[slot, r] = node
                r += 1
                if r == _BATCH:
                    _solve_batch(
                        r, slot_batch[slot], n, slot_xy[slot], node_data, model,
                        slot_U[slot], slot_A[slot], slot_Rq[slot],
                        slot_alpha[slot], slot_beta[slot], scratch, outputs,
                    )  # fmt: skip
                    r = 0
                slot_waiting[slot] = r
    for slot in range(n_slots):  # the nodes still waiting
        if slot_waiting[slot] > 0:
            _solve_batch(
                slot_waiting[slot], slot_batch[slot], slot_n[slot], slot_xy[slot],
                node_data, model, slot_U[slot], slot_A[slot], slot_Rq[slot],
                slot_alpha[slot], slot_beta[slot], scratch, outputs,
            )  # fmt: skip
    _keep_alive(
        (seen_owned, buffers_owned, slots_owned, cand_cov_owned, sets_owned),
    )
    _keep_alive((work_owned, scratch_owned))


@njit(cache=True, nogil=True, error_model="numpy")
def idw_groups(g_begin, g_end, hood, model):
    """Inverse-distance weighting of the nodes of groups ``g_begin .. g_end - 1``.

    The neighbour loop of :func:`krige_groups` (:func:`_neighbour_loop`), then weights
    ``d^-power`` over the node's neighbours (summed in sample-index order); a
    node on a sample takes that sample's value. Results go to ``model.mean``
    and ``model.n_used``; neighbourhoods and ``min_count`` as in
    :func:`krige_groups`.
    """
    _, ps, buffers = _neighbour_buffers(hood, g_begin, g_end)
    for g in range(g_begin, g_end):
        _neighbour_loop(hood, g, buffers, ps, 1, None, model, model)


@njit(cache=True, nogil=True, error_model="numpy")
def neighbor_groups(g_begin, g_end, hood, out_idx, out_d2, out_count):
    """Each node's neighbours, nearest first (ties by sample index), at most
    ``hood.per_sector`` per quadrant (0: no limit)."""
    order = hood.order
    group_ptr = hood.group_ptr
    cand_idx = hood.cand_idx
    node_x = hood.node_x
    node_y = hood.node_y
    node_exclude = hood.node_exclude
    k = hood.k
    max_d2 = hood.max_d2
    _, ps, buffers = _neighbour_buffers(hood, g_begin, g_end)
    cx, cy, d2, member, buf_d2, buf_pos, chosen, sec_d2, sec_pos, fill = buffers[:10]
    kept, ord_d2, ord_pos, group_count = buffers[10:14]
    pg = hood.per_group
    for g in range(g_begin, g_end):
        lo = hood.cand_lo[g]
        hi = hood.cand_hi[g]
        nc = _load_candidates(cand_idx, lo, hi, hood.sx, hood.sy, cx, cy)
        cand = cand_idx[lo:hi]
        for j in range(group_ptr[g], group_ptr[g + 1]):
            node = order[j]
            x0 = node_x[node]
            y0 = node_y[node]
            _search_distances(cx, cy, x0, y0, nc, d2, hood.ellipse)
            if hood.restricted.shape[0] > 0:
                _restrict_high_values(d2, cand, nc, hood.restricted, hood.restricted_d2)
            # the nearest first: buf_pos in (distance, index) order
            n = _select_nearest(
                d2, cand, nc, node_exclude[node], k, max_d2, buf_d2, buf_pos, member
            )
            if pg > 0:
                _limit_per_group(
                    d2, cand, nc, member, pg, hood.sample_group, group_count,
                    kept, ord_d2, ord_pos,
                )  # fmt: skip
            else:
                for c in range(nc):
                    kept[c] = member[c]
            if ps > 0:
                _limit_per_sector(
                    cx, cy, x0, y0, d2, nc, kept, ps, chosen, sec_d2, sec_pos, fill
                )
            else:
                for c in range(nc):
                    chosen[c] = kept[c]
            n_kept = 0
            for i in range(n):
                c = buf_pos[i]
                if chosen[c]:
                    out_idx[node, n_kept] = cand[c]
                    out_d2[node, n_kept] = buf_d2[i]
                    n_kept += 1
            out_count[node] = n_kept
