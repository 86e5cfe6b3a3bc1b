"""Run an experiment: every scenario x replication, with common random numbers, in parallel.

Replication k of every scenario runs with seed ``seed + k``: the same patients arrive with the
same needs in every scenario (``sim.needs``), so differences between scenarios are differences
the scenarios make, not luck. Runs go to separate processes (``spawn``: Mesa sets it for the
whole process, and it is what a laptop and a cluster node both support); the results do not
depend on how many workers ran them.

Ctrl-C stops an experiment at once and quietly: the worker processes ignore SIGINT from the moment
they start (``experiments.interrupts``), and the pool is terminated when the main process is
interrupted.
"""

from __future__ import annotations

import multiprocessing

import pandas as pd

from agents import health_system
from agents.reporting import finance_kpis
from experiments.config import LoadedExperiment
from experiments.interrupts import ctrl_c_held, ignore_ctrl_c
from sim.completeness import check_finished
from sim.config import validate
from sim.kpis import summary_kpis


def run_kpis(config_data: dict, seed: int, months: int) -> dict[str, float]:
    """Run a config (plain data) and return every KPI over the reported months (after the
    warm-up), patient flows and money alike: what experiments and sweeps compare."""
    hs = health_system(validate(config_data), seed=seed, months=months)
    hs.run()
    check_finished(hs)  # a run that stopped early is an error, never a result
    return {**summary_kpis(hs).to_dict(), **finance_kpis(hs)}


def run_one(config_data: dict, scenario: str, replication: int, seed: int, months: int) -> dict:
    """One scenario, one replication: its KPIs."""
    return {"scenario": scenario, "replication": replication, "seed": seed, **run_kpis(config_data, seed, months)}


def tasks(exp: LoadedExperiment, replications: int | None = None) -> list[tuple]:
    spec = exp.spec
    n = spec.replications if replications is None else replications
    return [(exp.scenario_data(name), name, k, spec.seed + k, spec.months)
            for name in spec.scenarios for k in range(n)]


def _run_job(job: tuple) -> dict:
    return run_one(*job)


def run_experiment(exp: LoadedExperiment, replications: int | None = None, workers: int | None = None,
                   progress=None) -> pd.DataFrame:
    """All runs, as a tidy table: scenario, replication, seed, kpi, value (sorted, so the table
    is the same whatever order the runs finished in)."""
    jobs = tasks(exp, replications)
    rows = []
    if workers == 1:
        for job in jobs:
            rows.append(run_one(*job))
            if progress:
                progress(len(rows), len(jobs))
    else:
        context = multiprocessing.get_context("spawn")
        with ctrl_c_held():
            pool = context.Pool(workers, initializer=ignore_ctrl_c)
        try:
            for row in pool.imap_unordered(_run_job, jobs):
                rows.append(row)
                if progress:
                    progress(len(rows), len(jobs))
            pool.close()
        except BaseException:
            pool.terminate()  # Ctrl-C or a failed run: the other runs are not waited for
            raise
        finally:
            pool.join()
    order = {name: i for i, name in enumerate(exp.spec.scenarios)}
    wide = pd.DataFrame(rows).sort_values(["scenario", "replication"],
                                          key=lambda c: c.map(order) if c.name == "scenario" else c)
    tidy = wide.melt(id_vars=["scenario", "replication", "seed"], var_name="kpi", value_name="value")
    return tidy.reset_index(drop=True)
