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

from typing import TYPE_CHECKING

from sim.journeys import End

if TYPE_CHECKING:
    from sim.beds import Ward
    from sim.model import HealthSystem
    from sim.needs import Need

_ENDS = (End.DISCHARGED_P0, End.DISCHARGED_P1, End.DISCHARGED_P2, End.DISCHARGED_P3)


def next_service(hs: HealthSystem, n: Need):
    """The capacity the patient's pathway needs, or None when they need none or get none."""
    if n.pathway == 0:
        return None
    if n.pathway == 2:
        return hs.community.intermediate_care
    if n.pathway == 1 and n.p1_reablement:
        return hs.community.reablement
    if not (n.self_funder or hs.social_care.eligible(n.u_need)):
        return None  # unmet need: home without the care package or placement
    return hs.social_care.home_care if n.pathway == 1 else hs.social_care.care_homes


def leave(hs: HealthSystem, n: Need, ward: Ward):
    """Leave the acute bed by the patient's pathway; a fit patient waits in the bed (delayed)."""
    env, log, pid = hs.env, hs.log, n.pid
    log.pathway[pid] = n.pathway
    service = next_service(hs, n)
    adequate = service is not None or n.pathway == 0
    if n.pathway != 0:
        ward.delayed += 1
        yield env.timeout(n.d_arrange)  # assessment and arranging care
        if service is not None:
            wait = service.request()
            if wait:
                yield wait
            env.timeout(n.d_after).callbacks.append(lambda _e: service.release())
        ward.delayed -= 1
    ward.vacate(n.d_turnaround)
    log.care_adequate[pid] = adequate
    log.t_discharge[pid] = env.now
    log.finish(pid, _ENDS[n.pathway], env.now)
    consider_readmission(hs, n, adequate)


def consider_readmission(hs: HealthSystem, n: Need, adequate: bool) -> None:
    """Book the patient's return to A&E within 30 days if their drawn risk says so."""
    cfg = hs.cfg.discharge
    p = cfg.readmission_probability[("P0", "P1", "P2", "P3")[n.pathway]]
    if not adequate:
        p = min(1.0, p * cfg.inadequate_care_readmission_multiplier)
    if n.u_readmit < p:
        hs.book_return(hs.env.now + n.d_readmit, n, deteriorated=False)
