"""Teams (the in-house team and agencies) and approval stages: pools of people with queues."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

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

    def brief(self, handoff: float) -> Generator[simpy.Event, Any, None]:
        """Brief the team: ``handoff`` days pass before the work joins its queue."""
        yield self.env.timeout(handoff)

    def wait_turn(self, expected: float, priority: float) -> Generator[simpy.Event, Any, None]:
        """Wait for a free person (``expected`` days of work join the queue)."""
        self.queued_work += expected
        turn = self.pool.acquire(priority)
        if turn is not None:
            yield turn

    def do(self, duration: float, expected: float) -> Generator[simpy.Event, Any, None]:
        """Do ``duration`` days of work on the person :meth:`wait_turn` got, then free them."""
        env = self.env
        self.busy += max(0.0, min(duration, self.horizon - env.now))
        yield env.timeout(duration)
        self.pool.release()
        self.queued_work -= expected


class ReviewStage:
    """One approval stage: a pool of reviewers."""

    def __init__(self, env: simpy.Environment, spec: Stage, horizon: float, prioritised: bool):
        self.env, self.spec, self.horizon = env, spec, horizon
        self.pool = ServerPool(env, spec.reviewers, prioritised)
        self.busy = 0.0

    def wait_turn(self, priority: float) -> Generator[simpy.Event, Any, None]:
        """Wait for a free reviewer."""
        turn = self.pool.acquire(priority)
        if turn is not None:
            yield turn

    def review(self, duration: float) -> Generator[simpy.Event, Any, None]:
        """Review for ``duration`` days on the reviewer :meth:`wait_turn` got, then free them."""
        env = self.env
        self.busy += max(0.0, min(duration, self.horizon - env.now))
        yield env.timeout(duration)
        self.pool.release()
