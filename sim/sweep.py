"""Parameter sweeps: a full factorial over scenario values x setups x replications, resumable.

A grid maps dotted scenario paths (``demand.growth``, ``agencies.0.capacity``) to the values to
try. :func:`run_sweep` runs every (cell, setup, replication), stores each finished run's summary
row in a cache keyed by a hash of what determines it, and returns one tidy table. Re-running a
sweep after a crash or Ctrl-C recomputes only the runs that never finished.

Common random numbers hold across cells: every stream is seeded by (seed, replication) only, never
by the cell, so neighbouring cells differ by their parameter, not by noise.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim import __version__
from sim.backends import Backend, make_backend
from sim.config import Problem, Scenario, ScenarioError, scenario_from_dict
from sim.metrics import summarize
from sim.outputs import write_atomic
from sim.setups import Levers
from sim.streams import Streams
from sim.world import World

Grid = dict[str, list[Any]]


class GridError(ScenarioError):
    """A grid specification that cannot be used (one :class:`Problem` per mistake)."""


# -- grids and paths -----------------------------------------------------------------------------
def parse_grid(specs: Sequence[str]) -> Grid:
    """Parse ``PATH=V1,V2,...`` specifications; each value is read as a YAML scalar.

    ``parse_grid(["demand.growth=1,2,3"])`` gives ``{"demand.growth": [1, 2, 3]}``. Raises
    :class:`GridError` listing every malformed specification, empty or non-scalar value, path
    given twice or value repeated.
    """
    grid: Grid = {}
    problems: list[Problem] = []
    for spec in specs:
        path, sep, text = spec.partition("=")
        path = path.strip()
        if not sep or not path or not text.strip():
            problems.append(Problem("--grid", "expected PATH=V1,V2,...", spec))
            continue
        if path in grid:
            problems.append(Problem(path, "path given twice in the grid", spec))
            continue
        values = [_parse_scalar(part, path, problems) for part in text.split(",")]
        if any(v is _BAD for v in values):
            continue
        if any(v in values[:i] for i, v in enumerate(values)):  # 1 and 1.0 are one value
            problems.append(Problem(path, "a value is listed twice", text))
            continue
        grid[path] = values
    if problems:
        raise GridError(problems)
    return grid


_BAD = object()


def _parse_scalar(text: str, path: str, problems: list[Problem]) -> Any:
    """One grid value as a YAML scalar (``3`` -> int, ``0.5`` -> float, ``true`` -> bool).

    A value YAML reads as a string but Python reads as a number is that number (YAML wants
    ``2.0e+4`` where Python also takes ``2e4``).
    """
    if not text.strip():
        problems.append(Problem(path, "empty value in the list", text))
        return _BAD
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        problems.append(Problem(path, "not a YAML scalar", text))
        return _BAD
    if isinstance(value, dict | list) or value is None:
        problems.append(Problem(path, "not a scalar value", text))
        return _BAD
    if isinstance(value, str):
        try:
            number = ast.literal_eval(text.strip())
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return value
        if type(number) in (int, float):
            return number
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` inside nested dicts and lists (list indices as integers).

    Only existing keys and indices can be set; anything else raises :class:`ScenarioError` naming
    the path.
    """
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if part not in node:
                known = ", ".join(sorted(map(str, node)))
                raise ScenarioError([Problem(path, f"unknown key {part!r} (known: {known})")])
            key: Any = part
        elif isinstance(node, list):
            if not part.lstrip("-").isdigit():
                raise ScenarioError([Problem(path, f"{where}: expects a list index, not {part!r}")])
            key = int(part)
            if not 0 <= key < len(node):
                raise ScenarioError([Problem(
                    path, f"index {key} out of range (0..{len(node) - 1})"
                    if node else f"index {key} out of range (the list is empty)")])
        else:
            parent = ".".join(parts[:depth])
            raise ScenarioError([Problem(path, f"{parent} is a value, not a mapping or list")])
        if depth == len(parts) - 1:
            node[key] = value
        else:
            node = node[key]


def apply(scenario: Scenario, assignments: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with each dotted path set to its value, validated again.

    Raises :class:`ScenarioError` for an unknown key, an index out of range, or a value the
    schema rejects.
    """
    data = scenario.to_dict()
    for path, value in assignments.items():
        set_path(data, path, value)
    return scenario_from_dict(data)


def grid_cells(grid: Grid) -> list[dict[str, Any]]:
    """Every combination of grid values, the first path varying slowest."""
    paths = list(grid)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grid.values())]


# -- the cache of finished runs ------------------------------------------------------------------
def scenario_fingerprint(scenario: Scenario) -> str:
    """Canonical JSON of a resolved scenario without its ``setups`` list (sorted keys, ASCII)."""
    data = scenario.to_dict()
    data.pop("setups", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def run_key(scenario: Scenario | str, levers: Levers, seed: int, replication: int) -> str:
    """SHA-256 of what determines a run's summary: scenario, levers, seed, replication, version.

    ``scenario`` may be given as its :func:`scenario_fingerprint` (computed once per grid cell).
    The scenario's ``setups`` list is left out (the levers say what the setup does), so adding a
    setup to a scenario does not invalidate the runs already stored.
    """
    fingerprint = scenario if isinstance(scenario, str) else scenario_fingerprint(scenario)
    lever_json = json.dumps(levers.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    text = "\n".join([fingerprint, lever_json, str(int(seed)), str(int(replication)), __version__])
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class CellStore:
    """One small JSON file per finished run, ``<root>/<key>.json``, written atomically.

    JSON keeps a summary row exact (floats round-trip, NaN included) in about 1 kB, and is read
    and written in well under a millisecond. A file that cannot be read counts as missing, so a
    damaged file is recomputed rather than trusted. ``writes`` counts the rows stored by this
    object (the tests use it to check that a resumed sweep recomputes nothing that finished).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.writes = 0

    def path(self, key: str) -> Path:
        """Where the run with this key is stored."""
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored summary row, or None if the run is not (readably) stored."""
        try:
            record = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        row = record.get("row")
        return row if isinstance(row, dict) else None

    def put(self, key: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """Store a row atomically and return it as it reads back."""
        text = json.dumps({"key": key, "version": __version__, "row": dict(row)})
        write_atomic(self.path(key), text)
        self.writes += 1
        row_back: dict[str, Any] = json.loads(text)["row"]
        return row_back


class MemoryStore(CellStore):
    """A store that keeps nothing (a sweep without an output folder); rows still round-trip."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull))

    def get(self, key: str) -> dict[str, Any] | None:
        """Nothing is ever stored."""
        return None

    def put(self, key: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """Return the row as JSON would give it back (the same types as a stored run)."""
        self.writes += 1
        back: dict[str, Any] = json.loads(json.dumps(dict(row)))
        return back


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
class RunChunk:
    """Runs that share one cell's scenario: the scenario travels once for all of them."""

    scenario: Scenario
    runs: tuple[RunSpec, ...]
    version: str = __version__  # the client's: a worker with another version refuses the chunk


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
    if replications < 1 or seed < 0:
        raise GridError([Problem("replications/seed", "replications >= 1 and seed >= 0",
                                 (replications, seed))])
    names = list(setups) if setups is not None else scenario.setup_names
    problems: list[Problem] = []
    levers: dict[str, Levers] = {}
    for name in dict.fromkeys(names):
        try:
            levers[name] = scenario.levers(name)
        except ScenarioError as err:
            problems += err.problems
    if len(set(names)) != len(names) or not names:
        problems.append(Problem("setups", "give at least one setup, each once", names))
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
    if problems:
        raise ScenarioError(_unique(problems))
    cells = grid_cells(grid)
    scenarios = []
    for cell in cells:
        try:
            scenarios.append(apply(scenario, cell))
        except ScenarioError as err:
            problems += [_in_cell(p, cell) for p in err.problems]
    if problems:
        raise ScenarioError(_unique(problems))
    prints = [scenario_fingerprint(s) for s in scenarios]
    runs = [(i, RunSpec(run_key(prints[i], levers[name], seed, r), name, levers[name], r, seed))
            for i in range(len(scenarios)) for name in names for r in range(replications)]
    return SweepPlan(grid, cells, scenarios, names, replications, seed, runs)


def _in_cell(problem: Problem, cell: Mapping[str, Any]) -> Problem:
    """The same problem, saying which grid cell it comes from."""
    where = ", ".join(f"{k}={v}" for k, v in cell.items())
    return Problem(problem.path, f"{problem.rule} [grid cell {where}]", problem.value, problem.file)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems with duplicate lines removed, in order."""
    return list({str(p): p for p in problems}.values())


def run_chunk(chunk: RunChunk) -> list[tuple[str, dict[str, Any]]]:
    """Simulate each run of a chunk (in a worker); return (key, summary row) pairs only."""
    if chunk.version != __version__:
        raise RuntimeError(f"this worker runs campaign-sim {__version__} but the client runs "
                           f"{chunk.version}: install the same version everywhere")
    out = []
    for spec in chunk.runs:
        records = World(chunk.scenario, spec.levers, Streams(spec.seed, spec.replication)).run()
        out.append((spec.key, summarize(chunk.scenario, spec.setup, spec.levers,
                                        spec.replication, spec.seed, records)))
    return out


def make_chunks(plan: SweepPlan, keys: set[str], size: int) -> list[RunChunk]:
    """Group the runs with these keys by cell, at most ``size`` runs per chunk (one per key)."""
    chunks: list[RunChunk] = []
    seen: set[str] = set()
    for cell, group in itertools.groupby(plan.runs, key=lambda item: item[0]):
        specs = []
        for _, spec in group:
            if spec.key in keys and spec.key not in seen:
                seen.add(spec.key)
                specs.append(spec)
        for start in range(0, len(specs), size):
            chunks.append(RunChunk(plan.scenarios[cell], tuple(specs[start:start + size])))
    return chunks


def auto_chunk_size(runs: int, workers: int) -> int:
    """Runs per task: 1 for small batches, up to 8 when there are many runs per worker.

    A run takes tens to hundreds of milliseconds against about a millisecond of per-task
    overhead, so chunks only matter for very large sweeps; keeping them small keeps the progress
    bar smooth and loses little work on an interrupt.
    """
    return max(1, min(8, runs // (16 * max(1, workers))))


def run_sweep(scenario: Scenario, grid: Grid, setups: Sequence[str] | None = None,
              replications: int = 10, seed: int = 0,
              out: str | Path | CellStore | None = None, *, backend: str | Backend = "processes",
              jobs: int | None = None, scheduler: str | None = None, workers: int | None = None,
              on_done: Callable[[], None] | None = None, chunk_size: int | None = None,
              on_cached: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every grid cell x setup x replication; return one tidy table of summary rows.

    ``out`` is a results folder (runs cached in ``<out>/cells/``), a :class:`CellStore`, or None
    (no cache). Runs already in the cache are not redone; each new run is stored as soon as it
    finishes, so an interrupted sweep resumes where it stopped and ends with the same table.
    ``on_done()`` is called once per run (cached runs first); ``on_cached(found, total)`` once,
    before any run starts, with how many of the runs the cache holds. Columns: the grid paths,
    then the summary columns; rows in grid order, then setup order, then replication. ``backend`` is
    ``processes`` (``jobs`` processes), ``dask`` (``scheduler`` address or a local cluster of
    ``workers``), ``serial``, or a backend object (left open for the caller to close).
    """
    plan = plan_sweep(scenario, grid, setups, replications, seed)
    store = _store_for(out)
    rows: dict[str, dict[str, Any]] = {}
    for _, spec in plan.runs:
        row = rows.get(spec.key) or store.get(spec.key)
        if row is not None:
            rows[spec.key] = row
            if on_done:
                on_done()
    missing = {spec.key for _, spec in plan.runs if spec.key not in rows}
    if on_cached:
        on_cached(sum(spec.key in rows for _, spec in plan.runs), len(plan.runs))
    if missing:
        _compute(plan, missing, store, rows, backend, jobs, scheduler, workers, on_done, chunk_size)
    return assemble(plan, rows)


def _store_for(out: str | Path | CellStore | None) -> CellStore:
    """The cache a sweep writes to."""
    if isinstance(out, CellStore):
        return out
    return MemoryStore() if out is None else CellStore(Path(out) / "cells")


def _compute(plan: SweepPlan, missing: set[str], store: CellStore,
             rows: dict[str, dict[str, Any]], backend: str | Backend, jobs: int | None,
             scheduler: str | None, workers: int | None, on_done: Callable[[], None] | None,
             chunk_size: int | None) -> None:
    """Run the missing runs on the backend, storing each row as it arrives."""
    owned = isinstance(backend, str)
    engine = make_backend(backend, jobs, scheduler, workers) if isinstance(backend, str) \
        else backend
    per_key = Counter(spec.key for _, spec in plan.runs if spec.key in missing)

    def collect(results: list[tuple[str, dict[str, Any]]]) -> None:
        for key, row in results:
            rows[key] = store.put(key, row)
            for _ in range(per_key[key]):
                if on_done:
                    on_done()

    try:
        size = chunk_size or auto_chunk_size(len(missing), engine.workers)
        engine.map_unordered(run_chunk, make_chunks(plan, missing, size), collect)
    finally:
        if owned:
            engine.close()


def assemble(plan: SweepPlan, rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The tidy table: grid columns, then summary columns, in plan order."""
    records = []
    for cell, spec in plan.runs:
        row = dict(rows[spec.key])
        row["setup"] = spec.setup  # two setups with the same levers share one stored run
        records.append({**plan.cells[cell], **row})
    return pd.DataFrame.from_records(records)


def grid_columns(table: pd.DataFrame) -> list[str]:
    """The grid paths of a sweep table: the columns before ``scenario``."""
    cols = list(table.columns)
    return cols[: cols.index("scenario")] if "scenario" in cols else []


# -- command line --------------------------------------------------------------------------------
def add_sweep_commands(subparsers: Any) -> None:
    """Register ``sweep``, ``decompose`` and ``bench`` on an argparse subparsers object.

    Each handler is set as ``func`` (and ``handler``, the name ``sim.cli`` dispatches on) and
    returns the exit code: 0 done, 2 bad input (one line per problem on stderr, nothing written).
    The handlers live in :mod:`sim.sweep_cli`.
    """
    from sim.sweep_cli import register

    register(subparsers)


__all__ = [
    "CellStore",
    "GridError",
    "SweepPlan",
    "add_sweep_commands",
    "apply",
    "grid_cells",
    "grid_columns",
    "parse_grid",
    "plan_sweep",
    "run_key",
    "run_sweep",
    "set_path",
]
