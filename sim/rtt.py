"""The elective waiting list as referral to treatment (RTT): clocks that start, wait and stop.

A referral starts a clock (a *pathway*): from a GP consultation
(``GpOutcome.REFERRED_ELECTIVE``) or from another source (``rtt.other_referrals_per_1000``). It
belongs to the hospital nearest the patient's locality, has a specialty group and a priority
(urgent or routine), and is drawn to need admission or not. Every pathway is first seen in
outpatients (a daily number of pathways per site on weekdays): one that does not need admission
stops there (a non-admitted clock stop); one that does joins the site's admission list, still
waiting. Each elective day a site books admitted pathways into its theatre sessions: day cases
take a theatre slot only; the rest also need a bed, and are booked against the beds the site
expects free at the admission hour (``sim.beds``). An admission stops the clock (an admitted
stop). An operation cancelled on the day sends the pathway back to the list, its clock still
running, to be rebooked first, exactly once per cancellation. Each day some of the list is
removed without a reported stop (validation). Capacity goes first to urgent pathways, longest
waiting first; then ``in_turn_share`` of it to the longest routine waiters, the rest to routine
waiters booked regardless of how long they have waited.

A run starts with a list of the published size for its population (``initial_list_per_1000``),
its waits drawn from a lognormal fitted to the published shares waiting under 18 and over 52
weeks (``initial_list_waits``).

Patient-level and simulated a day at a time with numpy, as GP slots are: outpatient clinics and
theatre lists are booked in days, and a list of 130,000 pathways would cost a SimPy process each.
"""

from __future__ import annotations

from enum import IntEnum
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.columns import ColumnTable
from sim.config.rtt import SPECIALTIES
from sim.config.system import ProfileConfig
from sim.population import ArrivalStream, Cells, day_counts

if TYPE_CHECKING:
    import simpy

    from sim.calendar import Calendar
    from sim.config.system import Config
    from sim.primary_care import PrimaryCare
    from sim.routing import Router
    from sim.streams import Streams

WEEK = 7
EVENT_KINDS = ("clock_start", "nonadmitted_stop", "day_case_stop", "admitted_stop", "removed", "cancelled",
               "cancelled_not_rebooked", "cancelled_judged")
EIGHTEEN_WEEKS_DAYS = 18 * WEEK
FIFTY_TWO_WEEKS_DAYS = 52 * WEEK
DAYS_PER_MONTH = 365.25 / 12
MAX_INITIAL_WAIT_WEEKS = 520  # an initial wait is cut at ten years (a fitted lognormal can have a vast tail)


class Stage(IntEnum):
    OUTPATIENTS = 0  # waiting to be seen in outpatients
    ADMISSION = 1  # seen, decided to admit, waiting for an admission
    BOOKED = 2  # booked for admission today
    STOPPED = 3  # off the list


class PathwayEnd(IntEnum):
    WAITING = -1
    NON_ADMITTED = 0  # seen in outpatients: treated there or discharged
    DAY_CASE = 1  # admitted as a day case
    ADMITTED = 2  # admitted to an overnight bed
    REMOVED = 3  # validation: removed without a reported clock stop


class Source(IntEnum):
    INITIAL = 0  # on the list when the run starts
    GP = 1
    OTHER = 2


class PathwayLog(ColumnTable):
    """Columnar table of RTT pathways (days from the start of the run; a clock started before the
    run has a negative ``clock_start``)."""

    COLUMNS = {"site": ("i2", -1), "locality": ("i2", -1), "age_band": ("i1", -1), "specialty": ("i1", -1),
               "source": ("i1", -1), "urgent": ("?", False), "admit": ("?", False), "day_case": ("?", False),
               "clock_start": ("i4", 0), "decided_day": ("i4", -1), "stop_day": ("i4", -1), "stage": ("i1", 0),
               "end": ("i1", -1), "rebook": ("?", False), "cancellations": ("i2", 0), "rebookings": ("i2", 0),
               "journey": ("i4", -1)}
    INDEX_NAME = "pathway"


class CancellationLog(ColumnTable):
    """One row per on-the-day cancellation of an RTT admission, and when the patient was admitted after it."""

    COLUMNS = {"pathway": ("i4", -1), "site": ("i2", -1), "day": ("i4", -1), "admitted_day": ("i4", -1)}
    INDEX_NAME = "cancellation"


def initial_list_waits(n: int, within_18: float, over_52: float, rng: np.random.Generator) -> np.ndarray:
    """Days already waited by ``n`` pathways on the list at the start: a lognormal (in weeks) through
    the two published points, P(wait < 18 weeks) = ``within_18`` and P(wait > 52 weeks) = ``over_52``."""
    z18, z52 = NormalDist().inv_cdf(within_18), NormalDist().inv_cdf(1 - over_52)
    sigma = np.log(52 / 18) / (z52 - z18)
    mu = np.log(18) - z18 * sigma
    weeks = np.exp(np.minimum(mu + sigma * rng.standard_normal(n), np.log(MAX_INITIAL_WAIT_WEEKS)))
    return np.floor(weeks * WEEK).astype(int)


def stochastic_round(x: float, rng: np.random.Generator) -> int:
    """``x`` rounded down or up at random so that the mean is ``x``."""
    whole = int(x)
    return whole + int(rng.random() < x - whole)


def _oldest(clock: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` earliest ``clock``s, earliest first, ties in position order: the
    first ``count`` of a stable sort of ``clock``, found without sorting it all (only they are)."""
    if count >= len(clock):
        return np.argsort(clock, kind="stable")
    last = np.partition(clock, count - 1)[count - 1]  # the latest clock taken
    earlier = np.flatnonzero(clock < last)
    taken = np.concatenate([earlier, np.flatnonzero(clock == last)[:count - len(earlier)]])
    return taken[np.argsort(clock[taken], kind="stable")]


class WaitingList:
    """Every site's RTT list: outpatient clinics, theatre lists, validation and the list's census."""

    def __init__(self, env: simpy.Environment, config: Config, cells: Cells, calendar: Calendar, router: Router,
                 streams: Streams, primary_care: PrimaryCare):
        cfg = config.rtt
        assert cfg is not None
        self.env = env
        self._events: tuple[tuple[float, int], pd.DataFrame] | None = None  # the last flows built, and when
        self.cfg, self.cells, self.calendar, self.router, self.streams = cfg, cells, calendar, router, streams
        self.primary_care = primary_care
        self.site_names = list(config.sites)
        beds = {i: s.beds for i, s in enumerate(config.sites.values()) if s.beds > 0}
        self.sites = list(beds)
        total_beds = sum(beds.values())
        people = float(cells.people.sum())
        self.outpatients_per_day = {i: cfg.outpatient_stops_per_1000_per_week * people / 1000 / 5 * b / total_beds
                                    for i, b in beds.items()}
        elective_days = max(len(config.beds.elective_days), 1)
        self.theatre_cases_per_day = {}
        for i, b in beds.items():
            sessions = cfg.theatre_sessions_per_week.get(self.site_names[i],
                                                          cfg.theatre_sessions_per_week_per_100_beds * b / 100)
            self.theatre_cases_per_day[i] = sessions * cfg.cases_per_session / elective_days
        self.other = ArrivalStream(cells, cfg.other_referrals_per_1000, ProfileConfig(), calendar,
                                   config.demand.growth_per_year)
        self.specialty_cdf = np.cumsum([cfg.specialty_shares[s] for s in SPECIALTIES])
        self.removal_per_day = 1 - (1 - cfg.removal_per_month) ** (1 / DAYS_PER_MONTH)
        expected = people / 1000 * (cfg.initial_list_per_1000 + 1.5 * sum(cfg.other_referrals_per_1000.values()) / 4
                                    * (calendar.days / 365.25 + 1))
        self.log = PathwayLog(capacity=int(expected) + 1024)
        self.cancellations = CancellationLog(capacity=1024)
        self.active = np.zeros(0, dtype=np.int64)  # pathways on the list, in id order (compacted daily)
        self._compacted: np.ndarray | None = None  # ``active`` as last compacted, until a clock stops
        self._sites_of: np.ndarray | None = None  # the ``active`` whose sites ``_sites`` holds
        self._sites = np.zeros(0, dtype=self.log.site.dtype)
        self._prefill()

    # --- clock starts ----------------------------------------------------------------------------

    def _start(self, cell: np.ndarray, day: int | np.ndarray, source: Source, rng: np.random.Generator) -> np.ndarray:
        """New pathways for people of population cells ``cell``, clocks started on ``day``."""
        cfg, log, cells = self.cfg, self.log, self.cells
        n = len(cell)
        ids = log.new_block(n)
        if n == 0:
            return ids
        u = rng.random((n, 4))
        loc = cells.locality[cell]
        log.locality[ids] = loc
        log.age_band[ids] = cells.age[cell]
        log.site[ids] = [self.router.ward_for_locality[li] for li in loc.tolist()]
        log.specialty[ids] = np.minimum(np.searchsorted(self.specialty_cdf, u[:, 0], side="right"), len(SPECIALTIES) - 1)
        log.source[ids] = source
        log.urgent[ids] = (u[:, 1] < cfg.urgent_share) if source != Source.INITIAL else False
        log.admit[ids] = u[:, 2] < cfg.admitted_share
        log.day_case[ids] = log.admit[ids] & (u[:, 3] < cfg.day_case_share)
        log.clock_start[ids] = day
        log.stage[ids] = Stage.OUTPATIENTS
        compacted, sites_known = self._compacted is self.active, self._sites_of is self.active
        self.active = np.concatenate([self.active, ids])
        if compacted:  # a new pathway is on the list: still compacted
            self._compacted = self.active
        if sites_known:
            self._sites, self._sites_of = np.concatenate([self._sites, log.site[ids]]), self.active
        return ids

    def _prefill(self) -> None:
        """The list a run starts with: its size from ``initial_list_per_1000``, its waits
        (``initial_list_waits``); people in proportion to their referral rates."""
        cfg, cells = self.cfg, self.cells
        rng = self.streams["rtt.initial"]
        n = int(round(cfg.initial_list_per_1000 * cells.people.sum() / 1000))
        if n == 0:
            return
        weight = self.other.per_day / self.other.per_day.sum()
        cell = rng.choice(len(weight), size=n, p=weight)
        waits = initial_list_waits(n, cfg.initial_within_18_weeks_share, cfg.initial_over_52_weeks_share, rng)
        ids = self._start(cell, -waits, Source.INITIAL, rng)
        decided = self.log.admit[ids] & (rng.random(n) < cfg.initial_decided_to_admit_share)
        self.log.stage[ids[decided]] = Stage.ADMISSION
        self.log.decided_day[ids[decided]] = 0

    def day(self, day: int) -> None:
        """A day of the list: today's referrals, validation, and (on weekdays) outpatient clinics."""
        rng = self.streams["rtt.pathways"]
        referred = self.primary_care.take_elective_referrals()
        if len(referred):
            pc = self.primary_care.log
            self._start(Cells.index(pc.locality[referred], pc.age_band[referred], pc.frail[referred]), day,
                        Source.GP, rng)
        counts = day_counts(self.other, day, self.streams["rtt.referrals"])
        self._start(np.repeat(np.arange(len(counts)), counts), day, Source.OTHER, rng)
        self._validate(day)
        if self.calendar.weekday(day) < 5:
            self._outpatients(day)

    def _compact(self) -> np.ndarray:
        """The pathways on the list, without those stopped (no clock stopped since the last
        compaction, and no pathway started since: the list as it is)."""
        if self._compacted is not self.active:
            on_list = self.log.stage[self.active] != Stage.STOPPED
            sites_known = self._sites_of is self.active
            self.active = self._compacted = self.active[on_list]
            if sites_known:
                self._sites, self._sites_of = self._sites[on_list], self.active
        return self.active

    def _active_sites(self) -> np.ndarray:
        """The site of each pathway of ``active`` (kept with it: a pathway never changes site)."""
        if self._sites_of is not self.active:
            self._sites, self._sites_of = self.log.site[self.active], self.active
        return self._sites

    def _stop(self, ids: np.ndarray, day: int, how: PathwayEnd) -> None:
        log = self.log
        self._compacted = None
        log.stage[ids] = Stage.STOPPED
        log.stop_day[ids] = day
        log.end[ids] = how

    def _validate(self, day: int) -> None:
        """Validation: each pathway waiting (not booked, not awaiting a rebooking) is removed today
        with the daily probability of ``removal_per_month``."""
        rng = self.streams["rtt.removals"]
        active = self._compact()
        log = self.log
        waiting = active[(log.stage[active] != Stage.BOOKED) & ~log.rebook[active]]
        gone = waiting[rng.random(len(waiting)) < self.removal_per_day]
        self._stop(gone, day, PathwayEnd.REMOVED)

    # --- choosing who is seen or treated -------------------------------------------------------------

    def priority_order(self, ids: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
        """``ids`` in the order ``k`` places go to them: pathways awaiting a rebooking after a
        cancellation (earliest clock first), then urgent ones, longest waiting first, then routine
        ones: of the places left, ``in_turn_share`` (a binomial draw) go to the longest waiters and
        the rest to routine waiters at random, who are followed by everyone else at random."""
        log = self.log
        if len(ids) == 0:
            return ids
        rebook = log.rebook[ids]
        urgent = log.urgent[ids] & ~rebook
        routine = ~(rebook | urgent)

        def is_sorted(sub: np.ndarray) -> bool:  # in pathway order (as the list is kept)
            return len(sub) < 2 or bool((sub[1:] > sub[:-1]).all())

        def by_wait(sub: np.ndarray) -> np.ndarray:  # positions in ``sub``, oldest clock first, ties by pathway
            if is_sorted(sub):  # a stable sort of the clocks keeps pathway order for ties
                return np.argsort(log.clock_start[sub], kind="stable")
            return np.lexsort((sub, log.clock_start[sub]))

        front_rebook, front_urgent = ids[rebook], ids[urgent]
        front = np.concatenate([front_rebook[by_wait(front_rebook)], front_urgent[by_wait(front_urgent)]])
        rest = ids[routine]
        places = min(max(k - len(front), 0), len(rest))
        turn = int(rng.binomial(places, self.cfg.in_turn_share)) if places else 0
        if turn:
            first = _oldest(log.clock_start[rest], turn) if is_sorted(rest) else by_wait(rest)[:turn]
            oldest = rest[first]
            others = np.ones(len(rest), dtype=bool)
            others[first] = False
            others = rest[others]  # the rest less the oldest, in their order (np.setdiff1d)
        else:
            oldest, others = rest[:0], rest
        return np.concatenate([front, oldest, rng.permutation(others)])

    def _outpatients(self, day: int) -> None:
        """Each site's clinics see today's number of pathways, in priority order: a pathway that does
        not need admission stops (non-admitted); one that does joins the admission list."""
        rng = self.streams["rtt.choice"]
        log = self.log
        active = self.active
        outpatients = log.stage[active] == Stage.OUTPATIENTS
        waiting = active[outpatients]
        sites = self._active_sites()[outpatients]
        for site in self.sites:
            slots = stochastic_round(self.outpatients_per_day[site], self.streams["rtt.capacity"])
            mine = waiting[sites == site]
            if slots == 0 or len(mine) == 0:
                continue
            seen = self.priority_order(mine, slots, rng)[:slots]
            admit = log.admit[seen]
            self._stop(seen[~admit], day, PathwayEnd.NON_ADMITTED)
            log.stage[seen[admit]] = Stage.ADMISSION
            log.decided_day[seen[admit]] = day

    # --- admissions ----------------------------------------------------------------------------------

    def book(self, site: int, day: int, beds: int) -> tuple[np.ndarray, np.ndarray]:
        """Book today's theatre list at ``site``: in priority order, day cases while theatre slots
        last, and overnight cases while both theatre slots and the ``beds`` expected free last.
        Day cases are treated (their clocks stop today); returns (day cases, overnight cases booked)."""
        log = self.log
        rng = self.streams["rtt.choice"]
        slots = stochastic_round(self.theatre_cases_per_day.get(site, 0.0), self.streams["rtt.capacity"])
        active = self.active
        waiting = active[(log.stage[active] == Stage.ADMISSION) & (self._active_sites() == site)]
        if slots == 0 or len(waiting) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        order = self.priority_order(waiting, slots, rng)
        overnight = ~log.day_case[order]
        fits = ~overnight | (np.cumsum(overnight) <= max(beds, 0))
        chosen = order[fits][:slots]
        day_cases = chosen[log.day_case[chosen]]
        booked = chosen[~log.day_case[chosen]]
        self._stop(day_cases, day, PathwayEnd.DAY_CASE)
        log.stage[booked] = Stage.BOOKED
        rebooked = booked[log.rebook[booked]]
        log.rebookings[rebooked] += 1
        log.rebook[rebooked] = False
        return day_cases, booked

    def admitted(self, pathway: int, journey: int, day: int) -> None:
        """A booked patient has a bed: the clock stops (an admitted stop)."""
        log = self.log
        self._stop(np.array([pathway]), day, PathwayEnd.ADMITTED)
        log.journey[pathway] = journey
        if log.cancellations[pathway]:
            c = self.cancellations
            mine = np.flatnonzero(c.pathway[:c.n] == pathway)
            c.admitted_day[mine[c.admitted_day[mine] < 0]] = day

    def cancelled(self, pathway: int, journey: int, day: int) -> None:
        """An operation cancelled on the day: back on the list, clock running, to be rebooked first."""
        log = self.log
        log.stage[pathway] = Stage.ADMISSION
        log.rebook[pathway] = True
        log.cancellations[pathway] += 1
        log.journey[pathway] = journey
        c = self.cancellations
        row = c.new_block(1)
        c.pathway[row] = pathway
        c.site[row] = log.site[pathway]
        c.day[row] = day

    # --- census and KPIs -----------------------------------------------------------------------------

    def census_rows(self, day: int) -> list[tuple]:
        """Each site's list at midnight: decided to admit (occupied), pathways on the list (queue),
        waiting 18 weeks or more (delayed) and over 52 weeks (long_stay)."""
        active = self._compact()
        log = self.log
        waited = day - log.clock_start[active]
        site = self._active_sites()
        decided = log.stage[active] != Stage.OUTPATIENTS
        over_18, over_52 = waited >= EIGHTEEN_WEEKS_DAYS, waited > FIFTY_TWO_WEEKS_DAYS
        rows = []
        for s in self.sites:
            mine = site == s
            rows.append((day, "rtt_waiting_list", self.site_names[s], int(np.count_nonzero(mine & decided)), 0,
                         int(np.count_nonzero(mine)), int(np.count_nonzero(mine & over_18)),
                         int(np.count_nonzero(mine & over_52))))
        return rows

    def frame(self) -> pd.DataFrame:
        return self.log.frame()

    def events(self, end_day: int) -> pd.DataFrame:
        """Every flow of the list as (day, site, kind) rows: clock starts, non-admitted and admitted
        stops (day cases and overnight), validation removals, on-the-day cancellations and, dated
        at the cancellation, those not followed by an admission within ``rebook_within_days``
        (judged only once that many days have passed by ``end_day``). Built once for a time of
        the clock (every month's KPIs measured then read them); not to be changed by the caller."""
        key = (self.env.now, end_day)
        if self._events is None or self._events[0] != key:
            self._events = (key, self._flows(end_day))
        return self._events[1]

    def _flows(self, end_day: int) -> pd.DataFrame:
        p = self.log.frame()
        kinds = []

        def flow(day, site, kind: str) -> pd.DataFrame:
            return pd.DataFrame({"day": np.asarray(day, dtype=np.int32), "site": np.asarray(site, dtype=np.int16),
                                 "kind": np.full(len(day), EVENT_KINDS.index(kind), dtype=np.int8)})

        started = p[p.source != Source.INITIAL]
        kinds.append(flow(started.clock_start, started.site, "clock_start"))
        label = {PathwayEnd.NON_ADMITTED: "nonadmitted_stop", PathwayEnd.DAY_CASE: "day_case_stop",
                 PathwayEnd.ADMITTED: "admitted_stop", PathwayEnd.REMOVED: "removed"}
        for end, kind in label.items():
            rows = p[p.end == end]
            kinds.append(flow(rows.stop_day, rows.site, kind))
        c = self.cancellations.frame()
        kinds.append(flow(c.day, c.site, "cancelled"))
        limit = self.cfg.rebook_within_days
        late = ((c.admitted_day < 0) & (end_day - c.day > limit)) | ((c.admitted_day >= 0) & (c.admitted_day - c.day > limit))
        kinds.append(flow(c.day[late], c.site[late], "cancelled_not_rebooked"))
        judged = (c.admitted_day >= 0) | (end_day - c.day > limit)
        kinds.append(flow(c.day[judged], c.site[judged], "cancelled_judged"))
        ev = pd.concat(kinds, ignore_index=True)
        # sites and kinds as categories (a few bytes a flow: a long run has millions of them)
        site = ev.site.to_numpy()
        ev["site"] = pd.Categorical.from_codes(np.where(site >= 0, site, len(self.site_names)),
                                               categories=[*self.site_names, "-"])
        ev["kind"] = pd.Categorical.from_codes(ev.kind.to_numpy(), categories=list(EVENT_KINDS))
        ev["month"] = self.calendar.month_index(ev.day.to_numpy() * 1440.0)
        return ev



def no_events() -> pd.DataFrame:
    """The flows of a run without a waiting list: none."""
    return pd.DataFrame({"day": pd.Series(dtype="i4"), "site": pd.Series(dtype="object"),
                         "kind": pd.Series(dtype="object"), "month": pd.Series(dtype="i8")})
