"""Verdict on the claim that 40% of acute patients could be cared for out of hospital, cheaper.

Reads the paired differences of ``forty_percent.yaml``'s scenarios against today's practice and
answers: does diverting 40% free acute beds; is it safe (deaths within 30 days, deaths attributable
to waiting, deteriorations and readmissions) when fewer are truly suitable; is it
cheaper for the system; is money actually released from acute hospitals; and what happens when
the community capacity is not funded.
"""

from __future__ import annotations

import pandas as pd

from experiments.claims import direction, evidence, verdict_rows

CLAIMED = "divert_40_suitable_40_funded"
EVIDENCED = "divert_40_suitable_24_funded"
LOW = "divert_40_suitable_10_funded"
UNFUNDED = "divert_40_suitable_24_unfunded"


def verdict(summary: pd.DataFrame, exp) -> pd.DataFrame:
    rows = []
    occ = direction(summary, EVIDENCED, "bed_occupancy_midnight")
    rows.append(("Does diverting 40% of decisions to admit free acute beds?",
                 {"lower": "yes", "higher": "no: occupancy rises", "no clear difference": "no clear effect"}.get(occ, occ),
                 evidence(summary, EVIDENCED, "bed_occupancy_midnight")))
    for scenario, label in ((CLAIMED, "40% truly suitable"), (EVIDENCED, "24% truly suitable"),
                            (LOW, "10% truly suitable")):
        deaths = direction(summary, scenario, "deaths_per_1000_population")
        harm = direction(summary, scenario, "deteriorations_after_diversion")
        readm = direction(summary, scenario, "readmission_30day_share")
        if deaths == "higher":
            answer = "no: more patients die within 30 days"
        elif harm == "higher" or readm == "higher":
            answer = "no deaths shown, but more patients deteriorate at home and come back"
        elif deaths == "lower":
            answer = "safer: fewer patients die (shorter waits for the rest, hospital at home for the suitable)"
        else:
            answer = "no clear harm"
        rows.append((f"Is it safe when {label}?", answer,
                     evidence(summary, scenario, "deaths_per_1000_population") + "; "
                     + evidence(summary, scenario, "deaths_from_delay_per_1000_population") + "; "
                     + evidence(summary, scenario, "deteriorations_after_diversion") + "; "
                     + evidence(summary, scenario, "readmission_30day_share", 100, "%")))
    cost = direction(summary, EVIDENCED, "cost_per_head")
    rows.append(("Is it cheaper for the system (cost per head)?",
                 {"lower": "yes", "higher": "no: it costs more", "no clear difference": "no clear saving"}.get(cost, cost),
                 evidence(summary, EVIDENCED, "cost_per_head", unit=" GBP")))
    acute = direction(summary, EVIDENCED, "acute_spending")
    rows.append(("Is money actually released from acute hospitals?",
                 {"lower": "some: bed-day costs fall while staff and estate stay",
                  "higher": "no", "no clear difference": "no"}.get(acute, acute),
                 evidence(summary, EVIDENCED, "acute_spending", unit=" GBP/yr") + "; "
                 + evidence(summary, EVIDENCED, "community_spending", unit=" GBP/yr")))
    div = direction(summary, UNFUNDED, "diverted_to_virtual_ward")
    occ_unfunded = direction(summary, UNFUNDED, "bed_occupancy_midnight")
    rows.append(("Without funded community capacity, does the policy work?",
                 "no: few patients can be diverted, beds barely change" if occ_unfunded != "lower" or div != "higher"
                 else "partly",
                 evidence(summary, UNFUNDED, "diverted_to_virtual_ward") + "; "
                 + evidence(summary, UNFUNDED, "bed_occupancy_midnight")))
    holds = (direction(summary, CLAIMED, "bed_occupancy_midnight") == "lower"
             and direction(summary, CLAIMED, "cost_per_head") == "lower"
             and direction(summary, CLAIMED, "deaths_per_1000_population") != "higher"
             and direction(summary, CLAIMED, "deteriorations_after_diversion") != "higher")
    rows.append(("Overall: does the claim hold?",
                 "only if 40% really are suitable and the community capacity is funded - and even then it is "
                 "not cheaper" if not holds else "yes, under the claim's own premise",
                 "judged on the claim's premise (40% suitable, funded) and the evidence (24% suitable)"))
    return verdict_rows(rows)
