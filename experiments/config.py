"""An experiment: a base config, scenarios that patch it, replications, and the KPIs that judge.

    name: forty_percent
    claim: "40% of acute patients could be cared for out of hospital, cheaper"
    base: ../configs/baseline.yaml       # relative to this file
    baseline: baseline                   # the scenario the others are compared with
    replications: 10                     # replication k of every scenario uses seed + k
    months: 12
    seed: 1000
    kpis: [bed_occupancy_midnight, ae_4h_type1, cost_per_head]
    scenarios:
      baseline: {description: "as configured"}
      divert_40: {description: "...", overrides: {community: {admission_diversion_share: 0.4}}}

Every scenario is validated as a full icsim config when the experiment is loaded, so a bad patch
is reported (naming the scenario and the field) before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from experiments.registry import CLAIMS
from sim.config import Config, ConfigError, deep_merge, load_raw, read_yaml, validate, validate_as
from sim.config.schema import MAX_SEED, SafeName
from sim.journeys import COLUMNS
from sim.kpis import measure

FINANCE_KPIS = ("cost_per_head", "acute_spending", "community_spending", "primary_care_spending",
                "social_care_spending", "icb_surplus", "trusts_surplus", "council_surplus", "system_surplus",
                "trust_staff_in_post", "beds_open", "harm_events", "redundancy_costs")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: SafeName
    claim: str = Field(min_length=1)
    base: str = Field(min_length=1)
    baseline: str = "baseline"
    replications: int = Field(10, ge=2, le=1000)
    months: int = Field(12, ge=1, le=240)
    seed: int = Field(1000, ge=0, le=MAX_SEED - 1000)  # replication k runs with seed + k
    kpis: list[str] = Field(min_length=1, max_length=200)
    scenarios: dict[str, Scenario] = Field(min_length=1, max_length=100)
    verdict: str | None = Field(None, description="the claim that judges the results: one of experiments.registry")

    @field_validator("verdict")
    @classmethod
    def _a_known_claim(cls, name: str | None) -> str | None:
        if name is None:
            return None
        claim = name.removeprefix("experiments.")  # the spelling of earlier experiment files
        if claim not in CLAIMS:
            raise ValueError(f"{name!r} is not a claim icsim can judge; the claims are: {', '.join(sorted(CLAIMS))}")
        return claim

    @model_validator(mode="after")
    def _baseline_named(self):
        if self.baseline not in self.scenarios:
            raise ValueError(f"baseline: {self.baseline!r} is not one of the scenarios {sorted(self.scenarios)}")
        return self


class LoadedExperiment:
    """An experiment with its base config's data and every scenario's validated config."""

    def __init__(self, spec: Experiment, source: Path, base_data: dict, configs: dict[str, Config]):
        self.spec = spec
        self.source = source
        self.base_data = base_data
        self.configs = configs

    def scenario_data(self, name: str) -> dict:
        """The full config of a scenario as plain Python data (what a worker process receives)."""
        return self.configs[name].model_dump(by_alias=True)


def known_kpis() -> set[str]:
    """Names an experiment may judge by: every KPI of ``sim.kpis.measure`` and the finance KPIs."""
    j = pd.DataFrame({c: pd.Series(dtype=d) for c, (d, _) in COLUMNS.items()})
    j["readmitted"] = pd.Series(dtype=bool)
    appts = pd.DataFrame({"served_day": [], "request_day": [], "outcome": []})
    census = pd.DataFrame({"service": ["acute_beds", "virtual_ward", "urgent_community_response", "intermediate_care",
                                       "reablement", "home_care", "care_homes", "ambulances"],
                           "day": 0, "occupied": 1, "capacity": 1, "queue": 0, "delayed": 0, "long_stay": 0})
    return set(measure(j, appts, census, 1.0, 1.0, 0.0)) | set(FINANCE_KPIS)


def load_experiment(path: str | Path) -> LoadedExperiment:
    path = Path(path).resolve()
    data = read_yaml(path)
    spec = validate_as(Experiment, data, str(path))
    problems = [f"kpis: unknown KPI {k!r}" for k in spec.kpis if k not in known_kpis()]
    base_path = (path.parent / spec.base).resolve()
    try:
        base_data = load_raw(base_path)
    except ConfigError as exc:
        raise ConfigError(str(path), [f"base: {p}" for p in exc.problems]) from None
    configs = {}
    for name, scenario in spec.scenarios.items():
        merged = deep_merge(base_data, scenario.overrides)
        merged.setdefault("run", {})
        try:
            configs[name] = validate(merged, str(path))
        except ConfigError as exc:
            problems += [f"scenarios.{name}.overrides: {p}" for p in exc.problems]
    if problems:
        raise ConfigError(str(path), problems)
    return LoadedExperiment(spec, path, base_data, configs)
