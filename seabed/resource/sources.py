"""Uncertainty beyond space: the sources a simulation's P10 / P50 / P90 can carry
besides the spatial one, and the tonnage factors of the density and the thickness.

The histogram's and the variogram's uncertainty and the grades' measurement
error are drawn by
:class:`~seabed.geostats.simulation.ConditionalSimulation` itself; the density and
the window's thickness scale each realisation's tonnes (:class:`TonnageUncertainty`).
Each source's share is the P10-P90 width with it alone beside the spatial one
(:func:`seabed.resource.simulate_resource`).
"""

from __future__ import annotations

from copy import copy as shallow_copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from seabed.exceptions import InputError
from seabed.geostats.simulation import ConditionalSimulation

__all__ = ["SOURCES", "TonnageUncertainty", "included_sources"]

#: Sources of uncertainty, in the order reported: the spatial one (always), those
#: of the simulation (histogram, variogram, grade measurement error), those of the
#: tonnes.
SOURCES = ("spatial", "histogram", "variogram", "grade_error", "density", "thickness")


# tonnes columns that scale with the density and the thickness
_TONNES = ["ore_t", "rey_t", "treo_t"]


# tags of the random streams of the tonnage sources (see TonnageUncertainty)
_DENSITY_STREAM, _THICKNESS_STREAM = 3, 4


@dataclass(frozen=True)
class TonnageUncertainty:
    """Uncertainty of the dry density and of the window's thickness.

    Both multiply the tonnes of every cell by a factor drawn once per
    realisation (the grades and the area do not change): the density and the
    thickness of a deposit are known to within a systematic error, the same
    everywhere, which does not average out over cells.

    Parameters
    ----------
    density_range_t_m3 : (float, float), optional
        The dry density lies anywhere in this range (uniform). Read as a
        relative spread around the density of the statement: a draw ``d`` scales
        the tonnes by ``d`` over the range's midpoint.
    density_values_t_m3 : sequence of float, optional
        The cores' dry densities: each realisation scales the tonnes by the mean
        of a bootstrap resample of them over their mean (the uncertainty of a
        mean density estimated from these cores).
    thickness_relative_sd : float
        Relative standard deviation of the window's thickness (factor
        ``1 + sd * N(0, 1)``, kept >= 0).

    Examples
    --------
    >>> spread = TonnageUncertainty(density_range_t_m3=(0.5, 0.6))
    >>> factors = spread.factors(seed=1, n_realizations=1000)
    >>> sorted(factors), bool(0.9 < factors["density"].min() < 0.92)
    (['density'], True)
    """

    density_range_t_m3: tuple[float, float] | None = None
    density_values_t_m3: tuple[float, ...] | None = None
    thickness_relative_sd: float = 0.0

    def __post_init__(self) -> None:
        if self.density_range_t_m3 is not None and self.density_values_t_m3:
            raise InputError(
                "give a density range or the cores' densities, not both",
                column="simulation.density_range_t_m3",
            )
        low, high = self.density_range_t_m3 or (1.0, 1.0)
        if not 0 < low <= high:
            raise InputError(
                f"density range ({low:g}, {high:g}) is not 0 < low <= high",
                column="simulation.density_range_t_m3",
            )
        if self.thickness_relative_sd < 0:
            raise InputError(
                "thickness_relative_sd must be >= 0",
                column="simulation.thickness_relative_sd",
            )

    def factors(self, seed: int, n_realizations: int) -> dict[str, NDArray]:
        """Per source switched on, the factor of the tonnes of each realisation."""
        out = {}
        if self.density_range_t_m3 is not None:
            low, high = self.density_range_t_m3
            draws = _stream(seed, _DENSITY_STREAM).uniform(low, high, n_realizations)
            out["density"] = draws / ((low + high) / 2)
        elif self.density_values_t_m3:
            values = np.asarray(self.density_values_t_m3, dtype=float)
            picks = _stream(seed, _DENSITY_STREAM).integers(
                0, len(values), (n_realizations, len(values))
            )
            out["density"] = values[picks].mean(axis=1) / values.mean()
        if self.thickness_relative_sd > 0:
            noise = _stream(seed, _THICKNESS_STREAM).standard_normal(n_realizations)
            out["thickness"] = np.maximum(1.0 + self.thickness_relative_sd * noise, 0.0)
        return out


def _stream(seed: int, tag: int) -> np.random.Generator:
    """The random stream of one tonnage source: drawn whole, so block-invariant."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, tag)))


def _alone(
    simulation: ConditionalSimulation, source: str | None
) -> ConditionalSimulation:
    """A fitted copy of ``simulation`` with only one of its sources (None: none)."""
    copy = shallow_copy(simulation)  # fitted attributes shared, not refitted
    if source != "histogram":
        copy.histogram_uncertainty = False
    if source != "variogram":
        copy.variogram_uncertainty, copy.variograms_ = False, []
    if source != "grade_error":
        copy.grade_relative_sd = 0.0
    return copy


def _scaled(table: pd.DataFrame, factors: dict[str, NDArray]) -> pd.DataFrame:
    """Per-realisation rows with their tonnes multiplied by the given factors."""
    if not factors or len(table) == 0:
        return table
    factor = np.prod(list(factors.values()), axis=0)[table["realization"].to_numpy()]
    out = table.copy()
    out[_TONNES] = out[_TONNES].to_numpy() * factor[:, None]
    return out


def _tonnage_record(tonnage: TonnageUncertainty | None) -> dict[str, Any]:
    if tonnage is None:
        return {}
    return {
        "density_range_t_m3": None
        if tonnage.density_range_t_m3 is None
        else list(tonnage.density_range_t_m3),
        "density_values_t_m3": None
        if not tonnage.density_values_t_m3
        else list(tonnage.density_values_t_m3),
        "thickness_relative_sd": tonnage.thickness_relative_sd,
    }


def included_sources(method: dict[str, Any]) -> list[str]:
    """The sources of uncertainty a simulated statement carries, from its method
    record (``SimulatedResource.method``), in the order of :data:`SOURCES`.

    Examples
    --------
    >>> included_sources({"histogram_uncertainty": True, "grade_relative_sd": 0.0})
    ['spatial', 'histogram']
    """
    on = {
        "spatial": True,
        "histogram": bool(method.get("histogram_uncertainty")),
        "variogram": bool(method.get("variogram_uncertainty")),
        "grade_error": bool(method.get("grade_relative_sd")),
        "density": bool(
            method.get("density_range_t_m3") or method.get("density_values_t_m3")
        ),
        "thickness": bool(method.get("thickness_relative_sd")),
    }
    return [name for name in SOURCES if on[name]]
