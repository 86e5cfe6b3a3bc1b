"""Verdict on the claim that social care shortages keep fit patients in hospital and block A&E,
and on its mirror, that cutting social care saves money.

Reads the paired differences of ``social_care.yaml``'s scenarios against the baseline. What each
scenario changes is read from its config, not from its name: a scenario whose council budget is
below the baseline's is a cut (of that share), above it a rise; one whose eligibility threshold
differs is an eligibility change. Every answer comes from the numbers.
"""

from __future__ import annotations

import pandas as pd

from experiments.claims import direction, evidence, row, verdict_rows
from experiments.report import fmt

DELAYS = "delayed_discharges_midnight"
MONEY = " GBP/yr"


def _budget(exp, scenario: str) -> float:
    return exp.configs[scenario].organisations.local_authority.social_care_budget


def _threshold(exp, scenario: str) -> float:
    return exp.configs[scenario].social_care.eligibility_threshold


def scenario_kinds(exp) -> tuple[list[tuple[str, float]], list[tuple[str, float]], list[str]]:
    """(cuts, rises, eligibility changes): cuts and rises as (scenario, share of the budget), cuts
    from the smallest."""
    base = exp.spec.baseline
    budget = _budget(exp, base)
    cuts, rises, eligibility = [], [], []
    for name in exp.spec.scenarios:
        if name == base:
            continue
        change = _budget(exp, name) / budget - 1
        if change < 0:
            cuts.append((name, -change))
        elif change > 0:
            rises.append((name, change))
        if _threshold(exp, name) != _threshold(exp, base):
            eligibility.append(name)
    return sorted(cuts, key=lambda c: c[1]), rises, eligibility


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def ae_effect(summary, scenario) -> tuple[str, str]:
    """Answer and evidence: do occupancy and A&E waits get worse in this scenario?"""
    occ = direction(summary, scenario, "bed_occupancy_midnight")
    four = direction(summary, scenario, "ae_4h_type1")
    twelve = direction(summary, scenario, "ae_12h_from_arrival_share")
    handover = direction(summary, scenario, "handover_mean_minutes")
    cat2 = direction(summary, scenario, "ambulance_cat2_mean_minutes")
    worse = [label for label, d, bad in (("occupancy up", occ, "higher"), ("4-hour performance down", four, "lower"),
                                         ("12-hour waits up", twelve, "higher"),
                                         ("ambulance handovers longer", handover, "higher"),
                                         ("category 2 responses slower", cat2, "higher")) if d == bad]
    better = [label for label, d, good in (("occupancy down", occ, "lower"), ("4-hour performance up", four, "higher"),
                                           ("12-hour waits down", twelve, "lower"),
                                           ("ambulance handovers shorter", handover, "lower"),
                                           ("category 2 responses faster", cat2, "lower")) if d == good]
    if worse and not better:
        answer = "yes: " + ", ".join(worse)
    elif better and not worse:
        answer = "no, the opposite: " + ", ".join(better)
    elif worse and better:
        answer = "mixed: " + ", ".join(worse + better)
    else:
        answer = "no clear effect"
    ev = "; ".join([evidence(summary, scenario, "bed_occupancy_midnight"),
                    evidence(summary, scenario, "ae_4h_type1"),
                    evidence(summary, scenario, "ae_12h_from_arrival_share"),
                    evidence(summary, scenario, "handover_mean_minutes", unit=" min"),
                    evidence(summary, scenario, "ambulance_cat2_mean_minutes", unit=" min")])
    if (summary.kpi == "trolley_wait_mean_hours").any():
        ev += "; " + evidence(summary, scenario, "trolley_wait_mean_hours", unit=" h")
    return answer, ev


def _delays(summary, scenario) -> tuple[str, str]:
    d = direction(summary, scenario, DELAYS)
    answer = {"higher": "yes: more fit patients wait in beds", "lower": "no: fewer fit patients wait in beds",
              "no clear difference": "no clear effect"}.get(d, d)
    unmet = direction(summary, scenario, "discharged_without_needed_care")
    if unmet == "higher":
        answer += "; more patients are sent home without the care they need"
    elif unmet == "lower" and d == "higher":
        answer += "; fewer are sent home without care (fewer get through the hospital to be discharged)"
    ev = "; ".join([evidence(summary, scenario, DELAYS),
                    evidence(summary, scenario, "delayed_discharge_share_of_beds"),
                    evidence(summary, scenario, "care_homes_queue_mean"),
                    evidence(summary, scenario, "home_care_queue_mean"),
                    evidence(summary, scenario, "discharged_without_needed_care")])
    return answer, ev


def _proportionality(summary, cuts, kpi: str) -> tuple[str, str]:
    """Compare the effect per 10 points of cut across the cuts, smallest to largest."""
    per_ten = [(name, share, row(summary, name, kpi)["diff"] / (share * 10)) for name, share in cuts]
    ev = f"{kpi} change per 10% of budget cut: " + ", ".join(
        f"{_pct(share)} cut: {fmt(v)}" for _, share, v in per_ten)
    if len(per_ten) < 2:
        return "needs two cuts to tell", ev
    if all(direction(summary, name, kpi) == "no clear difference" for name, _ in cuts):
        return "no clear effect at any cut", ev
    small, large = per_ten[0][2], per_ten[-1][2]
    peak = max(per_ten, key=lambda p: abs(p[2]))
    if abs(small) == 0 and abs(large) == 0:
        return "no effect at any cut", ev
    if peak is not per_ten[0] and peak is not per_ten[-1] and abs(large) < 0.67 * abs(peak[2]):
        answer = (f"no: the harm jumps by the {_pct(peak[1])} cut, then grows less than the cut "
                  "(the system is already saturated)")
    elif abs(small) == 0 or abs(large) > 1.5 * abs(small):
        answer = "no: it grows faster than the cut (a tipping point once the market runs short)"
    elif abs(large) < 0.67 * abs(small):
        answer = "no: it grows more slowly than the cut"
    else:
        answer = "roughly proportional"
    return answer, ev


def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    base = exp.spec.baseline
    budget = _budget(exp, base)
    cuts, rises, eligibility = scenario_kinds(exp)
    rows = []

    for name, share in cuts:
        answer, ev = _delays(summary, name)
        rows.append((f"{_pct(share)} budget cut: do more fit patients wait in hospital (delayed discharges)?", answer, ev))
    for name, share in cuts:
        answer, ev = ae_effect(summary, name)
        rows.append((f"{_pct(share)} budget cut: does it fill beds and block A&E?", answer, ev))
    if len(cuts) >= 2:
        answer, ev = _proportionality(summary, cuts, "ae_12h_from_arrival_share")
        answer_d, ev_d = _proportionality(summary, cuts, DELAYS)
        rows.append(("Does the harm grow in proportion to the cut?",
                     f"A&E 12-hour waits: {answer}; delayed discharges: {answer_d}", ev + "; " + ev_d))
    for name, share in rises:
        answer, ev = _delays(summary, name)
        ae_answer, ae_ev = ae_effect(summary, name)
        d = direction(summary, name, DELAYS)
        verdict_text = ({"lower": "yes: fewer delayed discharges", "higher": "no: more delayed discharges",
                         "no clear difference": "no clear effect on delayed discharges"}.get(d, d)
                        + "; A&E and beds: " + ae_answer)
        base_queue = sum(row(summary, base, k)["mean"] for k in ("care_homes_queue_mean", "home_care_queue_mean"))
        if d == "no clear difference" and base_queue < 1:
            verdict_text += f" (the baseline market has no queue - {fmt(base_queue)} waiting on average - so extra places go unused)"
        rows.append((f"{_pct(share)} more budget: do delays and A&E waits fall?", verdict_text,
                     ev + "; " + ae_ev + "; " + evidence(summary, name, "social_care_spending", unit=MONEY)))
    for name in eligibility:
        t0, t1 = _threshold(exp, base), _threshold(exp, name)
        d = direction(summary, name, DELAYS)
        unmet = direction(summary, name, "discharged_without_needed_care")
        readm = direction(summary, name, "readmission_30day_share")
        spend = direction(summary, name, "social_care_spending")
        parts = [{"lower": "fewer delayed discharges", "higher": "more delayed discharges",
                  "no clear difference": "no clear effect on delayed discharges"}.get(d, d),
                 {"higher": "more patients sent home without the care they need", "lower": "fewer sent home without care",
                  "no clear difference": "no clear change in unmet need"}.get(unmet, unmet),
                 {"higher": "more readmissions", "lower": "fewer readmissions",
                  "no clear difference": "no clear change in readmissions"}.get(readm, readm),
                 {"lower": "the council spends less", "higher": "the council spends more",
                  "no clear difference": "no saving for the council"}.get(spend, spend)]
        rows.append((f"Eligibility threshold {t0:g} -> {t1:g}: what does rationing by eligibility do?", "; ".join(parts),
                     "; ".join([evidence(summary, name, DELAYS), evidence(summary, name, "discharged_without_needed_care"),
                                evidence(summary, name, "readmission_30day_share", 100, "%"),
                                evidence(summary, name, "social_care_spending", unit=MONEY)])))

    for name, share in cuts:
        cut = budget * share
        saved = -row(summary, name, "social_care_spending")["diff"]
        spend = direction(summary, name, "social_care_spending")
        surplus = row(summary, name, "council_surplus")
        over = direction(summary, name, "council_surplus")
        if spend == "lower":
            answer = f"partly: it spends {fmt(saved)} GBP a year less, {saved / cut * 100:.0f}% of the {fmt(cut)} cut"
            if over == "lower" and surplus["mean"] < 0:
                answer += f", and overspends its reduced budget by {fmt(-surplus['mean'])} a year"
        else:
            answer = {"higher": "no: it spends more", "no clear difference": "no clear saving"}.get(spend, spend)
        rows.append((f"{_pct(share)} budget cut: does the council save money?", answer,
                     evidence(summary, name, "social_care_spending", unit=MONEY) + "; "
                     + evidence(summary, name, "council_surplus", unit=MONEY)))
    for name, share in cuts:
        acute = direction(summary, name, "acute_spending")
        trusts = direction(summary, name, "trusts_surplus")
        staff = direction(summary, name, "trust_staff_in_post")
        beds = direction(summary, name, "beds_open")
        if acute == "higher":
            answer = "yes: acute trusts spend more"
        elif acute == "lower":
            answer = "not in money: acute spending falls"
        else:
            answer = "not in money: no clear change in acute spending"
        cuts_made = [label for label, d in (("staff in post", staff), ("beds open", beds)) if d == "lower"]
        if acute != "higher" and cuts_made:
            answer += " - the trusts meet the pressure by cutting " + " and ".join(cuts_made) + \
                      "; the NHS pays in waits and capacity"
        elif acute != "higher":
            answer += "; the NHS pays in waits, not money (block contracts)"
        if trusts == "lower":
            answer += "; trusts' finances worsen"
        rows.append((f"{_pct(share)} budget cut: does the NHS pay more?", answer,
                     "; ".join([evidence(summary, name, "acute_spending", unit=MONEY),
                                evidence(summary, name, "trusts_surplus", unit=MONEY),
                                evidence(summary, name, "trust_staff_in_post"),
                                evidence(summary, name, "beds_open")])))
    for name, share in cuts:
        cost = direction(summary, name, "cost_per_head")
        surplus = direction(summary, name, "system_surplus")
        answer = {"lower": "cheaper in cash", "higher": "dearer", "no clear difference": "no clear change in cost"}.get(cost, cost)
        answer += {"lower": ", but its deficit grows (the council overspends)", "higher": ", and its surplus improves",
                   "no clear difference": ""}.get(surplus, "")
        rows.append((f"{_pct(share)} budget cut: is the whole system cheaper?", answer,
                     evidence(summary, name, "cost_per_head", unit=" GBP") + "; "
                     + evidence(summary, name, "system_surplus", unit=MONEY)))

    blocking = [(n, s) for n, s in cuts if direction(summary, n, DELAYS) == "higher"
                and direction(summary, n, "bed_occupancy_midnight") == "higher"
                and (direction(summary, n, "ae_4h_type1") == "lower"
                     or direction(summary, n, "ae_12h_from_arrival_share") == "higher")]
    not_blocking = [(n, s) for n, s in cuts if (n, s) not in blocking]
    if cuts and len(blocking) == len(cuts):
        first = "yes: every cut tested (" + ", ".join(_pct(s) for _, s in cuts) + \
                ") raises delayed discharges and occupancy and worsens A&E"
    elif blocking:
        first = ("yes at the " + " and ".join(_pct(s) for _, s in blocking) + (" cuts" if len(blocking) > 1 else " cut")
                 + " (delayed discharges, occupancy "
                 "and A&E waits all rise); not clearly at " + " and ".join(_pct(s) for _, s in not_blocking))
    else:
        first = "no: no cut tested clearly raised delayed discharges, occupancy and A&E waits together"
    saving = [(n, s) for n, s in cuts if direction(summary, n, "social_care_spending") == "lower"]
    cheaper = [(n, s) for n, s in cuts if direction(summary, n, "cost_per_head") == "lower"]
    if saving:
        mirror = "the council spends less but saves only part of each cut (" + ", ".join(
            f"{-row(summary, n, 'social_care_spending')['diff'] / (budget * s) * 100:.0f}% of the {_pct(s)} cut"
            for n, s in saving) + ")"
        mirror += "; the system's cash cost falls" if len(cheaper) == len(cuts) else "; the system is not clearly cheaper"
        mirror += ", paid for in delays and A&E waits" if blocking else ""
    else:
        mirror = "no: the council does not clearly spend less"
    rows.append(("Overall: do social care shortages block A&E - and does cutting social care save money?",
                 f"Shortages block A&E: {first}. Cutting saves money: {mirror}.",
                 "from the rows above; one financial year, block contracts"))
    return verdict_rows(rows)
