"""What happens to patients: the config of deaths and harm (``outcomes:``).

Every effect size here is a published figure (``sim/reference/england.yaml``, section
``outcomes``, with its citation and range) or is marked there as an assumption with its plausible
range; the baseline risks are calibrated. Defaults are the published figures, with the rule off
(``enabled: false``): a config that leaves ``outcomes:`` out runs exactly as before.

The risk model (``sim.outcomes``): a patient's 30-day risk of death with no delay (by age band,
frailty, triage category and whether they were admitted; or, for a time-critical condition, the
condition's own risk), times the effect of what happened to them: hours in A&E (admitted
patients: Jones et al. 2022; patients sent home: ONS 2025), minutes to definitive care for a
time-critical condition, care at home on a virtual ward, and, added, the deaths from infections
caught during delayed nights in hospital and moves between hospitals.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.schema import Probability, Strict

AGE_BANDS: tuple[str, ...] = ("0-17", "18-64", "65-84", "85+")
AgeBand = Literal["0-17", "18-64", "65-84", "85+"]
ACUITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
Acuity = Literal[1, 2, 3, 4, 5]
# The time-critical condition groups, in the order of their codes in the journey table (0 is none).
CONDITIONS: tuple[str, ...] = ("stemi", "stroke", "sepsis", "major_trauma")
Condition = Literal["stemi", "stroke", "sepsis", "major_trauma"]
Ratio = Annotated[float, Field(gt=0, le=100)]  # a risk or odds ratio
Hours = Annotated[float, Field(ge=0, le=1000)]


def _complete(mapping: dict, keys: tuple, what: str) -> None:
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ValueError(f"{what} must give every one of {list(keys)}; missing {missing}")


def _rising(values: list[float], what: str) -> None:
    if any(b < a for a, b in zip(values, values[1:])):
        raise ValueError(f"{what} must not decrease (a longer wait is never safer)")


class ConditionConfig(Strict):
    """A time-critical condition group: how many admitted patients have it, their risk, and how
    fast delay raises it."""

    share_of_admitted: dict[Acuity, Probability] = Field(
        default_factory=lambda: {a: 0.0 for a in ACUITIES},
        description="share of emergency admissions of each triage category with this condition")
    risk: Probability = Field(0.0, description="30-day risk of death with no delay (replaces the age-band risk)")
    ratio: float = Field(1.0, ge=1.0, le=100.0, description="published risk or odds ratio per `per_minutes` of delay")
    per_minutes: float = Field(60.0, gt=0, le=10_000.0, description="the delay the ratio is published for")
    scale: Literal["risk", "odds"] = Field("risk", description="whether `ratio` is a risk ratio or an odds ratio")
    treated_share: Probability = Field(
        1.0, description="share of the group whose outcome depends on the delay (e.g. stroke: those thrombolysed)")
    delay: Literal["call_to_treatment", "travel"] = Field(
        "call_to_treatment", description="the delay the effect applies to: from the 999 call (or arrival) to being "
                                         "seen by a clinician, or the journey to hospital only")

    @model_validator(mode="after")
    def _all_acuities(self):
        _complete(self.share_of_admitted, ACUITIES, "share_of_admitted")
        return self


class OutcomesConfig(Strict):
    """Deaths within 30 days and harm in hospital, per patient (``sim.outcomes``)."""

    enabled: bool = Field(False, description="decide deaths and harm; off: nobody dies, as before")
    risk_admitted: dict[AgeBand, Probability] = Field(
        default_factory=lambda: {b: 0.0 for b in AGE_BANDS},
        description="30-day risk of death with no delay of an admitted patient, not frail, triage category 3")
    risk_not_admitted: dict[AgeBand, Probability] = Field(
        default_factory=lambda: {b: 0.0 for b in AGE_BANDS},
        description="30-day risk of death with no delay of an A&E patient sent home, not frail, triage category 3")
    frail_risk_ratio: float = Field(2.10, ge=0, le=20, description="risk ratio of death, frail against not frail")
    acuity_risk_ratio: dict[Acuity, Ratio] = Field(
        default_factory=lambda: {a: 1.0 for a in ACUITIES},
        description="risk ratio of death by triage category, against category 3")
    in_hospital_share: Probability = Field(
        0.75, description="of an admitted (or virtual ward) patient's 30-day risk, the share who die before leaving")
    admitted_ae_hours: list[Hours] = Field(
        default_factory=lambda: [4.0, 6.0, 8.0, 12.0],
        description="edges of the bands of hours from arrival to leaving A&E for a bed")
    admitted_ae_ratio: list[Ratio] = Field(
        default_factory=lambda: [0.94, 1.06, 1.14, 1.16, 1.16],
        description="standardised mortality ratio of each band (one more than the edges); risk is multiplied by "
                    "the band's ratio over the first band's")
    not_admitted_ae_hours: list[Hours] = Field(
        default_factory=lambda: [2.0, 3.0, 6.0, 9.0, 12.0],
        description="hours in A&E at which the odds ratios of death of patients sent home are published")
    not_admitted_ae_odds_ratio: list[Ratio] = Field(
        default_factory=lambda: [1.0, 1.1, 1.6, 1.9, 2.1],
        description="odds ratio of death at each of those hours (linear between them, flat outside)")
    conditions: dict[Condition, ConditionConfig] = Field(default_factory=dict)
    older_only_nights: bool = Field(True, description="harm from delayed nights counts for patients aged 65+ only")
    delayed_night_harm: Probability = Field(
        0.026, description="risk of a hospital-acquired harm (adverse drug reaction, infection, pressure ulcer) "
                           "per extra night in hospital")
    delayed_night_infection: Probability = Field(0.016, description="of which, risk of an infection per extra night")
    infection_death: Probability = Field(0.035, description="deaths per hospital-acquired infection")
    inpatient_infection_risk: Probability = Field(
        0.047, description="share of inpatients who catch a healthcare-associated infection")
    transfer_infection_odds_ratio: float = Field(
        1.09, ge=1.0, le=10.0, description="odds ratio of an infection per move between wards or hospitals")
    virtual_ward_ratio_suitable: float = Field(
        0.77, ge=0, le=10, description="risk ratio of death, virtual ward against hospital, for a suitable patient")
    virtual_ward_ratio_unsuitable: float = Field(
        1.06, ge=0, le=10, description="risk ratio of death, virtual ward against hospital, for an unsuitable patient")
    population: Literal["excess", "all", "none"] = Field(
        "excess", description="who leaves the population when they die: the deaths in excess of the no-delay "
                              "counterfactual (the steady state replaces the others), every death, or none")

    @model_validator(mode="after")
    def _check(self):
        _complete(self.risk_admitted, AGE_BANDS, "risk_admitted")
        _complete(self.risk_not_admitted, AGE_BANDS, "risk_not_admitted")
        _complete(self.acuity_risk_ratio, ACUITIES, "acuity_risk_ratio")
        for hours, ratios, what in ((self.admitted_ae_hours, self.admitted_ae_ratio, "admitted_ae"),
                                    (self.not_admitted_ae_hours, self.not_admitted_ae_odds_ratio, "not_admitted_ae")):
            if any(b <= a for a, b in zip(hours, hours[1:])):
                raise ValueError(f"{what}_hours must increase")
            _rising(ratios, f"{what} ratios")
        if len(self.admitted_ae_ratio) != len(self.admitted_ae_hours) + 1:
            raise ValueError("admitted_ae_ratio needs one ratio per band: one more than admitted_ae_hours")
        if len(self.not_admitted_ae_odds_ratio) != len(self.not_admitted_ae_hours) or not self.not_admitted_ae_hours:
            raise ValueError("not_admitted_ae_odds_ratio needs one odds ratio per point of not_admitted_ae_hours")
        if self.delayed_night_infection > self.delayed_night_harm:
            raise ValueError("delayed_night_infection is part of delayed_night_harm, so cannot exceed it")
        for a in ACUITIES:
            total = sum(c.share_of_admitted[a] for c in self.conditions.values())
            if total > 1 + 1e-9:
                raise ValueError(f"conditions: the shares of admitted patients of triage category {a} sum to "
                                 f"{total:.3g}, more than 1")
        return self
