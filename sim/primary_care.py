"""General practice: requests for appointments, booked first come first served into daily slots.

Each locality's practices (one primary care network) offer slots on working days: GP FTE x
appointments per FTE, plus nurses', pharmacists' and others' appointments. A request joins the
queue and is offered the first free slot. Patient-level but simulated a day at a time with numpy
(several million appointments a year would cost a SimPy process each for no gain: slots are booked
in days, not minutes).

Long waits push demand to A&E: an urgent request offered a wait longer than
``urgent_tolerance_days`` goes to A&E that day with probability ``urgent_to_ae_share`` instead of
booking. At the consultation, some patients are sent to A&E, referred to community care or
referred for elective (hospital) care.

A request is final once it is served or went elsewhere; when the run streams its results
(``spill``, each month) the final requests leave memory for the run's sink (its Parquet file, or
nowhere) and their GP KPIs are kept as counts per month (``tally_requests``): what the KPIs need,
exactly, in a few numbers a month instead of a row per request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import IntEnum

import numpy as np
import pandas as pd

from sim.calendar import MINUTES_PER_DAY, Calendar
from sim.columns import ColumnTable
from sim.config import Config
from sim.population import ArrivalStream, Cells, day_counts


class GpOutcome(IntEnum):
    WAITING = -1
    RESOLVED = 0
    SENT_TO_AE = 1
    REFERRED_COMMUNITY = 2
    REFERRED_ELECTIVE = 3
    WENT_TO_AE_INSTEAD = 4
    ADMITTED_DIRECT = 5


class AppointmentLog(ColumnTable):
    """Columnar table of GP appointment requests."""

    COLUMNS = {"locality": ("i2", 0), "age_band": ("i1", 0), "frail": ("?", False), "urgent": ("?", False),
               "request_day": ("i4", 0), "offered_day": ("i4", -1), "served_day": ("i4", -1), "outcome": ("i1", -1)}
    INDEX_NAME = "request"


# the counts a month's GP KPIs are made of (``sim.kpis.measure``), one row per reporting month
GP_TALLY = ("requests", "served", "wait_days", "seen_within_14_days", "went_to_ae_instead")


def tally_requests(rows, months: np.ndarray) -> pd.DataFrame:
    """Counts per reporting month of GP requests ``rows`` (columns of ``AppointmentLog``; their
    ``months``, by the day of the request, -1 = warm-up): requests, served, days waited by those
    served, served within 14 days, went to A&E instead."""
    request_day = np.asarray(rows["request_day"], dtype=np.int64)
    served_day = np.asarray(rows["served_day"], dtype=np.int64)
    served = served_day >= 0
    wait = np.where(served, served_day - request_day, 0)
    frame = pd.DataFrame({
        "month": np.asarray(months, dtype=np.int64),
        "requests": np.ones(len(request_day), dtype=np.int64),
        "served": served.astype(np.int64),
        "wait_days": wait,
        "seen_within_14_days": (served & (wait <= 14)).astype(np.int64),
        "went_to_ae_instead": (np.asarray(rows["outcome"]) == GpOutcome.WENT_TO_AE_INSTEAD).astype(np.int64),
    })
    return frame.groupby("month", as_index=False).sum()


def add_tallies(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two months-by-counts tallies added month by month."""
    both = pd.concat([a, b], ignore_index=True)
    return both.groupby("month", as_index=False).sum() if len(both) else both


class PrimaryCare:
    """The GP practices of every locality, with their booking queues."""

    def __init__(self, cfg: Config, cells: Cells, calendar: Calendar):
        pc = cfg.primary_care
        self.cfg = pc
        self.cells = cells
        self.calendar = calendar
        self.stream = ArrivalStream(cells, cfg.demand.gp_appointments_per_1000, cfg.demand.gp_profile,
                                    calendar, cfg.demand.growth_per_year)
        people = np.bincount(cells.locality, weights=cells.people, minlength=len(cfg.localities))
        self.people = people
        self.gp_fte = people / 1000.0 * pc.gp_fte_per_1000
        self.other_per_day = people / 1000.0 * pc.other_staff_appointments_per_1000_per_day
        self.queues = [deque() for _ in range(len(people))]
        days = calendar.days
        expected = float(np.sum(self.stream.per_day)) * days * 1.1  # room reserved, used page by page
        self.log = AppointmentLog(capacity=int(expected) + 1024)
        self.streaming = False  # set by ``stream``: final requests leave memory each month
        self.sink: Callable[[dict[str, np.ndarray]], None] | None = None
        self.spilled = tally_requests(self.log.frame(), np.zeros(0))  # counts of the requests spilled so far
        horizon = calendar.days + 400
        self.working = np.array([calendar.weekday(d) in pc.working_days for d in range(horizon)])
        self.working_days_before = np.concatenate([[0], np.cumsum(self.working)])
        self.deaths_rng: np.random.Generator | None = None  # set when deaths thin the population
        self.keeps_elective_referrals = False  # set when a waiting list (sim.rtt) takes them
        self._elective_referrals: list[np.ndarray] = []  # referred since the waiting list last took them

    def take_elective_referrals(self) -> np.ndarray:
        """The requests whose consultation referred the patient for elective care since the last
        call (the waiting list's GP clock starts, ``sim.rtt``)."""
        taken = np.concatenate(self._elective_referrals) if self._elective_referrals else np.zeros(0, int)
        self._elective_referrals = []
        return taken

    def slots(self, locality: int) -> float:
        """Appointments a working day in one locality."""
        return self.gp_fte[locality] * self.cfg.appointments_per_gp_fte_per_day + self.other_per_day[locality]

    def backlog(self) -> int:
        return sum(sum(len(a) for a in q) for q in self.queues)

    def census_rows(self, day: int) -> list[tuple]:
        return [(day, "gp_backlog", "ics", self.backlog(), 0, 0, 0)]

    # --- streaming --------------------------------------------------------------------------------

    def stream_to(self, sink: Callable[[dict[str, np.ndarray]], None] | None) -> None:
        """From now on, ``spill`` hands final requests to ``sink`` (columns with their ids), or
        drops them when ``sink`` is None, keeping only their counts."""
        self.streaming, self.sink = True, sink

    def oldest_waiting(self) -> int:
        """Id of the oldest request still in a queue; every request before it is final."""
        heads = [next((int(a[0]) for a in queue if len(a)), self.log.n) for queue in self.queues]
        return min(heads, default=self.log.n)

    def spill(self) -> None:
        """Hand the final requests (all before the oldest still waiting) to the sink and keep
        their counts; nothing happens unless the run streams."""
        if not self.streaming:
            return
        rows = self.log.spill(self.oldest_waiting())
        if len(rows[AppointmentLog.INDEX_NAME]) == 0:
            return
        self.spilled = add_tallies(self.spilled, tally_requests(rows, self.months_of(rows["request_day"])))
        if self.sink is not None:
            self.sink(rows)

    def tallies(self) -> pd.DataFrame:
        """Counts per reporting month of every request so far (spilled and still held)."""
        held = self.log.frame()
        return add_tallies(self.spilled, tally_requests(held, self.months_of(held.request_day.to_numpy())))

    def months_of(self, request_day: np.ndarray) -> np.ndarray:
        """Reporting month of requests made on ``request_day`` (-1 = warm-up)."""
        return self.calendar.month_index(np.asarray(request_day, dtype=np.int64) * MINUTES_PER_DAY)

    def _offered_day(self, day: int, position: np.ndarray, slots: int) -> np.ndarray:
        """Calendar day of the slot a request at ``position`` in the queue is offered."""
        if slots <= 0:
            return np.full(len(position), day + 10_000)
        j = position // slots  # 0 = the next working day from today (today if working)
        target = self.working_days_before[day] + j + 1  # working days up to and including that day
        idx = np.searchsorted(self.working_days_before, target, side="left") - 1
        return np.where(target <= self.working_days_before[-1], idx, day + j * 7 // 5)

    def day(self, day: int, rng: np.random.Generator):
        """Book today's requests and hold today's consultations.

        Returns the population cells of patients sent to A&E by their GP, of those admitted
        directly to hospital, and of those who went to A&E rather than wait."""
        pc, cells, log = self.cfg, self.cells, self.log
        counts = day_counts(self.stream, day, rng)
        cell = np.repeat(np.arange(len(counts)), counts)
        u = rng.random((len(cell), 2))
        if self.deaths_rng is not None:
            # requests from people who have died do not come (drawn for every request, from a
            # stream of its own, so that the rest are the same whoever died)
            alive = self.deaths_rng.random(len(cell)) >= cells.dead[cell] / np.maximum(cells.people[cell], 1.0)
            cell, u = cell[alive], u[alive]
        n = len(cell)
        ids = log.new_block(n)
        loc = cells.locality[cell]
        log.locality[ids] = loc
        log.age_band[ids] = cells.age[cell]
        log.frail[ids] = cells.frail[cell]
        log.urgent[ids] = u[:, 0] < pc.urgent_share
        log.request_day[ids] = day

        working = bool(self.working[day])
        sent, direct, went = [], [], []
        for li, queue in enumerate(self.queues):
            mine = ids[loc == li]
            capacity = self.slots(li)
            slots = int(capacity) + int(rng.random() < capacity - int(capacity))
            per_day = max(int(round(capacity)), 1)
            ahead = sum(len(a) for a in queue)
            offered = self._offered_day(day, ahead + np.arange(len(mine)), per_day)
            log.offered_day[mine] = offered
            gives_up = log.urgent[mine] & (offered - day > pc.urgent_tolerance_days) & (
                u[mine - ids[0], 1] < pc.urgent_to_ae_share) if len(mine) else np.zeros(0, bool)
            quitters = mine[gives_up]
            log.outcome[quitters] = GpOutcome.WENT_TO_AE_INSTEAD
            went.append(quitters)
            if len(mine):
                queue.append(mine[~gives_up])
            if working:
                to_ae, admitted = self._consult(queue, slots, day, rng)
                sent.append(to_ae)
                direct.append(admitted)
        return tuple(self._cells_of(np.concatenate(x) if x else np.zeros(0, int)) for x in (sent, direct, went))

    def _consult(self, queue: deque, slots: int, day: int, rng: np.random.Generator):
        """Serve up to ``slots`` requests from the head of the queue; return those sent to A&E
        and those admitted directly."""
        pc, log = self.cfg, self.log
        served = []
        while slots > 0 and queue:
            head = queue[0]
            take = head[:slots]
            served.append(take)
            slots -= len(take)
            if len(take) == len(head):
                queue.popleft()
            else:
                queue[0] = head[len(take):]
        if not served:
            return np.zeros(0, int), np.zeros(0, int)
        ids = np.concatenate(served)
        log.served_day[ids] = day
        u = rng.random(len(ids))
        edges = np.cumsum([pc.consultation_to_ae_share, pc.consultation_to_direct_admission_share,
                           pc.consultation_to_community_share, pc.consultation_to_elective_referral_share])
        outcome = np.searchsorted(edges, u, side="right")
        log.outcome[ids] = np.array([GpOutcome.SENT_TO_AE, GpOutcome.ADMITTED_DIRECT, GpOutcome.REFERRED_COMMUNITY,
                                     GpOutcome.REFERRED_ELECTIVE, GpOutcome.RESOLVED])[outcome]
        if self.keeps_elective_referrals:
            self._elective_referrals.append(ids[outcome == 3])
        return ids[outcome == 0], ids[outcome == 1]

    def _cells_of(self, ids: np.ndarray) -> np.ndarray:
        """Population cell of each request (to create the A&E journey from the same person)."""
        log = self.log
        return Cells.index(log.locality[ids], log.age_band[ids], log.frail[ids])
