"""Experiments: common random numbers, honest intervals, bad input refused, reports reproducible."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from footprints import TOWN

from experiments import analysis, report
from experiments.config import load_experiment
from experiments.registry import judge
from experiments.runner import run_experiment
from icsim.cli import main
from sim.config import ConfigError


def write_experiment(tmp_path: Path, scenarios: dict, **extra) -> Path:
    spec = {"name": "tiny", "claim": "a test", "base": str(TOWN),
            "baseline": "baseline", "replications": 3, "months": 1, "seed": 11,
            "kpis": ["bed_occupancy_midnight", "ae_4h_type1", "ambulance_cat2_mean_minutes"],
            "scenarios": scenarios, **extra}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The town as it is, a scenario that changes nothing, and one with 8% fewer beds; 5 x 1 month
    (five replications: with three, the ratio of the paired to the unpaired interval is too noisy to
    show common random numbers at work on a small footprint)."""
    tmp = tmp_path_factory.mktemp("exp")
    fewer = {"city_royal": {"beds": 66}}
    path = write_experiment(tmp, {
        "baseline": {"description": "as is"},
        "same_again": {"description": "changes nothing", "overrides": {"description": "renamed"}},
        "fewer_beds": {"description": "8% fewer beds", "overrides": {"sites": fewer}},
    }, replications=5)
    exp = load_experiment(path)
    results = run_experiment(exp, workers=2)
    return exp, results, analysis.summarise(results, "baseline", exp.spec.kpis)


def test_replication_k_of_every_scenario_uses_the_same_seed(tiny):
    _, results, _ = tiny
    seeds = results.groupby(["scenario", "replication"]).seed.first().unstack("scenario")
    assert (seeds.nunique(axis=1) == 1).all()
    assert list(seeds.index) == [0, 1, 2, 3, 4] and list(seeds.iloc[:, 0]) == [11, 12, 13, 14, 15]


def test_a_scenario_that_changes_nothing_differs_by_nothing(tiny):
    _, _, summary = tiny
    same = summary[summary.scenario == "same_again"]
    assert (same["diff"] == 0).all()
    assert ((same.diff_low <= 0) & (same.diff_high >= 0)).all()


def test_common_random_numbers_tighten_the_paired_interval(tiny):
    _, _, summary = tiny
    fewer = summary[(summary.scenario == "fewer_beds") & (summary.kpi == "bed_occupancy_midnight")].iloc[0]
    paired = fewer.diff_high - fewer.diff_low
    unpaired = fewer.unpaired_high - fewer.unpaired_low
    assert fewer["diff"] > 0  # fewer beds, fuller wards
    assert paired < unpaired / 2


def test_t_interval_matches_the_textbook():
    x = [1.0, 2.0, 3.0, 4.0]
    mean, low, high = analysis.t_interval(x)
    half = 3.182446305284263 * np.std(x, ddof=1) / 2  # t(0.975, 3)
    assert mean == 2.5 and low == pytest.approx(2.5 - half) and high == pytest.approx(2.5 + half)


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_report_is_regenerated_identically(tiny, tmp_path):
    exp, results, summary = tiny
    first = report.write(tmp_path / "a", exp, results, summary, judge(summary, exp))
    again = run_experiment(exp, workers=1)  # the same runs, one process, another order of completion
    pd.testing.assert_frame_equal(results, again)
    s2 = analysis.summarise(again, "baseline", exp.spec.kpis)
    second = report.write(tmp_path / "b", exp, again, s2, judge(s2, exp))
    assert digest(first) == digest(second)
    text = (first / "report.md").read_text()
    assert "fewer_beds" in text and "![bed_occupancy_midnight](figures/bed_occupancy_midnight.png)" in text


def test_bad_experiments_are_refused_naming_the_field(tmp_path):
    path = write_experiment(tmp_path, {"baseline": {}, "broken": {"overrides": {"sites": {"city_royal": {"beds": -1}}}}},
                            kpis=["ae_4h_type1", "not_a_kpi"], baseline="baseline")
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    problems = err.value.problems
    assert "kpis: unknown KPI 'not_a_kpi'" in problems
    assert any(p.startswith("scenarios.broken.overrides: sites.city_royal.beds:") for p in problems)
    missing = write_experiment(tmp_path, {"a": {}}, baseline="nope")
    with pytest.raises(ConfigError, match="baseline"):
        load_experiment(missing)


def test_experiment_command_exits_2_on_bad_input(tmp_path, capsys):
    path = write_experiment(tmp_path, {"baseline": {}}, replications=1)
    assert main(["experiment", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "replications" in capsys.readouterr().err
    assert main(["experiment", str(path), "--replications", "1"]) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["forty_percent", "ae_closure", "efficiency_squeeze", "social_care", "integration",
                                  "calibration"])
def test_shipped_experiments_load(name):
    exp = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    assert exp.spec.name == name and exp.spec.verdict == name


@pytest.mark.parametrize("config", ["baseline", "nw_london", "squeeze"])
def test_shipped_configs_validate(config):
    assert main(["validate", str(ROOT / "configs" / f"{config}.yaml")]) == 0
