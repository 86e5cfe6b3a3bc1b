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
from sim.emergency_department import attend
from sim.journeys import End
from sim.needs import HEAR_AND_TREAT, SEE_AND_TREAT

if TYPE_CHECKING:
    from sim.model import HealthSystem
    from sim.needs import Need


def call(hs: "HealthSystem", n: "Need"):
    env, log, pid, fleet = hs.env, hs.log, n.pid, hs.fleet
    if n.outcome == HEAR_AND_TREAT:
        log.finish(pid, End.HEAR_AND_TREAT, env.now)
        return
    wait = fleet.request(n.category)
    if wait:
        yield wait
    speedup = hs.cfg.ambulance.blue_light_speedup
    yield env.timeout(n.d_mobilise + hs.routes.station_minutes[n.locality] / speedup + n.d_scene)
    log.t_response[pid] = env.now
    yield env.timeout(n.d_on_scene)
    if n.outcome == SEE_AND_TREAT:
        fleet.release()
        log.finish(pid, End.SEE_AND_TREAT, env.now)
        return
    if n.urc_suitable and community.urgent_response(hs, n):
        fleet.release()
        log.finish(pid, End.URGENT_COMMUNITY_RESPONSE, env.now)
        return
    site = hs.routes.ed_site[n.locality]
    yield env.timeout(hs.geo.minutes[n.locality, site] / speedup)
    ed = hs.eds[site]
    log.ed_site[pid] = site
    log.t_ed_arrival[pid] = env.now
    wait = ed.cubicles.request(n.acuity)
    if wait:
        yield wait  # the crew waits with the patient: handover delay
    yield env.timeout(n.d_handover)
    log.t_handover[pid] = env.now
    env.timeout(n.d_clear).callbacks.append(lambda _e: fleet.release())
    yield from attend(hs, n, ed, has_cubicle=True)
