"""Tests of seabed.elements: the REY list and oxide factors from atomic weights."""

import pytest

from seabed.elements import (
    DEFAULT_OXIDES,
    HREE,
    LREE,
    OXIDE_CHOICES,
    REY,
    element_column,
    oxide_factor,
    oxide_factors,
)
from seabed.exceptions import ConfigError

# DESIGN.md section 2 (element -> default oxide factor)
DESIGN_FACTORS = {
    "Y": 1.2699, "La": 1.1728, "Ce": 1.2284, "Pr": 1.2082, "Nd": 1.1664,
    "Sm": 1.1596, "Eu": 1.1579, "Gd": 1.1526, "Tb": 1.1762, "Dy": 1.1477,
    "Ho": 1.1455, "Er": 1.1435, "Tm": 1.1421, "Yb": 1.1387, "Lu": 1.1371,
}  # fmt: skip


def test_rey_is_y_plus_the_lanthanides_without_pm():
    assert len(REY) == 15 == len(set(REY))
    assert REY[0] == "Y"
    assert "Pm" not in REY and "Sc" not in REY
    assert set(REY) == {"Y", *LREE, *HREE}
    assert not set(LREE) & set(HREE)


@pytest.mark.parametrize("element", REY)
def test_default_oxide_factors_match_the_design_table(element):
    assert oxide_factor(element) == pytest.approx(DESIGN_FACTORS[element], abs=1e-4)


def test_oxide_factors_returns_all_elements_in_order():
    factors = oxide_factors()
    assert list(factors) == list(REY)
    assert factors == pytest.approx(DESIGN_FACTORS, abs=1e-4)


@pytest.mark.parametrize(
    ("element", "oxide", "factor"),
    [("Ce", "Ce2O3", 1.1713), ("Pr", "Pr2O3", 1.1703), ("Tb", "Tb2O3", 1.1510)],
)
def test_sesquioxide_alternatives(element, oxide, factor):
    assert oxide_factor(element, oxide) == pytest.approx(factor, abs=1e-4)
    assert oxide_factors({element: oxide})[element] == pytest.approx(factor, abs=1e-4)


def test_factor_is_oxide_mass_over_metal_mass():
    # Y2O3: (2 x 88.905838 + 3 x 15.999) / (2 x 88.905838)
    assert oxide_factor("Y") == pytest.approx(1 + 3 * 15.999 / (2 * 88.905838))


def test_default_oxides_are_among_the_choices():
    for element in REY:
        assert DEFAULT_OXIDES[element] == OXIDE_CHOICES[element][0]


def test_unknown_element_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown REY element 'Sc'"):
        oxide_factor("Sc")
    with pytest.raises(ConfigError, match="unknown REY element"):
        oxide_factors({"Pm": "Pm2O3"})


def test_unavailable_oxide_form_names_the_choices():
    with pytest.raises(ConfigError) as info:
        oxide_factor("Ce", "CeO3")
    message = str(info.value)
    assert "oxides.Ce" in message and "CeO2, Ce2O3" in message
    assert "\n" not in message


def test_element_column():
    assert element_column("La") == "La_ppm"
