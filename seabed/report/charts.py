"""Charts of the report: cross-validation, validation (log-probability, swaths, Q-Q), grade-tonnage curves, grade profiles, tonnage spread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seabed.report.maps import _axes, add_graticule, add_scale_bar, add_zones

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes


__all__ = [
    "plot_cross_validation",
    "plot_cross_validation_map",
    "plot_grade_profile",
    "plot_grade_tonnage",
    "plot_log_probability",
    "plot_qq",
    "plot_swath",
    "plot_tonnage_distribution",
    "plot_uncertainty_sources",
]

#: Colours of the swath lines, by what they average (colour-blind safe).
_SWATH_SERIES = (
    ("kriged_rey_ppm", "kriged", "#0072b2", "-"),
    ("nearest_neighbour_rey_ppm", "nearest-neighbour estimate", "#e69f00", "--"),
    ("declustered_rey_ppm", "declustered composites", "#009e73", "o"),
)


# --------------------------------------------------------------------------- charts
def plot_cross_validation(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    units: str = "ppm",
    title: str = "Leave-one-out cross-validation",
) -> Axes:
    """Observed against predicted values of a cross-validation, with the 1:1 line.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per sample with ``observed``, ``prediction`` and optionally
        ``zscore`` (the output of :func:`seabed.geostats.validation.leave_one_out`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    units : str
        Units of the values, for the axis labels.
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> table = pd.DataFrame({"observed": [900.0, 1000.0, 1200.0],
    ...                       "prediction": [950.0, 980.0, 1100.0]})
    >>> ax = plot_cross_validation(table)
    >>> ax.get_xlabel()
    'observed (ppm)'
    """
    ax = _axes(ax, figsize=(5.0, 4.8))
    valid = table.dropna(subset=["observed", "prediction"])
    observed = valid["observed"].to_numpy(dtype=float)
    predicted = valid["prediction"].to_numpy(dtype=float)
    ax.scatter(
        observed, predicted, s=16, color="#0072b2", edgecolor="white", linewidth=0.4
    )
    both = np.concatenate([observed, predicted])
    low, high = (float(both.min()), float(both.max())) if len(both) else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    ax.plot([low, high], [low, high], color="0.3", linewidth=1.0, label="1:1")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel(f"observed ({units})")
    ax.set_ylabel(f"predicted ({units})")
    ax.text(
        0.03,
        0.97,
        _cross_validation_summary(valid, units),
        transform=ax.transAxes,
        va="top",
        fontsize=8,
        bbox={"facecolor": "white", "edgecolor": "0.8", "alpha": 0.9},
    )
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return ax


def plot_log_probability(
    values: Sequence[float],
    normal_scores: Sequence[float],
    ax: Axes | None = None,
    *,
    top_cut: float | None = None,
    units: str = "ppm",
    title: str = "Log-probability plot of the composites",
) -> Axes:
    """Values on a log axis against the normal score of their cumulative
    probability: a lognormal population plots as a straight line, a break in slope
    or a few points off to the right are the high grades a top-cut deals with.

    Parameters
    ----------
    values, normal_scores : sequence of float
        The points, ascending (:func:`seabed.geostats.outliers.log_probability`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    top_cut : float, optional
        The applied top-cut, drawn as a vertical line.
    units : str
        Units of the values.
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_log_probability([500.0, 900.0, 4000.0], [-1.0, 0.0, 1.0],
    ...                           top_cut=3000.0)
    >>> ax.get_xscale(), ax.get_legend_handles_labels()[1]
    ('log', ['composites', 'top-cut 3,000 ppm'])
    """
    from matplotlib.ticker import (
        FixedFormatter,
        FixedLocator,
        FuncFormatter,
        LogLocator,
        NullFormatter,
    )
    from scipy.special import ndtri

    ax = _axes(ax, figsize=(5.4, 4.4))
    ax.plot(
        values, normal_scores, "o", markersize=3.5, color="#0072b2", label="composites"
    )
    if top_cut is not None:
        ax.axvline(
            top_cut,
            color="#d55e00",
            linewidth=1.2,
            label=f"top-cut {top_cut:,.0f} {units}",
        )
    ax.set_xscale("log")
    # plain numbers at 1, 2 and 5 times the powers of ten, nothing in between
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    # label the normal scores with the cumulative probability they stand for
    percent = np.array([1, 5, 10, 25, 50, 75, 90, 95, 99], dtype=float)
    scores = ndtri(percent / 100)
    ax.yaxis.set_major_locator(FixedLocator(scores))
    ax.yaxis.set_major_formatter(FixedFormatter([f"{p:g}" for p in percent]))
    ax.set_xlabel(f"REY ({units}, log scale)")
    ax.set_ylabel("cumulative probability (%)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    return ax


def plot_swath(
    rows: Sequence[dict[str, Any]],
    ax: Axes | None = None,
    *,
    along: str = "east",
    units: str = "ppm",
    title: str | None = None,
) -> Axes:
    """A swath plot: kriged, nearest-neighbour and declustered-composite means of
    each band, with the number of cores per band.

    Parameters
    ----------
    rows : sequence of dict
        One band each (:func:`seabed.pipeline.validation.swaths`): ``from_m`` and
        ``to_m`` (``along`` ``"east"`` or ``"north"``) or ``top_m`` and
        ``bottom_m`` (``"depth"``), and the three means (None where absent).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    along : {"east", "north", "depth"}
        What the bands cut: easting, northing or depth below the seafloor.
    units : str
        Units of the grades.
    title : str, optional
        Title; by default it names the direction.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rows = [{"from_m": 0.0, "to_m": 1000.0, "kriged_rey_ppm": 900.0,
    ...          "nearest_neighbour_rey_ppm": 950.0, "declustered_rey_ppm": 920.0,
    ...          "n_cores": 3}]
    >>> plot_swath(rows).get_xlabel()
    'easting (km)'
    """
    ax = _axes(ax, figsize=(6.4, 3.6))
    if along == "depth":
        centre = np.array([(r["top_m"] + r["bottom_m"]) / 2 for r in rows])
        label = "depth below the seafloor (m), slice centre"
    else:
        centre = np.array([(r["from_m"] + r["to_m"]) / 2 for r in rows]) / 1000
        label = f"{'easting' if along == 'east' else 'northing'} (km)"
    for key, name, colour, style in _SWATH_SERIES:
        value = np.array(
            [np.nan if r[key] is None else r[key] for r in rows], dtype=float
        )
        ax.plot(centre, value, style, color=colour, label=name, markersize=5)
    for x, row in zip(centre, rows):
        ax.annotate(
            str(row["n_cores"]),
            (x, 0.0),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=7,
            color="0.4",
        )
    ax.set_xlabel(label)
    ax.set_ylabel(f"mean REY ({units})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(
        title
        or {
            "east": "Swath east-west (bands of easting)",
            "north": "Swath north-south (bands of northing)",
            "depth": "Swath by depth slice",
        }[along]
    )
    return ax


def plot_qq(
    qq: dict[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    units: str = "ppm",
    title: str = "Q-Q: kriged cells against declustered composites",
) -> Axes:
    """Quantiles of the kriged grades (by area) against those of the declustered
    composites, with the 1:1 line: kriging smooths, so its quantiles spread less.

    Parameters
    ----------
    qq : dict
        ``kriged_rey_ppm`` and ``declustered_rey_ppm`` at the same probabilities.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    units : str
        Units of the grades.
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_qq({"kriged_rey_ppm": [900.0, 1000.0],
    ...               "declustered_rey_ppm": [800.0, 1100.0]})
    >>> ax.get_ylabel()
    'kriged cells (ppm)'
    """
    ax = _axes(ax, figsize=(5.0, 4.8))
    composites = np.asarray(qq["declustered_rey_ppm"], dtype=float)
    kriged = np.asarray(qq["kriged_rey_ppm"], dtype=float)
    ax.plot(
        composites, kriged, "o", markersize=4, color="#0072b2", label="quantiles 2-98 %"
    )
    both = np.concatenate([composites, kriged])
    low, high = float(both.min()), float(both.max())
    ax.plot([low, high], [low, high], color="0.3", linewidth=1.0, label="1:1")
    ax.set_aspect("equal")
    ax.set_xlabel(f"declustered composites ({units})")
    ax.set_ylabel(f"kriged cells ({units})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title)
    return ax


def plot_cross_validation_map(
    table: pd.DataFrame,
    crs: Any,
    ax: Axes | None = None,
    *,
    bounds: Sequence[float] | None = None,
    zones: gpd.GeoDataFrame | None = None,
    units: str = "ppm",
    title: str = "Cross-validation error (observed - predicted)",
) -> Axes:
    """Map the cross-validation residual at each sample, on a diverging scale.

    Parameters
    ----------
    table : pandas.DataFrame
        ``x``, ``y`` (in ``crs``) and ``residual`` per sample.
    crs : pyproj.CRS or str
        CRS of ``x`` and ``y``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    bounds : sequence of float, optional
        ``(x_min, y_min, x_max, y_max)`` of the view (the grid's footprint); by
        default the samples' extent.
    zones : geopandas.GeoDataFrame, optional
        Zones to outline (see :func:`add_zones`).
    units : str
        Units of the residuals.
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import TwoSlopeNorm

    ax = _axes(ax, figsize=(6.4, 5.0))
    valid = table.dropna(subset=["residual"])
    largest = float(np.abs(valid["residual"]).max()) if len(valid) else 1.0
    points = ax.scatter(
        valid["x"],
        valid["y"],
        c=valid["residual"],
        s=30,
        cmap="RdBu_r",
        norm=TwoSlopeNorm(0.0, -largest or -1.0, largest or 1.0),
        edgecolor="0.2",
        linewidth=0.5,
        zorder=6,
    )
    colorbar = ax.figure.colorbar(points, ax=ax, shrink=0.85, pad=0.02)
    colorbar.set_label(f"observed - predicted ({units})")
    if bounds is None:
        bounds = (
            float(valid["x"].min()),
            float(valid["y"].min()),
            float(valid["x"].max()),
            float(valid["y"].max()),
        )
    x0, y0, x1, y1 = bounds
    pad = 0.02 * max(x1 - x0, y1 - y0, 1.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_facecolor("#f4f4f4")
    if zones is not None:
        add_zones(ax, zones, crs)
    add_graticule(ax, crs)
    add_scale_bar(ax, crs)
    ax.set_title(title)
    return ax


def plot_grade_tonnage(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    cutoffs_ppm: Sequence[float] = (),
    title: str = "Grade-tonnage curve",
) -> Axes:
    """Ore tonnes and mean grade above each cut-off.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per cut-off with ``cutoff_ppm``, ``ore_t`` and ``mean_rey_ppm``
        (the columns of a resource statement), in increasing cut-off.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted. The mean grade goes on a twin
        y-axis on the right.
    cutoffs_ppm : sequence of float
        Cut-offs to mark with vertical lines (those of the statement).
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes
        The left (tonnage) axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> table = pd.DataFrame({"cutoff_ppm": [0.0, 500.0, 1000.0],
    ...     "ore_t": [2e9, 1.5e9, 0.5e9], "mean_rey_ppm": [900.0, 1000.0, 1300.0]})
    >>> ax = plot_grade_tonnage(table, cutoffs_ppm=[400])
    >>> ax.get_ylabel()
    'ore above cut-off (Mt)'
    """
    ax = _axes(ax, figsize=(6.4, 4.2))
    table = table.sort_values("cutoff_ppm")
    ore = ax.plot(
        table["cutoff_ppm"],
        table["ore_t"] / 1e6,
        color="#0072b2",
        linewidth=1.8,
        label="ore tonnes",
    )
    ax.set_xlabel("cut-off on block grade, REY (ppm)")
    ax.set_ylabel("ore above cut-off (Mt)")
    ax.set_ylim(bottom=0.0)
    low, high = float(table["cutoff_ppm"].min()), float(table["cutoff_ppm"].max())
    if high > low:  # one cut-off (nothing estimated) leaves matplotlib's limits
        ax.set_xlim(low, high)
    grade_ax = ax.twinx()
    grade = grade_ax.plot(
        table["cutoff_ppm"],
        table["mean_rey_ppm"],
        color="#d55e00",
        linewidth=1.8,
        linestyle="--",
        label="mean grade",
    )
    grade_ax.set_ylabel("mean REY grade above cut-off (ppm)")
    for cutoff in cutoffs_ppm:
        ax.axvline(cutoff, color="0.6", linewidth=0.8, linestyle=":")
    ax.legend(
        handles=ore + grade,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return ax


def plot_grade_profile(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    value: str = "mean_rey_ppm",
    title: str = "Grade by depth below seafloor",
) -> Axes:
    """Mean grade of each depth slice, depth increasing downwards.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per slice with ``top_m`` and ``bottom_m`` (mbsf) and ``value``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    value : str
        Column to plot (a grade in ppm).
    title : str
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> slices = pd.DataFrame({"top_m": [0.0, 1.0, 2.0], "bottom_m": [1.0, 2.0, 3.0],
    ...                        "mean_rey_ppm": [600.0, 900.0, 1500.0]})
    >>> ax = plot_grade_profile(slices)
    >>> bool(ax.yaxis_inverted())
    True
    """
    ax = _axes(ax, figsize=(4.2, 4.8))
    table = table.sort_values("top_m")
    depth = np.column_stack([table["top_m"], table["bottom_m"]]).ravel()
    grade = np.repeat(table[value].to_numpy(dtype=float), 2)
    ax.plot(grade, depth, color="#0072b2", linewidth=1.8)
    ax.fill_betweenx(depth, 0.0, grade, color="#0072b2", alpha=0.15)
    ax.set_ylim(float(depth.max()), float(depth.min()))
    ax.set_xlim(left=0.0)
    names = {"mean_rey_ppm": "mean REY grade", "mean_treo_ppm": "mean TREO grade"}
    ax.set_xlabel(f"{names.get(value, value.removesuffix('_ppm'))} (ppm)")
    ax.set_ylabel("depth below seafloor (mbsf)")
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return ax


def plot_tonnage_distribution(
    tonnes_t: Sequence[float] | np.ndarray,
    ax: Axes | None = None,
    *,
    kriged_t: float | None = None,
    label: str = "TREO",
    title: str | None = None,
) -> Axes:
    """Histogram of a tonnage over conditional realisations, with its percentiles.

    Dashed lines mark P10, P50 and P90 (10th, 50th and 90th percentiles: P10 is
    the low figure), a solid red line the kriged figure, so that the smoothing of
    kriging shows as the kriged line sitting off the middle of the realisations.

    Parameters
    ----------
    tonnes_t : sequence of float
        One tonnage per realisation, in tonnes (drawn in Mt).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    kriged_t : float, optional
        The kriged estimate of the same tonnage, in tonnes.
    label : str
        What the tonnes are of, for the axis label.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_tonnage_distribution([9e6, 10e6, 10.5e6, 11e6, 12e6],
    ...                                kriged_t=10.2e6)
    >>> ax.get_xlabel(), [line.get_label() for line in ax.get_lines()]
    ('TREO (Mt)', ['P10 9.4', 'P50 10.5', 'P90 11.6', 'kriged 10.2'])
    """
    ax = _axes(ax, figsize=(6.4, 2.4))
    values = np.asarray(tonnes_t, dtype=float) / 1e6
    values = values[np.isfinite(values)]
    ax.hist(values, bins=min(20, max(5, len(values) // 4)), color="#9ecae1")
    for name, percentile in (("P10", 10), ("P50", 50), ("P90", 90)):
        at = float(np.percentile(values, percentile))
        ax.axvline(
            at,
            color="#08519c",
            linestyle="--",
            linewidth=1.2,
            label=f"{name} {at:,.3g}",
        )
    if kriged_t is not None:
        kriged = kriged_t / 1e6
        ax.axvline(
            kriged, color="#c00000", linewidth=1.8, label=f"kriged {kriged:,.3g}"
        )
    ax.set_xlabel(f"{label} (Mt)")
    ax.set_ylabel("realisations")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)
    if title is not None:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def plot_uncertainty_sources(
    widths: pd.DataFrame,
    ax: Axes | None = None,
    *,
    label: str = "REY",
    title: str | None = None,
) -> Axes:
    """Tornado chart: the P10-P90 range of a tonnage per source of uncertainty.

    One bar per source, from its P10 to its P90, widest at the top; the spatial
    source is the simulation alone, every other one the simulation plus that
    source alone, and ``combined`` all of them at once. A dotted line marks the
    combined P50.

    Parameters
    ----------
    widths : pandas.DataFrame
        Rows of one cut-off of
        :meth:`seabed.resource.SimulatedResource.source_widths`: ``source``,
        ``p10``, ``p50``, ``p90``, ``width``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    label : str
        What the tonnes are of, for the axis label.
    title : str, optional
        Title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> widths = pd.DataFrame({"source": ["spatial", "density", "combined"],
    ...                        "p10": [9.5e6, 8.5e6, 8.3e6],
    ...                        "p50": [10e6, 10e6, 10e6],
    ...                        "p90": [10.5e6, 11.5e6, 11.8e6]})
    >>> widths["width"] = widths.p90 - widths.p10
    >>> ax = plot_uncertainty_sources(widths)
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['spatial', 'density', 'combined']
    """
    ax = _axes(ax, figsize=(6.4, 0.6 + 0.35 * len(widths)))
    ordered = widths.sort_values("width", ascending=True)  # widest on top
    rows = np.arange(len(ordered))
    colours = [
        "#c00000" if source == "combined" else "#4878a8" for source in ordered["source"]
    ]
    low = ordered["p10"].to_numpy(dtype=float) / 1e6
    high = ordered["p90"].to_numpy(dtype=float) / 1e6
    ax.barh(rows, high - low, left=low, color=colours, height=0.6)
    ax.set_yticks(rows, [str(s) for s in ordered["source"]])
    combined = widths.loc[widths["source"] == "combined", "p50"]
    if len(combined):
        ax.axvline(float(combined.iloc[0]) / 1e6, color="k", lw=0.8, ls=":")
    ax.set_xlabel(f"{label} (Mt), P10 to P90")
    ax.grid(alpha=0.3, axis="x")
    if title is not None:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def _cross_validation_summary(valid: pd.DataFrame, units: str) -> str:
    residual = valid["observed"] - valid["prediction"]
    lines = [
        f"n = {len(valid)}",
        f"mean error = {residual.mean():,.1f} {units}",
        f"RMSE = {np.sqrt(np.mean(residual**2)):,.1f} {units}",
    ]
    if len(valid) > 1:
        lines.append(
            f"r = {np.corrcoef(valid['observed'], valid['prediction'])[0, 1]:.2f}"
        )
    if "zscore" in valid and valid["zscore"].notna().sum() > 1:
        z = valid["zscore"].dropna()
        lines.append(f"z-score mean {z.mean():.2f}, sd {z.std():.2f}")
    return "\n".join(lines)
