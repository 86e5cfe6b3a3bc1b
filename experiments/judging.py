"""An experiment's results judged: its questions by the verdict engine, its places, its warm-up and
its assumptions.

``results`` is the tidy table of every run: scenario, replication, seed, scope (``ics``,
``site:NAME``, ``locality:NAME``, ``warmup``), kpi, value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.config import LoadedExperiment
from experiments.precision import paired_evidence, reference_mean
from experiments.questions import Asked, catalogue, margins, overall
from experiments.robustness import flip_point, holds
from experiments.verdicts import ALPHA, Answer, Evidence, Judgement, Question, classify, judge

# What the report shows place by place (each with its margin from the KPI catalogue)
SITE_KPIS = ("ae_4h_type1", "ae_12h_from_arrival_share", "handover_mean_minutes", "trolley_waits_12h_per_1000",
             "bed_occupancy_midnight", "deaths_30d_per_1000_admissions", "deaths_from_delay")
LOCALITY_KPIS = ("ambulance_response_mean_minutes", "ambulance_response_p90_minutes", "conveyance_minutes_mean",
                 "ae_travel_minutes_mean", "deaths_per_1000_population", "deaths_from_delay_per_1000_population")


def margin_of(exp: LoadedExperiment, asked: Asked, results: pd.DataFrame, factor: float = 1.0) -> float:
    """A question's margin in its KPI's units (a relative margin taken on its reference's mean)."""
    population = float(exp.configs[asked.against].population)
    return asked.question(reference_mean(results, asked.against, asked.kpi), population, factor).margin


def judge_questions(exp: LoadedExperiment, results: pd.DataFrame, factors: dict[str, float] | None = None,
                    asked: list[Asked] | None = None) -> list[tuple[Asked, Judgement]]:
    """Every question answered (or those ``asked``), Holm's procedure across them all; ``factors``
    scales margins by name (to judge the same evidence at the ends of a margin's range)."""
    asked = exp.asked if asked is None else asked
    items = []
    for a in asked:
        factor = (factors or {}).get(a.margin_name, 1.0)
        population = float(exp.configs[a.against].population)
        q = a.question(reference_mean(results, a.against, a.kpi), population, factor)
        items.append((q, paired_evidence(results, a.scenario, a.against, a.kpi)))
    return list(zip(asked, judge(items)))


def verdict_table(answers: list[tuple[Asked, Judgement]]) -> pd.DataFrame:
    rows = []
    for a, j in answers:
        m = a.margin
        rows.append({"question": a.ask, "scenario": a.scenario, "against": a.against, "kpi": a.kpi, "label": a.label,
                     "expect": a.expect or "", "answer": j.answer.value, "difference": j.difference, "low": j.low,
                     "high": j.high, "level": j.level, "margin": j.question.margin, "margin_name": a.margin_name,
                     "margin_basis": m.describe(), "margin_assumed": m.assumption, "p": j.p, "holm_rank": j.rank,
                     "replications": j.n, "note": j.note})
    return pd.DataFrame(rows)


def claim_verdict(exp: LoadedExperiment, answers) -> tuple[str, str]:
    return overall(exp.spec.claim, answers)


# --- places ----------------------------------------------------------------------------------------


def place_table(exp: LoadedExperiment, results: pd.DataFrame) -> pd.DataFrame:
    """For every scenario against the baseline, each site's and locality's KPIs: the baseline's
    mean, the paired difference with its 95% interval, and what that interval says against the
    KPI's margin (at 95%, one place at a time: a description of where the change falls, not part
    of the verdict's family of questions)."""
    spec = exp.spec
    rows = []
    scopes = sorted(s for s in results.scope.unique() if s.startswith(("site:", "locality:")))
    for scenario in spec.scenarios:
        if scenario == spec.baseline:
            continue
        for scope in scopes:
            kpis = SITE_KPIS if scope.startswith("site:") else LOCALITY_KPIS
            for kpi in kpis:
                e = paired_evidence(results, scenario, spec.baseline, kpi, scope)
                if e.n == 0:
                    continue
                ref = reference_mean(results, spec.baseline, kpi, scope)
                low, high = e.interval(1 - ALPHA)
                answer = _place_answer(exp, kpi, ref, low, high)
                rows.append({"scenario": scenario, "place": scope, "kpi": kpi, "baseline": ref,
                             "difference": e.mean, "low": low, "high": high, "answer": answer, "replications": e.n})
    return pd.DataFrame(rows, columns=["scenario", "place", "kpi", "baseline", "difference", "low", "high", "answer",
                                       "replications"])


def _place_answer(exp: LoadedExperiment, kpi: str, ref: float, low: float, high: float) -> str:
    entry = catalogue().get(kpi)
    margin = None
    if entry is not None and entry.worse is not None and entry.margin is not None:
        spec = entry.margin if not isinstance(entry.margin, str) else margins().get(entry.margin)
        if spec is not None and spec.kind != "per_head":
            margin = spec.resolve(ref, 0.0)
    if margin is None or not margin > 0:
        if not (math.isfinite(low) and math.isfinite(high)):
            return ""
        return "higher" if low > 0 else "lower" if high < 0 else "no clear change"
    return classify(Question(kpi, entry.worse == "higher", margin), low, high).value


def changed_places(table: pd.DataFrame) -> pd.DataFrame:
    """The places a scenario changed: clearly worse or better beyond the margin, or (for KPIs with
    no margin) an interval that excludes zero."""
    return table[table.answer.isin([Answer.WORSE.value, Answer.BETTER.value, "higher", "lower"])]


# --- warm-up -----------------------------------------------------------------------------------


def warmup_table(results: pd.DataFrame) -> pd.DataFrame:
    """For each capacity: MSER-5's truncation (days from the start of the run) over the runs
    (median and largest), against the configured warm-up; a truncation at half the run is a
    series that drifts all year rather than a transient."""
    w = results[results.scope == "warmup"]
    configured = w[w.kpi == "configured"].value
    configured_days = float(configured.max()) if len(configured) else math.nan
    rows = []
    for series, values in w[w.kpi != "configured"].groupby("kpi").value:
        rows.append({"capacity": series, "median_days": float(values.median()), "max_days": float(values.max()),
                     "configured_days": configured_days,
                     "enough": bool(values.median() <= configured_days)})
    return pd.DataFrame(rows, columns=["capacity", "median_days", "max_days", "configured_days", "enough"])


# --- robustness ----------------------------------------------------------------------------------


def margin_robustness(exp: LoadedExperiment, results: pd.DataFrame, main: list[tuple[Asked, Judgement]]
                      ) -> pd.DataFrame:
    """Each question judged again with its margin at the low and the high end of its range."""
    rows = []
    for (a, j) in main:
        rng = a.margin.range
        if rng is None:
            continue
        ends = {}
        for end, value in (("low", rng[0]), ("high", rng[1])):
            factor = value / a.margin.amount
            again = judge_questions(exp, results, {a.margin_name: factor})
            ends[end] = next(jj for aa, jj in again if aa.id == a.id).answer
        rows.append({"question": a.id, "margin": a.margin_name, "main": j.answer.value,
                     "at_low_margin": ends["low"].value, "at_high_margin": ends["high"].value,
                     "holds": "holds" if ends["low"] == ends["high"] == j.answer else
                     "; ".join(f"{holds(j.answer, ends[e])} at the {e} margin" for e in ("low", "high")
                               if ends[e] != j.answer)})
    return pd.DataFrame(rows)


def assumption_robustness(exp: LoadedExperiment, main: list[tuple[Asked, Judgement]],
                          at_ends: dict[tuple[int, str], pd.DataFrame]) -> pd.DataFrame:
    """Each question judged on the runs with one assumption at the low and at the high end of its
    range (``at_ends[(assumption index, 'low'|'high')]`` are those runs' results); a question whose
    scenarios the assumption's runs left out is not listed under it."""
    rows = []
    for i, assumption in enumerate(exp.spec.assumptions):
        central = _central(exp, assumption.path)
        ends = {}
        for end in ("low", "high"):
            if (i, end) in at_ends:
                ran = set(at_ends[(i, end)].scenario)
                tried = [a for a, _ in main if a.scenario in ran and a.against in ran]
                ends[end] = dict((a.id, j) for a, j in judge_questions(exp, at_ends[(i, end)], asked=tried))
        for a, j in main:
            low, high = ends.get("low", {}).get(a.id), ends.get("high", {}).get(a.id)
            if low is None and high is None:
                continue  # its scenarios were not run with this assumption moved: nothing to say
            verdicts = {"low": low.answer if low else None, "high": high.answer if high else None}
            changes = [f"{holds(j.answer, v)} at {assumption.path} = {getattr(assumption, e):g}"
                       for e, v in verdicts.items() if v is not None and v != j.answer]
            flip = ""
            for end, other in (("low", low), ("high", high)):
                if other is not None and other.answer != j.answer:
                    x = flip_point(central, _decisive(j), getattr(assumption, end), _decisive(other),
                                   _crossed(j, other))
                    if math.isfinite(x):
                        flip = f"changes near {assumption.path} = {x:.3g} (interpolated)"
            rows.append({"assumption": assumption.path, "range": f"{assumption.low:g}-{assumption.high:g}",
                         "question": a.id, "main": j.answer.value,
                         "at_low": verdicts["low"].value if verdicts["low"] else "",
                         "at_high": verdicts["high"].value if verdicts["high"] else "",
                         "holds": "holds across the range" if not changes else "; ".join(changes),
                         "flip": flip})
    return pd.DataFrame(rows, columns=["assumption", "range", "question", "main", "at_low", "at_high", "holds",
                                       "flip"])


def _central(exp: LoadedExperiment, path: str) -> float:
    node = exp.configs[exp.spec.baseline].model_dump(by_alias=True)
    for part in path.split("."):
        node = node[part]
    return float(node)


def _worse_positive(j: Judgement, value: float) -> float:
    return value if j.question.worse_when_higher else -value


def _decisive(j: Judgement) -> float:
    """The interval's bound that decides the main answer (in worse-positive terms)."""
    lo, hi = sorted((_worse_positive(j, j.low), _worse_positive(j, j.high)))
    return lo if j.answer in (Answer.WORSE, Answer.NO_BETTER) else hi


def _crossed(main: Judgement, other: Judgement) -> float:
    """The margin (worse-positive) the decisive bound crosses between two answers."""
    m = main.question.margin
    return m if main.answer in (Answer.WORSE, Answer.NO_WORSE, Answer.EQUIVALENT) else -m


def summary_of(values: pd.Series) -> tuple[float, float, float]:
    v = values.to_numpy(float)
    v = v[np.isfinite(v)]
    e = Evidence.of(v)
    lo, hi = e.interval(1 - ALPHA) if e.n > 1 else (math.nan, math.nan)
    return e.mean, lo, hi
