"""The per-patient journey table: one row per urgent or planned episode, filled in as it happens.

A journey starts with a 999 call, an arrival at A&E (on foot, sent by a GP, readmitted, or back
after deteriorating at home) or a booked elective admission, and ends in exactly one end state.
Rows are stored column by column in numpy arrays (grown by doubling) because a year of a million
people is several hundred thousand journeys: Python objects per patient would cost more memory
and time than the simulation itself.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.columns import ColumnTable


class Entry(IntEnum):
    """How a journey began."""

    AMBULANCE_CALL = 0
    SELF_PRESENTED = 1
    GP_REFERRAL = 2
    READMISSION = 3
    DETERIORATED = 4
    ELECTIVE = 5
    GP_WAIT_TOO_LONG = 6
    GP_DIRECT_ADMISSION = 7
    MENTAL_HEALTH_CRISIS = 8  # a mental health crisis presenting at A&E on foot or by car
    MENTAL_HEALTH_CALL = 9  # a 999 call about a mental health crisis
    CRISIS_REFERRAL = 10  # a GP's urgent referral to the crisis team


# Journeys of a mental health crisis (sim.mental_health)
MENTAL_HEALTH_ENTRIES = (Entry.MENTAL_HEALTH_CRISIS, Entry.MENTAL_HEALTH_CALL, Entry.CRISIS_REFERRAL)


class End(IntEnum):
    """How a journey ended. Every journey has exactly one, or ``IN_SYSTEM`` when the run stops."""

    IN_SYSTEM = -1
    HEAR_AND_TREAT = 0
    SEE_AND_TREAT = 1
    URGENT_COMMUNITY_RESPONSE = 2
    UCC_DISCHARGED = 3
    ED_DISCHARGED = 4
    ED_REFERRED_COMMUNITY = 5
    DISCHARGED_P0 = 6
    DISCHARGED_P1 = 7
    DISCHARGED_P2 = 8
    DISCHARGED_P3 = 9
    VIRTUAL_WARD_COMPLETED = 10
    VIRTUAL_WARD_DETERIORATED = 11
    ELECTIVE_CANCELLED = 12
    DIED_IN_HOSPITAL = 13
    DIED_ON_VIRTUAL_WARD = 14
    MH_AE_DISCHARGED = 15  # a mental health crisis discharged from A&E
    MH_HOME_TREATMENT = 16  # an episode of home treatment by the crisis team completed
    MH_DISCHARGED = 17  # discharged from a local psychiatric bed
    MH_OUT_OF_AREA_DISCHARGED = 18  # discharged from an out-of-area placement


class MentalHealthRoute(IntEnum):
    """Where a mental health crisis was sent, decided once (the journey ends when that care ends)."""

    NONE = 0  # not a mental health journey, or no decision yet
    AE_DISCHARGED = 1
    HOME_TREATMENT = 2
    LOCAL_ADMISSION = 3
    OUT_OF_AREA = 4


# column name -> (dtype, fill value for a new row)
COLUMNS: dict[str, tuple[str, float | int]] = {
    "entry": ("i1", -1),
    "locality": ("i2", -1),
    "age_band": ("i1", -1),
    "frail": ("?", False),
    "suitable_ooh": ("?", False),
    "category": ("i1", 0),
    "acuity": ("i1", 0),
    "t_arrival": ("f8", np.nan),
    "t_response": ("f8", np.nan),
    "conveyance_minutes": ("f4", np.nan),  # driving from the scene to A&E
    "travel_minutes": ("f4", np.nan),  # from home to the A&E or urgent care centre attended
    "ed_site": ("i2", -1),
    "ucc_site": ("i2", -1),
    "t_ed_arrival": ("f8", np.nan),
    "t_handover": ("f8", np.nan),
    "t_seen": ("f8", np.nan),
    "t_decision": ("f8", np.nan),
    "t_ed_departure": ("f8", np.nan),
    "admitted": ("?", False),
    "diverted": ("?", False),
    "corridor": ("?", False),
    "bed_site": ("i2", -1),
    "t_bed": ("f8", np.nan),
    "t_fit": ("f8", np.nan),
    "pathway": ("i1", -1),
    "care_adequate": ("?", True),
    "t_discharge": ("f8", np.nan),
    "previous": ("i4", -1),
    "end": ("i1", -1),
    "t_end": ("f8", np.nan),
    # what happened to the patient (sim.outcomes): deaths within 30 days and harm in hospital
    "condition": ("i1", 0),  # time-critical condition group: 0 none, then CONDITIONS in order
    "death_risk": ("f4", np.nan),  # 30-day risk of death given what happened to them
    "death_risk_no_delay": ("f4", np.nan),  # the same patient, same routes, no waiting
    "died": ("?", False),  # died within 30 days (in hospital, on a virtual ward or after leaving)
    "died_from_delay": ("?", False),  # died, and would not have without the waiting
    "t_death": ("f8", np.nan),
    "harm": ("?", False),  # a hospital-acquired harm during delayed nights or a move between hospitals
    "harm_risk": ("f4", np.nan),
    # hospitals as a network (sim.network)
    "transfer_from": ("i2", -1),  # the site whose beds would have taken the patient, when moved elsewhere
    "transfer_kind": ("i1", 0),  # 0 none, 1 to another site of the same trust, 2 overflow to another trust
    "ambulance_diverted": ("?", False),  # the crew went past a nearer A&E on divert
    # mental health crisis (sim.mental_health)
    "mh_route": ("i1", 0),  # MentalHealthRoute
    "mh_needs_admission": ("?", False),  # assessed as needing a psychiatric admission
    "t_mh_bed": ("f8", np.nan),  # admitted to a local psychiatric bed or placed out of area
    "t_mh_discharge": ("f8", np.nan),
    "readmitted": ("?", False),  # followed by an emergency readmission (marked when the readmission arrives)
}


class JourneyLog(ColumnTable):
    """Columnar storage of journeys; ``new_block()`` hands out row ids, processes write fields by id."""

    COLUMNS = COLUMNS
    INDEX_NAME = "journey"

    def finish(self, pid: int, how: End, t: float) -> None:
        """Record the one end state of a journey."""
        self.end[pid] = how
        self.t_end[pid] = t
