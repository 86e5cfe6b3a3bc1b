"""The community health services provider: virtual wards, urgent community response, intermediate
care beds and reablement, staffed within its contract."""

from __future__ import annotations

from agents.organisation import Organisation
from sim.calendar import DAYS_PER_YEAR

SERVICES = {  # capacity name -> unit cost field
    "virtual_ward": "cost_per_virtual_ward_bed",
    "urgent_community_response": "cost_per_urgent_response_place",
    "intermediate_care": "cost_per_intermediate_care_bed",
    "reablement": "cost_per_reablement_place",
}


class CommunityProvider(Organisation):
    kind = "community_provider"

    def __init__(self, model, name: str, cfg):
        super().__init__(model, name)
        self.cfg = cfg
        self.planned = {k: c.capacity for k, c in model.community.capacities().items()}

    def annual_cost(self, capacities: dict[str, float] | None = None) -> float:
        caps = capacities or {k: c.capacity for k, c in self.model.community.capacities().items()}
        return sum(caps[k] * getattr(self.cfg, f) for k, f in SERVICES.items()) * self.cost_factor

    def planned_cost(self) -> float:
        return self.annual_cost(self.planned)

    def act(self) -> None:
        """Size every service to what the contract pays for (growing with a left shift, shrinking
        in a squeeze), keeping the mix of services as planned."""
        hs = self.model
        self.new_month()
        funded = hs.organisations.icb.contracts[self.name]
        planned_cost = self.annual_cost(self.planned)
        scale = funded / planned_cost if planned_cost > 0 else 1.0  # no services planned: nothing to size
        if scale > 1 and not self.cfg.invest_surplus:
            scale = 1.0
        caps = hs.community.capacities()
        changed = {}
        for name, planned in self.planned.items():
            new = int(planned * scale)
            if new != caps[name].capacity:
                changed[name] = (caps[name].capacity, new)
                caps[name].set_capacity(new)
        if changed:
            self.decide("resize services", "capacity the contract pays for", contract=funded, scale=scale,
                        **{k: f"{a}->{b}" for k, (a, b) in changed.items()})

    def account(self, month: int, activity) -> None:
        self.ledger.book(month, "pay", self.annual_cost() * activity.days / DAYS_PER_YEAR)
