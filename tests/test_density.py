"""Dry density from wet density and water content, with and without the salt correction."""

import numpy as np
import pandas as pd
import pytest

from seabed.composite import composite_cores
from seabed.density import (
    SEAWATER_SALINITY,
    dry_from_wet,
    max_water_content,
    pore_fluid_fraction,
    wet_conversion_text,
)
from seabed.exceptions import InputError


def weighed_sample(solids_g, pore_fluid_g, salinity, wet_density):
    """A MAD sample built from its parts: what the balance shows, and the truth.

    Drying removes the water of the pore fluid and leaves its salt with the solids.
    """
    salt_g = pore_fluid_g * salinity
    wet_g = solids_g + pore_fluid_g
    dry_g = solids_g + salt_g
    volume_cm3 = wet_g / wet_density
    water_content = (wet_g - dry_g) / wet_g  # what a MAD sheet reports as lost
    true_dry_density = solids_g / volume_cm3  # g/cm3 = t/m3
    return water_content, true_dry_density


@pytest.mark.parametrize(
    ("solids_g", "pore_fluid_g", "wet_density"),
    [(40.0, 60.0, 1.3), (55.0, 45.0, 1.45), (25.0, 75.0, 1.18)],
)
def test_salt_correction_recovers_the_mass_of_solids(
    solids_g, pore_fluid_g, wet_density
):
    w, truth = weighed_sample(solids_g, pore_fluid_g, SEAWATER_SALINITY, wet_density)
    corrected = dry_from_wet(wet_density, w, pore_water_salinity=SEAWATER_SALINITY)
    assert corrected == pytest.approx(truth, rel=1e-14)
    # without the correction the salt counts as solids: too many tonnes
    salt_g = pore_fluid_g * SEAWATER_SALINITY
    assert dry_from_wet(wet_density, w) == pytest.approx(
        truth * (solids_g + salt_g) / solids_g, rel=1e-14
    )


def test_hand_computed_values():
    # 40 g solids, 60 g pore fluid (2.1 g salt): w = 0.579, wet 1.3 -> dry 0.52
    assert dry_from_wet(1.3, 0.579, pore_water_salinity=0.035) == pytest.approx(0.52)
    assert dry_from_wet(1.3, 0.579) == pytest.approx(1.3 * 0.421)
    # w = 0.6 read as mass lost: 1.3 x (1 - 0.6 / 0.965) = 0.491710
    assert dry_from_wet(1.3, 0.6, pore_water_salinity=0.035) == pytest.approx(
        0.4917098, abs=1e-7
    )
    assert pore_fluid_fraction(0.6, 0.0) == 0.6
    assert max_water_content(0.035) == pytest.approx(0.965)
    wet, water = np.array([1.3, 1.4]), np.array([0.6, 0.5])
    values = dry_from_wet(wet, water, pore_water_salinity=0.05)
    np.testing.assert_allclose(values, [1.3 * (1 - 0.6 / 0.95), 1.4 * (1 - 0.5 / 0.95)])
    assert "no salt correction" in wet_conversion_text(None)
    assert "0.035" in wet_conversion_text(0.035)


def samples(**columns):
    """Two cores, two 5 m samples each, over the 0-10 mbsf window."""
    table = pd.DataFrame(
        {
            "core_id": ["A", "A", "B", "B"],
            "lon": [153.8, 153.8, 153.9, 153.9],
            "lat": 22.0,
            "top_m": [0.0, 5.0, 0.0, 5.0],
            "bottom_m": [5.0, 10.0, 5.0, 10.0],
            "rey_ppm": 1000.0,
        }
        | columns
    )
    table.attrs["source"] = "cores.csv"
    return table


def test_per_sample_densities_are_salt_corrected():
    table = samples(
        dry_density_t_m3=[0.5, np.nan, np.nan, np.nan],
        wet_density_t_m3=[1.3, 1.3, 1.4, 1.2],
        water_content=[0.6, 0.6, 0.5, 0.65],
    )
    out = composite_cores(table, pore_water_salinity=0.035)
    # a given dry density is kept; the others are wet x (1 - w / 0.965)
    assert out.loc["A", "dry_density_t_m3"] == pytest.approx(
        (0.5 + 1.3 * (1 - 0.6 / 0.965)) / 2
    )
    assert out.loc["B", "dry_density_t_m3"] == pytest.approx(
        (1.4 * (1 - 0.5 / 0.965) + 1.2 * (1 - 0.65 / 0.965)) / 2
    )
    assert out.attrs["pore_water_salinity"] == 0.035
    assert out.attrs["dry_from_wet_samples"] == {"A": 1, "B": 2}
    plain = composite_cores(table)
    assert plain.loc["B", "dry_density_t_m3"] == pytest.approx((0.7 + 0.42) / 2)
    assert plain.attrs["pore_water_salinity"] is None
    # samples below the window are not counted
    assert composite_cores(table, bottom_m=5.0).attrs["dry_from_wet_samples"] == {
        "B": 1
    }


def test_water_content_leaving_no_solids_names_the_sample():
    table = samples(wet_density_t_m3=1.1, water_content=[0.6, 0.97, 0.6, 0.6])
    composite_cores(table)  # 1.1 x 0.03 > 0 without the correction
    with pytest.raises(InputError) as caught:
        composite_cores(table, pore_water_salinity=0.035)
    message = str(caught.value)
    for words in ("cores.csv", "'A' at 5-10 mbsf", "water_content", "0.965"):
        assert words in message
