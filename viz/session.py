"""A scenario and its baseline, run month by month side by side.

``Session`` holds two runs of ``HealthSystem`` with the same seed and number of months: the
scenario (the footprint with the user's levers) and the baseline (the footprint as configured).
``step`` runs the next month of both, so every chart compares the same months ("lockstep").
The baseline depends only on the footprint, seed and months, so when the user restarts the
scenario with other levers the baseline run already made is kept (its month ``k`` is the same
whichever scenario it stands beside); and a scenario whose config is the baseline's shares its
run rather than simulating the same patients twice.

After each month a ``RunView`` is taken: an immutable picture of the run (KPIs by month and by
site, sites, organisations, ledgers, decisions) that the page draws, and the download saves, while
the model itself runs on in a worker thread. Reading only published views needs no lock: a
download made during "Run a year" never waits for the month being run, and never sees half of it.
Monthly KPIs are ``sim.kpis.month_kpis`` of the month just run, what ``sim.kpis.kpi_tables``
computes for each month; calling ``kpi_tables`` itself after every month would re-measure every
earlier month and the whole-period summary each time (about 5 s at month 12 of the baseline).
A month is measured when it ends, as ``kpi_tables`` measures it in a run stopped at that point
(a patient still in A&E counts by time so far).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from agents import health_system
from agents.reporting import decision_table, ledger_table, organisation_table
from sim.calendar import Calendar
from sim.config import Config, ConfigError, dump_yaml
from sim.kpis import month_kpis, tables_for_kpis
from sim.model import HealthSystem
from viz.footprints import Footprint
from viz.levers import Levers, scenario_config

# site KPIs kept for the map and the site table
SITE_KPIS = ("bed_occupancy_midnight", "ae_4h_type1", "delayed_discharges_midnight")


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


def site_table(config: Config, hs: HealthSystem | None, load: dict[str, dict] | None = None) -> pd.DataFrame:
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


class Run:
    """One model run, stepped a month at a time, with a view after every month."""

    def __init__(self, name: str, config: Config, seed: int, months: int):
        self.name, self.config, self.seed, self.months = name, config, seed, months
        self.model: HealthSystem | None = None  # built on the first step (it takes a second or two)
        self._rows: list[dict] = []
        self._site_rows: list[dict] = []
        labels = Calendar(config.run, months).month_labels
        self.views = [RunView(name, 0, labels, pd.DataFrame(), site_table(config, None),
                              pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())]

    @property
    def months_done(self) -> int:
        return len(self.views) - 1

    def step(self) -> None:
        """Run the next month, then publish its view (appending to ``views`` is the last thing)."""
        if self.model is None:
            self.model = health_system(self.config, seed=self.seed, months=self.months)
        self.model.step()
        ics, by_site = self._measure_last_month()
        label = self.model.calendar.month_labels[self.model.month - 1]
        self._rows.append({"month": label, **ics})
        self._site_rows += [{"month": label, "site": s, **v} for s, v in by_site.items()]
        self.views.append(self._view(by_site))

    def _measure_last_month(self) -> tuple[dict, dict[str, dict]]:
        hs = self.model
        ics, by_site = month_kpis(hs, *tables_for_kpis(hs), hs.month - 1)
        return ics, {site: {k: kpis[k] for k in SITE_KPIS} for site, kpis in by_site.items()}

    def _view(self, by_site: dict) -> RunView:
        hs = self.model
        kpis = pd.DataFrame(self._rows).set_index("month")
        ledgers = ledger_table(hs)
        return RunView(self.name, hs.month, list(hs.calendar.month_labels), kpis, site_table(self.config, hs, by_site),
                       organisation_table(hs), decision_table(hs), pd.DataFrame(self._site_rows),
                       ledgers[ledgers.month.isin(kpis.index)])


def view_tables(view: RunView) -> dict[str, pd.DataFrame]:
    """A run's results as they stood in ``view``, as tables to download (long, like ``icsim run``'s)."""
    kpis = view.kpis.reset_index() if view.months_done else pd.DataFrame()
    orgs = view.organisations
    out = {"kpis_monthly": kpis.melt(id_vars="month", var_name="kpi") if len(kpis) else kpis,
           "kpis_by_site": view.site_kpis}
    if view.months_done:
        out |= {"organisations": orgs[orgs.month.isin(view.kpis.index)] if len(orgs) else orgs,
                "decisions": view.decisions, "ledgers": view.ledgers}
    return out


def _baseline_key(fp: Footprint, seed: int, months: int) -> tuple:
    return fp.path, fp.config.digest(), seed, months


class Session:
    """The user's scenario and the baseline beside it, stepped in lockstep."""

    def __init__(self, footprint: Footprint, levers: Levers, seed: int, months: int,
                 previous: Session | None = None):
        """Validates the levers (``ConfigError`` naming each bad field); builds no model yet.
        Keeps ``previous``'s baseline run when it is for the same footprint, seed and months."""
        if seed is None or seed < 0:
            raise ConfigError("seed", ["seed: must be a whole number, 0 or more"])
        self.footprint, self.levers, self.seed, self.months = footprint, levers, seed, months
        self.config = scenario_config(footprint.raw, levers)
        key = _baseline_key(footprint, seed, months)
        if previous is not None and previous.baseline_key == key:
            self.baseline = previous.baseline
        else:
            self.baseline = Run("baseline", footprint.config, seed, months)
        self.baseline_key = key
        if self.config.digest() == footprint.config.digest():
            self.scenario = self.baseline
        else:
            self.scenario = Run("scenario", self.config, seed, months)
        self.month = 0

    @property
    def finished(self) -> bool:
        return self.month >= self.months

    @property
    def as_configured(self) -> bool:
        return self.scenario is self.baseline

    def step(self) -> None:
        """Run the next month of the scenario and of the baseline."""
        if self.finished:
            return
        for run in dict.fromkeys((self.scenario, self.baseline)):
            while run.months_done <= self.month:
                run.step()
        self.month += 1

    def views(self) -> tuple[RunView, RunView]:
        """(scenario, baseline) as they stood after the months done."""
        return self.scenario.views[self.month], self.baseline.views[self.month]

    def results_zip(self, months_done: int | None = None) -> bytes:
        """Monthly KPIs, KPIs by site, organisations, ledgers and decisions of both runs (CSV,
        with a ``run`` column), the scenario's validated config and its levers, as a zip.

        Both runs are taken from their views after the same month: ``months_done`` (the month the
        page shows, so the file's name says what it holds) or, by default, the last month both
        runs have completed. ``self.month`` is read once; the worker thread raises it only after
        both runs have published that month, so the views exist and nothing waits for a lock."""
        done = self.month if months_done is None else months_done
        if not 0 <= done <= self.month:
            raise ValueError(f"months_done: {done} is not between 0 and the {self.month} months done")
        tables: dict[str, list[pd.DataFrame]] = {}
        for name, run in (("scenario", self.scenario), ("baseline", self.baseline)):
            for table, df in view_tables(run.views[done]).items():
                tables.setdefault(table, []).append(df.assign(run=name))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for table, dfs in tables.items():
                df = pd.concat(dfs, ignore_index=True)
                cols = ["run", *[c for c in df.columns if c != "run"]] if "run" in df.columns else list(df.columns)
                zf.writestr(f"{table}.csv", df[cols].to_csv(index=False))
            zf.writestr("scenario_config.yaml", dump_yaml(self.config))
            # the footprint by its file's name only: a download carries no path of the server's
            zf.writestr("levers.json", json.dumps({"footprint": self.footprint.path.name, "seed": self.seed,
                                                   "months": self.months, "months_done": done,
                                                   "levers": asdict(self.levers)}, indent=2))
        return buf.getvalue()
