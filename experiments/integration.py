"""Verdict on the claim that a pooled health and care budget (with money moved from hospitals to
the community) reduces delayed discharges and A&E waits when social care is under pressure.

Reads the paired differences of ``integration.yaml``'s scenarios against separate budgets under
the same council cut. Each scenario's role is read from its config: whether the ICB pools its
budget with the council, and whether it moves money left (``left_shift_per_year``). Every answer
comes from the numbers.
"""

from __future__ import annotations

import pandas as pd

from experiments.claims import direction, evidence, row, verdict_rows
from experiments.report import fmt
from experiments.social_care import ae_effect

DELAYS = "delayed_discharges_midnight"
MONEY = " GBP/yr"


def roles(exp) -> dict[str, str | None]:
    """The scenario that pools alone, that shifts left alone, and that does both (None if absent)."""
    icb = lambda name: exp.configs[name].organisations.icb  # noqa: E731
    base = icb(exp.spec.baseline)
    found: dict[str, str | None] = {"pooled": None, "left_shift": None, "both": None}
    for name in exp.spec.scenarios:
        if name == exp.spec.baseline:
            continue
        pooled = icb(name).pooled_budget and not base.pooled_budget
        shifted = icb(name).left_shift_per_year > base.left_shift_per_year
        key = "both" if pooled and shifted else "pooled" if pooled else "left_shift" if shifted else None
        if key and found[key] is None:
            found[key] = name
    return found


def _word(d: str, higher: str, lower: str, same: str = "no clear change") -> str:
    return {"higher": higher, "lower": lower, "no clear difference": same}.get(d, d)


def _mean(summary, scenario, kpi) -> float:
    return row(summary, scenario, kpi)["mean"]


def _delays_row(summary, scenario, label) -> tuple[str, str, str]:
    d = direction(summary, scenario, DELAYS)
    unmet = direction(summary, scenario, "discharged_without_needed_care")
    answer = _word(d, "yes - more: fit patients wait longer in hospital", "yes - fewer delayed discharges",
                   "no clear effect")
    if d == "higher" and unmet == "lower":
        answer += ("; fewer are sent home without the care they need: the council no longer rations by "
                   "eligibility, so more people queue for the same places")
    elif d == "lower" and unmet == "higher":
        answer += "; but more are sent home without the care they need"
    ev = "; ".join([evidence(summary, scenario, DELAYS), evidence(summary, scenario, "delayed_discharge_share_of_beds"),
                    evidence(summary, scenario, "discharged_without_needed_care"),
                    evidence(summary, scenario, "care_homes_queue_mean"),
                    evidence(summary, scenario, "home_care_queue_mean")])
    return f"{label}: does it change delayed discharges?", answer, ev


def _deficit_row(summary, exp, scenario, label) -> tuple[str, str, str]:
    base = exp.spec.baseline
    council_before = _mean(summary, base, "council_surplus")
    council_after = _mean(summary, scenario, "council_surplus")
    icb_change = row(summary, scenario, "icb_surplus")["diff"]
    parts = []
    if council_before < 0:
        parts.append(f"with separate budgets the council carries a {fmt(-council_before)} a year deficit")
    else:
        parts.append("with separate budgets the council is not in deficit")
    c = direction(summary, scenario, "council_surplus")
    i = direction(summary, scenario, "icb_surplus")
    after = "breaks even" if abs(council_after) < 1 else f"ends at {fmt(council_after)} a year"
    parts.append(f"pooled, the council {after} (its surplus: {_word(c, 'higher', 'lower')})")
    if i == "lower":
        text = f"the ICB's surplus falls by {fmt(-icb_change)} a year: the NHS bears the deficit"
        spend = direction(summary, scenario, "social_care_spending")
        unmet = direction(summary, scenario, "discharged_without_needed_care")
        if council_before < 0 and -icb_change > -council_before:
            text += " - more than the council's deficit with separate budgets"
            if spend == "higher" or unmet == "lower":
                text += (" (the council, no longer short, rations less: its spending "
                         + _word(spend, "higher", "lower") + ", patients sent home without care "
                         + _word(unmet, "more", "fewer") + ")")
        parts.append(text)
    else:
        parts.append(f"ICB surplus: {_word(i, 'higher', 'lower')}")
    return (f"{label}: who bears the deficit?", "; ".join(parts),
            "; ".join([evidence(summary, scenario, "council_surplus", unit=MONEY),
                       evidence(summary, scenario, "icb_surplus", unit=MONEY),
                       evidence(summary, scenario, "trusts_surplus", unit=MONEY),
                       evidence(summary, scenario, "system_surplus", unit=MONEY)]))


def _cost_row(summary, scenario, label) -> tuple[str, str, str]:
    cost = direction(summary, scenario, "cost_per_head")
    surplus = direction(summary, scenario, "system_surplus")
    answer = _word(cost, "dearer", "cheaper", "no clear change in cost") + \
        {"lower": "; the system's deficit grows", "higher": "; the system's surplus improves"}.get(surplus, "")
    return (f"{label}: is the whole system cheaper or dearer?", answer,
            "; ".join([evidence(summary, scenario, "cost_per_head", unit=" GBP"),
                       evidence(summary, scenario, "social_care_spending", unit=MONEY),
                       evidence(summary, scenario, "acute_spending", unit=MONEY),
                       evidence(summary, scenario, "community_spending", unit=MONEY)]))


def _left_shift_row(summary, scenario, label) -> tuple[str, str, str]:
    beds = direction(summary, scenario, "beds_open")
    community = direction(summary, scenario, "community_spending")
    ic = direction(summary, scenario, "intermediate_care_queue_mean")
    re = direction(summary, scenario, "reablement_queue_mean")
    queues = ("intermediate_care_queue_mean", "reablement_queue_mean")
    if all(row(summary, scenario, k)["mean"] == 0 and row(summary, scenario, k)["diff"] == 0 for k in queues):
        queue_text = "no one queues for intermediate care or reablement, before or after: the extra capacity is not what holds discharges up"
    else:
        queue_text = "queues for intermediate care: " + _word(ic, "higher", "lower") + "; for reablement: " + _word(re, "higher", "lower")
    parts = [_word(community, "community services grow", "community services shrink", "no clear change in community services"),
             _word(beds, "acute beds open rise", "the trusts close beds", "no clear change in beds open"), queue_text]
    return (f"{label}: what does moving money from hospitals to the community do?", "; ".join(parts),
            "; ".join([evidence(summary, scenario, "community_spending", unit=MONEY),
                       evidence(summary, scenario, "acute_spending", unit=MONEY),
                       evidence(summary, scenario, "trusts_surplus", unit=MONEY),
                       evidence(summary, scenario, "beds_open"),
                       evidence(summary, scenario, "intermediate_care_queue_mean"),
                       evidence(summary, scenario, "reablement_queue_mean")]))


def _ae_row(summary, scenario, label) -> tuple[str, str, str]:
    answer, ev = ae_effect(summary, scenario)
    answer = answer.replace("yes: ", "worse: ").replace("no, the opposite: ", "better: ")
    return f"{label}: does it change beds and A&E?", answer, ev


def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    r = roles(exp)
    rows = []
    pooled, shifted, both = r["pooled"], r["left_shift"], r["both"]
    if pooled:
        label = "Pooling (vs separate budgets, same cut)"
        rows += [_delays_row(summary, pooled, label), _ae_row(summary, pooled, label),
                 (f"{label}: does it change unmet need and readmissions?",
                  "sent home without needed care: " + _word(direction(summary, pooled, "discharged_without_needed_care"),
                                                          "more", "fewer")
                  + "; 30-day readmissions: " + _word(direction(summary, pooled, "readmission_30day_share"),
                                                      "more", "fewer"),
                  evidence(summary, pooled, "discharged_without_needed_care") + "; "
                  + evidence(summary, pooled, "readmission_30day_share", 100, "%")),
                 _deficit_row(summary, exp, pooled, label), _cost_row(summary, pooled, label)]
    if shifted:
        label = "Left shift with separate budgets"
        rows += [_left_shift_row(summary, shifted, label), _delays_row(summary, shifted, label),
                 _ae_row(summary, shifted, label), _cost_row(summary, shifted, label)]
    if both:
        label = "Pooling and left shift together"
        rows += [_delays_row(summary, both, label), _ae_row(summary, both, label),
                 _deficit_row(summary, exp, both, label)]
    if pooled:
        d = direction(summary, pooled, DELAYS)
        ae = [direction(summary, pooled, k) for k in ("ae_4h_type1", "ae_12h_from_arrival_share")]
        ae_text = ("A&E gets worse" if ae[0] == "lower" or ae[1] == "higher"
                   else "A&E improves" if ae[0] == "higher" or ae[1] == "lower" else "no clear change in A&E")
        deficit = direction(summary, pooled, "icb_surplus") == "lower" and \
            direction(summary, pooled, "council_surplus") != "lower"
        overall = (_word(d, "no: pooling raises delayed discharges", "yes: pooling lowers delayed discharges",
                         "no: no clear change in delayed discharges")
                   + f"; {ae_text}; "
                   + ("the deficit moves from the council to the NHS (the ICB)" if deficit
                      else "the deficit does not clearly move"))
        if both:
            d2 = direction(summary, both, DELAYS)
            overall += "; with the left shift as well: " + _word(d2, "delayed discharges higher", "delayed discharges lower",
                                                                "no clear change in delayed discharges")
        rows.append(("Overall: does a pooled budget reduce delayed discharges and A&E waits, and who bears the deficit?",
                     overall, "from the rows above; pooling buys the places people wait for and the NHS covers the overspend"))
    return verdict_rows(rows)
