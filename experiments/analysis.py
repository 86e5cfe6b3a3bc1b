"""Means, confidence intervals and paired differences against the baseline scenario.

For each scenario and KPI: the mean over replications with a 95% t-interval; and the paired
difference from the baseline (replication k minus baseline replication k, which share their
random numbers) with its 95% t-interval. The unpaired interval of the same difference (Welch) is
kept beside it, to show what common random numbers buy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

LEVEL = 0.95


def t_interval(x) -> tuple[float, float, float]:
    """(mean, low, high) of a 95% t-interval; NaN bounds with fewer than two finite values."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + LEVEL / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return mean, mean - half, mean + half


def welch_interval(a, b) -> tuple[float, float]:
    """95% interval of mean(a) - mean(b) treating the samples as independent (Welch)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    if se == 0:
        d = a.mean() - b.mean()
        return float(d), float(d)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + LEVEL / 2, dof) * se
    d = a.mean() - b.mean()
    return float(d - half), float(d + half)


def summarise(results: pd.DataFrame, baseline: str, kpis: list[str] | None = None) -> pd.DataFrame:
    """One row per scenario x KPI: mean and CI, and the paired difference from the baseline (of
    the footprint's KPIs, scope ``ics``, when the results have scopes)."""
    if "scope" in results.columns:
        results = results[results.scope == "ics"]
    wide = results.pivot_table(index=["scenario", "replication"], columns="kpi", values="value", dropna=False)
    base = wide.loc[baseline]
    kpis = kpis or list(wide.columns)
    rows = []
    for scenario in results.scenario.unique():
        mine = wide.loc[scenario]
        for kpi in kpis:
            mean, low, high = t_interval(mine[kpi])
            paired = (mine[kpi] - base[kpi]).dropna()  # aligned by replication: common random numbers
            d, d_low, d_high = t_interval(paired)
            u_low, u_high = welch_interval(mine[kpi], base[kpi])
            rows.append({"scenario": scenario, "kpi": kpi, "replications": int(mine[kpi].notna().sum()),
                         "mean": mean, "ci_low": low, "ci_high": high,
                         "diff": d, "diff_low": d_low, "diff_high": d_high,
                         "unpaired_low": u_low, "unpaired_high": u_high})
    return pd.DataFrame(rows)
