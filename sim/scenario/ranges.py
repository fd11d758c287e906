"""Ranges of uncertain scenario values: bounded distributions with a quantile function.

The ``uncertain:`` section of a scenario maps dotted paths to one of these. Every range has
finite bounds ``low`` and ``high`` (normal and log-normal are truncated to them), so any design
in the unit cube (quasi-random, Morris, Sobol) maps to values inside the bounds through
:meth:`Range.quantile`, and a one-at-a-time study can take each range's own quantiles.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = np.ndarray

MIN_MASS = 1e-9
"""Least probability a truncated distribution must keep between its bounds."""


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    low: float = Field(description="lowest value a draw can take")
    high: float = Field(description="highest value a draw can take")

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if not self.low < self.high:
            raise ValueError(f"low must be below high (got low {self.low}, high {self.high})")
        return self

    def quantile(self, u: FloatArray | float, low: float | None = None,
                 high: float | None = None) -> FloatArray:  # pragma: no cover - overridden
        """The value below which a share ``u`` of draws fall, on bounds ``low``..``high``.

        The bounds default to the range's own; an integer key passes bounds widened by half a
        unit so that each integer carries the probability of its own unit interval.
        """
        raise NotImplementedError

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Quantile function on the range's own bounds."""
        return self.quantile(u)

    def _bounds(self, low: float | None, high: float | None) -> tuple[float, float]:
        return (self.low if low is None else low), (self.high if high is None else high)


class Uniform(_Range):
    """Every value between low and high equally likely."""

    dist: Literal["uniform"] = "uniform"

    def quantile(self, u: FloatArray | float, low: float | None = None,
                 high: float | None = None) -> FloatArray:
        a, b = self._bounds(low, high)
        return a + np.asarray(u, dtype=float) * (b - a)


class Triangular(_Range):
    """Triangular between low and high, most likely at mode."""

    dist: Literal["triangular"] = "triangular"
    mode: float = Field(description="the most likely value, between low and high")

    @model_validator(mode="after")
    def _mode_inside(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode must lie between low and high (got {self.mode})")
        return self

    def quantile(self, u: FloatArray | float, low: float | None = None,
                 high: float | None = None) -> FloatArray:
        from scipy import stats  # here, not at import: validating a scenario needs no scipy

        a, b = self._bounds(low, high)
        c = (self.mode - a) / (b - a)
        return np.asarray(stats.triang.ppf(u, c, loc=a, scale=b - a), dtype=float)


class Beta(_Range):
    """Beta with shapes a and b, stretched onto low..high."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0, le=1000, description="first shape (alpha)")
    b: float = Field(gt=0, le=1000, description="second shape (beta)")

    def quantile(self, u: FloatArray | float, low: float | None = None,
                 high: float | None = None) -> FloatArray:
        from scipy import stats

        lo, hi = self._bounds(low, high)
        return np.asarray(stats.beta.ppf(u, self.a, self.b, loc=lo, scale=hi - lo), dtype=float)


class _Truncated(_Range):
    """A distribution on the real line (or the positive half) cut to ``low``..``high``."""

    def _cdf(self, x: float) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def _icdf(self, p: FloatArray) -> FloatArray:  # pragma: no cover - overridden
        raise NotImplementedError

    @model_validator(mode="after")
    def _keeps_mass(self) -> _Truncated:
        if self._cdf(self.high) - self._cdf(self.low) < MIN_MASS:
            raise ValueError("low..high holds almost none of the distribution: move the bounds "
                             "towards the mean")
        return self

    def quantile(self, u: FloatArray | float, low: float | None = None,
                 high: float | None = None) -> FloatArray:
        a, b = self._bounds(low, high)
        pa, pb = self._cdf(a), self._cdf(b)
        x = self._icdf(pa + np.asarray(u, dtype=float) * (pb - pa))
        return np.clip(x, a, b)  # rounding in the far tails must not step outside the bounds


def _phi(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


class Normal(_Truncated):
    """Normal with mean and sd, truncated to low..high."""

    dist: Literal["normal"] = "normal"
    mean: float = Field(description="mean before truncation")
    sd: float = Field(gt=0, description="standard deviation before truncation")

    def _cdf(self, x: float) -> float:
        return _phi((x - self.mean) / self.sd)

    def _icdf(self, p: FloatArray) -> FloatArray:
        from scipy import special

        return np.asarray(self.mean + self.sd * special.ndtri(p), dtype=float)


class LogNormal(_Truncated):
    """Log-normal with mean and cv (std / mean), truncated to low..high."""

    dist: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0, description="mean before truncation")
    cv: float = Field(gt=0, le=10, description="coefficient of variation before truncation")

    @model_validator(mode="after")
    def _positive_low(self) -> LogNormal:
        if self.low < 0:
            raise ValueError(f"low must be >= 0 for a log-normal (got {self.low})")
        return self

    def _log_params(self) -> tuple[float, float]:
        sigma = math.sqrt(math.log1p(self.cv**2))
        return math.log(self.mean) - 0.5 * sigma**2, sigma

    def _cdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        mu, sigma = self._log_params()
        return _phi((math.log(x) - mu) / sigma)

    def _icdf(self, p: FloatArray) -> FloatArray:
        from scipy import special

        mu, sigma = self._log_params()
        return np.asarray(np.exp(mu + sigma * special.ndtri(p)), dtype=float)


RANGES: tuple[type[_Range], ...] = (Uniform, Triangular, Normal, LogNormal, Beta)
RANGE_KINDS = ", ".join(str(r.model_fields["dist"].default) for r in RANGES)

Range = Annotated[Uniform | Triangular | Normal | LogNormal | Beta, Field(discriminator="dist")]
"""One uncertain value's range: ``{dist: uniform, low, high}`` and the other kinds above."""

__all__ = ["RANGES", "RANGE_KINDS", "Beta", "LogNormal", "Normal", "Range", "Triangular",
           "Uniform"]
