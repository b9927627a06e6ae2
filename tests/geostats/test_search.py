"""Exact nearest-neighbour search: brute-force agreement, ties, batching."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from seabed.geostats._search import (
    group_nodes,
    nearest_neighbors,
    plan_search,
    resolve_n_jobs,
    run_groups,
)


def brute(samples, nodes, k, max_distance=None):
    """Nearest first, ties by sample index; rows padded with -1."""
    k = len(samples) if k is None else min(k, len(samples))
    out = np.full((len(nodes), k), -1)
    for i, node in enumerate(nodes):
        d2 = ((samples - node) ** 2).sum(axis=1)
        order = np.lexsort((np.arange(len(samples)), d2))
        if max_distance is not None:
            order = order[d2[order] <= max_distance**2]
        order = order[:k]
        out[i, : len(order)] = order
    return out


@pytest.fixture(scope="module")
def lattice():
    """Integer samples (many exact ties) and half-integer nodes."""
    rng = np.random.default_rng(11)
    samples = rng.integers(0, 40, size=(400, 2)).astype(float)
    samples = np.unique(samples, axis=0)[
        rng.permutation(len(np.unique(samples, axis=0)))
    ]
    nodes = rng.integers(-5, 45, size=(1500, 2)) + 0.5 * rng.integers(
        0, 2, size=(1500, 2)
    )
    return samples, nodes.astype(float)


@pytest.mark.parametrize(
    ("k", "max_distance"), [(1, None), (8, None), (25, 6.0), (None, 4.5), (5000, None)]
)
def test_matches_brute_force_with_ties(lattice, k, max_distance):
    samples, nodes = lattice
    idx, dist = nearest_neighbors(samples, nodes, k, max_distance)
    expected = brute(samples, nodes, k, max_distance)
    np.testing.assert_array_equal(idx, expected)
    valid = expected >= 0
    ref = np.hypot(*(samples[expected] - nodes[:, None, :]).transpose(2, 0, 1))
    np.testing.assert_allclose(dist[valid], ref[valid], rtol=1e-15)
    assert np.all(np.isinf(dist[~valid]))


def test_symmetric_tie_takes_lowest_indices():
    square = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    for perm in ([0, 1, 2, 3], [3, 1, 0, 2]):
        idx, dist = nearest_neighbors(square[perm], np.zeros((1, 2)), 3)
        assert idx.tolist() == [[0, 1, 2]]
        np.testing.assert_allclose(dist, np.sqrt(2))


def test_batching_does_not_change_neighbours(lattice):
    samples, nodes = lattice
    whole, _ = nearest_neighbors(samples, nodes, 12, 9.0)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(nodes))
    for part in np.array_split(perm, 7):
        idx, _ = nearest_neighbors(samples, nodes[part], 12, 9.0)
        np.testing.assert_array_equal(idx, whole[part])


def test_groups_partition_the_nodes(lattice):
    _, nodes = lattice
    order, ptr = group_nodes(nodes, group_size=50)
    assert sorted(order.tolist()) == list(range(len(nodes)))
    assert ptr[0] == 0 and ptr[-1] == len(nodes) and np.all(np.diff(ptr) > 0)
    assert np.diff(ptr).mean() == pytest.approx(50, rel=0.5)
    # degenerate layouts: one point, a line
    assert group_nodes(np.zeros((5, 2)))[1].tolist() == [0, 5]
    line = np.column_stack([np.arange(200.0), np.zeros(200)])
    assert len(group_nodes(line, 20)[1]) - 1 == 10
    # a crowded cell is cut into groups of at most 4 x group_size nodes
    crowd = np.vstack([np.random.default_rng(1).uniform(0, 1, (500, 2)), [[1e6, 1e6]]])
    _, ptr = group_nodes(crowd, group_size=10)
    assert np.diff(ptr).max() <= 40 and ptr[-1] == 501


@pytest.mark.parametrize("leave_one_out", [False, True])
def test_candidates_hold_every_true_neighbour(lattice, leave_one_out):
    samples, nodes = lattice
    k = 10
    plan = plan_search(
        cKDTree(samples),
        nodes,
        n_neighbors=k,
        max_distance=None,
        leave_one_out=leave_one_out,
        group_size=100,
    )
    extra = int(leave_one_out)
    truth = brute(samples, nodes, k + extra)
    for g in range(plan.n_groups):
        cand = plan.cand_idx[plan.cand_lo[g] : plan.cand_hi[g]]
        assert np.all(np.diff(cand) > 0)  # ascending sample index
        members = plan.order[plan.group_ptr[g] : plan.group_ptr[g + 1]]
        assert np.isin(truth[members], cand).all()


def test_global_plan_shares_one_candidate_list(lattice):
    samples, nodes = lattice
    plan = plan_search(cKDTree(samples), nodes, n_neighbors=None, max_distance=None)
    assert len(plan.cand_idx) == len(samples)
    assert np.all(plan.cand_lo == 0) and np.all(plan.cand_hi == len(samples))


def test_threads_cover_every_group(lattice):
    samples, nodes = lattice
    plan = plan_search(
        cKDTree(samples), nodes, n_neighbors=4, max_distance=None, group_size=20
    )
    seen = np.zeros(plan.n_groups, dtype=int)

    def mark(lo, hi):
        seen[lo:hi] += 1

    run_groups(plan, 3, mark)
    assert np.all(seen == 1)


def test_resolve_n_jobs(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert resolve_n_jobs(None) == 1
    assert resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-1) == 8
    assert resolve_n_jobs(-2) == 7
