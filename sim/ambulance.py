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

from sim.capacity import Capacity
from sim.journeys import End, JourneyLog
from sim.needs import CONVEY, HEAR_AND_TREAT, SEE_AND_TREAT, Need
from sim.process import launch

if TYPE_CHECKING:
    from sim.community import CommunityServices
    from sim.config.system import AmbulanceConfig
    from sim.emergency_department import EmergencyCare
    from sim.geography import Geography
    from sim.process import Environment
    from sim.routing import Router


class AmbulanceService:
    """One ambulance service: its fleet, and the journey of every 999 call."""

    def __init__(self, env: Environment, cfg: AmbulanceConfig, log: JourneyLog, router: Router, geo: Geography,
                 emergency_care: EmergencyCare, community: CommunityServices):
        self.env, self.cfg, self.log, self.router, self.geo = env, cfg, log, router, geo
        self.emergency_care = emergency_care
        self.community = community
        self.fleet = Capacity(env, cfg.vehicles, priority=True)

    def receive_calls(self, times: list[float], needs: list[Need]) -> None:
        """Today's 999 calls: those resolved by telephone advice are closed (no vehicle); a
        vehicle is dispatched to each of the rest at its time."""
        log, dispatched = self.log, []
        for at, n in zip(times, needs):
            if n.outcome == HEAR_AND_TREAT:
                log.finish(n.pid, End.HEAR_AND_TREAT, at)
            else:
                dispatched.append((self.call(n), at))
        launch(self.env, dispatched)

    def deteriorations(self, times: list[float], needs: list[Need]) -> None:
        """Patients deteriorating at home call 999 (category 2 at least) and are conveyed."""
        launch(self.env, ((self.call(n._replace(outcome=CONVEY, category=min(n.category, 2), urc_suitable=False)), at)
                          for at, n in zip(times, needs)))

    def call(self, n: Need):
        env, log, pid, fleet, cfg = self.env, self.log, n.pid, self.fleet, self.cfg
        wait = fleet.request(n.category)
        if wait:
            yield wait
        speedup = cfg.blue_light_speedup
        yield env.timeout(n.d_mobilise + self.router.station_minutes[n.locality] / speedup + n.d_scene)
        log.t_response[pid] = env.now
        if n.outcome == SEE_AND_TREAT or (n.urc_suitable and self.community.urgent_response(n)):
            yield env.timeout(n.d_on_scene)
            fleet.release()
            log.finish(pid, End.SEE_AND_TREAT if n.outcome == SEE_AND_TREAT else End.URGENT_COMMUNITY_RESPONSE,
                       env.now)
            return
        # the crew's choice among the A&Es open when it leaves the scene
        site = self.router.ed_site_at(n.locality, env.now + n.d_on_scene, n.u_ed_choice, crew=True)
        drive = self.geo.travel[n.locality][site] / speedup
        if cfg.conveyance_from_scene:  # back across the locality from the scene, then on to A&E
            drive += n.d_scene
        log.conveyance_minutes[pid] = drive
        yield env.timeout(n.d_on_scene + drive)  # treat, then convey
        care = self.emergency_care
        ed = care.eds[site]
        log.ed_site[pid] = site
        log.t_ed_arrival[pid] = env.now
        # the crew waits with the patient for a cubicle (the handover delay), or hands over into
        # corridor care when released to respond
        has_cubicle = yield from care.find_cubicle(ed, n, cfg.handover_release_minutes)
        yield env.timeout(n.d_handover)
        log.t_handover[pid] = env.now
        env.timeout(n.d_clear).callbacks.append(lambda _e: fleet.release())
        yield from care.attend(n, ed, has_cubicle=has_cubicle)

    def census_rows(self, day: int) -> list[tuple]:
        f = self.fleet
        return [(day, "ambulances", "ics", f.count, f.capacity, f.queue_length, 0)]
