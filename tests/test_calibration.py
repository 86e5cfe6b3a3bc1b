"""Calibration: a footprint's published targets as config data, checked like the rest of the config,
and ``icsim calibrate`` judging replications against them.

The Midshire baseline (``configs/baseline.yaml``) carries England's figures from
``sim/reference/england.yaml``; the year-long check of it is ``test_baseline_year_lands`` (about
20 seconds). The command is tested on the small town (``tests/configs/town.yaml``), one month a run.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from conftest import BASELINE, ROOT

from agents import health_system
from icsim.cli import main
from sim.calibration import calibration_table, compare, simulated, targets
from sim.config import ConfigError, load_config, load_raw, validate
from sim.config.calibration import period_months
from sim.kpi_names import FOOTPRINT_KPIS
from sim.kpis import NO_GP_REQUESTS, kpi_tables, measure, summary_kpis

TOWN = ROOT / "tests" / "configs" / "town.yaml"


def target(value=0.5, low=0.0, high=1.0, **extra) -> dict:
    return {"reference": None, "per": None, "value": value, "range": [low, high], "source": "a test figure",
            "period": "2024", **extra}


def town_with(calibration: dict) -> dict:
    """The town's raw config with its calibration replaced by ``calibration``."""
    data = copy.deepcopy(load_raw(TOWN))
    data["calibration"] = calibration
    return data


def problems_of(data) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate(data, "test")
    return info.value.problems


# --- targets are config data -----------------------------------------------------------------------

def test_kpi_names_are_exactly_what_measure_returns():
    from sim.journeys import COLUMNS
    j = pd.DataFrame({c: pd.Series(dtype=d) for c, (d, _) in COLUMNS.items()})
    j["readmitted"] = pd.Series(dtype=bool)
    census = pd.DataFrame({"service": ["acute_beds"], "day": 0, "occupied": 1, "capacity": 1, "queue": 0, "delayed": 0})
    assert set(measure(j, NO_GP_REQUESTS, census, 1.0, 1.0, 0.0)) == set(FOOTPRINT_KPIS)


def test_the_baselines_targets_carry_their_sources():
    t = targets(load_config(BASELINE))
    assert len(t) == 34 and set(t.scope) == {"footprint"}
    assert t.source.str.len().min() > 5 and t.period.str.len().min() >= 4
    assert (t.low <= t.reference).all() and (t.reference <= t.high).all()
    derived = t.set_index("kpi").loc["delayed_discharge_share_of_beds"]
    assert derived.reference == pytest.approx(13469 / 102000) and derived.source.startswith("derived:")
    assert set(t[~t.required].kpi) == {"ae_12h_from_arrival_share", "emergency_los_mean_days",
                                       "elective_cancelled_share_of_activity", "rtt_cancelled_not_rebooked_28d_share"}


@pytest.mark.parametrize("calibration, expected", [
    ({"sites": {"atlantis": {"ae_4h_type1": target()}}}, "calibration.sites.atlantis: not a site of this config"),
    ({"localities": {"atlantis": {"ae_4h_type1": target()}}},
     "calibration.localities.atlantis: not a locality of this config"),
    ({"trusts": {"t": {"sites": ["city_royal", "atlantis"], "targets": {"ae_4h_type1": target()}}}},
     "calibration.trusts.t.sites: 'atlantis' is not a site of this config"),
    ({"footprint": {"happiness_index": target()}}, "calibration.footprint.happiness_index: not a KPI"),
    ({"sites": {"city_royal": {"gp_wait_mean_days": target()}}}, "calibration.sites.city_royal.gp_wait_mean_days: not a KPI"),
    ({"localities": {"northfield": {"bed_occupancy_midnight": target()}}},
     "calibration.localities.northfield.bed_occupancy_midnight: not a KPI"),
    ({"footprint": {"ae_4h_type1": target(period="2012/14")}}, "calibration.footprint.ae_4h_type1.period: '2012/14'"),
    ({"footprint": {"ae_4h_type1": target(period="April 2012")}}, "calibration.footprint.ae_4h_type1.period: 'April 2012' is not a period"),
    ({"footprint": {"ae_4h_type1": target(period="2013-03 to 2012-04")}}, "ends before it starts"),
    ({"period": "2012-13"}, "calibration.period: '2012-13': month 13"),
    ({"footprint": {"ae_4h_type1": target(value=0.9, high=0.8)}}, "calibration.footprint.ae_4h_type1: value 0.9 is outside"),
    ({"footprint": {"ae_4h_type1": target(value=float("nan"))}}, "calibration.footprint.ae_4h_type1.value"),
    ({"footprint": {"ae_4h_type1": target(source=None)}}, "calibration.footprint.ae_4h_type1: a target needs source"),
    ({"footprint": {"ae_4h_type1": {"reference": "england:operations.no_such_figure"}}},
     "calibration.footprint.ae_4h_type1: 'england:operations.no_such_figure': no entry 'no_such_figure'"),
    ({"footprint": {"ae_4h_type1": {"reference": "atlantis:operations.ae_4h_type1"}}},
     "no reference file sim/reference/atlantis.yaml"),
    ({"replications": 0}, "calibration.replications: Input should be greater than or equal to 1"),
])
def test_bad_targets_are_refused_naming_the_field(calibration, expected):
    problems = problems_of(town_with(calibration))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("text, months", [
    ("2012", ((2012, 1), (2012, 12))), ("2012/13", ((2012, 4), (2013, 3))), ("2013-01", ((2013, 1), (2013, 1))),
    ("2019-2022", ((2019, 1), (2022, 12))), ("2019/20-2023/24", ((2019, 4), (2024, 3))),
    ("2011-04 to 2012-02", ((2011, 4), (2012, 2))), ("1999/00", ((1999, 4), (2000, 3))),
])
def test_periods(text, months):
    assert period_months(text) == months


def test_a_referenced_target_survives_a_round_trip():
    cfg = load_config(BASELINE)
    again = validate(cfg.model_dump(by_alias=True))
    assert targets(again).equals(targets(cfg))


# --- the engine and the command ---------------------------------------------------------------------

def test_simulated_over_the_whole_run_is_the_summary():
    hs = health_system(load_config(TOWN))
    hs.run()
    scopes = simulated(hs)
    summary = summary_kpis(hs)
    for kpi in ("ae_4h_type1", "bed_occupancy_midnight", "ambulance_cat12_8min_share", "ae_attendances_per_day"):
        assert scopes["footprint"][kpi] == pytest.approx(summary[kpi], nan_ok=True)
    assert scopes["site:city_royal"]["ae_type1_attendances_per_day"] > 0
    assert set(scopes) >= {"footprint", "site:city_royal", "locality:northfield", "locality:city_centre"}
    table = compare(targets(hs.cfg), [scopes, scopes])
    assert (table.simulated == table.ci_low).all() or table.ci_low.isna().any()


def _calibrate(tmp_path, data: dict, *args: str) -> tuple[int, str]:
    path = tmp_path / "town.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return main(["calibrate", str(path), "--out", str(tmp_path / "out"), *args])


def test_calibrate_exits_1_naming_every_missed_target(tmp_path, capsys):
    data = town_with({"replications": 2, "footprint": {
        "ae_4h_type1": target(0.999, 0.999, 1.0, note="impossible"),
        "gp_appointments_per_1000": target(6000, 0, 1e6),
        "emergency_los_mean_days": target(99, 98, 100, required=False)},
        "sites": {"city_royal": {"ae_type1_attendances_per_day": target(1e5, 1e5, 1e6)}},
        "trusts": {"town_trust": {"sites": ["city_royal"], "targets": {"bed_occupancy_midnight": target(0.5, 0, 1)}}},
        "localities": {"northfield": {"conveyance_minutes_mean": target(5, 0, 1000)}}})
    assert _calibrate(tmp_path, data) == 1
    err = capsys.readouterr().err
    assert "missed: footprint ae_4h_type1" in err and "missed: site:city_royal ae_type1_attendances_per_day" in err
    assert "emergency_los_mean_days" not in err  # not required: reported in the table, not a failure
    assert "2 of 5 required targets missed" in err
    table = pd.read_csv(tmp_path / "out" / "calibration.csv")
    assert list(table.kpi) == ["ae_4h_type1", "gp_appointments_per_1000", "emergency_los_mean_days",
                               "ae_type1_attendances_per_day", "bed_occupancy_midnight", "conveyance_minutes_mean"]
    assert (table.replications == 2).all() and table.met.tolist() == [False, True, False, False, True, True]
    md = (tmp_path / "out" / "calibration.md").read_text()
    assert "2 required target(s) missed" in md and "a test figure" in md


def test_calibrate_exits_0_when_every_required_target_is_met(tmp_path, capsys):
    data = town_with({"replications": 1, "footprint": {"ae_attendances_per_1000": target(450, 100, 1000)}})
    assert _calibrate(tmp_path, data, "--seed", "7") == 0
    out = capsys.readouterr().out
    assert "met" in out
    assert pd.read_csv(tmp_path / "out" / "calibration.csv").met.all()


@pytest.mark.parametrize("calibration, args, message", [
    (None, [], "no calibration targets"),
    ({"period": "2012/13", "footprint": {"ae_4h_type1": target()}}, [], "calibration.period: 2012/13 needs the months"),
    ({"footprint": {"ae_4h_type1": target()}}, ["--replications", "0"], "--replications"),
    ({"footprint": {"ae_4h_type1": target()}}, ["--seed", "-1"], "--seed"),
])
def test_calibrate_exits_2_for_bad_input(tmp_path, capsys, calibration, args, message):
    assert _calibrate(tmp_path, town_with(calibration), *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_bad_target_is_exit_2_naming_the_field(tmp_path, capsys):
    data = town_with({"sites": {"atlantis": {"ae_4h_type1": target()}}})
    assert _calibrate(tmp_path, data) == 2
    assert "calibration.sites.atlantis: not a site of this config" in capsys.readouterr().err


# --- the baseline's year ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def year(baseline_year):
    return calibration_table(kpi_tables(baseline_year)[2], baseline_year.cfg)


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
