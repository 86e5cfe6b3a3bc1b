"""Does a verdict survive its assumptions? Each assumption at the ends of its plausible range.

An experiment names the parameters its verdict leans on that the project marks as assumptions
(``assumptions:`` in its file: a config path with the low and high ends of its plausible range and
why). For each, every scenario is run again with the parameter at its low end and at its high end
(one at a time, the others as configured; a scenario that sets the parameter itself keeps its own
value), the questions are judged again, and the report says for each question whether its answer
holds. Margins are assumptions too: the same evidence is judged again with each margin at the ends
of its range, which needs no new runs.

Where an answer changes between two levels, the level at which it changes is estimated by linear
interpolation of the interval's decisive bound between the runs: "flips near 0.08".
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from experiments.verdicts import Answer


class AssumptionSpec(BaseModel):
    """A parameter a verdict leans on, at the ends of its plausible range."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    path: str = Field(min_length=1, description="dotted config path, e.g. community.deterioration_probability_unsuitable")
    low: float
    high: float
    why: str = Field(min_length=1, description="where the range comes from (a reference entry or the reason)")
    scenarios: list[str] | None = Field(None, description="the scenarios to run at the ends (default: every one); "
                                                          "questions about others are not tried")

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError("low must be below high")
        return self


def patch(path: str, value: Any) -> dict:
    """The YAML patch that sets one dotted path: ``patch("a.b", 1) == {"a": {"b": 1}}``."""
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def sets(overrides: dict, path: str) -> bool:
    """Does a scenario's patch set this path (or a mapping above it to a value)?"""
    node: Any = overrides
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def value_at(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[part]
    return node


def flip_point(x0: float, bound0: float, x1: float, bound1: float, margin: float) -> float:
    """Where a linearly interpolated bound crosses ``margin`` between (x0, bound0) and (x1, bound1)."""
    if not all(math.isfinite(v) for v in (x0, bound0, x1, bound1, margin)) or bound0 == bound1:
        return math.nan
    t = (margin - bound0) / (bound1 - bound0)
    return x0 + t * (x1 - x0) if 0.0 <= t <= 1.0 else math.nan


def holds(main: Answer, other: Answer) -> str:
    """How an answer under a changed assumption compares with the main answer."""
    if other == main:
        return "holds"
    if other == Answer.INCONCLUSIVE:
        return "inconclusive there"
    return f"changes to {other.value}"
