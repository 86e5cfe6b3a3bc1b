"""A run's results: tidy tables in memory, Parquet on disk, with a manifest of provenance.

Tables (pandas DataFrames, one Parquet file each):

- ``journeys``: one row per urgent or planned episode (see ``sim.journeys``), codes as labels;
- ``gp_appointments``: one row per request for a GP practice appointment, written month by month
  as the run goes (``ResultWriter``: final requests leave memory, each month a Parquet row group);
- ``census``: the midnight count of every capacity (beds, cubicles, places, vehicles);
- ``kpis_monthly`` and ``kpis_by_site``: KPIs per month (long format: month, [site,] kpi, value);
- ``summary``: each KPI over the whole reported period, beside the published range the config's
  ``calibration:`` gives it (if any).

``write`` puts everything in a temporary folder beside the target and only then puts it in place
(``icsim.folders``), so a crash or a bad config never leaves a half-written folder, and an earlier
run is replaced only when the user asked (``--force``), keeping any file they added.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agents.reporting import decision_table, finance_summary, ledger_table, organisation_table
from icsim.folders import Staging
from sim import __version__
from sim.calibration import footprint_targets
from sim.config import AGE_BANDS, PATHWAYS, Config, dump_yaml
from sim.config.outcomes import CONDITIONS
from sim.journeys import End, Entry
from sim.kpis import kpi_tables

_PACKAGES = ("numpy", "scipy", "simpy", "mesa", "pandas", "pyarrow", "pydantic", "networkx")


def _labels(codes: pd.Series, names: list[str], missing: int = -1) -> pd.Categorical:
    """Integer codes as a categorical of names (-1 becomes missing)."""
    return pd.Categorical.from_codes(codes.where(codes != missing, -1).astype(int), categories=names)


def _enum_labels(codes: pd.Series, enum) -> pd.Categorical:
    """Integer codes of ``enum`` as a categorical of its members' names (lower case), the
    categories in the enum's order."""
    members = list(enum)
    low = min(m.value for m in members)
    position = np.full(max(m.value for m in members) - low + 1, -1, dtype=np.int64)
    for i, m in enumerate(members):
        position[m.value - low] = i
    return pd.Categorical.from_codes(position[codes.to_numpy().astype(np.int64) - low],
                                     categories=[m.name.lower() for m in members])


def _rows_frame(rows: dict[str, np.ndarray] | pd.DataFrame, index: str) -> pd.DataFrame:
    """Spilled rows (columns, ids under ``index``) or a held table's frame, indexed by id."""
    if isinstance(rows, pd.DataFrame):
        ids, columns = rows.index.to_numpy(), {name: rows[name].to_numpy() for name in rows.columns}
    else:
        ids, columns = rows[index], {k: v for k, v in rows.items() if k != index}
    return pd.DataFrame(columns, index=pd.Index(np.asarray(ids, dtype=np.int64), name=index))


def journeys_table(hs, rows: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The journey table with readable labels instead of integer codes: the journeys held in
    memory, or ``rows`` handed over by a streaming run (``sim.results``)."""
    j = _rows_frame(hs.log.frame() if rows is None else rows, "journey")
    sites, localities = hs.site_names, list(hs.cfg.localities)
    j["entry"] = _enum_labels(j.entry, Entry)
    j["end"] = _enum_labels(j.end, End)
    for col in ("ed_site", "ucc_site", "bed_site", "transfer_from"):
        j[col] = _labels(j[col], sites)
    j["condition"] = pd.Categorical.from_codes(j.condition.astype(int), categories=["none", *CONDITIONS])
    j["locality"] = _labels(j.locality, localities)
    j["age_band"] = _labels(j.age_band, list(AGE_BANDS))
    j["pathway"] = _labels(j.pathway, list(PATHWAYS))
    j["month"] = hs.calendar.month_index(j.t_arrival.to_numpy())
    return j


def gp_frame(rows: dict[str, np.ndarray] | pd.DataFrame, hs) -> pd.DataFrame:
    """GP requests (``sim.primary_care.AppointmentLog`` columns, ids under ``request``) as the
    ``gp_appointments`` table: indexed by request id, localities and age bands as labels."""
    appts = _rows_frame(rows, "request")
    appts["locality"] = _labels(appts.locality, list(hs.cfg.localities))
    appts["age_band"] = _labels(appts.age_band, list(AGE_BANDS))
    return appts


class ResultWriter:
    """Tables written while the run goes, into a result's staging folder: each chunk appended as
    a row group of its table's Parquet file, so that the rows need not stay in memory."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def append(self, name: str, df: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(df, preserve_index=True)
        writer = self._writers.get(name)
        if writer is None:
            writer = self._writers[name] = pq.ParquetWriter(self.folder / f"{name}.parquet", table.schema)
        writer.write_table(table)

    @property
    def tables(self) -> set[str]:
        return set(self._writers)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def stream(hs, writer: ResultWriter | None) -> None:
    """Write ``hs``'s journeys and GP requests to ``writer`` month by month as they become final
    (None: keep only their KPIs, for runs whose tables are not wanted, such as an experiment's)."""
    if writer is None:
        hs.stream_to(None)
    else:
        hs.stream_to(lambda rows: writer.append("journeys", journeys_table(hs, rows)),
                     lambda rows: writer.append("gp_appointments", gp_frame(rows, hs)))


def collect(hs, writer: ResultWriter | None = None) -> dict[str, pd.DataFrame]:
    """Every output table of a finished (or paused) run; with ``writer`` (the run streamed to
    it), the journeys and GP requests still held go to the writer instead of the tables."""
    monthly, by_site, summary = kpi_tables(hs)
    streamed = {"journeys": journeys_table(hs), "gp_appointments": gp_frame(hs.primary_care.log.frame(), hs)}
    if writer is not None and hs.results.streaming:
        writer.append("journeys", streamed.pop("journeys"))
    if writer is not None and hs.primary_care.streaming:
        writer.append("gp_appointments", streamed.pop("gp_appointments"))
    summary_table = summary.to_frame()
    calib = footprint_targets(hs.cfg)[["reference", "low", "high", "source"]]
    summary_table = summary_table.join(calib, how="left")
    organisations = {}
    if hs.organisations is not None:
        organisations = {"ledgers": ledger_table(hs), "decisions": decision_table(hs),
                         "organisations": organisation_table(hs), "finances": finance_summary(hs)}
    return {
        **organisations,
        **streamed,
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


def write(staging: Staging, tables: dict[str, pd.DataFrame], info: dict, cfg: Config,
          writer: ResultWriter | None = None) -> Path:
    """Write the tables and ``cfg``, the config as run, into ``staging``'s folder (finishing the
    files ``writer`` streamed there), then put it in place with ``info`` as its manifest
    (``icsim.folders``: whole or not at all)."""
    if writer is not None:
        writer.close()
    for name, df in tables.items():
        df.to_parquet(staging.path / f"{name}.parquet", index=name in ("journeys", "gp_appointments"))
    (staging.path / "config.yaml").write_text(dump_yaml(cfg))
    return staging.commit(info)
