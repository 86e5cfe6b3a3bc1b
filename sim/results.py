"""Journeys leave memory as the run goes; what the KPIs need of them is kept as tallies.

A journey is final once it has ended and ``FINAL_AFTER`` has passed: nothing reads or writes its
row again (a readmission, which marks the journey it returns from, comes within 30 days of
discharge). At the end of every month a streaming run hands every final journey still held to its
sink (``icsim run``: a row group of ``journeys.parquet``; an experiment: nowhere) and lets it leave
memory (``ColumnTable.spill_rows``), after adding its part of its reporting month's KPIs to that
month's tally (``partial``: ``sim.kpis`` tallies are sums over journeys, so a month's is the sum of
its parts, whatever the order the journeys leave in). When a month's KPIs are measured, the tally
of its journeys still held and the parts that are not journeys' (the census, the days measured,
the GP requests) are added to it (``sim.kpis.month_parts``). What a KPI counts of a final journey
does not change with the time it is measured at, so the KPIs are those of a run that keeps every
journey (equal to rounding: sums are added in another order).

Memory is then set by the journeys still open and those of the last weeks, not by the length of
the run; a patient who stays for months keeps only their own row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.calendar import MINUTES_PER_DAY
from sim.journeys import End
from sim.kpis import add_months, journey_parts
from sim.tally import add

if TYPE_CHECKING:
    from sim.model import HealthSystem

FINAL_AFTER = 35 * MINUTES_PER_DAY  # after the 30 days in which a readmission can come, and a margin


class Results:
    """What a run keeps of its journeys once they have left memory: their months' tallies."""

    def __init__(self, hs: HealthSystem):
        self.hs = hs
        self.streaming = False
        self.sink: Callable[[dict[str, np.ndarray]], None] | None = None
        self.partial: dict[int, dict[str, dict]] = {}  # reporting month -> scope -> tally of its journeys handed over

    def stream_to(self, sink: Callable[[dict[str, np.ndarray]], None] | None) -> None:
        """From now on, each month's final journeys go to ``sink`` (columns with their ids under
        ``journey``), or nowhere when ``sink`` is None, and leave memory."""
        self.streaming, self.sink = True, sink

    def month_ended(self) -> None:
        """Called by the model at the end of the warm-up and of every month."""
        if self.streaming:
            self.spill()

    def spill(self) -> None:
        """Tally and hand over every final journey still held."""
        hs, log = self.hs, self.hs.log
        end, t_end = log.end[log.base: log.n], log.t_end[log.base: log.n]
        final = log.held_mask() & (end != End.IN_SYSTEM) & (t_end <= hs.env.now - FINAL_AFTER)
        ids = log.base + np.flatnonzero(final)
        if len(ids) == 0:
            return
        rows = log.spill_rows(ids)
        frame = add_months(pd.DataFrame({k: v for k, v in rows.items() if k != "journey"},
                                        index=pd.Index(ids, name="journey")), hs)
        for m in np.unique(frame.month[frame.month >= 0]):
            part = journey_parts(hs, frame[frame.month == m], int(m))
            self.partial[int(m)] = add_scopes(self.partial.get(int(m), {}), part)
        if self.sink is not None:
            self.sink(rows)


def add_scopes(a: dict[str, dict], b: dict[str, dict]) -> dict[str, dict]:
    """Two tallies by scope added scope by scope."""
    return {scope: add([x for x in (a.get(scope), b.get(scope)) if x is not None]) for scope in dict.fromkeys([*a, *b])}
