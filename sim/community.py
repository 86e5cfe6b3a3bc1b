"""Out-of-hospital care run by the community provider.

Admission avoidance:
- urgent community response: a 2-hour team that an ambulance crew can hand a patient to instead
  of conveying them, when the team has room;
- virtual wards ("hospital at home"): a decision to admit can be diverted to a virtual ward bed
  under the ``community.admission_diversion_share`` policy, when one is free.

Each person carries a latent flag saying whether they could safely have been cared for out of
hospital: by triage category, frailty and condition (never a time-critical one), kept on their
returns. The front door sees it imperfectly (``selection_sensitivity``, ``selection_specificity``);
a patient assessed suitable is diverted while diversions so far are below the target share of
decisions to admit so far, and a virtual ward bed is free. Diverting a patient who was not
suitable can go wrong: they may deteriorate at home and come back to A&E sicker, to a longer stay.
A diverted patient keeps their discharge needs: one who needs reablement, home care, intermediate
care or a care home waits for it at home after the virtual ward. This is how icsim tests the claim
that "40% of patients in hospital shouldn't be there": diverting 40% only helps if that many are
truly suitable, found, and the community beds to take them are funded.

Discharge support (intermediate care beds, reablement) is used by ``discharge``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.capacity import Capacity
from sim.journeys import End, JourneyLog
from sim.needs import Need
from sim.process import start_journey

if TYPE_CHECKING:
    from sim.config.system import CommunityConfig
    from sim.discharge import Discharge, Returns
    from sim.outcomes import Outcomes
    from sim.process import Environment


class CommunityServices:
    """The community provider's capacities, and the patients they take instead of a hospital.

    ``discharge`` (set when the services are connected) judges the readmission risk of a patient
    who completes a virtual ward stay, as for any discharge."""

    def __init__(self, env: Environment, cfg: CommunityConfig, log: JourneyLog, returns: Returns,
                 outcomes: Outcomes | None = None):
        self.env, self.cfg, self.log, self.returns = env, cfg, log, returns
        self.outcomes = outcomes
        self.discharge: Discharge | None = None
        self.virtual_ward = Capacity(env, cfg.virtual_ward_beds)
        self.urgent_response_team = Capacity(env, cfg.urgent_response_caseload)
        self.intermediate_care = Capacity(env, cfg.intermediate_care_beds)
        self.reablement = Capacity(env, cfg.reablement_caseload)
        self.decisions = 0  # decisions to admit seen by the diversion policy
        self.diverted = 0
        self.diversion_refused = 0  # diversions wanted but no virtual ward bed free
        self.assessed_unsuitable = 0  # decisions the front door judged to need hospital
        self.urgent_responses = 0

    def capacities(self) -> dict[str, Capacity]:
        return {
            "virtual_ward": self.virtual_ward,
            "urgent_community_response": self.urgent_response_team,
            "intermediate_care": self.intermediate_care,
            "reablement": self.reablement,
        }

    def census_rows(self, day: int) -> list[tuple]:
        return [(day, name, "ics", c.count, c.capacity, c.queue_length, 0) for name, c in self.capacities().items()]

    def urgent_response(self, n: Need) -> bool:
        """Hand the patient to the urgent community response team if it has room now."""
        team = self.urgent_response_team
        if team.free <= 0:
            return False
        team.request()  # free, so granted at once
        self.env.timeout(n.d_urc).callbacks.append(lambda _e: team.release())
        self.urgent_responses += 1
        return True

    def divert(self, n: Need) -> bool:
        """Apply the diversion policy to a decision to admit: True if the patient goes to a virtual
        ward (assessed suitable, the target share of decisions not yet met, a bed free)."""
        share = self.cfg.admission_diversion_share
        self.decisions += 1
        if share <= 0:
            return False
        if not n.assessed_suitable:
            self.assessed_unsuitable += 1
            return False
        if self.diverted >= share * self.decisions:  # the target is met so far
            return False
        if self.virtual_ward.free <= 0:
            self.diversion_refused += 1
            return False
        self.diverted += 1
        self.log.diverted[n.pid] = True
        return True

    def virtual_ward_stay(self, n: Need):
        env, log, pid = self.env, self.log, n.pid
        ward = self.virtual_ward
        ward.request()  # divert() checked that a bed is free
        if n.deteriorates and n.d_deteriorate < n.d_virtual_ward:
            yield env.timeout(n.d_deteriorate)
            ward.release()
            log.finish(pid, End.VIRTUAL_WARD_DETERIORATED, env.now)
            self.returns.book_return(env.now, n, deteriorated=True)
            return
        yield env.timeout(n.d_virtual_ward)
        ward.release()
        fate = self.outcomes.virtual_ward_end(n) if self.outcomes is not None else None
        log.t_discharge[pid] = env.now
        if fate == "in_care":
            log.finish(pid, End.DIED_ON_VIRTUAL_WARD, env.now)
            return
        # the patient keeps their discharge needs, and waits at home for the service they need
        discharge = self.discharge
        service = discharge.next_service(n)
        adequate = service is not None or n.pathway == 0
        log.pathway[pid] = n.pathway
        log.care_adequate[pid] = adequate
        log.finish(pid, End.VIRTUAL_WARD_COMPLETED, env.now)
        if service is not None:
            held = n.d_after if fate is None else min(n.d_after, log.t_death[pid] - env.now)
            start_journey(env, self._care_at_home(service, held))
        if fate is None:
            discharge.consider_readmission(n, adequate)

    def _care_at_home(self, service: Capacity, held: float):
        """Waiting at home for a care service after a virtual ward, then using it."""
        wait = service.request()
        if wait:
            yield wait
        if held > 0:
            yield self.env.timeout(held)
        service.release()
