"""MSER-5, the warm-up check, against series whose transient is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.warmup import mser, occupancy_series, truncation_days


def test_a_stationary_series_needs_no_truncation_to_speak_of():
    rng = np.random.default_rng(1)
    x = 0.9 + rng.normal(0, 0.01, 365)
    assert mser(x) <= 30


def test_a_filling_series_is_truncated_where_it_settles():
    """Occupancy rising from empty like 1 - exp(-t/20): within 1% of steady state by about day 90."""
    rng = np.random.default_rng(2)
    t = np.arange(365)
    x = 0.9 * (1 - np.exp(-t / 20)) + rng.normal(0, 0.005, 365)
    cut = mser(x)
    assert 50 <= cut <= 120


def test_truncation_is_a_whole_number_of_batches_and_at_most_half_the_series():
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, 200) + rng.normal(0, 0.01, 200)  # a trend that never settles
    cut = mser(x)
    assert cut % 5 == 0 and cut <= 100


def test_census_occupancy_by_service():
    census = pd.DataFrame({"day": [0, 0, 1, 1], "service": ["acute_beds", "acute_beds", "acute_beds", "acute_beds"],
                           "site": ["a", "b", "a", "b"], "occupied": [5, 5, 8, 10], "capacity": [10, 10, 10, 10],
                           "queue": 0, "delayed": 0})
    np.testing.assert_allclose(occupancy_series(census)["acute_beds"], [0.5, 0.9])
    assert truncation_days(census) == {"acute_beds": 0}
