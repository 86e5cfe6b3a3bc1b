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

# A duration is given in the unit its field names (minutes, hours, days): a million of any of
# them is beyond anything a health system waits or stays (docs/parameters.md, "Bounds").
MAX_DURATION = 1e6
Duration = Annotated[float, Field(ge=0, le=MAX_DURATION)]
PositiveDuration = Annotated[float, Field(gt=0, le=MAX_DURATION)]
# Quantiles at which a distribution must give finite durations: the lowest and highest uniforms
# numpy draws (0 and 1 - 2**-53) and the median.
_PROBES = np.array([0.0, 0.5, 1.0 - 2.0**-53])


class _Dist(BaseModel):
    """A distribution's parameters: finite numbers (``.inf`` and ``.nan`` refused) that give
    finite, non-negative durations at every quantile a run can draw."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _finite_durations(self):
        self._check()
        with np.errstate(all="ignore"):
            try:
                values = np.append(np.asarray(self.ppf(_PROBES), dtype=float), self.mean())
            except (ArithmeticError, ValueError):
                values = np.array([np.nan])
        if not (np.isfinite(values).all() and (values >= 0).all()):
            raise ValueError("these parameters give durations that are not finite numbers "
                             "(is the sd many orders of magnitude from the mean?)")
        return self

    def _check(self) -> None:
        """Raise ``ValueError`` if the parameters do not fit together (before they are used)."""

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
    mean_: PositiveDuration = Field(alias="mean")

    def ppf(self, u):
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))

    def mean(self) -> float:
        return self.mean_


class Lognormal(_Dist):
    """Right-skewed durations such as length of stay, given by their mean and standard deviation."""

    dist: Literal["lognormal"]
    mean_: PositiveDuration = Field(alias="mean")
    sd: PositiveDuration

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
    mean_: PositiveDuration = Field(alias="mean")
    sd: PositiveDuration

    def ppf(self, u):
        shape = (self.mean_ / self.sd) ** 2
        scale = self.sd**2 / self.mean_
        return special.gammaincinv(shape, np.asarray(u, dtype=float)) * scale

    def mean(self) -> float:
        return self.mean_


class Fixed(_Dist):
    """A deterministic duration (the D in M/D/1)."""

    dist: Literal["fixed"]
    value: Duration

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        return np.full(u.shape, self.value) if u.shape else self.value

    def mean(self) -> float:
        return self.value


class Uniform(_Dist):
    """Equally likely durations between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Duration
    high: Duration

    def _check(self) -> None:
        if self.high < self.low:
            raise ValueError("high must be >= low")

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u, dtype=float)

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """A discrete distribution over observed values, optionally weighted."""

    dist: Literal["empirical"]
    values: list[Duration] = Field(min_length=1, max_length=100_000)
    weights: list[Annotated[float, Field(ge=0, le=1e12)]] | None = Field(None, max_length=100_000)

    def _check(self) -> None:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")

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
