"""No lost file: what icsim writes, where, and what it never touches (docs/guarantees.md).

Every command that writes (``run``, ``experiment``, ``sweep``) writes only into a new or empty
folder or one holding its own kind of result; a user's file in or beside ``--out`` survives every
command; ``--force`` is the only way to replace an earlier run or experiment, and keeps the user's
files; ``--out`` is checked before anything is simulated; a killed run leaves nothing behind that
the next command does not clean.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

import agents
from icsim import folders
from icsim.cli import main

TOWN = ROOT / "tests" / "configs" / "town.yaml"


def experiment_file(folder: Path) -> Path:
    """A tiny experiment on the town: two scenarios x two replications of one month."""
    path = folder / "tiny_experiment.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny_experiment", "claim": "fewer beds fill the rest", "base": str(TOWN), "replications": 2,
        "months": 1, "seed": 5, "kpis": ["bed_occupancy_midnight"],
        "scenarios": {"baseline": {}, "fewer_beds": {"overrides": {"sites": {"city_royal": {"beds": 60}}}}}}))
    return path


def sweep_file(folder: Path) -> Path:
    """A tiny sweep on the town: two points, one replication of one month."""
    path = folder / "tiny_sweep.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny_sweep", "base": str(TOWN), "design": "grid", "replications": 1, "seed": 3, "months": 1,
        "kpis": ["bed_occupancy_midnight"], "parameters": {"sites.city_royal.beds": {"values": [60, 72]}}}))
    return path


def command(kind: str, tmp_path: Path, out: Path, *extra: str) -> list[str]:
    if kind == "run":
        return ["run", str(TOWN), "--out", str(out), *extra]
    if kind == "experiment":
        return ["experiment", str(experiment_file(tmp_path)), "--workers", "1", "--out", str(out), *extra]
    return ["sweep", str(sweep_file(tmp_path)), "--workers", "1", "--out", str(out), *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its content."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def users_files(place: Path) -> dict[Path, bytes]:
    """Files a user keeps in ``place``: a note, a hidden file, and a folder named like the one an
    earlier icsim deleted (``.NAME.old``)."""
    files = {place / "notes.txt": b"my notes", place / ".hidden": b"mine too",
             place / ".results.old" / "thesis.tex": b"years of work"}
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def intact(files: dict[Path, bytes]) -> bool:
    return all(path.read_bytes() == content for path, content in files.items())


COMMANDS = ["run", "experiment", "sweep"]


# --- a user's files survive every command ------------------------------------------------------


@pytest.mark.parametrize("kind", COMMANDS)
def test_a_folder_holding_the_users_files_is_refused_and_left_as_it_was(kind, tmp_path, capsys):
    out = tmp_path / "results"
    mine = users_files(out)
    before = snapshot(out)
    assert main(command(kind, tmp_path, out)) == 2
    assert "--out" in capsys.readouterr().err
    assert snapshot(out) == before and intact(mine)


@pytest.mark.parametrize("kind", COMMANDS)
def test_the_users_files_beside_the_results_survive(kind, tmp_path, capsys):
    mine = users_files(tmp_path)
    out = tmp_path / "results"
    assert main(command(kind, tmp_path, out)) == 0, capsys.readouterr().err
    assert intact(mine)
    assert json.loads((out / "manifest.json").read_text())["kind"] == kind
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert hidden == [".hidden", ".results.old"]  # no temporary folder left, the user's kept


@pytest.mark.parametrize("kind", ["run", "experiment"])
def test_an_earlier_result_is_replaced_only_with_force_and_the_users_files_stay(kind, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(command(kind, tmp_path, out)) == 0
    mine = users_files(out)  # the user adds files to the result folder
    before = snapshot(out)
    assert main(command(kind, tmp_path, out)) == 2
    err = capsys.readouterr().err
    assert f"holds an earlier icsim {kind}" in err and "--force" in err
    assert snapshot(out) == before
    assert main(command(kind, tmp_path, out, "--force")) == 0, capsys.readouterr().err
    assert intact(mine)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and set(manifest["files"]) == {
        p for p in snapshot(out) if p not in ("notes.txt", ".hidden", ".results.old/thesis.tex")}


def test_a_sweep_resumed_keeps_the_users_files(tmp_path, capsys):
    out = tmp_path / "results"
    sweep = sweep_file(tmp_path)
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(out)]) == 0
    mine = users_files(out)
    mine |= {out / "runs" / "notes.txt": b"which runs I trust"}
    (out / "runs" / "notes.txt").write_bytes(b"which runs I trust")
    assert main(["sweep", str(sweep), "--workers", "1", "--out", str(out)]) == 0
    assert "0 run now, 2 already done (skipped)" in capsys.readouterr().out
    assert intact(mine)


def test_force_replaces_a_run_whole_removing_only_the_files_the_earlier_run_wrote(tmp_path, capsys):
    """A run of the town with organisations, then one without: the organisations' tables of the
    first are removed (icsim wrote them), the user's files are not."""
    out = tmp_path / "results"
    assert main(["run", str(TOWN), "--out", str(out)]) == 0
    assert (out / "ledgers.parquet").exists()
    mine = users_files(out)
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"extends: {TOWN}\norganisations: null\n")
    assert main(["run", str(bare), "--out", str(out), "--force"]) == 0, capsys.readouterr().err
    assert not (out / "ledgers.parquet").exists() and (out / "journeys.parquet").exists()
    assert intact(mine)


def test_an_empty_folder_is_written_into_and_a_link_to_nothing_refused(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(TOWN), "--out", str(empty)]) == 0
    assert json.loads((empty / "manifest.json").read_text())["complete"]
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert main(["run", str(TOWN), "--out", str(tmp_path / "dangling")]) == 2
    assert "link to nothing" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "empty"]


def test_a_result_of_another_kind_is_refused_even_with_force(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(command("experiment", tmp_path, out)) == 0
    before = snapshot(out)
    assert main(["run", str(TOWN), "--out", str(out), "--force"]) == 2
    assert "holds an icsim experiment, not a run" in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_run_made_before_manifests_named_their_kind_is_still_a_run(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", str(TOWN), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("kind", "files", "complete"):
        del manifest[key]
    (out / "manifest.json").write_text(json.dumps(manifest))
    mine = users_files(out)
    assert main(["run", str(TOWN), "--out", str(out)]) == 2
    assert main(["run", str(TOWN), "--out", str(out), "--force"]) == 0
    assert intact(mine) and json.loads((out / "manifest.json").read_text())["kind"] == "run"


# --- --out is checked before anything is simulated ----------------------------------------------


@pytest.fixture
def no_simulation(monkeypatch):
    """Any attempt to build a model fails the test: the refusal must come first."""
    def built(*args, **kwargs):
        raise AssertionError("a model was built before --out was checked")
    monkeypatch.setattr(agents, "health_system", built)


@pytest.mark.parametrize("out, words", [
    ("", 'names no folder'),
    (".", "is the current folder"),
    ("..", "is the current folder or holds it"),
    ("a_file", "is a file, not a folder"),
    ("a_file/results", "is a file, not a folder"),
    ("/proc/icsim-results", "cannot write"),
])
def test_an_out_that_cannot_be_a_results_folder_is_refused_before_simulating(out, words, tmp_path, monkeypatch,
                                                                            capsys, no_simulation):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("a user's file")
    before = snapshot(tmp_path)
    assert main(["run", str(TOWN), "--out", out]) == 2
    err = capsys.readouterr().err
    assert words in err and err.startswith("error: --out")
    assert snapshot(tmp_path) == before and not (tmp_path / "results").exists()


def test_experiment_out_an_existing_file_is_refused_before_the_runs(tmp_path, capsys, monkeypatch):
    from icsim.commands import experiment as experiment_command

    monkeypatch.setattr(experiment_command, "run_many", lambda *a, **k: pytest.fail("a run started before --out was checked"))
    (tmp_path / "report").write_text("a user's file")
    assert main(command("experiment", tmp_path, tmp_path / "report")) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "report").read_text() == "a user's file"


def test_a_sweep_folder_whose_sweep_file_is_not_a_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "results"
    (out / "runs").mkdir(parents=True)
    (out / "sweep.yaml").write_text("- a list\n- not a sweep\n")
    (out / "plan.parquet").write_text("not a plan")
    assert main(command("sweep", tmp_path, out)) == 2
    assert "holds files that are not an icsim result" in capsys.readouterr().err


# --- interruptions leave nothing behind ---------------------------------------------------------


def test_a_killed_run_leaves_nothing_the_next_run_does_not_clean(tmp_path):
    """SIGKILL a run mid-simulation: its temporary folder (marked as icsim's) stays, and the next
    run writing beside it removes it; the killed run's target never appears."""
    mine = users_files(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "icsim", "run", str(TOWN), "--months", "12", "--out",
                             str(tmp_path / "killed")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".killed.*")):
        time.sleep(0.01)
    time.sleep(0.5)  # inside the simulation
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (left,) = tmp_path.glob(".killed.*")
    assert (left / folders.TEMPORARY_MARK).exists()
    assert main(["run", str(TOWN), "--out", str(tmp_path / "next")]) == 0
    assert not left.exists() and not (tmp_path / "killed").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", ".results.old", "next", "notes.txt"]
    assert intact(mine)


def test_a_temporary_folder_of_a_running_command_or_a_users_hidden_folder_is_not_cleaned(tmp_path):
    running = tmp_path / ".results.abcd1234"
    running.mkdir()
    (running / folders.TEMPORARY_MARK).write_text(json.dumps({"pid": os.getpid(), "host": os.uname().nodename}))
    users = tmp_path / ".results.old"
    (users / "thesis.tex").parent.mkdir()
    (users / "thesis.tex").write_text("years of work")
    look_alike = tmp_path / ".thesis.drafts12"  # named like a temporary folder, not empty
    look_alike.mkdir()
    (look_alike / "draft.tex").write_text("a draft")
    assert folders.clean_stale(tmp_path) == []
    assert running.exists() and (users / "thesis.tex").exists() and (look_alike / "draft.tex").exists()


def test_ctrl_c_during_a_run_exits_130_without_a_traceback_and_leaves_nothing(tmp_path):
    """Also when the run was started with SIGINT ignored (a background job of a batch system)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for ignored in (False, True):
        out = tmp_path / f"run_{ignored}"
        proc = subprocess.Popen([sys.executable, "-m", "icsim", "run", str(TOWN), "--months", "24", "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignored else None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob(f".{out.name}.*")):
            time.sleep(0.01)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "interrupted" in err
        assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_an_experiment_stops_its_workers_quietly(tmp_path):
    """The terminal sends Ctrl-C to the command and its worker processes: one line, exit 130, no
    report, no worker's traceback; the folder is marked incomplete (the same command resumes it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    spec = yaml.safe_load(experiment_file(tmp_path).read_text())
    (tmp_path / "long.yaml").write_text(yaml.safe_dump({**spec, "months": 24, "replications": 4}))
    out = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-m", "icsim", "experiment", str(tmp_path / "long.yaml"), "--workers",
                             "2", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / folders.MANIFEST).exists():
        time.sleep(0.01)
    time.sleep(3)  # the workers are starting or running
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: to the command and its workers
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml", "report", "tiny_experiment.yaml"]
    assert not (out / "report.md").exists() and json.loads((out / folders.MANIFEST).read_text())["complete"] is False
