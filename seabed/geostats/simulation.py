"""Conditional Gaussian simulation of grades: many equally likely grade fields.

Kriging gives the best estimate at each node, but its map is smoother than the
truth, so tonnage above a high cut-off read from it is biased (usually low). A
conditional simulation draws fields that honour the data *and* reproduce the
data's histogram and variogram; a statistic computed on each realisation (the
tonnage above a cut-off) then has the right spread and centre.

The method is *conditioning by kriging* (Journel & Huijbregts 1978, ch. VII):

1. the grades are turned into normal scores by :class:`NormalScoreTransform`
   (with tails, so that realisations can go beyond the data's extremes);
2. a variogram of the normal scores is fitted (:func:`~seabed.geostats.fitting.\
auto_variogram`) and rescaled to a unit sill;
3. each realisation ``r`` draws an *unconditional* standard Gaussian field
   ``Z_s`` by the spectral method (random Fourier features, the turning-bands
   family): a sum of cosines whose frequencies are drawn from the variogram's
   spectral density, plus a white noise for the nugget. It is evaluated pointwise,
   so a node's value depends only on its coordinates, the seed (``random_state``)
   and ``r``;
4. the field is conditioned: ``Z_cs = Z_s + SK[y - Z_s(data)]``, where SK is
   simple kriging with mean 0 of the normal-score variogram. By linearity this is
   ``SK(y) + [Z_s - SK(Z_s(data))]``: the kriged field plus a simulated kriging
   error. All realisations share the kriging weights, so one kriging pass with
   ``R`` outputs conditions ``R`` realisations;
5. the normal scores are back-transformed to grades (and averaged over the block
   discretisation for block support: back-transform first, then average).

Unlike sequential Gaussian simulation, no node depends on nodes simulated before
it, so the realisations are identical whatever the tiling, the batch of
realisations or the number of workers, and they are exact: no migration of data
to nodes, no search over previously simulated nodes.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(0, 10_000, size=(60, 2))
>>> y = np.exp(rng.normal(6.5, 0.4, size=60))
>>> scores_model = Variogram("exponential", psill=1.0, range=3000.0)  # or "auto"
>>> sim = ConditionalSimulation(
...     scores_model, n_realizations=8, random_state=3, n_features=200
... ).fit(X, y)
>>> grades = sim.sample(X[:2])          # (nodes, realisations), grades in ppm
>>> grades.shape
(2, 8)
>>> bool(np.allclose(grades, y[:2, None]))  # honours the data
True
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from seabed.exceptions import InputError, SeabedWarning
from seabed.geostats._checks import (
    InstanceOf,
    Interval,
    Options,
    check_samples,
    check_vector,
    validate_params,
)
from seabed.geostats._parameters import (
    KRIGING_CONSTRAINTS,
    NEIGHBOURHOOD_CONSTRAINTS,
    PARAMETER_HINTS,
    block_pair,
)
from seabed.geostats._search import resolve_n_jobs
from seabed.geostats.experimental import ExperimentalVariogram, experimental_variogram
from seabed.geostats.fitting import fit_variogram
from seabed.geostats.gridding import fit_inputs
from seabed.geostats.kriging import SimpleKriging
from seabed.geostats.model_selection import BOUNDED_CANDIDATES, auto_variogram
from seabed.geostats.normal_scores import NormalScoreTransform
from seabed.geostats.spectral import GaussianField
from seabed.geostats.variogram import Structure, Variogram

__all__ = ["HISTOGRAM_RESAMPLING", "ConditionalSimulation", "histogram_resampling"]

#: How the data's histogram may be resampled per realisation (see
#: ``ConditionalSimulation``'s ``histogram_uncertainty``)
HISTOGRAM_RESAMPLING = ("spatial", "independent")

# Tags of the random streams of the uncertainty sources (see _stream)
# (tags 3 and 4 are the tonnage sources' streams, seabed.resource.sources)
_VARIOGRAM_STREAM, _GRADE_ERROR_STREAM, _HISTOGRAM_STREAM = 1, 2, 5
# Resampled transforms kept for reuse (a few tens of KB each): a batch's worth
_KEPT_TRANSFORMS = 64


# ----------------------------------------------------------------- simulation
class ConditionalSimulation(BaseEstimator):
    """Conditional simulation by kriging of spectral Gaussian fields.

    Parameters
    ----------
    variogram : Variogram or "auto", default "auto"
        Variogram of the **normal scores**; ``"auto"`` fits one
        (:func:`~seabed.geostats.model_selection.auto_variogram`) and rescales it to the
        unit sill of the normal scores. A given model is used as is.
    n_realizations : int, default 100
        Realisations drawn by :meth:`sample` and :meth:`iter_batches`.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, \
default 0
        Seed of everything random, as in scikit-learn: an integer >= 0 is the
        seed itself, so the same integer gives the same realisations; a
        generator or ``RandomState`` gives a seed drawn from it at :meth:`fit`;
        None, a fresh seed from the operating system at each fit. Realisation
        ``r`` depends only on the seed (``seed_``), ``r`` and the node's
        coordinates.
    n_neighbors : int or None, default 32
        Samples in the simple-kriging neighbourhood (None: all).
    max_distance : float, optional
        Search radius of the kriging neighbourhood, metres. Beyond it a node is
        unconditional (its simple-kriging residual is 0).
    n_features : int, default 500
        Random cosines per structure; the field is Gaussian and has the target
        covariance as this grows (500 reproduces it to about 5 %).
    block_size : (float, float), optional
        Simulate block averages of this size (metres) centred on the nodes, as the
        mean of the back-transformed grades at ``block_discretization`` x
        ``block_discretization`` points; None simulates points.
    block_discretization : int, default 2
        Points per block side.
    upper_tail_power : float, default 2.5
        Upper-tail exponent of the :class:`NormalScoreTransform`.
    min_value : float, default 0.0
        Smallest possible grade.
    n_jobs : int, optional
        Threads for the fields and the kriging (None or -1: all cores; -2: all
        but one); results do not depend on it.
    histogram_uncertainty : {"spatial", "independent"} or bool, default "spatial"
        Propagate the uncertainty of the data's histogram (its mean, spread and
        tails), which the normal-score transform otherwise takes as the truth's:
        each realisation uses its own transform, fitted to a resample of the data
        (with their ``sample_weight``), and conditions on the data's scores by
        that transform (one kriging pass still serves every realisation). The
        realisations still honour the data; away from them they follow the
        resample's histogram. The error of a histogram read from a few tens of
        cores is common to every node, so it does not average out in the tonnage
        of a large grid: without it the P10-P90 of the tonnage is too narrow
        (``docs/validation.md``).

        - ``"spatial"`` (or True): a *spatial bootstrap*: the resample is the
          data's distribution read at a Gaussian field of the normal-score
          variogram drawn at the data's locations, so that nearby (correlated)
          data move together and the resample's mean varies as much as the mean
          of correlated data does;
        - ``"independent"``: the data drawn with replacement, as if independent
          (narrower when the data are closer than the variogram's range);
        - False: the data's histogram is taken as the truth's.
    variogram_uncertainty : bool, default False
        Propagate the uncertainty of the fitted variogram: each group of
        ``realizations_per_variogram`` realisations uses its own normal-score
        variogram, fitted automatically to a bootstrap resample of the data
        (drawn with replacement; the distinct data drawn, about 63 %, are fitted).
        Needs ``variogram="auto"``.
    realizations_per_variogram : int, default 10
        Realisations sharing one bootstrap variogram (one kriging pass each).
    grade_relative_sd : float, default 0.0
        Relative standard deviation of the grades' measurement error: each
        realisation is conditioned on the data multiplied by its own
        ``1 + grade_relative_sd * N(0, 1)`` (kept >= 0.05), so that realisations
        honour a plausible true grade instead of the measured one.

    Attributes
    ----------
    transform_ : NormalScoreTransform
    variogram_ : Variogram
        The normal-score variogram used.
    scores_ : ndarray of shape (n,)
        Normal scores of the data.
    seed_ : int
        The seed used (``random_state`` itself when it is an integer): fitting
        again with ``random_state=seed_`` gives the same realisations.
    origin_ : ndarray of shape (2,)
        Coordinates subtracted before evaluating the fields (the data's mean,
        fixed at fit, so that phases stay small and the same for every tile).
    weights_ : ndarray of shape (n,)
        The data's ``sample_weight`` (ones when not given).
    variograms_ : list of Variogram
        With ``variogram_uncertainty``: the bootstrap variogram of each group of
        realisations (group ``r // realizations_per_variogram``); else empty.
    crs_ : pyproj.CRS or None
        The CRS of the data's coordinates when fitted on a GeoDataFrame (the
        nodes given to :meth:`sample` must be in it); None for arrays.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "variogram": KRIGING_CONSTRAINTS["variogram"],
        "n_realizations": [Interval(numbers.Integral, 1)],
        "random_state": [
            Interval(numbers.Integral, 0),
            InstanceOf(
                (np.random.Generator, np.random.RandomState),
                "a numpy Generator or RandomState",
            ),
            None,
        ],
        "n_neighbors": NEIGHBOURHOOD_CONSTRAINTS["n_neighbors"],
        "max_distance": NEIGHBOURHOOD_CONSTRAINTS["max_distance"],
        "n_features": [Interval(numbers.Integral, 1)],
        "block_size": KRIGING_CONSTRAINTS["block_size"],
        "block_discretization": [Interval(numbers.Integral, 1)],
        "upper_tail_power": NormalScoreTransform._parameter_constraints[
            "upper_tail_power"
        ],
        "min_value": NormalScoreTransform._parameter_constraints["min_value"],
        "n_jobs": NEIGHBOURHOOD_CONSTRAINTS["n_jobs"],
        "histogram_uncertainty": [
            Options(HISTOGRAM_RESAMPLING),
            InstanceOf((bool, np.bool_), "True or False"),
        ],
        "variogram_uncertainty": [InstanceOf((bool, np.bool_), "True or False")],
        "realizations_per_variogram": [Interval(numbers.Integral, 1)],
        "grade_relative_sd": [Interval(numbers.Real, 0.0, 1.0, open_high=True)],
    }
    _parameter_hints: ClassVar[dict[str, str]] = PARAMETER_HINTS

    def __init__(
        self,
        variogram: Variogram | str = "auto",
        *,
        n_realizations: int = 100,
        random_state: Any = 0,
        n_neighbors: int | None = 32,
        max_distance: float | None = None,
        n_features: int = 500,
        block_size: tuple[float, float] | None = None,
        block_discretization: int = 2,
        upper_tail_power: float = 2.5,
        min_value: float = 0.0,
        n_jobs: int | None = None,
        histogram_uncertainty: bool | str = "spatial",
        variogram_uncertainty: bool = False,
        realizations_per_variogram: int = 10,
        grade_relative_sd: float = 0.0,
    ) -> None:
        self.variogram = variogram
        self.n_realizations = n_realizations
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.max_distance = max_distance
        self.n_features = n_features
        self.block_size = block_size
        self.block_discretization = block_discretization
        self.upper_tail_power = upper_tail_power
        self.min_value = min_value
        self.n_jobs = n_jobs
        self.histogram_uncertainty = histogram_uncertainty
        self.variogram_uncertainty = variogram_uncertainty
        self.realizations_per_variogram = realizations_per_variogram
        self.grade_relative_sd = grade_relative_sd

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ConditionalSimulation:
        """Normal-score transform the data and fit (or take) their variogram.

        Parameters
        ----------
        X : array-like of shape (n, 2), or GeoDataFrame
            Projected coordinates of the data, metres; or points with a CRS,
            learnt as ``crs_`` (see
            :func:`seabed.geostats.gridding.fit_inputs`).
        y : array-like of shape (n,), or str
            Grades, or (with a GeoDataFrame) a column name.
        sample_weight : array-like of shape (n,), or str, optional
            Declustering weights of the normal-score transform (or a column
            name).

        Returns
        -------
        self
        """
        validate_params(self)
        X, y, sample_weight, self.crs_ = fit_inputs(
            X, y, sample_weight, groups_name="sample_weight"
        )
        Xa, ya = check_samples(self, X, y, multi_output=False)
        self.weights_ = (
            np.ones(len(ya))
            if sample_weight is None
            else check_vector(sample_weight, "sample_weight")
        )
        self.transform_ = self._new_transform().fit(ya, self.weights_)
        self._transforms: dict[tuple[str, int], NormalScoreTransform] = {}
        self.scores_ = self.transform_.transform(ya)
        self.variogram_ = self._normal_score_variogram(Xa, self.scores_)
        self.seed_ = _seed_from(self.random_state)
        self.origin_ = Xa.mean(axis=0)
        self.X_, self.y_ = Xa, ya
        self.variograms_ = (
            self._bootstrap_variograms() if (self.variogram_uncertainty) else []
        )
        return self

    def _new_transform(self) -> NormalScoreTransform:
        return NormalScoreTransform(
            min_value=self.min_value, upper_tail_power=self.upper_tail_power
        )

    def _resample(self, index: int, tag: int) -> NDArray[np.int64]:
        """Indices of the data drawn with replacement (a bootstrap resample)."""
        rng = _stream(self.seed_, index, tag)
        return rng.integers(0, len(self.X_), len(self.X_))

    def transform_of(self, index: int) -> NormalScoreTransform:
        """The normal-score transform of realisation ``index``.

        ``transform_`` itself, or with ``histogram_uncertainty`` the transform
        of the realisation's own resample of the data (spatial or independent).
        It is fitted when first asked for and kept among the last
        ``_KEPT_TRANSFORMS`` (conditioning and back-transform ask for the same
        one), so memory does not grow with the number of realisations.
        """
        check_is_fitted(self)
        resampling = histogram_resampling(self.histogram_uncertainty)
        if resampling is None:
            return self.transform_
        key = (resampling, index)
        if (transform := self._transforms.get(key)) is None:
            if len(self._transforms) >= _KEPT_TRANSFORMS:
                self._transforms.clear()
            transform = self._resampled_transform(resampling, index)
            self._transforms[key] = transform
        return transform

    def _resampled_transform(self, resampling: str, index: int) -> NormalScoreTransform:
        """The transform of realisation ``index``'s resample of the data."""
        if resampling == "spatial":
            # the data's distribution read at a field correlated as the data are
            field = GaussianField(
                self.variogram_, self.seed_, (index, _HISTOGRAM_STREAM), self.n_features
            )
            values = self.transform_.inverse_transform(field(self.X_ - self.origin_))
            weights = self.weights_
        else:
            drawn = self._resample(index, _HISTOGRAM_STREAM)
            values, weights = self.y_[drawn], self.weights_[drawn]
        if np.ptp(values) == 0 or weights.sum() == 0:
            return self.transform_  # one distinct value drawn (tiny data)
        return self._new_transform().fit(values, weights)

    def _bootstrap_variograms(self) -> list[Variogram]:
        """One normal-score variogram per group of realisations, from resampled data."""
        if isinstance(self.variogram, Variogram):
            raise InputError(
                "variogram_uncertainty refits the variogram: it needs "
                'variogram="auto", not a given model',
                column="variogram_uncertainty",
            )
        out = []
        n_groups = -(-self.n_realizations // self.realizations_per_variogram)
        for group in range(n_groups):
            drawn = np.unique(self._resample(group, _VARIOGRAM_STREAM))
            try:
                with warnings.catch_warnings():
                    # a resample's fit may not converge: still a plausible model
                    warnings.simplefilter("ignore", SeabedWarning)
                    out.append(
                        self._normal_score_variogram(
                            self.X_[drawn], self.scores_[drawn]
                        )
                    )
            except InputError:  # too few distinct data drawn to fit a model
                out.append(self.variogram_)
        return out

    def _variogram_of(self, index: int) -> Variogram:
        """The normal-score variogram of realisation ``index``."""
        if not self.variograms_:
            return self.variogram_
        return self.variograms_[index // self.realizations_per_variogram]

    def _groups(self, realizations: range) -> list[range]:
        """Consecutive runs of realisations that share a variogram."""
        if not self.variograms_:
            return [realizations]
        per = self.realizations_per_variogram
        out, start = [], realizations.start
        while start < realizations.stop:
            stop = min(realizations.stop, (start // per + 1) * per)
            out.append(range(start, stop))
            start = stop
        return out

    def _data_scores(self, realizations: range) -> NDArray[np.float64]:
        """Normal scores of the data each realisation honours, (n, len(realizations)).

        Without measurement error, the data's own scores (by the realisation's
        transform); with it, those of the data times a relative error drawn per
        realisation.
        """
        columns = []
        for r in realizations:
            grades = self.y_
            if self.grade_relative_sd > 0:
                noise = _stream(self.seed_, r, _GRADE_ERROR_STREAM).standard_normal(
                    len(self.y_)
                )
                grades = grades * np.maximum(1.0 + self.grade_relative_sd * noise, 0.05)
            if grades is self.y_ and not self.histogram_uncertainty:
                columns.append(self.scores_)
            else:
                columns.append(self.transform_of(r).transform(grades))
        return np.column_stack(columns)

    def _normal_score_variogram(
        self, X: NDArray[np.float64], scores: NDArray[np.float64]
    ) -> Variogram:
        if isinstance(self.variogram, Variogram):
            # the spectral fields draw frequencies from the covariance
            self.variogram.require_bounded("simulation")
            return self.variogram
        fitted = auto_variogram(X, scores, models=BOUNDED_CANDIDATES)
        if not fitted.sill > 0:
            fitted = _first_regular_fit(X, scores)
        return _unit_sill(fitted, experimental_variogram(X, scores))

    # --------------------------------------------------------------- realisations
    def realization(self, index: int) -> Any:
        """The unconditional Gaussian field of realisation ``index`` (a callable)."""
        check_is_fitted(self)
        return GaussianField(
            self._variogram_of(index), self.seed_, (index,), self.n_features
        )

    def unconditional(self, X: ArrayLike, realizations: range) -> NDArray[np.float64]:
        """Unconditional normal scores, shape (len(X), len(realizations))."""
        check_is_fitted(self)
        local = np.asarray(X, dtype=float) - self.origin_
        out = np.empty((len(local), len(realizations)))

        def fill(column: int) -> None:
            out[:, column] = self.realization(realizations[column])(local)

        # numpy's cosine releases the GIL: realisations run side by side on threads
        with ThreadPoolExecutor(resolve_n_jobs(self.n_jobs)) as pool:
            list(pool.map(fill, range(len(realizations))))
        return out

    def conditional_scores(
        self, X: ArrayLike, realizations: range
    ) -> NDArray[np.float64]:
        """Conditional normal scores at points, shape (len(X), len(realizations)).

        ``Z_s(X) + SK[scores - Z_s(data)](X)``: one simple-kriging pass whose
        outputs are the realisations (one per group of realisations sharing a
        bootstrap variogram).
        """
        check_is_fitted(self)
        points = np.asarray(X, dtype=float)
        parts = []
        for group in self._groups(realizations):
            at_data = self.unconditional(self.X_, group)
            residuals = self._data_scores(group) - at_data
            kriging = SimpleKriging(
                self._variogram_of(group.start),
                mean=0.0,
                n_neighbors=self.n_neighbors,
                max_distance=self.max_distance,
                n_jobs=self.n_jobs,
            ).fit(self.X_, residuals)
            correction = kriging.predict(points).reshape(len(points), -1)
            # no sample in reach: simple kriging falls back on the mean residual, 0
            correction = np.nan_to_num(correction, nan=0.0)
            parts.append(self.unconditional(points, group) + correction)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def sample(
        self, X: ArrayLike, realizations: range | None = None
    ) -> NDArray[np.float64]:
        """Simulated grades at nodes (point or block centres).

        Parameters
        ----------
        X : array-like of shape (k, 2)
            Nodes, projected metres.
        realizations : range, optional
            Which realisations (default all ``n_realizations``).

        Returns
        -------
        ndarray of shape (k, len(realizations))
        """
        check_is_fitted(self)
        wanted = range(self.n_realizations) if realizations is None else realizations
        nodes = np.asarray(X, dtype=float).reshape(-1, 2)
        offsets = self._block_offsets()
        points = (nodes[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
        scores = self.conditional_scores(points, wanted)
        if self.histogram_uncertainty:
            grades = np.column_stack(
                [
                    self.transform_of(r).inverse_transform(scores[:, column])
                    for column, r in enumerate(wanted)
                ]
            )
        else:
            grades = self.transform_.inverse_transform(scores)
        return grades.reshape(len(nodes), len(offsets), len(wanted)).mean(axis=1)

    def iter_batches(
        self, X: ArrayLike, batch_size: int = 16
    ) -> Iterator[tuple[range, NDArray[np.float64]]]:
        """Realisations in batches, so that they are never all in memory.

        Yields
        ------
        realizations : range
        grades : ndarray of shape (len(X), len(realizations))
        """
        for start in range(0, self.n_realizations, batch_size):
            batch = range(start, min(start + batch_size, self.n_realizations))
            yield batch, self.sample(X, batch)

    def _block_offsets(self) -> NDArray[np.float64]:
        pair = block_pair(self.block_size)
        if pair is None:
            return np.zeros((1, 2))
        bx, by = pair
        n = int(self.block_discretization)
        fractions = (np.arange(n) + 0.5) / n - 0.5
        gx, gy = np.meshgrid(bx * fractions, by * fractions, indexing="ij")
        return np.column_stack([gx.ravel(), gy.ravel()])


def histogram_resampling(histogram_uncertainty: bool | str) -> str | None:
    """The resampling a ``histogram_uncertainty`` value names, or None for none.

    >>> histogram_resampling(True), histogram_resampling("independent")
    ('spatial', 'independent')
    >>> histogram_resampling(False) is None
    True
    """
    if isinstance(histogram_uncertainty, str):
        return histogram_uncertainty
    return "spatial" if histogram_uncertainty else None


def _unit_sill(fitted: Variogram, ev: ExperimentalVariogram) -> Variogram:
    """The fitted model with its sill set to 1, the ranges refitted to ``ev``.

    Normal scores have unit variance, so the sill is known. Dividing a fit by its
    own sill is not enough: when the experimental variogram still rises at its
    cutoff (a third of the data's extent), the free fit runs to a range of
    hundreds of km and a sill of several units, and dividing it by that sill
    flattens the variogram at the lags of the data (to 0.1 where the data say
    0.7), which makes the realisations far too alike. Here the nugget keeps its
    fitted value (capped at 1), the structures share ``1 - nugget`` in their
    fitted proportions, and only the ranges are fitted again.
    """
    nugget = min(fitted.nugget, 1.0)
    total = sum(s.psill for s in fitted.structures)
    if nugget >= 1.0 or total <= 0:
        return Variogram("Nug", psill=1.0)
    scale = (1.0 - nugget) / total

    def unit(ranges: list[float]) -> Variogram:
        return Variogram(
            structures=[
                Structure(s.model, s.psill * scale, r, s.anis, s.kappa)
                for s, r in zip(fitted.structures, ranges, strict=True)
            ],
            nugget=nugget,
        )

    # the free fit's ranges may be where the fit ran off to: start also from a
    # third of the cutoff (auto_variogram's start), keep the closer fit
    best, best_sse = unit([s.range for s in fitted.structures]), math.inf
    for start in (
        [s.range for s in fitted.structures],
        [ev.cutoff / 3.0] * len(fitted.structures),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SeabedWarning)
                model, info = fit_variogram(
                    ev, unit(start), fit_sills=False, return_info=True
                )
        except InputError:  # the ranges cannot be fitted from this start
            continue
        if info.sse < best_sse:
            best, best_sse = model, info.sse
    return best


def _first_regular_fit(X: NDArray[np.float64], scores: NDArray[np.float64]) -> Any:
    """The first candidate model whose fit alone has a positive sill.

    A degenerate fit (zero sill and nugget) can win the comparison of
    :func:`~seabed.geostats.model_selection.auto_variogram`; normal scores have unit
    variance, so such a model is refused here.
    """
    for model in ("spherical", "exponential"):
        fitted = auto_variogram(X, scores, models=(model,))
        if fitted.sill > 0:
            return fitted
    raise InputError(
        "the automatic variogram fit of the normal scores has no variance",
        column="variogram",
        hint="give the variogram of the normal scores explicitly",
    )


def _stream(seed: int, index: int, tag: int) -> np.random.Generator:
    """The random stream of one source of uncertainty for one realisation or group.

    Keys of two integers never collide with a realisation's field, keyed by one.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, tag)))


def _seed_from(random_state: Any) -> int:
    """The integer seed of ``random_state`` (see :class:`ConditionalSimulation`)."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    return int(random_state)  # an integer >= 0, checked at fit
