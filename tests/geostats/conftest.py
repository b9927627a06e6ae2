"""Fixtures for the geostatistics tests: the meuse data and R gstat's reference values.

The reference files live in ``tests/reference/gstat`` (see its README.md); they are
made by ``make_reference.R`` and committed, so no test runs R.

Fixtures
--------
gstat_reference
    A loader: ``gstat_reference("krige_ok_global")`` returns that CSV as a DataFrame.
meuse
    The meuse samples (``sp::meuse`` plus ``log_zinc``) as a DataFrame.
meuse_xy_log_zinc
    ``(X, y)``: an (155, 2) array of coordinates in metres and log(zinc).
meuse_grid
    The 3,103 nodes of ``sp::meuse.grid`` (x, y, dist).
gstat_models
    The variogram models used for the kriging references, as
    :class:`~seabed.geostats.variogram.Variogram` objects keyed ``"sph"`` (fitted
    spherical) and ``"anis"`` (same with ``anis=(30, 0.5)``).
gstat_sk_mean
    The mean used for simple kriging (mean of log zinc).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seabed.geostats.variogram import Variogram

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference" / "gstat"


@cache
def _read_reference(name: str) -> pd.DataFrame:
    path = REFERENCE_DIR / f"{name}.csv"
    if not path.exists():
        available = sorted(p.stem for p in REFERENCE_DIR.glob("*.csv"))
        raise FileNotFoundError(f"no gstat reference {name!r}; have {available}")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def gstat_reference() -> Callable[[str], pd.DataFrame]:
    """Load a reference table by name (file stem); each call returns a fresh copy."""

    def load(name: str) -> pd.DataFrame:
        return _read_reference(name).copy()

    return load


@pytest.fixture(scope="session")
def gstat_fit() -> Callable[[str], tuple[float, float, float, float]]:
    """(nugget, psill, range, SSErr) of one of gstat's fits in fit_variogram.csv."""
    reference = _read_reference("fit_variogram")

    def parameters(case: str) -> tuple[float, float, float, float]:
        rows = reference[reference["case"] == case]
        nugget = rows.loc[rows["model"] == "Nug", "psill"].sum()
        structure = rows[rows["model"] != "Nug"].iloc[0]
        return nugget, structure["psill"], structure["range"], structure["sserr"]

    return parameters


@pytest.fixture(scope="session")
def meuse() -> pd.DataFrame:
    return _read_reference("meuse").copy()


@pytest.fixture(scope="session")
def meuse_xy_log_zinc() -> tuple[np.ndarray, np.ndarray]:
    data = _read_reference("meuse")
    return data[["x", "y"]].to_numpy(dtype=float), data["log_zinc"].to_numpy()


@pytest.fixture(scope="session")
def meuse_grid() -> pd.DataFrame:
    return _read_reference("meuse_grid").copy()


@pytest.fixture(scope="session")
def gstat_models() -> dict[str, Variogram]:
    models = {}
    for row in _read_reference("kriging_models").itertuples():
        anis = None if np.isnan(row.anis_angle) else (row.anis_angle, row.anis_ratio)
        models[row.name] = Variogram(
            model=row.model,
            psill=row.psill,
            range=row.range,
            nugget=row.nugget,
            anis=anis,
        )
    return models


@pytest.fixture(scope="session")
def gstat_sk_mean() -> float:
    return float(_read_reference("kriging_models")["sk_mean"].iloc[0])
