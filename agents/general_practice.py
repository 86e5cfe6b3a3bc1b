"""GP practices of one locality (a primary care network): GPs retire, new ones are recruited
when the practices can afford them, and GP FTE sets the appointment slots patients book."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR, WEEKS_PER_YEAR


class GeneralPractice(Organisation):
    kind = "general_practice"

    def __init__(self, model, name: str, locality: int, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        self.locality = locality
        pc = model.primary_care
        self.people = float(pc.people[locality])
        self.recruiting = True

    @property
    def gp_fte(self) -> float:
        return float(self.model.primary_care.gp_fte[self.locality])

    def _other_appointments_a_year(self) -> float:
        pc = self.model.primary_care
        return float(pc.other_per_day[self.locality]) * len(pc.cfg.working_days) * WEEKS_PER_YEAR

    def planned_cost(self) -> float:
        return (self.gp_fte * self.cfg.cost_per_gp_fte
                + self._other_appointments_a_year() * self.cfg.cost_per_other_appointment) * self.cost_factor

    def act(self) -> None:
        hs = self.model
        self.new_month()
        pc = hs.primary_care
        retiring = self.gp_fte * self.cfg.retirement_per_year / 12
        months = self.months_this_year()
        affordable = not months or self.ledger.forecast_year_end(months) >= -self.cfg.recruit_while_deficit_within * self.planned_cost()
        recruits = self.cfg.recruitment_per_year * self.people / 1000 / 12 if affordable else 0.0
        before = self.gp_fte
        pc.gp_fte[self.locality] = max(before - retiring + recruits, 0.0)
        self.decide("GP workforce", "retirements, and recruitment if affordable", retired=retiring, recruited=recruits,
                    gp_fte_before=before, gp_fte=self.gp_fte)
        if affordable != self.recruiting:
            self.recruiting = affordable
            self.decide("recruit GPs" if affordable else "stop recruiting GPs",
                        "forecast year-end surplus" if affordable else "forecast year-end deficit",
                        forecast_surplus=self.ledger.forecast_year_end(months), gp_fte=self.gp_fte)

    def account(self, month: int, activity) -> None:
        share = activity.days / DAYS_PER_YEAR
        self.ledger.book(month, "pay", self.gp_fte * self.cfg.cost_per_gp_fte * self.cost_factor * share)
        self.ledger.book(month, "non_pay", self._other_appointments_a_year() * self.cfg.cost_per_other_appointment
                         * self.cost_factor * share)
