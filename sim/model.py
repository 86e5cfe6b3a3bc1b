"""``HealthSystem``: one Integrated Care System as a Mesa model that owns a SimPy environment.

The model is a conductor. It builds the services from the config (``sim.services``), runs the day
(the midnight bed check and census, then the day's arrivals, electives and social care
referrals), and steps month by month. Each Mesa step is one calendar month (the first also runs
the warm-up). Within it, SimPy moves patients in continuous time (minutes).

Organisations plug in through ``OrganisationLayer`` (``agents.Organisations`` is the one icsim
has): each month they act on last month's figures before the patients flow, and account for the
month's activity after.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Protocol

import mesa

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, Calendar
from sim.census import Census
from sim.config.system import Config
from sim.geography import Geography
from sim.journeys import JourneyLog
from sim.population import Cells
from sim.process import Environment
from sim.results import Results
from sim.services import Services
from sim.streams import Streams


class OrganisationLayer(Protocol):
    """What the organisations offer the model: each month they ``act`` on last month's figures
    before the patients flow (setting capacities, thresholds and contracts), and ``account`` for
    the month's activity after."""

    def act(self) -> None: ...

    def account(self) -> None: ...


class HealthSystem(mesa.Model):
    """Patients flowing through GP, ambulance, A&E, acute beds, community and social care."""

    def __init__(self, config: Config, seed: int | None = None, months: int | None = None,
                 organisations: Callable[[HealthSystem], OrganisationLayer] | None = None):
        seed = config.run.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.cfg, self.seed = config, seed
        self.streams = Streams(seed)
        self.env = Environment()
        self.calendar = Calendar(config.run, months)
        self.months = len(self.calendar.month_labels)
        self.month = 0
        self.site_names = list(config.sites)
        self.geo = Geography(config)
        self.cells = Cells.from_config(config)
        self.log = JourneyLog(capacity=expected_journeys(config, self.calendar))
        services = Services.build(config, self.env, self.calendar, self.geo, self.cells, self.log, self.streams)
        self.router, self.arrivals = services.router, services.arrivals
        self.primary_care, self.ambulance = services.primary_care, services.ambulance
        self.emergency_care, self.beds, self.discharge = services.emergency_care, services.beds, services.discharge
        self.community, self.social_care = services.community, services.social_care
        self.outcomes = services.outcomes
        self.waiting_list = services.waiting_list  # the RTT list (sim.rtt), or None
        self.mental_health = services.mental_health  # None when the config has no `mental_health:`
        self.census = Census(services.counted(), self.calendar)
        self.results = Results(self)
        self.env.process(self._days())
        self.env.process(self.emergency_care.rota())
        self.organisations: OrganisationLayer | None = None
        if organisations is not None:
            self.organisations = organisations(self)
        elif config.organisations is not None:
            raise ValueError("the config has organisations: build the model with them "
                             "(agents.health_system), or remove `organisations:` from the config")

    def stream_to(self, journeys: Callable[[dict], None] | None,
                  gp_requests: Callable[[dict], None] | None = None) -> None:
        """Let final journeys and GP requests leave memory at the end of every month, handed to
        these sinks (None: nowhere, their KPIs kept as tallies: ``sim.results``,
        ``PrimaryCare.spill``). Without it, a run keeps every row to the end."""
        self.results.stream_to(journeys)
        self.primary_care.stream_to(gp_requests)

    def set_site_open(self, site: str, emergency_department: bool | None = None,
                      urgent_care_centre: bool | None = None) -> None:
        """Open or close a site's A&E or urgent care centre; demand re-routes to the nearest open
        site from then on. Patients already there finish their visit."""
        i = self.site_names.index(site)
        if emergency_department is not None:
            self.emergency_care.eds[i].is_open = emergency_department
        if urgent_care_centre is not None:
            self.emergency_care.uccs[i].is_open = urgent_care_centre
        self.router.update(*self.emergency_care.open_sites(len(self.site_names)))

    def _days(self):
        """The day driver: at each midnight, the bed check and the census, then the day's arrivals."""
        env = self.env
        for day in range(self.calendar.days):
            self.beds.midnight_check()
            self.census.take(day)
            self.arrivals.day(day)
            if self.waiting_list is not None:
                self.waiting_list.day(day)
            self.beds.book_electives(day)
            self.social_care.community_referrals(self.streams["social_care.community"])
            yield env.timeout((day + 1) * MINUTES_PER_DAY - env.now)

    # --- Mesa ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One calendar month: organisations act, patients flow, money is counted.
        (The first step runs the warm-up first, before organisations act or money is counted.)"""
        if self.month >= self.months:
            self.running = False
            return
        if self.month == 0:
            self._run_until(self.calendar.warmup_minutes)
            self.results.month_ended()
        if self.organisations is not None:
            self.organisations.act()
        self._run_until(float(self.calendar.month_starts[self.month + 1]))
        if self.organisations is not None:
            self.organisations.account()
        self.primary_care.spill()  # final GP requests leave memory when the run streams its results
        self.results.month_ended()  # and so do final journeys
        self.month += 1
        if self.month >= self.months:
            self.running = False

    def _run_until(self, until: float) -> None:
        if until <= self.env.now:
            return
        # Journeys are freed by reference counting; the cyclic garbage collector would only rescan
        # the hundreds of thousands of live events and arrays every few thousand allocations
        # (a third of the run time) and find nothing, so it is paused while the month runs.
        gc.disable()
        try:
            self.env.run_until(until)
        finally:
            gc.enable()

    def run(self, progress=None) -> None:
        """Run every remaining month; ``progress`` is called with (month done, months)."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.month, self.months)


def expected_journeys(config: Config, calendar: Calendar) -> int:
    """Room for the journeys of the whole run, so the journey table rarely has to grow."""
    d = config.demand
    per_1000 = sum(sum(rates.values()) / len(rates) for rates in (
        d.ambulance_incidents_per_1000, d.ae_self_presentations_per_1000, d.elective_admissions_per_1000))
    years = calendar.days / DAYS_PER_YEAR
    return int(config.population / 1000 * per_1000 * 1.6 * years * (1 + max(d.growth_per_year, 0))) + 1024
