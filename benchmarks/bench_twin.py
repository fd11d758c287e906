"""The model's replications against their logic-free twins, in CPU time, side by side.

The twin (:class:`Twin`) replays a finished run's SimPy events (the same processes, pools,
durations, priorities and order) with none of the model's logic: what SimPy itself costs for
this model's events. A replication's CPU time over its twin's is the figure judged.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import numpy as np
import simpy

import sim
from sim.world import processes
from sim.world.pools import ServerPool
from sim.world.records import RunRecords, column
from sim.world.replication import World
from sim.world.streams import Streams


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.events = 0

    def step(self) -> None:
        """Process the next event, then count it (an empty schedule is not an event)."""
        super().step()
        self.events += 1


Step = tuple[int, float, float, float]  # pool, hand-off days, work or review days, priority


class Twin:
    """A logic-free twin of one model run: the same SimPy events, none of the model's logic.

    Built from a finished run, it replays every request's hand-off, work and review timeouts
    on the same team and reviewer pools, in the same order and with the same priorities. The
    decisions (reuse search, routing, logging, the media step, the allocator) and the building
    of the world are left out.
    """

    def __init__(self, world: World, records: RunRecords):
        ops, content, log = world.ops, world.ops.content, records.log
        self.horizon = world.scenario.horizon_days
        self.arrival = column(world.requests.arrival)
        self.pools = [(t.spec.capacity, t.pool.prioritised) for t in world.teams]
        self.pools += [(s.spec.reviewers, s.pool.prioritised) for s in world.stages]
        first_stage = len(world.teams)
        self.steps: list[list[Step]] = []
        for i, t in enumerate(log.team.tolist()):
            steps: list[Step] = []
            self.steps.append(steps)
            if t < 0:  # not started within the horizon
                continue
            how = ops.practices[ops.coordinated[i]]
            priority = how.priority(ops.due[i], ops.value_weight[ops.channel[i]])
            handoff = content.handoff[t][i] * how.handoff_factor
            work = (content.adapt if log.reused[i] else content.new)[t][i]
            steps.append((t, handoff, work, priority))
            first = i * content.rounds
            last = first + content.rounds - 1
            for s in range(len(world.stages)):
                for k in range(first, last + 1):
                    steps.append((first_stage + s, 0.0, content.review[s][k], priority))
                    if not content.sent_back[s][k] or k == last:
                        break
                    steps.append((t, handoff, work * ops.revision_work, priority))

    def run(self, env: simpy.Environment) -> np.ndarray:
        """Replay on ``env`` to the horizon; the day each request finished (NaN if it did not)."""
        pools = [ServerPool(env, capacity, prioritised) for capacity, prioritised in self.pools]
        finish = np.full(len(self.steps), np.nan)

        def request(i: int) -> Any:
            for pool_index, handoff, days, priority in self.steps[i]:
                if handoff > 0:
                    yield env.timeout(handoff)
                pool = pools[pool_index]
                turn = pool.acquire(priority)
                if turn is not None:
                    yield turn
                yield env.timeout(days)
                pool.release()
            finish[i] = env.now

        def arrivals() -> Any:
            for i, t in enumerate(self.arrival):
                if t > env.now:
                    yield env.timeout(t - env.now)
                processes.start(request(i))

        env.process(arrivals())
        env.run(until=float(self.horizon))
        return finish


def model_twin(scenario: sim.Scenario, setup: str, replication: int, seed: int = 0
               ) -> tuple[Twin, int]:
    """The logic-free twin of one replication and the run's event count.

    The model is run once, untimed, on a counting environment; the twin is replayed once,
    untimed, to check it processes as many events (or it would prove nothing).
    """
    env = CountingEnvironment()
    world = World(scenario, scenario.levers(setup), Streams(seed, replication), env=env)
    twin = Twin(world, world.run())
    replay = CountingEnvironment()
    twin.run(replay)
    if replay.events != env.events:
        raise RuntimeError(f"the twin of {setup} {replication} replays {replay.events} events, "
                           f"the model {env.events}")
    return twin, env.events


def cpu_run(scenario: sim.Scenario, setup: str, replication: int, seed: int = 0
            ) -> tuple[float, int]:
    """(CPU seconds, requests) of one replication: building the world and running it.

    Timed on a plain SimPy environment (a counting one would add its own cost to every event).
    Garbage of earlier runs is collected first (untimed), so a run does not pay for another's.
    """
    gc.collect()
    start = time.process_time()
    world = World(scenario, scenario.levers(setup), Streams(seed, replication))
    world.run()
    return time.process_time() - start, len(world.requests)


def cpu_twin(twin: Twin) -> float:
    """CPU seconds of one replay of ``twin`` on a plain SimPy environment."""
    env = simpy.Environment()
    gc.collect()
    start = time.process_time()
    twin.run(env)
    return time.process_time() - start


def bench_replications(scenario: sim.Scenario, setups: tuple[str, ...], replications: int,
                       rounds: int) -> dict[str, Any]:
    """Per setup: CPU time per replication of the model and of its twin, timed back to back.

    Each round times every replication then its twin; the ratio of a round is the sum of the
    model's times over the sum of the twins', and the figure is the median over rounds (a slow
    spell of a shared machine weighs on both sides). Times are each run's fastest round.
    """
    out: dict[str, Any] = {}
    for setup in setups:
        built = [model_twin(scenario, setup, r) for r in range(replications)]
        model_s: list[list[float]] = [[] for _ in built]
        twin_s: list[list[float]] = [[] for _ in built]
        ratios = []
        for _ in range(rounds):
            for r, (twin, _) in enumerate(built):
                model_s[r].append(cpu_run(scenario, setup, r)[0])
                twin_s[r].append(cpu_twin(twin))
            ratios.append(sum(s[-1] for s in model_s) / sum(s[-1] for s in twin_s))
        model = sum(min(s) for s in model_s) / replications
        twin_cpu = sum(min(s) for s in twin_s) / replications
        out[setup] = {"replications": replications, "rounds": rounds,
                      "events": sum(e for _, e in built) / replications,
                      "model_cpu_s": model, "twin_cpu_s": twin_cpu, "ratio_by_round": ratios,
                      "ratio": statistics.median(ratios)}
    return out
