"""seabed: rare-earth resource estimation for deep-sea mud.

The run-level names are here; the estimators are in :mod:`seabed.geostats`, and each
stage of the data flow has its own subpackage (``docs/concepts.md``)::

    io -> composite -> grid -> geostats / estimation -> zones -> resource
       -> pipeline (the run) -> result -> outputs and report

Examples
--------
>>> import seabed
>>> config = seabed.demo_config()
>>> config.grid.resolution_m
500.0
"""

from seabed._version import __version__
from seabed.config import Config, load_config
from seabed.exceptions import (
    ConfigError,
    DuplicateSamplesError,
    InputError,
    MissingCRSError,
    SeabedError,
    SeabedWarning,
    SingularSystemError,
)
from seabed.pipeline import demo_config, run, validate
from seabed.result import RunResult

__all__ = [
    "Config",
    "ConfigError",
    "DuplicateSamplesError",
    "InputError",
    "MissingCRSError",
    "RunResult",
    "SeabedError",
    "SeabedWarning",
    "SingularSystemError",
    "__version__",
    "demo_config",
    "load_config",
    "run",
    "validate",
]
