"""An experiment's questions, declared as data, and what they say about its claim.

A question asks whether one KPI is worse, better or the same in a scenario than in its reference
(usually the experiment's baseline), judged against a minimal important difference (MID). What
is worse and how big a difference matters come from the KPI catalogue (``experiments/catalogue/kpis.yaml``,
with margins in ``sim/reference/england.yaml``), or from the question itself, which must then say
why. A question may also say what the claim under test expects (``expect``); the claim's overall
verdict is made from those answers alone, and names the ones that decided it.

    questions:
      - ask: Do ambulances take longer to reach category 2 calls?
        kpis: [ambulance_cat2_mean_minutes]
        scenarios: [close_two, five_sites]
        expect: no_worse          # the claim: closing A&Es is safe
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.verdicts import Answer, Question
from sim.calibration import reference

CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "kpis.yaml"
Expectation = Literal["worse", "better", "equivalent", "no_worse", "no_better"]

# For each expectation: the answers that support it and the answers that contradict it (any other
# answer leaves it undecided).
SUPPORTS: dict[str, tuple[set[Answer], set[Answer]]] = {
    "no_worse": ({Answer.NO_WORSE, Answer.EQUIVALENT, Answer.BETTER}, {Answer.WORSE}),
    "no_better": ({Answer.NO_BETTER, Answer.EQUIVALENT, Answer.WORSE}, {Answer.BETTER}),
    "better": ({Answer.BETTER}, {Answer.WORSE, Answer.EQUIVALENT, Answer.NO_BETTER}),
    "worse": ({Answer.WORSE}, {Answer.BETTER, Answer.EQUIVALENT, Answer.NO_WORSE}),
    "equivalent": ({Answer.EQUIVALENT}, {Answer.WORSE, Answer.BETTER}),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Margin(_Strict):
    """A minimal important difference: an absolute value in the KPI's units, a share of the
    reference scenario's mean, or pounds a year per person in the footprint."""

    value: float | None = Field(None, gt=0)
    relative: float | None = Field(None, gt=0, le=10)
    per_head: float | None = Field(None, gt=0)
    range: tuple[float, float] | None = None
    unit: str = ""
    source: str = ""
    reason: str = Field("", description="why this margin, when it is an assumption")
    assumption: bool = True

    @model_validator(mode="after")
    def _one_kind(self):
        given = [k for k in ("value", "relative", "per_head") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a margin is exactly one of value, relative or per_head")
        if self.assumption and not (self.reason or self.source):
            raise ValueError("a margin that is an assumption must give its reason")
        if self.range is not None and not 0 < self.range[0] <= self.amount <= self.range[1]:
            raise ValueError("range must be (low, high) around the margin, above 0")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("value", "relative", "per_head") if getattr(self, k) is not None)

    @property
    def amount(self) -> float:
        return getattr(self, self.kind)

    def scaled(self, factor: float) -> Margin:
        """The same margin with its amount multiplied (to try the ends of its range)."""
        return self.model_copy(update={self.kind: self.amount * factor, "range": None})

    def resolve(self, reference_mean: float, population: float) -> float:
        """The margin in the KPI's units for a reference scenario with this mean and population."""
        if self.kind == "value":
            return self.amount
        if self.kind == "relative":
            return self.amount * abs(reference_mean) if math.isfinite(reference_mean) else math.nan
        return self.amount * population

    def describe(self) -> str:
        text = {"value": f"{self.amount:g}", "relative": f"{self.amount:.1%} of the reference",
                "per_head": f"{self.amount:g} pounds a head a year"}[self.kind]
        return text + (f" ({self.unit})" if self.unit and self.kind == "value" else "")


class KpiEntry(_Strict):
    label: str
    worse: Literal["higher", "lower"] | None = None
    margin: str | Margin | None = None


class QuestionSpec(_Strict):
    """One question, or a family of them: every KPI x scenario named."""

    ask: str = Field(min_length=1)
    kpis: list[str] = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1)
    against: str | None = Field(None, description="the reference scenario (default: the experiment's baseline)")
    worse: Literal["higher", "lower"] | None = Field(None, description="default: the KPI catalogue's")
    margin: str | Margin | None = Field(None, description="a minimal_important_differences entry, or a margin "
                                                           "with its reason (default: the catalogue's)")
    expect: Expectation | None = Field(None, description="what the claim under test says the answer is")


class Asked(BaseModel):
    """One concrete question: a KPI in a scenario against a reference, and how it is judged."""

    model_config = ConfigDict(frozen=True)
    id: str
    ask: str
    kpi: str
    label: str
    scenario: str
    against: str
    worse: Literal["higher", "lower"]
    margin_name: str
    margin: Margin
    expect: Expectation | None

    def question(self, reference_mean: float, population: float, factor: float = 1.0) -> Question:
        margin = self.margin.scaled(factor) if factor != 1.0 else self.margin
        return Question(self.id, self.worse == "higher", margin.resolve(reference_mean, population))


@cache
def margins() -> dict[str, Margin]:
    """The minimal important differences the project carries, by name."""
    return {name: Margin.model_validate(entry) for name, entry in reference()["minimal_important_differences"].items()}


@cache
def catalogue() -> dict[str, KpiEntry]:
    data = yaml.safe_load(CATALOGUE.read_text())
    return {kpi: KpiEntry.model_validate(entry) for kpi, entry in data.items()}


def _margin(spec: str | Margin | None, where: str) -> tuple[str, Margin]:
    if isinstance(spec, Margin):
        return "stated in the experiment", spec
    if spec is None:
        raise ValueError(f"{where}: no margin (give `margin:`, a minimal_important_differences entry or a value "
                         "with its reason)")
    if spec not in margins():
        raise ValueError(f"{where}: margin {spec!r} is not in minimal_important_differences "
                         f"(known: {', '.join(sorted(margins()))})")
    return spec, margins()[spec]


def expand(specs: list[QuestionSpec], scenarios: list[str], baseline: str, known_kpis: set[str]) -> list[Asked]:
    """Every concrete question; ``ValueError`` naming the question and field for anything wrong."""
    out: list[Asked] = []
    for i, spec in enumerate(specs):
        where = f"questions[{i}]"
        against = spec.against or baseline
        for name, field in [(against, "against"), *[(s, "scenarios") for s in spec.scenarios]]:
            if name not in scenarios:
                raise ValueError(f"{where}.{field}: {name!r} is not one of the scenarios {sorted(scenarios)}")
        for kpi in spec.kpis:
            if kpi not in known_kpis:
                raise ValueError(f"{where}.kpis: unknown KPI {kpi!r}")
            entry = catalogue().get(kpi, KpiEntry(label=kpi))
            worse = spec.worse or entry.worse
            if worse is None:
                raise ValueError(f"{where}: {kpi} has no worse direction in the KPI catalogue; give `worse:`")
            margin_name, margin = _margin(spec.margin if spec.margin is not None else entry.margin,
                                          f"{where} ({kpi})")
            for scenario in spec.scenarios:
                if scenario == against:
                    raise ValueError(f"{where}.scenarios: {scenario!r} is its own reference")
                named = f"{scenario}: {kpi}" if against == baseline else f"{scenario} vs {against}: {kpi}"
                out.append(Asked(id=named, ask=spec.ask, kpi=kpi, label=entry.label,
                                 scenario=scenario, against=against, worse=worse, margin_name=margin_name,
                                 margin=margin, expect=spec.expect))
    ids = [a.id for a in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"questions: asked twice: {', '.join(dupes)}")
    return out


def reference_file() -> str:
    """Where the margins come from (for the report)."""
    return str(resources.files("sim").joinpath("reference/england.yaml"))


def fmt(x: float | None) -> str:
    """A number for a report or a sentence: millions as 12.3M, hundreds whole, small ones to three
    significant figures; "-" for a missing or infinite value."""
    if x is None or not math.isfinite(x):
        return "-"
    ax = abs(x)
    if ax >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def evidence_text(asked: Asked, judged) -> str:
    """'ambulance_cat2_mean_minutes in close_two: +3.10 [1.20, 5.00], margin 5 (ambulance_cat2_minutes)'."""
    sign = "+" if judged.difference > 0 else ""
    return (f"{asked.label} in {asked.scenario} vs {asked.against}: {sign}{fmt(judged.difference)} "
            f"[{fmt(judged.low)}, {fmt(judged.high)}] at {judged.level:.1%}, margin {fmt(judged.question.margin)} "
            f"({asked.margin_name})")


def overall(claim: str, answers: list[tuple[Asked, object]]) -> tuple[str, str]:
    """The claim's verdict from the answers of the questions that say what it expects:
    ('supported' | 'contradicted' | 'not shown' | 'not tested', a sentence naming the answers that
    decided it)."""
    expected = [(a, j) for a, j in answers if a.expect is not None]
    if not expected:
        return "not tested", f"No question says what the claim \u201c{claim}\u201d expects."
    contradicted, open_ = [], []
    for a, j in expected:
        ok, against = SUPPORTS[a.expect]
        if j.answer in against:
            contradicted.append((a, j))
        elif j.answer not in ok:
            open_.append((a, j))
    def listed(pairs):
        return "; ".join(f"{a.ask} \u2014 {j.answer.value}: {evidence_text(a, j)}" for a, j in pairs)
    if contradicted:
        return "contradicted", (f"Not supported: {len(contradicted)} of the {len(expected)} answers the claim depends "
                                f"on contradict it. {listed(contradicted)}.")
    if open_:
        return "not shown", (f"Not shown: no answer contradicts the claim, but {len(open_)} of the {len(expected)} it "
                             f"depends on are not what it expects ({', '.join(sorted({j.answer.value for _, j in open_}))}"
                             f"). {listed(open_)}.")
    return "supported", (f"Supported: all {len(expected)} answers the claim depends on are as it expects "
                         f"({', '.join(sorted({j.answer.value for _, j in expected}))}).")
