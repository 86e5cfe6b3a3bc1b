"""Out-of-hospital care run by the community provider.

Admission avoidance:
- urgent community response: a 2-hour team that an ambulance crew can hand a patient to instead
  of conveying them, when the team has room;
- virtual wards ("hospital at home"): a decision to admit can be diverted to a virtual ward bed
  under the ``community.admission_diversion_share`` policy, when one is free.

Each patient carries a latent flag, drawn at arrival, saying whether they could safely have been
cared for out of hospital. Diverting a patient who was not suitable can go wrong: they may
deteriorate at home and come back to A&E sicker, to a longer stay. This is how icsim tests the
claim that "40% of patients in hospital shouldn't be there": diverting 40% only helps if that
many are truly suitable and the community beds to take them are funded.

Discharge support (intermediate care beds, reablement) is used by ``discharge``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.capacity import Capacity
from sim.discharge import consider_readmission
from sim.journeys import End

if TYPE_CHECKING:
    from sim.config.system import CommunityConfig
    from sim.model import HealthSystem
    from sim.needs import Need


class CommunityServices:
    """The community provider's capacities."""

    def __init__(self, env, cfg: CommunityConfig):
        self.virtual_ward = Capacity(env, cfg.virtual_ward_beds)
        self.urgent_response = Capacity(env, cfg.urgent_response_caseload)
        self.intermediate_care = Capacity(env, cfg.intermediate_care_beds)
        self.reablement = Capacity(env, cfg.reablement_caseload)
        self.diverted = 0
        self.diversion_refused = 0  # diversions wanted but no virtual ward bed free
        self.recognised_unsuitable = 0  # diversions stopped because the patient was seen to need hospital
        self.urgent_responses = 0

    def capacities(self) -> dict[str, Capacity]:
        return {
            "virtual_ward": self.virtual_ward,
            "urgent_community_response": self.urgent_response,
            "intermediate_care": self.intermediate_care,
            "reablement": self.reablement,
        }


def urgent_response(hs: HealthSystem, n: Need) -> bool:
    """Hand the patient to the urgent community response team if it has room now."""
    team = hs.community.urgent_response
    if team.free <= 0:
        return False
    team.request()  # free, so granted at once
    hs.env.timeout(n.d_urc).callbacks.append(lambda _e: team.release())
    hs.community.urgent_responses += 1
    return True


def divert(hs: HealthSystem, n: Need) -> bool:
    """Apply the diversion policy to a decision to admit: True if the patient goes to a virtual ward."""
    if n.u_divert >= hs.cfg.community.admission_diversion_share:
        return False
    if n.recognised_unsuitable:  # the clinician sees this patient needs hospital after all
        hs.community.recognised_unsuitable += 1
        return False
    if hs.community.virtual_ward.free <= 0:
        hs.community.diversion_refused += 1
        return False
    hs.community.diverted += 1
    hs.log.diverted[n.pid] = True
    return True


def virtual_ward_stay(hs: HealthSystem, n: Need):
    env, log, pid = hs.env, hs.log, n.pid
    ward = hs.community.virtual_ward
    ward.request()  # divert() checked that a bed is free
    if n.deteriorates and n.d_deteriorate < n.d_virtual_ward:
        yield env.timeout(n.d_deteriorate)
        ward.release()
        log.finish(pid, End.VIRTUAL_WARD_DETERIORATED, env.now)
        hs.book_return(env.now, n, deteriorated=True)
        return
    yield env.timeout(n.d_virtual_ward)
    ward.release()
    log.pathway[pid] = 0
    log.t_discharge[pid] = env.now
    log.finish(pid, End.VIRTUAL_WARD_COMPLETED, env.now)
    consider_readmission(hs, n._replace(pathway=0), adequate=True)
