"""The whole system: conservation, reproducibility, common random numbers, routing, and the
direction of effects (more capacity, shorter waits; extreme settings with known answers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import run

from sim.journeys import End, Entry
from sim.kpis import kpi_tables
from sim.primary_care import GpOutcome

NO_TURNAROUND = {"beds": {"turnaround_hours": {"dist": "fixed", "value": 0}}}


def test_every_journey_ends_once_or_is_still_in_the_system(baseline_month):
    j = baseline_month.log.frame()
    assert len(j) > 50_000
    assert set(j.end.unique()) <= {e.value for e in End}
    ended = j.end != End.IN_SYSTEM
    assert j.loc[ended, "t_end"].notna().all()
    assert j.loc[~ended, "t_end"].isna().all()
    assert (j.loc[ended, "t_end"] >= j.loc[ended, "t_arrival"] - 1e-9).all()
    assert (j.entry >= 0).all()


def test_journey_stages_happen_in_order(baseline_month):
    j = baseline_month.log.frame()
    order = ["t_arrival", "t_response", "t_ed_arrival", "t_handover", "t_seen", "t_decision", "t_ed_departure",
             "t_bed", "t_fit", "t_discharge"]
    for earlier, later in zip(order, order[1:]):
        both = j[earlier].notna() & j[later].notna()
        assert (j.loc[both, later] >= j.loc[both, earlier] - 1e-6).all(), (earlier, later)


def test_patients_in_beds_equal_beds_occupied():
    """Conservation: with no bed turnaround, the beds in use are exactly the journeys in a bed."""
    hs = run(NO_TURNAROUND)
    j = hs.log.frame()
    in_bed = j[j.t_bed.notna() & j.t_discharge.isna() & (j.end == End.IN_SYSTEM)]
    for site, ward in hs.beds.wards.items():
        held = int((in_bed.bed_site == site).sum())
        assert held == ward.beds.count + ward.elective_beds.count, ward.name
    # everyone fit but not yet gone is a delayed discharge
    fit_waiting = in_bed[in_bed.t_fit.notna()]
    assert len(fit_waiting) == sum(w.delayed for w in hs.beds.wards.values())


def test_everyone_at_ae_left_or_is_still_there(baseline_month):
    j = baseline_month.log.frame()
    at_ae = j[j.t_ed_arrival.notna()]
    still = at_ae.t_ed_departure.isna()
    assert (at_ae.loc[still, "end"] == End.IN_SYSTEM).all()
    ended_at_ae = at_ae.end.isin([End.ED_DISCHARGED, End.ED_REFERRED_COMMUNITY, End.UCC_DISCHARGED])
    assert at_ae.loc[ended_at_ae, "t_ed_departure"].notna().all()


def test_every_gp_request_is_served_waiting_or_went_elsewhere(baseline_month):
    hs = baseline_month
    a = hs.primary_care.log.frame()
    waiting = (a.outcome == GpOutcome.WAITING).sum()
    assert waiting == hs.primary_care.backlog()
    served = a.served_day >= 0
    assert (a.loc[served, "served_day"] >= a.loc[served, "request_day"]).all()
    assert (a.loc[served, "outcome"] != GpOutcome.WENT_TO_AE_INSTEAD).all()
    went = a.outcome == GpOutcome.WENT_TO_AE_INSTEAD
    assert (a.loc[went, "served_day"] == -1).all()


def test_same_seed_same_results_bit_for_bit(baseline_month):
    again = run()
    pd.testing.assert_frame_equal(baseline_month.log.frame(), again.log.frame())
    pd.testing.assert_frame_equal(baseline_month.primary_care.log.frame(), again.primary_care.log.frame())
    pd.testing.assert_frame_equal(baseline_month.census.frame(), again.census.frame())


def test_a_different_seed_gives_different_patients(baseline_month):
    other = run(seed=7)
    a, b = baseline_month.log.frame(), other.log.frame()
    assert len(a) != len(b) or not np.array_equal(a.t_arrival.to_numpy(), b.t_arrival.to_numpy())


def test_common_random_numbers_same_arrivals_whatever_the_capacity(baseline_month):
    """A capacity scenario meets the very same 999 calls and walk-ins as the baseline, but for the
    few who died of waiting in one scenario and not the other (their later arrivals are thinned)."""
    still = {"outcomes": {"population": "none"}}  # nobody leaves the population: the very same arrivals
    base = run(still)
    more = run({**still, "sites": {"city_royal": {"beds": 900}}, "ambulance": {"vehicles": 40}})
    for entry in (Entry.AMBULANCE_CALL, Entry.SELF_PRESENTED):
        a, b = base.log.frame(), more.log.frame()
        a, b = a[a.entry == entry], b[b.entry == entry]
        np.testing.assert_array_equal(a.t_arrival.to_numpy(), b.t_arrival.to_numpy())
        np.testing.assert_array_equal(a.acuity.to_numpy(), b.acuity.to_numpy())
        np.testing.assert_array_equal(a.locality.to_numpy(), b.locality.to_numpy())
    thinned = run({"sites": {"city_royal": {"beds": 900}}, "ambulance": {"vehicles": 40}})
    for entry in (Entry.AMBULANCE_CALL, Entry.SELF_PRESENTED):
        a, b = baseline_month.log.frame(), thinned.log.frame()
        a, b = set(a.t_arrival[a.entry == entry]), set(b.t_arrival[b.entry == entry])
        assert len(a ^ b) <= 0.001 * len(a), "only arrivals from people who died of waiting differ"


def test_closing_an_ae_reroutes_its_demand():
    hs = run({"sites": {"city_royal": {"emergency_department": {"open": False}}}})
    city = hs.site_names.index("city_royal")
    assert city not in hs.router.ed_site
    j = hs.log.frame()
    assert (j.ed_site == city).sum() == 0
    assert j.ed_site.isin([hs.site_names.index("north_general"), hs.site_names.index("south_district")]).any()


def test_closing_an_ae_during_a_run_moves_new_arrivals_only():
    from conftest import BASELINE

    from agents import health_system
    from sim.config import load_config

    hs = health_system(load_config(BASELINE), months=2)
    hs.step()
    closed_at = hs.env.now
    hs.set_site_open("north_general", emergency_department=False)
    hs.step()
    j = hs.log.frame()
    north = hs.site_names.index("north_general")
    # a crew picks its A&E when it reaches the patient: within a few hours all go elsewhere
    later = j[(j.t_ed_arrival > closed_at + 240) & (j.entry == Entry.AMBULANCE_CALL)]
    assert len(later) > 1000
    assert (later.ed_site == north).sum() == 0
    assert ((j.ed_site == north) & (j.t_ed_arrival < closed_at)).sum() > 1000


def test_more_clinicians_and_cubicles_shorten_ae_waits(baseline_month):
    generous = {"sites": {name: {"emergency_department": {"clinicians": 40, "cubicles": 200}}
                          for name in ("city_royal", "north_general", "south_district")}}
    hs = run(generous)
    _, _, base = kpi_tables(baseline_month)
    _, _, more = kpi_tables(hs)
    assert more["time_to_treatment_urgent_minutes"] < base["time_to_treatment_urgent_minutes"]
    assert more["ae_4h_type1"] > base["ae_4h_type1"]
    assert more["handover_mean_minutes"] <= base["handover_mean_minutes"]


def test_nobody_admitted_when_admission_probability_is_zero():
    hs = run({"ae": {"admit_probability": {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}},
              "primary_care": {"consultation_to_direct_admission_share": 0.0}})
    j = hs.log.frame()
    emergency_admitted = j.admitted & ~j.entry.isin([Entry.ELECTIVE, Entry.READMISSION, Entry.DETERIORATED])
    assert emergency_admitted.sum() == 0


def test_unlimited_discharge_capacity_leaves_only_arrangement_delays():
    """With care always available, the time fit patients wait is just the arranging of care."""
    hs = run({**NO_TURNAROUND,
              "community": {"intermediate_care_beds": 100_000, "reablement_caseload": 100_000},
              "social_care": {"home_care_packages": 100_000, "care_home_places": 100_000},
              "discharge": {"arrangement_days": {p: {"dist": "fixed", "value": 1.0} for p in ("P1", "P2", "P3")},
                            "day_of_week_discharge": [1.0] * 7}})  # no weekend slips
    j = hs.log.frame()
    left = j[(j.pathway > 0) & j.t_discharge.notna() & (j.entry != Entry.ELECTIVE) & ~j.diverted]
    delay_days = (left.t_discharge - left.t_fit) / 1440
    assert len(left) > 100
    np.testing.assert_allclose(delay_days, 1.0, atol=1e-6)


def test_beds_obey_littles_law(baseline_month):
    """Time-average beds in use = admissions per minute x mean minutes in a bed (L = lambda W),
    checked on a ward over the reported month with stays that straddle its edges cut to it."""
    hs = baseline_month
    j = hs.log.frame()
    start, end = hs.calendar.warmup_minutes, hs.env.now
    for site, ward in hs.beds.wards.items():
        stays = j[(j.bed_site == site) & j.t_bed.notna()]
        t_in = stays.t_bed.clip(lower=start)
        t_out = stays.t_discharge.fillna(end).clip(upper=end)
        occupied_minutes = (t_out - t_in).clip(lower=0).sum()
        census = hs.census.frame()
        daily = census[(census.service == "acute_beds") & (census.site == ward.name) & (census.month == 0)]
        # the midnight census is a sample of the same time-average (it counts beds in turnaround too)
        assert occupied_minutes / (end - start) == pytest.approx(daily.occupied.mean(), rel=0.06)
