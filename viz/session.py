"""A scenario and its baseline, run month by month side by side.

``Session`` holds two runs with the same seed and number of months: the scenario (the footprint
with the user's levers) and the baseline (the footprint as configured). ``step`` asks both for
the next month and returns when both have it, so every chart compares the same months
("lockstep"); where the runs are made is the runner's business (``viz/runs.py``): in this thread
one after the other (``LocalRunner``), or each in a worker process of its own, at the same time,
with the baseline shared by every session and kept in the cache (``ProcessRunner``, the page's).
The baseline depends only on the footprint, seed and months, so when the user restarts the
scenario with other levers the baseline run already made is kept (its month ``k`` is the same
whichever scenario it stands beside); and a scenario whose config is the baseline's shares its
run rather than simulating the same patients twice. A baseline may be ahead of the scenario
(read from the cache, or computed in the background): the page draws all of it.

After each month a ``RunView`` is published (``viz/monthly.py``): an immutable picture of the run
(KPIs by month and by site, sites, organisations, ledgers, decisions) that the page draws, and the
download saves, while the models run on. Reading only published views needs no lock: a download
made during "Run a year" never waits for the month being run, and never sees half of it.
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
from dataclasses import asdict

import pandas as pd

from sim.config import ConfigError, dump_yaml
from viz.footprints import Footprint
from viz.levers import Levers, scenario_config
from viz.monthly import SITE_KPIS, RunView, site_table  # noqa: F401 - what the page's modules import from here
from viz.runs import LocalRunner, Run


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
                 previous: Session | None = None, runner=None):
        """Validates the levers (``ConfigError`` naming each bad field); builds no model yet
        (a ``ProcessRunner`` starts the baseline, unless cached, in the background).
        Keeps ``previous``'s baseline run when it is for the same footprint, seed and months."""
        if seed is None or seed < 0:
            raise ConfigError("seed", ["seed: must be a whole number, 0 or more"])
        self.footprint, self.levers, self.seed, self.months = footprint, levers, seed, months
        self.runner = runner if runner is not None else LocalRunner()
        self.config = scenario_config(footprint.raw, levers)
        key = _baseline_key(footprint, seed, months)
        if previous is not None and previous.baseline_key == key and previous.baseline.error is None:
            self.baseline: Run = previous.baseline
        else:
            self.baseline = self.runner.baseline(footprint.config, seed, months)
        self.baseline_key = key
        self.baseline.hold()
        self.closed = False
        if self.config.digest() == footprint.config.digest():
            self.scenario = self.baseline
        else:
            self.scenario = self.runner.scenario(self.config, seed, months)
            self.scenario.want(0)  # a worker running ahead starts on the first month (the warm-up) now
        self.month = 0

    @property
    def finished(self) -> bool:
        return self.month >= self.months

    @property
    def as_configured(self) -> bool:
        return self.scenario is self.baseline

    def step(self) -> None:
        """Run the next month of the scenario and of the baseline (at the same time when they
        run in processes of their own); ``RunError`` if a run stopped."""
        if self.finished:
            return
        n = self.month + 1
        runs = list(dict.fromkeys((self.scenario, self.baseline)))
        for run in runs:
            run.want(n)
        for run in runs:
            run.wait_for(n)
        self.month = n

    def views(self) -> tuple[RunView, RunView]:
        """(scenario after the months done, the baseline as far as it has run: at least as far)."""
        return self.scenario.views[self.month], self.baseline.views[-1]

    def close(self) -> None:
        """End the scenario's run (its worker process) unless it is the baseline, and let go of
        the baseline (computed in the background, it pauses when no session shows it)."""
        if self.closed:
            return
        self.closed = True
        if self.scenario is not self.baseline:
            self.scenario.close()
        self.baseline.release()

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
