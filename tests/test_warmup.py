"""MSER-5, the warm-up check, against series whose transient is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from agents import health_system
from sim.config import load_config
from sim.warmup import mser, occupancy_series, replicated_truncation_days, truncation_days


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


@pytest.mark.xfail(strict=True, reason=(
    "with mental health crisis care (new arrival streams, crises carved out of A&E demand) MSER-5 on "
    "the mean of the two pilot years puts reablement at 180 days (seed 42: 75, seed 43: 180; acute "
    "beds 80, intermediate care 110), over the 120 configured: a drift through the winter rather than "
    "a transient, or a warm-up that must grow; to be decided (docs/parameters.md, run.warmup_days)"))
def test_the_baseline_warm_up_is_as_long_as_its_pilot_years_from_empty_say_it_needs(baseline_year):
    """The baseline starts with empty beds and community services. MSER-5 on the mean of two
    years from empty (the census from day 0, warm-up included: two pilot runs, seeds 42 and 43)
    puts the end of each of these capacities' transient within the configured warm-up. With the
    42 days the baseline had before, reablement (about 60 days) and acute beds (about 45) were not.

    Social care is left out: it starts prefilled (``social_care.initial_occupancy``) and its care
    homes drift slowly from there all year, a limitation of the prefill (``docs/odd.md``), not a
    transient a warm-up removes."""
    other = health_system(load_config(BASELINE), seed=43)
    other.run()
    needed = replicated_truncation_days([baseline_year.census.frame(), other.census.frame()], days=365)
    started_empty = {"acute_beds", "intermediate_care", "reablement", "virtual_ward", "urgent_community_response"}
    assert started_empty <= set(needed)
    configured = baseline_year.cfg.run.warmup_days
    assert max(needed[s] for s in started_empty) <= configured, (needed, configured)
    assert max(needed[s] for s in started_empty) > 42, "the old warm-up would have been enough"
