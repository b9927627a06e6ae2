"""Experimental variograms against R gstat's variogram() and hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from seabed.exceptions import InputError
from seabed.geostats import experimental
from seabed.geostats.experimental import (
    ExperimentalVariogram,
    default_cutoff,
    experimental_variogram,
)

# gstat and seabed do the same arithmetic; only summation order differs
RTOL = 1e-12


def assert_matches_gstat(ev: ExperimentalVariogram, reference) -> None:
    frame = ev.to_frame()
    assert list(frame.columns) == ["np", "dist", "gamma", "dir_hor"]
    assert_array_equal(frame["np"], reference["np"])
    assert_allclose(frame["dist"], reference["dist"], rtol=RTOL)
    assert_allclose(frame["gamma"], reference["gamma"], rtol=RTOL)
    assert_array_equal(frame["dir_hor"], reference["dir_hor"])


def test_omnidirectional_defaults_match_gstat(meuse_xy_log_zinc, gstat_reference):
    X, y = meuse_xy_log_zinc
    ev = experimental_variogram(X, y)
    assert_matches_gstat(ev, gstat_reference("variogram_omni"))
    boundaries = gstat_reference("variogram_omni_boundaries")["boundary"]
    assert_allclose(ev.boundaries, boundaries, rtol=RTOL)
    assert ev.cutoff == pytest.approx(1596.6066497284619, rel=RTOL)
    assert ev.width == pytest.approx(ev.cutoff / 15, rel=RTOL)


def test_four_directions_match_gstat(meuse_xy_log_zinc, gstat_reference):
    X, y = meuse_xy_log_zinc
    ev = experimental_variogram(X, y, direction=[0, 45, 90, 135])
    assert_matches_gstat(ev, gstat_reference("variogram_directional"))
    assert ev.directions == (0.0, 45.0, 90.0, 135.0)
    assert ev.tolerance == 22.5


def test_narrow_direction_keeps_edge_pairs_as_gstat(meuse_xy_log_zinc, gstat_reference):
    # meuse has pairs at exactly 45 degrees, on the edge of 30 +- 15 degrees
    X, y = meuse_xy_log_zinc
    ev = experimental_variogram(X, y, direction=30.0, tolerance=15.0)
    assert_matches_gstat(ev, gstat_reference("variogram_alpha30_tol15"))


def test_cutoff_and_width_match_gstat(meuse_xy_log_zinc, gstat_reference):
    X, y = meuse_xy_log_zinc
    ev = experimental_variogram(X, y, cutoff=1000.0, width=50.0)
    assert_matches_gstat(ev, gstat_reference("variogram_cutoff1000_width50"))


def test_lags_on_bin_edges_and_coincident_points_match_gstat(gstat_reference):
    lattice = gstat_reference("lattice")
    X = lattice[["x", "y"]].to_numpy(dtype=float)
    ev = experimental_variogram(X, lattice["z"].to_numpy(), cutoff=400.0, width=100.0)
    assert_matches_gstat(ev, gstat_reference("variogram_lattice"))
    # (0, 100] holds the 60 lattice pairs at 100 m, the repeated point's 2 pairs at
    # 100 m and the coincident pair itself
    assert ev.np[0] == 63


def test_hand_computed_bins():
    # lags: 0-1 100, 0-2 200, 0-3 100, 1-2 100, 1-3 141.4, 2-3 223.6 (> cutoff)
    X = np.array([[0.0, 0.0], [0.0, 100.0], [0.0, 200.0], [100.0, 0.0]])
    y = np.array([1.0, 2.0, 4.0, 1.5])
    ev = experimental_variogram(X, y, cutoff=200.0, width=100.0)
    assert_array_equal(ev.np, [3, 2])
    assert_allclose(ev.gamma, [(1 + 0.25 + 4) / 6, (9 + 0.25) / 4])
    assert_allclose(ev.dist, [100.0, (200 + 100 * np.sqrt(2)) / 2])
    assert_array_equal(ev.boundaries, [0.0, 100.0, 200.0])


def test_pair_at_exactly_the_cutoff_is_kept():
    X = np.array([[0.0, 0.0], [0.0, 300.0]])
    ev = experimental_variogram(X, [0.0, 2.0], cutoff=300.0, width=100.0)
    assert_array_equal(ev.np, [1])
    assert_array_equal(ev.dist, [300.0])
    assert_array_equal(ev.gamma, [2.0])


def test_directions_split_pairs_by_azimuth():
    # values change north-south only: gamma is zero east-west
    X = np.array([[x, y] for x in (0.0, 100.0, 200.0) for y in (0.0, 100.0, 200.0)])
    y = X[:, 1] / 100.0
    ev = experimental_variogram(X, y, cutoff=100.0, width=100.0, direction=[0, 90])
    assert_array_equal(ev.dir_hor, [0.0, 90.0])
    assert_array_equal(ev.np, [6, 6])
    assert_allclose(ev.gamma, [0.5, 0.0])


def test_wide_tolerance_is_omnidirectional(meuse_xy_log_zinc):
    X, y = meuse_xy_log_zinc
    omni = experimental_variogram(X, y)
    wide = experimental_variogram(X, y, direction=10.0, tolerance=90.0)
    assert_array_equal(wide.np, omni.np)
    assert_allclose(wide.gamma, omni.gamma, rtol=RTOL)


def test_blocks_do_not_change_the_result(meuse_xy_log_zinc, monkeypatch):
    X, y = meuse_xy_log_zinc
    whole = experimental_variogram(X, y, direction=[0, 90])
    monkeypatch.setattr(experimental, "_BLOCK_ELEMENTS", 500)  # 3 rows per block
    blocked = experimental_variogram(X, y, direction=[0, 90])
    assert_array_equal(blocked.np, whole.np)
    assert_allclose(blocked.gamma, whole.gamma, rtol=RTOL)
    assert_allclose(blocked.dist, whole.dist, rtol=RTOL)


def test_bins_sets_the_width():
    X = np.array([[0.0, 0.0], [0.0, 50.0], [0.0, 90.0]])
    ev = experimental_variogram(X, [0.0, 1.0, 3.0], cutoff=90.0, bins=3)
    assert ev.width == 30.0
    assert_array_equal(ev.np, [2, 1])  # 40 and 50 m in (30, 60], 90 m in (60, 90]


def test_default_cutoff_is_gstats_fraction_of_the_diagonal():
    assert default_cutoff([[0.0, 0.0], [300.0, 400.0]]) == pytest.approx(166.665)
    assert default_cutoff([[5.0, 5.0], [5.0, 5.0]]) == 1.0


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (np.zeros((3, 3)), np.zeros(3), {}, "shape \\(n, 2\\)"),
        (np.zeros((3, 2)), np.zeros(4), {}, "values must have shape \\(3,\\)"),
        ([[0, 0], [1, 1], [np.nan, 2]], [1, 2, 3], {}, "row 3, column 'X'"),
        ([[0, 0], [1, 1], [2, 2]], [1, np.inf, 3], {}, "row 2, column 'y'"),
        ([[0, 0]], [1], {}, "at least 2 samples"),
        ([[0, 0], [1, 1]], [1, 2], {"cutoff": -1}, "cutoff must be a positive"),
        ([[0, 0], [1, 1]], [1, 2], {"width": 0}, "width must be a positive"),
        ([[0, 0], [1, 1]], [1, 2], {"width": 1, "bins": 3}, "either width or bins"),
        ([[0, 0], [1, 1]], [1, 2], {"bins": 0}, "bins must be a positive integer"),
        ([[0, 0], [1, 1]], [1, 2], {"width": 1e-9}, "more than a million bins"),
        ([[0, 0], [1, 1]], [1, 2], {"direction": np.nan}, "directions must be"),
        ([[0, 0], [1, 1]], [1, 2], {"direction": "north"}, "directions must be"),
        ([[0, 0], [1, 1]], [1, 2], {"direction": []}, "directions must be"),
        ([[0, 0], [10, 10]], [1, 2], {"cutoff": 5}, "no pair of samples"),
        (
            [[0, 0], [0, 10]],
            [1, 2],
            {"cutoff": 20, "direction": 90},
            "in the directions asked for",
        ),
    ],
)
def test_bad_input_raises_input_error(X, y, kwargs, match):
    with pytest.raises(InputError, match=match):
        experimental_variogram(X, y, **kwargs)
