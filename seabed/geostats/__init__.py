"""Geostatistics: variogram models, experimental variograms, fitting and kriging.

Everything here is plain numpy/scipy (numba for the kriging kernel) and writes no file.
Variogram parameters follow R gstat's ``vgm()`` conventions. Fitted estimators grid
themselves to an xarray Dataset with ``.grid()`` (:mod:`seabed.geostats.gridding`,
lazily with dask for a chunked template).
"""

from seabed.geostats._search import nearest_neighbors
from seabed.geostats.change_of_support import (
    DiscreteGaussianModel,
    HermiteAnamorphosis,
    mean_block_covariance,
)
from seabed.geostats.experimental import ExperimentalVariogram, experimental_variogram
from seabed.geostats.fitting import FitInfo, fit_variogram
from seabed.geostats.idw import InverseDistanceWeighting
from seabed.geostats.kriging import (
    OrdinaryKriging,
    RegressionKriging,
    SimpleKriging,
    UniversalKriging,
)
from seabed.geostats.model_selection import auto_variogram, fittable_variogram
from seabed.geostats.normal_scores import NormalScoreTransform
from seabed.geostats.plot import plot_variogram
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.support import block_discretization
from seabed.geostats.validation import (
    CrossValidation,
    cross_validate_kriging,
    leave_one_out,
    summarize,
)
from seabed.geostats.variogram import Structure, Variogram

__all__ = [
    "ConditionalSimulation",
    "CrossValidation",
    "DiscreteGaussianModel",
    "ExperimentalVariogram",
    "FitInfo",
    "HermiteAnamorphosis",
    "InverseDistanceWeighting",
    "NormalScoreTransform",
    "OrdinaryKriging",
    "RegressionKriging",
    "SimpleKriging",
    "Structure",
    "UniversalKriging",
    "Variogram",
    "auto_variogram",
    "block_discretization",
    "cross_validate_kriging",
    "experimental_variogram",
    "fit_variogram",
    "fittable_variogram",
    "leave_one_out",
    "mean_block_covariance",
    "nearest_neighbors",
    "plot_variogram",
    "summarize",
]
