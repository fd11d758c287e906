"""How much memory one run of a scenario needs, estimated before anything runs.

A valid scenario can still ask for more than a machine has (``demand.base_rate: 100000`` means
about 70 million requests a year): without this check it would allocate for minutes and die of
``MemoryError``. The estimate counts the arrays a run keeps per request (its uniforms, work
content and log, and its rows in the tables) and per day and channel, times a margin for the
copies made while the tables are built, plus the libraries' own memory (measured: a baseline
pilot run peaks at ~250 MB resident, one at 50x its demand at ~660 MB, about 2.9 kB more per
request); it is checked against a limit the user can raise.
"""

from __future__ import annotations

import math

from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.schema import Scenario
from sim.world.demand import N_FIXED_UNIFORMS, cumulative_rate

DEFAULT_LIMIT_GIB = 4.0
GIB = 2.0**30
BASE_BYTES = 300 * 2.0**20  # the interpreter with numpy, pandas, scipy and matplotlib loaded
REQUEST_TABLE_BYTES = 200  # one row of requests.parquet's columns in a DataFrame
DAY_TABLE_BYTES = 200  # one (day, channel) row of daily.parquet's columns
COPY_MARGIN = 3.0  # records, their tables, and the copies made to write and plot them


def expected_requests(scenario: Scenario) -> float:
    """Expected number of content requests over the horizon (the NHPP's integrated rate)."""
    horizon = float(scenario.horizon_days)
    return float(cumulative_rate(scenario.demand, horizon, horizon))


def run_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of one run, in bytes (requests at their mean plus 6 sd)."""
    mean = expected_requests(scenario)
    requests = mean + 6.0 * math.sqrt(mean)
    stages = len(scenario.approvals.stages)
    rounds = scenario.approvals.max_revisions_per_stage + 1
    teams = len(scenario.agencies)
    floats = (N_FIXED_UNIFORMS + stages * rounds * 2  # uniforms drawn at arrival
              + 3 * teams + 2 * stages * rounds  # work content per team and stage
              + 6 + 6)  # request attributes and the run's log
    per_request = 8 * floats + REQUEST_TABLE_BYTES
    per_day = DAY_TABLE_BYTES * len(scenario.channels)
    return BASE_BYTES + COPY_MARGIN * (requests * per_request + scenario.horizon_days * per_day)


def check_memory(scenario: Scenario, limit_gib: float | None = None,
                 file: str | None = None) -> None:
    """Raise :class:`ScenarioError` naming ``demand.base_rate`` if a run would exceed the limit."""
    limit = DEFAULT_LIMIT_GIB if limit_gib is None else limit_gib
    need = run_bytes(scenario) / GIB
    if need > limit:
        rule = (f"one run would need about {need:,.1f} GiB of memory for about "
                f"{expected_requests(scenario):,.0f} requests over {scenario.horizon_days} days "
                f"(limit {limit:g} GiB; raise it with --max-memory)")
        raise ScenarioError([Problem("demand.base_rate", rule, scenario.demand.base_rate, file)])
