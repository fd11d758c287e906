"""Parameter sets drawn from a scenario's ``uncertain:`` section, run on the sweep machinery.

A design is a matrix of points in the unit cube, one column per uncertain value (quasi-random for
``uncertainty``, Morris or Sobol for ``sensitivity``). :class:`Parameters` maps each point to
scenario values through each range's quantile function; :func:`plan_design` turns the points into
a sweep plan over explicit cells, so every run is cached as it finishes, resumes after a stop and
runs on any backend (:func:`sim.runs.sweep.run_plan`). Common random numbers hold: every setup on
every parameter set uses the same (seed, replication) streams, so the paired gain of a parameter
set differs from another's by the parameters, not by noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.backends import Backend
from sim.runs.store import RunStore
from sim.runs.sweep import SweepPlan, plan_cells, run_plan
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.ranges import Range
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import integer_paths, without_uncertain

POINT = "point"
"""The column numbering the parameter sets of a design (0, 1, ...)."""


@dataclass(frozen=True)
class Parameters:
    """The uncertain values of a scenario, in the order the section lists them."""

    paths: list[str]
    ranges: list[Range]
    integer: list[bool]

    @classmethod
    def of(cls, scenario: Scenario) -> Parameters:
        """The scenario's uncertain values; a scenario without any is bad input."""
        if not scenario.uncertain:
            raise ScenarioError([Problem("uncertain", "the scenario declares no uncertain value: "
                                         "add an uncertain: section mapping paths to ranges")])
        ints = integer_paths(scenario)
        paths = list(scenario.uncertain)
        return cls(paths, [scenario.uncertain[p] for p in paths], [p in ints for p in paths])

    def __len__(self) -> int:
        return len(self.paths)

    def column(self, j: int, u: np.ndarray) -> np.ndarray:
        """Values of parameter ``j`` at unit-cube coordinates ``u``.

        An integer key takes the nearest integer to a draw on its bounds widened by half a unit,
        so that each integer in low..high carries the probability of its own unit interval.
        """
        rng = self.ranges[j]
        if not self.integer[j]:
            return np.asarray(rng.quantile(u), dtype=float)
        x = rng.quantile(u, rng.low - 0.5, rng.high + 0.5)
        return np.clip(np.floor(np.asarray(x) + 0.5), rng.low, rng.high)

    def values(self, unit: np.ndarray) -> list[dict[str, float | int]]:
        """One cell (path -> value, as plain Python numbers) per row of ``unit``."""
        unit = np.atleast_2d(np.asarray(unit, dtype=float))
        if unit.shape[1] != len(self):
            raise ValueError(f"design has {unit.shape[1]} columns for {len(self)} parameters")
        columns = [self.column(j, unit[:, j]) for j in range(len(self))]
        return [{p: int(col[i]) if self.integer[j] else float(col[i])
                 for j, (p, col) in enumerate(zip(self.paths, columns, strict=True))}
                for i in range(len(unit))]


@dataclass(frozen=True)
class Design:
    """Parameter sets to run: the unit-cube points, their values and the plan over them."""

    parameters: Parameters
    unit: np.ndarray
    plan: SweepPlan
    setup: str
    reference: str

    @property
    def points(self) -> list[dict[str, Any]]:
        """The parameter sets, in design order."""
        return self.plan.cells


def plan_design(scenario: Scenario, unit: np.ndarray, setups: Sequence[str], setup: str,
                reference: str, replications: int, seed: int) -> Design:
    """Validate the setups and every parameter set before anything runs.

    The paired gain is ``setup`` - ``reference``; both must be among ``setups``. Raises
    :class:`ScenarioError` with one problem per mistake.
    """
    problems = [Problem(option, f"must be one of the setups run ({', '.join(setups)})", name)
                for option, name in (("--setup", setup), ("--reference", reference))
                if name not in setups]
    if setup == reference:
        problems.append(Problem("--reference", "must differ from --setup", reference))
    if problems:
        raise ScenarioError(problems)
    parameters = Parameters.of(scenario)
    points = parameters.values(unit)
    plan = plan_cells(without_uncertain(scenario), points, setups, replications, seed,
                      grid={p: [] for p in parameters.paths}, what="parameter set")
    return Design(parameters, np.asarray(unit, dtype=float), plan, setup, reference)


def run_design(design: Design, out: str | Path | RunStore | None = None, *,
               backend: str | Backend = "processes", jobs: int | None = None,
               on_done: Callable[[], None] | None = None,
               on_cached: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every parameter set x setup x replication; one summary row each, in design order.

    Columns: ``point``, the uncertain paths, then the summary columns. Runs are kept in
    ``<out>/cells/`` (or the given store) as they finish; kept runs are not redone.
    """
    table = run_plan(design.plan, out, backend=backend, jobs=jobs, on_done=on_done,
                     on_cached=on_cached)
    table.insert(0, POINT, [cell for cell, _ in design.plan.runs])
    return table


def paired_gains(table: pd.DataFrame, metric: str, setup: str, reference: str) -> pd.DataFrame:
    """One row per (point, replication): ``gain`` = ``setup`` - ``reference`` in ``metric``."""
    if metric not in table.columns:
        raise KeyError(f"unknown metric {metric!r}")
    keys = [POINT, "replication"]
    a = table[table["setup"] == setup].set_index(keys)[metric]
    b = table[table["setup"] == reference].set_index(keys)[metric]
    return (a - b.reindex(a.index)).rename("gain").reset_index()


def gain_per_point(table: pd.DataFrame, metric: str, setup: str, reference: str) -> np.ndarray:
    """The paired gain of each point, averaged over its replications, in point order."""
    gains = paired_gains(table, metric, setup, reference)
    return gains.groupby(POINT, sort=True)["gain"].mean().to_numpy(dtype=float)


__all__ = ["POINT", "Design", "Parameters", "gain_per_point", "paired_gains", "plan_design",
           "run_design"]
