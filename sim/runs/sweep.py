"""Parameter sweeps: a full factorial over scenario values x setups x replications, resumable.

A grid maps dotted scenario paths (``demand.growth``, ``agencies.0.capacity``) to the values to
try (:mod:`sim.scenario.edit`). :func:`run_sweep` runs every (cell, setup, replication), keeps
each finished run's summary row in a run store keyed by a hash of what determines it, and
returns one tidy table. Re-running a
sweep after a crash or Ctrl-C recomputes only the runs that never finished.

Common random numbers hold across cells: every stream is seeded by (seed, replication) only, never
by the cell, so neighbouring cells differ by their parameter, not by noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.runs.backends import Backend, make_backend
from sim.runs.store import RunStore, run_all, run_key
from sim.scenario.edit import Grid, GridError, apply, grid_cells, set_path
from sim.scenario.identity import scenario_fingerprint
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.setups import Levers
from sim.tables.metrics import summarize
from sim.world.replication import World
from sim.world.streams import Streams


# -- planning and running ------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSpec:
    """One run to do: where its row goes, its cache key and what seeds it."""

    key: str
    setup: str
    levers: Levers
    replication: int
    seed: int


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the cell scenarios and every run, in table order."""

    grid: Grid
    cells: list[dict[str, Any]]
    scenarios: list[Scenario]
    setups: list[str]
    replications: int
    seed: int
    runs: list[tuple[int, RunSpec]]  # (cell index, run), in grid / setup / replication order


def plan_sweep(scenario: Scenario, grid: Grid, setups: Sequence[str] | None = None,
               replications: int = 10, seed: int = 0) -> SweepPlan:
    """Validate every cell and setup before anything runs; raise one problem per mistake."""
    problems: list[Problem] = []
    for path, values in grid.items():  # the path once, then each value alone: one line each
        try:
            set_path(scenario.to_dict(), path, values[0])
        except ScenarioError as err:
            problems += err.problems
            continue
        for value in values:
            try:
                apply(scenario, {path: value})
            except ScenarioError as err:
                problems += [_in_cell(p, {path: value}) for p in err.problems]
    return plan_cells(scenario, grid_cells(grid), setups, replications, seed, grid=grid,
                      problems=problems)


def plan_cells(scenario: Scenario, cells: Sequence[Mapping[str, Any]],
               setups: Sequence[str] | None = None, replications: int = 10, seed: int = 0, *,
               grid: Grid | None = None, problems: Sequence[Problem] = (),
               what: str = "grid cell") -> SweepPlan:
    """A plan over given cells (dotted path -> value each): every setup x replication of each.

    Raises :class:`ScenarioError` with ``problems`` found earlier and one problem per bad
    setup or cell (``what`` names a cell in the message). ``grid`` defaults to the values each
    path takes in the cells.
    """
    if replications < 1 or seed < 0:
        raise GridError([Problem("replications/seed", "replications >= 1 and seed >= 0",
                                 (replications, seed))])
    names = list(setups) if setups is not None else scenario.setup_names
    levers, found = _setup_levers(scenario, names)
    found += problems
    if found:
        raise ScenarioError(_unique(found))
    scenarios = []
    for cell in cells:
        try:
            scenarios.append(apply(scenario, cell))
        except ScenarioError as err:
            found += [_in_cell(p, cell, what) for p in err.problems]
    if found:
        raise ScenarioError(_unique(found))
    prints = [scenario_fingerprint(s) for s in scenarios]
    runs = [(i, RunSpec(run_key(prints[i], levers[name], seed, r), name, levers[name], r, seed))
            for i in range(len(scenarios)) for name in names for r in range(replications)]
    if grid is None:
        grid = {path: list(dict.fromkeys(c[path] for c in cells)) for path in cells[0]} \
            if cells else {}
    return SweepPlan(grid, [dict(c) for c in cells], scenarios, names, replications, seed, runs)


def _setup_levers(scenario: Scenario, names: list[str]
                  ) -> tuple[dict[str, Levers], list[Problem]]:
    """The levers of each named setup, and one problem per unknown or repeated setup."""
    found: list[Problem] = []
    levers: dict[str, Levers] = {}
    for name in dict.fromkeys(names):
        try:
            levers[name] = scenario.levers(name)
        except ScenarioError as err:
            found += err.problems
    if len(set(names)) != len(names) or not names:
        found.append(Problem("setups", "give at least one setup, each once", names))
    return levers, found


def _in_cell(problem: Problem, cell: Mapping[str, Any], what: str = "grid cell") -> Problem:
    """The same problem, saying which grid cell it comes from."""
    where = ", ".join(f"{k}={v}" for k, v in cell.items())
    return Problem(problem.path, f"{problem.rule} [{what} {where}]", problem.value, problem.file)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems with duplicate lines removed, in order."""
    return list({str(p): p for p in problems}.values())


@dataclass(frozen=True)
class SweepRun:
    """One run as it travels to a worker: its cell's scenario and what seeds it."""

    scenario: Scenario
    spec: RunSpec
    version: str = __version__  # the client's: a worker with another version refuses the run


def summary_row(run: SweepRun) -> dict[str, Any]:
    """Simulate one run (in a worker) and return its summary row only."""
    if run.version != __version__:
        raise RuntimeError(f"this worker runs campaign-sim {__version__} but the client runs "
                           f"{run.version}: install the same version everywhere")
    spec = run.spec
    records = World(run.scenario, spec.levers, Streams(spec.seed, spec.replication)).run()
    return summarize(run.scenario, spec.setup, spec.levers, spec.replication, spec.seed, records)


def run_sweep(scenario: Scenario, grid: Grid, setups: Sequence[str] | None = None,
              replications: int = 10, seed: int = 0,
              out: str | Path | RunStore | None = None, *, backend: str | Backend = "processes",
              jobs: int | None = None, scheduler: str | None = None, workers: int | None = None,
              on_done: Callable[[], None] | None = None,
              on_cached: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every grid cell x setup x replication; return one tidy table of summary rows.

    ``out`` is a results folder (runs kept in ``<out>/cells/``), a :class:`RunStore`, or None
    (nothing kept). Runs already kept are not redone; each new run is stored as soon as it
    finishes, so an interrupted sweep resumes where it stopped and ends with the same table
    (see :func:`sim.runs.store.run_all` for ``on_done`` and ``on_cached``). Columns: the grid
    paths, then the summary columns; rows in grid order, then setup order, then replication.
    ``backend`` is ``processes`` (``jobs`` processes), ``dask`` (``scheduler`` address or a
    local cluster of ``workers``), ``serial``, or a backend object (left open for the caller).
    """
    plan = plan_sweep(scenario, grid, setups, replications, seed)
    return run_plan(plan, out, backend=backend, jobs=jobs, scheduler=scheduler, workers=workers,
                    on_done=on_done, on_cached=on_cached)


def run_plan(plan: SweepPlan, out: str | Path | RunStore | None = None, *,
             backend: str | Backend = "processes", jobs: int | None = None,
             scheduler: str | None = None, workers: int | None = None,
             on_done: Callable[[], None] | None = None,
             on_cached: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run a planned sweep (see :func:`run_sweep` for the arguments) and return its table."""
    store = out if isinstance(out, RunStore) else RunStore(
        None if out is None else Path(out) / "cells")
    tasks = [SweepRun(plan.scenarios[cell], spec) for cell, spec in plan.runs]
    keys = [spec.key for _, spec in plan.runs]
    engine = make_backend(backend, jobs, scheduler, workers) if isinstance(backend, str) \
        else backend
    try:
        rows = run_all(tasks, keys, summary_row, store, engine, on_done, on_cached)
    finally:
        if isinstance(backend, str):
            engine.close()
    return assemble(plan, rows)


def assemble(plan: SweepPlan, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy table: grid columns, then summary columns, in plan order."""
    records = []
    for (cell, spec), row in zip(plan.runs, rows, strict=True):
        record = dict(row)
        record["setup"] = spec.setup  # two setups with the same levers share one stored run
        records.append({**plan.cells[cell], **record})
    return pd.DataFrame.from_records(records)


def grid_columns(table: pd.DataFrame) -> list[str]:
    """The grid paths of a sweep table: the columns before ``scenario``."""
    cols = list(table.columns)
    return cols[: cols.index("scenario")] if "scenario" in cols else []


__all__ = ["SweepPlan", "SweepRun", "grid_columns", "plan_cells", "plan_sweep", "run_plan",
           "run_sweep", "summary_row"]
