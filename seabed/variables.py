"""The registry of a run's output variables: one entry per layer, read by every writer.

Each :class:`Variable` says, once, what a layer of ``RunResult.dataset`` (or a column
of the statement tables) is: its name, units, ``long_name``, CF ``standard_name``
where the CF table has one, the GeoTIFF it is written to, the PNG quick-look it gets,
and how a text table labels and formats it. The dataset's attributes
(:func:`cf_attrs`), the GeoTIFF maps (:func:`map_layers`) and the tables all read it,
so adding a map layer is one entry in :data:`VARIABLES`.

Names may hold a field in braces: ``{element}_ppm`` stands for ``La_ppm``,
``Nd_ppm`` ...; :func:`variable` resolves them. A GeoTIFF name with a field, such as
``probability_above_{cutoff_ppm:g}ppm``, writes one file per value along that
dimension of the layer.

Examples
--------
>>> cf_attrs("rey_ppm")
{'units': 'ppm', 'long_name': 'total REY grade (dry weight)'}
>>> variable("Nd_ppm").long_name
'Nd grade'
>>> [layer.geotiff for layer in map_layers()][:3]
['rey_ppm', 'rey_std_ppm', 'treo_ppm']
>>> variable("rey_t").format(16_830_512.0), variable("rey_t").table_units
('16.83', 'Mt')
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

__all__ = [
    "VARIABLES",
    "Variable",
    "cf_attrs",
    "map_layers",
    "variable",
]


@dataclass(frozen=True)
class Variable:
    """One output variable: a layer of the dataset, or a column of the tables.

    Attributes
    ----------
    name : str
        Its name in ``RunResult.dataset`` or in the tables (``rey_ppm``).
    long_name : str
        What it is, in words (CF ``long_name``; the GeoTIFF band's description).
    units : str or None
        UDUNITS units (``"ppm"``, ``"t km-2"``, ``"1"``); None for codes (classes).
    standard_name : str or None
        The CF standard name, only where the CF table has one.
    geotiff : str or None
        The GeoTIFF's file name without ``.tif``, or None when it is not written.
        A field in braces names a dimension of the layer: one file per value.
    band : str or None
        The GeoTIFF band's description when it differs from ``long_name``: a
        template over the fields the writer knows (the split dimension,
        ``n_realizations``).
    quicklook : str or None
        The PNG quick-look's file name without ``.png``, or None without one.
    label : str or None
        Its heading in text tables (``"TREO"``), or None when tables leave it out.
    table_units : str or None
        The units of its table column (``"Mt"``), after dividing by ``divisor``.
    divisor : float
        What a value is divided by in tables (1e6 for tonnes shown in Mt).
    number_format : str
        The format spec of its table values (``",.2f"``).
    """

    name: str
    long_name: str
    units: str | None = None
    standard_name: str | None = None
    geotiff: str | None = None
    band: str | None = None
    quicklook: str | None = None
    label: str | None = None
    table_units: str | None = None
    divisor: float = 1.0
    number_format: str = ",.0f"

    def attrs(self) -> dict[str, str]:
        """The CF attributes of the layer (``units``, ``long_name``,
        ``standard_name``), leaving out those it has none of.

        Examples
        --------
        >>> VARIABLES["resource_class"].attrs()
        {'long_name': 'resource class'}
        """
        found = {
            "units": self.units,
            "long_name": self.long_name,
            "standard_name": self.standard_name,
        }
        return {key: value for key, value in found.items() if value is not None}

    def describe(self, **fields: Any) -> str:
        """The GeoTIFF band's description, its fields filled in.

        Examples
        --------
        >>> VARIABLES["probability_above"].describe(cutoff_ppm=500.0)
        'probability that the REY block grade is >= 500 ppm'
        """
        return (self.band or self.long_name).format(**fields)

    def filename(self, **fields: Any) -> str:
        """The GeoTIFF's file name (without ``.tif``), its fields filled in.

        Examples
        --------
        >>> VARIABLES["probability_above"].filename(cutoff_ppm=500.0)
        'probability_above_500ppm'
        """
        if self.geotiff is None:
            raise ValueError(f"{self.name} is not written as a GeoTIFF")
        return self.geotiff.format(**fields)

    def split(self) -> str | None:
        """The dimension with one GeoTIFF per value, or None for one GeoTIFF.

        Examples
        --------
        >>> VARIABLES["probability_above"].split(), VARIABLES["rey_ppm"].split()
        ('cutoff_ppm', None)
        """
        fields = _fields(self.geotiff or "")
        return fields[0] if fields else None

    def format(self, value: float) -> str:
        """A value as its table column shows it (``-`` when missing).

        Examples
        --------
        >>> VARIABLES["ore_t"].format(1.746e10), VARIABLES["mean_rey_ppm"].format(
        ...     float("nan"))
        ('17,460', '-')
        """
        if value is None or value != value:  # NaN
            return "-"
        shown = value / self.divisor if self.divisor != 1 else value
        return format(shown, self.number_format)


_PPM, _FRACTION = "ppm", "1"

#: Every output variable, by name: the maps first, in the order their GeoTIFFs and
#: quick-looks are listed, then the dataset's other layers and coordinates, then
#: the columns only the tables have.
VARIABLES: Mapping[str, Variable] = {
    v.name: v
    for v in (
        # ---------------------------------------------------------------- maps
        Variable(
            "rey_ppm",
            "total REY grade (dry weight)",
            _PPM,
            geotiff="rey_ppm",
            quicklook="rey_ppm",
        ),
        Variable(
            "rey_std_ppm",
            "kriging standard deviation of the total REY grade",
            _PPM,
            geotiff="rey_std_ppm",
            quicklook="rey_std_ppm",
        ),
        Variable(
            "treo_ppm",
            "total REY oxide grade (dry weight)",
            _PPM,
            geotiff="treo_ppm",
        ),
        Variable(
            "treo_t_per_km2",
            "TREO tonnes per km2 of cell area",
            "t km-2",
            geotiff="treo_t_per_km2",
            quicklook="treo_t_per_km2",
            label="TREO",
            table_units="t/km2",
        ),
        Variable(
            "thickness_m",
            "thickness of the depth window within the sediment",
            "m",
            geotiff="thickness_m",
        ),
        Variable(
            "excluded_total_fraction",
            "fraction of the cell excluded (any reason)",
            _FRACTION,
            geotiff="excluded_fraction",
        ),
        Variable(
            "resource_class",
            "resource class",
            geotiff="class",
            quicklook="class",
        ),
        Variable(
            "available_fraction",
            "fraction of cell area inside the include zones and outside every "
            "exclusion zone",
            _FRACTION,
            quicklook="exclusions",
        ),
        Variable(
            "etype_rey_ppm",
            "e-type (mean of the realisations) REY grade",
            _PPM,
            geotiff="rey_etype_ppm",
            band="e-type (mean of {n_realizations} realisations) REY grade",
        ),
        Variable(
            "probability_above",
            "probability that the REY block grade is at least the cut-off",
            _FRACTION,
            geotiff="probability_above_{cutoff_ppm:g}ppm",
            band="probability that the REY block grade is >= {cutoff_ppm:g} ppm",
        ),
        # ------------------------------------- search diagnostics (docs/search.md)
        Variable(
            "search_pass",
            "search pass that estimated the cell (0: none found enough samples)",
            _FRACTION,  # a number: CF's dimensionless unit
            geotiff="search_pass",
        ),
        Variable(
            "n_samples",
            "samples used in the kriging of the cell",
            _FRACTION,
            geotiff="n_samples",
        ),
        Variable(
            "n_cores",
            "distinct cores among the samples used in the kriging of the cell",
            _FRACTION,
            geotiff="n_cores",
        ),
        Variable(
            "nearest_sample_m",
            "distance from the cell centre to the nearest sample used",
            "m",
            geotiff="nearest_sample_m",
        ),
        Variable(
            "mean_sample_distance_m",
            "mean distance from the cell centre to the samples used",
            "m",
            geotiff="mean_sample_distance_m",
        ),
        Variable(
            "kriging_variance_ppm2",
            "kriging variance of the total REY grade",
            "ppm2",
            geotiff="kriging_variance_ppm2",
        ),
        Variable(
            "slope_of_regression",
            "slope of the regression of the true REY grade on its estimate",
            _FRACTION,
            geotiff="slope_of_regression",
        ),
        Variable(
            "kriging_efficiency",
            "kriging efficiency: (block variance - kriging variance) / block variance",
            _FRACTION,
            geotiff="kriging_efficiency",
        ),
        Variable(
            "negative_weight_sum",
            "sum of the negative kriging weights",
            _FRACTION,
            geotiff="negative_weight_sum",
        ),
        # ------------------------------------------------------- other layers
        Variable(
            "cell_area_m2",
            "geodesic area of cell on the WGS84 ellipsoid",
            "m2",
            standard_name="cell_area",
        ),
        Variable("{element}_ppm", "{element} grade", _PPM),
        Variable(
            "slice_rey_ppm",
            "total REY grade of the depth slice",
            _PPM,
        ),
        Variable(
            "slice_thickness_m",
            "thickness of the depth slice within the sediment",
            "m",
        ),
        Variable(
            "dry_density_t_m3",
            "dry bulk density (kriged from the cores)",
            "t m-3",
        ),
        Variable(
            "area_fraction",
            "fraction of cell area inside the area of interest",
            _FRACTION,
        ),
        Variable(
            "outside_area_fraction",
            "fraction of cell area outside the area of interest",
            _FRACTION,
        ),
        Variable(
            "included_fraction",
            "fraction of cell area inside the area of interest and the include zones",
            _FRACTION,
        ),
        Variable(
            "outside_include_fraction",
            "fraction of cell area inside the area of interest but outside the "
            "include zones",
            _FRACTION,
        ),
        Variable(
            "excluded_fraction",
            "fraction of cell area inside the include zones and inside this "
            "reason's zones",
            _FRACTION,
        ),
        Variable(
            "ore_t",
            "dry ore tonnes in the available part of the cell",
            "t",
            label="ore",
            table_units="Mt",
            divisor=1e6,
        ),
        Variable(
            "rey_t",
            "REY tonnes (elements)",
            "t",
            label="REY",
            table_units="Mt",
            divisor=1e6,
            number_format=",.2f",
        ),
        Variable(
            "treo_t",
            "total rare-earth oxide tonnes (TREO)",
            "t",
            label="TREO",
            table_units="Mt",
            divisor=1e6,
            number_format=",.2f",
        ),
        Variable("{oxide}_t", "{oxide} tonnes", "t"),
        # ---------------------------------------------- coordinates of layers
        Variable("slice", "depth slice below the seafloor (top-bottom, m)"),
        Variable("slice_top_m", "top of the depth slice below the seafloor", "m"),
        Variable("slice_bottom_m", "bottom of the depth slice below the seafloor", "m"),
        Variable("reason", "exclusion reason"),
        # ------------------------------------------------- table columns only
        Variable(
            "cutoff_ppm",
            "cut-off on the estimated block grade (total REY)",
            _PPM,
            label="cut-off",
            table_units="ppm",
        ),
        Variable(
            "area_km2",
            "area above the cut-off",
            "km2",
            label="area",
            table_units="km2",
        ),
        Variable(
            "mean_rey_ppm",
            "mean REY grade above the cut-off",
            _PPM,
            label="mean REY",
            table_units="ppm",
        ),
    )
}

# What a field of a templated name stands for.
_FIELD_PATTERNS = {
    "element": r"[A-Z][a-z]?",
    "oxide": r"[A-Z][a-z]?[0-9]*O[0-9]*",
}


def variable(name: str) -> Variable:
    """The registry's entry for a variable, a templated one filled in.

    Parameters
    ----------
    name : str
        A name of :data:`VARIABLES`, or one its templates stand for (``La_ppm``,
        ``Nd2O3_t``).

    Returns
    -------
    Variable

    Raises
    ------
    KeyError
        If the registry does not know the name.

    Examples
    --------
    >>> variable("Nd2O3_t").attrs()
    {'units': 't', 'long_name': 'Nd2O3 tonnes'}
    >>> variable("treo_t_per_km2").units
    't km-2'
    """
    found = VARIABLES.get(name)
    if found is not None and not _fields(name):
        return found
    for template, entry in _templates().items():
        match = template.fullmatch(name)
        if match:
            fields = match.groupdict()
            return replace(entry, name=name, long_name=entry.long_name.format(**fields))
    raise KeyError(f"{name!r} is not an output variable of seabed.variables")


def cf_attrs(name: str) -> dict[str, str]:
    """The CF attributes of a variable: ``units``, ``long_name`` and, where the CF
    table has one, ``standard_name``.

    Parameters
    ----------
    name : str
        As for :func:`variable`.

    Returns
    -------
    dict of str to str
        Only strings, so that the dataset writes to netCDF and Zarr.

    Examples
    --------
    >>> cf_attrs("cell_area_m2")["standard_name"]
    'cell_area'
    """
    return variable(name).attrs()


def map_layers() -> list[Variable]:
    """The variables written as GeoTIFF maps, in the registry's order.

    Examples
    --------
    >>> [layer.name for layer in map_layers()][-3:]
    ['slope_of_regression', 'kriging_efficiency', 'negative_weight_sum']
    """
    return [entry for entry in VARIABLES.values() if entry.geotiff is not None]


def _fields(text: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(text) if field]


@cache
def _templates() -> dict[re.Pattern[str], Variable]:
    """The templated names, as patterns matching the names they stand for."""
    patterns = {}
    for name, entry in VARIABLES.items():
        fields = _fields(name)
        if not fields:
            continue
        pattern = re.escape(name)
        for field in fields:
            pattern = pattern.replace(
                re.escape("{" + field + "}"), f"(?P<{field}>{_FIELD_PATTERNS[field]})"
            )
        patterns[re.compile(pattern)] = entry
    return patterns
