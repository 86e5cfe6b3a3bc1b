"""Simulated KPIs against published figures for England (``sim/reference/england.yaml``).

Each calibrated KPI names the reference entry it is judged against. The reference gives a
central value and a plausible range; a KPI "lands" when the simulated value is inside the range.
Some KPIs are derived from two published figures (the share of beds occupied by patients with no
criteria to reside is the sitrep count over the KH03 bed count); their derivation is stated here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import yaml

# kpi -> (section, entry) in the reference file
REFERENCE_KPIS: dict[str, tuple[str, str]] = {
    "gp_appointments_per_1000": ("activity_per_1000_per_year", "gp_practice_appointments"),
    "ae_attendances_per_1000": ("activity_per_1000_per_year", "ae_attendances_all_types"),
    "ae_type1_attendances_per_1000": ("activity_per_1000_per_year", "ae_attendances_type1"),
    "emergency_admissions_per_1000": ("activity_per_1000_per_year", "emergency_admissions"),
    "ambulance_incidents_per_1000": ("activity_per_1000_per_year", "ambulance_incidents"),
    "ambulance_conveyed_share": ("shares", "ambulance_conveyed_to_ed"),
    "ambulance_see_and_treat_share": ("shares", "ambulance_see_and_treat"),
    "ae_type1_admitted_share": ("shares", "type1_attendances_admitted"),
    "emergency_zero_day_share": ("shares", "emergency_admissions_zero_day"),
    "readmission_30day_share": ("shares", "readmission_30day_emergency"),
    "ae_4h_all_types": ("operations", "ae_4h_all_types"),
    "ae_4h_type1": ("operations", "ae_4h_type1"),
    "ae_12h_from_arrival_share": ("operations", "ae_12h_from_arrival_share"),
    "bed_occupancy_midnight": ("operations", "ga_occupancy_midnight"),
    "emergency_los_mean_days": ("operations", "emergency_los_mean_days"),
    "ambulance_cat2_mean_minutes": ("operations", "ambulance_cat2_mean_minutes"),
    # what happens to patients, and the flows the experiments lean on (sim/outcomes.py and others)
    "deaths_30d_per_1000_attendances": ("outcomes", "deaths_30d_per_1000_attendances"),
    "deaths_30d_per_1000_admissions": ("outcomes", "deaths_30d_per_1000_admissions"),
    "in_hospital_deaths_per_1000_admissions": ("outcomes", "in_hospital_deaths_per_1000_admissions"),
    "long_stay_21d_share_of_beds": ("outcomes", "long_stay_21d_share_of_beds"),
    "weekend_discharge_ratio": ("outcomes", "weekend_discharge_ratio"),
    "elective_cancelled_share": ("outcomes", "elective_cancelled_inpatients"),
    "suitable_share_of_admissions": ("avoidable_admissions_evidence", "day_of_care_survey_not_meeting_criteria"),
}


@cache
def reference() -> dict:
    """The published figures the project carries, with their sources."""
    text = resources.files("sim").joinpath("reference/england.yaml").read_text()
    return yaml.safe_load(text)


def targets() -> pd.DataFrame:
    """One row per calibrated KPI: published value, plausible range and source."""
    ref = reference()
    rows = []
    for kpi, (section, entry) in REFERENCE_KPIS.items():
        item = ref[section][entry]
        low, high = item.get("range", [item["value"], item["value"]])
        year = f" ({item['year']})" if item.get("year") else ""
        rows.append((kpi, float(item["value"]), float(low), float(high), f"{item['source']}{year}"))
    ops = ref["operations"]
    nctr, beds = ops["no_criteria_to_reside_per_day"], ops["ga_beds_england"]
    rows.append(("delayed_discharge_share_of_beds", nctr["value"] / beds["value"], nctr["range"][0] / beds["value"],
                 nctr["range"][1] / beds["value"],
                 f"derived: {nctr['source']} count / {beds['source']} beds"))
    return pd.DataFrame(rows, columns=["kpi", "reference", "low", "high", "source"]).set_index("kpi")


def calibration_table(summary: pd.Series) -> pd.DataFrame:
    """Simulated against published, with whether each lands inside the published range."""
    table = targets()
    table.insert(0, "simulated", [float(summary.get(k, float("nan"))) for k in table.index])
    table["within_range"] = (table.simulated >= table.low) & (table.simulated <= table.high)
    return table
