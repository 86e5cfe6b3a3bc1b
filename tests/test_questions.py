"""Questions as data: margins from the reference file, expansion, and the claim's overall sentence."""

from __future__ import annotations

import pytest

from experiments.questions import Margin, QuestionSpec, catalogue, expand, margins, overall
from experiments.verdicts import Answer, Evidence, judge

KNOWN = {"ae_4h_type1", "ambulance_cat2_mean_minutes", "diverted_to_virtual_ward", "cost_per_head"}


def test_every_catalogue_margin_is_in_the_reference_file_with_a_reason():
    names = set(margins())
    for kpi, entry in catalogue().items():
        if isinstance(entry.margin, str):
            assert entry.margin in names, kpi
    for name, m in margins().items():
        assert m.assumption and m.reason and m.source, name
        assert m.range is not None and m.range[0] <= m.amount <= m.range[1], name


def test_questions_expand_to_every_kpi_and_scenario():
    spec = QuestionSpec(ask="Is it safe?", kpis=["ae_4h_type1", "ambulance_cat2_mean_minutes"],
                        scenarios=["close_two", "five"], expect="no_worse")
    asked = expand([spec], ["base", "close_two", "five"], "base", KNOWN)
    assert [a.id for a in asked] == ["close_two: ae_4h_type1", "five: ae_4h_type1",
                                     "close_two: ambulance_cat2_mean_minutes", "five: ambulance_cat2_mean_minutes"]
    assert asked[0].worse == "lower" and asked[0].margin.value == 0.02
    assert asked[2].worse == "higher" and asked[2].margin_name == "ambulance_cat2_minutes"


@pytest.mark.parametrize("spec,problem", [
    (dict(kpis=["nope"], scenarios=["a"]), "unknown KPI"),
    (dict(kpis=["ae_4h_type1"], scenarios=["zzz"]), "not one of the scenarios"),
    (dict(kpis=["diverted_to_virtual_ward"], scenarios=["a"]), "no worse direction"),
    (dict(kpis=["ae_4h_type1"], scenarios=["a"], margin="made_up"), "not in minimal_important_differences"),
    (dict(kpis=["ae_4h_type1"], scenarios=["base"]), "its own reference"),
])
def test_bad_questions_are_refused_naming_the_problem(spec, problem):
    with pytest.raises(ValueError, match=problem):
        expand([QuestionSpec(ask="q", **spec)], ["base", "a"], "base", KNOWN)


def test_an_assumed_margin_must_say_why():
    with pytest.raises(ValueError, match="reason"):
        Margin(value=1.0)
    assert Margin(value=1.0, reason="one minute matters").resolve(5.0, 1000) == 1.0
    assert Margin(relative=0.1, reason="r").resolve(-50.0, 1000) == 5.0
    assert Margin(per_head=5.0, reason="r").resolve(0.0, 1000) == 5000.0


def _answered(answer_evidence):
    spec = QuestionSpec(ask="Is it safe?", kpis=["ambulance_cat2_mean_minutes"], scenarios=["a", "b"],
                        expect="no_worse")
    asked = expand([spec], ["base", "a", "b"], "base", KNOWN)
    judged = judge([(a.question(30.0, 1e6), e) for a, e in zip(asked, answer_evidence)])
    return list(zip(asked, judged))


def test_the_overall_sentence_names_the_answer_that_decided_it():
    worse = Evidence(12.0, 1.0, 10)      # clearly worse: +12 min against a 5-minute margin
    same = Evidence(0.1, 0.5, 10)        # equivalent
    verdict, sentence = overall("closing A&Es is safe", _answered([worse, same]))
    assert verdict == "contradicted"
    assert "in a vs base" in sentence and "clearly worse" in sentence and "in b vs" not in sentence
    verdict, sentence = overall("closing A&Es is safe", _answered([same, same]))
    assert verdict == "supported" and "equivalent" in sentence
    wide = Evidence(0.0, 20.0, 3)
    verdict, sentence = overall("closing A&Es is safe", _answered([wide, same]))
    assert verdict == "not shown" and "inconclusive" in sentence and "in a vs base" in sentence
    assert _answered([wide, same])[0][1].answer == Answer.INCONCLUSIVE
