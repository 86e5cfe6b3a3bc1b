"""An acute trust: the beds and A&Es of its hospital sites (one, or several under ``trusts:``), its
staff, its money and its budget rules.

Staff come in three groups (nurses, doctors, other), each with an establishment (funded posts per
bed), staff in post, vacancies partly covered by agency staff at a premium, leavers every month
and recruitment into vacancies. Beds that can be opened depend on nurses available (in post plus
agency): when the trust freezes vacancies, leavers are not replaced and beds close as staff leave,
a lag set by turnover. Nurses per occupied bed feed back into length of stay and harm.

Under a forecast year-end deficit the trust applies its ``budget_rules`` in order, one more each
month the deficit persists: ``freeze_vacancies``, ``close_beds``, ``cut_posts`` (posts go after the
notice period; redundancy is a one-off cost, funded centrally or not) and ``cost_improvement``
(non-pay savings, bounded by what the evidence says is achievable).

A trust of several sites is one organisation with one workforce and one budget: the beds its
nurses can staff are shared between its sites in proportion to their planned general beds, and it
pays for moving patients between hospitals (``network.transfer_cost``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR

GROUPS = ("nurses", "doctors", "other_staff")
# Staffing below this share of the reference counts as this share in the length of stay and harm
# formulas (a ward with no nurses at all would otherwise have infinite harm and a zero division).
STAFFING_FLOOR = 0.01


@dataclass
class Staff:
    """One staff group of the trust."""

    establishment: float
    in_post: float
    agency: float
    cfg: object

    def available(self) -> float:
        return self.in_post + self.agency


class AcuteTrust(Organisation):
    kind = "acute_trust"

    def __init__(self, model, name: str, sites: list[int], cfg):
        super().__init__(model, name)
        self.cfg = cfg
        self.sites = list(sites)
        self.wards = [model.beds.wards[s] for s in self.sites]
        self.eds = [model.emergency_care.eds[s] for s in self.sites if s in model.emergency_care.eds]
        self.general_planned = [w.beds.capacity for w in self.wards]
        self.beds_planned = sum(self.general_planned)  # general beds (ring-fenced elective beds aside)
        self.beds_target = self.beds_planned
        total_beds = self.beds_planned + self.elective_capacity()
        self.staff: dict[str, Staff] = {}
        for group in GROUPS:
            g = getattr(cfg, group)
            est = g.fte_per_bed * total_beds
            in_post = est * (1 - g.vacancy_rate)
            self.staff[group] = Staff(est, in_post, (est - in_post) * g.agency_cover, g)
        self.nurses_at_start = self.staff["nurses"].available()
        self.frozen = False
        self.rules_applied: list[str] = []
        self.pending_cuts: list[tuple[int, str, float]] = []  # (effective month, group, FTE)
        self.harm_events = 0
        self.los_multiplier = 1.0
        self.last_occupied = self.beds_planned * cfg.planned_occupancy

    # --- beds ----------------------------------------------------------------------------------

    def beds_open(self) -> int:
        """General beds open at the trust's sites (escalation beds aside)."""
        return sum(w.base_beds for w in self.wards)

    def elective_capacity(self) -> int:
        return sum(w.elective_beds.capacity for w in self.wards)

    def _share_beds(self, general: int) -> list[int]:
        """``general`` beds shared between the sites in proportion to their planned general beds
        (largest remainders; one site gets them all)."""
        if len(self.wards) == 1:
            return [general]
        planned = np.asarray(self.general_planned, float)
        exact = general * planned / planned.sum() if planned.sum() > 0 else np.full(len(planned), general / len(planned))
        share = np.floor(exact).astype(int)
        for k in np.argsort(-(exact - share), kind="stable")[: general - int(share.sum())]:
            share[k] += 1
        return share.tolist()

    def _activity(self, activity):
        """The month's activity of all the trust's sites together."""
        if len(self.sites) == 1:
            return activity.sites[self.sites[0]]
        total = type(activity.sites[self.sites[0]])()
        for s in self.sites:
            for name, value in vars(activity.sites[s]).items():
                setattr(total, name, getattr(total, name) + value)
        return total

    # --- planning ------------------------------------------------------------------------------

    def annual_pay(self) -> tuple[float, float]:
        """(substantive pay, agency pay) a year at current staffing and prices."""
        pay = sum(s.in_post * s.cfg.salary for s in self.staff.values())
        agency = sum(s.agency * s.cfg.salary * (1 + s.cfg.agency_premium) for s in self.staff.values())
        if self.eds:
            pay += sum(ed.rostered for ed in self.eds) * self.cfg.ed_clinician_cost
        return pay * self.cost_factor, agency * self.cost_factor

    def planned_cost(self) -> float:
        """What the first year should cost at planned occupancy: the basis of the first contract."""
        pay, agency = self.annual_pay()
        beds = self.beds_planned + self.elective_capacity()
        attendances = self.expected_ae_attendances()
        non_pay = (beds * self.cfg.planned_occupancy * DAYS_PER_YEAR * self.cfg.non_pay_per_bed_day
                   + attendances * self.cfg.non_pay_per_ae_attendance + beds * self.cfg.fixed_costs_per_bed)
        return pay + agency + non_pay

    def expected_ae_attendances(self) -> float:
        """Planning figure: type 1 attendances a year from the localities this A&E serves."""
        cells = self.model.cells
        people = np.bincount(cells.locality, weights=cells.people, minlength=len(self.model.cfg.localities))
        catchment = sum(self.model.router.catchment(s, people) for s in self.sites)
        return catchment * self.cfg.planned_type1_attendances_per_person

    def tariff_income(self, activity, tariff, price_index: float) -> float:
        a = self._activity(activity)
        return price_index * (a.ae_attendances * tariff.ae_attendance
                              + a.non_elective_admissions * tariff.non_elective_episode
                              + a.excess_bed_days * tariff.excess_bed_day
                              + a.elective_admissions * tariff.elective_inpatient)

    # --- the month -----------------------------------------------------------------------------

    def act(self) -> None:
        month = self.model.month
        self.new_month()
        self._staff_turnover(month)
        self.apply_budget_rules()
        self._set_capacity()

    def _staff_turnover(self, month: int) -> None:
        for s in self.staff.values():
            g = s.cfg
            leavers = s.in_post * g.turnover_per_year / 12
            recruits = 0.0 if self.frozen else max(s.establishment - s.in_post, 0) * g.recruitment_per_month
            s.in_post = max(s.in_post - leavers + recruits, 0.0)
            s.agency = max(s.establishment - s.in_post, 0) * g.agency_cover
        for _due, group, fte in [c for c in self.pending_cuts if c[0] <= month]:
            s = self.staff[group]
            gone = min(fte, s.in_post)
            s.in_post -= gone
            s.establishment = max(s.establishment - fte, 0.0)
            s.agency = max(s.establishment - s.in_post, 0) * s.cfg.agency_cover
            cost = gone * self.cfg.redundancy_cost_per_fte * self.cost_index
            self.ledger.book(month, "one_off", cost)
            if self.cfg.redundancy_centrally_funded:
                hs = self.model
                hs.organisations.regulator.ledger.book(month, "payments", cost)
                self.ledger.book(month, "central_funding", cost)
            self.decide("redundancies take effect", "posts cut after the notice period", group=group,
                        fte=gone, one_off_cost=cost, centrally_funded=self.cfg.redundancy_centrally_funded)
        self.pending_cuts = [c for c in self.pending_cuts if c[0] > month]

    def forecast(self) -> tuple[float, float]:
        """(forecast year-end surplus, annual income) from the run rate of the year so far."""
        months = self.months_this_year()
        if not months:
            return 0.0, 0.0
        income = sum(self.ledger.income(m) for m in months) / len(months) * 12
        return self.ledger.forecast_year_end(months), income

    def apply_budget_rules(self) -> None:
        """Under a forecast deficit, apply the next rule in ``budget_rules``."""
        cfg = self.cfg
        surplus, income = self.forecast()
        if income <= 0 or surplus >= -cfg.deficit_trigger * income:
            return
        pending = [r for r in cfg.budget_rules if r not in self.rules_applied]
        if pending:
            rule = pending[0]
        elif "close_beds" in cfg.budget_rules:
            rule = "close_beds"  # the last resort repeats while the deficit lasts
        else:
            return
        self.rules_applied.append(rule)
        getattr(self, rule)(surplus, income)

    def freeze_vacancies(self, surplus: float, income: float) -> None:
        self.frozen = True
        vacant = sum(max(s.establishment - s.in_post, 0) for s in self.staff.values())
        self.decide("freeze vacancies", "forecast year-end deficit", forecast_surplus=surplus, income=income,
                    vacant_fte=vacant)

    def close_beds(self, surplus: float, income: float) -> None:
        closing = int(round(self.beds_target * self.cfg.beds_closed_per_month))
        if closing <= 0:
            return
        self.beds_target -= closing
        for s in self.staff.values():  # the posts those beds needed go, vacancies first
            s.establishment = max(s.establishment - closing * s.cfg.fte_per_bed, 0.0)
        self.decide("close beds", "forecast year-end deficit", forecast_surplus=surplus, beds_closed=closing,
                    beds_target=self.beds_target)

    def cut_posts(self, surplus: float, income: float) -> None:
        due = self.model.month + self.cfg.notice_months
        total = 0.0
        for group, s in self.staff.items():
            fte = s.establishment * self.cfg.posts_cut
            self.pending_cuts.append((due, group, fte))
            total += fte
        cost = total * self.cfg.redundancy_cost_per_fte * self.cost_index
        self.decide("cut posts", "forecast year-end deficit", forecast_surplus=surplus, fte=total,
                    effective_month_index=due, redundancy_cost=cost,
                    centrally_funded=self.cfg.redundancy_centrally_funded)

    def cost_improvement(self, surplus: float, income: float) -> None:
        """A recovery plan: cost improvement at the most that is achievable, whatever is asked."""
        org = self.model.cfg.organisations
        asked = org.icb.efficiency_asked + self.model.organisations.regulator.extra_cost_improvement
        before = self.saving_rate
        self.saving_rate = max(before, min(asked, org.efficiency_achievable))
        self.decide("cost improvement programme", "forecast year-end deficit", asked=asked,
                    achievable=org.efficiency_achievable, rate_before=before, rate=self.saving_rate)

    def _set_capacity(self) -> None:
        """Open the beds the nurses available can staff, up to the target; a bed closes when its
        patient leaves. Staffing per occupied bed sets length of stay for new admissions."""
        elective = self.elective_capacity()
        total_beds = self.beds_planned + elective
        staffable = int(np.floor(total_beds * self.staff["nurses"].available() / self.nurses_at_start))
        general = max(min(self.beds_target, staffable - elective), 0)
        if general != self.beds_open():
            self.decide("set beds open", "nurses available and the bed target", beds_open=general,
                        beds_before=self.beds_open(), nurses_available=self.staff["nurses"].available())
            for ward, beds in zip(self.wards, self._share_beds(general)):
                ward.resize(beds)
        m = self._staffing() ** (-self.cfg.los_elasticity)
        self.los_multiplier = float(np.clip(m, *self.cfg.los_multiplier_bounds))
        for ward in self.wards:
            ward.los_multiplier = self.los_multiplier

    def _staffing(self, occupied: float | None = None) -> float:
        """Nurses available per occupied bed (last month's, unless ``occupied`` is given), as a
        share of the reference staffing, no lower than ``STAFFING_FLOOR``."""
        occupied = self.last_occupied if occupied is None else occupied
        ratio = self.staff["nurses"].available() / max(occupied, 1.0) / self.cfg.nurses_per_occupied_bed_reference
        return max(ratio, STAFFING_FLOOR)

    def account(self, month: int, activity) -> None:
        a = self._activity(activity)
        self.last_occupied = a.mean_occupied_beds
        pay, agency = self.annual_pay()
        months = activity.days / DAYS_PER_YEAR * 12
        non_pay = ((a.bed_days * self.cfg.non_pay_per_bed_day + a.ae_attendances * self.cfg.non_pay_per_ae_attendance)
                   + (self.beds_open() + self.elective_capacity())
                   * self.cfg.fixed_costs_per_bed * months / 12) * self.cost_factor
        if a.transfers_out:  # patient transport between hospitals
            non_pay += a.transfers_out * self.model.cfg.network.transfer_cost * self.cost_factor
        self.ledger.book(month, "pay", pay * months / 12)
        self.ledger.book(month, "agency", agency * months / 12)
        self.ledger.book(month, "non_pay", non_pay)
        rate = self.cfg.harm_per_1000_bed_days * self._staffing(a.mean_occupied_beds) ** (-self.cfg.harm_elasticity)
        self.harm_events += int(self.model.streams[f"harm.{self.name}"].poisson(rate * a.bed_days / 1000))

    # --- reporting -----------------------------------------------------------------------------

    def staff_in_post(self) -> float:
        return sum(s.in_post for s in self.staff.values())

    def agency_fte(self) -> float:
        return sum(s.agency for s in self.staff.values())
