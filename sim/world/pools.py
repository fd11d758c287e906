"""A pool of identical servers on SimPy events, without request and release events.

SimPy's ``Resource`` schedules an event for every request and every release, even when a server
is free and nobody waits: half of a content request's events, and most of the run time. This pool
keeps the same semantics (at most ``capacity`` holders; waiting processes served first in first
out, or by priority with ties in arrival order) but a free server is taken at once and a release
with nobody waiting schedules nothing. Only a process that must wait yields an event.
"""

from __future__ import annotations

import heapq
from itertools import count

import simpy


class ServerPool:
    """``capacity`` servers; ``acquire`` takes one or queues, ``release`` hands one over."""

    def __init__(self, env: simpy.Environment, capacity: int, prioritised: bool):
        self.env, self.capacity, self.prioritised = env, capacity, prioritised
        self.in_use = 0
        self._waiting: list[tuple[float, int, simpy.Event]] = []
        self._order = count()

    @property
    def queue_length(self) -> int:
        """Processes waiting for a server."""
        return len(self._waiting)

    def acquire(self, priority: float = 0.0) -> simpy.Event | None:
        """Take a free server (``None``), or queue and return the event to wait for.

        A released server is handed straight to the first process waiting, so ``in_use`` does
        not change when the waiting event fires.
        """
        if self.in_use < self.capacity and not self._waiting:
            self.in_use += 1
            return None
        turn = self.env.event()
        heapq.heappush(self._waiting, (priority if self.prioritised else 0.0, next(self._order),
                                       turn))
        return turn

    def release(self) -> None:
        """Give the server back, or straight to the first process waiting."""
        if self._waiting:
            heapq.heappop(self._waiting)[2].succeed()
        else:
            self.in_use -= 1
