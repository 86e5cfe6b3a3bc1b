"""Run a sweep on a Dask cluster: each run a task, each result written the moment it arrives.

The cluster is whatever the ``Client`` is connected to: a ``LocalCluster`` of worker processes on
a laptop (``icsim sweep --workers N``), a running scheduler (``--scheduler tcp://host:8786``), or
workers started by a batch system (docs/sweeps.md shows SLURM with dask-jobqueue). Nothing here
depends on which.

- Runs already under ``OUT/runs`` are skipped, so a stopped sweep restarted with the same command
  runs only what is left. Runs recorded as failed are skipped too, unless ``retry_failed``.
- A run that raises is recorded under ``OUT/failed`` with its error; the other runs go on.
- A worker that dies loses nothing: the scheduler gives its runs to other workers (a run that
  kills its worker again and again, say by running out of memory, is recorded as failed).
- Each task is named by its run key, so the scheduler never runs the same run twice at once.
- Every execution of a run is counted where it happens: the worker reports it to the scheduler
  (a Dask event), and the sweep appends each execution of this invocation to
  ``OUT/executions.log``. A run executed twice (a lost worker's result computed again) shows
  twice there, whatever the futures said.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass, field

import pandas as pd

from experiments.config import known_kpis
from experiments.design import plan
from experiments.execution import (
    ClusterLost,
    Job,
    execute,
    executions,
    new_invocation,
    now,
    report_execution,
)
from experiments.runner import run_kpis
from experiments.sweep_config import LoadedSweep, point_config
from experiments.sweep_store import RunStore
from sim import __version__


def run_task(base_data: dict, point: dict, seed: int, months: int, key: str = "", invocation: str = "") -> dict:
    """On a worker: one run of the base config patched with a point's values, and every KPI
    (NaN where one does not apply, such as money in a footprint without organisations), so that
    a sweep that later keeps another KPI needs no rerun. A task carries only its point's values;
    the base config goes to the cluster once. The execution is reported to the scheduler (see
    the module's docstring) under the run's ``key`` and the sweep's ``invocation``."""

    started = time.perf_counter()
    values = run_kpis(point_config(base_data, point), seed, months)
    seconds = time.perf_counter() - started
    worker = report_execution(key, invocation, seconds)  # the scheduler adds the worker's address
    return {"seconds": seconds, "worker": worker, "icsim_version": __version__, "months": months,
            **{k: float(values.get(k, float("nan"))) for k in _all_kpis()}}


@functools.cache
def _all_kpis() -> list[str]:
    return sorted(known_kpis())


def _base(data: dict) -> dict:
    """The base config as a task of its own, so the scheduler holds it once and can recompute
    it if the worker holding it dies."""
    return data


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _plain(value):
    """A value from the plan table as plain Python (numpy scalars are not YAML-safe config data)."""
    return value.item() if hasattr(value, "item") else value


@dataclass
class Outcome:
    planned: int  # distinct runs in the design
    skipped: int  # finished before this invocation
    failed_before: int  # recorded as failed before this invocation and not retried
    ran: int  # finished now
    failed: int  # failed now (including invalid points)
    invocation: str = field(default_factory=new_invocation)  # names this invocation's executions

    @property
    def failed_total(self) -> int:
        return self.failed_before + self.failed

    @property
    def remaining(self) -> int:
        return self.planned - self.skipped - self.failed_before - self.ran - self.failed


def run_sweep(sweep: LoadedSweep, out, client, retry_failed: bool = False, progress=None) -> Outcome:
    """Run every run of ``sweep`` not yet under ``out`` on ``client``'s cluster.

    ``progress(outcome)`` is called after each run that finishes or fails. On KeyboardInterrupt
    the runs still queued are cancelled and the interrupt is raised again: every finished run is
    already on disk."""
    spec = sweep.spec
    table, _, invalid = plan(sweep)
    store = RunStore(out)
    store.prepare(spec.model_dump(mode="json"), table)
    runs = table.drop_duplicates("key").set_index("key")
    planned = set(runs.index)
    finished = store.finished() & planned
    failed_before = set() if retry_failed else (store.failures() & planned) - finished
    skip = finished | failed_before
    outcome = Outcome(planned=len(runs), skipped=len(finished), failed_before=len(failed_before), ran=0, failed=0)

    def record_failure(key: str, error: str) -> None:
        row = runs.loc[key]
        store.write_failure({"key": key, "point": int(row.point), "seed": int(row.seed), "error": error,
                             "finished_at": now()})
        outcome.failed += 1
        if progress:
            progress(outcome)

    todo = [key for key in runs.index if key not in skip]
    for key in [k for k in todo if int(runs.loc[k].point) in invalid]:
        record_failure(key, f"ConfigError: {invalid[int(runs.loc[key].point)]}")
    todo = [k for k in todo if int(runs.loc[k].point) not in invalid]
    if progress:
        progress(outcome)
    if not todo:
        return outcome


    names = list(spec.parameters)
    base = client.submit(_base, sweep.base_data, key=f"icsim-base-{_digest(sweep.base_data)}")
    jobs = [Job(key, run_task, (base, {name: _plain(runs.loc[key][name]) for name in names}, int(runs.loc[key].seed),
                                spec.months, key, outcome.invocation)) for key in todo]

    def arrived(key: str, result: dict) -> None:
        row = runs.loc[key]
        store.write_run({"key": key, "point": int(row.point), "seed": int(row.seed),
                         "config_digest": row.config_digest, "finished_at": now(), **result})
        outcome.ran += 1
        if progress:
            progress(outcome)

    try:
        lost = execute(client, jobs, arrived, record_failure)
    finally:
        store.log_executions(executions(client, outcome.invocation, outcome.ran))
    if lost:
        raise ClusterLost(f"the cluster dropped {len(lost)} runs before they finished (scheduler gone?); "
                          "finished runs are kept: run the same command again to finish")
    return outcome


def results(out) -> pd.DataFrame:
    """Every planned run (point x replication) with its parameters, status, error and KPIs."""
    store = RunStore(out)
    table = store.plan()
    keys = set(table.key)
    finished = store.finished() & keys
    done = store.read("runs", finished).drop(columns=["point", "seed", "config_digest"], errors="ignore")
    failed = store.read("failed", (store.failures() & keys) - finished)
    failed = failed[["key", "error"]] if len(failed) else pd.DataFrame({"key": [], "error": []})
    df = table.merge(done, on="key", how="left").merge(failed, on="key", how="left")
    df.insert(df.columns.get_loc("config_digest") + 1, "status",
              ["ok" if k in finished else "failed" if isinstance(e, str) else "not run"
               for k, e in zip(df.key, df.error)])
    return df.sort_values(["point", "replication"], ignore_index=True)
