"""The mental health trust: adult acute psychiatric beds, the crisis resolution and home treatment
team, and the out-of-area beds it buys when its own are full (``sim.mental_health``)."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR


class MentalHealthTrust(Organisation):
    """Paid a block contract by the ICB; pays for its open beds and crisis team places by the day
    (``pay``) and for every out-of-area bed-day it buys (``non_pay``), all at current prices less
    the cost improvement it has made (``cost_factor``, as every provider).

    Its planned cost (what the ICB's first contract is based on) is its beds and crisis team at
    their size when the run starts, and the out-of-area bed-days the contract plans for. Under a
    forecast year-end deficit beyond ``deficit_trigger`` of income it applies the next of
    ``budget_rules`` each month the deficit persists: ``cut_crisis_team`` (places cut by
    ``crisis_team_cut``) or ``close_beds`` (beds closed by ``beds_closed``; a bed closes when its
    patient leaves)."""

    kind = "mental_health_trust"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        mh = model.mental_health
        self.planned_beds = mh.beds.capacity
        self.planned_places = mh.crisis_team.capacity
        self.planned_out_of_area_days = cfg.planned_out_of_area_bed_days_per_million * model.cfg.population / 1e6
        self.rules_applied: list[str] = []
        self.out_of_area_spending: dict[int, float] = {}  # month -> pounds

    def planned_cost(self) -> float:
        cfg = self.cfg
        return (self.planned_beds * DAYS_PER_YEAR * cfg.cost_per_bed_day
                + self.planned_places * cfg.cost_per_crisis_team_place
                + self.planned_out_of_area_days * cfg.out_of_area_cost_per_bed_day) * self.cost_factor

    def beds_open(self) -> int:
        return self.model.mental_health.beds.capacity

    def act(self) -> None:
        self.new_month()
        months = self.months_this_year()
        if not months:
            return
        forecast = self.ledger.forecast_year_end(months)
        income = self.ledger.total(months, "income") / len(months) * 12
        if forecast >= -self.cfg.deficit_trigger * income:
            return
        pending = [r for r in self.cfg.budget_rules if r not in self.rules_applied]
        rule = pending[0] if pending else (self.cfg.budget_rules[-1] if self.cfg.budget_rules else None)
        if rule is None:
            return
        self.rules_applied.append(rule)
        getattr(self, rule)(forecast, income)

    def cut_crisis_team(self, forecast: float, income: float) -> None:
        self._cut(self.model.mental_health.crisis_team, self.cfg.crisis_team_cut, "cut crisis team", "places",
                  forecast, income)

    def close_beds(self, forecast: float, income: float) -> None:
        self._cut(self.model.mental_health.beds, self.cfg.beds_closed, "close psychiatric beds", "beds",
                  forecast, income)

    def _cut(self, pool, share: float, action: str, what: str, forecast: float, income: float) -> None:
        """Cut ``pool`` by ``share`` and log the decision."""
        before = pool.capacity
        pool.set_capacity(int(before * (1 - share)))
        self.decide(action, "forecast year-end deficit", forecast=forecast, income=income,
                    **{what: f"{before}->{pool.capacity}"})

    def account(self, month: int, activity) -> None:
        """Open beds and crisis team places for the month's days, and the out-of-area bed-days bought."""
        cfg, f = self.cfg, self.cost_factor
        opened, used = activity.capacity_days, activity.place_days
        self.ledger.book(month, "pay", (opened["psychiatric_beds"] * cfg.cost_per_bed_day
                                        + opened["crisis_team"] * cfg.cost_per_crisis_team_place / DAYS_PER_YEAR) * f)
        away = used["out_of_area_placements"] * cfg.out_of_area_cost_per_bed_day * f
        self.out_of_area_spending[month] = away
        self.ledger.book(month, "non_pay", away)
        if used["out_of_area_placements"] > 0:
            self.decide("buy out-of-area beds", "no local psychiatric bed within the wait allowed",
                        bed_days=used["out_of_area_placements"], cost=away)
