"""Tables on the page: the last month's KPIs (scenario, baseline, difference), the sites, and the
decision log.

The KPI table uses the KPIs, labels and formats ``icsim run`` prints (``sim.kpis.SUMMARY_KPIS``),
so the explorer and the command line say the same thing the same way. The KPI and site tables are
pandas ``to_html`` with an id (``kpi-table``, ``site-table``): plain HTML tables, readable by
screen readers and by the browser tests.
"""

from __future__ import annotations

import math

import pandas as pd
import solara

from sim.kpis import SUMMARY_KPIS, format_kpi
from viz.session import RunView

EXTRA_KPIS = [  # beside SUMMARY_KPIS, what the levers act on directly
    ("handover_over_60min_share", "Ambulance handovers over 60 minutes", "{:.1%}"),
    ("diverted_to_virtual_ward", "Admissions diverted to virtual wards", "{:,.0f}"),
    ("deteriorations_after_diversion", "Deteriorated after diversion", "{:,.0f}"),
    ("ae_travel_minutes_mean", "Travel to A&E, mean (min)", "{:.0f}"),
]


def _difference(fmt: str, a, b) -> str:
    if any(v is None or math.isnan(v) for v in (a, b)):
        return "-"
    text = f"{(a - b) * 100:+.1f} points" if "%" in fmt else ("+" if a >= b else "") + format_kpi(fmt, a - b)
    return "no difference" if text.strip("+-").split()[0].strip("0.,") == "" else text


def kpi_table(scenario: RunView, baseline: RunView) -> pd.DataFrame:
    """The scenario's last month done: each KPI for the scenario and the baseline (the same
    month: the baseline may have run further), and the difference."""
    rows, month = [], scenario.month_label
    for kpi, label, fmt in [*SUMMARY_KPIS, *EXTRA_KPIS]:
        if kpi not in scenario.kpis:
            continue
        a = float(scenario.kpis[kpi].iloc[-1])
        b = float(baseline.kpis[kpi].get(month, math.nan)) if kpi in baseline.kpis else math.nan
        rows.append({"KPI": label, "scenario": format_kpi(fmt, a), "baseline": format_kpi(fmt, b),
                     "difference": _difference(fmt, a, b)})
    return pd.DataFrame(rows)


def site_rows(view: RunView) -> pd.DataFrame:
    s = view.sites
    return pd.DataFrame({
        "site": s.index,
        "type 1 A&E": s.ae.replace({"none": "-"}).to_numpy(),
        "urgent care centre": s.urgent_care_centre.map({True: "yes", False: "-"}).to_numpy(),
        "beds open": s.beds.to_numpy(),
        "bed occupancy, last month": [format_kpi("{:.0%}", v) for v in s.bed_occupancy_midnight],
        "A&E 4 hours (type 1), last month": [format_kpi("{:.0%}", v) for v in s.ae_4h_type1],
    })


def _html(df: pd.DataFrame, table_id: str) -> str:
    return df.to_html(table_id=table_id, index=False, border=0, classes=["icsim-table"])


TABLE_STYLE = """
.icsim-table { border-collapse: collapse; font-size: 13px; }
.icsim-table th, .icsim-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0; text-align: right; }
.icsim-table th:first-child, .icsim-table td:first-child { text-align: left; }
"""


@solara.component
def KpiTable(scenario: RunView, baseline: RunView):
    if scenario.months_done == 0:
        solara.Text("No month run yet: press Step a month or Run a year.")
        return
    solara.HTML(tag="h4", unsafe_innerHTML=f"Month {scenario.months_done} ({scenario.month_label}): "
                                           "scenario beside the baseline")
    solara.HTML(tag="div", unsafe_innerHTML=_html(kpi_table(scenario, baseline), "kpi-table"))


@solara.component
def SiteTable(view: RunView):
    solara.HTML(tag="div", unsafe_innerHTML=_html(site_rows(view), "site-table"))


@solara.component
def DecisionLog(view: RunView, has_organisations: bool, latest: int = 40):
    """The scenario's decisions, latest first (the ``latest`` most recent; all are in the download)."""
    if not has_organisations:
        solara.Text("This footprint has no organisations (organisations: null): nobody acts on budgets, "
                    "capacities stay as configured.")
        return
    decisions = view.decisions
    if decisions.empty:
        solara.Text("No decisions yet.")
        return
    shown = decisions[["month", "organisation", "action", "reason", "figures"]].iloc[::-1].head(latest)
    solara.Text(f"{len(decisions):,} decisions so far" + (f", the latest {latest} shown" if len(decisions) > latest
                                                           else ""))
    solara.HTML(tag="div", unsafe_innerHTML=_html(shown, "decision-log"),
                style="max-height: 420px; overflow-y: auto")
