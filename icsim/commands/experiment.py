"""``icsim experiment EXPERIMENT``: scenarios x replications, a report and a verdict."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from experiments import analysis, report
from experiments.config import load_experiment
from experiments.registry import judge
from experiments.runner import run_experiment
from icsim.commands.common import refuse
from icsim.folders import Staging, out_path
from sim import __version__, resources
from sim.config import ConfigError


def main(args, out: Console, err: Console) -> int:
    try:
        exp = load_experiment(args.experiment)
        for name, cfg in exp.configs.items():  # each scenario's run must fit the machine
            try:
                resources.check(cfg, str(exp.source), exp.spec.months)
            except ConfigError as exc:
                raise ConfigError(exc.source, [f"scenarios.{name}.overrides: {p}" for p in exc.problems]) from None
    except ConfigError as exc:
        return refuse(err, exc, "experiment")
    spec = exp.spec
    target = out_path(args.out, Path("results") / "experiments" / spec.name)
    n = spec.replications if args.replications is None else args.replications
    with Staging(target, "experiment", args.force) as staging:  # --out checked and writable before running
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
                   TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task(spec.name, total=n * len(spec.scenarios))
            results = run_experiment(exp, n, args.workers,
                                     progress=lambda done, total: progress.update(task, completed=done))
        summary = analysis.summarise(results, spec.baseline, spec.kpis)
        judged = judge(summary, exp)
        report.write(staging.path, exp, results, summary, judged)
        staging.commit({"name": spec.name, "experiment": str(exp.source), "replications": n,
                        "icsim_version": __version__, "command": sys.argv})
    table = Table(title=f"{spec.name}: {spec.claim}")
    for col in ("question", "answer", "evidence"):
        table.add_column(col)
    for row in judged.itertuples():
        table.add_row(row.question, row.answer, row.evidence)
    out.print(table)
    out.print(f"Report: {target / 'report.md'}", highlight=False)
    return 0
