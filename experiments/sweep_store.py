"""Where a sweep keeps its runs: a directory that is a Parquet dataset, written one run at a time.

    OUT/sweep.yaml            the sweep as given (the name guards against mixing two sweeps)
    OUT/plan.parquet          every run: key, point, replication, seed, config digest, parameter values
    OUT/runs/KEY.parquet      one finished run: its key, seed, worker, seconds and KPIs
    OUT/failed/KEY.parquet    one failed run: its key, seed and the error
    OUT/summary/              tables, sensitivity indices, figure and report (sweep_summary)

Each run's file is written to a hidden temporary name and renamed into place, so a file under
``runs/`` is always a whole result: a sweep stopped at any moment (Ctrl-C, a lost login node)
keeps every run that finished, and restarted, runs only the rest. ``runs/`` keeps every run
ever finished in this directory, also those of earlier versions of the sweep (they are reused
when a later version asks for the same config and seed); ``summary/results.parquet`` is the table
of the current sweep's runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

SPEC = "sweep.yaml"
PLAN = "plan.parquet"


class RunStore:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs = self.out / "runs"
        self.failed = self.out / "failed"

    def check(self, name: str) -> None:
        """Refuse a directory that holds something other than this sweep's runs."""
        out = self.out
        if not out.exists():
            return
        if not out.is_dir():
            raise FileExistsError(f"--out {out}: exists and is not a directory; choose another")
        if (out / SPEC).exists():
            held = (yaml.safe_load((out / SPEC).read_text()) or {}).get("name")
            if held != name:
                raise FileExistsError(f"--out {out}: holds the runs of sweep {held!r}, not {name!r}; choose another")
        elif any(out.iterdir()):
            raise FileExistsError(f"--out {out}: exists and is not an icsim sweep directory; choose another")

    def prepare(self, spec_data: dict, plan: pd.DataFrame) -> None:
        self.check(spec_data["name"])
        self.runs.mkdir(parents=True, exist_ok=True)
        self.failed.mkdir(parents=True, exist_ok=True)
        _atomic(self.out / SPEC, lambda p: p.write_text(yaml.safe_dump(spec_data, sort_keys=False)))
        _atomic(self.out / PLAN, lambda p: plan.to_parquet(p, index=False))

    def finished(self) -> set[str]:
        return {p.name.removesuffix(".parquet") for p in self.runs.glob("[!.]*.parquet")}

    def failures(self) -> set[str]:
        return {p.name.removesuffix(".parquet") for p in self.failed.glob("[!.]*.parquet")}

    def write_run(self, row: dict) -> None:
        """A finished run; a failure recorded for the same key by an earlier attempt is removed."""
        _atomic(self.runs / f"{row['key']}.parquet", lambda p: pd.DataFrame([row]).to_parquet(p, index=False))
        (self.failed / f"{row['key']}.parquet").unlink(missing_ok=True)

    def write_failure(self, row: dict) -> None:
        _atomic(self.failed / f"{row['key']}.parquet", lambda p: pd.DataFrame([row]).to_parquet(p, index=False))

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


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
