"""What one run records: plain arrays filled during the run, handed to the tables at the end.

Nothing here touches pandas; :mod:`sim.tables.metrics` turns the records into DataFrames once.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from sim.world import demand as dm


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
    cost: np.ndarray  # billed on delivery: 0 if not finished within the horizon
    work: np.ndarray  # person-days


class RequestRows:
    """The log's columns while the run writes them (numpy scalar writes cost more)."""

    def __init__(self, n: int):
        self.finish = column(np.full(n, np.nan))
        self.reused = column(np.zeros(n, dtype=bool))
        self.team = column(np.full(n, -1))
        self.revisions = column(np.zeros(n, dtype=np.int64))
        self.cost = column(np.zeros(n))
        self.work = column(np.zeros(n))

    def to_log(self) -> RequestLog:
        """The columns as numpy arrays, once, at the end of the run."""
        return RequestLog(np.array(self.finish, dtype=float), np.array(self.reused, dtype=bool),
                          np.array(self.team, dtype=np.int64),
                          np.array(self.revisions, dtype=np.int64),
                          np.array(self.cost, dtype=float), np.array(self.work, dtype=float))


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
