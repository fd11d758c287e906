"""Run setups and replications on common random numbers; paired comparisons.

Each (setup, replication) run is independent and seeded only by (seed, replication), so results
are identical whatever the order, the number of worker processes or the machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from sim.runs.backends import ProcessBackend, SerialBackend
from sim.runs.store import RunStore, run_all, run_key
from sim.scenario.identity import scenario_fingerprint
from sim.scenario.schema import Scenario
from sim.tables.columns import concat_tables
from sim.tables.metrics import daily_table, requests_table, summarize
from sim.tables.operations import resources_table, steps_table
from sim.tables.stats import Estimate, paired_difference
from sim.world.replication import World
from sim.world.streams import Streams

Task = tuple[Scenario, str, int, int]  # (scenario, setup, replication, seed), as run() takes


@dataclass(frozen=True)
class RunResult:
    """The tables of one replication of one setup."""

    summary: pd.DataFrame  # one row
    daily: pd.DataFrame
    requests: pd.DataFrame
    steps: pd.DataFrame  # one row per step of a request's life
    resources: pd.DataFrame  # one row per day and team or approval stage


def run(scenario: Scenario, setup: str = "conductor", replication: int = 0, seed: int = 0
        ) -> RunResult:
    """Simulate one replication of one setup."""
    levers = scenario.levers(setup)
    records = World(scenario, levers, Streams(seed, replication)).run()
    row = summarize(scenario, setup, levers, replication, seed, records)
    return RunResult(pd.DataFrame([row]), daily_table(scenario, setup, replication, records),
                     requests_table(scenario, setup, replication, records),
                     steps_table(setup, replication, records),
                     resources_table(scenario, setup, replication, records))


def run_task(task: Task) -> RunResult:
    """:func:`run` on a (scenario, setup, replication, seed) task, as workers receive it."""
    return run(*task)


@dataclass(frozen=True)
class Comparison:
    """All setups and replications stacked, with paired comparisons."""

    summary: pd.DataFrame
    daily: pd.DataFrame
    requests: pd.DataFrame
    steps: pd.DataFrame
    resources: pd.DataFrame

    def paired(self, metric: str, setup: str, reference: str = "pilot") -> Estimate:
        """Mean paired difference ``setup - reference`` over replications, with its 95% CI."""
        s = self.summary
        for name in (setup, reference):
            if name not in set(s["setup"]):
                raise KeyError(f"setup {name!r} is not in this comparison")
        if metric not in s.columns:
            raise KeyError(f"unknown metric {metric!r}")
        wide = s.pivot(index="replication", columns="setup", values=metric)
        return paired_difference(wide[setup].to_numpy(), wide[reference].to_numpy())


def stack(results: Iterable[RunResult]) -> Comparison:
    """Concatenate run results into one comparison, in the given order."""
    rs = list(results)
    return Comparison(*(concat_tables([getattr(r, name) for r in rs])
                        for name in ("summary", "daily", "requests", "steps", "resources")))


def run_many(tasks: list[Task], jobs: int = 1, on_done: Callable[[], None] | None = None,
             store: RunStore | None = None,
             on_cached: Callable[[int, int], None] | None = None) -> list[RunResult]:
    """Run (scenario, setup, replication, seed) tasks, serially or in ``jobs`` processes.

    Results come back in task order whatever the order of completion. With a ``store``, runs it
    holds are loaded instead and each new run is stored as soon as it arrives (see
    :func:`sim.runs.store.run_all` for ``on_done`` and ``on_cached``).
    """
    store = store if store is not None else RunStore(None)
    prints: dict[int, str] = {}
    keys = []
    for scenario, setup, replication, seed in tasks:
        if id(scenario) not in prints:
            prints[id(scenario)] = scenario_fingerprint(scenario)
        keys.append(run_key(prints[id(scenario)], scenario.levers(setup), seed, replication,
                            setup))
    with ProcessBackend(jobs) if jobs > 1 else SerialBackend() as backend:
        return run_all(tasks, keys, run_task, store, backend, on_done, on_cached)


def compare(scenario: Scenario, setups: list[str] | None = None, replications: int = 10,
            seed: int = 0, jobs: int = 1, on_done: Callable[[], None] | None = None,
            store: RunStore | None = None,
            on_cached: Callable[[int, int], None] | None = None) -> Comparison:
    """Run every setup for ``replications`` replications on common random numbers.

    ``store`` (optional) keeps each finished run and supplies those already kept, so an
    interrupted comparison resumes; see :func:`run_many` for ``on_done`` and ``on_cached``.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    names = list(setups) if setups is not None else scenario.setup_names
    for name in names:
        scenario.levers(name)  # raises ScenarioError for an unknown setup
    jobs = (os.cpu_count() or 1) if jobs == 0 else jobs
    tasks = [(scenario, name, r, seed) for name in names for r in range(replications)]
    return stack(run_many(tasks, jobs, on_done, store, on_cached))


__all__ = ["Comparison", "RunResult", "Task", "compare", "run", "run_many", "run_task", "stack"]
