"""One execution layer: experiments and sweeps submit their runs the same way.

Runs go to a Dask cluster: a local cluster of worker processes by default, or a running scheduler's
address (``--scheduler``; docs/sweeps.md shows SLURM with dask-jobqueue). Each run is a task named
by its key, so the scheduler never runs one twice at once; each finished run is handed back (and
written by the caller) the moment it arrives; a run that raises is reported as failed while the
others go on; runs the cluster drops (a lost scheduler) are returned as lost, not as failures, to
be run again. Every execution is counted where it happens: the worker reports it to the scheduler
(a Dask event), and ``executions`` collects this invocation's, so a run executed twice (a lost
worker's result computed again) shows twice whatever the futures said.

An experiment's runs are kept one file each in a ``RunCache`` keyed by ``run_key``: the config,
the seed, the months and the model's own code (``MODEL_DIGEST``), so a cached run is reused only
when it would be made again bit for bit, and a restarted experiment runs only what it lacks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from distributed import as_completed, get_worker

import agents
import sim
from experiments.runner import run_results
from experiments.sweep_store import atomic

EXECUTION_EVENTS = "icsim-run-executed"  # the Dask event topic of run executions


def _code_digest() -> str:
    """A digest of the model's code and reference data (sim/ and agents/), so that a cached run
    made by other code is never reused."""
    h = hashlib.sha256()
    for package in (sim, agents):
        root = Path(package.__file__).resolve().parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
                h.update(path.relative_to(root.parent).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


MODEL_DIGEST = _code_digest()


def run_key(config_data: dict, seed: int, months: int) -> str:
    """The name of a run: what it would need to be made again bit for bit."""
    text = json.dumps({"config": config_data, "months": months, "model": MODEL_DIGEST}, sort_keys=True, default=str)
    return f"{hashlib.sha256(text.encode()).hexdigest()[:16]}-seed{seed}"


@dataclass(frozen=True)
class Job:
    """A run to submit: its key, the function a worker calls and its arguments."""

    key: str
    fn: Callable
    args: tuple


def report_execution(key: str, invocation: str, seconds: float) -> str:
    """On a worker: tell the scheduler a run was executed; the worker's name (host:pid)."""
    process = f"{socket.gethostname()}:{os.getpid()}"
    try:
        worker = get_worker()
    except ValueError:  # called outside a worker (a test, a direct call): nothing to tell
        return process
    worker.log_event(EXECUTION_EVENTS, {"invocation": invocation, "key": key, "process": process,
                                        "seconds": round(seconds, 3), "finished_at": now()})
    return process


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    if type(exc).__name__ == "KilledWorker":
        text += " (the run's worker died each time it was tried: out of memory, or killed)"
    return text


def execute(client, jobs: list[Job], on_result: Callable[[str, object], None],
            on_failure: Callable[[str, str], None]) -> list[str]:
    """Submit ``jobs`` to ``client``'s cluster; call ``on_result(key, result)`` or
    ``on_failure(key, error)`` as each finishes; return the keys the cluster dropped. On
    KeyboardInterrupt the runs still queued are cancelled and the interrupt raised again (every
    finished run has already been handed back)."""
    futures = {client.submit(job.fn, *job.args, key=f"icsim-run-{job.key}", retries=0, pure=False): job.key
               for job in jobs}
    lost = []
    try:
        for future in as_completed(list(futures), raise_errors=False):
            key = futures.pop(future)
            if future.status == "finished":
                try:
                    result = future.result()
                except Exception:  # the scheduler went away while the result was fetched
                    lost.append(key)
                    continue
                on_result(key, result)
            elif future.status == "cancelled":  # not the run's fault: the cluster went away
                lost.append(key)
                continue
            else:
                on_failure(key, error_text(future.exception()))
            future.release()
    except BaseException:
        client.cancel(list(futures), force=True)
        raise
    return lost


def executions(client, invocation: str, expected: int, wait: float = 5.0) -> list[dict]:
    """The executions of ``invocation`` the workers reported, in order; waits up to ``wait``
    seconds for at least ``expected`` to reach the scheduler. Empty if the scheduler cannot be
    asked (it is gone: the log then misses this invocation)."""
    deadline = time.monotonic() + wait
    while client.status == "running":
        try:
            events = client.get_events(EXECUTION_EVENTS)
        except Exception:  # a lost scheduler, a closed client: there is nothing to ask
            return []
        mine = [msg for _, msg in events if isinstance(msg, dict) and msg.get("invocation") == invocation]
        if len(mine) >= expected or time.monotonic() > deadline:
            return mine
        time.sleep(0.05)
    return []


def new_invocation() -> str:
    return uuid.uuid4().hex


# --- an experiment's runs -------------------------------------------------------------------------


def experiment_task(config_data: dict, seed: int, months: int, key: str, invocation: str) -> pd.DataFrame:
    """On a worker: one run of an experiment (its tidy results), its execution reported."""
    started = time.perf_counter()
    table = run_results(config_data, seed, months)
    report_execution(key, invocation, time.perf_counter() - started)
    return table


class RunCache:
    """An experiment's finished runs, one Parquet file each under ``folder``, written whole."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def has(self, key: str) -> bool:
        return (self.folder / f"{key}.parquet").is_file()

    def write(self, key: str, table: pd.DataFrame) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic(self.folder / f"{key}.parquet", lambda p: table.to_parquet(p, index=False))

    def read(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder / f"{key}.parquet")

    def log(self, records: list[dict]) -> None:
        """Append executions of runs (as the workers reported them) to ``executions.log``."""
        if records:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / "executions.log", "a", encoding="utf-8") as log:
                log.writelines(json.dumps(r, sort_keys=True, default=str) + "\n" for r in records)


class RunFailed(RuntimeError):
    """An experiment's run raised: the experiment cannot be judged without it."""


class ClusterLost(RuntimeError):
    """Runs were cancelled by the cluster, not failed by the model: they stay to be run."""


def run_many(client, cache: RunCache, runs: list[tuple[str, dict, int, int]], progress=None) -> None:
    """Make sure every run ``(key, config data, seed, months)`` is in ``cache``: those already
    there are skipped, the rest run on the cluster and are written as they finish."""
    todo = [(key, data, seed, months) for key, data, seed, months in runs if not cache.has(key)]
    done = len(runs) - len(todo)
    if progress:
        progress(done, len(runs))
    if not todo:
        return
    invocation = new_invocation()
    failures: list[str] = []
    finished = [0]

    def arrived(key: str, table) -> None:
        cache.write(key, table)
        finished[0] += 1
        if progress:
            progress(done + finished[0], len(runs))

    def failed(key: str, error: str) -> None:
        failures.append(f"{key}: {error}")

    jobs = [Job(key, experiment_task, (data, seed, months, key, invocation)) for key, data, seed, months in todo]
    try:
        lost = execute(client, jobs, arrived, failed)
    finally:
        cache.log(executions(client, invocation, finished[0]))
    if failures:
        raise RunFailed("a run failed (the finished runs are kept; fix the cause and run the same command again): "
                        + failures[0])
    if lost:
        raise ClusterLost(f"the cluster dropped {len(lost)} runs before they finished (scheduler gone?); finished "
                          "runs are kept: run the same command again to finish")
