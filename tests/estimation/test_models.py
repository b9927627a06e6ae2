"""The run's estimators from the configuration."""

import numpy as np
import pytest

from seabed.config import Config
from seabed.estimation.models import make_estimator


@pytest.mark.parametrize("method", ["ordinary", "simple", "idw"])
@pytest.mark.parametrize("workers", [None, 1, 3])
def test_the_workers_bound_the_estimators_threads(method, workers):
    config = Config.model_validate(
        {
            "inputs": {"cores": "c.csv"},
            "dask": {"workers": workers},
            "estimate": {
                "method": method,
                "variogram": {"model": "exponential", "psill": 1.0, "range": 5000.0},
            },
        }
    )
    estimator, _ = make_estimator(config, np.zeros((3, 2)), np.ones(3))
    assert estimator.n_jobs == workers  # None: every core
