"""The ``icsim`` command line: run a config, or check one.

    icsim run CONFIG [--seed N] [--months M] [--out DIR]
    icsim validate CONFIG
    icsim experiment EXPERIMENT [--replications N] [--workers N] [--out DIR]
    icsim sweep SWEEP [--workers N | --scheduler ADDRESS] [--out DIR] [--retry-failed] [--dry-run]
    icsim explore [CONFIG] [--port N] [--host H] [--cache DIR] [--clear-cache]

A config that cannot be used is reported one problem per line, each naming its field, with exit
code 2 and nothing written.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.config import Config, ConfigError, load_config
from sim.kpis import SUMMARY_KPIS, format_kpi

EXIT_BAD_INPUT = 2
# The explorer's footprint when none is named: the shipped baseline, wherever icsim is run from.
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "baseline.yaml"
PROGRESS_LINE_SECONDS = 30  # how often a sweep writes a progress line when not on a terminal

def _refuse(err: Console, exc: ConfigError, what: str) -> int:
    """Say why a config, experiment or sweep cannot be used, one problem a line; the exit code."""
    err.print(f"[bold red]error:[/] {exc.source}: the {what} cannot be used", highlight=False)
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, highlight=False)
    return EXIT_BAD_INPUT


def _load(path: str, err: Console) -> Config | None:
    try:
        return load_config(path)
    except ConfigError as exc:
        _refuse(err, exc, "config")
        return None


def cmd_validate(args, out: Console, err: Console) -> int:
    cfg = _load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    eds = sum(1 for s in cfg.sites.values() if s.emergency_department)
    beds = sum(s.beds for s in cfg.sites.values())
    out.print(f"ok: {cfg.name}: {cfg.population:,} people in {len(cfg.localities)} localities, "
              f"{len(cfg.sites)} sites ({eds} type 1 A&Es, {beds:,} acute beds), "
              f"{cfg.run.months} months from {cfg.run.start_date}", highlight=False)
    return 0


def cmd_run(args, out: Console, err: Console) -> int:
    if args.seed is not None and args.seed < 0:
        err.print("error: --seed: must be >= 0")
        return EXIT_BAD_INPUT
    if args.months is not None and not 1 <= args.months <= 240:
        err.print("error: --months: must be between 1 and 240")
        return EXIT_BAD_INPUT
    cfg = _load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    from agents import health_system
    from icsim import outputs

    seed = cfg.run.seed if args.seed is None else args.seed
    target = Path(args.out) if args.out else Path("results") / f"{cfg.name}-seed{seed}"
    try:
        outputs.check_target(target)
    except FileExistsError as exc:
        err.print(f"error: {exc}")
        return EXIT_BAD_INPUT

    t0 = time.perf_counter()
    hs = health_system(cfg, seed=seed, months=args.months)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("months"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(f"{cfg.name}, seed {seed}", total=hs.months)
        hs.run(progress=lambda done, total: progress.update(task, completed=done))
    seconds = time.perf_counter() - t0
    tables = outputs.collect(hs)
    info = outputs.manifest(hs, seconds)
    outputs.write(target, tables, info, cfg.model_dump(mode="json", by_alias=True))
    _print_summary(out, cfg, hs, tables, seconds, target)
    return 0


def _print_summary(out: Console, cfg: Config, hs, tables, seconds: float, target: Path) -> None:
    summary = tables["summary"].set_index("kpi")
    table = Table(title=f"{cfg.name}: {hs.calendar.month_labels[0]} to {hs.calendar.month_labels[-1]}, "
                        f"seed {hs.seed} ({cfg.population:,} people)")
    table.add_column("KPI")
    table.add_column("simulated", justify="right")
    table.add_column("published range", justify="right")
    for kpi, label, fmt in SUMMARY_KPIS:
        if kpi not in summary.index:
            continue
        row = summary.loc[kpi]
        published = "" if math.isnan(row.get("low", math.nan)) else f"{format_kpi(fmt, row['low'])} to {format_kpi(fmt, row['high'])}"
        table.add_row(label, format_kpi(fmt, row["value"]), published)
    out.print(table)
    if "finances" in tables:
        _print_finances(out, tables["finances"], tables["decisions"])
    out.print(f"Simulated in {seconds:.1f} s. Results in {target}/", highlight=False)


def _print_finances(out: Console, finances, decisions) -> None:
    table = Table(title="Organisations: money over the run (GBP million) and what they did")
    for col, justify in (("organisation", "left"), ("income", "right"), ("spending", "right"),
                         ("surplus", "right"), ("decisions", "left")):
        table.add_column(col, justify=justify)
    acted = decisions.groupby("organisation")["action"].agg(lambda a: ", ".join(dict.fromkeys(a)))
    for row in finances.itertuples():
        if row.kind == "general_practice":
            continue
        table.add_row(row.organisation, f"{row.income / 1e6:,.1f}", f"{row.spending / 1e6:,.1f}",
                      f"{row.surplus / 1e6:+,.1f}", acted.get(row.organisation, ""))
    gp = finances[finances.kind == "general_practice"]
    if len(gp):
        table.add_row(f"GP practices ({len(gp)})", f"{gp.income.sum() / 1e6:,.1f}", f"{gp.spending.sum() / 1e6:,.1f}",
                      f"{gp.surplus.sum() / 1e6:+,.1f}",
                      ", ".join(dict.fromkeys(decisions[decisions.kind == "general_practice"].action)))
    out.print(table)


def cmd_experiment(args, out: Console, err: Console) -> int:
    from experiments.config import load_experiment

    try:
        exp = load_experiment(args.experiment)
    except ConfigError as exc:
        return _refuse(err, exc, "experiment")
    from experiments import analysis, report
    from experiments.runner import run_experiment

    spec = exp.spec
    target = Path(args.out) if args.out else Path("results") / "experiments" / spec.name
    n = spec.replications if args.replications is None else args.replications
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(spec.name, total=n * len(spec.scenarios))
        results = run_experiment(exp, n, args.workers, progress=lambda done, total: progress.update(task, completed=done))
    summary = analysis.summarise(results, spec.baseline, spec.kpis)
    judged = report.verdict(summary, exp)
    report.write(target, exp, results, summary, judged)
    table = Table(title=f"{spec.name}: {spec.claim}")
    for col in ("question", "answer", "evidence"):
        table.add_column(col)
    for row in judged.itertuples():
        table.add_row(row.question, row.answer, row.evidence)
    out.print(table)
    out.print(f"Report: {target / 'report.md'}", highlight=False)
    return 0


def cmd_sweep(args, out: Console, err: Console) -> int:
    from experiments.sweep_config import load_sweep

    try:
        sweep = load_sweep(args.sweep)
    except ConfigError as exc:
        return _refuse(err, exc, "sweep")
    from experiments.sweep_store import RunStore

    spec = sweep.spec
    target = Path(args.out) if args.out else Path("results") / "sweeps" / spec.name
    try:
        RunStore(target).check(spec.name)
    except FileExistsError as exc:
        err.print(f"error: {exc}")
        return EXIT_BAD_INPUT
    if args.dry_run:
        return _sweep_plan(sweep, target, out)
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
        return 130


def _sweep_plan(sweep, target: Path, out: Console) -> int:
    """What a sweep would do, without a cluster and without writing anything."""
    from experiments.design import plan
    from experiments.sweep_store import RunStore

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
    from experiments import sweep_summary
    from experiments.cluster import connect
    from experiments.sweep import ClusterLost, run_sweep

    spec = sweep.spec
    try:
        client = connect(args.scheduler, args.workers)
    except (OSError, ValueError, TypeError) as exc:
        err.print(f"error: --scheduler {args.scheduler}: cannot reach the Dask scheduler ({exc})")
        return EXIT_BAD_INPUT
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
            return 1
    summary = sweep_summary.write(sweep, target)
    failed = f"{outcome.failed} failed"
    if outcome.failed_before:
        failed += f", {outcome.failed_before} failed before (not run again; --retry-failed runs them)"
    out.print(f"{spec.name}: {outcome.planned} runs: {outcome.ran} run now, {outcome.skipped} already done "
              f"(skipped), {failed}.", highlight=False)
    out.print(f"Results: {summary / 'results.parquet'} (this sweep's runs), each run under {target}/runs. "
              f"Summary: {summary / 'report.md'}", highlight=False)
    return 1 if outcome.failed_total else 0


def cmd_explore(args, out: Console, err: Console) -> int:
    """Start the interactive explorer (``viz/app.py``) on a Solara server, in place of this process."""
    import errno
    import os
    import socket

    from viz.cache import CACHE_ENV, BaselineCache

    cache = BaselineCache(args.cache)
    if args.clear_cache:
        n = cache.clear()
        out.print(f"icsim explorer: {n} cached baseline file{'s' if n != 1 else ''} deleted from {cache.folder}",
                  highlight=False)
        return 0
    if not 1 <= args.port <= 65535:
        err.print("error: --port: must be between 1 and 65535")
        return EXIT_BAD_INPUT
    cfg = _load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    try:
        socket.getaddrinfo(args.host, args.port)
    except socket.gaierror as exc:
        err.print(f"error: --host: {args.host} is not a known host name or address ({exc.strerror})")
        return EXIT_BAD_INPUT
    try:
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as exc:
        field = "--host" if exc.errno == errno.EADDRNOTAVAIL else "--port"
        err.print(f"error: {field}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    import viz

    app = Path(viz.__file__).resolve().parent / "app.py"
    env = {**os.environ, "ICSIM_EXPLORE_CONFIG": str(Path(args.config).resolve()), CACHE_ENV: str(cache.folder),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    out.print(f"icsim explorer: {cfg.name} on http://{args.host}:{args.port}/ (Ctrl+C stops it)", highlight=False)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", str(app), "--host", args.host,
                               "--port", str(args.port), "--production", "--no-open", "--no-check-version"], env)
    return 0  # not reached: the server replaces this process


def at_least(low: int, why: str = ""):
    """An argparse type: a whole number no smaller than ``low`` (argparse then names the option
    and exits with code 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}" + (f" ({why})" if why else ""))
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icsim", description="Simulate an NHS Integrated Care System.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a config and write its results")
    run.add_argument("config", help="YAML config, e.g. configs/baseline.yaml")
    run.add_argument("--seed", type=int, help="random seed (default: run.seed in the config)")
    run.add_argument("--months", type=int, help="months to report (default: run.months in the config)")
    run.add_argument("--out", help="results directory (default: results/NAME-seedN)")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check a config and say what it describes")
    val.add_argument("config")
    val.set_defaults(func=cmd_validate)
    exp = sub.add_parser("experiment", help="run scenarios x replications and write a report with a verdict")
    exp.add_argument("experiment", help="experiment YAML, e.g. experiments/forty_percent.yaml")
    exp.add_argument("--replications", type=at_least(2, "a confidence interval needs two"),
                     help="replications per scenario (default: the experiment's)")
    exp.add_argument("--workers", type=at_least(1), help="processes to run in parallel (default: one per core)")
    exp.add_argument("--out", help="report directory (default: results/experiments/NAME)")
    exp.set_defaults(func=cmd_experiment)
    swp = sub.add_parser("sweep", help="run a parameter sweep on a Dask cluster, resumably, with sensitivity analysis")
    swp.add_argument("sweep", help="sweep YAML, e.g. experiments/sweeps/community_levers.yaml")
    where = swp.add_mutually_exclusive_group()
    where.add_argument("--workers", type=at_least(1), help="worker processes of a local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    swp.add_argument("--out", help="sweep directory (default: results/sweeps/NAME); rerun to resume")
    swp.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    swp.add_argument("--dry-run", action="store_true",
                     help="check the sweep and say how many runs it has and how many are left; run nothing")
    swp.set_defaults(func=cmd_sweep)
    xpl = sub.add_parser("explore", help="start the interactive explorer in a web page (Solara)")
    xpl.add_argument("config", nargs="?", default=str(DEFAULT_CONFIG),
                     help="footprint config shown first (default: configs/baseline.yaml)")
    xpl.add_argument("--port", type=int, default=8765, help="port to serve on (default: 8765)")
    xpl.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    xpl.add_argument("--cache", metavar="DIR", help="folder of the baselines computed once and kept (default: "
                     "$ICSIM_EXPLORER_CACHE, else ~/.cache/icsim/explorer)")
    xpl.add_argument("--clear-cache", action="store_true",
                     help="delete the cached baselines (only the files icsim wrote there) and exit")
    xpl.set_defaults(func=cmd_explore)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has said what is wrong (or printed help): its code, returned
        return int(exc.code or 0)
    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    return args.func(args, out, err)


if __name__ == "__main__":
    sys.exit(main())
