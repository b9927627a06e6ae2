"""Resource classification: practical ranges, search statistics and class rules."""

import numpy as np
import pytest
import xarray as xr

import seabed.resource.classes as classes_module
from seabed.exceptions import ConfigError
from seabed.geostats import Variogram
from seabed.resource import (
    CLASS_CODES,
    DEFAULT_RULES,
    ClassRule,
    assign_classes,
    class_diagnostics,
    class_fractions,
    classify_cells,
    default_rules,
    practical_range,
    search_statistics,
)

MEASURED, INDICATED, INFERRED, NONE = (
    CLASS_CODES[name] for name in ("measured", "indicated", "inferred", "unclassified")
)


@pytest.mark.parametrize(
    ("model", "factor", "structured_share"),
    [
        ("spherical", 1.0, 1.0),  # reaches its sill at its range
        ("exponential", -np.log(0.05), 0.95),  # 1 - exp(-h/a) = 0.95 at 3.0 a
        ("gaussian", np.sqrt(-np.log(0.05)), 0.95),  # 1 - exp(-(h/a)^2) = 0.95
    ],
)
def test_practical_range(model, factor, structured_share):
    variogram = Variogram(model, psill=2.0, range=1500.0, nugget=0.3)
    h = practical_range(variogram)
    assert h == pytest.approx(1500.0 * factor, rel=1e-12)
    assert variogram.semivariance(h) == pytest.approx(0.3 + 2.0 * structured_share)


def test_practical_range_of_nested_and_matern_models():
    nested = Variogram("spherical", psill=1.0, range=500.0) + Variogram(
        "exponential", psill=1.0, range=1000.0
    )
    assert practical_range(nested) == pytest.approx(1000.0 * -np.log(0.05))
    matern = Variogram("matern", psill=1.0, range=1000.0, kappa=0.5)  # exponential
    assert practical_range(matern) == pytest.approx(1000.0 * -np.log(0.05), rel=1e-9)
    # at its sill at any distance: no core is near enough to count
    assert practical_range(Variogram(model=None, nugget=1.0)) == 0.0


def brute_force(nodes, cores, n_neighbors, max_distance, n_sectors):
    """The search statistics one node at a time, the slow and obvious way."""
    out = {"nearest_m": [], "n_cores": [], "n_sectors": []}
    for node in nodes:
        d = np.hypot(*(cores - node).T)
        order = np.lexsort((np.arange(len(d)), d))[:n_neighbors]
        found = order[d[order] <= max_distance]
        azimuth = np.degrees(np.arctan2(*(cores[found] - node).T)) % 360.0
        out["nearest_m"].append(d[found].min() if found.size else np.inf)
        out["n_cores"].append(found.size)
        out["n_sectors"].append(len(set((azimuth // (360.0 / n_sectors)).astype(int))))
    return {key: np.array(values) for key, values in out.items()}


@pytest.mark.parametrize("n_sectors", [4, 8])
def test_search_statistics_match_brute_force(n_sectors):
    rng = np.random.default_rng(5)
    cores = rng.uniform(0, 10_000, size=(60, 2))
    nodes = rng.uniform(-2_000, 12_000, size=(300, 2))
    stats = search_statistics(
        nodes, cores, n_neighbors=12, max_distance=2_500.0, n_sectors=n_sectors
    )
    expected = brute_force(nodes, cores, 12, 2_500.0, n_sectors)
    np.testing.assert_allclose(stats["nearest_m"], expected["nearest_m"])
    np.testing.assert_array_equal(stats["n_cores"], expected["n_cores"])
    np.testing.assert_array_equal(stats["n_sectors"], expected["n_sectors"])
    assert (stats["n_cores"] == 0).any() and (stats["n_cores"] == 12).any()


def test_search_radius_is_inclusive_like_the_kriging_search():
    cores = np.array([[0.0, 1000.0], [1000.0, 0.0]])
    stats = search_statistics(np.zeros((1, 2)), cores, max_distance=1000.0)
    assert stats["n_cores"][0] == 2 and stats["n_sectors"][0] == 2


@pytest.fixture
def layout():
    """Cores on a 2 km square lattice, cells between and beyond them, range 6 km."""
    lattice = np.arange(0.0, 10_001.0, 2_000.0)
    cores = np.array([[x, y] for x in lattice for y in lattice])
    x = np.arange(500.0, 20_000.0, 1_000.0)
    y = np.arange(9_500.0, -1_000.0, -1_000.0)
    grade = np.full((y.size, x.size), 1000.0)
    grade[:, -2:] = np.nan  # far east: not estimated
    std = np.full_like(grade, 100.0)
    std[:, 10:] = 400.0  # east of the cores: uncertain
    grid = xr.Dataset(
        {"rey_ppm": (("y", "x"), grade), "rey_std_ppm": (("y", "x"), std)},
        coords={"y": y, "x": x},
    )
    return grid, cores, Variogram("spherical", psill=1.0, range=6_000.0)


def test_default_is_everything_estimated_inferred(layout):
    grid, cores, variogram = layout
    codes = classify_cells(grid, cores, rules={}, variogram=variogram)
    expected = np.where(np.isfinite(grid.rey_ppm.values), INFERRED, NONE)
    np.testing.assert_array_equal(codes.values, expected)
    assert (
        codes.dtype == np.uint8
        and codes.attrs["flag_meanings"].split()[3] == "inferred"
    )


def test_rules_by_distance_cores_sectors_and_std(layout):
    grid, cores, variogram = layout
    rules = {
        # within 1/6 of the range (1 km) of a core and surrounded on all four sides
        "measured": ClassRule(max_nearest_range=1 / 6, min_sectors=4),
        # within 2/3 of the range, 8 cores in the search, relative std <= 0.2
        "indicated": ClassRule(
            max_nearest_range=2 / 3, min_cores=8, max_relative_std=0.2
        ),
        "inferred": ClassRule(max_nearest_range=1.5),
    }
    codes = classify_cells(
        grid, cores, rules=rules, variogram=variogram, n_neighbors=16,
        max_distance=5_000.0,
    )  # fmt: skip
    stats = search_statistics(
        np.column_stack([a.ravel() for a in np.meshgrid(grid.x, grid.y)]),
        cores,
        n_neighbors=16,
        max_distance=5_000.0,
    )
    nearest = stats["nearest_m"].reshape(codes.shape)
    sectors = stats["n_sectors"].reshape(codes.shape)
    n_cores = stats["n_cores"].reshape(codes.shape)
    relative = grid.rey_std_ppm.values / grid.rey_ppm.values
    estimated = np.isfinite(grid.rey_ppm.values)
    measured = estimated & (nearest <= 1_000.0) & (sectors >= 4)
    indicated = (
        estimated
        & ~measured
        & (nearest <= 4_000.0)
        & (n_cores >= 8)
        & (relative <= 0.2)
    )
    inferred = estimated & ~measured & ~indicated & (nearest <= 9_000.0)
    expected = np.select(
        [measured, indicated, inferred], [MEASURED, INDICATED, INFERRED], NONE
    )
    np.testing.assert_array_equal(codes.values, expected)
    # every class occurs, so the test can fail
    assert {MEASURED, INDICATED, INFERRED, NONE} <= set(np.unique(codes.values))


def test_rules_needing_kriging_say_so(layout):
    grid, cores, _ = layout
    with pytest.raises(ConfigError, match="variogram"):
        classify_cells(
            grid, cores, rules={"measured": ClassRule(max_nearest_range=0.5)}
        )
    with pytest.raises(ConfigError, match="standard deviation"):
        classify_cells(
            grid.drop_vars("rey_std_ppm"),
            cores,
            rules={"indicated": ClassRule(max_relative_std=0.3)},
        )


def test_class_fractions_partition_the_cells(layout):
    grid, cores, variogram = layout
    codes = classify_cells(
        grid, cores, rules={"indicated": ClassRule(min_cores=20)}, variogram=variogram
    )
    shares = class_fractions(codes)
    assert shares["class"].values.tolist() == [
        "measured",
        "indicated",
        "inferred",
        "unclassified",
    ]
    np.testing.assert_array_equal(shares.sum("class").values, 1.0)
    assert float(shares.sel({"class": "indicated"}).sum()) > 0


# ------------------------------------------------------------- slope of regression
class SlopeStandIn:
    """Stands in for a fitted kriging estimator: slope = 1 - distance / 20 km to the
    origin, NaN beyond 12 km; records the nodes it was asked about."""

    def __init__(self):
        self.asked = []

    def slope_of_regression(self, X):
        X = np.asarray(X, dtype=float)
        assert X.ndim == 2 and X.shape[1] == 2
        self.asked.append(X.copy())
        distance = np.hypot(X[:, 0], X[:, 1])
        return np.where(distance <= 12_000.0, 1.0 - distance / 20_000.0, np.nan)


def test_slope_of_regression_rule(layout, monkeypatch):
    grid, cores, _ = layout
    rules = {
        "measured": ClassRule(min_slope_of_regression=0.95),
        "indicated": ClassRule(min_slope_of_regression=0.8, min_cores=4),
        # beyond 12 km the slope is NaN: not even Inferred
        "inferred": ClassRule(min_slope_of_regression=-1.0),
    }
    estimator = SlopeStandIn()
    codes = classify_cells(grid, cores, rules=rules, estimator=estimator)
    xx, yy = np.meshgrid(grid.x.values, grid.y.values)
    slope = 1.0 - np.hypot(xx, yy) / 20_000.0  # by hand, on the cell centres
    estimated = np.isfinite(grid.rey_ppm.values)
    within = np.hypot(xx, yy) <= 12_000.0
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    n_cores = search_statistics(nodes, cores)["n_cores"].reshape(codes.shape)
    measured = estimated & within & (slope >= 0.95)
    indicated = estimated & within & ~measured & (slope >= 0.8) & (n_cores >= 4)
    inferred = estimated & within & ~measured & ~indicated
    expected = np.select(
        [measured, indicated, inferred], [MEASURED, INDICATED, INFERRED], NONE
    )
    np.testing.assert_array_equal(codes.values, expected)
    assert {MEASURED, INDICATED, INFERRED, NONE} <= set(np.unique(codes.values))
    # computed once, and only where there is an estimate
    asked = np.concatenate(estimator.asked)
    assert len(asked) == estimated.sum()
    # chunk by chunk gives the same classes
    monkeypatch.setattr("seabed.resource._sectors.NODES_PER_CHUNK", 7)
    chunked = SlopeStandIn()
    again = classify_cells(grid, cores, rules=rules, estimator=chunked)
    np.testing.assert_array_equal(again.values, codes.values)
    assert len(chunked.asked) == -(-estimated.sum() // 7)


def test_slope_of_regression_needs_kriging(layout):
    grid, cores, _ = layout
    rules = {"measured": ClassRule(min_slope_of_regression=0.9)}
    for estimator in (None, object()):  # none, or one without the method (IDW)
        with pytest.raises(ConfigError, match="slope_of_regression") as caught:
            classify_cells(grid, cores, rules=rules, estimator=estimator)
        assert "classification.measured.min_slope_of_regression" in str(caught.value)
    # a rule that does not ask for it never needs it
    classify_cells(grid, cores, rules={"measured": ClassRule(min_cores=3)})


# ------------------------------------------------------------------ default rules
def test_default_rules_by_brute_force(layout):
    """Each default criterion by hand: slope, 3 cores within 2/3 of the range, 3 of
    4 quadrants, relative deviation 0.5; Inferred within the range."""
    grid, cores, variogram = layout
    grid = grid.copy()
    grid["rey_std_ppm"][:, 6:8] = 600.0  # relative deviation 0.6 there
    estimator = SlopeStandIn()
    rules = default_rules()
    codes = classify_cells(
        grid, cores, rules=rules, variogram=variogram, n_neighbors=12,
        max_distance=20_000.0, estimator=estimator,
    )  # fmt: skip
    xx, yy = np.meshgrid(grid.x.values, grid.y.values)
    nodes = np.column_stack([xx.ravel(), yy.ravel()])
    found = brute_force(nodes, cores, 12, 20_000.0, 4)
    d = np.hypot(xx[..., None] - cores[:, 0], yy[..., None] - cores[:, 1])
    order = np.sort(d, axis=-1)[..., :12]  # the search: 12 nearest (all < 20 km)
    within = (order <= 2 / 3 * 6_000.0).sum(axis=-1)
    slope = np.where(np.hypot(xx, yy) <= 12_000, 1 - np.hypot(xx, yy) / 20_000, np.nan)
    relative = grid.rey_std_ppm.values / grid.rey_ppm.values
    estimated = np.isfinite(grid.rey_ppm.values)
    with np.errstate(invalid="ignore"):
        indicated = (
            estimated
            & (slope >= 0.8)
            & (within >= 3)
            & (found["n_sectors"].reshape(xx.shape) >= 3)
            & (relative <= 0.5)
        )
    inferred = estimated & ~indicated & (d.min(axis=-1) <= 6_000.0)
    expected = np.select([indicated, inferred], [INDICATED, INFERRED], NONE)
    np.testing.assert_array_equal(codes.values, expected)
    assert {INDICATED, INFERRED, NONE} <= set(np.unique(codes.values))


def test_default_rules_follow_the_estimator():
    assert set(default_rules()) == {"indicated", "inferred"}
    simple = default_rules(slope_meaningful=False)["indicated"]
    assert simple.min_slope_of_regression is None and simple.min_cores == 3
    assert default_rules(has_variogram=False) == {"inferred": ClassRule()}
    assert DEFAULT_RULES["inferred"] == ClassRule(max_nearest_range=1.0)


def test_rules_on_swapped_in_diagnostics():
    """assign_classes reads per-cell arrays from any source."""
    diagnostics = xr.Dataset(
        {
            "n_cores_within": (("radius_m", "y", "x"), [[[5, 2, 1]]]),
            "nearest_m": (("y", "x"), [[100.0, 100.0, 7_000.0]]),
        },
        coords={"radius_m": [4_000.0], "y": [0.0], "x": [0.0, 1.0, 2.0]},
    )
    rules = {
        "indicated": ClassRule(min_cores=3, cores_within_range=2 / 3),
        "inferred": ClassRule(max_nearest_range=1.0),
    }
    codes = assign_classes(diagnostics, np.ones((1, 3), bool), rules=rules,
                           practical_range_m=6_000.0)  # fmt: skip
    assert codes.values.tolist() == [[INDICATED, INFERRED, NONE]]
    with pytest.raises(ConfigError, match="no count of the cores within"):
        assign_classes(diagnostics, np.ones((1, 3), bool), rules=rules,
                       practical_range_m=7_000.0)  # fmt: skip


@pytest.mark.parametrize("n_sectors", [1, 2, 3, 4, 8])
def test_sectors_on_the_axes_and_diagonals_match_brute_force(n_sectors):
    # cores due north, east, south, west and on the diagonals of lattice nodes,
    # where the sign shortcut must give way to the angle
    lattice = np.arange(0.0, 4_001.0, 1_000.0)
    cores = np.array([[x, y] for x in lattice for y in lattice])
    nodes = np.array(
        [[2_000.0, 2_000.0], [0.0, 0.0], [1_000.0, 3_000.0], [2_500.0, 0.0]]
    )
    stats = search_statistics(
        nodes, cores, n_neighbors=9, max_distance=1_500.0, n_sectors=n_sectors
    )
    expected = brute_force(nodes, cores, 9, 1_500.0, n_sectors)
    np.testing.assert_array_equal(stats["n_sectors"], expected["n_sectors"])
    np.testing.assert_array_equal(stats["n_cores"], expected["n_cores"])


def search_layers(grid, cores, **search):
    """The grid with the layers a kriging search would give: the distance to the
    nearest core and the cores found (NaN where not estimated)."""
    nodes = np.column_stack([a.ravel() for a in np.meshgrid(grid.x, grid.y)])
    stats = search_statistics(nodes, cores, **search)
    estimated = np.isfinite(grid.rey_ppm.values)
    shape = grid.rey_ppm.shape
    layers = {
        "nearest_sample_m": stats["nearest_m"].reshape(shape),
        "n_cores": stats["n_cores"].reshape(shape).astype(float),
    }
    return grid.assign(
        {k: (("y", "x"), np.where(estimated, v, np.nan)) for k, v in layers.items()}
    )


def test_classes_from_the_estimate_layers_equal_those_of_a_search(layout):
    grid, cores, variogram = layout
    search = {"n_neighbors": 12, "max_distance": 5_000.0}
    rules = {
        "measured": ClassRule(max_nearest_range=1 / 6, min_sectors=4),
        "indicated": ClassRule(
            min_cores=4, cores_within_range=0.5, max_relative_std=0.2
        ),
        "inferred": ClassRule(max_nearest_range=1.5, min_cores=6),
    }
    searched = classify_cells(grid, cores, rules=rules, variogram=variogram, **search)
    layered = search_layers(grid, cores, **search)
    from_layers = classify_cells(
        layered, cores, rules=rules, variogram=variogram, from_estimate=True, **search
    )
    np.testing.assert_array_equal(from_layers.values, searched.values)
    assert {MEASURED, INDICATED, INFERRED, NONE} <= set(np.unique(searched.values))
    # the full diagnostics, then the rules, give the same classes as the search
    # made only from the cells that pass the rules' other criteria
    diagnostics = class_diagnostics(
        grid, cores, rules=rules, variogram=variogram, **search
    )
    everywhere = assign_classes(
        diagnostics,
        np.isfinite(grid.rey_ppm.values),
        rules=rules,
        practical_range_m=practical_range(variogram),
    )
    np.testing.assert_array_equal(everywhere.values, searched.values)


def test_classes_from_the_estimate_need_its_layers(layout):
    grid, cores, variogram = layout
    with pytest.raises(ConfigError, match="nearest_sample_m"):
        classify_cells(
            grid,
            cores,
            rules={"inferred": ClassRule(max_nearest_range=1.0)},
            variogram=variogram,
            from_estimate=True,
        )


def test_the_search_is_made_only_from_the_cells_that_need_it(layout, monkeypatch):
    grid, cores, variogram = layout
    asked = []
    real = classes_module.search_statistics

    def counting(nodes, *args, **kwargs):
        asked.append(len(nodes))
        return real(nodes, *args, **kwargs)

    monkeypatch.setattr(classes_module, "search_statistics", counting)
    rules = {"indicated": ClassRule(min_sectors=3, max_relative_std=0.2)}
    classify_cells(grid, cores, rules=rules, variogram=variogram)
    # the relative deviation rules out the east: only the west is searched from
    certain = (grid.rey_std_ppm / grid.rey_ppm <= 0.2).values
    assert asked == [int(certain.sum())]
