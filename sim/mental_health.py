"""Mental health crisis care: the crisis team, psychiatric beds and out-of-area placements.

Three ways in (``sim.arrivals``, each its own stream): a crisis presentation at a type 1 A&E on
foot or by car; a 999 call about a mental health crisis, answered as any call (the conveyed arrive
at A&E); and a GP's urgent referral to the crisis resolution and home treatment team (CRHT).

At A&E a crisis is triaged and assessed as any patient, holding a cubicle, then waits for and is
assessed by the mental health liaison team; a share need a psychiatric admission. The crisis team
gatekeeps every admission: while it has a caseload place free, a share (``admission_avoidance``)
of those needing admission are treated at home instead. The rest wait **in A&E, keeping their
cubicle**, for a bed at the mental health trust, first come first served; after
``out_of_area_after_hours`` with no local bed the patient is placed out of area (a bed bought from
another provider, for its own length of stay), which can never happen while a local bed is free.
A GP referral the team has room for is treated at home, or (needing admission and not avoided)
waits at home for a bed on the same terms; one the team has no room for goes to A&E.

A local stay is a clinical stay and, for a share of patients, a delay once clinically ready
(housing, support): the delayed are counted at the midnight census as for acute beds.

Each crisis journey ends in one state (``End.MH_*``), when the care it was sent to ends, and
``mh_route`` in the journey table records where it was sent. The needs particular to a crisis are
drawn at arrival from the arrival's own stream, after its general needs, so every scenario meets
the same patients with the same needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.capacity import Capacity
from sim.journeys import End, Entry, JourneyLog, MentalHealthRoute
from sim.process import first_of, launch

if TYPE_CHECKING:
    from sim.config.mental_health import MentalHealthConfig
    from sim.emergency_department import EmergencyCare, EmergencyDepartment
    from sim.needs import Need
    from sim.process import Environment

# Out-of-area beds are bought as needed: the pool never runs out (its size only bounds the count)
OUT_OF_AREA_PLACES = 10**9
# Uniforms drawn per crisis, after the general needs: admission, liaison, avoidance, home
# treatment, length of stay, delay, out-of-area stay (never reorder; append)
_UNIFORMS = 7


class CrisisNeed(NamedTuple):
    """What a mental health crisis needs, drawn at arrival."""

    needs_admission: bool
    d_liaison: float  # minutes
    u_avoid: float  # compared with admission_avoidance
    d_home: float  # minutes of home treatment
    d_los: float  # minutes of clinical stay in a local bed
    d_delay: float  # minutes of delayed discharge (0: none)
    d_out_of_area: float  # minutes of an out-of-area stay


def scaled(per_million: float, population: float) -> int:
    """Places for a footprint from a rate per million people."""
    return int(round(per_million * population / 1e6))


class MentalHealthServices:
    """The crisis team, the mental health trust's psychiatric beds and the out-of-area beds it buys."""

    def __init__(self, env: Environment, cfg: MentalHealthConfig, log: JourneyLog, population: float):
        self.env, self.cfg, self.log = env, cfg, log
        self.beds = Capacity(env, scaled(cfg.beds_per_million, population))
        self.crisis_team = Capacity(env, scaled(cfg.crisis_team_places_per_million, population))
        self.out_of_area = Capacity(env, OUT_OF_AREA_PLACES)
        self.emergency_care: EmergencyCare | None = None  # set when the services are connected
        self._needs: dict[int, CrisisNeed] = {}
        self.delayed = 0  # patients in a local bed whose discharge is delayed
        self.placed_out_of_area = 0
        self.admissions_avoided = 0

    def capacities(self) -> dict[str, Capacity]:
        return {"psychiatric_beds": self.beds, "crisis_team": self.crisis_team,
                "out_of_area_placements": self.out_of_area}

    def census_rows(self, day: int) -> list[tuple]:
        b, t, o = self.beds, self.crisis_team, self.out_of_area
        return [(day, "psychiatric_beds", "ics", b.count, b.capacity, b.queue_length, self.delayed),
                (day, "crisis_team", "ics", t.count, t.capacity, t.queue_length, 0),
                (day, "out_of_area_placements", "ics", o.count, 0, 0, 0)]

    # --- needs ---------------------------------------------------------------------------------

    def draw(self, rng: np.random.Generator, needs: list[Need], entry: Entry) -> None:
        """Draw the crisis needs of a batch of arrivals from their own stream (after their general needs)."""
        if not needs:
            return
        cfg = self.cfg
        u = rng.random((len(needs), _UNIFORMS))
        share = cfg.referral_admission_share if entry == Entry.CRISIS_REFERRAL else cfg.admission_share
        admit = u[:, 0] < share
        liaison = cfg.liaison_minutes.ppf(u[:, 1])
        home = cfg.home_treatment_days.ppf(u[:, 3]) * MINUTES_PER_DAY
        los = cfg.los_days.ppf(u[:, 4]) * MINUTES_PER_DAY
        p = cfg.delayed_discharge_share
        delayed = u[:, 5] < p
        delay = np.where(delayed, cfg.delayed_discharge_days.ppf(np.clip(u[:, 5] / max(p, 1e-12), 0.0, 1.0 - 1e-12)),
                         0.0) * MINUTES_PER_DAY
        away = cfg.out_of_area_los_days.ppf(u[:, 6]) * MINUTES_PER_DAY
        for k, n in enumerate(needs):
            self._needs[n.pid] = CrisisNeed(bool(admit[k]), float(liaison[k]), float(u[k, 2]), float(home[k]),
                                            float(los[k]), float(delay[k]), float(away[k]))

    # --- ways in -------------------------------------------------------------------------------

    def referrals(self, times: list[float], needs: list[Need]) -> None:
        """GP urgent referrals to the crisis team, at their times."""
        launch(self.env, ((self.referral(n), at) for at, n in zip(times, needs)))

    def referral(self, n: Need):
        """The crisis team takes a referral while it has a place; otherwise the patient goes to A&E."""
        team = self.crisis_team
        if team.free <= 0:
            care = self.emergency_care
            journey, start = care.walk_in(n, self.env.now)
            yield self.env.timeout(start - self.env.now)
            yield from journey
            return
        c = self._needs[n.pid]
        if not c.needs_admission:
            yield from self._home_treatment(n, c)
            return
        self.log.mh_needs_admission[n.pid] = True
        if c.u_avoid < self.cfg.admission_avoidance:
            self.admissions_avoided += 1
            yield from self._home_treatment(n, c)
            return
        yield from self._admission(n, c, leave_ae=None)

    def in_ae(self, n: Need, ed: EmergencyDepartment, has_cubicle: bool):
        """A crisis at A&E after the A&E assessment: the liaison team, then discharge, home
        treatment, or a wait in the cubicle for a psychiatric bed (local or out of area)."""
        env, log, pid = self.env, self.log, n.pid
        c = self._needs[pid]
        yield env.timeout(c.d_liaison)
        log.t_decision[pid] = env.now

        def leave_ae() -> None:
            if has_cubicle:
                ed.cubicles.release()
            log.t_ed_departure[pid] = env.now

        if not c.needs_admission:
            leave_ae()
            log.mh_route[pid] = MentalHealthRoute.AE_DISCHARGED
            log.finish(pid, End.MH_AE_DISCHARGED, env.now)
            del self._needs[pid]
            return
        log.mh_needs_admission[pid] = True
        if c.u_avoid < self.cfg.admission_avoidance and self.crisis_team.free > 0:
            self.admissions_avoided += 1
            leave_ae()
            yield from self._home_treatment(n, c)
            return
        yield from self._admission(n, c, leave_ae)

    # --- care ----------------------------------------------------------------------------------

    def _home_treatment(self, n: Need, c: CrisisNeed):
        env, log, pid, team = self.env, self.log, n.pid, self.crisis_team
        log.mh_route[pid] = MentalHealthRoute.HOME_TREATMENT
        team.request()  # the caller checked that a place is free
        yield env.timeout(c.d_home)
        team.release()
        log.finish(pid, End.MH_HOME_TREATMENT, env.now)
        del self._needs[pid]

    def _admission(self, n: Need, c: CrisisNeed, leave_ae):
        """Wait (in A&E when ``leave_ae`` is given, else at home) for a local bed; out of area after
        the configured wait."""
        env, log, pid, beds = self.env, self.log, n.pid, self.beds
        limit = self.cfg.out_of_area_after_hours
        wait = beds.request()
        local = True
        if wait is not None:
            if limit is None:
                yield wait
            else:
                yield first_of(env, wait, env.timeout(limit * MINUTES_PER_HOUR))
                if not wait.triggered:
                    beds.cancel(wait)
                    local = False
        if leave_ae is not None:
            leave_ae()
        log.t_mh_bed[pid] = env.now
        del self._needs[pid]
        if local:
            log.mh_route[pid] = MentalHealthRoute.LOCAL_ADMISSION
            yield env.timeout(c.d_los)
            if c.d_delay > 0:
                self.delayed += 1
                yield env.timeout(c.d_delay)
                self.delayed -= 1
            beds.release()
            log.t_mh_discharge[pid] = env.now
            log.finish(pid, End.MH_DISCHARGED, env.now)
            return
        log.mh_route[pid] = MentalHealthRoute.OUT_OF_AREA
        self.placed_out_of_area += 1
        self.out_of_area.request()  # bought: always granted
        yield env.timeout(c.d_out_of_area)
        self.out_of_area.release()
        log.t_mh_discharge[pid] = env.now
        log.finish(pid, End.MH_OUT_OF_AREA_DISCHARGED, env.now)
