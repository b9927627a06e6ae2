"""Rare-earth elements plus yttrium (REY): names, atomic weights and oxide factors.

REY is Y plus the lanthanides La to Lu without Pm (15 elements); Sc is kept apart.
Oxide factors (mass of oxide per mass of element) are computed from standard atomic
weights rather than typed in, so that the oxide form is a setting: cerium may be
reported as CeO2 or Ce2O3, praseodymium as Pr6O11 or Pr2O3, terbium as Tb4O7 or Tb2O3.

Examples
--------
>>> round(oxide_factor("Ce"), 4)
1.2284
>>> round(oxide_factor("Ce", "Ce2O3"), 4)
1.1713
>>> REY[:3]
('Y', 'La', 'Ce')
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from seabed.exceptions import ConfigError

__all__ = [
    "ATOMIC_WEIGHTS",
    "DEFAULT_OXIDES",
    "HREE",
    "LREE",
    "OXIDE_CHOICES",
    "REY",
    "element_column",
    "element_of",
    "oxide_factor",
    "oxide_factors",
]

#: The 15 REY elements in the order used throughout seabed (Y first, then by Z).
REY: tuple[str, ...] = (
    "Y", "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd",
    "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)  # fmt: skip

#: Light REE (La to Eu) and heavy REE (Gd to Lu); Y is counted on its own.
LREE: tuple[str, ...] = ("La", "Ce", "Pr", "Nd", "Sm", "Eu")
HREE: tuple[str, ...] = ("Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu")

#: Standard atomic weights (IUPAC/CIAAW, g/mol), oxygen included.
ATOMIC_WEIGHTS: Mapping[str, float] = {
    "O": 15.999,
    "Y": 88.905838,
    "La": 138.90547,
    "Ce": 140.116,
    "Pr": 140.90766,
    "Nd": 144.242,
    "Sm": 150.36,
    "Eu": 151.964,
    "Gd": 157.249,
    "Tb": 158.925354,
    "Dy": 162.500,
    "Ho": 164.930329,
    "Er": 167.259,
    "Tm": 168.934219,
    "Yb": 173.045,
    "Lu": 174.9668,
}

#: The oxide form each element is reported as by default (the usual TREO convention).
DEFAULT_OXIDES: Mapping[str, str] = {
    el: f"{el}2O3" for el in REY if el not in ("Ce", "Pr", "Tb")
} | {"Ce": "CeO2", "Pr": "Pr6O11", "Tb": "Tb4O7"}

#: The oxide forms that may be chosen instead, per element.
OXIDE_CHOICES: Mapping[str, tuple[str, ...]] = {
    el: (DEFAULT_OXIDES[el],) for el in REY
} | {"Ce": ("CeO2", "Ce2O3"), "Pr": ("Pr6O11", "Pr2O3"), "Tb": ("Tb4O7", "Tb2O3")}

_FORMULA = re.compile(r"^([A-Z][a-z]?)(\d*)O(\d*)$")

#: The element of each oxide formula of OXIDE_CHOICES.
_OXIDE_ELEMENT = {
    oxide: element for element, forms in OXIDE_CHOICES.items() for oxide in forms
}


def element_of(name: str) -> str | None:
    """The REY element that a symbol or one of its oxide formulas names, or None.

    Examples
    --------
    >>> element_of("Dy"), element_of("Tb4O7"), element_of("Dy2O5")
    ('Dy', 'Tb', None)
    """
    return name if name in REY else _OXIDE_ELEMENT.get(name)


def oxide_factor(element: str, oxide: str | None = None) -> float:
    """Mass of oxide per unit mass of element.

    Parameters
    ----------
    element : str
        Element symbol, one of :data:`REY`.
    oxide : str, optional
        Oxide formula such as ``"Ce2O3"``; the default form of :data:`DEFAULT_OXIDES`
        when omitted.

    Returns
    -------
    float
        The factor f such that oxide mass = f x element mass.

    Examples
    --------
    >>> round(oxide_factor("Y"), 4)
    1.2699
    """
    if element not in REY:
        raise ConfigError(
            f"unknown REY element {element!r}",
            column="oxides",
            hint=f"use one of {', '.join(REY)}",
        )
    oxide = DEFAULT_OXIDES[element] if oxide is None else oxide
    if oxide not in OXIDE_CHOICES[element]:
        raise ConfigError(
            f"oxide form {oxide!r} is not available for {element}",
            column=f"oxides.{element}",
            hint=f"use one of {', '.join(OXIDE_CHOICES[element])}",
        )
    match = _FORMULA.match(oxide)
    assert match is not None  # every entry of OXIDE_CHOICES is a valid formula
    n_metal = int(match.group(2) or 1)
    n_oxygen = int(match.group(3) or 1)
    metal = n_metal * ATOMIC_WEIGHTS[element]
    return (metal + n_oxygen * ATOMIC_WEIGHTS["O"]) / metal


def oxide_factors(oxides: Mapping[str, str] | None = None) -> dict[str, float]:
    """Oxide factors of all 15 REY elements.

    Parameters
    ----------
    oxides : mapping, optional
        Element -> oxide formula overrides, e.g. ``{"Ce": "Ce2O3"}``.

    Returns
    -------
    dict
        Element symbol -> factor, in the order of :data:`REY`.

    Examples
    --------
    >>> f = oxide_factors({"Ce": "Ce2O3"})
    >>> round(f["Ce"], 4), round(f["Pr"], 4)
    (1.1713, 1.2082)
    """
    chosen = dict(DEFAULT_OXIDES) | dict(oxides or {})
    unknown = set(chosen) - set(REY)
    if unknown:
        raise ConfigError(
            f"unknown REY element(s) {sorted(unknown)}",
            column="oxides",
            hint=f"use element symbols among {', '.join(REY)}",
        )
    return {el: oxide_factor(el, chosen[el]) for el in REY}


def element_column(element: str) -> str:
    """Canonical cores-table column holding an element's grade, e.g. ``"La_ppm"``."""
    return f"{element}_ppm"
