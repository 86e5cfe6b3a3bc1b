"""Charts of a scenario beside its baseline: system KPIs by month and each organisation's money.

Each chart is a function from ``RunView``s to a matplotlib ``Figure`` (built with the
object-oriented API, not pyplot, so that figures made in different browser sessions never share
state), wrapped in a Solara component that redraws only when the views change. The scenario is
drawn solid, the baseline dashed in the same colour.

Drawing is most of what a month costs the page (a second or more on a busy 2-core machine), so
pictures already drawn are kept, server-wide, by the views they were drawn from (``drawn``):
views never change, and the first screen of a footprint (its cached baseline's year, no month of
the scenario yet) is the same for every session that chooses it.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from concurrent.futures import Future

import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from solara.alias import rw

from viz.session import RunView

# (KPI of sim.kpis.measure, panel title, shown as a percentage)
KPI_PANELS = [
    ("ae_4h_all_types", "A&E 4-hour performance (all types)", True),
    ("ae_4h_type1", "A&E 4-hour performance (type 1)", True),
    ("ae_12h_from_arrival_share", "12 hours or more in A&E (type 1)", True),
    ("bed_occupancy_midnight", "Bed occupancy at midnight", True),
    ("delayed_discharges_midnight", "Delayed discharges at midnight", False),
    ("handover_mean_minutes", "Ambulance handover, mean (min)", False),
    ("ambulance_cat2_mean_minutes", "Category 2 response, mean (min)", False),
    ("time_to_treatment_urgent_minutes", "Time to treatment, most urgent (min)", False),
    ("gp_wait_mean_days", "GP wait, mean (days)", False),
    ("rtt_waiting_list", "RTT waiting list (pathways)", False),
    ("rtt_18_week_share", "RTT waiting under 18 weeks", True),
]
# Fixed margins rather than matplotlib's constrained layout, which would draw each figure twice
# (once to measure it): the charts are redrawn after every month, and that halves the cost.
_KPI_GRID = {"left": 0.08, "right": 0.96, "top": 0.95, "bottom": 0.05, "hspace": 0.42, "wspace": 0.38}
_FINANCE_GRID = {"left": 0.08, "right": 0.78, "top": 0.94, "bottom": 0.06, "hspace": 0.35, "wspace": 0.3}
SCENARIO_STYLE = {"color": "#005eb8", "linestyle": "-", "marker": "o", "markersize": 3}  # NHS blue
BASELINE_STYLE = {"color": "#768692", "linestyle": "--", "marker": "o", "markersize": 3}


def _months_axis(ax, labels: list[str]) -> None:
    ax.set_xlim(-0.5, len(labels) - 0.5)
    step = max(1, -(-len(labels) // 4))  # at most four month labels
    ax.set_xticks(range(0, len(labels), step), [labels[i][2:] for i in range(0, len(labels), step)], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(alpha=0.3)


def _runs(scenario: RunView, baseline: RunView):
    """(name, view, style), the baseline first so that the scenario is drawn on top."""
    return (("baseline", baseline, BASELINE_STYLE), ("scenario", scenario, SCENARIO_STYLE))


def kpi_figure(scenario: RunView, baseline: RunView) -> Figure:
    """One small panel per KPI of ``KPI_PANELS``: the months done so far."""
    fig = Figure(figsize=(7.2, 8.0))
    axes = fig.subplots(-(-len(KPI_PANELS) // 3), 3, gridspec_kw=_KPI_GRID).ravel()
    for ax in axes[len(KPI_PANELS):]:
        ax.set_visible(False)
    labels = scenario.month_labels
    for ax, (kpi, title, percent) in zip(axes, KPI_PANELS):
        for name, view, style in _runs(scenario, baseline):
            if kpi in view.kpis:
                series = view.kpis[kpi]
                ax.plot([labels.index(m) for m in series.index], series.to_numpy(), label=name, **style)
        ax.set_title(title, fontsize=8.5)
        _months_axis(ax, labels)
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    if axes[0].get_lines():
        axes[0].legend(fontsize=8, loc="best")
    return fig


def _organisation_groups(orgs: pd.DataFrame) -> pd.DataFrame:
    """Surplus by month and organisation, the GP practices added together (GBP million)."""
    name = orgs.organisation.where(orgs.kind != "general_practice", "GP practices")
    return (orgs.assign(name=name).groupby(["month", "name"], sort=False)["surplus"].sum()
            .unstack("name") / 1e6)


def finance_figure(scenario: RunView, baseline: RunView) -> Figure:
    """Each organisation's surplus so far this run (cumulative, GBP million), trust beds open and
    trust staff in post."""
    fig = Figure(figsize=(7.2, 5.0))
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 2], **_FINANCE_GRID)
    ax_money = fig.add_subplot(grid[0, :])
    ax_beds, ax_staff = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    labels = scenario.month_labels
    colours: dict[str, str] = {}
    labelled = "baseline" if scenario.organisations.empty else "scenario"  # the legend names each once
    for name, view, style in _runs(scenario, baseline):
        if view.organisations.empty:
            continue
        orgs = view.organisations
        surplus = _organisation_groups(orgs).cumsum()
        x = [labels.index(m) for m in surplus.index]
        for org in surplus.columns:
            label = org.replace("_", " ") if name == labelled else None
            colour = colours.setdefault(org, f"C{len(colours) % 10}")
            ax_money.plot(x, surplus[org].to_numpy(), color=colour, linestyle=style["linestyle"], label=label)
        trusts = orgs[orgs.kind == "acute_trust"].groupby("month", sort=False)[["beds_open", "staff_in_post"]].sum()
        xt = [labels.index(m) for m in trusts.index]
        ax_beds.plot(xt, trusts.beds_open.to_numpy(), label=name, **style)
        ax_staff.plot(xt, trusts.staff_in_post.to_numpy(), label=name, **style)
    ax_money.axhline(0, color="black", linewidth=0.6)
    ax_money.set_title("Surplus so far, GBP million (scenario solid, baseline dashed)", fontsize=9)
    ax_beds.set_title("Acute trusts: general beds open", fontsize=9)
    ax_staff.set_title("Acute trusts: staff in post (FTE)", fontsize=9)
    for ax in (ax_money, ax_beds, ax_staff):
        _months_axis(ax, labels)
    if colours:
        ax_money.legend(fontsize=7, ncols=1, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax_beds.legend(fontsize=8)
    return fig


class Drawn:
    """Pictures already drawn (or being drawn), the latest ``size``, by the identity of what they
    were drawn from (kept with them, so that an identity is not reused while its picture is
    here). A picture asked for while another thread draws it is waited for, not drawn twice."""

    def __init__(self, size: int = 48):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, kind: str, sources: tuple, draw):
        key = (kind, *map(id, sources))
        with self._lock:
            mine = key not in self._items
            if mine:
                self._items[key] = (sources, Future())
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
            picture = self._items[key][1]
        if mine:
            try:
                picture.set_result(draw())
            except BaseException as exc:
                picture.set_exception(exc)
                with self._lock:
                    self._items.pop(key, None)
        return picture.result()


drawn = Drawn()


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def kpi_png(scenario: RunView, baseline: RunView) -> bytes:
    return drawn.get("kpis", (scenario, baseline), lambda: png(kpi_figure(scenario, baseline)))


def finance_png(scenario: RunView, baseline: RunView) -> bytes:
    return drawn.get("money", (scenario, baseline), lambda: png(finance_figure(scenario, baseline)))


@solara.component
def KpiCharts(scenario: RunView, baseline: RunView):
    image = solara.use_memo(lambda: kpi_png(scenario, baseline), dependencies=[scenario, baseline])
    rw.Image(value=image, format="png")


@solara.component
def FinanceCharts(scenario: RunView, baseline: RunView):
    image = solara.use_memo(lambda: finance_png(scenario, baseline), dependencies=[scenario, baseline])
    rw.Image(value=image, format="png")
