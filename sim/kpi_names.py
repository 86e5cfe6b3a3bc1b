"""The names of the KPIs icsim measures, by the scope they are measured at.

Kept apart from ``sim.kpis`` (which computes them) so that a config can name a KPI, and be
refused when it names one icsim does not measure, without the configuration layer importing the
simulation (``tests/test_calibration.py`` checks that these are exactly the KPIs ``measure`` returns).
"""

from __future__ import annotations

# Every KPI of ``sim.kpis.measure``: the footprint's over a period
FOOTPRINT_KPIS: tuple[str, ...] = (
    "ae_attendances_per_1000", "ae_type1_attendances_per_1000", "ae_attendances_per_day",
    "ae_type1_attendances_per_day", "ae_ambulance_arrivals_per_day", "ae_4h_all_types", "ae_4h_type1",
    "ae_12h_from_arrival_share", "ae_type1_admitted_share", "ae_corridor_care_share", "ae_travel_minutes_mean",
    "time_to_treatment_urgent_minutes", "trolley_wait_mean_hours", "trolley_waits_12h_per_1000",
    "ambulance_incidents_per_1000", "ambulance_attended_per_1000", "ambulance_cat1_mean_minutes",
    "ambulance_cat2_mean_minutes", "ambulance_cat12_8min_share", "ambulance_cat12_19min_share",
    "ambulance_conveyed_share", "ambulance_conveyed_share_of_attended", "ambulance_see_and_treat_share",
    "ambulance_hear_and_treat_share", "handover_mean_minutes", "conveyance_minutes_mean",
    "handover_over_30min_share", "handover_over_60min_share", "handover_hours_lost_per_1000",
    "emergency_admissions_per_1000", "emergency_admissions_per_day", "emergency_zero_day_share",
    "emergency_los_mean_days", "emergency_los_overnight_mean_days", "delayed_discharge_bed_days_per_1000",
    "elective_admissions_per_1000", "elective_cancelled_share", "bed_occupancy_midnight",
    "bed_days_over_92pct_share", "bed_days_over_95pct_share", "delayed_discharges_midnight",
    "delayed_discharge_share_of_beds", "readmission_30day_share", "deteriorations_after_diversion",
    "diverted_to_virtual_ward", "discharged_without_needed_care", "gp_appointments_per_1000", "gp_wait_mean_days",
    "gp_seen_within_14_days_share", "gp_went_to_ae_instead_per_1000",
    # what happens to patients, the network and the flows of sim/outcomes.py and sim/beds.py
    "deaths", "deaths_per_1000_population", "deaths_30d_per_1000_attendances", "deaths_30d_per_1000_admissions",
    "in_hospital_deaths", "in_hospital_deaths_per_1000_admissions", "deaths_from_delay", "deaths_from_delay_expected",
    "deaths_from_delay_per_1000_population", "harm_events_in_hospital", "harm_events_in_hospital_expected",
    "ambulance_diversions", "ambulance_diverted_share", "transfers_within_trust", "transfers_overflow",
    "long_stay_21d_share_of_beds", "weekend_discharge_ratio", "elective_waiting_list_mean",
    "suitable_share_of_admissions",
    # the elective waiting list as referral to treatment (sim/rtt.py)
    "rtt_waiting_list", "rtt_waiting_list_per_1000", "rtt_18_week_share", "rtt_52_week_waiters", "rtt_52_week_share",
    "rtt_clock_starts_per_1000", "rtt_nonadmitted_stops_per_1000", "rtt_admitted_stops_per_1000",
    "rtt_validation_removals_per_1000", "rtt_cancelled_on_the_day", "elective_cancelled_share_of_activity",
    "rtt_cancelled_not_rebooked_28d", "rtt_cancelled_not_rebooked_28d_share",
    # mental health crisis care (sim/mental_health.py)
    "mh_ae_attendances_per_1000", "mh_ae_attendances_per_day", "mh_ae_hours_mean", "mh_ae_12h_from_arrival_share",
    "mh_ae_bed_wait_mean_hours", "mh_ae_bed_waits_over_12h", "mh_ae_bed_waits_over_24h", "mh_admissions_local",
    "mh_admissions_avoided", "mh_home_treatment_episodes", "mh_oaps_new", "mh_oaps_new_per_million_per_month",
    "mh_bed_occupancy_midnight", "mh_delayed_discharge_share_of_beds", "mh_oaps_active_mean",
    "mh_oaps_active_per_million", "mh_oaps_active_month_end", "mh_oap_bed_days", "mh_crisis_team_caseload_mean",
    "mh_crisis_team_utilisation",
    *(f"{service}_{what}" for service in ("virtual_ward", "urgent_community_response", "intermediate_care",
                                          "reablement", "home_care", "care_homes", "ambulances")
      for what in ("utilisation", "queue_mean")),
)

# KPIs that make sense for one site (or a trust's sites): what happens in its A&E and its beds
SITE_KPI_PREFIXES = ("ae_", "handover", "bed_", "delayed", "emergency_", "elective_", "trolley", "time_to_treatment",
                     "deaths_30d", "in_hospital_deaths", "deaths_from_delay", "harm_events", "transfers",
                     "ambulance_divert", "long_stay", "rtt_", "mh_ae_")
SITE_KPIS: tuple[str, ...] = tuple(k for k in FOOTPRINT_KPIS
                                   if k.startswith(SITE_KPI_PREFIXES) and "per_1000_population" not in k)

# What each locality's residents meet: how far and how long to reach care, and how soon help comes
LOCALITY_KPIS: tuple[str, ...] = (
    "ambulance_response_mean_minutes", "ambulance_response_p90_minutes", "ambulance_cat2_mean_minutes",
    "ambulance_cat2_p90_minutes", "conveyance_minutes_mean", "ae_travel_minutes_mean", "ae_4h_type1",
    "ae_attendances_per_1000", "deaths_per_1000_population", "deaths_from_delay_per_1000_population",
    "deaths_30d_per_1000_attendances", "deaths_30d_per_1000_admissions", "in_hospital_deaths", "deaths_from_delay",
    "deaths_from_delay_expected", "harm_events_in_hospital", "ambulance_diverted_share")
