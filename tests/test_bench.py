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

import pytest

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
    assert fig["model"]["events_per_replication"] > 0
    assert all(math.isfinite(r["us_per_request"]) for r in fig["demand"]["rows"])
    assert set(fig["targets"]) == {"model_vs_bare", "cost_per_request_drift",
                                   "cost_per_request_drift_fixed_capacity",
                                   "cost_per_request_drift_whole_run",
                                   "speedup_2_over_1", "baseline_4x100_s"}


def test_counting_environment_counts_every_event() -> None:
    bench = load_bench()
    env = bench.CountingEnvironment()

    def tick(env: object, n: int):  # type: ignore[no-untyped-def]
        for _ in range(n):
            yield env.timeout(1.0)  # type: ignore[attr-defined]

    env.process(tick(env, 5))
    env.run()
    assert env.events == 7  # process start (Initialize), 5 timeouts, process end
