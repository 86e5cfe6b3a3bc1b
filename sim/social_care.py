"""Council-run social care: home care packages and care home places in one local market.

Hospital discharges (pathways P1 home care and P3) compete for the same packages and places as
people referred from the community, first come first served. The council funds care for needs
above its eligibility threshold; self-funders buy care from the same market. When the market runs
short, people wait: at home if referred from the community, in an acute bed if in hospital.

The market starts near full (``initial_occupancy``), each current client with a residual stay,
so that a one-year run does not begin with an empty care sector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.capacity import Capacity
from sim.process import start_journey

if TYPE_CHECKING:
    from sim.config.system import SocialCareConfig


class SocialCare:
    """The local authority's social care market."""

    def __init__(self, env, cfg: SocialCareConfig):
        self.env = env
        self.cfg = cfg
        self.home_care = Capacity(env, cfg.home_care_packages)
        self.care_homes = Capacity(env, cfg.care_home_places)
        self.unmet_need = 0
        self.eligibility_threshold = cfg.eligibility_threshold  # the council moves it

    def capacities(self) -> dict[str, Capacity]:
        return {"home_care": self.home_care, "care_homes": self.care_homes}

    def census_rows(self, day: int) -> list[tuple]:
        return [(day, name, "ics", c.count, c.capacity, c.queue_length, 0) for name, c in self.capacities().items()]

    def eligible(self, need: float) -> bool:
        """Does a need score (0-1) meet the council's threshold for funded care?"""
        ok = need >= self.eligibility_threshold
        if not ok:
            self.unmet_need += 1
        return ok

    def prefill(self, rng: np.random.Generator) -> None:
        """Fill the market to its initial occupancy with clients part-way through their care.

        In a steady state the people in care at a given moment are biased towards long stays
        (a long stay is more likely to be under way), and each is a uniform fraction of the way
        through it: so stays are drawn length-biased, then a uniform share of each remains."""
        for capacity, dist in ((self.home_care, self.cfg.home_care_package_days),
                               (self.care_homes, self.cfg.care_home_stay_days)):
            n = int(round(capacity.capacity * self.cfg.initial_occupancy))
            if n == 0:
                continue
            pool = dist.sample(rng, 8 * n)
            stays = rng.choice(pool, size=n, p=pool / pool.sum())
            stays = stays * rng.random(n) * MINUTES_PER_DAY
            for stay in stays.tolist():
                self._hold(capacity, stay)

    def community_referrals(self, rng: np.random.Generator) -> None:
        """Today's people referred from the community (not from hospital). Like hospital patients,
        they get care if they fund it themselves or their need meets the council's threshold."""
        per_day = 1 / 7
        for capacity, rate, dist in (
            (self.home_care, self.cfg.home_care_community_starts_per_week, self.cfg.home_care_package_days),
            (self.care_homes, self.cfg.care_home_community_admissions_per_week, self.cfg.care_home_stay_days),
        ):
            n = rng.poisson(rate * per_day)
            stays = (dist.sample(rng, n) * MINUTES_PER_DAY).tolist()
            need, funds_own = rng.random(n).tolist(), (rng.random(n) < self.cfg.self_funder_share).tolist()
            for stay, u, own in zip(stays, need, funds_own):
                if own or self.eligible(u):
                    start_journey(self.env, self._client(capacity, stay))

    def _hold(self, capacity: Capacity, stay: float) -> None:
        capacity.request()  # granted at once while the market has room
        self.env.timeout(stay).callbacks.append(lambda _e: capacity.release())

    def _client(self, capacity: Capacity, stay: float):
        wait = capacity.request()
        if wait:
            yield wait  # waiting at home for a package or a place
        yield self.env.timeout(stay)
        capacity.release()
