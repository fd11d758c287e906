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
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, signal

from sim.mmm.truth import EPS
from sim.world.media import hill

# A world the model family can describe (no synergy) where the conductor explores: two years,
# budget moving up to 20% a day between channels, shares from 0 to 60%.
EXPLORING = {"synergy": None, "horizon_days": 728, "allocator.max_daily_change": 0.2,
             "allocator.min_share": 0.0, "allocator.max_share": 0.6}
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

    def contribution_on(self, spend: np.ndarray, quality: np.ndarray) -> np.ndarray:
        """Modelled outcome of each channel over the days of ``spend`` (days, channels)."""
        a = adstock_matrix(spend, self.alpha)
        return (self.beta * quality * hill(a, self.k, self.s)).sum(axis=0)


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


def _jacobian(theta: np.ndarray, spend: np.ndarray, quality: np.ndarray, scale: np.ndarray,
              root_mu: np.ndarray) -> np.ndarray:
    """Derivatives of the mean over theta, each day's divided by ``root_mu`` (days, 4 n).

    The adstock's derivative in alpha follows its own recursion, ``a_{t-1} + alpha a'_{t-1}``.
    """
    alpha, k, s, beta = _unpack(theta, spend.shape[1], scale)
    a = adstock_matrix(spend, alpha)
    lagged = np.vstack([np.zeros((1, a.shape[1])), a[:-1]])
    da = adstock_matrix(lagged, alpha)  # d a_t / d alpha = a_{t-1} + alpha d a_{t-1} / d alpha
    ratio = np.where(a > 0, a / k, 1.0)
    r = np.where(a > 0, ratio**s, 0.0)
    common = beta * quality * r / (1.0 + r) ** 2
    d_alpha = common * s * np.divide(da, a, out=np.zeros_like(a), where=a > 0)
    d_log_k = -common * s
    d_s = common * np.log(ratio)
    d_log_beta = beta * quality * r / (1.0 + r)
    return np.hstack([d_alpha, d_log_k, d_s, d_log_beta]) / root_mu[:, None]


def fit_mmm(spend: np.ndarray, quality: np.ndarray, outcome: np.ndarray) -> Fit:
    """Fit the model to daily ``outcome`` (days,) given spend and quality (days, channels)."""
    n = spend.shape[1]
    scale = np.maximum(spend.mean(axis=0), 1e-9)  # K relative to mean daily spend
    y = np.asarray(outcome, dtype=float)
    root_y = np.sqrt(np.maximum(y, 0.0))

    def residuals(theta: np.ndarray) -> np.ndarray:
        mu = channel_means(theta, spend, quality, scale).sum(axis=1)
        return 2.0 * (root_y - np.sqrt(np.maximum(mu, 1e-12)))

    def jacobian(theta: np.ndarray) -> np.ndarray:
        mu = np.maximum(channel_means(theta, spend, quality, scale).sum(axis=1), 1e-12)
        return -_jacobian(theta, spend, quality, scale, np.sqrt(mu))

    lower = np.concatenate([np.zeros(n), np.full(n, -5.0), np.full(n, 0.3), np.full(n, -10.0)])
    upper = np.concatenate([np.full(n, 0.95), np.full(n, 5.0), np.full(n, 4.0), np.full(n, 25.0)])
    beta0 = np.log(max(y.mean(), 1e-9) / n * 2.0)
    best = None
    for alpha0, k0, s0 in STARTS:
        theta0 = np.concatenate([np.full(n, alpha0), np.full(n, np.log(k0 / (1 - alpha0))),
                                 np.full(n, s0), np.full(n, beta0)])
        got = optimize.least_squares(residuals, theta0, jac=jacobian, bounds=(lower, upper),
                                     method="trf", x_scale="jac", max_nfev=400)
        if best is None or got.cost < best.cost:
            best = got
    assert best is not None
    alpha, k, s, beta = _unpack(best.x, n, scale)
    contribution = channel_means(best.x, spend, quality, scale).sum(axis=0)
    return Fit(alpha, k, s, beta, contribution / spend.sum(axis=0), float(best.cost))


def fit_robyn_export(folder: Path) -> pd.DataFrame:
    """Fit a daily Robyn-shaped export and set the fitted ROAS beside ``ground_truth.csv``.

    Spend on a day with no live asset ran no ad (the simulator's rule, visible in the
    ``_live_assets`` controls), so it is left out of the adstock.
    """
    data = pd.read_csv(folder / "robyn_input.csv")
    truth = pd.read_csv(folder / "ground_truth.csv")
    stems = [c[:-2] for c in data.columns if c.endswith("_S")]
    spend = data[[f"{c}_S" for c in stems]].to_numpy()
    live = data[[f"{c}_live_assets" for c in stems]].to_numpy() > 0
    quality = data[[f"{c}_quality" for c in stems]].to_numpy()
    fit = fit_mmm(spend * live, quality, data["revenue"].to_numpy())
    out = truth[["channel", "spend", "roas", "marginal_roas"]].rename(
        columns={"roas": "true_roas", "marginal_roas": "true_marginal_roas"})
    base = fit.contribution_on(spend * live, quality)
    out["fitted_roas"] = base / spend.sum(axis=0)
    out["relative_error"] = out["fitted_roas"] / out["true_roas"] - 1.0
    more = np.array([fit.contribution_on(spend * live * (1.0 + EPS * np.eye(len(stems))[c]),
                                         quality)[c] for c in range(len(stems))])
    out["fitted_marginal_roas"] = (more - base) / (EPS * spend.sum(axis=0))
    out["marginal_error"] = out["fitted_marginal_roas"] / out["true_marginal_roas"] - 1.0
    out["fitted_alpha"], out["fitted_shape"] = fit.alpha, fit.s
    return out
