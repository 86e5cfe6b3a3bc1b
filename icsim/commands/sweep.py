"""``icsim sweep SWEEP``: a parameter sweep on a Dask cluster, resumable, with sensitivity analysis."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from experiments import sweep_summary
from experiments.cluster import connect
from experiments.design import plan
from experiments.execution import ClusterLost
from experiments.sweep import run_sweep
from experiments.sweep_config import load_sweep
from experiments.sweep_store import RunStore
from icsim.commands.common import EXIT_BAD_INPUT, EXIT_FAILED, refuse
from icsim.entry import EXIT_INTERRUPTED
from icsim.folders import check, claim, out_path, probe
from sim import __version__, resources
from sim.config import ConfigError, validate

PROGRESS_LINE_SECONDS = 30  # how often a sweep writes a progress line when not on a terminal


def main(args, out: Console, err: Console) -> int:
    try:
        sweep = load_sweep(args.sweep)
        resources.check(validate(sweep.base_data, str(sweep.source)), str(sweep.source), sweep.spec.months)
    except ConfigError as exc:
        return refuse(err, exc, "sweep")
    spec = sweep.spec
    target = out_path(args.out, Path("results") / "sweeps" / spec.name)
    check(target, "sweep", name=spec.name)
    if args.dry_run:
        return _sweep_plan(sweep, target, out)
    probe(target)
    try:
        return _sweep(args, sweep, target, out, err)
    except KeyboardInterrupt:
        store = RunStore(target)
        if (target / "plan.parquet").exists():
            keys = set(store.plan().key)
            left = len(keys - store.finished() - store.failures())
            err.print(f"interrupted: finished runs are kept in {target}/runs; {left} runs left. "
                      "Run the same command again to finish them.", highlight=False)
        else:
            err.print("interrupted before any run started; nothing was written.")
        return EXIT_INTERRUPTED


def _sweep_plan(sweep, target: Path, out: Console) -> int:
    """What a sweep would do, without a cluster and without writing anything."""
    spec = sweep.spec
    table, _, invalid = plan(sweep)
    keys = set(table.key)
    store = RunStore(target)
    done = (store.finished() & keys) if store.runs.exists() else set()
    failed = ((store.failures() & keys) - done) if store.failed.exists() else set()
    points = table.point.nunique()
    out.print(f"{spec.name}: {spec.design} design, {points} points x {spec.replications} replications = "
              f"{len(keys)} distinct runs of {spec.months} months ({len(invalid)} points are not valid configs "
              f"and would be recorded as failed).", highlight=False)
    out.print(f"In {target}: {len(done)} already done, {len(failed)} recorded as failed, "
              f"{len(keys) - len(done) - len(failed)} to run.", highlight=False)
    return 0


def _sweep(args, sweep, target: Path, out: Console, err: Console) -> int:
    spec = sweep.spec
    try:
        client = connect(args.scheduler, args.workers)
    except (OSError, ValueError, TypeError) as exc:
        err.print(f"error: --scheduler {args.scheduler}: cannot reach the Dask scheduler ({exc})")
        return EXIT_BAD_INPUT
    claim(target, "sweep", {"name": spec.name, "icsim_version": __version__})
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
               TextColumn("{task.fields[failed]} failed, {task.fields[remaining]} remaining"), TimeElapsedColumn())
    with client, Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as progress:
        task = progress.add_task(spec.name, total=None, failed=0, remaining="?")
        last_line = [0.0]

        def show(o):
            done = o.skipped + o.ran + o.failed_total
            progress.update(task, total=o.planned, completed=done, failed=o.failed_total, remaining=o.remaining)
            if not err.is_terminal and (time.monotonic() - last_line[0] >= PROGRESS_LINE_SECONDS or not o.remaining):
                last_line[0] = time.monotonic()  # a batch job's log: a line now and then instead of a bar
                err.print(f"{spec.name}: {done}/{o.planned} runs done ({o.skipped + o.failed_before} before this "
                          f"start), {o.failed_total} failed, {o.remaining} remaining", highlight=False)
        try:
            outcome = run_sweep(sweep, target, client, retry_failed=args.retry_failed, progress=show)
        except ClusterLost as exc:
            err.print(f"error: {exc}", highlight=False)
            return EXIT_FAILED
    summary = sweep_summary.write(sweep, target)
    failed = f"{outcome.failed} failed"
    if outcome.failed_before:
        failed += f", {outcome.failed_before} failed before (not run again; --retry-failed runs them)"
    out.print(f"{spec.name}: {outcome.planned} runs: {outcome.ran} run now, {outcome.skipped} already done "
              f"(skipped), {failed}.", highlight=False)
    out.print(f"Results: {summary / 'results.parquet'} (this sweep's runs), each run under {target}/runs. "
              f"Summary: {summary / 'report.md'}", highlight=False)
    return EXIT_FAILED if outcome.failed_total else 0
