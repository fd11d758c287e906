"""Which lever carries the conductor's gain over the pilot: switch-off and switch-on contributions.

For every lever L of :data:`sim.scenario.setups.LEVER_NAMES`, two extra setups run on the same
random world as the pilot and the conductor (common random numbers, paired by replication):

* ``conductor_without_L``: the conductor with L set back to its pilot value. The *switch-off*
  contribution of L is ``gain(conductor) - gain(conductor_without_L)``, i.e. what the conductor
  loses when L alone is switched off.
* ``pilot_with_L``: the pilot with L set to its conductor value. The *switch-on* contribution is
  ``gain(pilot_with_L) - 0``, what L alone adds to the pilot.

Gains are paired differences against the pilot on one metric (default ``net_contribution``).
Levers interact (a shared library matters more when routing is coordinated), so contributions do
not add up on their own; the *interaction residual* closes the account.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.backends import Backend
from sim.runs.store import RunStore
from sim.runs.sweep import run_sweep
from sim.scenario.schema import Scenario
from sim.scenario.setups import BUILTIN_SETUPS, LEVER_NAMES, LeverOverrides, SetupSpec
from sim.tables.stats import Estimate, mean_ci

RESIDUAL, TOTAL = "interaction (residual)", "total gain"


def without(lever: str) -> str:
    """Name of the conductor with ``lever`` set back to its pilot value."""
    return f"conductor_without_{lever}"


def with_(lever: str) -> str:
    """Name of the pilot with ``lever`` set to its conductor value."""
    return f"pilot_with_{lever}"


def ablation_setups() -> list[SetupSpec]:
    """The 2 x 7 one-lever variants of the conductor and of the pilot."""
    pilot, conductor = BUILTIN_SETUPS["pilot"], BUILTIN_SETUPS["conductor"]
    specs = []
    for lever in LEVER_NAMES:
        off = LeverOverrides(**{lever: getattr(pilot, lever)})
        on = LeverOverrides(**{lever: getattr(conductor, lever)})
        specs.append(SetupSpec(name=without(lever), base="conductor", levers=off))
        specs.append(SetupSpec(name=with_(lever), base="pilot", levers=on))
    return specs


@dataclass(frozen=True)
class Decomposition:
    """Contributions of each lever to the conductor's paired gain over the pilot.

    Identity (exact up to float rounding, by construction)::

        sum(switch_off[L].mean for L in levers) + residual_off.mean == total.mean
        sum(switch_on[L].mean for L in levers) + residual_on.mean == total.mean

    ``residual_off`` is the interaction residual of the switch-off contributions (its confidence
    interval comes from the per-replication residuals, whose mean equals it up to rounding);
    ``residual_on`` is the same account for the switch-on contributions.
    """

    scenario: str
    currency: str
    metric: str
    replications: int
    total: Estimate
    switch_off: dict[str, Estimate]
    switch_on: dict[str, Estimate]
    residual_off: Estimate
    residual_on: Estimate
    runs: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """One row per lever, then the residual and the total; means and 95% CI bounds."""
        rows = [_row(lever, self.switch_off[lever], self.switch_on[lever])
                for lever in self.switch_off]
        rows.append(_row(RESIDUAL, self.residual_off, self.residual_on))
        rows.append(_row(TOTAL, self.total, self.total))
        return pd.DataFrame(rows)


def _row(name: str, off: Estimate, on: Estimate) -> dict[str, Any]:
    """One line of the decomposition table."""
    return {"lever": name, "switch_off_mean": off.mean, "switch_off_ci_low": off.ci_low,
            "switch_off_ci_high": off.ci_high, "switch_on_mean": on.mean,
            "switch_on_ci_low": on.ci_low, "switch_on_ci_high": on.ci_high, "n": off.n}


def decompose(scenario: Scenario, replications: int = 20, seed: int = 0,
              metric: str = "net_contribution", *, out: str | Path | RunStore | None = None,
              backend: str | Backend = "processes", jobs: int | None = None,
              scheduler: str | None = None, workers: int | None = None,
              on_done: Callable[[], None] | None = None,
              on_cached: Callable[[int, int], None] | None = None) -> Decomposition:
    """Run pilot, conductor and the 14 one-lever variants; decompose the gain on ``metric``.

    Runs go through :func:`sim.runs.sweep.run_sweep` (one cell, 16 setups), so ``out`` keeps them
    in ``<out>/cells/`` and an interrupted decomposition resumes (``on_done`` and ``on_cached`` as
    there). The contributions plus the interaction residual add up exactly to the total gain (see
    :class:`Decomposition`). The default of 20 replications ranks the baseline's levers (see
    ``DECOMPOSE_REPLICATIONS`` in :mod:`sim.cli.sweeps` for the measurement).
    """
    specs = ablation_setups()
    names = ["pilot", "conductor", *(s.name for s in specs)]
    extended = scenario.model_copy(update={"setups": [*specs, *_others(scenario, specs)]})
    runs = run_sweep(extended, {}, names, replications, seed, out, backend=backend, jobs=jobs,
                     scheduler=scheduler, workers=workers, on_done=on_done, on_cached=on_cached)
    if metric not in runs.columns:
        raise KeyError(f"unknown metric {metric!r}")
    return from_runs(runs, scenario.name, scenario.currency, metric)


def _others(scenario: Scenario, specs: list[SetupSpec]) -> list[str | SetupSpec]:
    """The scenario's own setups whose names the ablation setups do not take over."""
    ours = {s.name for s in specs}
    return [s for s in scenario.setups if (s if isinstance(s, str) else s.name) not in ours]


def from_runs(runs: pd.DataFrame, scenario: str, currency: str,
              metric: str = "net_contribution") -> Decomposition:
    """Decompose from a table of summary rows holding the 16 setups of :func:`ablation_setups`."""
    wide = runs.pivot(index="replication", columns="setup", values=metric).astype(float)
    pilot, conductor = wide["pilot"].to_numpy(), wide["conductor"].to_numpy()
    total = conductor - pilot
    off = {lv: total - (wide[without(lv)].to_numpy() - pilot) for lv in LEVER_NAMES}
    on = {lv: wide[with_(lv)].to_numpy() - pilot for lv in LEVER_NAMES}
    total_est = mean_ci(total)
    off_est = {lv: mean_ci(v) for lv, v in off.items()}
    on_est = {lv: mean_ci(v) for lv, v in on.items()}
    return Decomposition(
        scenario=scenario, currency=currency, metric=metric, replications=len(wide),
        total=total_est, switch_off=off_est, switch_on=on_est,
        residual_off=_residual(total, total_est, off, off_est),
        residual_on=_residual(total, total_est, on, on_est),
        runs=runs,
    )


def _residual(total: np.ndarray, total_est: Estimate, parts: dict[str, np.ndarray],
              part_est: dict[str, Estimate]) -> Estimate:
    """Interaction residual: total minus the contributions, with the mean set so they add up."""
    per_rep = total - np.sum(list(parts.values()), axis=0)
    est = mean_ci(per_rep)
    exact = total_est.mean - sum(e.mean for e in part_est.values())
    shift = exact - est.mean
    return dataclasses.replace(est, mean=exact, ci_low=est.ci_low + shift,
                               ci_high=est.ci_high + shift)


def contributions(dec: Decomposition, kind: str = "switch_off") -> dict[str, np.ndarray]:
    """Per-replication contributions of each lever and of the interaction residual.

    ``kind`` is ``switch_off`` or ``switch_on``; arrays are in replication order, so two of them
    can be paired replication by replication.
    """
    wide = dec.runs.pivot(index="replication", columns="setup", values=dec.metric).astype(float)
    pilot, conductor = wide["pilot"].to_numpy(), wide["conductor"].to_numpy()
    total = conductor - pilot
    if kind == "switch_off":
        parts = {lv: total - (wide[without(lv)].to_numpy() - pilot) for lv in LEVER_NAMES}
    else:
        parts = {lv: wide[with_(lv)].to_numpy() - pilot for lv in LEVER_NAMES}
    parts[RESIDUAL] = total - np.sum(list(parts.values()), axis=0)
    return parts


RANKING_COLUMNS: tuple[str, ...] = (
    "rank", "lever", "mean", "ci_low", "ci_high", "significant", "next_diff_mean",
    "next_diff_ci_low", "next_diff_ci_high", "distinct_from_next", "n")


def ranking(dec: Decomposition, kind: str = "switch_off") -> pd.DataFrame:
    """Levers and the interaction residual ranked by contribution, highest first.

    The residual is ranked with the levers, as one more contribution: an interaction larger than
    a lever should read as such. ``significant``: the contribution's 95% CI excludes zero.
    ``next_diff_*``: the paired difference (replication by replication) between this row's
    contribution and the next row's; ``distinct_from_next``: its 95% CI excludes zero, i.e. the
    order of the two is not luck at this number of replications (False on the last row).
    """
    parts = contributions(dec, kind)
    means = {name: mean_ci(values).mean for name, values in parts.items()}
    order = sorted(parts, key=lambda name: means[name], reverse=True)
    rows = []
    for i, name in enumerate(order):
        est = mean_ci(parts[name])
        nxt = (mean_ci(parts[name] - parts[order[i + 1]]) if i + 1 < len(order)
               else Estimate(np.nan, np.nan, np.nan, np.nan, 0))
        rows.append({"rank": i + 1, "lever": name, "mean": est.mean, "ci_low": est.ci_low,
                     "ci_high": est.ci_high, "significant": _excludes_zero(est),
                     "next_diff_mean": nxt.mean, "next_diff_ci_low": nxt.ci_low,
                     "next_diff_ci_high": nxt.ci_high, "distinct_from_next": _excludes_zero(nxt),
                     "n": est.n})
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def _excludes_zero(est: Estimate) -> bool:
    """Whether a 95% CI is finite and leaves out zero."""
    return bool(np.isfinite(est.ci_low) and np.isfinite(est.ci_high)
                and (est.ci_low > 0 or est.ci_high < 0))


def distinguishable_pairs(dec: Decomposition, kind: str = "switch_off") -> int:
    """How many adjacent pairs of the ranking are distinguishable (of ``len(levers)``)."""
    return int(ranking(dec, kind)["distinct_from_next"].sum())


