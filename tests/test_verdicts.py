"""The verdict engine against answers known in advance: synthetic evidence with known intervals
and margins, Holm's ordering, and properties that must hold whatever the numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from experiments.verdicts import (
    ALPHA,
    DEFINITE,
    MIRROR,
    Answer,
    Evidence,
    Question,
    classify,
    judge,
    needed_replications,
    p_value,
)

HIGHER_IS_WORSE = Question("waits", worse_when_higher=True, margin=1.0)
LOWER_IS_WORSE = Question("four_hour", worse_when_higher=False, margin=0.02)


def evidence_with_interval(low: float, high: float, n: int = 10, level: float = 1 - ALPHA) -> Evidence:
    """Evidence whose two-sided interval at ``level`` is exactly [low, high]."""
    half = (high - low) / 2
    sd = half / stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(n)
    return Evidence((low + high) / 2, sd, n)


@pytest.mark.parametrize("low,high,answer", [
    (1.5, 3.0, Answer.WORSE),          # all of it beyond +M
    (-3.0, -1.2, Answer.BETTER),       # all of it beyond -M
    (-0.5, 0.8, Answer.EQUIVALENT),    # inside (-M, M)
    (0.2, 0.9, Answer.EQUIVALENT),     # clearly above zero, but by less than the margin: not "worse"
    (-2.0, 0.5, Answer.NO_WORSE),      # below +M, may be better by more than M
    (-0.5, 2.0, Answer.NO_BETTER),     # above -M, may be worse by more than M
    (-2.0, 2.0, Answer.INCONCLUSIVE),  # straddles both margins
    (0.5, 1.5, Answer.NO_BETTER),      # straddles +M only: not shown worse, not shown within
])
def test_each_answer_from_a_known_interval(low, high, answer):
    e = evidence_with_interval(low, high)
    [j] = judge([(HIGHER_IS_WORSE, e)])
    assert j.answer == answer
    assert j.low == pytest.approx(low) and j.high == pytest.approx(high)


def test_lower_is_worse_turns_the_interval_round():
    e = evidence_with_interval(-0.06, -0.03)  # four-hour performance down 3 to 6 points, margin 2
    assert judge([(LOWER_IS_WORSE, e)])[0].answer == Answer.WORSE
    e = evidence_with_interval(-0.004, 0.01)
    assert judge([(LOWER_IS_WORSE, e)])[0].answer == Answer.EQUIVALENT


def test_a_small_significant_difference_is_not_called_unsafe():
    """+0.37 min on category 1 response, interval excluding zero, against a 1-minute margin."""
    cat1 = Question("cat1", worse_when_higher=True, margin=1.0)
    e = evidence_with_interval(0.2, 0.55, n=8)
    assert judge([(cat1, e)])[0].answer == Answer.EQUIVALENT


def test_two_replications_are_inconclusive_for_a_noisy_null():
    rng = np.random.default_rng(3)
    d = rng.normal(0.0, 0.5, 2)
    assert judge([(HIGHER_IS_WORSE, Evidence.of(d))])[0].answer == Answer.INCONCLUSIVE
    many = Evidence.of(rng.normal(0.0, 0.5, 60))
    assert judge([(HIGHER_IS_WORSE, many)])[0].answer == Answer.EQUIVALENT


def test_holm_judges_in_order_of_p_and_stops_at_the_first_failure():
    # three questions: p-values at the single-question level, each definite on its own
    strong = evidence_with_interval(2.0, 3.0, n=20)         # very clearly worse
    medium = evidence_with_interval(-0.97, 0.97, n=20)      # equivalent at 95%, just
    weak = evidence_with_interval(-0.98, 0.99, n=20)         # equivalent at 95%, more narrowly still
    qs = [Question(f"q{i}", True, 1.0) for i in range(3)]
    out = judge([(qs[0], medium), (qs[1], strong), (qs[2], weak)])
    assert [j.rank for j in out] == [2, 1, 3]
    assert out[1].answer == Answer.WORSE and out[1].level == pytest.approx(1 - ALPHA / 3)
    # the medium one is tested at alpha/2: its interval widens past both margins and it fails;
    # Holm stops there, and the weak one is not judged although its own 95% interval is inside the margins
    assert out[0].level == pytest.approx(1 - ALPHA / 2)
    assert out[0].answer == Answer.INCONCLUSIVE
    assert out[2].answer == Answer.INCONCLUSIVE and "stopped" in out[2].note


def test_holm_thresholds_match_the_textbook_procedure():
    """Each question passes exactly when Holm's step-down on the p-values rejects it."""
    rng = np.random.default_rng(11)
    items = [(Question(f"q{i}", bool(i % 2), 1.0), Evidence.of(rng.normal(rng.uniform(-3, 3), 1.5, 6)))
             for i in range(12)]
    out = judge(items)
    p = np.array([p_value(q, e) for q, e in items])
    order = np.argsort(p, kind="stable")
    rejected = np.zeros(len(p), bool)
    for k, i in enumerate(order):
        if p[i] > ALPHA / (len(p) - k):
            break
        rejected[i] = True
    assert [j.definite for j in out] == rejected.tolist()


def test_p_value_is_the_level_at_which_an_answer_becomes_definite():
    e = evidence_with_interval(0.3, 1.6, n=7)
    p = p_value(HIGHER_IS_WORSE, e)
    assert classify(HIGHER_IS_WORSE, *e.interval(1 - p * 1.001)) in DEFINITE
    assert classify(HIGHER_IS_WORSE, *e.interval(1 - p * 0.999)) == Answer.INCONCLUSIVE


def test_identical_differences_give_a_point_interval():
    e = Evidence.of([0.0, 0.0, 0.0])
    assert judge([(HIGHER_IS_WORSE, e)])[0].answer == Answer.EQUIVALENT


def test_missing_results_are_inconclusive_and_say_so():
    [j] = judge([(HIGHER_IS_WORSE, Evidence.of([math.nan, math.nan]))])
    assert j.answer == Answer.INCONCLUSIVE and "not enough" in j.note


def test_needed_replications_halves_the_interval_to_half_the_margin():
    e = Evidence(0.0, 2.0, 5)
    n = needed_replications(e, margin=1.0)
    more = Evidence(0.0, 2.0, n)
    assert more.half_width() < 0.5 * 1.05  # at n the t quantile is smaller, so it is met (to rounding)
    assert needed_replications(Evidence(0.0, 0.01, 5), 1.0) == 5


intervals = st.tuples(st.floats(-5, 5), st.floats(0.01, 5)).map(lambda t: (t[0] - t[1], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(interval=intervals, margin=st.floats(0.05, 3), higher=st.booleans(), n=st.integers(2, 40))
def test_swapping_the_scenarios_mirrors_the_answer(interval, margin, higher, n):
    q = Question("q", higher, margin)
    e = evidence_with_interval(*interval, n=n)
    swapped = Evidence(-e.mean, e.sd, e.n)
    assert judge([(q, swapped)])[0].answer == MIRROR[judge([(q, e)])[0].answer]


@settings(max_examples=300, deadline=None)
@given(interval=intervals, widen=st.floats(1.0, 10.0), margin=st.floats(0.05, 3), n=st.integers(2, 40))
def test_widening_an_interval_never_makes_an_inconclusive_answer_definite(interval, widen, margin, n):
    q = Question("q", True, margin)
    e = evidence_with_interval(*interval, n=n)
    wider = Evidence(e.mean, e.sd * widen, e.n)
    if judge([(q, e)])[0].answer == Answer.INCONCLUSIVE:
        assert judge([(q, wider)])[0].answer == Answer.INCONCLUSIVE


@settings(max_examples=100, deadline=None)
@given(sds=st.lists(st.floats(0.1, 3), min_size=2, max_size=6), widen=st.floats(1.0, 10.0),
       which=st.integers(0, 5), seed=st.integers(0, 10_000))
def test_widening_one_question_never_makes_it_definite_among_others(sds, widen, which, seed):
    """Holm's ordering cannot turn a widened question from inconclusive to definite."""
    rng = np.random.default_rng(seed)
    items = [(Question(f"q{i}", True, 1.0), Evidence(float(rng.uniform(-3, 3)), sd, 8)) for i, sd in enumerate(sds)]
    k = which % len(items)
    before = judge(items)[k].answer
    q, e = items[k]
    items[k] = (q, Evidence(e.mean, e.sd * widen, e.n))
    if before == Answer.INCONCLUSIVE:
        assert judge(items)[k].answer == Answer.INCONCLUSIVE
