"""Tests of seabed.variables: one registry of output variables, read by every writer."""

import pytest

from seabed import variables
from seabed.elements import REY
from seabed.variables import VARIABLES, Variable, cf_attrs, map_layers, variable

#: The only CF standard names the registry may give: those of the CF standard name
#: table that describe a variable of seabed exactly.
CF_STANDARD_NAMES = {"cell_area"}

#: The maps a run writes, as recorded in the demo's fingerprint: file -> variable.
#: A change here changes the output folder.
RECORDED_MAPS = {
    "rey_ppm": "rey_ppm",
    "rey_std_ppm": "rey_std_ppm",
    "treo_ppm": "treo_ppm",
    "treo_t_per_km2": "treo_t_per_km2",
    "thickness_m": "thickness_m",
    "excluded_fraction": "excluded_total_fraction",
    "class": "resource_class",
    "rey_etype_ppm": "etype_rey_ppm",
    "probability_above_{cutoff_ppm:g}ppm": "probability_above",
    # the kriging search's diagnostics (docs/search.md)
    **{
        name: name
        for name in (
            "search_pass",
            "n_samples",
            "n_cores",
            "nearest_sample_m",
            "mean_sample_distance_m",
            "kriging_variance_ppm2",
            "slope_of_regression",
            "kriging_efficiency",
            "negative_weight_sum",
        )
    },
}


def test_every_entry_is_keyed_by_its_name_and_says_what_it_is():
    for name, entry in VARIABLES.items():
        assert entry.name == name
        assert entry.long_name and entry.long_name == entry.long_name.strip()
        assert entry.units is None or entry.units.strip() == entry.units != ""


def test_standard_names_are_only_those_of_the_cf_table():
    given = {e.standard_name for e in VARIABLES.values()} - {None}
    assert given <= CF_STANDARD_NAMES


def test_cf_attrs_are_plain_strings_without_empty_values():
    for name in [n for n in VARIABLES if "{" not in n] + ["La_ppm", "Nd2O3_t"]:
        attrs = cf_attrs(name)
        assert attrs["long_name"]
        assert all(isinstance(v, str) and v for v in attrs.values()), name


def test_the_maps_are_those_recorded():
    assert {v.geotiff: v.name for v in map_layers()} == RECORDED_MAPS
    files = [v.geotiff for v in map_layers()]
    assert len(files) == len(set(files))


def test_quicklooks_and_their_layers():
    looks = {v.quicklook: v.name for v in VARIABLES.values() if v.quicklook}
    assert looks == {
        "rey_ppm": "rey_ppm",
        "rey_std_ppm": "rey_std_ppm",
        "treo_t_per_km2": "treo_t_per_km2",
        "class": "resource_class",
        "exclusions": "available_fraction",
    }


@pytest.mark.parametrize("element", REY)
def test_element_grades_resolve_from_the_template(element):
    entry = variable(f"{element}_ppm")
    assert entry.name == f"{element}_ppm"
    assert entry.attrs() == {"units": "ppm", "long_name": f"{element} grade"}


@pytest.mark.parametrize("oxide", ["Y2O3", "CeO2", "Pr6O11", "Tb4O7", "Lu2O3"])
def test_oxide_tonnes_resolve_from_the_template(oxide):
    assert cf_attrs(f"{oxide}_t") == {"units": "t", "long_name": f"{oxide} tonnes"}


def test_exact_names_win_over_templates_and_unknown_names_fail():
    assert variable("rey_ppm").long_name == "total REY grade (dry weight)"
    assert variable("ore_t").label == "ore"
    for name in ("nonsense", "la_ppm", "{element}_ppm", "rey_ppm_slice_0-1"):
        with pytest.raises(KeyError, match="not an output variable"):
            variable(name)


def test_split_layers_name_one_file_and_one_band_per_value():
    probability = VARIABLES["probability_above"]
    assert probability.split() == "cutoff_ppm"
    assert probability.filename(cutoff_ppm=500.0) == "probability_above_500ppm"
    assert probability.filename(cutoff_ppm=612.5) == "probability_above_612.5ppm"
    assert probability.describe(cutoff_ppm=1000.0) == (
        "probability that the REY block grade is >= 1000 ppm"
    )
    etype = VARIABLES["etype_rey_ppm"]
    assert etype.split() is None
    assert etype.describe(n_realizations=50) == (
        "e-type (mean of 50 realisations) REY grade"
    )
    with pytest.raises(ValueError, match="not written as a GeoTIFF"):
        VARIABLES["ore_t"].filename()


def test_table_formats_match_the_printed_statement():
    assert [
        VARIABLES[c].format(v)
        for c, v in [
            ("cutoff_ppm", 500.0),
            ("area_km2", 3175.2),
            ("ore_t", 1.746e10),
            ("mean_rey_ppm", float("nan")),
            ("rey_t", 1.683e7),
            ("treo_t", 2.02e7),
            ("treo_t_per_km2", 6362.0),
        ]
    ] == ["500", "3,175", "17,460", "-", "16.83", "20.20", "6,362"]
    labelled = {n: (v.label, v.table_units) for n, v in VARIABLES.items() if v.label}
    assert labelled["treo_t"] == ("TREO", "Mt")
    assert labelled["treo_t_per_km2"] == ("TREO", "t/km2")


def test_a_new_map_layer_is_one_entry(monkeypatch):
    new = Variable("sand_fraction", "sand in the mud", "1", geotiff="sand_fraction")
    monkeypatch.setattr(variables, "VARIABLES", {**VARIABLES, new.name: new})
    assert map_layers()[-1] == new
    assert cf_attrs("sand_fraction") == {"units": "1", "long_name": "sand in the mud"}
