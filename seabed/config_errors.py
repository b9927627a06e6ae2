r"""Pydantic's validation errors of a configuration, as one-line :class:`ConfigError`\ s.

Each names the key as the user's file spells it (``estimate.pass.0.max_distance_m``),
the unit a bound is in, and, for an unknown key, the key the user probably meant or
the section it belongs in. Used by :mod:`seabed.config`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from seabed.exceptions import ConfigError

__all__ = ["validation_problems"]


def _is_type_tag(part: int | str) -> bool:
    # pydantic names the branch of a union in the location: literal['auto'], a class
    text = str(part)
    return (
        "[" in text
        or text[:1].isupper()
        or text.startswith(("function-", "constrained-"))
    )


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if not _is_type_tag(part))


def validation_problems(
    error: ValidationError, path: Path | None, model: type[BaseModel]
) -> list[ConfigError]:
    """One :class:`ConfigError` per problem pydantic found in a configuration of
    ``model``, naming the key, its unit and, for an unknown key, the likely one."""
    items = error.errors()
    # a union reports one error per branch; keep the branch the user meant (a table
    # given for `variogram` should not also be told "Input should be 'auto'")
    branches = {_key(i["loc"]) for i in items if not _last(i["loc"]).startswith("lit")}
    problems = []
    keys = [_key(i["loc"]) for i in items]
    for item in items:
        where = _key(item["loc"])
        if "literal[" in _last(item["loc"]) and any(
            b == where or b.startswith(where + ".") for b in branches
        ):
            continue
        # a number given where a table or a path is also allowed: say what is
        # wrong with the number, not that it is no table
        if item["type"] in _OTHER_BRANCH_ERRORS and keys.count(_key(item["loc"])) > 1:
            continue
        message = _plain(item["msg"].removeprefix("Value error, "))
        if item["type"] == "extra_forbidden":
            message = "unknown key" + _suggestion(item["loc"], model)
        elif item["type"] == "missing":
            message = "this key is required"
        # a check across sections has no location; its message names the keys
        key = _key(item["loc"]) or None
        # a section's own check names its key first ("grid.bounds: ..."): that
        # key is the location, said once
        own = re.match(r"([a-z_]+(?:\.[a-z_0-9]+)+): (.*)", message, re.DOTALL)
        if own and (key is None or own[1].startswith(key + ".")):
            key, message = own[1], own[2]
        if item["type"] in _BOUND_ERRORS and key is not None:
            message += _unit_of(key)
        problems.append(ConfigError(message, path=path, column=key))
    # every branch of a union refused a value of another type (a string given
    # where 'auto' or a table is allowed): name them all in one problem
    named = [p.column or "" for p in problems]
    for where in dict.fromkeys(keys):
        if where and not any(n == where or n.startswith(where + ".") for n in named):
            messages = [i["msg"] for i in items if _key(i["loc"]) == where]
            problems.append(ConfigError(_either(messages), path=path, column=where))
    return problems


def _plain(message: str) -> str:
    """pydantic's words for a model or a path in the words of a TOML file."""
    message = re.sub(r"a valid dictionary or instance of \w+", "a table", message)
    return re.sub(
        r"Input is not a valid path for .*", "Input should be a path (text)", message
    )


def _either(messages: list[str]) -> str:
    """ "Input should be 'auto' or a table" from the messages of a union's branches."""
    parts = [_plain(m).removeprefix("Input should be ") for m in messages]
    return "Input should be " + " or ".join(dict.fromkeys(parts))


#: pydantic's errors of the branch of a union the user did not mean, when another
#: branch said what is wrong.
_OTHER_BRANCH_ERRORS = {
    "dict_type",
    "path_type",
    "model_type",
    "list_type",
    "tuple_type",
    "float_type",
    "int_type",
}
#: pydantic's error types for a number outside its range or not finite.
_BOUND_ERRORS = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "finite_number",
}
#: The unit a key's suffix names (docs/conventions.md).
_SUFFIX_UNITS = {
    "_m": "metres",
    "_deg": "degrees",
    "_ppm": "ppm",
    "_t_m3": "t/m3",
    "_t": "tonnes",
}


def _unit_of(key: str) -> str:
    """' (in metres)' for a key whose name ends in ``_m``, and so on."""
    name = ".".join(p for p in key.split(".") if not p.isdigit()).rsplit(".", 1)[-1]
    for suffix, unit in _SUFFIX_UNITS.items():
        if name.endswith(suffix):
            return f" ({unit})"
    return ""


def _suggestion(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """' (did you mean ...?)' for a misspelt key, else where to look."""
    model: Any = root
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        inner = _section_model(field.annotation) if field is not None else None
        if inner is None:
            return " (check its spelling and section in docs/config.md)"
        model = inner
    known = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    # the right name in the wrong section
    for name, field in root.model_fields.items():
        inner = _section_model(field.annotation)
        if inner is not None and loc[-1] in inner.model_fields:
            return f" (it belongs in [{name}])"
    return " (check its spelling and section in docs/config.md)"


def _section_model(annotation: Any) -> Any:
    """The pydantic model behind a field's annotation (through Optional and list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _section_model(arg)
        if found is not None:
            return found
    return None


def _last(loc: tuple[int | str, ...]) -> str:
    return str(loc[-1]) if loc else ""
