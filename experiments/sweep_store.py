"""Where a sweep keeps its runs: a directory that is a Parquet dataset, written one run at a time.

    OUT/manifest.json         what the folder holds (a sweep, and its name: icsim.folders)
    OUT/sweep.yaml            the sweep as given
    OUT/plan.parquet          every run: key, point, replication, seed, config digest, parameter values
    OUT/runs/KEY.parquet      one finished run: its key, seed, worker, seconds and KPIs
    OUT/failed/KEY.parquet    one failed run: its key, seed and the error
    OUT/executions.log        every execution of a run, one JSON line each, as the workers reported it
    OUT/summary/              tables, sensitivity indices, figure and report (sweep_summary)

Each run's file is written to a hidden temporary name and renamed into place, so a file under
``runs/`` is always a whole result: a sweep stopped at any moment (Ctrl-C, a lost login node)
keeps every run that finished, and restarted, runs only the rest. A temporary file left by a
killed sweep is never counted as a run (only names not starting with ``.`` are) and is removed
by the next start. ``runs/`` keeps every run ever finished in this directory, also those of
earlier versions of the sweep (they are reused when a later version asks for the same config
and seed); ``summary/results.parquet`` is the table of the current sweep's runs.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

SPEC = "sweep.yaml"
PLAN = "plan.parquet"
EXECUTIONS = "executions.log"
_TEMPORARY = re.compile(r"\..+\.icsim-(\d+)@(.+)\.tmp")  # atomic's names: .NAME.icsim-PID@HOST.tmp


class RunStore:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs = self.out / "runs"
        self.failed = self.out / "failed"

    def prepare(self, spec_data: dict, plan: pd.DataFrame) -> None:
        """Make the folders, remove temporary files a killed sweep left, write the sweep and its plan."""
        self.runs.mkdir(parents=True, exist_ok=True)
        self.failed.mkdir(parents=True, exist_ok=True)
        self.clean()
        atomic(self.out / SPEC, lambda p: p.write_text(yaml.safe_dump(spec_data, sort_keys=False)))
        atomic(self.out / PLAN, lambda p: plan.to_parquet(p, index=False))

    def clean(self) -> list[Path]:
        """Remove the temporary files that sweeps on this machine left when they were killed
        (those of a sweep still running are kept); returns those removed."""
        host, removed = socket.gethostname(), []
        for folder in (self.out, self.runs, self.failed):
            for path in folder.glob(".*.tmp"):
                found = _TEMPORARY.fullmatch(path.name)
                if found and found[2] == host and not _alive(int(found[1])):
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    def log_executions(self, records: list[dict]) -> None:
        """Append executions of runs (as the workers reported them) to ``executions.log``."""
        if records:
            with open(self.out / EXECUTIONS, "a", encoding="utf-8") as log:
                log.writelines(json.dumps(r, sort_keys=True, default=str) + "\n" for r in records)

    def executions(self) -> list[dict]:
        """Every execution recorded in ``executions.log``."""
        path = self.out / EXECUTIONS
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def finished(self) -> set[str]:
        return {p.name.removesuffix(".parquet") for p in self.runs.glob("[!.]*.parquet")}

    def failures(self) -> set[str]:
        return {p.name.removesuffix(".parquet") for p in self.failed.glob("[!.]*.parquet")}

    def write_run(self, row: dict) -> None:
        """A finished run; a failure recorded for the same key by an earlier attempt is removed."""
        atomic(self.runs / f"{row['key']}.parquet", lambda p: pd.DataFrame([row]).to_parquet(p, index=False))
        (self.failed / f"{row['key']}.parquet").unlink(missing_ok=True)

    def write_failure(self, row: dict) -> None:
        atomic(self.failed / f"{row['key']}.parquet", lambda p: pd.DataFrame([row]).to_parquet(p, index=False))

    def read(self, which: str = "runs", keys: set[str] | None = None) -> pd.DataFrame:
        """The runs (or failures) recorded here, only those in ``keys`` if given, as one table.
        Files written by different versions of a sweep may hold different columns: a column a
        file lacks reads as missing."""
        folder = self.runs if which == "runs" else self.failed
        files = sorted(folder.glob("[!.]*.parquet"))
        if keys is not None:
            files = [f for f in files if f.name.removesuffix(".parquet") in keys]
        if not files:
            return pd.DataFrame({"key": pd.Series(dtype=str)})
        table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
        return table.to_pandas().sort_values("key", ignore_index=True)

    def plan(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / PLAN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def atomic(path: Path, write) -> None:
    """``write(tmp)`` to a temporary file beside ``path``, then rename it to ``path``."""
    tmp = path.with_name(f".{path.name}.icsim-{os.getpid()}@{socket.gethostname()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
