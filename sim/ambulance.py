"""999 calls and the ambulance fleet: response, on scene, conveyance and handover at A&E.

Calls are answered in category order (category 1 first). Hear-and-treat calls need no vehicle.
A vehicle drives from the nearest ambulance station (blue lights), treats on scene, and either
leaves the patient at home (see and treat), hands them to an urgent community response team when
one has room, or conveys them to the nearest open type 1 A&E. There the crew waits with the patient
until a cubicle is free: when A&E is full of patients waiting for beds, ambulances queue outside
and are not free to answer the next call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import community
from sim.emergency_department import attend, find_cubicle
from sim.journeys import End
from sim.needs import CONVEY, HEAR_AND_TREAT, SEE_AND_TREAT

if TYPE_CHECKING:
    from sim.model import HealthSystem
    from sim.needs import Need


def hear_and_treat(hs: HealthSystem, needs: list, times: list) -> list:
    """Close the calls resolved by telephone advice (no vehicle); return the rest."""
    log, rest = hs.log, []
    for at, n in zip(times, needs):
        if n.outcome == HEAR_AND_TREAT:
            log.finish(n.pid, End.HEAR_AND_TREAT, at)
        else:
            rest.append((at, n))
    return rest


def dispatch(hs: HealthSystem, n: Need, at: float):
    """The process of a 999 call made at ``at`` (for the day driver)."""
    return call(hs, n), at


def call(hs: HealthSystem, n: Need):
    env, log, pid, fleet = hs.env, hs.log, n.pid, hs.fleet
    wait = fleet.request(n.category)
    if wait:
        yield wait
    speedup = hs.cfg.ambulance.blue_light_speedup
    yield env.timeout(n.d_mobilise + hs.routes.station_minutes[n.locality] / speedup + n.d_scene)
    log.t_response[pid] = env.now
    if n.outcome == SEE_AND_TREAT or (n.urc_suitable and community.urgent_response(hs, n)):
        yield env.timeout(n.d_on_scene)
        fleet.release()
        log.finish(pid, End.SEE_AND_TREAT if n.outcome == SEE_AND_TREAT else End.URGENT_COMMUNITY_RESPONSE,
                   env.now)
        return
    site = hs.routes.ed_site[n.locality]
    drive = hs.geo.travel[n.locality][site] / speedup
    log.conveyance_minutes[pid] = drive
    yield env.timeout(n.d_on_scene + drive)  # treat, then convey
    ed = hs.eds[site]
    log.ed_site[pid] = site
    log.t_ed_arrival[pid] = env.now
    # the crew waits with the patient for a cubicle (the handover delay), or hands over into
    # corridor care when released to respond
    has_cubicle = yield from find_cubicle(hs, ed, n, hs.cfg.ambulance.handover_release_minutes)
    yield env.timeout(n.d_handover)
    log.t_handover[pid] = env.now
    env.timeout(n.d_clear).callbacks.append(lambda _e: fleet.release())
    yield from attend(hs, n, ed, has_cubicle=has_cubicle)


def deteriorated(hs: HealthSystem, n: Need, at: float):
    """A patient deteriorating at home calls 999 (category 2 at least) and is conveyed."""
    return call(hs, n._replace(outcome=CONVEY, category=min(n.category, 2), urc_suitable=False)), at
