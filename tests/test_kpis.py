"""The KPI definitions (``sim/kpis.py``, docs/odd.md 4.11), each checked on a small hand-built
journey table, GP request table or census whose answer is worked out by hand; then the slicing
of a real run into months and sites.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from footprints import DAY, NO_ORGANISATIONS, TWO_TOWNS, run
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.census import COLUMNS as CENSUS_COLUMNS
from sim.journeys import End, Entry, JourneyLog
from sim.kpis import (
    format_kpi,
    kpi_tables,
    locality_kpis,
    mark_readmissions,
    measure,
    place_summaries,
    rtt_events,
    site_kpis,
    tables_for_kpis,
)
from sim.primary_care import AppointmentLog, GpOutcome, tally_requests
from sim.tally import Rate, mean, share

HOUR = 60.0
PEOPLE, DAYS = 10_000.0, 30.0
PER_1000_YEAR = 1000 / PEOPLE * 365.25 / DAYS  # one journey in the slice, as a rate per 1,000 a year
END = 40 * DAY  # the time the tables are measured at


def journeys(*rows: dict) -> pd.DataFrame:
    """A journey table of the given rows (every other column at its fill value), readmissions marked."""
    log = JourneyLog(capacity=max(len(rows), 1))
    ids = log.new_block(len(rows))
    for pid, row in zip(ids, rows):
        for name, value in row.items():
            getattr(log, name)[pid] = value
    return mark_readmissions(log.frame())


def requests(*rows: dict) -> pd.DataFrame:
    log = AppointmentLog(capacity=max(len(rows), 1))
    ids = log.new_block(len(rows))
    for rid, row in zip(ids, rows):
        for name, value in row.items():
            getattr(log, name)[rid] = value
    return tally_requests(log.frame(), np.zeros(len(rows)))  # all in month 0


def census(*rows: tuple) -> pd.DataFrame:
    """A census of the given rows; a row without the last columns counts 0 in them, as in
    ``Census.frame`` (only acute beds report their 21-day stays)."""
    width = len(CENSUS_COLUMNS)
    return pd.DataFrame([r + (0,) * (width - len(r)) for r in rows], columns=CENSUS_COLUMNS)


NO_REQUESTS, NO_CENSUS = requests(), census()


def kpis(j=None, appts=NO_REQUESTS, counts=NO_CENSUS) -> dict[str, float]:
    return measure(journeys() if j is None else j, appts, counts, PEOPLE, DAYS, END)


def attendance(arrive: float, minutes: float | None, type1: bool = True, **extra) -> dict:
    """An A&E attendance arriving at ``arrive`` and leaving ``minutes`` later (None: still there)."""
    row = {"entry": Entry.SELF_PRESENTED, "t_arrival": arrive, "t_ed_arrival": arrive,
           ("ed_site" if type1 else "ucc_site"): 0}
    if minutes is not None:
        row["t_ed_departure"] = arrive + minutes
    return {**row, **extra}


# --- A&E ----------------------------------------------------------------------------------------------

def test_four_hour_performance_counts_leaving_within_four_hours_and_a_patient_still_there_by_time_so_far():
    j = journeys(
        attendance(0.0, 3 * HOUR),                   # type 1, in time
        attendance(0.0, 4 * HOUR),                   # type 1, exactly four hours: in time
        attendance(0.0, 5 * HOUR),                   # type 1, late
        attendance(END - 3.5 * HOUR, None),          # type 1, still there after 3.5 hours: in time so far
        attendance(END - 6 * HOUR, None),            # type 1, still there after 6 hours: late
        attendance(0.0, 1 * HOUR, type1=False),      # urgent care centre, in time
        {"entry": Entry.AMBULANCE_CALL, "t_arrival": 0.0, "end": End.SEE_AND_TREAT},  # never at A&E
    )
    k = kpis(j)
    assert k["ae_4h_type1"] == pytest.approx(3 / 5)
    assert k["ae_4h_all_types"] == pytest.approx(4 / 6)
    assert k["ae_attendances_per_1000"] == pytest.approx(6 * PER_1000_YEAR)
    assert k["ae_type1_attendances_per_1000"] == pytest.approx(5 * PER_1000_YEAR)


def test_twelve_hour_share_is_of_type_1_attendances_more_than_twelve_hours_in_ae():
    j = journeys(attendance(0.0, 12 * HOUR), attendance(0.0, 12 * HOUR + 1), attendance(END - 13 * HOUR, None),
                 attendance(0.0, 20 * HOUR, type1=False))
    assert kpis(j)["ae_12h_from_arrival_share"] == pytest.approx(2 / 3)


def test_admitted_and_corridor_shares_and_time_to_treatment_are_over_type_1_attendances():
    j = journeys(
        attendance(0.0, 60, acuity=1, t_seen=10.0, admitted=True, corridor=True),
        attendance(0.0, 60, acuity=2, t_seen=30.0),
        attendance(0.0, 60, acuity=3, t_seen=500.0),          # not urgent: left out of time to treatment
        attendance(0.0, 60, acuity=1, t_seen=5.0, type1=False, admitted=True),
    )
    k = kpis(j)
    assert k["ae_type1_admitted_share"] == pytest.approx(1 / 3)
    assert k["ae_corridor_care_share"] == pytest.approx(1 / 3)
    assert k["time_to_treatment_urgent_minutes"] == pytest.approx((10 + 30) / 2)


def test_trolley_waits_run_from_the_decision_to_admit_to_leaving_ae():
    j = journeys(
        attendance(0.0, 10 * HOUR, admitted=True, t_decision=2 * HOUR),          # 8 hours
        attendance(0.0, 16 * HOUR, admitted=True, t_decision=3 * HOUR),          # 13 hours
        attendance(END - 20 * HOUR, None, admitted=True, t_decision=END - 14 * HOUR),  # 14 hours so far
        attendance(0.0, 5 * HOUR, t_decision=4 * HOUR),                          # not admitted
    )
    k = kpis(j)
    assert k["trolley_wait_mean_hours"] == pytest.approx((8 + 13 + 14) / 3)
    assert k["trolley_waits_12h_per_1000"] == pytest.approx(2 * PER_1000_YEAR)


def test_travel_to_ae_is_the_mean_over_those_who_came_themselves():
    j = journeys(attendance(0.0, 60, travel_minutes=10.0), attendance(0.0, 60, travel_minutes=20.0),
                 attendance(0.0, 60, type1=False, travel_minutes=3.0), attendance(0.0, 60))
    assert kpis(j)["ae_travel_minutes_mean"] == pytest.approx(11.0)


# --- ambulance ------------------------------------------------------------------------------------------

def call(category: int, response: float | None, **extra) -> dict:
    row = {"entry": Entry.AMBULANCE_CALL, "category": category, "t_arrival": 100.0}
    if response is not None:
        row["t_response"] = 100.0 + response
    return {**row, **extra}


def test_ambulance_response_and_call_outcome_shares():
    j = journeys(
        call(1, 6.0, end=End.SEE_AND_TREAT),
        call(1, 10.0, t_ed_arrival=200.0, t_handover=215.0, ed_site=0, conveyance_minutes=12.0),
        call(2, 30.0, t_ed_arrival=300.0, t_handover=400.0, ed_site=0, conveyance_minutes=20.0),
        call(2, 50.0, end=End.SEE_AND_TREAT),
        call(3, None, end=End.HEAR_AND_TREAT),
    )
    k = kpis(j)
    assert k["ambulance_incidents_per_1000"] == pytest.approx(5 * PER_1000_YEAR)
    assert k["ambulance_cat1_mean_minutes"] == pytest.approx(8.0)
    assert k["ambulance_cat2_mean_minutes"] == pytest.approx(40.0)
    assert k["ambulance_conveyed_share"] == pytest.approx(2 / 5)
    assert k["ambulance_see_and_treat_share"] == pytest.approx(2 / 5)
    assert k["ambulance_hear_and_treat_share"] == pytest.approx(1 / 5)
    assert k["conveyance_minutes_mean"] == pytest.approx(16.0)


def test_handover_delay_runs_from_arrival_at_ae_to_handover_and_counts_hours_beyond_fifteen_minutes():
    j = journeys(*[call(2, 10.0, t_ed_arrival=200.0, t_handover=200.0 + h, ed_site=0) for h in (10, 15, 45, 75)],
                 call(2, 10.0, t_ed_arrival=END - 5, ed_site=0))  # still waiting to hand over
    k = kpis(j)
    assert k["handover_mean_minutes"] == pytest.approx((10 + 15 + 45 + 75) / 4)
    assert k["handover_over_60min_share"] == pytest.approx(1 / 4)
    assert k["handover_hours_lost_per_1000"] == pytest.approx((0 + 0 + 30 + 60) / 60 * PER_1000_YEAR)


def test_ambulance_kpis_are_missing_not_zero_when_there_were_no_calls():
    k = kpis(journeys(attendance(0.0, 60)))
    assert math.isnan(k["ambulance_cat1_mean_minutes"]) and math.isnan(k["ambulance_conveyed_share"])
    assert k["ambulance_incidents_per_1000"] == 0


# --- beds ------------------------------------------------------------------------------------------------

def stay(entry: Entry, t_bed: float, los_days: float, pathway: int = 0, delay_days: float = 0.0, **extra) -> dict:
    fit = t_bed + (los_days - delay_days) * DAY
    return {"entry": entry, "t_arrival": t_bed - 60, "admitted": True, "t_bed": t_bed, "t_fit": fit,
            "t_discharge": t_bed + los_days * DAY, "pathway": pathway, "end": End.DISCHARGED_P0 + pathway,
            "t_end": t_bed + los_days * DAY, **extra}


def test_emergency_admissions_leave_out_electives_and_diverted_patients_and_stays_are_bed_to_discharge():
    j = journeys(
        stay(Entry.SELF_PRESENTED, 0.0, 0.25),                         # zero-day
        stay(Entry.AMBULANCE_CALL, 0.0, 3.0, pathway=2, delay_days=1.5),
        stay(Entry.GP_DIRECT_ADMISSION, 0.0, 6.0, pathway=3, delay_days=2.0),
        stay(Entry.ELECTIVE, 0.0, 2.0),                                # elective: not an emergency admission
        {"entry": Entry.SELF_PRESENTED, "t_arrival": 0.0, "admitted": True, "diverted": True},
        {"entry": Entry.READMISSION, "t_arrival": 0.0, "admitted": True},  # waiting for a bed
    )
    k = kpis(j)
    assert k["emergency_admissions_per_1000"] == pytest.approx(4 * PER_1000_YEAR)
    assert k["emergency_zero_day_share"] == pytest.approx(1 / 3)
    assert k["emergency_los_mean_days"] == pytest.approx((0.25 + 3 + 6) / 3)
    assert k["emergency_los_overnight_mean_days"] == pytest.approx(4.5)
    assert k["delayed_discharge_bed_days_per_1000"] == pytest.approx((1.5 + 2.0) * PER_1000_YEAR)
    assert k["elective_admissions_per_1000"] == pytest.approx(1 * PER_1000_YEAR)


def test_elective_cancellations_are_a_share_of_electives_booked():
    j = journeys(stay(Entry.ELECTIVE, 0.0, 2.0), stay(Entry.ELECTIVE, 0.0, 1.0),
                 {"entry": Entry.ELECTIVE, "t_arrival": 0.0, "end": End.ELECTIVE_CANCELLED},
                 {"entry": Entry.ELECTIVE, "t_arrival": 0.0, "end": End.ELECTIVE_CANCELLED})
    k = kpis(j)
    assert k["elective_cancelled_share"] == pytest.approx(0.5)
    assert k["elective_admissions_per_1000"] == pytest.approx(2 * PER_1000_YEAR)


def test_bed_occupancy_and_delays_come_from_the_midnight_census_summed_over_sites():
    counts = census(
        # day, service, site, occupied, open, queue, delayed, in a bed 21 days or more
        (0, "acute_beds", "a", 90, 100, 0, 4, 9), (0, "acute_beds", "b", 50, 50, 2, 6, 5),    # 140/150 = 93.3%
        (1, "acute_beds", "a", 80, 100, 0, 2, 10), (1, "acute_beds", "b", 40, 50, 0, 3, 2),   # 120/150 = 80%
        (2, "acute_beds", "a", 100, 100, 3, 5, 20), (2, "acute_beds", "b", 48, 50, 0, 5, 17), # 148/150 = 98.7%
        # each site's elective waiting list: its queue, nothing occupied or open
        (0, "elective_waiting_list", "a", 0, 0, 7), (0, "elective_waiting_list", "b", 0, 0, 3),
        (1, "elective_waiting_list", "a", 0, 0, 5), (1, "elective_waiting_list", "b", 0, 0, 1),
        (2, "elective_waiting_list", "a", 0, 0, 8), (2, "elective_waiting_list", "b", 0, 0, 0),
        (0, "home_care", "ics", 9, 10, 1, 0), (1, "home_care", "ics", 10, 10, 3, 0),
        (0, "ambulances", "ics", 2, 4, 0, 0), (1, "ambulances", "ics", 0, 4, 0, 0),
    )
    k = kpis(counts=counts)
    assert k["bed_occupancy_midnight"] == pytest.approx((140 / 150 + 120 / 150 + 148 / 150) / 3)
    assert k["bed_days_over_92pct_share"] == pytest.approx(2 / 3)
    assert k["bed_days_over_95pct_share"] == pytest.approx(1 / 3)
    assert k["delayed_discharges_midnight"] == pytest.approx((10 + 5 + 10) / 3)
    assert k["delayed_discharge_share_of_beds"] == pytest.approx((10 + 5 + 10) / 150 / 3)
    assert k["long_stay_21d_share_of_beds"] == pytest.approx((14 / 140 + 12 / 120 + 37 / 148) / 3)
    assert k["elective_waiting_list_mean"] == pytest.approx((10 + 6 + 8) / 3)
    assert k["home_care_utilisation"] == pytest.approx(0.95) and k["home_care_queue_mean"] == pytest.approx(2.0)
    assert k["ambulances_utilisation"] == pytest.approx(0.25)
    assert math.isnan(k["care_homes_utilisation"])  # not counted: missing, not zero


# --- readmissions and harm --------------------------------------------------------------------------------

def test_readmissions_are_counted_over_discharges_whose_thirty_days_have_run():
    early, late = 2 * DAY, END - 10 * DAY
    j = journeys(
        stay(Entry.SELF_PRESENTED, 0.0, 1.0),                       # 0: readmitted (by 4)
        stay(Entry.SELF_PRESENTED, 0.0, 1.0),                       # 1: not readmitted
        stay(Entry.AMBULANCE_CALL, late - DAY, 1.0),                # 2: discharged in the last 30 days: not judged
        {"entry": Entry.SELF_PRESENTED, "t_arrival": 0.0, "end": End.VIRTUAL_WARD_COMPLETED, "t_end": early,
         "diverted": True, "admitted": True, "care_adequate": False},  # 3: completed a virtual ward stay
        {"entry": Entry.READMISSION, "t_arrival": 5 * DAY, "previous": 0, "admitted": True},  # 4
        stay(Entry.ELECTIVE, 0.0, 1.0),                             # 5: electives are not judged
    )
    assert j.readmitted.tolist() == [True, False, False, False, False, False]
    k = kpis(j)
    assert k["readmission_30day_share"] == pytest.approx(1 / 3)  # journeys 0, 1 and 3
    assert k["discharged_without_needed_care"] == 1
    assert k["diverted_to_virtual_ward"] == 1


# --- GP ------------------------------------------------------------------------------------------------------

def test_gp_waits_are_request_to_served_days_of_requests_served():
    appts = requests(
        {"request_day": 0, "served_day": 0, "outcome": GpOutcome.RESOLVED},
        {"request_day": 0, "served_day": 3, "outcome": GpOutcome.SENT_TO_AE},
        {"request_day": 1, "served_day": 21, "outcome": GpOutcome.RESOLVED},
        {"request_day": 2, "outcome": GpOutcome.WENT_TO_AE_INSTEAD},
        {"request_day": 2},  # still waiting
    )
    k = kpis(appts=appts)
    assert k["gp_appointments_per_1000"] == pytest.approx(3 * PER_1000_YEAR)
    assert k["gp_wait_mean_days"] == pytest.approx((0 + 3 + 20) / 3)
    assert k["gp_seen_within_14_days_share"] == pytest.approx(2 / 3)
    assert k["gp_went_to_ae_instead_per_1000"] == pytest.approx(1 * PER_1000_YEAR)


@pytest.mark.parametrize("value, fmt, text", [(0.8123, "{:.1%}", "81.2%"), (float("nan"), "{:.0f}", "-"),
                                              (None, "{:.0f}", "-"), (12.4, "{:.0f}", "12")])
def test_a_kpi_is_printed_in_its_format_and_a_missing_one_as_a_dash(value, fmt, text):
    assert format_kpi(fmt, value) == text


# --- slicing a run -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_months():
    return run(TWO_TOWNS, NO_ORGANISATIONS, months=2)


def test_each_journey_counts_in_the_month_it_began_and_the_warm_up_in_none(two_months):
    hs = two_months
    monthly, _, summary = kpi_tables(hs)
    j, _, _ = tables_for_kpis(hs)
    cal = hs.calendar
    starts = cal.month_starts
    for m, label in enumerate(cal.month_labels):
        began = j[(j.t_arrival >= starts[m]) & (j.t_arrival < starts[m + 1])]
        days = (starts[m + 1] - starts[m]) / DAY
        rate = monthly[(monthly.month == label) & (monthly.kpi == "ae_attendances_per_1000")].value.item()
        assert rate == pytest.approx(began.t_ed_arrival.notna().sum() * 1000 / hs.cfg.population * 365.25 / days)
    # a rate over the whole period is the months' rates weighted by their days
    days = np.diff(starts) / DAY
    for kpi in ("ae_attendances_per_1000", "ambulance_incidents_per_1000", "emergency_admissions_per_1000"):
        rates = [monthly[(monthly.month == label) & (monthly.kpi == kpi)].value.item() for label in cal.month_labels]
        assert summary[kpi] == pytest.approx(np.dot(rates, days) / days.sum()), kpi
    assert (j.month == -1).sum() > 0  # the warm-up's journeys are in the table, in no month


def test_a_site_measures_the_journeys_that_used_its_ae_urgent_care_centre_or_beds(two_months):
    hs = two_months
    _, by_site, _ = kpi_tables(hs)
    j, _, _ = tables_for_kpis(hs)
    label = hs.calendar.month_labels[0]
    jm = j[j.month == 0]
    for s, site in enumerate(hs.site_names):
        rows = by_site[(by_site.site == site) & (by_site.month == label)].set_index("kpi").value
        used = jm[(jm.ed_site == s) | (jm.ucc_site == s) | (jm.bed_site == s)]
        if len(used) == 0:
            assert rows.empty, site  # the ambulance station sees no patient
            continue
        # what happens in its A&E and beds, and since issue 11 to its patients (deaths within 30 days,
        # in hospital and from delay, harm), its transfers, divert and long stays; never rates per
        # 1,000 of a population it has not got, nor GP, ambulance response or community KPIs; its A&E's
        # mental health crises (mh_ae_), not the mental health trust's beds
        assert set(rows.index) == {k for k in rows.index if k.startswith(("ae_", "handover", "bed_", "delayed",
                                                                          "emergency_", "elective_", "trolley",
                                                                          "time_to_treatment", "deaths_30d",
                                                                          "in_hospital_deaths", "deaths_from_delay",
                                                                          "harm_events", "transfers",
                                                                          "ambulance_divert", "long_stay", "rtt_",
                                                                          "mh_ae_"))}
        assert not any("per_1000_population" in k for k in rows.index)
        at_ae = used[used.t_ed_arrival.notna()]
        days = (hs.calendar.month_starts[1] - hs.calendar.month_starts[0]) / DAY
        assert rows["ae_attendances_per_1000"] == pytest.approx(len(at_ae) * 1000 / hs.cfg.population * 365.25 / days)
        # deaths in hospital or on a virtual ward among the journeys that used the site
        assert rows["in_hospital_deaths"] == used.end.isin([End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD]).sum()
    assert set(by_site.site) == {"city_royal", "north_general", "eastgate_utc"}
    month = by_site[by_site.month == label]
    assert month[month.kpi == "in_hospital_deaths"].value.sum() > 0  # the death counts above were not all 0


def test_a_site_without_a_type_1_ae_reports_no_type_1_attendances(two_months):
    hs = two_months
    _, by_site, _ = kpi_tables(hs)
    j, _, _ = tables_for_kpis(hs)
    utc = hs.site_names.index("eastgate_utc")
    assert ((j.ucc_site == utc) & (j.ed_site >= 0)).any()  # it did send patients on
    rows = by_site[by_site.site == "eastgate_utc"].set_index(["month", "kpi"]).value
    assert (rows.xs("ae_type1_attendances_per_1000", level="kpi") == 0).all()
    # every type 1 attendance counts at exactly one site: the sites' daily counts add up to the footprint's
    monthly, _, _ = kpi_tables(hs)
    sites = by_site[by_site.kpi == "ae_type1_attendances_per_day"].groupby("month").value.sum()
    ics = monthly[monthly.kpi == "ae_type1_attendances_per_day"].set_index("month").value
    np.testing.assert_allclose(sites.loc[ics.index].to_numpy(), ics.to_numpy(), rtol=1e-9)


# --- the whole period from its months -----------------------------------------------------------------

def _close(a: dict, b: dict) -> list[str]:
    """KPIs of ``a`` and ``b`` that differ beyond summation order (1e-12 relative)."""
    return [k for k in a if not (math.isnan(a[k]) and math.isnan(b[k])) and not math.isclose(a[k], b[k], rel_tol=1e-12)]


def test_the_summary_is_the_whole_reported_period_measured_at_once(two_months):
    """The summary adds the months' tallies; measuring all the reported journeys, GP requests and
    census at once (the definition) must give the same values."""
    hs = two_months
    j, appts, census = tables_for_kpis(hs)
    days = (hs.env.now - hs.calendar.warmup_minutes) / DAY
    ev = rtt_events(hs)
    whole = measure(j[j.month >= 0], appts[appts.month >= 0], census[census.month >= 0], float(hs.cfg.population),
                    days, hs.env.now, ev[ev.month >= 0])
    summary = kpi_tables(hs)[2].to_dict()
    assert set(summary) == set(whole) and not _close(whole, summary)
    assert summary["ae_attendances_per_1000"] > 0 and not math.isnan(summary["ae_4h_type1"])


def test_places_over_the_period_are_their_journeys_measured_at_once(two_months):
    hs = two_months
    j, _, census = tables_for_kpis(hs)
    j, census = j[j.month >= 0], census[census.month >= 0]
    days = (hs.env.now - hs.calendar.warmup_minutes) / DAY
    people, end = float(hs.cfg.population), hs.env.now
    places = place_summaries(hs)
    ev = rtt_events(hs)
    for s, name in enumerate(hs.site_names):
        want = site_kpis(j, census, s, name, people, days, end, ev[ev.month >= 0])
        assert (f"site:{name}" in places) == bool(want)
        if want:
            assert not _close(want, places[f"site:{name}"])
    residents = np.bincount(hs.cells.locality, weights=hs.cells.people, minlength=len(hs.cfg.localities))
    for i, name in enumerate(hs.cfg.localities):
        want = locality_kpis(j[j.locality == i], float(residents[i]), days, end)
        got = places[f"locality:{name}"]
        assert not _close(want, got)
        assert got["ambulance_response_p90_minutes"] == want["ambulance_response_p90_minutes"]  # centiles: exact


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.booleans()), max_size=30), st.integers(0, 30))
def test_a_tally_split_anywhere_adds_up_to_the_whole(rows, cut):
    """Shares, means and rates of two slices added are those of the slices taken together."""
    x = np.array([r[0] for r in rows], dtype=float)
    mask = np.array([r[1] for r in rows], dtype=bool)
    cut = min(cut, len(rows))
    for part in (tally_share, tally_mean):
        whole = part(x, mask)
        halves = part(x[:cut], mask[:cut]) + part(x[cut:], mask[cut:])
        assert (math.isnan(whole.value()) and math.isnan(halves.value())) or math.isclose(
            whole.value(), halves.value(), rel_tol=1e-12)
    rate = Rate(1000 / 500 * 365.25, 10.0)
    assert math.isclose((len(x[:cut]) * rate + len(x[cut:]) * Rate(rate.scale, 5.0)).value(),
                        len(x) * 1000 / 500 * 365.25 / 15.0, rel_tol=1e-12)


def tally_share(x, mask):
    return share(mask)


def tally_mean(x, mask):
    return mean(np.where(mask, x, np.nan))


def test_a_stock_is_the_latest_measured_and_a_total_is_missing_only_if_never_counted():
    from sim.tally import Latest, Total

    assert (Latest(3, 10.0) + Latest(30, 7.0) + Latest(-1, math.nan)).value() == 7.0
    assert math.isnan(Latest(-1, 0.0).value())
    assert (Total(0.0, defined=False) + Total(5.0)).value() == 5.0
    assert math.isnan((Total(0.0, defined=False) + Total(0.0, defined=False)).value())
