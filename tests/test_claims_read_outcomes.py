"""The A&E closure and 40% verdicts read deaths and harm: run on a synthetic summary holding every
KPI each experiment lists, they answer every question without a missing KPI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments import ae_closure, forty_percent
from experiments.config import load_experiment

ROOT = Path(__file__).resolve().parents[1]


def synthetic(exp, worse_deaths: bool) -> pd.DataFrame:
    rows = []
    for scenario in exp.spec.scenarios:
        for kpi in exp.spec.kpis:
            diff = 0.0 if scenario == exp.spec.baseline else 0.1
            low, high = (0.05, 0.15) if diff else (0.0, 0.0)
            if kpi.startswith("deaths") and not worse_deaths and diff:
                low, high = -0.05, 0.2  # no clear difference
            rows.append({"scenario": scenario, "kpi": kpi, "mean": 1.0 + diff, "diff": diff,
                         "diff_low": low, "diff_high": high})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("module,name", [(ae_closure, "ae_closure"), (forty_percent, "forty_percent")])
def test_the_verdict_reads_deaths(module, name):
    exp = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    assert {"deaths_per_1000_population", "deaths_from_delay_per_1000_population",
            "harm_events_in_hospital"} <= set(exp.spec.kpis)
    worse = module.verdict(synthetic(exp, True), exp)
    assert worse.evidence.str.contains("deaths_per_1000_population").any()
    text = " ".join(worse.answer)
    assert "die" in text or "deaths" in text
