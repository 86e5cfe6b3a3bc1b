"""KPIs as sums that add up across slices: a month's KPIs and the whole run's from the same parts.

A share is a count over a count, a mean a sum over a count, a rate per 1,000 a year a count over
the days measured: each KPI of ``sim.kpis`` is kept as the two sums it is made of (a ``Ratio``),
so that the KPIs of several months (or sites) together are the sums of their parts divided, not
an average of averages, and the whole run never has to be held in one table to be measured. Only
a centile needs its values (``Values``, kept for the few that use one); a stock at the end of a
period is the latest one measured (``Latest``). ``finish`` turns a tally into the KPI values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np


class Ratio:
    """``num / den``, kept as its two sums; NaN when nothing was counted (``den`` is 0) or when
    the slice had nothing to measure it by (``defined`` False)."""

    __slots__ = ("num", "den", "defined")

    def __init__(self, num: float, den: float, defined: bool = True):
        self.num, self.den, self.defined = num, den, defined

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.num + other.num, self.den + other.den, self.defined or other.defined)

    def __mul__(self, k: float) -> Ratio:
        return Ratio(k * self.num, self.den, self.defined)

    __rmul__ = __mul__

    def __truediv__(self, k: float) -> Ratio:
        return Ratio(self.num / k, self.den, self.defined)

    def value(self) -> float:
        return float(self.num / self.den) if self.defined and self.den else math.nan

    def __repr__(self) -> str:
        return f"Ratio({self.num!r}, {self.den!r}{'' if self.defined else ', undefined'})"


class Rate:
    """Events per ``scale`` a day over ``days``: ``count * Rate(...)`` is the ``Ratio`` of
    ``count * scale`` to the days (per 1,000 people a year: scale 1000 / people x 365.25)."""

    __slots__ = ("scale", "days")

    def __init__(self, scale: float, days: float):
        self.scale, self.days = scale, days

    def __rmul__(self, count: float) -> Ratio:
        return Ratio(count * self.scale, self.days)

    def undefined(self) -> Ratio:
        """The rate of a slice that had nothing to count it by (NaN unless other slices did)."""
        return Ratio(0.0, self.days, defined=False)


class Total:
    """A sum that is NaN when nothing could be counted (``defined`` False in every part): a
    count of bed-days of a service the footprint may not have."""

    __slots__ = ("total", "defined")

    def __init__(self, total: float, defined: bool = True):
        self.total, self.defined = total, defined

    def __add__(self, other: Total) -> Total:
        return Total(self.total + other.total, self.defined or other.defined)

    def value(self) -> float:
        return float(self.total) if self.defined else math.nan


class Latest:
    """A stock as it stood at the last midnight measured (``day``; -1: never measured), such as a
    waiting list at the end of a month: of several slices, the latest's."""

    __slots__ = ("day", "stock")

    def __init__(self, day: int, stock: float):
        self.day, self.stock = day, stock

    def __add__(self, other: Latest) -> Latest:
        return other if other.day > self.day else self

    def value(self) -> float:
        return float(self.stock) if self.day >= 0 else math.nan


class Values:
    """A centile ``q`` of values: the values themselves are kept (only for the few KPIs that use one)."""

    __slots__ = ("values", "q")

    def __init__(self, values: np.ndarray, q: float):
        self.values, self.q = np.asarray(values, dtype=float), q

    def __add__(self, other: Values) -> Values:
        return Values(np.concatenate([self.values, other.values]), self.q)

    def value(self) -> float:
        return float(np.quantile(self.values, self.q)) if len(self.values) else math.nan


def share(mask) -> Ratio:
    """The share of ``mask`` that is true."""
    mask = np.asarray(mask)
    return Ratio(int(np.count_nonzero(mask)), len(mask))


def mean(x) -> Ratio:
    """The mean of ``x``, missing values left out."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return Ratio(float(x.sum()), len(x))


def centile(x, q: float) -> Values:
    """The ``q`` quantile of ``x``, missing values left out."""
    x = np.asarray(x, dtype=float)
    return Values(x[~np.isnan(x)], q)


def add(tallies: Iterable[Mapping[str, object]]) -> dict[str, object]:
    """Tallies added KPI by KPI (a KPI missing from one counts only the others)."""
    out: dict[str, object] = {}
    for tally in tallies:
        for kpi, part in tally.items():
            out[kpi] = part if kpi not in out else out[kpi] + part
    return out


def finish(tally: Mapping[str, object]) -> dict[str, float]:
    """The KPI values of a tally (counts and sums are their own value)."""
    return {kpi: part.value() if isinstance(part, Ratio | Values | Total | Latest) else part
            for kpi, part in tally.items()}
