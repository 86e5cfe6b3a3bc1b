"""A run's results: tidy tables in memory, Parquet on disk, with a manifest of provenance.

Tables (pandas DataFrames, one Parquet file each):

- ``journeys``: one row per urgent or planned episode (see ``sim.journeys``), codes as labels;
- ``gp_appointments``: one row per request for a GP practice appointment;
- ``census``: the midnight count of every capacity (beds, cubicles, places, vehicles);
- ``kpis_monthly`` and ``kpis_by_site``: KPIs per month (long format: month, [site,] kpi, value);
- ``summary``: each KPI over the whole reported period, beside its published reference range.

``write`` puts everything in a new directory beside the target and only then swaps it in, so a
crash or a bad config never leaves a half-written directory or destroys an earlier run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from agents.reporting import decision_table, finance_summary, ledger_table, organisation_table
from sim import __version__
from sim.calibration import calibration_table
from sim.config import AGE_BANDS, PATHWAYS
from sim.config.outcomes import CONDITIONS
from sim.journeys import End, Entry
from sim.kpis import kpi_tables, mark_readmissions

MANIFEST = "manifest.json"
_PACKAGES = ("numpy", "scipy", "simpy", "mesa", "pandas", "pyarrow", "pydantic", "networkx")


def _labels(codes: pd.Series, names: list[str], missing: int = -1) -> pd.Categorical:
    """Integer codes as a categorical of names (-1 becomes missing)."""
    return pd.Categorical.from_codes(codes.where(codes != missing, -1).astype(int), categories=names)


def journeys_table(hs) -> pd.DataFrame:
    """The journey table with readable labels instead of integer codes."""
    j = mark_readmissions(hs.log.frame())
    sites, localities = hs.site_names, list(hs.cfg.localities)
    j["entry"] = pd.Categorical([Entry(c).name.lower() for c in j.entry], categories=[e.name.lower() for e in Entry])
    j["end"] = pd.Categorical([End(c).name.lower() for c in j.end], categories=[e.name.lower() for e in End])
    for col in ("ed_site", "ucc_site", "bed_site", "transfer_from"):
        j[col] = _labels(j[col], sites)
    j["condition"] = pd.Categorical.from_codes(j.condition.astype(int), categories=["none", *CONDITIONS])
    j["locality"] = _labels(j.locality, localities)
    j["age_band"] = _labels(j.age_band, list(AGE_BANDS))
    j["pathway"] = _labels(j.pathway, list(PATHWAYS))
    j["month"] = hs.calendar.month_index(j.t_arrival.to_numpy())
    return j


def collect(hs) -> dict[str, pd.DataFrame]:
    """Every output table of a finished (or paused) run."""
    monthly, by_site, summary = kpi_tables(hs)
    appts = hs.primary_care.log.frame()
    appts["locality"] = _labels(appts.locality, list(hs.cfg.localities))
    appts["age_band"] = _labels(appts.age_band, list(AGE_BANDS))
    summary_table = summary.to_frame()
    calib = calibration_table(summary)
    summary_table = summary_table.join(calib.drop(columns="simulated"), how="left")
    organisations = {}
    if hs.organisations is not None:
        organisations = {"ledgers": ledger_table(hs), "decisions": decision_table(hs),
                         "organisations": organisation_table(hs), "finances": finance_summary(hs)}
    return {
        **organisations,
        "journeys": journeys_table(hs),
        "gp_appointments": appts,
        "census": hs.census.frame(),
        "kpis_monthly": monthly,
        "kpis_by_site": by_site,
        "summary": summary_table.reset_index(),
    }


def manifest(hs, seconds: float, command: list[str] | None = None) -> dict:
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            versions[pkg] = None
    return {
        "icsim_version": __version__,
        "config_name": hs.cfg.name,
        "config_digest": hs.cfg.digest(),
        "seed": hs.seed,
        "months": hs.months,
        "month_labels": hs.calendar.month_labels,
        "warmup_days": hs.cfg.run.warmup_days,
        "population": hs.cfg.population,
        "random_streams": hs.streams.names(),
        "run_seconds": round(seconds, 2),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command if command is not None else sys.argv,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def check_target(out: Path) -> None:
    """Refuse a target that holds something other than an earlier icsim run."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())):
        raise FileExistsError(f"--out {out}: exists and is not an icsim results directory; choose another")


def write(out: str | Path, tables: dict[str, pd.DataFrame], info: dict, config_data: dict) -> Path:
    """Write tables, manifest and the validated config to ``out`` atomically."""
    out = Path(out)
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tmp.chmod(0o755)
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet", index=name in ("journeys", "gp_appointments"))
        (tmp / "config.yaml").write_text(yaml.safe_dump(config_data, sort_keys=False))
        (tmp / MANIFEST).write_text(json.dumps(info, indent=2, default=str))
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
