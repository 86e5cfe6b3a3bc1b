"""Verdict on the claim that closing A&E departments and concentrating care is safe.

Reads the paired differences of ``ae_closure.yaml``'s scenarios against the nine A&Es of 2012 and
answers: do patients travel further (who, and by how much); do ambulances take longer to respond
and to hand over; does four-hour performance fall; do the most urgent wait longer to be treated;
are beds short or in the wrong place; does moving the closed sites' capacity make it safe; and
overall, is the claim supported. Every answer is read from the results (``direction``) or from the
scenarios' own configs (who now lives farther from an open A&E); none is fixed in advance.

"Safe" here means: no safety measure (deaths within 30 days and deaths attributable to waiting,
harm in hospital, ambulance response, handover, four-hour and twelve-hour performance, time to
treatment for the most urgent, trolley waits, corridor care) is clearly worse than with nine A&Es
(paired 95% interval excludes zero). Longer journeys count through deaths: a time-critical
patient's risk rises with every minute to treatment (STEMI, stroke, sepsis) or of the journey
(major trauma), and every patient's with their hours in A&E (``sim.outcomes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.claims import direction, evidence, row, verdict_rows
from experiments.report import fmt
from sim.geography import Geography

CLOSURES = (("close_two", "closing Hammersmith and Central Middlesex (2014)"),
            ("five_sites", "going to the plan's five A&Es"))
MOVED = (("close_two_capacity_moved", "closing two, their A&E clinicians and cubicles moved"),
         ("five_sites_capacity_moved", "five A&Es, the closed A&Es' clinicians and cubicles moved"),
         ("five_sites_all_moved", "five A&Es, clinicians, cubicles and beds all moved"))

# KPI: (label, scale, unit, the direction that is worse)
MEASURES = {
    "ae_travel_minutes_mean": ("travel to A&E (came themselves)", 1, " min", "higher"),
    "conveyance_minutes_mean": ("ambulance conveyance", 1, " min", "higher"),
    "ambulance_cat1_mean_minutes": ("category 1 response", 1, " min", "higher"),
    "ambulance_cat2_mean_minutes": ("category 2 response", 1, " min", "higher"),
    "ambulances_utilisation": ("ambulances busy", 100, " points", "higher"),
    "handover_mean_minutes": ("mean handover", 1, " min", "higher"),
    "handover_over_60min_share": ("handovers over 60 min", 100, " points", "higher"),
    "ae_4h_type1": ("type 1 four-hour", 100, " points", "lower"),
    "ae_4h_all_types": ("all-types four-hour", 100, " points", "lower"),
    "ae_12h_from_arrival_share": ("over 12 hours in A&E", 100, " points", "higher"),
    "time_to_treatment_urgent_minutes": ("time to treatment, most urgent", 1, " min", "higher"),
    "trolley_waits_12h_per_1000": ("12-hour trolley waits", 1, " per 1,000 a year", "higher"),
    "ae_corridor_care_share": ("corridor care", 100, " points", "higher"),
    "bed_occupancy_midnight": ("midnight bed occupancy", 100, " points", "higher"),
    "deaths_per_1000_population": ("deaths within 30 days", 1, " per 1,000 a year", "higher"),
    "deaths_from_delay_per_1000_population": ("deaths attributable to waiting", 1, " per 1,000 a year", "higher"),
    "harm_events_in_hospital": ("patients harmed in hospital", 1, "", "higher"),
}
DEATHS = ("deaths_per_1000_population", "deaths_from_delay_per_1000_population", "harm_events_in_hospital")
AMBULANCE = ("ambulance_cat1_mean_minutes", "ambulance_cat2_mean_minutes", "handover_mean_minutes",
             "handover_over_60min_share")
FOUR_HOUR = ("ae_4h_type1", "ae_4h_all_types", "ae_12h_from_arrival_share", "trolley_waits_12h_per_1000",
             "ae_corridor_care_share")
URGENT = ("time_to_treatment_urgent_minutes",)
SAFETY = DEATHS + AMBULANCE + FOUR_HOUR + URGENT
PERCENT = {k for k, (_, scale, _, _) in MEASURES.items() if scale == 100}


def _ev(summary, scenario, kpi) -> str:
    return evidence(summary, scenario, kpi, 100, "%") if kpi in PERCENT else evidence(summary, scenario, kpi)


def change(summary: pd.DataFrame, scenario: str, kpi: str) -> str:
    """'category 2 response +8.86 min (+37%)': the paired mean difference, in words."""
    label, scale, unit, _ = MEASURES[kpi]
    r = row(summary, scenario, kpi)
    d = r["diff"] * scale
    text = f"{label} {'+' if d > 0 else ''}{fmt(d)}{unit}"
    base = r["mean"] - r["diff"]
    if unit == " min" and base and np.isfinite(base):
        text += f" ({'+' if d > 0 else ''}{r['diff'] / base:.0%})"
    return text


def worse(summary, scenario, kpis=SAFETY) -> list[str]:
    return [k for k in kpis if direction(summary, scenario, k) == MEASURES[k][3]]


def better(summary, scenario, kpis=SAFETY) -> list[str]:
    opposite = {"higher": "lower", "lower": "higher"}
    return [k for k in kpis if direction(summary, scenario, k) == opposite[MEASURES[k][3]]]


def judged(summary, scenario, kpis) -> str:
    """'yes: a, b; better: c' / 'no clear difference' for one group of measures."""
    bad, good = worse(summary, scenario, kpis), better(summary, scenario, kpis)
    unclear = [k for k in kpis if direction(summary, scenario, k) == "unknown"]
    if bad:
        text = "yes: " + "; ".join(change(summary, scenario, k) for k in bad)
    else:
        text = "no clear worsening"
    if good:
        text += ("; better: " if bad else ": better ") + "; ".join(change(summary, scenario, k) for k in good)
    if unclear:
        text += "; cannot tell: " + ", ".join(MEASURES[k][0] for k in unclear)
    return text


def farther(exp, scenario: str) -> tuple[int, int, list[str]]:
    """Residents whose nearest open type 1 A&E is farther by road in ``scenario`` than at baseline:
    (people, everyone, ['brent_south 8.4 -> 21.9 min (central_middlesex -> st_marys)', ...])."""

    base_cfg, cfg = exp.configs[exp.spec.baseline], exp.configs[scenario]
    geo = Geography(cfg)  # sites keep their coordinates, so the map is the scenario's and the baseline's

    def nearest(c):
        is_open = np.array([bool(s.emergency_department and s.emergency_department.open) for s in c.sites.values()])
        return geo.nearest_table(is_open)

    before, after = nearest(base_cfg), nearest(cfg)
    sites = list(cfg.sites)
    moved, people, total = [], 0, 0
    for i, (name, loc) in enumerate(cfg.localities.items()):
        n = sum(loc.population.values())
        total += n
        b, a = geo.minutes[i, before[i]], geo.minutes[i, after[i]]
        if a > b + 1e-9:
            people += n
            moved.append((a - b, f"{name} {b:.1f} -> {a:.1f} min ({sites[before[i]]} -> {sites[after[i]]})"))
    return people, total, [text for _, text in sorted(moved, reverse=True)]


def _present(summary, scenario) -> bool:
    return scenario in set(summary.scenario)


def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    rows = []
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        people, total, who = farther(exp, scenario)
        further = [k for k in ("ae_travel_minutes_mean", "conveyance_minutes_mean")
                   if direction(summary, scenario, k) == "higher"]
        if further:
            answer = "yes, on average: " + "; ".join(change(summary, scenario, k) for k in further)
        else:
            answer = "no clear difference on average"
        answer += (f". {people:,} residents ({people / total:.0%} of the footprint) now live farther by road from an "
                   f"open type 1 A&E: " + "; ".join(who)) if who else ". No locality's nearest A&E is farther"
        rows.append((f"Do patients travel further, and who? ({label})", answer,
                     _ev(summary, scenario, "ae_travel_minutes_mean") + "; "
                     + _ev(summary, scenario, "conveyance_minutes_mean")
                     + " (travel to A&E includes minors at urgent care centres, which stay open; road minutes from "
                       "locality centres)"))
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        rows.append((f"Do more patients die or come to harm? ({label})", judged(summary, scenario, DEATHS),
                     "; ".join(_ev(summary, scenario, k) for k in (*DEATHS, "deaths_30d_per_1000_admissions",
                                                                    "deaths_from_delay_expected"))))
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        rows.append((f"Do ambulances take longer to respond and to hand over? ({label})",
                     judged(summary, scenario, AMBULANCE),
                     "; ".join(_ev(summary, scenario, k) for k in (*AMBULANCE, "ambulances_utilisation"))))
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        rows.append((f"Does four-hour performance at the remaining A&Es fall, and do long waits rise? ({label})",
                     judged(summary, scenario, FOUR_HOUR),
                     "; ".join(_ev(summary, scenario, k) for k in FOUR_HOUR)))
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        rows.append((f"Do the most urgent (triage 1-2) wait longer to be treated? ({label})",
                     judged(summary, scenario, URGENT),
                     _ev(summary, scenario, "time_to_treatment_urgent_minutes")))
    for scenario, label in CLOSURES:
        if not _present(summary, scenario):
            continue
        occ = direction(summary, scenario, "bed_occupancy_midnight")
        trolley = direction(summary, scenario, "trolley_waits_12h_per_1000")
        if trolley == "higher" and occ != "higher":
            answer = (f"in the wrong place: system-wide occupancy is {'lower' if occ == 'lower' else 'no higher'} "
                      f"({change(summary, scenario, 'bed_occupancy_midnight')}) while 12-hour trolley waits rise "
                      f"({change(summary, scenario, 'trolley_waits_12h_per_1000')}): there are free beds, but not "
                      "where the patients now go (a closed A&E's beds keep GP direct admissions, electives and the "
                      "patients its trust moves to them: transfers_within_trust)")
        elif trolley == "higher":
            answer = ("short: occupancy and 12-hour trolley waits both rise ("
                      + change(summary, scenario, "trolley_waits_12h_per_1000") + ")")
        else:
            answer = ("not shown: 12-hour trolley waits do not clearly rise; occupancy "
                      + {"higher": "rises", "lower": "falls"}.get(occ, "no clear change"))
        rows.append((f"Are beds short overall, or in the wrong place? ({label})", answer,
                     _ev(summary, scenario, "bed_occupancy_midnight") + "; "
                     + _ev(summary, scenario, "trolley_waits_12h_per_1000") + "; "
                     + _ev(summary, scenario, "transfers_within_trust")))
    safe = {}
    for scenario, _label in (*CLOSURES, *MOVED):
        if _present(summary, scenario):
            safe[scenario] = not worse(summary, scenario)
    for scenario, label in MOVED:
        if not _present(summary, scenario):
            continue
        bad, good = worse(summary, scenario), better(summary, scenario)
        unmoved = "close_two" if scenario.startswith("close_two") else "five_sites"
        if bad:
            answer = f"no: still worse than nine A&Es on {len(bad)} of {len(SAFETY)} measures: " + "; ".join(
                change(summary, scenario, k) for k in bad)
        else:
            answer = "yes: no safety measure clearly worse than with nine A&Es"
        if good:
            answer += "; better: " + "; ".join(change(summary, scenario, k) for k in good)
        if _present(summary, unmoved):
            answer += f" (with nothing moved: {len(worse(summary, unmoved))} worse)"
        rows.append((f"Does moving the capacity make it safe? ({label})", answer,
                     "; ".join(_ev(summary, scenario, k) for k in SAFETY)))
    rows.append(("Overall: is the claim supported?", _overall(summary, safe),
                 "safe = none of " + ", ".join(MEASURES[k][0] for k in SAFETY)
                 + " clearly worse than nine A&Es (paired 95% CI); worse measures: "
                 + "; ".join(f"{s} {len(worse(summary, s))}" for s in safe)))
    return verdict_rows(rows)


def _overall(summary, safe: dict[str, bool]) -> str:
    if not safe:
        return "cannot tell: no closure scenario was run"
    travel = [s for s in safe if direction(summary, s, "conveyance_minutes_mean") == "higher"
              or direction(summary, s, "ae_travel_minutes_mean") == "higher"]
    longer = " Patients travel further in every scenario that closes an A&E." if len(travel) == len(safe) else ""
    unsafe = [s for s, ok in safe.items() if not ok]
    fine = [s for s, ok in safe.items() if ok]
    if not unsafe:
        return "yes, in this model: no closure scenario made a safety measure clearly worse." + longer
    if not fine:
        reach = "even with all the capacity (beds too) moved." if "five_sites_all_moved" in safe else "as tested."
        return "no: every closure scenario made care less safe than with nine A&Es, " + reach + longer
    if set(unsafe) <= {"close_two", "five_sites"}:
        return ("only if the capacity moves with the patients: less safe with nothing moved (" + ", ".join(unsafe)
                + "), no clear harm where it moved (" + ", ".join(fine) + ")." + longer)
    if safe.get("five_sites_all_moved"):
        return ("no, not as planned: less safe in " + ", ".join(unsafe) + " - moving the closed A&Es' clinicians "
                "and cubicles was not enough; only moving their beds as well (five_sites_all_moved) kept care as "
                "safe as with nine A&Es." + longer)
    return "no: less safe in " + ", ".join(unsafe) + "; no clear harm in " + ", ".join(fine) + "." + longer
