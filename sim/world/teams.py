"""Teams (the in-house team and agencies) and approval stages: pools of people with queues.

Their methods are plain calls that hand back the SimPy event to wait for (not generators): the
request's process yields it itself, so no event passes through a chain of sub-generators.
"""

from __future__ import annotations

import simpy

from sim.scenario.schema import Agency, Stage
from sim.world.pools import ServerPool


class Team:
    """The in-house team or an external agency: a pool of people with a queue."""

    def __init__(self, env: simpy.Environment, index: int, spec: Agency, formats: set[int],
                 horizon: float, prioritised: bool):
        self.env, self.index, self.spec, self.formats = env, index, spec, formats
        self.pool = ServerPool(env, spec.capacity, prioritised)
        self.horizon = horizon
        self.busy = 0.0  # person-days of work inside the horizon
        self.queued_work = 0.0  # expected person-days waiting or in progress

    def expected_completion(self, reused: bool, handoff_factor: float) -> float:
        """Expected days until a new piece of work would be done here."""
        mean = (self.spec.adaptation_time if reused else self.spec.production_time).mean
        wait = self.queued_work / self.spec.capacity
        return self.spec.handoff.mean * handoff_factor + wait + mean

    def join_queue(self, expected: float, priority: float) -> simpy.Event | None:
        """Queue for a free person (``expected`` days of work join the queue).

        The event to wait for, or ``None`` when a person is free at once.
        """
        self.queued_work += expected
        return self.pool.acquire(priority)

    def start(self, duration: float) -> simpy.Timeout:
        """Start ``duration`` days of work on the person :meth:`join_queue` got; its end."""
        env = self.env
        self.busy += max(0.0, min(duration, self.horizon - env.now))
        return env.timeout(duration)

    def finish(self, expected: float) -> None:
        """The work is done: free the person, and its expected days leave the queue."""
        self.pool.release()
        self.queued_work -= expected


class ReviewStage:
    """One approval stage: a pool of reviewers."""

    def __init__(self, env: simpy.Environment, spec: Stage, horizon: float, prioritised: bool):
        self.env, self.spec, self.horizon = env, spec, horizon
        self.pool = ServerPool(env, spec.reviewers, prioritised)
        self.busy = 0.0

    def join_queue(self, priority: float) -> simpy.Event | None:
        """Queue for a free reviewer: the event to wait for, or ``None`` if one is free at once."""
        return self.pool.acquire(priority)

    def start(self, duration: float) -> simpy.Timeout:
        """Start a review of ``duration`` days on the reviewer :meth:`join_queue` got; its end."""
        env = self.env
        self.busy += max(0.0, min(duration, self.horizon - env.now))
        return env.timeout(duration)

    def finish(self) -> None:
        """The review is done: free the reviewer."""
        self.pool.release()
