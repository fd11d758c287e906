"""Where a request's time goes: one plain row per step of its life, appended during the run.

A request's life is a chain of contiguous steps (hand-off, waiting for a person, work, waiting
for a reviewer, review, and for each revision round a hand-off, a wait and the revision work).
Each step is one row (request, kind, resource, start) in a few ``array.array`` columns:
compact, cheap to append in the event loop, and never walked by the garbage collector. The steps
of a request follow one another without a gap, so a step ends when the request's next one begins
and its last step ends when it is approved: :meth:`StepRows.to_log` fills in the ends once, after
the run, and ends a step still under way at the horizon there. :mod:`sim.tables.operations`
turns the log into the ``steps`` and ``resources`` tables.
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

    def begin(self, i: int, kind: int, resource: int, now: float) -> None:
        """Open a step of request ``i`` at ``now`` (its previous step, if any, ends here)."""
        self.request.append(i)
        self.kind.append(kind)
        self.resource.append(resource)
        self.start.append(now)

    def to_log(self, horizon: float, finish: np.ndarray) -> StepLog:
        """The columns as numpy arrays, with every step's end, once, at the end of the run.

        A step ends when the next step of its request begins; a request's last step ends at
        ``finish`` (the day it was approved), or, if it is still under way, at the horizon
        and is flagged ``cut``.
        """
        request = np.array(self.request, dtype=np.int64)
        start = np.array(self.start, dtype=float)
        order = np.argsort(request, kind="stable")  # each request's steps, in the order begun
        last = np.ones(len(order), dtype=bool)
        last[:-1] = request[order[1:]] != request[order[:-1]]
        end = np.empty_like(start)
        end[order[:-1]] = start[order[1:]]
        end[order[last]] = finish[request[order[last]]]
        cut = np.isnan(end)
        end[cut] = horizon
        return StepLog(request, np.array(self.kind, dtype=np.int8),
                       np.array(self.resource, dtype=np.int16), start, end, cut)
