"""The eight-lane arithmetic of the kernels: the bits of the scalar code."""

import math

import numpy as np
import pytest
from numba import njit

from seabed.geostats import Variogram, _base, _lanes
from seabed.geostats._kernels import (
    _borrowed,
    _bucket_count,
    _candidate_covariances,
    _cholesky_upper,
    _find_slot,
    _link_slot,
    _nodes_by_set,
    _solve_rows_transposed,
    _unlink_slot,
    exp_negative,
    padded,
    point_covariance,
    structure_table,
)
from seabed.geostats._search import pieces
from seabed.geostats.kriging import OrdinaryKriging


@njit
def _exp_in_lanes(x, out):
    for i in range(0, x.shape[0], _lanes.WIDTH):
        _lanes.store(out, i, _lanes.exp_negative(_lanes.load(x, i)))


@njit
def _exp_one_by_one(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_negative(x[i])


@njit
def _through_borrowed_views(owned, scale):
    values, (counts, factor) = _borrowed(owned)
    for i in range(values.shape[0]):
        values[i] *= scale * factor
        counts[i] += 1
    return values.sum(), counts[::2].copy()


def test_borrowed_views_share_the_data():
    """A borrowed view reads and writes its owner's data (nested tuples,
    scalars passed through); what it returns by copy is owned anew."""
    values = np.arange(4.0)
    counts = np.zeros(4, dtype=np.int64)
    total, every_other = _through_borrowed_views((values, (counts, 0.5)), 4.0)
    assert total == 12.0 and values.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert counts.tolist() == [1, 1, 1, 1] and every_other.tolist() == [1, 1]
    del counts
    assert every_other.tolist() == [1, 1]


def test_candidate_covariances_in_lanes_have_the_bits_of_one_pair():
    """The group's covariance table (lanes, the common exponential model) holds
    point_covariance's bits for every pair above the diagonal, nugget on
    coincident samples included."""
    rng = np.random.default_rng(2)
    nc = 29
    cx, cy = np.full(padded(nc), np.nan), np.full(padded(nc), np.nan)
    cx[:nc], cy[:nc] = rng.uniform(0, 5000, nc), rng.uniform(0, 5000, nc)
    cx[7], cy[7] = cx[3], cy[3]  # two samples at one place
    table = structure_table(Variogram("exponential", psill=2.0, range=900.0))
    out = np.zeros((nc, padded(nc)))
    _candidate_covariances(cx, cy, nc, table, 0.25, out)
    for a in range(nc):
        for b in range(a, nc):
            dx, dy = cx[a] - cx[b], cy[a] - cy[b]
            assert out[a, b] == point_covariance(table, 0.25, dx, dy)
    assert out[3, 7] == 2.25


@njit
def _cholesky(M, n, diag):
    return _cholesky_upper(M, n, 1e-12, diag)


@njit
def _forward(U, n, X, row):
    _solve_rows_transposed(U, n, X, row)


@njit
def _choices_in_lanes(x, y, out):
    a, b = _lanes.load(x, 0), _lanes.load(y, 0)
    _lanes.store(out, 0, _lanes.maximum(a, b))
    _lanes.store(out, 8, _lanes.minimum(a, b))
    _lanes.store(out, 16, _lanes.where_le(a, b, a, _lanes.splat(-7.0)))
    _lanes.store(out, 24, _lanes.where_positive(a, b, _lanes.splat(-7.0)))


def test_lanes_choose_as_the_scalar_code():
    x = np.array([1.0, -2.0, 3.0, 0.0, np.inf, np.nan, 5.0, -0.5])
    y = np.array([2.0, -3.0, 3.0, 1.0, 1.0, 1.0, -np.inf, 0.0])
    out = np.empty(32)
    _choices_in_lanes(x, y, out)
    numbers = ~np.isnan(x)
    assert out[:8][numbers].tolist() == np.maximum(x, y)[numbers].tolist()
    assert out[8:16][numbers].tolist() == np.minimum(x, y)[numbers].tolist()
    # a NaN is not <= anything, nor positive: the other choice
    assert out[16:24].tolist() == np.where(x <= y, x, -7.0).tolist()
    assert out[24:].tolist() == np.where(x > 0, y, -7.0).tolist()


def test_exp_in_lanes_has_the_bits_of_the_scalar_exp():
    rng = np.random.default_rng(0)
    x = -np.concatenate(
        [rng.exponential(3.0, 4000), [0.0, 1e-300, 0.5, 700.0, 708.0, 709.0, 1e5, 0.0]]
    )
    lanes, scalar = np.empty_like(x), np.empty_like(x)
    _exp_in_lanes(x, lanes)
    _exp_one_by_one(x, scalar)
    np.testing.assert_array_equal(lanes.view(np.int64), scalar.view(np.int64))
    ordinary = x > -700
    assert np.allclose(lanes[ordinary], np.exp(x[ordinary]), rtol=3e-16, atol=0)


def _scalar_cholesky(C):
    """The right-looking row Cholesky of the kernels, in plain Python."""
    M = C.copy()
    n = len(M)
    for j in range(n):
        inv = 1.0 / math.sqrt(M[j, j])
        M[j, j] = inv
        for c in range(j + 1, n):
            M[j, c] = M[j, c] * inv
        for i in range(j + 1, n):
            for c in range(i, n):
                M[i, c] -= M[j, i] * M[j, c]
    return M


@pytest.mark.parametrize("n", [1, 7, 8, 9, 23, 32, 33])
def test_cholesky_in_lanes_has_the_bits_of_the_scalar_one(n):
    rng = np.random.default_rng(n)
    A = rng.normal(size=(n, n))
    C = A @ A.T + n * np.eye(n)
    M = np.zeros((n, padded(n)))
    M[:, :n] = np.triu(C)
    assert _cholesky(M, n, np.empty(n))
    upper = np.triu_indices(n)
    np.testing.assert_array_equal(M[:, :n][upper], _scalar_cholesky(C)[upper])
    # and it is the factor: U'U = C, with 1 / U[j, j] on the diagonal
    U = np.triu(M[:, :n])
    np.fill_diagonal(U, 1.0 / np.diag(U))
    np.testing.assert_allclose(U.T @ U, C, rtol=1e-13, atol=1e-12 * n)
    # the forward substitution in lanes: U' x = b, bit for bit as in axpy form
    b = rng.normal(size=n)
    X = np.zeros((2, padded(n)))
    X[1, :n] = b
    _forward(M, n, X, 1)
    expected = b.copy()
    for j in range(n):
        expected[j] *= M[j, j]
        for i in range(j + 1, n):
            expected[i] -= M[j, i] * expected[j]
    np.testing.assert_array_equal(X[1, :n], expected)
    assert not X[0].any() and not X[1, n:].any()


def test_cholesky_in_lanes_reports_a_singular_matrix():
    C = np.ones((9, 9))  # rank one
    M = np.zeros((9, padded(9)))
    M[:, :9] = np.triu(C)
    assert not _cholesky(M, 9, np.empty(9))


def test_pieces_cover_every_group_once_in_order():
    order = np.arange(1000)[::-1].copy()
    group_ptr = np.array([0, 10, 400, 410, 700, 1000])
    parts = pieces(order, group_ptr, 3)
    # groups of 10, 390, 10, 290 and 300 nodes, cut at group boundaries nearest
    # to thirds of the 1,000 nodes
    assert [len(o) for o, _ in parts] == [400, 300, 300]
    assert [len(o) for o, _ in pieces(order, group_ptr, 1)] == [1000]
    assert np.array_equal(np.concatenate([o for o, _ in parts]), order)
    for piece_order, piece_ptr in parts:
        assert piece_ptr[0] == 0 and piece_ptr[-1] == len(piece_order)
    sizes = np.concatenate([np.diff(p) for _, p in parts])
    assert np.array_equal(sizes, np.diff(group_ptr))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"max_per_sector": 3, "block_size": 40.0},
        {"max_distance": 120.0, "min_neighbors": 4},
    ],
    ids=["ok", "sectors_block", "radius"],
)
def test_thread_counts_give_the_same_bits(params):
    # more threads, more pieces (four per thread), each gathering its own
    # candidates: the results must not move by a bit
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 1000, size=(300, 2))
    y = np.column_stack([np.sin(X[:, 0] / 150.0), np.cos(X[:, 1] / 200.0)])
    vg = Variogram("exponential", psill=1.0, range=250.0, nugget=0.05)
    g = np.arange(0.0, 1000.0, 9.0)
    nodes = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    results = []
    for n_jobs in (1, 2, 3, 5):
        ok = OrdinaryKriging(vg, n_neighbors=12, n_jobs=n_jobs, **params).fit(X, y)
        mean, std = ok.predict(nodes, return_std=True)
        results.append((mean, std))
    for mean, std in results[1:]:
        assert np.array_equal(mean, results[0][0], equal_nan=True)
        assert np.array_equal(std, results[0][1], equal_nan=True)
    assert np.isfinite(results[0][0]).mean() > 0.5


@pytest.mark.parametrize("n_slots", [1, 3])
def test_fewer_cached_factorisations_give_the_same_bits(monkeypatch, n_slots):
    # nodes wait in their set's slot for a full batch; a small cache flushes
    # them early (a slot reused) and refactors sets: the results must not move
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1000, size=(200, 2))
    y = np.sin(X[:, 0] / 150.0) + np.cos(X[:, 1] / 200.0)
    vg = Variogram("exponential", psill=1.0, range=250.0, nugget=0.05)
    g = np.arange(0.0, 1000.0, 13.0)
    nodes = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])

    def run():
        ok = OrdinaryKriging(vg, n_neighbors=10, max_per_sector=4).fit(X, y)
        return ok.predict(nodes, return_std=True)

    mean, std = run()
    monkeypatch.setattr(_base, "_MAX_SLOTS", n_slots)
    small_mean, small_std = run()
    assert np.array_equal(small_mean, mean) and np.array_equal(small_std, std)
    assert np.isfinite(mean).all()


@njit
def _chain(hashes, unlink, probe):
    """Link slots with these hashes, unlink some, then look each probe up."""
    n = hashes.shape[0]
    slot_idx = np.zeros((n, 1), dtype=np.int64)
    for s in range(n):
        slot_idx[s, 0] = s
    slot_n = np.ones(n, dtype=np.int64)
    bucket_first = np.full(_bucket_count(n), -1, dtype=np.int64)
    slot_next = np.full(n, -1, dtype=np.int64)
    for s in range(n):
        _link_slot(s, hashes[s], bucket_first, slot_next)
    for s in unlink:
        _unlink_slot(s, hashes[s], bucket_first, slot_next)
    found = np.empty(probe.shape[0], dtype=np.int64)
    idx = np.zeros(1, dtype=np.int64)
    for j in range(probe.shape[0]):
        idx[0] = probe[j]
        found[j] = _find_slot(
            idx, 1, hashes[probe[j]], slot_idx, slot_n, hashes, bucket_first, slot_next
        )
    return found


def test_slots_are_found_by_hash_through_chains():
    # six slots, all in one bucket (the same high bits): a chain of six, from
    # which the first, a middle and the last linked are removed
    hashes = (np.uint64(5) << np.uint64(40)) + np.arange(6, dtype=np.uint64)
    found = _chain(hashes, np.array([0, 3, 5]), np.arange(6))
    assert found.tolist() == [-1, 1, 2, -1, 4, -1]
    assert _chain(hashes, np.zeros(0, dtype=np.int64), np.arange(6)).tolist() == [
        0, 1, 2, 3, 4, 5,
    ]  # fmt: skip


def test_nodes_are_sorted_by_set_in_their_order():
    node_set = np.array([2, 0, -1, 2, 1, 0, 2, -9, 7])
    set_first = np.empty(4, dtype=np.int64)
    set_nodes = np.empty(9, dtype=np.int64)
    _nodes_by_set(node_set, 7, 3, set_first, set_nodes)  # the last two: not ours
    assert set_first.tolist() == [0, 2, 3, 6]
    assert set_nodes[:6].tolist() == [1, 5, 4, 0, 3, 6]
