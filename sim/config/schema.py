"""Building blocks shared by every configuration model: strict models, bounded numbers and safe names.

Every number a config gives must be finite (``.inf`` and ``.nan`` are refused wherever a number
is read) and within bounds a real health system could have: the bounds are listed, with their
reasons, in docs/parameters.md ("Bounds"). They are wide, and exist so that a typing slip
(``1e30`` beds, a population of 4.6e15) is refused naming the field instead of running for hours,
running out of memory or crashing after the simulation.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Rate = Annotated[float, Field(ge=-0.5, le=0.5)]

# Bounds shared by several sections (docs/parameters.md, "Bounds").
MAX_MONEY = 1e12  # pounds: over five times NHS England's whole budget
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
MAX_SEED = 2**32 - 1  # numpy's and Mesa's seeds are usually 32-bit; sweeps store seeds as int64
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
MAX_MULTIPLIER = 1000.0  # a multiplier, odds ratio or relative weight: beyond this it is a slip
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER)]
MAX_NAME_LENGTH = 100

# A name becomes a folder (``results/NAME-seedN``, ``results/experiments/NAME``): one plain path
# component, never a way out of ``results/`` (``../x``, ``/etc``) or a hidden folder.
_SAFE_NAME = re.compile(r"[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*")


def _single_path_component(name: str) -> str:
    if not _SAFE_NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"must be a plain folder name of 1 to {MAX_NAME_LENGTH} characters, without '/' or '\\' "
                         f"and not starting with '.' (it names the results folder), such as fewer_beds; not {name!r}")
    return name


SafeName = Annotated[str, AfterValidator(_single_path_component)]


class Strict(BaseModel):
    """A config section that refuses unknown keys (a misspelt setting is an error, not ignored)
    and numbers that are not finite (``.inf``, ``.nan``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)
