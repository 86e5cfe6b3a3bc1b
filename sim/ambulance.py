"""999 calls and the ambulance fleet: response, on scene, conveyance and handover at A&E.

Calls are answered in category order (category 1 first). Hear-and-treat calls need no vehicle.
A vehicle drives from the nearest ambulance station (blue lights), treats on scene, and either
leaves the patient at home (see and treat), hands them to an urgent community response team when
one has room, or conveys them to the nearest open type 1 A&E. There the crew waits with the patient
until a cubicle is free: when A&E is full of patients waiting for beds, ambulances queue outside
and are not free to answer the next call.

Divert (``network.divert_handover_queue``, ``network.divert_occupancy``): an A&E with that many
ambulances waiting to hand over, or whose hospital's beds are that full, is on divert; a crew then
goes to the next nearest open A&E not on divert (every A&E on divert: the nearest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.capacity import Capacity
from sim.journeys import End, JourneyLog
from sim.needs import CONVEY, HEAR_AND_TREAT, SEE_AND_TREAT, Need
from sim.process import launch

if TYPE_CHECKING:
    from sim.community import CommunityServices
    from sim.config.system import AmbulanceConfig, NetworkConfig
    from sim.emergency_department import EmergencyCare
    from sim.geography import Geography
    from sim.process import Environment
    from sim.routing import Router


class AmbulanceService:
    """One ambulance service: its fleet, and the journey of every 999 call."""

    def __init__(self, env: Environment, cfg: AmbulanceConfig, log: JourneyLog, router: Router, geo: Geography,
                 emergency_care: EmergencyCare, community: CommunityServices, network: NetworkConfig | None = None):
        self.env, self.cfg, self.log, self.router, self.geo = env, cfg, log, router, geo
        self.emergency_care = emergency_care
        self.community = community
        self.fleet = Capacity(env, cfg.vehicles, priority=True)
        self.queue_limit = None if network is None else network.divert_handover_queue
        self.occupancy_limit = None if network is None else network.divert_occupancy
        self.diverts = self.queue_limit is not None or self.occupancy_limit is not None
        self.diverted = 0

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
        log.t_response[pid] = env._now
        if n.outcome == SEE_AND_TREAT or (n.urc_suitable and self.community.urgent_response(n)):
            yield env.timeout(n.d_on_scene)
            fleet.release()
            log.finish(pid, End.SEE_AND_TREAT if n.outcome == SEE_AND_TREAT else End.URGENT_COMMUNITY_RESPONSE,
                       env._now)
            return
        # the crew's choice among the A&Es open when it leaves the scene, unless that one is on divert
        leaves = env._now + n.d_on_scene
        site = self.router.ed_site_at(n.locality, leaves, n.u_ed_choice, crew=True)
        if self.diverts and self.on_divert(site):
            site = self.divert(n, site, leaves)
        drive = self.geo.travel[n.locality][site] / speedup
        if cfg.conveyance_from_scene:  # back across the locality from the scene, then on to A&E
            drive += n.d_scene
        log.conveyance_minutes[pid] = drive
        yield env.timeout(n.d_on_scene + drive)  # treat, then convey
        care = self.emergency_care
        ed = care.eds[site]
        log.ed_site[pid] = site
        log.t_ed_arrival[pid] = env._now
        # the crew waits with the patient for a cubicle (the handover delay), or hands over into
        # corridor care when released to respond
        ed.ambulance_queue(+1, env._now, self.queue_limit)
        wait = ed.cubicles.request(n.acuity)  # find_cubicle, without a generator when one is free
        has_cubicle = True if wait is None else (
            yield from care.wait_for_cubicle(ed, n, wait, cfg.handover_release_minutes))
        ed.ambulance_queue(-1, env._now, self.queue_limit)
        yield env.timeout(n.d_handover)
        log.t_handover[pid] = env._now
        env.timeout(n.d_clear).callbacks.append(lambda _e: fleet.release())
        yield from care.attend(n, ed, has_cubicle=has_cubicle)

    def on_divert(self, site: int) -> bool:
        """Is this A&E on divert: too many ambulances waiting to hand over, or its beds too full?"""
        ed = self.emergency_care.eds[site]
        if self.queue_limit is not None and ed.ambulances_waiting >= self.queue_limit:
            return True
        if self.occupancy_limit is not None:
            beds = self.emergency_care.beds.wards[self.router.bed_site[site]].beds
            return beds.count >= self.occupancy_limit * beds.capacity
        return False

    def divert(self, n: Need, nearest: int, t: float) -> int:
        """The next nearest A&E open at time ``t`` not on divert (the first choice if every one is)."""
        for site in self.router.ed_order_at(n.locality, t):
            if site != nearest and not self.on_divert(site):
                self.diverted += 1
                self.emergency_care.eds[nearest].diverted_away += 1
                self.log.ambulance_diverted[n.pid] = True
                return site
        return nearest

    def census_rows(self, day: int) -> list[tuple]:
        f = self.fleet
        return [(day, "ambulances", "ics", f.count, f.capacity, f.queue_length, 0)]
