"""Exact nearest-neighbour search: brute-force agreement, ties, batching."""

import numpy as np
import pytest

from seabed.geostats._kernels import (
    _keeps_selection,
    _same_selection,
    _select_members,
    _select_nearest,
    cell_keys,
    group_circles,
    quadrant,
)
from seabed.geostats._search import (
    group_nodes,
    nearest_neighbors,
    plan_search,
    resolve_n_jobs,
    run_groups,
)


def sector_of(dx, dy):
    """gstat's quadrants as azimuth ranges [0, 90), [90, 180)... clockwise from
    north; a sample on the node counts with [90, 180) (select.c)."""
    azimuth = np.degrees(np.arctan2(dx, dy)) % 360.0
    return np.where((dx == 0) & (dy == 0), 1, (azimuth // 90).astype(int))


def brute(samples, nodes, k, max_distance=None, max_per_sector=None):
    """Nearest first, ties by sample index; rows padded with -1. With
    max_per_sector: of those, the nearest in each quadrant, still nearest first."""
    k = len(samples) if k is None else min(k, len(samples))
    out = np.full((len(nodes), k), -1)
    for i, node in enumerate(nodes):
        d2 = ((samples - node) ** 2).sum(axis=1)
        order = np.lexsort((np.arange(len(samples)), d2))
        if max_distance is not None:
            order = order[d2[order] <= max_distance**2]
        order = order[:k]
        if max_per_sector is not None:
            sector = sector_of(*(samples[order] - node).T)
            rank = np.array(
                [(sector[:j] == sector[j]).sum() for j in range(len(order))]
            )
            order = order[rank < max_per_sector]
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


@pytest.mark.parametrize(
    ("k", "max_distance", "per_sector"),
    [(8, None, 1), (12, None, 2), (25, 6.0, 3), (None, 4.5, 2), (30, None, 30)],
)
def test_sector_limits_match_brute_force(lattice, k, max_distance, per_sector):
    """Integer samples and (half-)integer nodes: many samples lie due north,
    east, south or west of a node, or on it, and many distances tie."""
    samples, nodes = lattice
    idx, _ = nearest_neighbors(samples, nodes, k, max_distance, per_sector)
    expected = brute(samples, nodes, k, max_distance, per_sector)
    np.testing.assert_array_equal(idx, expected)
    offsets = samples[expected] - nodes[:, None, :]
    on_axis = (expected >= 0) & ((offsets[..., 0] == 0) | (offsets[..., 1] == 0))
    assert on_axis.sum() > 100  # the axis convention is exercised


def test_quadrants_follow_gstat_on_the_axes():
    # due north, east, south, west of the node, and on it
    samples = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [-1.0, 0.0], [0.0, 0.0]])
    # gstat's numbers: 0 SW, 1 SE, 2 NW, 3 NE; north goes NE, east SE, and so on
    assert [quadrant(dx, dy) for dx, dy in samples] == [3, 1, 0, 2, 1]
    # the same partition by azimuth range (numbered clockwise from NE)
    np.testing.assert_array_equal(sector_of(*samples.T), [0, 1, 2, 3, 1])
    # one per quadrant: the sample on the node shares south-east with (1, 0)
    idx, _ = nearest_neighbors(samples, np.zeros((1, 2)), 5, max_per_sector=1)
    assert idx.tolist() == [[4, 0, 2, 3, -1]]


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
        samples,
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
    plan = plan_search(samples, nodes, n_neighbors=None, max_distance=None)
    assert len(plan.cand_idx) == len(samples)
    assert np.all(plan.cand_lo == 0) and np.all(plan.cand_hi == len(samples))


def test_threads_cover_every_group(lattice):
    samples, nodes = lattice
    plan = plan_search(samples, nodes, n_neighbors=4, max_distance=None, group_size=20)
    seen = np.zeros(plan.n_groups, dtype=int)

    def mark(lo, hi):
        seen[lo:hi] += 1

    run_groups(plan, 3, mark)
    assert np.all(seen == 1)


def test_resolve_n_jobs(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert resolve_n_jobs(None) == 8
    assert resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-1) == 8
    assert resolve_n_jobs(-2) == 7


@pytest.mark.parametrize(("k", "max_d2", "exclude"), [(8, np.inf, -1), (20, 30.0, 7)])
def test_dropping_the_farthest_keeps_the_nearest(k, max_d2, exclude):
    # integer squared distances: many ties, which go to the lower position
    rng = np.random.default_rng(5)
    for nc in (3, 9, 25, 40):
        d2 = rng.integers(0, 40, nc).astype(float)
        cand = np.arange(nc, dtype=np.int64)
        picked = []
        buffers = np.empty(k), np.empty(k, np.int64)
        for select in (_select_nearest, _select_members):
            member = np.zeros(nc, dtype=np.bool_)
            n = select(d2, cand, nc, exclude, k, max_d2, *buffers, member)
            assert n == member.sum()
            picked.append(member)
        np.testing.assert_array_equal(picked[0], picked[1])
        valid = (d2 <= max_d2) & (cand != exclude)
        order = np.lexsort((cand, d2))
        expected = order[valid[order]][:k]
        np.testing.assert_array_equal(np.flatnonzero(picked[1]), np.sort(expected))


def test_cell_keys_and_circles_match_numpy():
    rng = np.random.default_rng(2)
    nodes = rng.uniform(-3.0, 7.0, size=(500, 2))
    order, ptr = group_nodes(nodes, 16)
    # Z order over the cells: each group is one cell, cells in ascending key
    keys = cell_keys(nodes[:, 0], nodes[:, 1], -3.0, -3.0, 1.0, 10, 10)
    assert keys.max() < 2**8
    ix, iy = np.floor(nodes[:, 0] + 3.0), np.floor(nodes[:, 1] + 3.0)
    bits = [((ix.astype(int) >> b) & 1) << (2 * b) for b in range(4)]
    bits += [((iy.astype(int) >> b) & 1) << (2 * b + 1) for b in range(4)]
    np.testing.assert_array_equal(keys, np.sum(bits, axis=0))
    centres, radii = group_circles(nodes[:, 0], nodes[:, 1], order, ptr)
    for g in range(len(ptr) - 1):
        pts = nodes[order[ptr[g] : ptr[g + 1]]]
        centre = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
        np.testing.assert_array_equal(centres[g], centre)
        assert radii[g] == np.hypot(*(pts - centre).T).max()


def test_branch_free_check_agrees_with_the_exact_one():
    rng = np.random.default_rng(8)
    cand = np.arange(30, dtype=np.int64)
    outcomes = []

    def buffers(k):
        return np.empty(k), np.empty(k, np.int64)

    for trial in range(2000):
        d2 = rng.integers(0, 12, 30).astype(float)
        member = rng.random(30) < 0.5
        k = int(rng.integers(max(1, member.sum() - 2), member.sum() + 3))
        max_d2 = np.inf if trial % 2 else 9.0
        exclude = -1 if trial % 3 else int(rng.integers(30))
        if trial % 4 == 0:  # the true choice, perturbed at random below
            _select_nearest(d2, cand, 30, exclude, k, max_d2, *buffers(k), member)
            d2 = d2 + rng.integers(0, 2, 30) * (trial % 8 == 0)
        args = (d2, cand, 30, exclude, k, max_d2, member, int(member.sum()))
        outcomes.append(_keeps_selection(*args))
        assert outcomes[-1] == _same_selection(*args)
    assert 0.1 < np.mean(outcomes) < 0.9


def test_cores_on_a_survey_line_are_all_found():
    # ten cores 10 km apart on a line off straight by 5 cm: every node is kriged
    # from the cores within 50 km, as a dense solve per node finds them
    from seabed.geostats import OrdinaryKriging, Variogram

    variogram = Variogram("spherical", psill=2e4, range=3e4)
    cores = np.column_stack(
        [500_000.0 + np.array([0.0, 0.05] * 5), 2_432_500.0 + 10_000.0 * np.arange(10)]
    )
    grades = np.linspace(900.0, 1300.0, 10)
    nodes = np.column_stack(
        [np.full(99, 500_100.0), 2_532_500.0 - 1_000.0 * np.arange(99)]
    )
    kriging = OrdinaryKriging(variogram, max_distance=50_000.0)
    estimate = kriging.fit(cores, grades).predict(nodes)
    for node, value in zip(nodes, estimate, strict=True):
        near = np.hypot(*(cores - node).T) <= 50_000.0
        n = int(near.sum())
        system = np.ones((n + 1, n + 1))
        system[:n, :n] = variogram.covariance_matrix(cores[near])
        system[n, n] = 0.0
        right = np.append(variogram.covariance(*(cores[near] - node).T), 1.0)
        weights = np.linalg.solve(system, right)[:n]
        assert value == pytest.approx(weights @ grades[near], rel=1e-10)
