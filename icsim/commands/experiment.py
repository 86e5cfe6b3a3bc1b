"""``icsim experiment EXPERIMENT``: scenarios x replications on a Dask cluster, the questions judged,
a report with the verdict on the claim.

Runs go to a local Dask cluster (``--workers``, one per core by default) or a running scheduler
(``--scheduler``), the same way as a sweep's (``experiments.execution``); each finished run is kept
under ``OUT/runs`` at once, so an interrupted experiment run again with the same command makes only
the runs it lacks. Replications are added until every question's interval is narrow enough
(``experiments.precision``), unless ``--replications N`` fixes them. Then each assumption the
experiment names is tried at both ends of its range (``--skip-robustness`` leaves that out).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from experiments import analysis, judging, report
from experiments.cluster import connect
from experiments.config import LoadedExperiment, load_experiment
from experiments.execution import MODEL_DIGEST, ClusterLost, RunCache, RunFailed, run_key, run_many
from experiments.findings import FINDINGS
from experiments.precision import run_to_precision
from icsim.commands.common import EXIT_BAD_INPUT, EXIT_FAILED, refuse
from icsim.folders import begin_resumable, check, finish_resumable, out_path, probe
from sim import __version__, resources
from sim.config import ConfigError

PROGRESS_LINE_SECONDS = 30


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
    check(target, "experiment", args.force, name=spec.name)
    probe(target)
    try:
        client = connect(args.scheduler, args.workers)
    except (OSError, ValueError, TypeError) as exc:
        err.print(f"error: --scheduler {args.scheduler}: cannot reach the Dask scheduler ({exc})")
        return EXIT_BAD_INPUT
    begin_resumable(target, "experiment", spec.name, args.force)
    cache = RunCache(target / "runs")
    with client:
        try:
            judged = run(exp, client, cache, args.replications, not args.skip_robustness, err)
        except (RunFailed, ClusterLost) as exc:
            err.print(f"error: {exc}", highlight=False)
            return EXIT_FAILED
    staged = Path(tempfile.mkdtemp(prefix=".report.", dir=target))
    report.write(staged, exp, judged)
    kept = {f"runs/{p.name}" for p in cache.folder.glob("[!.]*")} if cache.folder.exists() else set()
    finish_resumable(target, staged, "experiment",
                     {"name": spec.name, "experiment": str(exp.source), "replications": judged.precision.replications,
                      "icsim_version": __version__, "model_digest": MODEL_DIGEST, "command": sys.argv}, kept)
    _print(out, exp, judged)
    out.print(f"Report: {target / 'report.md'}", highlight=False)
    return 0


def run(exp: LoadedExperiment, client, cache: RunCache, replications: int | None, robustness: bool,
        err: Console) -> report.Judged:
    """Every run the experiment needs (by precision, or fixed), judged."""
    spec = exp.spec
    months = spec.months
    last = [0.0]

    def show(done: int, total: int) -> None:
        if err.is_terminal or time.monotonic() - last[0] >= PROGRESS_LINE_SECONDS or done == total:
            last[0] = time.monotonic()
            err.print(f"{spec.name}: {done}/{total} runs done", highlight=False)

    def batch(pairs: list[tuple[str, int]], datas: dict[str, dict] | None = None, label: str = "") -> pd.DataFrame:
        datas = datas or {s: exp.scenario_data(s) for s in spec.scenarios}
        runs = [(run_key(datas[s], exp.seed(s, k), months), datas[s], exp.seed(s, k), months) for s, k in pairs]
        run_many(client, cache, runs, show)
        tables = []
        for (scenario, k), (key, _, seed, _) in zip(pairs, runs):
            t = cache.read(key)
            tables.append(t.assign(scenario=scenario, replication=k, seed=seed))
        cols = ["scenario", "replication", "seed", "scope", "kpi", "value"]
        return pd.concat(tables, ignore_index=True)[cols] if tables else pd.DataFrame(columns=cols)

    start = replications or spec.start_replications
    most = replications or spec.most_replications
    fixed = replications is not None or spec.fixed_replications
    results, precision = run_to_precision(list(spec.scenarios), exp.asked,
                                          lambda q, r: judging.margin_of(exp, q, r), batch, start, most, fixed)
    order = {name: i for i, name in enumerate(spec.scenarios)}
    results = results.sort_values(["scenario", "replication", "scope", "kpi"],
                                  key=lambda c: c.map(order) if c.name == "scenario" else c, ignore_index=True)
    answers = judging.judge_questions(exp, results)
    at_ends: dict[tuple[int, str], pd.DataFrame] = {}
    if robustness:
        n = min(spec.robustness_replications, precision.replications)
        for i, assumption in enumerate(spec.assumptions):
            for end in ("low", "high"):
                value = getattr(assumption, end)
                chosen = assumption.scenarios or list(spec.scenarios)
                datas = {s: exp.scenario_data_with(s, assumption.path, value) or exp.scenario_data(s) for s in chosen}
                at_ends[(i, end)] = batch([(s, k) for k in range(n) for s in chosen], datas)
    return report.Judged(
        results=results,
        summary=analysis.summarise(results, spec.baseline, sorted(set(spec.kpis) | {a.kpi for a in exp.asked})),
        verdict=judging.verdict_table(answers),
        overall=judging.claim_verdict(exp, answers),
        places=judging.place_table(exp, results),
        margins=judging.margin_robustness(exp, results, answers),
        assumptions=judging.assumption_robustness(exp, answers, at_ends),
        warmup=judging.warmup_table(results),
        precision=precision,
        findings=[line for name in spec.findings for line in FINDINGS[name](exp.configs, spec.baseline)],
        model_digest=MODEL_DIGEST,
    )


def _print(out: Console, exp: LoadedExperiment, judged: report.Judged) -> None:
    verdict, sentence = judged.overall
    table = Table(title=f"{exp.spec.name}: {exp.spec.claim}")
    for col in ("question", "scenario", "KPI", "answer", "difference [interval]", "margin"):
        table.add_column(col)
    for r in judged.verdict.itertuples():
        table.add_row(r.question, r.scenario, r.kpi, r.answer,
                      f"{report.signed(r.difference)} [{report.fmt(r.low)}, {report.fmt(r.high)}]",
                      f"{report.fmt(r.margin)} ({r.margin_name})")
    out.print(table)
    out.print(f"Verdict: {verdict}. {sentence}", highlight=False)
