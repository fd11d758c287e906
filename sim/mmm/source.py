"""The run an export is made from: one (setup, replication) of a results folder, re-simulable.

A results folder keeps the resolved scenario, the seed and the daily media records; with them the
run's content supply chain is rebuilt (:class:`~sim.world.replay.MediaReplay`) and checked
against the recorded revenue, so the truth is computed on the very world the data came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim.files import ResultsError
from sim.report.folder import SCENARIO_FILE, load_results
from sim.scenario.load import load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.schema import Scenario
from sim.world.replay import MediaReplay

GRANULARITIES = ("daily", "weekly")
OUTCOMES = ("revenue", "conversions")


class ExportError(ValueError):
    """Input an export cannot use: one line per problem."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ExportRequest:
    """What to export: which run, in which shape, from which start date."""

    folder: Path
    fmt: str
    setup: str | None = None
    replication: int = 0
    granularity: str = "weekly"
    start: date = date(2024, 1, 1)
    outcome: str = "revenue"


@dataclass(frozen=True)
class Source:
    """One run of a results folder: its scenario, recorded daily media and a replay of it."""

    scenario: Scenario
    setup: str
    replication: int
    seed: int
    daily: pd.DataFrame  # the run's rows of daily.parquet, ordered by day then channel
    replay: MediaReplay

    def array(self, column: str) -> np.ndarray:
        """A recorded daily column as a (days, channels) array."""
        n = len(self.scenario.channels)
        return self.daily[column].to_numpy(dtype=float).reshape(-1, n)


def open_source(request: ExportRequest) -> Source:
    """Load the folder and the chosen run; raise :class:`ExportError` listing every problem."""
    try:
        saved = load_results(request.folder)
        scenario = load_scenario(request.folder / SCENARIO_FILE)
    except ResultsError as err:
        raise ExportError([str(err)]) from None
    except ScenarioError as err:
        raise ExportError([str(p) for p in err.problems]) from None
    setups = list(dict.fromkeys(saved.daily["setup"].astype(str)))
    setup = request.setup if request.setup is not None else setups[-1]
    problems = []
    if setup not in setups:
        problems.append(f"--setup: {setup!r} is not in {request.folder} "
                        f"(it holds {', '.join(setups)})")
    reps = sorted(set(saved.daily["replication"].astype(int)))
    if request.replication not in reps:
        problems.append(f"--replication: {request.replication} is out of range "
                        f"(the folder holds {reps[0]}..{reps[-1]})")
    if problems:
        raise ExportError(problems)
    return _source(saved.daily, scenario, setup, request.replication, saved.seed)


def _source(daily: pd.DataFrame, scenario: Scenario, setup: str, replication: int,
            seed: int) -> Source:
    """Select the run's rows, rebuild its world and check the replay reproduces its revenue."""
    rows = daily[(daily["setup"].astype(str) == setup)
                 & (daily["replication"].astype(int) == replication)]
    order = {name: i for i, name in enumerate(scenario.channel_names)}
    rows = rows.assign(_c=rows["channel"].astype(str).map(order)).sort_values(["day", "_c"])
    rows = rows.drop(columns="_c").reset_index(drop=True)
    replay = MediaReplay(scenario, scenario.levers(setup), seed, replication)
    source = Source(scenario, setup, replication, seed, rows, replay)
    if len(rows) != replay.shape[0] * replay.shape[1]:
        raise ExportError([f"daily.parquet: {len(rows)} rows for {setup} replication "
                           f"{replication}, expected {replay.shape[0]} days x "
                           f"{replay.shape[1]} channels"])
    got = replay.run(source.array("spend")).revenue
    if not np.allclose(got, source.array("revenue"), rtol=1e-9, atol=1e-6):
        raise ExportError([f"daily.parquet: the recorded revenue of {setup} replication "
                           f"{replication} cannot be reproduced from its scenario and seed "
                           "(written by another version?)"])
    return source


def period_index(days: int, granularity: str) -> np.ndarray:
    """Period of each exported day: the day itself, or its week; trailing partial week dropped."""
    if granularity == "daily":
        return np.arange(days)
    return np.arange((days // 7) * 7) // 7


def by_period(values: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Sum (days, ...) values over each period (days beyond the periods are left out)."""
    n = int(periods.max()) + 1 if len(periods) else 0
    out = np.zeros((n, *values.shape[1:]))
    np.add.at(out, periods, values[: len(periods)])
    return out
