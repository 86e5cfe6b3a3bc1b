"""An experiment: a base config, scenarios that patch it, and the questions that test a claim.

    name: forty_percent
    claim: "40% of acute patients could be cared for out of hospital, cheaper"
    base: ../configs/baseline.yaml       # relative to this file
    baseline: baseline                   # the scenario the others are compared with
    replications: {start: 3, max: 20}    # by precision (or a number: exactly that many)
    months: 12
    seed: 1000                           # replication k of every scenario uses seed + k
    kpis: [bed_occupancy_midnight, ae_4h_type1, cost_per_head]       # tabulated in the report
    questions:                           # what the verdict is made of (experiments/questions.py)
      - ask: Does diverting 40% free acute beds?
        kpis: [bed_occupancy_midnight]
        scenarios: [divert_40]
        expect: better
    assumptions:                         # what the robustness section varies (experiments/robustness.py)
      - {path: community.selection_specificity, low: 0.6, high: 0.9, why: "..."}
    scenarios:
      baseline: {description: "as configured"}
      divert_40: {description: "...", overrides: {community: {admission_diversion_share: 0.4}}}

Every scenario is validated as a full icsim config when the experiment is loaded, and every
question and assumption is checked against the scenarios, the KPIs and the margins the project
carries, so a bad patch, KPI or margin is reported (naming the field) before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from experiments.findings import FINDINGS
from experiments.questions import Asked, QuestionSpec, expand
from experiments.robustness import AssumptionSpec, patch, sets, value_at
from sim.config import Config, ConfigError, deep_merge, load_raw, read_yaml, validate, validate_as
from sim.config.schema import MAX_SEED, SafeName
from sim.journeys import COLUMNS
from sim.kpis import NO_GP_REQUESTS, measure

FINANCE_KPIS = ("cost_per_head", "acute_spending", "community_spending", "primary_care_spending",
                "social_care_spending", "icb_surplus", "trusts_surplus", "council_surplus", "system_surplus",
                "trust_staff_in_post", "beds_open", "harm_events", "redundancy_costs", "mental_health_spending",
                "mh_out_of_area_spending", "mental_health_trust_surplus")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)
    seed_offset: int = Field(0, ge=0, le=10**6, description=(
        "replication k of this scenario uses seed + seed_offset + k: other patients than the other scenarios "
        "meet. Only for checking the engine with a null scenario (the same config, independent numbers); "
        "0 keeps common random numbers"))


class Replications(BaseModel):
    """Replications by precision: start with ``start``, add more until every question's 95%
    interval is within half its margin, or ``max`` is reached."""

    model_config = ConfigDict(extra="forbid")
    start: int = Field(3, ge=2, le=1000)
    max: int = Field(20, ge=2, le=1000)

    @model_validator(mode="after")
    def _ordered(self):
        if self.max < self.start:
            raise ValueError("max must be at least start")
        return self


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: SafeName
    claim: str = Field(min_length=1)
    base: str = Field(min_length=1)
    baseline: str = "baseline"
    replications: int | Replications = Field(
        default_factory=Replications, description="a number (exactly that many) or {start, max} (by precision)")
    months: int = Field(12, ge=1, le=240)
    seed: int = Field(1000, ge=0, le=MAX_SEED - 10**6 - 1000)  # replication k runs with seed + k
    kpis: list[str] = Field(min_length=1, max_length=200)
    questions: list[QuestionSpec] = Field(default_factory=list, max_length=100)
    assumptions: list[AssumptionSpec] = Field(default_factory=list, max_length=20)
    robustness_replications: int = Field(3, ge=2, le=100, description="replications of each robustness run")
    findings: list[str] = Field(default_factory=list, description="registered findings (experiments/findings.py)")
    scenarios: dict[str, Scenario] = Field(min_length=1, max_length=100)

    @field_validator("replications")
    @classmethod
    def _at_least_two(cls, value):
        if isinstance(value, int) and not 2 <= value <= 1000:
            raise ValueError("replications: a number from 2 (an interval needs two) to 1000, or {start, max}")
        return value

    @field_validator("findings")
    @classmethod
    def _registered(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in FINDINGS]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} not a finding icsim has; the findings are: "
                             f"{', '.join(sorted(FINDINGS))}")
        return names

    @property
    def start_replications(self) -> int:
        return self.replications if isinstance(self.replications, int) else self.replications.start

    @property
    def most_replications(self) -> int:
        return self.replications if isinstance(self.replications, int) else self.replications.max

    @property
    def fixed_replications(self) -> bool:
        return isinstance(self.replications, int)

    @model_validator(mode="after")
    def _baseline_named(self):
        if self.baseline not in self.scenarios:
            raise ValueError(f"baseline: {self.baseline!r} is not one of the scenarios {sorted(self.scenarios)}")
        return self


class LoadedExperiment:
    """An experiment with its base config's data and every scenario's validated config."""

    def __init__(self, spec: Experiment, source: Path, base_data: dict, configs: dict[str, Config],
                 asked: list[Asked]):
        self.spec = spec
        self.source = source
        self.base_data = base_data
        self.configs = configs
        self.asked = asked

    def seed(self, scenario: str, replication: int) -> int:
        """The seed of a scenario's replication: the same for every scenario (common random numbers)
        unless the scenario asks for other numbers (``seed_offset``)."""
        return self.spec.seed + self.spec.scenarios[scenario].seed_offset + replication

    def scenario_data_with(self, name: str, path: str, value) -> dict | None:
        """A scenario's config with one more setting changed (a robustness run), or None when the
        scenario sets that setting itself (it then keeps its own value)."""
        if sets(self.spec.scenarios[name].overrides, path):
            return None
        data = self.scenario_data(name)
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
        return validate(data, str(self.source)).model_dump(by_alias=True)

    def scenario_data(self, name: str) -> dict:
        """The full config of a scenario as plain Python data (what a worker process receives)."""
        return self.configs[name].model_dump(by_alias=True)


def known_kpis() -> set[str]:
    """Names an experiment may judge by: every KPI of ``sim.kpis.measure`` and the finance KPIs."""
    j = pd.DataFrame({c: pd.Series(dtype=d) for c, (d, _) in COLUMNS.items()})
    j["readmitted"] = pd.Series(dtype=bool)
    census = pd.DataFrame({"service": ["acute_beds", "virtual_ward", "urgent_community_response", "intermediate_care",
                                       "reablement", "home_care", "care_homes", "ambulances"],
                           "day": 0, "occupied": 1, "capacity": 1, "queue": 0, "delayed": 0, "long_stay": 0})
    return set(measure(j, NO_GP_REQUESTS, census, 1.0, 1.0, 0.0)) | set(FINANCE_KPIS)


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
    configs: dict[str, Config] = {}
    for name, scenario in spec.scenarios.items():
        merged = deep_merge(base_data, scenario.overrides)
        merged.setdefault("run", {})
        try:
            configs[name] = validate(merged, str(path))
        except ConfigError as exc:
            problems += [f"scenarios.{name}.overrides: {p}" for p in exc.problems]
    asked: list[Asked] = []
    try:
        asked = expand(spec.questions, list(spec.scenarios), spec.baseline, known_kpis())
    except ValueError as exc:
        problems.append(str(exc))
    for i, assumption in enumerate(spec.assumptions):
        unknown = [s for s in assumption.scenarios or [] if s not in spec.scenarios]
        if unknown:
            problems.append(f"assumptions[{i}].scenarios: {', '.join(map(repr, unknown))} not among the scenarios")
        for name, cfg in configs.items():
            try:
                value_at(cfg.model_dump(by_alias=True), assumption.path)
            except (KeyError, TypeError):
                problems.append(f"assumptions[{i}].path: {assumption.path!r} is not a setting of the config")
                break
            for end in ("low", "high"):
                data = deep_merge(deep_merge(base_data, spec.scenarios[name].overrides),
                                  patch(assumption.path, getattr(assumption, end)))
                try:
                    validate(data, str(path))
                except ConfigError as exc:
                    problems += [f"assumptions[{i}].{end}: {p}" for p in exc.problems]
            break
    if problems:
        raise ConfigError(str(path), problems)
    return LoadedExperiment(spec, path, base_data, configs, asked)

