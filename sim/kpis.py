"""Key performance indicators, computed from the run's tables the way NHS England publishes them.

Every KPI is computed by one function, ``measure``, over a slice of the tables (a month, a site,
or the whole reported period after the warm-up), so the monthly series, the per-site series and
the summary can never disagree on a definition. Definitions:

- A&E 4-hour performance: share of attendances (type 1 and type 3, or type 1 only) that left A&E
  within 4 hours of arrival; a patient still in A&E at the end of the run counts by time so far.
- 12-hour waits from arrival: share of type 1 attendances in A&E for more than 12 hours.
- Ambulance response: call to arrival on scene, by category; handover delay: arrival at A&E to
  handover complete (national standard 15 minutes; over 60 minutes counts as a long handover).
- Bed occupancy: the midnight census (as KH03), mean and share of days above 92% and 95%.
- Delayed discharges: patients medically fit but still in an acute bed at midnight (as the
  "no criteria to reside" sitrep), and the bed-days they used.
- Readmissions: emergency readmissions within 30 days over emergency discharges (discharges in
  the last 30 days of the run are left out: their 30 days have not run their course).
- Deaths (``sim.outcomes``): deaths within 30 days, counted once per journey whose outcome has
  been decided (by the end of the run); per 1,000 type 1 attendances of triage categories 2-5 (as
  ONS counts them), per 1,000 emergency admissions, in hospital; deaths attributable to delay
  (counted: died, and would not have without the waiting; expected: the sum of the risks added by
  waiting); hospital-acquired harm from delayed nights and moves between hospitals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.journeys import MENTAL_HEALTH_ENTRIES, End, Entry, MentalHealthRoute
from sim.kpi_names import SITE_KPI_PREFIXES
from sim.primary_care import GP_TALLY
from sim.rows import Rows
from sim.rtt import no_events
from sim.tally import Latest, Rate, Ratio, Total, add, centile, finish, mean, share

FOUR_HOURS = 4 * MINUTES_PER_HOUR
NO_GP_REQUESTS = pd.DataFrame({"month": pd.Series(dtype="i8"), **{c: pd.Series(dtype="i8") for c in GP_TALLY}})
TWELVE_HOURS = 12 * MINUTES_PER_HOUR
_DISCHARGED = [End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3]
_DIED_IN_CARE = [End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD]
_EMERGENCY_ENTRIES = [e for e in Entry if e != Entry.ELECTIVE]
_CALLS = [Entry.AMBULANCE_CALL, Entry.MENTAL_HEALTH_CALL]  # 999 calls, physical or mental health crises


Table = pd.DataFrame | Rows


def _isin(values: np.ndarray, wanted) -> np.ndarray:
    return np.isin(values, np.asarray(list(wanted)))


def _filled(values: np.ndarray, fill: float) -> np.ndarray:
    """``values`` with missing ones (NaN) replaced by ``fill``."""
    return np.where(np.isnan(values), fill, values)


def _present(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values)


def _count(mask: np.ndarray) -> int:
    return int(np.count_nonzero(mask))


def _by_day(rows: Rows, *columns: str) -> list[np.ndarray]:
    """Census ``columns`` summed over each day's rows (days in order; sums of counts, exact)."""
    days, day = np.unique(rows.day, return_inverse=True)
    return [np.bincount(day, weights=getattr(rows, c), minlength=len(days)) for c in columns]


def _over(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den`` is positive, NaN elsewhere."""
    den = np.asarray(den, dtype=float)
    return num / np.where(den > 0, den, np.nan)


def time_in_ae(j: Table, end_time: float) -> tuple[np.ndarray, np.ndarray]:
    """Minutes in A&E of every attendance among journeys ``j`` (a patient still there at
    ``end_time`` counts by time so far), and whether each was at a type 1 department."""
    j = Rows.of(j)
    at_ae = j[_present(j.t_ed_arrival)]
    return _filled(at_ae.t_ed_departure, end_time) - at_ae.t_ed_arrival, at_ae.ed_site >= 0


def _four_hour_type1(j: Table, end_time: float) -> Ratio:
    in_ae, type1 = time_in_ae(j, end_time)
    return share(in_ae[type1] <= FOUR_HOURS)


def _per_1000_year(people: float, days: float) -> Rate:
    return Rate(1000.0 / people * DAYS_PER_YEAR if people else float("nan"), days)


def measure(j: Table, appts: Table, census: Table, people: float, days: float,
            end_time: float, rtt: pd.DataFrame | None = None) -> dict[str, float]:
    """All KPIs over one slice. ``j`` are the journeys that *started* in the slice, ``appts`` the
    counts of the GP requests made in it (``sim.primary_care.tally_requests``, a row a month),
    ``census`` its midnight counts, ``rtt`` the waiting list's flows in it (``WaitingList.events``;
    none without a waiting list); ``days`` its length."""
    return finish(tally(j, appts, census, people, days, end_time, rtt))


def tally(j: Table, appts: Table, census: Table, people: float, days: float,
          end_time: float, rtt: pd.DataFrame | None = None) -> dict[str, object]:
    """The parts of every KPI over one slice (``sim.tally``): the KPIs of several slices together
    are their tallies added, then finished. Arguments as ``measure``'s (tables as DataFrames or
    ``Rows``)."""
    j, census = Rows.of(j), Rows.of(census)
    out: dict[str, object] = {}
    per_1000_year = _per_1000_year(people, days)
    per_day = Rate(1.0, days)

    # --- A&E -----------------------------------------------------------------------------------
    at_ae = j[_present(j.t_ed_arrival)]
    in_ae, type1 = time_in_ae(j, end_time)
    out["ae_attendances_per_1000"] = len(at_ae) * per_1000_year
    out["ae_type1_attendances_per_1000"] = _count(type1) * per_1000_year
    out["ae_attendances_per_day"] = len(at_ae) * per_day
    out["ae_type1_attendances_per_day"] = _count(type1) * per_day
    out["ae_ambulance_arrivals_per_day"] = _count(_present(at_ae.t_handover)) * per_day
    out["ae_4h_all_types"] = share(in_ae <= FOUR_HOURS)
    out["ae_4h_type1"] = share(in_ae[type1] <= FOUR_HOURS)
    out["ae_12h_from_arrival_share"] = share(in_ae[type1] > TWELVE_HOURS)
    out["ae_type1_admitted_share"] = share(at_ae.admitted[type1])
    out["ae_corridor_care_share"] = share(at_ae.corridor[type1])
    out["ae_travel_minutes_mean"] = mean(at_ae.travel_minutes)  # home to A&E for those who came themselves
    urgent = at_ae[type1 & (at_ae.acuity <= 2)]
    out["time_to_treatment_urgent_minutes"] = mean(urgent.t_seen - urgent.t_ed_arrival)
    admitted = at_ae[type1 & at_ae.admitted & _present(at_ae.t_decision)]
    trolley = _filled(admitted.t_ed_departure, end_time) - admitted.t_decision
    out["trolley_wait_mean_hours"] = mean(trolley) / MINUTES_PER_HOUR
    out["trolley_waits_12h_per_1000"] = _count(trolley > TWELVE_HOURS) * per_1000_year

    # --- ambulance ------------------------------------------------------------------------------
    calls = j[_isin(j.entry, _CALLS)]
    response = calls.t_response - calls.t_arrival
    attended = calls[calls.end != End.HEAR_AND_TREAT]
    out["ambulance_incidents_per_1000"] = len(calls) * per_1000_year
    out["ambulance_attended_per_1000"] = len(attended) * per_1000_year
    out["ambulance_cat1_mean_minutes"] = mean(response[calls.category == 1])
    out["ambulance_cat2_mean_minutes"] = mean(response[calls.category == 2])
    # the pre-2017 standard: Category A (here categories 1 and 2) reached within 8 and 19 minutes
    cat_a = response[(calls.category <= 2) & _present(response)]
    out["ambulance_cat12_8min_share"] = share(cat_a <= 8)
    out["ambulance_cat12_19min_share"] = share(cat_a <= 19)
    out["ambulance_conveyed_share"] = share(_present(calls.t_ed_arrival))
    out["ambulance_conveyed_share_of_attended"] = share(_present(attended.t_ed_arrival))
    out["ambulance_see_and_treat_share"] = share(calls.end == End.SEE_AND_TREAT)
    out["ambulance_hear_and_treat_share"] = share(calls.end == End.HEAR_AND_TREAT)
    conveyed = calls[_present(calls.t_ed_arrival)]
    handover = conveyed.t_handover - conveyed.t_ed_arrival
    handed_over = handover[_present(handover)]
    out["handover_mean_minutes"] = mean(handover)
    out["conveyance_minutes_mean"] = mean(conveyed.conveyance_minutes)
    out["handover_over_30min_share"] = share(handed_over > 30)
    out["handover_over_60min_share"] = share(handed_over > 60)
    out["handover_hours_lost_per_1000"] = float(np.nansum(np.clip(handover - 15, 0, None))) / 60 * per_1000_year
    out["ambulance_diversions"] = _count(conveyed.ambulance_diverted)
    out["ambulance_diverted_share"] = share(conveyed.ambulance_diverted)

    # --- acute beds -------------------------------------------------------------------------------
    emergency = j[j.admitted & _isin(j.entry, _EMERGENCY_ENTRIES) & ~j.diverted]
    out["emergency_admissions_per_1000"] = len(emergency) * per_1000_year
    out["emergency_admissions_per_day"] = len(emergency) * per_day
    stayed = emergency[_present(emergency.t_discharge) & _present(emergency.t_bed)]
    los_days = (stayed.t_discharge - stayed.t_bed) / MINUTES_PER_DAY
    out["emergency_zero_day_share"] = share(los_days < 1)
    out["emergency_los_mean_days"] = mean(los_days)
    out["emergency_los_overnight_mean_days"] = mean(los_days[los_days >= 1])
    delayed = stayed[stayed.pathway > 0]
    out["delayed_discharge_bed_days_per_1000"] = (float(np.nansum((delayed.t_discharge - delayed.t_fit) / MINUTES_PER_DAY))
                                                  * per_1000_year)
    out["transfers_within_trust"] = _count(j.transfer_kind == 1)
    out["transfers_overflow"] = _count(j.transfer_kind == 2)
    electives = j[j.entry == Entry.ELECTIVE]
    out["elective_admissions_per_1000"] = _count(electives.admitted) * per_1000_year
    out["elective_cancelled_share"] = share(electives.end == End.ELECTIVE_CANCELLED)
    (waiting,) = _by_day(census[census.service == "elective_waiting_list"], "queue")
    out["elective_waiting_list_mean"] = mean(waiting)
    out.update(rtt_kpis(census, no_events() if rtt is None else rtt, electives, people, per_1000_year))
    beds = census[census.service == "acute_beds"]
    occupied, capacity, in_delay = _by_day(beds, "occupied", "capacity", "delayed")
    occ = _over(occupied, capacity)
    out["bed_occupancy_midnight"] = mean(occ)
    out["bed_days_over_92pct_share"] = share(occ > 0.92)
    out["bed_days_over_95pct_share"] = share(occ > 0.95)
    out["delayed_discharges_midnight"] = mean(in_delay)
    out["delayed_discharge_share_of_beds"] = mean(_over(in_delay, capacity))
    # point prevalence at midnight of stays so far of 21 days or more, over occupied beds (not censored)
    if "long_stay" in beds:
        (long_stay,) = _by_day(beds, "long_stay")
        out["long_stay_21d_share_of_beds"] = mean(_over(long_stay, occupied))
    else:
        out["long_stay_21d_share_of_beds"] = Ratio(0, 0)

    # weekend discharges: discharges per weekend day over discharges per weekday (emergency stays)
    gone = j[_isin(j.end, _DISCHARGED) & (j.entry != Entry.ELECTIVE)]
    out["weekend_discharge_ratio"] = Ratio(0, 0)
    if "discharge_weekday" in gone:  # added by journey_months
        weekend = _count(gone.discharge_weekday >= 5) / 2
        weekday = _count((gone.discharge_weekday >= 0) & (gone.discharge_weekday < 5)) / 5
        out["weekend_discharge_ratio"] = Ratio(weekend, weekday)

    # --- readmissions and harm ------------------------------------------------------------------
    discharged = j[_isin(j.end, _DISCHARGED + [End.VIRTUAL_WARD_COMPLETED]) & (j.entry != Entry.ELECTIVE)]
    # only discharges whose 30 days have run their course before the end of the run can be judged
    followed_up = discharged[discharged.t_end <= end_time - 30 * MINUTES_PER_DAY]
    out["readmission_30day_share"] = share(followed_up.readmitted)
    out["deteriorations_after_diversion"] = _count(j.end == End.VIRTUAL_WARD_DETERIORATED)
    decisions = j[j.admitted & _isin(j.entry, _EMERGENCY_ENTRIES)]
    out["suitable_share_of_admissions"] = share(decisions.suitable_ooh)
    out["diverted_to_virtual_ward"] = _count(j.diverted)
    out["discharged_without_needed_care"] = _count(~discharged.care_adequate)

    out.update(death_kpis(j, at_ae[type1], emergency, per_1000_year))
    out.update(mental_health_kpis(j, census, people, days, end_time))

    out.update(_gp_tally(appts, per_1000_year))

    # --- community and social care ---------------------------------------------------------------
    for service in ("virtual_ward", "urgent_community_response", "intermediate_care", "reablement",
                    "home_care", "care_homes", "ambulances"):
        rows = census[census.service == service]
        out[f"{service}_utilisation"] = mean(_over(rows.occupied, rows.capacity))
        out[f"{service}_queue_mean"] = mean(rows.queue)
    return out


def rtt_kpis(census: Table, events: pd.DataFrame, electives: Table, people: float,
             per_1000_year: Rate) -> dict[str, object]:
    """The RTT waiting list (``sim.rtt``) as NHS England publishes it: the list at the end of the
    slice (the last midnight census in it: incomplete pathways, the share waiting under 18 weeks,
    those over 52 weeks), the flows over the slice (clock starts, admitted and non-admitted stops,
    validation removals) and on-the-day cancellations: their count, their share of elective
    activity (overnight admissions, day cases and the cancelled themselves) and those not
    followed by an admission within 28 days (over the cancellations that can be judged)."""
    census, electives = Rows.of(census), Rows.of(electives)
    rows = census[census.service == "rtt_waiting_list"]
    nan = float("nan")
    out: dict[str, object] = {k: Latest(-1, nan) for k in ("rtt_waiting_list", "rtt_waiting_list_per_1000",
                                                           "rtt_18_week_share", "rtt_52_week_waiters",
                                                           "rtt_52_week_share")}
    if len(rows):
        day = int(rows.day.max())
        last = rows[rows.day == day]
        size = int(last.queue.sum())
        out["rtt_waiting_list"] = Latest(day, size)
        out["rtt_waiting_list_per_1000"] = Latest(day, size * 1000.0 / people if people else nan)
        out["rtt_18_week_share"] = Latest(day, 1 - int(last.delayed.sum()) / size if size else nan)
        out["rtt_52_week_waiters"] = Latest(day, int(last.long_stay.sum()))
        out["rtt_52_week_share"] = Latest(day, int(last.long_stay.sum()) / size if size else nan)
    has_list = len(rows) > 0 or len(events) > 0
    counts = events.kind.value_counts() if len(events) else {}
    n = {k: int(counts.get(k, 0)) for k in ("clock_start", "nonadmitted_stop", "day_case_stop", "admitted_stop",
                                               "removed", "cancelled", "cancelled_not_rebooked", "cancelled_judged")}

    def rate(count: int) -> Ratio:
        return count * per_1000_year if has_list else per_1000_year.undefined()

    out["rtt_clock_starts_per_1000"] = rate(n["clock_start"])
    out["rtt_nonadmitted_stops_per_1000"] = rate(n["nonadmitted_stop"])
    out["rtt_admitted_stops_per_1000"] = rate(n["day_case_stop"] + n["admitted_stop"])
    out["rtt_validation_removals_per_1000"] = rate(n["removed"])
    out["rtt_cancelled_on_the_day"] = Total(n["cancelled"], has_list)
    cancelled = _count(electives.end == End.ELECTIVE_CANCELLED)
    out["elective_cancelled_share_of_activity"] = Ratio(cancelled, _count(electives.admitted) + cancelled
                                                        + n["day_case_stop"])
    out["rtt_cancelled_not_rebooked_28d"] = Total(n["cancelled_not_rebooked"], has_list)
    out["rtt_cancelled_not_rebooked_28d_share"] = Ratio(n["cancelled_not_rebooked"], n["cancelled_judged"])
    return out


def rtt_events(hs) -> pd.DataFrame:
    """The waiting list's flows of a run so far (``WaitingList.events``), each with its reporting
    month; none without a waiting list."""
    wl = getattr(hs, "waiting_list", None)
    if wl is None:
        return no_events()
    return wl.events(int(hs.env.now // MINUTES_PER_DAY))


def _gp_tally(appts: Table, per_1000_year: Rate) -> dict[str, object]:
    """The GP KPIs of the counts of a slice's GP requests (``sim.primary_care.tally_requests``)."""
    appts = Rows.of(appts)
    gp = {c: int(getattr(appts, c).sum()) for c in GP_TALLY}
    requests, served = gp["requests"], gp["served"]
    return {
        "gp_appointments_per_1000": served * per_1000_year if requests else per_1000_year.undefined(),
        "gp_wait_mean_days": Ratio(gp["wait_days"], served),
        "gp_seen_within_14_days_share": Ratio(gp["seen_within_14_days"], served),
        "gp_went_to_ae_instead_per_1000": (gp["went_to_ae_instead"] * per_1000_year if requests
                                           else per_1000_year.undefined()),
    }


def death_kpis(j: Table, type1: Table, admissions: Table, per_1000_year: Rate) -> dict[str, object]:
    """Deaths and harm among journeys ``j``: ``type1`` are its type 1 attendances, ``admissions``
    its emergency admissions (not diverted); only journeys whose outcome is decided count."""
    j, type1, admissions = Rows.of(j), Rows.of(type1), Rows.of(admissions)
    decided = _present(j.death_risk)
    attenders = type1[_present(type1.death_risk) & (type1.acuity >= 2)]  # ONS: non-immediate acuity
    admitted = admissions[_present(admissions.death_risk)]
    deaths = _count(j.died)
    from_delay = _count(j.died_from_delay)
    # summed in double precision (the risks are stored in single): sums of months then add up exactly enough
    added = float(np.nansum(j.death_risk[decided].astype(float) - j.death_risk_no_delay[decided].astype(float)))
    return {
        "deaths_30d_per_1000_attendances": 1000 * share(attenders.died),
        "deaths_30d_per_1000_admissions": 1000 * share(admitted.died),
        "in_hospital_deaths_per_1000_admissions": 1000 * share(admitted.end == End.DIED_IN_HOSPITAL),
        "in_hospital_deaths": _count(_isin(j.end, _DIED_IN_CARE)),
        "deaths": deaths,
        "deaths_per_1000_population": deaths * per_1000_year,
        "deaths_from_delay": from_delay,
        "deaths_from_delay_expected": added,
        "deaths_from_delay_per_1000_population": from_delay * per_1000_year,
        "harm_events_in_hospital": _count(j.harm),
        "harm_events_in_hospital_expected": float(np.nansum(j.harm_risk.astype(float))),
    }


def mental_health_kpis(j: Table, census: Table, people: float, days: float, end_time: float
                       ) -> dict[str, object]:
    """Mental health crisis care (``sim.mental_health``) among journeys ``j`` and census ``census``:
    crises at type 1 A&E (their time there from arrival, and their wait for a psychiatric bed from the
    decision to admit), psychiatric beds at the midnight census (as KH03), out-of-area placements
    (active, new, bed-days) and the crisis team. All NaN or 0 without mental health care."""
    j, census = Rows.of(j), Rows.of(census)
    per_1000_year = _per_1000_year(people, days)
    per_million_month = Rate(1e6 / people * (DAYS_PER_YEAR / 12) if people else float("nan"), days)
    crises = j[_isin(j.entry, MENTAL_HEALTH_ENTRIES)]
    at_ae = crises[_present(crises.t_ed_arrival) & (crises.ed_site >= 0)]
    hours = (_filled(at_ae.t_ed_departure, end_time) - at_ae.t_ed_arrival) / MINUTES_PER_HOUR
    waiting = at_ae[at_ae.mh_needs_admission & _isin(at_ae.mh_route, [0, MentalHealthRoute.LOCAL_ADMISSION,
                                                                      MentalHealthRoute.OUT_OF_AREA])
                    & _present(at_ae.t_decision)]
    bed_wait = (_filled(waiting.t_ed_departure, end_time) - waiting.t_decision) / MINUTES_PER_HOUR
    placed = crises[crises.mh_route == MentalHealthRoute.OUT_OF_AREA]
    avoided = crises[(crises.mh_route == MentalHealthRoute.HOME_TREATMENT) & crises.mh_needs_admission]
    out = {
        "mh_ae_attendances_per_1000": len(at_ae) * per_1000_year,
        "mh_ae_attendances_per_day": len(at_ae) * Rate(1.0, days),
        "mh_ae_hours_mean": mean(hours),
        "mh_ae_12h_from_arrival_share": share(hours > 12),
        "mh_ae_bed_wait_mean_hours": mean(bed_wait),
        "mh_ae_bed_waits_over_12h": _count(bed_wait > 12),
        "mh_ae_bed_waits_over_24h": _count(bed_wait > 24),
        "mh_admissions_local": _count(crises.mh_route == MentalHealthRoute.LOCAL_ADMISSION),
        "mh_admissions_avoided": int(len(avoided)),
        "mh_home_treatment_episodes": _count(crises.mh_route == MentalHealthRoute.HOME_TREATMENT),
        "mh_oaps_new": int(len(placed)),
        "mh_oaps_new_per_million_per_month": len(placed) * per_million_month,
    }
    beds = census[census.service == "psychiatric_beds"]
    out["mh_bed_occupancy_midnight"] = mean(_over(beds.occupied, beds.capacity))
    out["mh_delayed_discharge_share_of_beds"] = mean(_over(beds.delayed, beds.capacity))
    away = census[census.service == "out_of_area_placements"]
    out["mh_oaps_active_mean"] = mean(away.occupied)
    out["mh_oaps_active_per_million"] = mean(away.occupied) * (1e6 / people if people else float("nan"))
    out["mh_oaps_active_month_end"] = (Latest(int(away.day[-1]), float(away.occupied[-1])) if len(away)
                                       else Latest(-1, float("nan")))
    out["mh_oap_bed_days"] = Total(float(away.occupied.sum()), defined=len(away) > 0)
    team = census[census.service == "crisis_team"]
    out["mh_crisis_team_caseload_mean"] = mean(team.occupied)
    out["mh_crisis_team_utilisation"] = mean(_over(team.occupied, team.capacity))
    return out


def mark_readmissions(j: pd.DataFrame) -> pd.DataFrame:
    """Mark ``readmitted`` the journeys of ``j`` followed by an emergency readmission in ``j``
    (a run marks them as the readmission arrives; this marks a table put together by hand)."""
    prev = j.loc[j.entry == Entry.READMISSION, "previous"].to_numpy()
    marked = np.isin(j.index.to_numpy(), prev[prev >= 0])
    j["readmitted"] = j["readmitted"] | marked if "readmitted" in j else marked
    return j


def add_months(j: pd.DataFrame, hs) -> pd.DataFrame:
    """Journeys ``j`` with their reporting month (by when they began; -1 = warm-up) and the
    weekday of their discharge (-1: none)."""
    j["month"] = hs.calendar.month_index(j.t_arrival.to_numpy())
    day = np.floor(j.t_discharge.to_numpy() / MINUTES_PER_DAY)
    weekday = (hs.calendar.origin.weekday() + day) % 7
    j["discharge_weekday"] = np.where(np.isnan(day), -1, weekday).astype(int)
    return j


def journey_months(hs) -> pd.DataFrame:
    """The journeys held in memory (every one, unless the run streams them: ``sim.results``), each
    with its reporting month (by when it began; -1 = warm-up)."""
    return add_months(hs.log.frame(), hs)


def tables_for_kpis(hs) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The journeys held in memory, the counts of GP requests and the census of a run, each with
    its reporting month (-1 = warm-up)."""
    return journey_months(hs), hs.primary_care.tallies(), hs.census.frame()


def calibration_groups(cfg) -> dict[str, list[str]]:
    """The groups of sites a config's calibration measures together (``trust:NAME``)."""
    if cfg.calibration is None:
        return {}
    return {f"trust:{name}": list(g.sites) for name, g in cfg.calibration.trusts.items()}


def _month_days(hs, m: int) -> float:
    cal = hs.calendar
    return (cal.month_starts[m + 1] - cal.month_starts[m]) / MINUTES_PER_DAY


def months_run(hs) -> list[int]:
    """The reporting months the run has begun (every one of them, once it has finished)."""
    cal = hs.calendar
    return [m for m in range(len(cal.month_labels)) if cal.month_starts[m] < hs.env.now]


def month_tallies(hs, j: pd.DataFrame, appts: pd.DataFrame, census: pd.DataFrame, m: int,
                  groups: dict[str, list[str]] | None = None, localities: bool = False, sites: bool = True,
                  days: float | None = None, every_group: bool = False, events: pd.DataFrame | None = None
                  ) -> dict[str, dict]:
    """The tallies (``tally``) of reporting month ``m`` as measured at the model's current time,
    by scope: ``ics``; ``site:NAME`` for every site unless not ``sites`` (``SITE_KPI_PREFIXES``,
    over the journeys that used its A&E, urgent care centre or beds); each of ``groups`` (scope -> its sites' names, as a
    trust's); ``locality:NAME`` for every locality when ``localities``. ``j``, ``appts`` and
    ``census`` are ``tables_for_kpis(hs)``. ``days`` (default: the month's) is what rates are
    per; ``every_group`` measures a site or group even with no journeys (its census alone);
    ``events`` are the waiting list's flows (default: the run's so far, ``rtt_events``)."""
    end, people = hs.env.now, float(hs.cfg.population)
    days = _month_days(hs, m) if days is None else days
    j, appts, census = Rows.of(j), Rows.of(appts), Rows.of(census)
    jm, am, cm = j[j.month == m], appts[appts.month == m], census[census.month == m]
    ev = rtt_events(hs) if events is None else events
    em = ev[ev.month == m]
    out = {"ics": tally(jm, am, cm, people, days, end, em)}
    site_index = {name: i for i, name in enumerate(hs.site_names)}
    scopes = {f"site:{name}": [name] for name in hs.site_names} if sites else {}
    scopes.update(groups or {})
    for scope, names in scopes.items():
        part = _group_tally(jm, cm, [site_index[n] for n in names], list(names), people, days, end,
                            em[em.site.isin(names)], every_group)
        if part:
            out[scope] = part
    if localities:
        residents = np.bincount(hs.cells.locality, weights=hs.cells.people, minlength=len(hs.cfg.localities))
        for i, name in enumerate(hs.cfg.localities):
            out[f"locality:{name}"] = _locality_tally(jm[jm.locality == i], float(residents[i]), days, end)
    return out


def month_parts(hs, tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], m: int,
                groups: dict[str, list[str]] | None = None, localities: bool = False, sites: bool = True
                ) -> dict[str, dict]:
    """The tallies of reporting month ``m`` by scope (as ``month_tallies``), measured from
    ``tables`` (``tables_for_kpis(hs)``); in a run that streams its journeys (``sim.results``),
    the tally of its journeys already gone is added to that of those still held, and the parts
    that are not journeys' (census, GP requests, the days measured) once."""
    if not hs.results.streaming:
        return month_tallies(hs, *tables, m, groups, localities, sites)
    j, appts, census = tables
    held = month_tallies(hs, j, NO_GP_REQUESTS, census.iloc[:0], m, groups, localities, sites, days=0.0,
                         events=no_events())
    gone = hs.results.partial.get(m, {})
    missing = set(groups or {}) - set(calibration_groups(hs.cfg))
    if gone and missing:
        raise ValueError(f"month {m}'s journeys have left memory and were not tallied for {sorted(missing)}")
    journeys = {scope: add([t for t in (gone.get(scope), held.get(scope)) if t])
                for scope in dict.fromkeys([*gone, *held])}
    rest = month_tallies(hs, j.iloc[:0], appts, census, m, groups, localities, sites, every_group=True)
    out = {}
    for scope, parts in rest.items():
        if scope in journeys:
            out[scope] = add([parts, journeys[scope]])
        elif scope == "ics" or scope.startswith("locality:"):  # a site or group with no journeys has no KPIs
            out[scope] = parts
    return out


def journey_parts(hs, j: pd.DataFrame, m: int) -> dict[str, dict]:
    """The journeys' part of reporting month ``m``'s tallies for journeys ``j`` (of that month),
    for every scope a month's KPIs may be asked for (``month_parts`` adds the rest)."""
    parts = month_tallies(hs, j, NO_GP_REQUESTS, hs.census.empty(), m, calibration_groups(hs.cfg), localities=True, days=0.0,
                          events=no_events())
    return {scope: t for scope, t in parts.items() if t}


def period_tallies(hs, months: list[int], groups: dict[str, list[str]] | None = None, localities: bool = False,
                   sites: bool = True) -> dict[str, dict]:
    """The tallies of reporting ``months`` taken together, by scope (as ``month_tallies``): each
    month's parts added, so that the KPIs of a period are its months' sums divided."""
    tables = tables_for_kpis(hs)
    per_month = [month_parts(hs, tables, m, groups, localities, sites) for m in months]
    scopes = dict.fromkeys(scope for month in per_month for scope in month)
    return {scope: add(month[scope] for month in per_month if scope in month) for scope in scopes}


def _summary_series(values: dict[str, float]) -> pd.Series:
    summary = pd.Series(values, name="value", dtype=float)
    summary.index.name = "kpi"
    return summary


def summary_kpis(hs) -> pd.Series:
    """Every KPI over the whole reported period (after the warm-up): what experiments compare."""
    return _summary_series(finish(period_tallies(hs, months_run(hs), sites=False)["ics"]))


def month_kpis(hs, j: pd.DataFrame, appts: pd.DataFrame, census: pd.DataFrame, m: int
               ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """KPIs of reporting month ``m`` (as measured at the model's current time): the ICS's, and
    each site's (``SITE_KPI_PREFIXES``) over the journeys that used its A&E, urgent care centre or
    beds. ``j``, ``appts`` and ``census`` are ``tables_for_kpis(hs)``."""
    parts = month_parts(hs, (j, appts, census), m)
    by_site = {scope.removeprefix("site:"): finish(t) for scope, t in parts.items() if scope.startswith("site:")}
    return finish(parts["ics"]), by_site


def site_kpis(j: pd.DataFrame, census: pd.DataFrame, site: int, name: str, people: float, days: float,
              end_time: float, rtt: pd.DataFrame | None = None) -> dict[str, float]:
    """The KPIs that make sense for one site (``SITE_KPI_PREFIXES``), over the journeys that used
    its A&E, urgent care centre or beds and its own rows of the census and of the waiting list's flows."""
    return group_kpis(j, census, [site], [name], people, days, end_time, rtt)


def group_kpis(j: pd.DataFrame, census: pd.DataFrame, sites: list[int], names: list[str], people: float,
               days: float, end_time: float, rtt: pd.DataFrame | None = None) -> dict[str, float]:
    """The site KPIs (``SITE_KPI_PREFIXES``) of a group of sites taken together (a trust's), over the
    journeys that used any of their A&Es, urgent care centres or beds and their rows of the census
    and of the waiting list's flows ``rtt``."""
    return finish(_group_tally(j, census, sites, names, people, days, end_time,
                               None if rtt is None else rtt[rtt.site.isin(names)]))


def _group_tally(j: Table, census: Table, sites: list[int], names: list[str], people: float,
                 days: float, end_time: float, rtt: pd.DataFrame | None = None, always: bool = False
                 ) -> dict[str, object]:
    j, census = Rows.of(j), Rows.of(census)
    js = j[_isin(j.ed_site, sites) | _isin(j.ucc_site, sites) | _isin(j.bed_site, sites)]
    if len(js) == 0 and not always:
        return {}
    elsewhere = (js.ed_site >= 0) & ~_isin(js.ed_site, sites)
    if elsewhere.any():  # a type 1 attendance belongs to the site whose A&E it was, not to one that sent it on
        js = js.with_column("ed_site", np.where(elsewhere, -1, js.ed_site))
    parts = tally(js, NO_GP_REQUESTS, census[_isin(census.site, names)], people, days, end_time, rtt)
    return {k: v for k, v in parts.items() if k.startswith(SITE_KPI_PREFIXES) and "per_1000_population" not in k}


def locality_kpis(j: pd.DataFrame, people: float, days: float, end_time: float) -> dict[str, float]:
    """Ambulance response (mean and 90th centile, all categories and category 2, call to arrival on
    scene), conveyance, travel to A&E and four-hour performance for one locality's journeys ``j``."""
    return finish(_locality_tally(j, people, days, end_time))


def _locality_tally(j: Table, people: float, days: float, end_time: float) -> dict[str, object]:
    j = Rows.of(j)
    calls = j[_isin(j.entry, _CALLS)]
    response = calls.t_response - calls.t_arrival
    answered = _present(response)
    cat2 = response[answered & (calls.category == 2)]
    response = response[answered]
    at_ae = j[_present(j.t_ed_arrival)]
    per_1000_year = _per_1000_year(people, days)
    admissions = j[j.admitted & _isin(j.entry, _EMERGENCY_ENTRIES) & ~j.diverted]
    deaths = death_kpis(j, at_ae[at_ae.ed_site >= 0], admissions, per_1000_year)
    return {
        "ambulance_response_mean_minutes": mean(response),
        "ambulance_response_p90_minutes": centile(response, 0.9),
        "ambulance_cat2_mean_minutes": mean(cat2),
        "ambulance_cat2_p90_minutes": centile(cat2, 0.9),
        "conveyance_minutes_mean": mean(calls.conveyance_minutes),
        "ambulance_diverted_share": share(calls.ambulance_diverted[_present(calls.t_ed_arrival)]),
        "ae_travel_minutes_mean": mean(at_ae.travel_minutes),
        "ae_4h_type1": _four_hour_type1(j, end_time),
        "ae_attendances_per_1000": len(at_ae) * per_1000_year,
        "deaths_per_1000_population": deaths["deaths_per_1000_population"],
        "deaths_from_delay_per_1000_population": deaths["deaths_from_delay_per_1000_population"],
        **{k: deaths[k] for k in ("deaths_30d_per_1000_attendances", "deaths_30d_per_1000_admissions",
                                  "in_hospital_deaths", "deaths_from_delay", "deaths_from_delay_expected",
                                  "harm_events_in_hospital")},
    }


def place_summaries(hs) -> dict[str, dict[str, float]]:
    """Every site's and every locality's KPIs over the whole reported period, keyed
    ``site:NAME`` and ``locality:NAME``: what experiments compare place by place."""
    return {scope: kpis for scope, kpis in period_summaries(hs).items() if scope != "ics"}


def period_summaries(hs) -> dict[str, dict[str, float]]:
    """The footprint's KPIs over the whole reported period (``ics``, as ``summary_kpis``) and
    every site's and locality's (as ``place_summaries``), measured in one pass over the months."""
    parts = period_tallies(hs, months_run(hs), localities=True)
    return {scope: finish(t) for scope, t in parts.items() if t}


def kpi_tables(hs) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Monthly ICS KPIs (long), monthly KPIs by site (long) and the whole-period summary (the
    months' tallies added)."""
    tables = tables_for_kpis(hs)
    labels = hs.calendar.month_labels
    rows, site_rows, ics = [], [], []
    for m in months_run(hs):
        parts = month_parts(hs, tables, m)
        ics.append(parts["ics"])
        rows += [(labels[m], kpi, value) for kpi, value in finish(parts["ics"]).items()]
        site_rows += [(labels[m], scope.removeprefix("site:"), kpi, value) for scope, t in parts.items()
                      if scope.startswith("site:") for kpi, value in finish(t).items()]
    summary = _summary_series(finish(add(ics)))
    monthly = pd.DataFrame(rows, columns=["month", "kpi", "value"])
    by_site = pd.DataFrame(site_rows, columns=["month", "site", "kpi", "value"])
    return monthly, by_site, summary


# The KPIs printed at the end of a run, in reading order, with their format.
SUMMARY_KPIS = [
    ("ae_attendances_per_1000", "A&E attendances per 1,000 a year", "{:.0f}"),
    ("ae_4h_all_types", "A&E 4-hour performance (all types)", "{:.1%}"),
    ("ae_4h_type1", "A&E 4-hour performance (type 1)", "{:.1%}"),
    ("ae_12h_from_arrival_share", "12 hours or more in A&E (type 1)", "{:.1%}"),
    ("time_to_treatment_urgent_minutes", "Time to treatment, most urgent (min)", "{:.0f}"),
    ("ambulance_cat2_mean_minutes", "Ambulance category 2 mean response (min)", "{:.0f}"),
    ("handover_mean_minutes", "Ambulance handover, mean (min)", "{:.0f}"),
    ("emergency_admissions_per_1000", "Emergency admissions per 1,000 a year", "{:.0f}"),
    ("bed_occupancy_midnight", "Bed occupancy at midnight", "{:.1%}"),
    ("bed_days_over_95pct_share", "Days with beds over 95% full", "{:.0%}"),
    ("delayed_discharges_midnight", "Delayed discharges at midnight", "{:.0f}"),
    ("delayed_discharge_share_of_beds", "Delayed discharges, share of beds", "{:.1%}"),
    ("elective_cancelled_share", "Electives cancelled on the day", "{:.1%}"),
    ("rtt_waiting_list", "RTT waiting list, end of period (pathways)", "{:,.0f}"),
    ("rtt_18_week_share", "RTT waiting under 18 weeks", "{:.1%}"),
    ("rtt_52_week_waiters", "RTT waiting over 52 weeks", "{:,.0f}"),
    ("elective_cancelled_share_of_activity", "Electives cancelled on the day, share of activity", "{:.1%}"),
    ("gp_wait_mean_days", "GP wait, mean (days)", "{:.1f}"),
    ("readmission_30day_share", "Emergency readmissions within 30 days", "{:.1%}"),
    ("intermediate_care_utilisation", "Intermediate care bed use", "{:.0%}"),
    ("home_care_utilisation", "Home care package use", "{:.0%}"),
    ("care_homes_utilisation", "Care home place use", "{:.0%}"),
    ("mh_ae_attendances_per_1000", "Mental health crises at A&E per 1,000 a year", "{:.1f}"),
    ("mh_ae_12h_from_arrival_share", "Mental health crises 12 hours or more in A&E", "{:.1%}"),
    ("mh_ae_bed_wait_mean_hours", "Wait in A&E for a psychiatric bed, mean (hours)", "{:.1f}"),
    ("mh_bed_occupancy_midnight", "Psychiatric bed occupancy at midnight", "{:.1%}"),
    ("mh_oaps_active_mean", "Out-of-area placements active, mean", "{:.1f}"),
    ("mh_admissions_avoided", "Psychiatric admissions avoided by the crisis team", "{:.0f}"),
]


def format_kpi(fmt: str, value) -> str:
    """A KPI value in its ``SUMMARY_KPIS`` format; "-" when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)
