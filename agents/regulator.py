"""NHS England as regulator: targets, mid-year and year-end reviews, and interventions."""

from __future__ import annotations

import numpy as np

from agents.organisation import Organisation
from sim.kpis import period_tallies


class Regulator(Organisation):
    """Reviews the system at the configured months of each financial year. A system forecasting a
    deficit must add cost improvement (which no trust can deliver beyond the evidence-bounded
    rate); A&E below the 4-hour target over the last three months (type 1, as ``sim.kpis``
    defines it) gets an improvement plan on record."""

    kind = "regulator"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        self.extra_cost_improvement = 0.0

    def act(self) -> None:
        hs = self.model
        if hs.month == 0 or (hs.month % 12) not in {m % 12 for m in self.cfg.review_months}:
            return
        months = list(range(hs.month - (hs.month % 12 or 12), hs.month))
        forecast = sum(o.ledger.forecast_year_end(months) for o in hs.organisations.nhs_organisations)
        if forecast < 0 and self.cfg.deficit_intervention:
            self.extra_cost_improvement += self.cfg.extra_cost_improvement
            self.decide("financial intervention", "system forecasts a deficit at review", system_forecast=forecast,
                        extra_cost_improvement=self.extra_cost_improvement)
        recent = list(range(max(hs.month - 3, 0), hs.month))
        four_hour = period_tallies(hs, recent, sites=False)["ics"]["ae_4h_type1"].value()
        if not np.isnan(four_hour) and four_hour < self.cfg.ae_4h_target:
            self.decide("A&E improvement plan", "4-hour performance below target", four_hour=four_hour,
                        target=self.cfg.ae_4h_target)

    def account(self, month: int, activity) -> None:
        """Central funding it paid (redundancy) is booked when paid."""
