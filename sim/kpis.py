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
from sim.primary_care import GpOutcome

FOUR_HOURS = 4 * MINUTES_PER_HOUR
_NO_GP_REQUESTS = pd.DataFrame({"served_day": pd.Series(dtype="i4"), "request_day": pd.Series(dtype="i4"),
                                "outcome": pd.Series(dtype="i1")})
TWELVE_HOURS = 12 * MINUTES_PER_HOUR
_DISCHARGED = [End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3]
_DIED_IN_CARE = [End.DIED_IN_HOSPITAL, End.DIED_ON_VIRTUAL_WARD]
_EMERGENCY_ENTRIES = [e for e in Entry if e != Entry.ELECTIVE]
_CALLS = [Entry.AMBULANCE_CALL, Entry.MENTAL_HEALTH_CALL]  # 999 calls, physical or mental health crises


def _share(mask: pd.Series | np.ndarray) -> float:
    mask = np.asarray(mask)
    return float(mask.mean()) if len(mask) else float("nan")


def _quantile(x, q: float) -> float:
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return float(np.quantile(x, q)) if len(x) else float("nan")


def _mean(x) -> float:
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else float("nan")


def time_in_ae(j: pd.DataFrame, end_time: float) -> tuple[pd.Series, pd.Series]:
    """Minutes in A&E of every attendance among journeys ``j`` (a patient still there at
    ``end_time`` counts by time so far), and whether each was at a type 1 department."""
    at_ae = j[j.t_ed_arrival.notna()]
    left = at_ae.t_ed_departure.fillna(end_time)
    return left - at_ae.t_ed_arrival, at_ae.ed_site >= 0


def four_hour_type1(j: pd.DataFrame, end_time: float) -> float:
    """Type 1 A&E four-hour performance of journeys ``j``: the share out of A&E within 4 hours."""
    in_ae, type1 = time_in_ae(j, end_time)
    return _share(in_ae[type1] <= FOUR_HOURS)


def measure(j: pd.DataFrame, appts: pd.DataFrame, census: pd.DataFrame, people: float, days: float,
            end_time: float) -> dict[str, float]:
    """All KPIs over one slice. ``j`` are the journeys that *started* in the slice, ``appts`` the
    GP requests made in it, ``census`` its midnight counts; ``days`` its length."""
    out: dict[str, float] = {}
    per_1000_year = 1000.0 / people * DAYS_PER_YEAR / days if people and days else float("nan")
    per_day = 1.0 / days if days else float("nan")

    # --- A&E -----------------------------------------------------------------------------------
    at_ae = j[j.t_ed_arrival.notna()]
    in_ae, type1 = time_in_ae(j, end_time)
    out["ae_attendances_per_1000"] = len(at_ae) * per_1000_year
    out["ae_type1_attendances_per_1000"] = int(type1.sum()) * per_1000_year
    out["ae_attendances_per_day"] = len(at_ae) * per_day
    out["ae_type1_attendances_per_day"] = int(type1.sum()) * per_day
    out["ae_ambulance_arrivals_per_day"] = int(at_ae.t_handover.notna().sum()) * per_day
    out["ae_4h_all_types"] = _share(in_ae <= FOUR_HOURS)
    out["ae_4h_type1"] = four_hour_type1(j, end_time)
    out["ae_12h_from_arrival_share"] = _share(in_ae[type1] > TWELVE_HOURS)
    out["ae_type1_admitted_share"] = _share(at_ae.admitted[type1])
    out["ae_corridor_care_share"] = _share(at_ae.corridor[type1])
    out["ae_travel_minutes_mean"] = _mean(at_ae.travel_minutes)  # home to A&E for those who came themselves
    urgent = at_ae[type1 & (at_ae.acuity <= 2)]
    out["time_to_treatment_urgent_minutes"] = _mean(urgent.t_seen - urgent.t_ed_arrival)
    admitted = at_ae[type1 & at_ae.admitted & at_ae.t_decision.notna()]
    trolley = admitted.t_ed_departure.fillna(end_time) - admitted.t_decision
    out["trolley_wait_mean_hours"] = _mean(trolley) / MINUTES_PER_HOUR
    out["trolley_waits_12h_per_1000"] = int((trolley > TWELVE_HOURS).sum()) * per_1000_year

    # --- ambulance ------------------------------------------------------------------------------
    calls = j[j.entry.isin(_CALLS)]
    response = calls.t_response - calls.t_arrival
    attended = calls[calls.end != End.HEAR_AND_TREAT]
    out["ambulance_incidents_per_1000"] = len(calls) * per_1000_year
    out["ambulance_attended_per_1000"] = len(attended) * per_1000_year
    out["ambulance_cat1_mean_minutes"] = _mean(response[calls.category == 1])
    out["ambulance_cat2_mean_minutes"] = _mean(response[calls.category == 2])
    # the pre-2017 standard: Category A (here categories 1 and 2) reached within 8 and 19 minutes
    cat_a = response[(calls.category <= 2) & response.notna()]
    out["ambulance_cat12_8min_share"] = _share(cat_a <= 8)
    out["ambulance_cat12_19min_share"] = _share(cat_a <= 19)
    out["ambulance_conveyed_share"] = _share(calls.t_ed_arrival.notna())
    out["ambulance_conveyed_share_of_attended"] = _share(attended.t_ed_arrival.notna())
    out["ambulance_see_and_treat_share"] = _share(calls.end == End.SEE_AND_TREAT)
    out["ambulance_hear_and_treat_share"] = _share(calls.end == End.HEAR_AND_TREAT)
    conveyed = calls[calls.t_ed_arrival.notna()]
    handover = conveyed.t_handover - conveyed.t_ed_arrival
    out["handover_mean_minutes"] = _mean(handover)
    out["conveyance_minutes_mean"] = _mean(conveyed.conveyance_minutes)
    out["handover_over_30min_share"] = _share(handover.dropna() > 30)
    out["handover_over_60min_share"] = _share(handover.dropna() > 60)
    out["handover_hours_lost_per_1000"] = float(np.nansum(np.clip(handover - 15, 0, None))) / 60 * per_1000_year
    out["ambulance_diversions"] = int(conveyed.ambulance_diverted.sum())
    out["ambulance_diverted_share"] = _share(conveyed.ambulance_diverted)

    # --- acute beds -------------------------------------------------------------------------------
    emergency = j[j.admitted & j.entry.isin(_EMERGENCY_ENTRIES) & ~j.diverted]
    out["emergency_admissions_per_1000"] = len(emergency) * per_1000_year
    out["emergency_admissions_per_day"] = len(emergency) * per_day
    stayed = emergency[emergency.t_discharge.notna() & emergency.t_bed.notna()]
    los_days = (stayed.t_discharge - stayed.t_bed) / MINUTES_PER_DAY
    out["emergency_zero_day_share"] = _share(los_days < 1)
    out["emergency_los_mean_days"] = _mean(los_days)
    out["emergency_los_overnight_mean_days"] = _mean(los_days[los_days >= 1])
    delayed = stayed[stayed.pathway > 0]
    out["delayed_discharge_bed_days_per_1000"] = float(((delayed.t_discharge - delayed.t_fit) / MINUTES_PER_DAY).sum()) * per_1000_year
    out["transfers_within_trust"] = int((j.transfer_kind == 1).sum())
    out["transfers_overflow"] = int((j.transfer_kind == 2).sum())
    electives = j[j.entry == Entry.ELECTIVE]
    out["elective_admissions_per_1000"] = int(electives.admitted.sum()) * per_1000_year
    out["elective_cancelled_share"] = _share(electives.end == End.ELECTIVE_CANCELLED)
    waiting = census[census.service == "elective_waiting_list"]
    out["elective_waiting_list_mean"] = float(waiting.groupby("day").queue.sum().mean()) if len(waiting) else float("nan")
    beds = census[census.service == "acute_beds"]
    daily = beds.groupby("day")[["occupied", "capacity", "delayed"]].sum()
    occ = daily.occupied / daily.capacity.where(daily.capacity > 0)
    out["bed_occupancy_midnight"] = _mean(occ)
    out["bed_days_over_92pct_share"] = _share(occ > 0.92)
    out["bed_days_over_95pct_share"] = _share(occ > 0.95)
    out["delayed_discharges_midnight"] = _mean(daily.delayed)
    out["delayed_discharge_share_of_beds"] = _mean(daily.delayed / daily.capacity.where(daily.capacity > 0))
    # point prevalence at midnight of stays so far of 21 days or more, over occupied beds (not censored)
    if "long_stay" in beds:
        long_stay = beds.groupby("day")[["long_stay", "occupied"]].sum()
        out["long_stay_21d_share_of_beds"] = _mean(long_stay.long_stay / long_stay.occupied.where(long_stay.occupied > 0))
    else:
        out["long_stay_21d_share_of_beds"] = float("nan")

    # weekend discharges: discharges per weekend day over discharges per weekday (emergency stays)
    gone = j[j.end.isin(_DISCHARGED) & (j.entry != Entry.ELECTIVE)]
    out["weekend_discharge_ratio"] = float("nan")
    if "discharge_weekday" in gone:  # added by journey_months
        weekend = (gone.discharge_weekday >= 5).sum() / 2
        weekday = ((gone.discharge_weekday >= 0) & (gone.discharge_weekday < 5)).sum() / 5
        if weekday:
            out["weekend_discharge_ratio"] = float(weekend / weekday)

    # --- readmissions and harm ------------------------------------------------------------------
    discharged = j[j.end.isin(_DISCHARGED + [End.VIRTUAL_WARD_COMPLETED]) & (j.entry != Entry.ELECTIVE)]
    # only discharges whose 30 days have run their course before the end of the run can be judged
    followed_up = discharged[discharged.t_end <= end_time - 30 * MINUTES_PER_DAY]
    out["readmission_30day_share"] = _share(followed_up.readmitted)
    out["deteriorations_after_diversion"] = int((j.end == End.VIRTUAL_WARD_DETERIORATED).sum())
    decisions = j[j.admitted & j.entry.isin(_EMERGENCY_ENTRIES)]
    out["suitable_share_of_admissions"] = _share(decisions.suitable_ooh)
    out["diverted_to_virtual_ward"] = int(j.diverted.sum())
    out["discharged_without_needed_care"] = int((~discharged.care_adequate).sum())

    out.update(death_kpis(j, at_ae[type1], emergency, per_1000_year))
    out.update(mental_health_kpis(j, census, people, days, end_time))

    # --- GP ----------------------------------------------------------------------------------------
    served = appts[appts.served_day >= 0]
    wait = served.served_day - served.request_day
    out["gp_appointments_per_1000"] = len(served) * per_1000_year if len(appts) else float("nan")
    out["gp_wait_mean_days"] = _mean(wait)
    out["gp_seen_within_14_days_share"] = _share(wait <= 14)
    out["gp_went_to_ae_instead_per_1000"] = (int((appts.outcome == GpOutcome.WENT_TO_AE_INSTEAD).sum()) * per_1000_year
                                             if len(appts) else float("nan"))

    # --- community and social care ---------------------------------------------------------------
    for service in ("virtual_ward", "urgent_community_response", "intermediate_care", "reablement",
                    "home_care", "care_homes", "ambulances"):
        rows = census[census.service == service]
        out[f"{service}_utilisation"] = _mean(rows.occupied / rows.capacity.where(rows.capacity > 0))
        out[f"{service}_queue_mean"] = _mean(rows.queue)
    return out


def death_kpis(j: pd.DataFrame, type1: pd.DataFrame, admissions: pd.DataFrame, per_1000_year: float
               ) -> dict[str, float]:
    """Deaths and harm among journeys ``j``: ``type1`` are its type 1 attendances, ``admissions``
    its emergency admissions (not diverted); only journeys whose outcome is decided count."""
    decided = j.death_risk.notna()
    attenders = type1[type1.death_risk.notna() & (type1.acuity >= 2)]  # ONS: non-immediate acuity
    admitted = admissions[admissions.death_risk.notna()]
    deaths = int(j.died.sum())
    from_delay = int(j.died_from_delay.sum())
    added = float((j.death_risk[decided] - j.death_risk_no_delay[decided]).sum())
    return {
        "deaths_30d_per_1000_attendances": 1000 * _share(attenders.died),
        "deaths_30d_per_1000_admissions": 1000 * _share(admitted.died),
        "in_hospital_deaths_per_1000_admissions": 1000 * _share(admitted.end == End.DIED_IN_HOSPITAL),
        "in_hospital_deaths": int(j.end.isin(_DIED_IN_CARE).sum()),
        "deaths": deaths,
        "deaths_per_1000_population": deaths * per_1000_year,
        "deaths_from_delay": from_delay,
        "deaths_from_delay_expected": added,
        "deaths_from_delay_per_1000_population": from_delay * per_1000_year,
        "harm_events_in_hospital": int(j.harm.sum()),
        "harm_events_in_hospital_expected": float(j.harm_risk.sum()),
    }


def mental_health_kpis(j: pd.DataFrame, census: pd.DataFrame, people: float, days: float, end_time: float
                       ) -> dict[str, float]:
    """Mental health crisis care (``sim.mental_health``) among journeys ``j`` and census ``census``:
    crises at type 1 A&E (their time there from arrival, and their wait for a psychiatric bed from the
    decision to admit), psychiatric beds at the midnight census (as KH03), out-of-area placements
    (active, new, bed-days) and the crisis team. All NaN or 0 without mental health care."""
    per_1000_year = 1000.0 / people * DAYS_PER_YEAR / days if people and days else float("nan")
    per_million_month = 1e6 / people * (DAYS_PER_YEAR / 12) / days if people and days else float("nan")
    crises = j[j.entry.isin(MENTAL_HEALTH_ENTRIES)]
    at_ae = crises[crises.t_ed_arrival.notna() & (crises.ed_site >= 0)]
    hours = (at_ae.t_ed_departure.fillna(end_time) - at_ae.t_ed_arrival) / MINUTES_PER_HOUR
    waiting = at_ae[at_ae.mh_needs_admission & at_ae.mh_route.isin([0, MentalHealthRoute.LOCAL_ADMISSION,
                                                                     MentalHealthRoute.OUT_OF_AREA])
                    & at_ae.t_decision.notna()]
    bed_wait = (waiting.t_ed_departure.fillna(end_time) - waiting.t_decision) / MINUTES_PER_HOUR
    placed = crises[crises.mh_route == MentalHealthRoute.OUT_OF_AREA]
    avoided = crises[(crises.mh_route == MentalHealthRoute.HOME_TREATMENT) & crises.mh_needs_admission]
    out = {
        "mh_ae_attendances_per_1000": len(at_ae) * per_1000_year,
        "mh_ae_attendances_per_day": len(at_ae) / days if days else float("nan"),
        "mh_ae_hours_mean": _mean(hours),
        "mh_ae_12h_from_arrival_share": _share(hours > 12),
        "mh_ae_bed_wait_mean_hours": _mean(bed_wait),
        "mh_ae_bed_waits_over_12h": int((bed_wait > 12).sum()),
        "mh_ae_bed_waits_over_24h": int((bed_wait > 24).sum()),
        "mh_admissions_local": int((crises.mh_route == MentalHealthRoute.LOCAL_ADMISSION).sum()),
        "mh_admissions_avoided": int(len(avoided)),
        "mh_home_treatment_episodes": int((crises.mh_route == MentalHealthRoute.HOME_TREATMENT).sum()),
        "mh_oaps_new": int(len(placed)),
        "mh_oaps_new_per_million_per_month": len(placed) * per_million_month,
    }
    beds = census[census.service == "psychiatric_beds"]
    occ = beds.occupied / beds.capacity.where(beds.capacity > 0)
    out["mh_bed_occupancy_midnight"] = _mean(occ)
    out["mh_delayed_discharge_share_of_beds"] = _mean(beds.delayed / beds.capacity.where(beds.capacity > 0))
    away = census[census.service == "out_of_area_placements"]
    out["mh_oaps_active_mean"] = _mean(away.occupied)
    out["mh_oaps_active_per_million"] = _mean(away.occupied) * 1e6 / people if people else float("nan")
    out["mh_oaps_active_month_end"] = float(away.occupied.iloc[-1]) if len(away) else float("nan")
    out["mh_oap_bed_days"] = float(away.occupied.sum()) if len(away) else float("nan")
    team = census[census.service == "crisis_team"]
    out["mh_crisis_team_caseload_mean"] = _mean(team.occupied)
    out["mh_crisis_team_utilisation"] = _mean(team.occupied / team.capacity.where(team.capacity > 0))
    return out


def mark_readmissions(j: pd.DataFrame) -> pd.DataFrame:
    """Add ``readmitted``: the journey was followed by an emergency readmission within 30 days."""
    prev = j.loc[j.entry == Entry.READMISSION, "previous"].to_numpy()
    j["readmitted"] = np.isin(j.index.to_numpy(), prev[prev >= 0])
    return j


def journey_months(hs) -> pd.DataFrame:
    """The journeys so far, each with its reporting month (by when it began; -1 = warm-up)."""
    j = mark_readmissions(hs.log.frame())
    j["month"] = hs.calendar.month_index(j.t_arrival.to_numpy())
    day = np.floor(j.t_discharge.to_numpy() / MINUTES_PER_DAY)
    weekday = (hs.calendar.origin.weekday() + day) % 7
    j["discharge_weekday"] = np.where(np.isnan(day), -1, weekday).astype(int)
    return j


def tables_for_kpis(hs) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Journeys, GP requests and census of a run, each with its reporting month (-1 = warm-up)."""
    cal = hs.calendar
    j = journey_months(hs)
    appts = hs.primary_care.log.frame()
    appts["month"] = cal.month_index(appts.request_day.to_numpy() * MINUTES_PER_DAY)
    census = hs.census.frame()
    return j, appts, census


def _summary(hs, j: pd.DataFrame, appts: pd.DataFrame, census: pd.DataFrame) -> pd.Series:
    cal, end = hs.calendar, hs.env.now
    days = (min(end, cal.end) - cal.warmup_minutes) / MINUTES_PER_DAY
    summary = pd.Series(measure(j[j.month >= 0], appts[appts.month >= 0], census[census.month >= 0],
                                float(hs.cfg.population), days, end), name="value")
    summary.index.name = "kpi"
    return summary


def summary_kpis(hs) -> pd.Series:
    """Every KPI over the whole reported period (after the warm-up): what experiments compare."""
    return _summary(hs, *tables_for_kpis(hs))


def month_kpis(hs, j: pd.DataFrame, appts: pd.DataFrame, census: pd.DataFrame, m: int
               ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """KPIs of reporting month ``m`` (as measured at the model's current time): the ICS's, and
    each site's (``SITE_KPI_PREFIXES``) over the journeys that used its A&E, urgent care centre or
    beds. ``j``, ``appts`` and ``census`` are ``tables_for_kpis(hs)``."""
    cal, end = hs.calendar, hs.env.now
    people = float(hs.cfg.population)
    days = (cal.month_starts[m + 1] - cal.month_starts[m]) / MINUTES_PER_DAY
    jm, am, cm = j[j.month == m], appts[appts.month == m], census[census.month == m]
    ics = measure(jm, am, cm, people, days, end)
    by_site = {site: site_kpis(jm, cm, s, site, people, days, end) for s, site in enumerate(hs.site_names)}
    return ics, {site: kpis for site, kpis in by_site.items() if kpis}


def site_kpis(j: pd.DataFrame, census: pd.DataFrame, site: int, name: str, people: float, days: float,
              end_time: float) -> dict[str, float]:
    """The KPIs that make sense for one site (``SITE_KPI_PREFIXES``), over the journeys that used
    its A&E, urgent care centre or beds and its own rows of the census."""
    return group_kpis(j, census, [site], [name], people, days, end_time)


def group_kpis(j: pd.DataFrame, census: pd.DataFrame, sites: list[int], names: list[str], people: float,
               days: float, end_time: float) -> dict[str, float]:
    """The site KPIs (``SITE_KPI_PREFIXES``) of a group of sites taken together (a trust's), over the
    journeys that used any of their A&Es, urgent care centres or beds and their rows of the census."""
    js = j[j.ed_site.isin(sites) | j.ucc_site.isin(sites) | j.bed_site.isin(sites)]
    if len(js) == 0:
        return {}
    elsewhere = (js.ed_site >= 0) & ~js.ed_site.isin(sites)
    if elsewhere.any():  # a type 1 attendance belongs to the site whose A&E it was, not to one that sent it on
        js = js.assign(ed_site=js.ed_site.where(~elsewhere, -1))
    kpis = measure(js, _NO_GP_REQUESTS, census[census.site.isin(names)], people, days, end_time)
    return {k: v for k, v in kpis.items() if k.startswith(SITE_KPI_PREFIXES) and "per_1000_population" not in k}


def locality_kpis(j: pd.DataFrame, people: float, days: float, end_time: float) -> dict[str, float]:
    """Ambulance response (mean and 90th centile, all categories and category 2, call to arrival on
    scene), conveyance, travel to A&E and four-hour performance for one locality's journeys ``j``."""
    calls = j[j.entry.isin(_CALLS)]
    response = (calls.t_response - calls.t_arrival).dropna()
    cat2 = response[calls.category == 2]
    at_ae = j[j.t_ed_arrival.notna()]
    per_1000_year = 1000.0 / people * DAYS_PER_YEAR / days if people and days else math.nan
    admissions = j[j.admitted & j.entry.isin(_EMERGENCY_ENTRIES) & ~j.diverted]
    deaths = death_kpis(j, at_ae[at_ae.ed_site >= 0], admissions, per_1000_year)
    return {
        "ambulance_response_mean_minutes": _mean(response),
        "ambulance_response_p90_minutes": _quantile(response, 0.9),
        "ambulance_cat2_mean_minutes": _mean(cat2),
        "ambulance_cat2_p90_minutes": _quantile(cat2, 0.9),
        "conveyance_minutes_mean": _mean(calls.conveyance_minutes),
        "ambulance_diverted_share": _share(calls.ambulance_diverted[calls.t_ed_arrival.notna()]),
        "ae_travel_minutes_mean": _mean(at_ae.travel_minutes),
        "ae_4h_type1": four_hour_type1(j, end_time),
        "ae_attendances_per_1000": len(at_ae) * 1000.0 / people * DAYS_PER_YEAR / days if people and days else math.nan,
        "deaths_per_1000_population": deaths["deaths_per_1000_population"],
        "deaths_from_delay_per_1000_population": deaths["deaths_from_delay_per_1000_population"],
        **{k: deaths[k] for k in ("deaths_30d_per_1000_attendances", "deaths_30d_per_1000_admissions",
                                  "in_hospital_deaths", "deaths_from_delay", "deaths_from_delay_expected",
                                  "harm_events_in_hospital")},
    }


def place_summaries(hs) -> dict[str, dict[str, float]]:
    """Every site's and every locality's KPIs over the whole reported period, keyed
    ``site:NAME`` and ``locality:NAME``: what experiments compare place by place."""
    j, _, census = tables_for_kpis(hs)
    cal, end = hs.calendar, hs.env.now
    days = (min(end, cal.end) - cal.warmup_minutes) / MINUTES_PER_DAY
    j, census = j[j.month >= 0], census[census.month >= 0]
    people = float(hs.cfg.population)
    out = {f"site:{name}": site_kpis(j, census, s, name, people, days, end) for s, name in enumerate(hs.site_names)}
    residents = np.bincount(hs.cells.locality, weights=hs.cells.people, minlength=len(hs.cfg.localities))
    for i, name in enumerate(hs.cfg.localities):
        out[f"locality:{name}"] = locality_kpis(j[j.locality == i], float(residents[i]), days, end)
    return {scope: kpis for scope, kpis in out.items() if kpis}


def kpi_tables(hs) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Monthly ICS KPIs (long), monthly KPIs by site (long) and the whole-period summary."""
    j, appts, census = tables_for_kpis(hs)
    cal = hs.calendar
    rows, site_rows = [], []
    for m, label in enumerate(cal.month_labels):
        if cal.month_starts[m] >= hs.env.now:
            break
        ics, by_site = month_kpis(hs, j, appts, census, m)
        rows += [(label, kpi, value) for kpi, value in ics.items()]
        site_rows += [(label, site, kpi, value) for site, kpis in by_site.items() for kpi, value in kpis.items()]
    summary = _summary(hs, j, appts, census)
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
