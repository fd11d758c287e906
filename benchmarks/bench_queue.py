"""The M/M/10 queue (lambda 9, mu 1 a day) through the model and through Ciw, in one process.

The model runs it as a scenario: one in-house team of 10, exponential production of mean one
day, constant demand of 9 requests a day, no approvals, no reuse, no hand-off (the
``single_team_dict`` builder of ``tests/conftest.py``). Ciw runs the same queue. Both are timed
in CPU seconds over the same horizon, back to back in rounds; customers per second count the
customers served within the horizon. The model's mean wait in queue is checked against Erlang C.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

import sim
from sim.world.replication import World
from sim.world.streams import Streams

ROOT = Path(__file__).resolve().parents[1]
SERVERS, LAMBDA, MU = 10, 9.0, 1.0
WARMUP, COOLDOWN = 100.0, 10.0  # days left out of the mean wait: start empty, end unfinished


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail) / (c * mu - lam)


def mmc_scenario(horizon: int) -> sim.Scenario:
    """The M/M/10 queue as a campaign-sim scenario."""
    spec = importlib.util.spec_from_file_location("campaign_sim_conftest",
                                                  ROOT / "tests" / "conftest.py")
    assert spec is not None and spec.loader is not None
    builders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builders)
    return sim.scenario_from_dict(builders.single_team_dict(
        base_rate=LAMBDA, horizon_days=horizon, capacity=SERVERS,
        production={"dist": "exponential", "mean": 1.0 / MU}, stages=[]))


def model_round(scenario: sim.Scenario, replication: int) -> tuple[float, int, float]:
    """(CPU seconds, customers served, mean wait of the window's arrivals) of one model run."""
    gc.collect()
    start = time.process_time()
    world = World(scenario, scenario.levers("pilot"), Streams(0, replication))
    log = world.run().log
    cpu = time.process_time() - start
    arrival = np.asarray(world.requests.arrival, dtype=float)
    done = ~np.isnan(log.finish)
    window = (arrival >= WARMUP) & (arrival <= scenario.horizon_days - COOLDOWN)
    if not done[window].all():
        raise RuntimeError("M/M/10: requests of the measurement window left unfinished")
    wait = log.finish[window] - arrival[window] - log.work[window]
    return cpu, int(done.sum()), float(wait.mean())


def ciw_round(horizon: int, replication: int) -> tuple[float, int]:
    """(CPU seconds, customers served) of one Ciw run of the same queue."""
    try:
        import ciw
    except ImportError:
        raise SystemExit("bench: the M/M/10 peer needs Ciw: pip install 'campaign-sim[bench]'"
                         ) from None
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA)],
                                 service_distributions=[ciw.dists.Exponential(rate=MU)],
                                 number_of_servers=[SERVERS])
    ciw.seed(replication)
    gc.collect()
    start = time.process_time()
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(horizon)
    served = len(simulation.get_all_records())
    return time.process_time() - start, served


def bench_queue(horizon: int, replications: int) -> dict[str, Any]:
    """Customers per CPU second of the model and of Ciw, and the model's mean wait vs Erlang C.

    Each replication is a round: the model then Ciw, back to back; the ratio is the median of
    the rounds' ratios. The mean wait's 95% band is Student's t over the model's replications.
    """
    scenario = mmc_scenario(horizon)
    ratios, model_rates, ciw_rates, waits = [], [], [], []
    for r in range(replications):
        cpu, served, wait = model_round(scenario, r)
        ciw_cpu, ciw_served = ciw_round(horizon, r)
        model_rates.append(served / cpu)
        ciw_rates.append(ciw_served / ciw_cpu)
        ratios.append(model_rates[-1] / ciw_rates[-1])
        waits.append(wait)
    mean = statistics.fmean(waits)
    half = (stats.t.ppf(0.975, replications - 1) * statistics.stdev(waits)
            / math.sqrt(replications)) if replications > 1 else math.inf
    wq = erlang_c_wait(SERVERS, LAMBDA, MU)
    return {"servers": SERVERS, "lambda": LAMBDA, "mu": MU, "horizon_days": horizon,
            "replications": replications, "model_customers_per_s": max(model_rates),
            "ciw_customers_per_s": max(ciw_rates), "ratio_by_round": ratios,
            "ratio": statistics.median(ratios), "erlang_c_wq": wq, "mean_wait": mean,
            "wait_band": [mean - half, mean + half],
            "wait_in_band": bool(mean - half <= wq <= mean + half)}
