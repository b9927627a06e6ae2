"""A configuration file read, validated and resolved, or every problem in it listed.

Examples
--------
>>> for problem in check_config({"grid": {"resolution_m": 0}}):
...     print(problem)
key 'inputs': this key is required
key 'grid.resolution_m': Input should be greater than 0 (metres)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seabed.config.run import Config
from seabed.config_errors import validation_problems
from seabed.exceptions import ConfigError

__all__ = ["check_config", "load_config", "read_config"]


def check_config(data: dict[str, Any], path: Path | None = None) -> list[ConfigError]:
    """Every problem in a configuration mapping, as a list of errors (empty if fine)."""
    try:
        Config.model_validate(data)
    except ValidationError as error:
        return validation_problems(error, path, Config)
    return []


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line ConfigError."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(
            "is a folder, not a file", path=path, hint="give the path of a .toml file"
        )
    if not path.is_file():
        raise ConfigError(
            "configuration file not found",
            path=path,
            hint="give the path of a .toml file",
        )
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark,
        # which TOML does not allow
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML ({error})", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a text (UTF-8) file", path=path) from None


def read_config(
    source: str | os.PathLike[str] | Mapping[str, Any],
) -> tuple[dict[str, Any], Path | None]:
    """A configuration's tables and the file they were read from (None for a mapping).

    Raises
    ------
    ConfigError
        For a file that cannot be read, or a source that is neither a path nor a
        mapping.
    """
    if isinstance(source, Mapping):
        return dict(source), None
    if isinstance(source, str | os.PathLike):
        path = Path(source).resolve()
        return read_toml(path), path
    raise ConfigError(
        "a configuration is the path of a TOML file or a mapping of its tables, "
        f"got {'None' if source is None else type(source).__name__}",
        hint="pass e.g. 'survey.toml' or {'inputs': {'cores': 'cores.csv'}}",
    )


def load_config(source: str | os.PathLike[str] | Mapping[str, Any]) -> Config:
    """Read, validate and resolve a configuration file, or a mapping of its tables.

    Parameters
    ----------
    source : str, path-like or mapping
        The TOML file, whose relative paths are relative to its folder; or its
        tables as a mapping (what :func:`tomllib.load` gives), whose relative
        paths are relative to the current directory.

    Returns
    -------
    Config
        The validated configuration with absolute input paths; ``source`` is the
        file (None for a mapping).

    Raises
    ------
    ConfigError
        For the first problem found (``seabed validate`` lists them all).

    Examples
    --------
    >>> config = load_config({"inputs": {"cores": "cores.csv"}})
    >>> config.inputs.cores == Path.cwd() / "cores.csv", config.source
    (True, None)
    """
    data, path = read_config(source)
    problems = check_config(data, path)
    if problems:
        raise problems[0]
    config = Config.model_validate(data)
    if path is None:
        return config.resolve_paths(Path.cwd())
    return config.model_copy(update={"source": path}).resolve_paths(path.parent)
