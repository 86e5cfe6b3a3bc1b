"""Community services (``sim/community.py``): urgent community response, virtual wards with the
diversion policy, and the discharge support they provide, against docs/odd.md 3.4.2 step 5 and
3.4.6.

Hand-placed patients in the wired services of the town first; then the whole town for the
diversion policy (shares as configured, deteriorations linked to the stay they ended).
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, FIXED_DURATIONS, NO_ORGANISATIONS, QUIET, TOWN, Wired, config, run

from sim.journeys import End, Entry

VW_DAYS, DETERIORATE_DAYS, URC_DAYS = 5.0, 2.0, 2.0  # FIXED_DURATIONS["community"]


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
    """A patient with a decision to admit whom the policy would pick (u_divert 0)."""
    fields = {"u_divert": 0.0, "recognised_unsuitable": False, "deteriorates": False, "u_readmit": 1.0, **fields}
    return w.patient(0.0, admit=True, **fields)


@pytest.mark.parametrize("share, u, diverted", [(0.3, 0.29, True), (0.3, 0.31, False), (0.0, 0.0, False)])
def test_the_policy_picks_a_decision_to_admit_when_its_draw_is_under_the_diversion_share(share, u, diverted):
    w = wired({"community": {"admission_diversion_share": share}})
    n = candidate(w, u_divert=u)
    assert w.community.divert(n) is diverted
    assert w.log.diverted[n.pid] == diverted and w.community.diverted == int(diverted)


def test_an_unsuitable_patient_the_clinician_recognises_goes_to_a_bed_and_is_counted():
    w = wired(DIVERT_ALL)
    n = candidate(w, recognised_unsuitable=True)
    assert not w.community.divert(n)
    assert w.community.recognised_unsuitable == 1 and w.community.diverted == 0


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


def test_a_completed_virtual_ward_stay_ends_after_its_days_by_p0_and_may_be_readmitted():
    w = wired(DIVERT_ALL)
    n = candidate(w, u_readmit=0.0, d_readmit=9 * DAY)
    w.env.process(w.community.virtual_ward_stay(n))
    w.run(VW_DAYS * DAY + 1)
    row = w.journey(n.pid)
    assert row.end == End.VIRTUAL_WARD_COMPLETED and row.t_end == VW_DAYS * DAY
    assert row.pathway == 0 and row.t_discharge == VW_DAYS * DAY
    assert w.community.virtual_ward.count == 0
    # the readmission rule with the P0 risk: u_readmit 0 is under any risk
    assert w.booked.returns == [((VW_DAYS + 9) * DAY, n.pid, False)]


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

@pytest.fixture(scope="module")
def diverting():
    """The town for two months, diverting 30% of decisions to admit, with virtual ward beds to spare
    and no clinician catching unsuitable patients."""
    return run(TOWN, NO_ORGANISATIONS, {"community": {"admission_diversion_share": 0.3, "virtual_ward_beds": 500,
                                                      "assessment_accuracy": 0.0}}, months=2)


def test_with_beds_to_spare_the_diversion_share_of_ae_admissions_go_to_virtual_wards(diverting):
    j = diverting.log.frame()
    decided = j[j.admitted & j.t_decision.notna() & j.t_ed_departure.notna()]
    n, got, share = len(decided), int(decided.diverted.sum()), 0.3
    assert n > 500
    assert abs(got - n * share) < 4 * np.sqrt(n * share * (1 - share))
    # GP direct admissions and electives are never diverted
    assert not j[j.entry.isin([Entry.GP_DIRECT_ADMISSION, Entry.ELECTIVE])].diverted.any()
    assert diverting.community.diversion_refused == 0


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
    conveyed = again[again.t_response.notna()]
    assert (conveyed.t_ed_arrival.notna() | (conveyed.end == End.IN_SYSTEM)).all()


def test_diverted_patients_use_no_acute_bed(diverting):
    j = diverting.log.frame()
    diverted = j[j.diverted]
    assert diverted.t_bed.isna().all() and (diverted.bed_site == -1).all()
    assert diverted.end.isin([End.VIRTUAL_WARD_COMPLETED, End.VIRTUAL_WARD_DETERIORATED, End.IN_SYSTEM]).all()
