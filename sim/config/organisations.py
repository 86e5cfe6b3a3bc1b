"""Configuration of the organisations: money, staff and the budget rules each one follows.

Rules are data: an acute trust's response to a forecast deficit is the ordered list
``budget_rules`` (for example ``[freeze_vacancies, close_beds, cut_posts, cost_improvement]``),
each with its own parameters, never a code branch chosen by a flag. Money is in pounds a year
unless a name says otherwise; rates are per year.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.schema import Money, Multiplier, Probability, Rate, Strict

BudgetRule = Literal["freeze_vacancies", "close_beds", "cut_posts", "cost_improvement"]


class StaffGroupConfig(Strict):
    """One staff group of an acute trust, sized per general and acute bed."""

    fte_per_bed: float = Field(gt=0, le=100, description="establishment (funded posts) per bed")
    salary: Money = Field(description="average cost of one FTE a year, on-costs included")
    vacancy_rate: float = Field(ge=0, le=0.9, description="share of funded posts empty at the start "
                                                       "(at most 90%: a trust with no staff in post is not running)")
    agency_cover: Probability = Field(description="share of vacant posts covered by agency staff")
    agency_premium: float = Field(0.5, ge=0, le=10, description="agency cost over substantive cost, as a share")
    turnover_per_year: Probability = Field(description="leavers a year as a share of staff in post")
    recruitment_per_month: Probability = Field(description="share of vacancies filled each month when recruiting")


class AcuteTrustConfig(Strict):
    """Every acute trust (one per hospital site with beds) follows these rules."""

    nurses: StaffGroupConfig
    doctors: StaffGroupConfig
    other_staff: StaffGroupConfig
    planned_occupancy: Probability = Field(
        0.93, description="midnight bed occupancy assumed when planning the first year's costs (assumption: the "
                          "baseline runs at about this; KH03 England 0.88-0.94)")
    planned_type1_attendances_per_person: float = Field(
        0.27, ge=0, le=5, description="type 1 A&E attendances a year per person in the catchment, for planning the "
                                      "first year's costs (RCEM: about 0.29; the baseline simulates about 0.26)")
    non_pay_per_bed_day: Money = Field(description="drugs, supplies, catering and the like, per occupied bed day")
    non_pay_per_ae_attendance: Money
    fixed_costs_per_bed: Money = Field(description="estates, overheads and capital charges per open bed a year")
    ed_clinician_cost: Money = Field(description="cost a year of one rostered A&E clinician post (24/7 cover)")
    deficit_trigger: float = Field(0.005, ge=0, le=1, description="forecast deficit, as a share of income, that triggers the rules")
    budget_rules: list[BudgetRule] = Field(description="applied in this order, one more each month the deficit persists")
    beds_closed_per_month: Probability = Field(0.02, description="close_beds: share of beds closed each month applied")
    posts_cut: Probability = Field(0.03, description="cut_posts: share of posts made redundant")
    notice_months: int = Field(3, ge=0, le=24, description="cut_posts: months from decision to the post going")
    redundancy_cost_per_fte: Money = Field(30_000)
    redundancy_centrally_funded: bool = Field(False, description="if false, the trust pays redundancy from its budget")
    nurses_per_occupied_bed_reference: float = Field(ge=0.01, le=100, description="staffing at which length of stay is as configured")
    los_elasticity: float = Field(0.3, ge=0, le=3, description="length of stay x (nurses per occupied bed / reference) ^ -elasticity")
    harm_per_1000_bed_days: Multiplier = Field(description="falls, pressure ulcers and other harm at reference staffing")
    harm_elasticity: float = Field(1.0, ge=0, le=3, description="harm x (staffing / reference) ^ -elasticity")
    los_multiplier_bounds: tuple[float, float] = Field(
        (0.8, 1.5), description="the staffing effect on length of stay is kept within these bounds (assumption: "
                                "staffing alone neither halves nor doubles a stay)")

    @model_validator(mode="after")
    def _bounds_ordered(self):
        low, high = self.los_multiplier_bounds
        if not 0 < low <= 1 <= high <= 10:
            raise ValueError("los_multiplier_bounds must be (low, high) with 0 < low <= 1 <= high <= 10")
        return self


class TariffConfig(Strict):
    """National prices paid under activity-based contracts (NHS reference costs)."""

    ae_attendance: Money
    non_elective_episode: Money
    excess_bed_day: Money
    excess_after_days: float = Field(5.0, ge=0, le=365)
    elective_inpatient: Money


ICBBudgetRule = Literal["cut_running_costs"]


class ICBConfig(Strict):
    """The integrated care board: allocation, contracts, its own running costs and a duty to break even.

    Every growth rate is cash (what a pound buys is not adjusted for general inflation), so that
    the allocation and the costs it pays for are on one basis. Contracts start, in the first
    financial year, at each provider's planned cost less ``first_year_savings``; every new year
    they are uplifted by ``cost_growth`` less ``efficiency_asked`` (the national tariff's cost
    uplift less its efficiency factor), while providers' costs rise by ``cost_growth`` less the
    efficiency they actually achieve. The allocation, the Better Care Fund and the running cost
    allowance grow by ``allocation_growth``; what the ICB receives and does not spend is its
    surplus (unspent allocation), and nothing else is."""

    allocation_per_head: Money = Field(description="programme allocation a year per person for the services "
                                                   "modelled (cash)")
    allocation_growth: Rate = Field(description="growth of the allocation a year, in cash (real growth plus "
                                                "general inflation), like cost_growth")
    cost_growth: Rate = Field(description="pay and price inflation a year faced by every provider and the ICB, in "
                                          "cash; also the cost uplift of contracts and of the tariff")
    efficiency_asked: Probability = Field(description="savings a year built into contract prices: contracts and "
                                                      "the tariff are uplifted by cost_growth less this")
    first_year_savings: Probability = Field(
        0.0, description="first-year contracts are set this far below providers' planned cost (mandated savings)")
    acute_contract: Literal["block", "activity"] = "block"
    tariff: TariffConfig
    better_care_fund_per_head: Money = Field(description="NHS money a year per person pooled with the council")
    left_shift_per_year: Probability = Field(0.0, description="share of the acute contracts moved to community each year")
    pooled_budget: bool = Field(False, description="one pooled health and care budget: the ICB covers council overspends")
    running_cost_allowance_per_head: Money = Field(
        37.5, le=1000, description="the ICB's running cost allowance a year per person (cash; reference "
                                   "finance.icb_running_cost_allowance_per_head): it pays the ICB's own staff and "
                                   "other running costs, which start equal to it")
    running_cost_staff_share: Probability = Field(
        0.75, description="share of the ICB's running costs that is its own staff (assumption: reference "
                          "finance.icb_running_cost_staff_share)")
    staff_cost_per_fte: Money = Field(
        55_000, description="average cost a year of one ICB FTE, on-costs included (assumption)")
    running_cost_cut: Probability = Field(
        0.0, description="share by which NHS England cuts the running cost allowance (reference "
                         "finance.icb_running_cost_cut_2025: 50%); 0 for no cut")
    running_cost_cut_month: int = Field(
        0, ge=0, le=600, description="month of the run (0 = the first reported month) from which the allowance is cut")
    running_cost_redundancy_funded: bool = Field(
        False, description="if false, the ICB pays the redundancy costs of cutting its posts from its own budget "
                           "(NHS England, March 2023: no extra funding for redundancy)")
    redundancy_cost_per_fte: Money = Field(30_000, description="one-off cost of one ICB FTE made redundant (assumption, "
                                                               "as the trusts')")
    notice_months: int = Field(3, ge=0, le=24, description="cut_running_costs: months from decision to the posts going")
    running_cost_tolerance: Probability = Field(
        0.005, description="running costs above the allowance by more than this share trigger the budget rules")
    budget_rules: list[ICBBudgetRule] = Field(
        ["cut_running_costs"], description="applied in this order, one more each month the ICB's running costs "
                                           "exceed its allowance; [] for an ICB that does not act")


class GeneralPracticeConfig(Strict):
    """GP partners and their workforce: retirement and recruitment move slots month by month."""

    cost_per_gp_fte: Money
    cost_per_other_appointment: Money
    retirement_per_year: Probability
    recruit_while_deficit_within: Probability = Field(
        0.005, description="practices recruit while their forecast year-end deficit is within this share of planned "
                           "cost (assumption: a small deficit does not stop recruitment)")
    recruitment_per_year: float = Field(ge=0, le=100, description="new GP FTE a year per 1,000 people, when funded")


class CommunityProviderConfig(Strict):
    """Community health services: staff costs per unit of each capacity."""

    cost_per_virtual_ward_bed: Money
    cost_per_intermediate_care_bed: Money
    cost_per_reablement_place: Money
    cost_per_urgent_response_place: Money
    invest_surplus: bool = Field(True, description="spend any funding above cost (e.g. a left shift) on more capacity")


class LocalAuthorityConfig(Strict):
    """The council's adult social care. It buys, within its budget, home care packages and care
    home places for the people it funds (self-funders buy their own from the same market), and
    tightens its eligibility threshold when it still overspends."""

    social_care_budget: Money = Field(description="net budget a year before the Better Care Fund")
    budget_growth: Rate
    home_care_week: float = Field(gt=0, le=1e6, description="price of a home care package a week")
    care_home_week: float = Field(gt=0, le=1e6)
    threshold_step: Probability = Field(0.05, description="how far the eligibility threshold moves in one decision")
    threshold_bounds: tuple[Probability, Probability] = Field(
        (0.0, 0.9), description="lowest and highest eligibility threshold the council moves between")
    tighten_at_overspend: Probability = Field(
        0.01, description="tighten eligibility when the forecast overspend exceeds this share of the year's funds "
                          "(assumption)")
    relax_at_underspend: Probability = Field(
        0.03, description="relax eligibility when the forecast underspend exceeds this share of the year's funds "
                          "(assumption)")

    @model_validator(mode="after")
    def _ordered(self):
        low, high = self.threshold_bounds
        if low > high:
            raise ValueError(f"threshold_bounds: the lowest ({low:g}) must not be above the highest ({high:g})")
        return self


class MentalHealthTrustConfig(Strict):
    """The mental health trust: psychiatric beds, the crisis team, and the out-of-area beds it buys
    when its own are full. Paid a block contract by the ICB (its planned cost: beds, crisis team and
    the out-of-area bed-days it plans for); under a forecast deficit it applies ``budget_rules`` in
    order, one more each month the deficit persists."""

    cost_per_bed_day: Money = Field(description="an open adult acute psychiatric bed for a day (staff, estates, "
                                                "overheads), paid whether or not it is occupied")
    cost_per_crisis_team_place: Money = Field(description="a crisis team caseload place for a year")
    out_of_area_cost_per_bed_day: Money = Field(description="a bed-day bought out of area (private or another trust)")
    planned_out_of_area_bed_days_per_million: float = Field(
        ge=0, le=365_000_000, description="out-of-area bed-days a year per million people the contract plans for")
    deficit_trigger: float = Field(0.01, ge=0, le=1, description="forecast deficit, as a share of income, that "
                                                                 "triggers the rules")
    budget_rules: list[Literal["cut_crisis_team", "close_beds"]] = Field(
        default_factory=list, description="applied in this order, one more each month the deficit persists (empty: "
                                          "the trust runs its deficit)")
    crisis_team_cut: Probability = Field(0.1, description="cut_crisis_team: share of crisis team places cut")
    beds_closed: Probability = Field(0.05, description="close_beds: share of psychiatric beds closed")


class RegulatorConfig(Strict):
    """NHS England: targets, reviews and interventions."""

    ae_4h_target: Probability = 0.78
    review_months: list[Annotated[int, Field(ge=1, le=12)]] = [6, 12]
    deficit_intervention: bool = Field(True, description="a system forecasting a deficit at review must add cost improvement")
    extra_cost_improvement: Probability = 0.01


class OrganisationsConfig(Strict):
    """All the organisations of the system and their rules."""

    cost_improvement_ceiling: Probability = Field(
        0.5, description="cost improvement can remove at most this share of a provider's costs in all (assumption: a "
                         "bound that keeps long squeezes finite; never reached in the shipped runs)")

    efficiency_achievable: Probability = Field(
        0.016, description="most cost improvement any provider delivers a year (ONS/CHE York: 0.8-1.6%); "
                           "savings asked beyond it are not achieved")

    icb: ICBConfig
    acute_trust: AcuteTrustConfig
    general_practice: GeneralPracticeConfig
    community_provider: CommunityProviderConfig
    local_authority: LocalAuthorityConfig
    mental_health_trust: MentalHealthTrustConfig | None = Field(
        None, description="the mental health trust (only with `mental_health:`; null: no mental health trust)")
    regulator: RegulatorConfig = Field(default_factory=RegulatorConfig)
