"""The run configuration: a TOML file, validated, with paths resolved.

Every key except ``inputs.cores`` has a default (see ``docs/config.md``). Paths are
relative to the configuration file. Unknown keys are errors, so that a typo never
passes silently. Problems raise :class:`~seabed.exceptions.ConfigError` naming the file,
the key and the fix; :func:`check_config` lists all of them at once.

The sections are typed in the modules of the stages they configure (``inputs``:
``[inputs]`` and ``[grid]``; ``estimate``: ``[composite]``, ``[estimate]``,
``[kna]``, ``[simulation]``; ``resource``: ``[rules]``, ``[resource]``,
``[classification]``), the whole run in ``run`` (:class:`Config`, ``[dask]``,
``[output]``) and the file read in ``loading``. Every name is importable from
``seabed.config``.

Examples
--------
>>> cfg = Config.model_validate({"inputs": {"cores": "cores.csv"}})
>>> cfg.grid.resolution_m, cfg.composite.bottom_m, cfg.resource.cutoffs_ppm
(1000.0, 10.0, [0.0, 400.0, 2000.0, 5000.0])
"""

from seabed.config._base import NonNegativeFloat as NonNegativeFloat
from seabed.config._base import PositiveFloat as PositiveFloat
from seabed.config.estimate import COVARIATE_METHODS as COVARIATE_METHODS
from seabed.config.estimate import (
    CompositeConfig,
    EstimateConfig,
    KnaConfig,
    PassConfig,
    SimulationConfig,
    VariogramConfig,
)
from seabed.config.inputs import AreaConfig as AreaConfig
from seabed.config.inputs import (
    CovariateConfig,
    GridConfig,
    InputsConfig,
    ReportZonesConfig,
    ZoneConfig,
)
from seabed.config.loading import check_config, load_config
from seabed.config.loading import read_toml as read_toml
from seabed.config.resource import KRIGING_CRITERIA as KRIGING_CRITERIA
from seabed.config.resource import (
    ClassificationConfig,
    ClassRuleConfig,
    ResourceConfig,
    RulesConfig,
)
from seabed.config.run import Config, DaskConfig, OutputConfig

__all__ = [
    "ClassRuleConfig",
    "ClassificationConfig",
    "CompositeConfig",
    "Config",
    "CovariateConfig",
    "DaskConfig",
    "EstimateConfig",
    "GridConfig",
    "InputsConfig",
    "KnaConfig",
    "OutputConfig",
    "PassConfig",
    "ReportZonesConfig",
    "ResourceConfig",
    "RulesConfig",
    "SimulationConfig",
    "VariogramConfig",
    "ZoneConfig",
    "check_config",
    "load_config",
]
