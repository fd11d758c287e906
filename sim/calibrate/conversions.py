"""A tool's adstock and saturation scale, converted to ours (docs/CALIBRATE.md, "Conversions").

Ours: daily geometric adstock ``a_t = x_t + alpha a_{t-1}`` (unnormalised, infinite) on spend in
currency, saturation half-saturated at ``K``. A tool models periods of ``P`` days (1 daily,
7 weekly) with carry-over ``alpha_P`` per period, and its adstock is either unnormalised
(Robyn: ``A_t = X_t + alpha_P A_{t-1}``) or normalised (Meridian, PyMC-Marketing: weights
``alpha_P^l / sum_l alpha_P^l`` over a finite window, adding up to 1).

The conversion is exact in steady state, for every level of spend: hold ``x`` per day; the tool
sees ``X = P x`` per period and its adstock settles at ``A = f X`` with ``f = 1/(1 - alpha_P)``
(unnormalised) or ``f = 1`` (normalised, once the window is full); ours settles at
``a = x / (1 - alpha)``. With ``alpha = alpha_P^(1/P)`` (the same carry-over after ``P`` days)
the two curves agree at every ``x`` when ``a / K = A / K_P``, i.e.

    ``K = K_P / (P f (1 - alpha))``,

and the tool's response per period ``M_P`` is ``M_P / P`` per day. Pulses differ: a normalised
window of ``L`` lags gives a spend pulse ``(1 - alpha_P) / (1 - alpha_P^L)`` times our weight
on each lag inside the window and none after it (docs/CALIBRATE.md gives the bound).
"""

from __future__ import annotations

import math


def daily_alpha(alpha_period: float, period_days: float) -> float:
    """Daily carry-over with the same carry-over over one period: ``alpha_P^(1/P)``."""
    return float(alpha_period ** (1.0 / period_days))


def steady_adstock_factor(alpha_period: float, normalised: bool) -> float:
    """``f``: the tool's steady adstock per unit of constant spend per period."""
    return 1.0 if normalised else 1.0 / (1.0 - alpha_period)


def half_saturation_daily(k_period: float, alpha_period: float, period_days: float,
                          normalised: bool) -> float:
    """Our ``K`` (adstocked daily spend) with the tool's steady-state curve: ``K_P / (P f (1-a))``.

    ``k_period`` is the tool's half-saturation on its own adstock of spend per period.
    """
    alpha = daily_alpha(alpha_period, period_days)
    f = steady_adstock_factor(alpha_period, normalised)
    return k_period / (period_days * f * (1.0 - alpha))


def logistic_half_saturation(lam: float) -> float:
    """Where ``(1 - e^{-lam x}) / (1 + e^{-lam x})`` reaches 1/2: ``ln 3 / lam``."""
    return math.log(3.0) / lam


def robyn_inflexion(gamma: float, x_min: float, x_max: float, definition: str) -> float:
    """Robyn's Hill inflexion from ``gamma`` and the adstocked spend range.

    ``v3.12`` (3.12 and later): ``gamma * max``; ``v3.11`` (3.11 and earlier):
    ``(1 - gamma) * min + gamma * max``.
    """
    if definition == "v3.12":
        return gamma * x_max
    if definition == "v3.11":
        return (1.0 - gamma) * x_min + gamma * x_max
    raise ValueError(f"unknown Robyn inflexion definition {definition!r}")
