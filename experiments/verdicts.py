"""The verdict engine: each question answered from paired differences against its margin, with the
familywise error rate of an experiment's questions controlled by Holm's step-down procedure.

A question compares one KPI between a scenario and its reference (replication k of both meets the
same patients, so the differences are paired) and says which direction is worse and how big a
difference matters: its minimal important difference (MID, the margin M). With ``w`` the paired
difference turned so that positive is worse, and ``[lo, hi]`` its two-sided t-interval at the
question's level, the answer is the first of:

- **clearly worse**: ``lo > M``, worse by more than the margin;
- **clearly better**: ``hi < -M``, better by more than the margin;
- **equivalent**: ``-M < lo`` and ``hi < M``, within the margin either way (two one-sided tests);
- **no worse**: ``hi < M``, not worse by as much as the margin (non-inferiority);
- **no better**: ``lo > -M``, not better by as much as the margin (the mirror of "no worse");
- **inconclusive**: the interval straddles a margin: more replications are needed.

A difference that is statistically clear but smaller than the margin is "equivalent", not "worse":
the interval excluding zero is not the question. Each question's p-value is the smallest level at
which one of the definite answers holds (twice the smallest of its one-sided p-values); Holm's
procedure orders the questions by it and tests the k-th of m at level alpha / (m - k + 1), stopping
at the first that fails: that one and every later one are inconclusive. A question that passes is
answered from its interval at the level it passed at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

ALPHA = 0.05


class Answer(StrEnum):
    WORSE = "clearly worse"
    BETTER = "clearly better"
    EQUIVALENT = "equivalent"
    NO_WORSE = "no worse"
    NO_BETTER = "no better"
    INCONCLUSIVE = "inconclusive"


DEFINITE = (Answer.WORSE, Answer.BETTER, Answer.EQUIVALENT, Answer.NO_WORSE, Answer.NO_BETTER)
# what an answer becomes when the scenario and its reference swap places
MIRROR = {Answer.WORSE: Answer.BETTER, Answer.BETTER: Answer.WORSE, Answer.EQUIVALENT: Answer.EQUIVALENT,
          Answer.NO_WORSE: Answer.NO_BETTER, Answer.NO_BETTER: Answer.NO_WORSE,
          Answer.INCONCLUSIVE: Answer.INCONCLUSIVE}


@dataclass(frozen=True)
class Evidence:
    """The paired differences of one question (scenario minus reference), summarised."""

    mean: float
    sd: float
    n: int

    @classmethod
    def of(cls, differences) -> Evidence:
        d = np.asarray(differences, dtype=float)
        d = d[np.isfinite(d)]
        if len(d) == 0:
            return cls(math.nan, math.nan, 0)
        return cls(float(d.mean()), float(d.std(ddof=1)) if len(d) > 1 else math.nan, len(d))

    @property
    def se(self) -> float:
        return self.sd / math.sqrt(self.n) if self.n > 1 else math.nan

    def interval(self, level: float) -> tuple[float, float]:
        """Two-sided t-interval of the mean difference at confidence ``level``."""
        if self.n < 2 or not math.isfinite(self.mean):
            return math.nan, math.nan
        half = stats.t.ppf(0.5 + level / 2, self.n - 1) * self.se if self.se > 0 else 0.0
        return self.mean - half, self.mean + half

    def half_width(self, level: float = 1 - ALPHA) -> float:
        lo, hi = self.interval(level)
        return (hi - lo) / 2


@dataclass(frozen=True)
class Question:
    """What is asked, for the engine: an id, which direction is worse, and the margin (> 0) in
    the KPI's units."""

    id: str
    worse_when_higher: bool
    margin: float


@dataclass(frozen=True)
class Judgement:
    """The answer to one question, with the numbers it was decided on (in the KPI's units,
    scenario minus reference)."""

    question: Question
    answer: Answer
    difference: float
    low: float  # interval at the level the question was judged at
    high: float
    level: float
    p: float
    rank: int  # 1 = judged first (smallest p)
    n: int
    note: str = ""

    @property
    def definite(self) -> bool:
        return self.answer in DEFINITE


def _worse_positive(q: Question, value: float) -> float:
    return value if q.worse_when_higher else -value


def classify(q: Question, low: float, high: float) -> Answer:
    """The answer an interval of the difference (scenario minus reference) gives against ``q``'s margin."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return Answer.INCONCLUSIVE
    w_lo, w_hi = sorted((_worse_positive(q, low), _worse_positive(q, high)))
    m = q.margin
    if w_lo > m:
        return Answer.WORSE
    if w_hi < -m:
        return Answer.BETTER
    if -m < w_lo and w_hi < m:
        return Answer.EQUIVALENT
    if w_hi < m:
        return Answer.NO_WORSE
    if w_lo > -m:
        return Answer.NO_BETTER
    return Answer.INCONCLUSIVE


def p_value(q: Question, e: Evidence) -> float:
    """The smallest level at which the evidence gives ``q`` a definite answer: twice the smallest
    one-sided p-value of "worse by more than M", "not worse by M", "better by more than M" and
    "not better by M" (1 when there is not enough evidence)."""
    if e.n < 2 or not math.isfinite(e.mean) or not q.margin > 0:
        return 1.0
    w = _worse_positive(q, e.mean)
    m = q.margin
    if not e.se > 0:  # identical differences in every replication: the interval is the point
        return 0.0
    t = stats.t(e.n - 1)
    p_worse = t.sf((w - m) / e.se)  # H0: w <= M
    p_better = t.cdf((w + m) / e.se)  # H0: w >= -M
    return float(min(1.0, 2 * min(p_worse, 1 - p_worse, p_better, 1 - p_better)))


def judge(items: list[tuple[Question, Evidence]], alpha: float = ALPHA) -> list[Judgement]:
    """Answer every question, controlling the familywise error rate at ``alpha`` (Holm).
    Judgements come back in the order the questions were given."""
    m = len(items)
    p = [p_value(q, e) for q, e in items]
    order = sorted(range(m), key=lambda i: (p[i], i))
    out: list[Judgement | None] = [None] * m
    stopped_at = None
    for rank, i in enumerate(order, start=1):
        q, e = items[i]
        level_alpha = alpha / (m - rank + 1)
        low, high = e.interval(1 - level_alpha)
        note = ""
        if e.n < 2 or not math.isfinite(e.mean):
            answer, note = Answer.INCONCLUSIVE, "not enough results to judge"
        elif stopped_at is None and p[i] <= level_alpha:
            answer = classify(q, low, high)
        else:
            if stopped_at is None:
                stopped_at = rank
            answer = Answer.INCONCLUSIVE
            if classify(q, low, high) in DEFINITE:
                note = f"not judged: Holm's procedure stopped at question {stopped_at} of {m}"
        out[i] = Judgement(q, answer, e.mean, low, high, 1 - level_alpha, p[i], rank, e.n, note)
    return out


def needed_replications(e: Evidence, margin: float, level: float = 1 - ALPHA, at_most: int = 1000) -> int:
    """Replications for the interval's half-width to fall below half the margin, if the spread of
    the differences stays as it is (the t quantile of the current sample, as an estimate)."""
    if e.n < 2 or not math.isfinite(e.sd) or not margin > 0:
        return at_most
    if e.sd == 0:
        return e.n
    z = stats.t.ppf(0.5 + level / 2, max(e.n - 1, 1))
    return int(min(at_most, max(e.n, math.ceil((2 * z * e.sd / margin) ** 2))))
