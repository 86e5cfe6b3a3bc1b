"""Simulated KPIs against the published figures a footprint carries (its config's ``calibration:``).

A footprint's targets are config data (``sim.config.calibration``): by footprint, site, trust (a
group of sites) and locality, each a published value, a plausible range, its source and its
period, written out or taken from one of the project's reference files (``sim/reference/``). This
module is the engine: it lists a config's targets (``targets``), measures one finished run over
the calibration period at every scope a target names (``simulated``), and compares replications
with the targets (``compare``).

The rule, applied to every target alike: a target is **met when the mean of the simulated KPI
over the replications lies inside the published range**. The 95% interval of that mean
(Student's t over replications) is reported beside it, to show how much of a miss or a hit is
simulation noise, but does not decide: the published range already carries the uncertainty of
the published figure, and an interval that merely overlaps it would let a footprint pass on a
single noisy replication. A target with ``required: false`` is reported and judged the same way,
but does not decide whether the footprint passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from sim.config.calibration import period_months, reference_file
from sim.config.system import Config
from sim.kpis import calibration_groups, period_tallies
from sim.tally import finish

COLUMNS = ["scope", "kpi", "reference", "low", "high", "source", "period", "estimate", "required", "note"]


def reference(name: str = "england") -> dict:
    """The published figures of one reference file (``sim/reference/NAME.yaml``), with their sources."""
    return reference_file(name)


def targets(cfg: Config) -> pd.DataFrame:
    """One row per target of the config: scope (``footprint``, ``site:NAME``, ``trust:NAME``,
    ``locality:NAME``), KPI, published value (``reference``), range, source, period, how it was
    estimated (if it was), and whether it is required. Empty when the config carries none."""
    cal = cfg.calibration
    rows = []
    if cal is not None:
        scoped = [("footprint", cal.footprint)]
        scoped += [(f"site:{s}", t) for s, t in cal.sites.items()]
        scoped += [(f"trust:{name}", g.targets) for name, g in cal.trusts.items()]
        scoped += [(f"locality:{loc}", t) for loc, t in cal.localities.items()]
        for scope, group in scoped:
            for kpi, t in group.items():
                rows.append((scope, kpi, t.value, t.range[0], t.range[1], t.source, t.period, t.estimate or "",
                             t.required, t.note))
    return pd.DataFrame(rows, columns=COLUMNS)


def footprint_targets(cfg: Config) -> pd.DataFrame:
    """The footprint-wide targets, indexed by KPI (what a run's summary is shown beside)."""
    t = targets(cfg)
    return t[t.scope == "footprint"].drop(columns="scope").set_index("kpi")


def period_labels(cfg: Config, month_labels: Sequence[str]) -> list[str]:
    """The reported months (``YYYY-MM``) a config's calibration compares: those of
    ``calibration.period``, or every reported month. ``ValueError`` when the run does not report
    every month of the period."""
    period = cfg.calibration.period if cfg.calibration is not None else None
    if period is None:
        return list(month_labels)
    (y0, m0), (y1, m1) = period_months(period)
    wanted, (y, m) = [], (y0, m0)
    while (y, m) <= (y1, m1):
        wanted.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    missing = [w for w in wanted if w not in month_labels]
    if missing:
        raise ValueError(f"calibration.period: {period} needs the months {missing[0]} to {missing[-1]}, which the run "
                         f"({month_labels[0]} to {month_labels[-1]}) does not report")
    return wanted


def simulated(hs, labels: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    """A finished run's KPIs over the reported months ``labels`` (default: the calibration period),
    at every scope a target of its config names: ``footprint``, ``site:NAME``, ``trust:NAME``,
    ``locality:NAME``. Over the whole reported run the footprint's are ``summary_kpis``."""
    cfg, cal = hs.cfg, hs.calendar
    labels = period_labels(cfg, cal.month_labels) if labels is None else list(labels)
    months = [cal.month_labels.index(label) for label in labels]
    groups = calibration_groups(cfg)
    parts = period_tallies(hs, months, groups, localities=True)
    out = {"footprint": finish(parts.pop("ics"))}
    out.update({f"site:{s}": {} for s in cfg.sites})
    out.update({scope: {} for scope in groups})
    out.update({scope: finish(t) for scope, t in parts.items()})
    return out


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% interval (Student's t) of replications; the interval is NaN for one."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    # Student's t quantile (what scipy.stats.t.ppf computes, without importing scipy.stats for one call)
    half = float(special.stdtrit(len(values) - 1, 0.975) * values.std(ddof=1) / math.sqrt(len(values)))
    return mean, mean - half, mean + half


def compare(table: pd.DataFrame, runs: Sequence[dict[str, dict[str, float]]]) -> pd.DataFrame:
    """The targets ``table`` (``targets``) beside the replications ``runs`` (each ``simulated``):
    the mean, its 95% interval, the replications, and whether each target is met (the mean lies
    inside the published range)."""
    out = table.copy()
    means, lows, highs = [], [], []
    for row in table.itertuples():
        values = np.array([run.get(row.scope, {}).get(row.kpi, math.nan) for run in runs], dtype=float)
        m, lo, hi = _interval(values)
        means.append(m)
        lows.append(lo)
        highs.append(hi)
    out.insert(2, "simulated", means)
    out.insert(3, "ci_low", lows)
    out.insert(4, "ci_high", highs)
    out["replications"] = len(runs)
    out["met"] = (out.simulated >= out.low) & (out.simulated <= out.high)
    return out


def calibration_table(summary: pd.Series, cfg: Config) -> pd.DataFrame:
    """One run's footprint summary against the config's footprint targets, indexed by KPI (the
    ``summary`` table of ``icsim run`` and the old single-run check)."""
    table = footprint_targets(cfg)
    table.insert(0, "simulated", [float(summary.get(k, math.nan)) for k in table.index])
    table["within_range"] = (table.simulated >= table.low) & (table.simulated <= table.high)
    return table
