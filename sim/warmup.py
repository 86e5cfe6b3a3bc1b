"""Is the warm-up long enough? MSER-5 on the run's own daily census.

A run starts empty (acute beds, community services and ambulances; social care is prefilled), so
its first weeks are not the system's steady state. Everything before ``run.warmup_days`` is left
out of the KPIs; this module checks, from the model's own output, that this is long enough.

MSER-5 (White 1997; White, Cobb & Spratt 2000): the daily series is averaged in batches of five
days; the truncation point is the number of leading batches ``d`` that minimises the variance of
the mean of what remains, ``var(y[d:]) / len(y[d:])``, searched over the first half of the series.
It is computed for the occupancy of every capacity in the census over a run that includes its
warm-up; the longest truncation among them is the warm-up the run needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BATCH_DAYS = 5
# The capacities whose filling decides the warm-up (ambulances and A&E cubicles fill within days)
SERIES = ("acute_beds", "intermediate_care", "reablement", "virtual_ward", "urgent_community_response",
          "home_care", "care_homes")


def mser(series, batch: int = BATCH_DAYS) -> int:
    """Truncation point (in days) of a daily series by MSER with batches of ``batch`` days."""
    x = np.asarray(series, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x) // batch
    if n < 4:
        return 0
    y = x[: n * batch].reshape(n, batch).mean(axis=1)
    # var(y[d:]) / len(y[d:]) for every d, from running sums taken from the end
    tail_sum = np.cumsum(y[::-1])[::-1]
    tail_sq = np.cumsum((y**2)[::-1])[::-1]
    count = np.arange(n, 0, -1)
    mean = tail_sum / count
    stat = (tail_sq / count - mean**2) / count
    half = n // 2
    return int(np.argmin(stat[: half + 1])) * batch


def occupancy_series(census: pd.DataFrame) -> dict[str, np.ndarray]:
    """Daily occupancy (in use over open) of each capacity in ``SERIES``, from day 0 (warm-up included)."""
    out = {}
    for service in SERIES:
        rows = census[census.service == service]
        if rows.empty:
            continue
        daily = rows.groupby("day")[["occupied", "capacity"]].sum()
        if (daily.capacity > 0).any():
            out[service] = (daily.occupied / daily.capacity.where(daily.capacity > 0)).to_numpy()
    return out


def truncation_days(census: pd.DataFrame) -> dict[str, int]:
    """MSER-5's truncation point, in days from the start of the run, for each capacity's occupancy."""
    return {service: mser(series) for service, series in occupancy_series(census).items()}


def replicated_truncation_days(censuses: list[pd.DataFrame], days: int | None = None) -> dict[str, int]:
    """MSER-5 on each capacity's occupancy averaged over replications (the same config, other
    seeds), day by day: how a warm-up is chosen from pilot runs (Hoad, Robinson & Davies, J Oper
    Res Soc 2010;61:1389, who found MSER-5 on the mean of several replications the most reliable
    of 42 methods). Averaging removes most of one run's noise, which otherwise moves a single
    run's truncation to wherever a late dip happens to be. ``days``: only the first days of each."""
    series = [occupancy_series(c if days is None else c[c.day < days]) for c in censuses]
    common = set.intersection(*(set(s) for s in series)) if series else set()
    out = {}
    for service in sorted(common):
        length = min(len(s[service]) for s in series)
        out[service] = mser(np.mean([s[service][:length] for s in series], axis=0))
    return out
