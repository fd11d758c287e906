"""What one run records: plain arrays filled during the run, handed to the tables at the end.

Nothing here touches pandas; :mod:`sim.tables.metrics` turns the records into DataFrames once.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from sim.world import demand as dm
from sim.world.steps import StepLog


def column(values: np.ndarray) -> array:
    """Per-request values, flattened, as an ``array.array`` for the event loop.

    Indexing it costs little more than a list's and far less than a numpy array's, and unlike a
    list of n numbers it is one flat buffer that the garbage collector never has to walk: on
    long, busy runs, lists of per-request numbers made collections a growing share of the run.
    """
    v = np.ascontiguousarray(values).ravel()
    if v.dtype.kind == "f":
        return array("d", v.astype(np.float64).tobytes())
    if v.dtype.kind == "b":
        return array("b", v.astype(np.int8).tobytes())
    return array("q", v.astype(np.int64).tobytes())


@dataclass
class RequestLog:
    """Per-request outcomes, as arrays indexed by request id (plain records, no pandas)."""

    finish: np.ndarray  # day approved, NaN if not finished within the horizon
    reused: np.ndarray
    team: np.ndarray  # -1 if not started
    revisions: np.ndarray
    cost: np.ndarray  # of delivered assets: 0 if not finished within the horizon
    work: np.ndarray  # person-days
    wip_cost: np.ndarray  # work done on requests not finished at the horizon (0 if finished)


class RequestRows:
    """The log's columns while the run writes them (numpy scalar writes cost more)."""

    def __init__(self, n: int):
        self.finish = column(np.full(n, np.nan))
        self.reused = column(np.zeros(n, dtype=bool))
        self.team = column(np.full(n, -1))
        self.revisions = column(np.zeros(n, dtype=np.int64))
        self.cost = column(np.zeros(n))  # of the rounds of work completed
        self.work = column(np.zeros(n))
        self.round_start = column(np.zeros(n))  # the round of work started last
        self.round_days = column(np.zeros(n))
        self.round_cost = column(np.zeros(n))  # 0 once that round is completed

    def to_log(self, horizon: float) -> RequestLog:
        """The columns as numpy arrays, once, at the end of the run.

        Costs accrue with work: a request open at the horizon has cost its completed rounds
        plus the done share of the round in progress (work in progress, ``wip_cost``).
        """
        finish = np.array(self.finish, dtype=float)
        done = ~np.isnan(finish)
        cost = np.array(self.cost, dtype=float)
        days = np.array(self.round_days, dtype=float)
        elapsed = horizon - np.array(self.round_start, dtype=float)
        share = np.clip(np.divide(elapsed, days, out=np.ones_like(days), where=days > 0), 0, 1)
        in_progress = np.array(self.round_cost, dtype=float) * share
        return RequestLog(finish, np.array(self.reused, dtype=bool),
                          np.array(self.team, dtype=np.int64),
                          np.array(self.revisions, dtype=np.int64), np.where(done, cost, 0.0),
                          np.array(self.work, dtype=float),
                          np.where(done, 0.0, cost + in_progress))


@dataclass
class DailyLog:
    """Per-day, per-channel media outcomes, as (days, channels) arrays."""

    spend: np.ndarray
    impressions: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray
    quality: np.ndarray
    live_assets: np.ndarray
    wasted_spend: np.ndarray

    @classmethod
    def empty(cls, days: int, channels: int) -> DailyLog:
        """Zeroed arrays for a run."""
        return cls(*(np.zeros((days, channels)) for _ in range(7)))


@dataclass
class RunRecords:
    """Everything one run produced, as plain arrays."""

    requests: dm.Requests
    log: RequestLog
    daily: DailyLog
    team_busy: np.ndarray  # person-days per team
    team_capacity: np.ndarray
    stage_busy: np.ndarray  # reviewer-days per stage
    stage_capacity: np.ndarray
    team_names: list[str]
    stage_names: list[str]
    steps: StepLog  # every step of every request (resources: teams, then stages)
