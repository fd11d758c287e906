"""A simple marketing-mix model of the true family, fitted by maximum likelihood with scipy.

Per channel: geometric adstock (``alpha``), Hill saturation (``K``, ``s``) and a scale ``beta``,
times the recorded creative quality (a known control). The daily outcome is modelled as Poisson
with mean ``sum_c beta_c q_ct hill(adstock_c(x)_t)``; the fit maximises that likelihood (as
scaled squared residuals, ``sqrt(y) - sqrt(mu)``, a variance-stabilised least squares, with
scipy's trust-region reflective solver, from a few starts). It leaves out synergy, so on a world
with a halo its ROAS is the additive model's, to compare with the switch-off truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, signal

from sim.world.media import hill

STARTS = ((0.3, 1.0, 1.0), (0.6, 2.0, 1.5), (0.1, 0.5, 0.8))  # (alpha, K / mean adstock, s)


@dataclass(frozen=True)
class Fit:
    """Fitted parameters per channel and the fitted ROAS over the data."""

    alpha: np.ndarray
    k: np.ndarray
    s: np.ndarray
    beta: np.ndarray
    roas: np.ndarray
    cost: float


def adstock_matrix(spend: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Geometric adstock of every channel's column of ``spend`` (days, channels)."""
    return np.column_stack([signal.lfilter([1.0], [1.0, -a], spend[:, c])
                            for c, a in enumerate(alpha)])


def _unpack(theta: np.ndarray, n: int, scale: np.ndarray) -> tuple[np.ndarray, ...]:
    """alpha, K, s, beta from the solver's vector (K and beta on log scales)."""
    alpha, log_k, s, log_beta = theta.reshape(4, n)
    return alpha, np.exp(log_k) * scale, s, np.exp(log_beta)


def channel_means(theta: np.ndarray, spend: np.ndarray, quality: np.ndarray,
                  scale: np.ndarray) -> np.ndarray:
    """(days, channels) modelled outcome of each channel."""
    alpha, k, s, beta = _unpack(theta, spend.shape[1], scale)
    return beta * quality * hill(adstock_matrix(spend, alpha), k, s)


def fit_mmm(spend: np.ndarray, quality: np.ndarray, outcome: np.ndarray) -> Fit:
    """Fit the model to daily ``outcome`` (days,) given spend and quality (days, channels)."""
    n = spend.shape[1]
    scale = np.maximum(spend.mean(axis=0), 1e-9)  # K relative to mean daily spend
    y = np.asarray(outcome, dtype=float)
    root_y = np.sqrt(np.maximum(y, 0.0))

    def residuals(theta: np.ndarray) -> np.ndarray:
        mu = channel_means(theta, spend, quality, scale).sum(axis=1)
        return 2.0 * (root_y - np.sqrt(np.maximum(mu, 1e-12)))

    lower = np.concatenate([np.zeros(n), np.full(n, -5.0), np.full(n, 0.3), np.full(n, -10.0)])
    upper = np.concatenate([np.full(n, 0.95), np.full(n, 5.0), np.full(n, 4.0), np.full(n, 25.0)])
    beta0 = np.log(max(y.mean(), 1e-9) / n * 2.0)
    best = None
    for alpha0, k0, s0 in STARTS:
        theta0 = np.concatenate([np.full(n, alpha0), np.full(n, np.log(k0 / (1 - alpha0))),
                                 np.full(n, s0), np.full(n, beta0)])
        got = optimize.least_squares(residuals, theta0, bounds=(lower, upper), method="trf",
                                     x_scale="jac", max_nfev=400)
        if best is None or got.cost < best.cost:
            best = got
    assert best is not None
    alpha, k, s, beta = _unpack(best.x, n, scale)
    contribution = channel_means(best.x, spend, quality, scale).sum(axis=0)
    return Fit(alpha, k, s, beta, contribution / spend.sum(axis=0), float(best.cost))
