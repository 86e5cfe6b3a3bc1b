"""General practice (``sim/primary_care.py``): daily slots, the first-come-first-served booking
queue, urgent requesters who go to A&E instead, and consultation outcomes, against docs/odd.md
3.4.1 and 7.4.

The practices are built alone from the town's config (they need only the population and the
calendar) and driven a day at a time; then the whole town for the journeys the GPs start.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, HOUR, NO_ORGANISATIONS, TOWN, config, run

from sim.calendar import Calendar
from sim.config import AGE_BANDS
from sim.journeys import Entry
from sim.kpis import kpi_tables
from sim.population import Cells
from sim.primary_care import GpOutcome, PrimaryCare

FLAT_WEEK = {"demand": {"gp_profile": {"day_of_week": [1.0] * 7}}}


def practices(*overrides, months: int = 1) -> PrimaryCare:
    cfg = config(TOWN, NO_ORGANISATIONS, *overrides)
    return PrimaryCare(cfg, Cells.from_config(cfg), Calendar(cfg.run, months))


def run_days(pc: PrimaryCare, days: int, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [pc.day(d, rng) for d in range(days)]


def test_a_locality_has_its_gps_and_other_staffs_appointments_each_working_day():
    cfg = config(TOWN)
    pc = practices()
    care = cfg.primary_care
    for li, locality in enumerate(cfg.localities.values()):
        people = sum(locality.population[b] for b in AGE_BANDS)
        expected = people / 1000 * (care.gp_fte_per_1000 * care.appointments_per_gp_fte_per_day
                                    + care.other_staff_appointments_per_1000_per_day)
        assert pc.slots(li) == pytest.approx(expected)


@pytest.mark.parametrize("day, position, per_day, offered", [
    (0, 0, 10, 0),      # day 0 is a Monday: the first ten are offered today
    (0, 9, 10, 0),
    (0, 10, 10, 1),     # the eleventh, tomorrow
    (0, 49, 10, 4),     # the fiftieth, on Friday
    (0, 50, 10, 7),     # then the next Monday
    (5, 0, 10, 7),      # asked on a Saturday: Monday
    (6, 15, 10, 8),     # asked on a Sunday, sixteenth in the queue: Tuesday
    (3, 25, 10, 7),     # asked on a Thursday, twenty-sixth: Thursday, Friday, then Monday
])
def test_a_request_is_offered_the_working_day_its_place_in_the_queue_reaches(day, position, per_day, offered):
    pc = practices()
    assert pc.calendar.weekday(0) == 0  # the town's warm-up starts on a Monday
    assert pc._offered_day(day, np.array([position]), per_day)[0] == offered


def test_practices_serve_their_slots_in_request_order_on_working_days_only():
    pc = practices(FLAT_WEEK, {"primary_care": {"gp_fte_per_1000": 0.1, "other_staff_appointments_per_1000_per_day": 1.0,
                                                "urgent_share": 0.0}})
    days = 21
    run_days(pc, days)
    a = pc.log.frame()
    for li in range(len(pc.queues)):
        mine = a[a.locality == li]
        served = mine[mine.served_day >= 0]
        assert served.served_day.is_monotonic_increasing  # first come, first served
        assert (served.served_day >= served.request_day).all()
        per_day = served.groupby("served_day").size().reindex(range(days), fill_value=0)
        slots = pc.slots(li)
        for d, n in per_day.items():
            if pc.calendar.weekday(d) >= 5:
                assert n == 0, d
            else:  # demand far above the slots: every slot is used, a whole number a day
                assert n in (int(slots), int(slots) + 1), (d, n, slots)
        assert pc.backlog() > 0


def test_with_slots_to_spare_a_request_is_served_on_its_day_or_the_next_working_day():
    pc = practices(FLAT_WEEK, {"primary_care": {"gp_fte_per_1000": 100.0}})
    run_days(pc, 15)  # two weeks from a Monday, and the Monday after
    a = pc.log.frame()
    weekday = np.array([pc.calendar.weekday(d) for d in a.request_day])
    expected = np.where(weekday == 5, a.request_day + 2, np.where(weekday == 6, a.request_day + 1, a.request_day))
    assert (a.served_day.to_numpy() == expected).all()
    assert pc.backlog() == 0


def test_urgent_requesters_offered_too_long_a_wait_go_to_ae_and_are_never_served():
    pc = practices(FLAT_WEEK, {"primary_care": {"gp_fte_per_1000": 0.05, "other_staff_appointments_per_1000_per_day": 1.0,
                                                "urgent_share": 0.5, "urgent_tolerance_days": 2,
                                                "urgent_to_ae_share": 1.0}})
    went = [w for _, _, w in run_days(pc, 21)]
    a = pc.log.frame()
    gave_up = a.outcome == GpOutcome.WENT_TO_AE_INSTEAD
    assert gave_up.sum() == sum(len(w) for w in went) > 100
    assert (a[gave_up].urgent).all() and (a[gave_up].served_day == -1).all()
    assert (a[gave_up].offered_day - a[gave_up].request_day > 2).all()
    # urgent requests offered a slot within the tolerance, and every routine one, stay in the queue
    kept = a[~gave_up]
    assert ((kept.offered_day - kept.request_day <= 2) | ~kept.urgent).all()


def test_consultation_outcomes_come_in_the_configured_shares_and_those_sent_on_are_returned():
    shares = {"consultation_to_ae_share": 0.05, "consultation_to_direct_admission_share": 0.03,
              "consultation_to_community_share": 0.1, "consultation_to_elective_referral_share": 0.2}
    pc = practices(FLAT_WEEK, {"primary_care": {**shares, "gp_fte_per_1000": 100.0}})
    days = run_days(pc, 28)
    a = pc.log.frame()
    served = a[a.served_day >= 0]
    n = len(served)
    assert n > 10_000
    for outcome, share in ((GpOutcome.SENT_TO_AE, 0.05), (GpOutcome.ADMITTED_DIRECT, 0.03),
                           (GpOutcome.REFERRED_COMMUNITY, 0.1), (GpOutcome.REFERRED_ELECTIVE, 0.2),
                           (GpOutcome.RESOLVED, 0.62)):
        got = int((served.outcome == outcome).sum())
        assert abs(got - n * share) < 4 * np.sqrt(n * share * (1 - share)), outcome
    # the people sent to A&E and admitted are handed back as their population cells
    sent = np.concatenate([s for s, _, _ in days])
    direct = np.concatenate([d for _, d, _ in days])
    assert len(sent) == (served.outcome == GpOutcome.SENT_TO_AE).sum()
    assert len(direct) == (served.outcome == GpOutcome.ADMITTED_DIRECT).sum()
    to_ae = served[served.outcome == GpOutcome.SENT_TO_AE].sort_values(["served_day", "locality"], kind="stable")
    cells = Cells.index(to_ae.locality, to_ae.age_band, to_ae.frail)
    assert sorted(sent.tolist()) == sorted(cells.tolist())


def test_more_gps_mean_shorter_waits():
    waits = []
    for fte in (0.3, 0.6):
        pc = practices({"primary_care": {"gp_fte_per_1000": fte}})
        run_days(pc, 42)
        a = pc.log.frame()
        served = a[a.served_day >= 0]
        waits.append((served.served_day - served.request_day).mean())
    assert waits[1] < waits[0]


# --- the whole town -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def town_month():
    """The town for a month with too few GPs, so that some requests wait and some go to A&E."""
    return run(TOWN, NO_ORGANISATIONS, {"primary_care": {"gp_fte_per_1000": 0.3}})


def test_every_gp_request_is_served_waiting_or_went_elsewhere(town_month):
    hs = town_month
    a = hs.primary_care.log.frame()
    assert len(a) > 20_000
    waiting = (a.outcome == GpOutcome.WAITING).sum()
    assert waiting > 0 and (a.outcome == GpOutcome.WENT_TO_AE_INSTEAD).sum() > 0
    assert waiting == hs.primary_care.backlog()
    served = a.served_day >= 0
    assert (a.loc[served, "served_day"] >= a.loc[served, "request_day"]).all()
    assert (a.loc[served, "outcome"] != GpOutcome.WENT_TO_AE_INSTEAD).all()
    assert (a.loc[~served, "outcome"].isin([GpOutcome.WAITING, GpOutcome.WENT_TO_AE_INSTEAD])).all()
    went = a.outcome == GpOutcome.WENT_TO_AE_INSTEAD
    assert (a.loc[went, "served_day"] == -1).all()


@pytest.mark.parametrize("outcome, entry, hours", [
    (GpOutcome.SENT_TO_AE, Entry.GP_REFERRAL, (9, 18)),
    (GpOutcome.ADMITTED_DIRECT, Entry.GP_DIRECT_ADMISSION, (10, 19)),
    (GpOutcome.WENT_TO_AE_INSTEAD, Entry.GP_WAIT_TOO_LONG, (9, 21)),
])
def test_every_patient_a_gp_sends_on_arrives_once_that_day_in_the_hours_for_their_route(town_month, outcome, entry,
                                                                                        hours):
    hs = town_month
    a = hs.primary_care.log.frame()
    j = hs.log.frame()
    arrived = j[j.entry == entry]
    day_of = a.served_day if outcome != GpOutcome.WENT_TO_AE_INSTEAD else a.request_day
    sent_per_day = day_of[a.outcome == outcome].value_counts().sort_index()
    arrived_per_day = (arrived.t_arrival // DAY).astype(int).value_counts().sort_index()
    assert len(arrived) > 0 and arrived_per_day.to_dict() == sent_per_day.to_dict()
    hour = (arrived.t_arrival % DAY) / HOUR
    assert ((hour >= hours[0]) & (hour < hours[1])).all()
    if entry == Entry.GP_DIRECT_ADMISSION:
        assert arrived.t_ed_arrival.isna().all() and arrived.admitted.all()
    else:  # walk-ins: at A&E or an urgent care centre from their arrival (after triage at type 1)
        there = arrived[arrived.end != -1]
        assert (there.t_ed_arrival >= there.t_arrival).all() and (there.ed_site.ge(0) | there.ucc_site.ge(0)).all()


def test_the_gp_kpis_measure_the_requests_of_the_reported_month(town_month):
    summary = kpi_tables(town_month)[2]
    a = town_month.primary_care.log.frame()
    reported = a[a.request_day * DAY >= town_month.calendar.warmup_minutes]
    served = reported[reported.served_day >= 0]
    assert summary["gp_wait_mean_days"] == pytest.approx((served.served_day - served.request_day).mean())
