"""Verdict on the claim that efficiency savings of several % a year, with post freezes and job cuts,
will balance the books.

Reads ``efficiency_squeeze.yaml``'s scenarios. Balance is judged two ways: against the comparator
(``no_squeeze``, the baseline financial context) by paired differences, and in absolute terms by
each scenario's own mean and 95% interval (a deficit is a negative surplus: an interval wholly
below zero is a deficit, wholly above a surplus, and one spanning zero is break-even within the
noise). Squeeze scenarios are compared with each other by a conservative paired bound built from
their two paired differences against the comparator (see ``between``). Every answer comes from
the numbers; the savings asked and achievable are read from the scenarios' configs.
"""

from __future__ import annotations

import math

import pandas as pd

from experiments.claims import direction, evidence, row, verdict_rows
from experiments.report import fmt

SQUEEZE = "squeeze_redundancy_unfunded"
FUNDED = "squeeze_redundancy_funded"
FREEZE_ONLY = "squeeze_freeze_only"
SAVINGS_ONLY = "squeeze_savings_only"
ACHIEVABLE = "squeeze_savings_achievable"


# --- reading the summary ---------------------------------------------------------------------------

def level(summary: pd.DataFrame, scenario: str, kpi: str) -> tuple[float, float, float]:
    """(mean, low, high) of a scenario's own KPI over replications."""
    r = row(summary, scenario, kpi)
    return float(r["mean"]), float(r.ci_low), float(r.ci_high)


def balance(summary: pd.DataFrame, scenario: str, kpi: str = "trusts_surplus") -> str:
    """'in surplus', 'in deficit' or 'about break-even' from the scenario's own 95% interval."""
    mean, low, high = level(summary, scenario, kpi)
    if math.isnan(low):
        return "in surplus" if mean > 0 else "in deficit" if mean < 0 else "about break-even"
    if low > 0:
        return "in surplus"
    if high < 0:
        return "in deficit"
    return "about break-even"


def share_of_spending(summary: pd.DataFrame, scenario: str) -> float:
    """Trusts' surplus as a share of what they spend (means over replications)."""
    spending = level(summary, scenario, "acute_spending")[0] if _has_kpi(summary, "acute_spending") else math.nan
    return level(summary, scenario, "trusts_surplus")[0] / spending if spending else math.nan


def absolute(summary: pd.DataFrame, scenario: str, kpi: str = "trusts_surplus", unit: str = " GBP/yr") -> str:
    mean, low, high = level(summary, scenario, kpi)
    text = f"{scenario} {kpi}: {fmt(mean)}{unit} [{fmt(low)}, {fmt(high)}]"
    if kpi == "trusts_surplus":
        share = share_of_spending(summary, scenario)
        if not math.isnan(share):
            text += f" ({share * 100:+.1f}% of trusts' spending)"
    return text


def between(summary: pd.DataFrame, a: str, b: str, kpi: str) -> tuple[float, float, float]:
    """Scenario a minus scenario b: (difference of means, low, high).

    Both are paired with the comparator replication by replication, so a_k - b_k = (a_k - base_k)
    - (b_k - base_k); the standard deviation of a difference is at most the sum of the two standard
    deviations, so the paired interval of a - b lies inside d +/- (half-width_a + half-width_b).
    The bound is conservative: an interval excluding zero here excludes it in the exact paired test."""
    ra, rb = row(summary, a, kpi), row(summary, b, kpi)
    d = float(ra["diff"] - rb["diff"])
    half = (ra.diff_high - ra.diff_low) / 2 + (rb.diff_high - rb.diff_low) / 2
    return d, d - half, d + half


def between_direction(summary: pd.DataFrame, a: str, b: str, kpi: str) -> str:
    d, low, high = between(summary, a, b, kpi)
    if math.isnan(low):
        return "no clear difference" if d == 0 else "unknown"
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return "no clear difference"


def between_evidence(summary: pd.DataFrame, a: str, b: str, kpi: str, scale: float = 1.0, unit: str = "") -> str:
    d, low, high = between(summary, a, b, kpi)
    mb, ma = level(summary, b, kpi)[0], level(summary, a, kpi)[0]
    return (f"{kpi}: {fmt(mb * scale)}{unit} ({b}) -> {fmt(ma * scale)}{unit} ({a}) "
            f"({fmt(d * scale)} [{fmt(low * scale)}, {fmt(high * scale)}], conservative paired bound)")


def relative(summary: pd.DataFrame, scenario: str, kpi: str) -> float:
    """Paired difference from the comparator as a share of the comparator's mean."""
    r = row(summary, scenario, kpi)
    base = r["mean"] - r["diff"]
    return float(r["diff"] / base) if base else math.nan


def change(summary: pd.DataFrame, scenario: str, kpi: str, name: str) -> str:
    """'beds open down 14%' or 'staff in post -20% (not clear at this precision)'."""
    d, pct = direction(summary, scenario, kpi), relative(summary, scenario, kpi)
    if d in ("higher", "lower"):
        return f"{name} {WORD[d]} {abs(pct) * 100:.0f}%"
    return f"{name} {_pct(pct)} (not clear at this precision)"


def _has_kpi(summary: pd.DataFrame, kpi: str) -> bool:
    return bool((summary.kpi == kpi).any())


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x * 100:+.0f}%"


WORD = {"higher": "up", "lower": "down", "no clear difference": "no clear change", "unknown": "unknown"}


# --- the verdict -----------------------------------------------------------------------------------

def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    base = exp.spec.baseline
    have = set(exp.spec.scenarios)
    rows = []

    # What is asked, against what can be delivered (from the configs, not from memory).
    org = exp.configs[SQUEEZE].organisations
    asked, first, achievable = org.icb.efficiency_asked, org.icb.first_year_savings, org.efficiency_achievable
    gap = org.icb.cost_growth - org.icb.allocation_growth
    rows.append(("How far do the savings asked exceed what can be delivered?",
                 f"{asked / achievable:.1f}x: {(asked - achievable) * 100:.1f} points a year are asked and never "
                 "delivered" if asked > achievable else "not at all: what is asked can be delivered",
                 f"asked {asked * 100:.1f}%/yr (first-year contracts {first * 100:.1f}% below cost); achievable "
                 f"{achievable * 100:.1f}%/yr (what every provider delivers; no rule delivers more); funding grows "
                 f"{gap * 100:.1f} points/yr slower than costs"))

    # 1. Do the savings, freezes and job cuts balance the books?
    status = balance(summary, SQUEEZE)
    vs = direction(summary, SQUEEZE, "trusts_surplus")
    base_status = balance(summary, base)
    if status == "in deficit":
        answer = "no: trusts are in deficit over the run"
    elif status == "in surplus":
        answer = "on paper: trusts are in surplus over the run"
    else:
        answer = "about break-even (the interval spans zero)"
    answer += {"higher": ", better than without the squeeze", "lower": ", worse than without the squeeze",
               "no clear difference": ", no clear change from without the squeeze"}.get(vs, "")
    answer += f" (without the squeeze: {base_status})"
    rows.append(("Do savings, post freezes and job cuts balance the trusts' books (squeeze, redundancy unfunded)?",
                 answer,
                 absolute(summary, SQUEEZE) + "; " + absolute(summary, base) + "; paired: "
                 + evidence(summary, SQUEEZE, "trusts_surplus", unit=" GBP/yr")))

    # 2. The efficiency savings on their own.
    if SAVINGS_ONLY in have:
        status = balance(summary, SAVINGS_ONLY)
        rows.append(("Do the efficiency savings on their own (no freeze, closures or cuts) balance the books?",
                     {"in deficit": "no: trusts are in deficit over the run", "in surplus": "yes",
                      "about break-even": "about break-even (the interval spans zero)"}[status],
                     absolute(summary, SAVINGS_ONLY) + "; vs the full rules: "
                     + between_evidence(summary, SAVINGS_ONLY, SQUEEZE, "trusts_surplus", unit=" GBP/yr")))

    # 3. The system as a whole: where the money sits.
    sys_status = balance(summary, SQUEEZE, "system_surplus")
    icb_dir = direction(summary, SQUEEZE, "icb_surplus")
    parts = [f"{k.removesuffix('_surplus')} {fmt(level(summary, SQUEEZE, k)[0])}"
             for k in ("icb_surplus", "trusts_surplus", "council_surplus") if _has_kpi(summary, k)]
    if len(parts) == 3:
        rest = level(summary, SQUEEZE, "system_surplus")[0] - sum(
            level(summary, SQUEEZE, k)[0] for k in ("icb_surplus", "trusts_surplus", "council_surplus"))
        parts.append(f"GP practices and community provider {fmt(rest)}")
    rows.append(("Does the system as a whole balance, and where does the money sit?",
                 f"system {sys_status}; the ICB's surplus is {WORD.get(icb_dir, icb_dir)} against no squeeze"
                 + (" (contracts are cut by the savings asked while the allocation still grows: the money "
                    "withheld from providers sits unspent with the ICB)" if icb_dir == "higher" else ""),
                 absolute(summary, SQUEEZE, "system_surplus") + "; mean GBP/yr: " + ", ".join(parts) + "; "
                 + evidence(summary, SQUEEZE, "icb_surplus", unit=" GBP/yr")))

    # 4. What freezes and cuts do to staff, beds, A&E, harm and the rest of the hospital.
    rows.append(("What do post freezes and job cuts do to staff and beds (end of the run)?",
                 change(summary, SQUEEZE, "trust_staff_in_post", "staff in post") + ", "
                 + change(summary, SQUEEZE, "beds_open", "beds open"),
                 evidence(summary, SQUEEZE, "trust_staff_in_post", unit=" FTE") + "; "
                 + evidence(summary, SQUEEZE, "beds_open")))
    four, twelve = direction(summary, SQUEEZE, "ae_4h_type1"), direction(summary, SQUEEZE, "ae_12h_from_arrival_share")
    worse_ae = four == "lower" or twelve == "higher"
    rows.append(("... and to A&E?",
                 ("worse: " if worse_ae else "no clear harm: ")
                 + f"4-hour {WORD.get(four, four)}, 12-hour waits {WORD.get(twelve, twelve)}",
                 evidence(summary, SQUEEZE, "ae_4h_type1", 100, "%") + "; "
                 + evidence(summary, SQUEEZE, "ae_12h_from_arrival_share", 100, "%")))
    harm = direction(summary, SQUEEZE, "harm_events")
    rows.append(("... and to harm (falls, pressure ulcers and the like, a year)?",
                 {"higher": "more harm events", "lower": "fewer harm events in total",
                  "no clear difference": "no clear change in the count"}.get(harm, harm)
                 + " (a count over fewer bed days, not a rate)" * (direction(summary, SQUEEZE, "beds_open") == "lower"),
                 evidence(summary, SQUEEZE, "harm_events", unit="/yr")))
    elect, delayed = (direction(summary, SQUEEZE, "elective_cancelled_share"),
                      direction(summary, SQUEEZE, "delayed_discharges_midnight"))
    parts = [f"elective cancellations {WORD.get(elect, elect)}", f"delayed discharges {WORD.get(delayed, delayed)}"]
    shown = [evidence(summary, SQUEEZE, "elective_cancelled_share", 100, "%"),
             evidence(summary, SQUEEZE, "delayed_discharges_midnight")]
    if _has_kpi(summary, "gp_wait_mean_days"):
        gp = direction(summary, SQUEEZE, "gp_wait_mean_days")
        parts.append(f"GP waits {WORD.get(gp, gp)} (the practices' contracts are squeezed too)")
        shown.append(evidence(summary, SQUEEZE, "gp_wait_mean_days", unit=" days"))
    rows.append(("... and to planned operations, discharges and GP access?", ", ".join(parts), "; ".join(shown)))

    # 5. Central funding of redundancy.
    if FUNDED in have:
        d = between_direction(summary, FUNDED, SQUEEZE, "trusts_surplus")
        redundancy = level(summary, SQUEEZE, "redundancy_costs")[0]
        moved, _, _ = between(summary, FUNDED, SQUEEZE, "trusts_surplus")
        bed_d = between_direction(summary, FUNDED, SQUEEZE, "beds_open")
        sys_d = between_direction(summary, FUNDED, SQUEEZE, "system_surplus")
        answer = {"higher": "it improves the trusts' books", "lower": "the trusts do worse",
                  "no clear difference": "no clear change in the trusts' books"}.get(d, d)
        answer += f" ({fmt(moved)}/yr against a redundancy bill of {fmt(redundancy)}/yr)"
        answer += f"; trusts are then {balance(summary, FUNDED)} over the run"
        if bed_d == "higher":
            answer += "; fewer beds close (the one-off bill no longer inflates the run-rate forecast)"
        answer += ("; the system's books improve too, because NHS England pays from outside them"
                   if sys_d == "higher" else "")
        rows.append(("Does funding redundancy centrally change the deficit?", answer,
                     between_evidence(summary, FUNDED, SQUEEZE, "trusts_surplus", unit=" GBP/yr") + "; "
                     + absolute(summary, FUNDED) + "; "
                     + between_evidence(summary, FUNDED, SQUEEZE, "acute_spending", unit=" GBP/yr") + "; "
                     + between_evidence(summary, FUNDED, SQUEEZE, "beds_open")))

    # 6. Freeze only.
    if FREEZE_ONLY in have:
        money = between_direction(summary, FREEZE_ONLY, SQUEEZE, "trusts_surplus")
        four = between_direction(summary, FREEZE_ONLY, SQUEEZE, "ae_4h_type1")
        beds = between_direction(summary, FREEZE_ONLY, SQUEEZE, "beds_open")
        answer = {"higher": "better for the books", "lower": "worse for the books",
                  "no clear difference": "no clear difference for the books"}.get(money, money)
        answer += f" than freezing, closing beds and cutting posts (trusts are {balance(summary, FREEZE_ONLY)} over the run)"
        answer += "; A&E: " + {"higher": "better", "lower": "worse"}.get(four, "no clear difference")
        answer += "; beds open: " + {"higher": "more", "lower": "fewer"}.get(beds, "no clear difference")
        rows.append(("Does a freeze-only policy (freeze plus cost improvement) do better or worse?", answer,
                     between_evidence(summary, FREEZE_ONLY, SQUEEZE, "trusts_surplus", unit=" GBP/yr") + "; "
                     + between_evidence(summary, FREEZE_ONLY, SQUEEZE, "ae_4h_type1", 100, "%") + "; "
                     + between_evidence(summary, FREEZE_ONLY, SQUEEZE, "beds_open")))

    # 7. Asking only for what is achievable.
    if ACHIEVABLE in have:
        ach = exp.configs[ACHIEVABLE].organisations.icb
        status = balance(summary, ACHIEVABLE)
        vs = direction(summary, ACHIEVABLE, "trusts_surplus")
        four = between_direction(summary, ACHIEVABLE, SQUEEZE, "ae_4h_type1")
        answer = {"in deficit": "no: trusts are in deficit over the run",
                  "in surplus": "yes: trusts are in surplus over the run",
                  "about break-even": "about break-even (the interval spans zero)"}[status]
        answer += {"higher": ", better than without the squeeze", "lower": ", worse than without the squeeze",
                   "no clear difference": ", no clear change from without the squeeze"}.get(vs, "")
        if direction(summary, ACHIEVABLE, "beds_open") == "lower":
            answer += f", still by closing beds ({_pct(relative(summary, ACHIEVABLE, 'beds_open'))} against no squeeze)"
        answer += "; A&E against the full squeeze: " + {"higher": "better", "lower": "worse"}.get(four, "no clear difference")
        rows.append((f"Would asking only achievable savings ({ach.efficiency_asked * 100:.1f}%/yr) balance the books?",
                     answer,
                     absolute(summary, ACHIEVABLE) + "; "
                     + between_evidence(summary, ACHIEVABLE, SQUEEZE, "trusts_surplus", unit=" GBP/yr") + "; "
                     + between_evidence(summary, ACHIEVABLE, SQUEEZE, "ae_4h_type1", 100, "%") + "; "
                     + evidence(summary, ACHIEVABLE, "beds_open")))

    # Overall.
    books = balance(summary, SQUEEZE) != "in deficit"
    lost = [what for what, kpi in (("staff", "trust_staff_in_post"), ("beds", "beds_open"))
            if direction(summary, SQUEEZE, kpi) == "lower"]
    how = f"lost {' and '.join(lost)}" if lost else "capacity cuts"
    cost = ""
    if worse_ae:
        a, b = level(summary, base, "ae_4h_type1")[0], level(summary, SQUEEZE, "ae_4h_type1")[0]
        cost = f", and A&E pays for it (4-hour {a * 100:.0f}% -> {b * 100:.0f}%)"
    if SAVINGS_ONLY in have and balance(summary, SAVINGS_ONLY) != "in deficit":
        overall = "yes: the efficiency savings on their own balance the books"
    elif books and SAVINGS_ONLY in have:
        overall = (f"no, not by efficiency: the savings alone leave trusts "
                   f"{fmt(-level(summary, SAVINGS_ONLY, 'trusts_surplus')[0])}/yr in deficit; the books balance "
                   f"only through {how}{cost}")
    elif books:
        overall = f"the books balance, through {how}{cost}"
    else:
        overall = f"no: trusts are in deficit even with freezes and job cuts{cost}"
    rows.append(("Overall: does the claim hold?", overall,
                 "judged on trusts' surplus (own 95% interval) under the squeeze with all rules"
                 + (" and with savings only" if SAVINGS_ONLY in have else "")
                 + ", and on staff, beds and A&E against no squeeze"))
    return verdict_rows(rows)
