"""The demand process from request arrival times: a non-homogeneous Poisson likelihood.

For arrivals ``t_1..t_n`` observed over ``[0, H)`` the log-likelihood of a rate ``lambda(t)`` is
``sum log lambda(t_i) - Lambda(H)``, with ``Lambda`` the integrated rate: it is fitted directly
to the arrival times, not to a histogram. Each of our shapes (:mod:`sim.world.demand`) is
fitted: linear and exponential by maximising over (base rate, growth), the step by profiling the
step day over every whole day (for a given day both rates have closed forms). The shape kept is
the one with the lowest AIC (the step has one parameter more). Intervals come from the observed
information on the log scale, for the step with its day held at the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from sim.calibrate.fitting import Estimate, log_scale_intervals


@dataclass(frozen=True)
class DemandFit:
    """The best shape's estimates and every shape's AIC."""

    shape: str
    base_rate: Estimate
    growth: Estimate
    step_day: float | None
    window: float
    n: int
    aic: dict[str, float]


def _rate_terms(shape: str, r0: float, g: float, t: np.ndarray, window: float
                ) -> tuple[np.ndarray, float]:
    """``lambda(t_i)`` and ``Lambda(window)`` for a linear or exponential shape."""
    if shape == "linear":
        return r0 * (1.0 + (g - 1.0) * t / window), r0 * window * (1.0 + g) / 2.0
    if math.isclose(g, 1.0, rel_tol=1e-12):
        return np.full(len(t), r0), r0 * window
    return r0 * g ** (t / window), r0 * window * (g - 1.0) / math.log(g)


def nhpp_loglik(shape: str, theta: np.ndarray, t: np.ndarray, window: float) -> float:
    """Log-likelihood of arrivals ``t`` at (log base rate, log growth)."""
    r0, g = math.exp(theta[0]), math.exp(theta[1])
    lam, total = _rate_terms(shape, r0, g, t, window)
    if np.any(lam <= 0) or not math.isfinite(total):
        return -1e300
    return float(np.log(lam).sum() - total)


def fit_smooth(shape: str, t: np.ndarray, window: float) -> tuple[float, list[Estimate]]:
    """Maximum log-likelihood of a linear or exponential rate and its (base, growth) estimates."""
    late = max(int(np.sum(t >= window * 0.75)), 1)
    early = max(int(np.sum(t < window * 0.25)), 1)
    theta0 = np.array([math.log(early / (window * 0.25)), math.log(late / early)])
    f = lambda th: nhpp_loglik(shape, th, t, window)  # noqa: E731
    res = optimize.minimize(lambda th: -f(th), theta0, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    return -float(res.fun), log_scale_intervals(f, res.x)


def fit_step(t: np.ndarray, window: float) -> tuple[float, float, list[Estimate]]:
    """Best step day (profiled over whole days), its log-likelihood and (base, growth)."""
    days = np.arange(1.0, math.floor(window))
    before = np.searchsorted(np.sort(t), days, side="left")
    after = len(t) - before
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = (np.where(before > 0, before * np.log(before / days), 0.0)
              + np.where(after > 0, after * np.log(after / (window - days)), 0.0) - len(t))
    ll = np.where((before > 0) & (after > 0), ll, -np.inf)
    k = int(np.argmax(ll))
    s, n1, n2 = float(days[k]), int(before[k]), int(after[k])
    # Poisson counts: log rates have standard errors 1/sqrt(n); log growth adds both.
    r0, g = n1 / s, (n2 / (window - s)) / (n1 / s)
    se0, seg = 1 / math.sqrt(n1), math.sqrt(1 / n1 + 1 / n2)
    z = 1.959963984540054
    est = [Estimate(r0, r0 * math.exp(-z * se0), r0 * math.exp(z * se0)),
           Estimate(g, g * math.exp(-z * seg), g * math.exp(z * seg))]
    return float(ll[k]), s, est


def fit_demand(created: np.ndarray, window: float) -> DemandFit:
    """The demand shape, base rate and growth with the lowest AIC, over ``[0, window)``."""
    t = np.sort(np.asarray(created, dtype=float))
    fits: dict[str, tuple[float, float | None, list[Estimate]]] = {}
    for shape in ("linear", "exponential"):
        ll, est = fit_smooth(shape, t, window)
        fits[shape] = (ll, None, est)
    if window >= 3 and len(t) >= 2:
        ll, s, est = fit_step(t, window)
        fits["step"] = (ll, s, est)
    aic = {shape: 2 * (3 if shape == "step" else 2) - 2 * ll for shape, (ll, _, _) in fits.items()}
    best = min(aic, key=aic.__getitem__)
    _, step_day, (base, growth) = fits[best]
    return DemandFit(best, base, growth, step_day, window, len(t), aic)


def rescaled_growth(fit: DemandFit, horizon: float) -> Estimate:
    """Growth over ``horizon`` days, for a scenario whose horizon differs from the log's window.

    Linear: the rate's slope is kept, ``g' = 1 + (g - 1) H' / H``; exponential: its daily
    factor, ``g' = g^(H' / H)``; a step's ratio does not depend on the horizon.
    """
    ratio = horizon / fit.window

    def f(g: float) -> float:
        if fit.shape == "linear":
            return max(1.0 + (g - 1.0) * ratio, 1e-6)
        return g**ratio if fit.shape == "exponential" else g

    e = fit.growth
    return Estimate(f(e.value), f(e.low), f(e.high))
