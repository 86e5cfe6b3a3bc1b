"""A parameter sweep: a base config, the config paths to vary with their ranges, a design,
replications and the KPIs to keep.

    name: community_levers
    base: ../configs/baseline.yaml          # relative to this file
    design: sobol                           # grid | latin_hypercube | sobol | morris
    samples: 32                             # see below
    replications: 2                         # replication k of every point uses seed + k
    seed: 3000
    months: 12
    kpis: [ae_4h_type1, bed_occupancy_midnight, cost_per_head]
    parameters:
      community.admission_diversion_share: {low: 0.0, high: 0.4}
      social_care.home_care_packages: {low: 5000, high: 9000, integer: true}
      sites.city_royal.beds: {values: [700, 780, 860]}     # grid only: explicit levels

``samples`` means: Latin hypercube, the number of points; Sobol, the base sample N (the design
has N x (D + 2) points for D parameters; a power of two keeps the sequence balanced); Morris, the
number of trajectories (N x (D + 1) points). A grid takes ``values``, or ``levels`` evenly spaced
points from ``low`` to ``high`` (default 3), and ignores ``samples``.

Everything that can be checked before a run starts is checked when the sweep is loaded: every
path must name a setting of the base config (``sites.city_royl.beds`` is refused, naming the
known sites), every range must be non-empty, and the base config patched with every parameter at
its low end, and then at its high end, must be a valid icsim config. A sweep that fails any check
is refused as a whole, one problem per line, before anything runs.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.config import known_kpis
from sim.config import ConfigError, deep_merge, load_raw, read_yaml, validate, validate_as
from sim.config.schema import MAX_SEED, SafeName

DESIGNS = ("grid", "latin_hypercube", "sobol", "morris")


class Parameter(BaseModel):
    """One config path to vary: a range (``low``, ``high``) or, for a grid, explicit ``values``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    low: float | None = None
    high: float | None = None
    values: list[Any] | None = Field(None, max_length=10_000)
    levels: int | None = Field(None, ge=2, le=1000, description="grid points from low to high")
    integer: bool = Field(False, description="round sampled values to whole numbers (beds, places, vehicles)")

    @model_validator(mode="after")
    def _a_range_or_values(self):
        if self.values is not None:
            if self.low is not None or self.high is not None or self.levels is not None:
                raise ValueError("give either values, or low and high, not both")
            if len(self.values) == 0:
                raise ValueError("values: the range is empty")
            return self
        if self.low is None or self.high is None:
            raise ValueError("give low and high (or, for a grid, values)")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if not self.low < self.high:
            raise ValueError(f"the range is empty: low ({self.low:g}) must be below high ({self.high:g})")
        if self.integer and math.floor(self.high) < math.ceil(self.low):
            raise ValueError(f"the range is empty: no whole number between {self.low:g} and {self.high:g}")
        return self

    def grid_values(self) -> list:
        """The levels a grid takes for this parameter."""
        if self.values is not None:
            return list(self.values)
        n = self.levels or 3
        step = (self.high - self.low) / (n - 1)
        points = [self.low + i * step for i in range(n)]
        return list(dict.fromkeys(round(p) for p in points)) if self.integer else points

    def value(self, x: float):
        """A sampled number as the config takes it (rounded for a whole-number parameter)."""
        return int(round(x)) if self.integer else float(x)


class Sweep(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: SafeName
    description: str = ""
    base: str = Field(min_length=1)
    design: Literal["grid", "latin_hypercube", "sobol", "morris"] = "grid"
    samples: int | None = Field(None, ge=1, le=1_000_000)
    morris_levels: int = Field(4, ge=2, le=20, description="levels of the Morris grid (even numbers are usual)")
    replications: int = Field(1, ge=1, le=1000)
    seed: int = Field(0, ge=0, le=MAX_SEED - 1000)  # replication k runs with seed + k
    months: int = Field(12, ge=1, le=240)
    kpis: list[str] = Field(min_length=1, max_length=200)
    parameters: dict[str, Parameter] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _design_needs(self):
        if self.design != "grid":
            if self.samples is None:
                raise ValueError(f"samples: a {self.design} design needs a number of samples")
            explicit = [p for p, spec in self.parameters.items() if spec.values is not None]
            if explicit:
                raise ValueError(f"parameters: a {self.design} design samples ranges; "
                                 f"{', '.join(explicit)} give values (use low and high)")
        if self.design in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"parameters: a {self.design} design needs at least two parameters")
        return self


def patch_for(path: str, value) -> dict:
    """``sites.city_royal.beds`` and 700 as a config patch ``{sites: {city_royal: {beds: 700}}}``."""
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def check_path(path: str, data: dict) -> str | None:
    """Why ``path`` does not name a single setting of the validated config ``data`` (None if it does)."""
    node: Any = data
    walked = []
    for part in path.split("."):
        if not isinstance(node, dict):
            return f"{'.'.join(walked)} is a single setting; it has no {part!r}"
        if part not in node:
            where = ".".join(walked) or "the config"
            known = ", ".join(sorted(map(str, node))[:20])
            return f"unknown config path: {where} has no {part!r} (it has: {known})"
        node = node[part]
        walked.append(part)
    if isinstance(node, dict | list):
        return f"{path} is a group of settings, not one value; name one of its settings"
    return None


class LoadedSweep:
    """A sweep with its base config's data (``extends:`` applied) and the base config's defaults."""

    def __init__(self, spec: Sweep, source: Path, base_data: dict):
        self.spec = spec
        self.source = source
        self.base_data = base_data

    def config_data(self, values: dict[str, Any]) -> dict:
        return point_config(self.base_data, values)


def point_config(base_data: dict, values: dict[str, Any]) -> dict:
    """The base config patched with one point's values (plain data, before validation)."""
    data = base_data
    for path, value in values.items():
        data = deep_merge(data, patch_for(path, value))
    return data


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and check a sweep; raise ``ConfigError`` naming every problem before anything runs."""

    path = Path(path).resolve()
    data = read_yaml(path)
    spec = validate_as(Sweep, data, str(path))
    problems = [f"kpis: unknown KPI {k!r}" for k in spec.kpis if k not in known_kpis()]
    try:
        base_data = load_raw((path.parent / spec.base).resolve())
        defaults = validate(base_data, spec.base).model_dump(mode="json", by_alias=True)
    except ConfigError as exc:
        raise ConfigError(str(path), [f"base: {p}" for p in exc.problems]) from None
    for name in spec.parameters:
        why = check_path(name, defaults)
        if why:
            problems.append(f"parameters.{name}: {why}")
    if problems:
        raise ConfigError(str(path), problems)
    # the sweep's months go into every run's config, so a run's key (config digest and seed)
    # covers how long it ran
    sweep = LoadedSweep(spec, path, deep_merge(base_data, {"run": {"months": spec.months}}))
    for end in ("low", "high"):
        values = {name: (p.grid_values()[0 if end == "low" else -1] if p.values is not None
                         else p.value(p.low if end == "low" else p.high))
                  for name, p in spec.parameters.items()}
        try:
            validate(sweep.config_data(values), str(path))
        except ConfigError as exc:
            problems += [f"parameters (every parameter at its {end} end): {p}" for p in exc.problems]
    if problems:
        raise ConfigError(str(path), problems)
    return sweep
