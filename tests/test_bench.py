"""The speed benchmark (opt-in: ``pytest -m bench -s`` or ``make bench``).

It runs ``benchmarks/bench.py`` and prints its figures; set ``BENCH_QUICK=1`` for smaller
batches. Targets are reported, not asserted: a missed target is a finding, not a test failure.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import sim
from sim.world.replication import World
from sim.world.streams import Streams

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("campaign_sim_bench", ROOT / "benchmarks" /
                                                  "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.bench
def test_benchmark_reports_its_figures() -> None:
    bench = load_bench()
    out = ROOT / "results" / "bench.json"
    argv = ["--out", str(out)] + (["--quick"] if os.environ.get("BENCH_QUICK") else [])
    assert bench.main(argv) == 0
    fig = json.loads(out.read_text(encoding="utf-8"))
    assert fig["replication"]["pilot"]["events"] > 0
    assert all(math.isfinite(r["us_per_request"]) for r in fig["demand"])
    figures = [r["figure"] for r in fig["figures"]]
    assert any(f.startswith("pilot replication") for f in figures)
    assert any(f.startswith("conductor replication") for f in figures)
    assert any("Ciw" in f for f in figures) and any("mean wait" in f for f in figures)
    assert sum(f.startswith("compare") for f in figures) == 3
    assert all(set(r) >= {"value", "yardstick", "ratio", "target", "met"} for r in fig["figures"])


def test_erlang_c_wait_of_the_m_m_10_queue() -> None:
    """The yardstick of the queue figure: Erlang C's Wq for c = 10, lambda 9, mu 1."""
    load_bench()
    import bench_queue

    assert bench_queue.erlang_c_wait(10, 9.0, 1.0) == pytest.approx(0.6687, abs=1e-4)
    assert bench_queue.erlang_c_wait(1, 0.5, 1.0) == pytest.approx(1.0)  # M/M/1: rho/(mu-lam)

def test_counting_environment_counts_every_event() -> None:
    bench = load_bench()
    env = bench.CountingEnvironment()

    def tick(env: object, n: int):  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(1.0)  # type: ignore[attr-defined]

    env.process(tick(env, 5))
    env.run()
    assert env.events == 7  # process start (Initialize), 5 timeouts, process end


@pytest.mark.parametrize("setup", ["pilot", "conductor"])
def test_twin_replays_the_model_run_exactly(setup: str) -> None:
    """The logic-free twin yields the model's events: as many, and every request ends alike."""
    bench = load_bench()
    scenario = sim.load_scenario(bench.BASELINE)
    env = bench.CountingEnvironment()
    world = World(scenario, scenario.levers(setup), Streams(3, 1), env=env)
    records = world.run()
    twin_env = bench.CountingEnvironment()
    finish = bench.Twin(world, records).run(twin_env)
    assert twin_env.events == env.events
    assert np.isfinite(finish).sum() > 1000  # most requests finish within the year
    np.testing.assert_array_equal(finish, records.log.finish)
