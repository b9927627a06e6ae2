"""Where the bundled Minamitorishima data live, and the demo's reference places.

The repository's top-level ``data/`` folder is shipped inside the wheel as
``seabed/_data``. :func:`data_dir` finds it in either place, so the accessors below
work from an installed package and from an editable (source-tree) install alike.
``data/README.md`` gives the sources, licences and conventions of every file.

Examples
--------
>>> bathymetry_path().name
'minamitorishima_etopo1_0p1deg.tif'
>>> TAKAYA_BOX[0], TAKAYA_BOX[1]
(153.5, 21.8)
"""

from __future__ import annotations

from pathlib import Path

from seabed.exceptions import SeabedError

__all__ = [
    "EEZ_LAYER",
    "MINAMITORISHIMA",
    "TAKAYA_BOX",
    "bathymetry_path",
    "data_dir",
    "demo_cores_path",
    "eez_path",
    "seafloor_age_path",
    "sediment_thickness_path",
    "takaya_box_path",
]

#: The Takaya et al. (2018) study box, 21°48'-22°15'N, 153°30'-154°07'E, as
#: (lon_min, lat_min, lon_max, lat_max) in WGS84 degrees.
TAKAYA_BOX: tuple[float, float, float, float] = (153.5, 21.8, 154 + 7 / 60, 22.25)

#: Minamitorishima (Marcus Island) as (lon, lat) in WGS84 degrees.
MINAMITORISHIMA: tuple[float, float] = (153.9806, 24.2867)

#: Layer of :func:`eez_path` holding the approximate EEZ polygon.
EEZ_LAYER = "eez_approx"

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # seabed/


def data_dir() -> Path:
    """The folder holding seabed's bundled data files.

    Returns
    -------
    pathlib.Path
        ``seabed/_data`` inside an installed wheel, else the source tree's ``data/``.

    Examples
    --------
    >>> (data_dir() / "README.md").is_file()
    True
    """
    for candidate in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise SeabedError(
        f"seabed's bundled data were not found in {_PACKAGE_DIR / '_data'} nor in "
        f"{_PACKAGE_DIR.parent / 'data'}; reinstall seabed"
    )


def _bundled(name: str) -> Path:
    path = data_dir() / name
    if not path.is_file():
        raise SeabedError(f"bundled file {path} is missing; reinstall seabed")
    return path


def bathymetry_path() -> Path:
    """ETOPO1 elevation (positive up, metres) at 0.1° around Minamitorishima.

    Load it with :func:`seabed.io.load_bathymetry`, which turns it into water depth.

    Examples
    --------
    >>> bathymetry_path().suffix
    '.tif'
    """
    return _bundled("minamitorishima_etopo1_0p1deg.tif")


def sediment_thickness_path() -> Path:
    """GlobSed total sediment thickness (metres) at 5' around Minamitorishima.

    Examples
    --------
    >>> sediment_thickness_path().is_file()
    True
    """
    return _bundled("minamitorishima_globsed_sediment_thickness.tif")


def seafloor_age_path() -> Path:
    """Age of the oceanic crust (Myr) at 0.1° around Minamitorishima.

    Examples
    --------
    >>> seafloor_age_path().is_file()
    True
    """
    return _bundled("minamitorishima_seafloor_age.tif")


def eez_path() -> Path:
    """GeoPackage of the approximate EEZ: layer :data:`EEZ_LAYER` (``"eez_approx"``).

    The polygon is a 200-nmi geodesic circle round the island, not an official
    boundary. A second layer, ``"island"``, holds the island as a point.

    Examples
    --------
    >>> eez_path().suffix
    '.gpkg'
    """
    return _bundled("minamitorishima_eez_approx.gpkg")


def demo_cores_path() -> Path:
    """CSV of **synthetic** demo cores over the Takaya box (see ``data/README.md``).

    Regenerate it with ``seabed synthetic --out data/demo_cores.csv``.

    Examples
    --------
    >>> demo_cores_path().name
    'demo_cores.csv'
    """
    return _bundled("demo_cores.csv")


def takaya_box_path() -> Path:
    """GeoJSON of the Takaya et al. (2018) study box, the demo's reporting area.

    The box edges follow the parallels and meridians of :data:`TAKAYA_BOX`, densified
    to 60 segments per edge so that its geodesic area (3,172.4 km2) is that of the
    box, not of a polygon with straight chords.

    Examples
    --------
    >>> takaya_box_path().suffix
    '.geojson'
    """
    return _bundled("takaya2018_box.geojson")
