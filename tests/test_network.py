"""Hospitals as a network (``trusts:``, ``network:``): transfers between a trust's sites, overflow
to a neighbour, ambulance divert; each rule can be switched off, and off, nothing changes.

The specification (docs/odd.md 3.4.7 and 3.4.2): a patient who finds their hospital full takes a
free bed at another site of the same trust (a transfer moves exactly one patient from one site's
census to the other's); one waiting longer than ``overflow_after_hours`` goes to the nearest
hospital of any trust with a free bed; an A&E with ``divert_handover_queue`` ambulances waiting is
passed by for the next nearest open A&E not on divert.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents import health_system
from sim.config import load_config
from sim.journeys import Entry
from sim.kpis import summary_kpis
from sim.model import HealthSystem
from sim.process import start_journey

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "tests" / "configs" / "town.yaml"
TWO = ROOT / "tests" / "configs" / "town_two_sites.yaml"
NO_DEMAND = {"demand": {k: {"0-17": 0, "18-64": 0, "65-84": 0, "85+": 0} for k in (
    "gp_appointments_per_1000", "ambulance_incidents_per_1000", "ae_self_presentations_per_1000",
    "elective_admissions_per_1000")}, "organisations": None}


def quiet(overrides: dict | None = None) -> HealthSystem:
    """The two-hospital town with nobody arriving: a bench for moving single patients by hand."""
    patch = {**NO_DEMAND, **(overrides or {})}
    return HealthSystem(load_config(TWO, patch), months=1)


def patient(hs: HealthSystem, locality: str = "northfield"):
    """One GP direct admission from ``locality`` (its needs drawn as any arrival's)."""
    li = list(hs.cfg.localities).index(locality)
    cell = int(np.flatnonzero(hs.cells.locality == li)[2])  # 18-64, not frail
    return hs.arrivals.needs.make(np.random.default_rng(7), np.array([0.0]), np.array([cell]),
                                  Entry.GP_DIRECT_ADMISSION, forced_admit=True)[0]


def fill(ward) -> None:
    while ward.beds.count < ward.beds.capacity:
        ward.beds.request()


def finish(generator):
    """Run a generator that does not wait; return what it returns."""
    try:
        next(generator)
    except StopIteration as done:
        return done.value
    raise AssertionError("the patient had to wait")


def occupied(hs: HealthSystem) -> dict[str, tuple[int, int]]:
    """Each ward's (beds occupied, patients waiting) as the midnight census counts them."""
    return {row[2]: (row[3], row[5]) for row in hs.beds.census_rows(0) if row[1] == "acute_beds"}


def test_a_transfer_moves_exactly_one_patient_between_two_sites_censuses():
    hs = quiet()
    home, other = hs.beds.wards[0], hs.beds.wards[2]
    fill(home)
    before = occupied(hs)
    n = patient(hs)
    ward, transit = finish(hs.beds.find_bed(n, home))
    after = occupied(hs)
    assert ward is other
    assert after[home.name] == before[home.name]  # nobody left or joined the full hospital
    assert after[other.name] == (before[other.name][0] + 1, before[other.name][1])
    assert sum(v[0] for v in after.values()) == sum(v[0] for v in before.values()) + 1
    log = hs.log
    assert log.transfer_from[n.pid] == home.site and log.transfer_kind[n.pid] == 1
    assert transit == pytest.approx(hs.geo.site_travel[home.site][other.site] + hs.cfg.network.transfer_extra_minutes)


def test_a_waiting_patient_moves_when_a_bed_frees_at_the_other_site():
    hs = quiet()
    home, other = hs.beds.wards[0], hs.beds.wards[2]
    fill(home)
    fill(other)
    n = patient(hs)
    got = {}

    def journey():
        got["ward"], _ = yield from hs.beds.find_bed(n, home)

    start_journey(hs.env, journey())
    hs.env.run_until(10.0)
    assert home.beds.queue_length == 1 and "ward" not in got
    other.beds.release()  # a bed frees at the other site
    hs.env.run_until(10.0 + hs.cfg.network.recheck_minutes + 1)
    assert got["ward"] is other
    assert home.beds.queue_length == 0, "the request at the full hospital is withdrawn"
    assert other.beds.count == other.beds.capacity


def test_without_the_rule_a_patient_waits_for_their_own_hospital():
    hs = quiet({"network": {"transfer_within_trust": False}})
    home = hs.beds.wards[0]
    fill(home)
    gen = hs.beds.find_bed(patient(hs), home)
    assert next(gen) is not None  # waits for a bed at home
    assert home.beds.queue_length == 1


def test_overflow_goes_to_another_trust_only_after_the_wait():
    hs = quiet({"trusts": None, "network": {"transfer_within_trust": True, "overflow_after_hours": 4}})
    home, other = hs.beds.wards[0], hs.beds.wards[2]
    fill(home)
    n = patient(hs)
    got = {}

    def journey():
        got["ward"], _ = yield from hs.beds.find_bed(n, home)

    start_journey(hs.env, journey())
    hs.env.run_until(3.5 * 60)
    assert "ward" not in got, "separate trusts: no transfer before the overflow wait"
    hs.env.run_until(4 * 60 + 1)
    assert got["ward"] is other and hs.log.transfer_kind[n.pid] == 2


def test_with_every_rule_off_routing_is_as_before():
    """The network section spelt out with every rule off, or with thresholds never reached, runs
    exactly as a config without it: the same journeys, to the same sites."""
    base = health_system(load_config(TOWN), months=1)
    base.run()
    off = health_system(load_config(TOWN, {"network": {
        "transfer_within_trust": True, "overflow_after_hours": None, "divert_handover_queue": 1000,
        "divert_occupancy": None}}), months=1)
    off.run()
    pd.testing.assert_frame_equal(base.log.frame(), off.log.frame())


def test_a_trust_of_two_sites_is_one_organisation_with_both_wards():
    hs = health_system(load_config(TWO), months=2)
    hs.run()
    trusts = hs.organisations.trusts
    assert [t.name for t in trusts] == ["town_hospitals"]
    assert trusts[0].beds_open() == sum(w.base_beds for w in hs.beds.wards.values())
    s = summary_kpis(hs)
    assert s["transfers_within_trust"] > 0
    j = hs.log.frame()
    moved = j[j.transfer_kind == 1]
    assert (moved.bed_site != moved.transfer_from).all()
    # the sending trust pays for the moves
    assert trusts[0].ledger.total(range(hs.month), "spending") > 0


def test_divert_sends_crews_past_a_full_ae_to_the_next_nearest():
    cfg = load_config(TWO, {"network": {"divert_handover_queue": 1}, "ambulance": {"vehicles": 6},
                            "organisations": None})
    hs = HealthSystem(cfg, months=1)
    hs.run()
    j = hs.log.frame()
    conveyed = j[j.conveyance_minutes.notna()]
    diverted = conveyed[conveyed.ambulance_diverted]
    assert len(diverted) > 0 and hs.ambulance.diverted == len(diverted)
    nearest = np.array([hs.router.ed_site[loc] for loc in diverted.locality])
    assert (diverted.ed_site.to_numpy() != nearest).all()
    assert sum(ed.diverted_away for ed in hs.emergency_care.eds.values()) == len(diverted)
    assert summary_kpis(hs)["ambulance_diversions"] == conveyed[hs.calendar.month_index(
        conveyed.t_arrival.to_numpy()) >= 0].ambulance_diverted.sum()
