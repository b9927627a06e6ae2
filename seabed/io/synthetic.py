"""Seeded synthetic cores drawn from a known, continuous REY field.

No per-core REY data of Minamitorishima are public, so seabed ships a generator of
realistic cores that keeps the truth they were sampled from: a
:class:`SyntheticField` can be evaluated exactly at any position and depth, so tests
can measure how well an estimator recovers it.

The field (all settings are attributes of :class:`SyntheticField`):

- **Lateral variation**: log-normal. ``log(peak grade) = log_mean + log_sd * g(x, y)``
  where ``g`` is a unit-variance Gaussian random field with an exponential (or
  Gaussian) covariance of practical range ``range_m`` (~30 km), built by random
  Fourier features (the spectral method) in a fixed azimuthal equidistant projection
  centred on the calibration box. It is a sum of cosines: no grid, exact everywhere.
- **Depth profile**: a low-grade cover (the "L" layer, ``cover_fraction`` of the
  peak) for the first 1-2 m, a Gaussian rise to a REY-rich peak at
  ``peak_depth_m`` +- ``peak_depth_spread_m`` (a second, smooth random field keeps
  it within 2-4 mbsf), then an exponential decay (scale ``decay_m``) towards
  ``deep_fraction`` of the peak. Window averages of this profile are computed
  **analytically** (error functions and exponentials), not by quadrature.
- **Water depth**: REY-rich mud lies in the 5,000-6,000 m abyssal plain; grades are
  multiplied by a logistic factor of the bundled ETOPO1 water depth (bilinear) that
  falls to ``seamount_fraction`` on seamount flanks and tops shallower than
  ~``rich_depth_m``.
- **Trend and seamount-like lows** (optional, off by default): ``trend_per_100km``
  adds a linear drift of the log grade along a seeded random azimuth, and
  ``n_seamounts`` multiplies the grade by Gaussian-shaped lows (radius
  ``seamount_radius_m``, grade falling to ``seamount_fraction`` at the summit) at
  seeded random positions in ``calibration_box``. Both break the stationarity that
  kriging and simulation assume: the second generator of the calibration study
  (``docs/validation.md``).
- **Calibration**: ``log_mean`` is solved in closed form so that the area-weighted
  mean of the 0-10 mbsf grade over ``calibration_box`` (the Takaya et al. 2018 box)
  equals ``target_mean_ppm`` (964 ppm, their reported mean).
- **Elements**: total REY split by :data:`REFERENCE_COMPOSITION`; cores drawn by
  :func:`make_survey` get a small per-core jitter of those proportions.

Run ``seabed synthetic --out data/demo_cores.csv --seed 2018
--n-cores 120`` to regenerate the bundled demo cores.

**Disclosure.** Every table :func:`make_survey` draws has a ``synthetic`` column,
True on every row, and :func:`seabed.io.load_cores` reads it back into
``attrs["synthetic"]``: a run on such cores says "synthetic" in every output
(statement, ``resource.json``, CSVs, GeoTIFF tags, report, PNGs), whatever the
file is called. Because the field is calibrated to the mean grade Takaya et al.
(2018) reported over their box, an estimate from these cores that agrees with that
paper does so by construction: the agreement validates nothing.

Examples
--------
>>> field = SyntheticField(seed=1)
>>> survey = make_survey(n_cores=12, seed=1, field=field)
>>> survey.samples["core_id"].nunique()
12
>>> bool(field.window_grade(153.8, 22.0) > 0)
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyproj
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy.special import erf

from seabed.composite import REFERENCE_COMPOSITION
from seabed.elements import REY, element_column
from seabed.exceptions import ConfigError
from seabed.io.cores import SYNTHETIC_COLUMN, validate_cores
from seabed.io.datasets import TAKAYA_BOX, bathymetry_path
from seabed.io.rasters import load_bathymetry, sample_raster

__all__ = [
    "DEMO_BOUNDS",
    "SyntheticField",
    "SyntheticSurvey",
    "make_survey",
]

#: Default survey area of :func:`make_survey` (lon_min, lat_min, lon_max, lat_max):
#: the southern EEZ around the Takaya et al. (2018) box, with a margin.
DEMO_BOUNDS: tuple[float, float, float, float] = (153.3, 21.6, 154.3, 22.45)

# Points evaluated at once, to bound the (points x features) arrays to ~100 MB.
_BLOCK = 32_768
# Midpoint-rule nodes per side for the calibration integral over the box.
_CALIBRATION_NODES = 160


@dataclass(frozen=True, eq=False)
class _FourierField:
    """A unit-variance stationary Gaussian field as a sum of random cosines.

    ``g(p) = sum_k a_k cos(w_k . p) + b_k sin(w_k . p)`` over ``M`` frequencies drawn
    from the covariance's spectral density, with ``a_k, b_k ~ N(0, 1/M)``. Its
    covariance is the target one (Bochner's theorem), up to the Monte Carlo error of
    ``M`` draws.
    """

    frequencies: NDArray[np.float64]  # (M, 2), radians per metre
    cos_weights: NDArray[np.float64]  # (M,)
    sin_weights: NDArray[np.float64]  # (M,)

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        *,
        covariance: str,
        range_m: float,
        n_features: int,
    ) -> _FourierField:
        normal = rng.standard_normal((n_features, 2))
        if covariance == "gaussian":
            # C(h) = exp(-3 h^2 / r^2): spectral density N(0, 6 / r^2)
            frequencies = normal * np.sqrt(6.0) / range_m
        elif covariance == "exponential":
            # C(h) = exp(-3 h / r): spectral density is bivariate Cauchy, scale 3 / r
            frequencies = normal / np.abs(rng.standard_normal((n_features, 1)))
            frequencies *= 3.0 / range_m
        else:
            raise ConfigError(
                f"unknown covariance {covariance!r}",
                column="covariance",
                hint="use 'exponential' or 'gaussian'",
            )
        weights = rng.standard_normal((2, n_features)) / np.sqrt(n_features)
        return cls(frequencies, weights[0], weights[1])

    def __call__(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        out = np.empty(x.size)
        xf, yf = x.ravel(), y.ravel()
        for start in range(0, x.size, _BLOCK):
            part = slice(start, start + _BLOCK)
            phase = np.multiply.outer(xf[part], self.frequencies[:, 0])
            phase += np.multiply.outer(yf[part], self.frequencies[:, 1])
            out[part] = np.cos(phase) @ self.cos_weights
            out[part] += np.sin(phase) @ self.sin_weights
        return out.reshape(x.shape)


@dataclass(eq=False)  # compared by identity: it holds a grid and random draws
class SyntheticField:
    """A known 3-D REY grade field: log-normal laterally, a peaked profile at depth.

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng` for the random features.
    range_m : float
        Practical range (5 % correlation) of the lateral log-grade field, metres.
    covariance : {"exponential", "gaussian"}
        Covariance of the lateral field: ``exp(-3h/r)`` (gstat ``Exp`` with range
        ``r/3``) or ``exp(-3h^2/r^2)`` (gstat ``Gau`` with range ``r/sqrt(3)``).
    log_sd : float
        Standard deviation of the natural log of the peak grade.
    target_mean_ppm : float
        Mean REY grade over ``calibration_box``, 0-10 mbsf, after calibration.
    calibration_box : tuple of float
        (lon_min, lat_min, lon_max, lat_max); its centre is also the centre of the
        local projection the random features live in.
    peak_depth_m, peak_depth_spread_m : float
        Mean depth (mbsf) of the grade peak and the largest departure from it.
    rise_m : float
        e-folding half-width of the Gaussian rise above the peak.
    decay_m : float
        e-folding length of the exponential decay below the peak.
    cover_fraction : float
        Grade of the low-REY surface cover as a fraction of the peak grade.
    deep_fraction : float
        Grade far below the peak as a fraction of the peak grade.
    rich_depth_m, rich_depth_width_m : float
        Water depth (m, positive down) at which the water-depth factor is half way
        between ``seamount_fraction`` and 1, and the width of that logistic step.
    seamount_fraction : float
        The water-depth factor on seamount tops (far shallower than
        ``rich_depth_m``).
    trend_per_100km : float
        Change of the log peak grade per 100 km along a random azimuth (drawn from
        ``seed``); 0 (the default) is no trend. 0.3 is a 35 % rise in grade over
        100 km.
    n_seamounts : int
        Seamount-like lows at random positions in ``calibration_box`` (drawn from
        ``seed``): the grade is multiplied by
        ``1 - (1 - seamount_fraction) exp(-(r / seamount_radius_m)^2)``. 0 (the
        default) adds none; the real seamounts come from the bathymetry anyway.
    seamount_radius_m : float
        e-folding radius of those lows, metres.
    n_features : int
        Random Fourier features of the lateral field (the peak-depth field uses a
        quarter as many: it is smoother).
    bathymetry : xarray.DataArray, optional
        Water depth, positive down, with a CRS; default: the bundled ETOPO1 grid.

    Attributes
    ----------
    log_mean : float
        Mean of the log peak grade, solved at construction so that the calibration
        box averages ``target_mean_ppm``.

    Examples
    --------
    >>> truth = SyntheticField(seed=3)
    >>> round(float(truth.box_mean()), 6)
    964.0
    >>> bool(2.0 <= truth.peak_depth(153.8, 22.0) <= 4.0)
    True
    """

    seed: int = 0
    range_m: float = 30_000.0
    covariance: Literal["exponential", "gaussian"] = "exponential"
    log_sd: float = 0.5
    target_mean_ppm: float = 964.0
    calibration_box: tuple[float, float, float, float] = TAKAYA_BOX
    peak_depth_m: float = 3.0
    peak_depth_spread_m: float = 0.8
    rise_m: float = 0.8
    decay_m: float = 3.0
    cover_fraction: float = 0.12
    deep_fraction: float = 0.3
    rich_depth_m: float = 4700.0
    rich_depth_width_m: float = 100.0
    seamount_fraction: float = 0.1
    trend_per_100km: float = 0.0
    n_seamounts: int = 0
    seamount_radius_m: float = 6000.0
    n_features: int = 256
    bathymetry: xr.DataArray | None = dataclasses.field(default=None, repr=False)
    log_mean: float = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        if self.bathymetry is None:
            self.bathymetry = load_bathymetry(bathymetry_path()).load()
        lon_min, lat_min, lon_max, lat_max = self.calibration_box
        centre_lon, centre_lat = (lon_min + lon_max) / 2, (lat_min + lat_max) / 2
        self._to_local = pyproj.Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={centre_lat} +lon_0={centre_lon} +datum=WGS84 +units=m",
            always_xy=True,
        )
        rng = np.random.default_rng(self.seed)
        self._level = _FourierField.draw(
            rng,
            covariance=self.covariance,
            range_m=self.range_m,
            n_features=self.n_features,
        )
        # the peak depth wanders smoothly: Gaussian covariance, longer range
        self._peak = _FourierField.draw(
            rng,
            covariance="gaussian",
            range_m=1.5 * self.range_m,
            n_features=max(16, self.n_features // 4),
        )
        # drawn after the fields, so that the options leave the fields unchanged
        azimuth = rng.uniform(0.0, 2.0 * np.pi)
        self._trend = (
            self.trend_per_100km
            / 100_000.0
            * np.array([np.sin(azimuth), np.cos(azimuth)])
        )
        corners = np.column_stack(
            self._local(np.array([lon_min, lon_max]), np.array([lat_min, lat_max]))
        )
        self._summits = rng.uniform(corners[0], corners[1], (self.n_seamounts, 2))
        self.log_mean = 0.0
        self.log_mean = float(np.log(self.target_mean_ppm / self.box_mean()))

    # -- lateral pieces

    def _local(self, lon: NDArray, lat: NDArray) -> tuple[NDArray, NDArray]:
        x, y = self._to_local.transform(lon, lat)
        return np.asarray(x, float), np.asarray(y, float)

    def water_depth(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Water depth (m, positive down), bilinear in :attr:`bathymetry`."""
        assert self.bathymetry is not None
        return sample_raster(self.bathymetry, lon, lat)

    def water_depth_factor(self, water_depth_m: ArrayLike) -> NDArray[np.float64]:
        """Multiplier of the grade: ~1 below ~5,000 m, ``seamount_fraction`` on tops."""
        step = (np.asarray(water_depth_m, float) - self.rich_depth_m) / (
            self.rich_depth_width_m
        )
        logistic = 0.5 * (1.0 + np.tanh(step / 2.0))  # overflow-free 1/(1+e^-s)
        return self.seamount_fraction + (1.0 - self.seamount_fraction) * logistic

    def peak_depth(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Depth of the grade peak (mbsf), within ``peak_depth_m`` +- spread."""
        x, y = self._local(*np.broadcast_arrays(np.asarray(lon), np.asarray(lat)))
        return self.peak_depth_m + self.peak_depth_spread_m * np.tanh(self._peak(x, y))

    def peak_grade(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """REY grade (ppm) at the peak of the profile."""
        lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        x, y = self._local(lon, lat)
        log_grade = self.log_mean + self.log_sd * self._level(x, y)
        log_grade += self._trend[0] * x + self._trend[1] * y
        depth_factor = self.water_depth_factor(self.water_depth(lon, lat))
        return np.exp(log_grade) * depth_factor * self._seamount_factor(x, y)

    def _seamount_factor(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Product of the Gaussian-shaped lows of the synthetic seamounts."""
        factor = np.ones_like(x)
        for sx, sy in self._summits:
            r2 = ((x - sx) ** 2 + (y - sy) ** 2) / self.seamount_radius_m**2
            factor *= 1.0 - (1.0 - self.seamount_fraction) * np.exp(-r2)
        return factor

    # -- depth profile (relative to the peak grade)

    def _profile(self, depth_m: NDArray, peak_m: NDArray) -> NDArray:
        above = self.cover_fraction + (1 - self.cover_fraction) * np.exp(
            -(((depth_m - peak_m) / self.rise_m) ** 2)
        )
        below = self.deep_fraction + (1 - self.deep_fraction) * np.exp(
            -(depth_m - peak_m) / self.decay_m
        )
        return np.where(depth_m <= peak_m, above, below)

    def _profile_integral(
        self, top: NDArray, bottom: NDArray, peak: NDArray
    ) -> NDArray:
        """Exact integral of the relative profile from ``top`` to ``bottom`` (m)."""
        # the part above the peak, [a1, b1], and the part below it, [a2, b2]
        a1, b1 = np.minimum(top, peak), np.minimum(bottom, peak)
        a2, b2 = np.maximum(top, peak), np.maximum(bottom, peak)
        c, d, w, lam = (self.cover_fraction, self.deep_fraction, self.rise_m,
                        self.decay_m)  # fmt: skip
        rise = (
            (1 - c)
            * w
            * np.sqrt(np.pi)
            / 2
            * (erf((b1 - peak) / w) - erf((a1 - peak) / w))
        )
        decay = (
            (1 - d) * lam * (np.exp(-(a2 - peak) / lam) - np.exp(-(b2 - peak) / lam))
        )
        return c * (b1 - a1) + rise + d * (b2 - a2) + decay

    # -- public grades

    def grade(
        self, lon: ArrayLike, lat: ArrayLike, depth_m: ArrayLike
    ) -> NDArray[np.float64]:
        """REY grade (ppm) at points and depths below seafloor (broadcast together).

        Examples
        --------
        >>> truth = SyntheticField(seed=3)
        >>> profile = truth.grade(153.8, 22.0, [0.5, 3.0, 9.0])
        >>> bool(profile[0] < profile[2] < profile.max())
        True
        """
        lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        depth = np.asarray(depth_m, float)
        peak = self.peak_depth(lon, lat)
        return self.peak_grade(lon, lat) * self._profile(depth, peak)

    def window_grade(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        top_m: ArrayLike = 0.0,
        bottom_m: ArrayLike = 10.0,
    ) -> NDArray[np.float64]:
        """Exact mean REY grade (ppm) between two depths (mbsf), analytically.

        ``top_m`` and ``bottom_m`` broadcast against the points, so one call gives
        the true grade of every sample interval of a survey.

        Examples
        --------
        >>> truth = SyntheticField(seed=3)
        >>> depths = np.linspace(0.0, 10.0, 20001)
        >>> numeric = truth.grade(153.8, 22.0, depths).mean()
        >>> bool(abs(truth.window_grade(153.8, 22.0) / numeric - 1) < 1e-4)
        True
        """
        lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        top, bottom = np.asarray(top_m, float), np.asarray(bottom_m, float)
        if np.any(bottom <= top) or np.any(top < 0):
            raise ConfigError(
                "the window needs 0 <= top_m < bottom_m",
                column="bottom_m",
                hint="depths are metres below seafloor, positive down",
            )
        peak = self.peak_depth(lon, lat)
        relative = self._profile_integral(top, bottom, peak) / (bottom - top)
        return self.peak_grade(lon, lat) * relative

    def element_grades(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        top_m: ArrayLike = 0.0,
        bottom_m: ArrayLike = 10.0,
    ) -> pd.DataFrame:
        """Mean grade (ppm) of every REY element between two depths.

        Returns
        -------
        pandas.DataFrame
            Columns ``Y_ppm`` ... ``Lu_ppm``, one row per point (flattened): the
            window grade split by :data:`REFERENCE_COMPOSITION`.

        Examples
        --------
        >>> truth = SyntheticField(seed=3)
        >>> elements = truth.element_grades([153.8, 153.9], [22.0, 22.1])
        >>> bool(np.allclose(elements.sum(axis=1),
        ...                  truth.window_grade([153.8, 153.9], [22.0, 22.1])))
        True
        """
        total = np.ravel(self.window_grade(lon, lat, top_m, bottom_m))
        return pd.DataFrame(
            {element_column(el): total * REFERENCE_COMPOSITION[el] for el in REY}
        )

    def box_mean(
        self,
        box: Sequence[float] | None = None,
        top_m: float = 0.0,
        bottom_m: float = 10.0,
    ) -> float:
        """Area-weighted mean grade (ppm) over a lon/lat box (default: calibration box).

        A midpoint rule on a 160 x 160 lon/lat lattice weighted by cos(latitude), the
        area of each lattice cell on the sphere.
        """
        lon_min, lat_min, lon_max, lat_max = box or self.calibration_box
        nodes = (np.arange(_CALIBRATION_NODES) + 0.5) / _CALIBRATION_NODES
        lon = lon_min + (lon_max - lon_min) * nodes
        lat = lat_min + (lat_max - lat_min) * nodes
        lon_grid, lat_grid = np.meshgrid(lon, lat)
        grades = self.window_grade(lon_grid, lat_grid, top_m, bottom_m)
        weights = np.cos(np.radians(lat_grid))
        return float(np.sum(grades * weights) / np.sum(weights))

    def cell_mean(
        self,
        x_edges: ArrayLike,
        y_edges: ArrayLike,
        crs: Any,
        top_m: float = 0.0,
        bottom_m: float = 10.0,
        n_sub: int = 8,
    ) -> xr.DataArray:
        """True mean grade of every cell of a grid, from ``n_sub`` x ``n_sub`` points.

        Parameters
        ----------
        x_edges, y_edges : array_like
            Cell edges in ``crs`` units (either order; ``len - 1`` cells each).
        crs : str, int or pyproj.CRS
            CRS of the edges.
        top_m, bottom_m : float
            The depth window (mbsf).
        n_sub : int
            Sub-cell centres per side averaged in each cell.

        Returns
        -------
        xarray.DataArray
            ``(y, x)`` cell means in ppm, coordinates at cell centres, CRS written.

        Examples
        --------
        >>> truth = SyntheticField(seed=3)
        >>> cells = truth.cell_mean([153.5, 153.8, 154.1], [22.2, 22.0, 21.8],
        ...                         "EPSG:4326", n_sub=4)
        >>> cells.shape, cells.attrs["units"]
        ((2, 2), 'ppm')
        """
        x_edges = np.asarray(x_edges, float)
        y_edges = np.asarray(y_edges, float)
        fractions = (np.arange(n_sub) + 0.5) / n_sub
        x_sub = (x_edges[:-1, None] + np.diff(x_edges)[:, None] * fractions).ravel()
        y_sub = y_edges[:-1, None] + np.diff(y_edges)[:, None] * fractions
        to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        nx, ny = len(x_edges) - 1, len(y_edges) - 1
        means = np.empty((ny, nx))
        for row in range(ny):
            xx, yy = np.meshgrid(x_sub, y_sub[row])
            lon, lat = to_lonlat.transform(xx, yy)
            grades = self.window_grade(lon, lat, top_m, bottom_m)
            means[row] = grades.reshape(n_sub, nx, n_sub).mean(axis=(0, 2))
        cells = xr.DataArray(
            means,
            dims=("y", "x"),
            coords={
                "y": (y_edges[:-1] + y_edges[1:]) / 2,
                "x": (x_edges[:-1] + x_edges[1:]) / 2,
            },
            name="true_rey_ppm",
            attrs={
                "units": "ppm",
                "long_name": f"true mean REY grade, {top_m:g}-{bottom_m:g} mbsf",
                "n_sub": n_sub,
            },
        )
        return cells.rio.write_crs(pyproj.CRS.from_user_input(crs))


@dataclass(eq=False)
class SyntheticSurvey:
    """Cores drawn from a :class:`SyntheticField`.

    Attributes
    ----------
    samples : pandas.DataFrame
        A canonical cores table (as :func:`seabed.io.load_cores` returns), with
        element columns, ``dry_density_t_m3``, ``water_depth_m`` and the column
        ``synthetic`` (True on every row; ``attrs["synthetic"]`` is True too), so
        that any file written from it says it is synthetic.
    field : SyntheticField
        The truth the cores were sampled from.
    seed : int
        The seed of the survey's random draws.
    """

    samples: pd.DataFrame
    field: SyntheticField
    seed: int


def _survey_box(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """``bounds`` checked: a box in WGS84 degrees, west to east, south to north."""
    values = np.asarray(bounds, dtype=float).ravel()
    # written so that NaN fails every comparison
    if values.size == 4:
        west, south, east, north = (float(v) for v in values)
        if -180 <= west < east <= 180 and -90 <= south < north <= 90:
            return west, south, east, north
    raise ConfigError(
        f"bounds {' '.join(f'{v:g}' for v in values)} are not a box in WGS84 degrees",
        hint="give LON_MIN LAT_MIN LON_MAX LAT_MAX with min < max, longitudes within "
        "-180 to 180 and latitudes within -90 to 90",
    )


def _check_known_depths(
    field: SyntheticField, lon: NDArray, lat: NDArray, bounds: Sequence[float]
) -> None:
    """Every core where the field's bathymetry knows the water depth: elsewhere its
    grade is unknown (the bundled grid covers the region of Minamitorishima)."""
    unknown = ~np.isfinite(field.water_depth(lon, lat))
    if not unknown.any():
        return
    assert field.bathymetry is not None
    west, south, east, north = field.bathymetry.rio.transform_bounds("EPSG:4326")
    raise ConfigError(
        f"bounds {' '.join(f'{v:g}' for v in bounds)}: the synthetic field has no "
        f"water depth at {int(unknown.sum())} of the {unknown.size} cores (its "
        f"bathymetry covers longitudes {west:g} to {east:g} and latitudes {south:g} "
        f"to {north:g}), so their grade is unknown",
        hint="give bounds inside it, or a SyntheticField(bathymetry=...) of your "
        "region",
    )


def make_survey(
    *,
    n_cores: int = 100,
    bounds: Sequence[float] | None = None,
    seed: int = 0,
    sample_m: float = 0.5,
    max_depth_m: tuple[float, float] = (8.0, 14.0),
    field: SyntheticField | None = None,
    noise: float = 0.05,
    gap_fraction: float = 0.02,
) -> SyntheticSurvey:
    """Draw a realistic set of cores from a synthetic field.

    Cores sit on a jittered grid over ``bounds`` (90 %) plus a few clusters of
    re-sampled sites (10 %). About 10 % of the cores are shorter than 10 m, so that
    compositing has cores to flag. Each core is cut into contiguous ``sample_m``
    intervals whose grade is the exact interval mean of the field, times
    measurement noise; a few interior intervals are missing (lost or unsampled core
    sections).

    Parameters
    ----------
    n_cores : int
        Number of cores.
    bounds : sequence of float, optional
        (lon_min, lat_min, lon_max, lat_max); default :data:`DEMO_BOUNDS`.
    seed : int
        Seed of the draws; also the field's seed when ``field`` is None.
    sample_m : float
        Sample interval length (m); the last sample of a core takes the remainder.
    max_depth_m : (float, float)
        Range of core lengths (m). When it spans 10 m, a tenth of the cores are drawn
        below 10 m and the rest above.
    field : SyntheticField, optional
        The truth to sample; default ``SyntheticField(seed=seed)``.
    noise : float
        Log-normal relative measurement noise of sample grades (0 = exact).
    gap_fraction : float
        Share of interior sample intervals dropped (0 = contiguous cores).

    Returns
    -------
    SyntheticSurvey

    Examples
    --------
    >>> survey = make_survey(n_cores=20, seed=4)
    >>> cores = survey.samples.groupby("core_id")["bottom_m"].max()
    >>> int((cores < 10).sum())
    2
    """
    if n_cores < 1:
        raise ConfigError(f"n_cores is {n_cores}", column="n_cores", hint="give >= 1")
    if sample_m <= 0 or max_depth_m[0] <= 0 or max_depth_m[1] < max_depth_m[0]:
        raise ConfigError(
            f"sample_m {sample_m}, max_depth_m {max_depth_m}",
            column="max_depth_m",
            hint="give sample_m > 0 and 0 < min <= max core length",
        )
    bounds = _survey_box(DEMO_BOUNDS if bounds is None else bounds)
    field = SyntheticField(seed=seed) if field is None else field
    rng = np.random.default_rng([seed, 1])  # a stream apart from the field's
    lon, lat = _core_positions(rng, n_cores, bounds)
    _check_known_depths(field, lon, lat, bounds)
    lengths = _core_lengths(rng, n_cores, max_depth_m)
    core, top, bottom = _sample_intervals(rng, lengths, sample_m, gap_fraction)

    grade = field.window_grade(lon[core], lat[core], top, bottom)
    grade *= np.exp(noise * rng.standard_normal(grade.size) - noise**2 / 2)
    proportions = _jittered_proportions(rng, n_cores)
    elements = {
        element_column(el): _round_significant(grade * proportions[core, i], 3)
        for i, el in enumerate(REY)
    }
    middle = (top + bottom) / 2
    # compaction: ~0.50 t/m3 at the seafloor to ~0.60 at 10 m, mean 0.55 over 0-10 m
    dry_density = 0.50 + 0.01 * middle + 0.02 * rng.standard_normal(middle.size)
    water_depth = np.round(field.water_depth(lon, lat))
    table = pd.DataFrame(
        {
            "core_id": np.array([f"SYN-{i + 1:03d}" for i in range(n_cores)])[core],
            "lon": np.round(lon[core], 5),
            "lat": np.round(lat[core], 5),
            "top_m": np.round(top, 2),
            "bottom_m": np.round(bottom, 2),
            "rey_ppm": np.round(np.sum(list(elements.values()), axis=0), 1),
            **elements,
            "dry_density_t_m3": np.round(dry_density, 3),
            "water_depth_m": water_depth[core],
        }
    )
    samples = validate_cores(table)
    # the total is re-summed from the rounded elements; keep the file free of float noise
    samples["rey_ppm"] = samples["rey_ppm"].round(3)
    # the mark travels with the data: a copied or renamed file is still synthetic
    samples[SYNTHETIC_COLUMN] = True
    samples.attrs["synthetic"] = True
    return SyntheticSurvey(samples=samples, field=field, seed=seed)


def _core_positions(
    rng: np.random.Generator, n_cores: int, bounds: tuple[float, ...]
) -> tuple[NDArray, NDArray]:
    """A jittered survey grid over the bounds, plus clusters of nearby re-coring."""
    lon_min, lat_min, lon_max, lat_max = bounds
    n_clustered = round(0.1 * n_cores) if n_cores >= 10 else 0
    n_grid = n_cores - n_clustered
    # columns and rows in proportion to the box's ground width and height
    mid_lat = np.radians((lat_min + lat_max) / 2)
    aspect = (lon_max - lon_min) * np.cos(mid_lat) / (lat_max - lat_min)
    nx = max(1, round(np.sqrt(n_grid * aspect)))
    ny = int(np.ceil(n_grid / nx))
    cell_lon, cell_lat = (lon_max - lon_min) / nx, (lat_max - lat_min) / ny
    col, row = np.meshgrid(np.arange(nx), np.arange(ny))
    keep = np.sort(rng.choice(nx * ny, size=n_grid, replace=False))
    jitter = rng.uniform(-0.35, 0.35, size=(2, n_grid))
    lon = lon_min + (col.ravel()[keep] + 0.5 + jitter[0]) * cell_lon
    lat = lat_max - (row.ravel()[keep] + 0.5 + jitter[1]) * cell_lat
    if n_clustered:
        centres = rng.choice(n_grid, size=max(1, n_clustered // 3), replace=False)
        site = rng.choice(centres, size=n_clustered)
        # re-cored sites lie within a few km: 1.5 km standard deviation
        offset_deg = rng.normal(0.0, 1500.0, size=(2, n_clustered)) / 111_320.0
        lon_c = lon[site] + offset_deg[0] / np.cos(np.radians(lat[site]))
        lat_c = lat[site] + offset_deg[1]
        lon = np.concatenate([lon, np.clip(lon_c, lon_min, lon_max)])
        lat = np.concatenate([lat, np.clip(lat_c, lat_min, lat_max)])
    return lon, lat


def _core_lengths(
    rng: np.random.Generator, n_cores: int, max_depth_m: tuple[float, float]
) -> NDArray:
    shortest, longest = max_depth_m
    lengths = rng.uniform(shortest, longest, n_cores)
    if shortest < 10.0 < longest:
        short = np.zeros(n_cores, bool)
        short[rng.choice(n_cores, size=max(1, round(0.1 * n_cores)), replace=False)] = (
            True
        )
        # long cores go at least 5 cm past 10 m, short ones stop 5 cm short of it
        lengths = np.where(
            short,
            rng.uniform(shortest, 9.95, n_cores),
            rng.uniform(10.05, longest, n_cores),
        )
    return np.round(lengths, 2)


def _sample_intervals(
    rng: np.random.Generator, lengths: NDArray, sample_m: float, gap_fraction: float
) -> tuple[NDArray, NDArray, NDArray]:
    """Contiguous sample intervals down each core, as (core index, top, bottom)."""
    n_full = np.floor(lengths / sample_m + 1e-9).astype(int)
    remainder = lengths - n_full * sample_m
    # a remainder under 10 cm joins the last full sample instead of standing alone
    n_samples = np.maximum(1, n_full + (remainder >= 0.1))
    core = np.repeat(np.arange(lengths.size), n_samples)
    first = np.repeat(np.cumsum(n_samples) - n_samples, n_samples)
    index = np.arange(core.size) - first
    top = index * sample_m
    last = index == n_samples[core] - 1
    bottom = np.where(last, lengths[core], (index + 1) * sample_m)
    interior = (index > 0) & ~last
    kept = ~(interior & (rng.random(core.size) < gap_fraction))
    return core[kept], top[kept], bottom[kept]


def _jittered_proportions(rng: np.random.Generator, n_cores: int) -> NDArray:
    """Per-core element fractions: the reference times ~5 % noise, summing to 1."""
    reference = np.array([REFERENCE_COMPOSITION[el] for el in REY])
    jittered = reference * np.exp(0.05 * rng.standard_normal((n_cores, len(REY))))
    return jittered / jittered.sum(axis=1, keepdims=True)


def _round_significant(values: NDArray, digits: int) -> NDArray:
    """Round to significant digits, as laboratories report trace elements."""
    magnitude = np.floor(np.log10(np.where(values > 0, values, 1.0)))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.round(values * scale) / scale
