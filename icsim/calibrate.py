"""``icsim calibrate``: a footprint's replications against the published figures its config carries.

Runs the config ``replications`` times (seeds ``seed`` .. ``seed + replications - 1``), measures each
run over the calibration period at every scope a target names (``sim.calibration.simulated``),
and compares the mean and its 95% interval with each published range (``sim.calibration.compare``).
The table is written as ``calibration.csv`` and ``calibration.md`` (with the sources), beside a
``manifest.json`` saying what was run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agents import health_system
from sim import __version__
from sim.calendar import Calendar
from sim.calibration import compare, period_labels, simulated, targets
from sim.config import Config

EXIT_MISSED, EXIT_BAD_INPUT = 1, 2


def run(cfg: Config, replications: int, seed: int,
        progress: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The comparison table of ``replications`` runs of ``cfg``, and the months compared."""
    table = targets(cfg)
    runs, labels = [], []
    for k in range(replications):
        hs = health_system(cfg, seed=seed + k)
        hs.stream_to(None)  # only KPIs are compared: journeys and GP requests leave memory as they become final
        labels = period_labels(cfg, hs.calendar.month_labels)
        hs.run()
        runs.append(simulated(hs, labels))
        if progress is not None:
            progress(k + 1, replications)
    return compare(table, runs), labels


def missed(result: pd.DataFrame) -> pd.DataFrame:
    """The required targets that were not met."""
    return result[result.required & ~result.met]


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def rows(result: pd.DataFrame) -> list[dict[str, str]]:
    """The table as text cells, one dict a target, in the config's order."""
    out = []
    for r in result.itertuples():
        interval = "-" if math.isnan(r.ci_low) else f"{_fmt(r.ci_low)} to {_fmt(r.ci_high)}"
        verdict = "met" if r.met else ("MISSED" if r.required else "missed (not required)")
        out.append({"scope": r.scope, "kpi": r.kpi, "simulated": _fmt(r.simulated), "95% interval": interval,
                    "published": _fmt(r.reference), "range": f"{_fmt(r.low)} to {_fmt(r.high)}",
                    "period": r.period, "verdict": verdict, "estimate": "estimate" if r.estimate else ""})
    return out


def markdown(result: pd.DataFrame, cfg: Config, labels: list[str], replications: int, seed: int) -> str:
    """The table as Markdown, then every target's source, estimate and note."""
    head = (f"# Calibration of {cfg.name}\n\n{replications} replications (seeds {seed} to {seed + replications - 1}), "
            f"simulated months {labels[0]} to {labels[-1]}. A target is met when the mean over the replications "
            "lies inside the published range; the 95% interval of the mean (Student's t) is shown beside it.\n\n")
    cells = rows(result)
    cols = list(cells[0]) if cells else []
    lines = ["| # | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    lines += [f"| {i} | " + " | ".join(c[k] for k in cols) + " |" for i, c in enumerate(cells, 1)]
    notes = ["", "## Sources", ""]
    for i, r in enumerate(result.itertuples(), 1):
        text = f"{i}. `{r.scope}` `{r.kpi}`: {r.source} ({r.period})."
        if r.estimate:
            text += f" Estimate: {r.estimate}"
        if r.note:
            text += f" Note: {r.note}"
        notes.append(text)
    bad = missed(result)
    verdict = (f"\n\n**{len(bad)} required target(s) missed.**\n" if len(bad)
               else f"\n\n**All {int(result.required.sum())} required targets met.**\n")
    return head + "\n".join(lines) + verdict + "\n".join(notes) + "\n"


def write(out: Path, result: pd.DataFrame, cfg: Config, labels: list[str], replications: int, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "calibration.csv", index=False)
    (out / "calibration.md").write_text(markdown(result, cfg, labels, replications, seed), encoding="utf-8")
    info = {"icsim_version": __version__, "config_name": cfg.name, "config_digest": cfg.digest(),
            "replications": replications, "seeds": [seed, seed + replications - 1],
            "months": [labels[0], labels[-1]], "targets": len(result), "required_missed": int(len(missed(result))),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    (out / "manifest.json").write_text(json.dumps(info, indent=2))


def command(cfg: Config, args, out: Console, err: Console) -> int:
    """``icsim calibrate``: run, print and write the table; exit 1 naming every required target
    missed, 2 for a config without targets or whose run does not cover its calibration period."""
    if cfg.calibration is None or cfg.calibration.count() == 0:
        err.print(f"error: {args.config}: the config has no calibration targets (calibration:)", highlight=False)
        return EXIT_BAD_INPUT
    try:
        period_labels(cfg, Calendar(cfg.run).month_labels)
    except ValueError as exc:
        err.print(f"error: {args.config}: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    n = cfg.calibration.replications if args.replications is None else args.replications
    seed = args.seed if args.seed is not None else (
        cfg.calibration.seed if cfg.calibration.seed is not None else cfg.run.seed)
    target = Path(args.out) if args.out else Path("results") / "calibration" / cfg.name
    if target.exists() and not target.is_dir():
        err.print(f"error: --out {target}: exists and is not a directory", highlight=False)
        return EXIT_BAD_INPUT
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(f"{cfg.name}, seeds {seed}-{seed + n - 1}", total=n)
        result, labels = run(cfg, n, seed, lambda done, total: progress.update(task, completed=done))
    write(target, result, cfg, labels, n, seed)
    table = Table(title=f"{cfg.name}: simulated ({n} replications, {labels[0]} to {labels[-1]}) against published")
    shown = ("scope", "kpi", "simulated", "95% interval", "range", "verdict")
    for col in shown:
        table.add_column(col, justify="right" if col == "simulated" else "left")
    for c in rows(result):
        table.add_row(*(c[col] for col in shown))
    out.print(table)
    out.print(f"Table and sources: {target / 'calibration.md'}", highlight=False)
    bad = missed(result)
    for r in bad.itertuples():
        err.print(f"missed: {r.scope} {r.kpi}: simulated {r.simulated:.4g}, published {r.low:.4g} to {r.high:.4g} "
                  f"({r.source}, {r.period})", markup=False, highlight=False)
    if len(bad):
        err.print(f"{len(bad)} of {int(result.required.sum())} required targets missed", highlight=False)
        return EXIT_MISSED
    return 0
