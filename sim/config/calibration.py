"""A footprint's calibration targets: the published figures its simulated KPIs are judged against.

    calibration:
      period: 2012/13                 # the simulated months compared (default: the whole reported run)
      replications: 5                 # default for `icsim calibrate`
      footprint:
        ae_4h_type1: {value: 0.938, range: [0.93, 0.945], source: "...", period: 2012/13}
        bed_occupancy_midnight: {reference: "england:operations.ga_occupancy_midnight"}
      sites:
        northwick_park:
          ae_ambulance_arrivals_per_day: {reference: "nw_london_2012:sites.northwick_park_ambulance_arrivals_per_day"}
      trusts:                          # several sites judged together against one trust's figure
        imperial: {sites: [charing_cross, hammersmith_hospital, st_marys], targets: {ae_4h_all_types: {...}}}
      localities:
        brent_harlesden: {conveyance_minutes_mean: {...}}

A target is either written out (``value``, ``range``, ``source``, ``period``) or names an entry of
one of the project's reference files (``sim/reference/NAME.yaml``) with ``reference:
"NAME:section.entry"``, which supplies them, so that a published figure is written down once, with
its source, in the reference file. ``per:`` divides a referenced figure (value and range) by another
entry's value: a derived target (the share of beds held by delayed discharges is the sitrep count
over the bed count). ``estimate:`` says how a figure that was not published was derived.

A target is *met* when the mean of the simulated KPI over the replications lies inside the
published range (``sim.calibration``); ``required: false`` marks a target that is reported but
does not decide whether the footprint passes (say why in ``note``).

A period is a calendar year (``2012``), a financial year April to March (``2012/13``), a month
(``2013-01``), or a span of them: ``2019-2022``, ``2019/20-2023/24``, or any two joined by ``to``
(``2011-04 to 2012-02``).
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import AfterValidator, Field, model_validator

from sim.config.schema import Strict
from sim.kpi_names import FOOTPRINT_KPIS, LOCALITY_KPIS, SITE_KPIS

Month = tuple[int, int]  # (year, month)
_YEAR = r"(\d{4})"
_FY = r"(\d{4})/(\d{2})"
_MONTH = r"(\d{4})-(\d{2})"


def _unit(text: str) -> tuple[Month, Month] | None:
    """First and last month of one period unit (a year, a financial year or a month)."""
    if m := re.fullmatch(_YEAR, text):
        y = int(m[1])
        return (y, 1), (y, 12)
    if m := re.fullmatch(_FY, text):
        y, y2 = int(m[1]), int(m[2])
        if y2 != (y + 1) % 100:
            raise ValueError(f"{text!r}: a financial year is written like 2012/13 (the second year follows the first)")
        return (y, 4), (y + 1, 3)
    if m := re.fullmatch(_MONTH, text):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise ValueError(f"{text!r}: month {mo} is not 01-12")
        return (y, mo), (y, mo)
    return None


def period_months(text: str) -> tuple[Month, Month]:
    """First and last month (inclusive) of a period; ``ValueError`` naming what is wrong."""
    text = str(text).strip()
    parts = None
    if " to " in text:
        parts = text.split(" to ")
    elif m := re.fullmatch(rf"{_YEAR}-{_YEAR}", text):
        parts = [m[1], m[2]]
    elif m := re.fullmatch(r"(\d{4}/\d{2})-(\d{4}/\d{2})", text):
        parts = [m[1], m[2]]
    if parts is None:
        unit = _unit(text)
        if unit is None:
            raise ValueError(f"{text!r} is not a period: write a year (2012), a financial year (2012/13), a month "
                             "(2013-01), or a span (2019-2022, 2019/20-2023/24, 2011-04 to 2012-02)")
        return unit
    if len(parts) != 2:
        raise ValueError(f"{text!r}: a span joins two periods with one 'to'")
    ends = [_unit(p.strip()) for p in parts]
    if any(e is None for e in ends):
        raise ValueError(f"{text!r}: each end of a span must be a year, a financial year or a month")
    first, last = ends[0][0], ends[1][1]
    if last < first:
        raise ValueError(f"{text!r}: the span ends before it starts")
    return first, last


def _period(text: str) -> str:
    period_months(text)
    return str(text).strip()


Period = Annotated[str, AfterValidator(_period)]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


# --- reference files ---------------------------------------------------------------------------

@cache
def reference_file(name: str) -> dict:
    """A reference file of published figures (``sim/reference/NAME.yaml``), parsed."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"{name!r} is not the name of a reference file")
    path = resources.files("sim").joinpath(f"reference/{name}.yaml")
    if not path.is_file():
        raise ValueError(f"no reference file sim/reference/{name}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def reference_entry(key: str) -> dict:
    """The entry ``NAME:section.entry`` of a reference file (sections may nest: ``a.b.c``)."""
    name, sep, path = key.partition(":")
    if not sep or not path:
        raise ValueError(f"{key!r}: write a reference as FILE:section.entry, e.g. england:operations.ae_4h_type1")
    node = reference_file(name)
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"{key!r}: no entry {part!r} in sim/reference/{name}.yaml")
        node = node[part]
    if not isinstance(node, dict) or "value" not in node:
        raise ValueError(f"{key!r}: not a figure (an entry with a value)")
    return node


def _number(entry: dict, key: str, field: str) -> float:
    try:
        value = float(entry[field])
    except (TypeError, ValueError):
        raise ValueError(f"{key!r}: its {field} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{key!r}: its {field} is not finite")
    return value


# --- targets -----------------------------------------------------------------------------------

class TargetConfig(Strict):
    """One published figure a simulated KPI is judged against."""

    value: Finite | None = Field(None, description="the published (or best estimated) figure")
    range: tuple[Finite, Finite] | None = Field(None, description="the plausible range [low, high]; met if the "
                                                                    "simulated mean is inside it")
    source: str | None = Field(None, min_length=3, description="where the figure was published")
    period: Period | None = Field(None, description="when the published figure was measured")
    reference: str | None = Field(None, description='an entry of a reference file, "NAME:section.entry", '
                                                     "that supplies value, range, source and period")
    per: str | None = Field(None, description="a reference entry whose value divides the referenced figure")
    estimate: str | None = Field(None, description="how the figure was derived when it was not published")
    required: bool = Field(True, description="false: reported, but a miss does not fail the footprint")
    note: str = ""

    @model_validator(mode="after")
    def _resolve(self):
        if self.reference is not None:
            value, low, high, source, period, estimate = _resolved(self.reference, self.per)
            # a target written out again from a resolved one (a dumped config) must agree with its reference
            for field, given, resolved in (("value", self.value, value), ("range", self.range, (low, high)),
                                           ("source", self.source, source), ("period", self.period, period)):
                if given is not None and not _same(given, resolved):
                    raise ValueError(f"{field}: {given!r} differs from the reference {self.reference!r} "
                                     f"({resolved!r}); give either reference or {field}")
            self.value, self.range, self.source, self.period = value, (low, high), source, period
            if estimate and self.estimate is None:
                self.estimate = estimate
        elif self.per is not None:
            raise ValueError("per: only a referenced figure can be divided")
        missing = [f for f in ("value", "range", "source", "period") if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a target needs {', '.join(missing)} (or a reference that gives them)")
        low, high = self.range
        if low > high:
            raise ValueError(f"range: low {low:g} is above high {high:g}")
        if not low <= self.value <= high:
            raise ValueError(f"value {self.value:g} is outside its own range [{low:g}, {high:g}]")
        return self


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _resolved(key: str, per: str | None) -> tuple[float, float, float, str, str, str | None]:
    """Value, low, high, source, period and estimate of a reference entry (divided by ``per``)."""
    entry = reference_entry(key)
    value = _number(entry, key, "value")
    bounds = entry.get("range", [value, value])
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        raise ValueError(f"{key!r}: its range is not [low, high]")
    low, high = _number({"low": bounds[0]}, key, "low"), _number({"high": bounds[1]}, key, "high")
    source = str(entry.get("source", "")).strip()
    if len(source) < 3:
        raise ValueError(f"{key!r}: the reference entry has no source")
    period = entry.get("period", entry.get("year"))
    if period is None:
        raise ValueError(f"{key!r}: the reference entry has no period (or year)")
    try:
        period = _period(str(period))
    except ValueError as exc:
        raise ValueError(f"{key!r}: {exc}") from None
    if per is not None:
        other = reference_entry(per)
        denominator = _number(other, per, "value")
        if denominator == 0:
            raise ValueError(f"per: {per!r} is zero")
        value, low, high = value / denominator, low / denominator, high / denominator
        source = f"derived: {source} / {other.get('source', per)}"
    estimate = entry.get("estimate")
    return value, low, high, source, period, (str(estimate) if estimate else None)


Targets = dict[str, TargetConfig]


class TrustTargetsConfig(Strict):
    """Targets for several sites judged together (a trust's published figures)."""

    sites: list[str] = Field(min_length=1)
    targets: Targets = Field(min_length=1)


class CalibrationConfig(Strict):
    """The published figures a footprint is calibrated to, by footprint, site, trust and locality."""

    period: Period | None = Field(None, description="the simulated months compared with the targets "
                                                     "(default: the whole reported run)")
    replications: int = Field(4, ge=1, le=100, description="runs of `icsim calibrate` by default")
    seed: int | None = Field(None, ge=0, description="first seed of `icsim calibrate` (default: run.seed)")
    footprint: Targets = Field(default_factory=dict)
    sites: dict[str, Targets] = Field(default_factory=dict)
    trusts: dict[str, TrustTargetsConfig] = Field(default_factory=dict)
    localities: dict[str, Targets] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_kpis(self):
        problems = []

        def check(where: str, targets: Targets, known: tuple[str, ...], what: str):
            for kpi in targets:
                if kpi not in known:
                    problems.append(f"calibration.{where}.{kpi}: not a KPI icsim measures {what}")

        check("footprint", self.footprint, FOOTPRINT_KPIS, "for a footprint (sim/kpi_names.py)")
        for site, targets in self.sites.items():
            check(f"sites.{site}", targets, SITE_KPIS, "at a site (sim/kpi_names.py, SITE_KPIS)")
        for trust, group in self.trusts.items():
            check(f"trusts.{trust}.targets", group.targets, SITE_KPIS, "at a site (sim/kpi_names.py, SITE_KPIS)")
        for locality, targets in self.localities.items():
            check(f"localities.{locality}", targets, LOCALITY_KPIS, "for a locality (sim/kpi_names.py, LOCALITY_KPIS)")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def check_places(self, sites: set[str], localities: set[str]) -> list[str]:
        """Problems with the places named (each naming its field): sites and localities the
        footprint does not have."""
        problems = [f"calibration.sites.{s}: not a site of this config" for s in self.sites if s not in sites]
        for trust, group in self.trusts.items():
            problems += [f"calibration.trusts.{trust}.sites: {s!r} is not a site of this config"
                         for s in group.sites if s not in sites]
        problems += [f"calibration.localities.{loc}: not a locality of this config"
                     for loc in self.localities if loc not in localities]
        return problems

    def count(self) -> int:
        return (len(self.footprint) + sum(len(t) for t in self.sites.values())
                + sum(len(g.targets) for g in self.trusts.values()) + sum(len(t) for t in self.localities.values()))
