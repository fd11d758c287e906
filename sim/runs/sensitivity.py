"""Which assumption moves the answer: one-at-a-time swings, Morris screening, Sobol' indices.

Every method is a design in the unit cube of the scenario's ``uncertain:`` ranges, run on the
sweep machinery with common random numbers (:mod:`sim.runs.sampling`), and an analysis of the
paired gain ``setup`` - ``reference`` of each parameter set:

- ``oat``: every parameter at its median, then each alone at its 5% and 95% quantile; the swing
  (gain at high - gain at low) is paired by replication, with a 95% t interval: a tornado chart.
- ``morris``: elementary effects along random trajectories (SALib's sampler and analyser), on the
  quantile scale (a step from 0 to 1 crosses the whole range); ``mu_star`` ranks the parameters,
  ``sigma`` shows interactions or non-linearity, with bootstrap intervals.
- ``sobol``: first-order and total Sobol' indices from Saltelli's design (SALib), with bootstrap
  intervals: the share of the gain's variance each parameter explains alone and with others.

SALib is an optional dependency (the ``uncertainty`` extra); only ``oat`` runs without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.sampling import POINT, Design, Parameters, gain_per_point, paired_gains, plan_design
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.tables.stats import Estimate, mean_ci, paired_difference

METHODS = ("oat", "morris", "sobol")
OAT_QUANTILES = (0.05, 0.95)
MORRIS_LEVELS = 4
BOOTSTRAP_RESAMPLES = 1000
SALIB_HINT = ("sensitivity --method morris and sobol need the 'uncertainty' extra: "
              "pip install 'campaign-sim[uncertainty]'")


class MissingExtra(RuntimeError):
    """An optional dependency that is not installed."""


def import_salib() -> Any:
    """Import SALib's samplers and analysers lazily, with a clear message if it is missing."""
    try:
        import SALib.analyze.morris
        import SALib.analyze.sobol
        import SALib.sample.morris
        import SALib.sample.sobol
    except ImportError as err:
        raise MissingExtra(f"{SALIB_HINT} ({err})") from None
    return SALib


def _problem(paths: list[str]) -> dict[str, Any]:
    """The SALib problem: every parameter on its quantile scale, 0 to 1."""
    return {"num_vars": len(paths), "names": list(paths), "bounds": [[0.0, 1.0]] * len(paths)}


def unit_design(method: str, paths: list[str], samples: int, seed: int) -> np.ndarray:
    """The method's points in the unit cube (``samples`` ignored by ``oat``)."""
    d = len(paths)
    if method == "oat":
        rows = [np.full(d, 0.5)]
        for j in range(d):
            for q in OAT_QUANTILES:
                row = np.full(d, 0.5)
                row[j] = q
                rows.append(row)
        return np.vstack(rows)
    if method not in METHODS:
        raise ScenarioError([Problem("--method", f"must be one of {', '.join(METHODS)}", method)])
    salib = import_salib()
    if method == "morris":
        if samples < 2:
            raise ScenarioError([Problem("--samples", "Morris needs at least 2 trajectories",
                                         samples)])
        return np.asarray(salib.sample.morris.sample(_problem(paths), samples,
                                                     num_levels=MORRIS_LEVELS, seed=seed))
    if samples < 2 or samples & (samples - 1):
        raise ScenarioError([Problem("--samples", "Sobol' needs a power of 2 of at least 2 base "
                                     "samples", samples)])
    return np.asarray(salib.sample.sobol.sample(_problem(paths), samples,
                                                calc_second_order=False, scramble=True,
                                                seed=seed))


def plan_sensitivity(scenario: Scenario, method: str, samples: int, setups: list[str],
                     setup: str = "conductor", reference: str = "pilot", replications: int = 2,
                     seed: int = 0) -> Design:
    """The design of a sensitivity study, validated (one problem per mistake)."""
    paths = Parameters.of(scenario).paths
    unit = unit_design(method, paths, samples, seed)
    return plan_design(scenario, unit, setups, setup, reference, replications, seed)


# -- one at a time -------------------------------------------------------------------------------
@dataclass(frozen=True)
class OneAtATime:
    """The gain with every parameter at its median, and each parameter's swing."""

    base: Estimate
    table: pd.DataFrame


def oat(design: Design, table: pd.DataFrame, metric: str = "net_contribution") -> OneAtATime:
    """Each parameter's low and high gains and its paired swing, largest swing first."""
    gains = paired_gains(table, metric, design.setup, design.reference)
    by_point = {p: g.sort_values("replication")["gain"].to_numpy(dtype=float)
                for p, g in gains.groupby(POINT)}
    rows = []
    for j, path in enumerate(design.parameters.paths):
        lo, hi = 1 + 2 * j, 2 + 2 * j
        g_lo, g_hi = mean_ci(by_point[lo]), mean_ci(by_point[hi])
        swing = paired_difference(by_point[hi], by_point[lo])
        rows.append({"parameter": path, "low": design.points[lo][path],
                     "high": design.points[hi][path], "gain_low": g_lo.mean,
                     "gain_low_ci_low": g_lo.ci_low, "gain_low_ci_high": g_lo.ci_high,
                     "gain_high": g_hi.mean, "gain_high_ci_low": g_hi.ci_low,
                     "gain_high_ci_high": g_hi.ci_high, "swing": swing.mean,
                     "swing_ci_low": swing.ci_low, "swing_ci_high": swing.ci_high})
    return OneAtATime(mean_ci(by_point[0]), _ranked(pd.DataFrame(rows), "swing"))


def _ranked(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows by descending absolute ``column`` (ties in input order), with a ``rank`` column."""
    order = table[column].abs().fillna(-1.0).sort_values(ascending=False, kind="stable")
    ranked = table.loc[order.index].reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


# -- Morris and Sobol' (SALib) -------------------------------------------------------------------
def morris(design: Design, table: pd.DataFrame, metric: str = "net_contribution",
           seed: int = 0) -> pd.DataFrame:
    """Morris screening of the gain: ``mu``, ``mu_star`` with its interval, ``sigma``."""
    salib = import_salib()
    y = gain_per_point(table, metric, design.setup, design.reference)
    res = salib.analyze.morris.analyze(
        _problem(design.parameters.paths), design.unit, y, num_resamples=BOOTSTRAP_RESAMPLES,
        conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed)
    mu_star, half = np.asarray(res["mu_star"], float), np.asarray(res["mu_star_conf"], float)
    out = pd.DataFrame({"parameter": design.parameters.paths, "mu": np.asarray(res["mu"], float),
                        "mu_star": mu_star, "mu_star_ci_low": mu_star - half,
                        "mu_star_ci_high": mu_star + half,
                        "sigma": np.asarray(res["sigma"], float)})
    return _ranked(out, "mu_star")


def sobol(design: Design, table: pd.DataFrame, metric: str = "net_contribution",
          seed: int = 0) -> pd.DataFrame:
    """First-order (``S1``) and total (``ST``) Sobol' indices with bootstrap intervals.

    A gain that does not vary over the design has no variance to share out: every index is NaN.
    """
    salib = import_salib()
    paths = design.parameters.paths
    y = gain_per_point(table, metric, design.setup, design.reference)
    cols: dict[str, Any] = {"parameter": paths}
    if np.ptp(y) == 0:
        nan = np.full(len(paths), np.nan)
        for name in ("S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"):
            cols[name] = nan
        return _ranked(pd.DataFrame(cols), "ST")
    res = salib.analyze.sobol.analyze(_problem(paths), y, calc_second_order=False,
                                      num_resamples=BOOTSTRAP_RESAMPLES, conf_level=0.95,
                                      seed=seed)
    for name in ("S1", "ST"):
        value, half = np.asarray(res[name], float), np.asarray(res[f"{name}_conf"], float)
        cols.update({name: value, f"{name}_ci_low": value - half, f"{name}_ci_high": value + half})
    return _ranked(pd.DataFrame(cols), "ST")


__all__ = ["METHODS", "MissingExtra", "OneAtATime", "import_salib", "morris",
           "oat", "plan_sensitivity", "sobol", "unit_design"]
