"""Tests of seabed.io.synthetic: the true field, the surveys drawn from it, the CLI."""

import warnings

import numpy as np
import pandas as pd
import pyproj
import pytest
from scipy.integrate import quad

from seabed.cli import main
from seabed.composite import REFERENCE_COMPOSITION, composite_cores
from seabed.elements import REY, element_column
from seabed.exceptions import SeabedWarning
from seabed.io import load_cores, validate_cores
from seabed.io.datasets import TAKAYA_BOX, demo_cores_path
from seabed.io.synthetic import SyntheticField, _FourierField, make_survey


@pytest.fixture(scope="module")
def field():
    return SyntheticField(seed=11)


def random_points_in_box(n, seed=0, box=TAKAYA_BOX):
    """Points uniform by area (uniform in lon and in sin(lat)) in a lon/lat box."""
    rng = np.random.default_rng(seed)
    lon_min, lat_min, lon_max, lat_max = box
    lon = rng.uniform(lon_min, lon_max, n)
    sin_lat = rng.uniform(np.sin(np.radians(lat_min)), np.sin(np.radians(lat_max)), n)
    return lon, np.degrees(np.arcsin(sin_lat))


# ------------------------------------------------------------------- the field


def test_mean_over_the_takaya_box_is_calibrated_to_964(field):
    assert field.box_mean() == pytest.approx(964.0, rel=1e-9)
    # an independent Monte Carlo estimate of the same integral
    lon, lat = random_points_in_box(20_000, seed=1)
    assert field.window_grade(lon, lat).mean() == pytest.approx(964.0, rel=0.03)


@pytest.mark.parametrize("covariance", ["exponential", "gaussian"])
def test_other_seeds_and_covariances_calibrate_too(covariance):
    truth = SyntheticField(seed=5, covariance=covariance, range_m=20_000)
    lon, lat = random_points_in_box(10_000, seed=2)
    assert truth.window_grade(lon, lat).mean() == pytest.approx(964.0, rel=0.03)


def test_same_seed_same_field_other_seed_other_field(field):
    lon, lat = random_points_in_box(50, seed=3)
    again = SyntheticField(seed=11)
    other = SyntheticField(seed=12)
    np.testing.assert_array_equal(
        field.window_grade(lon, lat), again.window_grade(lon, lat)
    )
    assert not np.allclose(field.window_grade(lon, lat), other.window_grade(lon, lat))


def test_window_grade_is_the_exact_depth_average(field):
    for lon, lat, top, bottom in [(153.8, 22.0, 0, 10), (153.6, 22.2, 1.3, 3.7),
                                  (154.0, 21.9, 3.5, 14.0), (153.7, 22.1, 0, 0.5)]:  # fmt: skip
        peak = field.peak_depth(lon, lat)
        integral = quad(
            lambda z, lon=lon, lat=lat: field.grade(lon, lat, z),
            top,
            bottom,
            points=[peak] if top < peak < bottom else None,
            epsabs=1e-9,
        )[0]
        exact = field.window_grade(lon, lat, top, bottom)
        assert exact == pytest.approx(integral / (bottom - top), rel=1e-9)


def test_profile_peaks_at_2_to_4_mbsf_below_a_poor_cover(field):
    lon, lat = random_points_in_box(3_000, seed=4)
    depth = np.arange(0.05, 14.0, 0.1)
    mean_profile = field.grade(lon[:, None], lat[:, None], depth[None, :]).mean(axis=0)
    peak_at = depth[np.argmax(mean_profile)]
    assert 2.0 <= peak_at <= 4.0
    assert mean_profile[depth < 1.0].mean() < 0.25 * mean_profile.max()
    assert mean_profile[-1] < 0.6 * mean_profile.max()  # decays below the peak
    peaks = field.peak_depth(lon, lat)
    assert peaks.min() >= 2.2 and peaks.max() <= 3.8
    assert peaks.std() > 0.1  # it does vary


def test_peak_grades_reach_several_thousand_ppm(field):
    lon, lat = random_points_in_box(10_000, seed=5)
    peaks = field.peak_grade(lon, lat)
    assert 3_000 < peaks.max() < 15_000
    assert np.percentile(field.window_grade(lon, lat), 5) > 100


def test_grades_fall_on_seamounts(field):
    assert field.water_depth_factor(5_500.0) > 0.99
    assert field.water_depth_factor(5_000.0) > 0.9
    assert field.water_depth_factor(4_500.0) < 0.25
    assert field.water_depth_factor(1_000.0) == pytest.approx(0.1, abs=1e-6)
    # across the EEZ, points shallower than 5,000 m are far poorer than the plain
    lon, lat = random_points_in_box(40_000, seed=6, box=(150.5, 21.0, 157.5, 27.5))
    depth = field.water_depth(lon, lat)
    grade = field.window_grade(lon, lat)
    shallow, abyssal = grade[depth < 4_500].mean(), grade[depth > 5_200].mean()
    assert (depth < 4_500).sum() > 100
    assert shallow < 0.4 * abyssal


def test_lateral_field_has_the_stated_covariance():
    # averaged over realisations, E[g(p) g(p + h)] = exp(-3 h / range)
    range_m, lag = 30_000.0, np.array([0.0, 5_000.0, 10_000.0, 30_000.0])
    rng = np.random.default_rng(0)
    x = rng.uniform(-50_000, 50_000, 300)
    y = rng.uniform(-50_000, 50_000, 300)
    products = np.zeros(lag.size)
    n_fields = 80
    for _ in range(n_fields):
        g = _FourierField.draw(
            rng, covariance="exponential", range_m=range_m, n_features=256
        )
        base = g(x, y)
        products += [np.mean(base * g(x + h, y)) for h in lag]
    assert products / n_fields == pytest.approx(np.exp(-3 * lag / range_m), abs=0.05)


def test_element_grades_split_by_the_reference(field):
    elements = field.element_grades([153.8, 153.9], [22.0, 22.1], 0.0, 5.0)
    total = field.window_grade([153.8, 153.9], [22.0, 22.1], 0.0, 5.0)
    assert list(elements.columns) == [element_column(e) for e in REY]
    assert elements.sum(axis=1).to_numpy() == pytest.approx(total)
    assert (elements["Y_ppm"] / total).to_numpy() == pytest.approx(
        REFERENCE_COMPOSITION["Y"]
    )


def test_cell_mean_in_any_crs(field):
    # one cell the size of the box: its mean is the box mean
    one = field.cell_mean(
        [TAKAYA_BOX[0], TAKAYA_BOX[2]], [TAKAYA_BOX[3], TAKAYA_BOX[1]], "EPSG:4326",
        n_sub=48,
    )  # fmt: skip
    assert one.item() == pytest.approx(964.0, rel=0.01)
    assert one.rio.crs.to_epsg() == 4326 and one.attrs["units"] == "ppm"
    # small UTM cells: the mean is close to the grade at the cell centre
    x_edges = np.array([420_000.0, 420_100.0, 420_200.0])
    y_edges = np.array([2_435_200.0, 2_435_100.0, 2_435_000.0])
    cells = field.cell_mean(x_edges, y_edges, "EPSG:32656", top_m=0.0, bottom_m=5.0)
    assert cells.dims == ("y", "x") and cells.shape == (2, 2)
    assert cells.rio.crs.to_epsg() == 32656
    to_lonlat = pyproj.Transformer.from_crs(32656, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(420_050.0, 2_435_150.0)
    centre = field.window_grade(lon, lat, 0.0, 5.0)
    assert cells.sel(x=420_050.0, y=2_435_150.0).item() == pytest.approx(
        centre, rel=0.02
    )


# ------------------------------------------------------------------- surveys


def test_survey_is_a_canonical_cores_table(field):
    survey = make_survey(n_cores=40, seed=2, field=field)
    table = survey.samples
    pd.testing.assert_frame_equal(validate_cores(table), table, check_exact=False)
    assert table["core_id"].nunique() == 40
    assert {"dry_density_t_m3", "water_depth_m", "Lu_ppm"} <= set(table.columns)
    assert survey.field is field and survey.seed == 2
    lon_min, lat_min, lon_max, lat_max = (153.3, 21.6, 154.3, 22.45)
    assert table["lon"].between(lon_min, lon_max).all()
    assert table["lat"].between(lat_min, lat_max).all()


def test_survey_is_deterministic(field):
    first = make_survey(n_cores=25, seed=9, field=field).samples
    second = make_survey(n_cores=25, seed=9, field=field).samples
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    third = make_survey(n_cores=25, seed=10, field=field).samples
    assert not first["lon"].head(1).equals(third["lon"].head(1))


def test_a_tenth_of_the_cores_stop_short_of_10_m(field):
    survey = make_survey(n_cores=60, seed=3, field=field)
    deepest = survey.samples.groupby("core_id")["bottom_m"].max()
    assert (deepest < 10).sum() == 6
    assert deepest.min() >= 8.0 and deepest.max() <= 14.0
    with pytest.warns(SeabedWarning, match="6 core"):
        composite_cores(survey.samples)


def test_noise_free_samples_composite_to_the_truth(field):
    survey = make_survey(n_cores=30, seed=4, field=field, noise=0.0, gap_fraction=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)
        cores = composite_cores(survey.samples)
    complete = cores[cores["reaches_bottom"]]
    truth = field.window_grade(complete["lon"], complete["lat"])
    # only the rounding of element grades to 3 significant digits separates them
    assert complete["rey_ppm"].to_numpy() == pytest.approx(truth, rel=2e-3)


def test_samples_look_like_minamitorishima_mud(field):
    table = make_survey(n_cores=80, seed=5, field=field).samples
    upper = table[table["bottom_m"] <= 10]
    assert upper["dry_density_t_m3"].mean() == pytest.approx(0.55, abs=0.01)
    assert table["water_depth_m"].between(5_000, 6_200).all()
    # rey_ppm is the sum of the elements; proportions jitter a little per core
    elements = table[[element_column(e) for e in REY]]
    assert elements.sum(axis=1).to_numpy() == pytest.approx(table["rey_ppm"], rel=1e-9)
    y_share = table["Y_ppm"] / table["rey_ppm"]
    assert y_share.mean() == pytest.approx(REFERENCE_COMPOSITION["Y"], rel=0.03)
    assert 0.005 < y_share.groupby(table["core_id"]).first().std() < 0.03
    # some interior samples are missing, none at the top of a core
    assert table.groupby("core_id")["top_m"].min().eq(0).all()
    steps = table.groupby("core_id")["top_m"].diff().dropna()
    assert (steps > 0.5 + 1e-9).any()


def test_cli_writes_the_survey(tmp_path, capsys):
    out = tmp_path / "cores.csv"
    command = ["synthetic", "--out", str(out), "--seed", "3", "--n-cores", "12"]
    assert main(command) == 0
    assert "12 cores" in capsys.readouterr().out
    written = load_cores(out)
    expected = make_survey(n_cores=12, seed=3).samples
    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-12)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cores.csv"]


@pytest.mark.parametrize(
    ("bounds", "words"),
    [
        ("154 22 153 23", "bounds 154 22 153 23 are not a box in WGS84 degrees"),
        ("153 22 154 95", "are not a box"),
        ("nan 22 154 23", "are not a box"),
        # beyond the bundled bathymetry the field's grade is unknown
        ("140 22 150 23", "no water depth at 7 of the 10 cores"),
        ("179.5 -17 180 -16", "covers longitudes 147.45 to 160.55"),
    ],
)
def test_cli_refuses_bounds_the_field_cannot_sample(tmp_path, capsys, bounds, words):
    out = tmp_path / "cores.csv"
    command = ["synthetic", "--out", str(out), "--n-cores", "10", "--bounds"]
    assert main([*command, *bounds.split()]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and words in line
    assert not out.exists()


def test_bundled_demo_cores_regenerate_exactly():
    # data/README.md: seabed synthetic --out data/demo_cores.csv
    #                 --seed 2018 --n-cores 120
    bundled = load_cores(demo_cores_path())
    regenerated = make_survey(n_cores=120, seed=2018).samples
    pd.testing.assert_frame_equal(bundled, regenerated, check_exact=False, rtol=1e-12)
    assert demo_cores_path().stat().st_size < 1_000_000


def test_trend_and_seamount_lows_are_an_option_that_leaves_the_field_alone(field):
    # off by default: the field of before the option, recorded on main (5b86f9f)
    assert float(field.window_grade(153.8, 22.0)) == 631.8387486930084
    shaped = SyntheticField(
        seed=11,
        trend_per_100km=0.5,
        n_seamounts=3,
        seamount_radius_m=5000.0,
        bathymetry=field.bathymetry,
    )
    assert shaped.box_mean() == pytest.approx(964.0, rel=1e-9)  # still calibrated
    # at a summit the grade falls to seamount_fraction of the field without lows
    x, y = shaped._summits[0]
    assert float(shaped._seamount_factor(np.array([x]), np.array([y]))[0]) == (
        pytest.approx(shaped.seamount_fraction, abs=0.02)
    )
    far = shaped._seamount_factor(np.array([x + 30_000.0]), np.array([y + 30_000.0]))
    assert float(far[0]) > 0.9 or len(shaped._summits) > 1
    # the log grade drifts by 0.5 per 100 km along the trend's azimuth
    assert np.hypot(*shaped._trend) * 100_000 == pytest.approx(0.5)
    lon, lat = random_points_in_box(200, seed=4)
    x, y = shaped._local(lon, lat)
    along = (shaped._trend[0] * x + shaped._trend[1] * y) / np.hypot(*shaped._trend)
    log_ratio = np.log(shaped.peak_grade(lon, lat) / field.peak_grade(lon, lat))
    log_ratio -= np.log(shaped._seamount_factor(x, y))
    slope = np.polyfit(along, log_ratio, 1)[0]
    assert slope * 100_000 == pytest.approx(0.5, rel=1e-6)
