"""Confidence intervals over replications, plain and paired."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95% confidence interval (Student t)."""

    mean: float
    std: float
    ci_low: float
    ci_high: float
    n: int


def mean_ci(values: np.ndarray | list[float], level: float = 0.95) -> Estimate:
    """Mean, standard deviation and t confidence interval of independent replications."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), float("nan"), 0)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, float("nan"), float("nan"), float("nan"), 1)
    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / np.sqrt(n)
    return Estimate(mean, std, float(mean - half), float(mean + half), n)


def paired_difference(values: np.ndarray, reference: np.ndarray, level: float = 0.95
                      ) -> Estimate:
    """Mean of ``values - reference`` pair by pair, with its t confidence interval.

    Differences within floating-point rounding of the values (relative 1e-9) count as exactly
    zero, so two setups that spend the same budget are not reported as "significantly" apart.
    """
    a, b = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    diff = a - b
    diff[np.abs(diff) <= 1e-9 * np.maximum(np.abs(a), np.abs(b))] = 0.0
    return mean_ci(diff, level)
