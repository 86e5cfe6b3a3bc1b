"""A&E (``sim/emergency_department.py``): type 1 departments, urgent care centres and the clinician
rota, against their rules in docs/odd.md 3.3, 3.4.3-3.4.5, 3.4.7 and 7.9.

Hand-placed walk-ins are traced through the wired services of the town with every duration fixed;
the clinicians of a department are then checked against queueing theory (Cobham's priority
M/M/c) through the whole model, and the whole town for the direction of effects.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import (
    DAY,
    FIXED_DURATIONS,
    NO_ORGANISATIONS,
    QUIET,
    TOWN,
    TWO_TOWNS,
    Wired,
    config,
    per_band,
    run,
)
from queueing import priority_wq

from sim.journeys import End, Entry
from sim.kpis import kpi_tables

TRIAGE, ASSESS, RESULTS, UCC_ASSESS = 10.0, 40.0, 50.0, 25.0  # FIXED_DURATIONS["ae"]
PLENTY = {"sites": {"city_royal": {"emergency_department": {"clinicians": 5, "cubicles": 10}}}}


def wired(path=TOWN, *overrides) -> Wired:
    return Wired(config(path, QUIET, FIXED_DURATIONS, *overrides))


def walk_in(w: Wired, at: float, acuity: int = 3, admit: bool = False, **fields):
    n = w.patient(at, Entry.SELF_PRESENTED, acuity=acuity, admit=admit, **fields)
    w.emergency_care.walk_ins([at], [n])
    return n


@pytest.mark.parametrize("refer, end", [(False, End.ED_DISCHARGED), (True, End.ED_REFERRED_COMMUNITY)])
def test_a_walk_in_is_triaged_seen_assessed_and_decided_in_the_configured_times(refer, end):
    w = wired(TOWN, PLENTY)
    n = walk_in(w, 100.0, refer_community=refer)
    w.run(DAY)
    row = w.journey(n.pid)
    assert row.t_ed_arrival == 100.0 and row.ed_site == 0 and row.ucc_site == -1
    assert row.t_seen == pytest.approx(100.0 + TRIAGE)
    assert row.t_decision == pytest.approx(row.t_seen + ASSESS + RESULTS)
    assert row.t_ed_departure == row.t_decision == row.t_end
    assert row.end == end and not row.admitted
    assert row.travel_minutes == pytest.approx(w.geo.minutes[0, 0])


def test_majors_take_a_cubicle_for_their_visit_and_minors_none():
    w = wired(TOWN, PLENTY, {"sites": {"city_royal": {"urgent_care_centre": {"open": False}}}})
    cubicles = w.emergency_care.eds[0].cubicles
    majors = [walk_in(w, 0.0, acuity=a) for a in (1, 2, 3)]
    minors = [walk_in(w, 0.0, acuity=a) for a in (4, 5)]
    w.run(TRIAGE + 1)
    assert cubicles.count == len(majors)
    w.run(DAY)
    assert cubicles.count == 0 and cubicles.requests == len(majors)
    j = w.log.frame()
    assert (j.loc[[n.pid for n in majors + minors], "ed_site"] == 0).all()
    assert not j.corridor.any()


def test_clinicians_see_patients_by_triage_category_and_in_arrival_order_within_one():
    w = wired(TOWN, {"sites": {"city_royal": {"emergency_department": {"clinicians": 1, "cubicles": 20},
                                             "urgent_care_centre": {"open": False}}}})
    first = walk_in(w, 0.0)
    acuities = [4, 2, 5, 1, 2, 3, 1]
    queued = [walk_in(w, 1.0 + k, acuity=a) for k, a in enumerate(acuities)]
    w.run(2 * DAY)
    seen = w.log.frame().loc[[n.pid for n in queued]].sort_values("t_seen")
    order = {n.pid: k for k, n in enumerate(queued)}
    assert [order[p] for p in seen.index] == sorted(range(len(acuities)), key=lambda k: (acuities[k], k))
    # one clinician: each seen as the one before is done (assessment only; results need no clinician)
    times = np.r_[w.journey(first.pid).t_seen, seen.t_seen.to_numpy()]
    np.testing.assert_allclose(np.diff(times), ASSESS)


def holder(w: Wired):
    """A walk-in holding the only cubicle until their decision at 10 + 40 + 50 = 100 minutes."""
    return walk_in(w, 0.0)


ONE_CUBICLE = {"sites": {"city_royal": {"emergency_department": {"clinicians": 5, "cubicles": 1}}}}


def test_a_majors_walk_in_still_without_a_cubicle_after_the_limit_is_cared_for_in_the_corridor():
    w = wired(TOWN, ONE_CUBICLE, {"ae": {"corridor_care_after_minutes": 30}})
    first = holder(w)
    n = walk_in(w, 5.0)
    w.run(DAY)
    row = w.journey(n.pid)
    assert row.corridor
    assert row.t_seen == pytest.approx(5.0 + TRIAGE + 30)
    assert row.t_seen < w.journey(first.pid).t_decision
    assert w.emergency_care.eds[0].cubicles.count == 0


def test_with_no_corridor_limit_a_majors_walk_in_waits_for_a_cubicle():
    w = wired(TOWN, ONE_CUBICLE, {"ae": {"corridor_care_after_minutes": None}})
    first = holder(w)
    n = walk_in(w, 5.0)
    w.run(DAY)
    row = w.journey(n.pid)
    assert not row.corridor
    assert row.t_seen == pytest.approx(w.journey(first.pid).t_decision)


ONE_BED = {"sites": {"city_royal": {"beds": 1, "elective_beds": 0}}}


def test_an_admitted_patient_keeps_the_cubicle_until_a_bed_is_free_the_trolley_wait():
    w = wired(TOWN, PLENTY, ONE_BED, {"community": {"admission_diversion_share": 0.0}})
    in_bed = w.patient(0.0, Entry.GP_DIRECT_ADMISSION, forced_admit=True, zero_day=False, pathway=0)
    w.beds.direct_admissions([0.0], [in_bed])
    n = walk_in(w, 60.0, admit=True)
    w.run(0.5 * DAY)
    assert w.emergency_care.eds[0].cubicles.count == 1  # decided at 60 + 100 minutes, still waiting
    w.run(5 * DAY)
    row, first = w.journey(n.pid), w.journey(in_bed.pid)
    assert row.admitted and row.t_decision == pytest.approx(60.0 + TRIAGE + ASSESS + RESULTS)
    assert row.t_ed_departure == pytest.approx(first.t_discharge)  # no turnaround: the bed at once
    assert row.t_bed == row.t_ed_departure and row.bed_site == 0
    assert w.emergency_care.eds[0].cubicles.count == 0


def test_a_patient_diverted_to_a_virtual_ward_leaves_ae_at_the_decision():
    w = wired(TOWN, PLENTY, ONE_BED, {"community": {"admission_diversion_share": 1.0, "virtual_ward_beds": 1}})
    # the one bed taken by a GP direct admission the front door judges to need hospital (a decision
    # the policy counts: the walk-in's is the second, and 0 diverted is under 1.0 x 2)
    in_bed = w.patient(0.0, Entry.GP_DIRECT_ADMISSION, forced_admit=True, zero_day=False, pathway=0,
                       assessed_suitable=False)
    w.beds.direct_admissions([0.0], [in_bed])
    n = walk_in(w, 60.0, admit=True, suitable=True, assessed_suitable=True, deteriorates=False)
    w.run(DAY)
    assert w.journey(in_bed.pid).bed_site == 0 and not w.journey(in_bed.pid).diverted
    row = w.journey(n.pid)
    assert row.admitted and row.diverted and w.community.decisions == 2
    assert row.t_ed_departure == row.t_decision and np.isnan(row.t_bed)
    assert w.emergency_care.eds[0].cubicles.count == 0


def test_the_rota_puts_the_rostered_clinicians_times_the_hours_share_on_duty_and_never_none():
    rota = [0.2] * 6 + [1.0] * 6 + [1.8] * 6 + [1.0] * 6  # mean 1
    w = wired(TOWN, {"ae": {"clinician_rota": rota},
                     "sites": {"city_royal": {"emergency_department": {"clinicians": 3},
                                              "urgent_care_centre": {"clinicians": 1}}}})
    w.env.process(w.emergency_care.rota())
    on_duty = []
    for hour in range(48):
        w.run(hour * 60.0 + 30)
        on_duty.append((w.emergency_care.eds[0].clinicians.capacity, w.emergency_care.uccs[0].clinicians.capacity))
    ed_expected = {0.2: 1, 1.0: 3, 1.8: 5}  # 3 x 0.2 = 0.6 rounds to 1; 3 x 1.8 = 5.4 rounds to 5
    ucc_expected = {0.2: 1, 1.0: 1, 1.8: 2}  # 0.2 rounds to 0, but someone is always on duty
    assert on_duty == [(ed_expected[rota[h % 24]], ucc_expected[rota[h % 24]]) for h in range(48)]


def test_a_minor_at_a_site_with_an_open_urgent_care_centre_is_seen_there_and_never_admitted():
    w = wired(TOWN, PLENTY)
    n = walk_in(w, 100.0, acuity=4, admit=True)
    w.run(DAY)
    row = w.journey(n.pid)
    assert row.ucc_site == 0 and row.ed_site == -1
    assert row.t_seen == 100.0  # no triage at an urgent care centre, a clinician free
    assert row.t_ed_departure == pytest.approx(100.0 + UCC_ASSESS)
    assert row.end == End.UCC_DISCHARGED and not row.admitted


def test_a_patient_sent_on_from_an_urgent_care_centre_travels_and_is_triaged_at_the_type_1_ae():
    w = wired(TWO_TOWNS)
    eastgate, utc, city = w.locality["eastgate"], w.site["eastgate_utc"], w.site["city_royal"]
    n = w.patient(100.0, Entry.SELF_PRESENTED, locality=eastgate, acuity=4, admit=False, ucc_transfer=True)
    w.emergency_care.walk_ins([100.0], [n])
    w.run(DAY)
    row = w.journey(n.pid)
    assert row.ucc_site == utc and row.ed_site == city
    # the type 1 clock starts on arrival there, after the urgent care centre and the drive
    arrival = 100.0 + UCC_ASSESS + w.geo.site_minutes[utc, city]
    assert row.t_ed_arrival == pytest.approx(arrival)
    assert row.t_seen == pytest.approx(arrival + TRIAGE)
    assert row.t_decision == pytest.approx(arrival + TRIAGE + ASSESS + RESULTS)
    assert row.travel_minutes == pytest.approx(w.geo.minutes[eastgate, city])
    assert row.end == End.ED_DISCHARGED


def test_cubicles_in_use_and_waited_for_are_the_majors_patients_in_the_department():
    """Conservation: every triaged majors patient not yet gone holds a cubicle or waits for one,
    and nobody waits while one is free."""
    w = wired(TOWN, {"sites": {"city_royal": {"emergency_department": {"clinicians": 1, "cubicles": 3}}},
                     "ae": {"corridor_care_after_minutes": None}})
    patients = [walk_in(w, 7.0 * k, acuity=1 + k % 3) for k in range(12)]
    cubicles = w.emergency_care.eds[0].cubicles
    for t in (50.5, 200.5, 400.5, 700.5, 2000.5):
        w.run(t)
        j = w.log.frame().loc[[n.pid for n in patients]]
        inside = int(((j.t_ed_arrival + TRIAGE <= t) & j.t_ed_departure.isna()).sum())
        assert cubicles.count + cubicles.queue_length == inside, t
        assert cubicles.count == min(inside, 3), t
    assert inside == 0


# --- the clinicians as a queue, through the whole model ------------------------------------------------

def test_clinician_waits_by_triage_category_are_those_of_cobhams_priority_queue():
    """Minors only (no cubicle, no admission, no urgent care centre), Poisson arrivals at a flat
    rate, exponential assessment, no results wait: the clinicians of the department are a
    non-preemptive priority M/M/2 queue whose mean wait by class is Cobham's formula."""
    c, mean_assess, load = 2, 30.0, 1.2
    lam = load / mean_assess  # per minute
    months = 12
    hs = run(TOWN, QUIET, {
        "run": {"warmup_days": 7},
        "demand": {"ae_self_presentations_per_1000": per_band(lam * DAY * 365.25 / 37.830),
                   "frail_rate_multiplier": 1.0, "growth_per_year": 0.0,
                   "emergency_profile": {"hour_of_day": [1.0] * 24, "day_of_week": [1.0] * 7,
                                         "month_of_year": [1.0] * 12}},
        "sites": {"city_royal": {"emergency_department": {"clinicians": c}, "urgent_care_centre": None}},
        "ae": {"acuity_shares_self_presenting": {1: 0, 2: 0, 3: 0, 4: 0.3, 5: 0.7},
               "triage_minutes": {"dist": "fixed", "value": 0.0},
               "assessment_minutes": {a: {"dist": "exponential", "mean": mean_assess} for a in range(1, 6)},
               "results_minutes": {a: {"dist": "fixed", "value": 0.0} for a in range(1, 6)},
               "admit_probability": dict.fromkeys(range(1, 6), 0.0), "clinician_rota": [1.0] * 24},
    }, months=months, seed=3)
    j = hs.log.frame()
    j = j[(j.t_arrival >= hs.calendar.warmup_minutes) & j.t_seen.notna()]
    assert len(j) > 15_000
    wait = j.t_seen - j.t_ed_arrival
    expected = priority_wq(c, [lam * 0.3, lam * 0.7], 1 / mean_assess)
    for acuity, wq in zip((4, 5), expected):
        assert wait[j.acuity == acuity].mean() == pytest.approx(wq, rel=0.15), acuity


# --- the whole town ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def town_month():
    return run(TOWN, NO_ORGANISATIONS)


def test_everyone_at_ae_has_left_or_is_still_there(town_month):
    j = town_month.log.frame()
    at_ae = j[j.t_ed_arrival.notna()]
    assert len(at_ae) > 1000
    still = at_ae.t_ed_departure.isna()
    assert (at_ae.loc[still, "end"] == End.IN_SYSTEM).all()
    ended_at_ae = at_ae.end.isin([End.ED_DISCHARGED, End.ED_REFERRED_COMMUNITY, End.UCC_DISCHARGED])
    assert at_ae.loc[ended_at_ae, "t_ed_departure"].notna().all()
    # only a type 1 A&E admits; the urgent care centre's patients leave by it or go on to type 1
    assert not (at_ae.admitted & (at_ae.ed_site < 0)).any()


def test_more_clinicians_and_cubicles_shorten_ae_waits(town_month):
    generous = run(TOWN, NO_ORGANISATIONS, {"sites": {"city_royal": {"emergency_department": {
        "clinicians": 8, "cubicles": 40}}}})
    base, more = kpi_tables(town_month)[2], kpi_tables(generous)[2]
    assert more["time_to_treatment_urgent_minutes"] < base["time_to_treatment_urgent_minutes"]
    assert more["ae_4h_type1"] > base["ae_4h_type1"]
    assert more["handover_mean_minutes"] <= base["handover_mean_minutes"]


def test_nobody_is_admitted_from_ae_when_the_admission_probability_is_zero():
    hs = run(TOWN, NO_ORGANISATIONS, {"ae": {"admit_probability": dict.fromkeys(range(1, 6), 0)},
                                      "primary_care": {"consultation_to_direct_admission_share": 0.0}})
    j = hs.log.frame()
    emergency_admitted = j.admitted & ~j.entry.isin([Entry.ELECTIVE, Entry.READMISSION, Entry.DETERIORATED])
    assert emergency_admitted.sum() == 0
    assert (j.entry == Entry.SELF_PRESENTED).sum() > 1000
