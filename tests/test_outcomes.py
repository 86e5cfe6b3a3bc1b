"""What happens to patients (``sim.outcomes``): the risk model, and deaths in the journey accounting.

The specification (docs/odd.md 7.17): a patient with no delay has the baseline risk of their age
band, frailty, triage category and condition; every delay raises it, never lowers it, as the
published effect sizes say; deaths end the journey once and are counted once; a patient who dies
frees their bed and is never readmitted; the no-delay counterfactual of the same patient decides
which deaths the waiting caused.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents import health_system
from sim.config import load_config
from sim.config.outcomes import CONDITIONS
from sim.journeys import End, Entry
from sim.kpis import summary_kpis
from sim.outcomes import Outcomes, RiskModel, apply_ratio

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "tests" / "configs" / "town.yaml"
ON = {"outcomes": {"enabled": True}}


@pytest.fixture(scope="module")
def cfg():
    return load_config(TOWN, ON)


@pytest.fixture(scope="module")
def model(cfg):
    return RiskModel(cfg.outcomes)


@pytest.fixture(scope="module")
def town_run():
    hs = health_system(load_config(TOWN, ON), months=4)
    hs.run()
    return hs


# --- the risk model ---------------------------------------------------------------------------------

patients = st.fixed_dictionaries({
    "age": st.integers(0, 3), "frail": st.booleans(), "acuity": st.integers(1, 5), "admitted": st.booleans(),
    "condition": st.integers(0, len(CONDITIONS)), "old": st.booleans(),
    "virtual_ward": st.sampled_from([None, True, False]),
})
delays = st.fixed_dictionaries({
    "ae_hours": st.floats(0, 48), "condition_minutes": st.floats(0, 2000), "nights": st.floats(0, 60),
    "transfers": st.integers(0, 3),
})


def test_a_patient_with_no_delay_has_the_baseline_risk(model, cfg):
    out = cfg.outcomes
    for age, band in enumerate(("0-17", "18-64", "65-84", "85+")):
        for acuity in (1, 2, 3, 4, 5):
            for frail in (False, True):
                expected = min(out.risk_admitted[band] * out.acuity_risk_ratio[acuity]
                               * (out.frail_risk_ratio if frail else 1.0), 1.0)
                # no time in A&E to speak of (within the first band), no delayed nights, no move
                got = model.risk(age, frail, acuity, admitted=True, ae_hours=1.0, nights=0.0, transfers=0)
                assert got == pytest.approx(expected)
                assert model.risk(age, frail, acuity, admitted=True) == pytest.approx(expected)
    for k, name in enumerate(CONDITIONS, start=1):
        assert model.risk(2, False, 2, admitted=True, condition=k, condition_minutes=0.0) == pytest.approx(
            out.conditions[name].risk)
    # sent home within 2 hours: the baseline of patients not admitted
    assert model.risk(1, False, 3, admitted=False, ae_hours=2.0) == pytest.approx(out.risk_not_admitted["18-64"])


@settings(max_examples=400, deadline=None)
@given(patient=patients, delay=delays, which=st.sampled_from(["ae_hours", "condition_minutes", "nights", "transfers"]),
       more=st.floats(0, 24))
def test_risk_never_falls_when_any_delay_grows(model, patient, delay, which, more):
    before = model.risk(**patient, **delay)
    longer = dict(delay)
    longer[which] = delay[which] + (int(math.ceil(more)) if which == "transfers" else more)
    after = model.risk(**patient, **longer)
    assert after >= before - 1e-12, (patient, delay, which, more)
    assert 0.0 <= after <= 1.0


@settings(max_examples=200, deadline=None)
@given(patient=patients, delay=delays)
def test_any_delay_is_at_least_the_no_delay_risk(model, patient, delay):
    assert model.risk(**patient, **delay) >= model.risk(**patient) - 1e-12


def test_delay_effects_are_the_published_ones(model, cfg):
    out = cfg.outcomes
    p = model.risk(1, False, 3, admitted=True)
    # Jones et al. 2022: 8-12 hours against up to 4 hours
    assert model.risk(1, False, 3, admitted=True, ae_hours=10.0) == pytest.approx(
        p * out.admitted_ae_ratio[3] / out.admitted_ae_ratio[0])
    # ONS 2025: odds ratio 1.6 at 6 hours against 2 hours, for a patient sent home
    q = model.risk(1, False, 3, admitted=False)
    assert model.risk(1, False, 3, admitted=False, ae_hours=6.0) == pytest.approx(apply_ratio(q, 1.6, "odds"))
    # STEMI (De Luca 2004): RR 1.075 per 30 minutes
    stemi = CONDITIONS.index("stemi") + 1
    r = out.conditions["stemi"].risk
    assert model.risk(1, False, 2, admitted=True, condition=stemi, condition_minutes=90.0) == pytest.approx(
        min(r * 1.075 ** 3, 1.0))
    # the A&E effects are not stacked on a condition's own: the same risk whatever the hours in A&E
    assert model.risk(1, False, 2, admitted=True, condition=stemi, condition_minutes=90.0, ae_hours=11.0) == \
        model.risk(1, False, 2, admitted=True, condition=stemi, condition_minutes=90.0)


def test_odds_and_risk_ratios():
    assert apply_ratio(0.1, 2.0, "risk") == pytest.approx(0.2)
    assert apply_ratio(0.1, 2.0, "odds") == pytest.approx(0.2 / 1.1)
    assert apply_ratio(0.8, 2.0, "risk") == 1.0
    assert apply_ratio(0.0, 5.0, "odds") == 0.0


# --- deaths in the journey accounting --------------------------------------------------------------------


def test_deaths_end_each_journey_once_and_are_counted_once(town_run):
    hs = town_run
    j = hs.log.frame()
    died = j[j.died]
    assert len(died) > 20, "the town should see deaths in four months"
    # every journey has one end (or is still going); a death is one journey's flag, with its time
    assert set(j.end.unique()) <= {e.value for e in End}
    assert died.t_death.notna().all() and (died.t_death >= died.t_arrival).all()
    assert j.loc[~j.died, "t_death"].isna().all()
    # died in care: the journey ended then; died after leaving: ended by leaving, death within 30 days
    in_care = died.end.isin([End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD])
    assert (died.loc[in_care, "t_death"] == died.loc[in_care, "t_end"]).all()
    after = died[~in_care]
    assert (after.end != End.IN_SYSTEM).all()
    assert ((after.t_death >= after.t_end) & (after.t_death <= after.t_end + 30 * 1440 + 1e-6)).all()
    assert j[j.end.isin([End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD])].died.all()
    # counted once: the journeys flagged are the service's count and the KPI's
    assert hs.outcomes.deaths == len(died)
    assert hs.outcomes.in_hospital_deaths == int(in_care.sum())
    # a death the waiting caused is a death; only those leave the population (population: excess)
    assert not (j.died_from_delay & ~j.died).any()
    assert hs.cells.dead.sum() == j.died_from_delay.sum()
    # the dead are never readmitted and do not come back from a virtual ward
    returns = j[j.entry.isin([Entry.READMISSION, Entry.DETERIORATED])]
    assert not j.loc[returns.previous.to_numpy(), "died"].any()


def test_death_kpis_count_the_journeys(town_run):
    hs = town_run
    s = summary_kpis(hs)
    j = hs.log.frame()
    reported = j[hs.calendar.month_index(j.t_arrival.to_numpy()) >= 0]
    assert s["deaths"] == reported.died.sum()
    assert s["in_hospital_deaths"] == reported.end.isin([End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD]).sum()
    assert s["deaths_from_delay"] == reported.died_from_delay.sum()
    decided = reported[reported.death_risk.notna()]
    assert s["deaths_from_delay_expected"] == pytest.approx(
        float((decided.death_risk - decided.death_risk_no_delay).sum()))
    assert (decided.death_risk >= decided.death_risk_no_delay - 1e-6).all()


def test_a_death_in_hospital_frees_the_bed():
    """Conservation with deaths: with no bed turnaround, the beds in use are exactly the journeys
    still in a bed (a patient who died is not one)."""
    hs = health_system(load_config(TOWN, {**ON, "beds": {"turnaround_hours": {"dist": "fixed", "value": 0}}}),
                       months=2)
    hs.run()
    j = hs.log.frame()
    assert (j.end == End.DIED_IN_HOSPITAL).sum() > 0
    in_bed = j[j.t_bed.notna() & j.t_discharge.isna() & (j.end == End.IN_SYSTEM)]
    for site, ward in hs.beds.wards.items():
        assert int((in_bed.bed_site == site).sum()) == ward.beds.count + ward.elective_beds.count


def test_switched_off_nobody_dies():
    off = health_system(load_config(TOWN, {"outcomes": {"enabled": False}}), months=1)
    off.run()
    j = off.log.frame()
    assert not j.died.any() and j.death_risk.isna().all()
    assert not (j.end == End.DIED_IN_HOSPITAL).any()


def test_the_same_patients_die_whatever_else_changes_if_they_were_not_delayed(town_run):
    """Common random numbers: a scenario with ample beds and clinicians meets the same patients;
    anyone who died in both had the same uniform, so no death without delay is lost or added
    among patients whose journeys were not delayed in either."""
    hs = town_run
    roomy = health_system(load_config(TOWN, {**ON, "sites": {"city_royal": {
        "beds": 200, "emergency_department": {"clinicians": 8, "cubicles": 30}}}, "ambulance": {"vehicles": 8}}),
        months=4)
    roomy.run()
    a, b = hs.log.frame(), roomy.log.frame()
    # the first arrivals from the population (999 calls and walk-ins) are the same people with the
    # same needs in both (other journeys, such as electives booked against the beds expected free,
    # depend on capacity, so their number, and the ids after them, can differ)
    first = [Entry.AMBULANCE_CALL, Entry.SELF_PRESENTED]
    a0, b0 = a[a.entry.isin(first)], b[b.entry.isin(first)]
    n = min(len(a0), len(b0), 100)
    assert n == 100
    np.testing.assert_array_equal(a0.acuity.to_numpy()[:n], b0.acuity.to_numpy()[:n])
    np.testing.assert_array_equal(a0.condition.to_numpy()[:n], b0.condition.to_numpy()[:n])
    np.testing.assert_array_equal(a0.t_arrival.to_numpy()[:n], b0.t_arrival.to_numpy()[:n])
    # fewer waits, no more deaths from delay
    assert roomy.log.frame().died_from_delay.sum() <= a.died_from_delay.sum()


def test_the_risks_of_a_patient_sent_home_are_those_of_the_general_rule(monkeypatch):
    """``Outcomes.sent_home_risks`` (one call for every patient leaving A&E for home) gives exactly,
    to the bit, what ``risks(n, admitted=False)`` gives, for every such patient of a run: at type 1
    A&Es and urgent care centres, with and without waiting."""
    seen = []
    shortcut = Outcomes.sent_home_risks

    def checked(self, n):
        got = shortcut(self, n)
        assert got == self.risks(n, admitted=False)
        seen.append((got, self.log.ed_site[n.pid] >= 0))
        return got

    monkeypatch.setattr(Outcomes, "sent_home_risks", checked)
    health_system(load_config(TOWN, ON), months=2).run()
    assert len(seen) > 1000
    assert any(risk != risk0 for (risk, risk0), _ in seen)  # some waited, so their two risks differ
    assert any(type1 for _, type1 in seen) and not all(type1 for _, type1 in seen)
