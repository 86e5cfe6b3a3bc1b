"""The elective waiting list as referral to treatment (RTT): clock starts, clinics, theatres, the list.

Optional: a config without ``rtt:`` keeps the older route (elective admissions arriving at
``demand.elective_admissions_per_1000``). Every number here is sourced or marked as an
assumption in ``sim/reference/england.yaml`` and docs/parameters.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.schema import Probability, Strict

AGE_BANDS: tuple[str, ...] = ("0-17", "18-64", "65-84", "85+")
SPECIALTIES: tuple[str, ...] = ("trauma_orthopaedics", "ent", "general_surgery", "other")
Specialty = Literal["trauma_orthopaedics", "ent", "general_surgery", "other"]
MAX_RATE_PER_1000 = 100_000.0
MAX_SESSIONS_PER_WEEK = 10_000.0  # theatre sessions at one site (a large hospital runs about 300)
MAX_PER_1000_PER_WEEK = 1_000.0  # outpatient clock stops a week per 1,000 people
PerThousand = Annotated[float, Field(ge=0, le=MAX_RATE_PER_1000)]


class RttConfig(Strict):
    """Referral to treatment: who is referred, how they are seen, treated or removed, and the list
    a run starts with."""

    other_referrals_per_1000: dict[Literal["0-17", "18-64", "65-84", "85+"], PerThousand] = Field(
        description="clock starts a year per 1,000 people from sources other than GP consultations (consultant to "
                    "consultant, A&E, optometrists, dentists); GP referrals come from "
                    "primary_care.consultation_to_elective_referral_share")
    specialty_shares: dict[Specialty, Probability] = Field(
        description="share of clock starts by specialty group (they sum to 1)")
    urgent_share: Probability = Field(description="clock starts with an urgent clinical priority")
    admitted_share: Probability = Field(
        description="pathways that end in an admission (an admitted clock stop); the rest stop in outpatients")
    day_case_share: Probability = Field(
        description="of admitted pathways, those treated as day cases (a theatre slot, no overnight bed)")
    removal_per_month: Probability = Field(
        description="share of the list removed each month without a reported clock stop (validation, treated "
                    "elsewhere, no longer wanted)")
    outpatient_stops_per_1000_per_week: float = Field(
        ge=0, le=MAX_PER_1000_PER_WEEK,
        description="pathways seen in outpatients a week per 1,000 people (a non-admitted stop, or a decision to "
                    "admit), split between sites by their beds; on weekdays")
    theatre_sessions_per_week_per_100_beds: float = Field(
        ge=0, le=1_000, description="elective theatre sessions a week at a site, per 100 general and acute beds "
                                    "(a site not named in theatre_sessions_per_week)")
    theatre_sessions_per_week: dict[str, Annotated[float, Field(ge=0, le=MAX_SESSIONS_PER_WEEK)]] = Field(
        default_factory=dict, description="elective theatre sessions a week at named sites (overrides the per-bed rate)")
    cases_per_session: float = Field(ge=0, le=20, description="admitted pathways treated per theatre session")
    in_turn_share: Probability = Field(
        description="share of routine capacity given to the longest waiters (treated in turn); the rest is "
                    "booked among routine waiters regardless of how long they have waited")
    rebook_within_days: int = Field(28, ge=0, le=365,
                                    description="an on-the-day cancellation is to be rebooked within this many days")
    other_planned_admissions_per_1000: dict[Literal["0-17", "18-64", "65-84", "85+"], PerThousand] = Field(
        default_factory=lambda: {b: 0.0 for b in AGE_BANDS},
        description="planned inpatient admissions a year per 1,000 people that are not RTT pathways (repeat and "
                    "planned procedures, chemotherapy, surveillance); booked against beds like the admitted pathways")
    initial_list_per_1000: float = Field(
        0.0, ge=0, le=1_000, description="pathways on the list per 1,000 people when the run starts")
    initial_within_18_weeks_share: Probability = Field(
        0.6, gt=0, lt=1, description="of the initial list, the share waiting under 18 weeks")
    initial_over_52_weeks_share: Probability = Field(
        0.03, gt=0, lt=1, description="of the initial list, the share waiting over 52 weeks")
    initial_decided_to_admit_share: Probability = Field(
        0.5, description="of initial pathways that need admission, the share already seen in outpatients")

    @model_validator(mode="after")
    def _check(self):
        missing = [b for b in AGE_BANDS if b not in self.other_referrals_per_1000]
        if missing:
            raise ValueError(f"other_referrals_per_1000 must give every one of {list(AGE_BANDS)}; missing {missing}")
        missing = [b for b in AGE_BANDS if b not in self.other_planned_admissions_per_1000]
        if missing:
            raise ValueError(f"other_planned_admissions_per_1000 must give every one of {list(AGE_BANDS)}; "
                             f"missing {missing}")
        missing = [s for s in SPECIALTIES if s not in self.specialty_shares]
        if missing:
            raise ValueError(f"specialty_shares must give every one of {list(SPECIALTIES)}; missing {missing}")
        total = sum(self.specialty_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"specialty_shares must sum to 1 (they sum to {total:.6g})")
        if self.initial_over_52_weeks_share >= 1 - self.initial_within_18_weeks_share:
            raise ValueError("initial_over_52_weeks_share must be below the share waiting 18 weeks or more "
                             "(1 - initial_within_18_weeks_share)")
        return self
