"""Parameter sweeps: the sweep config is checked before anything runs; on a real Dask cluster on
loopback (a scheduler and two worker processes) a sweep gives the same numbers as the same runs
made one by one, survives a worker killed mid-sweep, records failed runs without stopping, and
restarted after an interruption runs only what had not finished."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from daskcluster import LoopbackCluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.design import plan, points
from experiments.sweep import results, run_sweep
from experiments.sweep_config import load_sweep
from experiments.sweep_store import RunStore
from icsim.cli import main
from sim.config import ConfigError

HERE = Path(__file__).resolve().parent
GRID = HERE / "sweeps" / "town_grid.yaml"
BIG_GRID = HERE / "sweeps" / "town_big_grid.yaml"
BEDS = HERE / "sweeps" / "town_beds.yaml"
TOWN = HERE / "configs" / "town.yaml"


def write_sweep(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load(GRID.read_text())
    data["base"] = str(TOWN)
    data.update(changes)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_sweep(path)
    return exc.value.problems


# --- refused before anything runs ------------------------------------------------------------


def test_unknown_path_is_refused_naming_it_and_what_is_there(tmp_path):
    path = write_sweep(tmp_path, parameters={"sites.city_royl.beds": {"values": [60, 70]}})
    (problem,) = problems(path)
    assert problem.startswith("parameters.sites.city_royl.beds: unknown config path")
    assert "city_royal" in problem  # says what the sites are


def test_path_to_a_group_of_settings_is_refused(tmp_path):
    path = write_sweep(tmp_path, parameters={"sites.city_royal": {"values": [1, 2]}})
    assert "group of settings" in problems(path)[0]


@pytest.mark.parametrize("spec, words", [
    ({"values": []}, "the range is empty"),
    ({"low": 0.3, "high": 0.3}, "the range is empty"),
    ({"low": 0.4, "high": 0.1}, "the range is empty"),
    ({"low": 60.2, "high": 60.8, "integer": True}, "no whole number"),
    ({"low": 0.1}, "give low and high"),
])
def test_empty_or_half_range_is_refused(tmp_path, spec, words):
    path = write_sweep(tmp_path, parameters={"community.admission_diversion_share": spec})
    (problem,) = problems(path)
    assert problem.startswith("parameters.community.admission_diversion_share") and words in problem


def test_range_outside_what_the_config_accepts_is_refused(tmp_path):
    path = write_sweep(tmp_path, parameters={"community.admission_diversion_share": {"low": 0.0, "high": 1.5}})
    assert any("high end" in p and "admission_diversion_share" in p for p in problems(path))


def test_sampled_design_needs_samples_and_ranges(tmp_path):
    assert any("samples" in p for p in problems(write_sweep(tmp_path, design="sobol")))
    assert any("give values" in p for p in problems(write_sweep(tmp_path, design="latin_hypercube", samples=4)))


def test_unknown_kpi_is_refused(tmp_path):
    assert problems(write_sweep(tmp_path, kpis=["four_hour_magic"])) == ["kpis: unknown KPI 'four_hour_magic'"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(low=st.floats(0, 1), high=st.floats(0, 1))
def test_a_range_is_accepted_exactly_when_it_is_not_empty(tmp_path, low, high):
    path = write_sweep(tmp_path, parameters={
        "community.admission_diversion_share": {"low": low, "high": high},
        "sites.city_royal.beds": {"low": 60, "high": 80, "integer": True}}, design="latin_hypercube", samples=3)
    if low < high:
        assert len(points(load_sweep(path).spec)) == 3
    else:
        assert any("the range is empty" in p for p in problems(path))


def test_cli_refuses_a_bad_sweep_with_exit_2_and_writes_nothing(tmp_path, capsys):
    path = write_sweep(tmp_path, parameters={"sites.nowhere.beds": {"values": [1, 2]}})
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out)]) == 2
    assert "parameters.sites.nowhere.beds: unknown config path" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_a_directory_holding_something_else(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(GRID), "--workers", "1", "--out", str(out)]) == 2
    assert "holds files that are not an icsim result" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# --- designs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("design, samples, expected", [
    ("latin_hypercube", 10, 10), ("sobol", 8, 8 * (3 + 2)), ("morris", 5, 5 * (3 + 1))])
def test_sampled_design_sizes_and_bounds(tmp_path, design, samples, expected):
    params = {"community.admission_diversion_share": {"low": 0.05, "high": 0.35},
              "sites.city_royal.beds": {"low": 60, "high": 80, "integer": True},
              "social_care.home_care_packages": {"low": 200, "high": 320, "integer": True}}
    spec = load_sweep(write_sweep(tmp_path, design=design, samples=samples, parameters=params)).spec
    df = points(spec)
    assert len(df) == expected
    share = df["community.admission_diversion_share"]
    assert share.between(0.05, 0.35).all()
    beds = df["sites.city_royal.beds"]
    assert beds.between(60, 80).all() and (beds == beds.round()).all()
    assert points(spec).equals(df)  # the design is a function of its seed


def test_grid_plan_keys_are_content_addressed():
    sweep = load_sweep(BIG_GRID)
    table, configs, invalid = plan(sweep)
    assert len(table) == 4 * 4 * 2 and not invalid
    assert table.key.is_unique and len(configs) == 16
    # the same config and seed, reached from another sweep, has the same key
    one = table.iloc[5]
    again = load_sweep(BIG_GRID).config_data({k: one[k] for k in sweep.spec.parameters})
    from sim.config import validate

    assert one.key == f"{validate(again).digest()}-seed{one.seed}"


# --- on a real cluster -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    c = LoopbackCluster(workers=2)
    yield c
    c.close()


def executed_once_each(out: Path, keys: set[str], invocation: str | None = None) -> None:
    """Each run of ``keys`` was executed exactly once (by the workers' own count, in
    ``executions.log``; of one invocation if given), and no other run was executed."""
    counts = Counter(e["key"] for e in RunStore(out).executions()
                     if invocation is None or e["invocation"] == invocation)
    assert counts == dict.fromkeys(keys, 1)


def same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_sweep_on_a_cluster_equals_the_runs_made_one_by_one(cluster, tmp_path):
    sweep = load_sweep(GRID)
    out = tmp_path / "sweep"
    with cluster.client() as client:
        outcome = run_sweep(sweep, out, client)
    assert (outcome.planned, outcome.ran, outcome.failed, outcome.remaining) == (8, 8, 0, 0)
    df = results(out)
    assert (df.status == "ok").all() and len(df) == 8
    executed_once_each(out, set(df.key), outcome.invocation)
    workers = set(df.worker)
    assert len(workers) == 2, "both workers took runs"
    from experiments.runner import run_kpis

    table, configs, _ = plan(sweep)
    for row in df.itertuples():
        alone = run_kpis(configs[row.config_digest], row.seed, sweep.spec.months)  # the validated config
        for kpi in sweep.spec.kpis:
            assert same(getattr(row, kpi), alone[kpi]), (row.point, row.seed, kpi)
    # the summary: one row per point, a mean over the two replications
    from experiments import sweep_summary

    target = sweep_summary.write(sweep, out)
    pts = pd.read_csv(target / "points.csv")
    assert len(pts) == 4 and (pts.runs_ok == 2).all()
    first = df[df.point == 0].ae_4h_type1.mean()
    assert pts.loc[pts.point == 0, "ae_4h_type1"].item() == pytest.approx(first, rel=1e-12)


def test_failed_runs_are_recorded_and_the_rest_finish(tmp_path):
    """Two kinds of failure: a point that is not a valid config (recorded without running), and a
    run whose worker dies under it with no retries allowed (as when a run runs out of memory)."""
    own = LoopbackCluster(workers=2, allowed_failures=0)
    try:
        sweep = load_sweep(BEDS)
        out = tmp_path / "sweep"
        with own.client() as client:
            killed = []

            def kill_once(outcome):
                if outcome.ran == 1 and not killed:
                    killed.append(own.kill_busy_worker(client))
            outcome = run_sweep(sweep, out, client, progress=kill_once)
        df = results(out)
        invalid = df["sites.city_royal.beds"] == 4
        assert (df[invalid].status == "failed").all()
        assert df[invalid].error.str.contains("elective_beds must not exceed beds").all()
        died = df[~invalid & (df.status == "failed")]
        assert len(died) >= 1 and died.error.str.startswith("KilledWorker").all()
        assert outcome.ran == (df.status == "ok").sum() >= 1 and outcome.ran + len(died) == 4
        assert outcome.failed == 2 + len(died) and outcome.remaining == 0
        assert len(list((out / "failed").iterdir())) == outcome.failed
        # restarted, the failures are skipped; asked to retry, the killed runs finish this time
        with own.client() as client:
            again = run_sweep(sweep, out, client)
            assert (again.skipped, again.failed_before, again.ran, again.failed) == (outcome.ran, outcome.failed, 0, 0)
            assert again.failed_total == outcome.failed and again.remaining == 0
            retried = run_sweep(sweep, out, client, retry_failed=True)
        assert (retried.skipped, retried.ran, retried.failed) == (outcome.ran, len(died), 2)
        df = results(out)
        assert (df[~invalid].status == "ok").all() and df[~invalid].error.isna().all()
    finally:
        own.close()


def test_a_rerun_with_recorded_failures_still_says_so_and_exits_1(tmp_path, capsys):
    out = tmp_path / "beds"
    assert main(["sweep", str(BEDS), "--workers", "1", "--out", str(out)]) == 1
    capsys.readouterr()
    assert main(["sweep", str(BEDS), "--workers", "1", "--out", str(out)]) == 1
    printed = capsys.readouterr()
    assert "0 run now, 4 already done (skipped), 0 failed, 2 failed before (not run again" in printed.out
    assert "6/6 runs done (6 before this start), 2 failed, 0 remaining" in printed.err


def test_changing_months_makes_new_runs_and_keeping_another_kpi_does_not(cluster, tmp_path):
    data = yaml.safe_load(GRID.read_text())
    data["base"] = str(TOWN)
    longer = tmp_path / "longer.yaml"
    longer.write_text(yaml.safe_dump({**data, "months": 3}))
    assert not set(plan(load_sweep(GRID))[0].key) & set(plan(load_sweep(longer))[0].key)

    out = tmp_path / "sweep"
    more = tmp_path / "more_kpis.yaml"
    more.write_text(yaml.safe_dump({**data, "kpis": [*data["kpis"], "ae_attendances_per_1000"]}))
    with cluster.client() as client:
        run_sweep(load_sweep(GRID), out, client)
        outcome = run_sweep(load_sweep(more), out, client)
        assert (outcome.skipped, outcome.ran) == (8, 0)  # every KPI was kept with each run
        from experiments import sweep_summary

        points_csv = pd.read_csv(sweep_summary.write(load_sweep(more), out) / "points.csv")
        assert points_csv.ae_attendances_per_1000.between(300, 700).all()
        outcome = run_sweep(load_sweep(longer), out, client)
        assert (outcome.skipped, outcome.ran) == (0, 8)
    months = results(out).months
    assert (months == 3).all()  # this sweep's table holds this sweep's runs only


def test_cli_refuses_a_malformed_scheduler_address(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(GRID), "--scheduler", "tcp://127.0.0.1:notaport", "--out", str(out)]) == 2
    assert "--scheduler tcp://127.0.0.1:notaport: cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_a_worker_killed_mid_sweep_loses_no_run(tmp_path):
    own = LoopbackCluster(workers=2)
    try:
        sweep = load_sweep(BIG_GRID)
        out = tmp_path / "sweep"
        killed = []
        with own.client() as client:
            def kill_once(outcome):
                if outcome.ran == 2 and not killed:
                    killed.append(own.kill_busy_worker(client))
            outcome = run_sweep(sweep, out, client, progress=kill_once)
            assert len(client.scheduler_info()["workers"]) == 1, "the killed worker stayed dead"
        assert killed
        assert (outcome.ran, outcome.failed, outcome.remaining) == (32, 0, 0)
        files = sorted(p.name for p in (out / "runs").iterdir())
        assert len(files) == 32 and all(not f.startswith(".") for f in files)
        df = results(out)
        assert (df.status == "ok").all() and df.key.is_unique
    finally:
        own.close()


def test_a_lost_scheduler_stops_the_sweep_without_blaming_the_runs(tmp_path):
    """Runs the cluster drops are not failures: none is recorded as failed, and a restart on
    another cluster runs exactly those."""
    from experiments.sweep import ClusterLost

    own = LoopbackCluster(workers=2)
    sweep = load_sweep(BIG_GRID)
    out = tmp_path / "sweep"
    try:
        with pytest.raises(ClusterLost):
            with own.client() as client:
                run_sweep(sweep, out, client, progress=lambda o: o.ran == 3 and own.scheduler.kill())
    finally:
        own.close()
    kept = RunStore(out).finished()
    assert len(kept) >= 3 and RunStore(out).failures() == set()
    other = LoopbackCluster(workers=2)
    try:
        with other.client() as client:
            outcome = run_sweep(sweep, out, client)
    finally:
        other.close()
    assert (outcome.skipped, outcome.ran, outcome.failed) == (len(kept), 32 - len(kept), 0)


def test_an_interrupted_sweep_restarted_runs_only_what_had_not_finished(cluster, tmp_path):
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "icsim", "sweep", str(BIG_GRID), "--scheduler", cluster.address,
               "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    # Started with SIGINT ignored, as a background job of a non-interactive shell is (nohup ... &,
    # CI runners, batch systems), whatever this test process inherited: icsim must still stop on it.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    runs = out / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.exists() and len([p for p in runs.iterdir() if not p.name.startswith(".")]) >= 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in runs.iterdir()}
    assert 3 <= len(before) < 32, "the sweep was stopped part way"

    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{32 - len(before)} run now, {len(before)} already done (skipped), 0 failed" in done.stdout
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in runs.iterdir()}
    assert len(after) == 32
    assert all(after[name] == before[name] for name in before), "a finished run was run again"
    # the workers' own count: the restart executed each run left exactly once, and nothing else
    first, second = dict.fromkeys(e["invocation"] for e in RunStore(out).executions())
    assert set(Counter(e["key"] for e in RunStore(out).executions() if e["invocation"] == first).values()) == {1}
    executed_once_each(out, {n.removesuffix(".parquet") for n in set(after) - set(before)}, second)
    assert {n.removesuffix(".parquet") for n in before} <= {e["key"] for e in RunStore(out).executions()
                                                            if e["invocation"] == first}
    assert (results(out).status == "ok").all()
    assert (out / "summary" / "report.md").exists()


def test_a_run_executed_twice_in_one_invocation_is_counted_twice(tmp_path):
    """Executions are counted by the workers, not by the futures the client sees: a run whose
    result is lost with its worker before the client fetched it is computed again by Dask, under
    the same future, and the count says so (so executed_once_each would catch it in a sweep)."""
    from experiments.execution import executions as _executions
    from experiments.sweep import run_task

    own = LoopbackCluster(workers=2)
    try:
        sweep = load_sweep(GRID)
        with own.client() as client:
            future = client.submit(run_task, sweep.base_data, {}, 1, 1, "the-run", "invocation-1", key="icsim-run-x")
            while future.status != "finished":
                time.sleep(0.01)
            (holder,) = client.who_has([future])[future.key]
            os.kill(client.run(os.getpid, workers=[holder])[holder], signal.SIGKILL)
            assert future.result()["months"] == 1  # one future, one result...
            executions = _executions(client, "invocation-1", expected=2)
        assert [e["key"] for e in executions] == ["the-run", "the-run"]  # ...two executions
    finally:
        own.close()


def test_a_leaked_temporary_file_is_never_a_run_and_is_cleaned(tmp_path):
    """A sweep killed while writing a run leaves a hidden temporary file: it is not counted as a
    run (nor as a failure), and the next start removes it (not one of a sweep still running)."""
    import socket

    store = RunStore(tmp_path / "s")
    store.prepare({"name": "x"}, pd.DataFrame({"key": ["a-seed1"]}))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, host = int(gone.stdout), socket.gethostname()
    leaked = store.runs / f".a-seed1.parquet.icsim-{dead}@{host}.tmp"
    leaked.write_bytes(b"half a run")
    running = store.failed / f".a-seed1.parquet.icsim-{os.getpid()}@{host}.tmp"
    running.write_bytes(b"being written")
    assert store.finished() == set() and store.failures() == set()
    assert RunStore(store.out).read("runs").empty
    store.prepare({"name": "x"}, pd.DataFrame({"key": ["a-seed1"]}))
    assert not leaked.exists() and running.exists()


def test_store_writes_whole_files_only(tmp_path):
    store = RunStore(tmp_path / "s")
    store.prepare({"name": "x"}, pd.DataFrame({"key": ["a-seed1"]}))

    class Boom(Exception):
        pass

    def broken(path):
        path.write_bytes(b"half")
        raise Boom

    from experiments.sweep_store import atomic

    with pytest.raises(Boom):
        atomic(store.runs / "a-seed1.parquet", broken)
    assert list(store.runs.iterdir()) == [] and store.finished() == set()


@pytest.mark.parametrize("path", sorted((HERE.parent / "experiments" / "sweeps").glob("*.yaml"))
                         + sorted((HERE.parent / "benchmarks").glob("sweep_*.yaml")), ids=lambda p: p.name)
def test_shipped_sweeps_load(path):
    sweep = load_sweep(path)
    assert len(plan(sweep)[0]) == len(points(sweep.spec)) * sweep.spec.replications


def test_cli_sweep_on_a_local_cluster_end_to_end(tmp_path, capsys):
    out = tmp_path / "grid"
    assert main(["sweep", str(GRID), "--workers", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "town_grid: 8 runs: 8 run now, 0 already done (skipped), 0 failed." in printed.out
    assert "town_grid: 8/8 runs done (0 before this start), 0 failed, 0 remaining" in printed.err  # a log line
    summary = out / "summary"
    assert {p.name for p in summary.iterdir()} >= {"results.parquet", "points.csv", "kpis.csv", "report.md"}
    assert "Runs: 8 finished, 0 failed, 0 not run." in (summary / "report.md").read_text()
    dataset = pd.read_parquet(out / "runs")
    assert len(dataset) == 8 and dataset.key.is_unique
    # run again: nothing to do, everything skipped, the same summary
    before = (summary / "points.csv").read_bytes()
    assert main(["sweep", str(GRID), "--workers", "1", "--out", str(out)]) == 0
    assert "0 run now, 8 already done (skipped)" in capsys.readouterr().out
    assert (summary / "points.csv").read_bytes() == before
    # a dry run says what is left and touches nothing
    assert main(["sweep", str(GRID), "--dry-run", "--out", str(out)]) == 0
    assert "In " + str(out) + ": 8 already done, 0 recorded as failed, 0 to run." in capsys.readouterr().out
    fresh = tmp_path / "fresh"
    assert main(["sweep", str(GRID), "--dry-run", "--out", str(fresh)]) == 0
    assert "4 points x 2 replications = 8 distinct runs of 2 months" in capsys.readouterr().out
    assert not fresh.exists()


def synthetic(design: str, samples: int, bounds: list[tuple[float, float]]):
    """A sweep spec on made-up parameters, for checking the sensitivity analysis on a function
    whose indices are known (the config paths are never used)."""
    from experiments.sweep_config import LoadedSweep, Sweep

    spec = Sweep(name="synthetic", base="none", design=design, samples=samples, seed=1, kpis=["y"],
                 parameters={f"x{i + 1}": {"low": lo, "high": hi} for i, (lo, hi) in enumerate(bounds)})
    return LoadedSweep(spec, Path("synthetic.yaml"), {})


def test_sobol_indices_of_the_ishigami_function():
    """Ishigami (a=7, b=0.1) has known indices: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244."""
    import numpy as np

    from experiments.design import sample
    from experiments.sweep_summary import sensitivity

    sweep = synthetic("sobol", 1024, [(-np.pi, np.pi)] * 3)
    x = sample(sweep.spec)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    indices, notes = sensitivity(sweep, pd.DataFrame({"point": range(len(y)), "y": y}))
    assert not notes
    got = indices.set_index("parameter")
    assert got.S1.to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.05)
    assert got.ST.to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)


def test_morris_finds_the_parameter_that_matters_and_notes_missing_points():
    import numpy as np

    from experiments.design import sample
    from experiments.sweep_summary import sensitivity

    sweep = synthetic("morris", 20, [(0, 1), (0, 10)])
    x = sample(sweep.spec)
    y = 3 * x[:, 0]  # linear in x1, x2 does nothing
    indices, _ = sensitivity(sweep, pd.DataFrame({"point": range(len(y)), "y": y}))
    got = indices.set_index("parameter")
    assert got.mu_star["x1"] == pytest.approx(3.0) and got.sigma["x1"] == pytest.approx(0.0, abs=1e-9)
    assert got.mu_star["x2"] == 0.0
    y[4] = np.nan  # a failed run: no indices, and the reason
    indices, notes = sensitivity(sweep, pd.DataFrame({"point": range(len(y)), "y": y}))
    assert indices.empty and notes == [f"y: no indices: 1 of {len(y)} design points have no result"]


def test_no_indices_without_every_replication_and_a_warning_when_the_sample_is_small():
    import numpy as np

    from experiments.design import sample
    from experiments.sweep_summary import sensitivity

    sweep = synthetic("sobol", 8, [(-np.pi, np.pi)] * 3)
    x = sample(sweep.spec)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = pd.DataFrame({"point": range(len(y)), "y": y, "runs_ok": 1})
    indices, notes = sensitivity(sweep, table)
    assert len(indices) == 3 and any("the indices are rough" in n for n in notes)
    table.loc[7, "runs_ok"] = 0
    indices, notes = sensitivity(sweep, table)
    assert indices.empty and notes[0].startswith("no indices: 1 of 40 design points do not have all 1 replications")
