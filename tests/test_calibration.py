"""The baseline against published figures for England (sim/reference/england.yaml).

Runs the baseline for its full year (about 20 seconds) and checks that KPIs land inside the
published ranges. Figures the model is known to miss are listed, with the reason, in
docs/calibration.md; this test guards the ones it meets from drifting.
"""

from __future__ import annotations

import pytest

from sim.calibration import calibration_table, targets
from sim.kpis import kpi_tables


@pytest.fixture(scope="module")
def year(baseline_year):
    return calibration_table(kpi_tables(baseline_year)[2])


def test_reference_targets_carry_their_sources():
    t = targets()
    assert len(t) >= 15
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
