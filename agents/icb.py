"""The integrated care board: receives the allocation, pays providers, pools money with the council,
and runs itself within a running cost allowance."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR


class ICB(Organisation):
    """Commissioner of the system's NHS services, with a duty to break even.

    Money, all in cash (``allocation_growth`` and ``cost_growth`` on one basis):

    - income: the programme allocation (``allocation_per_head`` x population) and the running cost
      allowance (``running_cost_allowance_per_head`` x population), both growing by
      ``allocation_growth`` each new financial year (the allowance is cut by ``running_cost_cut``
      from ``running_cost_cut_month``);
    - spending: providers' contracts and the Better Care Fund (``payments``), and its own running
      costs: its staff (``pay``), other running costs (``non_pay``) and redundancy (``one_off``).
      Running costs start equal to the allowance and grow by ``cost_growth``.

    In the first financial year each provider's contract is its planned cost less
    ``first_year_savings``. Each new year contracts are uplifted by ``cost_growth`` less
    ``efficiency_asked`` (the national tariff convention: cost uplift less efficiency factor);
    ``left_shift_per_year`` of the acute contracts moves to the community provider. Under an
    activity contract acute trusts are paid the national tariff, uplifted alike, for what they did.
    The ICB's surplus is what it received less what it paid out and spent: allocation it did not
    spend, nothing else.

    Budget rules: when its running costs a year exceed the running cost allowance by more than
    ``running_cost_tolerance``, the ICB applies the next of ``budget_rules`` (``cut_running_costs``:
    other running costs and posts cut by the share needed to fit the allowance, posts after
    ``notice_months``, redundancy a one-off cost paid by the ICB unless
    ``running_cost_redundancy_funded``)."""

    kind = "icb"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        people = model.cfg.population
        self.allocation = cfg.allocation_per_head * people
        self.better_care_fund = cfg.better_care_fund_per_head * people
        self.running_cost_allowance = cfg.running_cost_allowance_per_head * people
        # own running costs at starting prices: staff (FTE at their cost) and everything else
        self.staff_fte = self.running_cost_allowance * cfg.running_cost_staff_share / cfg.staff_cost_per_fte \
            if cfg.staff_cost_per_fte > 0 else 0.0
        self.other_running_costs = self.running_cost_allowance * (1 - cfg.running_cost_staff_share)
        self.contracts: dict[str, float] = {}  # provider name -> annual value
        self.contract_price_index = 1.0  # contracts' and tariff's uplift since the first year
        self.year = 0
        self.cut_instructed = False
        self.rules_applied: list[str] = []
        self.pending_cuts: list[tuple[int, float]] = []  # (effective month, FTE)

    def set_first_contracts(self, providers) -> None:
        cut = self.cfg.first_year_savings
        for p in providers:
            planned = p.planned_cost()
            self.contracts[p.name] = planned * (1 - cut)
            self.decide("set contract", "first year: the provider's planned cost less mandated savings",
                        provider=p.name, planned_cost=planned, savings=cut, annual_value=self.contracts[p.name])

    # --- running costs -------------------------------------------------------------------------

    def running_costs(self) -> float:
        """The ICB's own running costs a year at current prices: staff and other running costs."""
        return (self.staff_fte * self.cfg.staff_cost_per_fte + self.other_running_costs) * self.cost_index

    def act(self) -> None:
        hs, cfg = self.model, self.cfg
        if hs.month and hs.month % 12 == 0:
            self._new_financial_year()
        if cfg.running_cost_cut and not self.cut_instructed and hs.month >= cfg.running_cost_cut_month:
            before = self.running_cost_allowance
            self.running_cost_allowance *= 1 - cfg.running_cost_cut
            self.cut_instructed = True
            self.decide("running cost allowance cut", "instruction from NHS England", cut=cfg.running_cost_cut,
                        allowance_before=before, allowance=self.running_cost_allowance,
                        running_costs=self.running_costs())
        self._staff_leave(hs.month)
        self.apply_budget_rules()

    def _new_financial_year(self) -> None:
        hs, cfg = self.model, self.cfg
        self.year += 1
        self.cost_index *= 1 + cfg.cost_growth
        self.allocation *= 1 + cfg.allocation_growth
        self.better_care_fund *= 1 + cfg.allocation_growth
        self.running_cost_allowance *= 1 + cfg.allocation_growth
        uplift = cfg.cost_growth - cfg.efficiency_asked
        self.contract_price_index *= 1 + uplift
        for name in self.contracts:
            self.contracts[name] *= 1 + uplift
        moved = 0.0
        for trust in hs.organisations.trusts:
            shift = self.contracts[trust.name] * cfg.left_shift_per_year
            self.contracts[trust.name] -= shift
            moved += shift
        if moved:
            self.contracts[hs.organisations.community_provider.name] += moved
        committed = sum(self.contracts.values()) + self.better_care_fund + self.running_costs()
        income = self.allocation + self.running_cost_allowance
        self.decide("new financial year", "contracts uplifted by cost growth less the efficiency asked; allocation "
                    "grown in cash", uplift=uplift, cost_growth=cfg.cost_growth, efficiency_asked=cfg.efficiency_asked,
                    allocation=self.allocation, running_cost_allowance=self.running_cost_allowance,
                    committed=committed, planned_surplus=income - committed, left_shift=moved)

    def apply_budget_rules(self) -> None:
        """Running costs above the allowance (the ICB's own break-even duty): apply the next rule,
        unless a cut already decided has still to take effect."""
        cfg = self.cfg
        costs, allowance = self.running_costs(), self.running_cost_allowance
        if self.pending_cuts or costs <= allowance * (1 + cfg.running_cost_tolerance):
            return
        pending = [r for r in cfg.budget_rules if r not in self.rules_applied]
        if pending:
            rule = pending[0]
        elif cfg.budget_rules:
            rule = cfg.budget_rules[-1]  # the last rule repeats while running costs exceed the allowance
        else:
            return
        self.rules_applied.append(rule)
        getattr(self, rule)(costs, allowance)

    def cut_running_costs(self, costs: float, allowance: float) -> None:
        """Cut other running costs at once and posts after the notice period, each by the share that
        brings running costs within the allowance."""
        cfg = self.cfg
        share = 1 - allowance / costs
        due = self.model.month + cfg.notice_months
        fte = self.staff_fte * share
        cut_other = self.other_running_costs * share
        self.other_running_costs -= cut_other
        self.pending_cuts.append((due, fte))
        self.decide("cut running costs", "running costs above the running cost allowance", running_costs=costs,
                    allowance=allowance, share=share, other_running_costs_cut=cut_other * self.cost_index, fte=fte,
                    effective_month_index=due, redundancy_cost=fte * cfg.redundancy_cost_per_fte * self.cost_index,
                    centrally_funded=cfg.running_cost_redundancy_funded)
        self._staff_leave(self.model.month)

    def _staff_leave(self, month: int) -> None:
        """Posts cut leave when their notice is up; each FTE is a one-off redundancy cost."""
        cfg = self.cfg
        for _due, fte in [c for c in self.pending_cuts if c[0] <= month]:
            gone = min(fte, self.staff_fte)
            self.staff_fte -= gone
            cost = gone * cfg.redundancy_cost_per_fte * self.cost_index
            self.ledger.book(month, "one_off", cost)
            if cfg.running_cost_redundancy_funded:
                self.model.organisations.regulator.ledger.book(month, "payments", cost)
                self.ledger.book(month, "central_funding", cost)
            self.decide("redundancies take effect", "ICB posts cut after the notice period", fte=gone,
                        one_off_cost=cost, centrally_funded=cfg.running_cost_redundancy_funded,
                        staff_fte=self.staff_fte)
        self.pending_cuts = [c for c in self.pending_cuts if c[0] > month]

    # --- money ---------------------------------------------------------------------------------

    def pay(self, month: int, activity) -> None:
        """Receive this month's allocation and running cost allowance, pay every provider and the
        pooled fund, and pay its own running costs (annual sums paid by the day, so a 31-day month
        carries 31 days of money as of cost)."""
        hs, cfg = self.model, self.cfg
        share = activity.days / DAYS_PER_YEAR
        self.ledger.book(month, "allocation", self.allocation * share)
        self.ledger.book(month, "running_cost_allowance", self.running_cost_allowance * share)
        for provider in hs.organisations.providers:
            amount = self.contracts[provider.name] * share
            if provider in hs.organisations.trusts and cfg.acute_contract == "activity":
                amount = provider.tariff_income(activity, cfg.tariff, self.contract_price_index)
            self._transfer(month, provider, "contract", amount)
        self._transfer(month, hs.organisations.council, "better_care_fund", self.better_care_fund * share)
        self.ledger.book(month, "pay", self.staff_fte * cfg.staff_cost_per_fte * self.cost_index * share)
        self.ledger.book(month, "non_pay", self.other_running_costs * self.cost_index * share)

    def cover_council_overspend(self, month: int, amount: float) -> None:
        """Pooled budget: the NHS side covers the council's social care overspend."""
        if amount > 0:
            self._transfer(month, self.model.organisations.council, "better_care_fund", amount)
            self.decide("cover council overspend", "pooled health and care budget", amount=amount)

    def _transfer(self, month: int, to: Organisation, category: str, amount: float) -> None:
        self.ledger.book(month, "payments", amount)
        to.ledger.book(month, category, amount)
