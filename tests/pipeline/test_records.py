"""What the run records and doubts about its own figures (seabed.pipeline.records)."""

import pandas as pd
import pytest

from seabed.config import Config
from seabed.grid import make_grid
from seabed.pipeline.records import crs_doubts, recoverable_doubts


def recoverable(uc_mt: dict[float, float]) -> pd.DataFrame:
    """A run's recoverable table: the simulation's figures (Mt TREO) as the demo's,
    uniform conditioning's as given."""
    simulated = {
        0.0: (16.9, 15.5, 16.9, 17.9),
        2000.0: (1.05, 0.30, 0.72, 1.90),
        5000.0: (0.012, 0.0, 0.0, 0.014),
    }
    rows = [
        (cutoff, "simulation", statistic, value * 1e6)
        for cutoff, values in simulated.items()
        for statistic, value in zip(("mean", "p10", "p50", "p90"), values, strict=True)
    ]
    rows += [(cutoff, "uc", "mean", value * 1e6) for cutoff, value in uc_mt.items()]
    return pd.DataFrame(rows, columns=["cutoff_ppm", "method", "statistic", "treo_t"])


def test_methods_that_agree_leave_no_doubt():
    # the demo: UC inside the simulation's P10-P90 everywhere that matters
    assert not recoverable_doubts(
        recoverable({0.0: 17.07, 2000.0: 0.62, 5000.0: 0.0006})
    )


@pytest.mark.parametrize("uc_2000", [0.2, 2.5])
def test_uc_outside_the_simulations_p10_p90_is_said(uc_2000):
    (doubt,) = recoverable_doubts(recoverable({0.0: 17.0, 2000.0: uc_2000}))
    assert doubt.startswith(
        f"the two recoverable methods disagree at 2,000 ppm: uniform conditioning "
        f"expects {uc_2000:g} Mt TREO, outside the simulation's P10-P90 (0.3-1.9 Mt)"
    )
    assert "0 ppm" not in doubt.split(".")[0].replace("2,000 ppm", "")


def test_crumbs_at_the_highest_cut_off_and_one_method_alone_are_not_in_doubt():
    # 0.016 Mt above the P90 of 0.014 Mt: under 0.1 % of the total
    assert not recoverable_doubts(recoverable({0.0: 17.0, 5000.0: 0.016}))
    alone = recoverable({0.0: 17.0})
    assert not recoverable_doubts(alone[alone["method"] == "simulation"])
    assert not recoverable_doubts(alone.iloc[0:0])


@pytest.mark.parametrize(
    ("crs", "words"),
    [
        # 29 degrees of longitude from zone 1N's meridian: +12 %
        ("EPSG:32601", 'own UTM zone: grid.crs = "EPSG:32656"'),
        ("EPSG:3857", 'own UTM zone: grid.crs = "EPSG:32656"'),
    ],
)
def test_a_crs_that_stretches_lengths_names_the_one_to_use(crs, words):
    config = Config.model_validate({"inputs": {"cores": "c.csv"}})
    (doubt,) = crs_doubts(
        config, make_grid((153.5, 21.8, 154.1, 22.2), 2000.0, crs=crs)
    )
    assert "(the areas and tonnes are geodesic and unaffected)" in doubt
    assert doubt.endswith(words)
    assert not crs_doubts(config, make_grid((153.5, 21.8, 154.1, 22.2), 2000.0))


def test_beyond_utm_the_polar_stereographic_is_named():
    # NSIDC's polar stereographic is true at 70 N: 2.8 % short at 85 N
    config = Config.model_validate({"inputs": {"cores": "c.csv"}})
    north = make_grid((0.0, 85.0, 4.0, 85.4), 2000.0, crs="EPSG:3413")
    (doubt,) = crs_doubts(config, north)
    assert "by -2.9% to -2.8%" in doubt
    assert doubt.endswith('Universal Polar Stereographic: grid.crs = "EPSG:32661"')
    assert not crs_doubts(config, make_grid((0.0, 85.0, 4.0, 85.4), 2000.0, crs=32661))
