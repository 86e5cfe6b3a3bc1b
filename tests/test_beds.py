"""Acute beds (``sim/beds.py``): emergency stays, GP direct admissions, electives and escalation,
against their rules in docs/odd.md 3.4.7-3.4.8, 3.4.10, 3.4.12-3.4.14 and 7.10.

Wards and hand-placed patients with fixed durations first; then the whole town for conservation
(beds in use are patients in beds), Little's law and the direction of effects.
"""

from __future__ import annotations

import numpy as np
import pytest
from footprints import DAY, FIXED_DURATIONS, HOUR, NO_ORGANISATIONS, QUIET, TOWN, TWO_TOWNS, Wired, config, run

from sim.beds import Ward, next_hour
from sim.journeys import End, Entry
from sim.kpis import kpi_tables
from sim.process import Environment

LOS_DAYS, ZERO_DAY_HOURS, ELECTIVE_DAYS = 2.0, 6.0, 3.0  # FIXED_DURATIONS["beds"]
FIT_HOUR = 15.0  # discharge.fit_hour in configs/england.yaml


# The patients placed here are bed patients: a GP's direct admission is not offered a virtual ward
# instead (docs/odd.md 3.4.6 step 3, tested in test_community.py and test_diversion.py).
NOT_DIVERTED = {"community": {"divert_gp_direct_admissions": False}}


def wired(*overrides) -> Wired:
    return Wired(config(TOWN, QUIET, FIXED_DURATIONS, NOT_DIVERTED, *overrides))


def direct(w: Wired, at: float, **fields):
    """A GP direct admission (straight to a bed), going home by P0 unless told otherwise."""
    n = w.patient(at, Entry.GP_DIRECT_ADMISSION, forced_admit=True, **{"pathway": 0, "zero_day": False, "d_los": LOS_DAYS * DAY, **fields})
    w.beds.direct_admissions([at], [n])
    return n


@pytest.mark.parametrize("t, hour, expected", [
    (0.0, 15, 15 * 60.0),                   # midnight: later the same day
    (15 * 60.0, 15, 15 * 60.0),             # exactly on the hour: now
    (15 * 60.0 + 1, 15, DAY + 15 * 60.0),   # a minute late: tomorrow
    (3 * DAY + 20 * 60.0, 11, 4 * DAY + 11 * 60.0),
    (2 * DAY + 10.5 * 60, 10.75, 2 * DAY + 10.75 * 60),
])
def test_next_hour_is_the_first_time_at_or_after_t_with_that_time_of_day(t, hour, expected):
    assert next_hour(t, hour) == expected


def test_an_overnight_stay_is_fit_at_the_first_discharge_hour_after_its_clinical_stay():
    w = wired()
    n = direct(w, 9 * HOUR)  # clinical stay ends at 09:00 two days later: fit at 15:00 that day
    late = direct(w, 16 * HOUR)  # ends at 16:00 two days later: fit at 15:00 the day after
    w.run(6 * DAY)
    a, b = w.journey(n.pid), w.journey(late.pid)
    assert a.t_bed == 9 * HOUR and a.bed_site == 0 and a.admitted
    assert a.t_fit == 2 * DAY + FIT_HOUR * HOUR
    assert b.t_fit == 3 * DAY + FIT_HOUR * HOUR
    assert a.t_discharge == a.t_fit and a.end == End.DISCHARGED_P0  # P0: home at once
    assert np.isnan(a.t_ed_arrival)  # a direct admission does not pass through A&E


def test_a_zero_day_stay_is_fit_after_its_hours_whatever_the_time_of_day():
    w = wired()
    n = direct(w, 20 * HOUR, zero_day=True, d_los=ZERO_DAY_HOURS * HOUR)
    w.run(2 * DAY)
    row = w.journey(n.pid)
    assert row.t_fit == row.t_discharge == (20 + ZERO_DAY_HOURS) * HOUR


def test_the_wards_length_of_stay_multiplier_stretches_the_clinical_stay():
    w = wired()
    w.beds.wards[0].los_multiplier = 1.5
    n = direct(w, 0.0, zero_day=True, d_los=4 * HOUR)
    w.run(DAY)
    assert w.journey(n.pid).t_fit == 6 * HOUR


def test_beds_are_given_first_come_first_served_whatever_the_acuity():
    w = wired({"sites": {"city_royal": {"beds": 1, "elective_beds": 0}}})
    first = direct(w, 0.0)
    waiting = [direct(w, 1.0 + k, acuity=a) for k, a in enumerate((3, 1, 2))]
    w.run(20 * DAY)
    t_bed = [w.journey(n.pid).t_bed for n in waiting]
    assert t_bed == sorted(t_bed)
    # each takes the bed the moment the one before goes (no turnaround)
    assert t_bed[0] == w.journey(first.pid).t_discharge
    assert t_bed[1] == w.journey(waiting[0].pid).t_discharge


def test_a_bed_is_free_for_the_next_patient_only_after_its_turnaround():
    w = wired({"sites": {"city_royal": {"beds": 1, "elective_beds": 0}}})
    first = direct(w, 0.0, d_turnaround=3 * HOUR)
    second = direct(w, 1.0)
    w.run(10 * DAY)
    assert w.journey(second.pid).t_bed == w.journey(first.pid).t_discharge + 3 * HOUR


def test_a_gp_direct_admission_goes_to_the_nearest_site_with_beds():
    w = Wired(config(TWO_TOWNS, QUIET, FIXED_DURATIONS, NOT_DIVERTED))
    sites = list(w.cfg.sites)
    for locality, site in (("northfield", "north_general"), ("city_centre", "city_royal"), ("eastgate", "city_royal")):
        now = w.env.now
        n = w.patient(now, Entry.GP_DIRECT_ADMISSION, locality=w.locality[locality], forced_admit=True, pathway=0)
        w.beds.direct_admissions([now], [n])
        w.run(w.env.now + 1)
        row = w.journey(n.pid)
        assert row.bed_site >= 0 and sites[row.bed_site] == site, locality


# --- electives ---------------------------------------------------------------------------------

def test_electives_fill_ring_fenced_beds_then_general_beds_beyond_the_reserve_then_are_cancelled():
    """2 ring-fenced and 3 general beds, 1 kept for emergencies: of 6 booked, 2 go to ring-fenced
    beds, 2 to general beds (3 then 2 free, both more than 1), and 2 are cancelled."""
    w = wired({"sites": {"city_royal": {"beds": 5, "elective_beds": 2}}, "beds": {"elective_bed_reserve": 1}})
    ward = w.beds.wards[0]
    w.beds.admit_electives(ward, 6)
    j = w.log.frame()
    assert (j.entry == Entry.ELECTIVE).sum() == 6
    assert ward.elective_beds.count == 2 and ward.beds.count == 2
    assert (j.end == End.ELECTIVE_CANCELLED).sum() == 2 == ward.elective_cancelled
    assert j.admitted.sum() == 4 == ward.elective_admitted
    w.run(ELECTIVE_DAYS * DAY + 1)
    j = w.log.frame()
    stayed = j[j.admitted]
    assert (stayed.t_discharge - stayed.t_bed == ELECTIVE_DAYS * DAY).all()  # any hour, by P0
    assert (stayed.end == End.DISCHARGED_P0).all() and (stayed.pathway == 0).all()
    assert ward.elective_beds.count == ward.beds.count == 0


def test_electives_are_admitted_at_the_admission_hour_on_elective_days_only():
    hs = run(TOWN, QUIET, {"demand": {"elective_admissions_per_1000": {"0-17": 300, "18-64": 300, "65-84": 300,
                                                                      "85+": 300}},
                           "beds": {"elective_days": [1, 3], "elective_admission_hour": 9}})
    j = hs.log.frame()
    e = j[j.entry == Entry.ELECTIVE]
    assert len(e) > 200
    days = (e.t_arrival // DAY).astype(int)
    assert set(hs.calendar.weekday(d) for d in days.unique()) == {1, 3}
    assert ((e.t_arrival - days * DAY) == 9 * HOUR).all()


def test_electives_are_split_between_sites_in_proportion_to_their_beds():
    hs = run(TWO_TOWNS, QUIET, {"demand": {"elective_admissions_per_1000": {"0-17": 500, "18-64": 500,
                                                                           "65-84": 500, "85+": 500}}}, months=2)
    j = hs.log.frame()
    e = j[j.entry == Entry.ELECTIVE]
    beds = {s: site.beds for s, site in enumerate(hs.cfg.sites.values()) if site.beds}
    share = beds[0] / sum(beds.values())  # 72 of 112
    n, got = len(e), int((e.bed_site == 0).sum())
    assert n > 1000
    assert abs(got - n * share) < 4 * np.sqrt(n * share * (1 - share))


# --- escalation ----------------------------------------------------------------------------------

def test_escalation_beds_open_when_enough_wait_and_close_once_nobody_waits_and_occupancy_is_under_base():
    env = Environment()
    ward = Ward(env, 0, "w", beds=10)
    for _ in range(13):
        ward.beds.request()  # 10 in beds, 3 waiting
    ward.escalate(extra=2, trigger=4)
    assert not ward.escalated and ward.beds.capacity == 10  # 3 waiting, fewer than the trigger
    ward.beds.request()
    ward.escalate(extra=2, trigger=4)
    assert ward.escalated and ward.beds.capacity == 12 and ward.beds.count == 12
    assert ward.beds.queue_length == 2
    for _ in range(4):
        ward.beds.release()  # the 2 waiting take beds; 10 left in 12 beds
    ward.escalate(extra=2, trigger=4)
    assert ward.escalated and ward.beds.capacity == 12  # nobody waits, but occupancy is not under the base
    ward.beds.release()
    ward.escalate(extra=2, trigger=4)
    assert not ward.escalated and ward.beds.capacity == 10 and ward.beds.count == 9


def test_closing_beds_under_patients_moves_nobody_out_and_admits_nobody_until_below_the_new_size():
    env = Environment()
    ward = Ward(env, 0, "w", beds=4)
    for _ in range(9):
        ward.beds.request()
    ward.escalate(extra=4, trigger=5)
    assert (ward.beds.count, ward.beds.queue_length) == (8, 1)
    ward.resize(2)  # the trust closes two of its four base beds: 2 + 4 escalation beds open
    assert ward.beds.capacity == 6 and ward.beds.count == 8  # nobody is moved out
    ward.beds.release()
    ward.beds.release()
    assert (ward.beds.count, ward.beds.queue_length) == (6, 1)  # full at the new size: still waiting
    ward.beds.release()
    assert (ward.beds.count, ward.beds.queue_length) == (6, 0)


def test_the_midnight_check_opens_a_share_of_the_base_beds():
    w = wired({"sites": {"city_royal": {"beds": 40, "elective_beds": 0}},
               "beds": {"escalation_share": 0.12, "escalation_trigger": 3}})
    ward = w.beds.wards[0]
    for _ in range(43):
        ward.beds.request()
    w.beds.midnight_check()
    assert ward.beds.capacity == 40 + round(40 * 0.12)
    rows = w.beds.census_rows(0)
    # day, service, site, in use, open, queue, delayed, in a bed 21 days or more (0: the beds were
    # taken here without patients, so there are no occupants to count); then, with elective
    # booking (on in configs/england.yaml), the site's elective waiting list as the queue of a row
    # of its own (docs/odd.md 3.4.14)
    assert w.cfg.beds.elective_booking
    assert rows == [(0, "acute_beds", "city_royal", 43, 45, 0, 0, 0), (0, "elective_waiting_list", "city_royal", 0, 0, 0, 0)]


# --- the whole town ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def no_turnaround():
    """The town for a month with no bed turnaround, so that a bed in use is a patient in it."""
    return run(TOWN, NO_ORGANISATIONS, {"beds": {"turnaround_hours": {"dist": "fixed", "value": 0}}})


def test_patients_in_beds_equal_beds_occupied(no_turnaround):
    """Conservation: with no bed turnaround, the beds in use are exactly the journeys in a bed."""
    hs = no_turnaround
    j = hs.log.frame()
    in_bed = j[j.t_bed.notna() & j.t_discharge.isna() & (j.end == End.IN_SYSTEM)]
    assert len(in_bed) > 30
    for site, ward in hs.beds.wards.items():
        held = int((in_bed.bed_site == site).sum())
        assert held == ward.beds.count + ward.elective_beds.count, ward.name
    # everyone fit but not yet gone is a delayed discharge
    fit_waiting = in_bed[in_bed.t_fit.notna()]
    assert len(fit_waiting) == sum(w.delayed for w in hs.beds.wards.values())


def test_bed_minutes_used_are_the_minutes_patients_spent_in_beds(no_turnaround):
    """Conservation over time: the ward's own time integral of beds in use equals the sum of the
    stays in the journey table (open stays counted to now)."""
    hs = no_turnaround
    j = hs.log.frame()
    for site, ward in hs.beds.wards.items():
        stays = j[(j.bed_site == site) & j.t_bed.notna()]
        minutes = (stays.t_discharge.fillna(hs.env.now) - stays.t_bed).sum()
        span = hs.env.now
        used = (ward.beds.mean_users() + ward.elective_beds.mean_users()) * span
        assert used == pytest.approx(minutes, rel=1e-9)


def test_stays_happen_in_order_and_every_fit_patient_leaves_no_earlier_than_fit(no_turnaround):
    j = no_turnaround.log.frame()
    stays = j[j.t_bed.notna() & j.t_discharge.notna()]
    assert (stays.t_fit >= stays.t_bed).all() and (stays.t_discharge >= stays.t_fit).all()
    overnight = stays[(stays.entry != Entry.ELECTIVE) & (stays.t_fit - stays.t_bed > DAY)]
    fit_hour = (overnight.t_fit % DAY) / HOUR
    np.testing.assert_allclose(fit_hour, FIT_HOUR)


def test_beds_obey_littles_law():
    """Time-average beds in use = admissions per minute x mean minutes in a bed (L = lambda W),
    checked on the ward over three reported months with stays that straddle the edges cut to them."""
    hs = run(TOWN, NO_ORGANISATIONS, months=3)
    j = hs.log.frame()
    start, end = hs.calendar.warmup_minutes, hs.env.now
    census = hs.census.frame()
    for site, ward in hs.beds.wards.items():
        stays = j[(j.bed_site == site) & j.t_bed.notna()]
        t_in = stays.t_bed.clip(lower=start)
        t_out = stays.t_discharge.fillna(end).clip(upper=end)
        occupied_minutes = (t_out - t_in).clip(lower=0).sum()
        daily = census[(census.service == "acute_beds") & (census.site == ward.name) & (census.month >= 0)]
        # the midnight census is a sample of the same time-average (it counts beds in turnaround too)
        assert occupied_minutes / (end - start) == pytest.approx(daily.occupied.mean(), rel=0.06)


def test_more_beds_shorten_the_trolley_wait_and_lower_occupancy():
    few, more = (run(TOWN, NO_ORGANISATIONS, {"sites": {"city_royal": {"beds": b}}}) for b in (60, 90))
    k_few, k_more = kpi_tables(few)[2], kpi_tables(more)[2]
    assert k_more["trolley_wait_mean_hours"] < k_few["trolley_wait_mean_hours"]
    assert k_more["bed_occupancy_midnight"] < k_few["bed_occupancy_midnight"]
    assert k_more["elective_cancelled_share"] <= k_few["elective_cancelled_share"]
