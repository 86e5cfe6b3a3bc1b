"""Verdict of the calibration experiment: each KPI's mean over replications, with its 95% CI,
against the published value and plausible range the base config's ``calibration:`` gives it
(its footprint-wide targets; ``icsim calibrate`` also judges sites, trusts and localities)."""

from __future__ import annotations

import pandas as pd

from experiments.claims import row, verdict_rows
from experiments.report import fmt
from sim.calibration import footprint_targets


def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    scenario = exp.spec.baseline
    published = footprint_targets(exp.configs[scenario])
    rows, landed = [], 0
    for kpi in exp.spec.kpis:
        if kpi not in published.index:
            continue
        r, t = row(summary, scenario, kpi), published.loc[kpi]
        inside = t.low <= r["mean"] <= t.high
        overlaps = r.ci_high >= t.low and r.ci_low <= t.high
        landed += inside
        answer = "within range" if inside else ("range within reach of the CI" if overlaps else "outside range")
        rows.append((kpi, answer, f"simulated {fmt(r['mean'])} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]; published "
                                  f"{fmt(t.reference)} ({fmt(t.low)} to {fmt(t.high)}); {t.source}"))
    rows.insert(0, ("How many KPIs land in the published range?", f"{landed} of {len(rows)}",
                    f"{exp.spec.replications} replications of {exp.spec.months} months"))
    return verdict_rows(rows)
