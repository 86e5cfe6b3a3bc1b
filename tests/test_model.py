"""The whole system: every journey accounted for, stages in order, reproducibility and common
random numbers, on the two-town footprint (two hospitals, an urgent care centre of its own,
organisations on) for a month.

The rules of each service, and the direction of their effects, are tested in the service's own
module (test_ambulance.py, test_emergency_department.py, test_beds.py, test_discharge.py,
test_community.py, test_social_care.py, test_primary_care.py, test_routing.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from footprints import TWO_TOWNS, run

from sim.journeys import End, Entry


@pytest.fixture(scope="module")
def month():
    """One reported month (after the warm-up) of the two towns, default seed."""
    return run(TWO_TOWNS)


def test_every_journey_ends_once_or_is_still_in_the_system(month):
    j = month.log.frame()
    assert len(j) > 2000
    assert set(j.end.unique()) <= {e.value for e in End}
    ended = j.end != End.IN_SYSTEM
    assert j.loc[ended, "t_end"].notna().all()
    assert j.loc[~ended, "t_end"].isna().all()
    assert (j.loc[ended, "t_end"] >= j.loc[ended, "t_arrival"] - 1e-9).all()
    assert (j.entry >= 0).all()


def test_journey_stages_happen_in_order(month):
    j = month.log.frame()
    order = ["t_arrival", "t_response", "t_ed_arrival", "t_handover", "t_seen", "t_decision", "t_ed_departure",
             "t_bed", "t_fit", "t_discharge"]
    for earlier, later in zip(order, order[1:]):
        both = j[earlier].notna() & j[later].notna()
        assert (j.loc[both, later] >= j.loc[both, earlier] - 1e-6).all(), (earlier, later)


def test_same_seed_same_results_bit_for_bit(month):
    again = run(TWO_TOWNS)
    pd.testing.assert_frame_equal(month.log.frame(), again.log.frame())
    pd.testing.assert_frame_equal(month.primary_care.log.frame(), again.primary_care.log.frame())
    pd.testing.assert_frame_equal(month.census.frame(), again.census.frame())


def test_a_different_seed_gives_different_patients(month):
    other = run(TWO_TOWNS, seed=7)
    a, b = month.log.frame(), other.log.frame()
    assert len(a) != len(b) or not np.array_equal(a.t_arrival.to_numpy(), b.t_arrival.to_numpy())


def test_common_random_numbers_same_arrivals_whatever_the_capacity():
    """A capacity scenario meets the very same 999 calls and walk-ins as the baseline (when nobody
    leaves the population: otherwise the few who died of waiting in one scenario and not the other
    do not come back, sim/outcomes.py)."""
    still = {"outcomes": {"population": "none"}}
    base = run(TWO_TOWNS, still)
    more = run(TWO_TOWNS, {**still, "sites": {"city_royal": {"beds": 90}}, "ambulance": {"vehicles": 4}})
    a, b = base.log.frame(), more.log.frame()
    assert not a.t_response.equals(b.t_response)  # the scenario did change what happened
    for entry in (Entry.AMBULANCE_CALL, Entry.SELF_PRESENTED):
        x, y = a[a.entry == entry], b[b.entry == entry]
        assert len(x) > 300
        np.testing.assert_array_equal(x.t_arrival.to_numpy(), y.t_arrival.to_numpy())
        np.testing.assert_array_equal(x.acuity.to_numpy(), y.acuity.to_numpy())
        np.testing.assert_array_equal(x.locality.to_numpy(), y.locality.to_numpy())


def test_the_midnight_census_counts_every_service_once_a_day_in_a_fixed_order(month):
    census = month.census.frame()
    per_day = census.groupby("day").service.apply(list)
    assert list(per_day.index) == list(range(month.calendar.days))
    wards, eds = len(month.beds.wards), len(month.emergency_care.eds)
    # each site's beds, then (elective booking is on by default) its elective waiting list
    assert month.cfg.beds.elective_booking
    expected = (["acute_beds", "elective_waiting_list"] * wards + ["ae_cubicles"] * eds
                + ["virtual_ward", "urgent_community_response", "intermediate_care", "reablement"]
                + ["home_care", "care_homes", "ambulances", "gp_backlog"]
                + ["rtt_waiting_list"] * wards  # then each site's RTT list (sim/rtt.py)
                + ["psychiatric_beds", "crisis_team", "out_of_area_placements"])  # the mental health trust
    assert all(services == expected for services in per_day)
    # the midnight bed check comes first: the beds counted open include any escalation beds opened
    beds = census[census.service == "acute_beds"]
    sites, share = month.cfg.sites, month.cfg.beds.escalation_share
    open_beds = {name: (s.beds, s.beds + round((s.beds - s.elective_beds) * share)) for name, s in sites.items()}
    assert all(r.capacity in open_beds[r.site] for r in beds.itertuples())
    # a waiting list row follows its own site's beds row
    rows = census.reset_index(drop=True)
    lists = rows.index[rows.service == "elective_waiting_list"]
    assert (rows.site[lists].to_numpy() == rows.site[lists - 1].to_numpy()).all()
    assert (rows.service[lists - 1] == "acute_beds").all()
