"""Dry bulk density from wet bulk density and water content, with the salt correction.

Tonnages need the **dry** bulk density: mass of solids per volume of wet mud. A
shipboard moisture-and-density (MAD) measurement weighs a sample wet (``M_wet``) and
after oven drying (``M_dry``); with its wet bulk density ``wet`` and the water content
``w = (M_wet - M_dry) / M_wet``, the mass of solids per wet volume is::

    dry = wet x (1 - pore-fluid mass fraction)

Drying evaporates the pore water but leaves its dissolved salt in the dry mass, so the
mass lost under-counts the pore fluid. With the pore water's salinity ``s`` (mass of
salt per mass of pore fluid; seawater 0.035), the pore fluid is
``M_pf = (M_wet - M_dry) / (1 - s)`` and the solids ``M_wet - M_pf`` (Blum 1997, ODP
Technical Note 26, section 2, "Moisture and density": the mass relations shared by
methods A, B and C, which differ only in how the volume is measured), so::

    dry = wet x (1 - w / (1 - s))

For pelagic clay (wet 1.3 t/m3, w = 0.6) the correction lowers the dry density from
0.520 to 0.492 t/m3, 5.4 % fewer tonnes. ODP/IODP databases publish the *corrected*
moisture content (``M_pf / M_wet``), which must not be corrected again: without a
salinity the water content is taken as the pore-fluid fraction itself.

Examples
--------
>>> round(dry_from_wet(1.3, 0.6), 4)
0.52
>>> round(dry_from_wet(1.3, 0.6, pore_water_salinity=0.035), 4)
0.4917
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "SEAWATER_SALINITY",
    "dry_from_wet",
    "max_water_content",
    "pore_fluid_fraction",
    "wet_conversion_text",
]

#: Mass fraction of salt in standard seawater (35 g/kg), as Blum (1997) assumes.
SEAWATER_SALINITY = 0.035

Value = TypeVar("Value", float, NDArray[np.float64])


def pore_fluid_fraction(
    water_content: Value, pore_water_salinity: float | None = None
) -> Value:
    """Mass of pore fluid over wet mass: ``w / (1 - s)``, or ``w`` without salinity.

    Parameters
    ----------
    water_content : float or ndarray
        Mass lost on drying over wet mass (0-1), or, without a salinity, the
        pore-fluid fraction already corrected for salt.
    pore_water_salinity : float, optional
        Mass fraction of salt in the pore fluid (seawater: 0.035); None (or 0): no
        correction.

    Examples
    --------
    >>> round(pore_fluid_fraction(0.6, 0.035), 4)
    0.6218
    >>> pore_fluid_fraction(0.6)
    0.6
    """
    if not pore_water_salinity:
        return water_content
    return water_content / (1.0 - pore_water_salinity)


def dry_from_wet(
    wet_density_t_m3: Value,
    water_content: Value,
    *,
    pore_water_salinity: float | None = None,
) -> Value:
    """Dry bulk density in t/m3: ``wet x (1 - w / (1 - s))`` (Blum 1997).

    Parameters
    ----------
    wet_density_t_m3 : float or ndarray
        Wet bulk density in t/m3 (g/cm3).
    water_content : float or ndarray
        Mass lost on drying over wet mass (see :func:`pore_fluid_fraction`).
    pore_water_salinity : float, optional
        Salt mass fraction of the pore fluid; None: no salt correction.

    Returns
    -------
    float or ndarray
        Not checked: it is zero or negative where ``water_content`` reaches
        :func:`max_water_content`, which callers report with their context.

    Examples
    --------
    >>> dry_from_wet(np.array([1.3, 1.5]), np.array([0.6, 0.5])).round(3).tolist()
    [0.52, 0.75]
    """
    return wet_density_t_m3 * (
        1.0 - pore_fluid_fraction(water_content, pore_water_salinity)
    )


def max_water_content(pore_water_salinity: float | None = None) -> float:
    """The water content (exclusive) at which nothing of the wet mass is solid.

    Examples
    --------
    >>> max_water_content(0.035)
    0.965
    >>> max_water_content()
    1.0
    """
    return 1.0 - (pore_water_salinity or 0.0)


def wet_conversion_text(pore_water_salinity: float | None = None) -> str:
    """How a dry density was derived from wet density and water content, in words.

    Examples
    --------
    >>> wet_conversion_text(0.035)
    'dry = wet x (1 - w / (1 - 0.035)), salt-corrected for pore-water salinity 0.035 (Blum 1997)'
    >>> wet_conversion_text()
    'dry = wet x (1 - w), no salt correction (w taken as the pore-fluid mass fraction)'
    """
    if not pore_water_salinity:
        return (
            "dry = wet x (1 - w), no salt correction "
            "(w taken as the pore-fluid mass fraction)"
        )
    return (
        f"dry = wet x (1 - w / (1 - {pore_water_salinity:g})), salt-corrected for "
        f"pore-water salinity {pore_water_salinity:g} (Blum 1997)"
    )
