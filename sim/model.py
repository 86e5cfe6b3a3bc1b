"""``HealthSystem``: one Integrated Care System as a Mesa model that owns a SimPy environment.

Each Mesa step is one calendar month (the first also runs the warm-up). Within it, SimPy moves
patients in continuous time (minutes): a day driver creates each day's arrivals in batches (999
calls, A&E self-presentations, GP bookings and the A&E visits they cause, elective admissions,
readmissions, social care referrals from the community) and takes the midnight census.

When the config has ``organisations``, each step is: the organisations act, in a fixed order
(NHS England, the ICB, acute trusts, GP practices, the community provider, the council), reading
last month's figures and setting capacities; the flows run the month; the month's activity is
costed into every ledger (the ICB pays providers and the Better Care Fund, providers book their
costs); the data collector records each organisation.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import mesa
import numpy as np
import pandas as pd

from sim import ambulance, emergency_department
from sim.beds import Ward, admit_electives, direct
from sim.calendar import MINUTES_PER_DAY, Calendar
from sim.capacity import Capacity
from sim.community import CommunityServices
from sim.config import Config
from sim.config.system import ProfileConfig
from sim.geography import Geography
from sim.journeys import Entry, JourneyLog
from sim.needs import NeedMaker
from sim.population import ArrivalStream, Cells, day_counts
from sim.primary_care import PrimaryCare
from sim.process import Environment, start_journey
from sim.social_care import SocialCare
from sim.streams import Streams

# Planning assumption for a trust's first-year budget: type 1 A&E attendances a year per person
# in its catchment (RCEM: about 0.29; the baseline simulates about 0.26).
PLANNED_TYPE1_ATTENDANCES_PER_PERSON = 0.27


class OrganisationLayer(Protocol):
    """What the organisations (``agents/``) offer the model: each month they ``act`` on last
    month's figures before the patients flow (setting capacities, thresholds and contracts), and
    ``account`` for the month's activity after."""

    def act(self) -> None: ...

    def account(self) -> None: ...


@dataclass
class Routes:
    """Who goes where, given which sites are open (recomputed when a site opens or closes)."""

    ed_site: list[int]  # nearest open type 1 A&E, by locality
    minors_site: list[int]  # nearest open A&E or urgent care centre, by locality
    ed_from_site: list[int]  # nearest open type 1 A&E from each site (for transfers)
    bed_site: list[int]  # the site whose beds take a site's admissions
    ward_for_locality: list[int]  # nearest site with beds, by locality (direct admissions)
    station_minutes: list[float]  # nearest ambulance station to each locality


class HealthSystem(mesa.Model):
    """Patients flowing through GP, ambulance, A&E, acute beds, community and social care."""

    def __init__(self, config: Config, seed: int | None = None, months: int | None = None,
                 organisations: Callable[[HealthSystem], OrganisationLayer] | None = None):
        seed = config.run.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.cfg = config
        self.seed = seed
        self.streams = Streams(seed)
        self.env = Environment()
        self.calendar = Calendar(config.run, months)
        self.months = len(self.calendar.month_labels)
        self.month = 0
        self.geo = Geography(config)
        self.cells = Cells.from_config(config)
        self.log = JourneyLog(capacity=self._expected_journeys())
        self.needs = NeedMaker(config, self.cells, self.log)
        self.site_names = list(config.sites)
        self._build_services()
        self.routes = self._routes()
        self._returns: list[tuple[float, int, int]] = []  # (time, cell, previous journey)
        self._census: list[tuple] = []
        self.env.process(self._days())
        self.env.process(self._rota())
        self.organisations: OrganisationLayer | None = None
        if organisations is not None:
            self.organisations = organisations(self)
        elif config.organisations is not None:
            raise ValueError("the config has organisations: build the model with them "
                             "(agents.health_system), or remove `organisations:` from the config")

    # --- construction --------------------------------------------------------------------------

    def _expected_journeys(self) -> int:
        """Room for the journeys of the whole run, so the log rarely has to grow."""
        d = self.cfg.demand
        per_1000 = sum(sum(rates.values()) / len(rates) for rates in (
            d.ambulance_incidents_per_1000, d.ae_self_presentations_per_1000, d.elective_admissions_per_1000))
        years = self.calendar.days / 365.25
        return int(self.cfg.population / 1000 * per_1000 * 1.6 * years * (1 + max(d.growth_per_year, 0))) + 1024

    def _build_services(self) -> None:
        cfg, env = self.cfg, self.env
        self.eds: dict[int, emergency_department.EmergencyDepartment] = {}
        self.uccs: dict[int, emergency_department.UrgentCareCentre] = {}
        self.wards: dict[int, Ward] = {}
        for i, (name, site) in enumerate(cfg.sites.items()):
            if site.emergency_department:
                ed = site.emergency_department
                self.eds[i] = emergency_department.EmergencyDepartment(
                    env, i, name, ed.clinicians, ed.cubicles, ed.open)
            if site.urgent_care_centre:
                ucc = site.urgent_care_centre
                self.uccs[i] = emergency_department.UrgentCareCentre(env, i, name, ucc.clinicians, ucc.open)
            if site.beds > 0:
                self.wards[i] = Ward(env, i, name, site.beds, site.elective_beds)
        self.fleet = Capacity(env, cfg.ambulance.vehicles, priority=True)
        self.community = CommunityServices(env, cfg.community)
        self.social_care = SocialCare(env, cfg.social_care)
        self.social_care.prefill(self.streams["social_care.prefill"])
        self.primary_care = PrimaryCare(cfg, self.cells, self.calendar)
        demand = cfg.demand
        self.ambulance_calls = ArrivalStream(self.cells, demand.ambulance_incidents_per_1000, demand.emergency_profile,
                                             self.calendar, demand.growth_per_year, demand.frail_rate_multiplier)
        self.self_presentations = ArrivalStream(self.cells, demand.ae_self_presentations_per_1000,
                                                demand.emergency_profile, self.calendar, demand.growth_per_year,
                                                demand.frail_rate_multiplier)
        elective_days = cfg.beds.elective_days
        week = [7 / len(elective_days) if d in elective_days else 0.0 for d in range(7)] if elective_days else [0.0] * 7
        self.electives = ArrivalStream(self.cells, demand.elective_admissions_per_1000,
                                       ProfileConfig(day_of_week=week if any(week) else [1.0] * 7),
                                       self.calendar, demand.growth_per_year)
        self._elective_days = set(elective_days)

    def expected_ae_attendances(self, site: int) -> float:
        """Planning figure: type 1 attendances a year from the localities this A&E serves."""
        people = np.bincount(self.cells.locality, weights=self.cells.people, minlength=len(self.cfg.localities))
        catchment = sum(people[i] for i, s in enumerate(self.routes.ed_site) if s == site)
        return catchment * PLANNED_TYPE1_ATTENDANCES_PER_PERSON

    def recent_four_hour(self, months: int = 3) -> float:
        """Type 1 four-hour performance over the last ``months`` reported months."""
        log, n = self.log, self.log.n
        lo = self.calendar.month_starts[max(self.month - months, 0)]
        hi = self.calendar.month_starts[self.month]
        arrived = log.t_ed_arrival[:n]
        mask = (arrived >= max(lo, self.calendar.warmup_minutes)) & (arrived < hi) & (log.ed_site[:n] >= 0)
        if not mask.any():
            return float("nan")
        left = np.nan_to_num(log.t_ed_departure[:n][mask], nan=self.env.now)
        return float(np.mean(left - arrived[mask] <= 240))

    def _routes(self) -> Routes:
        n_sites = len(self.site_names)
        ed_open = np.zeros(n_sites, bool)
        minors_open = np.zeros(n_sites, bool)
        for i, ed in self.eds.items():
            ed_open[i] = ed.is_open
            minors_open[i] |= ed.is_open
        for i, ucc in self.uccs.items():
            minors_open[i] |= ucc.is_open
        if not ed_open.any():
            raise ValueError("no type 1 A&E is open: ambulances have nowhere to go")
        has_beds = np.zeros(n_sites, bool)
        has_beds[list(self.wards)] = True
        stations = np.array([s.ambulance_station for s in self.cfg.sites.values()])
        return Routes(
            ed_site=self.geo.nearest_table(ed_open).tolist(),
            minors_site=self.geo.nearest_table(minors_open).tolist(),
            ed_from_site=[self.geo.nearest_from_site(i, ed_open) for i in range(n_sites)],
            bed_site=[i if has_beds[i] else self.geo.nearest_from_site(i, has_beds) for i in range(n_sites)],
            ward_for_locality=self.geo.nearest_table(has_beds).tolist(),
            station_minutes=np.where(stations[None, :], self.geo.minutes, np.inf).min(axis=1).tolist(),
        )

    def set_site_open(self, site: str, emergency_department: bool | None = None,
                      urgent_care_centre: bool | None = None) -> None:
        """Open or close a site's A&E or urgent care centre; demand re-routes to the nearest open
        site from then on. Patients already there finish their visit."""
        i = self.site_names.index(site)
        if emergency_department is not None:
            self.eds[i].is_open = emergency_department
        if urgent_care_centre is not None:
            self.uccs[i].is_open = urgent_care_centre
        self.routes = self._routes()

    # --- the day driver ------------------------------------------------------------------------

    def _rota(self):
        """Clinicians on duty follow the hour-of-day rota (a leaving clinician finishes their patient)."""
        rota = np.asarray(self.cfg.ae.clinician_rota, float)
        rota = rota / rota.mean()
        units = [*self.eds.values(), *self.uccs.values()]
        hour = 0
        while True:
            for unit in units:
                unit.clinicians.set_capacity(max(int(round(unit.rostered * rota[hour % 24])), 1 if unit.rostered else 0))
            hour += 1
            yield self.env.timeout(60.0)

    def _days(self):
        env, streams = self.env, self.streams
        for day in range(self.calendar.days):
            self._take_census(day)
            self._arrivals(day, self.ambulance_calls, streams["arrivals.ambulance"], Entry.AMBULANCE_CALL,
                           ambulance.dispatch)
            self._arrivals(day, self.self_presentations, streams["arrivals.self_presented"],
                           Entry.SELF_PRESENTED, emergency_department.walk_in)
            sent_to_ae, admitted, gave_up = self.primary_care.day(day, streams["gp"])
            self._schedule_cells(day, sent_to_ae, (9.0, 18.0), streams["arrivals.gp_referred"], Entry.GP_REFERRAL,
                                 emergency_department.walk_in)
            self._schedule_cells(day, admitted, (10.0, 19.0), streams["arrivals.gp_direct"], Entry.GP_DIRECT_ADMISSION,
                                 direct)
            self._schedule_cells(day, gave_up, (9.0, 21.0), streams["arrivals.gp_wait"], Entry.GP_WAIT_TOO_LONG,
                                 emergency_department.walk_in)
            self._readmissions(day)
            self._book_electives(day)
            self.social_care.community_referrals(streams["social_care.community"])
            yield env.timeout((day + 1) * MINUTES_PER_DAY - env.now)

    def _launch(self, times: np.ndarray, needs: list, route) -> None:
        """Start each patient's process; ``route(hs, need, at)`` gives the process and its start."""
        env = self.env
        now = env.now
        if route is ambulance.dispatch:  # telephone advice needs no process
            pairs = ambulance.hear_and_treat(self, needs, times.tolist())
        else:
            pairs = zip(times.tolist(), needs)
        for at, need in pairs:
            process, start = route(self, need, at)
            start_journey(env, process, start - now)

    def _arrivals(self, day, stream: ArrivalStream, rng, entry: Entry, route) -> None:
        t, cell = stream.day(day, rng)
        self._launch(t, self.needs.make(rng, t, cell, entry), route)

    def _schedule_cells(self, day, cells: np.ndarray, hours, rng, entry: Entry, route) -> None:
        """Arrivals of known people (sent by, or tired of waiting for, their GP) during ``hours``."""
        if len(cells) == 0:
            return
        t = np.sort(day * MINUTES_PER_DAY + (hours[0] + (hours[1] - hours[0]) * rng.random(len(cells))) * 60.0)
        self._launch(t, self.needs.make(rng, t, cells, entry, forced_admit=entry == Entry.GP_DIRECT_ADMISSION), route)

    def book_return(self, at: float, need, deteriorated: bool) -> None:
        """A patient coming back to A&E: now, sicker, from a virtual ward, or readmitted later."""
        if deteriorated:
            rng = self.streams["arrivals.deteriorated"]
            t = np.array([at])
            needs = self.needs.make(rng, t, np.array([need.cell]), Entry.DETERIORATED,
                                    previous=np.array([need.pid]), forced_admit=True,
                                    los_multiplier=self.cfg.community.deteriorated_los_multiplier)
            self._launch(t, needs, ambulance.deteriorated)
        else:
            self._returns.append((at, need.cell, need.pid))

    def _readmissions(self, day: int) -> None:
        end = (day + 1) * MINUTES_PER_DAY
        due = [r for r in self._returns if r[0] < end]
        if not due:
            return
        self._returns = [r for r in self._returns if r[0] >= end]
        due.sort()
        t = np.array([r[0] for r in due])
        rng = self.streams["arrivals.readmission"]
        needs = self.needs.make(rng, t, np.array([r[1] for r in due]), Entry.READMISSION,
                                previous=np.array([r[2] for r in due]), forced_admit=True)
        self._launch(t, needs, emergency_department.walk_in)

    def _book_electives(self, day: int) -> None:
        if self.calendar.weekday(day) not in self._elective_days or not self.wards:
            return
        rng = self.streams["electives"]
        total = int(day_counts(self.electives, day, rng).sum())
        wards = list(self.wards.values())
        beds = np.array([w.beds.capacity + w.elective_beds.capacity for w in wards], dtype=float)
        if beds.sum() <= 0:
            return
        split = rng.multinomial(total, beds / beds.sum())
        at = day * MINUTES_PER_DAY + self.cfg.beds.elective_admission_hour * 60.0
        for ward, count in zip(wards, split.tolist()):
            if count:
                self.env.timeout(at - self.env.now).callbacks.append(
                    lambda _e, w=ward, c=count: admit_electives(self, w, self.streams["electives.stay"], c))

    def _take_census(self, day: int) -> None:
        rows = self._census
        beds = self.cfg.beds
        for ward in self.wards.values():
            ward.escalate(int(round(ward.base_beds * beds.escalation_share)), beds.escalation_trigger)
            b, e = ward.beds, ward.elective_beds
            rows.append((day, "acute_beds", ward.name, b.count + e.count, b.capacity + e.capacity, b.queue_length,
                         ward.delayed))
        for ed in self.eds.values():
            c = ed.cubicles
            rows.append((day, "ae_cubicles", ed.name, c.count, c.capacity, c.queue_length, 0))
        services = {**self.community.capacities(), **self.social_care.capacities(), "ambulances": self.fleet}
        for name, cap in services.items():
            rows.append((day, name, "ics", cap.count, cap.capacity, cap.queue_length, 0))
        rows.append((day, "gp_backlog", "ics", self.primary_care.backlog(), 0, 0, 0))

    # --- Mesa ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One calendar month: organisations act, patients flow, money is counted.
        (The first step runs the warm-up first, before organisations act or money is counted.)"""
        if self.month >= self.months:
            self.running = False
            return
        if self.month == 0:
            self._run_until(self.calendar.warmup_minutes)
        if self.organisations is not None:
            self.organisations.act()
        self._run_until(float(self.calendar.month_starts[self.month + 1]))
        if self.organisations is not None:
            self.organisations.account()
        self.month += 1
        if self.month >= self.months:
            self.running = False

    def _run_until(self, until: float) -> None:
        if until <= self.env.now:
            return
        # Journeys are freed by reference counting; the cyclic garbage collector would only rescan
        # the hundreds of thousands of live events and arrays every few thousand allocations
        # (a third of the run time) and find nothing, so it is paused while the month runs.
        gc.disable()
        try:
            self.env.run_until(until)
        finally:
            gc.enable()

    def run(self, progress=None) -> None:
        """Run every remaining month; ``progress`` is called with (month done, months)."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.month, self.months)

    def census(self) -> pd.DataFrame:
        df = pd.DataFrame(self._census, columns=["day", "service", "site", "occupied", "capacity", "queue", "delayed"])
        df["date"] = [self.calendar.date(d) for d in df["day"]]
        df["month"] = self.calendar.month_index(df["day"].to_numpy() * MINUTES_PER_DAY)
        return df
