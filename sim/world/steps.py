"""Where a request's time goes: one plain row per step of its life, appended during the run.

A request's life is a chain of contiguous steps (hand-off, waiting for a person, work, waiting
for a reviewer, review, and for each revision round a hand-off, a wait and the revision work).
Each step is one row (request, kind, resource, start, end) in a few ``array.array`` columns:
compact, cheap to append in the event loop, and never walked by the garbage collector. A step
still under way at the horizon keeps ``end`` NaN here; :meth:`StepRows.to_log` ends it at the
horizon. :mod:`sim.tables.operations` turns the log into the ``steps`` and ``resources`` tables.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

STEP_KINDS: tuple[str, ...] = (
    "handoff", "wait_team", "work", "revision_handoff", "wait_revision", "revision",
    "wait_review", "review",
)
"""Step kinds, in the order of a request's life; a row stores the kind's index."""
HANDOFF, WAIT_TEAM, WORK, REVISION_HANDOFF, WAIT_REVISION, REVISION, WAIT_REVIEW, REVIEW = (
    range(len(STEP_KINDS)))
ADMIN_KINDS: tuple[int, ...] = (HANDOFF, REVISION_HANDOFF, WAIT_REVISION, REVISION,
                                WAIT_REVIEW, REVIEW)
"""Administration and approvals: hand-offs, waits for and doing reviews, all revision rounds."""
WAIT_KINDS: tuple[int, ...] = (WAIT_TEAM, WAIT_REVISION, WAIT_REVIEW)
"""Waiting for a free person (team) or reviewer (stage): the queue at a resource."""
BUSY_KINDS: tuple[int, ...] = (WORK, REVISION, REVIEW)
"""A person or reviewer of the resource is busy on the request."""


@dataclass
class StepLog:
    """Every step of one run as numpy arrays, one entry per step (ends cut at the horizon)."""

    request: np.ndarray
    kind: np.ndarray  # index into STEP_KINDS
    resource: np.ndarray  # teams first, then stages offset by the number of teams
    start: np.ndarray
    end: np.ndarray  # the horizon for a step still under way there
    cut: np.ndarray  # True for a step still under way at the horizon


class StepRows:
    """The step columns while the run appends them.

    Resources are numbered teams first, then approval stages (stage ``s`` is resource
    ``teams + s``), so one small integer column names either.
    """

    def __init__(self) -> None:
        self.request = array("q")
        self.kind = array("b")
        self.resource = array("h")
        self.start = array("d")
        self.end = array("d")

    def begin(self, i: int, kind: int, resource: int, now: float) -> int:
        """Open a step of request ``i`` at ``now``; return its row for :meth:`close`."""
        self.request.append(i)
        self.kind.append(kind)
        self.resource.append(resource)
        self.start.append(now)
        self.end.append(np.nan)
        return len(self.end) - 1

    def close(self, row: int, now: float) -> None:
        """End the step in ``row`` at ``now``."""
        self.end[row] = now

    def to_log(self, horizon: float) -> StepLog:
        """The columns as numpy arrays, once, at the end of the run.

        Steps still open end at the horizon and are flagged ``cut``.
        """
        end = np.array(self.end, dtype=float)
        cut = np.isnan(end)
        end[cut] = horizon
        return StepLog(np.array(self.request, dtype=np.int64), np.array(self.kind, dtype=np.int8),
                       np.array(self.resource, dtype=np.int16),
                       np.array(self.start, dtype=float), end, cut)
