"""A&E: type 1 emergency departments and type 3 urgent care centres.

A type 1 department has clinicians (seen in order of triage category, most urgent first) and
majors/resus cubicles. Ambulance patients and walk-ins of triage category up to
``ae.majors_acuity_max`` need a cubicle; an ambulance crew waits with its patient until one is
free (the handover delay). A patient the clinician decides to admit keeps the cubicle until a bed
is found (the trolley wait): full wards block A&E, which blocks ambulances. Low-acuity walk-ins
are seen without a cubicle; at a site with an urgent care centre they are streamed there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import beds, community
from sim.capacity import Capacity
from sim.journeys import End
from sim.process import first_of

if TYPE_CHECKING:
    from sim.model import HealthSystem
    from sim.needs import Need


class EmergencyDepartment:
    """A type 1 A&E at one site."""

    def __init__(self, env, site: int, name: str, clinicians: int, cubicles: int, is_open: bool):
        self.site = site
        self.name = name
        self.is_open = is_open
        self.rostered = clinicians
        self.clinicians = Capacity(env, clinicians, priority=True)
        self.cubicles = Capacity(env, cubicles, priority=True)


class UrgentCareCentre:
    """A type 3 A&E at one site: walk-in minor illness and injury."""

    def __init__(self, env, site: int, name: str, clinicians: int, is_open: bool):
        self.site = site
        self.name = name
        self.is_open = is_open
        self.rostered = clinicians
        self.clinicians = Capacity(env, clinicians, priority=True)


def walk_in(hs: HealthSystem, n: Need, at: float):
    """Where a patient arriving on foot at ``at`` goes, and when their process starts.

    A minor case goes to the nearest open urgent care centre or A&E (streamed to the urgent care
    centre at a site with both); anyone else to the nearest open type 1 A&E. Triage nurses are
    not a constrained resource here, so an A&E patient's process starts when triage ends."""
    if n.acuity > hs.cfg.ae.majors_acuity_max:
        site = hs.routes.minors_site[n.locality]
        ucc = hs.uccs.get(site)
        if ucc is not None and ucc.is_open:
            return attend_ucc(hs, n, ucc, at), at
    else:
        site = hs.routes.ed_site[n.locality]
    return attend(hs, n, hs.eds[site], arrived=at), at + n.d_triage


def attend_ucc(hs: HealthSystem, n: Need, ucc: UrgentCareCentre, arrived: float):
    env, log, pid = hs.env, hs.log, n.pid
    log.ucc_site[pid] = ucc.site
    log.t_ed_arrival[pid] = arrived
    log.travel_minutes[pid] = hs.geo.travel[n.locality][ucc.site]
    wait = ucc.clinicians.request(n.acuity)
    if wait:
        yield wait
    log.t_seen[pid] = env.now
    yield env.timeout(n.d_assess_ucc)
    ucc.clinicians.release()
    log.t_decision[pid] = env.now
    if not n.ucc_transfer:
        log.t_ed_departure[pid] = env.now
        log.finish(pid, End.UCC_DISCHARGED, env.now)
        return
    site = hs.routes.ed_from_site[ucc.site]
    yield env.timeout(hs.geo.site_travel[ucc.site][site] + n.d_triage)
    log.t_seen[pid] = log.t_decision[pid] = log.t_ed_departure[pid] = float("nan")
    yield from attend(hs, n, hs.eds[site], arrived=env.now - n.d_triage)


def find_cubicle(hs: HealthSystem, ed: EmergencyDepartment, n: Need, limit: float | None):
    """Wait for a cubicle, in triage order; after ``limit`` minutes give up and be cared for in
    the corridor (returns False). A cubicle granted later to someone already in the corridor is
    passed straight on to the next patient."""
    wait = ed.cubicles.request(n.acuity)
    if wait is None:
        return True
    if limit is None:
        yield wait
        return True
    yield first_of(hs.env, wait, hs.env.timeout(limit))
    if wait.triggered:
        return True
    wait.callbacks.append(lambda _e: ed.cubicles.release())
    hs.log.corridor[n.pid] = True
    return False


def attend(hs: HealthSystem, n: Need, ed: EmergencyDepartment, arrived: float | None = None,
           has_cubicle: bool = False):
    """Assessment, results and the decision to discharge, refer or admit, at a type 1 A&E.

    A walk-in starts here once triaged, having ``arrived`` earlier; an ambulance patient arrives
    with the cubicle its crew waited for (``has_cubicle``), their arrival already logged."""
    env, log, pid = hs.env, hs.log, n.pid
    if arrived is not None:
        log.ed_site[pid] = ed.site
        log.t_ed_arrival[pid] = arrived
        log.travel_minutes[pid] = hs.geo.travel[n.locality][ed.site]
        if n.acuity <= hs.cfg.ae.majors_acuity_max:
            has_cubicle = yield from find_cubicle(hs, ed, n, hs.cfg.ae.corridor_care_after_minutes)
    wait = ed.clinicians.request(n.acuity)
    if wait:
        yield wait
    log.t_seen[pid] = env.now
    yield env.timeout(n.d_assess)
    ed.clinicians.release()
    yield env.timeout(n.d_results)
    log.t_decision[pid] = env.now

    if not n.admit:
        if has_cubicle:
            ed.cubicles.release()
        log.t_ed_departure[pid] = env.now
        log.finish(pid, End.ED_REFERRED_COMMUNITY if n.refer_community else End.ED_DISCHARGED, env.now)
        return

    log.admitted[pid] = True
    if community.divert(hs, n):
        if has_cubicle:
            ed.cubicles.release()
        log.t_ed_departure[pid] = env.now
        yield from community.virtual_ward_stay(hs, n)
        return

    ward = hs.wards[hs.routes.bed_site[ed.site]]
    wait = ward.beds.request()
    if wait:
        yield wait  # the trolley wait
    if has_cubicle:
        ed.cubicles.release()
    log.t_ed_departure[pid] = env.now
    yield from beds.emergency_stay(hs, n, ward)
