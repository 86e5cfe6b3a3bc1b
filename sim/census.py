"""The midnight census: every capacity counted once a day, as the NHS counts beds (KH03).

Each service gives its rows (``census_rows(day)``): day, service, site (or ``ics``), units in use,
units open, patients queueing, delayed discharges (acute beds only) and, for acute beds, the
patients in hospital 21 days or more so far (a row without it counts 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd

from sim.calendar import MINUTES_PER_DAY, Calendar

COLUMNS = ["day", "service", "site", "occupied", "capacity", "queue", "delayed", "long_stay"]


class Counted(Protocol):
    def census_rows(self, day: int) -> list[tuple]: ...


class Census:
    """The daily counts of the services, in a fixed order."""

    def __init__(self, services: Sequence[Counted], calendar: Calendar):
        self.services = list(services)
        self.calendar = calendar
        self.rows: list[tuple] = []

    def take(self, day: int) -> None:
        for service in self.services:
            self.rows.extend(service.census_rows(day))

    def frame(self, rows: list[tuple] | None = None) -> pd.DataFrame:
        """The census so far (or ``rows`` of it) as a table, with each day's date and month."""
        width = len(COLUMNS)
        rows = self.rows if rows is None else rows
        df = pd.DataFrame([r if len(r) == width else r + (0,) * (width - len(r)) for r in rows], columns=COLUMNS)
        df["date"] = [self.calendar.date(d) for d in df["day"]]
        df["month"] = self.calendar.month_index(df["day"].to_numpy() * MINUTES_PER_DAY)
        return df

    def empty(self) -> pd.DataFrame:
        """A census table with no rows (what a tally of journeys alone is measured with)."""
        return self.frame([])
