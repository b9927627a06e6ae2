"""The configuration of ``seabed demo`` on the bundled Minamitorishima data."""

from __future__ import annotations

from pathlib import Path

from seabed.config import Config
from seabed.io import datasets

__all__ = [
    "demo_config",
]


# --------------------------------------------------------------------------- config
#: The demo's illustrative zones (``data/make_demo_zones.py`` makes them).
DEMO_ZONES = "minamitorishima_demo_zones.gpkg"
#: Conditional realisations the demo draws (P10 / P50 / P90 of its statement).
DEMO_REALIZATIONS = 20


def demo_config(out_dir: str | Path = "seabed-demo") -> Config:
    """The configuration of ``seabed demo``: the Takaya et al. (2018) box.

    Bundled synthetic cores (``data/demo_cores.csv``), real ETOPO1 bathymetry and
    GlobSed sediment thickness, the approximate EEZ and the study box of Takaya et al.
    (2018) as include zones, the topographic highs of the ETOPO1 grid (shallower
    than 5,500 m) grown by 5 km as an illustrative exclusion, a 7 degree slope rule,
    and statements per square of the box (A1 ... D6, illustrative). The recoverable
    tonnage at the cell's support (the SMU is the 500 m cell) is stated both by
    uniform conditioning and by :data:`DEMO_REALIZATIONS` conditional realisations,
    with their P10 / P50 / P90: few realisations, so that the demo stays within
    two minutes (their percentiles are coarse; a study would draw 100 or more).

    The cores' generator is calibrated to the mean grade Takaya et al. (2018)
    reported over their box, so the demo's agreement with that paper is built in
    by the calibration and validates nothing; every output says the data are
    synthetic (the cores file's ``synthetic`` column).
    """
    zones = str(datasets.data_dir() / DEMO_ZONES)
    data = {
        "inputs": {
            "cores": str(datasets.demo_cores_path()),
            "bathymetry": str(datasets.bathymetry_path()),
            "sediment_thickness": str(datasets.sediment_thickness_path()),
            "include": [
                {"path": str(datasets.eez_path()), "layer": datasets.EEZ_LAYER},
                {"path": str(datasets.takaya_box_path())},
            ],
            "exclude": [
                {"path": zones, "layer": "topographic_highs", "buffer_m": 5000.0}
            ],
            "report_zones": {"path": zones, "layer": "takaya2018_squares"},
        },
        "grid": {"resolution_m": 500.0, "bounds": list(datasets.TAKAYA_BOX)},
        "rules": {"max_slope_deg": 7.0},
        "simulation": {"realizations": DEMO_REALIZATIONS, "seed": 1},
        "output": {"dir": str(out_dir)},
    }
    return Config.model_validate(data).resolve_paths(Path.cwd())
