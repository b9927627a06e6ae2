"""What every section of the configuration shares: its base and plausible ranges.

Private to :mod:`seabed.config`: each section is a frozen pydantic model that
refuses unknown keys (a typo never passes silently) and infinite or NaN numbers.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_CELL_M",
    "MAX_DEPTH_MBSF",
    "MAX_DISTANCE_M",
    "MAX_PPM",
    "NonNegativeFloat",
    "PositiveFloat",
    "Section",
]

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]


class Section(BaseModel):
    # inf and nan are never a setting: refused for every number of every section
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Plausible ranges: a value outside them is a typo or a wrong unit, and some would
# exhaust memory or overflow long before the run could say so.
#: The widest useful grid cell (100 km) and search or margin (half the Earth's
#: circumference, about 20,000 km).
MAX_CELL_M, MAX_DISTANCE_M = 100_000.0, 20_000_000.0
#: Deeper than any sediment column the cores could sample (mbsf).
MAX_DEPTH_MBSF = 2_000.0
#: A grade can be at most the whole sample (1,000,000 ppm = 100 %).
MAX_PPM = 1_000_000.0
