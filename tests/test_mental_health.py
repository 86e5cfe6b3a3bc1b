"""Mental health crisis care (``sim/mental_health.py``, ``agents/mental_health_trust.py``), against
docs/odd.md (the mental health submodel): every crisis accounted for, the psychiatric bed pool
against queueing theory, no out-of-area placement while a local bed is free, the trust's money to
the penny, common random numbers, config validation, and a crisis team with no effect changing
no admission.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from footprints import ROOT, TOWN, config, per_band, run
from hypothesis import given, settings
from hypothesis import strategies as st
from queueing import erlang_b, mmc_wq

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY
from sim.config import ConfigError, load_config
from sim.journeys import MENTAL_HEALTH_ENTRIES, End, Entry, JourneyLog, MentalHealthRoute
from sim.mental_health import CrisisNeed, MentalHealthServices
from sim.process import Environment, start_journey

ROUTE_ENDS = {
    MentalHealthRoute.AE_DISCHARGED: {End.MH_AE_DISCHARGED},
    MentalHealthRoute.HOME_TREATMENT: {End.MH_HOME_TREATMENT, End.IN_SYSTEM},
    MentalHealthRoute.LOCAL_ADMISSION: {End.MH_DISCHARGED, End.IN_SYSTEM},
    MentalHealthRoute.OUT_OF_AREA: {End.MH_OUT_OF_AREA_DISCHARGED, End.IN_SYSTEM},
    MentalHealthRoute.NONE: {End.IN_SYSTEM},
}
CRISIS_ENDS = {End.MH_AE_DISCHARGED, End.MH_HOME_TREATMENT, End.MH_DISCHARGED, End.MH_OUT_OF_AREA_DISCHARGED,
               End.IN_SYSTEM}
# crises under pressure: a small town whose psychiatric beds run full, with out-of-area placements
PRESSED = {"mental_health": {"beds_per_million": 60, "out_of_area_after_hours": 12}}


def crises(hs):
    j = hs.log.frame()
    return j[j.entry.isin([int(e) for e in MENTAL_HEALTH_ENTRIES])]


@pytest.fixture(scope="module")
def town():
    """The town for six months, its psychiatric beds under pressure; every out-of-area placement
    records the local beds at the moment it was made."""
    cfg = config(TOWN, PRESSED)
    from agents import health_system
    hs = health_system(cfg, months=6)
    mh = hs.mental_health
    seen = []
    place = mh.out_of_area.request

    def placed(priority=0):
        seen.append((mh.beds.count, mh.beds.capacity, mh.beds.queue_length))
        return place(priority)

    mh.out_of_area.request = placed
    hs.cost_factors = []
    while hs.running:  # step by step, to read the trust's cost factor of each month
        hs.step()
        hs.cost_factors.append(hs.organisations.mental_health_trust.cost_factor)
    hs.placements_seen = seen
    return hs


# --- every crisis accounted for ------------------------------------------------------------------

def test_every_crisis_at_ae_ends_in_exactly_one_state_consistent_with_where_it_was_sent(town):
    c = crises(town)
    at_ae = c[c.ed_site >= 0]
    assert len(at_ae) > 200  # about 12 per 1,000 a year in a town of 38,000: over 300 in the warm-up and 6 months
    assert set(at_ae.end.unique()) <= {int(e) for e in CRISIS_ENDS}
    for route, ends in ROUTE_ENDS.items():
        rows = at_ae[at_ae.mh_route == route]
        assert set(rows.end.unique()) <= {int(e) for e in ends}, route
    # the five end states partition the presentations: each counted once
    counts = at_ae.groupby("mh_route").size()
    assert counts.sum() == len(at_ae)
    # every state is reached under pressure
    assert {MentalHealthRoute.AE_DISCHARGED, MentalHealthRoute.HOME_TREATMENT, MentalHealthRoute.LOCAL_ADMISSION,
            MentalHealthRoute.OUT_OF_AREA} <= set(counts.index)
    # a crisis not yet decided is still in A&E at the end
    undecided = at_ae[at_ae.mh_route == MentalHealthRoute.NONE]
    assert undecided.t_ed_departure.isna().all()
    # those discharged from A&E left it; those sent on left A&E when they went
    sent = at_ae[at_ae.mh_route != MentalHealthRoute.NONE]
    assert sent.t_ed_departure.notna().all() and (sent.t_ed_departure >= sent.t_ed_arrival).all()


def test_counters_agree_with_the_journey_table(town):
    c = crises(town)
    mh = town.mental_health
    assert mh.placed_out_of_area == (c.mh_route == MentalHealthRoute.OUT_OF_AREA).sum() > 0
    avoided = (c.mh_route == MentalHealthRoute.HOME_TREATMENT) & c.mh_needs_admission
    assert mh.admissions_avoided == avoided.sum() > 0
    # the beds hold exactly the local admissions not yet discharged (with the census's delayed among them)
    in_bed = (c.mh_route == MentalHealthRoute.LOCAL_ADMISSION) & c.t_mh_discharge.isna()
    assert mh.beds.count == in_bed.sum()
    away = (c.mh_route == MentalHealthRoute.OUT_OF_AREA) & c.t_mh_discharge.isna()
    assert mh.out_of_area.count == away.sum()
    assert 0 <= mh.delayed <= mh.beds.count


def test_999_crises_are_answered_as_any_call_and_only_the_conveyed_reach_ae(town):
    c = crises(town)
    calls = c[c.entry == Entry.MENTAL_HEALTH_CALL]
    assert len(calls) > 0
    closed_by_crew = calls.end.isin([End.HEAR_AND_TREAT, End.SEE_AND_TREAT])
    assert (calls[closed_by_crew].ed_site < 0).all()
    assert (calls[calls.ed_site >= 0].end.isin([int(e) for e in CRISIS_ENDS])).all()
    assert not calls.admitted.any()  # never an acute bed


# --- no out-of-area placement while a local bed is free -------------------------------------------

def test_no_out_of_area_placement_while_a_local_bed_is_free(town):
    seen = town.placements_seen
    assert len(seen) == town.mental_health.placed_out_of_area > 0
    for count, capacity, _queue in seen:
        assert count >= capacity


# --- the bed pool against queueing theory ---------------------------------------------------------

def pool(beds: int, mean_days: float, wait_hours: float | None):
    """A psychiatric bed pool alone: ``beds`` beds, exponential stays, no delays."""
    cfg = load_config(TOWN, {"mental_health": {
        "beds_per_million": beds * 1e6 / config(TOWN).population + 0.1,
        "los_days": {"dist": "exponential", "mean": mean_days}, "delayed_discharge_share": 0.0,
        "out_of_area_after_hours": wait_hours}}).mental_health
    env = Environment()
    log = JourneyLog(capacity=1024)
    mh = MentalHealthServices(env, cfg, log, config(TOWN).population)
    assert mh.beds.capacity == beds
    return env, log, mh


def offer(env, log, mh, lam_per_day: float, mean_days: float, n: int, seed: int) -> float:
    """Poisson admissions at ``lam_per_day`` with exponential stays; returns the time of the last."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1 / lam_per_day, n)) * MINUTES_PER_DAY
    stays = rng.exponential(mean_days, n) * MINUTES_PER_DAY
    ids = log.new_block(n)
    log.t_arrival[ids] = t
    for pid, at, stay in zip(ids, t, stays):
        c = CrisisNeed(True, 0.0, 1.0, 0.0, float(stay), 0.0, float(stay))
        mh._needs[int(pid)] = c
        start_journey(env, mh._admission(SimpleNamespace(pid=int(pid)), c, None), float(at))
    return float(t[-1])


def test_beds_with_immediate_placement_are_an_erlang_loss_system():
    """Out of area at once when no bed is free: M/M/c/c, blocking by Erlang B, and by Little's law
    the mean occupied beds are the admissions taken a day times the mean stay."""
    c, a, mean_days = 10, 8.0, 5.0
    blocked, occupied, expected_occupied = [], [], []
    for seed in range(4):
        env, log, mh = pool(c, mean_days, 0.0)
        end = offer(env, log, mh, a / mean_days, mean_days, 6000, seed)
        env.run(until=end)
        j = log.frame()
        admitted = j[j.mh_route == MentalHealthRoute.LOCAL_ADMISSION]
        blocked.append(mh.placed_out_of_area / len(j))
        occupied.append(mh.beds.mean_users())
        expected_occupied.append(len(admitted) / (end / MINUTES_PER_DAY) * mean_days)
    assert np.mean(blocked) == pytest.approx(erlang_b(c, a), abs=0.015)
    assert np.mean(occupied) == pytest.approx(a * (1 - erlang_b(c, a)), rel=0.04)
    assert np.mean(occupied) == pytest.approx(np.mean(expected_occupied), rel=0.04)


def test_beds_with_no_out_of_area_are_an_erlang_delay_system():
    """Waiting for a local bed however long it takes: M/M/c, mean wait by Erlang C."""
    c, a, mean_days = 6, 4.5, 2.0
    lam = a / mean_days
    waits = []
    for seed in range(4):
        env, log, mh = pool(c, mean_days, None)
        end = offer(env, log, mh, lam, mean_days, 5000, 100 + seed)
        env.run(until=end)
        j = log.frame()
        assert mh.placed_out_of_area == 0
        got = j[j.t_mh_bed.notna()]
        arrived = np.asarray(got.index, dtype=int)
        waits.append(np.mean(got.t_mh_bed.to_numpy() - start_times(log, arrived)) / MINUTES_PER_DAY)
    assert np.mean(waits) == pytest.approx(mmc_wq(c, lam, 1 / mean_days), rel=0.12)


def start_times(log, pids):
    """When each admission was offered (kept by ``offer`` in the journey table's arrival time)."""
    return log.t_arrival[pids]


# --- the mental health trust's money ---------------------------------------------------------------

def test_the_trust_ledger_balances_to_the_penny(town):
    orgs = town.organisations
    trust, icb = orgs.mental_health_trust, orgs.icb
    ledger = trust.ledger.frame()
    c = crises(town)
    away = c[c.mh_route == MentalHealthRoute.OUT_OF_AREA]
    price = town.cfg.organisations.mental_health_trust.out_of_area_cost_per_bed_day
    factors = town.cost_factors  # the trust's prices less its cost improvement, month by month
    for m in range(town.month):
        lo, hi = town.calendar.month_starts[m], town.calendar.month_starts[m + 1]
        rows = ledger[ledger.month == m].set_index("category").amount
        # paid by the ICB what the ICB paid out to it (its contract for the month's days)
        assert rows["contract"] == pytest.approx(icb.contracts[trust.name] * (hi - lo) / MINUTES_PER_DAY
                                                 / DAYS_PER_YEAR, abs=0.005)
        # out-of-area bed-days bought: the placements' days within the month, from the journey table
        start = away.t_mh_bed.clip(lower=lo)
        stop = away.t_mh_discharge.fillna(town.env.now).clip(upper=hi)
        days = float(np.clip(stop - start, 0, None).sum()) / MINUTES_PER_DAY
        assert rows.get("non_pay", 0.0) == pytest.approx(days * price * factors[m], abs=0.005)
        assert trust.ledger.surplus(m) == pytest.approx(rows["contract"] - rows["pay"] - rows.get("non_pay", 0.0),
                                                        abs=0.005)
    assert orgs.mental_health_trust in orgs.providers


def test_without_mental_health_there_is_no_trust_and_no_crisis():
    hs = run(TOWN, {"mental_health": None}, months=1)
    assert hs.mental_health is None and hs.organisations.mental_health_trust is None
    assert crises(hs).empty
    assert not any(r[1] == "psychiatric_beds" for r in hs.census.rows)


# --- common random numbers and reproducibility ------------------------------------------------------

def test_same_seed_same_crises_and_a_scenario_meets_the_same_crises():
    a = crises(run(TOWN, PRESSED, months=2, seed=7))
    b = crises(run(TOWN, PRESSED, months=2, seed=7))
    assert a.equals(b)
    other = crises(run(TOWN, PRESSED, {"mental_health": {"admission_avoidance": 0.3}}, months=2, seed=7))
    # the same people arrive in crisis at the same times, whatever the crisis team does
    first = lambda j: j[j.entry != Entry.CRISIS_REFERRAL].t_arrival.to_numpy()  # noqa: E731
    assert np.array_equal(np.sort(first(a)), np.sort(first(other)))


def test_a_crisis_team_with_no_effect_changes_no_admission():
    """With admission_avoidance 0 (and no GP referrals, which a full team would send to A&E), the
    crisis team's size changes nothing: the same crises, admitted, placed and discharged alike."""
    base = {"mental_health": {"admission_avoidance": 0.0, "crisis_referrals_per_gp_appointment": per_band(0.0)}}
    small = crises(run(TOWN, PRESSED, base, {"mental_health": {"crisis_team_places_per_million": 0}}, months=2))
    large = crises(run(TOWN, PRESSED, base, {"mental_health": {"crisis_team_places_per_million": 2000}}, months=2))
    cols = ["entry", "t_arrival", "mh_route", "mh_needs_admission", "t_mh_bed", "t_mh_discharge", "end"]
    assert len(small) > 0 and (small.mh_route == MentalHealthRoute.LOCAL_ADMISSION).any()
    assert small[cols].equals(large[cols])
    assert not (small.mh_route == MentalHealthRoute.HOME_TREATMENT).any()


def test_more_avoidance_never_means_more_admissions():
    base = {"mental_health": {"crisis_team_places_per_million": 2000}}
    none = crises(run(TOWN, PRESSED, base, {"mental_health": {"admission_avoidance": 0.0}}, months=2))
    some = crises(run(TOWN, PRESSED, base, {"mental_health": {"admission_avoidance": 0.3}}, months=2))
    admitted = lambda j: int(j.mh_route.isin([MentalHealthRoute.LOCAL_ADMISSION, MentalHealthRoute.OUT_OF_AREA]).sum())  # noqa: E731
    assert admitted(some) < admitted(none)


# --- config validation ------------------------------------------------------------------------------

BAD = st.one_of(
    st.tuples(st.sampled_from(["admission_share", "referral_admission_share", "admission_avoidance",
                               "delayed_discharge_share"]),
              st.one_of(st.floats(max_value=-1e-9, min_value=-1e6), st.floats(min_value=1 + 1e-9, max_value=1e6))),
    st.tuples(st.sampled_from(["beds_per_million", "crisis_team_places_per_million", "out_of_area_after_hours"]),
              st.floats(max_value=-1e-9, min_value=-1e9)),
    st.tuples(st.just("acuity"), st.one_of(st.integers(max_value=0, min_value=-100), st.integers(min_value=6, max_value=100))),
    st.tuples(st.just("beds_per_million"), st.floats(min_value=1e5 + 1, max_value=1e12)),
)


@settings(max_examples=40, deadline=None)
@given(bad=BAD)
def test_bad_mental_health_values_are_refused_naming_the_field(bad):
    field, value = bad
    with pytest.raises(ConfigError) as info:
        load_config(TOWN, {"mental_health": {field: value}})
    assert any(p.startswith(f"mental_health.{field}") for p in info.value.problems), info.value.problems


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(["share_of_self_presentations", "share_of_ambulance_incidents",
                             "crisis_referrals_per_gp_appointment"]),
       band=st.sampled_from(["0-17", "18-64", "65-84", "85+"]), value=st.floats(min_value=1.0001, max_value=1e6))
def test_a_share_above_one_is_refused_naming_the_field_and_band(name, band, value):
    with pytest.raises(ConfigError) as info:
        load_config(TOWN, {"mental_health": {name: {band: value}}})
    assert any(p.startswith(f"mental_health.{name}.{band}") for p in info.value.problems), info.value.problems


def test_configs_without_mental_health_still_load():
    cfg = load_config(ROOT / "configs" / "nw_london.yaml")  # 2012: its own national defaults, no crises
    assert cfg.mental_health is None
    assert cfg.organisations is None or cfg.organisations.mental_health_trust is None
    assert load_config(TOWN).mental_health is not None


def test_the_experiment_file_loads():
    from experiments.config import load_experiment
    e = load_experiment(ROOT / "experiments" / "mental_health.yaml")
    assert set(e.configs) == {"baseline", "beds_cut", "crisis_team_cut", "invested"}
    assert e.configs["beds_cut"].mental_health.beds_per_million == 100
    assert e.configs["baseline"].mental_health.beds_per_million == 118
    assert len(e.asked) > 0


def test_the_trusts_budget_rules_cut_the_crisis_team_and_close_beds_and_log_it():
    from agents import health_system
    from agents.reporting import decision_table

    hs = health_system(load_config(TOWN), months=1)
    trust = next(o for o in hs.organisations.order if o.kind == "mental_health_trust")
    team, beds = hs.mental_health.crisis_team.capacity, hs.mental_health.beds.capacity
    trust.cut_crisis_team(-1.0, 1.0)
    trust.close_beds(-1.0, 1.0)
    assert hs.mental_health.crisis_team.capacity == int(team * (1 - trust.cfg.crisis_team_cut)) < team
    assert hs.mental_health.beds.capacity == int(beds * (1 - trust.cfg.beds_closed)) <= beds
    actions = decision_table(hs).action.tolist()
    assert "cut crisis team" in actions and "close psychiatric beds" in actions
