"""Configuration parsing and validation."""

from pathlib import Path

import pytest

from seabed.config import Config, check_config, load_config
from seabed.exceptions import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_defaults_match_the_design():
    config = Config.model_validate({"inputs": {"cores": "c.csv"}})
    assert config.grid.resolution_m == 1000.0
    assert config.grid.crs == "auto"
    assert (config.composite.top_m, config.composite.bottom_m) == (0.0, 10.0)
    assert config.composite.slice_m == 1.0
    assert config.estimate.method == "ordinary"
    assert config.estimate.variogram == "auto"
    assert config.estimate.n_neighbors == 32
    assert config.estimate.max_distance_m == 50000.0
    assert config.resource.dry_density_t_m3 == 0.55
    assert config.resource.cutoffs_ppm == [0.0, 400.0, 2000.0, 5000.0]
    assert config.dask.tile_size == 256
    assert config.simulation is None


def test_paths_are_relative_to_the_config_file(tmp_path):
    path = write(
        tmp_path,
        """
[inputs]
cores = "data/cores.csv"
include = ["eez.gpkg"]
exclude = [{ path = "zones.gpkg", layer = "mpa", reason = "protected area", buffer_m = 500 }]
[output]
dir = "results"
""",
    )
    config = load_config(path)
    assert config.inputs.cores == tmp_path / "data" / "cores.csv"
    assert config.inputs.include[0].path == tmp_path / "eez.gpkg"
    zone = config.inputs.exclude[0]
    assert (zone.path, zone.layer, zone.reason, zone.buffer_m) == (
        tmp_path / "zones.gpkg",
        "mpa",
        "protected area",
        500.0,
    )
    assert config.output.dir == tmp_path / "results"
    assert config.source == path


def test_variogram_table_is_accepted(tmp_path):
    path = write(
        tmp_path,
        """
[inputs]
cores = "c.csv"
[estimate]
variogram = { model = "spherical", psill = 0.59, range = 897, nugget = 0.05 }
""",
    )
    vg = load_config(path).estimate.variogram
    assert (vg.model, vg.psill, vg.range, vg.nugget) == ("spherical", 0.59, 897.0, 0.05)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('{ model = "Pow", psill = 0.01, range = 1.5, nugget = 0.1 }', "power"),
        ('{ model = "Lin", psill = 2e-4, range = 0 }', "linear"),
        ('{ model = "Nug", psill = 0.3 }', None),
    ],
)
def test_gstat_lin_pow_and_nug_are_accepted(tmp_path, table, expected):
    from seabed.geostats import Variogram

    path = write(
        tmp_path, f'[inputs]\ncores = "c.csv"\n[estimate]\nvariogram = {table}\n'
    )
    vg = Variogram(**load_config(path).estimate.variogram.model_dump())
    assert [s.model for s in vg.structures] == ([expected] if expected else [])


def test_a_model_without_range_is_refused(tmp_path):
    path = write(
        tmp_path,
        '[inputs]\ncores = "c.csv"\n[estimate]\n'
        'variogram = { model = "Sph", psill = 1.0 }\n',
    )
    with pytest.raises(ConfigError, match="needs a range"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[inputs]\n", "inputs.cores", "required"),
        (
            '[inputs]\ncores="c"\n[grid]\nresolution_m = -5\n',
            "grid.resolution_m",
            "greater than 0",
        ),
        (
            '[inputs]\ncores="c"\n[grid]\nresoluton_m = 5\n',
            "grid.resoluton_m",
            "unknown key",
        ),
        (
            '[inputs]\ncores="c"\n[grid]\nbounds = [154, 22, 153, 21]\n',
            "grid.bounds",
            "min < max",
        ),
        (
            '[inputs]\ncores="c"\n[composite]\ntop_m = 5\nbottom_m = 2\n',
            "composite",
            "bottom_m",
        ),
        (
            '[inputs]\ncores="c"\n[resource]\noxides = { Ce = "CeO3" }\n',
            "resource.oxides",
            "CeO2",
        ),
        (
            '[inputs]\ncores="c"\n[estimate]\nmethod = "magic"\n',
            "estimate.method",
            "ordinary",
        ),
        (
            '[inputs]\ncores="c"\n[rules]\ndepth_window_m = [6000, 5000]\n',
            "rules.depth_window_m",
            "shallowest",
        ),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"'{key}'" in message
    assert words in message
    assert "\n" not in message


def test_all_problems_are_listed():
    problems = check_config(
        {"inputs": {}, "grid": {"resolution_m": 0}, "dask": {"tile_size": 1}}, None
    )
    keys = sorted(p.column for p in problems)
    assert keys == ["dask.tile_size", "grid.resolution_m", "inputs.cores"]


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")
    path = write(tmp_path, "[inputs\ncores = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_a_mapping_is_loaded_with_paths_relative_to_the_current_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    tables = {"inputs": {"cores": "data/cores.csv"}, "output": {"dir": "results"}}
    config = load_config(tables)
    assert config.inputs.cores == tmp_path.resolve() / "data" / "cores.csv"
    assert config.output.dir == tmp_path.resolve() / "results"
    assert config.source is None
    assert tables == {
        "inputs": {"cores": "data/cores.csv"},
        "output": {"dir": "results"},
    }
    # the first problem, as for a file
    with pytest.raises(ConfigError) as caught:
        load_config({"inputs": {"cores": "c.csv"}, "grid": {"resolution_m": 0}})
    assert caught.value.column == "grid.resolution_m"
    assert caught.value.path is None


@pytest.mark.parametrize(("given", "named"), [(42, "int"), (None, "None")])
def test_a_configuration_is_a_path_or_a_mapping(given, named):
    with pytest.raises(ConfigError) as caught:
        load_config(given)
    assert str(caught.value) == (
        f"a configuration is the path of a TOML file or a mapping of its tables, got "
        f"{named}; pass e.g. 'survey.toml' or {{'inputs': {{'cores': 'cores.csv'}}}}"
    )


# ------------------------------------------------------------- resource accounting keys
def resource(**keys):
    return Config.model_validate({"inputs": {"cores": "c.csv"}, "resource": keys})


def test_density_from_wet_density_and_water_content():
    config = resource(wet_density_t_m3=1.32, water_content=0.6)
    assert config.resource.constant_dry_density_t_m3 == pytest.approx(0.528)
    assert resource().resource.constant_dry_density_t_m3 == 0.55
    assert resource(density="cores_kriged").resource.density == "cores_kriged"


def test_salt_corrected_density_from_wet_density_and_water_content():
    config = resource(
        wet_density_t_m3=1.3, water_content=0.6, pore_water_salinity=0.035
    )
    # 1.3 x (1 - 0.6 / 0.965) = 0.491710
    assert config.resource.constant_dry_density_t_m3 == pytest.approx(
        0.4917098, abs=1e-7
    )
    assert resource().resource.pore_water_salinity is None  # no correction by default
    cores = resource(density="cores_mean", pore_water_salinity=0.035)
    assert cores.resource.pore_water_salinity == 0.035


@pytest.mark.parametrize(
    ("keys", "words"),
    [
        ({"wet_density_t_m3": 1.3}, "go together"),
        (
            {"wet_density_t_m3": 1.3, "water_content": 0.6, "dry_density_t_m3": 0.5},
            "not both",
        ),
        ({"density": "cores_mean", "dry_density_t_m3": 0.5}, "from the cores"),
        ({"water_content": 1.0, "wet_density_t_m3": 1.3}, "less than 1"),
        ({"density": "kriged"}, "cores_kriged"),
        ({"annual_demand_t": {"Dy": 0}}, "greater than 0"),
        ({"annual_demand_t": {"Dysprosium": 5}}, "neither a REY element"),
        ({"grade_tonnage_step_ppm": 0}, "greater than or equal to 0.1 (ppm)"),
        ({"pore_water_salinity": 0.035}, "has none"),
        ({"pore_water_salinity": 35, "density": "cores_mean"}, "less than or equal"),
        (
            {
                "wet_density_t_m3": 1.3,
                "water_content": 0.97,
                "pore_water_salinity": 0.035,
            },
            "leaves no solids",
        ),
    ],
)
def test_bad_resource_keys(keys, words):
    problems = check_config({"inputs": {"cores": "c"}, "resource": keys})
    assert problems and words in str(problems[0])
    assert str(problems[0].column).startswith("resource")


def test_demand_table_and_report_zones_paths_are_resolved(tmp_path):
    path = write(
        tmp_path,
        """
[inputs]
cores = "c.csv"
report_zones = { path = "zones/blocks.gpkg", layer = "licences", name_column = "id" }
[resource]
annual_demand_t = "demand.csv"
""",
    )
    config = load_config(path)
    zones = config.inputs.report_zones
    assert (zones.path, zones.layer, zones.name_column) == (
        tmp_path / "zones" / "blocks.gpkg",
        "licences",
        "id",
    )
    assert config.resource.annual_demand_t == tmp_path / "demand.csv"
    inline = resource(annual_demand_t={"Dy": 1000, "Tb4O7": 300})
    assert inline.resource.annual_demand_t == {"Dy": 1000.0, "Tb4O7": 300.0}


def test_classification_leaves_every_class_to_its_default():
    config = Config.model_validate({"inputs": {"cores": "c.csv"}})
    rules = config.classification
    assert rules.measured is None and rules.indicated is None
    assert rules.inferred is None and rules.sectors == 4 and rules.defaults


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ({"measured": {}}, "no criterion"),
        ({"indicated": {"min_sectors": 6}}, "exceeds sectors"),
        ({"measured": {"min_cores": 0}}, "greater than or equal to 1"),
        ({"indicated": {"max_relative_std": 0.3, "radius": 2}}, "unknown key"),
        ({"measured": {"min_slope_of_regression": 1.2}}, "less than or equal to 1"),
        ({"measured": {"min_slope_of_regression": 0}}, "greater than 0"),
        ({"indicated": {"cores_within_range": 0.5}}, "give min_cores too"),
        ({"indicated": {"min_cores": 3, "cores_within_range": 0}}, "greater than 0"),
        ({"inferred": {"max_nearest_range": -1}}, "greater than 0"),
        ({"defaults": "yes"}, "valid boolean"),
    ],
)
def test_bad_classification_rules(section, words):
    problems = check_config({"inputs": {"cores": "c"}, "classification": section})
    assert problems and words in str(problems[0])


def test_idw_cannot_classify_by_range_or_kriging_std():
    data = {
        "inputs": {"cores": "c"},
        "estimate": {"method": "idw"},
        "classification": {"indicated": {"max_nearest_range": 1.0}},
    }
    (problem,) = check_config(data)
    assert "inverse-distance" in str(problem)
    data["classification"] = {"measured": {"min_slope_of_regression": 0.95}}
    (problem,) = check_config(data)
    assert "classification.measured.min_slope_of_regression needs kriging" in str(
        problem
    )
    data["classification"] = {"indicated": {"min_cores": 8, "min_sectors": 3}}
    assert check_config(data) == []
    # simple kriging's slope of regression is 1 by construction
    data["estimate"] = {"method": "simple"}
    data["classification"] = {"inferred": {"min_slope_of_regression": 0.5}}
    (problem,) = check_config(data)
    assert "1 everywhere" in str(problem)


def test_slope_of_regression_rules():
    section = {
        "measured": {"min_slope_of_regression": 0.95, "min_cores": 8},
        "indicated": {"min_slope_of_regression": 0.8},
    }
    config = Config.model_validate(
        {"inputs": {"cores": "c"}, "classification": section}
    )
    assert config.classification.measured.min_slope_of_regression == 0.95
    assert not config.classification.indicated.is_empty


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ("inputs", "core_crs", "did you mean 'cores_crs'?"),
        ("grid", "resolutoin_m", "did you mean 'resolution_m'?"),
        ("estimate", "n_neighbours", "did you mean 'n_neighbors'?"),
        ("resource", "max_slope_deg", "it belongs in [rules]"),
        ("grid", "colour", "check its spelling and section in docs/config.md"),
    ],
)
def test_unknown_keys_suggest_the_right_one(section, key, words):
    data: dict = {"inputs": {"cores": "c.csv"}}
    data.setdefault(section, {})[key] = 1
    problems = check_config(data)
    assert len(problems) == 1
    assert f"key '{section}.{key}': unknown key ({words})" == str(problems[0])


@pytest.mark.parametrize(
    "address", ["http://10.0.0.5:8787", "10.0.0.5", "tcp://", "scheduler"]
)
def test_scheduler_addresses_that_are_not_are_refused(address):
    data = {"inputs": {"cores": "c.csv"}, "dask": {"scheduler": address}}
    (problem,) = check_config(data)
    assert "dask.scheduler" in str(problem) and "not a dask scheduler address" in str(
        problem
    )


def test_scheduler_file_and_cores_crs_keys(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(
        '[inputs]\ncores = "c.csv"\ncores_crs = "EPSG:32656"\ncores_layer = "samples"\n'
        '[dask]\nscheduler_file = "sched.json"\n'
    )
    config = load_config(path)
    assert config.inputs.cores_crs == "EPSG:32656"
    assert config.inputs.cores_layer == "samples"
    assert config.dask.scheduler_file == tmp_path / "sched.json"
    (problem,) = check_config({"inputs": {"cores": "c.csv", "cores_crs": "EPSG:0"}})
    assert "inputs.cores_crs" in str(problem) and "not a CRS" in str(problem)
    (both,) = check_config(
        {
            "inputs": {"cores": "c.csv"},
            "dask": {"scheduler": "tcp://h:1", "scheduler_file": "s.json"},
        }
    )
    assert "not both" in str(both)


def test_scheduler_files(tmp_path):
    import json

    from seabed.schedulers import scheduler_from_file

    good = tmp_path / "scheduler.json"
    good.write_text(json.dumps({"address": "tcp://127.0.0.1:8786", "id": "x"}))
    assert scheduler_from_file(good) == "tcp://127.0.0.1:8786"
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a dask scheduler file"):
        scheduler_from_file(bad)
    with pytest.raises(ConfigError, match="scheduler file not found"):
        scheduler_from_file(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("section", "key", "value", "words"),
    [
        ("grid", "resolution_m", 1e308, "less than or equal to 100000 (metres)"),
        ("composite", "bottom_m", float("inf"), "finite number (metres)"),
        ("composite", "slice_m", 1e-6, "greater than or equal to 0.01 (metres)"),
        ("resource", "cutoffs_ppm", [float("inf")], "finite number (ppm)"),
        ("resource", "cutoffs_ppm", [2e6], "less than 1000000 (ppm)"),
        ("resource", "dry_density_t_m3", float("nan"), "finite number (t/m3)"),
        ("estimate", "max_distance_m", 1e12, "less than or equal to 20000000 (metres)"),
        ("simulation", "realizations", 10**9, "less than or equal to 100000"),
        ("rules", "depth_window_m", [5000, 60000], "less than or equal to 11000"),
    ],
)
def test_numbers_must_be_finite_and_plausible(section, key, value, words):
    data: dict = {"inputs": {"cores": "c.csv"}, section: {key: value}}
    problems = check_config(data)
    assert len(problems) == 1
    assert words in str(problems[0]) and f"{section}.{key}" in str(problems[0])


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("grid", "resolution_m", True),
        ("estimate", "n_neighbors", True),
        ("grid", "bounds", [153.0, 22.0, True, 23.0]),
        ("composite", "top_cut_ppm", {"Nd": False}),
        ("resource", "cutoffs_ppm", [0, True]),
    ],
)
def test_true_or_false_is_never_read_as_a_number(section, key, value):
    # pydantic alone reads true as 1: a 1 m grid, one neighbour
    data: dict = {"inputs": {"cores": "c.csv"}, section: {key: value}}
    (problem,) = check_config(data)
    assert f"'{section}.{key}'" in str(problem)
    assert "true or false given where a number is expected" in str(problem)


def test_true_or_false_is_still_a_switch():
    data: dict = {
        "inputs": {"cores": "c.csv"},
        "dask": {"resume": False},
        "simulation": {"histogram_uncertainty": True, "variogram_uncertainty": True},
    }
    assert check_config(data) == []


def test_a_huge_buffer_is_refused_before_geos_sees_it():
    zone = {"path": "z.gpkg", "buffer_m": 1e308}
    (problem,) = check_config({"inputs": {"cores": "c.csv", "exclude": [zone]}})
    assert "inputs.exclude.0.buffer_m" in str(problem) and "(metres)" in str(problem)


def test_bounds_off_the_globe_name_their_key_once_and_the_same_box():
    (problem,) = check_config(
        {"inputs": {"cores": "c.csv"}, "grid": {"bounds": [190, -17, 191, -16]}}
    )
    assert str(problem).startswith("key 'grid.bounds': longitudes 190 to 191")
    assert str(problem).endswith("the same box is [-170, -17, -169, -16]")
