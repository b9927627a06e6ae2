"""The kriging benchmark case: seeded samples, a regular grid and one variogram.

Every tool in the benchmark kriges the same samples at the same grid nodes with the
same exponential-plus-nugget model. The model is written once here, in R gstat's
``vgm()`` terms (``C(h) = psill exp(-h / a)``, plus the nugget at ``h = 0``), and
translated into each tool's own parameters:

- seabed ``Variogram("exponential", range=a)`` and gstat ``vgm(psill, "Exp", a,
  nugget)`` use ``a`` itself;
- PyKrige's ``"exponential"`` model is ``psill (1 - exp(-h / (range / 3))) + nugget``,
  so its ``range`` is ``3 a``;
- GSTools' ``Exponential`` is ``exp(-h / len_scale)`` (``rescale`` 1), so
  ``len_scale`` is ``a``; its ``var`` is the partial sill.

Examples
--------
>>> case = make_case(n_samples=50, n_side=20, seed=1)
>>> case.samples_xy_m.shape, case.nodes(rows=slice(0, 2)).shape
((50, 2), (40, 2))
>>> case.grid_x_m[:3].tolist()  # cell centres, 5 km cells over the 100 km square
[2500.0, 7500.0, 12500.0]
>>> pykrige_parameters(case)["range"] == 3 * case.range_m
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "KrigingCase",
    "gstools_model",
    "load_case",
    "make_case",
    "pykrige_parameters",
    "save_case",
    "seabed_variogram",
    "smooth_field",
]


@dataclass(frozen=True)
class KrigingCase:
    """Samples, grid and variogram shared by every tool.

    Attributes
    ----------
    samples_xy_m : ndarray of shape (n, 2)
        Sample easting and northing, metres.
    rey_ppm : ndarray of shape (n,)
        Sample values: a smooth field plus white noise.
    grid_x_m, grid_y_m : ndarray
        Cell-centre coordinates of the grid columns and rows, metres; nodes are
        ordered row by row, x fastest (``numpy.meshgrid(...).ravel()``).
    psill_ppm2, range_m, nugget_ppm2 : float
        Exponential model in gstat's terms: ``C(h) = psill exp(-h / range)``.
    seed : int
        Seed of the samples.
    """

    samples_xy_m: NDArray[np.float64]
    rey_ppm: NDArray[np.float64]
    grid_x_m: NDArray[np.float64]
    grid_y_m: NDArray[np.float64]
    psill_ppm2: float
    range_m: float
    nugget_ppm2: float
    seed: int

    @property
    def n_nodes(self) -> int:
        """Number of grid nodes."""
        return len(self.grid_x_m) * len(self.grid_y_m)

    def nodes(self, rows: slice = slice(None)) -> NDArray[np.float64]:
        """Node coordinates (m, 2) of the grid rows ``rows``, x fastest."""
        xx, yy = np.meshgrid(self.grid_x_m, self.grid_y_m[rows])
        return np.column_stack([xx.ravel(), yy.ravel()])

    def describe(self) -> dict[str, Any]:
        """The case's parameters (not its arrays), for the results file."""
        extent = float(self.grid_x_m[-1] - self.grid_x_m[0]) + self.spacing_m
        return {
            "n_samples": len(self.rey_ppm),
            "grid_shape": [len(self.grid_y_m), len(self.grid_x_m)],
            "n_nodes": self.n_nodes,
            "spacing_m": self.spacing_m,
            "extent_m": extent,
            "model": "exponential (gstat vgm conventions)",
            "psill_ppm2": self.psill_ppm2,
            "range_m": self.range_m,
            "nugget_ppm2": self.nugget_ppm2,
            "seed": self.seed,
            "mean_rey_ppm": float(self.rey_ppm.mean()),
        }

    @property
    def spacing_m(self) -> float:
        """Node spacing, metres."""
        return float(self.grid_x_m[1] - self.grid_x_m[0])


def smooth_field(
    x_m: NDArray[np.float64], y_m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """A smooth REY grade surface (ppm) over the 100 km square: waves plus one bump.

    Examples
    --------
    >>> round(float(smooth_field(np.array([0.0]), np.array([0.0]))[0]), 3)
    900.0
    """
    waves = (
        180.0 * np.sin(2 * np.pi * x_m / 40_000.0) * np.cos(2 * np.pi * y_m / 65_000.0)
    )
    bump = 250.0 * np.exp(
        -((x_m - 30_000.0) ** 2 + (y_m - 70_000.0) ** 2) / 2 / 12_000.0**2
    )
    return 900.0 + waves + bump


def make_case(
    n_samples: int = 2000,
    n_side: int = 1000,
    extent_m: float = 100_000.0,
    seed: int = 20180605,
    noise_ppm: float = 50.0,
) -> KrigingCase:
    """Seeded samples, uniformly random in a square, and the square's regular grid.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    n_side : int
        Grid nodes per side (cell centres; ``extent_m / n_side`` apart).
    extent_m : float
        Side of the square, metres.
    seed : int
        Seed of the sample positions and noise.
    noise_ppm : float
        Standard deviation of the white noise (the nugget is its variance).

    Returns
    -------
    KrigingCase
    """
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, extent_m, size=(n_samples, 2))
    values = smooth_field(xy[:, 0], xy[:, 1]) + rng.normal(0.0, noise_ppm, n_samples)
    spacing = extent_m / n_side
    centres = (np.arange(n_side, dtype=np.float64) + 0.5) * spacing
    return KrigingCase(
        samples_xy_m=xy,
        rey_ppm=values,
        grid_x_m=centres,
        grid_y_m=centres.copy(),
        psill_ppm2=20_000.0,
        range_m=12_000.0,
        nugget_ppm2=noise_ppm**2,
        seed=seed,
    )


def save_case(case: KrigingCase, folder: Path) -> None:
    """Write the case for the workers: ``case.npz``, and raw float64 files for R.

    The raw files are little-endian float64: ``samples.bin`` holds x, then y, then
    values (column after column), ``grid_x.bin`` and ``grid_y.bin`` the grid
    coordinates, ``model.bin`` psill, range and nugget.
    """
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {k: np.asarray(v) for k, v in asdict(case).items()}
    np.savez(folder / "case.npz", **arrays)
    little = np.dtype("<f8")
    samples = np.concatenate(
        [case.samples_xy_m[:, 0], case.samples_xy_m[:, 1], case.rey_ppm]
    )
    samples.astype(little).tofile(folder / "samples.bin")
    case.grid_x_m.astype(little).tofile(folder / "grid_x.bin")
    case.grid_y_m.astype(little).tofile(folder / "grid_y.bin")
    model = np.array([case.psill_ppm2, case.range_m, case.nugget_ppm2])
    model.astype(little).tofile(folder / "model.bin")


def load_case(folder: Path) -> KrigingCase:
    """Read a case written by :func:`save_case`."""
    with np.load(folder / "case.npz") as data:
        return KrigingCase(
            samples_xy_m=data["samples_xy_m"],
            rey_ppm=data["rey_ppm"],
            grid_x_m=data["grid_x_m"],
            grid_y_m=data["grid_y_m"],
            psill_ppm2=float(data["psill_ppm2"]),
            range_m=float(data["range_m"]),
            nugget_ppm2=float(data["nugget_ppm2"]),
            seed=int(data["seed"]),
        )


def seabed_variogram(case: KrigingCase) -> Any:
    """The case's model as a seabed ``Variogram`` (gstat conventions: range is a)."""
    from seabed.geostats import Variogram

    return Variogram(
        "exponential",
        psill=case.psill_ppm2,
        range=case.range_m,
        nugget=case.nugget_ppm2,
    )


def pykrige_parameters(case: KrigingCase) -> dict[str, float]:
    """PyKrige's ``variogram_parameters``: its exponential range is 3 a."""
    return {
        "psill": case.psill_ppm2,
        "range": 3.0 * case.range_m,
        "nugget": case.nugget_ppm2,
    }


def gstools_model(case: KrigingCase) -> Any:
    """GSTools' ``Exponential``: ``len_scale`` is a, ``var`` the partial sill."""
    import gstools

    return gstools.Exponential(
        dim=2, var=case.psill_ppm2, len_scale=case.range_m, nugget=case.nugget_ppm2
    )
