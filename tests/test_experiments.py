"""Experiments: questions judged by the engine, replications by precision, common random numbers,
runs on a Dask cluster kept and reused, reports reproducible, bad input refused.

Every experiment here is on the small town (tests/configs/town.yaml), a month a run (a second or
two each), on a loopback Dask cluster started for the module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from daskcluster import LoopbackCluster
from footprints import TOWN

from experiments.config import load_experiment
from experiments.execution import run_key
from experiments.findings import farther
from icsim.cli import main
from sim.config import ConfigError, load_config

# Two questions whose KPIs vary from month to month in the town about as much as their margins
# (category 2 response: margin 5 minutes; type 1 four-hour performance: margin 2 points), so that a
# few replications cannot settle them and a few dozen can
QUESTIONS = [{"ask": "Do ambulances take longer?", "kpis": ["ambulance_cat2_mean_minutes"], "expect": "no_worse"},
             {"ask": "Does four-hour performance change?", "kpis": ["ae_4h_type1"], "expect": "equivalent"}]


def write_experiment(tmp_path: Path, scenarios: dict, questions: list | None = None, name: str = "tiny",
                     **extra) -> Path:
    asked = [{**q, "scenarios": [s for s in scenarios if s != "baseline"]} for q in (questions or QUESTIONS)]
    spec = {"name": name, "claim": "a test claim", "base": str(TOWN), "baseline": "baseline", "months": 1,
            "seed": 11, "kpis": ["bed_occupancy_midnight", "ae_4h_type1", "ambulance_cat2_mean_minutes"],
            "questions": asked, "scenarios": scenarios, **extra}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def cluster():
    c = LoopbackCluster(workers=2)
    yield c
    c.close()


def experiment(path: Path, out: Path, cluster, *args: str) -> int:
    return main(["experiment", str(path), "--out", str(out), "--scheduler", cluster.address, *args])


def verdict(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "verdict.csv")


def executions(out: Path) -> list[dict]:
    log = out / "runs" / "executions.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


# --- the null experiment: a scenario that is the baseline with other patients ------------------------


NULL = {"baseline": {"description": "as is"},
        "same_other_patients": {"description": "the same config, meeting other patients", "seed_offset": 500}}


def test_a_null_scenario_is_inconclusive_with_two_replications(tmp_path, cluster):
    path = write_experiment(tmp_path, NULL)
    assert experiment(path, tmp_path / "two", cluster, "--replications", "2") == 0
    assert set(verdict(tmp_path / "two").answer) == {"inconclusive"}


def test_a_null_scenario_is_equivalent_once_precision_is_reached(tmp_path, cluster):
    path = write_experiment(tmp_path, NULL, replications={"start": 3, "max": 120})
    assert experiment(path, tmp_path / "precise", cluster) == 0
    v = verdict(tmp_path / "precise")
    assert set(v.answer) == {"equivalent"}, v[["kpi", "answer", "difference", "low", "high", "margin"]]
    assert v.replications.max() > 3  # replications were added to get there
    report = (tmp_path / "precise" / "report.md").read_text()
    assert "every question's 95% interval within half its margin" in report
    assert "**Verdict: supported.**" in report  # the claim expects no worse / equivalent


def test_a_scenario_with_common_random_numbers_and_no_change_differs_by_nothing(tmp_path, cluster):
    path = write_experiment(tmp_path, {"baseline": {"description": "as is"},
                                       "renamed": {"description": "changes nothing",
                                                   "overrides": {"description": "renamed"}}})
    assert experiment(path, tmp_path / "same", cluster, "--replications", "2") == 0
    v = verdict(tmp_path / "same")
    assert (v.difference == 0).all() and set(v.answer) == {"equivalent"}
    results = pd.read_csv(tmp_path / "same" / "results.csv")
    seeds = results.groupby(["scenario", "replication"]).seed.first().unstack("scenario")
    assert (seeds.nunique(axis=1) == 1).all() and list(seeds.iloc[:, 0]) == [11, 12]


# --- a scenario that does something ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fewer_ambulances(tmp_path_factory, cluster):
    tmp = tmp_path_factory.mktemp("exp")
    path = write_experiment(tmp, {"baseline": {"description": "as is"},
                                  "one_ambulance": {"description": "half the fleet",
                                                    "overrides": {"ambulance": {"vehicles": 1}}}},
                            name="fleet", replications={"start": 3, "max": 12},
                            assumptions=[{"path": "ambulance.on_scene_minutes.mean", "low": 30, "high": 50,
                                          "why": "a test range"}])
    out = tmp / "report"
    assert experiment(path, out, cluster) == 0
    return path, out


def test_halving_the_fleet_is_clearly_worse_and_contradicts_the_claim(fewer_ambulances):
    _, out = fewer_ambulances
    v = verdict(out).set_index("kpi")
    row = v.loc["ambulance_cat2_mean_minutes"]
    assert row.answer == "clearly worse" and row.low > row.margin
    report = (out / "report.md").read_text()
    assert "**Verdict: contradicted.**" in report and "category 2 response" in report
    # the robustness section tried the assumption at both ends
    assert "ambulance.on_scene_minutes.mean (30-50)" in report


def test_the_report_is_regenerated_identically_from_the_kept_runs(tmp_path, fewer_ambulances, cluster):
    path, out = fewer_ambulances
    before = len(executions(out))
    again = tmp_path / "again"
    # the same runs are found in the first folder's cache when it is given as the output again
    assert experiment(path, out, cluster, "--force") == 0
    assert len(executions(out)) == before, "no run was made again"
    assert experiment(path, again, cluster) == 0
    for name in ("report.md", "verdict.csv", "results.csv", "places.csv", "robustness.csv", "warmup.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_a_local_cluster_and_a_scheduler_give_the_same_report_byte_for_byte(tmp_path, cluster):
    path = write_experiment(tmp_path, {"baseline": {"description": "as is"},
                                       "one_ambulance": {"overrides": {"ambulance": {"vehicles": 1}}}})
    assert main(["experiment", str(path), "--out", str(tmp_path / "local"), "--workers", "2",
                 "--replications", "3", "--skip-robustness"]) == 0
    assert experiment(path, tmp_path / "remote", cluster, "--replications", "3", "--skip-robustness") == 0
    for name in ("report.md", "verdict.csv", "results.csv"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes(), name


def test_an_experiment_that_stopped_reruns_only_what_it_lacked(tmp_path, cluster):
    """Runs finished before a stop are kept; the same command makes only the others, once each."""
    path = write_experiment(tmp_path, {"baseline": {"description": "as is"},
                                       "one_ambulance": {"overrides": {"ambulance": {"vehicles": 1}}}})
    out = tmp_path / "stopped"
    assert experiment(path, out, cluster, "--replications", "2", "--skip-robustness") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["complete"] = False  # as a stop before the report leaves it
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "report.md").unlink()
    exp = load_experiment(path)
    key = run_key(exp.scenario_data("one_ambulance"), 12, 1)
    (out / "runs" / f"{key}.parquet").unlink()  # one run lost with the stop
    assert experiment(path, out, cluster, "--replications", "2", "--skip-robustness") == 0
    counted = {}
    for e in executions(out):
        counted[e["key"]] = counted.get(e["key"], 0) + 1
    assert counted[key] == 2 and sum(counted.values()) == 5, counted  # 4 runs, one of them made again
    assert (out / "report.md").exists() and json.loads((out / "manifest.json").read_text())["complete"]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("change,problem", [
    ({"questions": [{"ask": "q", "kpis": ["nope"], "scenarios": ["fewer"]}]}, "questions[0].kpis: unknown KPI"),
    ({"questions": [{"ask": "q", "kpis": ["ae_4h_type1"], "scenarios": ["fewer"], "margin": "made_up"}]},
     "not in minimal_important_differences"),
    ({"questions": [{"ask": "q", "kpis": ["diverted_to_virtual_ward"], "scenarios": ["fewer"]}]}, "no worse direction"),
    ({"findings": ["import_os"]}, "findings"),
    ({"assumptions": [{"path": "ambulance.not_a_setting", "low": 1, "high": 2, "why": "x"}]}, "assumptions[0].path"),
    ({"assumptions": [{"path": "ambulance.vehicles", "low": -5, "high": 2, "why": "x"}]}, "assumptions[0].low"),
    ({"replications": {"start": 5, "max": 3}}, "replications"),
    ({"verdict": "this"}, "verdict"),
])
def test_a_bad_experiment_is_refused_naming_the_field(tmp_path, change, problem, capsys):
    spec = {"name": "bad", "claim": "c", "base": str(TOWN), "kpis": ["ae_4h_type1"],
            "scenarios": {"baseline": {}, "fewer": {"overrides": {"sites": {"city_royal": {"beds": 60}}}}}, **change}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert any(problem in p for p in info.value.problems), info.value.problems
    assert main(["experiment", str(path), "--out", str(tmp_path / "never")]) == 2
    assert not (tmp_path / "never").exists()


def test_the_shipped_experiments_load():
    for path in sorted(Path(__file__).resolve().parents[1].glob("experiments/*.yaml")):
        exp = load_experiment(path)
        assert exp.asked, f"{path.name} asks no question"
        assert any(a.expect for a in exp.asked), f"{path.name}: no question says what the claim expects"


def test_residents_farther_from_an_ae_is_worked_out_from_the_map():
    base = load_config(TOWN)
    two = load_config(Path(__file__).resolve().parent / "configs" / "two_towns.yaml")
    closed = load_config(Path(__file__).resolve().parent / "configs" / "two_towns.yaml",
                         {"sites": {"north_general": {"emergency_department": {"open": False}}}})
    people, total, moved = farther(two, closed)
    assert 0 < people < total and moved and "north_general" in moved[0]
    assert farther(base, base)[0] == 0


def test_a_run_leaves_no_model_behind_in_the_process_that_made_it():
    """A Dask worker makes run after run: each run's model (whose objects refer to one another, so
    only the cyclic collector frees them) must be gone when its results are returned, or a worker's
    memory grows by a model a run until Dask pauses it."""
    import gc

    from experiments.runner import run_kpis, run_results
    from sim.model import HealthSystem

    def models() -> int:
        return sum(isinstance(o, HealthSystem) for o in gc.get_objects())

    gc.collect()
    data = load_config(TOWN).model_dump(by_alias=True)
    for run in (run_results, run_kpis):
        before = models()
        run(data, 1, 1)
        assert models() == before
