"""Addresses of dask.distributed schedulers: checked, or read from a scheduler file.

``seabed run --scheduler`` and ``[dask] scheduler`` take an address;
``--scheduler-file`` and ``[dask] scheduler_file`` take the JSON file that
``dask scheduler --scheduler-file`` writes (as dask-jobqueue, dask-mpi and HPC
launchers hand a cluster over). Anything else is refused in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

from seabed.exceptions import ConfigError

__all__ = ["SCHEDULER_SCHEMES", "check_scheduler_address", "scheduler_from_file"]


#: Schemes of the addresses a dask.distributed scheduler listens on.
SCHEDULER_SCHEMES = ("tcp", "tls", "ucx", "inproc", "ws", "wss")


def check_scheduler_address(address: str) -> str:
    """A dask.distributed scheduler address, refused in one line if it is not one.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    scheme, sep, rest = address.partition("://")
    if sep and scheme in SCHEDULER_SCHEMES and rest:
        return address
    if not sep and ":" in address and address.rsplit(":", 1)[1].isdigit():
        return address  # host:port, which distributed reads as tcp://host:port
    raise ConfigError(
        f"{address!r} is not a dask scheduler address",
        column="dask.scheduler",
        hint="give tcp://host:port (the address the scheduler prints), or a "
        "scheduler file with --scheduler-file / dask.scheduler_file",
    )


def scheduler_from_file(path: str | Path) -> str:
    """The scheduler address in a file written by ``dask scheduler --scheduler-file``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "scheduler.json"
    >>> _ = file.write_text(json.dumps({"address": "tcp://10.0.0.5:8786"}))
    >>> scheduler_from_file(file)
    'tcp://10.0.0.5:8786'
    """
    path = Path(path)
    hint = "give the file that dask scheduler --scheduler-file wrote"
    if not path.is_file():
        raise ConfigError(
            "scheduler file not found",
            path=path,
            column="dask.scheduler_file",
            hint=hint,
        )
    try:
        address = json.loads(path.read_text("utf-8")).get("address")
    except (ValueError, AttributeError, UnicodeDecodeError):
        address = None
    if not isinstance(address, str):
        raise ConfigError(
            'not a dask scheduler file (no "address" in a JSON object)',
            path=path,
            column="dask.scheduler_file",
            hint=hint,
        )
    return check_scheduler_address(address)
