"""Acute (general and acute) beds: emergency stays, direct and elective admissions, escalation.

An emergency admission stays for its clinical length of stay (drawn at arrival by acuity and
frailty; a share go home the same day), then, once medically fit, leaves by its discharge pathway
(``Discharge.leave``), keeping the bed while the next service is full. Overnight stays become fit
at the ward's discharge hour (``discharge.fit_hour``), as discharges cluster in the day.

Electives are booked for admission at ``beds.elective_admission_hour`` on elective days, split
between sites by their beds, into ring-fenced elective beds first, then general beds; if none is
free then (after any beds held back for emergencies), the operation is cancelled on the day.
Without ``beds.elective_booking`` every referral is booked for its day and a cancelled one is
lost; with it, referrals join each site's waiting list, the site books as many as it expects beds
for, and a cancelled operation is rebooked at the head of the list.

Every midnight each site checks its beds: while patients queue for a bed it opens escalation beds,
and closes them (as their patients leave) once nobody waits and occupancy is back under the base.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.capacity import Capacity
from sim.config.system import ProfileConfig
from sim.journeys import End, Entry, JourneyLog
from sim.needs import Need
from sim.population import ArrivalStream, day_counts
from sim.process import first_of, launch

if TYPE_CHECKING:
    from sim.calendar import Calendar
    from sim.community import CommunityServices
    from sim.config.system import Config
    from sim.discharge import Discharge
    from sim.outcomes import Outcomes
    from sim.population import Cells
    from sim.process import Environment
    from sim.routing import Router
    from sim.rtt import WaitingList
    from sim.streams import Streams


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
        self.occupants: dict[int, float] = {}  # journey -> when their bed was taken (patients in a bed now)

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


LONG_STAY_DAYS = 21  # "super-stranded": in hospital 21 days or more


def next_hour(t: float, hour: float) -> float:
    """The first time at or after ``t`` whose time of day is ``hour``."""
    day_start = (t // MINUTES_PER_DAY) * MINUTES_PER_DAY
    at = day_start + hour * MINUTES_PER_HOUR
    return at if at >= t else at + MINUTES_PER_DAY


class AcuteBeds:
    """The acute beds of every hospital site, and the stays in them."""

    def __init__(self, env: Environment, config: Config, log: JourneyLog, router: Router, discharge: Discharge,
                 cells: Cells, calendar: Calendar, streams: Streams, outcomes: Outcomes | None = None):
        self.env, self.cfg, self.log, self.router, self.discharge = env, config.beds, log, router, discharge
        self.outcomes = outcomes
        # hospitals as a network (``network:``): beds shared within a trust, overflow to any hospital
        net = config.network
        self.network = net
        multi_site = any(len(sites) > 1 for sites in config.trust_sites().values())
        self.pooled = net.transfer_within_trust and multi_site
        self.overflow_minutes = None if net.overflow_after_hours is None else net.overflow_after_hours * MINUTES_PER_HOUR
        self.networked = self.pooled or self.overflow_minutes is not None
        self.transfers = [0, 0, 0]  # by kind: -, within a trust, overflow to another trust
        self.community: CommunityServices | None = None  # set when the services are connected
        self.fit_hour = config.discharge.fit_hour
        self.streams = streams
        self.wards: dict[int, Ward] = {i: Ward(env, i, name, site.beds, site.elective_beds)
                                       for i, (name, site) in enumerate(config.sites.items()) if site.beds > 0}
        elective_days = self.cfg.elective_days
        week = [7 / len(elective_days) if d in elective_days else 0.0 for d in range(7)] if elective_days else [0.0] * 7
        demand = config.demand
        # with a waiting list (``rtt:``) the admitted pathways come from it, and this stream brings
        # only the planned admissions that are not RTT pathways
        rate = demand.elective_admissions_per_1000 if config.rtt is None else config.rtt.other_planned_admissions_per_1000
        self.rtt: WaitingList | None = None  # set when the services are connected
        self.electives = ArrivalStream(cells, rate,
                                       ProfileConfig(day_of_week=week if any(week) else [1.0] * 7),
                                       calendar, demand.growth_per_year)
        self.elective_days = set(elective_days)
        self.calendar = calendar
        self.waiting_list: dict[int, deque] = {site: deque() for site in self.wards}
        self.elective_free_change: dict[int, deque] = {site: deque(maxlen=7) for site in self.wards}

    # --- emergency stays -------------------------------------------------------------------------

    def emergency_stay(self, n: Need, ward: Ward, transit: float = 0.0):
        """The stay of a patient who has a bed at ``ward`` (``transit`` minutes away: a transfer
        from another hospital, the bed held for them meanwhile)."""
        env, log, pid = self.env, self.log, n.pid
        log.bed_site[pid] = ward.site
        log.t_bed[pid] = env._now
        ward.occupants[pid] = env._now
        fit = env._now + transit + n.d_los * ward.los_multiplier
        if not n.zero_day:
            fit = next_hour(fit, self.fit_hour)
        yield env.timeout(fit - env._now)
        log.t_fit[pid] = env._now
        outcomes = self.outcomes
        if outcomes is not None and outcomes.end_of_stay(n, transfers=int(log.transfer_kind.item(pid) > 0)):
            # died in hospital at the end of the clinical stay: the bed is free after its turnaround
            outcomes.harm_so_far(n, int(log.transfer_kind.item(pid) > 0))
            del ward.occupants[pid]
            ward.vacate(n.d_turnaround)
            log.t_discharge[pid] = env._now
            return
        yield from self.discharge.leave(n, ward)

    # --- finding a bed, in a network of hospitals ----------------------------------------------------

    def find_bed(self, n: Need, home: Ward):
        """Wait for a bed for an admitted patient; returns the ward and the minutes to get there.

        With no network rule, the bed is at ``home`` (the site whose beds take the A&E's
        admissions). With ``transfer_within_trust``, a patient who finds ``home`` full goes to a
        free bed at another site of the same trust, now or when one frees (looked for every
        ``recheck_minutes``); with ``overflow_after_hours``, one still waiting then goes to the
        nearest hospital of any trust with a free bed. Each move is recorded (``transfer_from``,
        ``transfer_kind``) and takes the road time between the sites plus ``transfer_extra_minutes``."""
        if not self.networked:
            wait = home.beds.request()
            if wait:
                yield wait
            return home, 0.0
        if home.beds.free > 0:
            home.beds.request()  # free, so granted at once
            return home, 0.0
        env, net = self.env, self.network
        found = self._free_bed(n, home, overflow=self.overflow_minutes == 0)
        if found is not None:
            return found
        wait = home.beds.request()
        waited = 0.0
        while True:
            step = net.recheck_minutes
            if self.overflow_minutes is not None and waited < self.overflow_minutes:
                step = min(step, self.overflow_minutes - waited)
            yield first_of(env, wait, env.timeout(step))
            if wait.triggered:
                return home, 0.0
            waited += step
            overflow = self.overflow_minutes is not None and waited >= self.overflow_minutes
            found = self._free_bed(n, home, overflow)
            if found is not None:
                home.beds.cancel(wait)
                return found

    def _free_bed(self, n: Need, home: Ward, overflow: bool) -> tuple[Ward, float] | None:
        """Take a free bed at the nearest other site of the trust (or of any trust once the patient
        may overflow), recording the move: (ward, minutes to get there), or None."""
        router, log = self.router, self.log
        for site in router.bed_order[home.site]:
            same_trust = router.trust[site] == router.trust[home.site]
            if not ((same_trust and self.pooled) or overflow):
                continue
            ward = self.wards[site]
            if ward.beds.free > 0:
                ward.beds.request()  # free, so granted at once
                kind = 1 if same_trust else 2
                self.transfers[kind] += 1
                log.transfer_from[n.pid] = home.site
                log.transfer_kind[n.pid] = kind
                return ward, router.geo.site_travel[home.site][site] + self.network.transfer_extra_minutes
        return None

    def direct_admissions(self, times: list[float], needs: list[Need]) -> None:
        """Patients their GP sends straight to a hospital's acute medical unit: the nearest, or with a
        choice model, the hospital whose A&E they would choose (``Router.ward_at``)."""
        launch(self.env, ((self.direct_admission(n), at) for at, n in zip(times, needs)))

    def direct_admission(self, n: Need):
        log, pid = self.log, n.pid
        ward = self.wards[self.router.ward_at(n.locality, self.env._now, n.u_ed_choice)]
        log.admitted[pid] = True
        community = self.community
        if community is not None and community.cfg.divert_gp_direct_admissions and community.divert(n):
            yield from community.virtual_ward_stay(n)
            return
        ward, transit = yield from self.find_bed(n, ward)
        yield from self.emergency_stay(n, ward, transit)

    # --- the midnight check ------------------------------------------------------------------------

    def midnight_check(self) -> None:
        """Open or close each site's escalation beds (OPEL)."""
        cfg = self.cfg
        for ward in self.wards.values():
            ward.escalate(int(round(ward.base_beds * cfg.escalation_share)), cfg.escalation_trigger)

    def census_rows(self, day: int) -> list[tuple]:
        rows = []
        since = day * MINUTES_PER_DAY - LONG_STAY_DAYS * MINUTES_PER_DAY  # in a bed since then: 21 days or more
        for ward in self.wards.values():
            b, e = ward.beds, ward.elective_beds
            long_stay = sum(1 for t in ward.occupants.values() if t <= since)
            rows.append((day, "acute_beds", ward.name, b.count + e.count, b.capacity + e.capacity, b.queue_length,
                         ward.delayed, long_stay))
            if self.cfg.elective_booking:
                rows.append((day, "elective_waiting_list", ward.name, 0, 0, len(self.waiting_list[ward.site]), 0))
        return rows

    # --- electives ---------------------------------------------------------------------------------

    def book_electives(self, day: int) -> None:
        """Today's elective admissions, split between sites by their beds, admitted at the admission hour."""
        if self.calendar.weekday(day) not in self.elective_days or not self.wards:
            return
        rng = self.streams["electives"]
        total = int(day_counts(self.electives, day, rng).sum())
        wards = list(self.wards.values())
        beds = np.array([w.beds.capacity + w.elective_beds.capacity for w in wards], dtype=float)
        if beds.sum() <= 0:
            return
        split = rng.multinomial(total, beds / beds.sum())
        at = day * MINUTES_PER_DAY + self.cfg.elective_admission_hour * 60.0
        if self.rtt is not None:
            self._book_with_waiting_list(wards, split.tolist(), at, day)
            return
        if self.cfg.elective_booking:
            self._book_from_lists(wards, split.tolist(), at)
            return
        for ward, count in zip(wards, split.tolist()):
            if count:
                self.env.timeout(at - self.env._now).callbacks.append(
                    lambda _e, w=ward, c=count: self.admit_electives(w, c))

    # booking against the beds expected free (``beds.elective_booking``)

    def _beds_for_electives(self, ward: Ward) -> int:
        """Beds an elective could take now: ring-fenced ones free, and general ones free beyond the reserve."""
        return ward.elective_beds.free + max(ward.beds.free - self.cfg.elective_bed_reserve, 0)

    def _book_from_lists(self, wards: list[Ward], new: list[int], at: float) -> None:
        """Today's referrals join each site's waiting list; each site books, from the head of the
        list, as many as it expects beds for at the admission hour: the beds free now, plus the
        change between midnight and the admission hour on its last elective days (up to a week),
        less ``elective_booking_margin``."""
        for ward, count in zip(wards, new):
            waiting = self.waiting_list[ward.site]
            waiting.extend([-1] * count)  # -1: a first booking (else the cancelled journey it follows)
            free = self._beds_for_electives(ward)
            history = self.elective_free_change[ward.site]
            expected = free + (min(history) if history else 0.0) - self.cfg.elective_booking_margin
            booked = [waiting.popleft() for _ in range(min(len(waiting), max(int(expected), 0)))]
            self.env.timeout(at - self.env._now).callbacks.append(
                lambda _e, w=ward, b=booked, f=free: self.admit_electives(w, len(b), b, f))

    def _book_with_waiting_list(self, wards: list[Ward], new: list[int], at: float, day: int) -> None:
        """With a waiting list (``sim.rtt``): each site expects beds as ``_book_from_lists`` does;
        today's planned admissions that are not RTT pathways are booked first (from the head of
        their own list), then the site's theatre list takes RTT pathways into the beds left."""
        rtt = self.rtt
        assert rtt is not None
        for ward, count in zip(wards, new):
            waiting = self.waiting_list[ward.site]
            waiting.extend([-1] * count)
            free = self._beds_for_electives(ward)
            history = self.elective_free_change[ward.site]
            expected = max(int(free + (min(history) if history else 0.0) - self.cfg.elective_booking_margin), 0)
            booked = [waiting.popleft() for _ in range(min(len(waiting), expected))]
            _, pathways = rtt.book(ward.site, day, expected - len(booked))
            pathways = pathways.tolist()
            previous = booked + [int(rtt.log.journey[p]) for p in pathways]
            tags = [-1] * len(booked) + pathways
            self.env.timeout(at - self.env._now).callbacks.append(
                lambda _e, w=ward, b=previous, f=free, t=tags: self.admit_electives(w, len(b), b, f, t))

    def admit_electives(self, ward: Ward, count: int, booked: list[int] | None = None,
                        free_at_midnight: int | None = None, pathways: list[int] | None = None) -> None:
        """Admit today's booked electives at this site while beds are free; cancel the rest (a
        cancelled operation is rebooked at the head of the waiting list when booking is on; an RTT
        pathway, ``pathways[i] >= 0``, goes back to its list to be rebooked first)."""
        if free_at_midnight is not None:
            self.elective_free_change[ward.site].append(self._beds_for_electives(ward) - free_at_midnight)
        if count == 0:
            return
        env, log, cfg = self.env, self.log, self.cfg
        ids = log.new_block(count)
        los = cfg.elective_los_days.ppf(self.streams["electives.stay"].random(count)) * MINUTES_PER_DAY
        log.entry[ids] = Entry.ELECTIVE
        log.t_arrival[ids] = env._now
        log.bed_site[ids] = ward.site
        if booked is not None:
            log.previous[ids] = booked
        cancelled = []
        tags = pathways if pathways is not None else [-1] * count
        rtt, today = self.rtt, int(env._now // MINUTES_PER_DAY)
        for pid, stay, pathway in zip(ids.tolist(), los.tolist(), tags):
            if ward.elective_beds.free > 0:
                pool = ward.elective_beds
            elif ward.beds.free > cfg.elective_bed_reserve:
                pool = ward.beds
            else:
                ward.elective_cancelled += 1
                log.finish(pid, End.ELECTIVE_CANCELLED, env._now)
                if pathway >= 0:
                    rtt.cancelled(pathway, pid, today)
                else:
                    cancelled.append(pid)
                continue
            if pathway >= 0:
                rtt.admitted(pathway, pid, today)
            ward.elective_admitted += 1
            log.admitted[pid] = True
            log.t_bed[pid] = env._now
            ward.occupants[pid] = env._now
            pool.request()  # free, so granted at once
            env.timeout(stay).callbacks.append(lambda _e, p=pid, q=pool: self._elective_discharge(ward, p, q))
        if booked is not None and cancelled:
            self.waiting_list[ward.site].extendleft(reversed(cancelled))  # rebooked first, in order

    def _elective_discharge(self, ward: Ward, pid: int, pool: Capacity) -> None:
        env, log = self.env, self.log
        del ward.occupants[pid]
        ward.vacate(self.cfg.turnaround_hours.mean() * MINUTES_PER_HOUR, pool)
        log.t_fit[pid] = log.t_discharge[pid] = env._now
        log.pathway[pid] = 0
        log.finish(pid, End.DISCHARGED_P0, env._now)
