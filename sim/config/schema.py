"""Building blocks shared by every configuration model: strict models and bounded numbers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Money = Annotated[float, Field(ge=0)]
Rate = Annotated[float, Field(ge=-0.5, le=0.5)]


class Strict(BaseModel):
    """A config section that refuses unknown keys (a misspelt setting is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
