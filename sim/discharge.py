"""Leaving hospital: discharge pathways P0-P3, delayed discharges and readmissions within 30 days.

Once medically fit, a patient needs one of:

- P0: home with no new support: leaves at once;
- P1: home with support: reablement (community provider) or a home care package (social care);
- P2: an intermediate care bed (community provider);
- P3: a care home place (social care).

While that service has no room the patient stays in the acute bed: a delayed discharge (the
"no criteria to reside" count). Social care needs pass the council's eligibility test unless the
patient funds their own care; a patient who is neither eligible nor self-funding goes home
without the care they needed, and carries a higher risk of readmission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sim.calendar import MINUTES_PER_DAY
from sim.journeys import End, JourneyLog
from sim.needs import Need

if TYPE_CHECKING:
    from sim.beds import Ward
    from sim.calendar import Calendar
    from sim.capacity import Capacity
    from sim.community import CommunityServices
    from sim.config.system import DischargeConfig
    from sim.outcomes import Outcomes
    from sim.process import Environment
    from sim.social_care import SocialCare

_ENDS = (End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3)
_PATHWAY_NAMES = ("P0", "P1", "P2", "P3")


class Returns(Protocol):
    """Where a patient who will come back is booked (``sim.arrivals.Arrivals``)."""

    def book_return(self, at: float, need: Need, deteriorated: bool) -> None: ...


class Discharge:
    """The way out of hospital, and whether the patient comes back within 30 days."""

    def __init__(self, env: Environment, cfg: DischargeConfig, log: JourneyLog, community: CommunityServices,
                 social_care: SocialCare, returns: Returns, outcomes: Outcomes | None = None,
                 calendar: Calendar | None = None):
        self.env, self.cfg, self.log = env, cfg, log
        self.community = community
        self.social_care = social_care
        self.returns = returns
        self.outcomes = outcomes
        self.calendar = calendar
        # fewer discharges at weekends: the chance, by weekday, that a ready patient goes that day
        self.by_weekday = list(cfg.day_of_week_discharge)
        self.weekly = calendar is not None and min(self.by_weekday) < 1.0

    def slipped_days(self, n: Need) -> int:
        """Days a ready patient's discharge slips: while the day's chance is below their uniform
        (the same uniform every day, so a weekend's two days slip together), at most a week."""
        if not self.weekly or n.zero_day:
            return 0
        day = int(self.env._now // MINUTES_PER_DAY)
        for slip in range(7):
            if n.u_discharge_day < self.by_weekday[self.calendar.weekday(day + slip)]:
                return slip
        return 7

    def next_service(self, n: Need) -> Capacity | None:
        """The capacity the patient's pathway needs, or None when they need none or get none."""
        if n.pathway == 0:
            return None
        if n.pathway == 2:
            return self.community.intermediate_care
        if n.pathway == 1 and n.p1_reablement:
            return self.community.reablement
        sc = self.social_care
        if not (n.self_funder or sc.eligible(n.u_need)):
            return None  # unmet need: home without the care package or placement
        return sc.home_care if n.pathway == 1 else sc.care_homes

    def leave(self, n: Need, ward: Ward):
        """Leave the acute bed by the patient's pathway; a fit patient waits in the bed (delayed)."""
        env, log, pid = self.env, self.log, n.pid
        log.pathway[pid] = n.pathway
        service = self.next_service(n)
        adequate = service is not None or n.pathway == 0
        if n.pathway != 0:
            ward.delayed += 1
            yield env.timeout(n.d_arrange)  # assessment and arranging care
            if service is not None:
                wait = service.request()
                if wait:
                    yield wait
            ward.delayed -= 1
        slip = self.slipped_days(n)
        if slip:  # ready, but not discharged today: in the bed, fit, until the day it happens
            ward.delayed += 1
            yield env.timeout(slip * MINUTES_PER_DAY)
            ward.delayed -= 1
        fate = None
        if self.outcomes is not None:
            # a numpy scalar, as ever: harm_risk raises a number to the power of these nights
            nights = (env._now - log.t_fit[pid]) / MINUTES_PER_DAY
            fate = self.outcomes.leaving_hospital(n, (nights, min(n.d_arrange / MINUTES_PER_DAY, nights)),
                                                  transfers=int(log.transfer_kind.item(pid) > 0))
        if service is not None:
            held = n.d_after
            if fate == "in_hospital":
                held = 0.0
            elif fate == "after":
                held = min(held, log.t_death[pid] - env._now)
            if held > 0:
                env.timeout(held).callbacks.append(lambda _e: service.release())
            else:
                service.release()
        del ward.occupants[pid]
        ward.vacate(n.d_turnaround)
        log.care_adequate[pid] = adequate
        log.t_discharge[pid] = env._now
        if fate == "in_hospital":
            log.finish(pid, End.DIED_IN_HOSPITAL, env._now)
            return
        log.finish(pid, _ENDS[n.pathway], env._now)
        if fate is None:
            self.consider_readmission(n, adequate)

    def consider_readmission(self, n: Need, adequate: bool) -> None:
        """Book the patient's return to A&E within 30 days if their drawn risk says so."""
        cfg = self.cfg
        p = cfg.readmission_probability[_PATHWAY_NAMES[n.pathway]]
        if not adequate:
            p = min(1.0, p * cfg.inadequate_care_readmission_multiplier)
        if n.u_readmit < p:
            self.returns.book_return(self.env._now + n.d_readmit, n, deteriorated=False)
