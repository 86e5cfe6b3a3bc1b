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
rather than the live model, which a worker process is advancing while the page draws.

The runs are made by the server's ``ProcessRunner`` (``viz/runs.py``): the scenario in a worker
process of its own, the baseline read from the cache (``viz/cache.py``) or computed once in
another process, in the background, for every session that shows the same footprint, seed and
months. So the first screen shows a cached baseline's months at once, and a month of a scenario
costs the scenario's month only (with the baseline beside it running at the same time when it is
not cached yet). A task (``follow``) redraws the page as a baseline computed in the background
reaches each month; a thread (``predraw``) draws the next month's pictures as soon as the
scenario's worker has run it ahead, so that "Step a month" finds them drawn.

State is per browser session (Solara scopes module-level reactive variables to each user).
"""

from __future__ import annotations

import html
import os
import threading

import solara
import solara.lab

from sim.config import ConfigError
from viz import messages
from viz.charts import FinanceCharts, KpiCharts, finance_png, kpi_png
from viz.controls import LeverPanel
from viz.download import ResultsDownload
from viz.footprints import footprints
from viz.levers import changed, levers_of
from viz.presets import AS_CONFIGURED, presets
from viz.runs import RunError, shared_runner
from viz.session import RunView, Session
from viz.sitemap import SiteMap, site_map
from viz.tables import TABLE_STYLE, DecisionLog, KpiTable, SiteTable

CONFIG_ENV = "ICSIM_EXPLORE_CONFIG"
FOOTPRINTS = {fp.label: fp for fp in footprints(os.environ.get(CONFIG_ENV, "configs/baseline.yaml"))}
FIRST = next(iter(FOOTPRINTS.values()))
MONTHS = [1, 3, 6, 12, 24, 36]
RUNNER = shared_runner()
RUNNER.workers.warm()  # worker processes with their imports done, for the first baseline and scenario

footprint_label = solara.reactive(FIRST.label)
preset = solara.reactive(AS_CONFIGURED)
levers = solara.reactive(levers_of(FIRST.config))
seed = solara.reactive(FIRST.config.run.seed)
months = solara.reactive(FIRST.config.run.months)
session = solara.reactive(None)  # the Session the buttons act on
# what the page draws, set at once (one redraw): (session, scenario view after the months done,
# baseline view as far as it has run, what the baseline is and how far it has run)
shown = solara.reactive(None)
problems = solara.reactive([])  # why the levers last applied cannot be used (ConfigError lines)
_publishing = threading.Lock()  # views are set in the order they are read, whichever thread sets them


def footprint():
    return FOOTPRINTS[footprint_label.value]


def publish(s: Session) -> None:
    """Show ``s``'s views and the baseline's state, if ``s`` is still the session on the page."""
    with _publishing:
        if session.value is s:
            shown.set((s, *s.views(), baseline_status(s)))


def baseline_status(s: Session) -> str:
    b = s.baseline
    done = f"Baseline (the footprint as configured, dashed): {b.months_done} of {b.months} months"
    if b.error is not None:
        return f"{done}; the baseline run stopped: {b.error}"
    if not b.complete:
        return f"{done}, computing in the background (it is kept in the cache when done)."
    return f"{done}, " + ("from the cache." if b.source == "cache" else
                          "computed here" + (f", {b.note}." if b.note else "."))


def restart() -> bool:
    """Start the scenario again from month 0 with the levers on the page; False if they cannot
    be used (the reasons go to ``problems`` and the current run stays)."""
    if advance.pending:
        advance.cancel()
    old = session.value
    try:
        new = Session(footprint(), levers.value, seed.value, months.value, previous=old, runner=RUNNER)
    except ConfigError as exc:
        problems.set(list(exc.problems))
        return False
    problems.set([])
    session.set(new)
    publish(new)
    threading.Thread(target=predraw, args=(new, 1), daemon=True).start()
    if old is not None:
        old.close()  # its scenario's worker ends (unless it is the baseline), and its hold on the baseline
    follow(new)
    return True


@solara.lab.task(prefer_threaded=True)
def follow(s: Session) -> None:
    """Redraw the page as the baseline computed in the background reaches each month, and once
    it is saved."""
    b = s.baseline
    while follow.is_current() and session.value is s and not b.complete and b.error is None:
        try:
            if b.wait_for(b.months_done + 1, timeout=5, ask=False):
                publish(s)
        except RunError:
            break
    settled = getattr(b, "settled", None)
    if settled is not None and follow.is_current():
        settled.wait(60)
    publish(s)


@solara.lab.task(prefer_threaded=True)
def advance(s: Session, n: int) -> None:
    """Run ``n`` months of the session (in worker processes), showing each month as it ends."""
    for _ in range(n):
        if s.finished or not advance.is_current():
            return
        try:
            s.step()
        except RunError:
            if advance.is_current() and session.value is s:
                raise
            return  # the session was replaced meanwhile
        if advance.is_current():
            publish(s)
            threading.Thread(target=predraw, args=(s, s.month + 1), daemon=True).start()


def predraw(s: Session, n: int) -> None:
    """Draw month ``n``'s pictures as soon as the scenario's worker has run it ahead, while the
    user looks at the page: "Step a month" then finds them drawn. Only beside a baseline that is
    complete (the one that will be drawn beside it)."""
    try:
        if n > s.months or not s.baseline.complete or not s.scenario.wait_for(n, timeout=600, ask=False):
            return
    except RunError:
        return
    if s.closed:
        return
    scenario, baseline = s.scenario.views[n], s.baseline.views[-1]
    kpi_png(scenario, baseline)
    if s.footprint.has_organisations:
        finance_png(scenario, baseline)
    site_map(s.config, scenario.sites)


def start():
    """The first run of a new browser session: the footprint as configured (its baseline from
    the cache, or started in the background). Its scenario's worker process ends with the page."""
    if session.value is None:
        restart()

    def leave():
        if session.value is not None:
            session.value.close()
    return leave


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
    if shown.value is None:
        solara.Text("Starting...")
        return
    s, sc, bl, baseline_note = shown.value
    fp = s.footprint
    _html("h3", f"{fp.config.name}: {fp.config.population:,} people, seed {s.seed}; "
                "scenario (solid) beside the baseline as configured (dashed)")
    RunBar(s, sc)
    solara.Text(baseline_note, classes=["baseline-status"])
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
