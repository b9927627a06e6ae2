"""What ``seabed.run`` and ``seabed.validate`` take: a Config, the path of a TOML
file, or its tables as a mapping. Each run here stops at its pre-flight (nine cores
are too few for an automatic variogram), so no run is made in full."""

from pathlib import Path

import pandas as pd
import pytest

import seabed
from seabed.exceptions import ConfigError, InputError
from seabed.io.synthetic import make_survey

BOX = (153.55, 21.85, 153.95, 22.2)

TABLES = {
    "inputs": {"cores": "cores.csv"},
    "grid": {"bounds": list(BOX), "resolution_m": 2000.0},
    "output": {"dir": "out", "report": False},
}


@pytest.fixture
def survey(tmp_path) -> Path:
    """A folder with nine cores and ``run.toml`` naming them by a relative path."""
    make_survey(n_cores=9, bounds=BOX, seed=5).samples.to_csv(
        tmp_path / "cores.csv", index=False
    )
    (tmp_path / "run.toml").write_text(
        f'[inputs]\ncores = "cores.csv"\n[grid]\nbounds = {list(BOX)}\n'
        'resolution_m = 2000.0\n[output]\ndir = "out"\nreport = false\n'
    )
    return tmp_path


def too_few_cores(call) -> ConfigError:
    with pytest.raises(ConfigError, match="cannot be fitted from the") as caught:
        call()
    assert caught.value.column == "estimate.variogram"
    return caught.value


def test_run_and_validate_read_a_configuration_file(survey, monkeypatch):
    elsewhere = survey / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the file's paths are relative to the file
    toml = (survey / "run.toml").resolve()
    for given in (str(toml), toml):
        error = too_few_cores(lambda given=given: seabed.run(given, progress=False))
        assert error.path == str(toml)  # the configuration is named
    (problem,) = seabed.validate(str(toml))
    assert problem.column == "estimate.variogram" and problem.path == str(toml)
    assert not (survey / "out").exists()


def test_run_and_validate_take_a_mapping(survey, monkeypatch):
    # relative paths in a mapping are relative to the current directory
    elsewhere = survey / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(InputError, match="file not found") as caught:
        seabed.run(TABLES, progress=False)
    assert caught.value.path == str((elsewhere / "cores.csv").resolve())
    assert not (elsewhere / "out").exists()
    monkeypatch.chdir(survey)
    error = too_few_cores(lambda: seabed.run(TABLES, progress=False))
    assert error.path is None  # no file to name
    (problem,) = seabed.validate(TABLES)
    assert problem.message == error.message
    assert not (survey / "out").exists()
    # a mapping's first problem is the error; validate lists them all
    broken = {"grid": {"resolution_m": 0}}
    with pytest.raises(ConfigError) as caught:
        seabed.run(broken, progress=False)
    assert caught.value.column == "inputs"
    assert [p.column for p in seabed.validate(broken)] == [
        "inputs",
        "grid.resolution_m",
    ]


def test_run_and_validate_refuse_anything_else(survey):
    for given in (pd.DataFrame(), 42):
        with pytest.raises(ConfigError, match="path of a TOML file or a mapping"):
            seabed.run(given, progress=False)
    (problem,) = seabed.validate(pd.DataFrame())
    assert isinstance(problem, ConfigError)
    assert "got DataFrame" in str(problem)
