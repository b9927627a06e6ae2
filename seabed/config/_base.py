"""What every section of the configuration shares: its base and plausible ranges.

Private to :mod:`seabed.config`: each section is a frozen pydantic model that
refuses unknown keys (a typo never passes silently) and infinite or NaN numbers.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads true as 1 and false as 0: `resolution_m = true` would
        # be a 1 m grid, `n_neighbors = true` one neighbour
        field = cls.model_fields.get(info.field_name or "")
        if field is None or not _takes(field.annotation, (int, float)):
            return value
        if _takes(field.annotation, (bool, Any)):
            return value
        if isinstance(value, dict):
            # a section's own table is checked by the section; a mapping of
            # values (an element's top-cut, its demand) here
            items = list(value.values()) if _has_dict(field.annotation) else []
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            items = [value]
        if any(isinstance(item, bool) for item in items):
            raise ValueError(
                "true or false given where a number is expected: give the number"
            )
        return value


def _has_dict(annotation: Any) -> bool:
    """Whether a field's type is, or may be, a mapping of values."""
    if get_origin(annotation) is dict:
        return True
    return any(_has_dict(arg) for arg in get_args(annotation))


def _takes(annotation: Any, kinds: tuple[Any, ...]) -> bool:
    """Whether a field's type is, or may hold, one of ``kinds`` (through unions,
    lists, tuples and ``Annotated``)."""
    if any(annotation is kind for kind in kinds):
        return True
    return any(_takes(arg, kinds) for arg in get_args(annotation))


# Plausible ranges: a value outside them is a typo or a wrong unit, and some would
# exhaust memory or overflow long before the run could say so.
#: The widest useful grid cell (100 km) and search or margin (half the Earth's
#: circumference, about 20,000 km).
MAX_CELL_M, MAX_DISTANCE_M = 100_000.0, 20_000_000.0
#: Deeper than any sediment column the cores could sample (mbsf).
MAX_DEPTH_MBSF = 2_000.0
#: A grade can be at most the whole sample (1,000,000 ppm = 100 %).
MAX_PPM = 1_000_000.0
