"""Run setups and replications on common random numbers; paired comparisons.

Each (setup, replication) run is independent and seeded only by (seed, replication), so results
are identical whatever the order, the number of worker processes or the machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.backends import ProcessBackend, SerialBackend
from sim.config import Scenario
from sim.metrics import daily_table, requests_table, summarize
from sim.stats import Estimate, paired_difference
from sim.streams import Streams
from sim.world import World

if TYPE_CHECKING:
    from sim.run_cache import RunCache


@dataclass(frozen=True)
class RunResult:
    """The tables of one replication of one setup."""

    summary: pd.DataFrame  # one row
    daily: pd.DataFrame
    requests: pd.DataFrame


def run(scenario: Scenario, setup: str = "conductor", replication: int = 0, seed: int = 0
        ) -> RunResult:
    """Simulate one replication of one setup."""
    levers = scenario.levers(setup)
    records = World(scenario, levers, Streams(seed, replication)).run()
    row = summarize(scenario, setup, levers, replication, seed, records)
    return RunResult(pd.DataFrame([row]), daily_table(scenario, setup, replication, records),
                     requests_table(scenario, setup, replication, records))


def _run_indexed(task: tuple[int, tuple[Scenario, str, int, int]]) -> tuple[int, RunResult]:
    i, args = task
    return i, run(*args)


@dataclass(frozen=True)
class Comparison:
    """All setups and replications stacked, with paired comparisons."""

    summary: pd.DataFrame
    daily: pd.DataFrame
    requests: pd.DataFrame

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
    return Comparison(
        pd.concat([r.summary for r in rs], ignore_index=True),
        pd.concat([r.daily for r in rs], ignore_index=True),
        pd.concat([r.requests for r in rs], ignore_index=True),
    )


def run_many(tasks: list[tuple[Scenario, str, int, int]], jobs: int = 1,
             on_done: Callable[[], None] | None = None, cache: RunCache | None = None,
             on_cached: Callable[[int, int], None] | None = None) -> list[RunResult]:
    """Run (scenario, setup, replication, seed) tasks, serially or in ``jobs`` processes.

    Results come back in task order whatever the order of completion. With a ``cache``, runs it
    holds are loaded instead (``on_done()`` is called for each of them first, then
    ``on_cached(found, total)`` once), and each new run is stored as soon as it arrives.
    """
    out: list[Any] = [None] * len(tasks)
    keys = cache.keys(tasks) if cache is not None else []
    if cache is not None:
        for i, key in enumerate(keys):
            out[i] = cache.get(key)
            if out[i] is not None and on_done:
                on_done()
        if on_cached:
            on_cached(sum(r is not None for r in out), len(tasks))
    todo = [(i, task) for i, task in enumerate(tasks) if out[i] is None]

    def keep(result: tuple[int, RunResult]) -> None:
        i, res = result
        if cache is not None:
            cache.put(keys[i], res)
        out[i] = res
        if on_done:
            on_done()

    parallel = jobs > 1 and len(todo) > 1
    with ProcessBackend(min(jobs, len(todo))) if parallel else SerialBackend() as backend:
        backend.map_unordered(_run_indexed, todo, keep)
    return out


def compare(scenario: Scenario, setups: list[str] | None = None, replications: int = 10,
            seed: int = 0, jobs: int = 1, on_done: Callable[[], None] | None = None,
            cache: RunCache | None = None,
            on_cached: Callable[[int, int], None] | None = None) -> Comparison:
    """Run every setup for ``replications`` replications on common random numbers.

    ``cache`` (optional) keeps each finished run and supplies those already kept, so an
    interrupted comparison resumes; see :func:`run_many` for ``on_done`` and ``on_cached``.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    names = list(setups) if setups is not None else scenario.setup_names
    for name in names:
        scenario.levers(name)  # raises ScenarioError for an unknown setup
    jobs = (os.cpu_count() or 1) if jobs == 0 else jobs
    tasks = [(scenario, name, r, seed) for name in names for r in range(replications)]
    return stack(run_many(tasks, jobs, on_done, cache, on_cached))


__all__ = ["Comparison", "RunResult", "compare", "run", "run_many", "stack"]
