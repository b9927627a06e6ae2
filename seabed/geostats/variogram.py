"""Variogram models with R gstat's ``vgm()`` conventions.

A :class:`Variogram` is a nugget plus one or more structures (spherical, exponential,
Gaussian, Matern, linear, power), each with its partial sill, range parameter and
optional geometric anisotropy. Parameters mean exactly what they mean in gstat, so a
model fitted in R can be typed in unchanged:

- ``range`` is gstat's range parameter: the distance where the spherical model reaches
  its sill, and the scale parameter ``a`` of the exponential (``1 - exp(-h/a)``), Gaussian
  (``1 - exp(-(h/a)^2)``) and Matern models (practical ranges about 3a and 1.73a);
- the linear model with ``range = 0`` and the power model have no sill (they are
  *unbounded*, intrinsic only): linear is then ``psill * h`` (a slope of ``psill``
  per metre), power is ``psill * h^range`` with the exponent ``range`` in (0, 2);
  gstat's linear model with ``range > 0`` levels off: ``psill * min(h / range, 1)``
  (valid in one dimension only; in the plane its kriging systems can be singular);
- gstat's pure nugget ``vgm(psill, "Nug", 0)`` is ``Variogram("Nug", psill=...)``: no
  structure, a nugget of ``psill``;
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
    "lin": "linear",
    "linear": "linear",
    "pow": "power",
    "power": "power",
}

#: gstat's pure-nugget model name (a variogram with no structure).
NUGGET_MODELS = frozenset({"nug", "nugget"})

#: Largest exponent of the power model (2 is a deterministic linear drift).
MAX_POWER = 2.0

#: Integer codes for compiled kernels, in a fixed order.
MODEL_CODES: dict[str, int] = {
    "spherical": 0,
    "exponential": 1,
    "gaussian": 2,
    "matern": 3,
    "linear": 4,
    "power": 5,
}


def _model_name(model: str) -> str:
    try:
        return MODELS[model.strip().lower()]
    except (KeyError, AttributeError):
        raise ConfigError(
            f"unknown variogram model {model!r}",
            column="variogram.model",
            hint="use spherical (Sph), exponential (Exp), gaussian (Gau), matern "
            "(Mat), linear (Lin), power (Pow) or a pure nugget (Nug)",
        ) from None


@dataclass(frozen=True)
class Structure:
    """One nested structure of a variogram (gstat's one row of ``vgm()``).

    Parameters
    ----------
    model : str
        ``"spherical"``, ``"exponential"``, ``"gaussian"``, ``"matern"``,
        ``"linear"`` or ``"power"``.
    psill : float
        Partial sill (>= 0); the slope per metre of the linear model with range 0,
        the semivariance at 1 m of the power model.
    range : float
        gstat's range parameter along the major axis, in metres (> 0; 0 makes the
        linear model unbounded); the exponent, in (0, 2), of the power model.
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
        unbounded_linear = self.model == "linear" and self.range == 0
        if not (self.range > 0 or unbounded_linear) or not math.isfinite(self.range):
            raise ConfigError(
                f"range must be > 0 metres, got {self.range}", column="variogram.range"
            )
        if self.model == "power" and not self.range < MAX_POWER:
            raise ConfigError(
                f"the power model's exponent (its range) must be in (0, 2), got "
                f"{self.range}",
                column="variogram.range",
                hint="gstat's Pow takes the exponent as its range",
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

    @property
    def bounded(self) -> bool:
        """Whether the structure has a sill (a covariance)."""
        return not (
            self.model == "power" or (self.model == "linear" and not self.range)
        )

    def distance(self, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
        """Distance after the anisotropy transform, in metres along the major axis."""
        dx = np.asarray(dx, dtype=float)
        dy = np.asarray(dy, dtype=float)
        if self.anis is None:
            return np.hypot(dx, dy)
        angle, ratio = self.anis
        theta = math.radians(angle)
        # component along the major axis (clockwise from north) and across it
        along = dx * math.sin(theta) + dy * math.cos(theta)
        across = dx * math.cos(theta) - dy * math.sin(theta)
        return np.hypot(along, across / ratio)

    def reduced_distance(self, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
        """Distance scaled by the range, after the anisotropy transform (bounded
        models)."""
        return self.distance(dx, dy) / self.range

    def unit_semivariance(self, h: ArrayLike) -> NDArray[np.float64]:
        """Semivariance of this structure with a unit partial sill at distances ``h``
        (metres along the major axis); 0 at ``h = 0``."""
        return unit_semivariance(self.model, h, self.range, self.kappa)

    def correlation(self, r: NDArray[np.float64]) -> NDArray[np.float64]:
        """Correlation (1 - normalised semivariance) at reduced distance ``r``.

        Only bounded models have one.
        """
        if not self.bounded:
            raise ConfigError(
                f"the {self.model} model has no sill, hence no correlation",
                column="variogram.model",
                hint="use a bounded model (spherical, exponential, gaussian, matern)",
            )
        return _bounded_correlation(self.model, np.asarray(r, dtype=float), self.kappa)


def unit_semivariance(
    model: str, h: ArrayLike, range_: float, kappa: float = 0.5
) -> NDArray[np.float64]:
    """Semivariance of a unit-sill ``model`` (a long name) at distances ``h``.

    Parameters as in :class:`Structure`; the fit varies ``range_`` through here.

    Examples
    --------
    >>> unit_semivariance("linear", [0.0, 50.0, 400.0], 100.0).tolist()
    [0.0, 0.5, 1.0]
    >>> unit_semivariance("linear", [0.0, 50.0], 0.0).tolist()
    [0.0, 50.0]
    >>> unit_semivariance("power", [0.0, 4.0], 1.5).tolist()
    [0.0, 8.0]
    """
    d: NDArray[np.float64] = np.maximum(np.asarray(h, dtype=float), 0.0)
    if model == "linear":
        return d if range_ == 0 else np.minimum(d / range_, 1.0)
    if model == "power":
        return d**range_
    return np.where(d > 0, 1.0 - _bounded_correlation(model, d / range_, kappa), 0.0)


def _bounded_correlation(
    model: str, r: NDArray[np.float64], kappa: float
) -> NDArray[np.float64]:
    if model == "linear":
        return 1.0 - np.minimum(r, 1.0)
    if model == "spherical":
        rc = np.minimum(r, 1.0)
        return 1.0 - (1.5 * rc - 0.5 * rc**3)
    if model == "exponential":
        return np.exp(-r)
    if model == "gaussian":
        return np.exp(-(r**2))
    return _matern_correlation(r, kappa)


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
        (``"Exp"``), ``"gaussian"`` (``"Gau"``), ``"matern"`` (``"Mat"``),
        ``"linear"`` (``"Lin"``) or ``"power"`` (``"Pow"``); ``"Nug"`` (or
        ``"nugget"``) makes a pure nugget of ``psill`` (added to ``nugget``).
    psill : float
        Partial sill of the first structure.
    range : float
        gstat's range parameter of the first structure, in metres (the exponent
        of the power model; ignored by ``"Nug"``).
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
    >>> Variogram("Lin", psill=0.002, range=0.0).semivariance([500.0, 4000.0]).tolist()
    [1.0, 8.0]
    >>> Variogram("Nug", psill=0.3).nugget, Variogram("Pow", psill=1.0, range=1.5).bounded
    (0.3, False)
    """

    def __init__(
        self,
        model: str | None = "spherical",
        psill: float = 1.0,
        range: float | None = 1.0,
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
        elif isinstance(model, str) and model.strip().lower() in NUGGET_MODELS:
            self.structures = ()
            nugget = float(nugget) + float(psill)
        else:
            if range is None:
                raise ConfigError(
                    f"the {model} model needs a range", column="variogram.range"
                )
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
    def bounded(self) -> bool:
        """Whether the model has a sill (all its structures do): only then is there
        a covariance, as simple kriging and simulation need."""
        return all(s.bounded for s in self.structures)

    @property
    def sill(self) -> float:
        """Total sill: nugget plus the partial sills (infinite when unbounded)."""
        if not self.bounded:
            return math.inf
        return self.nugget + sum(s.psill for s in self.structures)

    @property
    def max_range(self) -> float:
        """Largest range parameter of the bounded structures (0 for a pure nugget)."""
        return max((s.range for s in self.structures if s.bounded), default=0.0)

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
            gamma = gamma + s.psill * s.unit_semivariance(h)
        return gamma

    def semivariance_xy(self, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
        """Semivariance for coordinate differences ``dx`` (east) and ``dy`` (north),
        anisotropy included."""
        dx = np.asarray(dx, dtype=float)
        dy = np.asarray(dy, dtype=float)
        gamma = np.where((dx == 0) & (dy == 0), 0.0, self.nugget)
        for s in self.structures:
            gamma = gamma + s.psill * s.unit_semivariance(s.distance(dx, dy))
        return gamma

    def covariance(self, dx: ArrayLike, dy: ArrayLike) -> NDArray[np.float64]:
        """Covariance for coordinate differences ``dx`` (east) and ``dy`` (north).

        ``sill`` at zero separation (nugget included), ``sill - gamma`` elsewhere.
        Unbounded models (linear, power) have none: ConfigError.
        """
        self.require_bounded("a covariance")
        dx = np.asarray(dx, dtype=float)
        dy = np.asarray(dy, dtype=float)
        cov = np.where((dx == 0) & (dy == 0), self.nugget, 0.0)
        for s in self.structures:
            cov = cov + s.psill * s.correlation(s.reduced_distance(dx, dy))
        return cov

    def require_bounded(self, purpose: str, column: str = "variogram") -> None:
        """Raise ConfigError naming ``purpose`` when the model has no sill.

        Examples
        --------
        >>> Variogram("Pow", psill=1.0, range=1.5).require_bounded("simple kriging")
        Traceback (most recent call last):
        ...
        seabed.exceptions.ConfigError: key 'variogram': simple kriging needs a variogram with a sill; ...
        """
        if self.bounded:
            return
        names = ", ".join(sorted({s.model for s in self.structures if not s.bounded}))
        raise ConfigError(
            f"{purpose} needs a variogram with a sill; the {names} model grows "
            "without bound (it has no covariance)",
            column=column,
            hint="use ordinary or universal kriging, or a bounded model (spherical, "
            "exponential, gaussian, matern)",
        )

    def covariance_matrix(
        self, a: NDArray[np.float64], b: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Covariances between the rows of ``a`` (n, 2) and of ``b`` (m, 2)."""
        b = a if b is None else b
        dx = a[:, 0, None] - b[None, :, 0]
        dy = a[:, 1, None] - b[None, :, 1]
        return self.covariance(dx, dy)
