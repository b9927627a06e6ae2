"""A configuration file read, validated and resolved, or every problem in it listed.

Examples
--------
>>> for problem in check_config({"grid": {"resolution_m": 0}}):
...     print(problem)
key 'inputs': this key is required
key 'grid.resolution_m': Input should be greater than 0 (metres)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seabed.config.run import Config
from seabed.config_errors import validation_problems
from seabed.exceptions import ConfigError

__all__ = ["check_config", "load_config"]


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


def load_config(path: str | Path) -> Config:
    """Read, validate and resolve a configuration file.

    Parameters
    ----------
    path : str or path-like
        The TOML file.

    Returns
    -------
    Config
        The validated configuration with absolute input paths.

    Raises
    ------
    ConfigError
        For the first problem found (``seabed validate`` lists them all).
    """
    path = Path(path).resolve()
    data = read_toml(path)
    problems = check_config(data, path)
    if problems:
        raise problems[0]
    config = Config.model_validate(data).model_copy(update={"source": path})
    return config.resolve_paths(path.parent)
