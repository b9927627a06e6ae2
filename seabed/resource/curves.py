"""Grade-tonnage curves over a continuous range of cut-offs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from seabed.exceptions import ConfigError
from seabed.resource.tonnage import _KM2_PER_M2, _PPM, _require, _values

__all__ = [
    "grade_tonnage",
]


# --------------------------------------------------------------------------- curves
def grade_tonnage(
    ds: xr.Dataset, *, step_ppm: float = 25.0, max_ppm: float | None = None
) -> pd.DataFrame:
    """Tonnes and mean grade above every cut-off from 0 to the highest block grade.

    One sort of the cells and cumulative sums from the richest down give all
    cut-offs at once; each row equals :func:`statement` at that cut-off (to
    rounding).

    Parameters
    ----------
    ds : xarray.Dataset
        The output of :func:`cell_tonnage`.
    step_ppm : float
        Spacing of the cut-offs.
    max_ppm : float, optional
        Highest cut-off; default: the highest estimated grade.

    Returns
    -------
    pandas.DataFrame
        ``cutoff_ppm``, ``area_km2``, ``ore_t``, ``rey_t``, ``treo_t``,
        ``mean_rey_ppm``, ``mean_treo_ppm``.

    Examples
    --------
    >>> import xarray as xr
    >>> cells = xr.Dataset({
    ...     "rey_ppm": (("y", "x"), [[300.0, 900.0]]),
    ...     "treo_ppm": (("y", "x"), [[360.0, 1080.0]]),
    ...     "cell_area_m2": (("y", "x"), [[1e6, 1e6]]),
    ...     "available_fraction": (("y", "x"), [[1.0, 1.0]]),
    ... })
    >>> from seabed.resource.tonnage import cell_tonnage
    >>> tonnes = cell_tonnage(cells, thickness_m=10.0, dry_density_t_m3=0.5)
    >>> curve = grade_tonnage(tonnes, step_ppm=300.0)
    >>> curve[["cutoff_ppm", "ore_t", "mean_rey_ppm"]].to_numpy().tolist()
    [[0.0, 10000000.0, 600.0], [300.0, 10000000.0, 600.0], [600.0, 5000000.0, 900.0], [900.0, 5000000.0, 900.0]]
    """
    _require(ds, ("rey_ppm", "ore_t", "rey_t", "treo_t", "cell_area_m2"))
    if not (np.isfinite(step_ppm) and step_ppm > 0):
        raise ConfigError(
            f"step {step_ppm!r} is not a positive number",
            column="resource.grade_tonnage_step_ppm",
            hint="give a cut-off spacing in ppm, e.g. 25",
        )
    grade = _values(ds.rey_ppm).ravel()
    keep = np.isfinite(grade)
    order = np.argsort(grade[keep], kind="stable")[::-1]  # richest first
    sorted_grade = grade[keep][order]
    area_m2 = _values(ds.cell_area_m2 * ds.available_fraction).ravel()[keep][order]
    sums = {
        "area_km2": np.cumsum(area_m2) * _KM2_PER_M2,
        **{
            name: np.cumsum(_values(ds[name]).ravel()[keep][order])
            for name in ("ore_t", "rey_t", "treo_t")
        },
    }
    top = float(sorted_grade[0]) if sorted_grade.size else 0.0
    highest = top if max_ppm is None else float(max_ppm)
    cutoffs = np.arange(0.0, highest + step_ppm, step_ppm)
    cutoffs = cutoffs[cutoffs <= max(highest, 0.0)]
    # cells at or above a cut-off are the first n of the descending order
    n_selected = np.searchsorted(-sorted_grade, -cutoffs, side="right")
    curve = pd.DataFrame({"cutoff_ppm": cutoffs})
    for name, cumulative in sums.items():
        padded = np.concatenate([[0.0], cumulative])
        curve[name] = padded[n_selected]
    with np.errstate(invalid="ignore", divide="ignore"):
        ore = curve["ore_t"].to_numpy()
        curve["mean_rey_ppm"] = np.where(ore > 0, curve["rey_t"] / ore / _PPM, np.nan)
        curve["mean_treo_ppm"] = np.where(ore > 0, curve["treo_t"] / ore / _PPM, np.nan)
    return curve
