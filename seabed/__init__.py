"""seabed: rare-earth resource estimation for deep-sea mud."""

from seabed._version import __version__

__all__ = ["__version__"]
