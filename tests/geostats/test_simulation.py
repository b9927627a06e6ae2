"""Tests of seabed.geostats.simulation: unconditional fields, conditioning, sources."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seabed.exceptions import ConfigError, InputError, SeabedWarning
from seabed.geostats import Variogram
from seabed.geostats.experimental import experimental_variogram
from seabed.geostats.simulation import ConditionalSimulation
from seabed.geostats.spectral import spectral_frequencies

# the normal-score variogram of the synthetic data, and their log-normal grades
TRUE_MODEL = Variogram("spherical", psill=0.9, range=4000.0, nugget=0.1)
LOG_MEAN, LOG_SD = 6.8, 0.5


def gaussian_truth(seed: int, X: np.ndarray, n_features: int = 2000) -> np.ndarray:
    """A standard Gaussian field of ``TRUE_MODEL`` (no nugget) at the rows of X."""
    rng = np.random.default_rng([seed, 99])
    field = np.zeros(len(X))
    for structure in TRUE_MODEL.structures:
        w = spectral_frequencies(structure, rng, n_features)
        a, b = rng.standard_normal((2, n_features)) * np.sqrt(
            structure.psill / n_features
        )
        phase = X @ w.T
        field += np.cos(phase) @ a + np.sin(phase) @ b
    return field


@pytest.fixture(scope="module")
def samples() -> tuple[np.ndarray, np.ndarray]:
    """200 log-normal grades over a 20 km square."""
    rng = np.random.default_rng(11)
    X = rng.uniform(0.0, 20_000.0, size=(200, 2))
    return X, np.exp(LOG_MEAN + LOG_SD * gaussian_truth(11, X))


@pytest.fixture(scope="module")
def fitted(samples: tuple[np.ndarray, np.ndarray]) -> ConditionalSimulation:
    X, y = samples
    # the data's histogram taken as known: the realisations should reproduce it
    return ConditionalSimulation(
        TRUE_MODEL,
        n_realizations=12,
        random_state=5,
        n_features=300,
        histogram_uncertainty=False,
    ).fit(X, y)


def grid_nodes(n: int, cell_m: float) -> np.ndarray:
    centres = (np.arange(n) + 0.5) * cell_m
    xx, yy = np.meshgrid(centres, centres[::-1])
    return np.column_stack([xx.ravel(), yy.ravel()])


def test_unconditional_fields_have_the_model_covariance(fitted) -> None:
    """Over realisations, Z(p) Z(p + h) averages the covariance (nugget included)."""
    points = np.array([[0.0, 0.0], [0.0, 0.0], [1000.0, 0.0], [0.0, 3000.0]])
    points[1] += 1e-3  # a distinct point next to the first: the nugget is not shared
    z = np.column_stack(
        [fitted.realization(r)(points) for r in range(4000)]
    )  # (points, realisations)
    covariance = z @ z[0] / z.shape[1]
    model = TRUE_MODEL.covariance(points[:, 0] - 0.0, points[:, 1] - 0.0)
    model[1] = TRUE_MODEL.sill - TRUE_MODEL.nugget  # continuous part only
    np.testing.assert_allclose(covariance, model, atol=0.06)


# -------------------------------------------------------------- conditioning
def test_realisations_honour_the_data(fitted, samples) -> None:
    X, y = samples
    grades = fitted.sample(X[:20])
    np.testing.assert_allclose(grades, np.repeat(y[:20, None], 12, axis=1), rtol=1e-9)


def test_same_seed_same_realisations_other_seed_others(samples) -> None:
    X, y = samples
    nodes = grid_nodes(6, 2000.0)
    make = ConditionalSimulation(
        TRUE_MODEL, n_realizations=3, n_features=100
    ).set_params
    first = make(random_state=1).fit(X, y).sample(nodes)
    again = make(random_state=1).fit(X, y).sample(nodes)
    other = make(random_state=2).fit(X, y).sample(nodes)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)
    # realisations differ from one another
    assert not np.allclose(first[:, 0], first[:, 1])


def test_realisations_do_not_depend_on_tiles_or_batches(fitted) -> None:
    nodes = grid_nodes(20, 1000.0)
    whole = fitted.sample(nodes)
    tiles = np.concatenate(
        [fitted.sample(nodes[i : i + 37]) for i in range(0, len(nodes), 37)]
    )
    assert np.array_equal(whole, tiles)
    batches = np.column_stack([g for _, g in fitted.iter_batches(nodes, batch_size=5)])
    assert np.array_equal(whole, batches)
    assert np.array_equal(whole[:, 7:9], fitted.sample(nodes, range(7, 9)))
    threaded = fitted.set_params(n_jobs=2).sample(nodes)
    fitted.set_params(n_jobs=None)
    assert np.array_equal(whole, threaded)


@pytest.fixture(scope="module")
def dense(fitted) -> np.ndarray:
    """Conditional normal scores on a 50 x 50 grid of 400 m cells."""
    return fitted.conditional_scores(grid_nodes(50, 400.0), range(12))


def test_simulation_reproduces_the_data_histogram(fitted, samples, dense) -> None:
    """The simulated grades' CDF at the data's deciles is the deciles' level."""
    _, y = samples
    grades = fitted.transform_.inverse_transform(dense)
    levels = np.linspace(0.1, 0.9, 9)
    deciles = np.quantile(y, levels)
    cdf = (grades[:, :, None] <= deciles).mean(axis=0)  # (realisation, level)
    # each realisation, over the square the data cover (5 ranges wide: each
    # realisation's histogram fluctuates about the data's)
    np.testing.assert_allclose(cdf, np.broadcast_to(levels, cdf.shape), atol=0.12)
    # all realisations together: closer still
    np.testing.assert_allclose(cdf.mean(axis=0), levels, atol=0.04)
    # and the mean grade
    assert grades.mean() == pytest.approx(y.mean(), rel=0.05)


def test_simulation_reproduces_the_variogram(dense) -> None:
    nodes = grid_nodes(50, 400.0)
    gammas = [
        experimental_variogram(nodes, dense[:, r], cutoff=6000.0, width=800.0)
        for r in range(dense.shape[1])
    ]
    dist = np.mean([ev.dist for ev in gammas], axis=0)
    gamma = np.mean([ev.gamma for ev in gammas], axis=0)
    model = TRUE_MODEL.semivariance(dist)
    np.testing.assert_allclose(gamma, model, atol=0.08)
    assert gamma[-1] > 0.8  # reaches the sill: the fields are not smoothed


def test_block_support_averages_back_transformed_points(samples) -> None:
    X, y = samples
    sim = ConditionalSimulation(
        TRUE_MODEL,
        n_realizations=2,
        random_state=3,
        n_features=100,
        block_size=(1000.0, 1000.0),
        block_discretization=2,
    ).fit(X, y)
    centre = np.array([[5000.0, 5000.0]])
    corners = centre + np.array([[-250, -250], [-250, 250], [250, -250], [250, 250]])
    point = sim.set_params(block_size=None).sample(corners)
    block = sim.set_params(block_size=(1000.0, 1000.0)).sample(centre)
    np.testing.assert_allclose(block[0], point.mean(axis=0), rtol=1e-12)


def test_auto_variogram_is_rescaled_to_a_unit_sill(samples) -> None:
    X, y = samples
    sim = ConditionalSimulation(n_realizations=1, n_features=10).fit(X, y)
    assert sim.variogram_.sill == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("params", "column"),
    [
        ({"n_realizations": 0}, "n_realizations"),
        ({"n_features": 2.5}, "n_features"),
        ({"random_state": -1}, "random_state"),
        ({"block_size": (0.0, 10.0)}, "block_size"),
        ({"block_discretization": 0, "block_size": 10.0}, "block_discretization"),
        ({"variogram": "spherical"}, "variogram"),
    ],
)
def test_bad_parameters_raise_config_errors(samples, params, column) -> None:
    X, y = samples
    with pytest.raises(ConfigError, match=column):
        ConditionalSimulation(**params).fit(X, y)


def test_bad_data_raise_input_errors(samples) -> None:
    X, y = samples
    with pytest.raises(InputError, match="locations"):
        ConditionalSimulation(TRUE_MODEL).fit(X, y[:-1])
    with pytest.raises(InputError, match="coordinates"):
        ConditionalSimulation(TRUE_MODEL).fit(X[:, :1], y)


def test_random_state_takes_an_int_a_generator_a_random_state_or_none(samples) -> None:
    X, y = samples
    nodes = grid_nodes(4, 2000.0)
    make = ConditionalSimulation(TRUE_MODEL, n_realizations=2, n_features=50).set_params
    by_int = make(random_state=7).fit(X, y)
    assert by_int.seed_ == 7
    drawn = make(random_state=np.random.default_rng(1)).fit(X, y)
    again = make(random_state=np.random.default_rng(1)).fit(X, y)
    legacy = make(random_state=np.random.RandomState(1)).fit(X, y)
    fresh = make(random_state=None).fit(X, y)
    assert drawn.seed_ == again.seed_ and drawn.seed_ >= 0 and legacy.seed_ >= 0
    # the seed_ of any fit reproduces its realisations from an integer
    replay = make(random_state=fresh.seed_).fit(X, y)
    np.testing.assert_array_equal(replay.sample(nodes), fresh.sample(nodes))
    np.testing.assert_array_equal(
        make(random_state=drawn.seed_).fit(X, y).sample(nodes), drawn.sample(nodes)
    )
    with pytest.raises(ConfigError, match="key 'random_state'"):
        make(random_state="seven").fit(X, y)


def test_a_degenerate_automatic_fit_is_replaced_by_a_regular_one(monkeypatch):
    """auto_variogram may pick a zero-sill fit (seen on a calibration truth); the
    simulation refits each model alone and keeps the first with a sill."""
    from seabed.geostats import simulation

    real = simulation.auto_variogram
    calls = []

    def degenerate_when_comparing(X, y, *, models, **options):
        calls.append(tuple(models))
        if len(models) > 1:  # the comparison of candidates
            return Variogram("exponential", psill=0.0, range=5000.0)
        return real(X, y, models=models, **options)

    monkeypatch.setattr(simulation, "auto_variogram", degenerate_when_comparing)
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 10_000, (40, 2))
    y = np.exp(6.8 + np.sin(X[:, 0] / 3000.0) + rng.normal(0, 0.1, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)
        sim = ConditionalSimulation(n_realizations=2).fit(X, y)
    assert sim.variogram_.sill == pytest.approx(1.0)
    assert sim.variogram_.structures[0].psill > 0.5
    assert len(calls[0]) > 1 and all(len(models) == 1 for models in calls[1:])


def test_unit_sill_refits_the_range_instead_of_flattening_the_variogram() -> None:
    """Scores that still rise at the cutoff: the free fit runs to a range far beyond
    the data and a sill of several units. Divided by that sill, the model stayed
    near 0 at the data's lags; with the sill fixed at 1 it follows them."""
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 20_000, (80, 2))
    y = np.exp(6.8 + X[:, 0] / 10_000.0 + rng.normal(0, 0.1, 80))  # a drift
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeabedWarning)
        sim = ConditionalSimulation(n_realizations=1).fit(X, y)
    ev = experimental_variogram(X, sim.scores_)
    assert sim.variogram_.sill == pytest.approx(1.0)
    # the free fit divided by its sill (range 260 km, sill 16) gave 0.03 at the
    # last lags, where the scores' semivariance is 0.5-0.6; now 0.37-0.42
    model = sim.variogram_.semivariance(ev.dist)
    np.testing.assert_allclose(model, ev.gamma, atol=0.25)
    assert (model[-3:] > 0.3).all()


# ------------------------------------------------------ histogram uncertainty
@pytest.fixture(scope="module")
def few_cores() -> tuple[np.ndarray, np.ndarray]:
    """30 log-normal grades over a 20 km square: a histogram known roughly."""
    rng = np.random.default_rng(21)
    X = rng.uniform(0.0, 20_000.0, size=(30, 2))
    return X, np.exp(LOG_MEAN + LOG_SD * gaussian_truth(21, X))


def test_histogram_uncertainty_spreads_the_mean_away_from_the_data(few_cores):
    X, y = few_cores
    make = ConditionalSimulation(
        TRUE_MODEL, n_realizations=60, random_state=2, n_features=100
    ).set_params
    # far beyond the data and from one another (the range is 4 km)
    far = np.random.default_rng(0).uniform(100_000.0, 2_000_000.0, (300, 2))
    fixed = make(histogram_uncertainty=False).fit(X, y).sample(far)
    resampled = make(histogram_uncertainty="independent").fit(X, y)
    spread = resampled.sample(far)
    # far from the data every realisation follows its own resample's histogram:
    # the realisations' mean grades spread about as a bootstrap of the mean
    standard_error = y.std() / np.sqrt(len(y))
    assert spread.mean(axis=0).std() > 1.5 * fixed.mean(axis=0).std()
    assert 0.5 < spread.mean(axis=0).std() / standard_error < 2.0
    # and the data are still honoured
    np.testing.assert_allclose(resampled.sample(X[:5]), np.repeat(y[:5, None], 60, 1))
    # one resample per realisation, drawn from the seed alone
    a, b = resampled.transform_of(3), resampled.transform_of(4)
    assert not np.array_equal(a.values_, b.values_)
    np.testing.assert_array_equal(a.values_, resampled.transform_of(3).values_)
    plain = make(histogram_uncertainty=False).fit(X, y)
    assert plain.transform_of(3) is plain.transform_


def test_histogram_uncertainty_does_not_depend_on_batches(few_cores) -> None:
    X, y = few_cores
    sim = ConditionalSimulation(
        TRUE_MODEL, n_realizations=6, random_state=4, n_features=50
    ).fit(X, y)
    nodes = grid_nodes(10, 2000.0)
    whole = sim.sample(nodes)
    batches = np.column_stack([g for _, g in sim.iter_batches(nodes, batch_size=4)])
    assert np.array_equal(whole, batches)
    assert np.array_equal(whole[:, 3:5], sim.sample(nodes, range(3, 5)))
    assert np.array_equal(whole[:40], sim.sample(nodes[:40]))


def test_spatial_histogram_resampling_moves_correlated_cores_together() -> None:
    """The spatial bootstrap's resamples vary as the mean of correlated data does.

    100 cores on a 1 km grid under a 2 km exponential range (6 km practical): the
    mean of their normal scores has a standard deviation of the square root of the
    mean covariance between them (0.38 here; measured 0.40), where drawing them as
    independent gives 1 / 10 (measured 0.10). The scores of the data by each
    realisation's transform move against that realisation's draw.
    """
    nodes = np.arange(10) * 1000.0
    X = np.column_stack([a.ravel() for a in np.meshgrid(nodes, nodes)])
    y = np.exp(LOG_MEAN + LOG_SD * np.random.default_rng(8).standard_normal(100))
    model = Variogram("exponential", psill=1.0, range=2000.0)
    distances = np.hypot(*(X[:, None, :] - X[None, :, :]).transpose(2, 0, 1))
    mean_covariance = np.exp(-distances / 2000.0).mean()

    def spread(resampling) -> float:
        sim = ConditionalSimulation(
            model,
            n_realizations=300,
            random_state=1,
            n_features=500,
            histogram_uncertainty=resampling,
        ).fit(X, y)
        return np.std([sim.transform_of(r).transform(y).mean() for r in range(300)])

    spatial, independent = spread("spatial"), spread("independent")
    # 300 draws: the standard deviation is known to about 4 % (more for the
    # spectral field's few long waves)
    assert spatial == pytest.approx(np.sqrt(mean_covariance), rel=0.2)
    assert independent == pytest.approx(0.1, rel=0.2)
    assert spread(True) == spatial  # True means the spatial bootstrap


def test_resampled_transforms_are_fitted_once_and_dropped_by_a_refit(few_cores):
    """Conditioning and back-transform share realisation r's transform; a new fit
    forgets the old ones."""
    X, y = few_cores
    sim = ConditionalSimulation(TRUE_MODEL, n_realizations=3, n_features=50).fit(X, y)
    first = sim.transform_of(2)
    assert sim.transform_of(2) is first
    sim.set_params(histogram_uncertainty="independent")
    assert sim.transform_of(2) is not first  # another resampling, another transform
    sim.set_params(random_state=9).fit(X, y)
    assert not np.array_equal(sim.transform_of(2).values_, first.values_)
