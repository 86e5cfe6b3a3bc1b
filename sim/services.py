"""The services of the system, built from the config and connected to each other.

Each service is a part with a narrow interface (``sim.primary_care``, ``sim.ambulance``,
``sim.emergency_department``, ``sim.beds``, ``sim.discharge``, ``sim.community``,
``sim.social_care``, ``sim.mental_health``), holding the capacities organisations can change and the journeys through
them. A journey passes from part to part: a 999 call to A&E, A&E to a bed or a virtual ward, a bed
to discharge, discharge to community or social care, and back to A&E as a readmission. This module
is where those hand-overs are wired, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.ambulance import AmbulanceService
from sim.arrivals import Arrivals
from sim.beds import AcuteBeds
from sim.calendar import Calendar
from sim.community import CommunityServices
from sim.config.system import Config
from sim.discharge import Discharge
from sim.emergency_department import EmergencyCare
from sim.geography import Geography
from sim.journeys import JourneyLog
from sim.mental_health import MentalHealthServices
from sim.needs import NeedMaker
from sim.outcomes import Outcomes
from sim.population import Cells
from sim.primary_care import PrimaryCare
from sim.process import Environment
from sim.routing import Router
from sim.rtt import WaitingList
from sim.social_care import SocialCare
from sim.streams import Streams


@dataclass
class Services:
    """Every service of the system, connected."""

    router: Router
    primary_care: PrimaryCare
    arrivals: Arrivals
    social_care: SocialCare
    community: CommunityServices
    discharge: Discharge
    beds: AcuteBeds
    emergency_care: EmergencyCare
    ambulance: AmbulanceService
    outcomes: Outcomes
    waiting_list: WaitingList | None = None
    mental_health: MentalHealthServices | None = None

    @classmethod
    def build(cls, config: Config, env: Environment, calendar: Calendar, geo: Geography, cells: Cells,
              log: JourneyLog, streams: Streams) -> Services:
        router = Router(config, geo)
        outcomes = Outcomes(env, config, log, router, cells)
        primary_care = PrimaryCare(config, cells, calendar)
        if outcomes.enabled and config.outcomes.population != "none":
            primary_care.deaths_rng = streams["population.gp_requests"]
        arrivals = Arrivals(config, cells, calendar, NeedMaker(config, cells, log), streams, primary_care)
        social_care = SocialCare(env, config.social_care)
        community = CommunityServices(env, config.community, log, returns=arrivals, outcomes=outcomes)
        discharge = Discharge(env, config.discharge, log, community, social_care, returns=arrivals, outcomes=outcomes,
                              calendar=calendar)
        beds = AcuteBeds(env, config, log, router, discharge, cells, calendar, streams, outcomes=outcomes)
        emergency_care = EmergencyCare(env, config, log, router, geo, community, beds, outcomes=outcomes)
        ambulance = AmbulanceService(env, config.ambulance, log, router, geo, emergency_care, community,
                                     network=config.network)
        # the hand-overs back up the pathway: readmissions and deteriorations start new journeys
        community.discharge = discharge
        beds.community = community
        arrivals.ambulance, arrivals.emergency_care, arrivals.beds = ambulance, emergency_care, beds
        mental_health = None
        if config.mental_health is not None:
            mental_health = MentalHealthServices(env, config.mental_health, log, float(config.population))
            mental_health.emergency_care = emergency_care
            emergency_care.mental_health = arrivals.mental_health = mental_health
        router.update(*emergency_care.open_sites(len(config.sites)))
        social_care.prefill(streams["social_care.prefill"])
        waiting_list = None
        if config.rtt is not None:  # the elective waiting list as referral to treatment
            waiting_list = WaitingList(env, config, cells, calendar, router, streams, primary_care)
            primary_care.keeps_elective_referrals = True
            beds.rtt = waiting_list
        return cls(router, primary_care, arrivals, social_care, community, discharge, beds, emergency_care, ambulance,
                   outcomes, waiting_list, mental_health)

    def counted(self) -> list:
        """The services in the order of the midnight census."""
        counted = [self.beds, self.emergency_care, self.community, self.social_care, self.ambulance, self.primary_care]
        return counted + [service for service in (self.waiting_list, self.mental_health) if service is not None]
