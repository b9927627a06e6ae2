"""Composite sample intervals over a depth window below the seafloor.

A core's grade over a window (say 0-10 mbsf) is the **length-weighted** mean of its
sample intervals clipped to the window: a sample 1.5-2.5 m counts 0.5 m towards a
window ending at 2 m, and gaps between samples carry no weight. A core whose deepest
sample does not reach the window's bottom is kept but flagged
(``reaches_bottom=False``) with one :class:`~seabed.exceptions.SeabedWarning`, because
its average speaks for part of the window only.

TREO (total rare-earth oxides) is the sum of element grades times their oxide factors
(:func:`seabed.elements.oxide_factors`). When the samples give only the total REY,
TREO uses the mean oxide factor of :data:`REFERENCE_COMPOSITION`, an illustrative
element make-up of Minamitorishima mud; ``attrs["treo_basis"]`` says which was used.

Everything is vectorised: the overlap of every sample with every slice is one array,
and the sums per core are one sparse matrix product.

Examples
--------
>>> samples = pd.DataFrame({"core_id": ["A", "A"], "lon": 153.8, "lat": 22.0,
...                         "top_m": [0.0, 2.0], "bottom_m": [2.0, 10.0],
...                         "rey_ppm": [100.0, 1000.0]})
>>> composite_cores(samples).loc["A", "rey_ppm"]
np.float64(820.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from seabed.density import dry_from_wet, max_water_content
from seabed.elements import DEFAULT_OXIDES, REY, element_column, oxide_factors
from seabed.exceptions import ConfigError, InputError, SeabedWarning

__all__ = [
    "REFERENCE_COMPOSITION",
    "apply_top_cut",
    "composite_cores",
    "composite_slices",
    "reference_oxide_factor",
    "slice_edges",
    "used_composites",
]

# Illustrative grades (ppm) of a highly REY-rich Minamitorishima mud, rounded, shaped
# on the element patterns reported by Iijima et al. (2016, Geochem. J.
# 50:557) and Takaya et al. (2018, Sci. Rep. 8:5763): Y about a quarter of ΣREY,
# Y + HREE (Gd-Lu) about 44 %, a strong negative Ce anomaly (PAAS-normalised
# Ce/Ce* about 0.2). Not measured values: a stand-in where only ΣREY is known.
_REFERENCE_PPM = {
    "Y": 1150.0, "La": 850.0, "Ce": 300.0, "Pr": 180.0, "Nd": 850.0,
    "Sm": 170.0, "Eu": 40.0, "Gd": 200.0, "Tb": 35.0, "Dy": 210.0,
    "Ho": 45.0, "Er": 130.0, "Tm": 18.0, "Yb": 110.0, "Lu": 17.0,
}  # fmt: skip

#: Fraction of total REY carried by each element in typical Minamitorishima REY-rich
#: mud (illustrative; sums to 1). Used to turn a total REY grade into TREO and to
#: make synthetic element grades.
REFERENCE_COMPOSITION: Mapping[str, float] = MappingProxyType(
    {el: _REFERENCE_PPM[el] / sum(_REFERENCE_PPM.values()) for el in REY}
)

_ELEMENT_COLUMNS = [element_column(el) for el in REY]
_REQUIRED = ("core_id", "lon", "lat", "top_m", "bottom_m")
# a core reaching 9.9999995 m (float noise from unit conversions) reaches 10 m
_DEPTH_TOLERANCE_M = 1e-6
_MAX_LISTED_CORES = 20


def reference_oxide_factor(oxides: Mapping[str, str] | None = None) -> float:
    """Mean oxide factor of :data:`REFERENCE_COMPOSITION` (TREO per unit REY).

    Parameters
    ----------
    oxides : mapping, optional
        Element -> oxide formula overrides, as in
        :func:`seabed.elements.oxide_factors`.

    Returns
    -------
    float
        Sum over the elements of fraction x oxide factor.

    Examples
    --------
    >>> round(reference_oxide_factor(), 4)
    1.1977
    """
    factors = oxide_factors(oxides)
    return sum(REFERENCE_COMPOSITION[el] * factors[el] for el in REY)


def composite_cores(
    samples: pd.DataFrame,
    *,
    top_m: float = 0.0,
    bottom_m: float = 10.0,
    oxides: Mapping[str, str] | None = None,
    pore_water_salinity: float | None = None,
) -> pd.DataFrame:
    """Length-weighted grade of every core over one depth window.

    Parameters
    ----------
    samples : pandas.DataFrame
        Canonical cores table, as :func:`seabed.io.load_cores` returns.
    top_m, bottom_m : float
        The window, in metres below seafloor.
    oxides : mapping, optional
        Element -> oxide formula overrides for TREO (e.g. ``{"Ce": "Ce2O3"}``).
    pore_water_salinity : float, optional
        Salt mass fraction of the pore water, to correct the samples'
        ``water_content`` (mass lost on drying) when a dry density is derived from
        it (:func:`seabed.density.dry_from_wet`); None: no correction.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``core_id`` (sorted), with ``lon``, ``lat``, ``rey_ppm``,
        ``treo_ppm``, the element ``*_ppm`` columns if the samples have them,
        ``sampled_m`` (length of the window covered by samples), ``reaches_bottom``,
        ``dry_density_t_m3`` (if given, else derived from ``wet_density_t_m3`` and
        ``water_content``) and ``water_depth_m`` (if given). Cores with no sample in
        the window have NaN grades and ``sampled_m`` 0. ``attrs`` records the
        window, the oxide forms, the TREO basis, the ``pore_water_salinity`` and
        ``dry_from_wet_samples``: per core, its samples in the window whose dry
        density was derived.

    Raises
    ------
    InputError
        If a derived dry density is not positive (water content of at least
        1 - salinity).

    Warns
    -----
    SeabedWarning
        Once, listing the cores that do not reach ``bottom_m``.

    Examples
    --------
    >>> samples = pd.DataFrame({"core_id": ["A", "A", "B"], "lon": [1.0, 1.0, 2.0],
    ...                         "lat": 0.0, "top_m": [0.0, 1.0, 0.0],
    ...                         "bottom_m": [1.0, 2.0, 2.0],
    ...                         "rey_ppm": [200.0, 400.0, 500.0]})
    >>> comp = composite_cores(samples, bottom_m=2.0)
    >>> comp["rey_ppm"].tolist(), comp["reaches_bottom"].tolist()
    ([300.0, 500.0], [True, True])
    """
    _check_window(top_m, bottom_m)
    edges = np.array([top_m, bottom_m], dtype=float)
    parts = _Composite(samples, edges, oxides, pore_water_salinity)
    table = pd.DataFrame(index=pd.Index(parts.core_ids, name="core_id"))
    table["lon"] = parts.per_core("lon")
    table["lat"] = parts.per_core("lat")
    for name, values in parts.grades.items():
        table[name] = values[:, 0]
    table["sampled_m"] = parts.sampled_m[:, 0]
    table["reaches_bottom"] = parts.deepest_m >= bottom_m - _DEPTH_TOLERANCE_M
    if parts.dry_density is not None:
        table["dry_density_t_m3"] = parts.dry_density[:, 0]
    if "water_depth_m" in samples.columns:
        table["water_depth_m"] = parts.per_core("water_depth_m")
    _warn_short(table.index[~table["reaches_bottom"]], bottom_m)
    _warn_of_long_samples(samples, top_m, bottom_m)
    table.attrs.update(parts.attrs(top_m, bottom_m))
    return table


def composite_slices(
    samples: pd.DataFrame,
    *,
    top_m: float = 0.0,
    bottom_m: float = 10.0,
    slice_m: float = 1.0,
    oxides: Mapping[str, str] | None = None,
    pore_water_salinity: float | None = None,
) -> pd.DataFrame:
    """Length-weighted grade of every core in consecutive slices of a window.

    Parameters
    ----------
    samples : pandas.DataFrame
        Canonical cores table, as :func:`seabed.io.load_cores` returns.
    top_m, bottom_m : float
        The window, in metres below seafloor.
    slice_m : float
        Slice thickness; the last slice is cut short at ``bottom_m`` if the window
        is not a whole number of slices.
    oxides : mapping, optional
        Element -> oxide formula overrides for TREO.
    pore_water_salinity : float, optional
        As in :func:`composite_cores`.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per core and slice: ``core_id``, ``slice_top_m``,
        ``slice_bottom_m``, ``rey_ppm``, ``treo_ppm``, the element columns if
        given, ``sampled_m``, ``complete`` (the slice is fully covered by samples)
        and ``dry_density_t_m3`` if known. Weighting the slices by ``sampled_m``
        gives back the window grade of :func:`composite_cores`.

    Examples
    --------
    >>> samples = pd.DataFrame({"core_id": "A", "lon": 1.0, "lat": 0.0,
    ...                         "top_m": [0.0, 1.5], "bottom_m": [1.5, 2.0],
    ...                         "rey_ppm": [200.0, 800.0]})
    >>> slices = composite_slices(samples, bottom_m=2.0)
    >>> slices[["slice_top_m", "rey_ppm", "complete"]].to_numpy().tolist()
    [[0.0, 200.0, True], [1.0, 500.0, True]]
    """
    _check_window(top_m, bottom_m)
    if not np.isfinite(slice_m) or slice_m <= 0:
        raise ConfigError(
            f"slice_m is {slice_m}", column="slice_m", hint="give a thickness > 0"
        )
    edges = slice_edges(top_m, bottom_m, slice_m)
    parts = _Composite(samples, edges, oxides, pore_water_salinity)
    n_cores, n_slices = len(parts.core_ids), len(edges) - 1
    table = pd.DataFrame(
        {
            "core_id": np.repeat(parts.core_ids, n_slices),
            "slice_top_m": np.tile(edges[:-1], n_cores),
            "slice_bottom_m": np.tile(edges[1:], n_cores),
        }
    )
    for name, values in parts.grades.items():
        table[name] = values.ravel()
    table["sampled_m"] = parts.sampled_m.ravel()
    thickness = table["slice_bottom_m"] - table["slice_top_m"]
    table["complete"] = table["sampled_m"] >= thickness - _DEPTH_TOLERANCE_M
    if parts.dry_density is not None:
        table["dry_density_t_m3"] = parts.dry_density.ravel()
    table.attrs.update(parts.attrs(top_m, bottom_m))
    table.attrs["slice_m"] = float(slice_m)
    return table


class _Composite:
    """Length-weighted sums of one samples table over the slices between ``edges``.

    Arrays are (n_cores, n_slices), cores in sorted ``core_id`` order.
    """

    def __init__(
        self,
        samples: pd.DataFrame,
        edges: NDArray[np.float64],
        oxides: Mapping[str, str] | None,
        pore_water_salinity: float | None = None,
    ) -> None:
        _check_columns(samples)
        self.samples = samples
        codes, core_ids = pd.factorize(samples["core_id"].astype(str), sort=True)
        self.codes = codes
        self.core_ids = np.asarray(core_ids, dtype=object)
        n = len(samples)
        # sums over the samples of each core, as one sparse product
        self._by_core = sparse.csr_array(
            (np.ones(n), (codes, np.arange(n))), shape=(len(self.core_ids), n)
        )
        top = samples["top_m"].to_numpy(dtype=float)
        bottom = samples["bottom_m"].to_numpy(dtype=float)
        self.lengths = _overlaps(top, bottom, edges)
        self.sampled_m = self._by_core @ self.lengths
        self.deepest_m = samples.groupby(codes)["bottom_m"].max().to_numpy(dtype=float)
        self.oxides = dict(DEFAULT_OXIDES) | dict(oxides or {})
        self.grades = self._grades(oxides)
        self.pore_water_salinity = pore_water_salinity
        dry, from_wet = _dry_density(samples, pore_water_salinity)
        self.dry_density = None if dry is None else self.mean(dry)
        in_window = self.lengths.sum(axis=1) > 0
        counts = np.bincount(codes[from_wet & in_window], minlength=len(self.core_ids))
        self.dry_from_wet = {
            str(core): int(n) for core, n in zip(self.core_ids, counts) if n
        }

    def mean(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Length-weighted mean per core and slice; NaN samples carry no weight."""
        known = np.isfinite(values)
        weights = self.lengths * known[:, None]
        totals = self._by_core @ (weights * np.where(known, values, 0.0)[:, None])
        covered = self._by_core @ weights
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(covered > 0, totals / covered, np.nan)

    def per_core(self, column: str) -> NDArray[np.float64]:
        """Mean of a per-core attribute (position, water depth) over its rows."""
        values = pd.Series(self._values(column))
        return values.groupby(self.codes).mean().to_numpy()

    def _grades(self, oxides: Mapping[str, str] | None) -> dict[str, NDArray]:
        columns = self.samples.columns
        elements = [c for c in _ELEMENT_COLUMNS if c in columns]
        factors = oxide_factors(oxides)
        if len(elements) == len(REY):
            element_means = {c: self.mean(self._values(c)) for c in elements}
            rey = (
                self.mean(self._values("rey_ppm"))
                if "rey_ppm" in columns
                else np.sum(list(element_means.values()), axis=0)
            )
            treo = np.sum(
                [element_means[element_column(el)] * factors[el] for el in REY], axis=0
            )
            self.treo_basis = "elements"
            return {"rey_ppm": rey, "treo_ppm": treo, **element_means}
        rey = self.mean(self._values("rey_ppm"))
        factor = reference_oxide_factor(oxides)
        self.treo_basis = (
            f"REFERENCE_COMPOSITION (total REY only; mean oxide factor {factor:.4f})"
        )
        return {"rey_ppm": rey, "treo_ppm": rey * factor}

    def _values(self, column: str) -> NDArray[np.float64]:
        return self.samples[column].to_numpy(dtype=float)

    def attrs(self, top_m: float, bottom_m: float) -> dict[str, object]:
        return {
            "top_m": float(top_m),
            "bottom_m": float(bottom_m),
            "oxides": self.oxides,
            "treo_basis": self.treo_basis,
            "weighting": "length-weighted over sample intervals clipped to the window",
            "pore_water_salinity": self.pore_water_salinity,
            "dry_from_wet_samples": self.dry_from_wet,
        }


def _check_window(top_m: float, bottom_m: float) -> None:
    if not (np.isfinite(top_m) and top_m >= 0):
        raise ConfigError(
            f"top_m is {top_m}", column="top_m", hint="give metres below seafloor, >= 0"
        )
    if not (np.isfinite(bottom_m) and bottom_m > top_m):
        raise ConfigError(
            f"bottom_m is {bottom_m} with top_m {top_m}",
            column="bottom_m",
            hint="the window needs bottom_m > top_m (mbsf, positive down)",
        )


def _check_columns(samples: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in samples.columns]
    has_elements = all(c in samples.columns for c in _ELEMENT_COLUMNS)
    if "rey_ppm" not in samples.columns and not has_elements:
        missing.append("rey_ppm")
    if missing:
        raise InputError(
            f"the samples table lacks column(s) {', '.join(missing)}",
            hint="read the cores with seabed.io.load_cores, which checks them",
        )


def slice_edges(top_m: float, bottom_m: float, slice_m: float) -> NDArray[np.float64]:
    """Edges of consecutive slices of a window; the last is cut short at ``bottom_m``.

    Examples
    --------
    >>> slice_edges(0.0, 2.5, 1.0).tolist()
    [0.0, 1.0, 2.0, 2.5]
    """
    # a hair of tolerance so that 0-10 m in 1 m slices gives 10 slices, not 11
    n_slices = int(np.ceil((bottom_m - top_m) / slice_m - 1e-9))
    edges = top_m + slice_m * np.arange(n_slices + 1, dtype=float)
    edges[-1] = bottom_m
    return edges


def _overlaps(
    top: NDArray[np.float64], bottom: NDArray[np.float64], edges: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Length of each sample (rows) inside each slice (columns), in metres."""
    inside = np.minimum(bottom[:, None], edges[None, 1:]) - np.maximum(
        top[:, None], edges[None, :-1]
    )
    return np.clip(inside, 0.0, None)


def _dry_density(
    samples: pd.DataFrame, pore_water_salinity: float | None
) -> tuple[NDArray[np.float64] | None, NDArray[np.bool_]]:
    """Dry bulk density per sample (given, else from wet), and which were derived."""
    columns = samples.columns
    none_derived = np.zeros(len(samples), dtype=bool)
    given = (
        samples["dry_density_t_m3"].to_numpy(dtype=float)
        if "dry_density_t_m3" in columns
        else None
    )
    if not {"wet_density_t_m3", "water_content"} <= set(columns):
        return given, none_derived
    water = samples["water_content"].to_numpy(dtype=float)
    derived = dry_from_wet(
        samples["wet_density_t_m3"].to_numpy(dtype=float),
        water,
        pore_water_salinity=pore_water_salinity,
    )
    used = np.isfinite(derived)
    if given is not None:
        used &= ~np.isfinite(given)
    _check_solids(samples, water, used, pore_water_salinity)
    if given is None:
        return derived, used
    return np.where(used, derived, given), used


def _check_solids(
    samples: pd.DataFrame,
    water: NDArray[np.float64],
    used: NDArray[np.bool_],
    pore_water_salinity: float | None,
) -> None:
    """Refuse a derived dry density of zero or less: more pore fluid than sample."""
    limit = max_water_content(pore_water_salinity)
    bad = np.flatnonzero(used & (water >= limit))
    if bad.size == 0:
        return
    row = samples.iloc[bad[0]]
    raise InputError(
        f"core {row['core_id']!r} at {row['top_m']:g}-{row['bottom_m']:g} mbsf: "
        f"water content {row['water_content']:g} with pore-water salinity "
        f"{pore_water_salinity or 0:g} leaves no solids (dry = wet x "
        "(1 - w / (1 - salinity)))",
        path=samples.attrs.get("source"),
        column="water_content",
        hint=f"give the mass lost on drying over wet mass, below {limit:g}, or "
        "check resource.pore_water_salinity",
    )


def _warn_short(short: pd.Index, bottom_m: float) -> None:
    if short.empty:
        return
    listed = ", ".join(map(str, short[:_MAX_LISTED_CORES]))
    more = len(short) - _MAX_LISTED_CORES
    if more > 0:
        listed += f" and {more} more"
    warnings.warn(
        f"{len(short)} core(s) do not reach {bottom_m:g} mbsf; their composites cover "
        f"only part of the window and are flagged reaches_bottom=False: {listed}",
        SeabedWarning,
        stacklevel=3,
    )


def _warn_of_long_samples(samples: pd.DataFrame, top_m: float, bottom_m: float) -> None:
    """Warn when most samples are longer than the whole window: depths in cm
    written as metres (0-100, 100-200 ...) put the window inside one sample."""
    if samples.empty:
        return
    median = float((samples["bottom_m"] - samples["top_m"]).median())
    deepest = float(samples.groupby("core_id")["bottom_m"].max().median())
    # both: a deep-sea drill core reaches far down in short samples
    if median > bottom_m - top_m and deepest > 10.0 * bottom_m:
        warnings.warn(
            f"the samples are {median:g} m long (median), longer than the whole "
            f"window ({top_m:g}-{bottom_m:g} mbsf), so each core's window grade "
            "comes from one sample: are the depths in centimetres? give top_m and "
            "bottom_m in metres below the seafloor",
            SeabedWarning,
            stacklevel=3,
        )


def used_composites(composites: pd.DataFrame, incomplete_cores: str) -> pd.Series:
    """Which composites an estimate uses: those with a grade, and, unless
    ``incomplete_cores`` is ``"include"``, only cores that reach the window's bottom."""
    usable = composites["rey_ppm"].notna()
    if incomplete_cores == "exclude":
        usable &= composites["reaches_bottom"]
    return usable


def apply_top_cut(
    composites: pd.DataFrame,
    top_cut_ppm: float | Mapping[str, float],
    *,
    oxides: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Cap the composites' grades; return the capped table and what was capped.

    A number caps the total REY: a composite above it is scaled down whole (every
    element and TREO by the same factor, so its composition is kept). A mapping caps
    each named element (``{"Nd": 600}``; ``"rey"`` caps the total as above, after the
    elements); REY and TREO are then summed again from the capped elements. The
    uncapped total is kept as ``rey_uncut_ppm``.

    Examples
    --------
    >>> table = pd.DataFrame({"rey_ppm": [900.0, 8000.0], "treo_ppm": [1080.0, 9600.0]})
    >>> capped, words = apply_top_cut(table, 5000.0)
    >>> capped[["rey_ppm", "treo_ppm", "rey_uncut_ppm"]].to_numpy().tolist()
    [[900.0, 1080.0, 900.0], [5000.0, 6000.0, 8000.0]]
    >>> words
    ['total REY capped at 5,000 ppm in 1 of 2 composites']
    """
    table = composites.copy()
    table["rey_uncut_ppm"] = table["rey_ppm"]
    caps = (
        {"rey": float(top_cut_ppm)}
        if isinstance(top_cut_ppm, int | float)
        else dict(top_cut_ppm)
    )
    words = []
    elements = {k: v for k, v in caps.items() if k != "rey"}
    if elements:
        missing = [el for el in elements if element_column(el) not in table]
        if missing:
            raise ConfigError(
                f"top-cut for {', '.join(missing)}, but the cores give only total REY",
                column="composite.top_cut_ppm",
                hint="cap the total with top_cut_ppm = <ppm>, or give element columns",
            )
        for element, cut in elements.items():
            column = table[element_column(element)]
            capped = int((column > cut).sum())
            table[element_column(element)] = column.clip(upper=cut)
            words.append(
                f"{element} capped at {cut:,.0f} ppm in {capped} of {len(table)} "
                "composites"
            )
        factors = oxide_factors(oxides)
        table["rey_ppm"] = sum(table[element_column(el)] for el in REY)
        table["treo_ppm"] = sum(table[element_column(el)] * factors[el] for el in REY)
    if "rey" in caps:
        cut = caps["rey"]
        scale = np.minimum(1.0, cut / table["rey_ppm"].where(table["rey_ppm"] > 0))
        scale = scale.fillna(1.0)
        grades = ["rey_ppm", "treo_ppm", *[c for c in _ELEMENT_COLUMNS if c in table]]
        capped = int((table["rey_ppm"] > cut).sum())
        for column in grades:
            if column in table:
                table[column] = np.where(
                    scale < 1.0, table[column] * scale, table[column]
                )
        table["rey_ppm"] = np.where(scale < 1.0, cut, table["rey_ppm"])
        words.append(
            f"total REY capped at {cut:,.0f} ppm in {capped} of {len(table)} composites"
        )
    return table, words
