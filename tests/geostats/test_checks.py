"""The data the estimators refuse, each in one line that names X or y, the sample
and what to do (``seabed.geostats._checks``), and ``score`` where the search leaves
points without an estimate."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from seabed.exceptions import InputError
from seabed.geostats import (
    InverseDistanceWeighting,
    OrdinaryKriging,
    RegressionKriging,
    Variogram,
)

VG = Variogram("spherical", psill=1.0, range=300.0)
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1000, (30, 2))
Y = np.sin(X[:, 0] / 200) + RNG.normal(0, 0.1, 30)


def error(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 250
    return message


def test_numbers_given_as_text_are_numbers():
    as_text = OrdinaryKriging(VG).fit(X, Y.astype(str))
    as_numbers = OrdinaryKriging(VG).fit(X, Y)
    np.testing.assert_allclose(as_text.y_, as_numbers.y_)
    np.testing.assert_allclose(as_text.predict(X[:3]), as_numbers.predict(X[:3]))


def test_text_that_is_not_a_number_names_y_and_the_sample():
    y = Y.astype(str)
    y[4] = "1,5"
    assert error(lambda: OrdinaryKriging(VG).fit(X, y)) == (
        "column 'y': '1,5' (sample 4, 0-based) is not a number; pass numbers as y, "
        "e.g. y.astype(float) for numbers read as text"
    )
    two = np.column_stack([Y, Y]).astype(object)
    two[7, 1] = "n/d"
    assert "'n/d' (sample 7, 0-based)" in error(lambda: OrdinaryKriging(VG).fit(X, two))


@pytest.mark.parametrize(
    ("value", "word"), [(np.nan, "NaN"), (np.inf, "inf"), (None, "NaN")]
)
def test_missing_values_in_y_name_y(value, word):
    y = Y.astype(object)
    y[3] = value
    y[8] = value
    assert error(lambda: OrdinaryKriging(VG).fit(X, y)) == (
        f"column 'y': sample 3 (0-based index) of 30 is {word}, and 1 other(s) are "
        "missing or infinite; drop the samples with missing or infinite values, or "
        "fill them in"
    )


def test_missing_values_in_x_name_x_and_the_sample():
    Xn = X.copy()
    Xn[5, 1] = np.nan
    for estimator in (OrdinaryKriging(VG), InverseDistanceWeighting()):
        assert error(lambda estimator=estimator: estimator.fit(Xn, Y)) == (
            "column 'X': sample 5 (0-based index) of 30 is NaN; drop the samples "
            "with missing or infinite values, or fill them in"
        )
    points = X[:3].copy()
    points[2, 0] = -np.inf
    fitted = OrdinaryKriging(VG).fit(X, Y)
    assert error(lambda: fitted.predict(points)) == (
        "column 'X': point 2 (0-based index) of 3 is -inf; drop the points with "
        "missing or infinite values, or fill them in"
    )


def test_x_that_is_not_a_table_is_named_by_its_shape():
    message = error(lambda: OrdinaryKriging(VG).fit(X[:, 0], Y))
    assert message.startswith(
        "column 'X': X must be 2-D, one row per sample, got an array of shape (30,); "
    )
    assert "[" not in message.split(";")[0]  # not the values
    fitted = OrdinaryKriging(VG).fit(X, Y)
    assert "one row per point, got an array of shape (2,)" in error(
        lambda: fitted.predict(X[0])
    )
    assert "X.reshape(1, -1)" in error(lambda: fitted.predict(X[0]))


@pytest.mark.parametrize(
    "estimator",
    [
        OrdinaryKriging(VG, min_neighbors=1, max_distance=50.0),
        InverseDistanceWeighting(min_neighbors=1, max_distance=50.0),
        RegressionKriging(
            LinearRegression(), VG, features="all", min_neighbors=1, max_distance=50.0
        ),
    ],
)
def test_score_says_which_points_have_no_estimate(estimator):
    fitted = estimator.fit(X, Y)
    far = np.vstack([X[:4], X[4:] + 5000.0])  # 26 points beyond every search
    assert error(lambda: fitted.score(far, Y)) == (
        "column 'X': 26 of 30 point(s) have no estimate: the search found fewer than "
        "min_neighbors=1 samples within max_distance=50.0 of them; lower "
        "min_neighbors or raise max_distance (None: no limit), or score only the "
        "points whose predict() is not NaN"
    )


def test_score_is_r2_where_every_point_is_estimated():
    fitted = OrdinaryKriging(VG, n_neighbors=8).fit(X[:20], Y[:20])
    prediction = fitted.predict(X[20:])
    r2 = 1 - np.sum((Y[20:] - prediction) ** 2) / np.sum((Y[20:] - Y[20:].mean()) ** 2)
    assert fitted.score(X[20:], Y[20:]) == pytest.approx(r2, rel=1e-12)


def test_predict_before_fit_is_scikit_learns_error():
    with pytest.raises(NotFittedError):
        OrdinaryKriging(VG).predict(X[:2])
