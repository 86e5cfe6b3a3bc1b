"""No traceback, no silent wrong result: every input and every fault handled (docs/guarantees.md).

Property-based: the shipped configs mutated the ways users and scripts get them wrong (types,
signs, infinities, NaN, huge and tiny values, deletions, unknown keys, deep and cyclic
``extends:``) are either refused with exit 2, each problem naming its field, or validated; and a
mutated town that validates runs to a whole result. Then each input the issue found mishandled,
by name; the error boundary; the claim registry; the explorer's warning.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import apply, mutations, write_config

from icsim import entry, outputs
from icsim.cli import main
from icsim.commands import explore as explore_command
from sim import resources
from sim.config import load_config, load_raw, validate

TOWN = ROOT / "tests" / "configs" / "town.yaml"
SHIPPED = [ROOT / "configs" / f"{name}.yaml" for name in ("baseline", "england", "nw_london", "squeeze")] + [TOWN]
# A problem line: two spaces, the field as the user wrote it, a colon, what is wrong.
PROBLEM = re.compile(r"  (?P<field>[^\s:][^\s]*|\(top level\)): \S")


def own_data(path: Path) -> dict:
    """A config file's own mapping, with its ``extends:`` made absolute."""
    data = yaml.safe_load(path.read_text())
    if "extends" in data:
        data["extends"] = str((path.parent / data["extends"]).resolve())
    return data


OWN = {path.name: own_data(path) for path in SHIPPED}
TOWN_DATA = load_raw(TOWN)  # the whole town config, extends applied: runs in about a second


def refused_naming_fields(err: str) -> list[str]:
    """The fields an exit-2 message names; fails if any problem line names none."""
    problems = [line for line in err.splitlines() if line.startswith("  ")]
    assert problems or err.startswith("error: --out"), err
    for line in problems:
        assert PROBLEM.match(line), f"a problem that names no field: {line!r}"
    return [PROBLEM.match(line)["field"] for line in problems]


def icsim_in_process(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))  # an exception escaping main() fails the test: that is a traceback
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err
    return code, printed.out, printed.err


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_shipped_config_is_valid_or_refused_naming_its_fields(data, tmp_path, capsys):
    name = data.draw(st.sampled_from(sorted(OWN)), label="config")
    changes = data.draw(mutations(OWN[name]), label="mutations")
    mutated, extends = apply(OWN[name], changes)
    folder = tmp_path / "example"
    try:
        path = write_config(folder, mutated, extends)
        code, _, err = icsim_in_process(capsys, "validate", str(path))
        assert code in (0, 2), err
        if code == 2:
            refused_naming_fields(err)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def whole(out: Path, months: int) -> None:
    """The results in ``out`` are of a run that reached its end and measured something."""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run" and manifest["complete"] and manifest["months"] == months
    census = pd.read_parquet(out / "census.parquet")
    assert census.day.nunique() == census.day.max() + 1 and census.month.max() == months - 1
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary.value.notna().any(), "every KPI is empty"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(changes=mutations(TOWN_DATA))
def test_a_mutated_town_that_validates_runs_to_a_whole_result(changes, tmp_path, capsys):
    """``validate`` says ok only for configs that run: a mutated town is refused (exit 2, naming
    fields) or it runs a month to a whole result (exit 0); never a traceback, never exit 1, never
    exit 0 with a run stopped early or every KPI empty. Runs that would take more than a few
    seconds (a mutation can make the town a city) are validated, not run, here."""
    mutated, extends = apply(TOWN_DATA, changes)
    folder = tmp_path / "example"
    try:
        path = write_config(folder, mutated, extends)
        code, _, err = icsim_in_process(capsys, "validate", str(path))
        assert code in (0, 2), err
        if code == 2:
            refused_naming_fields(err)
            return
        need = resources.needs(load_config(path), months=1)
        if need.seconds > 2 or need.days > 400:
            return
        code, _, err = icsim_in_process(capsys, "run", str(path), "--months", "1", "--out", str(folder / "out"))
        assert code in (0, 2), err
        if code == 0:
            whole(folder / "out", months=1)
        else:
            refused_naming_fields(err)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the inputs the issue found mishandled, by name -----------------------------------------------


def scenario(tmp_path: Path, text: str, base: Path = TOWN) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"extends: {base}\n{text}")
    return path


@pytest.mark.parametrize("text, field, words", [
    ("beds:\n  emergency_los_days: {dist: lognormal, mean: .inf, sd: 3}\n", "beds.emergency_los_days.mean",
     "finite number"),
    ("beds:\n  emergency_los_days: {dist: exponential, mean: .inf}\n", "beds.emergency_los_days.mean", "finite number"),
    ("beds:\n  emergency_los_days: {dist: empirical, values: [1, 5], weights: [.inf, 1]}\n",
     "beds.emergency_los_days.weights[0]", "finite number"),
    ("beds:\n  emergency_los_days: {dist: gamma, mean: 5, sd: 1.0e-300}\n", "beds.emergency_los_days",
     "not finite numbers"),
    ("organisations:\n  local_authority: {threshold_bounds: [.nan, .inf]}\n",
     "organisations.local_authority.threshold_bounds[0]", "finite number"),
    ("organisations:\n  local_authority: {threshold_bounds: [0.8, 0.2]}\n",
     "organisations.local_authority.threshold_bounds", "must not be above"),
    ("run: {start_date: 2024-02-30}\n", "run.start_date", "valid date"),
    ("run: {start_date: 9999-12-01}\n", "run.start_date", "less than or equal"),
    ("sites:\n  city_royal: {beds: 1.0e+30}\n", "sites.city_royal.beds", "integer"),
    ("sites:\n  city_royal: {beds: 1000000000000}\n", "sites.city_royal.beds", "less than or equal to 10000"),
    ("run: {warmup_days: 1.0e+8}\n", "run.warmup_days", "less than or equal to 3650"),
    ("social_care: {home_care_community_starts_per_week: .inf}\n", "social_care.home_care_community_starts_per_week",
     "finite number"),
    ("localities:\n  northfield:\n    population: {'18-64': 4600000000000000}\n",
     "localities.northfield.population.18-64", "less than or equal"),
    ("localities:\n  northfield:\n    population: {'0-17': 0, '18-64': 0, '65-84': 0, '85+': 0}\n"
     "  city_centre:\n    population: {'0-17': 0, '18-64': 0, '65-84': 0, '85+': 100}\n", "localities",
     "between 1,000 and 70,000,000"),
    ("name: ../../outside\n", "name", "plain folder name"),
    ("name: /etc/icsim\n", "name", "plain folder name"),
    ("name: ..\n", "name", "plain folder name"),
    ("organisations:\n  local_authority: {care_home_week: 0}\n", "organisations.local_authority.care_home_week",
     "greater than 0"),
])
def test_inputs_that_once_ran_wrong_or_crashed_are_refused_naming_the_field(text, field, words, tmp_path, capsys):
    code, _, err = icsim_in_process(capsys, "validate", str(scenario(tmp_path, text)))
    assert code == 2
    assert any(line.startswith(f"  {field}: ") and words in line for line in err.splitlines()), err


@pytest.mark.parametrize("make, words", [
    (lambda tmp: "/dev/zero", "a pipe, device or socket"),
    (lambda tmp: (os.mkfifo(tmp / "pipe.yaml"), str(tmp / "pipe.yaml"))[1], "a pipe, device or socket"),
    (lambda tmp: str(tmp), "a directory"),
    (lambda tmp: "nowhere.yaml", "No such file"),
    (lambda tmp: ((tmp / "big.yaml").write_text("# padding\n" * 200_000), str(tmp / "big.yaml"))[1], "larger than"),
])
def test_extends_reads_only_a_config_file(make, words, tmp_path, capsys):
    code, _, err = icsim_in_process(capsys, "validate", str(scenario(tmp_path, "", base=make(tmp_path))))
    assert code == 2 and "  extends: " in err and words in err, err


def test_a_config_that_is_not_a_file_is_refused_at_once(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would wait for a writer for ever
    for path in (tmp_path / "pipe.yaml", Path("/dev/zero"), tmp_path):
        code, _, err = icsim_in_process(capsys, "validate", str(path))
        assert code == 2 and "cannot read: a " in err


def test_a_long_extends_chain_and_a_loop_are_refused_naming_extends(tmp_path, capsys):
    for i in range(1000):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i + 1}.yaml\n")
    (tmp_path / "c1000.yaml").write_text(f"extends: {TOWN}\n")
    code, _, err = icsim_in_process(capsys, "validate", str(tmp_path / "c0.yaml"))
    assert code == 2 and "  extends: the chain of base configs is more than 32 files long" in err
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    code, _, err = icsim_in_process(capsys, "validate", str(tmp_path / "a.yaml"))
    assert code == 2 and "loops back" in err


def test_nesting_and_alias_bombs_are_refused_naming_the_setting(tmp_path, capsys):
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\nsites: " + "[" * 20_000 + "]" * 20_000 + "\n")
    code, _, err = icsim_in_process(capsys, "validate", str(deep))
    assert code == 2 and "  sites: nested more than" in err
    bomb = tmp_path / "bomb.yaml"
    lines = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for prev, this in zip("abcdef", "bcdefg"):
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{prev}"] * 10) + "]")
    bomb.write_text("\n".join(lines) + "\n")
    code, _, err = icsim_in_process(capsys, "validate", str(bomb))
    assert code == 2 and "values in the file" in err


def test_a_run_too_big_for_the_machine_is_refused_by_validate_and_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(resources, "machine_memory", lambda: 2**30)  # a machine with 1 GiB
    code, _, err = icsim_in_process(capsys, "validate", str(ROOT / "configs" / "nw_london.yaml"))
    assert code == 2 and re.search(r"  localities: [0-9,]+ people for 12 months .* GiB of memory; this machine "
                                   r"has 1.0 GiB", err), err
    code, _, err = icsim_in_process(capsys, "run", str(ROOT / "configs" / "nw_london.yaml"), "--out",
                                    str(tmp_path / "out"))
    assert code == 2 and "  localities: " in err and not (tmp_path / "out").exists()
    code, out, _ = icsim_in_process(capsys, "validate", str(TOWN))  # a small one still fits
    assert code == 0 and "a run needs about 0.2 GiB of memory" in out


def test_a_footprint_with_no_demand_is_refused(tmp_path, capsys):
    rates = "{'0-17': 0, '18-64': 0, '65-84': 0, '85+': 0}"
    text = "demand:\n" + "".join(f"  {k}: {rates}\n" for k in (
        "gp_appointments_per_1000", "ambulance_incidents_per_1000", "ae_self_presentations_per_1000",
        "elective_admissions_per_1000"))
    code, _, err = icsim_in_process(capsys, "validate", str(scenario(tmp_path, text)))
    assert code == 2 and "  demand: no patient would arrive" in err


def test_the_results_config_is_the_config_as_run(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(TOWN), "--seed", "9", "--months", "2", "--out", str(out)]) == 0
    written = yaml.safe_load((out / "config.yaml").read_text())
    assert written["run"]["seed"] == 9 and written["run"]["months"] == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config_digest"] == validate(written).digest()  # the same config, by its digest


def test_a_run_that_stops_early_is_an_error_not_a_result(tmp_path, capsys, monkeypatch):
    """Were a run to stop early unnoticed (here: its last month skipped), no result is written."""
    from sim.model import HealthSystem

    real_step = HealthSystem.step

    def step_skipping_the_last_month(hs):
        if hs.month == hs.months - 1:
            hs.month += 1
            hs.running = False
            return
        real_step(hs)

    monkeypatch.setattr(HealthSystem, "step", step_skipping_the_last_month)
    code, _, err = icsim_in_process(capsys, "run", str(TOWN), "--months", "2", "--out", str(tmp_path / "out"))
    assert code == 1 and "the simulation stopped early" in err
    assert list(tmp_path.iterdir()) == []


def test_a_nan_delay_is_refused_by_the_environment():
    from sim.process import Environment

    env = Environment()
    for delay in (math.nan, -1.0):
        with pytest.raises(ValueError):
            env.timeout(delay)


# --- the error boundary ----------------------------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_exit_1_with_debug_for_the_traceback(tmp_path, capsys, monkeypatch):
    def broken(hs, writer=None):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(outputs, "collect", broken)
    code = main(["run", str(TOWN), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and "unexpected RuntimeError: disk on fire second line" in err and "--debug" in err
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    assert main(["run", str(TOWN), "--out", str(tmp_path / "out"), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "in broken" in err


def test_ctrl_c_handler_is_installed_when_sigint_was_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        entry.ctrl_c_interrupts()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


# --- findings by name from the registry, never imported --------------------------------------------


def experiment(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "claim": "c", "base": str(TOWN), "replications": 2, "months": 1,
                                    "kpis": ["bed_occupancy_midnight"], "scenarios": {"baseline": {}}, **extra}))
    return path


@pytest.mark.parametrize("findings, words", [
    (["this"], "'this' not a finding icsim has"),
    (["os"], "'os' not a finding icsim has"),
    (["experiments.config"], "not a finding icsim has"),
    ([5], "Input should be a valid string"),
    ("residents_farther_from_an_ae", "Input should be a valid list"),
])
def test_a_finding_that_is_not_registered_is_refused_and_nothing_is_imported(findings, words, tmp_path, capsys):
    code, out, err = icsim_in_process(capsys, "experiment", str(experiment(tmp_path, findings=findings)), "--out",
                                      str(tmp_path / "out"))
    assert code == 2 and any(line.strip().startswith("findings") and words in line for line in err.splitlines()), err
    assert "Zen of Python" not in out + err and not (tmp_path / "out").exists()


def test_a_verdict_module_named_in_an_experiment_is_refused_as_an_unknown_field(tmp_path, capsys):
    code, out, err = icsim_in_process(capsys, "experiment", str(experiment(tmp_path, verdict="this")), "--out",
                                      str(tmp_path / "out"))
    assert code == 2 and "verdict: Extra inputs are not permitted" in err, err
    assert "Zen of Python" not in out + err and not (tmp_path / "out").exists()


def test_the_shipped_experiments_use_only_registered_findings():
    from experiments.config import load_experiment
    from experiments.findings import FINDINGS

    used = {f for p in (ROOT / "experiments").glob("*.yaml") for f in load_experiment(p).spec.findings}
    assert used and used <= set(FINDINGS)


# --- the explorer ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host, warned", [("0.0.0.0", True), ("127.0.0.1", False), ("localhost", False)])
def test_explore_warns_that_a_network_host_has_no_authentication(host, warned, capsys, monkeypatch):
    started = []
    monkeypatch.setattr(explore_command.os, "execve", lambda *args: started.append(args))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["explore", str(TOWN), "--host", host, "--port", str(port)]) == 0
    err = capsys.readouterr().err
    assert ("no authentication" in err) == warned and len(started) == 1


def test_a_base_config_path_with_blanks_at_its_ends_is_shown_quoted(tmp_path, capsys):
    """Found by the mutation test: ``extends: ' 0'`` was reported as ``extends:  0: ...``, a
    line that seemed to name no field."""
    path = tmp_path / "a.yaml"
    path.write_text("extends: ' 0'\nname: x\n")
    code, _, err = icsim_in_process(capsys, "validate", str(path))
    assert code == 2 and refused_naming_fields(err) == ["extends"] and "extends: ' 0': cannot read" in err
