"""What the explorer keeps of a run, month by month, wherever the run is made.

A run of the explorer is a model stepped a month at a time. After each month ``Recorder.step``
measures it and returns the month's tables (``MonthTables``): the ICS's KPIs, the KPIs by site,
the sites as they stood (beds open, A&E open or closed, the month's load), and the rows the month
added to the organisations', ledgers' and decisions' tables. The same tables come from a model
stepped in the page's own thread, from a worker process (``viz/runs.py``: a model cannot be
pickled mid-run, so the process steps its own model and sends these back) and from the baseline
cache (``viz/cache.py``: the months of a run, one table each, in one file). ``Views`` turns them,
month after month, into the ``RunView`` pictures the page draws and the download saves; so the
three sources give the page the same pictures.

This module imports no Solara: a worker process imports it to step its model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents import health_system
from agents.reporting import decision_table, ledger_table, organisation_table
from sim.calendar import Calendar
from sim.config import Config
from sim.kpis import month_kpis, tables_for_kpis

# site KPIs kept for the map and the site table
SITE_KPIS = ("bed_occupancy_midnight", "ae_4h_type1", "delayed_discharges_midnight")
# the tables of a month, in the order they are kept (each has a ``month`` column but ``sites``,
# which is one row per site as it stood at the end of the month)
TABLES = ("kpis", "site_kpis", "sites", "organisations", "decisions", "ledgers")
MonthTables = dict  # table name (TABLES) -> pd.DataFrame: one month's rows


@dataclass(frozen=True, eq=False)
class RunView:
    """One run as it stood after ``months_done`` months (read-only)."""

    name: str
    months_done: int
    month_labels: list[str]  # every month of the run, done or not
    kpis: pd.DataFrame  # one row per month done (index: month label), one column per KPI
    sites: pd.DataFrame  # one row per site: place, services, beds, and the last month's load
    organisations: pd.DataFrame  # agents.reporting.organisation_table (empty without organisations)
    decisions: pd.DataFrame  # agents.reporting.decision_table
    site_kpis: pd.DataFrame  # SITE_KPIS by month done and site (long: month, site, one column per KPI)
    ledgers: pd.DataFrame  # agents.reporting.ledger_table, months done only

    @property
    def month_label(self) -> str:
        return self.month_labels[self.months_done - 1] if self.months_done else "not started"


def site_table(config: Config, hs=None, load: dict[str, dict] | None = None) -> pd.DataFrame:
    """Sites with their location, A&E (open, closed or none), urgent care centre, beds open and
    the last month's load (``SITE_KPIS``); from the config before the model is built."""
    rows = []
    for i, (name, site) in enumerate(config.sites.items()):
        ed, ucc = site.emergency_department, site.urgent_care_centre
        if hs is not None:
            ed_open = hs.emergency_care.eds[i].is_open if i in hs.emergency_care.eds else None
            ward = hs.beds.wards.get(i)
            beds = ward.base_beds + ward.elective_beds.capacity if ward else 0
        else:
            ed_open = ed.open if ed else None
            beds = site.beds
        rows.append({"site": name, "lat": site.lat, "lon": site.lon,
                     "ae": "none" if ed_open is None else ("open" if ed_open else "closed"),
                     "urgent_care_centre": bool(ucc and ucc.open), "ambulance_station": site.ambulance_station,
                     "beds": beds, **{k: (load or {}).get(name, {}).get(k, np.nan) for k in SITE_KPIS}})
    return pd.DataFrame(rows).set_index("site")


class Recorder:
    """A model stepped a month at a time, giving each month's tables (``MonthTables``)."""

    def __init__(self, config: Config, seed: int, months: int):
        self.config = config
        self.model = health_system(config, seed=seed, months=months)
        self.model.stream_to(None)  # the explorer shows KPIs: journeys and GP requests leave memory when final
        self._decisions = 0

    def step(self) -> MonthTables:
        """Run the next month and measure it (``sim.kpis.month_kpis`` of the month just run)."""
        hs = self.model
        hs.step()
        ics, by_site = month_kpis(hs, *tables_for_kpis(hs), hs.month - 1)
        load = {site: {k: kpis[k] for k in SITE_KPIS} for site, kpis in by_site.items()}
        label = hs.calendar.month_labels[hs.month - 1]
        orgs = organisation_table(hs)
        decisions = decision_table(hs)
        ledgers = ledger_table(hs)
        new_decisions, self._decisions = decisions.iloc[self._decisions:], len(decisions)
        return {name: _strings(df) for name, df in {
            "kpis": pd.DataFrame([{"month": label, **ics}]),
            "site_kpis": pd.DataFrame([{"month": label, "site": s, **v} for s, v in load.items()]),
            "sites": site_table(self.config, hs, load),
            "organisations": orgs[orgs.step == hs.month].reset_index(drop=True) if len(orgs) else orgs,
            "decisions": new_decisions.reset_index(drop=True),
            "ledgers": ledgers[ledgers.month == label].reset_index(drop=True),
        }.items()}


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of text as pandas' string type and of numbers as numbers, as Parquet gives them
    back: a month's tables are the same whether they come from a model or from the cache."""
    kinds = {c: pd.api.types.infer_dtype(df[c]) for c in df.columns if df[c].dtype == object}
    cast = {c: "str" for c, kind in kinds.items() if kind == "string"}
    cast |= {c: "float64" for c, kind in kinds.items() if kind in ("floating", "mixed-integer-float")}
    cast |= {c: "int64" for c, kind in kinds.items() if kind == "integer"}
    return df.astype(cast) if cast else df


def month_labels(config: Config, months: int) -> list[str]:
    return list(Calendar(config.run, months).month_labels)


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    if a.empty:
        return b.reset_index(drop=True)
    return a if b.empty else pd.concat([a, b], ignore_index=True)


class Views:
    """A run's ``RunView`` after every month: ``views[k]`` after ``k`` months. ``add`` publishes
    the next month's view (appending to ``views`` is the last thing it does, so a reader of
    ``views`` never sees half a month). ``tables`` keeps every month's tables as given."""

    def __init__(self, name: str, config: Config, months: int):
        self.name, self.config = name, config
        self.labels = month_labels(config, months)
        self.tables: list[MonthTables] = []
        empty = pd.DataFrame()
        self.views: list[RunView] = [RunView(name, 0, self.labels, empty, site_table(config), empty, empty,
                                             empty, empty)]

    def add(self, month: MonthTables) -> RunView:
        last = self.views[-1]
        kpis = _concat(last.kpis.reset_index(), month["kpis"]).set_index("month")
        view = RunView(self.name, last.months_done + 1, self.labels, kpis, month["sites"],
                       _concat(last.organisations, month["organisations"]),
                       _concat(last.decisions, month["decisions"]),
                       _concat(last.site_kpis, month["site_kpis"]),
                       _concat(last.ledgers, month["ledgers"]))
        self.tables.append(month)
        self.views.append(view)
        return view
