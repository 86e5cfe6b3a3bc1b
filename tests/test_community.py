"""Community services (``sim/community.py``): urgent community response, virtual wards with the
diversion policy, and the discharge support they provide, against docs/odd.md 3.4.2 step 5 and
3.4.6.

Hand-placed patients in the wired services of the town first; then the whole town for the
diversion policy (the target share met decision by decision, deteriorations linked to the stay
they ended).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from footprints import DAY, FIXED_DURATIONS, NO_ORGANISATIONS, QUIET, TOWN, Wired, config, run

from sim.journeys import End, Entry

VW_DAYS, DETERIORATE_DAYS, URC_DAYS, IC_DAYS = 5.0, 2.0, 2.0, 10.0  # FIXED_DURATIONS["community"]


class Booked:
    """Stands in for the arrivals: records each return booked."""

    def __init__(self):
        self.returns = []

    def book_return(self, at, need, deteriorated):
        self.returns.append((at, need.pid, deteriorated))


def wired(*overrides) -> Wired:
    w = Wired(config(TOWN, QUIET, FIXED_DURATIONS, *overrides))
    w.booked = Booked()
    w.community.returns = w.booked
    w.discharge.returns = w.booked
    return w


DIVERT_ALL = {"community": {"admission_diversion_share": 1.0, "virtual_ward_beds": 2}}


def candidate(w: Wired, **fields):
    """A patient with a decision to admit whom the front door assesses suitable, who needs no care
    after hospital (P0), will not deteriorate, die or be readmitted unless a test says so."""
    fields = {"suitable": True, "assessed_suitable": True, "deteriorates": False, "u_readmit": 1.0, "u_death": 1.0,
              "pathway": 0, "d_after": 0.0, **fields}
    return w.patient(0.0, admit=True, **fields)


@pytest.mark.parametrize("share, diverted", [
    # 0.3: decision k diverts while the diversions so far are under 0.3 k (1 < 1.2 at the fourth,
    # 2 < 2.1 at the seventh; 3 < 3.0 is false at the tenth)
    (0.3, [True, False, False, True, False, False, True, False, False, False]),
    (0.5, [True, False] * 5),
    (1.0, [True] * 10),
    (0.0, [False] * 10),
])
def test_the_policy_diverts_while_diversions_so_far_are_under_the_target_share_of_decisions(share, diverted):
    w = wired({"community": {"admission_diversion_share": share, "virtual_ward_beds": 20}})
    patients = [candidate(w) for _ in diverted]
    assert [w.community.divert(n) for n in patients] == diverted
    assert [bool(w.log.diverted[n.pid]) for n in patients] == diverted
    assert w.community.decisions == len(diverted) and w.community.diverted == sum(diverted)
    assert w.community.diverted == math.ceil(round(share * len(diverted), 9))


def test_a_patient_the_front_door_assesses_unsuitable_goes_to_a_bed_and_is_counted():
    w = wired({"community": {"admission_diversion_share": 0.5, "virtual_ward_beds": 2}})
    first = candidate(w, assessed_suitable=False)
    assert not w.community.divert(first)
    assert w.community.assessed_unsuitable == 1 and w.community.diverted == 0
    # the decision still counts towards the target: the next patient assessed suitable is diverted
    assert w.community.divert(candidate(w)) and w.community.decisions == 2


def test_the_front_door_assessment_not_the_latent_flag_decides():
    w = wired(DIVERT_ALL)
    missed = candidate(w, suitable=True, assessed_suitable=False)  # a suitable patient not found
    wrong = candidate(w, suitable=False, assessed_suitable=True)  # an unsuitable one taken for suitable
    assert not w.community.divert(missed) and w.community.divert(wrong)
    assert w.community.assessed_unsuitable == 1 and w.community.diverted == 1


def test_with_no_virtual_ward_bed_free_the_diversion_is_refused_and_counted():
    w = wired(DIVERT_ALL)
    patients = [candidate(w) for _ in range(3)]
    outcomes = []
    for n in patients:
        outcomes.append(w.community.divert(n))
        if outcomes[-1]:
            w.env.process(w.community.virtual_ward_stay(n))
            w.run(w.env.now + 1)
    assert outcomes == [True, True, False]
    assert w.community.diversion_refused == 1 and w.community.virtual_ward.count == 2


def test_a_completed_virtual_ward_stay_of_a_p0_patient_ends_after_its_days_and_may_be_readmitted():
    w = wired(DIVERT_ALL)
    n = candidate(w, u_readmit=0.0, d_readmit=9 * DAY)
    assert w.community.divert(n)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(VW_DAYS * DAY + 1)
    row = w.journey(n.pid)
    assert row.end == End.VIRTUAL_WARD_COMPLETED and row.t_end == VW_DAYS * DAY
    assert row.pathway == 0 and row.t_discharge == VW_DAYS * DAY and row.care_adequate
    assert w.community.virtual_ward.count == 0
    # the readmission rule with the P0 risk: u_readmit 0 is under any risk
    assert w.booked.returns == [((VW_DAYS + 9) * DAY, n.pid, False)]


def test_a_diverted_patient_keeps_their_pathway_and_waits_at_home_for_the_care_it_needs():
    """A P2 patient leaves the virtual ward after its days (the bed free at once), waits at home
    for the one intermediate care bed until its holder leaves, then holds it for their own days."""
    w = wired(DIVERT_ALL, {"community": {"intermediate_care_beds": 1}})
    held_until = 8 * DAY
    w.community.intermediate_care.request()  # someone else's place, given back on day 8
    w.env.timeout(held_until).callbacks.append(lambda _e: w.community.intermediate_care.release())
    n = candidate(w, pathway=2, d_after=IC_DAYS * DAY)
    assert w.community.divert(n)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(VW_DAYS * DAY + 1)
    row = w.journey(n.pid)
    assert row.end == End.VIRTUAL_WARD_COMPLETED and row.t_discharge == VW_DAYS * DAY
    assert row.pathway == 2 and row.care_adequate and np.isnan(row.t_bed)
    assert w.community.virtual_ward.count == 0 and w.community.intermediate_care.queue_length == 1
    w.run(held_until + 1)
    assert w.community.intermediate_care.count == 1 and w.community.intermediate_care.queue_length == 0
    w.run(held_until + IC_DAYS * DAY - 1)
    assert w.community.intermediate_care.count == 1
    w.run(held_until + IC_DAYS * DAY + 1)
    assert w.community.intermediate_care.count == 0
    assert w.booked.returns == []  # u_readmit 1 is over any risk


def test_a_patient_who_dies_on_the_virtual_ward_ends_there_with_no_care_or_return():
    w = wired(DIVERT_ALL)
    assert w.cfg.outcomes.enabled
    n = candidate(w, pathway=2, d_after=IC_DAYS * DAY, u_death=0.0, u_readmit=0.0)  # 0 is under any risk
    assert w.community.divert(n)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(VW_DAYS * DAY + 1)
    row = w.journey(n.pid)
    assert row.end == End.DIED_ON_VIRTUAL_WARD and row.died and row.t_death == row.t_end == VW_DAYS * DAY
    assert w.community.virtual_ward.count == 0 and w.community.intermediate_care.count == 0
    assert w.booked.returns == []


def test_a_patient_who_deteriorates_leaves_the_virtual_ward_then_and_calls_999_at_once():
    w = wired(DIVERT_ALL)
    n = candidate(w, deteriorates=True, d_deteriorate=DETERIORATE_DAYS * DAY, u_readmit=0.0)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(10 * DAY)
    row = w.journey(n.pid)
    assert row.end == End.VIRTUAL_WARD_DETERIORATED and row.t_end == DETERIORATE_DAYS * DAY
    assert w.booked.returns == [(DETERIORATE_DAYS * DAY, n.pid, True)]  # no readmission besides
    assert w.community.virtual_ward.count == 0


def test_a_deterioration_due_after_the_stay_would_have_ended_does_not_happen():
    w = wired(DIVERT_ALL)
    n = candidate(w, deteriorates=True, d_deteriorate=(VW_DAYS + 1) * DAY)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(10 * DAY)
    assert w.journey(n.pid).end == End.VIRTUAL_WARD_COMPLETED


def test_the_urgent_response_team_takes_patients_while_it_has_room_each_for_their_days():
    w = wired({"community": {"urgent_response_caseload": 2}})
    patients = [w.patient(0.0, d_urc=URC_DAYS * DAY) for _ in range(3)]
    assert [w.community.urgent_response(n) for n in patients] == [True, True, False]
    assert w.community.urgent_responses == 2
    w.run(URC_DAYS * DAY - 1)
    assert w.community.urgent_response_team.count == 2
    w.run(URC_DAYS * DAY + 1)
    assert w.community.urgent_response_team.count == 0
    assert w.community.urgent_response(patients[2])


def test_the_census_counts_each_community_service():
    w = wired({"community": {"virtual_ward_beds": 3, "urgent_response_caseload": 4, "intermediate_care_beds": 5,
                             "reablement_caseload": 6}})
    w.community.intermediate_care.request()
    assert w.community.census_rows(7) == [
        (7, "virtual_ward", "ics", 0, 3, 0, 0), (7, "urgent_community_response", "ics", 0, 4, 0, 0),
        (7, "intermediate_care", "ics", 1, 5, 0, 0), (7, "reablement", "ics", 0, 6, 0, 0)]


# --- the whole town -----------------------------------------------------------------------------------

TARGET = 0.3


@pytest.fixture(scope="module")
def diverting():
    """The town for two months, diverting 30% of decisions to admit, with virtual ward beds to spare
    and a front door that finds every patient suitable (sensitivity 1, specificity 0), so that
    unsuitable patients are diverted too and the target alone decides who goes."""
    return run(TOWN, NO_ORGANISATIONS, {"community": {"admission_diversion_share": TARGET, "virtual_ward_beds": 500,
                                                      "selection_sensitivity": 1.0, "selection_specificity": 0.0}},
               months=2)


def test_with_beds_to_spare_the_target_share_of_decisions_to_admit_is_met_decision_by_decision(diverting):
    j = diverting.log.frame()
    com = diverting.community
    # every emergency admission (A&E decisions, GP direct admissions, returns) is one decision
    decided = j[j.admitted & (j.entry != Entry.ELECTIVE)]
    assert len(decided) > 500 and com.decisions == len(decided)
    assert com.diversion_refused == 0 and com.assessed_unsuitable == 0
    assert int(decided.diverted.sum()) == com.diverted == math.ceil(round(TARGET * com.decisions, 9))
    # in the order the decisions were made (at A&E: the decision; a GP direct admission: arrival),
    # the k-th decision leaves ceil(0.3 k) diverted so far
    at = decided.t_decision.fillna(decided.t_arrival).sort_values(kind="stable")
    assert at.is_unique
    so_far = decided.diverted.loc[at.index].cumsum().to_numpy()
    k = np.arange(1, len(at) + 1)
    np.testing.assert_array_equal(so_far, np.ceil(np.round(TARGET * k, 9)))
    assert decided[decided.entry == Entry.GP_DIRECT_ADMISSION].diverted.any()  # divert_gp_direct_admissions
    assert not j[j.entry == Entry.ELECTIVE].diverted.any()


def test_only_unsuitable_diverted_patients_deteriorate_and_each_comes_back_by_ambulance(diverting):
    j = diverting.log.frame()
    worse = j[j.end == End.VIRTUAL_WARD_DETERIORATED]
    assert len(worse) > 5
    assert worse.diverted.all() and not worse.suitable_ooh.any()
    back = j[j.entry == Entry.DETERIORATED]
    assert sorted(back.previous) == sorted(worse.index)
    again = back.set_index("previous").loc[worse.index]
    np.testing.assert_allclose(again.t_arrival.to_numpy(), worse.t_end.to_numpy())  # at once
    assert again.admitted.all() and (again.acuity <= 2).all()
    assert not again.suitable_ooh.any()  # the flag is the person's: kept on the return
    conveyed = again[again.t_response.notna()]
    assert (conveyed.t_ed_arrival.notna() | (conveyed.end == End.IN_SYSTEM)).all()


def test_diverted_patients_use_no_acute_bed(diverting):
    j = diverting.log.frame()
    diverted = j[j.diverted]
    assert diverted.t_bed.isna().all() and (diverted.bed_site == -1).all()
    assert diverted.end.isin([End.VIRTUAL_WARD_COMPLETED, End.VIRTUAL_WARD_DETERIORATED, End.DIED_ON_VIRTUAL_WARD,
                              End.IN_SYSTEM]).all()
