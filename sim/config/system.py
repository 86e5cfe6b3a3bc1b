"""The one parameters object of an icsim run: the system's people, places and services.

A config is data, never code: pydantic models with ``extra="forbid"`` so a misspelt key is an
error, not a silently ignored setting. Every model here is named ``...Config`` so that it is never
confused with the runtime object it configures (``SiteConfig`` against a site's ``Ward``).
The organisations' money and budget rules are in ``sim.config.organisations``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.calibration import CalibrationConfig
from sim.config.mental_health import MentalHealthConfig
from sim.config.organisations import OrganisationsConfig
from sim.config.outcomes import OutcomesConfig
from sim.config.rtt import RttConfig
from sim.config.schema import Money, Multiplier, NonNegFloat, NonNegInt, Probability, SafeName, Seed, Strict
from sim.distributions import Distribution, Fixed

AGE_BANDS: tuple[str, ...] = ("0-17", "18-64", "65-84", "85+")
AgeBand = Literal["0-17", "18-64", "65-84", "85+"]
PATHWAYS: tuple[str, ...] = ("P0", "P1", "P2", "P3")
Pathway = Literal["P0", "P1", "P2", "P3"]
ACUITIES: tuple[int, ...] = (1, 2, 3, 4, 5)


def _complete(mapping: dict, keys: tuple, what: str) -> None:
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ValueError(f"{what} must give every one of {list(keys)}; missing {missing}")


def _shares(mapping: dict, what: str) -> None:
    total = sum(mapping.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.6g})")


# Bounds a real system could have (docs/parameters.md, "Bounds").
MAX_PEOPLE_PER_BAND = 20_000_000  # in one locality and age band
MAX_POPULATION = 70_000_000  # a footprint: about the United Kingdom
MIN_POPULATION = 1_000  # fewer people give no KPI worth reading
MAX_PLACES = 2_000  # localities, and sites
MAX_RATE_PER_1000 = 100_000.0  # a year: a hundred contacts a person
MAX_BEDS = 10_000  # at one site (the largest English hospitals have about 2,000)
MAX_STAFF = 1_000  # clinicians on duty at one department
MAX_CUBICLES = 2_000
MAX_VEHICLES = 10_000  # ambulances (London's whole fleet is about 1,100)
MAX_CASELOAD = 1_000_000  # places or packages of one service
MAX_PER_WEEK = 100_000.0  # starts a week
MAX_MINUTES = 10_080.0  # a week, for a wait given in minutes
MAX_DAYS = 3_650  # ten years
PerThousand = Annotated[float, Field(ge=0, le=MAX_RATE_PER_1000)]
ByAge = dict[AgeBand, PerThousand]
Relative = Annotated[float, Field(ge=0, le=1e6)]  # a profile's or rota's relative weight


# --- run ---------------------------------------------------------------------------------------


class RunConfig(Strict):
    """How long to simulate and from when. Time in the simulation is minutes from ``start_date``."""

    start_date: dt.date = Field(dt.date(2024, 4, 1), ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31))
    months: int = Field(12, ge=1, le=240)
    warmup_days: int = Field(28, ge=0, le=MAX_DAYS, description="days simulated first and left out of KPIs")
    seed: Seed = 42


# --- population and demand ---------------------------------------------------------------------


class LocalityConfig(Strict):
    """A neighbourhood: people by age band, the share of them living with frailty, and a location."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    population: dict[AgeBand, Annotated[int, Field(ge=0, le=MAX_PEOPLE_PER_BAND)]]
    frail_share: dict[AgeBand, Probability]

    @model_validator(mode="after")
    def _all_bands(self):
        _complete(self.population, AGE_BANDS, "population")
        _complete(self.frail_share, AGE_BANDS, "frail_share")
        return self


class ProfileConfig(Strict):
    """Relative intensity by hour of day, day of week (Monday first) and month (January first).
    Each list is rescaled to mean 1, so only its shape matters."""

    hour_of_day: list[Relative] = Field(default_factory=lambda: [1.0] * 24)
    day_of_week: list[Relative] = Field(default_factory=lambda: [1.0] * 7)
    month_of_year: list[Relative] = Field(default_factory=lambda: [1.0] * 12)

    @model_validator(mode="after")
    def _lengths(self):
        for name, n in (("hour_of_day", 24), ("day_of_week", 7), ("month_of_year", 12)):
            values = getattr(self, name)
            if len(values) != n:
                raise ValueError(f"{name} must have {n} values, not {len(values)}")
            if sum(values) <= 0:
                raise ValueError(f"{name} must not be all zero")
        return self


class DemandConfig(Strict):
    """Need for care per 1,000 people a year, by age band, and how it varies in time."""

    gp_appointments_per_1000: ByAge
    ambulance_incidents_per_1000: ByAge
    ae_self_presentations_per_1000: ByAge = Field(
        description="A&E attendances that arrive on foot or by car (not by ambulance, not sent by a GP)"
    )
    elective_admissions_per_1000: ByAge = Field(description="elective inpatient admissions (not day cases)")
    frail_rate_multiplier: Multiplier = Field(
        2.0, description="a frail person's urgent-care demand relative to a non-frail person of the same age band"
    )
    growth_per_year: float = Field(0.0, ge=-0.5, le=0.5)
    emergency_profile: ProfileConfig = Field(default_factory=ProfileConfig)
    gp_profile: ProfileConfig = Field(default_factory=ProfileConfig)

    @model_validator(mode="after")
    def _all_bands(self):
        for name in (
            "gp_appointments_per_1000",
            "ambulance_incidents_per_1000",
            "ae_self_presentations_per_1000",
            "elective_admissions_per_1000",
        ):
            _complete(getattr(self, name), AGE_BANDS, name)
        return self


# --- geography and sites -----------------------------------------------------------------------


class EmergencyDepartmentConfig(Strict):
    """A type 1 A&E: consultant-led, with resuscitation; takes ambulances. Open 24 hours unless
    ``hours`` says otherwise: outside them ambulances and walk-in majors go to the next nearest
    open A&E (patients already in the department finish their visit), while a co-located urgent
    care centre keeps its own hours (24 hours)."""

    open: bool = True
    clinicians: int = Field(ge=0, le=MAX_STAFF, description="decision-making clinicians on duty at any time")
    cubicles: int = Field(ge=0, le=MAX_CUBICLES,
                          description="majors and resus cubicles; a patient waiting for a bed holds one")
    attractiveness: float = Field(
        1.0, gt=0, le=1000, description="relative pull on patients and crews when they choose among A&Es "
                                        "(travel.ed_choice_decay_minutes); unused when they go to the nearest")
    crew_attractiveness: float | None = Field(
        None, gt=0, le=1000, description="the pull on ambulance crews choosing where to convey, where it differs "
                                         "from patients' (conveyance policies); null: the same as attractiveness")
    hours: tuple[Annotated[int, Field(ge=0, le=24)], Annotated[int, Field(ge=0, le=24)]] | None = Field(
        None, description="[opens, closes]: whole hours of the day it takes new patients, e.g. [8, 19] for "
                          "08:00-19:00; null: 24 hours")

    @model_validator(mode="after")
    def _hours(self):
        if self.hours is not None and not self.hours[0] < self.hours[1]:
            raise ValueError(f"hours: opens ({self.hours[0]}) must be before it closes ({self.hours[1]}), "
                             "within one day")
        return self


class UrgentCareCentreConfig(Strict):
    """A type 3 A&E (urgent treatment centre): walk-in minor illness and injury, no ambulances."""

    open: bool = True
    clinicians: int = Field(ge=0, le=MAX_STAFF)


class SiteConfig(Strict):
    """A place where care is given: an acute hospital, an urgent care centre, or both.
    At a site with both, low-acuity walk-ins are streamed to the urgent care centre."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    emergency_department: EmergencyDepartmentConfig | None = None
    urgent_care_centre: UrgentCareCentreConfig | None = None
    beds: int = Field(0, ge=0, le=MAX_BEDS, description="general and acute beds open, for emergencies and electives")
    elective_beds: int = Field(0, ge=0, le=MAX_BEDS, description="of those, beds ring-fenced for elective admissions")

    @model_validator(mode="after")
    def _ring_fence(self):
        if self.elective_beds > self.beds:
            raise ValueError("elective_beds must not exceed beds")
        return self
    ambulance_station: bool = False


class TravelConfig(Strict):
    """How travel times are derived from coordinates, and any measured times that override them."""

    road_speed_kmh: float = Field(30.0, ge=1, le=200, description="average blue-light-free road speed")
    detour_factor: float = Field(1.3, ge=1, le=10, description="road distance over straight-line distance")
    neighbours: int = Field(6, ge=1, le=MAX_PLACES, description="each place is joined to this many nearest places")
    minutes: dict[str, Annotated[float, Field(ge=0, le=MAX_MINUTES)]] = Field(
        default_factory=dict, description='measured times, keyed "a--b" by place names'
    )
    ed_choice_decay_minutes: float | None = Field(
        None, gt=0, le=600,
        description="patients and ambulance crews choose among open type 1 A&Es with probability proportional to "
                    "attractiveness x exp(-extra minutes / this), the extra minutes over the nearest (a Huff "
                    "model); null: always the nearest")


# --- services ----------------------------------------------------------------------------------


class PrimaryCareConfig(Strict):
    """GP practices, grouped one primary care network per locality: slots from staff, booked FIFO."""

    gp_fte_per_1000: float = Field(ge=0, le=100, description="GP full-time equivalents per 1,000 people")
    appointments_per_gp_fte_per_day: float = Field(ge=0, le=1_000)
    other_staff_appointments_per_1000_per_day: float = Field(ge=0, le=1_000,
        description="nurse, pharmacist and other appointments per 1,000 people per working day"
    )
    working_days: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    urgent_share: Probability = Field(description="requests that need to be seen soon")
    urgent_tolerance_days: float = Field(ge=0, le=365,
                                         description="an urgent request offered a longer wait looks elsewhere")
    urgent_to_ae_share: Probability = Field(description="of urgent requests refused a soon slot, the share who go to A&E")
    consultation_to_ae_share: Probability
    consultation_to_direct_admission_share: Probability = Field(
        0.0, description="patients the GP admits straight to an acute medical unit, not through A&E")
    consultation_to_community_share: Probability
    consultation_to_elective_referral_share: Probability


class AmbulanceConfig(Strict):
    """One ambulance service: a fleet answering 999 calls by category, conveying some to A&E."""

    vehicles: int = Field(ge=0, le=MAX_VEHICLES)
    category_shares: dict[Literal[1, 2, 3, 4], Probability]
    hear_and_treat_share: Probability
    see_and_treat_share: Probability
    urgent_community_response_share: Probability = Field(
        0.0, description="of patients who would be conveyed, the share an urgent community response team can take instead"
    )
    mobilisation_minutes: Distribution
    scene_travel_extra_minutes: Distribution = Field(description="travel within the locality beyond the hub-to-hub time")
    on_scene_minutes: Distribution
    handover_minutes: Distribution = Field(description="clinical handover once an A&E space is free")
    clear_minutes: Distribution = Field(description="cleaning and returning to service after handover")
    blue_light_speedup: float = Field(1.5, ge=1, le=10, description="emergency driving is this much faster than road speed")
    standby_in_localities: bool = Field(
        False, description="vehicles wait at standby points within every locality (dynamic deployment, as London's): "
                           "a response starts in the caller's locality, so it is mobilisation and the travel within "
                           "the locality; false: it starts at the nearest ambulance station")
    conveyance_from_scene: bool = Field(
        False, description="the drive to A&E starts at the scene, scene_travel_extra_minutes from the locality's "
                           "centre, which is added to the conveyance; false: it starts at the locality's centre")
    handover_release_minutes: Annotated[float, Field(ge=0, le=MAX_MINUTES)] | None = Field(
        None, description="a crew still waiting this long for a cubicle hands its patient over into corridor care "
                          "(NHS England's 45-minute release to respond); null: crews wait as long as it takes")

    @model_validator(mode="after")
    def _check(self):
        _complete(self.category_shares, (1, 2, 3, 4), "category_shares")
        _shares(self.category_shares, "category_shares")
        if self.hear_and_treat_share + self.see_and_treat_share > 1:
            raise ValueError("hear_and_treat_share + see_and_treat_share must be <= 1")
        return self


AcuityShares = dict[Literal[1, 2, 3, 4, 5], Probability]


class AandEConfig(Strict):
    """How A&E departments triage, assess and decide."""

    triage_minutes: Distribution
    acuity_shares_self_presenting: AcuityShares
    acuity_shares_ambulance: AcuityShares
    assessment_minutes: dict[Literal[1, 2, 3, 4, 5], Distribution]
    results_minutes: dict[Literal[1, 2, 3, 4, 5], Distribution] = Field(
        description="after assessment, waiting for tests, results and specialist review before the decision")
    ucc_assessment_minutes: Distribution
    ucc_transfer_share: Probability = Field(description="urgent care centre patients sent on to a type 1 A&E")
    admit_probability: AcuityShares = Field(description="by triage category, for a patient aged under 65 and not frail")
    admit_odds_ratio_65plus: Multiplier = 2.0
    admit_odds_ratio_frail: Multiplier = 2.0
    community_referral_share: Probability = Field(description="of those not admitted, the share referred to community care")
    majors_acuity_max: int = Field(3, ge=1, le=5, description="triage categories up to this one need a cubicle")
    corridor_care_after_minutes: Annotated[float, Field(ge=0, le=MAX_MINUTES)] | None = Field(
        None, description="a majors patient waiting this long for a cubicle is assessed and kept in a corridor; "
                          "null: they wait for a cubicle however long it takes")
    clinician_rota: list[Relative] = Field(
        default_factory=lambda: [1.0] * 24,
        description="relative clinicians on duty by hour of day (rescaled to mean 1)")

    @model_validator(mode="after")
    def _rota(self):
        if len(self.clinician_rota) != 24 or sum(self.clinician_rota) <= 0:
            raise ValueError("clinician_rota must have 24 values, not all zero")
        return self

    @model_validator(mode="after")
    def _check(self):
        for name in ("acuity_shares_self_presenting", "acuity_shares_ambulance"):
            _complete(getattr(self, name), ACUITIES, name)
            _shares(getattr(self, name), name)
        _complete(self.assessment_minutes, ACUITIES, "assessment_minutes")
        _complete(self.results_minutes, ACUITIES, "results_minutes")
        _complete(self.admit_probability, ACUITIES, "admit_probability")
        return self


class AcuteBedsConfig(Strict):
    """Length of stay and elective use of general and acute beds."""

    zero_day_share: Probability = Field(description="emergency admissions discharged the same day")
    zero_day_hours: Distribution
    emergency_los_days: Distribution = Field(description="clinical stay of an overnight admission, not frail")
    long_stay_share: Probability = Field(
        0.0, description="share of overnight admissions whose clinical stay comes from `long_stay_days` instead "
                         "(the heavy tail of lengths of stay)")
    long_stay_days: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=0.0),
        description="clinical stay of the long-staying share of overnight admissions, not frail")
    frail_los_multiplier: Multiplier = 1.5
    elective_los_days: Distribution
    elective_admission_hour: float = Field(8.0, ge=0, lt=24)
    elective_days: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    elective_bed_reserve: int = Field(0, ge=0, le=MAX_BEDS, description="beds left free for emergencies when admitting electives")
    elective_booking: bool = Field(
        False, description="referrals join a waiting list and each site books as many as it expects beds for; a "
                           "cancelled operation is rebooked first (false: every referral is booked for its day and a "
                           "cancellation is lost)")
    elective_booking_margin: NonNegInt = Field(
        0, le=1000, description="beds a site keeps back when booking, beyond the change it expects by the admission hour")
    escalation_share: Probability = Field(
        0.0, description="extra beds a site opens, as a share of its beds, while patients queue for a bed (OPEL)")
    escalation_trigger: int = Field(5, ge=0, le=MAX_CASELOAD, description="patients waiting for a bed at the midnight check that open escalation beds")
    turnaround_hours: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=0.0),
        description="a bed is unavailable this long after a patient leaves (cleaning, handover, bed management)")


class DischargeConfig(Strict):
    """Which discharge pathway medically fit patients need, and their risk of coming back."""

    pathway_shares_not_frail: dict[Pathway, Probability]
    pathway_shares_frail: dict[Pathway, Probability]
    p1_reablement_share: Probability = Field(description="P1 patients who need reablement rather than a home care package")
    arrangement_days: dict[Literal["P1", "P2", "P3"], Distribution] = Field(
        description="assessing and arranging care once fit, before a place is sought (the patient stays in the bed)")
    readmission_probability: dict[Pathway, Probability]
    inadequate_care_readmission_multiplier: Multiplier = Field(
        description="readmission risk multiplier when the care needed after discharge was not given"
    )
    readmission_days: Distribution
    fit_hour: float = Field(11.0, ge=0, lt=24, description="hour of day discharges happen once medically fit")
    day_of_week_discharge: list[Probability] = Field(
        default_factory=lambda: [1.0] * 7,
        description="chance that a patient ready to leave an overnight stay is discharged that day, Monday first; "
                    "otherwise the discharge slips to the next day (all 1: every day alike)")

    @model_validator(mode="after")
    def _check(self):
        for name in ("pathway_shares_not_frail", "pathway_shares_frail"):
            _complete(getattr(self, name), PATHWAYS, name)
            _shares(getattr(self, name), name)
        _complete(self.readmission_probability, PATHWAYS, "readmission_probability")
        _complete(self.arrangement_days, PATHWAYS[1:], "arrangement_days")
        if len(self.day_of_week_discharge) != 7 or not any(self.day_of_week_discharge):
            raise ValueError("day_of_week_discharge needs 7 values, Monday first, not all zero")
        return self


class CommunityConfig(Strict):
    """Out-of-hospital care: admission avoidance (virtual wards, urgent response) and discharge support.

    Each person carries a latent flag saying whether they could safely be cared for out of hospital
    (by triage category, frailty and condition; kept on their returns). The front door assesses it
    with a sensitivity and specificity; patients assessed suitable are diverted to a virtual ward
    up to the target share of decisions to admit; a diverted patient who was not suitable may
    deteriorate and come back sicker."""

    virtual_ward_beds: int = Field(ge=0, le=MAX_CASELOAD)
    virtual_ward_days: Distribution
    urgent_response_caseload: int = Field(ge=0, le=MAX_CASELOAD)
    urgent_response_days: Distribution
    intermediate_care_beds: int = Field(ge=0, le=MAX_CASELOAD)
    intermediate_care_days: Distribution
    reablement_caseload: int = Field(ge=0, le=MAX_CASELOAD)
    reablement_days: Distribution
    admission_diversion_share: Probability = Field(
        0.0, description="target share of decisions to admit sent to a virtual ward instead: a patient assessed "
                         "suitable is diverted while diversions so far are below this share of decisions so far")
    suitable_share_by_acuity: dict[Literal[1, 2, 3, 4, 5], Probability] = Field(
        description="share of patients who could safely be cared for out of hospital, not frail, by triage category "
                    "(a time-critical condition: none)")
    suitable_odds_ratio_frail: NonNegFloat = Field(1.0, le=100, description="odds ratio of being suitable, frail against not")
    suitable_odds_ratio: NonNegFloat = Field(
        1.0, le=100, description="multiplies every patient's odds of being suitable (a scenario's premise; 1 in the baseline)")
    selection_sensitivity: Probability = Field(
        1.0, description="share of suitable patients the front-door assessment finds suitable")
    selection_specificity: Probability = Field(
        1.0, description="share of unsuitable patients the front-door assessment finds unsuitable")
    divert_gp_direct_admissions: bool = Field(True, description="GP direct admissions can be diverted too")
    deterioration_probability_unsuitable: Probability
    deterioration_days: Distribution
    deteriorated_los_multiplier: Multiplier = 1.3

    @model_validator(mode="after")
    def _all_acuities(self):
        _complete(self.suitable_share_by_acuity, ACUITIES, "suitable_share_by_acuity")
        return self


class NetworkConfig(Strict):
    """Hospitals as a network: a trust's sites share their beds, a full hospital can overflow to a
    neighbour, and an A&E under pressure can ask for ambulances to be diverted. Every rule is off
    unless set, and each can be switched off alone (``sim.network``)."""

    transfer_within_trust: bool = Field(
        False, description="an admission at a full site goes to a free bed at another site of the same trust")
    transfer_extra_minutes: NonNegFloat = Field(
        30.0, le=1440, description="arranging the transfer and handing over, on top of the road time between the sites")
    transfer_cost: Money = Field(0.0, le=1e6, description="pounds per transfer (patient transport), paid by the sending trust")
    recheck_minutes: float = Field(
        60.0, gt=0, le=1440, description="how often the bed managers look elsewhere for a patient still waiting for a bed")
    overflow_after_hours: NonNegFloat | None = Field(
        None, le=1000, description="a patient waiting this long for a bed goes to the nearest hospital of any trust "
                                   "with a free bed; null: never")
    divert_handover_queue: NonNegInt | None = Field(
        None, le=1000, description="ambulances waiting to hand over at which an A&E is on divert: crews go to the next "
                                   "nearest open A&E not on divert; null: never")
    divert_occupancy: Probability | None = Field(
        None, description="bed occupancy of the A&E's hospital at which it is on divert; null: never")


class SocialCareConfig(Strict):
    """Council-funded home care and care homes, shared with people referred from the community."""

    home_care_packages: int = Field(ge=0, le=MAX_CASELOAD)
    home_care_package_days: Distribution
    home_care_community_starts_per_week: float = Field(ge=0, le=MAX_PER_WEEK)
    care_home_places: int = Field(ge=0, le=MAX_CASELOAD)
    care_home_stay_days: Distribution
    care_home_community_admissions_per_week: float = Field(ge=0, le=MAX_PER_WEEK)
    self_funder_share: Probability
    eligibility_threshold: Probability = Field(
        description="need score (0-1) above which the council funds care; below it a non-self-funder gets none"
    )
    initial_occupancy: Probability = Field(0.95, description="home care and care home occupancy at the start")

    @model_validator(mode="after")
    def _stays_take_time(self):
        # the market starts full of clients part-way through stays drawn in proportion to their
        # length: stays that all last no time cannot be drawn so
        for name in ("home_care_package_days", "care_home_stay_days"):
            if not getattr(self, name).mean() > 0:
                raise ValueError(f"{name}: a stay must last some time (its mean is 0)")
        return self


class Config(Strict):
    """A whole Integrated Care System: its people, places, services and how long to run it."""

    name: SafeName
    description: str = Field("", max_length=10_000)
    run: RunConfig = Field(default_factory=RunConfig)
    localities: dict[str, LocalityConfig] = Field(min_length=1, max_length=MAX_PLACES)
    sites: dict[str, SiteConfig] = Field(min_length=1, max_length=MAX_PLACES)
    travel: TravelConfig = Field(default_factory=TravelConfig)
    demand: DemandConfig
    primary_care: PrimaryCareConfig
    ambulance: AmbulanceConfig
    ae: AandEConfig
    beds: AcuteBedsConfig
    discharge: DischargeConfig
    community: CommunityConfig
    social_care: SocialCareConfig
    mental_health: MentalHealthConfig | None = Field(
        None, description="mental health crisis care: demand, crisis team, psychiatric beds and out-of-area "
                          "placements (sim.mental_health); null: not modelled")
    outcomes: OutcomesConfig = Field(default_factory=OutcomesConfig)
    trusts: dict[str, list[str]] | None = Field(
        None, description="acute trusts and the sites each runs (those without beds are ignored); a site with "
                          "beds left out is a trust of its own")
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    rtt: RttConfig | None = Field(
        None, description="the elective waiting list as referral to treatment (sim.rtt); without it electives "
                          "arrive at demand.elective_admissions_per_1000")
    organisations: OrganisationsConfig | None = Field(
        None, description="the organisations and their budget rules; without them capacities stay as configured")
    calibration: CalibrationConfig | None = Field(
        None, description="published figures this footprint is judged against (`icsim calibrate`)")

    @model_validator(mode="after")
    def _coherent(self):
        clash = set(self.localities) & set(self.sites)
        if clash:
            raise ValueError(f"locality and site names must differ: {sorted(clash)}")
        if not any(s.emergency_department and s.emergency_department.open for s in self.sites.values()):
            raise ValueError("sites: at least one open emergency department (type 1 A&E) is needed")
        if not any(s.beds > 0 for s in self.sites.values()):
            raise ValueError("sites: at least one site must have beds")
        places = set(self.localities) | set(self.sites)
        for key in self.travel.minutes:
            ends = key.split("--")
            if len(ends) != 2 or not all(e in places for e in ends):
                raise ValueError(f'travel.minutes["{key}"]: must be "a--b" with a and b locality or site names')
        if not any(s.ambulance_station for s in self.sites.values()):
            raise ValueError("sites: at least one site must be an ambulance_station")
        if not MIN_POPULATION <= self.population <= MAX_POPULATION:
            raise ValueError(f"localities: the footprint has {self.population:,} people; it must have between "
                             f"{MIN_POPULATION:,} and {MAX_POPULATION:,}")
        if self.calibration is not None:
            problems = self.calibration.check_places(set(self.sites), set(self.localities))
            if problems:
                raise ValueError("\n".join(problems))
        if self.rtt is not None:
            for name in self.rtt.theatre_sessions_per_week:
                if name not in self.sites:
                    raise ValueError(f"rtt.theatre_sessions_per_week.{name}: not a site")
        if self.trusts:
            seen: dict[str, str] = {}
            for trust, members in self.trusts.items():
                if not members:
                    raise ValueError(f"trusts.{trust}: a trust needs at least one site")
                for site in members:
                    if site not in self.sites:
                        raise ValueError(f"trusts.{trust}: {site!r} is not a site")
                    if site in seen:
                        raise ValueError(f"trusts: {site!r} is in both {seen[site]} and {trust}")
                    seen[site] = trust
        return self

    def trust_sites(self) -> dict[str, list[int]]:
        """Every acute trust and the indexes of its sites with beds, in site order: the ``trusts:``
        groupings, and each site with beds left out as a trust of its own (``<site>_trust``)."""
        grouped = {site: trust for trust, members in (self.trusts or {}).items() for site in members}
        out: dict[str, list[int]] = {}
        for i, (name, site) in enumerate(self.sites.items()):
            if site.beds > 0:
                out.setdefault(grouped.get(name, f"{name}_trust"), []).append(i)
        return out

    @property
    def population(self) -> int:
        return sum(sum(loc.population.values()) for loc in self.localities.values())

    def digest(self) -> str:
        """A stable hash of the validated config (provenance; the key of a run with its seed)."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
