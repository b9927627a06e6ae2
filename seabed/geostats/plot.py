"""Plot an experimental variogram with a fitted model.

matplotlib is imported inside :func:`plot_variogram`, so importing seabed does not
pull it in.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from seabed.geostats.experimental import ExperimentalVariogram
from seabed.geostats.variogram import Variogram

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_variogram"]


def plot_variogram(
    ev: ExperimentalVariogram,
    model: Variogram | None = None,
    ax: Axes | None = None,
    *,
    value_units: str | None = None,
    title: str | None = None,
) -> Axes:
    """Plot the bins of an experimental variogram and, optionally, a model.

    Each bin is a point whose area grows with its number of pairs, labelled with
    that number. A directional variogram gets one colour per direction, and the
    model is drawn along each direction (so geometric anisotropy shows).

    Parameters
    ----------
    ev : ExperimentalVariogram
        The experimental variogram.
    model : Variogram, optional
        A model to draw over the points.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    value_units : str, optional
        Units of the variable (for example ``"ppm"``); the semivariance axis is
        then labelled in those units squared.
    title : str, optional
        Title; by default it describes the model (or says there is none).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from seabed.geostats.experimental import experimental_variogram
    >>> X = np.array([[0.0, 0.0], [0.0, 100.0], [0.0, 200.0], [100.0, 0.0]])
    >>> ev = experimental_variogram(X, [1.0, 2.0, 4.0, 1.5], cutoff=200.0, width=100.0)
    >>> ax = plot_variogram(ev, Variogram("spherical", psill=2.0, range=200.0))
    >>> ax.get_xlabel()
    'distance (m)'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    directions = np.unique(ev.dir_hor) if ev.directions is not None else [None]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    biggest = max(int(ev.np.max()), 1)
    reach = ev.cutoff if len(ev) == 0 else max(ev.cutoff, float(ev.dist.max()))
    h = np.linspace(0.0, reach, 200)

    for k, azimuth in enumerate(directions):
        color = colors[k % len(colors)]
        rows = (
            np.ones(len(ev), dtype=bool) if azimuth is None else ev.dir_hor == azimuth
        )
        label = None if azimuth is None else f"{azimuth:g}°"
        ax.scatter(
            ev.dist[rows],
            ev.gamma[rows],
            s=15.0 + 85.0 * ev.np[rows] / biggest,
            color=color,
            label=label,
            zorder=3,
        )
        for d, g, n in zip(ev.dist[rows], ev.gamma[rows], ev.np[rows]):
            ax.annotate(
                str(n),
                (d, g),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
                color=color,
            )
        if model is not None:
            ax.plot(h, _semivariance_along(model, h, azimuth or 0.0), color=color)

    ax.set_xlim(0.0, reach * 1.02)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("distance (m)")
    units = f" ({value_units}²)" if value_units else ""
    ax.set_ylabel(f"semivariance{units}")
    ax.set_title(title if title is not None else _describe(model))
    if ev.directions is not None:
        ax.legend(title="direction", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def _semivariance_along(model: Variogram, h: np.ndarray, azimuth_deg: float):
    """Model semivariance at lags ``h`` along an azimuth (clockwise from north)."""
    theta = math.radians(azimuth_deg)
    dx, dy = h * math.sin(theta), h * math.cos(theta)
    return model.semivariance_xy(dx, dy)


def _describe(model: Variogram | None) -> str:
    if model is None:
        return "experimental variogram"
    parts = [
        f"{s.model} (psill {s.psill:.3g}, exponent {s.range:.3g})"
        if s.model == "power"
        else f"{s.model} (psill {s.psill:.3g}, range {s.range:.4g} m)"
        for s in model.structures
    ]
    if model.nugget > 0:
        parts.insert(0, f"nugget {model.nugget:.3g}")
    return " + ".join(parts)
