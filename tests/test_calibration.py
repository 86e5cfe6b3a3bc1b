"""The baseline against published figures for England (sim/reference/england.yaml).

Runs the baseline for its full year (about 20 seconds) and checks that KPIs land inside the
published ranges. Figures the model is known to miss are listed, with the reason, in
docs/calibration.md; this test guards the ones it meets from drifting.
"""

from __future__ import annotations

import pytest
from conftest import BASELINE

from agents import health_system
from sim.calibration import calibration_table, targets
from sim.config import load_config
from sim.kpis import kpi_tables


@pytest.fixture(scope="module")
def year():
    hs = health_system(load_config(BASELINE))
    hs.run()
    return calibration_table(kpi_tables(hs)[2])


def test_reference_targets_carry_their_sources():
    t = targets()
    assert len(t) >= 24
    assert t.source.str.len().min() > 5
    assert (t.low <= t.reference).all() and (t.reference <= t.high).all()


def test_at_least_eight_kpis_land_in_the_published_range(year):
    landed = year[year.within_range]
    assert len(landed) >= 8, year.to_string()


@pytest.mark.parametrize("kpi", [
    "ae_attendances_per_1000", "emergency_admissions_per_1000", "ambulance_incidents_per_1000",
    "ae_4h_type1", "bed_occupancy_midnight", "readmission_30day_share", "ambulance_cat2_mean_minutes",
    "ambulance_see_and_treat_share", "ae_type1_admitted_share",
])
def test_core_kpis_are_calibrated(year, kpi):
    row = year.loc[kpi]
    assert row.low <= row.simulated <= row.high, f"{kpi}: {row.simulated:.3f} outside {row.low}-{row.high}"


@pytest.mark.parametrize("kpi", [
    "deaths_30d_per_1000_attendances", "deaths_30d_per_1000_admissions", "in_hospital_deaths_per_1000_admissions",
    "long_stay_21d_share_of_beds", "weekend_discharge_ratio", "elective_cancelled_share",
    "suitable_share_of_admissions",
])
def test_the_baseline_lands_its_mortality_and_length_of_stay_kpis(year, kpi):
    """What happens to patients and the flows the experiments lean on (sim/outcomes.py and the
    mechanisms of issue 11), against the published ranges carried in the reference file."""
    row = year.loc[kpi]
    assert row.low <= row.simulated <= row.high, f"{kpi}: {row.simulated:.4f} outside {row.low}-{row.high}"
