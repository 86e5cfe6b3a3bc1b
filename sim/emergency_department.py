"""A&E: type 1 emergency departments and type 3 urgent care centres.

A type 1 department has clinicians (seen in order of triage category, most urgent first) and
majors/resus cubicles. Ambulance patients and walk-ins of triage category up to
``ae.majors_acuity_max`` need a cubicle; an ambulance crew waits with its patient until one is
free (the handover delay). A patient the clinician decides to admit keeps the cubicle until a bed
is found (the trolley wait): full wards block A&E, which blocks ambulances. Low-acuity walk-ins
are seen without a cubicle; at a site with an urgent care centre they are streamed there.
Clinicians on duty follow the hour-of-day rota.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.capacity import Capacity
from sim.journeys import End, JourneyLog
from sim.needs import Need
from sim.process import first_of, launch

if TYPE_CHECKING:
    from sim.beds import AcuteBeds
    from sim.community import CommunityServices
    from sim.config.system import Config
    from sim.geography import Geography
    from sim.mental_health import MentalHealthServices
    from sim.outcomes import Outcomes
    from sim.process import Environment
    from sim.routing import Router


class EmergencyDepartment:
    """A type 1 A&E at one site."""

    def __init__(self, env, site: int, name: str, clinicians: int, cubicles: int, is_open: bool):
        self.site = site
        self.name = name
        self.is_open = is_open
        self.rostered = clinicians
        self.clinicians = Capacity(env, clinicians, priority=True)
        self.cubicles = Capacity(env, cubicles, priority=True)
        self.ambulances_waiting = 0  # crews waiting with their patient for a cubicle
        self.diverted_away = 0  # ambulances sent past this A&E while on divert
        self.divert_minutes = 0.0  # time with at least the divert number of ambulances waiting
        self._divert_since: float | None = None

    def ambulance_queue(self, change: int, now: float, limit: int | None) -> None:
        """A crew starts (+1) or stops (-1) waiting to hand over; keeps the time spent at or above
        the divert threshold ``limit``."""
        self.ambulances_waiting += change
        if limit is None:
            return
        if self.ambulances_waiting >= limit and self._divert_since is None:
            self._divert_since = now
        elif self.ambulances_waiting < limit and self._divert_since is not None:
            self.divert_minutes += now - self._divert_since
            self._divert_since = None


class UrgentCareCentre:
    """A type 3 A&E at one site: walk-in minor illness and injury."""

    def __init__(self, env, site: int, name: str, clinicians: int, is_open: bool):
        self.site = site
        self.name = name
        self.is_open = is_open
        self.rostered = clinicians
        self.clinicians = Capacity(env, clinicians, priority=True)


class EmergencyCare:
    """Every A&E and urgent care centre of the system, and the journeys through them."""

    def __init__(self, env: Environment, config: Config, log: JourneyLog, router: Router, geo: Geography,
                 community: CommunityServices, beds: AcuteBeds, outcomes: Outcomes | None = None):
        self.env, self.cfg, self.log, self.router, self.geo = env, config.ae, log, router, geo
        self.community = community
        self.beds = beds
        self.outcomes = outcomes
        self.mental_health: MentalHealthServices | None = None  # set when the services are connected
        self.eds: dict[int, EmergencyDepartment] = {}
        self.uccs: dict[int, UrgentCareCentre] = {}
        for i, (name, site) in enumerate(config.sites.items()):
            if site.emergency_department:
                ed = site.emergency_department
                self.eds[i] = EmergencyDepartment(env, i, name, ed.clinicians, ed.cubicles, ed.open)
            if site.urgent_care_centre:
                ucc = site.urgent_care_centre
                self.uccs[i] = UrgentCareCentre(env, i, name, ucc.clinicians, ucc.open)

    def open_sites(self, n_sites: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Open type 1 A&Es, open A&Es or urgent care centres, and open urgent care centres, as
        boolean arrays by site (an A&E with opening hours counts as open; see ``Router``)."""
        ed_open = np.zeros(n_sites, bool)
        minors_open = np.zeros(n_sites, bool)
        ucc_open = np.zeros(n_sites, bool)
        for i, ed in self.eds.items():
            ed_open[i] = ed.is_open
            minors_open[i] |= ed.is_open
        for i, ucc in self.uccs.items():
            minors_open[i] |= ucc.is_open
            ucc_open[i] = ucc.is_open
        return ed_open, minors_open, ucc_open

    def rota(self):
        """Clinicians on duty follow the hour-of-day rota (a leaving clinician finishes their patient)."""
        rota = np.asarray(self.cfg.clinician_rota, float)
        rota = rota / rota.mean()
        units = [*self.eds.values(), *self.uccs.values()]
        hour = 0
        while True:
            for unit in units:
                unit.clinicians.set_capacity(max(int(round(unit.rostered * rota[hour % 24])), 1 if unit.rostered else 0))
            hour += 1
            yield self.env.timeout(60.0)

    def walk_ins(self, times: list[float], needs: list[Need]) -> None:
        """Patients arriving on foot (or by car) at their times."""
        launch(self.env, (self.walk_in(n, at) for at, n in zip(times, needs)))

    def walk_in(self, n: Need, at: float):
        """Where a patient arriving on foot at ``at`` goes, and when their journey starts.

        A minor case goes to the nearest open urgent care centre or A&E (streamed to the urgent care
        centre at a site with both); anyone else to the nearest open type 1 A&E. Triage nurses are
        not a constrained resource here, so an A&E patient's journey starts when triage ends."""
        router = self.router
        if n.acuity > self.cfg.majors_acuity_max and not n.mental_health:  # a crisis goes to a type 1 A&E
            site = router.minors_site_at(n.locality, at)
            ucc = self.uccs.get(site)
            if ucc is not None and ucc.is_open:
                return self.attend_ucc(n, ucc, at), at
        else:
            site = router.ed_site_at(n.locality, at, n.u_ed_choice)
        return self.attend(n, self.eds[site], arrived=at), at + n.d_triage

    def attend_ucc(self, n: Need, ucc: UrgentCareCentre, arrived: float):
        env, log, pid = self.env, self.log, n.pid
        log.ucc_site[pid] = ucc.site
        log.t_ed_arrival[pid] = arrived
        log.travel_minutes[pid] = self.geo.travel[n.locality][ucc.site]
        wait = ucc.clinicians.request(n.acuity)
        if wait:
            yield wait
        log.t_seen[pid] = env._now
        yield env.timeout(n.d_assess_ucc)
        ucc.clinicians.release()
        log.t_decision[pid] = env._now
        if not n.ucc_transfer:
            log.t_ed_departure[pid] = env._now
            log.finish(pid, End.UCC_DISCHARGED, env._now)
            if self.outcomes is not None:
                self.outcomes.left_ae(n)
            return
        site = self.router.ed_from_site_at(ucc.site, env._now)
        yield env.timeout(self.geo.site_travel[ucc.site][site] + n.d_triage)
        log.t_seen[pid] = log.t_decision[pid] = log.t_ed_departure[pid] = float("nan")
        yield from self.attend(n, self.eds[site], arrived=env._now - n.d_triage)

    def find_cubicle(self, ed: EmergencyDepartment, n: Need, limit: float | None):
        """Wait for a cubicle, in triage order; after ``limit`` minutes give up and be cared for in
        the corridor (returns False). A cubicle granted later to someone already in the corridor is
        passed straight on to the next patient."""
        wait = ed.cubicles.request(n.acuity)
        if wait is None:
            return True
        return (yield from self.wait_for_cubicle(ed, n, wait, limit))

    def wait_for_cubicle(self, ed: EmergencyDepartment, n: Need, wait, limit: float | None):
        """``find_cubicle`` once the request ``wait`` is queued (a caller whose request was granted
        at once needs no generator)."""
        if limit is None:
            yield wait
            return True
        yield first_of(self.env, wait, self.env.timeout(limit))
        if wait.triggered:
            return True
        wait.callbacks.append(lambda _e: ed.cubicles.release())
        self.log.corridor[n.pid] = True
        return False

    def attend(self, n: Need, ed: EmergencyDepartment, arrived: float | None = None, has_cubicle: bool = False):
        """Assessment, results and the decision to discharge, refer or admit, at a type 1 A&E.

        A walk-in starts here once triaged, having ``arrived`` earlier; an ambulance patient arrives
        with the cubicle its crew waited for (``has_cubicle``), their arrival already logged."""
        env, log, pid, cfg = self.env, self.log, n.pid, self.cfg
        if arrived is not None:
            log.ed_site[pid] = ed.site
            log.t_ed_arrival[pid] = arrived
            log.travel_minutes[pid] = self.geo.travel[n.locality][ed.site]
            if n.acuity <= cfg.majors_acuity_max:  # find_cubicle, without a generator when one is free
                wait = ed.cubicles.request(n.acuity)
                has_cubicle = True if wait is None else (
                    yield from self.wait_for_cubicle(ed, n, wait, cfg.corridor_care_after_minutes))
        wait = ed.clinicians.request(n.acuity)
        if wait:
            yield wait
        log.t_seen[pid] = env._now
        yield env.timeout(n.d_assess)
        ed.clinicians.release()
        yield env.timeout(n.d_results)
        if n.mental_health:  # the liaison team, then home, home treatment or a psychiatric bed
            yield from self.mental_health.in_ae(n, ed, has_cubicle)
            return
        log.t_decision[pid] = env._now

        if not n.admit:
            if has_cubicle:
                ed.cubicles.release()
            log.t_ed_departure[pid] = env._now
            log.finish(pid, End.ED_REFERRED_COMMUNITY if n.refer_community else End.ED_DISCHARGED, env._now)
            if self.outcomes is not None:
                self.outcomes.left_ae(n)
            return

        log.admitted[pid] = True
        if self.community.divert(n):
            if has_cubicle:
                ed.cubicles.release()
            log.t_ed_departure[pid] = env._now
            yield from self.community.virtual_ward_stay(n)
            return

        ward = self.beds.wards[self.router.bed_site[ed.site]]
        ward, transit = yield from self.beds.find_bed(n, ward)  # the trolley wait
        if has_cubicle:
            ed.cubicles.release()
        log.t_ed_departure[pid] = env._now
        yield from self.beds.emergency_stay(n, ward, transit)

    def census_rows(self, day: int) -> list[tuple]:
        rows = []
        for ed in self.eds.values():
            c = ed.cubicles
            rows.append((day, "ae_cubicles", ed.name, c.count, c.capacity, c.queue_length, 0))
        return rows
