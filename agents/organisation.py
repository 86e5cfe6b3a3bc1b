"""What every organisation has: a name, a ledger, and a voice in the decision log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.ledger import Ledger

if TYPE_CHECKING:
    from agents.activity import MonthActivity
    from sim.model import HealthSystem


class Organisation(mesa.Agent):
    """A Mesa agent that holds money and explains what it does."""

    kind = "organisation"

    def __init__(self, model: HealthSystem, name: str):
        super().__init__(model)
        self.name = name
        self.ledger = Ledger(name)
        self.cost_index = 1.0  # pay and prices, grown by cost_growth at each new financial year
        self.saved_share = 0.0  # share of costs removed by cost improvement so far
        self.saving_rate = self.planned_efficiency()  # cost improvement a year

    def planned_efficiency(self) -> float:
        """Cost improvement planned every year: what the ICB asks, up to what is achievable."""
        org = self.model.cfg.organisations
        return min(org.icb.efficiency_asked, org.efficiency_achievable)

    def new_month(self) -> None:
        """Move prices on at a new financial year; bank a month of cost improvement."""
        month = self.model.month
        if month and month % 12 == 0:
            self.cost_index *= 1 + self.model.cfg.organisations.icb.cost_growth
        if month:
            self.saved_share = min(self.saved_share + self.saving_rate / 12,
                                   self.model.cfg.organisations.cost_improvement_ceiling)

    @property
    def cost_factor(self) -> float:
        """What a pound of planned cost costs now: prices up, savings made."""
        return self.cost_index * (1 - self.saved_share)

    @property
    def hs(self) -> HealthSystem:
        return self.model

    def decide(self, action: str, reason: str, **figures) -> None:
        """Record an action with the figures it was based on (the decision log)."""
        self.model.organisations.decisions.append({
            "month": self.model.calendar.month_labels[self.model.month] if self.model.month < self.model.months else "",
            "month_index": self.model.month,
            "organisation": self.name,
            "kind": self.kind,
            "action": action,
            "reason": reason,
            "figures": "; ".join(f"{k}={_fmt(v)}" for k, v in figures.items()),
        })

    def months_this_year(self) -> list[int]:
        """Reporting months of the current financial year already run."""
        done = self.model.month
        start = done - (done % 12)
        return list(range(start, done))

    def act(self) -> None:  # pragma: no cover - every organisation overrides
        """Read last month's figures, apply the budget rules, set capacities."""

    def account(self, month: int, activity: MonthActivity) -> None:  # pragma: no cover - every organisation overrides
        """Book the month's money once the month's patients have been seen."""


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v)
