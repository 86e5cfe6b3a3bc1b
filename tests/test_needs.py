"""Patients' needs: declared once, drawn from their own uniforms, as the config says.

The specification (docs/odd.md 2.1 and 7.2): each need is one ``@need`` declaration; a need is a
function of its own uniform column (so that adding a need never shifts another's numbers, and
every scenario meets the same patients); shares and probabilities come out as configured.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config import load_config
from sim.journeys import Entry, JourneyLog
from sim.needs import NEEDS, UNIFORM_BLOCKS, Need, NeedMaker, free_columns, needs_table
from sim.population import Cells

ROOT = Path(__file__).resolve().parents[1]
TOWN = ROOT / "tests" / "configs" / "town.yaml"
N = 40_000


@pytest.fixture(scope="module")
def town():
    return load_config(TOWN)


def make(cfg, entry=Entry.SELF_PRESENTED, n=N, seed=1, **kwargs):
    cells = Cells.from_config(cfg)
    log = JourneyLog(capacity=n)
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, len(cells.people), n)
    t = np.sort(rng.random(n) * 1440.0)
    needs = NeedMaker(cfg, cells, log).make(np.random.default_rng(seed + 1), t, cell, entry, **kwargs)
    return needs, cells, log


def column(needs, name):
    return np.array([getattr(n, name) for n in needs])


def test_the_record_has_one_field_per_declaration_in_order():
    assert Need._fields == tuple(spec.name for spec in NEEDS)


def test_no_two_needs_share_a_uniform_unless_declared():
    seen = {}
    for spec in NEEDS:
        if spec.column is None:
            continue
        assert 0 <= spec.column < sum(UNIFORM_BLOCKS), spec.name
        if spec.column in seen:
            assert spec.same_uniform_as == seen[spec.column], (spec.name, seen[spec.column])
        else:
            seen[spec.column] = spec.name
    assert free_columns() == [c for c in range(sum(UNIFORM_BLOCKS)) if c not in seen]


def test_the_model_description_carries_the_declared_table():
    odd = (ROOT / "docs" / "odd.md").read_text()
    assert needs_table() in odd, "docs/odd.md 2.1 is out of date: paste `python -m sim.needs` into it"


def test_each_need_comes_from_its_own_uniform(town):
    """Common random numbers: a need is its distribution at its declared column of the batch's
    uniforms, whatever else is drawn (checked for durations that are a plain inverse CDF)."""
    needs, _, _ = make(town, n=500)
    uniforms = np.hstack([np.random.default_rng(2).random((500, w)) for w in UNIFORM_BLOCKS])
    col = {spec.name: spec.column for spec in NEEDS}
    amb, ae = town.ambulance, town.ae
    for name, dist in (("d_triage", ae.triage_minutes), ("d_mobilise", amb.mobilisation_minutes),
                       ("d_on_scene", amb.on_scene_minutes), ("d_handover", amb.handover_minutes),
                       ("d_assess_ucc", ae.ucc_assessment_minutes)):
        np.testing.assert_allclose(column(needs, name), dist.ppf(uniforms[:, col[name]]), rtol=1e-12)


def test_same_stream_same_needs(town):
    a, _, _ = make(town, seed=5, n=1000)
    b, _, _ = make(town, seed=5, n=1000)
    assert a == b


def test_shares_come_out_as_configured(town):
    needs, _, _ = make(town, entry=Entry.AMBULANCE_CALL)
    amb = town.ambulance
    outcome = column(needs, "outcome")
    assert np.mean(outcome == 0) == pytest.approx(amb.hear_and_treat_share, abs=0.01)
    assert np.mean(outcome == 1) == pytest.approx(amb.see_and_treat_share, abs=0.01)
    category = column(needs, "category")
    for c, share in amb.category_shares.items():
        assert np.mean(category == c) == pytest.approx(share, abs=0.01), c
    acuity = column(needs, "acuity")
    for a, share in town.ae.acuity_shares_ambulance.items():
        assert np.mean(acuity == a) == pytest.approx(share, abs=0.01), a


def test_admission_follows_the_logistic_model(town):
    """For each group (acuity x aged 65+ x frail), the admitted share is the configured
    probability with the odds ratios applied."""
    needs, _, _ = make(town, entry=Entry.AMBULANCE_CALL, n=120_000)
    ae = town.ae
    acuity, old, frail, admit = (column(needs, k) for k in ("acuity", "old", "frail", "admit"))
    for a in (2, 3):
        for is_old in (False, True):
            group = (acuity == a) & (old == is_old) & ~frail
            p = ae.admit_probability[a]
            odds = p / (1 - p) * (ae.admit_odds_ratio_65plus if is_old else 1.0)
            expected = odds / (1 + odds)
            se = np.sqrt(expected * (1 - expected) / group.sum())
            assert abs(admit[group].mean() - expected) < 4 * se, (a, is_old)


def test_forced_admission_and_returns(town):
    needs, _, _ = make(town, entry=Entry.READMISSION, forced_admit=True, n=5000)
    assert column(needs, "admit").all()
    assert column(needs, "acuity").max() <= 2
    back, _, _ = make(town, entry=Entry.DETERIORATED, forced_admit=True, los_multiplier=1.3, n=5000)
    assert not column(back, "zero_day").any(), "a patient back after deteriorating is never a same-day stay"


def test_durations_respect_their_bounds(town):
    needs, _, _ = make(town)
    days = 1440.0
    readmit = column(needs, "d_readmit") / days
    assert readmit.min() >= 1.0 and readmit.max() <= 30.0
    assert column(needs, "d_deteriorate").min() >= days
    pathway, after, arrange = column(needs, "pathway"), column(needs, "d_after"), column(needs, "d_arrange")
    assert (after[pathway == 0] == 0).all() and (arrange[pathway == 0] == 0).all()
    assert (after[pathway > 0] > 0).all()
    zero = column(needs, "zero_day")
    assert (pathway[zero] == 0).all(), "a same-day stay goes home"


def test_only_unsuitable_patients_deteriorate(town):
    needs, _, _ = make(town)
    suitable = column(needs, "suitable")
    assert not (column(needs, "deteriorates") & suitable).any()


def test_suitability_by_triage_category_frailty_and_condition(town):
    """The latent flag follows the configured shares (logistic, with the frailty odds ratio), and
    is never set for triage category 1 or a time-critical condition; the assessment finds it with
    the configured sensitivity and specificity."""
    needs, _, _ = make(town, entry=Entry.AMBULANCE_CALL, n=120_000)
    com = town.community
    acuity, frail, condition, suitable, assessed = (column(needs, k) for k in (
        "acuity", "frail", "condition", "suitable", "assessed_suitable"))
    assert not suitable[(acuity == 1) | (condition > 0)].any()
    for a in (2, 3):
        group = (acuity == a) & ~frail & (condition == 0)
        p = com.suitable_share_by_acuity[a]
        se = np.sqrt(p * (1 - p) / group.sum())
        assert abs(suitable[group].mean() - p) < 4 * se, a
        group = (acuity == a) & frail & (condition == 0)
        odds = p / (1 - p) * com.suitable_odds_ratio_frail
        q = odds / (1 + odds)
        assert abs(suitable[group].mean() - q) < 4 * np.sqrt(q * (1 - q) / group.sum()), a
    assert assessed[suitable].mean() == pytest.approx(com.selection_sensitivity, abs=0.02)
    assert 1 - assessed[~suitable].mean() == pytest.approx(com.selection_specificity, abs=0.01)


def test_the_journey_log_records_who_arrived(town):
    needs, cells, log = make(town, entry=Entry.AMBULANCE_CALL, n=2000)
    j = log.frame()
    assert len(j) == 2000
    assert (j.entry == Entry.AMBULANCE_CALL).all()
    np.testing.assert_array_equal(j.acuity, column(needs, "acuity"))
    np.testing.assert_array_equal(j.category, column(needs, "category"))
    np.testing.assert_array_equal(j.locality, column(needs, "locality"))
    np.testing.assert_array_equal(j.age_band, cells.age[column(needs, "cell")])
