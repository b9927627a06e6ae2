"""Variogram models with R gstat's ``vgm()`` conventions.

A :class:`Variogram` is a nugget plus one or more structures (spherical, exponential,
Gaussian, Matern), each with its partial sill, range parameter and optional geometric
anisotropy. Parameters mean exactly what they mean in gstat, so a model fitted in R can
be typed in unchanged:

- ``range`` is gstat's range parameter: the distance where the spherical model reaches
  its sill, and the scale parameter ``a`` of the exponential (``1 - exp(-h/a)``), Gaussian
  (``1 - exp(-(h/a)^2)``) and Matern models (practical ranges about 3a and 1.73a);
- ``anis=(angle, ratio)``: ``angle`` is the direction of the major axis in degrees
  clockwise from north, ``ratio`` the minor range divided by the major range (<= 1).

Semivariance is zero at distance zero (the nugget is a discontinuity at the origin, as in
gstat), so kriging honours the data exactly.

Examples
--------
>>> vg = Variogram(model="spherical", psill=0.59, range=897.0, nugget=0.05)
>>> vg.sill
0.64
>>> float(vg.semivariance(897.0))
0.64
>>> nested = vg + Variogram(model="exponential", psill=0.1, range=2000.0)
>>> len(nested.structures), round(nested.sill, 2)
(2, 0.74)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from seabed.exceptions import ConfigError

__all__ = ["MODELS", "Structure", "Variogram"]

#: Model names accepted, mapped from gstat's short codes and from long names.
MODELS: dict[str, str] = {
    "sph": "spherical",
    "spherical": "spherical",
    "exp": "exponential",
    "exponential": "exponential",
    "gau": "gaussian",
    "gaussian": "gaussian",
    "mat": "matern",
    "matern": "matern",
}

#: Integer codes for compiled kernels, in a fixed order.
MODEL_CODES: dict[str, int] = {
    "spherical": 0,
    "exponential": 1,
    "gaussian": 2,
    "matern": 3,
}


def _model_name(model: str) -> str:
    try:
        return MODELS[model.strip().lower()]
    except (KeyError, AttributeError):
        raise ConfigError(
            f"unknown variogram model {model!r}",
            column="variogram.model",
            hint="use spherical (Sph), exponential (Exp), gaussian (Gau) or matern (Mat)",
        ) from None


@dataclass(frozen=True)
class Structure:
    """One nested structure of a variogram (gstat's one row of ``vgm()``).

    Parameters
    ----------
    model : str
        ``"spherical"``, ``"exponential"``, ``"gaussian"`` or ``"matern"``.
    psill : float
        Partial sill (> 0).
    range : float
        gstat's range parameter along the major axis, in metres (> 0).
    anis : tuple of float, optional
        ``(angle_deg, ratio)``: major axis clockwise from north; minor/major range.
    kappa : float
        Smoothness of the Matern model (0.5 is exponential); ignored otherwise.
    """

    model: str
    psill: float
    range: float
    anis: tuple[float, float] | None = None
    kappa: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", _model_name(self.model))
        object.__setattr__(self, "psill", float(self.psill))
        object.__setattr__(self, "range", float(self.range))
        object.__setattr__(self, "kappa", float(self.kappa))
        if not self.psill >= 0 or not math.isfinite(self.psill):
            raise ConfigError(
                f"partial sill must be >= 0, got {self.psill}", column="variogram.psill"
            )
        if not self.range > 0 or not math.isfinite(self.range):
            raise ConfigError(
                f"range must be > 0 metres, got {self.range}", column="variogram.range"
            )
        if self.model == "matern" and not self.kappa > 0:
            raise ConfigError(
                f"Matern kappa must be > 0, got {self.kappa}", column="variogram.kappa"
            )
        if self.anis is not None:
            angle, ratio = (float(v) for v in self.anis)
            if not 0 < ratio <= 1:
                raise ConfigError(
                    f"anisotropy ratio must be in (0, 1], got {ratio}",
                    column="variogram.anis",
                    hint="ratio = minor range / major range, as in gstat",
                )
            object.__setattr__(self, "anis", (angle % 360.0, ratio))

    def reduced_distance(self, dx: NDArray[np.float64], dy: NDArray[np.float64]):
        """Distance scaled by the range, after the anisotropy transform."""
        if self.anis is None:
            return np.hypot(dx, dy) / self.range
        angle, ratio = self.anis
        theta = math.radians(angle)
        # component along the major axis (clockwise from north) and across it
        along = dx * math.sin(theta) + dy * math.cos(theta)
        across = dx * math.cos(theta) - dy * math.sin(theta)
        return np.hypot(along, across / ratio) / self.range

    def correlation(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        """Correlation (1 - normalised semivariance) at reduced distance ``r``."""
        r = np.asarray(r, dtype=float)
        if self.model == "spherical":
            rc = np.minimum(r, 1.0)
            return 1.0 - (1.5 * rc - 0.5 * rc**3)
        if self.model == "exponential":
            return np.exp(-r)
        if self.model == "gaussian":
            return np.exp(-(r**2))
        return _matern_correlation(r, self.kappa)


def _matern_correlation(r: NDArray[np.float64], kappa: float) -> NDArray[np.float64]:
    """gstat's Matern: 2^(1-k)/Gamma(k) r^k K_k(r), equal to 1 at r = 0."""
    out = np.ones_like(r)
    positive = r > 0
    rp = r[positive]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value = (
            (2.0 ** (1.0 - kappa) / special.gamma(kappa))
            * rp**kappa
            * special.kv(kappa, rp)
        )
    # far out kv underflows to 0 and rp**kappa may overflow: the correlation is 0 there
    out[positive] = np.where(np.isfinite(value), value, 0.0)
    return out


class Variogram:
    """A variogram model: nugget plus nested structures, in gstat's ``vgm()`` terms.

    Parameters
    ----------
    model : str
        First structure's model: ``"spherical"`` (``"Sph"``), ``"exponential"``
        (``"Exp"``), ``"gaussian"`` (``"Gau"``) or ``"matern"`` (``"Mat"``).
    psill : float
        Partial sill of the first structure.
    range : float
        gstat's range parameter of the first structure, in metres.
    nugget : float
        Nugget effect (semivariance jump at the origin).
    anis : tuple of float, optional
        ``(angle_deg, ratio)`` geometric anisotropy of the first structure.
    kappa : float
        Matern smoothness.
    structures : iterable of Structure, optional
        Give the structures directly instead of ``model``/``psill``/``range`` (nested
        models); ``a + b`` also nests two variograms.

    Examples
    --------
    >>> vg = Variogram(model="Exp", psill=0.6, range=300.0, nugget=0.05, anis=(30.0, 0.4))
    >>> vg.structures[0].model, vg.structures[0].anis
    ('exponential', (30.0, 0.4))
    >>> round(float(vg.covariance(np.array([0.0]), np.array([0.0]))[0]), 2)
    0.65
    """

    def __init__(
        self,
        model: str | None = "spherical",
        psill: float = 1.0,
        range: float = 1.0,
        nugget: float = 0.0,
        anis: tuple[float, float] | None = None,
        kappa: float = 0.5,
        *,
        structures: Iterable[Structure] | None = None,
    ) -> None:
        if structures is not None:
            self.structures: tuple[Structure, ...] = tuple(structures)
        elif model is None:
            self.structures = ()
        else:
            self.structures = (Structure(model, psill, range, anis, kappa),)
        self.nugget = float(nugget)
        if not self.nugget >= 0 or not math.isfinite(self.nugget):
            raise ConfigError(
                f"nugget must be >= 0, got {self.nugget}", column="variogram.nugget"
            )
        if not self.structures and self.nugget == 0:
            raise ConfigError(
                "a variogram needs a structure or a nugget", column="variogram"
            )

    # ------------------------------------------------------------------ description
    @property
    def sill(self) -> float:
        """Total sill: nugget plus the partial sills."""
        return self.nugget + sum(s.psill for s in self.structures)

    @property
    def max_range(self) -> float:
        """Largest range parameter of the structures (0 for a pure nugget)."""
        return max((s.range for s in self.structures), default=0.0)

    def __add__(self, other: Variogram) -> Variogram:
        if not isinstance(other, Variogram):
            return NotImplemented
        return Variogram(
            structures=self.structures + other.structures,
            nugget=self.nugget + other.nugget,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Variogram):
            return NotImplemented
        return self.structures == other.structures and self.nugget == other.nugget

    def __hash__(self) -> int:
        return hash((self.structures, self.nugget))

    def __repr__(self) -> str:
        if len(self.structures) == 1:
            s = self.structures[0]
            parts = [f"model={s.model!r}", f"psill={s.psill!r}", f"range={s.range!r}"]
            parts.append(f"nugget={self.nugget!r}")
            if s.anis is not None:
                parts.append(f"anis={s.anis!r}")
            if s.model == "matern":
                parts.append(f"kappa={s.kappa!r}")
            return f"Variogram({', '.join(parts)})"
        return f"Variogram(structures={self.structures!r}, nugget={self.nugget!r})"

    def to_dict(self) -> dict:
        """A JSON-ready description (for provenance and reports)."""
        return {
            "nugget": self.nugget,
            "structures": [
                {
                    "model": s.model,
                    "psill": s.psill,
                    "range": s.range,
                    "anis": None if s.anis is None else list(s.anis),
                    "kappa": s.kappa,
                }
                for s in self.structures
            ],
        }

    # ------------------------------------------------------------------ evaluation
    def semivariance(self, h: ArrayLike) -> NDArray[np.float64]:
        """Semivariance at isotropic distances ``h`` (along the major axis).

        Zero at ``h == 0``; the nugget applies to every ``h > 0``.
        """
        h = np.asarray(h, dtype=float)
        gamma = np.where(h > 0, self.nugget, 0.0)
        for s in self.structures:
            gamma = gamma + s.psill * (1.0 - s.correlation(h / s.range))
        return gamma

    def covariance(self, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
        """Covariance for coordinate differences ``dx`` (east) and ``dy`` (north).

        ``sill`` at zero separation (nugget included), ``sill - gamma`` elsewhere.
        """
        dx = np.asarray(dx, dtype=float)
        dy = np.asarray(dy, dtype=float)
        cov = np.where((dx == 0) & (dy == 0), self.nugget, 0.0)
        for s in self.structures:
            cov = cov + s.psill * s.correlation(s.reduced_distance(dx, dy))
        return cov

    def covariance_matrix(
        self, a: NDArray[np.float64], b: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Covariances between the rows of ``a`` (n, 2) and of ``b`` (m, 2)."""
        b = a if b is None else b
        dx = a[:, 0, None] - b[None, :, 0]
        dy = a[:, 1, None] - b[None, :, 1]
        return self.covariance(dx, dy)
