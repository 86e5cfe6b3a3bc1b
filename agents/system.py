"""The organisations of the system as one layer plugged into the model.

``HealthSystem`` (``sim.model``) defines the interface: an object built from the model that
``act``s before each month's patient flows and ``account``s after them. This module builds every
organisation from ``config.organisations`` in a fixed order (NHS England, the ICB, the acute
trusts, the GP practices, the community provider, the mental health trust when there is one, the
council) and gives ``health_system``, the
one way the layers above build a model: with its organisations when the config has them.
"""

from __future__ import annotations

from agents.activity import ActivityMeter
from agents.acute_trust import AcuteTrust
from agents.community_provider import CommunityProvider
from agents.general_practice import GeneralPractice
from agents.icb import ICB
from agents.local_authority import LocalAuthority
from agents.mental_health_trust import MentalHealthTrust
from agents.regulator import Regulator
from agents.reporting import collector
from sim.config import Config
from sim.model import HealthSystem


class Organisations:
    """Every organisation of the system, the decision log and the monthly data collector."""

    def __init__(self, model: HealthSystem):
        cfg = model.cfg.organisations
        self.model = model
        self.decisions: list[dict] = []
        model.organisations = self  # the organisations read each other through the model while they are built
        self.regulator = Regulator(model, "nhs_england", cfg.regulator)
        self.icb = ICB(model, "icb", cfg.icb)
        self.trusts = [AcuteTrust(model, name, sites, cfg.acute_trust)
                       for name, sites in model.cfg.trust_sites().items()]
        self.practices = [GeneralPractice(model, f"{name}_practices", i, cfg.general_practice)
                          for i, name in enumerate(model.cfg.localities)]
        self.community_provider = CommunityProvider(model, "community_provider", cfg.community_provider)
        self.council = LocalAuthority(model, "council", cfg.local_authority)
        # the mental health trust, when the model has mental health care and the config the trust
        self.mental_health_trust: MentalHealthTrust | None = None
        if model.mental_health is not None and cfg.mental_health_trust is not None:
            self.mental_health_trust = MentalHealthTrust(model, "mental_health_trust", cfg.mental_health_trust)
        mental_health = [self.mental_health_trust] if self.mental_health_trust is not None else []
        self.providers = [*self.trusts, *self.practices, self.community_provider, *mental_health]
        self.nhs_organisations = [self.icb, *self.providers]
        self.order = [self.regulator, self.icb, *self.trusts, *self.practices, self.community_provider,
                      *mental_health, self.council]
        self.icb.set_first_contracts(self.providers)
        self.meter = ActivityMeter(model)
        self.datacollector = collector()

    def act(self) -> None:
        """Each organisation reads last month's figures and applies its rules, in order."""
        for organisation in self.order:
            organisation.act()
        self.meter.start_month()

    def account(self) -> None:
        """The month's activity costed into every ledger, then each organisation recorded."""
        month = self.model.month
        activity = self.meter.month(month)
        self.icb.pay(month, activity)
        for organisation in (*self.providers, self.council, self.regulator):
            organisation.account(month, activity)
        self.datacollector.collect(self.model)


def health_system(config: Config, seed: int | None = None, months: int | None = None) -> HealthSystem:
    """The model of ``config``, with its organisations when the config has ``organisations:``."""
    return HealthSystem(config, seed=seed, months=months,
                        organisations=Organisations if config.organisations is not None else None)
