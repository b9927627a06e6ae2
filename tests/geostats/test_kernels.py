"""The eight-lane arithmetic of the kernels: the bits of the scalar code."""

import math

import numpy as np
import pytest
from numba import njit

from seabed.geostats import _lanes
from seabed.geostats._kernels import (
    _cholesky_upper,
    _solve_rows_transposed,
    exp_negative,
    padded,
)


@njit
def _exp_in_lanes(x, out):
    for i in range(0, x.shape[0], _lanes.WIDTH):
        _lanes.store(out, i, _lanes.exp_negative(_lanes.load(x, i)))


@njit
def _exp_one_by_one(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_negative(x[i])


@njit
def _cholesky(M, n, diag):
    return _cholesky_upper(M, n, 1e-12, diag)


@njit
def _forward(U, n, X, row):
    _solve_rows_transposed(U, n, X, row)


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
