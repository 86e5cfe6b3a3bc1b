"""The integrated care board: receives the allocation, pays providers, pools money with the council."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR


class ICB(Organisation):
    """Commissioner of the system's NHS services, with a duty to break even.

    In the first financial year each provider's contract is its planned cost less
    ``first_year_savings``. Each new year the
    allocation grows by ``allocation_growth`` and contracts by that growth less ``efficiency_asked``;
    ``left_shift_per_year`` of the acute contracts moves to the community provider. Under an
    activity contract acute trusts are paid the national tariff for what they did instead."""

    kind = "icb"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        people = model.cfg.population
        self.allocation = cfg.allocation_per_head * people
        self.better_care_fund = cfg.better_care_fund_per_head * people
        self.contracts: dict[str, float] = {}  # provider name -> annual value
        self.year = 0

    def set_first_contracts(self, providers) -> None:
        cut = self.cfg.first_year_savings
        for p in providers:
            planned = p.planned_cost()
            self.contracts[p.name] = planned * (1 - cut)
            self.decide("set contract", "first year: the provider's planned cost less mandated savings",
                        provider=p.name, planned_cost=planned, savings=cut, annual_value=self.contracts[p.name])

    def act(self) -> None:
        hs = self.model
        if hs.month == 0 or hs.month % 12:
            return
        cfg = self.cfg
        self.year += 1
        self.allocation *= 1 + cfg.allocation_growth
        self.better_care_fund *= 1 + cfg.allocation_growth
        uplift = cfg.allocation_growth - cfg.efficiency_asked
        for name in self.contracts:
            self.contracts[name] *= 1 + uplift
        moved = 0.0
        for trust in hs.organisations.trusts:
            shift = self.contracts[trust.name] * cfg.left_shift_per_year
            self.contracts[trust.name] -= shift
            moved += shift
        if moved:
            self.contracts[hs.organisations.community_provider.name] += moved
        self.decide("new financial year", "allocation growth less the efficiency asked", uplift=uplift,
                    allocation=self.allocation, left_shift=moved)

    def pay(self, month: int, activity) -> None:
        """Receive this month's allocation and pay every provider and the pooled fund (annual
        sums paid by the day, so a 31-day month carries 31 days of money as of cost)."""
        hs, cfg = self.model, self.cfg
        share = activity.days / DAYS_PER_YEAR
        self.ledger.book(month, "allocation", self.allocation * share)
        for provider in hs.organisations.providers:
            amount = self.contracts[provider.name] * share
            if provider in hs.organisations.trusts and cfg.acute_contract == "activity":
                amount = provider.tariff_income(activity, cfg.tariff, (1 + cfg.allocation_growth - cfg.efficiency_asked) ** self.year)
            self._transfer(month, provider, "contract", amount)
        self._transfer(month, hs.organisations.council, "better_care_fund", self.better_care_fund * share)

    def cover_council_overspend(self, month: int, amount: float) -> None:
        """Pooled budget: the NHS side covers the council's social care overspend."""
        if amount > 0:
            self._transfer(month, self.model.organisations.council, "better_care_fund", amount)
            self.decide("cover council overspend", "pooled health and care budget", amount=amount)

    def _transfer(self, month: int, to: Organisation, category: str, amount: float) -> None:
        self.ledger.book(month, "payments", amount)
        to.ledger.book(month, category, amount)
