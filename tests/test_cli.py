"""The user's commands end to end: ``icsim validate`` and ``icsim run``, good and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import BASELINE, ROOT
from footprints import TOWN

from icsim.cli import main


def icsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "icsim", *args], capture_output=True, text=True, cwd=ROOT)


def test_validate_describes_a_good_config(capsys):
    assert main(["validate", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "ok: baseline" in out and "996,000 people" in out


def bad_config(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {BASELINE}\n"
                    "sites:\n  city_royal:\n    beds: -5\n"
                    "ae:\n  admit_probability: {1: 1.5}\n  triage_minutes: {dist: lognormal, mean: 0, sd: 1}\n"
                    "ambulance:\n  vehicle_count: 3\n")
    return path


def test_bad_config_names_each_field_and_exits_2(tmp_path):
    result = icsim("validate", str(bad_config(tmp_path)))
    assert result.returncode == 2
    err = result.stderr
    assert "sites.city_royal.beds: Input should be greater than or equal to 0" in err
    assert "ae.admit_probability.1: Input should be less than or equal to 1" in err
    assert "ae.triage_minutes.mean: Input should be greater than 0" in err
    assert "ambulance.vehicle_count: Extra inputs are not permitted" in err


def test_bad_config_writes_nothing_and_keeps_earlier_results(tmp_path):
    earlier = tmp_path / "results"
    earlier.mkdir()
    (earlier / "manifest.json").write_text('{"seed": 1}')
    result = icsim("run", str(bad_config(tmp_path)), "--out", str(earlier))
    assert result.returncode == 2
    assert sorted(p.name for p in earlier.iterdir()) == ["manifest.json"]
    assert (earlier / "manifest.json").read_text() == '{"seed": 1}'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("args, field", [(["--months", "0"], "--months"), (["--seed", "-3"], "--seed")])
def test_bad_options_exit_2(tmp_path, args, field):
    result = icsim("run", str(BASELINE), "--out", str(tmp_path / "r"), *args)
    assert result.returncode == 2
    assert field in result.stderr
    assert not (tmp_path / "r").exists()


def test_missing_config_file_exits_2(tmp_path):
    result = icsim("run", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_refuses_to_write_over_a_directory_that_is_not_a_run(tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    result = icsim("run", str(BASELINE), "--months", "1", "--out", str(precious))
    assert result.returncode == 2
    assert (precious / "chapter1.tex").read_text() == "years of work"


def test_run_writes_tables_and_manifest_and_prints_summary(tmp_path):
    out = tmp_path / "run1"
    result = icsim("run", str(TOWN), "--months", "1", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "A&E 4-hour performance (type 1)" in result.stdout
    assert "published range" in result.stdout
    assert "Organisations: money over the run" in result.stdout and "city_royal_trust" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert {"journeys.parquet", "gp_appointments.parquet", "census.parquet", "kpis_monthly.parquet",
            "kpis_by_site.parquet", "summary.parquet", "manifest.json", "config.yaml", "ledgers.parquet",
            "decisions.parquet", "organisations.parquet", "finances.parquet"} <= names
    decisions = pd.read_parquet(out / "decisions.parquet")
    assert {"month", "organisation", "action", "reason", "figures"} <= set(decisions.columns)
    # the town's one trust, two practices, community provider and mental health trust
    assert (decisions.action == "set contract").sum() == 5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["config_name"] == "town" and manifest["months"] == 1
    assert len(manifest["config_digest"]) == 16 and manifest["packages"]["simpy"]
    journeys = pd.read_parquet(out / "journeys.parquet")
    assert {"ambulance_call", "self_presented"} <= set(journeys.entry.astype(str))
    summary = pd.read_parquet(out / "summary.parquet").set_index("kpi")
    assert 0 < summary.loc["ae_4h_all_types", "value"] <= 1
    monthly = pd.read_parquet(out / "kpis_monthly.parquet")
    assert set(monthly.month) == {"2024-04"}

    # the same command again gives the same tables (the manifest's timings aside)
    again = tmp_path / "run2"
    assert icsim("run", str(TOWN), "--months", "1", "--seed", "3", "--out", str(again)).returncode == 0
    for table in ("journeys", "census", "summary", "kpis_by_site"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"),
                                      pd.read_parquet(again / f"{table}.parquet"))
    # the config written is the config as run: the --seed and --months used, not the file's
    as_run = yaml.safe_load((out / "config.yaml").read_text())
    assert as_run["run"]["seed"] == 3 and as_run["run"]["months"] == 1
    assert manifest["kind"] == "run" and "journeys.parquet" in manifest["files"]
    # a rerun into the same folder is refused without --force, leaving the earlier run as it was
    before = (out / "manifest.json").read_bytes()
    refused = icsim("run", str(TOWN), "--months", "1", "--seed", "4", "--out", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert (out / "manifest.json").read_bytes() == before
    # and with --force replaces it
    assert icsim("run", str(TOWN), "--months", "1", "--seed", "4", "--out", str(out), "--force").returncode == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 4
    assert yaml.safe_load((out / "config.yaml").read_text())["run"]["seed"] == 4


def test_explore_finds_the_shipped_baseline_from_any_directory(tmp_path):
    """With no config named, ``icsim explore`` shows the shipped baseline wherever it is run
    from: here it gets as far as the port (taken, so it stops with exit 2 before serving)."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "icsim", "explore", "--port", str(port)], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"--port: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "cannot read" not in done.stderr


@pytest.mark.parametrize("args, field", [
    (["experiment", "experiments/forty_percent.yaml", "--replications", "1"], "--replications: must be >= 2"),
    (["experiment", "experiments/forty_percent.yaml", "--workers", "0"], "--workers: must be >= 1"),
    (["sweep", "tests/sweeps/town_grid.yaml", "--workers", "0"], "--workers: must be >= 1"),
    (["sweep", "tests/sweeps/town_grid.yaml", "--workers", "two"], "--workers: 'two' is not a whole number"),
])
def test_bad_experiment_and_sweep_options_exit_2(tmp_path, args, field):
    result = subprocess.run([sys.executable, "-m", "icsim", *args, "--out", str(tmp_path / "r")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert field in result.stderr
    assert not (tmp_path / "r").exists()
