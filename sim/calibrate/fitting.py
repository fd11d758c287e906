"""Maximum-likelihood fits with 95% confidence intervals: durations, proportions.

Durations (production, review, hand-off, due-date lead) are fitted in each of our families
(log-normal, gamma: mean and coefficient of variation; exponential: mean), with right-censored
observations (a step still under way when the log ends) entering through the survival function.
The family is chosen by likelihood, penalised by AIC for the exponential's one parameter fewer.
Intervals come from the observed information (a numerical Hessian of the log-likelihood) on the
log scale, so they stay positive. Proportions get Wilson score intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

Z95 = float(stats.norm.ppf(0.975))
FAMILIES = ("lognormal", "gamma", "exponential")


@dataclass(frozen=True)
class Estimate:
    """A maximum-likelihood estimate and its 95% confidence interval."""

    value: float
    low: float
    high: float

    def covers(self, truth: float) -> bool:
        """Whether ``truth`` lies inside the interval."""
        return self.low <= truth <= self.high

    def text(self) -> str:
        """``value [low, high]`` to four significant digits, for a comment."""
        return f"{self.value:.4g} (95% CI {self.low:.4g} to {self.high:.4g})"


@dataclass(frozen=True)
class DurationFit:
    """The chosen family's estimates, and every family's AIC."""

    family: str
    mean: Estimate
    cv: Estimate | None  # None for the exponential
    n: int
    censored: int
    aic: dict[str, float]

    def block(self) -> dict[str, object]:
        """The fit as one of our distributions, e.g. ``{dist: lognormal, mean: 2.1, cv: 0.5}``."""
        out: dict[str, object] = {"dist": self.family, "mean": self.mean.value}
        if self.cv is not None:
            out["cv"] = self.cv.value
        return out

    def note(self) -> str:
        """Where the numbers come from, for a comment."""
        parts = [f"{self.family} by likelihood (AIC {self._aics()}) from {self.n} durations"
                 + (f", {self.censored} censored" if self.censored else ""),
                 f"mean {self.mean.text()}"]
        if self.cv is not None:
            parts.append(f"cv {self.cv.text()}")
        return "; ".join(parts)

    def _aics(self) -> str:
        return ", ".join(f"{k} {v:.1f}" for k, v in self.aic.items())


def _logpdf_sf(family: str, mean: float, cv: float
               ) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """Log density and log survival function of a family at (mean, cv)."""
    if family == "lognormal":
        sigma = math.sqrt(math.log1p(cv**2))
        d = stats.lognorm(sigma, scale=mean / math.sqrt(1.0 + cv**2))
    elif family == "gamma":
        shape = 1.0 / cv**2
        d = stats.gamma(shape, scale=mean / shape)
    else:
        d = stats.expon(scale=mean)
    return d.logpdf, d.logsf


def _loglik(family: str, theta: np.ndarray, done: np.ndarray, cut: np.ndarray) -> float:
    mean, cv = math.exp(theta[0]), (math.exp(theta[1]) if len(theta) > 1 else 1.0)
    logpdf, logsf = _logpdf_sf(family, mean, cv)
    total = float(logpdf(done).sum() + (logsf(cut).sum() if len(cut) else 0.0))
    return total if math.isfinite(total) else -1e300


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    k = len(x)
    h = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * step, np.eye(k)[j] * step
            h[i, j] = h[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                 + f(x - ei - ej)) / (4 * step * step)
    return h


def log_scale_intervals(f: Callable[[np.ndarray], float], theta: np.ndarray) -> list[Estimate]:
    """Estimates ``exp(theta)`` with intervals from the observed information of ``f`` (loglik)."""
    info = -hessian(f, theta)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full_like(info, np.inf)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return [Estimate(math.exp(t), math.exp(t - Z95 * s), math.exp(t + Z95 * s))
            for t, s in zip(theta, se, strict=True)]


def fit_family(family: str, done: np.ndarray, cut: np.ndarray
               ) -> tuple[float, list[Estimate]]:
    """Maximum log-likelihood of one family and its (mean, cv) estimates."""
    x = done if len(done) > 1 else np.concatenate([done, cut])
    start = [math.log(max(float(np.mean(x)), 1e-9))]
    if family != "exponential":
        start.append(math.log(min(max(float(np.std(x) / np.mean(x)), 0.05), 5.0)))
    theta0 = np.array(start)
    f = lambda th: _loglik(family, th, done, cut)  # noqa: E731
    res = optimize.minimize(lambda th: -f(th), theta0, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    return -float(res.fun), log_scale_intervals(f, res.x)


def fit_duration(values: np.ndarray, censored: np.ndarray | None = None,
                 families: tuple[str, ...] = FAMILIES) -> DurationFit | None:
    """The best family for positive durations (``censored``: flags of right-censored ones).

    None when fewer than three durations ended within the log.
    """
    x = np.asarray(values, dtype=float)
    cut = np.zeros(len(x), dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
    keep = x > 0
    x, cut = x[keep], cut[keep]
    done, cens = x[~cut], x[cut]
    if len(done) < 3:
        return None
    fits = {fam: fit_family(fam, done, cens) for fam in families}
    aic = {fam: 2 * (1 if fam == "exponential" else 2) - 2 * ll for fam, (ll, _) in fits.items()}
    best = min(aic, key=aic.__getitem__)
    est = fits[best][1]
    return DurationFit(best, est[0], est[1] if len(est) > 1 else None, len(x), int(cut.sum()),
                       aic)


def proportion(successes: int, trials: int) -> Estimate:
    """A proportion with its Wilson score 95% interval."""
    if trials == 0:
        return Estimate(math.nan, 0.0, 1.0)
    p = successes / trials
    z2 = Z95**2
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials**2)) / (1 + z2 / trials)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))
