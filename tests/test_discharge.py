"""Leaving hospital (``sim/discharge.py``): pathways P0-P3, delayed discharges, eligibility and
readmissions, against their rules in docs/odd.md 3.4.9, 3.4.11 and 7.11.

Hand-placed patients with fixed durations in the wired services of the town; then the whole town
for readmissions and for the delays that are left when care is always available.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, FIXED_DURATIONS, HOUR, NO_ORGANISATIONS, QUIET, TOWN, Wired, config, fixed, run

from sim.discharge import Discharge
from sim.journeys import End, Entry

ARRANGE, IC_DAYS, REABLEMENT_DAYS, HOME_CARE_DAYS, CARE_HOME_DAYS = 1.0, 10.0, 10.0, 100.0, 300.0
FIT_HOUR = 15.0


def wired(*overrides) -> Wired:
    return Wired(config(TOWN, QUIET, FIXED_DURATIONS, *overrides))


def admitted(w: Wired, at: float, pathway: int, **fields):
    """A GP direct admission of two days (fit at 15:00 on day 2 when admitted before then) who
    needs ``pathway``; durations after discharge as the pathway's service says. Discharged on the
    day they are ready whatever the weekday (``u_discharge_day`` 0 is under every day's chance:
    weekend slips are tested on their own), never diverted to a virtual ward (not assessed
    suitable), and surviving (``u_death`` 1 is over any risk)."""
    fields = {"zero_day": False, "d_los": 2 * DAY, "p1_reablement": False, "self_funder": True, "u_need": 1.0,
              "u_readmit": 1.0, "d_arrange": 0.0 if pathway == 0 else ARRANGE * DAY, "u_discharge_day": 0.0,
              "assessed_suitable": False, "u_death": 1.0, **fields}
    if "d_after" not in fields:
        days = {0: 0.0, 1: REABLEMENT_DAYS if fields["p1_reablement"] else HOME_CARE_DAYS, 2: IC_DAYS,
                3: CARE_HOME_DAYS}[pathway]
        fields["d_after"] = days * DAY
    n = w.patient(at, Entry.GP_DIRECT_ADMISSION, forced_admit=True, pathway=pathway, **fields)
    w.beds.direct_admissions([at], [n])
    return n


FIT = 2 * DAY + FIT_HOUR * HOUR  # admitted at 0


@pytest.mark.parametrize("pathway, reablement, service", [
    (1, True, "reablement"), (1, False, "home_care"), (2, False, "intermediate_care"), (3, False, "care_homes")])
def test_a_patient_needing_care_stays_in_the_bed_while_it_is_arranged_then_holds_the_service(pathway, reablement,
                                                                                                service):
    w = wired()
    capacity = {"reablement": w.community.reablement, "intermediate_care": w.community.intermediate_care,
                "home_care": w.social_care.home_care, "care_homes": w.social_care.care_homes}[service]
    n = admitted(w, 0.0, pathway, p1_reablement=reablement)
    ward = w.beds.wards[0]
    w.run(FIT + 1)
    assert ward.delayed == 1 and ward.beds.count == 1  # fit, still in the bed: a delayed discharge
    w.run(FIT + ARRANGE * DAY + 1)
    row = w.journey(n.pid)
    assert row.t_fit == FIT and row.t_discharge == FIT + ARRANGE * DAY
    assert row.pathway == pathway and row.end == End.DISCHARGED_P0 + pathway and row.care_adequate
    assert ward.delayed == 0 and ward.beds.count == 0
    assert capacity.count == 1  # held for the service's time after discharge, then released
    w.run(row.t_discharge + n.d_after - 1)
    assert capacity.count == 1
    w.run(row.t_discharge + n.d_after + 1)
    assert capacity.count == 0


def test_a_p0_patient_goes_home_at_once_and_is_never_counted_as_delayed():
    w = wired()
    n = admitted(w, 0.0, 0)
    w.run(FIT)
    assert w.beds.wards[0].delayed == 0
    w.run(FIT + 1)
    row = w.journey(n.pid)
    assert row.t_discharge == row.t_fit == FIT and row.end == End.DISCHARGED_P0


def test_a_fit_patient_waits_in_the_bed_until_the_service_they_need_has_room():
    w = wired({"community": {"intermediate_care_beds": 1}})
    first, second = admitted(w, 0.0, 2), admitted(w, 0.0, 2)
    w.run(30 * DAY)
    a, b = w.journey(first.pid), w.journey(second.pid)
    assert a.t_discharge == FIT + ARRANGE * DAY
    assert b.t_discharge == a.t_discharge + IC_DAYS * DAY  # when the first leaves intermediate care
    assert (b.t_discharge - b.t_fit) / DAY == pytest.approx(ARRANGE + IC_DAYS)


@pytest.mark.parametrize("above", [True, False])
def test_a_discharge_due_at_the_weekend_slips_to_monday_in_the_bed_when_its_draw_is_over_the_days_chance(above):
    """The same uniform every day: over Saturday's chance it is over Sunday's too (docs/odd.md 3.4.9)."""
    w = wired()
    week = w.cfg.discharge.day_of_week_discharge
    assert week[5] == week[6] < 1.0 and min(week[:5]) == 1.0  # Monday first: weekdays certain, weekends not
    day = next(d for d in range(7) if w.calendar.weekday(d + 2) == 5)  # fit on a Saturday
    u = week[5] + (0.01 if above else -0.01)
    n = admitted(w, day * DAY, 0, u_discharge_day=u)
    fit = day * DAY + FIT
    ward = w.beds.wards[0]
    w.run(fit + 1)
    assert (ward.delayed, ward.beds.count) == ((1, 1) if above else (0, 0))  # fit, still in the bed: delayed
    w.run(fit + 3 * DAY)
    row = w.journey(n.pid)
    assert row.t_fit == fit and row.t_discharge == fit + (2 * DAY if above else 0.0)  # Monday 15:00, or at once
    assert w.calendar.weekday(int(row.t_discharge // DAY)) == (0 if above else 5)
    assert row.end == End.DISCHARGED_P0 and ward.delayed == 0 and ward.beds.count == 0


@pytest.mark.parametrize("pathway, reablement, self_funder, need, service", [
    (0, False, False, 1.0, None),
    (1, True, False, 0.0, "reablement"),          # no eligibility test for the community provider's care
    (2, False, False, 0.0, "intermediate_care"),
    (1, False, False, 0.5, "home_care"),          # need above the threshold: council-funded
    (3, False, False, 0.5, "care_homes"),
    (1, False, True, 0.0, "home_care"),           # self-funders buy care whatever their need
    (3, False, True, 0.0, "care_homes"),
    (1, False, False, 0.1, None),                 # below the threshold, not self-funding: no care
    (3, False, False, 0.1, None),
])
def test_the_service_a_pathway_needs(pathway, reablement, self_funder, need, service):
    w = wired({"social_care": {"eligibility_threshold": 0.3}})
    n = w.patient(0.0, pathway=pathway, p1_reablement=reablement, self_funder=self_funder, u_need=need)
    got = w.discharge.next_service(n)
    named = {None: None, "reablement": w.community.reablement, "intermediate_care": w.community.intermediate_care,
             "home_care": w.social_care.home_care, "care_homes": w.social_care.care_homes}
    assert got is named[service]


def test_a_patient_refused_funded_care_goes_home_without_it_after_the_assessment():
    w = wired({"social_care": {"eligibility_threshold": 0.3, "care_home_places": 0}})
    n = admitted(w, 0.0, 3, self_funder=False, u_need=0.1)
    w.run(30 * DAY)
    row = w.journey(n.pid)
    assert row.t_discharge == FIT + ARRANGE * DAY  # no wait for the (full) care homes: none is sought
    assert not row.care_adequate and row.end == End.DISCHARGED_P3
    assert w.social_care.unmet_need == 1 and w.social_care.care_homes.count == 0


class Booked:
    """Stands in for the arrivals: records each return booked."""

    def __init__(self):
        self.returns = []

    def book_return(self, at, need, deteriorated):
        self.returns.append((at, need.pid, deteriorated))


@pytest.mark.parametrize("pathway, adequate, u, readmitted", [
    (0, True, 0.129, True), (0, True, 0.131, False),     # P0 risk 0.13
    (3, True, 0.139, True), (3, True, 0.141, False),     # P3 risk 0.14
    (1, False, 0.17 * 1.6 - 0.001, True),                 # P1 risk 0.17 x 1.6 without the care needed
    (1, False, 0.17 * 1.6 + 0.001, False),
])
def test_a_patient_is_readmitted_when_their_draw_is_under_the_pathways_risk(pathway, adequate, u, readmitted):
    w = wired()
    booked = Booked()
    discharge = Discharge(w.env, w.cfg.discharge, w.log, w.community, w.social_care, returns=booked)
    n = w.patient(0.0, pathway=pathway, u_readmit=u, d_readmit=12 * DAY)
    discharge.consider_readmission(n, adequate)
    assert booked.returns == ([(12 * DAY, n.pid, False)] if readmitted else [])


def test_the_readmission_risk_without_the_care_needed_is_capped_at_certainty():
    w = wired({"discharge": {"inadequate_care_readmission_multiplier": 10.0}})
    booked = Booked()
    discharge = Discharge(w.env, w.cfg.discharge, w.log, w.community, w.social_care, returns=booked)
    discharge.consider_readmission(w.patient(0.0, pathway=1, u_readmit=0.999999), adequate=False)
    assert len(booked.returns) == 1


# --- the whole town ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def town():
    return run(TOWN, NO_ORGANISATIONS, months=3)


def test_a_readmission_is_a_new_urgent_admission_of_the_same_person_within_30_days(town):
    j = town.log.frame()
    back = j[j.entry == Entry.READMISSION]
    assert len(back) > 50
    before = j.loc[back.previous.to_numpy()]
    assert before.end.isin([End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3,
                            End.VIRTUAL_WARD_COMPLETED]).all()
    assert (before.entry != Entry.ELECTIVE).all()
    gap = (back.t_arrival.to_numpy() - before.t_end.to_numpy()) / DAY
    assert (gap >= 1 - 1e-9).all() and (gap <= 30 + 1e-9).all()
    assert (back.locality.to_numpy() == before.locality.to_numpy()).all()
    assert (back.age_band.to_numpy() == before.age_band.to_numpy()).all()
    assert back.admitted.all() and (back.acuity <= 2).all()


def test_readmissions_come_back_as_often_as_the_pathway_risks_say(town):
    """Over discharges whose 30 days ran their course in the run, the readmissions counted are
    the sum of each patient's risk, within four standard deviations."""
    cfg = town.cfg.discharge
    j = town.log.frame()
    readmitted = np.isin(j.index, j.loc[j.entry == Entry.READMISSION, "previous"])
    ends = [End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3]
    done = j[j.end.isin(ends) & (j.entry != Entry.ELECTIVE) & (j.t_end <= town.env.now - 30 * DAY)]
    p = np.array([cfg.readmission_probability[f"P{k}"] for k in done.pathway])
    p = np.where(done.care_adequate, p, np.minimum(p * cfg.inadequate_care_readmission_multiplier, 1.0))
    got = readmitted[done.index].sum()
    assert len(done) > 500
    assert abs(got - p.sum()) < 4 * np.sqrt((p * (1 - p)).sum())


def test_unlimited_discharge_capacity_leaves_only_arrangement_delays():
    """With care always available, the time fit patients wait is just the arranging of care."""
    hs = run(TOWN, NO_ORGANISATIONS, {
        "beds": {"turnaround_hours": fixed(0)},
        "community": {"intermediate_care_beds": 100_000, "reablement_caseload": 100_000},
        "social_care": {"home_care_packages": 100_000, "care_home_places": 100_000, "initial_occupancy": 0.0},
        "discharge": {"arrangement_days": {p: fixed(1.0) for p in ("P1", "P2", "P3")},
                      "day_of_week_discharge": [1.0] * 7}}, months=3)  # no weekend slips
    j = hs.log.frame()
    # hospital discharges: a patient diverted to a virtual ward waits for care at home, not in a bed
    left = j[(j.pathway > 0) & j.t_discharge.notna() & (j.entry != Entry.ELECTIVE) & ~j.diverted]
    delay_days = (left.t_discharge - left.t_fit) / DAY
    assert len(left) > 100
    np.testing.assert_allclose(delay_days, 1.0, atol=1e-6)


def test_less_social_care_means_more_delayed_discharges():
    base, short = (run(TOWN, NO_ORGANISATIONS, {"social_care": {"home_care_packages": h, "care_home_places": c}},
                       months=2) for h, c in ((280, 312), (200, 230)))
    delayed = [np.mean([r[6] for r in hs.census.rows if r[1] == "acute_beds"]) for hs in (base, short)]
    assert delayed[1] > delayed[0]
