"""``icsim run CONFIG``: run a config, write its results and print its KPIs beside the published ranges."""

from __future__ import annotations

import math
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents import health_system
from icsim import outputs
from icsim.commands.common import EXIT_BAD_INPUT, MAX_MONTHS, feasible, refuse
from icsim.folders import Staging, out_path
from sim.completeness import check_finished
from sim.config import Config, ConfigError, load_config
from sim.config.schema import MAX_SEED
from sim.kpis import SUMMARY_KPIS, format_kpi


def main(args, out: Console, err: Console) -> int:
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        err.print(f"error: --seed: must be between 0 and {MAX_SEED}")
        return EXIT_BAD_INPUT
    if args.months is not None and not 1 <= args.months <= MAX_MONTHS:
        err.print(f"error: --months: must be between 1 and {MAX_MONTHS}")
        return EXIT_BAD_INPUT
    # the config as run: --seed and --months go into it, so results/config.yaml is what ran
    as_run = {k: v for k, v in (("seed", args.seed), ("months", args.months)) if v is not None}
    try:
        cfg = load_config(args.config, {"run": as_run} if as_run else None)
    except ConfigError as exc:
        return refuse(err, exc, "config")
    if feasible(cfg, args.config, err) is None:
        return EXIT_BAD_INPUT
    seed = cfg.run.seed
    target = out_path(args.out, Path("results") / f"{cfg.name}-seed{seed}")
    with Staging(target, "run", args.force) as staging:  # --out checked and writable before simulating
        t0 = time.perf_counter()
        hs = health_system(cfg, seed=seed, months=cfg.run.months)
        writer = outputs.ResultWriter(staging.path)
        outputs.stream(hs, writer)  # GP requests written month by month, not kept to the end
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("months"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task(f"{cfg.name}, seed {seed}", total=hs.months)
            hs.run(progress=lambda done, total: progress.update(task, completed=done))
        check_finished(hs)
        seconds = time.perf_counter() - t0
        tables = outputs.collect(hs, writer)
        info = outputs.manifest(hs, seconds)
        outputs.write(staging, tables, info, cfg, writer)
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
