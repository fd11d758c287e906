"""Time distributions: small frozen objects with ``sample``, ``ppf`` and analytic moments.

Every distribution is sampled by inverse transform (``ppf`` of a uniform), so a request's work
content can be drawn once at arrival as uniforms and turned into a duration by whichever team does
the work: every setup then sees the same world (common random numbers).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

FloatArray = np.ndarray


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        """Analytic mean."""
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        """Analytic variance."""
        raise NotImplementedError

    def ppf(self, u: FloatArray | float) -> FloatArray:  # pragma: no cover - overridden
        """Quantile function: the value below which a fraction ``u`` of draws fall."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] = 1) -> FloatArray:
        """Draw ``size`` values with ``rng`` by inverse transform."""
        return self.ppf(rng.random(size))


class _MeanCV(_Distribution):
    """A family given by its mean and coefficient of variation (std / mean)."""

    mean_: float = Field(gt=0, alias="mean", description="mean, in days")
    cv: float = Field(gt=0, le=10, description="coefficient of variation (std / mean)")

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_) ** 2


class LogNormal(_MeanCV):
    """Log-normal given by its mean and coefficient of variation (std / mean)."""

    dist: Literal["lognormal"] = "lognormal"

    def ppf(self, u: FloatArray | float) -> FloatArray:
        sigma = math.sqrt(math.log1p(self.cv**2))
        mu = math.log(self.mean_) - 0.5 * sigma**2
        from scipy import special  # here, not at import: validating a scenario needs no scipy

        return np.exp(mu + sigma * special.ndtri(np.asarray(u, dtype=float)))


class Exponential(_Distribution):
    """Exponential given by its mean."""

    dist: Literal["exponential"] = "exponential"
    mean_: float = Field(gt=0, alias="mean", description="mean, in days")

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def ppf(self, u: FloatArray | float) -> FloatArray:
        return -self.mean_ * np.log1p(-np.asarray(u, dtype=float))


class Gamma(_MeanCV):
    """Gamma given by its mean and coefficient of variation."""

    dist: Literal["gamma"] = "gamma"

    def ppf(self, u: FloatArray | float) -> FloatArray:
        shape = 1.0 / self.cv**2
        from scipy import stats

        return np.asarray(stats.gamma.ppf(u, shape, scale=self.mean_ / shape), dtype=float)


class Deterministic(_Distribution):
    """A constant duration."""

    dist: Literal["deterministic"] = "deterministic"
    value: float = Field(ge=0, description="the duration, in days")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def ppf(self, u: FloatArray | float) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=float)


Distribution = Annotated[
    LogNormal | Exponential | Gamma | Deterministic, Field(discriminator="dist")
]
