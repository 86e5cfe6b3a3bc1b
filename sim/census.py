"""The midnight census: every capacity counted once a day, as the NHS counts beds (KH03).

Each service gives its rows (``census_rows(day)``): day, service, site (or ``ics``), units in use,
units open, patients queueing, and delayed discharges (acute beds only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd

from sim.calendar import MINUTES_PER_DAY, Calendar

COLUMNS = ["day", "service", "site", "occupied", "capacity", "queue", "delayed"]


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

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=COLUMNS)
        df["date"] = [self.calendar.date(d) for d in df["day"]]
        df["month"] = self.calendar.month_index(df["day"].to_numpy() * MINUTES_PER_DAY)
        return df
