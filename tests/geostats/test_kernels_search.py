"""The compiled grouping and candidate search: the same as numpy's and scipy's."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from seabed.geostats._kernels import (
    _select_members,
    _swap_to_nearest,
    gather_candidates,
    group_circles,
    sample_cells,
    sort_by_key,
)
from seabed.geostats._search import group_nodes, run_chunks


def test_counting_sort_is_a_stable_argsort():
    rng = np.random.default_rng(3)
    for n_keys in (1, 7, 300):
        keys = rng.integers(0, n_keys, 5000).astype(np.uint64)
        order, bounds = sort_by_key(keys, n_keys)
        np.testing.assert_array_equal(order, np.argsort(keys, kind="stable"))
        runs = np.flatnonzero(np.diff(keys[order])) + 1
        np.testing.assert_array_equal(bounds, np.concatenate([[0], runs, [5000]]))


def _tree_candidates(samples, centres, radii, k, max_distance):
    """The candidate lists as the engine gathered them with scipy's tree."""
    tree = cKDTree(samples)
    reach = np.full(len(centres), np.inf)
    if k:
        reach = tree.query(centres, k=[k])[0][:, 0] + radii
    reach = np.minimum(reach, max_distance)
    radius = reach + radii
    radius += 1e-9 * (radius + np.abs(centres).max(axis=1) + 1.0)
    return tree.query_ball_point(centres, radius, return_sorted=True)


@pytest.mark.parametrize(
    ("layout", "k", "max_distance"),
    [
        ("uniform", 12, np.inf),
        ("uniform", 0, 9.0),
        ("uniform", 30, 6.0),
        ("clustered", 20, np.inf),
        ("line", 5, np.inf),
        # a survey line off straight by float noise: a box 2e-4 wide, 100 long
        ("thin line", 5, np.inf),
        ("thin line", 0, 9.0),
    ],
)
def test_candidates_are_those_of_a_tree(layout, k, max_distance):
    """Each group's candidates: the samples within min(d_k + R, max_distance)
    + R of its centre, ascending, as scipy's tree finds them; nodes reach
    beyond the samples on every side."""
    rng = np.random.default_rng(5)
    if layout == "uniform":
        samples = rng.uniform(0, 100, (700, 2))
    elif layout == "clustered":
        centres = rng.uniform(0, 100, (6, 2))
        samples = centres[rng.integers(0, 6, 700)] + rng.normal(0, 2, (700, 2))
    elif layout == "line":
        samples = np.column_stack([rng.uniform(0, 100, 300), np.full(300, 7.0)])
    else:
        samples = np.column_stack(
            [7.0 + rng.uniform(-1e-4, 1e-4, 300), rng.uniform(0, 100, 300)]
        )
    nodes = rng.uniform(-20, 120, (3000, 2))
    order, ptr = group_nodes(nodes, 40)
    centres, radii = group_circles(nodes[:, 0], nodes[:, 1], order, ptr)
    lo, hi, idx = gather_candidates(
        samples, sample_cells(samples), centres, radii, k, max_distance, 1e-9
    )
    expected = _tree_candidates(samples, centres, radii, k, max_distance)
    for g, want in enumerate(expected):
        assert idx[lo[g] : hi[g]].tolist() == want


def test_chunks_come_back_in_order_and_raise():
    def work(lo, hi, pool):
        if lo == 4:
            raise ValueError("chunk 4")
        return (lo, hi, pool is None)

    chunks = [(0, 2), (2, 3), (3, 4)]
    assert run_chunks(chunks, 1, work) == [(0, 2, True), (2, 3, True), (3, 4, True)]
    assert run_chunks(chunks, 2, work) == [(0, 2, False), (2, 3, False), (3, 4, False)]
    with pytest.raises(ValueError, match="chunk 4"):
        run_chunks([*chunks, (4, 6)], 2, work)


def test_swaps_reach_the_selection_of_the_k_nearest():
    """From any k valid candidates, swaps end at the choice of _select_members,
    ties by position included (distances on a coarse lattice tie often)."""
    rng = np.random.default_rng(8)
    n_swapped = 0
    for _ in range(400):
        nc, k = int(rng.integers(2, 40)), int(rng.integers(1, 20))
        d2 = rng.integers(0, 12, nc).astype(float)
        max_d2 = float(rng.choice([5.0, 8.0, np.inf]))
        cand = np.arange(nc)
        expected = np.zeros(nc, dtype=np.bool_)
        buf_d2, buf_pos = np.empty(k), np.empty(k, dtype=np.int64)
        n = _select_members(d2, cand, nc, -1, k, max_d2, buf_d2, buf_pos, expected)
        valid = np.flatnonzero(d2 <= max_d2)
        if n < k:  # the swaps start from k valid members
            continue
        member = np.zeros(nc, dtype=np.bool_)
        member[rng.choice(valid, k, replace=False)] = True
        inside = member.astype(float)
        assert _swap_to_nearest(d2, nc, max_d2, member, inside, nc)
        np.testing.assert_array_equal(member, expected)
        np.testing.assert_array_equal(inside, expected.astype(float))
        # too few swaps allowed: it says so, or it was already there
        again = np.zeros(nc, dtype=np.bool_)
        again[rng.choice(valid, k, replace=False)] = True
        if not _swap_to_nearest(d2, nc, max_d2, again, again.astype(float), 0):
            n_swapped += 1
        else:
            np.testing.assert_array_equal(again, expected)
    assert n_swapped > 50
