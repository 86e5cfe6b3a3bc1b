"""How many replications an experiment needs: enough for every judged question's paired interval
to be narrower than its margin, or a maximum.

Replications are added in rounds. After each round every question's paired differences are
summarised; a question is precise when the half-width of its 95% interval is at most half its
minimal important difference (then the interval cannot straddle both margins, and at most one). The
next round runs as many replications as the least precise question needs if the spread of its
differences stays as it is (``verdicts.needed_replications``), at least one more and at most the
maximum. Replication k of every scenario uses seed + k whatever the round, so a run is the same run
whether it was made in the first round or the last (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from experiments.verdicts import ALPHA, Evidence, needed_replications

# (scenario, replication) pairs -> tidy rows of results (scenario, replication, seed, scope, kpi, value)
RunBatch = Callable[[list[tuple[str, int]]], pd.DataFrame]


@dataclass
class Precision:
    """What was run and why it stopped."""

    replications: int
    rounds: list[int] = field(default_factory=list)  # replications after each round
    imprecise: list[str] = field(default_factory=list)  # questions still wider than half their margin
    reason: str = ""


def paired_evidence(results: pd.DataFrame, scenario: str, against: str, kpi: str, scope: str = "ics") -> Evidence:
    """The paired differences (scenario minus reference, replication by replication) of one KPI."""
    rows = results[(results.scope == scope) & (results.kpi == kpi)]
    mine = rows[rows.scenario == scenario].set_index("replication").value
    theirs = rows[rows.scenario == against].set_index("replication").value
    both = mine.index.intersection(theirs.index)
    return Evidence.of((mine.loc[both] - theirs.loc[both]).to_numpy())


def reference_mean(results: pd.DataFrame, scenario: str, kpi: str, scope: str = "ics") -> float:
    rows = results[(results.scope == scope) & (results.kpi == kpi) & (results.scenario == scenario)]
    return float(rows.value.mean()) if len(rows) else math.nan


def run_to_precision(scenarios: Iterable[str], questions: list, margin_of: Callable[[object, pd.DataFrame], float],
                     run: RunBatch, start: int, most: int, fixed: bool = False) -> tuple[pd.DataFrame, Precision]:
    """Run replications 0..n-1 of every scenario, growing n from ``start`` until every question is
    precise or n reaches ``most`` (with ``fixed``, run exactly ``start``). ``margin_of(question,
    results)`` gives a question's margin in the KPI's units; questions need ``scenario``,
    ``against``, ``kpi`` and ``id``."""
    scenarios = list(scenarios)
    results = pd.DataFrame(columns=["scenario", "replication", "seed", "scope", "kpi", "value"])
    done = 0
    n = start
    precision = Precision(replications=0)
    while True:
        batch = [(s, k) for k in range(done, n) for s in scenarios]
        if batch:
            new = run(batch)
            results = new if results.empty else pd.concat([results, new], ignore_index=True)
        done = n
        precision.rounds.append(n)
        precision.replications = n
        widths = {}
        wanted = n
        for q in questions:
            e = paired_evidence(results, q.scenario, q.against, q.kpi)
            margin = margin_of(q, results)
            widths[q.id] = (e.half_width(1 - ALPHA), margin)
            if not (e.half_width(1 - ALPHA) <= margin / 2):
                wanted = max(wanted, needed_replications(e, margin, at_most=most))
        precision.imprecise = [qid for qid, (hw, m) in widths.items() if not hw <= m / 2]
        if fixed:
            precision.reason = f"fixed at {n} replications"
            break
        if not precision.imprecise:
            precision.reason = f"every question's 95% interval within half its margin after {n} replications"
            break
        if n >= most:
            precision.reason = (f"stopped at the maximum of {most} replications with {len(precision.imprecise)} "
                                "question(s) still wider than half their margin")
            break
        n = min(most, max(n + 1, wanted))
    return results, precision
