"""Fixtures shared across test files: one run of ``seabed demo``, shared by every test
that reads its files or its printed statement (a run of the demo is the suite's
most expensive step)."""

import contextlib
import io

import pytest

from seabed.cli import main


@pytest.fixture(scope="session")
def demo_cli_run(tmp_path_factory):
    """``seabed demo --out DIR``: its exit code, its folder and what it printed."""
    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["demo", "--out", str(out), "--no-progress"])
    return code, out, printed.getvalue()
