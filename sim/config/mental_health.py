"""Mental health crisis care: demand, the crisis resolution and home treatment team, psychiatric
(adult acute) beds at the mental health trust, and out-of-area placements (``sim.mental_health``).

Capacities are given per million people, as the published figures are, so that a footprint of any
size gets its share (``beds_per_million`` x population / 1,000,000, rounded). Every figure is
carried in ``sim/reference/england.yaml`` (section ``mental_health``) with its source, or marked
there as an assumption with its plausible range.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.schema import Probability, Strict
from sim.distributions import Distribution

AGE_BANDS = ("0-17", "18-64", "65-84", "85+")
AgeBand = Literal["0-17", "18-64", "65-84", "85+"]
PerMillion = Annotated[float, Field(ge=0, le=100_000.0)]  # a hundred thousand places per million: 1 in 10 people


class MentalHealthConfig(Strict):
    """Mental health crisis: who presents where, the crisis team, psychiatric beds and out-of-area
    placements.

    A crisis presentation at a type 1 A&E (on foot, conveyed after a 999 call, or sent on by a
    crisis team with no room) is triaged at ``acuity`` and assessed as any patient, then by the
    mental health liaison team (``liaison_minutes``); a share need a psychiatric admission. The
    crisis team assesses each of them (gatekeeping): with a place free, a share
    ``admission_avoidance`` is treated at home instead. The others wait in A&E, in their cubicle,
    for a psychiatric bed; after ``out_of_area_after_hours`` with no local bed they are placed out
    of area (null: they wait for a local bed however long it takes)."""

    share_of_self_presentations: dict[AgeBand, Probability] = Field(
        description="of A&E self-presentations (demand.ae_self_presentations_per_1000), by age band, the share that "
                    "are mental health crises")
    share_of_ambulance_incidents: dict[AgeBand, Probability] = Field(
        description="of 999 incidents (demand.ambulance_incidents_per_1000), by age band, the share that are mental "
                    "health crises (answered as any incident; the conveyed arrive at A&E as crisis presentations)")
    crisis_referrals_per_gp_appointment: dict[AgeBand, Probability] = Field(
        description="urgent referrals from general practice to the crisis team, per GP appointment demanded "
                    "(demand.gp_appointments_per_1000), by age band")
    carve_out: bool = Field(
        True, description="the crises are part of the published A&E and 999 rates (which already include them): "
                          "the other self-presentations and incidents are the rest; false: crises come on top")
    acuity: int = Field(3, ge=1, le=5, description="triage category of a crisis presentation at A&E")
    liaison_minutes: Distribution = Field(
        description="after the A&E assessment: waiting for and being assessed by the mental health liaison team, "
                    "in the cubicle, before the decision")
    admission_share: Probability = Field(
        description="crisis presentations at A&E who need a psychiatric admission")
    referral_admission_share: Probability = Field(
        description="GP crisis referrals the crisis team cannot treat at home and admit to a psychiatric bed")
    crisis_team_places_per_million: PerMillion = Field(
        description="crisis resolution and home treatment team caseload places per million people")
    home_treatment_days: Distribution = Field(description="an episode of home treatment by the crisis team")
    admission_avoidance: Probability = Field(
        description="of patients needing admission assessed by the crisis team while it has a place, the share "
                    "treated at home instead (0: the team changes no admission)")
    beds_per_million: PerMillion = Field(description="adult acute psychiatric beds per million people")
    los_days: Distribution = Field(description="clinical length of stay in a psychiatric bed (days)")
    delayed_discharge_share: Probability = Field(
        description="admitted patients whose discharge is delayed once clinically ready (housing, support)")
    delayed_discharge_days: Distribution = Field(description="the delay of a delayed discharge (days)")
    out_of_area_after_hours: Annotated[float, Field(ge=0, le=8_760)] | None = Field(
        None, description="a patient waiting this long for a local psychiatric bed is placed out of area (null: never; "
                    "they wait for a local bed)")
    out_of_area_los_days: Distribution = Field(description="a stay in an out-of-area bed (days)")

    @model_validator(mode="after")
    def _all_bands(self):
        for name in ("share_of_self_presentations", "share_of_ambulance_incidents",
                     "crisis_referrals_per_gp_appointment"):
            missing = [b for b in AGE_BANDS if b not in getattr(self, name)]
            if missing:
                raise ValueError(f"{name} must give every one of {list(AGE_BANDS)}; missing {missing}")
        return self
