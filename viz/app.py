"""The icsim explorer: a Solara page where the user turns the levers of an Integrated Care System
and watches it respond, month by month, beside the same system as configured.

Run it with ``icsim explore [CONFIG]`` (which starts ``solara run viz/app.py`` with the config's
path in ``ICSIM_EXPLORE_CONFIG``).

Why a plain Solara page and not ``mesa.visualization.SolaraViz``: SolaraViz rebuilds its one model
by calling the model class with keyword parameters from ``model_params``; icsim's model is built
from a validated config (``health_system(config, seed, months)``), the levers are config fields
(some per site, some present only when the footprint has organisations), and every chart needs a
second model, the baseline, stepped in lockstep with the first. So the page keeps SolaraViz's
shape - a controls panel with sliders, Step / Run / Stop buttons, components that take the run
and redraw after every step, the model stepped in a thread - and builds the models itself
(``viz/session.py``). Components take a ``RunView`` (an immutable picture of a run after a month)
rather than the live model, which a worker thread is advancing while the page draws.

State is per browser session (Solara scopes module-level reactive variables to each user).
"""

from __future__ import annotations

import html
import os

import solara
import solara.lab

from sim.config import ConfigError
from viz import messages
from viz.charts import FinanceCharts, KpiCharts
from viz.controls import LeverPanel
from viz.download import ResultsDownload
from viz.footprints import footprints
from viz.levers import changed, levers_of
from viz.presets import AS_CONFIGURED, presets
from viz.session import RunView, Session
from viz.sitemap import SiteMap
from viz.tables import TABLE_STYLE, DecisionLog, KpiTable, SiteTable

CONFIG_ENV = "ICSIM_EXPLORE_CONFIG"
FOOTPRINTS = {fp.label: fp for fp in footprints(os.environ.get(CONFIG_ENV, "configs/baseline.yaml"))}
FIRST = next(iter(FOOTPRINTS.values()))
MONTHS = [1, 3, 6, 12, 24, 36]

footprint_label = solara.reactive(FIRST.label)
preset = solara.reactive(AS_CONFIGURED)
levers = solara.reactive(levers_of(FIRST.config))
seed = solara.reactive(FIRST.config.run.seed)
months = solara.reactive(FIRST.config.run.months)
session = solara.reactive(None)  # the Session on the page
views = solara.reactive(None)  # (scenario, baseline) RunViews after the months done
problems = solara.reactive([])  # why the levers last applied cannot be used (ConfigError lines)


def footprint():
    return FOOTPRINTS[footprint_label.value]


def restart() -> bool:
    """Start the scenario again from month 0 with the levers on the page; False if they cannot
    be used (the reasons go to ``problems`` and the current run stays)."""
    if advance.pending:
        advance.cancel()
    try:
        new = Session(footprint(), levers.value, seed.value, months.value, previous=session.value)
    except ConfigError as exc:
        problems.set(list(exc.problems))
        return False
    problems.set([])
    session.set(new)
    views.set(new.views())
    return True


@solara.lab.task(prefer_threaded=True)
def advance(s: Session, n: int) -> None:
    """Run ``n`` months of the session in this worker thread, showing each month as it ends."""
    for _ in range(n):
        if s.finished or not advance.is_current():
            return
        s.step()
        if advance.is_current() and session.value is s:
            views.set(s.views())


def start() -> None:
    """The first run of a new browser session: the footprint as configured."""
    if session.value is None:
        restart()


def run_months(n: int) -> None:
    s = session.value
    pending = s is None or (s.levers, s.seed, s.months) != (levers.value, seed.value, months.value)
    if pending and (s is None or s.month == 0) and not restart():
        return
    advance(session.value, n)


def choose_footprint(label: str) -> None:
    footprint_label.set(label)
    fp = footprint()
    preset.set(AS_CONFIGURED)
    levers.set(levers_of(fp.config))
    seed.set(fp.config.run.seed)
    months.set(fp.config.run.months)
    session.set(None)
    restart()


def choose_preset(name: str) -> None:
    preset.set(name)
    levers.set(presets(footprint())[name])


@solara.component
def Controls():
    fp = footprint()
    solara.Select("Footprint", values=list(FOOTPRINTS), value=footprint_label.value, on_value=choose_footprint)
    solara.Select("Scenario preset", values=list(presets(fp)), value=preset.value, on_value=choose_preset)
    with solara.Row():
        solara.InputInt("Seed", value=seed, style="max-width: 8em")
        solara.Select("Months", values=sorted({*MONTHS, fp.config.run.months}), value=months)
    LeverPanel(fp, levers)
    solara.Button("Apply levers (restart from month 0)", on_click=restart, color="primary", block=True,
                  classes=["apply-levers"])


def _html(tag: str, text: str) -> None:
    solara.HTML(tag=tag, unsafe_innerHTML=html.escape(text))


@solara.component
def RunBar(s: Session, scenario: RunView):
    busy = advance.pending
    with solara.Row(style="align-items: center; flex-wrap: wrap"):
        solara.Button("Step a month", on_click=lambda: run_months(1), disabled=busy or s.finished,
                      color="primary", classes=["step-month"])
        solara.Button("Run a year", on_click=lambda: run_months(12), disabled=busy or s.finished,
                      classes=["run-year"])
        solara.Button("Stop", on_click=advance.cancel, disabled=not busy, classes=["stop"])
        done = scenario.months_done
        solara.Text(f"Month {done} of {s.months}: " + (scenario.month_label if done else "not started"),
                    classes=["month-label"], style="font-size: 18px; font-weight: 500; margin-left: 12px")
        if busy:
            solara.Text("running" + (" (the first month includes the warm-up)" if done == 0 else ""))
    solara.ProgressLinear(busy)


@solara.component
def Messages(s: Session):
    if problems.value:
        messages.error("These levers cannot be used (nothing was restarted): " + "; ".join(problems.value),
                       classes=["lever-error"])
    if advance.error:
        messages.error(f"The simulation stopped: {advance.exception}", classes=["run-error"])
    if (s.levers, s.seed, s.months) != (levers.value, seed.value, months.value) and s.month > 0:
        messages.warning("The levers have changed since this run started: press Apply levers to restart the "
                         "scenario with them (the baseline run is kept).")
    fields = changed(s.levers, levers_of(s.footprint.config))
    _html("p", "Scenario: " + ("; ".join(fields) + " changed from the config." if fields
                               else "the footprint as configured (the baseline itself)."))


@solara.component
def Page():
    solara.Title("icsim explorer")
    solara.Style(TABLE_STYLE)
    solara.use_effect(start, [])
    with solara.Row(style="align-items: flex-start; flex-wrap: nowrap; gap: 16px; padding: 8px"):
        with solara.Column(style="width: 330px; min-width: 330px; flex: none", gap="8px"):
            _html("h2", "icsim explorer")
            Controls()
        with solara.Column(style="flex: 1; min-width: 0", gap="8px"):
            Main()


@solara.component
def Main():
    s = session.value
    if s is None or views.value is None:
        solara.Text("Starting...")
        return
    sc, bl = views.value
    fp = s.footprint
    _html("h3", f"{fp.config.name}: {fp.config.population:,} people, seed {s.seed}; "
                "scenario (solid) beside the baseline as configured (dashed)")
    RunBar(s, sc)
    Messages(s)
    with solara.Columns([3, 2]):
        with solara.Column():
            KpiCharts(sc, bl)
            if fp.has_organisations:
                FinanceCharts(sc, bl)
        with solara.Column():
            SiteMap(s.config, sc.sites, levers)
            KpiTable(sc, bl)
            _html("h4", "Sites")
            SiteTable(sc)
    _html("h4", "Decision log (scenario, latest first)")
    DecisionLog(sc, fp.has_organisations)
    ResultsDownload(s, sc.months_done)
