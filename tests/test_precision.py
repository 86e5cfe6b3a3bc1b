"""Replications by precision: runs are added until every question's interval is narrow enough."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from experiments.precision import paired_evidence, run_to_precision

Q = SimpleNamespace(id="a: x", scenario="a", against="base", kpi="x")


def fake_runs(sd: float, effect: float = 0.0, log: list | None = None):
    """Each (scenario, replication) run gives a KPI from the replication's seed: the reference's
    value plus the scenario's effect plus its own noise, as common random numbers would."""
    def run(batch):
        rows = []
        for scenario, k in batch:
            rng = np.random.default_rng(1000 + k)
            shared, own = rng.normal(10, 3), rng.normal(0, sd)
            value = shared + (effect + own if scenario == "a" else 0.0)
            rows.append((scenario, k, 1000 + k, "ics", "x", value))
            if log is not None:
                log.append((scenario, k))
        return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "scope", "kpi", "value"])
    return run


def test_replications_grow_until_half_the_margin_is_reached():
    log = []
    results, precision = run_to_precision(["base", "a"], [Q], lambda q, r: 1.0, fake_runs(sd=1.5, log=log),
                                          start=3, most=200)
    assert precision.replications > 3 and not precision.imprecise
    assert paired_evidence(results, "a", "base", "x").half_width() <= 0.5
    assert len(log) == len(set(log)), "no run is made twice"
    assert sorted(log) == sorted((s, k) for s in ("base", "a") for k in range(precision.replications))


def test_a_precise_question_stops_at_the_start():
    _, precision = run_to_precision(["base", "a"], [Q], lambda q, r: 1.0, fake_runs(sd=0.01), start=3, most=50)
    assert precision.replications == 3 and precision.rounds == [3]


def test_the_maximum_is_respected_and_reported():
    _, precision = run_to_precision(["base", "a"], [Q], lambda q, r: 0.01, fake_runs(sd=2.0), start=3, most=8)
    assert precision.replications == 8
    assert precision.imprecise == ["a: x"] and "maximum" in precision.reason


def test_a_fixed_number_of_replications_runs_exactly_that():
    log = []
    _, precision = run_to_precision(["base", "a"], [Q], lambda q, r: 0.01, fake_runs(sd=2.0, log=log), start=4,
                                    most=100, fixed=True)
    assert precision.replications == 4 and len(log) == 8 and "fixed" in precision.reason


def test_differences_are_paired_by_replication():
    results = fake_runs(sd=0.0, effect=2.0)([(s, k) for k in range(5) for s in ("base", "a")])
    e = paired_evidence(results, "a", "base", "x")
    assert e.n == 5 and e.mean == 2.0 and e.sd == 0.0
