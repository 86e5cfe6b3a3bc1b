"""Acute (general and acute) beds: emergency stays, elective admissions and the daily census.

An emergency admission stays for its clinical length of stay (drawn at arrival by acuity and
frailty; a share go home the same day), then, once medically fit, leaves by its discharge pathway
(``discharge.leave``), keeping the bed while the next service is full. Overnight stays become fit
at the ward's discharge hour (``discharge.fit_hour``), as discharges cluster in the day.

Electives are booked for admission at ``beds.elective_admission_hour``, into ring-fenced elective
beds first, then general beds; if none is free then (after any beds held back for emergencies),
the operation is cancelled on the day (cancelled patients are counted, not rebooked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import discharge
from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.capacity import Capacity
from sim.journeys import End, Entry

if TYPE_CHECKING:
    from sim.model import HealthSystem
    from sim.needs import Need


class Ward:
    """The general and acute beds of one hospital site: a pool for emergencies (and electives
    when it has room) and a ring-fenced pool that only electives use."""

    def __init__(self, env, site: int, name: str, beds: int, elective_beds: int = 0):
        self.site = site
        self.name = name
        self.beds = Capacity(env, beds - elective_beds)
        self.base_beds = beds - elective_beds
        self.escalated = False
        self.escalation_beds = 0
        self.los_multiplier = 1.0  # set by the trust from its staffing
        self.elective_beds = Capacity(env, elective_beds)
        self.delayed = 0  # medically fit patients waiting for the next service
        self.elective_cancelled = 0
        self.elective_admitted = 0

    def escalate(self, extra: int, trigger: int) -> None:
        """Daily (midnight) bed check: open escalation beds while patients queue for a bed, close them (as
        their patients leave) once nobody waits and occupancy is back under the base."""
        if not self.escalated and self.beds.queue_length >= trigger and extra > 0:
            self.escalated, self.escalation_beds = True, extra
        elif self.escalated and self.beds.queue_length == 0 and self.beds.count < self.base_beds:
            self.escalated, self.escalation_beds = False, 0
        self.beds.set_capacity(self.base_beds + self.escalation_beds)

    def resize(self, beds: int) -> None:
        """Open or close general beds (a closing bed goes when its patient leaves)."""
        self.base_beds = int(beds)
        self.beds.set_capacity(self.base_beds + self.escalation_beds)

    def vacate(self, turnaround: float, pool: Capacity | None = None) -> None:
        """A patient has left: the bed is free for the next one after its turnaround."""
        pool = self.beds if pool is None else pool
        if turnaround > 0:
            pool.env.timeout(turnaround).callbacks.append(lambda _e: pool.release())
        else:
            pool.release()


def next_hour(t: float, hour: float) -> float:
    """The first time at or after ``t`` whose time of day is ``hour``."""
    day_start = (t // MINUTES_PER_DAY) * MINUTES_PER_DAY
    at = day_start + hour * MINUTES_PER_HOUR
    return at if at >= t else at + MINUTES_PER_DAY


def emergency_stay(hs: HealthSystem, n: Need, ward: Ward):
    env, log, pid = hs.env, hs.log, n.pid
    log.bed_site[pid] = ward.site
    log.t_bed[pid] = env.now
    fit = env.now + n.d_los * ward.los_multiplier
    if not n.zero_day:
        fit = next_hour(fit, hs.cfg.discharge.fit_hour)
    yield env.timeout(fit - env.now)
    log.t_fit[pid] = env.now
    yield from discharge.leave(hs, n, ward)


def direct(hs: HealthSystem, n: Need, at: float):
    """The process of a GP's direct admission arriving at ``at`` (for the day driver)."""
    return direct_admission(hs, n), at


def direct_admission(hs: HealthSystem, n: Need):
    """A patient their GP sends straight to the nearest hospital's acute medical unit."""
    log, pid = hs.log, n.pid
    ward = hs.wards[hs.routes.ward_for_locality[n.locality]]
    log.admitted[pid] = True
    wait = ward.beds.request()
    if wait:
        yield wait
    yield from emergency_stay(hs, n, ward)


def admit_electives(hs: HealthSystem, ward: Ward, rng: np.random.Generator, count: int) -> None:
    """Admit today's booked electives at this site while beds are free; cancel the rest."""
    if count == 0:
        return
    env, log = hs.env, hs.log
    cfg = hs.cfg.beds
    ids = log.new_block(count)
    los = cfg.elective_los_days.ppf(rng.random(count)) * MINUTES_PER_DAY
    log.entry[ids] = Entry.ELECTIVE
    log.t_arrival[ids] = env.now
    log.bed_site[ids] = ward.site
    for pid, stay in zip(ids.tolist(), los.tolist()):
        if ward.elective_beds.free > 0:
            pool = ward.elective_beds
        elif ward.beds.free > cfg.elective_bed_reserve:
            pool = ward.beds
        else:
            ward.elective_cancelled += 1
            log.finish(pid, End.ELECTIVE_CANCELLED, env.now)
            continue
        ward.elective_admitted += 1
        log.admitted[pid] = True
        log.t_bed[pid] = env.now
        pool.request()  # free, so granted at once
        env.timeout(stay).callbacks.append(lambda _e, p=pid, q=pool: _elective_discharge(hs, ward, p, q))


def _elective_discharge(hs: HealthSystem, ward: Ward, pid: int, pool: Capacity) -> None:
    env, log = hs.env, hs.log
    ward.vacate(hs.cfg.beds.turnaround_hours.mean() * MINUTES_PER_HOUR, pool)
    log.t_fit[pid] = log.t_discharge[pid] = env.now
    log.pathway[pid] = 0
    log.finish(pid, End.DISCHARGED_P0, env.now)
