"""Flow realism the experiments lean on: fewer discharges at weekends, the long-stay share of beds
measured at the midnight census, electives cancelled on the day rebooked.

The specification (docs/odd.md 3.4.8, 3.4.12, 3.4.14).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents import health_system
from sim.beds import LONG_STAY_DAYS
from sim.calendar import MINUTES_PER_DAY
from sim.config import load_config
from sim.journeys import End, Entry
from sim.kpis import summary_kpis, tables_for_kpis

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "tests" / "configs" / "town.yaml"
EVERY_DAY = [1.0] * 7


def run(overrides: dict, months: int = 2):
    hs = health_system(load_config(TOWN, overrides), months=months)
    hs.run()
    return hs


def weekdays_of(hs, minutes):
    return (hs.calendar.origin.weekday() + np.floor(np.asarray(minutes) / MINUTES_PER_DAY).astype(int)) % 7


def test_no_weekend_discharges_of_overnight_stays_when_the_weekend_chance_is_zero():
    hs = run({"discharge": {"day_of_week_discharge": [1, 1, 1, 1, 1, 0, 0]}})
    j = hs.log.frame()
    left = j[j.end.isin([End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3])
             & (j.entry != Entry.ELECTIVE) & j.t_fit.notna()]
    overnight = left[(left.t_discharge - left.t_bed) >= MINUTES_PER_DAY]
    assert len(overnight) > 200
    assert (weekdays_of(hs, overnight.t_discharge) < 5).all()


def test_a_discharge_slips_to_the_first_day_its_chance_allows(monkeypatch):
    hs = run({"discharge": {"day_of_week_discharge": [1, 1, 1, 1, 1, 0.6, 0.6]}}, months=1)
    d = hs.discharge
    origin = hs.calendar.origin.weekday()
    saturday = (5 - origin) % 7
    n = hs.arrivals.needs.make(np.random.default_rng(1), np.array([0.0]), np.array([3]), Entry.SELF_PRESENTED)[0]
    overnight = n._replace(zero_day=False)
    monkeypatch.setattr(hs.env, "_now", float(saturday * MINUTES_PER_DAY + 15 * 60))
    assert d.slipped_days(overnight._replace(u_discharge_day=0.5)) == 0
    assert d.slipped_days(overnight._replace(u_discharge_day=0.7)) == 2  # Saturday and Sunday both slip
    assert d.slipped_days(overnight._replace(u_discharge_day=0.7, zero_day=True)) == 0


def test_the_weekend_ratio_is_measured_and_every_day_alike_slips_nothing():
    weekly = run({"discharge": {"day_of_week_discharge": [1, 1, 1, 1, 1, 0.6, 0.6]}})
    assert summary_kpis(weekly)["weekend_discharge_ratio"] < 0.8
    # four months: in two the town's few hundred discharges leave the ratio within sampling noise of 0.85
    alike = run({"discharge": {"day_of_week_discharge": EVERY_DAY}}, months=4)
    assert summary_kpis(alike)["weekend_discharge_ratio"] > 0.85
    assert alike.discharge.weekly is False


def test_long_stays_are_counted_at_midnight_by_stay_so_far_not_censored():
    hs = run({}, months=3)
    _, _, census = tables_for_kpis(hs)
    j = hs.log.frame()
    beds = census[census.service == "acute_beds"]
    for day in (beds.day.max(), beds.day.max() - 17):
        midnight = day * MINUTES_PER_DAY
        # in a bed at that midnight: took it before, had not left by then (or has not left yet)
        left = j.t_discharge.fillna(np.inf)
        died = j.end == End.DIED_IN_HOSPITAL
        left = np.where(died, j.t_end, left)
        in_bed = (j.t_bed <= midnight) & (left > midnight)
        long_stay = in_bed & (j.t_bed <= midnight - LONG_STAY_DAYS * MINUTES_PER_DAY)
        counted = beds[beds.day == day]
        assert counted.long_stay.sum() == long_stay.sum()
        assert long_stay.sum() > 0, "some patients have been in hospital three weeks"
    s = summary_kpis(hs)
    assert 0 < s["long_stay_21d_share_of_beds"] < 1


# the booking rule of the route without a waiting list (with one, sim/rtt.py, every admission is
# booked against the beds expected free: tests/test_rtt.py)
@pytest.fixture(scope="module")
def booked():
    return run({"beds": {"elective_booking": True}, "rtt": None}, months=3)


def test_electives_cancelled_on_the_day_are_rebooked_not_lost(booked):
    j = booked.log.frame()
    electives = j[j.entry == Entry.ELECTIVE]
    cancelled = electives[electives.end == End.ELECTIVE_CANCELLED]
    rebooked = electives.previous[electives.previous >= 0]
    assert set(rebooked) <= set(cancelled.index)
    waiting = {pid for site in booked.beds.waiting_list.values() for pid in site if pid >= 0}
    # every cancelled operation is either rebooked or waiting at the head of its list
    assert set(cancelled.index) == set(rebooked) | waiting
    assert rebooked.is_unique


def test_booking_against_expected_beds_keeps_cancellations_on_the_day_rare(booked):
    unbooked = run({"beds": {"elective_booking": False}, "rtt": None}, months=3)
    assert summary_kpis(booked)["elective_cancelled_share"] < summary_kpis(unbooked)["elective_cancelled_share"] / 3
    assert summary_kpis(booked)["elective_waiting_list_mean"] >= 0
