"""The council's adult social care: buys home care and care home places within its budget."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR, WEEKS_PER_YEAR

WEEK_DAYS = 7.0


class LocalAuthority(Organisation):
    """Funds care for people whose need passes its eligibility threshold. Each month it buys as
    many packages and places for them as its budget (council money plus the Better Care Fund)
    affords, beside those self-funders buy, and tightens eligibility while it still overspends."""

    kind = "local_authority"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        sc = model.social_care
        self.self_funder_share = sc.cfg.self_funder_share
        self.budget = cfg.social_care_budget
        # market places bought by self-funders stay; the council buys the rest
        self.self_funded = {"home_care": sc.home_care.capacity * self.self_funder_share,
                            "care_homes": sc.care_homes.capacity * self.self_funder_share}
        self.prices = {"home_care": cfg.home_care_week, "care_homes": cfg.care_home_week}
        planned = {k: sc.capacities()[k].capacity - v for k, v in self.self_funded.items()}
        self.mix = {k: planned[k] * self.prices[k] for k in planned}  # planned spend a week, by service

    def act(self) -> None:
        hs, cfg = self.model, self.cfg
        if hs.month and hs.month % 12 == 0:
            self.cost_index *= 1 + hs.cfg.organisations.icb.cost_growth
            self.budget *= 1 + cfg.budget_growth
        funds = self.budget + hs.organisations.icb.better_care_fund  # a year
        weekly = funds / WEEKS_PER_YEAR
        total_mix = sum(self.mix.values())
        caps = hs.social_care.capacities()
        pooled = hs.cfg.organisations.icb.pooled_budget
        for service, cap in caps.items():
            share = self.mix[service] / total_mix if total_mix > 0 else 0.0  # no planned places: none bought
            affordable = weekly * share / (self.prices[service] * self.cost_index)
            new = int(affordable + self.self_funded[service])
            reason = "places the budget affords"
            if pooled and cap.count + cap.queue_length > new:
                # one pooled health and care budget buys the care people are waiting for
                new, reason = cap.count + cap.queue_length, "pooled budget: places for everyone in care or waiting"
            if new != cap.capacity:
                self.decide("commission care", reason, service=service, before=cap.capacity, after=new,
                            budget_a_year=funds)
                cap.set_capacity(new)
        months = self.months_this_year()
        if months:
            forecast = self.ledger.forecast_year_end(months)
            sc = hs.social_care
            low, high = cfg.threshold_bounds
            if forecast < -cfg.tighten_at_overspend * funds and sc.eligibility_threshold < high and not pooled:
                sc.eligibility_threshold = min(sc.eligibility_threshold + cfg.threshold_step, high)
                self.decide("tighten eligibility", "forecast overspend", forecast_surplus=forecast,
                            threshold=sc.eligibility_threshold)
            elif forecast > cfg.relax_at_underspend * funds and sc.eligibility_threshold > low:
                sc.eligibility_threshold = max(sc.eligibility_threshold - cfg.threshold_step, low)
                self.decide("relax eligibility", "forecast underspend", forecast_surplus=forecast,
                            threshold=sc.eligibility_threshold)

    def account(self, month: int, activity) -> None:
        """The council pays for the places it commissions (used or not), and for any more of its
        clients still in care when it has cut commissioning below what is in use. Self-funders
        hold the same number of places throughout, so the council's clients are the rest."""
        self.ledger.book(month, "council_budget", self.budget * activity.days / DAYS_PER_YEAR)
        spend = 0.0
        for s, price in self.prices.items():
            self_funded = self.self_funded[s] * activity.days
            paid_days = max(activity.capacity_days[s], activity.place_days[s]) - self_funded
            spend += max(paid_days, 0.0) * price * self.cost_index / WEEK_DAYS
        self.ledger.book(month, "care_purchased", spend)
        hs = self.model
        if hs.cfg.organisations.icb.pooled_budget:
            overspend = -self.ledger.surplus(month)
            hs.organisations.icb.cover_council_overspend(month, overspend)
