"""Simulation time: minutes from the start of the warm-up, and the calendar months reported on.

The run starts ``warmup_days`` before ``run.start_date`` so that beds, care homes and queues are
in a steady state when the first reported month begins; everything before it is left out of KPIs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.config.system import RunConfig

MINUTES_PER_DAY = 1440
MINUTES_PER_HOUR = 60
DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


class Calendar:
    """Maps simulation minutes to days, weekdays and reporting months."""

    def __init__(self, run: RunConfig, months: int | None = None):
        months = run.months if months is None else months
        self.first_day = run.start_date.replace(day=1)
        self.origin = self.first_day - dt.timedelta(days=run.warmup_days)
        self.warmup_minutes = run.warmup_days * MINUTES_PER_DAY
        self.month_labels = [add_months(self.first_day, k).strftime("%Y-%m") for k in range(months)]
        self.month_starts = np.array(
            [(add_months(self.first_day, k) - self.origin).days * MINUTES_PER_DAY for k in range(months + 1)],
            dtype=float,
        )
        self.end = float(self.month_starts[-1])
        self.days = int(self.end // MINUTES_PER_DAY)

    def date(self, day: int) -> dt.date:
        return self.origin + dt.timedelta(days=int(day))

    def weekday(self, day: int) -> int:
        """Monday is 0."""
        return self.date(day).weekday()

    def month_of_year(self, day: int) -> int:
        """January is 0."""
        return self.date(day).month - 1

    def years_from_start(self, day: int) -> float:
        return (day * MINUTES_PER_DAY - self.warmup_minutes) / (DAYS_PER_YEAR * MINUTES_PER_DAY)

    def month_index(self, minutes) -> np.ndarray:
        """Reporting month of each time (-1 in the warm-up, ``months`` after the end, NaN -> -1)."""
        t = np.asarray(minutes, dtype=float)
        idx = np.searchsorted(self.month_starts, t, side="right") - 1
        idx = np.where(np.isnan(t), -1, idx)
        return np.where(t < self.warmup_minutes, -1, idx)
