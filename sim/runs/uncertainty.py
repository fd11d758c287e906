"""Probabilistic sensitivity analysis: how the paired gain is distributed over the assumptions.

``N`` parameter sets are drawn from the scenario's ``uncertain:`` ranges by a seeded, scrambled
quasi-random design (Latin hypercube, or Sobol' for a power-of-2 ``N``), every setup runs on each
with common random numbers, and the gain of a parameter set is the paired gain ``setup`` -
``reference`` averaged over its replications. The summary gives the distribution of that gain
over parameter sets (mean, quantiles, the 90% interval), the probability that it is positive
and, for a setup that pays the platform, the probability that it pays: that its paired gain in
net contribution (which is after the platform cost) is positive. Each probability carries a 95%
Wilson interval over the ``N`` parameter sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.sampling import POINT, Design, Parameters, gain_per_point, plan_design
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.tables.stats import mean_ci

DESIGNS = ("lhs", "sobol")
PAYS_METRIC = "net_contribution"
"""Net contribution is after the platform cost, so its paired gain > 0 means the platform pays."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def unit_design(dimensions: int, samples: int, design: str = "lhs", seed: int = 0) -> np.ndarray:
    """``samples`` points in the unit cube: scrambled Latin hypercube or scrambled Sobol'."""
    from scipy.stats import qmc

    if design not in DESIGNS:
        raise ScenarioError([Problem("--design", f"must be one of {', '.join(DESIGNS)}", design)])
    if samples < 2:
        raise ScenarioError([Problem("--samples", "needs at least 2 parameter sets", samples)])
    rng = np.random.default_rng(seed)
    if design == "sobol":
        if samples & (samples - 1):
            raise ScenarioError([Problem("--samples", "a Sobol' design needs a power of 2 "
                                         "(or use --design lhs)", samples)])
        return qmc.Sobol(dimensions, scramble=True, seed=rng).random_base2(samples.bit_length() - 1)
    return qmc.LatinHypercube(dimensions, scramble=True, seed=rng).random(samples)


def plan_uncertainty(scenario: Scenario, samples: int, setups: list[str], setup: str = "conductor",
                     reference: str = "pilot", replications: int = 2, seed: int = 0,
                     design: str = "lhs") -> Design:
    """The design of an uncertainty study, validated (one problem per mistake)."""
    dimensions = len(Parameters.of(scenario))
    unit = unit_design(dimensions, samples, design, seed)
    return plan_design(scenario, unit, setups, setup, reference, replications, seed)


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (sensible also at 0 and n successes)."""
    if n == 0:
        return float("nan"), float("nan")
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Uncertainty:
    """An uncertainty study's results: one row per parameter set, and the summary."""

    samples: pd.DataFrame  # point, parameter values, gain (and pays_gain), per point
    summary: dict[str, Any]
    influence: pd.DataFrame  # parameter, spearman, rank


def analyse(design: Design, table: pd.DataFrame, metric: str = "net_contribution"
            ) -> Uncertainty:
    """Summarise the paired gain over the parameter sets of a finished design."""
    gain = gain_per_point(table, metric, design.setup, design.reference)
    pays = gain_per_point(table, PAYS_METRIC, design.setup, design.reference)
    samples = pd.DataFrame(design.points)
    samples.insert(0, POINT, range(len(samples)))
    samples["gain"] = gain
    samples[f"gain_{PAYS_METRIC}"] = pays
    platform = design.plan.scenarios[0].levers(design.setup).platform
    summary = _summary(gain, pays if platform else None)
    summary.update({"metric": metric, "setup": design.setup, "reference": design.reference,
                    "samples": len(gain), "replications": design.plan.replications})
    return Uncertainty(samples, summary, influence(samples, design.parameters.paths))


def _summary(gain: np.ndarray, pays: np.ndarray | None) -> dict[str, Any]:
    """Mean, spread, quantiles, the 90% interval and the two probabilities of a gain sample."""
    est = mean_ci(gain)
    out: dict[str, Any] = {"mean": est.mean, "mean_ci_low": est.ci_low,
                           "mean_ci_high": est.ci_high, "std": est.std}
    for q, value in zip(QUANTILES, np.quantile(gain, QUANTILES), strict=True):
        out[f"p{round(q * 100):02d}"] = float(value)
    out["interval90_low"], out["interval90_high"] = out["p05"], out["p95"]
    n = len(gain)
    positive = int((gain > 0).sum())
    low, high = wilson(positive, n)
    out.update({"p_gain_positive": positive / n, "p_gain_ci_low": low, "p_gain_ci_high": high})
    if pays is None:
        out.update({"p_pays": float("nan"), "p_pays_ci_low": float("nan"),
                    "p_pays_ci_high": float("nan")})
    else:
        paid = int((pays > 0).sum())
        low, high = wilson(paid, n)
        out.update({"p_pays": paid / n, "p_pays_ci_low": low, "p_pays_ci_high": high})
    return out


def influence(samples: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """Spearman rank correlation of the gain with each parameter, strongest first.

    A parameter that does not vary, or a gain that does not, has no correlation (NaN, ranked
    last).
    """
    from scipy import stats

    rows = []
    for path in paths:
        x, y = samples[path].to_numpy(dtype=float), samples["gain"].to_numpy(dtype=float)
        rho = float(stats.spearmanr(x, y).statistic) if np.ptp(x) > 0 and np.ptp(y) > 0 \
            else float("nan")
        rows.append({"parameter": path, "spearman": rho})
    table = pd.DataFrame(rows)
    order = table["spearman"].abs().fillna(-1.0).sort_values(ascending=False, kind="stable")
    table = table.loc[order.index].reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


__all__ = ["DESIGNS", "PAYS_METRIC", "Uncertainty", "analyse", "influence", "plan_uncertainty",
           "unit_design", "wilson"]
