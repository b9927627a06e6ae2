"""Run the examples in every module's docstrings against the installed package."""

import doctest
import importlib
import pkgutil

import pytest

import seabed

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(seabed.__path__, prefix="seabed.")
    if not info.name.split(".")[-1].startswith("_") or info.name.endswith("__init__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
