"""A pool of identical servers on SimPy events, without request and release events.

SimPy's ``Resource`` schedules an event for every request and every release, even when a server
is free and nobody waits: half of a content request's events, and most of the run time. This pool
keeps the same semantics (at most ``capacity`` holders; waiting processes served first in first
out, or by priority with ties in arrival order) but a free server is taken at once and a release
with nobody waiting schedules nothing. Only a process that must wait yields an event.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from itertools import count
from typing import Any

import simpy


class ServerPool:
    """``capacity`` servers; ``acquire`` is a process step, ``release`` hands a server over."""

    def __init__(self, env: simpy.Environment, capacity: int, prioritised: bool):
        self.env, self.capacity, self.prioritised = env, capacity, prioritised
        self.in_use = 0
        self._waiting: list[tuple[float, int, simpy.Event]] = []
        self._order = count()

    @property
    def queue_length(self) -> int:
        """Processes waiting for a server."""
        return len(self._waiting)

    def acquire(self, priority: float = 0.0) -> Generator[simpy.Event, Any, None]:
        """Take a server, waiting (``yield from``) only if none is free."""
        if self.in_use < self.capacity and not self._waiting:
            self.in_use += 1
            return
        turn = self.env.event()
        key = priority if self.prioritised else 0.0
        heapq.heappush(self._waiting, (key, next(self._order), turn))
        yield turn  # the releasing process hands its server over: in_use stays the same

    def release(self) -> None:
        """Give the server back, or straight to the first process waiting."""
        if self._waiting:
            heapq.heappop(self._waiting)[2].succeed()
        else:
            self.in_use -= 1
