"""The checks a reviewing geologist asks for, computed once by the run.

- **Declustering** of the used composites (cell declustering with its cell-size
  curve; nearest-neighbour weights over the available area as a check), and their
  raw and declustered statistics;
- **Top-cut review**: Parrish's decile test, the coefficient of variation and the
  effect of the configured top-cut (or of the 99th percentile);
- **Cross-validation** statistics (leave-one-out, which is leave-one-core-out: there
  is one composite per core), with the mean squared z-score's calibration range;
- **Directional variograms**: the model's range fitted along four azimuths, and a
  geometric anisotropy suggested when the shortest is below 0.7 of the longest;
- **Global bias**: the kriged mean grade over the available area against the
  nearest-neighbour (polygonal) mean over the same area, flagged beyond 5 %; the
  difference from the cell-declustered mean is given too (it is the check only
  when there is no grid to measure the nearest-neighbour mean on).
- **Swaths**: the kriged grade, the nearest-neighbour estimate and the
  declustered composites averaged in bands east-west, north-south and by depth
  slice; a **Q-Q** table of the kriged cells against the declustered composites;
  the **log-probability** points of the composites (before any top-cut);
- **Grouped-by-core cross-validation** when the depth slices give several
  composites per core: each core left out with all its slices at once.

Each doubtful figure becomes a plain sentence in ``notes``, for resource.json, the
printed statement and the report's banner.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.spatial import cKDTree

from seabed.estimation.review import directional_review
from seabed.geostats import Variogram
from seabed.geostats.declustering import (
    cell_declustering,
    polygonal_weights,
    weighted_quantiles,
    weighted_statistics,
)
from seabed.geostats.outliers import log_probability, top_cut_review
from seabed.geostats.validation import summarize

__all__ = [
    "GLOBAL_BIAS_LIMIT",
    "SKILL_FLOOR",
    "Z2_RANGE",
    "lattice_step",
    "nearest_neighbour_shares",
    "validation_summary",
]

#: Beyond this relative difference the kriged mean is flagged as globally biased.
GLOBAL_BIAS_LIMIT = 0.05
#: A leave-one-out mean squared z-score outside this range says the kriging
#: standard deviation is mis-calibrated (too small above, too large below).
Z2_RANGE = (0.7, 1.4)
#: Kriging whose left-out squared error reaches this share of the mean's has no
#: skill worth the name (a 2 % gain is within the noise of a few dozen cores).
SKILL_FLOOR = 0.98
#: Most grid nodes the nearest-neighbour weights are measured on (a lattice).
_MAX_NODES = 250_000
#: Fewest composites for declustering statistics to mean anything.
_MIN_CORES = 4
#: Bands of the east-west and north-south swath plots.
SWATH_BANDS = 10
#: Probabilities of the Q-Q table (2 % to 98 %).
QQ_PROBABILITIES = np.linspace(0.02, 0.98, 49)


def validation_summary(
    *,
    used: pd.DataFrame,
    X: np.ndarray,
    cross_validation: pd.DataFrame | None,
    statement: pd.DataFrame,
    nearest_shares: np.ndarray | None,
    top_cut_ppm: float | None,
    variogram: Variogram | None = None,
    variogram_fit: dict[str, Any] | None = None,
    dataset: xr.Dataset | None = None,
    slices: pd.DataFrame | None = None,
    slice_cross_validation: pd.DataFrame | None = None,
    slice_statement: pd.DataFrame | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The ``validation`` section of a run and the notes it calls for.

    Parameters
    ----------
    used : pandas.DataFrame
        The composites that entered the estimate (``rey_ppm`` as estimated, i.e.
        after any top-cut, and ``rey_uncut_ppm`` when a top-cut was applied).
    X : numpy.ndarray
        Their positions in the grid's CRS (metres).
    cross_validation : pandas.DataFrame or None
        The leave-one-out table of the run.
    statement : pandas.DataFrame
        The kriged statement (its cut-off 0 row gives the kriged mean).
    nearest_shares : numpy.ndarray or None
        Available area nearest to each used core, summed over the blocks of rows
        (:func:`nearest_neighbour_shares`); None to skip the nearest-neighbour mean.
    top_cut_ppm : float or None
        The configured top-cut of total REY.
    variogram : Variogram, optional
        The run's variogram, whose ranges along four azimuths are compared.
    variogram_fit : dict, optional
        The automatic variogram fit's record (candidates and choice), kept as
        ``variogram.fit``.
    dataset : xarray.Dataset, optional
        The estimated grid (``rey_ppm``, ``available_fraction``, the slices'
        grades): the swaths and the Q-Q table are measured on it.
    slices : pandas.DataFrame, optional
        REY of each used core (rows, in ``used`` order) in each depth slice.
    slice_cross_validation : pandas.DataFrame, optional
        Leave-one-core-out of the slice composites (a ``slice`` column), for the
        grouped-by-core statistics.
    slice_statement : pandas.DataFrame, optional
        The statement by depth slice (``top_m``, ``bottom_m``, ``cutoff_ppm``,
        ``mean_rey_ppm``): its cut-off 0 rows are the kriged means of the depth
        swath.
    """
    notes: list[str] = []
    y = used["rey_ppm"].to_numpy(dtype=float)
    raw = used.get("rey_uncut_ppm", used["rey_ppm"]).to_numpy(dtype=float)
    section: dict[str, Any] = {}
    if len(y) >= _MIN_CORES:
        section["declustering"] = _declustering(X, y, nearest_shares)
        section["top_cut"] = _top_cut(raw, section["declustering"], top_cut_ppm, notes)
        weights = np.asarray(section["declustering"]["weights"])
        points = log_probability(raw, weights)
        section["top_cut"]["log_probability"] = {
            "value_rey_ppm": points["value"].tolist(),
            "normal_score": points["normal_score"].tolist(),
        }
        if dataset is not None and "rey_ppm" in dataset:
            section["swaths"] = swaths(
                dataset, X, y, weights, slices, nearest_shares, slice_statement
            )
            section["qq"] = _qq(dataset, y, weights)
    if variogram is not None and len(y) >= _MIN_CORES:
        directional, anisotropy = directional_review(X, y, variogram)
        section["variogram"] = {"directional": directional}
        notes.extend(anisotropy)
    if variogram_fit:
        section.setdefault("variogram", {})["fit"] = variogram_fit
    section["cross_validation"] = _cross_validation(cross_validation, notes)
    if slice_cross_validation is not None:
        section["cross_validation_by_core"] = _grouped(slice_cross_validation)
    section["global_bias"] = _global_bias(section.get("declustering"), statement, notes)
    return _plain(section), notes


def _declustering(
    X: np.ndarray, y: np.ndarray, nearest_shares: np.ndarray | None
) -> dict[str, Any]:
    cell = cell_declustering(X, y)
    result: dict[str, Any] = {
        "method": "cell declustering, 10 grid origins per size, size minimising the "
        "declustered mean",
        "cell_size_m": cell.cell_size_,
        "naive_mean_rey_ppm": cell.naive_mean_,
        "declustered_mean_rey_ppm": cell.mean_,
        "by_cell_size": cell.by_cell_size_.to_dict(orient="records"),
        "statistics": {
            "raw": weighted_statistics(y, np.ones_like(y)),
            "declustered": weighted_statistics(y, cell.weights_),
        },
        "weights": cell.weights_.tolist(),
    }
    if nearest_shares is not None and nearest_shares.sum() > 0:
        weights = nearest_shares / nearest_shares.sum()
        result["nearest_neighbour_mean_rey_ppm"] = float(weights @ y)
        result["nearest_neighbour_weights"] = weights.tolist()
    return result


def lattice_step(n_cells: int) -> int:
    """Every how many rows and columns a cell is a node of the nearest-neighbour
    lattice: 1 up to :data:`_MAX_NODES` cells, so that the check stays cheap on
    large grids (it depends on the grid's size only, never on its blocks)."""
    return max(1, math.ceil(math.sqrt(n_cells / _MAX_NODES)))


def nearest_neighbour_shares(
    X: np.ndarray,
    cells: xr.Dataset,
    *,
    origin: tuple[float, float],
    spacing: tuple[float, float],
    step: int,
) -> np.ndarray:
    """Available area (m2) of the lattice cells of ``cells`` nearest to each core.

    The lattice takes every ``step``-th row and column of the whole grid, counted
    from ``origin`` with the cells' ``spacing``, so that blocks of rows add up to
    the same sums whatever their size. Ties go to the lower core index.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cells = xr.Dataset(
    ...     {"available_fraction": (("y", "x"), np.ones((2, 4)))},
    ...     coords={"y": [15.0, 5.0], "x": [5.0, 15.0, 25.0, 35.0]},
    ... )
    >>> X = np.array([[0.0, 0.0], [40.0, 10.0]])
    >>> nearest_neighbour_shares(X, cells, origin=(5.0, 15.0), spacing=(10.0, -10.0),
    ...                          step=1).tolist()
    [4.0, 4.0]
    """
    columns = np.rint((cells["x"].values - origin[0]) / spacing[0]).astype(np.int64)
    rows = np.rint((cells["y"].values - origin[1]) / spacing[1]).astype(np.int64)
    sub = cells.isel(
        x=np.flatnonzero(columns % step == 0), y=np.flatnonzero(rows % step == 0)
    )
    share = sub["available_fraction"].fillna(0.0)
    if "cell_area_m2" in sub:
        share = share * sub["cell_area_m2"]
    weights = np.asarray(share.transpose("y", "x").values, dtype=float).ravel()
    keep = weights > 0
    xx, yy = np.meshgrid(sub["x"].values, sub["y"].values)
    nodes = np.column_stack([xx.ravel()[keep], yy.ravel()[keep]])
    return polygonal_weights(X, nodes, weights[keep], normalize=False)


def _lattice(dataset: xr.Dataset) -> xr.Dataset:
    """Every few rows and columns of the grid (:func:`lattice_step`), so that the
    swaths and the Q-Q table stay cheap on large grids."""
    step = lattice_step(dataset.sizes["x"] * dataset.sizes["y"])
    return dataset.isel(x=slice(None, None, step), y=slice(None, None, step))


def _cell_area(cells: xr.Dataset) -> np.ndarray:
    """Available area of each cell (m2, or cell counts without ``cell_area_m2``),
    as a (y, x) array; zero outside."""
    share = cells["available_fraction"].fillna(0.0)
    if "cell_area_m2" in cells:
        share = share * cells["cell_area_m2"]
    return np.asarray(share.transpose("y", "x").values, dtype=float)


def swaths(
    dataset: xr.Dataset,
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    slices: pd.DataFrame | None = None,
    nearest_shares: np.ndarray | None = None,
    slice_statement: pd.DataFrame | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Swath tables: kriged, nearest-neighbour and declustered-composite means of
    REY in bands east-west (``east``: bands of easting), north-south (``north``)
    and by depth slice (``depth``).

    The kriged and nearest-neighbour means weigh the grid's cells (a lattice on
    large grids) by their available area; the composites' mean in a band weighs
    them by their declustering weights. A band without cores has no composite
    mean (None). By depth slice, the kriged mean is the statement's (cut-off 0,
    ``slice_statement``), the nearest-neighbour mean weighs each core's slice
    grade by the available area nearest to it (``nearest_shares``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset(
    ...     {"rey_ppm": (("y", "x"), [[1.0, 3.0], [1.0, 3.0]]),
    ...      "available_fraction": (("y", "x"), np.ones((2, 2)))},
    ...     coords={"y": [15.0, 5.0], "x": [5.0, 15.0]},
    ... )
    >>> X = np.array([[5.0, 10.0], [15.0, 10.0]])
    >>> table = swaths(ds, X, np.array([1.0, 3.0]), np.array([0.5, 0.5]))["east"]
    >>> rows = [(r["kriged_rey_ppm"], r["declustered_rey_ppm"]) for r in table]
    >>> rows[0], rows[-1], len(rows)
    ((1.0, 1.0), (3.0, 3.0), 10)
    """
    cells = _lattice(dataset)
    area = _cell_area(cells)
    grade = np.asarray(cells["rey_ppm"].transpose("y", "x").values, dtype=float)
    keep = (area > 0) & np.isfinite(grade)
    xx, yy = np.meshgrid(cells["x"].values, cells["y"].values)
    nodes = np.column_stack([xx[keep], yy[keep]])
    out: dict[str, list[dict[str, Any]]] = {"east": [], "north": [], "depth": []}
    if not len(nodes):
        return out
    nearest = y[cKDTree(X).query(nodes)[1]]
    for name, axis in (("east", 0), ("north", 1)):
        out[name] = _bands(
            nodes[:, axis], grade[keep], nearest, area[keep], X[:, axis], y, weights
        )
    if slices is not None and slices.shape[1] > 1:
        out["depth"] = _depth_swath(slices, weights, nearest_shares, slice_statement)
    return out


def _bands(
    node_axis: np.ndarray,
    kriged: np.ndarray,
    nearest: np.ndarray,
    area: np.ndarray,
    core_axis: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
) -> list[dict[str, Any]]:
    """Means per band of one coordinate: bands of equal width over the cells."""
    edges = np.linspace(node_axis.min(), node_axis.max(), SWATH_BANDS + 1)
    node_band = np.clip(
        np.searchsorted(edges, node_axis, side="right") - 1, 0, SWATH_BANDS - 1
    )
    core_band = np.searchsorted(edges, core_axis, side="right") - 1
    core_band[core_axis == edges[-1]] = SWATH_BANDS - 1
    rows = []
    for band in range(SWATH_BANDS):
        cells = node_band == band
        cores = core_band == band
        total = area[cells].sum()
        rows.append(
            {
                "from_m": float(edges[band]),
                "to_m": float(edges[band + 1]),
                "kriged_rey_ppm": float(area[cells] @ kriged[cells] / total)
                if total > 0
                else None,
                "nearest_neighbour_rey_ppm": float(area[cells] @ nearest[cells] / total)
                if total > 0
                else None,
                "declustered_rey_ppm": float(
                    weights[cores] @ y[cores] / weights[cores].sum()
                )
                if cores.any() and weights[cores].sum() > 0
                else None,
                "n_cores": int(cores.sum()),
            }
        )
    return rows


def _depth_swath(
    slices: pd.DataFrame,
    weights: np.ndarray,
    nearest_shares: np.ndarray | None,
    statement: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """Means per depth slice: kriged (the statement's), composites declustered,
    nearest-neighbour from the area nearest each core."""
    kriged_by_slice: dict[tuple[float, float], float] = {}
    if statement is not None and len(statement):
        whole = statement[statement["cutoff_ppm"] == 0]
        if "interval" in whole:  # not the cumulative rows from the seafloor down
            whole = whole[whole["interval"] == "slice"]
        for row in whole.itertuples():
            kriged_by_slice[(float(row.top_m), float(row.bottom_m))] = float(
                row.mean_rey_ppm
            )
    rows = []
    for label in slices:
        values = slices[label].to_numpy(dtype=float)
        has = np.isfinite(values)
        top, bottom = (float(v) for v in str(label).split("-"))
        kriged = kriged_by_slice.get((top, bottom))
        nearest = None
        if nearest_shares is not None and nearest_shares[has].sum() > 0:
            share = nearest_shares[has]
            nearest = float(share @ values[has] / share.sum())
        w = weights[has]
        rows.append(
            {
                "slice": str(label),
                "top_m": top,
                "bottom_m": bottom,
                "kriged_rey_ppm": kriged,
                "nearest_neighbour_rey_ppm": nearest,
                "declustered_rey_ppm": float(w @ values[has] / w.sum())
                if w.sum() > 0
                else None,
                "n_cores": int(has.sum()),
            }
        )
    return rows


def _qq(dataset: xr.Dataset, y: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Quantiles of the kriged cells (by available area) and of the declustered
    composites, at :data:`QQ_PROBABILITIES`."""
    cells = _lattice(dataset)
    area = _cell_area(cells)
    grade = np.asarray(cells["rey_ppm"].transpose("y", "x").values, dtype=float)
    keep = (area > 0) & np.isfinite(grade)
    if not keep.any():
        return {}
    return {
        "probability": QQ_PROBABILITIES.tolist(),
        "kriged_rey_ppm": weighted_quantiles(
            grade[keep], area[keep], QQ_PROBABILITIES
        ).tolist(),
        "declustered_rey_ppm": weighted_quantiles(
            y, weights, QQ_PROBABILITIES
        ).tolist(),
    }


def _grouped(table: pd.DataFrame) -> dict[str, Any]:
    """Statistics of the slice composites, each core left out with all its slices."""
    stats: dict[str, Any] = dict(summarize(table))
    stats["method"] = (
        "leave one core out: all its depth-slice composites at once, each slice "
        "kriged from the other cores' composites of that slice"
    )
    stats["n_slices"] = int(table["slice"].nunique())
    stats["n_cores"] = int(table["core"].nunique()) if "core" in table else None
    return stats


def _top_cut(
    raw: np.ndarray,
    declustering: dict[str, Any],
    top_cut_ppm: float | None,
    notes: list[str],
) -> dict[str, Any]:
    review = top_cut_review(raw, declustering["weights"], top_cut=top_cut_ppm)
    review["applied_top_cut_ppm"] = top_cut_ppm
    if review["capping_warranted"] and top_cut_ppm is None:
        notes.append(
            f"high grades: {review['words']}; no top-cut was applied "
            "(composite.top_cut_ppm)"
        )
    return review


def _cross_validation(
    table: pd.DataFrame | None, notes: list[str]
) -> dict[str, Any] | None:
    if table is None:
        return None
    stats: dict[str, Any] = dict(summarize(table))
    _skill_against_the_mean(table, stats, notes)
    z2 = stats["mean_squared_zscore"]
    low, high = Z2_RANGE
    stats["method"] = "leave-one-out (one composite per core: leave one core out)"
    stats["mean_squared_zscore_range"] = [low, high]
    stats["calibrated"] = bool(low <= z2 <= high) if np.isfinite(z2) else None
    if np.isfinite(z2):
        stats["zscore_diagnosis"] = _z2_diagnosis(table)
    if np.isfinite(z2) and not low <= z2 <= high:
        too = "small" if z2 > high else "large"
        notes.append(
            f"the kriging standard deviation looks too {too}: leave-one-out gives a "
            f"mean squared z-score of {z2:.2f} (a calibrated deviation gives about 1; "
            f"accepted range {low:g} to {high:g})"
            + _z2_reason(stats["zscore_diagnosis"], z2)
        )
    return stats


#: Median of a squared standard normal variable (chi-squared, 1 degree of freedom).
_MEDIAN_Z2 = 0.4549364231195724
#: The few largest squared z-scores whose share of the total is reported.
_N_LARGEST = 3


def _z2_diagnosis(table: pd.DataFrame) -> dict[str, Any]:
    """Where a mean squared z-score comes from: the few largest, the bulk (the
    median against a normal's), and low against high predicted grades."""
    ok = table["prediction"].notna() & np.isfinite(table["zscore"])
    z2 = table.loc[ok, "zscore"].to_numpy() ** 2
    observed = table.loc[ok, "observed"].to_numpy()
    prediction = table.loc[ok, "prediction"].to_numpy()
    order = np.argsort(z2)[::-1]
    largest = order[:_N_LARGEST]
    rest = order[_N_LARGEST:]
    high = prediction >= np.median(prediction)
    return {
        "largest_share": float(z2[largest].sum() / z2.sum()) if z2.sum() > 0 else None,
        "largest_observed_rey_ppm": observed[largest].tolist(),
        "mean_squared_zscore_without_largest": float(z2[rest].mean())
        if rest.size
        else None,
        "median_squared_zscore": float(np.median(z2)),
        "median_squared_zscore_calibrated": _MEDIAN_Z2,
        "mean_squared_zscore_high_predictions": float(z2[high].mean()),
        "mean_squared_zscore_low_predictions": float(z2[~high].mean())
        if (~high).any()
        else None,
    }


def _z2_reason(diagnosis: dict[str, Any], z2: float) -> str:
    """Why the mean squared z-score is off, in words (empty when unclear)."""
    parts = []
    share = diagnosis["largest_share"]
    without = diagnosis["mean_squared_zscore_without_largest"]
    if share is not None and without is not None and share >= 0.25:
        grades = ", ".join(f"{g:,.0f}" for g in diagnosis["largest_observed_rey_ppm"])
        parts.append(
            f"{_N_LARGEST} cores carry {share:.0%} of it (observed {grades} ppm); "
            f"without them it is {without:.2f}, and the median squared z-score is "
            f"{diagnosis['median_squared_zscore']:.2f} ({_MEDIAN_Z2:.2f} when "
            "calibrated)"
        )
    upper = diagnosis["mean_squared_zscore_high_predictions"]
    lower = diagnosis["mean_squared_zscore_low_predictions"]
    if lower is not None and (upper > 1.5 * lower if z2 > 1 else lower > 1.5 * upper):
        parts.append(
            f"it is {upper:.2f} where the predicted grade is in the upper half and "
            f"{lower:.2f} in the lower half: the grades vary more where they are "
            "high (a proportional effect), which a kriging variance, set by the "
            "cores' layout alone, cannot follow, so rey_std_ppm is too small in "
            "high-grade areas and too large in low-grade ones"
        )
    return "; why: " + "; ".join(parts) if parts else ""


def _skill_against_the_mean(
    table: pd.DataFrame, stats: dict[str, Any], notes: list[str]
) -> None:
    """Compare the left-out errors with those of the mean of the other cores.

    The mean of the others is what a pure-nugget variogram predicts; a kriging that
    does no better has found no spatial correlation the data support.
    """
    ok = table["prediction"].notna().to_numpy()
    observed = table["observed"].to_numpy(dtype=float)[ok]
    n = observed.size
    if n < 3:
        return
    others = (observed.sum() - observed) / (n - 1)
    mse_mean = float(np.mean((observed - others) ** 2))
    mse = float(stats["rmse"]) ** 2
    stats["rmse_mean_of_others"] = math.sqrt(mse_mean)
    stats["skill"] = 1.0 - mse / mse_mean if mse_mean > 0 else None
    if mse_mean > 0 and mse >= SKILL_FLOOR * mse_mean:
        notes.append(
            "cross-validation finds no spatial correlation: the estimate predicts "
            f"each left-out core no better than the mean of the others (RMSE "
            f"{math.sqrt(mse):,.0f} ppm against {math.sqrt(mse_mean):,.0f} ppm); "
            "the variogram's structure is not supported by the data, and the map "
            "is the mean with noise"
        )


def _global_bias(
    declustering: dict[str, Any] | None,
    statement: pd.DataFrame,
    notes: list[str],
) -> dict[str, Any] | None:
    rows = statement[statement["cutoff_ppm"] == 0]
    if declustering is None or rows.empty:
        return None
    kriged = float(rows["mean_rey_ppm"].iloc[0])
    if not np.isfinite(kriged):
        return None
    result: dict[str, Any] = {"kriged_mean_rey_ppm": kriged, "limit": GLOBAL_BIAS_LIMIT}
    references = {
        "nearest_neighbour": declustering.get("nearest_neighbour_mean_rey_ppm"),
        "declustered": declustering["declustered_mean_rey_ppm"],
    }
    for name, reference in references.items():
        if reference:
            result[f"vs_{name}"] = kriged / reference - 1.0
    # the check compares like with like: the nearest-neighbour estimate over the
    # same available area; the cell-declustered mean describes the cores' whole
    # extent, which may reach beyond the area, so it is the check only without one
    checked = next((n for n in references if f"vs_{n}" in result), None)
    result["checked_against"] = checked
    if checked is not None and abs(result[f"vs_{checked}"]) > GLOBAL_BIAS_LIMIT:
        bias, reference = result[f"vs_{checked}"], references[checked]
        words = checked.replace("_", "-")
        notes.append(
            f"global bias: the kriged mean grade ({kriged:,.0f} ppm) differs by "
            f"{bias:+.1%} from the {words} mean ({reference:,.0f} ppm) over the "
            f"same area, beyond {GLOBAL_BIAS_LIMIT:.0%}"
        )
    return result


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to floats, NaN to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
