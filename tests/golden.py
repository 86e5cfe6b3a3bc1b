"""Golden outputs: the KPI tables of two short runs, committed, so that any change to results is seen.

``test_golden.py`` reruns them and compares with the committed CSVs. A change that is meant to
change results regenerates them (``python tests/golden.py``) and says in its commit message which
KPIs moved, by how much and why; a change that is not meant to (a refactoring) must leave them
exactly as they were.

The runs: the small town (``tests/configs/town.yaml``, one hospital, organisations on) for a year,
and the Midshire baseline for one month (three hospitals, so routing between sites is covered).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from agents import health_system
from agents.reporting import finance_kpis
from sim.config import load_config
from sim.kpis import kpi_tables

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLDEN = HERE / "golden"
RUNS = {  # name -> (config, months, seed)
    "town_year": (ROOT / "tests" / "configs" / "town.yaml", 12, 42),
    "baseline_month": (ROOT / "configs" / "baseline.yaml", 1, 42),
}
# The comparison tolerance: results are reproducible to the bit on one machine; the tolerance only
# absorbs summation-order differences between numpy/pandas versions, far below any real change.
RELATIVE_TOLERANCE = 1e-9


def kpi_rows(hs) -> pd.DataFrame:
    """Every KPI of a finished run as one long table: scope (ics, a site or ``summary``), month, kpi, value."""
    monthly, by_site, summary = kpi_tables(hs)
    rows = [("ics", r.month, r.kpi, r.value) for r in monthly.itertuples()]
    rows += [(r.site, r.month, r.kpi, r.value) for r in by_site.itertuples()]
    rows += [("summary", "all", k, v) for k, v in summary.items()]
    rows += [("finance", "all", k, float(v)) for k, v in finance_kpis(hs).items()]
    rows.append(("summary", "all", "journeys", float(hs.log.n)))
    return pd.DataFrame(rows, columns=["scope", "month", "kpi", "value"])


def run(name: str):
    config, months, seed = RUNS[name]
    hs = health_system(load_config(config), seed=seed, months=months)
    hs.run()
    return hs


def path(name: str) -> Path:
    return GOLDEN / f"{name}.csv"


def differences(name: str, table: pd.DataFrame) -> list[str]:
    """What differs between ``table`` and the committed golden output, one line per difference."""
    committed = pd.read_csv(path(name), keep_default_na=False, na_values=[""])
    key = ["scope", "month", "kpi"]
    merged = committed.merge(table.astype({"month": str}), on=key, how="outer", suffixes=("_golden", "_now"),
                             indicator=True)
    lines = []
    for r, side in zip(merged.itertuples(), merged["_merge"]):
        where = f"{r.scope} {r.month} {r.kpi}"
        if side == "left_only":
            lines.append(f"{where}: in the golden output, no longer produced")
        elif side == "right_only":
            lines.append(f"{where}: new (not in the golden output)")
        else:
            a, b = r.value_golden, r.value_now
            if np.isnan(a) and np.isnan(b):
                continue
            if np.isnan(a) or np.isnan(b) or abs(a - b) > RELATIVE_TOLERANCE * max(abs(a), abs(b), 1e-300):
                lines.append(f"{where}: golden {a!r}, now {b!r}")
    return lines


def write(name: str, table: pd.DataFrame) -> None:
    GOLDEN.mkdir(exist_ok=True)
    table.to_csv(path(name), index=False, float_format="%.17g")


if __name__ == "__main__":
    names = sys.argv[1:] or list(RUNS)
    for name in names:
        table = kpi_rows(run(name))
        changed = differences(name, table) if path(name).exists() else ["(new)"]
        write(name, table)
        print(f"{name}: {len(table)} KPI values written to {path(name).relative_to(ROOT)}; "
              f"{len(changed)} differed from the previous golden output")
        for line in changed[:40]:
            print("  " + line)
