"""Named probability distributions, built from configuration.

Every duration in an icsim config names its distribution (``{dist: lognormal, mean: 4, sd: 3}``)
so that a component can be checked against queueing theory (exponential service gives Erlang C)
and so that a reader of the config sees the assumption, not just a number.

Each distribution is a small pydantic model with three methods:

- ``mean()``: the theoretical mean, used by tests and by capacity planning;
- ``sample(rng, size)``: draws with a numpy ``Generator``;
- ``ppf(u)``: the inverse CDF, vectorised, so a patient's durations can be fixed at arrival from
  uniforms drawn on the patient's own stream (common random numbers across scenarios).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sample(self, rng: np.random.Generator, size: int | None = None):
        """Draw ``size`` values (a float when size is None)."""
        u = rng.random(size)
        return self.ppf(u)

    def ppf(self, u):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class Exponential(_Dist):
    """Memoryless durations: the M in M/M/c."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    def ppf(self, u):
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    def mean(self) -> float:
        return self.mean_


class Lognormal(_Dist):
    """Right-skewed durations such as length of stay, given by their mean and standard deviation."""

    dist: Literal["lognormal"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    @property
    def _mu_sigma(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def ppf(self, u):
        mu, sigma = self._mu_sigma
        return np.exp(mu + sigma * special.ndtri(np.asarray(u, dtype=float)))

    def mean(self) -> float:
        return self.mean_


class Gamma(_Dist):
    """Gamma durations given by mean and standard deviation (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    def ppf(self, u):
        shape = (self.mean_ / self.sd) ** 2
        scale = self.sd**2 / self.mean_
        return special.gammaincinv(shape, np.asarray(u, dtype=float)) * scale

    def mean(self) -> float:
        return self.mean_


class Fixed(_Dist):
    """A deterministic duration (the D in M/D/1)."""

    dist: Literal["fixed"]
    value: float = Field(ge=0)

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        return np.full(u.shape, self.value) if u.shape else self.value

    def mean(self) -> float:
        return self.value


class Uniform(_Dist):
    """Equally likely durations between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """A discrete distribution over observed values, optionally weighted."""

    dist: Literal["empirical"]
    values: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Values in ascending order with their cumulative probabilities (the CDF's steps)."""
        v = np.asarray(self.values, dtype=float)
        w = np.ones(len(v)) if self.weights is None else np.asarray(self.weights, float)
        order = np.argsort(v, kind="stable")
        return v[order], np.cumsum(w[order] / w.sum())

    def ppf(self, u):
        values, cdf = self._sorted()
        idx = np.searchsorted(cdf, np.asarray(u, dtype=float), side="right")
        out = values[np.minimum(idx, len(values) - 1)]
        return out if np.ndim(out) else float(out)

    def mean(self) -> float:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return float(np.dot(self.values, w / w.sum()))


Distribution = Annotated[
    Exponential | Lognormal | Gamma | Fixed | Uniform | Empirical,
    Field(discriminator="dist"),
]
