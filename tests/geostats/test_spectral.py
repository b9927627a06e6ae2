"""Tests of seabed.geostats.spectral: frequencies drawn from spectral densities."""

from __future__ import annotations

import numpy as np
import pytest

from seabed.geostats import Variogram
from seabed.geostats.spectral import spectral_frequencies
from seabed.geostats.variogram import Structure


@pytest.mark.parametrize(
    "structure",
    [
        Structure("spherical", 1.0, 1000.0),
        Structure("exponential", 1.0, 300.0),
        Structure("gaussian", 1.0, 500.0),
        Structure("matern", 1.0, 300.0, kappa=1.5),
        Structure("spherical", 1.0, 1000.0, anis=(30.0, 0.5)),
    ],
    ids=["sph", "exp", "gau", "mat", "sph-anis"],
)
def test_spectral_frequencies_reproduce_the_correlation(structure) -> None:
    w = spectral_frequencies(structure, np.random.default_rng(1), 200_000)
    lags = np.array([[100.0, 0.0], [400.0, 0.0], [0.0, 800.0], [600.0, 600.0]])
    empirical = np.cos(w @ lags.T).mean(axis=0)
    model = Variogram(structures=[structure]).covariance(lags[:, 0], lags[:, 1])
    # Monte Carlo error of 200,000 draws: ~0.002
    np.testing.assert_allclose(empirical, model, atol=0.01)
