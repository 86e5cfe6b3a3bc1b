"""Diversion that selects (``sim.community``): suitability is a property of the person, the front
door finds it with a sensitivity and specificity, the target share is met among patients assessed
suitable, GP direct admissions can be diverted, and a diverted patient keeps their discharge needs.

The specification (docs/odd.md 3.4.6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import health_system
from sim.config import load_config
from sim.journeys import End, Entry

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "tests" / "configs" / "town.yaml"
DIVERT = {"community": {"admission_diversion_share": 0.25, "virtual_ward_beds": 60}}


def run(overrides: dict, months: int = 3):
    hs = health_system(load_config(TOWN, overrides), months=months)
    hs.run()
    return hs


@pytest.fixture(scope="module")
def diverting():
    return run(DIVERT)


def test_the_suitability_flag_is_the_same_on_every_return_of_a_person(diverting):
    j = diverting.log.frame()
    returns = j[j.previous >= 0]
    assert len(returns) > 100
    assert returns.entry.isin([Entry.READMISSION, Entry.DETERIORATED]).all()
    assert (returns.suitable_ooh.to_numpy() == j.suitable_ooh.to_numpy()[returns.previous.to_numpy()]).all()
    # and down a chain of returns to the first journey of the person
    first = returns.previous.to_numpy()
    while (j.previous.to_numpy()[first] >= 0).any():
        back = j.previous.to_numpy()[first]
        first = first.copy()
        first[back >= 0] = back[back >= 0]
    assert (returns.suitable_ooh.to_numpy() == j.suitable_ooh.to_numpy()[first]).all()


def test_perfect_selection_diverts_only_suitable_patients():
    hs = run({"community": {**DIVERT["community"], "selection_sensitivity": 1.0, "selection_specificity": 1.0}})
    j = hs.log.frame()
    diverted = j[j.diverted]
    assert len(diverted) > 50
    assert diverted.suitable_ooh.all()
    assert not (j.end == End.VIRTUAL_WARD_DETERIORATED).any(), "only unsuitable patients deteriorate"


def test_imperfect_selection_diverts_some_unsuitable_patients(diverting):
    j = diverting.log.frame()
    diverted = j[j.diverted]
    assert 0 < (~diverted.suitable_ooh).sum() < len(diverted)
    # diverted patients are mostly suitable: selection is better than chance
    admitted = j[j.admitted & (j.entry != Entry.ELECTIVE)]
    assert diverted.suitable_ooh.mean() > admitted.suitable_ooh.mean() + 0.2


def test_the_target_share_of_decisions_to_admit_is_met_not_exceeded(diverting):
    com = diverting.community
    share = DIVERT["community"]["admission_diversion_share"]
    assert com.diverted <= share * com.decisions + 1
    assert com.diverted >= 0.8 * share * com.decisions  # enough patients assessed suitable, beds free


def test_gp_direct_admissions_can_be_diverted(diverting):
    j = diverting.log.frame()
    assert (j.diverted & (j.entry == Entry.GP_DIRECT_ADMISSION)).sum() > 0
    off = run({"community": {**DIVERT["community"], "divert_gp_direct_admissions": False}}, months=1)
    k = off.log.frame()
    assert not (k.diverted & (k.entry == Entry.GP_DIRECT_ADMISSION)).any()


def test_a_diverted_patient_keeps_their_discharge_needs(diverting):
    j = diverting.log.frame()
    done = j[j.end == End.VIRTUAL_WARD_COMPLETED]
    assert (done.pathway > 0).any(), "some frail patients leave a virtual ward needing care"
    assert (done.pathway >= 0).all()
    # frail patients leave by the frail pathway shares, not all by P0
    frail = done[done.frail]
    assert (frail.pathway > 0).mean() > 0.3
