"""Compiled kernels of the kriging engine (numba, nopython, cached, GIL released).

Everything a prediction node computes happens here, one node at a time, with loops
whose length depends only on that node's own neighbour set. That is what makes the
results independent of how nodes are batched: a node's neighbour set, the order of
its arithmetic and the factorisation it uses are the same whatever other nodes are
predicted in the same call (see ``docs/kriging.md``).

Conventions
-----------
- A variogram is passed as a *structure table* (one row per nested structure, columns
  ``CODE .. MATERN_NORM`` below) plus the nugget; see :func:`structure_table`.
- A neighbour *set* is a list of sample indices in ascending order. Its factorisation
  (a "slot") holds the upper Cholesky factor ``U`` of the sample covariance matrix
  (``U'U = C``), ``A = (U^-T F)'`` for the drift ``F``, the upper Cholesky factor
  ``Rq`` of ``Q = F'C^-1F``, the drift coefficients ``beta`` and the dual weights
  ``alpha = C^-1 (y - F beta)``; one dot product then gives a node's mean, one
  triangular solve its variance.
- ``p == 0`` drift columns means simple kriging with known means ``sk_mean``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from seabed.geostats.variogram import MODEL_CODES, Variogram

__all__ = [
    "SINGULAR_RTOL",
    "STATUS_DRIFT_SINGULAR",
    "STATUS_OK",
    "STATUS_SINGULAR",
    "block_covariance",
    "idw_groups",
    "krige_groups",
    "matern_correlation",
    "neighbor_groups",
    "point_covariance",
    "structure_table",
]

# columns of the structure table
CODE, PSILL, INV_RANGE, ANISOTROPIC, SIN, COS, INV_RATIO, KAPPA, MATERN_NORM = range(9)
_N_COLUMNS = 9

_SPHERICAL = MODEL_CODES["spherical"]
_EXPONENTIAL = MODEL_CODES["exponential"]
_GAUSSIAN = MODEL_CODES["gaussian"]
_MATERN = MODEL_CODES["matern"]

#: A Cholesky pivot below this fraction of its diagonal entry counts as singular:
#: the system would amplify rounding errors by more than 1e12.
SINGULAR_RTOL = 1e-12

STATUS_OK = 0
#: The sample covariance matrix of the neighbours is not positive definite.
STATUS_SINGULAR = 1
#: The drift matrix ``F'C^-1F`` is singular (collinear samples or covariates).
STATUS_DRIFT_SINGULAR = 2

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


def structure_table(variogram: Variogram) -> NDArray[np.float64]:
    """The variogram's structures as a float table the kernels read.

    Examples
    --------
    >>> vg = Variogram("exponential", psill=2.0, range=100.0, nugget=0.5, anis=(90, 0.5))
    >>> table = structure_table(vg)
    >>> table.shape, table[0, PSILL], table[0, INV_RANGE], table[0, INV_RATIO]
    ((1, 9), 2.0, 0.01, 2.0)
    """
    table = np.zeros((len(variogram.structures), _N_COLUMNS))
    for row, s in zip(table, variogram.structures):
        row[CODE] = MODEL_CODES[s.model]
        row[PSILL] = s.psill
        row[INV_RANGE] = 1.0 / s.range
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
    return table


# ---------------------------------------------------------------- covariances
@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True, inline="always")
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
        return math.exp(-r)
    if code == _SPHERICAL:
        if r >= 1.0:
            return 0.0
        return 1.0 - (1.5 * r - 0.5 * r * r * r)
    if code == _GAUSSIAN:
        return math.exp(-(r * r))
    return matern_correlation(r, table[s, KAPPA], table[s, MATERN_NORM])


@njit(cache=True, nogil=True, inline="always")
def _structured_covariance(table, dx, dy):
    """Covariance of the structures alone (no nugget): block support."""
    c = 0.0
    for s in range(table.shape[0]):
        c += table[s, PSILL] * _correlation(table, s, dx, dy)
    return c


@njit(cache=True, nogil=True, inline="always")
def point_covariance(table, nugget, dx, dy):
    """Point-to-point covariance: the nugget counts only at zero separation."""
    c = nugget if (dx == 0.0 and dy == 0.0) else 0.0
    for s in range(table.shape[0]):
        c += table[s, PSILL] * _correlation(table, s, dx, dy)
    return c


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True)
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
@njit(cache=True, nogil=True, inline="always")
def _cholesky_upper(M, n, rtol, diag):
    """In-place Cholesky ``M = U'U`` on the upper triangle of ``M[:n, :n]``.

    Right-looking, row by row, so that every inner loop runs over contiguous
    memory without reductions (vectorisable, and independent of anything but
    ``M``). Returns False when a pivot falls below ``rtol`` times its diagonal.
    """
    for j in range(n):
        diag[j] = M[j, j]
    for j in range(n):
        d = M[j, j]
        if not d > rtol * diag[j]:
            return False
        u = math.sqrt(d)
        M[j, j] = u
        for i in range(j + 1, n):
            M[j, i] = M[j, i] / u
        for i in range(j + 1, n):
            uji = M[j, i]
            for col in range(i, n):
                M[i, col] -= uji * M[j, col]
    return True


@njit(cache=True, nogil=True, inline="always")
def _solve_upper_transposed(U, n, b):
    """Solve ``U' x = b`` in place (forward substitution, axpy form)."""
    for j in range(n):
        b[j] = b[j] / U[j, j]
        bj = b[j]
        for i in range(j + 1, n):
            b[i] -= U[j, i] * bj


@njit(cache=True, nogil=True, inline="always")
def _solve_upper(U, n, b):
    """Solve ``U x = b`` in place (back substitution)."""
    for j in range(n - 1, -1, -1):
        s = b[j]
        for i in range(j + 1, n):
            s -= U[j, i] * b[i]
        b[j] = s / U[j, j]


# ---------------------------------------------------------- neighbour search
@njit(cache=True, nogil=True, inline="always")
def _squared_distances(cx, cy, x0, y0, nc, d2):
    for c in range(nc):
        dx = cx[c] - x0
        dy = cy[c] - y0
        d2[c] = dx * dx + dy * dy


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, inline="always")
def _same_selection(d2, cand, nc, exclude, k, max_d2, member, n_member):
    """Whether ``member`` (the previous node's choice) is also this node's choice.

    True when every member is valid and every other valid candidate ranks after
    the worst member (or, with fewer than ``k`` members, no valid one is left out).
    """
    worst_d2 = -1.0
    worst_pos = -1
    for c in range(nc):
        if member[c]:
            if d2[c] > max_d2 or cand[c] == exclude:
                return False
            if d2[c] >= worst_d2:
                worst_d2 = d2[c]
                worst_pos = c
    for c in range(nc):
        if member[c] or d2[c] > max_d2 or cand[c] == exclude:
            continue
        if n_member < k:
            return False
        if d2[c] < worst_d2 or (d2[c] == worst_d2 and c < worst_pos):
            return False
    return True


@njit(cache=True, nogil=True, inline="always")
def _gather_selection(cand, nc, member, out_idx):
    """Selected sample indices, ascending (the canonical form of a set)."""
    n = 0
    for c in range(nc):
        if member[c]:
            out_idx[n] = cand[c]
            n += 1
    return n


@njit(cache=True, nogil=True, inline="always")
def _set_hash(idx, n):
    h = _FNV_OFFSET
    for i in range(n):
        h = (h ^ np.uint64(idx[i])) * _FNV_PRIME
    return h


@njit(cache=True, nogil=True, inline="always")
def _load_candidates(cand_idx, lo, hi, sx, sy, cx, cy):
    nc = hi - lo
    for c in range(nc):
        s = cand_idx[lo + c]
        cx[c] = sx[s]
        cy[c] = sy[s]
    return nc


@njit(cache=True, nogil=True)
def _max_candidates(cand_lo, cand_hi, g_begin, g_end):
    m = 1
    for g in range(g_begin, g_end):
        m = max(m, cand_hi[g] - cand_lo[g])
    return m


# ----------------------------------------------------------- factorisation
@njit(cache=True, nogil=True)
def _factor_set(
    idx, n, sx, sy, sample_f, sample_y, table, nugget, sk_mean, U, A, Rq, alpha, beta, work
):
    """Factor the kriging system of one neighbour set into a slot.

    Returns a status code (``STATUS_OK`` on success).
    """
    p = sample_f.shape[1]
    m = sample_y.shape[1]
    for i in range(n):
        si = idx[i]
        for j in range(i, n):
            sj = idx[j]
            U[i, j] = point_covariance(table, nugget, sx[si] - sx[sj], sy[si] - sy[sj])
    if not _cholesky_upper(U, n, SINGULAR_RTOL, work):
        return STATUS_SINGULAR
    for col in range(p):  # A = (U^-T F)'
        for i in range(n):
            A[col, i] = sample_f[idx[i], col]
        _solve_upper_transposed(U, n, A[col])
    for o in range(m):  # alpha <- U^-T (y - mean)
        for i in range(n):
            alpha[o, i] = sample_y[idx[i], o] - (sk_mean[o] if p == 0 else 0.0)
        _solve_upper_transposed(U, n, alpha[o])
    if p > 0:
        for a in range(p):  # Q = F'C^-1F = A A'
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
    for o in range(m):
        _solve_upper(U, n, alpha[o])
    return STATUS_OK


@njit(cache=True, nogil=True, inline="always")
def _solve_node(
    n, U, A, Rq, alpha, beta, f0, c0, c00, sk_mean, a, v, out_mean, want_weights, out_w
):
    """Mean(s) and kriging variance at one node from its set's factorisation.

    ``c0`` (length n) holds the sample-to-node covariances; ``a`` and ``v`` are
    scratch. Writes the means into ``out_mean`` and returns the variance; with
    ``want_weights`` also writes the kriging weights into ``out_w``.
    """
    p = A.shape[0]
    m = alpha.shape[0]
    for o in range(m):
        mean = sk_mean[o] if p == 0 else 0.0
        for col in range(p):
            mean += f0[col] * beta[col, o]
        for i in range(n):
            mean += c0[i] * alpha[o, i]
        out_mean[o] = mean
    for i in range(n):
        a[i] = c0[i]
    _solve_upper_transposed(U, n, a)
    var = c00
    for i in range(n):
        var -= a[i] * a[i]
    if p > 0:  # the price of estimating the drift: |Rq^-T (f0 - F'C^-1 c0)|^2
        for col in range(p):
            t = f0[col]
            for i in range(n):
                t -= A[col, i] * a[i]
            v[col] = t
        _solve_upper_transposed(Rq, p, v)
        for col in range(p):
            var += v[col] * v[col]
    if want_weights:  # lambda = C^-1 (c0 + F Q^-1 (f0 - F'C^-1 c0))
        if p > 0:
            _solve_upper(Rq, p, v)
        for i in range(n):
            w = a[i]
            for col in range(p):
                w += A[col, i] * v[col]
            out_w[i] = w
        _solve_upper(U, n, out_w)
    return var


# ------------------------------------------------------------------ drivers
@njit(cache=True, nogil=True)
def krige_groups(
    g_begin,
    g_end,
    order,
    group_ptr,
    cand_lo,
    cand_hi,
    cand_idx,
    node_x,
    node_y,
    node_f,
    node_exclude,
    sx,
    sy,
    sample_f,
    sample_y,
    table,
    nugget,
    disc,
    c00,
    sk_mean,
    k,
    max_d2,
    min_count,
    n_slots,
    want_weights,
    out_mean,
    out_var,
    out_count,
    out_status,
    out_nbr,
    out_w,
):
    """Krige the nodes of groups ``g_begin .. g_end - 1`` of a search plan.

    Each group gathers its candidates once; each node picks its ``k`` nearest
    among them (``max_d2``: squared search radius), finds or builds the
    factorisation of that set in a small cache of slots, and solves. Outputs are
    written at the node's own index; nodes with fewer than ``min_count``
    neighbours get NaN. ``node_exclude[i]`` is a sample index node ``i`` must not
    use (-1: none), for leave-one-out.
    """
    p = sample_f.shape[1]
    m = sample_y.shape[1]
    kk = max(1, min(k, sx.shape[0]))
    mc = _max_candidates(cand_lo, cand_hi, g_begin, g_end)

    slot_idx = np.empty((n_slots, kk), dtype=np.int64)
    slot_n = np.full(n_slots, -1, dtype=np.int64)
    slot_hash = np.zeros(n_slots, dtype=np.uint64)
    slot_status = np.zeros(n_slots, dtype=np.int64)
    slot_U = np.empty((n_slots, kk, kk))
    slot_A = np.empty((n_slots, p, kk))
    slot_Rq = np.empty((n_slots, p, p))
    slot_alpha = np.empty((n_slots, m, kk))
    slot_beta = np.empty((n_slots, p, m))
    next_slot = 0

    cx = np.empty(mc)
    cy = np.empty(mc)
    d2 = np.empty(mc)
    member = np.zeros(mc, dtype=np.bool_)
    buf_d2 = np.empty(kk)
    buf_pos = np.empty(kk, dtype=np.int64)
    idx = np.empty(kk, dtype=np.int64)
    c0 = np.empty(kk)
    a = np.empty(kk)
    v = np.empty(max(p, 1))
    w = np.empty(kk)
    work = np.empty(max(kk, p, 1))
    mean = np.empty(m)

    for g in range(g_begin, g_end):
        lo = cand_lo[g]
        nc = _load_candidates(cand_idx, lo, cand_hi[g], sx, sy, cx, cy)
        cand = cand_idx[lo : cand_hi[g]]
        n_member = -1  # no previous choice in this group yet
        slot = -1
        for j in range(group_ptr[g], group_ptr[g + 1]):
            node = order[j]
            x0 = node_x[node]
            y0 = node_y[node]
            exclude = node_exclude[node]
            _squared_distances(cx, cy, x0, y0, nc, d2)
            same = n_member >= 0 and _same_selection(
                d2, cand, nc, exclude, k, max_d2, member, n_member
            )
            if not same:
                n_member = _select_nearest(
                    d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member
                )
                slot = -1  # a new set: its slot is still to be found
            n = n_member
            out_count[node] = n
            if n < min_count or n == 0:
                for o in range(m):
                    out_mean[node, o] = np.nan
                out_var[node] = np.nan
                continue
            _gather_selection(cand, nc, member, idx)
            if want_weights:
                for i in range(n):
                    out_nbr[node, i] = idx[i]
            if slot < 0:
                h = _set_hash(idx, n)
                slot = -1
                for s in range(n_slots):
                    if slot_n[s] == n and slot_hash[s] == h:
                        equal = True
                        for i in range(n):
                            if slot_idx[s, i] != idx[i]:
                                equal = False
                                break
                        if equal:
                            slot = s
                            break
                if slot < 0:
                    slot = next_slot
                    next_slot = (next_slot + 1) % n_slots
                    for i in range(n):
                        slot_idx[slot, i] = idx[i]
                    slot_n[slot] = n
                    slot_hash[slot] = h
                    slot_status[slot] = _factor_set(
                        idx,
                        n,
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
            if slot_status[slot] != STATUS_OK:
                out_status[node] = slot_status[slot]
                for o in range(m):
                    out_mean[node, o] = np.nan
                out_var[node] = np.nan
                continue
            for i in range(n):
                s = idx[i]
                c0[i] = _sample_to_node_covariance(
                    table, nugget, disc, sx[s], sy[s], x0, y0
                )
            var = _solve_node(
                n,
                slot_U[slot],
                slot_A[slot],
                slot_Rq[slot],
                slot_alpha[slot],
                slot_beta[slot],
                node_f[node],
                c0,
                c00,
                sk_mean,
                a,
                v,
                mean,
                want_weights,
                w,
            )
            for o in range(m):
                out_mean[node, o] = mean[o]
            out_var[node] = var
            if want_weights:
                for i in range(n):
                    out_w[node, i] = w[i]


@njit(cache=True, nogil=True)
def idw_groups(
    g_begin,
    g_end,
    order,
    group_ptr,
    cand_lo,
    cand_hi,
    cand_idx,
    node_x,
    node_y,
    node_exclude,
    sx,
    sy,
    sample_y,
    power,
    k,
    max_d2,
    min_count,
    out_mean,
    out_count,
):
    """Inverse-distance weighting of the nodes of groups ``g_begin .. g_end - 1``.

    Weights ``d^-power`` over the node's neighbours (summed in sample-index
    order); a node on a sample takes that sample's value.
    """
    m = sample_y.shape[1]
    kk = max(1, min(k, sx.shape[0]))
    mc = _max_candidates(cand_lo, cand_hi, g_begin, g_end)
    cx = np.empty(mc)
    cy = np.empty(mc)
    d2 = np.empty(mc)
    member = np.zeros(mc, dtype=np.bool_)
    buf_d2 = np.empty(kk)
    buf_pos = np.empty(kk, dtype=np.int64)
    half_power = 0.5 * power
    for g in range(g_begin, g_end):
        lo = cand_lo[g]
        nc = _load_candidates(cand_idx, lo, cand_hi[g], sx, sy, cx, cy)
        cand = cand_idx[lo : cand_hi[g]]
        for j in range(group_ptr[g], group_ptr[g + 1]):
            node = order[j]
            exclude = node_exclude[node]
            _squared_distances(cx, cy, node_x[node], node_y[node], nc, d2)
            n = _select_nearest(d2, cand, nc, exclude, k, max_d2, buf_d2, buf_pos, member)
            out_count[node] = n
            if n < min_count or n == 0:
                for o in range(m):
                    out_mean[node, o] = np.nan
                continue
            on_sample = -1
            for c in range(nc):
                if member[c] and d2[c] == 0.0:
                    on_sample = cand[c]
                    break
            for o in range(m):
                if on_sample >= 0:
                    out_mean[node, o] = sample_y[on_sample, o]
                    continue
                total = 0.0
                weight = 0.0
                for c in range(nc):
                    if member[c]:
                        wc = d2[c] ** -half_power
                        total += wc * sample_y[cand[c], o]
                        weight += wc
                out_mean[node, o] = total / weight


@njit(cache=True, nogil=True)
def neighbor_groups(
    g_begin,
    g_end,
    order,
    group_ptr,
    cand_lo,
    cand_hi,
    cand_idx,
    node_x,
    node_y,
    node_exclude,
    sx,
    sy,
    k,
    max_d2,
    out_idx,
    out_d2,
    out_count,
):
    """Each node's neighbours, nearest first (ties by sample index)."""
    kk = max(1, min(k, sx.shape[0]))
    mc = _max_candidates(cand_lo, cand_hi, g_begin, g_end)
    cx = np.empty(mc)
    cy = np.empty(mc)
    d2 = np.empty(mc)
    member = np.zeros(mc, dtype=np.bool_)
    buf_d2 = np.empty(kk)
    buf_pos = np.empty(kk, dtype=np.int64)
    for g in range(g_begin, g_end):
        lo = cand_lo[g]
        nc = _load_candidates(cand_idx, lo, cand_hi[g], sx, sy, cx, cy)
        cand = cand_idx[lo : cand_hi[g]]
        for j in range(group_ptr[g], group_ptr[g + 1]):
            node = order[j]
            _squared_distances(cx, cy, node_x[node], node_y[node], nc, d2)
            n = _select_nearest(
                d2, cand, nc, node_exclude[node], k, max_d2, buf_d2, buf_pos, member
            )
            out_count[node] = n
            for i in range(n):
                out_idx[node, i] = cand[buf_pos[i]]
                out_d2[node, i] = buf_d2[i]
