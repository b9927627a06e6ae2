"""Unconditional Gaussian fields by the spectral method (random Fourier features).

A stationary Gaussian field with a given covariance is drawn as a sum of cosines
whose frequencies follow the covariance's spectral density (Bochner's theorem),
plus a white noise for the nugget. A field is evaluated pointwise: its value at a
point depends only on the point's coordinates and the field's random stream, so
fields are the same whatever the tiling or the order of the points.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from seabed.geostats.variogram import Structure, Variogram

__all__ = ["spectral_frequencies"]

# Phase matrix elements (points x features) computed at once: bounds memory (~32 MB).
_PHASE_BLOCK = 4 * 2**20
# Spherical model: the 3-D spectral density of a ball's autocorrelation, tabulated
# on [0, _U_MAX] in the reduced frequency u = omega * range / 2; beyond it the
# density behaves as cos(u)^2 / u^2 and its tail is drawn in closed form.
_U_MAX = 2000.0
_U_NODES = 400_001
_SPHERICAL_NORM = math.pi / 6.0  # integral of (sin u - u cos u)^2 / u^4 over u > 0


def spectral_frequencies(
    structure: Structure, rng: np.random.Generator, n: int
) -> NDArray[np.float64]:
    """Draw ``n`` frequencies (radians per metre) from a structure's spectral density.

    By Bochner's theorem a stationary correlation ``rho(h)`` equals
    ``E[cos(w . h)]`` for ``w`` drawn from its normalised spectral density, so
    ``sum a_k cos(w_k . x) + b_k sin(w_k . x)`` with ``a_k, b_k ~ N(0, 1 / n)``
    has that correlation. The
    densities, for gstat's range parameter ``a``:

    - exponential and Matern (smoothness ``k``): ``(1 + a^2 |w|^2) ^ -(k + 1)``
      in 2-D, drawn by inverting its radial distribution
      ``1 - (1 + a^2 |w|^2) ^ -k``;
    - Gaussian ``exp(-(h/a)^2)``: ``w ~ N(0, 2 / a^2)`` per axis;
    - spherical: the model is the autocorrelation of a ball of diameter ``a``, so
      its 3-D spectral density is the squared Fourier transform of the ball,
      ``(sin u - u cos u)^2 / u^6`` with ``u = |w| a / 2``; 3-D frequencies are
      drawn (isotropic direction, tabulated radial law) and projected on the
      plane, which gives the model's restriction to 2-D.

    Anisotropy maps the frequencies back from the rotated and stretched space in
    which the structure is isotropic.

    Parameters
    ----------
    structure : Structure
        One nested structure of a :class:`~seabed.geostats.variogram.Variogram`.
    rng : numpy.random.Generator
    n : int
        Number of frequencies.

    Returns
    -------
    ndarray of shape (n, 2)
        Frequencies along (east, north).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = spectral_frequencies(Structure("exponential", 1.0, 500.0), rng, 200_000)
    >>> lag = np.array([500.0, 0.0])
    >>> round(float(np.cos(w @ lag).mean()), 2)    # exp(-500 / 500)
    0.37
    """
    a = structure.range
    if structure.model == "gaussian":
        unit = rng.standard_normal((n, 2)) * math.sqrt(2.0)
    elif structure.model in ("exponential", "matern"):
        kappa = 0.5 if structure.model == "exponential" else structure.kappa
        radius = np.sqrt(rng.random(n) ** (-1.0 / kappa) - 1.0)
        unit = radius[:, None] * _unit_circle(rng, n)
    else:  # spherical
        u = _spherical_radius(rng, n)
        cos_polar = rng.uniform(-1.0, 1.0, n)
        planar = 2.0 * u * np.sqrt(1.0 - cos_polar**2)  # |w| a, projected
        unit = planar[:, None] * _unit_circle(rng, n)
    unit /= a
    if structure.anis is None:
        return unit
    angle, ratio = structure.anis
    theta = math.radians(angle)
    # The correlation is isotropic in (along, across / ratio), a linear map T of
    # (east, north); a frequency w' there is T^T w' in (east, north).
    transform = np.array(
        [
            [math.sin(theta), math.cos(theta)],
            [math.cos(theta) / ratio, -math.sin(theta) / ratio],
        ]
    )
    return unit @ transform


def _unit_circle(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    return np.column_stack([np.cos(angle), np.sin(angle)])


@functools.cache
def _spherical_table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative radial law of the spherical model's 3-D spectral density."""
    u = np.linspace(0.0, _U_MAX, _U_NODES)
    uu = np.maximum(u, 1e-3)
    # series near 0 avoids cancellation: (sin u - u cos u) ~ u^3 / 3
    density = np.where(
        u < 1e-3, u**2 / 9.0, (np.sin(uu) - uu * np.cos(uu)) ** 2 / uu**4
    )
    steps = np.diff(u) * (density[1:] + density[:-1]) / 2.0
    cdf = np.concatenate([[0.0], np.cumsum(steps)]) / _SPHERICAL_NORM
    return u, cdf


def _spherical_radius(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    u_table, cdf = _spherical_table()
    p = rng.random(n)
    inside = p < cdf[-1]
    out = np.empty(n)
    out[inside] = np.interp(p[inside], cdf, u_table)
    # tail: P(U > t) ~ 1 / (2 t norm), matched to the table's end
    survival = 1.0 - p[~inside]
    out[~inside] = (1.0 - cdf[-1]) * _U_MAX / np.maximum(survival, 1e-300)
    return out


class GaussianField:
    """One unconditional standard Gaussian field, evaluable at any point."""

    def __init__(
        self, variogram: Variogram, seed: int, key: tuple[int, ...], n_features: int
    ) -> None:
        # realisation ``key`` has its own stream: the same whatever the batch
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
        frequencies, scales = [], []
        for structure in variogram.structures:
            frequencies.append(spectral_frequencies(structure, rng, n_features))
            scales.append(np.full(n_features, math.sqrt(structure.psill / n_features)))
        self.frequencies = (
            np.concatenate(frequencies) if frequencies else np.zeros((0, 2))
        )
        scale = np.concatenate(scales) if scales else np.zeros(0)
        # a cos + b sin with a, b ~ N(0, scale^2), which makes the field Gaussian
        # given the frequencies, written as one cosine: r cos(. + phase)
        a, b = scale * rng.standard_normal((2, len(scale)))
        self.weights = np.hypot(a, b)
        self.phases = np.arctan2(-b, a)
        self.nugget_sd = math.sqrt(variogram.nugget)
        self.nugget_key = np.uint64(rng.integers(0, 2**63, dtype=np.uint64))

    def __call__(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Values at the rows of ``X`` (origin-centred metres); row by row exact."""
        out = np.zeros(len(X))
        n_features = len(self.weights)
        step = max(1, _PHASE_BLOCK // max(n_features, 1))
        for start in range(0, len(X) * (n_features > 0), step):
            part = slice(start, start + step)
            phase = np.multiply.outer(X[part, 0], self.frequencies[:, 0])
            phase += np.multiply.outer(X[part, 1], self.frequencies[:, 1])
            phase += self.phases
            np.cos(phase, out=phase)
            phase *= self.weights
            # a reduction along each row: a row's value does not depend on the chunk
            out[part] = np.add.reduce(phase, axis=1)
        if self.nugget_sd > 0:
            out += self.nugget_sd * _hashed_normal(X, self.nugget_key)
        return out


def _splitmix64(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The SplitMix64 finaliser: a bijective, well-mixed hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        v = v + np.uint64(0x9E3779B97F4A7C15)
        v = (v ^ (v >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        v = (v ^ (v >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return v ^ (v >> np.uint64(31))


def _hashed_normal(X: NDArray[np.float64], key: np.uint64) -> NDArray[np.float64]:
    """Standard normal white noise keyed by the exact coordinates and a key.

    A nugget is independent from point to point; hashing the coordinates' bits
    (instead of drawing in node order) keeps it the same whatever the tiling.
    """
    bits = np.ascontiguousarray(X[:, :2], dtype=np.float64).view(np.uint64)
    h = _splitmix64(_splitmix64(bits[:, 0] ^ key) ^ bits[:, 1])
    uniform = ((h >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return ndtri(uniform)
