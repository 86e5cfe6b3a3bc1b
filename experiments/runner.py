"""Run an experiment: every scenario x replication, with common random numbers, in parallel.

Replication k of every scenario runs with seed ``seed + k``: the same patients arrive with the
same needs in every scenario (``sim.needs``), so differences between scenarios are differences
the scenarios make, not luck. Runs go to separate processes (``spawn``: Mesa sets it for the
whole process, and it is what a laptop and a cluster node both support); the results do not
depend on how many workers ran them.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed

import pandas as pd

from agents import health_system
from agents.reporting import finance_kpis
from experiments.config import LoadedExperiment
from sim.config import validate
from sim.kpis import summary_kpis


def run_kpis(config_data: dict, seed: int, months: int) -> dict[str, float]:
    """Run a config (plain data) and return every KPI over the reported months (after the
    warm-up), patient flows and money alike: what experiments and sweeps compare."""
    hs = health_system(validate(config_data), seed=seed, months=months)
    hs.run()
    return {**summary_kpis(hs).to_dict(), **finance_kpis(hs)}


def run_one(config_data: dict, scenario: str, replication: int, seed: int, months: int) -> dict:
    """One scenario, one replication: its KPIs."""
    return {"scenario": scenario, "replication": replication, "seed": seed, **run_kpis(config_data, seed, months)}


def tasks(exp: LoadedExperiment, replications: int | None = None) -> list[tuple]:
    spec = exp.spec
    n = spec.replications if replications is None else replications
    return [(exp.scenario_data(name), name, k, spec.seed + k, spec.months)
            for name in spec.scenarios for k in range(n)]


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
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(run_one, *job) for job in jobs]
            for future in as_completed(futures):
                rows.append(future.result())
                if progress:
                    progress(len(rows), len(jobs))
    order = {name: i for i, name in enumerate(exp.spec.scenarios)}
    wide = pd.DataFrame(rows).sort_values(["scenario", "replication"],
                                          key=lambda c: c.map(order) if c.name == "scenario" else c)
    tidy = wide.melt(id_vars=["scenario", "replication", "seed"], var_name="kpi", value_name="value")
    return tidy.reset_index(drop=True)
