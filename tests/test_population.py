"""People and arrivals (``sim/population.py``, ``sim/arrivals.py``): population cells, and arrivals
as a non-homogeneous Poisson process with hour, weekday and month profiles and growth, against
docs/odd.md 3.2 and 7.1.

Arrival streams are built alone from the town's config and drawn for many days; the counts are
then compared with the Poisson distribution and the profiles by chi-square tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, NO_ORGANISATIONS, TOWN, config, run
from scipy import stats

from sim.calendar import DAYS_PER_YEAR, Calendar
from sim.config import AGE_BANDS
from sim.config.system import ProfileConfig
from sim.journeys import Entry
from sim.population import ArrivalStream, Cells, day_counts

FLAT = {"hour_of_day": [1.0] * 24, "day_of_week": [1.0] * 7, "month_of_year": [1.0] * 12}
P_MIN = 1e-4  # a chi-square test fails below this p-value (the draws are seeded, so never by chance)


def stream(profile=None, growth=0.0, frail_multiplier=1.0, months: int = 12):
    """The town's 999 call rates as an arrival stream with the profile, growth and frailty given."""
    cfg = config(TOWN, NO_ORGANISATIONS)
    cells = Cells.from_config(cfg)
    rates = cfg.demand.ambulance_incidents_per_1000
    return ArrivalStream(cells, rates, ProfileConfig(**(profile or FLAT)), Calendar(cfg.run, months), growth,
                         frail_multiplier), cfg


def test_cells_hold_every_locality_age_band_and_frailty_with_its_people():
    cfg = config(TOWN)
    cells = Cells.from_config(cfg)
    assert len(cells.people) == len(cfg.localities) * len(AGE_BANDS) * 2
    assert cells.people.sum() == pytest.approx(cfg.population)
    for li, locality in enumerate(cfg.localities.values()):
        for ai, band in enumerate(AGE_BANDS):
            for frail in (False, True):
                c = Cells.index(li, ai, frail)
                assert (cells.locality[c], cells.age[c], cells.frail[c]) == (li, ai, frail)
                share = locality.frail_share[band] if frail else 1 - locality.frail_share[band]
                assert cells.people[c] == pytest.approx(locality.population[band] * share)


def test_a_cells_daily_rate_is_its_bands_rate_per_1000_a_year_and_frail_people_ask_m_times_as_often():
    m = 2.5
    s, cfg = stream(frail_multiplier=m)
    rates = cfg.demand.ambulance_incidents_per_1000
    cells = s.cells
    for li, locality in enumerate(cfg.localities.values()):
        for ai, band in enumerate(AGE_BANDS):
            well, frail = Cells.index(li, ai, False), Cells.index(li, ai, True)
            total = s.per_day[well] + s.per_day[frail]
            # the band's average stays at the configured rate
            assert total == pytest.approx(rates[band] * locality.population[band] / 1000 / DAYS_PER_YEAR)
            if cells.people[frail] > 0 and cells.people[well] > 0:
                per_person = s.per_day[[well, frail]] / cells.people[[well, frail]]
                assert per_person[1] / per_person[0] == pytest.approx(m)


def test_daily_counts_per_cell_are_poisson_with_the_cells_rate():
    s, _ = stream()
    rng = np.random.default_rng(1)
    days = 600
    counts = np.array([np.bincount(s.day(d, rng)[1], minlength=len(s.per_day)) for d in range(days)])
    busy = s.per_day > 0.5
    assert busy.sum() >= 4
    for c in np.flatnonzero(busy):
        x, lam = counts[:, c], s.per_day[c]
        assert abs(x.mean() - lam) < 4 * np.sqrt(lam / days), c
        # index of dispersion: (n - 1) s^2 / mean is chi-square with n - 1 degrees of freedom
        d = (days - 1) * x.var(ddof=1) / lam
        assert stats.chi2.sf(d, days - 1) > P_MIN and stats.chi2.cdf(d, days - 1) > P_MIN, c
    assert (counts[:, s.per_day == 0] == 0).all()


def test_arrivals_fall_in_hours_as_the_hour_of_day_profile_says_and_uniformly_within_the_hour():
    hours = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 1.8, 1.8, 1.7, 1.6, 1.6, 1.5, 1.5, 1.6, 1.5, 1.3,
             1.1, 0.9, 0.6, 0.4]
    s, _ = stream({**FLAT, "hour_of_day": hours})
    rng = np.random.default_rng(2)
    t = np.concatenate([s.day(d, rng)[0] - d * DAY for d in range(200)])
    hour = (t // 60).astype(int)
    observed = np.bincount(hour, minlength=24)
    expected = np.array(hours) / sum(hours) * len(t)
    assert stats.chisquare(observed, expected).pvalue > P_MIN
    within = np.histogram(t % 60, bins=12, range=(0, 60))[0]
    assert stats.chisquare(within).pvalue > P_MIN
    assert ((t >= 0) & (t < DAY)).all()


def test_a_days_arrivals_are_sorted_by_time():
    s, _ = stream({**FLAT, "hour_of_day": [1.0] * 12 + [3.0] * 12})
    t, cell = s.day(5, np.random.default_rng(3))
    assert len(t) > 10 and (np.diff(t) >= 0).all()
    assert ((t >= 5 * DAY) & (t < 6 * DAY)).all() and len(cell) == len(t)


def test_arrivals_can_be_confined_to_a_window_of_hours():
    s, _ = stream()
    t, _ = s.day(2, np.random.default_rng(4), hours=(9.0, 18.0))
    hour = (t - 2 * DAY) / 60
    assert len(t) > 10 and ((hour >= 9) & (hour < 18)).all()


def test_the_weekday_and_month_profiles_scale_each_days_expected_arrivals():
    week = [1.5, 1.2, 1.1, 1.1, 1.1, 0.7, 0.6]  # only its shape matters: mean 1.04
    year = [1.2] + [1.0] * 10 + [0.9]
    s, _ = stream({**FLAT, "day_of_week": week, "month_of_year": year})
    cal, base = s.calendar, s.per_day.sum()
    for d in range(0, 400, 7):
        for day in (d, d + 5):
            expected = base * week[cal.weekday(day)] / np.mean(week) * year[cal.month_of_year(day)] / np.mean(year)
            assert s.expected(day) == pytest.approx(expected)
    rng = np.random.default_rng(5)
    days = range(350)
    counts = np.array([len(s.day(d, rng)[0]) for d in days])
    by_weekday = np.bincount([cal.weekday(d) for d in days], weights=counts, minlength=7)
    expected = np.bincount([cal.weekday(d) for d in days], weights=[s.expected(d) for d in days], minlength=7)
    assert stats.chisquare(by_weekday, expected * by_weekday.sum() / expected.sum()).pvalue > P_MIN


def test_demand_grows_from_the_end_of_the_warm_up():
    s, cfg = stream(growth=0.05, months=24)
    cal = s.calendar
    first = cfg.run.warmup_days  # the first reported day
    assert s.expected(first) == pytest.approx(s.per_day.sum())
    assert s.expected(first + 365) == pytest.approx(s.per_day.sum() * 1.05 ** (365 / DAYS_PER_YEAR))
    assert s.expected(0) < s.per_day.sum()  # in the warm-up, a little below
    assert cal.years_from_start(first + 730) == pytest.approx(730 / DAYS_PER_YEAR)


def test_day_counts_are_the_days_poisson_numbers_without_times():
    s, _ = stream()
    a = day_counts(s, 3, np.random.default_rng(6))
    t, cell = s.day(3, np.random.default_rng(6))
    np.testing.assert_array_equal(a, np.bincount(cell, minlength=len(a)))


# --- through the model ------------------------------------------------------------------------------

def test_the_models_999_calls_and_walk_ins_are_the_streams_poisson_numbers():
    hs = run(TOWN, NO_ORGANISATIONS, months=2)
    j = hs.log.frame()
    for entry, s in ((Entry.AMBULANCE_CALL, hs.arrivals.ambulance_calls),
                     (Entry.SELF_PRESENTED, hs.arrivals.self_presentations)):
        got = (j.entry == entry).sum()
        lam = sum(s.expected(d) for d in range(hs.calendar.days))
        assert abs(got - lam) < 4 * np.sqrt(lam), entry
    # every journey of the day's arrivals starts on its day, in order of the day driver's batches
    calls = j[j.entry == Entry.AMBULANCE_CALL]
    assert (np.diff(calls.t_arrival.to_numpy()) >= 0).all()
