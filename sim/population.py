"""People and their demand for care: rates per 1,000 by age band, frailty, time profiles, growth.

Arrivals are a non-homogeneous Poisson process with a piecewise-constant rate (by hour, weekday,
month and year of growth). Each simulated day draws Poisson counts per locality x age band x
frailty cell and then places each arrival in an hour by the hour-of-day profile and uniformly
within it: exact for a piecewise-constant rate, and vectorised (one numpy call per day, not one
Python call per patient).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, Calendar
from sim.config.system import AGE_BANDS, Config, ProfileConfig


def normalised(values: list[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v / v.mean()


@dataclass
class Cells:
    """Every locality x age band x frailty combination with its number of people, and how many
    of them have died during the run (``sim.outcomes``; arrivals from the cell are thinned by them)."""

    locality: np.ndarray
    age: np.ndarray
    frail: np.ndarray
    people: np.ndarray
    dead: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.dead is None:
            self.dead = np.zeros(len(self.people))

    @classmethod
    def from_config(cls, cfg: Config) -> Cells:
        loc, age, frail, people = [], [], [], []
        for li, locality in enumerate(cfg.localities.values()):
            for ai, band in enumerate(AGE_BANDS):
                n = locality.population[band]
                f = locality.frail_share[band]
                for is_frail, share in ((False, 1 - f), (True, f)):
                    loc.append(li)
                    age.append(ai)
                    frail.append(is_frail)
                    people.append(n * share)
        return cls(np.array(loc), np.array(age), np.array(frail), np.array(people, dtype=float))

    @staticmethod
    def index(locality, age, frail):
        """Cell index of a locality x age band x frailty combination (the order built above)."""
        return (np.asarray(locality, int) * len(AGE_BANDS) + np.asarray(age, int)) * 2 + np.asarray(frail, int)


class ArrivalStream:
    """One kind of arrival (999 calls, A&E self-presentations, GP requests, electives)."""

    def __init__(self, cells: Cells, per_1000: dict[str, float], profile: ProfileConfig, calendar: Calendar,
                 growth_per_year: float, frail_multiplier: float = 1.0):
        rate = np.array([per_1000[b] for b in AGE_BANDS])[cells.age]  # per 1,000 per year
        # Keep each age band's average at the configured rate while frail people ask more.
        frail_share = _frail_share_by_cell(cells)
        base = rate / (1 - frail_share + frail_share * frail_multiplier)
        rate = np.where(cells.frail, base * frail_multiplier, base)
        self.cells = cells
        self.per_day = rate * cells.people / 1000.0 / DAYS_PER_YEAR
        self.hour_cdf = np.cumsum(profile.hour_of_day) / np.sum(profile.hour_of_day)
        self.weekday = normalised(profile.day_of_week)
        self.month = normalised(profile.month_of_year)
        self.calendar = calendar
        self.growth = growth_per_year

    def expected(self, day: int) -> float:
        """Expected arrivals on a day (all cells)."""
        return float(self.per_day.sum() * self._factor(day))

    def _factor(self, day: int) -> float:
        cal = self.calendar
        return (self.weekday[cal.weekday(day)] * self.month[cal.month_of_year(day)]
                * (1 + self.growth) ** cal.years_from_start(day))

    def day(self, day: int, rng: np.random.Generator, hours: tuple[float, float] | None = None):
        """This day's arrivals, sorted by time: (minutes, cell index). ``hours`` confines them to
        a window (for example GP-referred arrivals in surgery hours) instead of the profile."""
        counts = rng.poisson(self.per_day * self._factor(day))
        cell = np.repeat(np.arange(len(counts)), counts)
        n = len(cell)
        if hours is None:
            hour = np.searchsorted(self.hour_cdf, rng.random(n), side="right")
            minute = (np.minimum(hour, 23) + rng.random(n)) * 60.0
        else:
            minute = (hours[0] + (hours[1] - hours[0]) * rng.random(n)) * 60.0
        t = day * MINUTES_PER_DAY + minute
        order = np.argsort(t, kind="stable")
        return t[order], cell[order]


def _frail_share_by_cell(cells: Cells) -> np.ndarray:
    """Share of the cell's locality x age band that is frail, for every cell."""
    key = cells.locality * len(AGE_BANDS) + cells.age
    total = np.bincount(key, weights=cells.people)
    frail = np.bincount(key, weights=cells.people * cells.frail)
    share = np.divide(frail, total, out=np.zeros_like(total), where=total > 0)
    return share[key]


def day_counts(stream: ArrivalStream, day: int, rng: np.random.Generator) -> np.ndarray:
    """Arrivals per cell on a day, without times (for booked services that work in days)."""
    return rng.poisson(stream.per_day * stream._factor(day))
