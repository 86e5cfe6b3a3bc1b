"""One run of a config, as experiments and sweeps need it: its KPIs, place by place, and the
warm-up it needed.

A run is a config (plain data, as it travels to a worker process or a cluster), a seed and a number
of months. Replication k of every scenario of an experiment runs with seed ``seed + k``: the same
patients arrive with the same needs in every scenario (``sim.needs``), so differences between
scenarios are differences the scenarios make, not luck (common random numbers).
"""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager

import pandas as pd
from mesa import Agent

from agents import health_system
from agents.reporting import finance_kpis
from sim.completeness import check_finished
from sim.config import validate
from sim.kpis import period_summaries, summary_kpis
from sim.warmup import truncation_days

COLUMNS = ["scope", "kpi", "value"]


@contextmanager
def _run(config_data: dict, seed: int, months: int):
    """A finished run, for its results to be taken. Then Mesa's reference to it is dropped: its
    ``Agent`` keeps a counter of agent ids per model in a class-level dict (mesa 3.3), a strong
    reference that would keep every model, with all its journeys, for the life of the process."""
    hs = health_system(validate(config_data), seed=seed, months=months)
    hs.stream_to(None)  # only KPIs are wanted: journeys and GP requests leave memory as they become final
    try:
        hs.run()
        check_finished(hs)  # a run that stopped early is an error, never a result
        yield hs
    finally:
        Agent._ids.pop(hs, None)


def _freed(fn):
    """Collect the run's garbage once ``fn`` has returned its results. The model's objects refer to
    one another (agents and their model, processes and their environment), so only the cyclic
    garbage collector frees them, and it counts objects, not bytes: a worker that makes run after
    run (a Dask worker of an experiment or a sweep) would otherwise keep many runs' journey arrays,
    gigabytes, until its memory limit pauses it."""

    @functools.wraps(fn)
    def run_and_free(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            gc.collect()

    return run_and_free


@_freed
def run_kpis(config_data: dict, seed: int, months: int) -> dict[str, float]:
    """Every KPI of a run over the reported months (after the warm-up), patient flows and money
    alike, for the whole footprint: what sweeps compare."""
    with _run(config_data, seed, months) as hs:
        return {**summary_kpis(hs).to_dict(), **finance_kpis(hs)}


@_freed
def run_results(config_data: dict, seed: int, months: int) -> pd.DataFrame:
    """What experiments compare, as a tidy table (scope, kpi, value): every KPI of the footprint
    (scope ``ics``), of each site and locality (``site:NAME``, ``locality:NAME``), and the days of
    warm-up MSER-5 finds each capacity needed (scope ``warmup``, from the run's own census)."""
    with _run(config_data, seed, months) as hs:
        places = period_summaries(hs)
        rows = [("ics", k, float(v)) for k, v in {**places.pop("ics"), **finance_kpis(hs)}.items()]
        for scope, kpis in places.items():
            rows += [(scope, k, float(v)) for k, v in kpis.items()]
        rows += [("warmup", series, float(days)) for series, days in truncation_days(hs.census.frame()).items()]
        rows.append(("warmup", "configured", float(hs.cfg.run.warmup_days)))
    return pd.DataFrame(rows, columns=COLUMNS)
