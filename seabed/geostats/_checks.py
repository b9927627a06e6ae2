"""Checks shared by the geostatistics estimators: parameters and data.

Parameters
----------
Each estimator declares what its parameters may be in one table, the class
attribute ``_parameter_constraints`` (in the spirit of scikit-learn's): for each
parameter a list of the kinds of value it accepts, among

- ``None``;
- :class:`Interval`: integers or finite real numbers within bounds;
- :class:`Options`: one of a few strings;
- :class:`InstanceOf`: an instance of some types;
- :class:`HasMethods`: an object with some methods (a regressor);
- :class:`Sizes`: one or two positive sizes (a block).

:func:`validate_params`, called first thing in ``fit``, raises a
:class:`~seabed.exceptions.ConfigError` naming the first parameter that fits none
of its kinds, what it may be and what it is. Checks that tie several parameters
together stay in the estimator.

Data
----
:func:`check_samples` checks training data (``X`` and ``y``) and
:func:`check_points` prediction points, through scikit-learn's validation (which
records ``n_features_in_`` on the estimator) with its errors turned into
:class:`~seabed.exceptions.InputError`, plus the number of columns. Before that,
they refuse an ``X`` that is not a table (naming its shape), values given as text
that are not numbers, and missing or infinite values (naming the first sample).

Examples
--------
>>> import numbers
>>> from seabed.exceptions import ConfigError
>>> class Estimator:
...     _parameter_constraints = {"k": [Interval(numbers.Integral, 1, None), None]}
...     def __init__(self, k):
...         self.k = k
...     def get_params(self, deep=False):
...         return {"k": self.k}
>>> validate_params(Estimator(3))
>>> try:
...     validate_params(Estimator(0))
... except ConfigError as err:
...     print(err)
key 'k': must be an integer >= 1 or None, got 0
>>> X, y = check_samples(None, [[0.0, 0.0], [1.0, 0.0]], [1.0, 2.0])
>>> X.shape, y.shape
((2, 2), (2,))
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.utils import check_X_y
from sklearn.utils.validation import validate_data

from seabed.exceptions import ConfigError, InputError

__all__ = [
    "HasMethods",
    "InstanceOf",
    "Interval",
    "Options",
    "Sizes",
    "check_columns",
    "check_points",
    "check_samples",
    "validate_params",
]


# ------------------------------------------------------------------ constraints
@dataclass(frozen=True)
class Interval:
    """Integers (``kind=numbers.Integral``) or finite reals within bounds.

    ``low`` and ``high`` (None: unbounded) are inclusive unless ``open_low`` or
    ``open_high``. Booleans are never numbers here.
    """

    kind: type
    low: float | None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is within the interval."""
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if not isinstance(value, numbers.Real):
            return False
        number = float(value)
        if not math.isfinite(number):
            return False
        if self.low is not None and (
            number < self.low or (self.open_low and number == self.low)
        ):
            return False
        return self.high is None or not (
            number > self.high or (self.open_high and number == self.high)
        )

    def __str__(self) -> str:
        noun = "an integer" if self.kind is numbers.Integral else "a number"
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.open_low else '>='} {self.low:g}")
        if self.high is not None:
            bounds.append(f"{'<' if self.open_high else '<='} {self.high:g}")
        if not bounds and self.kind is not numbers.Integral:
            return "a finite number"
        return " ".join([noun, " and ".join(bounds)]).strip()


@dataclass(frozen=True)
class Options:
    """One of a few strings."""

    values: tuple[str, ...]

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one of the strings."""
        return isinstance(value, str) and value in self.values

    def __str__(self) -> str:
        return " or ".join(map(repr, self.values))


@dataclass(frozen=True)
class InstanceOf:
    """An instance of ``types``, described to the user as ``description``."""

    types: tuple[type, ...]
    description: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is such an instance."""
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class HasMethods:
    """Any object with the named methods."""

    methods: tuple[str, ...]
    description: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has every method."""
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class Sizes:
    """One positive size in metres, or a pair of them (east, north)."""

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one or two positive finite numbers."""
        positive = Interval(numbers.Real, 0.0, open_low=True)
        if positive.accepts(value):
            return True
        if isinstance(value, (str, bytes)):
            return False
        try:
            items = list(value)
        except TypeError:
            return False
        return len(items) in (1, 2) and all(positive.accepts(v) for v in items)

    def __str__(self) -> str:
        return "a positive size in metres or a pair of them (east, north)"


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    accepts: Callable[[Any], bool] = constraint.accepts
    return accepts(value)


def _describe(constraints: list[Any]) -> str:
    words = [str(c) for c in constraints if c is not None]
    words += ["None"] * any(c is None for c in constraints)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def validate_params(estimator: Any) -> None:
    """Check every parameter of ``estimator`` against its ``_parameter_constraints``.

    Raises
    ------
    ConfigError
        Naming the first parameter (in the table's order) that fits none of its
        constraints.
    """
    params = estimator.get_params(deep=False)
    hints: dict[str, str] = getattr(estimator, "_parameter_hints", {})
    for name, constraints in estimator._parameter_constraints.items():
        check_value(name, params[name], constraints, hint=hints.get(name))


def check_value(
    name: str, value: Any, constraints: list[Any], hint: str | None = None
) -> None:
    """Raise ConfigError naming ``name`` unless ``value`` fits one of ``constraints``.

    Examples
    --------
    >>> check_value("n_neighbors", 8, [Interval(numbers.Integral, 1), None])
    >>> check_value("n_neighbors", 0, [Interval(numbers.Integral, 1)])
    Traceback (most recent call last):
    ...
    seabed.exceptions.ConfigError: key 'n_neighbors': must be an integer >= 1, got 0
    """
    if not any(_accepts(c, value) for c in constraints):
        raise ConfigError(
            f"must be {_describe(constraints)}, got {value!r}", column=name, hint=hint
        )


# ------------------------------------------------------------------------ data
def _input_error(err: ValueError, column: str, hint: str | None = None) -> InputError:
    if isinstance(err, InputError):
        return err
    return InputError(
        str(err).strip().rstrip("."),
        column=column,
        hint=hint or "pass finite numbers: projected coordinates in metres and values",
    )


def _check_table(X: Any, what: str) -> None:
    """Raise an InputError naming X's shape unless X is 2-D (one row per ``what``)."""
    shape = () if isinstance(X, numbers.Number) else getattr(X, "shape", None)
    if shape is None and isinstance(X, list | tuple):
        try:
            shape = np.shape(X)
        except ValueError:  # ragged rows: scikit-learn's validation says so
            return
    if shape is not None and len(shape) != 2:
        raise InputError(
            f"X must be 2-D, one row per {what}, got an array of shape {tuple(shape)}",
            column="X",
            hint=f"Reshape your data to one row per {what} with its coordinates (x, y) "
            "in projected metres, e.g. [[x, y], ...] (one point: X.reshape(1, -1))",
        )


def _check_finite(values: NDArray[Any], name: str, what: str) -> None:
    """Raise an InputError naming the first of ``what`` whose value is missing or
    infinite, and how many are."""
    if values.dtype.kind != "f":
        return
    bad = ~np.isfinite(values)
    if values.ndim > 1:
        bad = bad.reshape(len(values), -1).any(axis=1)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    row = values[first].ravel() if values.ndim > 1 else values[first : first + 1]
    value = row[~np.isfinite(row)][0]
    word = "NaN" if np.isnan(value) else "inf" if value > 0 else "-inf"
    others = int(bad.sum()) - 1
    raise InputError(
        f"{what} {first} (0-based index) of {len(values)} is {word}"
        + (f", and {others} other(s) are missing or infinite" if others else ""),
        column=name,
        hint=f"drop the {what}s with missing or infinite values, or fill them in",
    )


def _numeric_targets(y: ArrayLike) -> Any:
    """``y`` with text (and object) values read as numbers, checked to be finite.

    Numeric text ("12.5") becomes a number; other text is an InputError naming the
    first sample that holds it. Anything numpy cannot read is left to
    scikit-learn's validation.
    """
    try:
        array = np.asarray(y)
    except (TypeError, ValueError):
        return y
    if array.ndim == 0:  # None or one number: scikit-learn's validation says so
        return y
    if array.dtype.kind in "USO":
        flat = pd.Series(array.ravel(), dtype=object)
        numbers = pd.to_numeric(flat, errors="coerce")
        bad = numbers.isna() & flat.notna()
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            sample = first // int(np.prod(array.shape[1:]))
            raise InputError(
                f"{flat.iloc[first]!r} (sample {sample}, 0-based) is not a number",
                column="y",
                hint="pass numbers as y, e.g. y.astype(float) for numbers read as text",
            )
        array = numbers.to_numpy(dtype=np.float64).reshape(array.shape)
        y = array
    _check_finite(array, "y", "sample")
    return y


def check_columns(
    X: NDArray[np.float64],
    minimum: int = 2,
    maximum: int | None = 2,
    hint: str | None = None,
) -> None:
    """Raise an InputError unless ``X`` has ``minimum`` to ``maximum`` columns.

    The message gives X's shape, in samples and features, and what it should
    hold: the coordinates, then covariates where more than two are allowed.
    """
    n_rows, n_cols = X.shape
    if n_cols >= minimum and (maximum is None or n_cols <= maximum):
        return
    if maximum == minimum == 2:
        expected = "expected 2 columns (x, y in projected metres)"
    else:
        then = "covariates" if minimum > 2 else "any covariates"
        expected = (
            f"expected at least {minimum} columns: x, y in projected metres, "
            f"then {then}"
        )
    raise InputError(
        f"{expected}, got {n_cols} (X has {n_rows} sample(s) of {n_cols} feature(s))",
        column="X",
        hint=hint or "pass the projected (x, y) coordinates in metres first",
    )


def check_samples(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    columns: tuple[int, int | None] = (2, 2),
    multi_output: bool = True,
    hint: str | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Training data as float arrays, checked.

    Parameters
    ----------
    estimator : estimator or None
        With an estimator, scikit-learn's ``validate_data`` records its
        ``n_features_in_`` (and feature names); None just checks.
    X : array-like of shape (n, c)
        Coordinates (then covariates); ``columns`` bounds ``c``.
    y : array-like of shape (n,) or (n, m)
        Values; a single output (shape (n,)) unless ``multi_output``.
    hint : str, optional
        Advice given when X has the wrong number of columns.

    Returns
    -------
    X : ndarray of shape (n, c)
    y : ndarray of shape (n,) or (n, m)

    Raises
    ------
    InputError
        On non-finite or non-numeric data, mismatched lengths, more than one
        output where one is expected, or the wrong number of columns.
    """
    if not multi_output and np.asarray(y).ndim != 1:
        raise InputError(
            f"takes one output at a time, got y of shape {np.asarray(y).shape}",
            column="y",
            hint="pass one column, e.g. y[:, 0]",
        )
    _check_table(X, "sample")
    y = _numeric_targets(y)
    options = {
        "multi_output": multi_output,
        "y_numeric": True,
        "dtype": np.float64,
        "ensure_all_finite": False,  # checked below, naming the sample
    }
    try:
        if estimator is None:
            Xa, ya = check_X_y(X, y, **options)
        else:
            Xa, ya = validate_data(estimator, X, y, **options)
    except ValueError as err:
        text = str(err)
        if "inconsistent numbers of samples" in text:
            counts = text[text.rfind("[") :]
            raise InputError(
                f"X (locations) and y (values) have different numbers of rows: "
                f"{counts}",
                column="y",
            ) from err
        is_y = re.search(r"\by\b|target", text) is not None
        raise _input_error(err, "y" if is_y else "X") from err
    _check_finite(Xa, "X", "sample")
    check_columns(Xa, *columns, hint=hint)
    return _writable(Xa), _writable(ya)


def check_points(
    estimator: Any,
    X: ArrayLike,
    *,
    columns: tuple[int, int | None] | None = None,
    hint: str | None = None,
) -> NDArray[np.float64]:
    """Prediction points as a float array, with the columns seen at fit.

    ``columns`` (optional) also bounds their number, as in :func:`check_samples`.
    """
    _check_table(X, "point")
    try:
        Xa: NDArray[np.float64] = validate_data(
            estimator, X, reset=False, dtype=np.float64, ensure_all_finite=False
        )
    except ValueError as err:
        hint = "pass the columns given to fit" if "features, but" in str(err) else None
        raise _input_error(err, "X", hint) from err
    _check_finite(Xa, "X", "point")
    if columns is not None:
        check_columns(Xa, *columns, hint=hint)
    return _writable(Xa)


def _writable(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a``, copied if it is read-only.

    numba compiles its kernels once per array type, and a read-only array is
    another type: a memory-mapped or frozen input would cost a second compilation
    of every kernel (about 10 s) for nothing.
    """
    return a if a.flags.writeable else a.copy()


def check_vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """``values`` as a 1-D float array of finite numbers, or an InputError naming ``name``."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers", column=name) from None
    if array.ndim != 1 or not np.isfinite(array).all():
        raise InputError(
            f"{name} must be a 1-D array of finite numbers (shape {array.shape})",
            column=name,
            hint="drop missing values before simulating",
        )
    return array
