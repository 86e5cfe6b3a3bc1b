"""Helpers for claim modules: read a paired difference and say what it shows, with its numbers."""

from __future__ import annotations

import pandas as pd

from experiments.analysis import significant
from experiments.report import fmt


def row(summary: pd.DataFrame, scenario: str, kpi: str) -> pd.Series:
    found = summary[(summary.scenario == scenario) & (summary.kpi == kpi)]
    if found.empty:
        raise KeyError(f"no result for scenario {scenario!r}, KPI {kpi!r}")
    return found.iloc[0]


def direction(summary: pd.DataFrame, scenario: str, kpi: str) -> str:
    """'higher', 'lower' or 'no clear difference' than the baseline (paired 95% CI)."""
    return significant(row(summary, scenario, kpi))


def evidence(summary: pd.DataFrame, scenario: str, kpi: str, scale: float = 1.0, unit: str = "") -> str:
    """'0.912 -> 0.874 (-0.038 [-0.041, -0.035])': baseline mean, scenario mean, paired difference."""
    r = row(summary, scenario, kpi)
    base = r["mean"] - r["diff"]
    return (f"{kpi}: {fmt(base * scale)}{unit} -> {fmt(r['mean'] * scale)}{unit} "
            f"({fmt(r['diff'] * scale)} [{fmt(r.diff_low * scale)}, {fmt(r.diff_high * scale)}])")


def verdict_rows(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["question", "answer", "evidence"])
