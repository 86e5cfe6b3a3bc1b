"""The ambulance service (``sim/ambulance.py``), against its rules in docs/odd.md 3.4.2 and 7.8.

Most tests trace hand-placed 999 calls through the wired services of the town with every duration
fixed, so that each time is worked out by hand; the last ones run the whole town for a month.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import FIXED_DURATIONS, NO_ORGANISATIONS, QUIET, TOWN, TWO_TOWNS, Wired, config, per_band, run

from sim.journeys import End, Entry
from sim.kpis import kpi_tables
from sim.needs import CONVEY, HEAR_AND_TREAT, SEE_AND_TREAT

MOBILISE, SCENE, ON_SCENE, HANDOVER, CLEAR = 3.0, 6.0, 30.0, 15.0, 20.0  # FIXED_DURATIONS["ambulance"]
TRIAGE, ASSESS, RESULTS = 10.0, 40.0, 50.0  # FIXED_DURATIONS["ae"]


def wired(path=TOWN, *overrides, vehicles: int = 1) -> Wired:
    return Wired(config(path, QUIET, FIXED_DURATIONS, {"ambulance": {"vehicles": vehicles}}, *overrides))


def call(w: Wired, at: float, outcome: int = CONVEY, category: int = 2, locality: int = 0, **fields):
    """A 999 call of a patient who will not be admitted (so that A&E lets them go after the decision)."""
    fields = {"acuity": 3, "admit": False, "urc_suitable": False, **fields}
    return w.patient(at, Entry.AMBULANCE_CALL, locality=locality, outcome=outcome, category=category, **fields)


def nearest_station_minutes(w: Wired, locality: int) -> float:
    """Travel to a locality from the nearest ambulance station, from the config and the travel table."""
    stations = [i for i, site in enumerate(w.cfg.sites.values()) if site.ambulance_station]
    return min(w.geo.minutes[locality, s] for s in stations)


def response_after_grant(w: Wired, locality: int) -> float:
    return MOBILISE + nearest_station_minutes(w, locality) / w.cfg.ambulance.blue_light_speedup + SCENE


def test_hear_and_treat_calls_are_closed_at_the_call_with_no_vehicle():
    w = wired()
    calls = [call(w, at, outcome=HEAR_AND_TREAT) for at in (10.0, 20.0, 30.0)]
    w.ambulance.receive_calls([10.0, 20.0, 30.0], calls)
    w.run(1000)
    j = w.log.frame()
    assert (j.end == End.HEAR_AND_TREAT).all()
    assert (j.t_end == j.t_arrival).all()
    assert j.t_response.isna().all()
    assert w.ambulance.fleet.requests == 0


@pytest.mark.parametrize("locality", [0, 1])
def test_response_is_mobilisation_plus_the_blue_light_drive_from_the_nearest_station_plus_scene_travel(locality):
    w = wired()
    n = call(w, 100.0, outcome=SEE_AND_TREAT, locality=locality)
    w.ambulance.receive_calls([100.0], [n])
    w.run(1000)
    row = w.journey(n.pid)
    assert row.t_response - row.t_arrival == pytest.approx(response_after_grant(w, locality), abs=1e-9)


def test_see_and_treat_leaves_the_patient_at_home_and_frees_the_vehicle_after_the_time_on_scene():
    w = wired(vehicles=1)
    first, second = call(w, 0.0, outcome=SEE_AND_TREAT), call(w, 0.0, outcome=SEE_AND_TREAT)
    w.ambulance.receive_calls([0.0, 0.0], [first, second])
    w.run(1000)
    a, b = w.journey(first.pid), w.journey(second.pid)
    assert a.end == b.end == End.SEE_AND_TREAT
    assert a.t_end == pytest.approx(a.t_response + ON_SCENE)
    assert np.isnan(a.t_ed_arrival)
    # the one vehicle answers the second call as soon as it is free
    assert b.t_response == pytest.approx(a.t_end + response_after_grant(w, 0))
    assert w.ambulance.fleet.count == 0


@pytest.mark.parametrize("locality, site", [("northfield", "north_general"), ("city_centre", "city_royal")])
def test_a_conveyed_patient_is_driven_to_the_nearest_type_1_ae_at_blue_light_speed(locality, site):
    w = wired(TWO_TOWNS, vehicles=2)
    li, si = w.locality[locality], w.site[site]
    n = call(w, 0.0, locality=li)
    w.ambulance.receive_calls([0.0], [n])
    w.run(2000)
    row = w.journey(n.pid)
    drive = w.geo.minutes[li, si] / w.cfg.ambulance.blue_light_speedup
    assert row.ed_site == si
    assert row.conveyance_minutes == pytest.approx(drive, rel=1e-6)
    assert row.t_ed_arrival == pytest.approx(row.t_response + ON_SCENE + drive)
    # a free cubicle: the handover is the clinical handover alone, then A&E as any patient
    assert row.t_handover == pytest.approx(row.t_ed_arrival + HANDOVER)
    assert row.t_decision == pytest.approx(row.t_handover + ASSESS + RESULTS)
    assert row.end == End.ED_DISCHARGED


def test_the_vehicle_is_held_until_it_has_cleared_after_the_handover():
    w = wired(vehicles=1)
    conveyed, next_call = call(w, 0.0), call(w, 1.0, outcome=SEE_AND_TREAT)
    w.ambulance.receive_calls([0.0, 1.0], [conveyed, next_call])
    w.run(2000)
    a, b = w.journey(conveyed.pid), w.journey(next_call.pid)
    assert b.t_response == pytest.approx(a.t_handover + CLEAR + response_after_grant(w, 0))


def test_calls_are_answered_in_category_order_and_first_come_first_served_within_a_category():
    w = wired(vehicles=1)
    busy = call(w, 0.0, outcome=SEE_AND_TREAT)
    categories = [3, 2, 1, 2, 4, 1, 3]
    waiting = [call(w, 1.0 + k, outcome=SEE_AND_TREAT, category=c) for k, c in enumerate(categories)]
    w.ambulance.receive_calls([0.0] + [1.0 + k for k in range(len(categories))], [busy, *waiting])
    w.run(5000)
    j = w.log.frame()
    answered = j.loc[[n.pid for n in waiting]].sort_values("t_response")
    order = {n.pid: k for k, n in enumerate(waiting)}
    assert [order[pid] for pid in answered.index] == sorted(range(len(categories)), key=lambda k: (categories[k], k))
    # one after the other: each as soon as the one before is done on scene
    gaps = np.diff(np.r_[w.journey(busy.pid).t_response, answered.t_response.to_numpy()])
    np.testing.assert_allclose(gaps, ON_SCENE + response_after_grant(w, 0))


def full_cubicle(w: Wired, site: int = 0):
    """A walk-in already holding the site's only cubicle, not admitted, decided at 10 + 10 + 40 + 50."""
    n = w.patient(0.0, acuity=3, admit=False)
    w.emergency_care.walk_ins([0.0], [n])
    return n


ONE_CUBICLE = {"sites": {"city_royal": {"emergency_department": {"cubicles": 1, "clinicians": 5}}}}


def test_the_crew_waits_with_its_patient_until_a_cubicle_is_free():
    w = wired(TOWN, ONE_CUBICLE, {"ambulance": {"handover_release_minutes": None}}, vehicles=1)
    holder = full_cubicle(w)
    n = call(w, 0.0, locality=1)
    w.ambulance.receive_calls([0.0], [n])
    w.run(2000)
    row, first = w.journey(n.pid), w.journey(holder.pid)
    assert row.t_ed_arrival < first.t_decision  # arrived while the cubicle was taken
    assert row.t_handover == pytest.approx(first.t_decision + HANDOVER)
    assert not row.corridor
    assert w.ambulance.fleet.count == 0 and w.emergency_care.eds[0].cubicles.count == 0


def test_a_crew_released_to_respond_hands_over_into_the_corridor_and_the_late_cubicle_goes_to_the_next():
    w = wired(TOWN, ONE_CUBICLE, {"ambulance": {"handover_release_minutes": 30}}, vehicles=2)
    holder = full_cubicle(w)
    n, later = call(w, 0.0, locality=1), call(w, 0.0, locality=1)
    w.ambulance.receive_calls([0.0, 0.0], [n, later])
    w.run(3000)
    first, a, b = w.journey(holder.pid), w.journey(n.pid), w.journey(later.pid)
    assert a.corridor and b.corridor
    assert a.t_handover == pytest.approx(a.t_ed_arrival + 30 + HANDOVER)
    assert b.t_handover == pytest.approx(b.t_ed_arrival + 30 + HANDOVER)
    assert b.t_ed_arrival + 30 < first.t_decision
    # the cubicle freed at the first patient's decision is passed on, not kept by a corridor patient
    cubicles = w.emergency_care.eds[0].cubicles
    assert cubicles.count == 0 and cubicles.queue_length == 0


def test_an_urgent_community_response_team_with_room_takes_a_suitable_patient_instead_of_conveyance():
    w = wired(TOWN, {"community": {"urgent_response_caseload": 1}}, vehicles=2)
    a, b = call(w, 0.0, urc_suitable=True), call(w, 0.0, urc_suitable=True)
    w.ambulance.receive_calls([0.0, 0.0], [a, b])
    w.run(60.0)
    assert w.community.urgent_response_team.count == 1
    w.run(3 * 1440.0)
    first, second = w.journey(a.pid), w.journey(b.pid)
    assert first.end == End.URGENT_COMMUNITY_RESPONSE
    assert first.t_end == pytest.approx(first.t_response + ON_SCENE)
    assert np.isnan(first.t_ed_arrival)
    assert second.end == End.ED_DISCHARGED and second.t_ed_arrival > 0  # the team was full: conveyed
    assert w.community.urgent_responses == 1
    assert w.community.urgent_response_team.count == 0  # released after its two days


def test_a_patient_deteriorating_at_home_is_conveyed_at_category_2_or_more_urgent():
    w = wired(vehicles=1)
    busy = call(w, 0.0, outcome=SEE_AND_TREAT)
    category_3 = call(w, 1.0, outcome=SEE_AND_TREAT, category=3)
    worse = w.patient(2.0, Entry.DETERIORATED, outcome=HEAR_AND_TREAT, category=4, urc_suitable=True, acuity=2,
                      admit=False)
    w.ambulance.receive_calls([0.0, 1.0], [busy, category_3])
    w.ambulance.deteriorations([2.0], [worse])
    w.run(3000)
    deteriorated, other = w.journey(worse.pid), w.journey(category_3.pid)
    assert deteriorated.t_response < other.t_response  # answered as category 2, before the category 3 call
    assert deteriorated.t_ed_arrival > 0 and deteriorated.end == End.ED_DISCHARGED  # conveyed whatever was drawn


# --- the whole town ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town_month():
    return run(TOWN, NO_ORGANISATIONS)


def test_every_call_is_closed_on_the_phone_treated_on_scene_handed_on_conveyed_or_still_under_way(town_month):
    j = town_month.log.frame()
    calls = j[j.entry == Entry.AMBULANCE_CALL]
    assert len(calls) > 300
    closed = calls.end.isin([End.HEAR_AND_TREAT, End.SEE_AND_TREAT, End.URGENT_COMMUNITY_RESPONSE])
    conveyed = calls.t_ed_arrival.notna()
    under_way = (calls.end == End.IN_SYSTEM) & calls.t_ed_arrival.isna()
    assert (closed ^ conveyed ^ under_way).all() and not (closed & conveyed).any()
    assert (calls.loc[conveyed, "t_ed_arrival"] >= calls.loc[conveyed, "t_response"]).all()
    # a call not closed by telephone had a vehicle (or is still waiting for one at the end)
    vehicle = calls.end != End.HEAR_AND_TREAT
    assert calls.loc[vehicle & (calls.end != End.IN_SYSTEM), "t_response"].notna().all()


def test_the_shares_of_call_outcomes_are_as_configured(town_month):
    j = town_month.log.frame()
    calls = j[j.entry == Entry.AMBULANCE_CALL]
    amb, n = town_month.cfg.ambulance, len(calls)

    def binomial_ok(got: int, share: float) -> bool:  # within four standard deviations
        return abs(got - n * share) < 4 * np.sqrt(n * share * (1 - share)) + 1

    assert binomial_ok((calls.end == End.HEAR_AND_TREAT).sum(), amb.hear_and_treat_share)
    for category, share in amb.category_shares.items():
        assert binomial_ok((calls.category == category).sum(), share), category


def test_with_vehicles_to_spare_every_response_is_the_drive_alone():
    """Infinite fleet, fixed durations: nobody waits for a vehicle, through the whole model."""
    hs = run(TOWN, QUIET, FIXED_DURATIONS, {"demand": {"ambulance_incidents_per_1000": per_band(200)},
                                            "ambulance": {"vehicles": 10_000}})
    j = hs.log.frame()
    calls = j[(j.entry == Entry.AMBULANCE_CALL) & j.t_response.notna()]
    assert len(calls) > 300
    speed = hs.cfg.ambulance.blue_light_speedup
    expected = MOBILISE + np.asarray(hs.router.station_minutes)[calls.locality.to_numpy()] / speed + SCENE
    np.testing.assert_allclose(calls.t_response - calls.t_arrival, expected, atol=1e-6)


def test_more_vehicles_answer_category_2_calls_sooner():
    few, many = (run(TOWN, NO_ORGANISATIONS, {"ambulance": {"vehicles": v}}) for v in (2, 5))
    k_few, k_many = kpi_tables(few)[2], kpi_tables(many)[2]
    assert k_many["ambulance_cat2_mean_minutes"] < k_few["ambulance_cat2_mean_minutes"]
    assert k_many["ambulances_utilisation"] < k_few["ambulances_utilisation"]

