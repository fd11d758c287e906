"""How the cost grows: per request with demand, and the baseline comparison on 1 and 2 workers.

``bench_demand`` times the pilot setup at 1x, 3x, 10x and 30x demand with every team and
reviewer pool scaled with demand (so each request does the same work), in CPU seconds. The cost
judged is the marginal cost per request: beyond the fixed cost of a run (the same scenario with
~no requests: building the world, the daily media and allocator step), which does not grow with
demand. ``bench_compare`` runs the ``compare`` command in a child process, as a user would,
for its wall time and the peak memory of the parent and its workers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_twin import cpu_run

import sim
from sim.scenario.edit import apply

ROOT = Path(__file__).resolve().parents[1]

# Run in the child: the command itself, then its own peak resident memory (kB on Linux).
CHILD = """
import json, resource, sys
from sim.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def scaled(scenario: sim.Scenario, m: float, capacity: bool) -> sim.Scenario:
    """Demand times ``m``; with ``capacity``, every team and reviewer pool times ``m`` too."""
    changes: dict[str, Any] = {"demand.base_rate": scenario.demand.base_rate * m}
    if capacity:
        for i, a in enumerate(scenario.agencies):
            changes[f"agencies.{i}.capacity"] = max(1, round(a.capacity * m))
        for j, st in enumerate(scenario.approvals.stages):
            changes[f"approvals.stages.{j}.reviewers"] = max(1, round(st.reviewers * m))
    return apply(scenario, changes)


def bench_demand(scenario: sim.Scenario, multipliers: tuple[int, ...], rounds: int
                 ) -> list[dict[str, Any]]:
    """One row per multiplier: CPU per request, whole and marginal, and their ratio to 1x.

    In each round and for each multiplier, the fixed cost, 1x and the multiplier are timed
    back to back; a ratio is the median over rounds, an absolute figure the fastest round.
    """
    idle = scaled(scenario, 1e-6, capacity=False)
    cells = {m: scaled(scenario, m, capacity=True) for m in multipliers}
    cpu: dict[int, list[float]] = {m: [] for m in (0, *multipliers)}
    requests: dict[int, int] = {}
    whole: dict[int, list[float]] = {m: [] for m in multipliers}
    marginal: dict[int, list[float]] = {m: [] for m in multipliers}

    def timed(m: int, cell: sim.Scenario) -> float:
        sec, requests[m] = cpu_run(cell, "pilot", 0)
        cpu[m].append(sec)
        return sec

    first = multipliers[0]
    for _ in range(rounds):
        for m in multipliers:
            fixed, c1, cm = timed(0, idle), timed(first, cells[first]), timed(m, cells[m])
            whole[m].append((cm / requests[m]) / (c1 / requests[first]))
            marginal[m].append(((cm - fixed) / requests[m]) / ((c1 - fixed) / requests[first]))
    fixed_s = min(cpu[0])
    return [{"multiplier": m, "requests": requests[m], "cpu_s": min(cpu[m]),
             "fixed_cpu_s": fixed_s, "us_per_request": 1e6 * min(cpu[m]) / requests[m],
             "us_per_request_marginal": 1e6 * (min(cpu[m]) - fixed_s) / requests[m],
             "whole_vs_1x": statistics.median(whole[m]),
             "marginal_vs_1x": statistics.median(marginal[m]),
             "marginal_vs_1x_by_round": marginal[m]} for m in multipliers]


def tree_rss_mb(root: int) -> dict[int, float]:
    """Resident memory (MB) of ``root`` and every descendant, read from Linux's /proc."""
    parent: dict[int, int] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry)
        parent[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parent.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return {pid: rss[pid] for pid in tree if pid in rss}


def run_compare(replications: int, jobs: int) -> dict[str, Any]:
    """Wall seconds and peak memory of ``campaign-sim compare scenarios/baseline.yaml``.

    The command runs in a fresh child process, writing to a temporary folder. Its memory is
    sampled every 0.1 s: the peak of the summed resident memory of the command and its workers
    at one moment (``peak_mb``, the figure judged), and each process's own peak. The command's
    peak is also read from ``getrusage`` at its end, which sampling cannot miss; the judged peak
    is at least that. (``RUSAGE_CHILDREN`` is not used for the workers: it also counts short
    helper processes, such as ``git``, forked from the parent at its full size.)
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]).rstrip(os.pathsep)}
    with tempfile.TemporaryDirectory(prefix="campaign-sim-bench-") as tmp:
        argv = ["compare", str(ROOT / "scenarios" / "baseline.yaml"), "--replications",
                str(replications), "--jobs", str(jobs), "--out", str(Path(tmp) / "out"),
                "--quiet"]
        out_path = Path(tmp) / "stdout"
        total, own = 0.0, dict[int, float]()
        start = time.perf_counter()
        with open(out_path, "w", encoding="utf-8") as out:
            child = subprocess.Popen([sys.executable, "-c", CHILD, *argv], stdout=out,
                                     stderr=subprocess.PIPE, text=True, env=env)
            while child.poll() is None:
                sample = tree_rss_mb(child.pid)
                total = max(total, sum(sample.values()))
                for pid, mb in sample.items():
                    own[pid] = max(own.get(pid, 0.0), mb)
                time.sleep(0.1)
        wall = time.perf_counter() - start
        stderr = child.stderr.read() if child.stderr else ""
        if child.returncode != 0:
            raise RuntimeError(f"compare failed ({child.returncode}): {stderr[-2000:]}")
        usage = json.loads(out_path.read_text(encoding="utf-8").strip().splitlines()[-1])
    parent_mb = usage["self_kb"] / 1024
    workers = sorted((mb for pid, mb in own.items() if pid != child.pid), reverse=True)
    return {"replications": replications, "jobs": jobs, "wall_s": wall,
            "parent_peak_mb": parent_mb, "worker_peak_mb": workers[0] if workers else 0.0,
            "peak_mb": max(total, parent_mb), "samples_peak_mb": total}


def bench_compare(replications: int, speedup_replications: int) -> dict[str, Any]:
    """The comparison on 2 workers (wall, memory), and 1 vs 2 workers on a smaller batch."""
    main = run_compare(replications, 2)
    one = run_compare(speedup_replications, 1)
    two = main if speedup_replications == replications else run_compare(speedup_replications, 2)
    return {**main, "speedup_replications": speedup_replications,
            "speedup_wall_s_1": one["wall_s"], "speedup_wall_s_2": two["wall_s"],
            "speedup": one["wall_s"] / two["wall_s"]}
