"""The server pool serves like SimPy's Resource: capacity respected, FIFO or priority order."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.world.pools import ServerPool


def _trace(prioritised: bool, jobs: list[tuple[float, float, float]], capacity: int
           ) -> tuple[list[tuple[str, float]], int]:
    """Run jobs (arrival, priority, duration); return (job, start time) and the peak in use."""
    env = simpy.Environment()
    pool = ServerPool(env, capacity, prioritised)
    starts: list[tuple[str, float]] = []
    peak = 0

    def job(name: str, arrival: float, priority: float, duration: float
            ) -> Generator[simpy.Event, Any, None]:
        nonlocal peak
        yield env.timeout(arrival)
        turn = pool.acquire(priority)
        if turn is not None:
            yield turn
        starts.append((name, env.now))
        peak = max(peak, pool.in_use)
        yield env.timeout(duration)
        pool.release()

    for i, (arrival, priority, duration) in enumerate(jobs):
        env.process(job(f"j{i}", arrival, priority, duration))
    env.run()
    return starts, peak


def test_fifo_pool_matches_simpy_resource() -> None:
    jobs = [(0.0, 0, 2.0), (0.0, 0, 1.0), (0.5, 0, 1.0), (0.6, 0, 0.5), (3.0, 0, 1.0)]
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=2)
    expected: list[tuple[str, float]] = []

    def job(name: str, arrival: float, duration: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(arrival)
        with res.request() as req:
            yield req
            expected.append((name, env.now))
            yield env.timeout(duration)

    for i, (arrival, _, duration) in enumerate(jobs):
        env.process(job(f"j{i}", arrival, duration))
    env.run()
    starts, peak = _trace(False, jobs, 2)
    assert sorted(starts) == sorted(expected)
    assert peak == 2


def test_priority_pool_serves_lowest_priority_first_ties_in_arrival_order() -> None:
    # one server busy until t=1; three wait with priorities 5, 1, 1
    jobs = [(0.0, 0, 1.0), (0.1, 5, 1.0), (0.2, 1, 1.0), (0.3, 1, 1.0)]
    starts, peak = _trace(True, jobs, 1)
    assert [name for name, _ in starts] == ["j0", "j2", "j3", "j1"]
    assert [t for _, t in starts] == [0.0, 1.0, 2.0, 3.0]
    assert peak == 1
