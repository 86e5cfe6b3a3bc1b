"""The check that a run finished: every month stepped and the clock at the end of the last one.

A run that stops early must never look like a result. A patient's duration that is not a finite
number, for example, would once leave the clock standing and every KPI empty while the command
said it had succeeded; the environment now refuses such a delay, and this check is the last line:
whatever stopped a run, its results are not written or counted.
"""

from __future__ import annotations

import math


class RunIncomplete(RuntimeError):
    """The simulation stopped before the end of its last month."""


def check_finished(hs) -> None:
    """Raise ``RunIncomplete`` saying where a ``HealthSystem`` stopped, unless it ran to its end."""
    end, now = hs.calendar.end, hs.env.now
    if hs.month != hs.months or not (math.isfinite(now) and now == end):
        raise RunIncomplete(f"the simulation stopped early: {hs.month} of {hs.months} months stepped, clock at "
                            f"minute {now} of {end:.0f}")
